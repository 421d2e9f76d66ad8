/*
 * fuzz_csvfast.c - libFuzzer target: the reader's fast path for plain lines
 * must give exactly what libcsv gives, records, lines and errors alike, and
 * so must reading in small buffers (the first byte picks their size): line
 * numbers and preambles must not depend on where a buffer ends.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/csvread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct trace {
    char *text; /* owned */
    size_t len, cap;
};

static void
put(struct trace *t, const void *p, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->text = realloc(t->text, t->cap);
    }
    memcpy(t->text + t->len, p, n);
    t->len += n;
}

static int
record(void *ctx, const struct rg_csv_record *rec, struct rg_err *err)
{
    struct trace *t = ctx;

    (void)err;
    put(t, &rec->line, sizeof(rec->line));
    put(t, &rec->n, sizeof(rec->n));
    for (size_t i = 0; i < rec->n; i++) {
        put(t, &rec->f[i].len, sizeof(rec->f[i].len));
        put(t, rec->f[i].s, rec->f[i].len);
    }
    return 0;
}

static void
run(const uint8_t *data, size_t size, int fast, size_t chunk, struct trace *t)
{
    struct rg_csv_stats st;
    struct rg_err err;

    rg_csv_fast_path = fast;
    rg_csv_mem_chunk = chunk;
    rg_err_init(&err);
    if (rg_csv_read_mem("f.csv", data, size, record, t, &st, &err) < 0)
        put(t, err.msg, strlen(err.msg));
    else
        put(t, &st.records, sizeof(st.records));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct trace a = { NULL, 0, 0 }, b = { NULL, 0, 0 }, c = { NULL, 0, 0 };
    size_t chunk;

    if (size < 1)
        return 0;
    chunk = 8 + data[0];
    run(data + 1, size - 1, 1, (size_t)1 << 20, &a);
    run(data + 1, size - 1, 0, (size_t)1 << 20, &b);
    run(data + 1, size - 1, 1, chunk, &c);
    if (a.len != b.len || memcmp(a.text, b.text, a.len) != 0)
        abort();
    if (a.len != c.len || memcmp(a.text, c.text, a.len) != 0)
        abort();
    free(a.text);
    free(b.text);
    free(c.text);
    return 0;
}
