/*
 * fuzz_timefmt.c - libFuzzer target: the time and boolean parsers.
 *
 * Bytes before the first NUL are a format, the rest a value. Whatever is
 * accepted must print as a UTC time that parses back to the same instant.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "util/timefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
roundtrip(const struct rg_tm *tm)
{
    char iso[RG_ISO_TIME_LEN];
    struct rg_tm back;

    rg_unix_to_iso(rg_tm_to_unix(tm), iso);
    if (rg_tm_parse_iso(iso, strlen(iso), &back) != 0)
        abort();
    /* an offset can move the instant outside years 1-9999: then clamped */
    if (tm->year > 1 && tm->year < 9999 &&
        rg_tm_to_unix(&back) != rg_tm_to_unix(tm))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *nul = memchr(s, '\0', size);
    struct rg_tm tm;
    struct rg_err err;
    int b;

    if (rg_tm_parse_iso(s, size, &tm) == 0)
        roundtrip(&tm);
    (void)rg_parse_bool(s, size, &b);
    if (nul) {
        size_t flen = (size_t)(nul - s);
        char *fmt = malloc(flen + 1);

        memcpy(fmt, s, flen);
        fmt[flen] = '\0';
        rg_err_init(&err);
        if (rg_tm_check_fmt(fmt, &err) == 0 &&
            rg_tm_parse_fmt(fmt, nul + 1, size - flen - 1, &tm) == 0)
            roundtrip(&tm);
        free(fmt);
    }
    return 0;
}
