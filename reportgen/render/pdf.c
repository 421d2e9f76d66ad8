/*
 * pdf.c - the pack's PDF report (see pdf.h).
 *
 * Pages are laid out as rows arrive; what is only known at the end (row
 * counts, the page numbers in the contents, "page N of M") is drawn on the
 * earlier pages when the document is closed: libharu keeps every page open
 * until it saves.
 *
 * libharu stops working after its first error until the error is reset; the
 * error handler keeps the first one and every step checks it, without
 * longjmp.
 */
#include "pdf.h"

#include <errno.h>
#include <math.h>
#include <hpdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/text.h"
#include "../util/timefmt.h"

#define PAGE_W 841.89f
#define PAGE_H 595.28f
#define MARGIN 36.0f
#define TOP (PAGE_H - 40.0f)
#define BOTTOM 48.0f
#define ROW_H 12.0f
#define CELL_PAD 2.5f
#define TABLE_SIZE 7.5f
#define MAX_PAGES 100000
#define MAX_SECTIONS 64
#define CHART_BARS 40
#define TOC_LINES 30

struct chart_bar {
    char label[96];
    double value;
};

struct toc_entry {
    const struct rg_report_section *s; /* borrowed */
    int page;                          /* 1-based */
    HPDF_Page first;                   /* where its heading is */
    float count_y;                     /* where its row count goes */
};

struct rg_pdf {
    HPDF_Doc doc;
    char *path;                     /* owned */
    const struct rg_report_meta *m; /* borrowed */
    HPDF_Font font, bold, mono;
    HPDF_STATUS error; /* the first libharu error */
    HPDF_STATUS detail;
    HPDF_Page *pages; /* owned */
    size_t npages;
    size_t ntoc_pages;
    struct toc_entry toc[MAX_SECTIONS];
    size_t ntoc;
    const struct rg_report_section *all[MAX_SECTIONS]; /* every section */
    size_t nall;
    float cover_y; /* where the cover's section table goes */
    /* the section being written */
    struct rg_report_section *s;
    HPDF_Page page;
    float y;
    float colx[65], colw[64];
    int64_t shown, rows;
    struct chart_bar bars[CHART_BARS];
    size_t nbars;
};

static void
on_error(HPDF_STATUS error, HPDF_STATUS detail, void *user)
{
    struct rg_pdf *p = user;

    if (!p->error) {
        p->error = error;
        p->detail = detail;
    }
}

static int
check(struct rg_pdf *p, struct rg_err *err, const char *what)
{
    if (!p->error)
        return 0;
    return rg_fail(err, RG_ERR_IO,
                   "cannot write the PDF (%s): libharu error 0x%04X, detail "
                   "%u",
                   what, (unsigned)p->error, (unsigned)p->detail);
}

/* ------------------------------------------------------------------ text */

/*
 * Makes text safe for libharu's UTF-8 encoder, which takes the Basic
 * Multilingual Plane only: other characters and control bytes become '?'
 * and ' '. Writes at most outsz - 1 bytes, whole characters only.
 */
static void
clean(const char *s, size_t len, char *out, size_t outsz)
{
    size_t o = 0, i = 0;

    if (!rg_utf8_valid(s, len, NULL)) {
        for (; i < len && o + 1 < outsz; i++)
            out[o++] = (unsigned char)s[i] < 0x80 && s[i] >= 0x20 ? s[i] : '?';
        out[o] = '\0';
        return;
    }
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

        if (o + n + 1 > outsz)
            break;
        if (n == 4) {
            out[o++] = '?';
        } else if (c < 0x20 || c == 0x7f) {
            out[o++] = ' ';
        } else {
            memcpy(out + o, s + i, n);
            o += n;
        }
        i += n;
    }
    out[o] = '\0';
}

static float
width_of(HPDF_Font f, float size, const char *s)
{
    HPDF_TextWidth tw =
        HPDF_Font_TextWidth(f, (const HPDF_BYTE *)s, (HPDF_UINT)strlen(s));

    return (float)tw.width * size / 1000.0f;
}

/*
 * Cuts s (clean UTF-8) to fit width, ending in an ellipsis when cut. The
 * cut removes at least the ellipsis' three bytes, so s never grows past its
 * buffer. One measurement, not one per character removed.
 */
static void
fit(HPDF_Font f, float size, char *s, float width)
{
    static const char ell[] = "\xe2\x80\xa6"; /* … */
    size_t len = strlen(s), n;
    HPDF_REAL real;
    float room = width - width_of(f, size, ell);

    if (width_of(f, size, s) <= width)
        return;
    n = room > 0
            ? HPDF_Font_MeasureText(f, (const HPDF_BYTE *)s, (HPDF_UINT)len,
                                    room, size, 0, 0, HPDF_FALSE, &real)
            : 0;
    if (len < 3) {
        s[0] = '\0';
        return;
    }
    if (n > len - 3)
        n = len - 3;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--; /* back to the start of a character */
    memcpy(s + n, ell, sizeof(ell));
}

static void
text_at(struct rg_pdf *p, HPDF_Page pg, HPDF_Font f, float size, float x,
        float y, const char *s)
{
    HPDF_Page_BeginText(pg);
    HPDF_Page_SetFontAndSize(pg, f, size);
    HPDF_Page_TextOut(pg, x, y, s);
    HPDF_Page_EndText(pg);
    (void)p;
}

/*
 * Writes s wrapped to width from (x, *y) downwards, a line every lead
 * points; returns 0, or -1 when the page is full (the rest is dropped:
 * callers keep wrapped text short).
 */
static void
wrapped(struct rg_pdf *p, HPDF_Font f, float size, float lead, float x,
        float *y, float width, const char *s)
{
    char line[1024];
    size_t len = strlen(s), at = 0;

    while (at<len && * y> BOTTOM) {
        HPDF_REAL real;
        HPDF_UINT n = HPDF_Font_MeasureText(f, (const HPDF_BYTE *)s + at,
                                            (HPDF_UINT)(len - at), width, size,
                                            0, 0, HPDF_TRUE, &real);

        if (n == 0) /* one word wider than the line: cut it */
            n = HPDF_Font_MeasureText(f, (const HPDF_BYTE *)s + at,
                                      (HPDF_UINT)(len - at), width, size, 0, 0,
                                      HPDF_FALSE, &real);
        if (n == 0)
            break;
        if (n >= sizeof(line))
            n = sizeof(line) - 1;
        memcpy(line, s + at, n);
        line[n] = '\0';
        text_at(p, p->page, f, size, x, *y, line);
        *y -= lead;
        at += n;
        while (at < len && s[at] == ' ')
            at++;
    }
}

/* ----------------------------------------------------------------- pages */

static HPDF_Page
new_page(struct rg_pdf *p)
{
    HPDF_Page pg;
    HPDF_Page *pages;

    if (p->npages == MAX_PAGES)
        return NULL;
    if (!(pages = realloc(p->pages, (p->npages + 1) * sizeof(*pages))))
        return NULL;
    p->pages = pages;
    pg = HPDF_AddPage(p->doc);
    if (!pg)
        return NULL;
    HPDF_Page_SetSize(pg, HPDF_PAGE_SIZE_A4, HPDF_PAGE_LANDSCAPE);
    p->pages[p->npages++] = pg;
    p->page = pg;
    p->y = TOP;
    return pg;
}

static void
cover(struct rg_pdf *p)
{
    const struct rg_report_meta *m = p->m;
    char buf[512];
    float y = TOP - 10, labelw = 150;
    struct {
        const char *label, *value;
    } facts[64];
    size_t n = 0;

    clean(m->title, strlen(m->title), buf, sizeof(buf));
    text_at(p, p->page, p->bold, 22, MARGIN, y, buf);
    y -= 30;
    if (m->description) {
        size_t dn = strlen(m->description) + 1;
        char *d = malloc(dn);

        if (d) {
            clean(m->description, dn - 1, d, dn);
            wrapped(p, p->font, 11, 15, MARGIN, &y, PAGE_W - 2 * MARGIN, d);
            free(d);
        }
        y -= 10;
    }
    facts[n].label = "Pack";
    facts[n++].value = m->pack_id;
    if (m->audience) {
        facts[n].label = "Audience";
        facts[n++].value = m->audience;
    }
    facts[n].label = "Tenant";
    facts[n++].value = m->tenant ? m->tenant : "";
    facts[n].label = "As of (UTC)";
    facts[n++].value = m->as_of;
    facts[n].label = "Generated at (UTC)";
    facts[n++].value = m->generated_at;
    facts[n].label = "Template";
    facts[n++].value = m->template_id;
    facts[n].label = "Snapshot SHA-256";
    facts[n++].value = m->snapshot_sha256;
    facts[n].label = "Written by";
    facts[n++].value = m->version;
    for (size_t i = 0; i < n; i++) {
        text_at(p, p->page, p->bold, 10, MARGIN, y, facts[i].label);
        clean(facts[i].value, strlen(facts[i].value), buf, sizeof(buf));
        fit(p->font, 10, buf, PAGE_W - 2 * MARGIN - labelw);
        text_at(p, p->page, p->font, 10, MARGIN + labelw, y, buf);
        y -= 15;
    }
    for (size_t i = 0; i < m->nparams && y > BOTTOM + 40; i++) {
        char label[128];

        snprintf(label, sizeof(label), "Parameter %s", m->params[i].name);
        clean(label, strlen(label), buf, sizeof(buf));
        text_at(p, p->page, p->bold, 10, MARGIN, y, buf);
        clean(m->params[i].value, strlen(m->params[i].value), buf, sizeof(buf));
        fit(p->font, 10, buf, PAGE_W - 2 * MARGIN - labelw);
        text_at(p, p->page, p->font, 10, MARGIN + labelw, y, buf);
        y -= 15;
    }
    y -= 10;
    text_at(p, p->page, p->font, 9, MARGIN, y,
            "All times are UTC. The workbook holds every row; the appendix "
            "holds every query and its parameters.");
    p->cover_y = y - 24;
}

/* The cover's table of sections, drawn at the end when rows are counted. */
static void
cover_sections(struct rg_pdf *p)
{
    static const char *const head[] = { "Section", "Query file",
                                        "Query SHA-256", "Rows" };
    const float x[] = { MARGIN, MARGIN + 300, MARGIN + 480, PAGE_W - MARGIN };
    HPDF_Page pg = p->pages[0];
    float y = p->cover_y;
    char buf[512];

    for (int c = 0; c < 4; c++)
        text_at(p, pg, p->bold, 9,
                c == 3 ? x[3] - width_of(p->bold, 9, head[c]) : x[c], y,
                head[c]);
    y -= 13;
    for (size_t i = 0; i < p->nall; i++, y -= 12) {
        const struct rg_report_section *s = p->all[i];

        if (y < BOTTOM + 12) {
            snprintf(buf, sizeof(buf),
                     "... and %zu more sections: see the contents and the "
                     "workbook's cover",
                     p->nall - i);
            text_at(p, pg, p->font, 8, x[0], y, buf);
            break;
        }

        clean(s->title, strlen(s->title), buf, sizeof(buf));
        fit(p->font, 8, buf, x[1] - x[0] - 8);
        text_at(p, pg, p->font, 8, x[0], y, buf);
        clean(s->query_file, strlen(s->query_file), buf, sizeof(buf));
        fit(p->font, 8, buf, x[2] - x[1] - 8);
        text_at(p, pg, p->font, 8, x[1], y, buf);
        text_at(p, pg, p->mono, 6.5f, x[2], y, s->query_sha256);
        snprintf(buf, sizeof(buf), "%lld", (long long)s->rows);
        text_at(p, pg, p->font, 8, x[3] - width_of(p->font, 8, buf), y, buf);
    }
}

struct rg_pdf *
rg_pdf_open(const char *path, const char *font_dir,
            const struct rg_report_meta *m, size_t nsections,
            struct rg_err *err)
{
    struct rg_pdf *p = calloc(1, sizeof(*p));
    char f1[4096], f2[4096], f3[4096];
    const char *n1, *n2, *n3;
    struct rg_tm tm;
    HPDF_Date d;

    if (!p || !(p->path = strdup(path))) {
        free(p);
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    p->m = m;
    if (!font_dir)
        font_dir = RG_PDF_FONT_DIR;
    snprintf(f1, sizeof(f1), "%s/DejaVuSans.ttf", font_dir);
    snprintf(f2, sizeof(f2), "%s/DejaVuSans-Bold.ttf", font_dir);
    snprintf(f3, sizeof(f3), "%s/DejaVuSansMono.ttf", font_dir);
    if (access(f1, R_OK) != 0 || access(f2, R_OK) != 0 ||
        access(f3, R_OK) != 0) {
        rg_fail(err, RG_ERR_IO,
                "cannot read the DejaVu fonts in '%s' (Debian package "
                "fonts-dejavu-core)",
                font_dir);
        goto fail;
    }
    if (!(p->doc = HPDF_New(on_error, p))) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto fail;
    }
    HPDF_SetCompressionMode(p->doc, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(p->doc);
    HPDF_SetCurrentEncoder(p->doc, "UTF-8");
    n1 = HPDF_LoadTTFontFromFile(p->doc, f1, HPDF_TRUE);
    n2 = HPDF_LoadTTFontFromFile(p->doc, f2, HPDF_TRUE);
    n3 = HPDF_LoadTTFontFromFile(p->doc, f3, HPDF_TRUE);
    if (n1 && n2 && n3) {
        p->font = HPDF_GetFont(p->doc, n1, "UTF-8");
        p->bold = HPDF_GetFont(p->doc, n2, "UTF-8");
        p->mono = HPDF_GetFont(p->doc, n3, "UTF-8");
    }
    if (check(p, err, "fonts") < 0 || !p->font || !p->bold || !p->mono)
        goto fail;
    HPDF_SetInfoAttr(p->doc, HPDF_INFO_TITLE, m->title);
    HPDF_SetInfoAttr(p->doc, HPDF_INFO_AUTHOR, "reportgen");
    HPDF_SetInfoAttr(p->doc, HPDF_INFO_CREATOR, m->version);
    HPDF_SetInfoAttr(p->doc, HPDF_INFO_SUBJECT, m->pack_id);
    /* generated-at, not the clock: the same inputs give the same bytes */
    if (rg_tm_parse_iso(m->generated_at, strlen(m->generated_at), &tm) == 0) {
        memset(&d, 0, sizeof(d));
        d.year = tm.year;
        d.month = tm.month;
        d.day = tm.day;
        d.hour = tm.hour;
        d.minutes = tm.min;
        d.seconds = tm.sec;
        d.ind = '+'; /* libharu writes 'Z' as "Z00'00'" */
        HPDF_SetInfoDateAttr(p->doc, HPDF_INFO_CREATION_DATE, d);
    }
    if (!new_page(p)) {
        check(p, err, "cover");
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto fail;
    }
    cover(p);
    p->ntoc_pages = nsections / TOC_LINES + 1;
    for (size_t i = 0; i < p->ntoc_pages; i++)
        if (!new_page(p)) {
            rg_fail(err, RG_ERR_NOMEM, "out of memory");
            goto fail;
        }
    if (check(p, err, "cover") < 0)
        goto fail;
    return p;

fail:
    rg_pdf_abandon(p);
    return NULL;
}

/* ----------------------------------------------------------------- table */

/*
 * The table's header: titles in bold, on two lines where a title is wider
 * than its column ("Account" over "enabled"), cut with an ellipsis beyond.
 */
static void
table_header(struct rg_pdf *p)
{
    const struct rg_report_section *s = p->s;
    char buf[256], line[256];
    int two = 0;

    for (size_t c = 0; c < s->ncols; c++)
        two |= !s->cols[c].no_pdf &&
               width_of(p->bold, TABLE_SIZE, s->cols[c].title) >
                   p->colw[c] - 2 * CELL_PAD;
    HPDF_Page_SetRGBFill(p->page, 0.85f, 0.88f, 0.95f);
    HPDF_Page_Rectangle(p->page, MARGIN, p->y - 3 - (two ? ROW_H - 3 : 0),
                        PAGE_W - 2 * MARGIN, two ? 2 * ROW_H - 3 : ROW_H);
    HPDF_Page_Fill(p->page);
    HPDF_Page_SetRGBFill(p->page, 0, 0, 0);
    for (size_t c = 0; c < s->ncols; c++) {
        float w = p->colw[c] - 2 * CELL_PAD;
        HPDF_REAL real;
        HPDF_UINT n;

        if (s->cols[c].no_pdf)
            continue;
        clean(s->cols[c].title, strlen(s->cols[c].title), buf, sizeof(buf));
        n = two ? HPDF_Font_MeasureText(p->bold, (const HPDF_BYTE *)buf,
                                        (HPDF_UINT)strlen(buf), w, TABLE_SIZE,
                                        0, 0, HPDF_TRUE, &real)
                : (HPDF_UINT)strlen(buf);
        if (n == 0 || n >= strlen(buf)) {
            fit(p->bold, TABLE_SIZE, buf, w);
            text_at(p, p->page, p->bold, TABLE_SIZE, p->colx[c] + CELL_PAD,
                    p->y, buf);
            continue;
        }
        memcpy(line, buf, n);
        line[n] = '\0';
        fit(p->bold, TABLE_SIZE, line, w);
        text_at(p, p->page, p->bold, TABLE_SIZE, p->colx[c] + CELL_PAD, p->y,
                line);
        snprintf(line, sizeof(line), "%s", buf + n + (buf[n] == ' '));
        fit(p->bold, TABLE_SIZE, line, w);
        text_at(p, p->page, p->bold, TABLE_SIZE, p->colx[c] + CELL_PAD,
                p->y - ROW_H + 3, line);
    }
    p->y -= two ? 2 * ROW_H - 3 : ROW_H;
}

/* The width of the widest word of s in font f. */
static float
widest_word(HPDF_Font f, float size, const char *s)
{
    char word[128];
    float best = 0;

    while (*s) {
        size_t n = strcspn(s, " ");

        if (n > 0 && n < sizeof(word)) {
            float w;

            memcpy(word, s, n);
            word[n] = '\0';
            if ((w = width_of(f, size, word)) > best)
                best = w;
        }
        s += n;
        while (*s == ' ')
            s++;
    }
    return best;
}

/*
 * Lays the columns out across the page in proportion to the template's
 * widths, but never narrower than what their format needs (a time cut to
 * "2026-10-31 …" tells nothing) nor than the longest word of their title.
 */
static void
columns(struct rg_pdf *p)
{
    const struct rg_report_section *s = p->s;
    float avail = PAGE_W - 2 * MARGIN, fixed = 0, x = MARGIN;
    double rest = 0;
    float need[64];

    for (size_t c = 0; c < s->ncols; c++) {
        const char *sample = s->cols[c].format == RG_FMT_DATETIME
                                 ? "0000-00-00 00:00"
                             : s->cols[c].format == RG_FMT_DATE ? "0000-00-00"
                             : s->cols[c].format == RG_FMT_BOOL ? "Yes"
                                                                : NULL;

        float word = widest_word(p->bold, TABLE_SIZE, s->cols[c].title);

        if (s->cols[c].no_pdf) {
            need[c] = 0;
            continue;
        }
        need[c] = sample ? width_of(p->font, TABLE_SIZE, sample) : 0;
        if (word > need[c])
            need[c] = word;
        need[c] += 2 * CELL_PAD + 3;
        fixed += need[c];
        if (!sample)
            rest += s->cols[c].width;
    }
    /*
     * What is left goes to the text and number columns, in proportion to
     * the template's widths: times and Yes/No have what they need.
     */
    for (size_t c = 0; c < s->ncols; c++) {
        int flexible =
            s->cols[c].format == RG_FMT_TEXT || s->cols[c].format == RG_FMT_INT;

        p->colx[c] = x;
        p->colw[c] = need[c];
        if (s->cols[c].no_pdf)
            continue;
        if (fixed < avail && rest > 0 && flexible)
            p->colw[c] += (float)(s->cols[c].width / rest) * (avail - fixed);
        else if (fixed > avail) /* too many columns: all shrink alike */
            p->colw[c] *= avail / fixed;
        x += p->colw[c];
    }
    p->colx[s->ncols] = x;
}

int
rg_pdf_begin(struct rg_pdf *p, struct rg_report_section *s, struct rg_err *err)
{
    char buf[512];
    struct toc_entry *t;

    if (p->nall == MAX_SECTIONS)
        return rg_fail(err, RG_ERR_LIMIT, "more than %d sections",
                       MAX_SECTIONS);
    p->s = s;
    p->shown = p->rows = 0;
    p->nbars = 0;
    p->all[p->nall++] = s;
    if (!s->pdf)
        return 0;
    if (!new_page(p))
        return rg_fail(err, RG_ERR_LIMIT,
                       "the PDF would have more than %d "
                       "pages",
                       MAX_PAGES);
    t = &p->toc[p->ntoc++];
    t->s = s;
    t->page = (int)p->npages;
    t->first = p->page;
    clean(s->title, strlen(s->title), buf, sizeof(buf));
    text_at(p, p->page, p->bold, 14, MARGIN, p->y, buf);
    p->y -= 16;
    t->count_y = p->y; /* the row count is written at the end */
    p->y -= 14;
    if (s->description) {
        clean(s->description, strlen(s->description), buf, sizeof(buf));
        wrapped(p, p->font, 9, 12, MARGIN, &p->y, PAGE_W - 2 * MARGIN, buf);
        p->y -= 6;
    }
    columns(p);
    table_header(p);
    return check(p, err, s->name);
}

static int
truthy(const struct rg_value *v)
{
    return (v->type == RG_INT && v->i) || (v->type == RG_REAL && v->d) ||
           (v->type == RG_TEXT && v->len && !(v->len == 1 && v->s[0] == '0'));
}

static void
keep_bar(struct rg_pdf *p, const struct rg_value *row)
{
    const struct rg_report_section *s = p->s;
    const struct rg_value *l = &row[s->chart_label], *v = &row[s->chart_value];
    struct chart_bar *b;
    char buf[256];

    if (p->nbars == CHART_BARS)
        return;
    b = &p->bars[p->nbars++];
    rg_report_show(l, RG_FMT_TEXT, buf, sizeof(buf));
    clean(buf, strlen(buf), b->label, sizeof(b->label));
    b->value = v->type == RG_INT ? (double)v->i : v->type == RG_REAL ? v->d : 0;
    /* found in review, 2026-11-26: an infinite value drew a NaN-wide bar */
    if (!isfinite(b->value))
        b->value = 0;
}

int
rg_pdf_row(struct rg_pdf *p, const struct rg_value *row, struct rg_err *err)
{
    const struct rg_report_section *s = p->s;
    char raw[1024], buf[1024];

    p->rows++;
    if (!s->pdf)
        return 0;
    if (s->chart_label >= 0)
        keep_bar(p, row);
    if (s->pdf_rows > 0 && p->shown >= s->pdf_rows)
        return 0;
    if (p->y < BOTTOM + ROW_H) {
        if (!new_page(p))
            return rg_fail(err, RG_ERR_LIMIT,
                           "the PDF would have more than %d pages", MAX_PAGES);
        table_header(p);
    }
    if (s->highlight >= 0 && truthy(&row[s->highlight])) {
        HPDF_Page_SetRGBFill(p->page, 1.0f, 0.95f, 0.80f);
        HPDF_Page_Rectangle(p->page, MARGIN, p->y - 3, PAGE_W - 2 * MARGIN,
                            ROW_H);
        HPDF_Page_Fill(p->page);
        HPDF_Page_SetRGBFill(p->page, 0, 0, 0);
    }
    HPDF_Page_BeginText(p->page);
    HPDF_Page_SetFontAndSize(p->page, p->font, TABLE_SIZE);
    for (size_t c = 0; c < s->ncols; c++) {
        const struct rg_value *v = &row[s->cols[c].src];

        if (s->cols[c].input || s->cols[c].no_pdf) /* blank, for a pen */
            continue;
        rg_report_show(v, s->cols[c].format, raw, sizeof(raw));
        clean(raw, strlen(raw), buf, sizeof(buf));
        fit(p->font, TABLE_SIZE, buf, p->colw[c] - 2 * CELL_PAD);
        if (*buf)
            HPDF_Page_TextOut(p->page, p->colx[c] + CELL_PAD, p->y, buf);
    }
    HPDF_Page_EndText(p->page);
    p->y -= ROW_H;
    p->shown++;
    return check(p, err, s->name);
}

/* Horizontal bars, labels on the left, values at the bars' ends. */
static int
draw_chart(struct rg_pdf *p, struct rg_err *err)
{
    double max = 0;
    float labelw = 220, barmax = PAGE_W - 2 * MARGIN - labelw - 60;
    float bar_h = 10, gap = 5;
    char buf[128];

    for (size_t i = 0; i < p->nbars; i++)
        if (p->bars[i].value > max)
            max = p->bars[i].value;
    if (p->nbars == 0 || max <= 0)
        return 0;
    if (p->y - 20 - (float)p->nbars * (bar_h + gap) < BOTTOM && !new_page(p))
        return rg_fail(err, RG_ERR_LIMIT, "too many PDF pages");
    p->y -= 20;
    for (size_t i = 0; i < p->nbars; i++) {
        const struct chart_bar *b = &p->bars[i];
        float w = (float)(b->value / max) * barmax;

        /* more bars than a page holds continue on the next */
        if (p->y < BOTTOM + bar_h && !new_page(p))
            return rg_fail(err, RG_ERR_LIMIT, "too many PDF pages");

        snprintf(buf, sizeof(buf), "%s", b->label);
        fit(p->font, 8, buf, labelw - 8);
        text_at(p, p->page, p->font, 8, MARGIN, p->y, buf);
        HPDF_Page_SetRGBFill(p->page, 0.27f, 0.45f, 0.77f);
        HPDF_Page_Rectangle(p->page, MARGIN + labelw, p->y - 2, w, bar_h);
        HPDF_Page_Fill(p->page);
        HPDF_Page_SetRGBFill(p->page, 0, 0, 0);
        snprintf(buf, sizeof(buf), "%.15g", b->value);
        text_at(p, p->page, p->font, 8, MARGIN + labelw + w + 4, p->y, buf);
        p->y -= bar_h + gap;
    }
    return check(p, err, "chart");
}

int
rg_pdf_end(struct rg_pdf *p, int64_t rows, struct rg_err *err)
{
    const struct rg_report_section *s = p->s;
    struct toc_entry *t = p->ntoc ? &p->toc[p->ntoc - 1] : NULL;
    char buf[256];

    if (!s->pdf)
        return 0;
    if (rows > p->shown) {
        if (p->y < BOTTOM + ROW_H && !new_page(p))
            return rg_fail(err, RG_ERR_LIMIT, "too many PDF pages");
        p->y -= 4;
        snprintf(buf, sizeof(buf),
                 "%lld more rows in the workbook (sheet \"%s\").",
                 (long long)(rows - p->shown), s->sheet);
        clean(buf, strlen(buf), buf, sizeof(buf));
        text_at(p, p->page, p->bold, 9, MARGIN, p->y, buf);
        p->y -= ROW_H;
    }
    if (s->chart_label >= 0 && draw_chart(p, err) < 0)
        return -1;
    if (t && t->s == s) {
        snprintf(buf, sizeof(buf), "%lld row%s. Query %s (SHA-256 %.16s...).",
                 (long long)rows, rows == 1 ? "" : "s", s->query_file,
                 s->query_sha256);
        clean(buf, strlen(buf), buf, sizeof(buf));
        text_at(p, t->first, p->font, 9, MARGIN, t->count_y, buf);
    }
    return check(p, err, s->name);
}

/* --------------------------------------------------------------- closing */

static int
appendix(struct rg_pdf *p, struct rg_err *err)
{
    const struct rg_report_meta *m = p->m;
    char buf[1024];

    if (!new_page(p))
        return rg_fail(err, RG_ERR_LIMIT, "too many PDF pages");
    text_at(p, p->page, p->bold, 14, MARGIN, p->y,
            "Appendix: queries and parameters");
    p->y -= 22;
    text_at(p, p->page, p->bold, 10, MARGIN, p->y, "Parameters");
    p->y -= 14;
    for (size_t i = 0; i < m->nparams; i++) {
        snprintf(buf, sizeof(buf), "%s = %s", m->params[i].name,
                 m->params[i].value);
        clean(buf, strlen(buf), buf, sizeof(buf));
        fit(p->mono, 8, buf, PAGE_W - 2 * MARGIN);
        text_at(p, p->page, p->mono, 8, MARGIN + 10, p->y, buf);
        p->y -= 11;
    }
    if (m->nparams == 0) {
        text_at(p, p->page, p->font, 9, MARGIN + 10, p->y, "(none)");
        p->y -= 11;
    }
    for (size_t i = 0; i < p->ntoc; i++) {
        const struct rg_report_section *s = p->toc[i].s;
        const char *sql = s->sql;

        if (p->y < BOTTOM + 60 && !new_page(p))
            return rg_fail(err, RG_ERR_LIMIT, "too many PDF pages");
        p->y -= 10;
        snprintf(buf, sizeof(buf), "%s: %s", s->title, s->query_file);
        clean(buf, strlen(buf), buf, sizeof(buf));
        fit(p->bold, 10, buf, PAGE_W - 2 * MARGIN);
        text_at(p, p->page, p->bold, 10, MARGIN, p->y, buf);
        p->y -= 12;
        snprintf(buf, sizeof(buf), "SHA-256 %s   rows %lld", s->query_sha256,
                 (long long)s->rows);
        text_at(p, p->page, p->font, 8, MARGIN, p->y, buf);
        p->y -= 12;
        while (*sql) {
            size_t n = strcspn(sql, "\n");
            size_t k = n < sizeof(buf) - 1 ? n : sizeof(buf) - 1;
            char line[1024];

            if (p->y < BOTTOM && !new_page(p))
                return rg_fail(err, RG_ERR_LIMIT, "too many PDF pages");
            memcpy(line, sql, k);
            line[k] = '\0';
            for (char *t = line; *t; t++)
                if (*t == '\t')
                    *t = ' ';
            clean(line, strlen(line), buf, sizeof(buf));
            fit(p->mono, 7, buf, PAGE_W - 2 * MARGIN - 10);
            if (*buf)
                text_at(p, p->page, p->mono, 7, MARGIN + 10, p->y, buf);
            p->y -= 9;
            sql += n;
            if (*sql == '\n')
                sql++;
        }
    }
    return check(p, err, "appendix");
}

static int
signoff(struct rg_pdf *p, struct rg_err *err)
{
    static const char *const who[] = { "Prepared by", "Reviewed by" };

    if (p->y < BOTTOM + 120 && !new_page(p))
        return rg_fail(err, RG_ERR_LIMIT, "too many PDF pages");
    p->y -= 24;
    text_at(p, p->page, p->bold, 12, MARGIN, p->y, "Sign-off");
    p->y -= 30;
    for (int i = 0; i < 2; i++) {
        text_at(p, p->page, p->font, 10, MARGIN, p->y, who[i]);
        text_at(p, p->page, p->font, 10, MARGIN + 330, p->y, "Date");
        HPDF_Page_SetLineWidth(p->page, 0.5f);
        HPDF_Page_MoveTo(p->page, MARGIN + 80, p->y - 2);
        HPDF_Page_LineTo(p->page, MARGIN + 310, p->y - 2);
        HPDF_Page_MoveTo(p->page, MARGIN + 360, p->y - 2);
        HPDF_Page_LineTo(p->page, MARGIN + 520, p->y - 2);
        HPDF_Page_Stroke(p->page);
        p->y -= 36;
    }
    return check(p, err, "sign-off");
}

static void
contents(struct rg_pdf *p)
{
    char buf[512], num[16];
    float y = TOP;
    size_t page = 1;

    p->page = p->pages[page];
    text_at(p, p->page, p->bold, 14, MARGIN, y, "Contents");
    y -= 24;
    for (size_t i = 0; i < p->ntoc; i++) {
        if (i > 0 && i % TOC_LINES == 0 && page < p->ntoc_pages) {
            p->page = p->pages[++page];
            y = TOP;
        }
        clean(p->toc[i].s->title, strlen(p->toc[i].s->title), buf, sizeof(buf));
        fit(p->font, 11, buf, PAGE_W - 2 * MARGIN - 60);
        text_at(p, p->page, p->font, 11, MARGIN, y, buf);
        snprintf(num, sizeof(num), "%d", p->toc[i].page);
        text_at(p, p->page, p->font, 11,
                PAGE_W - MARGIN - width_of(p->font, 11, num), y, num);
        y -= 16;
    }
    if (p->ntoc == 0)
        text_at(p, p->page, p->font, 11, MARGIN, y,
                "(no section of this pack is shown in the PDF)");
}

static void
footers(struct rg_pdf *p)
{
    char buf[256], id[200];

    clean(p->m->pack_id, strlen(p->m->pack_id), id, sizeof(id));
    for (size_t i = 0; i < p->npages; i++) {
        HPDF_Page pg = p->pages[i];

        HPDF_Page_SetRGBStroke(pg, 0.6f, 0.6f, 0.6f);
        HPDF_Page_SetLineWidth(pg, 0.4f);
        HPDF_Page_MoveTo(pg, MARGIN, 30);
        HPDF_Page_LineTo(pg, PAGE_W - MARGIN, 30);
        HPDF_Page_Stroke(pg);
        text_at(p, pg, p->font, 7, MARGIN, 20, id);
        snprintf(buf, sizeof(buf), "page %zu of %zu", i + 1, p->npages);
        text_at(p, pg, p->font, 7, (PAGE_W - width_of(p->font, 7, buf)) / 2, 20,
                buf);
        snprintf(buf, sizeof(buf), "snapshot %.16s", p->m->snapshot_sha256);
        text_at(p, pg, p->font, 7, PAGE_W - MARGIN - width_of(p->font, 7, buf),
                20, buf);
    }
}

static int
save(struct rg_pdf *p, struct rg_err *err)
{
    HPDF_UINT32 size;
    size_t len;
    char *buf = NULL;
    FILE *f = NULL;
    int ret = -1;

    if (HPDF_SaveToStream(p->doc) != HPDF_OK || check(p, err, "save") < 0)
        return check(p, err, "save") < 0
                   ? -1
                   : rg_fail(err, RG_ERR_IO, "cannot write the PDF");
    size = HPDF_GetStreamSize(p->doc);
    len = size;
    if (!(buf = malloc(len ? len : 1)))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    HPDF_ResetStream(p->doc);
    if (HPDF_ReadFromStream(p->doc, (HPDF_BYTE *)buf, &size) != HPDF_OK &&
        size != len) {
        free(buf);
        return rg_fail(err, RG_ERR_IO, "cannot read the PDF back");
    }
    if (rg_pdf_fix_tounicode(&buf, &len, err) < 0)
        goto done;
    if (!(f = fopen(p->path, "wb"))) {
        rg_fail(err, RG_ERR_IO, "cannot create '%s': %s", p->path,
                strerror(errno));
        goto done;
    }
    if (fwrite(buf, 1, len, f) != len || fflush(f) != 0) {
        rg_fail(err, RG_ERR_IO, "cannot write '%s': %s", p->path,
                strerror(errno));
        goto done;
    }
    ret = 0;
done:
    if (f && fclose(f) != 0 && ret == 0)
        ret = rg_fail(err, RG_ERR_IO, "cannot write '%s': %s", p->path,
                      strerror(errno));
    free(buf);
    return ret;
}

int
rg_pdf_close(struct rg_pdf *p, struct rg_err *err)
{
    int ret = -1;

    if (appendix(p, err) < 0 || signoff(p, err) < 0)
        goto done;
    contents(p);
    cover_sections(p);
    footers(p);
    if (check(p, err, "contents") < 0)
        goto done;
    ret = save(p, err);
done:
    rg_pdf_abandon(p);
    return ret;
}

void
rg_pdf_abandon(struct rg_pdf *p)
{
    if (!p)
        return;
    if (p->doc)
        HPDF_Free(p->doc);
    free(p->pages);
    free(p->path);
    free(p);
}
