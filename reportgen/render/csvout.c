/*
 * csvout.c - CSV extracts (see csvout.h).
 */
#include "csvout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rg_csvout {
    FILE *f;
    char *path; /* owned */
    size_t n;
};

/* Quotes a field holding a comma, quote, line break or outer space. */
static void
field(FILE *f, const char *s, size_t len)
{
    int quote = len > 0 && (s[0] == ' ' || s[len - 1] == ' ' || s[0] == '\t' ||
                            s[len - 1] == '\t');

    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        fwrite(s, 1, len, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
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
            fputc(',', c->f);
        field(c->f, names[i], strlen(names[i]));
    }
    fputs("\r\n", c->f);
    return c;
}

int
rg_csvout_row(struct rg_csvout *c, const struct rg_value *row,
              struct rg_err *err)
{
    char buf[64];

    for (size_t i = 0; i < c->n; i++) {
        if (i)
            putc(',', c->f);
        switch (row[i].type) {
        case RG_NULL:
            break;
        case RG_INT:
            fprintf(c->f, "%lld", (long long)row[i].i);
            break;
        case RG_REAL:
            snprintf(buf, sizeof(buf), "%.17g", row[i].d);
            fputs(buf, c->f);
            break;
        case RG_TEXT:
            field(c->f, row[i].s, row[i].len);
            break;
        }
    }
    fputs("\r\n", c->f);
    if (ferror(c->f))
        return rg_fail(err, RG_ERR_IO, "cannot write '%s': %s", c->path,
                       strerror(errno));
    return 0;
}

int
rg_csvout_close(struct rg_csvout *c, struct rg_err *err)
{
    int ret = 0;

    if (!c)
        return 0;
    if (fclose(c->f) != 0)
        ret = rg_fail(err, RG_ERR_IO, "cannot write '%s': %s", c->path,
                      strerror(errno));
    free(c->path);
    free(c);
    return ret;
}
