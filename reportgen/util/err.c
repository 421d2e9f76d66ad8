/*
 * err.c - failure records (see err.h).
 */
#include "err.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
rg_err_init(struct rg_err *err)
{
    err->code = RG_OK;
    err->msg[0] = '\0';
}

int
rg_fail(struct rg_err *err, enum rg_code code, const char *fmt, ...)
{
    va_list ap;

    if (!err || err->code != RG_OK)
        return -1;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return -1;
}

void
rg_warnf(void (*fn)(void *ctx, const char *msg), void *ctx, const char *fmt,
         ...)
{
    char msg[600];
    va_list ap;

    if (!fn)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fn(ctx, msg);
}

int
rg_err_exit_code(const struct rg_err *err)
{
    switch (err->code) {
    case RG_OK:
        return 0;
    case RG_ERR_VERIFY:
        return 1;
    case RG_ERR_USAGE:
        return 2;
    default:
        return 3;
    }
}

void
rg_err_quote(char *out, size_t outsz, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    int utf8 = rg_utf8_valid(s, len, NULL);
    size_t o = 0, i = 0, shown = 0;

    if (outsz == 0)
        return;
    while (i < len && shown < 40) {
        unsigned char c = (unsigned char)s[i];
        size_t n = 1;

        if (utf8 && c >= 0x80) {
            /* Keep a whole UTF-8 sequence: 'Søren' reads better than
             * 'S\xc3\xb8ren'. */
            while (i + n < len && ((unsigned char)s[i + n] & 0xc0) == 0x80)
                n++;
            if (o + n >= outsz)
                break;
            memcpy(out + o, s + i, n);
            o += n;
        } else if (c >= 0x20 && c < 0x7f) {
            if (o + 1 >= outsz)
                break;
            out[o++] = (char)c;
        } else {
            if (o + 4 >= outsz)
                break;
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
        i += n;
        shown++;
    }
    if (i < len && o + 3 < outsz) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}
