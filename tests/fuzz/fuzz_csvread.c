/*
 * fuzz_csvread.c - libFuzzer target: the CSV reader on arbitrary bytes.
 *
 * Whatever the input, the reader must not crash, and every record it hands
 * over must hold valid UTF-8 with line numbers that never go backwards.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "collect/csvread.h"
#include "util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
check(void *ctx, const struct rg_csv_record *rec, struct rg_err *err)
{
    int64_t *last = ctx;

    (void)err;
    if (rec->line < *last || rec->line < 1)
        abort();
    *last = rec->line;
    for (size_t i = 0; i < rec->n; i++)
        if (!rg_utf8_valid(rec->f[i].s, rec->f[i].len, NULL) ||
            rec->f[i].s[rec->f[i].len] != '\0')
            abort();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rg_csv_stats st;
    struct rg_err err;
    int64_t last = 0;

    rg_err_init(&err);
    if (rg_csv_read_mem("fuzz.csv", data, size, check, &last, &st, &err) < 0 &&
        err.code == RG_OK)
        abort(); /* a failure must say why */
    return 0;
}
