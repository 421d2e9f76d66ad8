/*
 * json.c - JSON output helpers (see json.h).
 */
#include "json.h"

void
rg_json_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        switch (c) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (c < 0x20)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

void
rg_json_int(FILE *f, int64_t v, int null_if_negative)
{
    if (null_if_negative && v < 0)
        fputs("null", f);
    else
        fprintf(f, "%lld", (long long)v);
}

static void
key(FILE *f, int *n, const char *k)
{
    if ((*n)++)
        fputc(',', f);
    rg_json_str(f, k);
    fputc(':', f);
}

void
rg_json_kstr(FILE *f, int *n, const char *k, const char *s)
{
    key(f, n, k);
    rg_json_str(f, s);
}

void
rg_json_kint(FILE *f, int *n, const char *k, int64_t v, int null_if_negative)
{
    key(f, n, k);
    rg_json_int(f, v, null_if_negative);
}
