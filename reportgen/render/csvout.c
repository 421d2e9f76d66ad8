/*
 * csvout.c - CSV extracts (see csvout.h).
 *
 * Written through a buffer of our own, numbers formatted by hand: on a
 * 2M-row section the extract is written on a shared core beside the PDF,
 * and stdio's per-call costs showed.
 */
#include "csvout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF (1u << 16)

struct rg_csvout {
    FILE *f;
    char *path; /* owned */
    size_t n;
    char buf[BUF];
    size_t used;
    int failed; /* a write failed; errno kept in err_no */
    int err_no;
};

static void
flush(struct rg_csvout *c)
{
    if (c->used && !c->failed && fwrite(c->buf, 1, c->used, c->f) != c->used) {
        c->failed = 1;
        c->err_no = errno;
    }
    c->used = 0;
}

static void
put(struct rg_csvout *c, const char *s, size_t len)
{
    if (len > BUF - c->used) {
        flush(c);
        if (len > BUF) {
            if (!c->failed && fwrite(s, 1, len, c->f) != len) {
                c->failed = 1;
                c->err_no = errno;
            }
            return;
        }
    }
    memcpy(c->buf + c->used, s, len);
    c->used += len;
}

/* Quotes a field holding a comma, quote, line break or outer space. */
static void
field(struct rg_csvout *c, const char *s, size_t len)
{
    int quote = len > 0 && (s[0] == ' ' || s[len - 1] == ' ' || s[0] == '\t' ||
                            s[len - 1] == '\t');
    const char *q;

    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        put(c, s, len);
        return;
    }
    put(c, "\"", 1);
    while ((q = memchr(s, '"', len))) {
        put(c, s, (size_t)(q - s) + 1);
        put(c, "\"", 1); /* a quote is doubled */
        len -= (size_t)(q - s) + 1;
        s = q + 1;
    }
    put(c, s, len);
    put(c, "\"", 1);
}

static void
integer(struct rg_csvout *c, long long v)
{
    char tmp[24];
    size_t n = sizeof(tmp);
    unsigned long long u =
        v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

    do
        tmp[--n] = (char)('0' + u % 10);
    while ((u /= 10) > 0);
    if (v < 0)
        tmp[--n] = '-';
    put(c, tmp + n, sizeof(tmp) - n);
}

struct rg_csvout *
rg_csvout_open(const char *path, const char *const *names, size_t n,
               struct rg_err *err)
{
    struct rg_csvout *c = calloc(1, sizeof(*c));

    if (!c || !(c->path = strdup(path))) {
        free(c);
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (!(c->f = fopen(path, "wb"))) {
        rg_fail(err, RG_ERR_IO, "cannot create '%s': %s", path,
                strerror(errno));
        free(c->path);
        free(c);
        return NULL;
    }
    c->n = n;
    for (size_t i = 0; i < n; i++) {
        if (i)
            put(c, ",", 1);
        field(c, names[i], strlen(names[i]));
    }
    put(c, "\r\n", 2);
    return c;
}

int
rg_csvout_row(struct rg_csvout *c, const struct rg_value *row,
              struct rg_err *err)
{
    char num[64];

    for (size_t i = 0; i < c->n; i++) {
        if (i)
            put(c, ",", 1);
        switch (row[i].type) {
        case RG_NULL:
            break;
        case RG_INT:
            integer(c, (long long)row[i].i);
            break;
        case RG_REAL:
            put(c, num, (size_t)snprintf(num, sizeof(num), "%.17g", row[i].d));
            break;
        case RG_TEXT:
            field(c, row[i].s, row[i].len);
            break;
        }
    }
    put(c, "\r\n", 2);
    if (c->failed)
        return rg_fail(err, RG_ERR_IO, "cannot write '%s': %s", c->path,
                       strerror(c->err_no));
    return 0;
}

int
rg_csvout_close(struct rg_csvout *c, struct rg_err *err)
{
    int ret = 0;

    if (!c)
        return 0;
    flush(c);
    if (c->failed)
        ret = rg_fail(err, RG_ERR_IO, "cannot write '%s': %s", c->path,
                      strerror(c->err_no));
    if (fclose(c->f) != 0 && ret == 0)
        ret = rg_fail(err, RG_ERR_IO, "cannot write '%s': %s", c->path,
                      strerror(errno));
    free(c->path);
    free(c);
    return ret;
}
