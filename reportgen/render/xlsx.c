/*
 * xlsx.c - the pack's workbook (see xlsx.h).
 *
 * Every libxlsxwriter call that can fail is checked: in constant-memory mode
 * a row written out of order or past the sheet's end is dropped with only a
 * return code to say so.
 */
#include "xlsx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "../util/text.h"
#include "../util/timefmt.h"

#define MAX_SECTIONS 64
#define DATA_ROWS (LXW_ROW_MAX - 1) /* one row for the header */
#define HIGHLIGHT_FILL 0xFFF2CC     /* pale amber */
#define HEADER_FILL 0xD9E1F2        /* pale blue */
#define RG_CHOICES_MAX 32           /* RG_TEMPLATE_MAX_VALUES */

struct rg_xlsx {
    lxw_workbook *wb;
    lxw_worksheet *cover;
    const struct rg_report_meta *m;               /* borrowed */
    struct rg_report_section *secs[MAX_SECTIONS]; /* borrowed */
    size_t nsecs;
    lxw_format *header, *bold, *wrap;
    lxw_format *fmt[2][RG_FMT_BOOL + 1]; /* [highlighted][format] */
    lxw_format *unlocked[2];             /* input cells [highlighted] */
    /* the section being written */
    struct rg_report_section *s;
    lxw_worksheet *ws;
    int part;       /* 1 for the first sheet of a section, 2... */
    lxw_row_t row;  /* next row on the current sheet */
    int64_t rows;   /* rows of the section so far */
    char sheet[64]; /* the current sheet's name */
    char first_sheet[64];
    lxw_row_t first_rows; /* rows on the section's first sheet */
};

static int
lxw_fail(struct rg_err *err, const char *what, lxw_error e)
{
    return rg_fail(err, RG_ERR_IO, "cannot write the workbook (%s): %s", what,
                   lxw_strerror(e));
}

static lxw_format *
new_format(lxw_workbook *wb, const char *num, int highlight)
{
    lxw_format *f = workbook_add_format(wb);

    if (!f)
        return NULL;
    if (num)
        format_set_num_format(f, num);
    if (highlight) {
        format_set_pattern(f, LXW_PATTERN_SOLID);
        format_set_bg_color(f, HIGHLIGHT_FILL);
    }
    return f;
}

static int
make_formats(struct rg_xlsx *x, struct rg_err *err)
{
    static const char *const nums[RG_FMT_BOOL + 1] = { NULL, "0", "yyyy-mm-dd",
                                                       "yyyy-mm-dd hh:mm:ss",
                                                       NULL };

    x->header = workbook_add_format(x->wb);
    x->bold = workbook_add_format(x->wb);
    x->wrap = workbook_add_format(x->wb);
    if (!x->header || !x->bold || !x->wrap)
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    format_set_bold(x->header);
    format_set_pattern(x->header, LXW_PATTERN_SOLID);
    format_set_bg_color(x->header, HEADER_FILL);
    format_set_bottom(x->header, LXW_BORDER_THIN);
    format_set_bold(x->bold);
    format_set_text_wrap(x->wrap);
    format_set_align(x->wrap, LXW_ALIGN_VERTICAL_TOP);
    for (int h = 0; h < 2; h++) {
        for (int f = 0; f <= RG_FMT_BOOL; f++)
            if (!(x->fmt[h][f] = new_format(x->wb, nums[f], h)))
                return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        if (!(x->unlocked[h] = new_format(x->wb, NULL, h)))
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        format_set_unlocked(x->unlocked[h]);
    }
    return 0;
}

struct rg_xlsx *
rg_xlsx_open(const char *path, const char *tmpdir,
             const struct rg_report_meta *m, struct rg_err *err)
{
    struct rg_xlsx *x = calloc(1, sizeof(*x));
    lxw_workbook_options o;
    lxw_doc_properties props;
    struct rg_tm tm;
    lxw_error e;

    if (!x) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    memset(&o, 0, sizeof(o));
    o.constant_memory = LXW_TRUE;
    o.tmpdir = (char *)tmpdir;
    o.use_zip64 = LXW_TRUE;
    x->m = m;
    if (!(x->wb = workbook_new_opt(path, &o))) {
        rg_fail(err, RG_ERR_IO, "cannot create workbook '%s'", path);
        goto fail;
    }
    /*
     * The creation time is the pack's generated-at, not the clock: the same
     * inputs must give the same bytes.
     */
    memset(&props, 0, sizeof(props));
    props.title = (char *)m->title;
    props.author = (char *)"reportgen";
    props.comments = (char *)m->pack_id;
    if (rg_tm_parse_iso(m->generated_at, strlen(m->generated_at), &tm) == 0)
        props.created = (time_t)rg_tm_to_unix(&tm);
    if ((e = workbook_set_properties(x->wb, &props)) != LXW_NO_ERROR) {
        lxw_fail(err, "properties", e);
        goto fail;
    }
    if (make_formats(x, err) < 0)
        goto fail;
    if (!(x->cover = workbook_add_worksheet(x->wb, "Cover"))) {
        rg_fail(err, RG_ERR_IO, "cannot add the cover sheet");
        goto fail;
    }
    return x;

fail:
    rg_xlsx_abandon(x);
    return NULL;
}

/* "<sheet> (n)", cutting the name so the whole stays within 31 bytes. */
static void
part_name(char *out, size_t outsz, const char *sheet, int part)
{
    char suffix[16];
    size_t keep = strlen(sheet);

    if (part == 1) {
        snprintf(out, outsz, "%s", sheet);
        return;
    }
    snprintf(suffix, sizeof(suffix), " (%d)", part);
    if (keep + strlen(suffix) > 31)
        keep = 31 - strlen(suffix);
    /* do not cut a UTF-8 sequence, nor end the name in a space */
    while (keep > 0 && ((unsigned char)sheet[keep] & 0xc0) == 0x80)
        keep--;
    while (keep > 0 && sheet[keep - 1] == ' ')
        keep--;
    snprintf(out, outsz, "%.*s%s", (int)keep, sheet, suffix);
}

/* Whether the section has input columns (then its sheets are protected). */
static int
has_inputs(const struct rg_report_section *s)
{
    for (size_t c = 0; c < s->ncols; c++)
        if (s->cols[c].input)
            return 1;
    return 0;
}

/*
 * A sheet with input columns is protected without a password: the rows
 * reported cannot be changed by accident, the inputs can; filtering,
 * sorting and resizing columns stay allowed.
 */
static void
protect(struct rg_xlsx *x)
{
    lxw_protection o;

    memset(&o, 0, sizeof(o));
    o.autofilter = 1;
    o.sort = 1;
    o.format_columns = 1;
    o.format_rows = 1;
    worksheet_protect(x->ws, NULL, &o);
}

static int
new_sheet(struct rg_xlsx *x, struct rg_err *err)
{
    const struct rg_report_section *s = x->s;
    lxw_error e;

    part_name(x->sheet, sizeof(x->sheet), s->sheet, x->part);
    if (!(x->ws = workbook_add_worksheet(x->wb, x->sheet)))
        return rg_fail(err, RG_ERR_IO, "cannot add sheet '%s'", x->sheet);
    if (has_inputs(s))
        protect(x);
    for (size_t c = 0; c < s->ncols; c++) {
        e = worksheet_set_column(x->ws, (lxw_col_t)c, (lxw_col_t)c,
                                 s->cols[c].width,
                                 s->cols[c].input ? x->unlocked[0] : NULL);
        if (e == LXW_NO_ERROR)
            e = worksheet_write_string(x->ws, 0, (lxw_col_t)c, s->cols[c].title,
                                       x->header);
        if (e != LXW_NO_ERROR)
            return lxw_fail(err, x->sheet, e);
    }
    worksheet_freeze_panes(x->ws, 1, 0);
    x->row = 1;
    return 0;
}

int
rg_xlsx_begin(struct rg_xlsx *x, struct rg_report_section *s,
              struct rg_err *err)
{
    if (x->nsecs == MAX_SECTIONS)
        return rg_fail(err, RG_ERR_LIMIT, "more than %d sections",
                       MAX_SECTIONS);
    x->secs[x->nsecs++] = s;
    x->s = s;
    x->part = 1;
    x->rows = 0;
    if (new_sheet(x, err) < 0)
        return -1;
    snprintf(x->first_sheet, sizeof(x->first_sheet), "%s", x->sheet);
    return 0;
}

/*
 * Limits an input column's cells to its choices: a drop-down list, and an
 * error for anything else typed or pasted in.
 */
static int
add_choices(struct rg_xlsx *x, lxw_col_t col, const char *choices,
            struct rg_err *err)
{
    char buf[256], *list[RG_CHOICES_MAX + 1], msg[300];
    lxw_data_validation dv;
    size_t n = 0;
    lxw_error e;

    snprintf(buf, sizeof(buf), "%s", choices);
    for (char *c = buf; n < RG_CHOICES_MAX;) {
        char *end = strchr(c, ','), *t;

        if (end)
            *end = '\0';
        while (*c == ' ' || *c == '\t')
            c++;
        t = c + strlen(c);
        while (t > c && (t[-1] == ' ' || t[-1] == '\t'))
            *--t = '\0';
        list[n++] = c;
        if (!end)
            break;
        c = end + 1;
    }
    list[n] = NULL;
    snprintf(msg, sizeof(msg), "Choose one of: %s", choices);
    memset(&dv, 0, sizeof(dv));
    dv.validate = LXW_VALIDATION_TYPE_LIST;
    dv.value_list = list;
    dv.error_title = (char *)"Not a choice";
    dv.error_message = msg;
    e = worksheet_data_validation_range(x->ws, 1, col, x->row - 1, col, &dv);
    if (e != LXW_NO_ERROR)
        return lxw_fail(err, x->sheet, e);
    return 0;
}

/* Closes the current sheet's table: the autofilter over what it holds. */
static int
finish_sheet(struct rg_xlsx *x, struct rg_err *err)
{
    lxw_error e = worksheet_autofilter(x->ws, 0, 0, x->row - 1,
                                       (lxw_col_t)(x->s->ncols - 1));

    if (e != LXW_NO_ERROR)
        return lxw_fail(err, x->sheet, e);
    for (size_t c = 0; c < x->s->ncols && x->row > 1; c++)
        if (x->s->cols[c].choices &&
            add_choices(x, (lxw_col_t)c, x->s->cols[c].choices, err) < 0)
            return -1;
    if (x->part == 1)
        x->first_rows = x->row - 1;
    return 0;
}

/*
 * Text as Excel takes it: valid UTF-8 (other bytes become U+FFFD, or the
 * sheet's XML is not well-formed), at most 32,767 characters (longer values
 * are cut, with a note; the CSV extract keeps them whole).
 */
static int
write_text(struct rg_xlsx *x, lxw_col_t col, const struct rg_value *v,
           lxw_format *fmt)
{
    static const char cut[] = " [cut: the CSV extract holds the whole value]";
    size_t chars, o = 0, i = 0;
    char *buf;
    int ret;

    if (v->len < 32767 / 4 && rg_utf8_valid(v->s, v->len, NULL))
        return worksheet_write_string(x->ws, x->row, col, v->s, fmt);
    if (!(buf = malloc(v->len * 3 + sizeof(cut) + 1)))
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    chars = 0;
    while (i < v->len && chars < 32767 - sizeof(cut)) {
        unsigned char c = (unsigned char)v->s[i];
        size_t n = c < 0x80   ? 1
                   : c < 0xc2 ? 0
                   : c < 0xe0 ? 2
                   : c < 0xf0 ? 3
                   : c < 0xf5 ? 4
                              : 0;

        if (n > 1 && i + n <= v->len && rg_utf8_valid(v->s + i, n, NULL)) {
            memcpy(buf + o, v->s + i, n);
            o += n;
            i += n;
        } else if (n == 1) {
            buf[o++] = c ? (char)c : ' '; /* a NUL would end the string */
            i++;
        } else {
            memcpy(buf + o, "\xef\xbf\xbd", 3); /* U+FFFD */
            o += 3;
            i++;
        }
        chars++;
    }
    if (i < v->len) {
        memcpy(buf + o, cut, sizeof(cut) - 1);
        o += sizeof(cut) - 1;
    }
    buf[o] = '\0';
    ret = worksheet_write_string(x->ws, x->row, col, buf, fmt);
    free(buf);
    return ret;
}

static int
write_cell(struct rg_xlsx *x, lxw_col_t col, const struct rg_value *v,
           enum rg_format f, int hl)
{
    /*
     * libxlsxwriter 1.1.4 hashes a cell's format every time the cell is
     * written out (lxw_format_get_xf_index), which was an eighth of the time
     * of a large sheet: cells that look the same without a format get none.
     */
    lxw_format *fmt =
        hl || f == RG_FMT_DATE || f == RG_FMT_DATETIME ? x->fmt[hl][f] : NULL;
    lxw_datetime dt;
    int y, mo, d, h, mi, sec, t;
    char buf[64];

    switch (v->type) {
    case RG_NULL:
        return hl ? worksheet_write_blank(x->ws, x->row, col, fmt) : 0;
    case RG_INT:
        if (f == RG_FMT_BOOL)
            return worksheet_write_string(x->ws, x->row, col,
                                          v->i ? "Yes" : "No", fmt);
        if (f == RG_FMT_TEXT) {
            snprintf(buf, sizeof(buf), "%lld", (long long)v->i);
            return worksheet_write_string(x->ws, x->row, col, buf, fmt);
        }
        return worksheet_write_number(x->ws, x->row, col, (double)v->i, fmt);
    case RG_REAL:
        if (v->d != v->d || v->d - v->d != 0) /* NaN, or infinite */
            return worksheet_write_string(x->ws, x->row, col,
                                          v->d != v->d ? "NaN"
                                          : v->d > 0   ? "Infinity"
                                                       : "-Infinity",
                                          fmt);
        return worksheet_write_number(x->ws, x->row, col, v->d, fmt);
    case RG_TEXT:
        if ((f == RG_FMT_DATE || f == RG_FMT_DATETIME) &&
            rg_report_time(v->s, v->len, &y, &mo, &d, &h, &mi, &sec, &t) == 0 &&
            y >= 1900) {
            dt.year = y;
            dt.month = mo;
            dt.day = d;
            dt.hour = f == RG_FMT_DATE ? 0 : h;
            dt.min = f == RG_FMT_DATE ? 0 : mi;
            dt.sec = f == RG_FMT_DATE ? 0 : sec;
            return worksheet_write_datetime(x->ws, x->row, col, &dt, fmt);
        }
        return write_text(x, col, v, hl ? x->fmt[hl][RG_FMT_TEXT] : NULL);
    }
    return 0;
}

int
rg_xlsx_row(struct rg_xlsx *x, const struct rg_value *row, struct rg_err *err)
{
    const struct rg_report_section *s = x->s;
    int hl = 0;
    lxw_error e;

    if (x->row > DATA_ROWS) {
        if (finish_sheet(x, err) < 0)
            return -1;
        x->part++;
        if (new_sheet(x, err) < 0)
            return -1;
    }
    if (s->highlight >= 0) {
        const struct rg_value *h = &row[s->highlight];

        hl = (h->type == RG_INT && h->i) || (h->type == RG_REAL && h->d) ||
             (h->type == RG_TEXT && h->len && !(h->len == 1 && h->s[0] == '0'));
    }
    for (size_t c = 0; c < s->ncols; c++) {
        e = s->cols[c].input
                ? worksheet_write_blank(x->ws, x->row, (lxw_col_t)c,
                                        x->unlocked[hl])
                : (lxw_error)write_cell(x, (lxw_col_t)c, &row[s->cols[c].src],
                                        s->cols[c].format, hl);
        if (e != LXW_NO_ERROR)
            return lxw_fail(err, x->sheet, e);
    }
    x->row++;
    x->rows++;
    return 0;
}

/* A column letter for a formula range: 0 = A, 25 = Z, 26 = AA. */
static void
col_name(size_t c, char *out)
{
    char tmp[8];
    int n = 0;

    c++;
    while (c > 0 && n < 7) {
        tmp[n++] = (char)('A' + (c - 1) % 26);
        c = (c - 1) / 26;
    }
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

/* The template's column showing result column src, or -1. */
static int
shown_col(const struct rg_report_section *s, int src)
{
    for (size_t c = 0; c < s->ncols; c++)
        if ((int)s->cols[c].src == src)
            return (int)c;
    return -1;
}

static int
add_chart(struct rg_xlsx *x, struct rg_err *err)
{
    const struct rg_report_section *s = x->s;
    int lc = shown_col(s, s->chart_label), vc = shown_col(s, s->chart_value);
    lxw_chart *chart;
    lxw_chart_series *series;
    char lcol[8], vcol[8], cats[160], vals[160], quoted[80];
    lxw_error e;

    if (lc < 0 || vc < 0 || x->first_rows == 0)
        return 0;
    if (!(chart = workbook_add_chart(x->wb, LXW_CHART_BAR)))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    col_name((size_t)lc, lcol);
    col_name((size_t)vc, vcol);
    /* a sheet name is quoted in a formula, a quote in it doubled */
    {
        size_t o = 0;

        quoted[o++] = '\'';
        for (const char *p = x->first_sheet; *p && o < sizeof(quoted) - 3;
             p++) {
            if (*p == '\'')
                quoted[o++] = '\'';
            quoted[o++] = *p;
        }
        quoted[o++] = '\'';
        quoted[o] = '\0';
    }
    snprintf(cats, sizeof(cats), "=%s!$%s$2:$%s$%u", quoted, lcol, lcol,
             (unsigned)x->first_rows + 1);
    snprintf(vals, sizeof(vals), "=%s!$%s$2:$%s$%u", quoted, vcol, vcol,
             (unsigned)x->first_rows + 1);
    if (!(series = chart_add_series(chart, cats, vals)))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    chart_series_set_name(series, s->cols[vc].title);
    chart_title_set_name(chart, s->title);
    chart_legend_set_position(chart, LXW_CHART_LEGEND_NONE);
    e = worksheet_insert_chart(x->ws, 1, (lxw_col_t)(s->ncols + 1), chart);
    if (e != LXW_NO_ERROR)
        return lxw_fail(err, "chart", e);
    return 0;
}

int
rg_xlsx_end(struct rg_xlsx *x, struct rg_err *err)
{
    struct rg_report_section *s = x->s;

    if (finish_sheet(x, err) < 0)
        return -1;
    s->rows = x->rows;
    /* the chart goes on the section's first sheet, beside the table */
    if (s->chart_label >= 0 && x->part == 1 && add_chart(x, err) < 0)
        return -1;
    x->s = NULL;
    x->ws = NULL;
    return 0;
}

static int
cover_row(struct rg_xlsx *x, lxw_row_t *r, const char *label, const char *value)
{
    lxw_error e = worksheet_write_string(x->cover, *r, 0, label, x->bold);

    if (e == LXW_NO_ERROR && value)
        e = worksheet_write_string(x->cover, *r, 1, value, x->wrap);
    (*r)++;
    return (int)e;
}

static int
write_cover(struct rg_xlsx *x, struct rg_err *err)
{
    const struct rg_report_meta *m = x->m;
    lxw_row_t r = 0;
    char buf[64];
    int e = 0;

    worksheet_set_column(x->cover, 0, 0, 22, NULL);
    worksheet_set_column(x->cover, 1, 1, 60, NULL);
    worksheet_set_column(x->cover, 2, 2, 40, NULL);
    worksheet_set_column(x->cover, 3, 3, 66, NULL);
    worksheet_set_column(x->cover, 4, 4, 12, NULL);
    e |= worksheet_write_string(x->cover, r++, 0, m->title, x->header);
    r++;
    e |= cover_row(x, &r, "Pack", m->pack_id);
    if (m->description)
        e |= cover_row(x, &r, "What it shows", m->description);
    if (m->audience)
        e |= cover_row(x, &r, "Audience", m->audience);
    e |= cover_row(x, &r, "Tenant", m->tenant ? m->tenant : "");
    e |= cover_row(x, &r, "As of (UTC)", m->as_of);
    e |= cover_row(x, &r, "Generated at (UTC)", m->generated_at);
    e |= cover_row(x, &r, "Template", m->template_id);
    for (size_t i = 0; i < m->nparams; i++) {
        snprintf(buf, sizeof(buf), "Parameter %s", m->params[i].name);
        e |= cover_row(x, &r, buf, m->params[i].value);
    }
    e |= cover_row(x, &r, "Snapshot SHA-256", m->snapshot_sha256);
    e |= cover_row(x, &r, "Written by", m->version);
    e |= cover_row(x, &r, "Times", "All times are UTC.");
    r++;
    e |= worksheet_write_string(x->cover, r, 0, "Section", x->header);
    e |= worksheet_write_string(x->cover, r, 1, "Sheet", x->header);
    e |= worksheet_write_string(x->cover, r, 2, "Query file", x->header);
    e |= worksheet_write_string(x->cover, r, 3, "Query SHA-256", x->header);
    e |= worksheet_write_string(x->cover, r, 4, "Rows", x->header);
    r++;
    for (size_t i = 0; i < x->nsecs; i++, r++) {
        const struct rg_report_section *s = x->secs[i];

        e |= worksheet_write_string(x->cover, r, 0, s->title, NULL);
        e |= worksheet_write_string(x->cover, r, 1, s->sheet, NULL);
        e |= worksheet_write_string(x->cover, r, 2, s->query_file, NULL);
        e |= worksheet_write_string(x->cover, r, 3, s->query_sha256, NULL);
        e |= worksheet_write_number(x->cover, r, 4, (double)s->rows,
                                    x->fmt[0][RG_FMT_INT]);
    }
    if (e)
        return rg_fail(err, RG_ERR_IO, "cannot write the cover sheet");
    worksheet_activate(x->cover);
    return 0;
}

int
rg_xlsx_close(struct rg_xlsx *x, struct rg_err *err)
{
    lxw_error e;
    int ret = 0;

    if (write_cover(x, err) < 0) {
        rg_xlsx_abandon(x);
        return -1;
    }
    e = workbook_close(x->wb);
    x->wb = NULL;
    if (e != LXW_NO_ERROR)
        ret = lxw_fail(err, "saving", e);
    free(x);
    return ret;
}

void
rg_xlsx_abandon(struct rg_xlsx *x)
{
    if (!x)
        return;
    /*
     * libxlsxwriter has no way to drop a workbook unwritten; closing it
     * frees it, and the caller removes the half-made pack folder.
     */
    if (x->wb)
        workbook_close(x->wb);
    free(x);
}
