/*
 * query.c - parameters, the read-only guard, and streaming rows (see
 * query.h).
 */
#include "query.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/text.h"
#include "../util/timefmt.h"

/* -------------------------------------------------------------- parameters */

static char *
dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);

    if (p)
        memcpy(p, s, n);
    return p;
}

/* Checks value against the type and fills b. */
static int
bind_value(struct rg_bound *b, const char *value, struct rg_err *err)
{
    size_t len = strlen(value);
    struct rg_tm tm;
    char iso[RG_ISO_TIME_LEN];
    char *end;
    int v;

    switch (b->type) {
    case RG_PARAM_DATE:
        if (rg_tm_parse_iso(value, len, &tm) < 0 ||
            (tm.has_time && !tm.has_zone) ||
            !rg_unix_in_range(rg_tm_to_unix(&tm)))
            return rg_fail(err, RG_ERR_USAGE,
                           "parameter '%s' must be a date (2026-10-31) or a "
                           "time with a zone (2026-10-31T23:00:00Z), not "
                           "'%s'",
                           b->name, value);
        rg_unix_to_iso(rg_tm_to_unix(&tm), iso);
        b->text = dup(iso);
        break;
    case RG_PARAM_INT:
        errno = 0;
        b->i = strtoll(value, &end, 10);
        if (errno || end == value || *end)
            return rg_fail(err, RG_ERR_USAGE,
                           "parameter '%s' must be a whole number, not '%s'",
                           b->name, value);
        b->text = dup(value);
        break;
    case RG_PARAM_BOOL:
        if (rg_parse_bool(value, len, &v) < 0)
            return rg_fail(err, RG_ERR_USAGE,
                           "parameter '%s' must be true or false, not '%s'",
                           b->name, value);
        b->i = v;
        b->text = dup(v ? "true" : "false");
        break;
    case RG_PARAM_TEXT:
        if (!rg_utf8_valid(value, len, NULL))
            return rg_fail(err, RG_ERR_USAGE,
                           "parameter '%s' is not valid UTF-8", b->name);
        b->text = dup(value);
        break;
    }
    if (!b->text)
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    return 0;
}

/* A value within the parameter's values, min and max. */
static int
in_bounds(const struct rg_param *p, const struct rg_bound *b,
          struct rg_err *err)
{
    char list[600];
    size_t o = 0;

    if (p->has_min && b->i < p->min)
        return rg_fail(err, RG_ERR_USAGE,
                       "parameter '%s' must be at least %lld, not %lld",
                       p->name, (long long)p->min, (long long)b->i);
    if (p->has_max && b->i > p->max)
        return rg_fail(err, RG_ERR_USAGE,
                       "parameter '%s' must be at most %lld, not %lld", p->name,
                       (long long)p->max, (long long)b->i);
    if (!p->values)
        return 0;
    for (size_t i = 0; i < p->nvalues; i++) {
        if (strcmp(p->values[i], b->text) == 0)
            return 0;
        o += (size_t)snprintf(list + o, o < sizeof(list) ? sizeof(list) - o : 0,
                              "%s%s", i ? ", " : "", p->values[i]);
        if (o >= sizeof(list))
            o = sizeof(list) - 1;
    }
    return rg_fail(err, RG_ERR_USAGE,
                   "parameter '%s' must be one of %s, not '%s'", p->name, list,
                   b->text);
}

int
rg_params_resolve(const struct rg_template *t, const char *const *assign,
                  size_t nassign, const char *as_of, struct rg_bound **out,
                  struct rg_err *err)
{
    struct rg_bound *b = calloc(t->nparams ? t->nparams : 1, sizeof(*b));
    const char **given = calloc(t->nparams ? t->nparams : 1, sizeof(*given));
    int ret = -1;

    if (!b || !given) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < t->nparams; i++) {
        b[i].name = t->params[i].name;
        b[i].type = t->params[i].type;
    }
    for (size_t a = 0; a < nassign; a++) {
        const char *eq = strchr(assign[a], '=');
        size_t n = eq ? (size_t)(eq - assign[a]) : 0, i;

        if (!eq || n == 0) {
            rg_fail(err, RG_ERR_USAGE, "--param '%s' must be NAME=VALUE",
                    assign[a]);
            goto done;
        }
        for (i = 0; i < t->nparams; i++)
            if (strlen(t->params[i].name) == n &&
                strncmp(t->params[i].name, assign[a], n) == 0)
                break;
        if (i == t->nparams) {
            rg_fail(err, RG_ERR_USAGE, "template '%s' has no parameter '%.*s'",
                    t->id, (int)n, assign[a]);
            goto done;
        }
        if (given[i]) {
            rg_fail(err, RG_ERR_USAGE, "parameter '%s' is given twice",
                    t->params[i].name);
            goto done;
        }
        given[i] = eq + 1;
    }
    for (size_t i = 0; i < t->nparams; i++) {
        const char *v = given[i] ? given[i] : t->params[i].dflt;

        if (v && !given[i] && strcmp(v, "snapshot.as_of") == 0)
            v = as_of;
        if (!v) {
            rg_fail(err, RG_ERR_USAGE,
                    "template '%s' needs --param %s=VALUE (%s)", t->id,
                    t->params[i].name, rg_param_type_name(t->params[i].type));
            goto done;
        }
        if (bind_value(&b[i], v, err) < 0 ||
            in_bounds(&t->params[i], &b[i], err) < 0) {
            if (!given[i]) /* the template's own default is wrong */
                err->code = RG_ERR_INPUT;
            goto done;
        }
    }
    /* a period's end not before its start; dates bound as UTC compare */
    for (size_t i = 0; i < t->nparams; i++) {
        const struct rg_param *p = &t->params[i];

        for (size_t j = 0; p->not_before && j < t->nparams; j++) {
            if (strcmp(t->params[j].name, p->not_before) != 0 ||
                strcmp(b[i].text, b[j].text) >= 0)
                continue;
            rg_fail(err, given[i] || given[j] ? RG_ERR_USAGE : RG_ERR_INPUT,
                    "parameter '%s' (%s) may not be before '%s' (%s)", p->name,
                    b[i].text, p->not_before, b[j].text);
            goto done;
        }
    }
    *out = b;
    b = NULL;
    ret = 0;
done:
    rg_bound_free(b, t->nparams);
    free(given);
    return ret;
}

void
rg_bound_free(struct rg_bound *b, size_t n)
{
    if (!b)
        return;
    for (size_t i = 0; i < n; i++)
        free(b[i].text);
    free(b);
}

/* A date at midnight UTC is shown as the date alone. */
static void
shown(const struct rg_bound *b, const char **s, size_t *len)
{
    *s = b->text;
    *len = strlen(b->text);
    if (b->type == RG_PARAM_DATE && *len == 20 &&
        strcmp(b->text + 10, "T00:00:00Z") == 0)
        *len = 10;
}

char *
rg_substitute(const char *text, const struct rg_bound *b, size_t nb,
              const char *as_of, const char *tenant)
{
    size_t cap = strlen(text) + 1, len = 0;
    char *out = malloc(cap);
    const char *p = text;

    if (!out)
        return NULL;
    while (*p) {
        const char *v = NULL, *e;
        size_t vlen = 0, n;

        if (*p == '{' && (e = strchr(p, '}'))) {
            n = (size_t)(e - p - 1);
            if (n == 14 && strncmp(p + 1, "snapshot.as_of", n) == 0)
                v = as_of;
            else if (n == 15 && strncmp(p + 1, "snapshot.tenant", n) == 0)
                v = tenant ? tenant : "";
            for (size_t i = 0; !v && i < nb; i++)
                if (strlen(b[i].name) == n && strncmp(b[i].name, p + 1, n) == 0)
                    shown(&b[i], &v, &vlen);
            if (v && !vlen)
                vlen = strlen(v);
            if (v) {
                char *o = realloc(out, cap += vlen);

                if (!o) {
                    free(out);
                    return NULL;
                }
                out = o;
                memcpy(out + len, v, vlen);
                len += vlen;
                p = e + 1;
                continue;
            }
        }
        out[len++] = *p++;
    }
    out[len] = '\0';
    return out;
}

/* ------------------------------------------------------------------- guard */

/*
 * Reading is allowed, and nothing else: SQLite asks before every action
 * while a statement is prepared. Pragma functions (pragma_table_info) are
 * refused too: SQLite authorizes them as updates of sqlite_master, and the
 * snapshot's schema is documented anyway (docs/schema.md).
 */
static int
authorize(void *ctx, int action, const char *a, const char *b, const char *db,
          const char *trigger)
{
    (void)ctx, (void)a, (void)db, (void)trigger;
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_RECURSIVE:
        return SQLITE_OK;
    case SQLITE_FUNCTION:
        /*
         * The function's name comes second. load_extension() runs code,
         * fts3_tokenizer() reads pointers.
         */
        if (b && (sqlite3_stricmp(b, "load_extension") == 0 ||
                  sqlite3_stricmp(b, "fts3_tokenizer") == 0))
            return SQLITE_DENY;
        return SQLITE_OK;
    default:
        return SQLITE_DENY;
    }
}

void
rg_query_guard(sqlite3 *db)
{
    sqlite3_set_authorizer(db, authorize, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
}

/* ------------------------------------------------------------------ query */

struct rg_query {
    sqlite3_stmt *stmt;
    char *label; /* owned */
    size_t ncols;
    struct rg_value *row; /* owned array of ncols */
    char **hex;           /* owned; per column, a BLOB's hex digits */
    size_t *hexcap;
    struct rg_sha256 dig; /* of the rows in the form "rg-result-v1" */
    unsigned char *dbuf;  /* owned; bytes not yet digested */
    size_t dlen;
};

#define DIGEST_BUF 65536

/* Adds bytes to the result digest; small pieces are gathered first. */
static void
digest_add(struct rg_query *q, const void *p, size_t n)
{
    if (q->dlen + n > DIGEST_BUF) {
        rg_sha256_update(&q->dig, q->dbuf, q->dlen);
        q->dlen = 0;
    }
    if (n > DIGEST_BUF) {
        rg_sha256_update(&q->dig, p, n);
        return;
    }
    memcpy(q->dbuf + q->dlen, p, n);
    q->dlen += n;
}

/*
 * Value c of the current row as the sqlite3 shell prints it in list mode:
 * sqlite3_column_text(), which the shell prints with "%s", so up to a NUL.
 */
static void
digest_value(struct rg_query *q, int c, int type)
{
    const unsigned char *t;
    char num[32];
    int n;

    switch (type) {
    case SQLITE_NULL:
        return;
    case SQLITE_INTEGER:
        n = snprintf(num, sizeof(num), "%lld",
                     (long long)sqlite3_column_int64(q->stmt, c));
        digest_add(q, num, (size_t)n);
        return;
    default: /* SQLite's own text of a REAL, of TEXT and of a BLOB */
        t = sqlite3_column_text(q->stmt, c);
        if (t)
            digest_add(q, t, strlen((const char *)t));
    }
}

/* Only comments and spaces left? */
static int
is_empty_sql(const char *s)
{
    while (*s) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == ';') {
            s++;
        } else if (s[0] == '-' && s[1] == '-') {
            s += strcspn(s, "\n");
        } else if (s[0] == '/' && s[1] == '*') {
            const char *e = strstr(s + 2, "*/");

            if (!e)
                return 0;
            s = e + 2;
        } else {
            return 0;
        }
    }
    return 1;
}

struct rg_query *
rg_query_open(sqlite3 *db, const char *label, const char *sql,
              const struct rg_bound *b, size_t nb, struct rg_err *err)
{
    struct rg_query *q = calloc(1, sizeof(*q));
    const char *tail = NULL;
    int rc, n;

    if (!q || !(q->label = dup(label))) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto fail;
    }
    rc = sqlite3_prepare_v2(db, sql, -1, &q->stmt, &tail);
    /* a denied function comes back as SQLITE_ERROR, "not authorized ..." */
    if (rc == SQLITE_AUTH ||
        (rc != SQLITE_OK &&
         strncmp(sqlite3_errmsg(db), "not authorized", 14) == 0)) {
        rg_fail(err, RG_ERR_INPUT,
                "query '%s' is refused: it would do more than read the "
                "snapshot (%s)",
                label, sqlite3_errmsg(db));
        goto fail;
    }
    if (rc != SQLITE_OK) {
        rg_fail(err, RG_ERR_INPUT, "query '%s' does not compile: %s", label,
                sqlite3_errmsg(db));
        goto fail;
    }
    if (!q->stmt) {
        rg_fail(err, RG_ERR_INPUT, "query '%s' holds no statement", label);
        goto fail;
    }
    if (tail && !is_empty_sql(tail)) {
        rg_fail(err, RG_ERR_INPUT, "query '%s' holds more than one statement",
                label);
        goto fail;
    }
    if (!sqlite3_stmt_readonly(q->stmt)) {
        rg_fail(err, RG_ERR_INPUT,
                "query '%s' is refused: it would change the snapshot", label);
        goto fail;
    }
    n = sqlite3_bind_parameter_count(q->stmt);
    for (int i = 1; i <= n; i++) {
        const char *name = sqlite3_bind_parameter_name(q->stmt, i);
        size_t k;

        if (!name || name[0] == '?') {
            rg_fail(err, RG_ERR_INPUT,
                    "query '%s' uses a positional parameter (?); name it, "
                    "e.g. :as_of",
                    label);
            goto fail;
        }
        for (k = 0; k < nb; k++)
            if (strcmp(b[k].name, name + 1) == 0)
                break;
        if (k == nb) {
            rg_fail(err, RG_ERR_INPUT,
                    "query '%s' uses %s, which the template does not define",
                    label, name);
            goto fail;
        }
        if (b[k].type == RG_PARAM_INT || b[k].type == RG_PARAM_BOOL)
            sqlite3_bind_int64(q->stmt, i, b[k].i);
        else
            sqlite3_bind_text(q->stmt, i, b[k].text, -1, SQLITE_TRANSIENT);
    }
    q->ncols = (size_t)sqlite3_column_count(q->stmt);
    q->hex = calloc(q->ncols ? q->ncols : 1, sizeof(*q->hex));
    q->hexcap = calloc(q->ncols ? q->ncols : 1, sizeof(*q->hexcap));
    if (!q->hex || !q->hexcap ||
        !(q->row = calloc(q->ncols ? q->ncols : 1, sizeof(*q->row))) ||
        !(q->dbuf = malloc(DIGEST_BUF))) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (rg_sha256_init(&q->dig, err) < 0)
        goto fail;
    return q;

fail:
    rg_query_close(q);
    return NULL;
}

size_t
rg_query_ncols(const struct rg_query *q)
{
    return q->ncols;
}

const char *
rg_query_colname(const struct rg_query *q, size_t i)
{
    return sqlite3_column_name(q->stmt, (int)i);
}

/* A BLOB is shown as its bytes in hex digits, in every output alike. */
static int
blob_hex(struct rg_query *q, size_t i, struct rg_err *err)
{
    static const char digits[] = "0123456789ABCDEF";
    const unsigned char *b = sqlite3_column_blob(q->stmt, (int)i);
    size_t n = (size_t)sqlite3_column_bytes(q->stmt, (int)i);

    if (2 * n + 1 > q->hexcap[i]) {
        char *h = realloc(q->hex[i], 2 * n + 1);

        if (!h)
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        q->hex[i] = h;
        q->hexcap[i] = 2 * n + 1;
    }
    for (size_t k = 0; k < n; k++) {
        q->hex[i][2 * k] = digits[b[k] >> 4];
        q->hex[i][2 * k + 1] = digits[b[k] & 15];
    }
    q->hex[i][2 * n] = '\0';
    q->row[i] = rg_text(q->hex[i], 2 * n);
    return 0;
}

int
rg_query_next(struct rg_query *q, const struct rg_value **row,
              struct rg_err *err)
{
    int rc = sqlite3_step(q->stmt);

    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW)
        return rg_fail(err, RG_ERR_DB, "query '%s' failed: %s", q->label,
                       sqlite3_errmsg(sqlite3_db_handle(q->stmt)));
    for (size_t i = 0; i < q->ncols; i++) {
        int c = (int)i, type = sqlite3_column_type(q->stmt, c);

        switch (type) {
        case SQLITE_INTEGER:
            q->row[i] = rg_int(sqlite3_column_int64(q->stmt, c));
            break;
        case SQLITE_FLOAT:
            q->row[i] = rg_null();
            q->row[i].type = RG_REAL;
            q->row[i].d = sqlite3_column_double(q->stmt, c);
            break;
        case SQLITE_NULL:
            q->row[i] = rg_null();
            break;
        case SQLITE_BLOB:
            if (blob_hex(q, i, err) < 0)
                return -1;
            break;
        default:
            q->row[i] = rg_text((const char *)sqlite3_column_text(q->stmt, c),
                                (size_t)sqlite3_column_bytes(q->stmt, c));
            break;
        }
        /* last: the text of a REAL changes what column_type() reports */
        if (i > 0)
            digest_add(q, "\x1f", 1);
        digest_value(q, c, type);
    }
    digest_add(q, "\x1e\n", 2);
    *row = q->row;
    return 1;
}

int
rg_query_digest(struct rg_query *q, char hex[RG_SHA256_HEX], struct rg_err *err)
{
    if (!q->dig.ctx)
        return rg_fail(err, RG_ERR_INTERNAL, "query '%s': digest taken twice",
                       q->label);
    rg_sha256_update(&q->dig, q->dbuf, q->dlen);
    q->dlen = 0;
    rg_sha256_final(&q->dig, hex);
    return 0;
}

void
rg_query_close(struct rg_query *q)
{
    if (!q)
        return;
    sqlite3_finalize(q->stmt);
    for (size_t i = 0; q->hex && i < q->ncols; i++)
        free(q->hex[i]);
    free(q->hex);
    free(q->hexcap);
    free(q->dbuf);
    rg_sha256_release(&q->dig);
    free(q->label);
    free(q->row);
    free(q);
}
