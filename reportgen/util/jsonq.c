/*
 * jsonq.c - JSON through SQLite's JSON functions (see jsonq.h).
 */
#include "jsonq.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct rg_jsonq {
    sqlite3 *db;
    sqlite3_stmt *valid, *extract, *each, *page, *item;
};

static int
prep(struct rg_jsonq *q, const char *sql, sqlite3_stmt **s)
{
    return sqlite3_prepare_v2(q->db, sql, -1, s, NULL) == SQLITE_OK ? 0 : -1;
}

struct rg_jsonq *
rg_jsonq_open(struct rg_err *err)
{
    struct rg_jsonq *q = calloc(1, sizeof(*q));

    if (!q ||
        sqlite3_open_v2(":memory:", &q->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK ||
        prep(q, "SELECT json_valid(?1) AND json_type(?1) = 'object'",
             &q->valid) < 0 ||
        prep(q, "SELECT json_extract(?1, ?2), json_type(?1, ?2)", &q->extract) <
            0 ||
        prep(q,
             "SELECT CASE WHEN type IN ('object', 'array') THEN json(value) "
             "ELSE value END FROM json_each(?1, ?2)",
             &q->each) < 0 ||
        /* one statement: SQLite parses ?1 once for all its functions */
        prep(q,
             "SELECT json_valid(?1) AND json_type(?1) = 'object', "
             "json_extract(?1, '$.\"@odata.nextLink\"'), "
             "CASE json_type(?1, '$.\"@odata.count\"') WHEN 'integer' THEN "
             "json_extract(?1, '$.\"@odata.count\"') ELSE -1 END",
             &q->page) < 0 ||
        prep(q,
             "SELECT json_extract(?1, '$.id'), json_extract(?1, '$.status'), "
             "json_extract(?1, '$.body'), "
             "(SELECT value FROM json_each(?1, '$.headers') "
             " WHERE lower(key) = 'retry-after' LIMIT 1)",
             &q->item) < 0) {
        rg_fail(err, RG_ERR_NOMEM, "cannot start SQLite's JSON reader");
        rg_jsonq_close(q);
        return NULL;
    }
    return q;
}

void
rg_jsonq_close(struct rg_jsonq *q)
{
    if (!q)
        return;
    sqlite3_finalize(q->valid);
    sqlite3_finalize(q->extract);
    sqlite3_finalize(q->each);
    sqlite3_finalize(q->page);
    sqlite3_finalize(q->item);
    sqlite3_close(q->db);
    free(q);
}

int
rg_jsonq_is_object(struct rg_jsonq *q, const char *text, size_t len)
{
    int ok;

    if (len > (size_t)INT32_MAX)
        return 0;
    sqlite3_bind_text(q->valid, 1, text, (int)len, SQLITE_STATIC);
    ok = sqlite3_step(q->valid) == SQLITE_ROW &&
         sqlite3_column_int(q->valid, 0) == 1;
    sqlite3_reset(q->valid);
    sqlite3_clear_bindings(q->valid);
    return ok;
}

static char *
column_dup(sqlite3_stmt *s, int i, int *nomem)
{
    const unsigned char *v = sqlite3_column_text(s, i);
    char *d;

    if (!v || sqlite3_column_type(s, i) == SQLITE_NULL)
        return NULL;
    if (!(d = strdup((const char *)v)))
        *nomem = 1;
    return d;
}

int
rg_jsonq_page(struct rg_jsonq *q, const char *text, size_t len, int *valid,
              char **next, int64_t *count, struct rg_err *err)
{
    int nomem = 0;

    *valid = 0;
    *next = NULL;
    *count = -1;
    if (len > (size_t)INT32_MAX)
        return 0;
    sqlite3_bind_text(q->page, 1, text, (int)len, SQLITE_STATIC);
    /* malformed JSON makes json_extract() fail: that is "not valid" */
    if (sqlite3_step(q->page) == SQLITE_ROW &&
        sqlite3_column_int(q->page, 0) == 1) {
        *valid = 1;
        *next = column_dup(q->page, 1, &nomem);
        *count = sqlite3_column_int64(q->page, 2);
    }
    sqlite3_reset(q->page);
    sqlite3_clear_bindings(q->page);
    return nomem ? rg_fail(err, RG_ERR_NOMEM, "out of memory") : 0;
}

int
rg_jsonq_item(struct rg_jsonq *q, const char *text, size_t len, char **id,
              int64_t *status, char **body, char **retry_after,
              struct rg_err *err)
{
    int nomem = 0, rc;

    *id = *body = *retry_after = NULL;
    *status = -1;
    if (len > (size_t)INT32_MAX)
        return rg_fail(err, RG_ERR_LIMIT, "a JSON text over 2 GiB");
    sqlite3_bind_text(q->item, 1, text, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(q->item);
    if (rc == SQLITE_ROW) {
        *id = column_dup(q->item, 0, &nomem);
        if (sqlite3_column_type(q->item, 1) == SQLITE_INTEGER)
            *status = sqlite3_column_int64(q->item, 1);
        /* an object comes back as its JSON text; anything else is no body */
        if (sqlite3_column_type(q->item, 2) == SQLITE_TEXT) {
            const char *t = (const char *)sqlite3_column_text(q->item, 2);

            if (t && t[0] == '{')
                *body = column_dup(q->item, 2, &nomem);
        }
        if (sqlite3_column_type(q->item, 3) != SQLITE_NULL)
            *retry_after = column_dup(q->item, 3, &nomem);
    }
    sqlite3_reset(q->item);
    sqlite3_clear_bindings(q->item);
    if (nomem)
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    if (rc != SQLITE_ROW)
        return rg_fail(err, RG_ERR_INPUT, "not JSON: %s",
                       sqlite3_errmsg(q->db));
    return 0;
}

/* Steps the extract statement; 1 row, 0 none, -1 error. */
static int
extract(struct rg_jsonq *q, const char *text, size_t len, const char *path,
        struct rg_err *err)
{
    int rc;

    if (len > (size_t)INT32_MAX)
        return rg_fail(err, RG_ERR_LIMIT, "a JSON text over 2 GiB");
    sqlite3_bind_text(q->extract, 1, text, (int)len, SQLITE_STATIC);
    sqlite3_bind_text(q->extract, 2, path, -1, SQLITE_STATIC);
    rc = sqlite3_step(q->extract);
    if (rc != SQLITE_ROW) {
        rg_fail(err, RG_ERR_INPUT, "not JSON: %s", sqlite3_errmsg(q->db));
        sqlite3_reset(q->extract);
        return -1;
    }
    return 1;
}

static void
done(struct rg_jsonq *q)
{
    sqlite3_reset(q->extract);
    sqlite3_clear_bindings(q->extract);
}

int
rg_jsonq_text(struct rg_jsonq *q, const char *text, size_t len,
              const char *path, char **out, struct rg_err *err)
{
    const unsigned char *v;

    *out = NULL;
    if (extract(q, text, len, path, err) < 0)
        return -1;
    v = sqlite3_column_text(q->extract, 0);
    if (v && sqlite3_column_type(q->extract, 0) != SQLITE_NULL &&
        !(*out = strdup((const char *)v))) {
        done(q);
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    }
    done(q);
    return 0;
}

int
rg_jsonq_int(struct rg_jsonq *q, const char *text, size_t len, const char *path,
             int64_t *v, int *found, struct rg_err *err)
{
    const unsigned char *type;

    *found = 0;
    *v = 0;
    if (extract(q, text, len, path, err) < 0)
        return -1;
    type = sqlite3_column_text(q->extract, 1);
    if (type && strcmp((const char *)type, "integer") == 0) {
        *v = sqlite3_column_int64(q->extract, 0);
        *found = 1;
    }
    done(q);
    return 0;
}

int
rg_jsonq_each(struct rg_jsonq *q, const char *text, size_t len,
              const char *path,
              int (*fn)(void *ctx, const char *elem, size_t n), void *ctx,
              struct rg_err *err)
{
    int rc, ret = 0;

    if (len > (size_t)INT32_MAX)
        return rg_fail(err, RG_ERR_LIMIT, "a JSON text over 2 GiB");
    /* fn may use the other statements of q, never this one (no nesting) */
    sqlite3_bind_text(q->each, 1, text, (int)len, SQLITE_STATIC);
    sqlite3_bind_text(q->each, 2, path, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(q->each)) == SQLITE_ROW) {
        const char *e = (const char *)sqlite3_column_text(q->each, 0);

        if ((ret =
                 fn(ctx, e ? e : "", (size_t)sqlite3_column_bytes(q->each, 0))))
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        ret = rg_fail(err, RG_ERR_INPUT, "not JSON: %s", sqlite3_errmsg(q->db));
    }
    sqlite3_reset(q->each);
    sqlite3_clear_bindings(q->each);
    return ret;
}
