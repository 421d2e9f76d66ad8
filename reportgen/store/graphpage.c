/*
 * graphpage.c - Graph pages into rows with graph.sql (see graphpage.h).
 */
#include "graphpage.h"

#include <stdlib.h>
#include <string.h>

extern const char rg_graph_sql[];

#define MAX_BLOCKS 32
#define MAX_STMTS 4

struct block {
    char kind[48];
    sqlite3_stmt *stmt[MAX_STMTS];
    size_t n;
};

struct rg_graphpages {
    sqlite3 *db; /* borrowed */
    struct block b[MAX_BLOCKS];
    size_t n;
    sqlite3_stmt *insert, *clear, *count, *defer;
};

static int
db_fail(struct rg_graphpages *gp, struct rg_err *err, const char *what)
{
    return rg_fail(err, RG_ERR_DB, "cannot %s '%s': %s", what,
                   sqlite3_db_filename(gp->db, "main"), sqlite3_errmsg(gp->db));
}

/* Splits graph.sql at its "-- @kind" lines and prepares each block. */
static int
prepare_blocks(struct rg_graphpages *gp, struct rg_err *err)
{
    const char *p = strstr(rg_graph_sql, "\n-- @");

    while (p) {
        const char *name = p + 5, *end = strstr(name, "\n-- @"), *sql;
        size_t nl = strcspn(name, "\n");
        struct block *b;
        char *text;

        if (gp->n == MAX_BLOCKS || nl >= sizeof(b->kind))
            return rg_fail(err, RG_ERR_INTERNAL, "graph.sql: too many blocks");
        b = &gp->b[gp->n++];
        memcpy(b->kind, name, nl);
        b->kind[nl] = '\0';
        sql = name + nl;
        if (!(text = end ? strndup(sql, (size_t)(end - sql)) : strdup(sql)))
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        for (const char *t = text; *t;) {
            const char *tail = NULL;
            sqlite3_stmt *s = NULL;

            if (sqlite3_prepare_v2(gp->db, t, -1, &s, &tail) != SQLITE_OK) {
                rg_fail(err, RG_ERR_INTERNAL, "graph.sql @%s: %s", b->kind,
                        sqlite3_errmsg(gp->db));
                free(text);
                return -1;
            }
            if (!s)
                break; /* only comments and spaces left */
            if (b->n == MAX_STMTS) {
                sqlite3_finalize(s);
                free(text);
                return rg_fail(err, RG_ERR_INTERNAL,
                               "graph.sql @%s: too many statements", b->kind);
            }
            b->stmt[b->n++] = s;
            t = tail;
        }
        free(text);
        p = end;
    }
    return 0;
}

struct rg_graphpages *
rg_graphpages_new(sqlite3 *db, struct rg_err *err)
{
    struct rg_graphpages *gp = calloc(1, sizeof(*gp));

    if (!gp) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    gp->db = db;
    /* the joins of graph.sql look objects up by id while loading */
    if (sqlite3_exec(db,
                     "CREATE UNIQUE INDEX IF NOT EXISTS principals_id ON "
                     "principals (id);"
                     "CREATE UNIQUE INDEX IF NOT EXISTS role_definitions_id "
                     "ON role_definitions (id);"
                     "CREATE UNIQUE INDEX IF NOT EXISTS access_packages_id ON "
                     "access_packages (id);"
                     "CREATE TEMP TABLE IF NOT EXISTS deferred_page (page "
                     "INTEGER PRIMARY KEY, kind TEXT NOT NULL, grp TEXT, "
                     "keep INTEGER NOT NULL, items INTEGER NOT NULL);",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO raw_page (source_id, url, status, "
                           "fetched_at, first_line, body) VALUES (?, ?, ?, ?, "
                           "?, ?)",
                           -1, &gp->insert, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE raw_page SET body = NULL WHERE id = ?",
                           -1, &gp->clear, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT json_array_length(body, '$.value') FROM "
                           "raw_page WHERE id = ?",
                           -1, &gp->count, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO temp.deferred_page (page, kind, grp, "
                           "keep, items) VALUES (?, ?, ?, ?, ?)",
                           -1, &gp->defer, NULL) != SQLITE_OK) {
        db_fail(gp, err, "prepare");
        rg_graphpages_free(gp);
        return NULL;
    }
    if (prepare_blocks(gp, err) < 0) {
        rg_graphpages_free(gp);
        return NULL;
    }
    return gp;
}

void
rg_graphpages_free(struct rg_graphpages *gp)
{
    if (!gp)
        return;
    for (size_t i = 0; i < gp->n; i++)
        for (size_t k = 0; k < gp->b[i].n; k++)
            sqlite3_finalize(gp->b[i].stmt[k]);
    sqlite3_finalize(gp->insert);
    sqlite3_finalize(gp->clear);
    sqlite3_finalize(gp->count);
    sqlite3_finalize(gp->defer);
    free(gp);
}

static int
step_done(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);

    sqlite3_reset(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

static int run_block(struct rg_graphpages *gp, struct block *b,
                     sqlite3_int64 page, const char *group, const char *url,
                     int keep_body, int64_t items, int64_t *dangling,
                     struct rg_err *err);

int
rg_graphpages_load(struct rg_graphpages *gp, const struct rg_page *p,
                   int64_t *items, int64_t *dangling, struct rg_err *err)
{
    struct block *b = NULL;
    sqlite3_int64 page;

    *items = 0;
    *dangling = 0;
    for (size_t i = 0; i < gp->n; i++)
        if (strcmp(gp->b[i].kind, p->kind) == 0)
            b = &gp->b[i];
    if (!b)
        return rg_fail(err, RG_ERR_INTERNAL, "graph.sql has no @%s", p->kind);
    if (p->len > (size_t)INT32_MAX)
        return rg_fail(err, RG_ERR_LIMIT, "a page of '%s' over 2 GiB", p->url);
    sqlite3_bind_int64(gp->insert, 1, p->source);
    sqlite3_bind_text(gp->insert, 2, p->url, -1, SQLITE_STATIC);
    sqlite3_bind_int64(gp->insert, 3, p->status);
    sqlite3_bind_text(gp->insert, 4, p->fetched_at, -1, SQLITE_STATIC);
    sqlite3_bind_int64(gp->insert, 5, p->first_line);
    /* as text: SQLite's JSON functions read text; bytes stay the same */
    sqlite3_bind_text(gp->insert, 6, p->body, (int)p->len, SQLITE_STATIC);
    if (step_done(gp->insert) < 0)
        return db_fail(gp, err, "write");
    page = sqlite3_last_insert_rowid(gp->db);
    sqlite3_bind_int64(gp->count, 1, page);
    if (sqlite3_step(gp->count) == SQLITE_ROW)
        *items = sqlite3_column_int64(gp->count, 0);
    sqlite3_reset(gp->count);
    if (p->defer) {
        sqlite3_bind_int64(gp->defer, 1, page);
        sqlite3_bind_text(gp->defer, 2, p->kind, -1, SQLITE_STATIC);
        if (p->group)
            sqlite3_bind_text(gp->defer, 3, p->group, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(gp->defer, 3);
        sqlite3_bind_int(gp->defer, 4, p->keep_body);
        sqlite3_bind_int64(gp->defer, 5, *items);
        if (step_done(gp->defer) < 0)
            return db_fail(gp, err, "write");
        sqlite3_clear_bindings(gp->defer);
        return 0;
    }
    return run_block(gp, b, page, p->group, p->url, p->keep_body, *items,
                     dangling, err);
}

/* Runs a block of graph.sql on a stored page. */
static int
run_block(struct rg_graphpages *gp, struct block *b, sqlite3_int64 page,
          const char *group, const char *url, int keep_body, int64_t items,
          int64_t *dangling, struct rg_err *err)
{
    int64_t made = -1; /* rows the statement before made */

    for (size_t k = 0; k < b->n; k++) {
        sqlite3_stmt *s = b->stmt[k];
        int gi = sqlite3_bind_parameter_index(s, ":group");
        int is_dangling =
            strncmp(sqlite3_sql(s), "INSERT INTO dangling_reference", 30) == 0;

        /* every item made its row: nothing can be dangling */
        if (is_dangling && made == items)
            continue;

        sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":page"), page);
        if (gi > 0)
            sqlite3_bind_text(s, gi, group ? group : "", -1, SQLITE_STATIC);
        if (step_done(s) < 0) {
            rg_fail(err, RG_ERR_INPUT, "cannot load the rows of '%s': %s", url,
                    sqlite3_errmsg(gp->db));
            sqlite3_clear_bindings(s);
            return -1;
        }
        if (is_dangling)
            *dangling += sqlite3_changes(gp->db);
        made = is_dangling ? -1 : sqlite3_changes(gp->db);
        sqlite3_clear_bindings(s);
    }
    if (!keep_body) {
        sqlite3_bind_int64(gp->clear, 1, page);
        if (step_done(gp->clear) < 0)
            return db_fail(gp, err, "write");
    }
    return 0;
}

static struct block *
find_block(struct rg_graphpages *gp, const char *kind)
{
    for (size_t i = 0; i < gp->n; i++)
        if (strcmp(gp->b[i].kind, kind) == 0)
            return &gp->b[i];
    return NULL;
}

int
rg_graphpages_finish(struct rg_graphpages *gp, struct rg_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc, ret = 0;

    if (sqlite3_prepare_v2(gp->db,
                           "SELECT d.page, d.kind, d.grp, d.keep, r.url, "
                           "d.items FROM temp.deferred_page AS d JOIN "
                           "raw_page AS r ON r.id = d.page ORDER BY d.page",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(gp, err, "read");
    while (ret == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct block *b =
            find_block(gp, (const char *)sqlite3_column_text(s, 1));
        int64_t dangling = 0;

        if (!b) {
            ret = rg_fail(err, RG_ERR_INTERNAL, "graph.sql has no @%s",
                          (const char *)sqlite3_column_text(s, 1));
            break;
        }
        ret = run_block(gp, b, sqlite3_column_int64(s, 0),
                        (const char *)sqlite3_column_text(s, 2),
                        (const char *)sqlite3_column_text(s, 4),
                        sqlite3_column_int(s, 3), sqlite3_column_int64(s, 5),
                        &dangling, err);
    }
    if (ret == 0 && rc != SQLITE_DONE)
        ret = db_fail(gp, err, "read");
    sqlite3_finalize(s);
    if (ret == 0 &&
        sqlite3_exec(gp->db,
                     "DELETE FROM temp.deferred_page;"
                     "UPDATE source SET dangling_count = (SELECT count(*) "
                     "FROM dangling_reference AS d WHERE d.source_id = "
                     "source.id) WHERE kind = 'graph';",
                     NULL, NULL, NULL) != SQLITE_OK)
        ret = db_fail(gp, err, "write");
    return ret;
}

int
rg_graphpages_ids(struct rg_graphpages *gp, const char *which,
                  int (*fn)(void *ctx, const char *id, struct rg_err *err),
                  void *ctx, struct rg_err *err)
{
    const char *sql = strcmp(which, "groups") == 0
                          ? "SELECT id FROM groups ORDER BY pk"
                      : strcmp(which, "role_assignable_groups") == 0
                          ? "SELECT id FROM groups WHERE is_assignable_to_role "
                            "ORDER BY pk"
                      : strcmp(which, "service_principals") == 0
                          ? "SELECT id FROM service_principals ORDER BY pk"
                      : strcmp(which, "lifecycle_workflows") == 0
                          ? "SELECT id FROM lifecycle_workflows ORDER BY rowid"
                          : NULL;
    sqlite3_stmt *s = NULL;
    int rc, ret = 0;

    if (!sql)
        return rg_fail(err, RG_ERR_INTERNAL, "no ids of '%s'", which);
    if (sqlite3_prepare_v2(gp->db, sql, -1, &s, NULL) != SQLITE_OK)
        return db_fail(gp, err, "read");
    while (ret == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW)
        ret = fn(ctx, (const char *)sqlite3_column_text(s, 0), err);
    if (ret == 0 && rc != SQLITE_DONE)
        ret = db_fail(gp, err, "read");
    sqlite3_finalize(s);
    return ret;
}
