/*
 * jsonq.c - JSON through SQLite's JSON functions (see jsonq.h).
 */
#include "jsonq.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct rg_jsonq {
    sqlite3 *db;
    sqlite3_stmt *valid, *extract, *each;
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
             &q->each) < 0) {
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
