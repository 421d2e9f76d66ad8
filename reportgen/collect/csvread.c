/*
 * csvread.c - CSV records with their line numbers (see csvread.h).
 *
 * libcsv does the quoting rules; this file adds what evidence needs on top:
 * where each record starts, limits, UTF-8 checks and the header.
 *
 * libcsv reports fields, not positions. To know the physical line of every
 * record we feed it one line at a time (a line split by the read buffer is
 * fed in two pieces): the line counter is then exact at every callback, and
 * a record begins on the first non-blank line fed after the previous record
 * ended.
 */
#include "csvread.h"

#include <csv.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/text.h"

#define CHUNK (1u << 20)

struct reader {
    struct csv_parser p;
    const char *path; /* borrowed */
    rg_csv_fn fn;
    void *ctx;
    struct rg_err *err; /* borrowed */
    int failed;
    int pre_state; /* PRE_HEAD, PRE_TYPE or PRE_BODY */
    char head[8];  /* the first bytes, until the preamble is known */
    size_t nhead;
    size_t type_len;  /* bytes of the #TYPE line skipped so far */
    int64_t line;     /* the line being fed, 1-based */
    int64_t rec_line; /* the line the current record started on */
    int ended;        /* records ended by the current csv_parse() call */
    int after_cr;     /* a record ended at a CR; only blanks may come
                         before the line's LF */
    size_t rec_bytes; /* bytes fed since the record started */
    char *buf;        /* owned; field bytes of the current record */
    size_t used, cap;
    size_t off[RG_CSV_MAX_FIELDS];
    size_t flen[RG_CSV_MAX_FIELDS];
    size_t nf;
    struct rg_csv_field fields[RG_CSV_MAX_FIELDS];
    char *hbuf;                  /* owned; header bytes */
    struct rg_csv_field *header; /* owned; hn fields into hbuf */
    size_t hn;
    int64_t records;
};

int
rg_csv_fail(const struct rg_csv_record *rec, size_t col, struct rg_err *err,
            const char *fmt, ...)
{
    char why[400], name[220] = "";
    va_list ap;

    if (!err || err->code != RG_OK)
        return -1;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (rec->header && col < rec->nheader) {
        char q[200];

        rg_err_quote(q, sizeof(q), rec->header[col].s, rec->header[col].len);
        snprintf(name, sizeof(name), " (%s)", q);
    }
    return rg_fail(err, RG_ERR_INPUT,
                   "cannot load '%s' line %lld, column %zu%s: %s", rec->path,
                   (long long)rec->line, col + 1, name, why);
}

/* Fails at the current record, in the column being parsed. */
static void
fail_here(struct reader *r, const char *why)
{
    struct rg_csv_record rec = { r->path, r->rec_line, r->hn,
                                 NULL,    r->header,   r->hn };

    rg_csv_fail(&rec, r->nf, r->err, "%s", why);
    r->failed = 1;
}

static void
lone_cr(struct reader *r)
{
    rg_fail(r->err, RG_ERR_INPUT,
            "cannot load '%s' line %lld: a carriage return without a line "
            "feed ends a line (an old Mac text file?); save it with CRLF or "
            "LF line ends",
            r->path, (long long)r->line);
    r->failed = 1;
}

static void
on_field(void *data, size_t len, void *vr)
{
    struct reader *r = vr;

    if (r->failed)
        return;
    if (r->nf == RG_CSV_MAX_FIELDS) {
        fail_here(r, "too many fields");
        return;
    }
    if (r->used + len + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        char *buf;

        while (cap < r->used + len + 1)
            cap *= 2;
        if (!(buf = realloc(r->buf, cap))) {
            rg_fail(r->err, RG_ERR_NOMEM, "out of memory");
            r->failed = 1;
            return;
        }
        r->buf = buf;
        r->cap = cap;
    }
    if (len)
        memcpy(r->buf + r->used, data, len);
    r->buf[r->used + len] = '\0';
    r->off[r->nf] = r->used;
    r->flen[r->nf] = len;
    r->used += len + 1;
    r->nf++;
}

static int
keep_header(struct reader *r)
{
    size_t i;

    if (!(r->hbuf = malloc(r->used ? r->used : 1)) ||
        !(r->header = calloc(r->nf, sizeof(*r->header))))
        return rg_fail(r->err, RG_ERR_NOMEM, "out of memory");
    if (r->used)
        memcpy(r->hbuf, r->buf, r->used);
    for (i = 0; i < r->nf; i++) {
        r->header[i].s = r->hbuf + r->off[i];
        r->header[i].len = r->flen[i];
    }
    r->hn = r->nf;
    return 0;
}

static void
on_record(int c, void *vr)
{
    struct reader *r = vr;
    struct rg_csv_record rec;
    size_t i, bad;

    (void)c;
    if (r->failed)
        return;
    if (r->ended > 0) { /* a second record within one line */
        lone_cr(r);
        return;
    }
    for (i = 0; i < r->nf; i++) {
        r->fields[i].s = r->buf + r->off[i];
        r->fields[i].len = r->flen[i];
    }
    rec.path = r->path;
    rec.line = r->rec_line;
    rec.n = r->nf;
    rec.f = r->fields;
    rec.header = r->header;
    rec.nheader = r->hn;
    if (r->header && r->nf != r->hn) {
        rg_fail(r->err, RG_ERR_INPUT,
                "cannot load '%s' line %lld: expected %zu field%s as in the "
                "header, found %zu",
                r->path, (long long)r->rec_line, r->hn, r->hn == 1 ? "" : "s",
                r->nf);
        r->failed = 1;
        return;
    }
    for (i = 0; i < r->nf; i++) {
        if (!rg_utf8_valid(r->fields[i].s, r->fields[i].len, &bad)) {
            rg_csv_fail(&rec, i, r->err,
                        "invalid UTF-8 at byte %zu of the field", bad + 1);
            r->failed = 1;
            return;
        }
    }
    if (!r->header) {
        if (keep_header(r) < 0) {
            r->failed = 1;
            return;
        }
    } else {
        r->records++;
    }
    if (r->fn(r->ctx, &rec, r->err) < 0) {
        r->failed = 1;
        return;
    }
    r->nf = 0;
    r->used = 0;
    r->ended++;
    r->rec_bytes = 0;
}

/* A line libcsv skips when no record is open: line ends, spaces, tabs. */
static int
blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '\r' && s[i] != '\n' && s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

int rg_csv_fast_path = 1;
size_t rg_csv_mem_chunk = CHUNK;

static int
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * Splits a whole line (s[0..n), ending in '\n') that holds no quote and no
 * CR but the one before its end, the way libcsv would, through the same
 * callbacks. Most lines of a large export are like this, and libcsv spends
 * about 40 instructions a byte on them, this about 5. Returns 0, having done
 * nothing, for any other line. tests/fuzz/fuzz_csvfast checks that both
 * ways give the same records and errors.
 */
static int
fast_line(struct reader *r, const char *s, size_t n)
{
    size_t end = n - 1, start = 0, k = 0;

    if (end > 0 && s[end - 1] == '\r')
        end--;
    if (memchr(s, '"', end) || memchr(s, '\r', end))
        return 0;
    while (k < end && is_blank(s[k]))
        k++;
    if (k == end) /* nothing but spaces: libcsv's call */
        return 0;
    for (;;) {
        const char *comma = memchr(s + start, ',', end - start);
        size_t a = start, b = comma ? (size_t)(comma - s) : end;

        while (a < b && is_blank(s[a]))
            a++;
        while (b > a && is_blank(s[b - 1]))
            b--;
        on_field((void *)(s + a), b - a, r);
        if (!comma)
            break;
        start = (size_t)(comma - s) + 1;
    }
    on_record('\n', r);
    return 1;
}

/*
 * Feeds one buffer of the file, a line at a time. Every record must end at
 * the end of a line (LF, CRLF) or of the file: a record ended by a lone CR
 * would put two records on one counted line, so it is refused.
 */
static void
feed_body(struct reader *r, const char *data, size_t len)
{
    size_t i = 0;

    while (i < len && !r->failed) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t seg = nl ? (size_t)(nl - (data + i)) + 1 : len - i;

        if (r->after_cr) {
            size_t k = i;

            while (k < i + seg &&
                   (data[k] == ' ' || data[k] == '\t' || data[k] == '\r'))
                k++;
            if (k < i + seg && data[k] != '\n') {
                lone_cr(r);
                return;
            }
            r->after_cr = k == i + seg;
        }
        /*
         * libcsv holds no part of a record: its state is ROW_NOT_BEGUN (0
         * in libcsv 3) and no field is waiting for the record's end.
         */
        int fresh = r->p.pstate == 0 && r->nf == 0;
        int empty = blank(data + i, seg);

        if (fresh && !empty) {
            r->rec_line = r->line;
            r->rec_bytes = 0;
        }
        if (!fresh || !empty) {
            r->rec_bytes += seg;
            if (r->rec_bytes > RG_CSV_MAX_RECORD) {
                fail_here(r, "record longer than 1 MiB (an unterminated "
                             "quote?)");
                return;
            }
        }
        r->ended = 0;
        if (fresh && nl && rg_csv_fast_path && fast_line(r, data + i, seg)) {
            /* done without libcsv */
        } else if (csv_parse(&r->p, data + i, seg, on_field, on_record, r) <
                       seg &&
                   !r->failed) {
            if (r->ended > 0) /* a lone CR came first, on this same line */
                lone_cr(r);
            else if (csv_error(&r->p) == CSV_EPARSE)
                fail_here(r, "unexpected character after a closing quote "
                             "(a quote inside a quoted field is written \"\")");
            else
                fail_here(r, csv_strerror(csv_error(&r->p)));
        } else if (r->ended > 1 ||
                   (r->ended == 1 && (r->p.pstate != 0 || r->nf != 0))) {
            lone_cr(r); /* a record ended before the line did */
        } else if (r->ended == 1 && !nl) {
            r->after_cr = 1; /* it ended at a CR; the LF is still to come */
        }
        if (nl)
            r->line++;
        i += seg;
    }
}

enum { PRE_HEAD, PRE_TYPE, PRE_BODY };

/*
 * Skips a UTF-8 byte order mark and PowerShell's "#TYPE ..." first line,
 * then feeds the rest. The first 8 bytes are held back until it is known
 * which of those the file starts with, whatever the size of the buffers;
 * last is set for the end of the file.
 */
static void
feed(struct reader *r, const char *data, size_t len, int last)
{
    if (r->pre_state == PRE_HEAD) {
        size_t take = sizeof(r->head) - r->nhead, off = 0;

        take = take < len ? take : len;
        memcpy(r->head + r->nhead, data, take);
        r->nhead += take;
        data += take;
        len -= take;
        if (r->nhead < sizeof(r->head) && !last)
            return;
        if (r->nhead >= 3 && memcmp(r->head, "\xef\xbb\xbf", 3) == 0)
            off = 3;
        r->pre_state =
            r->nhead - off >= 5 && memcmp(r->head + off, "#TYPE", 5) == 0
                ? PRE_TYPE
                : PRE_BODY;
        feed(r, r->head + off, r->nhead - off, 0);
    }
    if (r->pre_state == PRE_TYPE && len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t skip = nl ? (size_t)(nl - data) + 1 : len;

        r->type_len += skip;
        if (r->type_len > CHUNK) {
            rg_fail(r->err, RG_ERR_INPUT,
                    "cannot load '%s' line 1: #TYPE line longer than %u bytes",
                    r->path, CHUNK);
            r->failed = 1;
            return;
        }
        if (nl) {
            r->line++;
            r->pre_state = PRE_BODY;
        }
        data += skip;
        len -= skip;
    }
    if (r->pre_state == PRE_BODY && len > 0 && !r->failed)
        feed_body(r, data, len);
}

static int
finish(struct reader *r, struct rg_csv_stats *st)
{
    if (!r->failed && r->pre_state == PRE_HEAD)
        feed(r, "", 0, 1); /* a file shorter than 8 bytes */
    if (!r->failed && csv_fini(&r->p, on_field, on_record, r) != 0 &&
        !r->failed)
        fail_here(r, "unterminated quote");
    if (r->failed)
        return -1;
    if (!r->header)
        return rg_fail(r->err, RG_ERR_INPUT,
                       "cannot load '%s': no header line (the file is empty)",
                       r->path);
    st->records = r->records;
    return 0;
}

static int
reader_init(struct reader *r, const char *path, rg_csv_fn fn, void *ctx,
            struct rg_err *err)
{
    memset(r, 0, sizeof(*r));
    r->path = path;
    r->fn = fn;
    r->ctx = ctx;
    r->err = err;
    r->line = 1;
    if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    return 0;
}

static void
reader_release(struct reader *r)
{
    csv_free(&r->p);
    free(r->buf);
    free(r->hbuf);
    free(r->header);
}

int
rg_csv_read_mem(const char *path, const void *data, size_t len, rg_csv_fn fn,
                void *ctx, struct rg_csv_stats *st, struct rg_err *err)
{
    struct reader *r = calloc(1, sizeof(*r)); /* released on every path */
    struct rg_sha256 h = { NULL };
    int ret = -1;

    memset(st, 0, sizeof(*st));
    if (!r)
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    if (reader_init(r, path, fn, ctx, err) < 0 || rg_sha256_init(&h, err) < 0)
        goto done;
    for (size_t i = 0; i < len && !r->failed; i += rg_csv_mem_chunk) {
        size_t n = len - i < rg_csv_mem_chunk ? len - i : rg_csv_mem_chunk;

        feed(r, (const char *)data + i, n, 0);
    }
    if (finish(r, st) < 0)
        goto done;
    rg_sha256_update(&h, data, len);
    rg_sha256_final(&h, st->sha256);
    st->bytes = len;
    ret = 0;
done:
    rg_sha256_release(&h);
    reader_release(r);
    free(r);
    return ret;
}

/*
 * The digest of a file is taken on a second thread, chunk by chunk, while
 * the first parses the same chunk: the bytes hashed are exactly the bytes
 * parsed, and SHA-256 costs no wall time. Two chunk buffers alternate; a
 * chunk is handed over only when the hasher has finished the one before,
 * so the buffer read next is always free.
 */
struct hasher {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct rg_sha256 h;
    const char *buf; /* the chunk to hash, or NULL */
    size_t len;
    int quit;
};

static void *
hasher_main(void *arg)
{
    struct hasher *hs = arg;

    pthread_mutex_lock(&hs->mu);
    for (;;) {
        while (!hs->buf && !hs->quit)
            pthread_cond_wait(&hs->cv, &hs->mu);
        if (!hs->buf)
            break;
        pthread_mutex_unlock(&hs->mu);
        rg_sha256_update(&hs->h, hs->buf, hs->len);
        pthread_mutex_lock(&hs->mu);
        hs->buf = NULL;
        pthread_cond_broadcast(&hs->cv);
    }
    pthread_mutex_unlock(&hs->mu);
    return NULL;
}

/* Waits until the hasher is idle, then gives it buf (NULL: stop). */
static void
hasher_give(struct hasher *hs, const char *buf, size_t len)
{
    pthread_mutex_lock(&hs->mu);
    while (hs->buf)
        pthread_cond_wait(&hs->cv, &hs->mu);
    hs->buf = buf;
    hs->len = len;
    hs->quit = buf == NULL;
    pthread_cond_broadcast(&hs->cv);
    pthread_mutex_unlock(&hs->mu);
}

int
rg_csv_read(const char *path, rg_csv_fn fn, void *ctx, struct rg_csv_stats *st,
            struct rg_err *err)
{
    struct reader *r = calloc(1, sizeof(*r)); /* released on every path */
    struct hasher hs;
    char *chunks = malloc(2 * (size_t)CHUNK);
    FILE *f = NULL;
    size_t n;
    int ret = -1, started = 0, k = 0;

    memset(st, 0, sizeof(*st));
    memset(&hs, 0, sizeof(hs));
    if (!r || !chunks) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (reader_init(r, path, fn, ctx, err) < 0 ||
        rg_sha256_init(&hs.h, err) < 0)
        goto done;
    if (!(f = fopen(path, "rb"))) {
        rg_fail(err, RG_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
        goto done;
    }
    pthread_mutex_init(&hs.mu, NULL);
    pthread_cond_init(&hs.cv, NULL);
    if (pthread_create(&hs.thread, NULL, hasher_main, &hs) != 0) {
        rg_fail(err, RG_ERR_NOMEM, "cannot start a thread");
        pthread_cond_destroy(&hs.cv);
        pthread_mutex_destroy(&hs.mu);
        goto done;
    }
    started = 1;
    while (!r->failed) {
        char *chunk = chunks + (size_t)k * CHUNK;

        if ((n = fread(chunk, 1, CHUNK, f)) == 0)
            break;
        hasher_give(&hs, chunk, n);
        st->bytes += n;
        feed(r, chunk, n, 0);
        k ^= 1;
    }
    hasher_give(&hs, NULL, 0);
    pthread_join(hs.thread, NULL);
    pthread_cond_destroy(&hs.cv);
    pthread_mutex_destroy(&hs.mu);
    started = 0;
    if (ferror(f)) {
        rg_fail(err, RG_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
        goto done;
    }
    if (finish(r, st) < 0)
        goto done;
    rg_sha256_final(&hs.h, st->sha256);
    ret = 0;
done:
    if (started) {
        hasher_give(&hs, NULL, 0);
        pthread_join(hs.thread, NULL);
    }
    if (f)
        fclose(f);
    rg_sha256_release(&hs.h);
    if (r)
        reader_release(r);
    free(r);
    free(chunks);
    return ret;
}
