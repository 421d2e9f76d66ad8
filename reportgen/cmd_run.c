/*
 * cmd_run.c - `reportgen run`: a template's queries against a snapshot,
 * written as a workbook, a PDF and CSV extracts in a new pack folder.
 *
 * Each section's rows are read once, streamed from SQLite, and each row goes
 * to all three outputs. The pack is built in a temporary folder beside its
 * final place and renamed when complete, so a failed run leaves nothing.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "pack/pack.h"
#include "pack/pdfsig.h"
#include "pack/record.h"
#include "query/query.h"
#include "query/template.h"
#include "render/csvout.h"
#include "render/pdf.h"
#include "render/split.h"
#include "render/xlsx.h"
#include "store/store.h"
#include "util/cancel.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/rowpipe.h"
#include "util/sha256.h"
#include "util/version.h"

#define MAX_QUERY_BYTES (1u << 20)

/* Everything one run holds; released by run_release(). */
struct run {
    struct rg_template *t;
    struct rg_store *st;
    struct rg_snapshot_info info;
    int have_info;
    struct rg_bound *bound;
    struct rg_report_param *params;
    struct rg_report_meta meta;
    struct rg_report_section *secs;
    struct rg_report_column **cols;
    char **sql, **titles, **descs, **names;
    char query_sha[RG_TEMPLATE_MAX_SECTIONS][RG_SHA256_HEX];
    char result_sha[RG_TEMPLATE_MAX_SECTIONS][RG_SHA256_HEX];
    double seconds[RG_TEMPLATE_MAX_SECTIONS];
    char **resnames[RG_TEMPLATE_MAX_SECTIONS];         /* result column names */
    struct rg_split *splits[RG_TEMPLATE_MAX_SECTIONS]; /* split sections */
    char template_sha[RG_SHA256_HEX];
    char *title, *desc, *queries_dir;
    char pack_id[160], generated_at[RG_ISO_TIME_LEN], tmp[4096], final[4096];
    char data[4096]; /* tmp/data: the payload */
    int quiet;
    unsigned outputs; /* RG_OUT_XLSX | RG_OUT_PDF | RG_OUT_CSV */
    const struct rg_run_job *job;
    struct rg_signer *signer;
};

static void
free_names(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

static void
run_release(struct run *r)
{
    for (size_t i = 0; r->t && i < r->t->nsections; i++) {
        if (r->cols)
            free(r->cols[i]);
        if (r->sql)
            free(r->sql[i]);
        if (r->titles)
            free(r->titles[i]);
        if (r->descs)
            free(r->descs[i]);
        if (r->secs)
            free_names(r->resnames[i], r->secs[i].nresult);
        rg_split_free(r->splits[i]);
    }
    free(r->cols);
    free(r->sql);
    free(r->titles);
    free(r->descs);
    free(r->secs);
    free(r->params);
    free(r->title);
    free(r->desc);
    free(r->queries_dir);
    if (r->t)
        rg_bound_free(r->bound, r->t->nparams);
    if (r->have_info)
        rg_snapshot_info_release(&r->info);
    rg_store_close(r->st);
    rg_template_free(r->t);
    rg_signer_free(r->signer);
}

/* The folder of templates: --templates, ./templates, or the installed one. */
static const char *
templates_dir(const char *opt, char *buf, size_t bufsz)
{
    if (opt) { /* "templates/" reads better in messages as "templates" */
        size_t n = strlen(opt);

        while (n > 1 && opt[n - 1] == '/')
            n--;
        snprintf(buf, bufsz, "%.*s", (int)n, opt);
        return buf;
    }
    if (rg_is_dir("templates"))
        return "templates";
    snprintf(buf, bufsz, "%s/templates", rg_cmd_datadir());
    return buf;
}

/* The queries folder beside a templates folder. */
static char *
queries_beside(const char *tdir)
{
    size_t end = strlen(tdir), n = 0;
    char *q;

    while (end > 1 && tdir[end - 1] == '/') /* "templates/" */
        end--;
    for (size_t k = 0; k < end; k++)
        if (tdir[k] == '/')
            n = k;
    if (!(q = malloc(n + 16)))
        return NULL;
    if (n > 0 || tdir[0] == '/')
        snprintf(q, n + 16, "%.*s/queries", (int)n, tdir);
    else
        snprintf(q, n + 16, "queries");
    return q;
}

/*
 * The pack id: template, as-of date and 8 hex digits of a digest of the
 * snapshot, template and parameters, so two packs made from different
 * inputs never share a name and the same inputs always do.
 */
static int
make_pack_id(struct run *r, struct rg_err *err)
{
    struct rg_sha256 h;
    char hex[RG_SHA256_HEX], date[9] = "00000000";
    const char *a = r->info.as_of ? r->info.as_of : "";

    if (strlen(a) >= 10)
        snprintf(date, sizeof(date), "%.4s%.2s%.2s", a, a + 5, a + 8);
    if (rg_sha256_init(&h, err) < 0)
        return -1;
    rg_sha256_update(&h, r->info.sha256, strlen(r->info.sha256));
    rg_sha256_update(&h, "\n", 1);
    rg_sha256_update(&h, r->t->id, strlen(r->t->id));
    for (size_t i = 0; i < r->t->nparams; i++) {
        rg_sha256_update(&h, "\n", 1);
        rg_sha256_update(&h, r->bound[i].name, strlen(r->bound[i].name));
        rg_sha256_update(&h, "=", 1);
        rg_sha256_update(&h, r->bound[i].text, strlen(r->bound[i].text));
    }
    rg_sha256_final(&h, hex);
    snprintf(r->pack_id, sizeof(r->pack_id), "%s-%s-%.8s", r->t->id, date, hex);
    return 0;
}

#define MAX_WARNINGS 32

/*
 * A source that announced another number of rows than arrived (Graph's
 * @odata.count): every pack made from the snapshot says so.
 */
static int
source_warning(const struct rg_source_info *s, char *out, size_t outsz)
{
    if (s->note) {
        snprintf(out, outsz, "source %lld (%s %s) is incomplete: %s",
                 (long long)s->id, s->kind, s->entity, s->note);
        return 1;
    }
    if (s->expected < 0 || s->expected == s->rows)
        return 0;
    snprintf(out, outsz,
             "source %lld (%s %s) announced %lld rows, %lld arrived",
             (long long)s->id, s->kind, s->entity, (long long)s->expected,
             (long long)s->rows);
    return 1;
}

static int
prepare(struct run *r, const char *snapshot, const char *const *assign,
        size_t nassign, struct rg_err *err)
{
    const struct rg_template *t = r->t;
    size_t n = t->nsections;

    if (!(r->st = rg_store_open(snapshot, err)))
        return -1;
    if (rg_store_info(r->st, &r->info, err) < 0)
        return -1;
    r->have_info = 1;
    rg_query_guard(rg_store_db(r->st));
    if (rg_params_resolve(t, assign, nassign, r->info.as_of, &r->bound, err) <
        0)
        return -1;
    if (make_pack_id(r, err) < 0)
        return -1;
    for (size_t i = 0; i < r->info.nsources; i++) {
        char w[400];

        if (source_warning(&r->info.sources[i], w, sizeof(w)))
            fprintf(stderr, "reportgen: warning: snapshot '%s': %s\n", snapshot,
                    w);
    }
    r->secs = calloc(n, sizeof(*r->secs));
    r->cols = calloc(n, sizeof(*r->cols));
    r->sql = calloc(n, sizeof(*r->sql));
    r->titles = calloc(n, sizeof(*r->titles));
    r->descs = calloc(n, sizeof(*r->descs));
    r->params = calloc(t->nparams ? t->nparams : 1, sizeof(*r->params));
    r->title = rg_substitute(t->title, r->bound, t->nparams, r->info.as_of,
                             r->info.tenant_name);
    r->desc = t->description
                  ? rg_substitute(t->description, r->bound, t->nparams,
                                  r->info.as_of, r->info.tenant_name)
                  : NULL;
    if (!r->secs || !r->cols || !r->sql || !r->titles || !r->descs ||
        !r->params || !r->title || (t->description && !r->desc))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < t->nparams; i++) {
        r->params[i].name = r->bound[i].name;
        r->params[i].value = r->bound[i].text;
    }
    r->meta.pack_id = r->pack_id;
    r->meta.title = r->title;
    r->meta.description = r->desc;
    r->meta.audience = t->audience;
    r->meta.tenant = r->info.tenant_name;
    r->meta.as_of = r->info.as_of;
    r->meta.generated_at = r->generated_at;
    r->meta.template_id = t->id;
    r->meta.snapshot_sha256 = r->info.sha256;
    r->meta.version = "reportgen " RG_VERSION;
    r->meta.params = r->params;
    r->meta.nparams = t->nparams;
    return 0;
}

/*
 * The query file must be inside the queries folder once links are
 * followed: a link to /etc/passwd would otherwise run (and its first line
 * show in the error).
 */
static int
contained(const char *dir, const char *path, struct rg_err *err)
{
    char *rd = realpath(dir, NULL), *rp = realpath(path, NULL);
    size_t n = rd ? strlen(rd) : 0;
    int ok = rd && rp && strncmp(rd, rp, n) == 0 && rp[n] == '/';

    if (!rp) {
        int e = errno;

        free(rd);
        return rg_fail(err, RG_ERR_IO, "cannot open query '%s': %s", path,
                       strerror(e));
    }
    free(rd);
    free(rp);
    if (!ok)
        return rg_fail(err, RG_ERR_INPUT,
                       "query '%s' is outside the queries folder '%s' once "
                       "links are followed",
                       path, dir);
    return 0;
}

/* Reads a section's query file; keeps its text and SHA-256. */
static int
load_query(struct run *r, size_t i, struct rg_err *err)
{
    const struct rg_section *s = &r->t->sections[i];
    char path[4096];
    size_t len;

    if (rg_pathf(err, path, sizeof(path), "%s/%s", r->queries_dir, s->query) <
        0)
        return -1;
    if (contained(r->queries_dir, path, err) < 0)
        return -1;
    if (rg_read_file(path, MAX_QUERY_BYTES, "query", &r->sql[i], &len, err) < 0)
        return -1;
    if (strlen(r->sql[i]) != len)
        return rg_fail(err, RG_ERR_INPUT, "query '%s' holds a NUL byte", path);
    return rg_sha256_buf(r->sql[i], len, r->query_sha[i], err);
}

/* Finds result column name; -1 when the query does not return it. */
static int
result_index(struct rg_query *q, const char *name)
{
    for (size_t i = 0; i < rg_query_ncols(q); i++)
        if (strcmp(rg_query_colname(q, i), name) == 0)
            return (int)i;
    return -1;
}

static int
map_section(struct run *r, size_t i, struct rg_query *q, struct rg_err *err)
{
    const struct rg_section *s = &r->t->sections[i];
    struct rg_report_section *rs = &r->secs[i];
    const char *bad = NULL;
    int k;

    if (!(r->cols[i] = calloc(s->ncols, sizeof(*r->cols[i]))))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    for (size_t c = 0; c < s->ncols && !bad; c++) {
        if (s->cols[c].input) { /* not a result column */
            r->cols[i][c].title = s->cols[c].title;
            r->cols[i][c].format = s->cols[c].format;
            r->cols[i][c].width = s->cols[c].width;
            r->cols[i][c].input = 1;
            r->cols[i][c].choices = s->cols[c].choices;
            r->cols[i][c].no_pdf = s->cols[c].no_pdf;
            continue;
        }
        if ((k = result_index(q, s->cols[c].name)) < 0) {
            bad = s->cols[c].name;
            break;
        }
        r->cols[i][c].title = s->cols[c].title;
        r->cols[i][c].format = s->cols[c].format;
        r->cols[i][c].width = s->cols[c].width;
        r->cols[i][c].src = (size_t)k;
        r->cols[i][c].no_pdf = s->cols[c].no_pdf;
    }
    rs->highlight = s->highlight ? result_index(q, s->highlight) : -1;
    rs->chart_label = s->chart_label ? result_index(q, s->chart_label) : -1;
    rs->chart_value = s->chart_value ? result_index(q, s->chart_value) : -1;
    if (!bad && s->highlight && rs->highlight < 0)
        bad = s->highlight;
    if (!bad && s->chart_label && rs->chart_label < 0)
        bad = s->chart_label;
    if (!bad && s->chart_label && rs->chart_value < 0)
        bad = s->chart_value;
    if (!bad && s->split && result_index(q, s->split) < 0)
        bad = s->split;
    if (bad)
        return rg_fail(err, RG_ERR_INPUT,
                       "query '%s' returns no column '%s', which template "
                       "'%s' [section %s] shows",
                       s->query, bad, r->t->path, s->name);
    rs->name = s->name;
    rs->title = r->titles[i];
    rs->description = r->descs[i];
    rs->sheet = s->sheet;
    rs->query_file = s->query;
    rs->query_sha256 = r->query_sha[i];
    rs->sql = r->sql[i];
    rs->cols = r->cols[i];
    rs->ncols = s->ncols;
    rs->nresult = rg_query_ncols(q);
    rs->pdf = s->pdf;
    rs->pdf_rows = s->pdf_rows;
    return 0;
}

static double
seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The second thread's share of a section: the PDF and the CSV extract. */
struct side {
    struct rg_pdf *pdf;
    struct rg_csvout *csv;
};

static int
side_row(void *ctx, const struct rg_value *row, struct rg_err *err)
{
    struct side *sd = ctx;

    if (sd->pdf && rg_pdf_row(sd->pdf, row, err) < 0)
        return -1;
    return sd->csv ? rg_csvout_row(sd->csv, row, err) : 0;
}

static int
xlsx_row(void *ctx, const struct rg_value *row, struct rg_err *err)
{
    return rg_xlsx_row(ctx, row, err);
}

static int
split_row(void *ctx, const struct rg_value *row, struct rg_err *err)
{
    return rg_split_row(ctx, row, err);
}

/* The split column's title as the template shows it, else its name. */
static const char *
split_title(const struct rg_section *s)
{
    for (size_t c = 0; c < s->ncols; c++)
        if (strcmp(s->cols[c].name, s->split) == 0)
            return s->cols[c].title;
    return s->split;
}

/*
 * Runs section i and streams its rows into the three outputs, on three
 * threads: this one reads SQLite and hands each row, copied, to one that
 * writes the workbook and one that writes the PDF and the CSV extract. The
 * workbook's XML and SQLite's reading each took about a quarter of a large
 * section's time; now they overlap.
 */
static int
write_section(struct run *r, size_t i, struct rg_xlsx *x, struct rg_pdf *pdf,
              struct rg_err *err)
{
    const struct rg_section *s = &r->t->sections[i];
    struct rg_report_section *rs = &r->secs[i];
    struct rg_query *q = NULL;
    struct rg_csvout *csv = NULL;
    struct rg_rowpipe *pipe = NULL, *px = NULL;
    struct rg_split *sp = NULL;
    struct rg_xlsx *xmain = x;
    struct rg_pdf *pdf_later = NULL;
    char folder[128];
    struct side side;
    const char **names = NULL;
    const struct rg_value *row;
    char path[4096];
    double start = seconds(), shown = start;
    int tty = !r->quiet && isatty(2), rc, ret = -1;

    if (load_query(r, i, err) < 0)
        return -1;
    r->titles[i] = rg_substitute(s->title, r->bound, r->t->nparams,
                                 r->info.as_of, r->info.tenant_name);
    r->descs[i] = s->description
                      ? rg_substitute(s->description, r->bound, r->t->nparams,
                                      r->info.as_of, r->info.tenant_name)
                      : NULL;
    if (!r->titles[i] || (s->description && !r->descs[i]))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    if (!(q = rg_query_open(rg_store_db(r->st), s->query, r->sql[i], r->bound,
                            r->t->nparams, err)))
        return -1;
    if (map_section(r, i, q, err) < 0)
        goto done;
    if (!(names = calloc(rs->nresult ? rs->nresult : 1, sizeof(*names)))) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (!(r->resnames[i] =
              calloc(rs->nresult ? rs->nresult : 1, sizeof(*r->resnames[i])))) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t c = 0; c < rs->nresult; c++) {
        names[c] = rg_query_colname(q, c);
        if (!(r->resnames[i][c] = strdup(names[c]))) {
            rg_fail(err, RG_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    rs->result_names = names;
    if (rg_pathf(err, path, sizeof(path), "%s/extracts/%s.csv", r->data,
                 s->name) < 0)
        goto done;
    if ((r->outputs & RG_OUT_CSV) &&
        !(csv = rg_csvout_open(path, names, rs->nresult, err)))
        goto done;
    if (x && s->split) {
        /* one workbook per value; the index takes the section's place */
        if (rg_pathf(err, folder, sizeof(folder), "by-%s", s->split) < 0 ||
            !(sp =
                  rg_split_new(r->data, folder, r->tmp, &r->meta, rs,
                               result_index(q, s->split), split_title(s), err)))
            goto done;
        r->splits[i] = sp;
        if (!(px = rg_rowpipe_start(rs->nresult, split_row, sp, err)))
            goto done;
        x = NULL;
        pdf_later = pdf;
        pdf = NULL;
    }
    if ((x && rg_xlsx_begin(x, rs, err) < 0) ||
        (pdf && rg_pdf_begin(pdf, rs, err) < 0))
        goto done;
    side.pdf = pdf;
    side.csv = csv;
    if ((x && !(px = rg_rowpipe_start(rs->nresult, xlsx_row, x, err))) ||
        ((pdf || csv) &&
         !(pipe = rg_rowpipe_start(rs->nresult, side_row, &side, err))))
        goto done;
    rs->rows = 0;
    while ((rc = rg_query_next(q, &row, err)) > 0) {
        rs->rows++;
        if ((px && rg_rowpipe_put(px, row, err) < 0) ||
            (pipe && rg_rowpipe_put(pipe, row, err) < 0))
            goto done;
        if ((rs->rows & 4095) == 0 && rg_cancel_check(err) < 0)
            goto done;
        if (tty && (rs->rows & 4095) == 0 && seconds() - shown > 0.5) {
            shown = seconds();
            fprintf(stderr, "\rreportgen: %s: %lld rows", s->name,
                    (long long)rs->rows);
        }
    }
    rc = rc < 0 ? -1 : 0;
    if (rg_rowpipe_finish(px, 0, err) < 0)
        rc = -1;
    if (rg_rowpipe_finish(pipe, 0, err) < 0)
        rc = -1;
    px = pipe = NULL;
    if (rc < 0 || rg_query_digest(q, r->result_sha[i], err) < 0)
        goto done;
    if ((x && rg_xlsx_end(x, err) < 0) ||
        (pdf && rg_pdf_end(pdf, rs->rows, err) < 0))
        goto done;
    if (sp && rg_split_finish(sp, xmain, pdf_later, rs->rows, err) < 0)
        goto done;
    r->seconds[i] = seconds() - start;
    if (tty && r->seconds[i] > 1.0)
        fprintf(stderr, "\rreportgen: %s: %lld rows, %.1f s\n", s->name,
                (long long)rs->rows, r->seconds[i]);
    ret = 0;
done:
    /* after a failure here, the writers' own errors are kept too */
    if (rg_rowpipe_finish(px, 0, err) < 0)
        ret = -1;
    if (rg_rowpipe_finish(pipe, 0, err) < 0)
        ret = -1;
    if (rg_csvout_close(csv, err) < 0)
        ret = -1;
    rg_query_close(q);
    /* names point into the statement, gone with it */
    rs->result_names = NULL;
    free(names);
    return ret;
}

/* Writes len bytes to path, creating its folders. */
static int
put_file(const char *path, const char *data, size_t len, struct rg_err *err)
{
    return rg_mkdirs_for(path, err) < 0 ? -1
                                        : rg_write_file(path, data, len, err);
}

/* Copies the exact SQL that ran into the pack, under queries/. */
static int
keep_queries(struct run *r, struct rg_err *err)
{
    for (size_t i = 0; i < r->t->nsections; i++) {
        char path[4096];

        if (rg_pathf(err, path, sizeof(path), "%s/queries/%s", r->data,
                     r->t->sections[i].query) < 0 ||
            put_file(path, r->sql[i], strlen(r->sql[i]), err) < 0)
            return -1;
    }
    return 0;
}

/*
 * Copies the template into the pack, as templates/<name>.ini (the name it
 * was run by) beside the queries, so `reportgen run --templates
 * data/templates --queries data/queries` re-performs the pack from the pack
 * alone.
 */
static int
keep_template(struct run *r, struct rg_err *err)
{
    char path[4096];

    if (!r->t->text)
        return rg_fail(err, RG_ERR_INTERNAL, "template '%s' kept no text",
                       r->t->path);
    if (rg_sha256_buf(r->t->text, r->t->text_len, r->template_sha, err) < 0 ||
        rg_pathf(err, path, sizeof(path), "%s/templates/%s.ini", r->data,
                 r->job->template_name) < 0)
        return -1;
    return put_file(path, r->t->text, r->t->text_len, err);
}

/* data/run.json: how every file of the pack was made. */
static int
write_record(struct run *r, struct rg_err *err)
{
    struct rg_record rec;
    struct rg_record_param params[RG_TEMPLATE_MAX_PARAMS];
    struct rg_record_section *secs;
    char path[4096], tfile[512], xlsx[256], pdf[256];
    char(*qfile)[4096] = NULL, (*extract)[512] = NULL;
    struct rg_record_workbook *books[RG_TEMPLATE_MAX_SECTIONS] = { NULL };
    size_t n = r->t->nsections;
    int ret = -1;

    secs = calloc(n ? n : 1, sizeof(*secs));
    qfile = calloc(n ? n : 1, sizeof(*qfile));
    extract = calloc(n ? n : 1, sizeof(*extract));
    if (!secs || !qfile || !extract) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    memset(&rec, 0, sizeof(rec));
    for (size_t i = 0; i < r->t->nparams; i++) {
        params[i].name = r->bound[i].name;
        params[i].type = rg_param_type_name(r->bound[i].type);
        params[i].value = r->bound[i].text;
    }
    for (size_t i = 0; i < n; i++) {
        const struct rg_section *s = &r->t->sections[i];

        snprintf(qfile[i], sizeof(qfile[i]), "queries/%s", s->query);
        snprintf(extract[i], sizeof(extract[i]), "extracts/%s.csv", s->name);
        secs[i].name = s->name;
        secs[i].title = r->titles[i];
        secs[i].query_file = qfile[i];
        secs[i].sql_sha256 = r->query_sha[i];
        secs[i].result_sha256 = r->result_sha[i];
        secs[i].columns = (const char *const *)r->resnames[i];
        secs[i].ncolumns = r->secs[i].nresult;
        secs[i].rows = r->secs[i].rows;
        secs[i].sheet = (r->outputs & RG_OUT_XLSX) ? s->sheet : NULL;
        secs[i].extract = (r->outputs & RG_OUT_CSV) ? extract[i] : NULL;
        secs[i].in_pdf = (r->outputs & RG_OUT_PDF) && s->pdf;
        if (r->splits[i]) {
            size_t nb = rg_split_count(r->splits[i]);

            if (!(books[i] = calloc(nb ? nb : 1, sizeof(*books[i])))) {
                rg_fail(err, RG_ERR_NOMEM, "out of memory");
                goto done;
            }
            for (size_t b = 0; b < nb; b++) {
                const struct rg_split_book *sb = rg_split_book(r->splits[i], b);

                books[i][b].value = sb->value;
                books[i][b].file = sb->file;
                books[i][b].rows = sb->rows;
            }
            secs[i].split = s->split;
            secs[i].workbooks = books[i];
            secs[i].nworkbooks = nb;
        }
    }
    snprintf(tfile, sizeof(tfile), "templates/%s.ini", r->job->template_name);
    snprintf(xlsx, sizeof(xlsx), "%s.xlsx", r->pack_id);
    snprintf(pdf, sizeof(pdf), "%s.pdf", r->pack_id);
    rec.pack_id = r->pack_id;
    rec.generated_at = r->generated_at;
    rec.version = "reportgen " RG_VERSION;
    rec.template_id = r->t->id;
    rec.template_file = tfile;
    rec.template_sha256 = r->template_sha;
    rec.title = r->title;
    rec.params = params;
    rec.nparams = r->t->nparams;
    rec.snapshot = &r->info;
    rec.sections = secs;
    rec.nsections = n;
    rec.xlsx = (r->outputs & RG_OUT_XLSX) ? xlsx : NULL;
    rec.pdf = (r->outputs & RG_OUT_PDF) ? pdf : NULL;
    if (rg_pathf(err, path, sizeof(path), "%s/run.json", r->data) < 0 ||
        rg_record_write(path, &rec, err) < 0)
        goto done;
    ret = 0;
done:
    for (size_t i = 0; i < n; i++)
        free(books[i]);
    free(secs);
    free(qfile);
    free(extract);
    return ret;
}

/* The parameters as one JSON object on one line, for bag-info.txt. */
static char *
params_json(const struct run *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int n = 0;

    if (!f)
        return NULL;
    fputc('{', f);
    for (size_t i = 0; i < r->t->nparams; i++)
        rg_json_kstr(f, &n, r->bound[i].name, r->bound[i].text);
    fputc('}', f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Signs the PDF, then writes the bag's tag files, signature and timestamp. */
static int
seal(struct run *r, struct rg_err *err)
{
    struct rg_bag_label labels[16 + RG_TEMPLATE_MAX_SECTIONS + MAX_WARNINGS];
    char warnings[MAX_WARNINGS][400];
    struct rg_seal seal;
    char now[RG_ISO_TIME_LEN], date[11], path[4096];
    char timing[RG_TEMPLATE_MAX_SECTIONS][160];
    char *params = NULL;
    size_t n = 0;
    int ret = -1;

    if (rg_cmd_now(now, err) < 0)
        return -1;
    if (r->signer && (r->outputs & RG_OUT_PDF)) {
        /* the clock itself, as in the CMS signing-time attribute */
        time_t t = time(NULL);
        struct tm tm;
        char signed_at[RG_ISO_TIME_LEN];

        strftime(signed_at, sizeof(signed_at), "%Y-%m-%dT%H:%M:%SZ",
                 gmtime_r(&t, &tm));
        if (rg_pathf(err, path, sizeof(path), "%s/%s.pdf", r->data,
                     r->pack_id) < 0 ||
            rg_pdf_sign(path, r->signer, signed_at, err) < 0)
            return -1;
    }
    if (!(params = params_json(r)))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    snprintf(date, sizeof(date), "%.10s", now);
    labels[n].label = "Source-Organization";
    labels[n++].value = r->job->organization  ? r->job->organization
                        : r->info.tenant_name ? r->info.tenant_name
                                              : "unknown";
    labels[n].label = "External-Identifier";
    labels[n++].value = r->pack_id;
    labels[n].label = "External-Description";
    labels[n++].value = r->title;
    labels[n].label = "Bagging-Date";
    labels[n++].value = date;
    labels[n].label = "Bag-Software-Agent";
    labels[n++].value = "reportgen " RG_VERSION;
    labels[n].label = "Template";
    labels[n++].value = r->t->id;
    labels[n].label = "Parameters";
    labels[n++].value = params;
    labels[n].label = "As-Of";
    labels[n++].value = r->info.as_of;
    labels[n].label = "Snapshot-SHA256";
    labels[n++].value = r->info.sha256;
    labels[n].label = "Generated-At";
    labels[n++].value = r->generated_at;
    for (size_t i = 0, k = 0; i < r->info.nsources && k < MAX_WARNINGS; i++)
        if (source_warning(&r->info.sources[i], warnings[k],
                           sizeof(warnings[k]))) {
            labels[n].label = "Snapshot-Warning";
            labels[n++].value = warnings[k++];
        }
    /* timings differ run to run, so they are here and not in the payload */
    for (size_t i = 0; i < r->t->nsections; i++) {
        snprintf(timing[i], sizeof(timing[i]), "%s %lld rows %.3f s",
                 r->t->sections[i].name, (long long)r->secs[i].rows,
                 r->seconds[i]);
        labels[n].label = "Section-Timing";
        labels[n++].value = timing[i];
    }
    for (size_t i = 0; i < n; i++)
        if (!labels[i].value || strpbrk(labels[i].value, "\r\n")) {
            rg_fail(err, RG_ERR_INPUT,
                    "bag-info.txt label %s would span lines; its value comes "
                    "from the snapshot or --organization",
                    labels[i].label);
            goto done;
        }
    memset(&seal, 0, sizeof(seal));
    seal.labels = labels;
    seal.nlabels = n;
    seal.signer = r->signer;
    seal.tsa_url = r->job->tsa_url;
    seal.tsa_timeout = r->job->tsa_timeout;
    if (rg_pack_seal(r->tmp, &seal, err) < 0)
        goto done;
    ret = 0;
done:
    free(params);
    return ret;
}

struct pdf_closer {
    struct rg_pdf *pdf;
    struct rg_err err;
    int ret;
};

static void *
close_pdf(void *arg)
{
    struct pdf_closer *pc = arg;

    pc->ret = rg_pdf_close(pc->pdf, &pc->err);
    return NULL;
}

static int
write_pack(struct run *r, const char *outdir, struct rg_err *err)
{
    struct rg_xlsx *x = NULL;
    struct rg_pdf *pdf = NULL;
    struct pdf_closer pc = { NULL, { RG_OK, "" }, 0 };
    pthread_t closer;
    int xret;
    char path[4096];
    size_t i;

    if (rg_pathf(err, r->final, sizeof(r->final), "%s/%s", outdir, r->pack_id) <
            0 ||
        rg_pathf(err, r->tmp, sizeof(r->tmp), "%s/.%s.tmp-XXXXXX", outdir,
                 r->pack_id) < 0)
        return -1;
    if (access(r->final, F_OK) == 0)
        return rg_fail(err, RG_ERR_EXISTS,
                       "'%s' already exists (a pack is never overwritten)",
                       r->final);
    if (!mkdtemp(r->tmp))
        return rg_fail(err, RG_ERR_IO, "cannot create a folder in '%s': %s",
                       outdir, strerror(errno));
    if (rg_pathf(err, r->data, sizeof(r->data), "%s/data", r->tmp) < 0 ||
        rg_pathf(err, path, sizeof(path), "%s/extracts", r->data) < 0)
        goto fail;
    if (mkdir(r->data, 0777) != 0 ||
        ((r->outputs & RG_OUT_CSV) && mkdir(path, 0777) != 0)) {
        rg_fail(err, RG_ERR_IO, "cannot create '%s': %s", path,
                strerror(errno));
        goto fail;
    }
    if (rg_pathf(err, path, sizeof(path), "%s/%s.xlsx", r->data, r->pack_id) <
        0)
        goto fail;
    if ((r->outputs & RG_OUT_XLSX) &&
        !(x = rg_xlsx_open(path, r->tmp, &r->meta, err)))
        goto fail;
    if (rg_pathf(err, path, sizeof(path), "%s/%s.pdf", r->data, r->pack_id) < 0)
        goto fail;
    if ((r->outputs & RG_OUT_PDF) &&
        !(pdf = rg_pdf_open(path, getenv("REPORTGEN_FONT_DIR"), &r->meta,
                            r->t->nsections, err)))
        goto fail;
    for (i = 0; i < r->t->nsections; i++)
        if (rg_cancel_check(err) < 0 || write_section(r, i, x, pdf, err) < 0)
            goto fail;
    /*
     * Both files are finished at once: the workbook's closing is its zip
     * deflate, on one core, and the PDF's is its own layout and save.
     */
    pc.pdf = pdf;
    rg_err_init(&pc.err);
    pdf = NULL;
    if (pc.pdf && pthread_create(&closer, NULL, close_pdf, &pc) != 0) {
        close_pdf(&pc);
        pc.pdf = NULL; /* closed here already */
        if (pc.ret < 0) {
            rg_fail(err, pc.err.code, "%s", pc.err.msg);
            goto fail;
        }
    }
    xret = x ? rg_xlsx_close(x, err) : 0;
    x = NULL;
    if (pc.pdf)
        pthread_join(closer, NULL);
    if (xret < 0)
        goto fail;
    if (pc.ret < 0) {
        rg_fail(err, pc.err.code, "%s", pc.err.msg);
        goto fail;
    }
    if (keep_queries(r, err) < 0 || keep_template(r, err) < 0 ||
        write_record(r, err) < 0 || rg_cancel_check(err) < 0 ||
        seal(r, err) < 0 || rg_cancel_check(err) < 0)
        goto fail;
    /* mkdtemp() made it private; a finished pack is for reading */
    if (chmod(r->tmp, 0755) != 0) {
        rg_fail(err, RG_ERR_IO, "cannot make '%s' readable: %s", r->tmp,
                strerror(errno));
        goto fail;
    }
    if (rename(r->tmp, r->final) != 0) {
        rg_fail(err, RG_ERR_IO, "cannot rename '%s' to '%s': %s", r->tmp,
                r->final, strerror(errno));
        goto fail;
    }
    return 0;

fail:
    rg_xlsx_abandon(x);
    rg_pdf_abandon(pdf);
    for (i = 0; i < r->t->nsections; i++) { /* before their folder goes */
        rg_split_free(r->splits[i]);
        r->splits[i] = NULL;
    }
    rg_rmtree(r->tmp);
    return -1;
}

/* "xlsx,csv" into RG_OUT_* bits; 0 for anything else. */
static unsigned
parse_outputs(const char *s)
{
    unsigned out = 0;

    while (*s) {
        size_t n = strcspn(s, ",");

        if (n == 4 && strncmp(s, "xlsx", 4) == 0)
            out |= RG_OUT_XLSX;
        else if (n == 3 && strncmp(s, "pdf", 3) == 0)
            out |= RG_OUT_PDF;
        else if (n == 3 && strncmp(s, "csv", 3) == 0)
            out |= RG_OUT_CSV;
        else
            return 0;
        s += n + (s[n] == ',');
    }
    return out;
}

int
rg_cmd_run_pack(const struct rg_run_job *job, char *final, size_t finalsz,
                struct rg_err *err)
{
    struct run r;
    char tpath[4096];
    int ret = -1;

    memset(&r, 0, sizeof(r));
    r.job = job;
    r.quiet = job->quiet;
    r.outputs = job->outputs ? job->outputs : RG_OUT_ALL;
    if (!rg_is_dir(job->out))
        return rg_fail(err, RG_ERR_IO, "'%s' is not a folder", job->out);
    if (!job->sign_key != !job->sign_cert)
        return rg_fail(err, RG_ERR_USAGE,
                       "--sign-key and --sign-cert go together");
    if (!job->sign_key && (job->chain || job->key_pass_file))
        return rg_fail(err, RG_ERR_USAGE,
                       "--chain and --key-pass-file need --sign-key");
    if (job->generated_at)
        snprintf(r.generated_at, sizeof(r.generated_at), "%s",
                 job->generated_at);
    else if (rg_cmd_now(r.generated_at, err) < 0)
        return -1;
    if (rg_pathf(err, tpath, sizeof(tpath), "%s/%s.ini", job->templates_dir,
                 job->template_name) < 0)
        return -1;
    /* a key that cannot sign fails the run before any query runs */
    if (job->sign_key) {
        struct rg_signer_files sf = { job->sign_key, job->sign_cert, job->chain,
                                      job->key_pass_file };

        if (!(r.signer = rg_signer_load(&sf, err)))
            return -1;
    }
    if (access(tpath, F_OK) != 0) {
        rg_fail(err, RG_ERR_USAGE,
                "no template '%s' in '%s' (see 'reportgen templates')",
                job->template_name, job->templates_dir);
        goto done;
    }
    if (!(r.t = rg_template_load(tpath, err)))
        goto done;
    r.queries_dir = job->queries_dir ? strdup(job->queries_dir)
                                     : queries_beside(job->templates_dir);
    if (!r.queries_dir) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* Ctrl-C is noticed between steps, and the temporary pack removed */
    rg_cancel_install();
    if (prepare(&r, job->snapshot, job->assign, job->nassign, err) < 0 ||
        write_pack(&r, job->out, err) < 0) {
        rg_cancel_restore();
        goto done;
    }
    rg_cancel_restore();
    snprintf(final, finalsz, "%s", r.final);
    ret = 0;
done:
    run_release(&r);
    return ret;
}

int
cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        { "snapshot", required_argument, NULL, 's' },
        { "out", required_argument, NULL, 'o' },
        { "param", required_argument, NULL, 'p' },
        { "generated-at", required_argument, NULL, 'g' },
        { "templates", required_argument, NULL, 't' },
        { "queries", required_argument, NULL, 'q' },
        { "quiet", no_argument, NULL, 'Q' },
        { "outputs", required_argument, NULL, 'O' },
        { "organization", required_argument, NULL, 'G' },
        { "sign-key", required_argument, NULL, 'k' },
        { "sign-cert", required_argument, NULL, 'c' },
        { "chain", required_argument, NULL, 'C' },
        { "key-pass-file", required_argument, NULL, 'P' },
        { "tsa-url", required_argument, NULL, 'T' },
        { "tsa-timeout", required_argument, NULL, 'W' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct rg_run_job job;
    struct rg_err err;
    const char *snapshot = NULL, *out = NULL, *tdir_opt = NULL,
               *qdir_opt = NULL, *name;
    const char **assign = calloc((size_t)argc, sizeof(*assign));
    size_t nassign = 0;
    char tbuf[4096], final[4096], generated_at[RG_ISO_TIME_LEN] = "";
    int c, quiet = 0, code = RG_EXIT_FAIL;
    unsigned outputs = RG_OUT_ALL;

    memset(&job, 0, sizeof(job));
    rg_err_init(&err);
    if (!assign) {
        fputs("reportgen: out of memory\n", stderr);
        return RG_EXIT_FAIL;
    }
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            snapshot = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'p':
            assign[nassign++] = optarg;
            break;
        case 'g':
            if (rg_cmd_parse_time("--generated-at", optarg, generated_at,
                                  &err) < 0)
                goto report;
            break;
        case 't':
            tdir_opt = optarg;
            break;
        case 'q':
            qdir_opt = optarg;
            break;
        case 'Q':
            quiet = 1;
            break;
        case 'O':
            if ((outputs = parse_outputs(optarg)) == 0) {
                free(assign);
                return rg_cmd_usage_error(
                    "run", "--outputs takes xlsx, pdf and csv, not '%s'",
                    optarg);
            }
            break;
        case 'G':
            job.organization = optarg;
            break;
        case 'k':
            job.sign_key = optarg;
            break;
        case 'c':
            job.sign_cert = optarg;
            break;
        case 'C':
            job.chain = optarg;
            break;
        case 'P':
            job.key_pass_file = optarg;
            break;
        case 'T':
            job.tsa_url = optarg;
            break;
        case 'W': {
            char *end;

            errno = 0;
            job.tsa_timeout = strtol(optarg, &end, 10);
            if (errno || *end || job.tsa_timeout < 1 ||
                job.tsa_timeout > 3600) {
                free(assign);
                return rg_cmd_usage_error(
                    "run",
                    "--tsa-timeout takes seconds from 1 to 3600, not "
                    "'%s'",
                    optarg);
            }
            break;
        }
        case 'h':
            free(assign);
            rg_cmd_print_usage("run", stdout);
            return RG_EXIT_OK;
        default:
            free(assign);
            return rg_cmd_usage_error(
                "run", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc || !snapshot || !out) {
        free(assign);
        return rg_cmd_usage_error(
            "run", optind >= argc ? "missing TEMPLATE"
                   : optind + 1 < argc
                       ? "more than one TEMPLATE"
                       : (!snapshot ? "missing --snapshot SNAPSHOT.db"
                                    : "missing --out DIR"));
    }
    name = argv[optind];
    if (strchr(name, '/') || strstr(name, "..") || !*name) {
        free(assign);
        return rg_cmd_usage_error("run",
                                  "template '%s' must be a template name "
                                  "(see 'reportgen templates'), not a path",
                                  name);
    }
    job.template_name = name;
    job.templates_dir = templates_dir(tdir_opt, tbuf, sizeof(tbuf));
    job.queries_dir = qdir_opt;
    job.snapshot = snapshot;
    job.out = out;
    job.assign = assign;
    job.nassign = nassign;
    job.generated_at = generated_at[0] ? generated_at : NULL;
    job.quiet = quiet;
    job.outputs = outputs;
    if (rg_cmd_run_pack(&job, final, sizeof(final), &err) < 0) {
        rg_cancel_reraise(); /* after the cleanup, die by the signal */
        goto report;
    }
    printf("wrote pack '%s'\n", final);
    code = RG_EXIT_OK;
    goto done;
report:
    code = rg_cmd_report(&err);
done:
    free(assign);
    return code;
}
