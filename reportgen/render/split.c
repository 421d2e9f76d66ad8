/*
 * split.c - one workbook per value of a column (see split.h).
 */
#include "split.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/fs.h"
#include "../util/map.h"

#define NAME_MAX_BYTES 100
#define UNASSIGNED "unassigned"

struct rg_split {
    const char *data, *tmpdir, *col_title;
    char *folder;
    const struct rg_report_meta *m;
    struct rg_report_section base; /* the section, copied before any row */
    int col;
    /* the workbook being written */
    struct rg_report_section sub;
    struct rg_report_meta meta;
    char *title;
    struct rg_xlsx *x;
    /* every workbook so far, in order */
    struct rg_split_book *books;
    size_t n, cap;
    struct rg_map *values; /* seen, to catch rows out of order */
    struct rg_map *names;  /* file names taken */
    int seen_unassigned;
    /* the index, shown in the section's place */
    struct rg_report_section idx;
    struct rg_report_column idx_cols[3];
    char *idx_desc;
};

struct rg_split *
rg_split_new(const char *data, const char *folder, const char *tmpdir,
             const struct rg_report_meta *m, const struct rg_report_section *s,
             int col, const char *col_title, struct rg_err *err)
{
    struct rg_split *sp = calloc(1, sizeof(*sp));
    char path[4096];

    if (!sp || !(sp->folder = strdup(folder)) || !(sp->values = rg_map_new()) ||
        !(sp->names = rg_map_new()) ||
        rg_map_put(sp->names, UNASSIGNED, strlen(UNASSIGNED), 0, 0, 0, 0,
                   NULL) < 0) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto fail;
    }
    sp->data = data;
    sp->tmpdir = tmpdir;
    sp->m = m;
    sp->base = *s;
    sp->col = col;
    sp->col_title = col_title;
    if (rg_pathf(err, path, sizeof(path), "%s/%s", data, folder) < 0)
        goto fail;
    if (mkdir(path, 0777) != 0) {
        rg_fail(err, RG_ERR_IO, "cannot create '%s': %s", path,
                strerror(errno));
        goto fail;
    }
    return sp;

fail:
    rg_split_free(sp);
    return NULL;
}

/* Appends s to the name, spelling the Danish letters and a few others out. */
static size_t
safe_name(const char *v, size_t len, char *out, size_t outsz)
{
    static const struct {
        const char *utf8, *ascii;
    } spelled[] = { { "\xc3\xa6", "ae" }, { "\xc3\x86", "ae" },
                    { "\xc3\xb8", "oe" }, { "\xc3\x98", "oe" },
                    { "\xc3\xa5", "aa" }, { "\xc3\x85", "aa" },
                    { "\xc3\xa4", "ae" }, { "\xc3\xb6", "oe" },
                    { "\xc3\xbc", "ue" }, { "\xc3\xa9", "e" } };
    size_t o = 0;
    int dash = 1; /* no dash first */

    for (size_t i = 0; i < len && o + 3 < outsz;) {
        unsigned char c = (unsigned char)v[i];
        const char *add = NULL;
        size_t k;

        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
            c == '_' || c == '@') {
            out[o++] = (char)c;
            dash = 0;
            i++;
            continue;
        }
        if (c >= 'A' && c <= 'Z') {
            out[o++] = (char)(c - 'A' + 'a');
            dash = 0;
            i++;
            continue;
        }
        for (k = 0; k < sizeof(spelled) / sizeof(spelled[0]); k++)
            if (i + 2 <= len && memcmp(v + i, spelled[k].utf8, 2) == 0)
                add = spelled[k].ascii;
        if (add) {
            for (; *add && o + 1 < outsz; add++)
                out[o++] = *add;
            dash = 0;
            i += 2;
            continue;
        }
        if (!dash)
            out[o++] = '-';
        dash = 1;
        i++;
        /* one dash for a whole UTF-8 sequence */
        while (i < len && ((unsigned char)v[i] & 0xc0) == 0x80)
            i++;
    }
    /* no dash or dot at the end: "a-.xlsx" or "a..xlsx" */
    while (o > 0 && (out[o - 1] == '-' || out[o - 1] == '.'))
        o--;
    /* nor a dot first: a hidden file */
    while (o > 0 && out[0] == '.') {
        memmove(out, out + 1, o - 1);
        o--;
    }
    out[o] = '\0';
    return o;
}

/* The file for a value: its safe name, made unique. */
static int
pick_file(struct rg_split *sp, const char *v, size_t len, char *out,
          size_t outsz, struct rg_err *err)
{
    char base[NAME_MAX_BYTES + 8], name[NAME_MAX_BYTES + 32];
    size_t n;
    int r;

    if (!v) {
        snprintf(name, sizeof(name), "%s", UNASSIGNED);
    } else {
        n = safe_name(v, len, base, NAME_MAX_BYTES);
        if (n == 0)
            snprintf(base, sizeof(base), "value");
        snprintf(name, sizeof(name), "%s", base);
        for (int k = 2;; k++) {
            r = rg_map_put(sp->names, name, strlen(name), 0, 0, 0, 0, NULL);
            if (r < 0)
                return rg_fail(err, RG_ERR_NOMEM, "out of memory");
            if (r == 0)
                break;
            snprintf(name, sizeof(name), "%s-%d", base, k);
        }
    }
    return rg_pathf(err, out, outsz, "%s/%s.xlsx", sp->folder, name);
}

/* Closes the open workbook, if any. */
static int
close_book(struct rg_split *sp, struct rg_err *err)
{
    struct rg_xlsx *x = sp->x;

    if (!x)
        return 0;
    sp->x = NULL;
    if (rg_xlsx_end(x, err) < 0) {
        rg_xlsx_abandon(x);
        return -1;
    }
    sp->books[sp->n - 1].rows = sp->sub.rows;
    return rg_xlsx_close(x, err);
}

static int
open_book(struct rg_split *sp, const char *v, size_t len, struct rg_err *err)
{
    struct rg_split_book *b;
    char file[4096], path[8192];
    size_t tlen;

    if (sp->n == sp->cap) {
        size_t cap = sp->cap ? 2 * sp->cap : 64;
        struct rg_split_book *nb = realloc(sp->books, cap * sizeof(*nb));

        if (!nb)
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        sp->books = nb;
        sp->cap = cap;
    }
    if (pick_file(sp, v, len, file, sizeof(file), err) < 0)
        return -1;
    b = &sp->books[sp->n];
    memset(b, 0, sizeof(*b));
    if ((v && !(b->value = strndup(v, len))) || !(b->file = strdup(file))) {
        free(b->value);
        free(b->file);
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    }
    sp->n++;
    free(sp->title);
    tlen = strlen(sp->m->title) + strlen(sp->col_title) + len + 32;
    if (!(sp->title = malloc(tlen)))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    snprintf(sp->title, tlen, "%s, %s: %.*s", sp->m->title, sp->col_title,
             v ? (int)len : (int)strlen("(none)"), v ? v : "(none)");
    sp->meta = *sp->m;
    sp->meta.title = sp->title;
    sp->sub = sp->base;
    sp->sub.chart_label = sp->sub.chart_value = -1;
    if (rg_pathf(err, path, sizeof(path), "%s/%s", sp->data, file) < 0 ||
        !(sp->x = rg_xlsx_open(path, sp->tmpdir, &sp->meta, err)))
        return -1;
    return rg_xlsx_begin(sp->x, &sp->sub, err);
}

int
rg_split_row(struct rg_split *sp, const struct rg_value *row,
             struct rg_err *err)
{
    const struct rg_value *v = &row[sp->col];
    const char *key = NULL;
    char num[40];
    size_t len = 0;
    int r;

    if (v->type == RG_TEXT && v->len) {
        key = v->s;
        len = v->len;
    } else if (v->type == RG_INT) {
        len = (size_t)snprintf(num, sizeof(num), "%lld", (long long)v->i);
        key = num;
    } else if (v->type == RG_REAL) {
        len = (size_t)snprintf(num, sizeof(num), "%.17g", v->d);
        key = num;
    }
    /* the same value as the row before: the same workbook */
    if (sp->n) {
        const struct rg_split_book *b = &sp->books[sp->n - 1];

        if (!key ? !b->value
                 : (b->value && strlen(b->value) == len &&
                    memcmp(b->value, key, len) == 0 && !memchr(key, 0, len)))
            return rg_xlsx_row(sp->x, row, err);
    }
    if (!key) {
        r = sp->seen_unassigned;
        sp->seen_unassigned = 1;
    } else if ((r = rg_map_put(sp->values, key, len, 0, 0, 0, 0, NULL)) < 0) {
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    }
    if (r)
        return rg_fail(err, RG_ERR_INPUT,
                       "query '%s' must return its rows grouped by its split "
                       "column '%s' (ORDER BY it first): '%.*s' comes again "
                       "after other values",
                       sp->base.query_file, sp->base.result_names[sp->col],
                       key ? (int)(len > 80 ? 80 : len) : 6,
                       key ? key : "(none)");
    if (close_book(sp, err) < 0 || open_book(sp, key, len, err) < 0)
        return -1;
    return rg_xlsx_row(sp->x, row, err);
}

int
rg_split_finish(struct rg_split *sp, struct rg_xlsx *x, struct rg_pdf *pdf,
                int64_t total, struct rg_err *err)
{
    struct rg_report_section *idx = &sp->idx;
    struct rg_value row[4];
    size_t dlen;

    if (close_book(sp, err) < 0)
        return -1;
    *idx = sp->base;
    sp->idx_cols[0].title = sp->col_title;
    sp->idx_cols[0].format = RG_FMT_TEXT;
    sp->idx_cols[0].width = 40;
    sp->idx_cols[0].src = 0;
    sp->idx_cols[1].title = "Workbook";
    sp->idx_cols[1].format = RG_FMT_TEXT;
    sp->idx_cols[1].width = 50;
    sp->idx_cols[1].src = 1;
    sp->idx_cols[2].title = "Rows";
    sp->idx_cols[2].format = RG_FMT_INT;
    sp->idx_cols[2].width = 10;
    sp->idx_cols[2].src = 2;
    idx->cols = sp->idx_cols;
    idx->ncols = 3;
    idx->nresult = 4;
    idx->result_names = NULL;
    idx->highlight = 3; /* the rows nobody was found for */
    idx->chart_label = idx->chart_value = -1;
    dlen = (idx->description ? strlen(idx->description) : 0) + 300;
    if (!(sp->idx_desc = malloc(dlen)))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    snprintf(sp->idx_desc, dlen,
             "%s%s%lld row%s in %zu workbook%s, one per %s, in the folder "
             "%s/ beside this file; rows without a %s are in %s/%s.xlsx "
             "(highlighted). The CSV extract holds every row.",
             idx->description ? idx->description : "",
             idx->description ? " " : "", (long long)total,
             total == 1 ? "" : "s", sp->n, sp->n == 1 ? "" : "s", sp->col_title,
             sp->folder, sp->col_title, sp->folder, UNASSIGNED);
    idx->description = sp->idx_desc;
    if ((x && rg_xlsx_begin(x, idx, err) < 0) ||
        (pdf && rg_pdf_begin(pdf, idx, err) < 0))
        return -1;
    for (size_t i = 0; i < sp->n; i++) {
        const struct rg_split_book *b = &sp->books[i];

        row[0].type = RG_TEXT;
        row[0].s = b->value ? b->value : "(unassigned)";
        row[0].len = strlen(row[0].s);
        row[1].type = RG_TEXT;
        row[1].s = b->file;
        row[1].len = strlen(b->file);
        row[2].type = RG_INT;
        row[2].i = b->rows;
        row[3].type = RG_INT;
        row[3].i = !b->value;
        if ((x && rg_xlsx_row(x, row, err) < 0) ||
            (pdf && rg_pdf_row(pdf, row, err) < 0))
            return -1;
    }
    if ((x && rg_xlsx_end(x, err) < 0) ||
        (pdf && rg_pdf_end(pdf, (int64_t)sp->n, err) < 0))
        return -1;
    /* the covers and the appendix count the query's rows */
    idx->rows = total;
    return 0;
}

size_t
rg_split_count(const struct rg_split *sp)
{
    return sp ? sp->n : 0;
}

const struct rg_split_book *
rg_split_book(const struct rg_split *sp, size_t i)
{
    return &sp->books[i];
}

void
rg_split_free(struct rg_split *sp)
{
    if (!sp)
        return;
    rg_xlsx_abandon(sp->x);
    for (size_t i = 0; i < sp->n; i++) {
        free(sp->books[i].value);
        free(sp->books[i].file);
    }
    free(sp->books);
    free(sp->title);
    free(sp->idx_desc);
    free(sp->folder);
    rg_map_free(sp->values);
    rg_map_free(sp->names);
    free(sp);
}
