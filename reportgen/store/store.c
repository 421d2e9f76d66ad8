/*
 * store.c - writing, sealing and reading snapshots (see store.h).
 *
 * A new snapshot is loaded with journal_mode=OFF and synchronous=OFF in one
 * transaction: the file has a temporary name until it is complete, so a
 * crash cannot leave a half-written snapshot under the real name, and the
 * journal would only double the writes. Indexes are built at the end
 * (seal.sql), where one sort per index beats updating it row by row.
 */
#define _GNU_SOURCE /* renameat2() */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/version.h"
#include "edges.h"
#include "graphpage.h"

extern const char rg_schema_sql[]; /* schema.sql, embedded at build time */
extern const char rg_seal_sql[];   /* seal.sql, embedded at build time */

#define APPLICATION_ID 1380406100 /* 'RGST' */

/*
 * Tables of edges, kept in memory and written in key order at the seal (see
 * edges.h). A writer for one of them must name exactly these columns.
 */
static const struct edge_table {
    const char *table;
    const char *cols[4];
    const char *what; /* in duplicate messages */
} edge_tables[] = {
    { "group_members",
      { "group_pk", "member_pk", "source_id", "line" },
      "duplicate membership: the same group and member as" },
    { "group_owners",
      { "group_pk", "owner_pk", "source_id", "line" },
      "duplicate ownership: the same group and owner as" },
};

#define NEDGE_TABLES (sizeof(edge_tables) / sizeof(edge_tables[0]))

struct rg_store {
    sqlite3 *db;
    struct rg_edges edges[NEDGE_TABLES]; /* owned; written at the seal */
    char *path;                          /* owned; the snapshot's real name */
    char *tmp;  /* owned; the temporary name while writing, else NULL */
    char *now;  /* owned; fetched_at for sources */
    int force;  /* a new snapshot may replace an existing file */
    int sealed; /* complete: sealed by us, or opened read-only */
    struct rg_graphpages *gp; /* owned; made by the first page */
    int keep_raw;             /* raw_page keeps bodies (default yes) */
};

struct rg_table_writer {
    sqlite3_stmt *stmt;     /* NULL for an edge table */
    struct rg_edges *edges; /* borrowed from the store, or NULL */
    size_t n;
    struct rg_store *st; /* borrowed */
    char table[64];
};

/* Tables whose row counts `snapshot info` reports, in this order. */
static const char *const entities[] = {
    "users",
    "groups",
    "service_principals",
    "group_members",
    "group_owners",
    "role_definitions",
    "role_assignments",
    "pim_group_assignments",
    "access_packages",
    "access_package_assignments",
    "app_role_assignments",
    "hr_people",
    "hr_events",
    "ad_users",
    "ad_group_members",
    "ad_groups",
    "servicenow_requests",
    "servicenow_incidents",
    "sod_rules",
    "department_groups",
    "directory_audits",
    "lifecycle_workflows",
    "lifecycle_workflow_runs",
    "lifecycle_user_results",
    "logic_app_runs",
};

static char *
xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);

    if (p)
        memcpy(p, s, n);
    return p;
}

static int
db_fail(struct rg_store *st, struct rg_err *err, const char *what)
{
    return rg_fail(err, RG_ERR_DB, "cannot %s '%s': %s", what, st->path,
                   st->db ? sqlite3_errmsg(st->db) : "out of memory");
}

static int
exec(struct rg_store *st, const char *sql, struct rg_err *err)
{
    char *msg = NULL;

    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        rg_fail(err, RG_ERR_DB, "cannot write '%s': %s", st->path,
                msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ create */

struct rg_store *
rg_store_create(const char *path, int force, const char *now,
                struct rg_err *err)
{
    struct rg_store *st = calloc(1, sizeof(*st));
    size_t n = strlen(path) + 32;
    int fd;

    if (!st || !(st->path = xstrdup(path)) || !(st->now = xstrdup(now)) ||
        !(st->tmp = malloc(n))) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (!force && access(path, F_OK) == 0) {
        rg_fail(err, RG_ERR_EXISTS,
                "'%s' already exists (a snapshot is never overwritten; "
                "use --force to replace it)",
                path);
        goto fail;
    }
    st->force = force;
    st->keep_raw = 1;
    /*
     * A random suffix: a name made from the pid would be taken again by
     * the next run in a container (where the pid repeats) after a run was
     * killed before it could clean up.
     */
    snprintf(st->tmp, n, "%s.tmp-XXXXXX", path);
    fd = mkstemp(st->tmp);
    if (fd < 0) {
        rg_fail(err, RG_ERR_IO, "cannot create '%s': %s", st->tmp,
                strerror(errno));
        free(st->tmp);
        st->tmp = NULL; /* not ours: do not delete it */
        goto fail;
    }
    close(fd);
    /* One connection, used by one thread: SQLite's own mutexes are waste. */
    if (sqlite3_open_v2(st->tmp, &st->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        db_fail(st, err, "create");
        goto fail;
    }
    /*
     * The cache stays at SQLite's default 2 MiB: building an index sorts
     * runs the size of the cache, and measured here small runs merged sort
     * 2M keys in 1.2 s where one 64 MiB run took 2.5 s.
     */
    if (exec(st,
             "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
             "PRAGMA locking_mode = EXCLUSIVE;",
             err) < 0 ||
        exec(st, rg_schema_sql, err) < 0 || exec(st, "BEGIN", err) < 0)
        goto fail;
    return st;

fail:
    rg_store_close(st);
    return NULL;
}

const char *
rg_store_temp_path(const struct rg_store *st)
{
    return st->tmp;
}

/* ------------------------------------------------------------------- sink */

static int64_t
sink_source_begin(void *ctx, const char *kind, const char *entity,
                  const char *locator, struct rg_err *err)
{
    struct rg_store *st = ctx;
    sqlite3_stmt *s = NULL;
    int64_t id = -1;

    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO source (kind, entity, locator, "
                           "fetched_at) VALUES (?, ?, ?, ?)",
                           -1, &s, NULL) != SQLITE_OK) {
        db_fail(st, err, "write");
        return -1;
    }
    sqlite3_bind_text(s, 1, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, entity, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, locator, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, st->now, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_DONE)
        db_fail(st, err, "write");
    else
        id = sqlite3_last_insert_rowid(st->db);
    sqlite3_finalize(s);
    return id;
}

static int
sink_source_end(void *ctx, int64_t source, const struct rg_source_stats *ss,
                struct rg_err *err)
{
    struct rg_store *st = ctx;
    sqlite3_stmt *s = NULL;
    int ret = 0;

    if (sqlite3_prepare_v2(st->db,
                           "UPDATE source SET sha256 = ?, bytes = ?, "
                           "row_count = ?, expected_count = ?, "
                           "dangling_count = ?, note = ? WHERE id = ?",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(st, err, "write");
    if (ss->sha256)
        sqlite3_bind_text(s, 1, ss->sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)ss->bytes);
    sqlite3_bind_int64(s, 3, ss->rows);
    if (ss->expected >= 0)
        sqlite3_bind_int64(s, 4, ss->expected);
    sqlite3_bind_int64(s, 5, ss->dangling);
    if (ss->note)
        sqlite3_bind_text(s, 6, ss->note, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 7, source);
    if (sqlite3_step(s) != SQLITE_DONE)
        ret = db_fail(st, err, "write");
    sqlite3_finalize(s);
    return ret;
}

static void
sink_table_free(struct rg_table_writer *w)
{
    if (!w)
        return;
    sqlite3_finalize(w->stmt);
    free(w);
}

static struct rg_table_writer *
sink_table(void *ctx, const char *table, const char *const *cols, size_t n,
           struct rg_err *err)
{
    struct rg_store *st = ctx;
    struct rg_table_writer *w = calloc(1, sizeof(*w));
    size_t cap = 64 + strlen(table), len;
    char *sql = NULL;

    if (!w) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    w->n = n;
    w->st = st;
    snprintf(w->table, sizeof(w->table), "%s", table);
    for (size_t t = 0; t < NEDGE_TABLES; t++) {
        if (strcmp(table, edge_tables[t].table) != 0)
            continue;
        for (size_t i = 0; i < n; i++)
            if (n != 4 || strcmp(cols[i], edge_tables[t].cols[i]) != 0) {
                rg_fail(err, RG_ERR_INTERNAL,
                        "rows of '%s' must give group, member, source, line",
                        table);
                goto fail;
            }
        w->edges = &st->edges[t];
        return w;
    }
    for (size_t i = 0; i < n; i++)
        cap += strlen(cols[i]) + 8;
    if (!(sql = malloc(cap))) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto fail;
    }
    len = (size_t)snprintf(sql, cap, "INSERT INTO \"%s\" (", table);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(sql + len, cap - len, "%s\"%s\"", i ? ", " : "",
                                cols[i]);
    len += (size_t)snprintf(sql + len, cap - len, ") VALUES (");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(sql + len, cap - len, "%s?", i ? ", " : "");
    snprintf(sql + len, cap - len, ")");
    if (sqlite3_prepare_v2(st->db, sql, -1, &w->stmt, NULL) != SQLITE_OK) {
        db_fail(st, err, "write");
        goto fail;
    }
    free(sql);
    return w;

fail:
    free(sql);
    sink_table_free(w);
    return NULL;
}

static int
sink_row(struct rg_table_writer *w, const struct rg_value *v,
         struct rg_err *err)
{
    if (w->edges) {
        int r = rg_edges_add(w->edges, v[0].i, v[1].i, v[2].i, v[3].i);

        if (r == -1)
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        if (r < 0 || v[0].type != RG_INT || v[1].type != RG_INT)
            return rg_fail(err, RG_ERR_LIMIT,
                           "cannot write table '%s' of '%s': a key or line "
                           "number above 4294967295",
                           w->table, w->st->path);
        return 0;
    }
    for (size_t i = 0; i < w->n; i++) {
        int col = (int)i + 1;

        switch (v[i].type) {
        case RG_NULL:
            sqlite3_bind_null(w->stmt, col);
            break;
        case RG_INT:
            sqlite3_bind_int64(w->stmt, col, v[i].i);
            break;
        case RG_TEXT:
            sqlite3_bind_text(w->stmt, col, v[i].s, (int)v[i].len,
                              SQLITE_STATIC);
            break;
        case RG_REAL:
            sqlite3_bind_double(w->stmt, col, v[i].d);
            break;
        }
    }
    if (sqlite3_step(w->stmt) != SQLITE_DONE) {
        rg_fail(err, RG_ERR_DB, "cannot write table '%s' of '%s': %s", w->table,
                w->st->path, sqlite3_errmsg(w->st->db));
        sqlite3_reset(w->stmt);
        return -1;
    }
    sqlite3_reset(w->stmt);
    return 0;
}

/*
 * Graph pages are loaded by SQL that looks every id up in the tables'
 * indexes, scattered over the file: with SQLite's default 2 MiB cache a
 * tenth of the collect's time went to reading pages back (pread), so the
 * cache is 64 MiB while pages load, and back to 2 MiB for the seal's index
 * sorts (see rg_store_create()). A bound, not a share of the tenant.
 */
#define GRAPH_CACHE_KIB 65536
#define RG_XSTR(x) #x
#define RG_STR(x) RG_XSTR(x)

static int
graph_pages(struct rg_store *st, struct rg_err *err)
{
    if (st->gp)
        return 0;
    if (exec(st, "PRAGMA cache_size = -" RG_STR(GRAPH_CACHE_KIB), err) < 0 ||
        !(st->gp = rg_graphpages_new(st->db, err)))
        return -1;
    return 0;
}

static int
sink_page(void *ctx, int64_t source, const char *kind, const char *url,
          const char *fetched_at, long status, const char *body, size_t len,
          int64_t first_line, const char *group, int defer, int64_t *items,
          int64_t *dangling, struct rg_err *err)
{
    struct rg_store *st = ctx;
    struct rg_page p;

    if (graph_pages(st, err) < 0)
        return -1;
    p.source = source;
    p.kind = kind;
    p.url = url;
    p.fetched_at = fetched_at ? fetched_at : st->now;
    p.group = group;
    p.status = status;
    p.body = body;
    p.len = len;
    p.first_line = first_line;
    p.keep_body = st->keep_raw;
    p.defer = defer;
    return rg_graphpages_load(st->gp, &p, items, dangling, err);
}

static int
sink_pages_done(void *ctx, struct rg_err *err)
{
    struct rg_store *st = ctx;

    if (!st->gp)
        return 0;
    if (rg_graphpages_finish(st->gp, err) < 0)
        return -1;
    return exec(st, "PRAGMA cache_size = -2000", err);
}

static int
sink_ids(void *ctx, const char *which,
         int (*fn)(void *fctx, const char *id, struct rg_err *err), void *fctx,
         struct rg_err *err)
{
    struct rg_store *st = ctx;

    if (graph_pages(st, err) < 0)
        return -1;
    return rg_graphpages_ids(st->gp, which, fn, fctx, err);
}

/* One answer kept as received; no rows are made from it here. */
static int
sink_raw(void *ctx, int64_t source, const char *url, const char *fetched_at,
         long status, const char *body, size_t len, int64_t first_line,
         struct rg_err *err)
{
    struct rg_store *st = ctx;
    sqlite3_stmt *s = NULL;
    int ret = 0;

    if (len > (size_t)INT32_MAX)
        return rg_fail(err, RG_ERR_LIMIT, "an answer of '%s' over 2 GiB", url);
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO raw_page (source_id, url, status, "
                           "fetched_at, first_line, body) VALUES (?, ?, ?, ?, "
                           "?, ?)",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(st, err, "write");
    sqlite3_bind_int64(s, 1, source);
    sqlite3_bind_text(s, 2, url, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, status);
    sqlite3_bind_text(s, 4, fetched_at ? fetched_at : st->now, -1,
                      SQLITE_STATIC);
    if (first_line > 0)
        sqlite3_bind_int64(s, 5, first_line);
    /* as text, as Graph's pages: SQLite's JSON functions read text */
    if (st->keep_raw)
        sqlite3_bind_text(s, 6, body, (int)len, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        ret = db_fail(st, err, "write");
    sqlite3_finalize(s);
    return ret;
}

void
rg_store_keep_raw(struct rg_store *st, int keep)
{
    st->keep_raw = keep;
}

void
rg_store_sink(struct rg_store *st, struct rg_row_sink *sink)
{
    sink->ctx = st;
    sink->page = sink_page;
    sink->pages_done = sink_pages_done;
    sink->ids = sink_ids;
    sink->raw = sink_raw;
    sink->source_begin = sink_source_begin;
    sink->source_end = sink_source_end;
    sink->table = sink_table;
    sink->row = sink_row;
    sink->table_free = sink_table_free;
}

/* -------------------------------------------------------------------- seal */

static char *
source_locator(struct rg_store *st, uint32_t src)
{
    sqlite3_stmt *s = NULL;
    char *loc = NULL;

    if (sqlite3_prepare_v2(st->db, "SELECT locator FROM source WHERE id = ?",
                           -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, src);
        if (sqlite3_step(s) == SQLITE_ROW)
            loc = xstrdup((const char *)sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
    return loc;
}

static int
duplicate_edge(struct rg_store *st, const struct edge_table *t,
               const struct rg_edge *a, const struct rg_edge *b,
               struct rg_err *err)
{
    char *la = source_locator(st, a->src), *lb = source_locator(st, b->src);

    if (a->src == b->src)
        rg_fail(err, RG_ERR_INPUT, "cannot load '%s' line %lu: %s line %lu",
                lb ? lb : "?", (unsigned long)b->line, t->what,
                (unsigned long)a->line);
    else
        rg_fail(err, RG_ERR_INPUT,
                "cannot load '%s' line %lu: %s '%s' line %lu", lb ? lb : "?",
                (unsigned long)b->line, t->what, la ? la : "?",
                (unsigned long)a->line);
    free(la);
    free(lb);
    return -1;
}

/* Sorts each edge table's rows, refuses duplicates, and appends them. */
static int
write_edges(struct rg_store *st, struct rg_err *err)
{
    for (size_t t = 0; t < NEDGE_TABLES; t++) {
        struct rg_edges *e = &st->edges[t];
        const char *const *c = edge_tables[t].cols;
        sqlite3_stmt *s = NULL;
        size_t first, second;
        char sql[200];

        if (rg_edges_sort(e) < 0)
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        if (rg_edges_duplicate(e, &first, &second))
            return duplicate_edge(st, &edge_tables[t], &e->v[first],
                                  &e->v[second], err);
        snprintf(sql, sizeof(sql),
                 "INSERT INTO %s (%s, %s, %s, %s) VALUES (?, ?, ?, ?)",
                 edge_tables[t].table, c[0], c[1], c[2], c[3]);
        if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
            return db_fail(st, err, "write");
        for (size_t i = 0; i < e->n; i++) {
            sqlite3_bind_int64(s, 1, (sqlite3_int64)(e->v[i].key >> 32));
            sqlite3_bind_int64(s, 2,
                               (sqlite3_int64)(e->v[i].key & 0xffffffffu));
            sqlite3_bind_int64(s, 3, e->v[i].src);
            sqlite3_bind_int64(s, 4, e->v[i].line);
            if (sqlite3_step(s) != SQLITE_DONE) {
                sqlite3_finalize(s);
                return db_fail(st, err, "write");
            }
            sqlite3_reset(s);
        }
        sqlite3_finalize(s);
        rg_edges_release(e);
    }
    return 0;
}

/* Runs seal.sql one statement at a time, to know which one failed. */
static int
run_seal_sql(struct rg_store *st, struct rg_err *err)
{
    const char *sql = rg_seal_sql;

    while (*sql) {
        sqlite3_stmt *s = NULL;
        const char *tail = NULL;
        int rc;

        if (sqlite3_prepare_v2(st->db, sql, -1, &s, &tail) != SQLITE_OK)
            return db_fail(st, err, "index");
        if (!s) /* only comments or spaces left */
            break;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW)
            ;
        if (rc != SQLITE_DONE) {
            db_fail(st, err, "index");
            sqlite3_finalize(s);
            return -1;
        }
        sqlite3_finalize(s);
        sql = tail;
    }
    return 0;
}

static int
insert_meta(struct rg_store *st, const struct rg_snapshot_meta *m,
            struct rg_err *err)
{
    sqlite3_stmt *s = NULL;
    int ret = 0;

    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO snapshot (tenant_id, tenant_name, "
                           "as_of, collected_at, reportgen_version, "
                           "schema_version) VALUES (?, ?, ?, ?, ?, ?)",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(st, err, "write");
    sqlite3_bind_text(s, 1, m->tenant_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, m->tenant_name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, m->as_of, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, m->collected_at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, RG_VERSION, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 6, RG_SCHEMA_VERSION);
    if (sqlite3_step(s) != SQLITE_DONE)
        ret = db_fail(st, err, "write");
    sqlite3_finalize(s);
    return ret;
}

/* Flushes the file and its directory entry to disk. */
static int
sync_path(const char *path, int dir, struct rg_err *err)
{
    int fd = open(path, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);

    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;

        if (fd >= 0)
            close(fd);
        return rg_fail(err, RG_ERR_IO, "cannot sync '%s': %s", path,
                       strerror(e));
    }
    close(fd);
    return 0;
}

static char *
dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *d;

    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    if ((d = malloc((size_t)(slash - path) + 1))) {
        memcpy(d, path, (size_t)(slash - path));
        d[slash - path] = '\0';
    }
    return d;
}

/*
 * Renames the finished temporary file to the snapshot's name. Without
 * --force it must not replace a snapshot that appeared while we were
 * loading: renameat2(RENAME_NOREPLACE), or link() where the file system
 * lacks it; rename() would silently overwrite.
 */
static int
place(struct rg_store *st, struct rg_err *err)
{
    if (st->force) {
        if (rename(st->tmp, st->path) == 0)
            return 0;
    } else if (renameat2(AT_FDCWD, st->tmp, AT_FDCWD, st->path,
                         RENAME_NOREPLACE) == 0) {
        return 0;
    } else if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) {
        if (link(st->tmp, st->path) == 0) {
            unlink(st->tmp);
            return 0;
        }
    }
    return rg_fail(err, errno == EEXIST ? RG_ERR_EXISTS : RG_ERR_IO,
                   "cannot create '%s': %s", st->path, strerror(errno));
}

int
rg_store_seal(struct rg_store *st, const struct rg_snapshot_meta *meta,
              struct rg_err *err)
{
    char *dir = NULL;

    /* the loading statements of Graph pages are done with */
    rg_graphpages_free(st->gp);
    st->gp = NULL;
    if (write_edges(st, err) < 0 || run_seal_sql(st, err) < 0 ||
        insert_meta(st, meta, err) < 0 || exec(st, "COMMIT", err) < 0)
        return -1;
    if (sqlite3_close(st->db) != SQLITE_OK)
        return db_fail(st, err, "close");
    st->db = NULL;
    if (chmod(st->tmp, 0444) != 0)
        return rg_fail(err, RG_ERR_IO, "cannot seal '%s': %s", st->tmp,
                       strerror(errno));
    if (sync_path(st->tmp, 0, err) < 0)
        return -1;
    if (place(st, err) < 0)
        return -1;
    free(st->tmp);
    st->tmp = NULL;
    st->sealed = 1;
    /*
     * The snapshot is in place; a folder that cannot be synced (some network
     * and FUSE file systems refuse) does not undo that.
     */
    if ((dir = dir_of(st->path)))
        sync_path(dir, 1, NULL);
    free(dir);
    return 0;
}

/* ------------------------------------------------------------------ read */

struct rg_store *
rg_store_open(const char *path, struct rg_err *err)
{
    struct rg_store *st = calloc(1, sizeof(*st));
    sqlite3_stmt *s = NULL;
    int app = 0, version = 0;

    if (!st || !(st->path = xstrdup(path))) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (access(path, R_OK) != 0) {
        rg_fail(err, RG_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
        goto fail;
    }
    /*
     * Memory-mapped reads of the first 256 MiB: a report reads much of the
     * snapshot, and a read() per 4 KiB page cost a quarter of the time of a
     * 2M-row section. The cap keeps the mapped pages (counted in RSS,
     * though they are the page cache) bounded.
     */
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READONLY, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(st->db,
                     "PRAGMA query_only = 1; PRAGMA mmap_size = 268435456",
                     NULL, NULL, NULL) != SQLITE_OK) {
        db_fail(st, err, "open");
        goto fail;
    }
    if (sqlite3_prepare_v2(st->db,
                           "SELECT application_id, user_version FROM "
                           "pragma_application_id, pragma_user_version",
                           -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW) {
        rg_fail(err, RG_ERR_INPUT, "'%s' is not a reportgen snapshot: %s", path,
                sqlite3_errmsg(st->db));
        goto fail;
    }
    app = sqlite3_column_int(s, 0);
    version = sqlite3_column_int(s, 1);
    sqlite3_finalize(s);
    s = NULL;
    if (app != APPLICATION_ID) {
        rg_fail(err, RG_ERR_INPUT, "'%s' is not a reportgen snapshot", path);
        goto fail;
    }
    if (version != RG_SCHEMA_VERSION) {
        rg_fail(err, RG_ERR_INPUT,
                "'%s' has snapshot schema version %d; this reportgen reads "
                "version %d",
                path, version, RG_SCHEMA_VERSION);
        goto fail;
    }
    st->sealed = 1;
    return st;

fail:
    sqlite3_finalize(s);
    rg_store_close(st);
    return NULL;
}

struct sqlite3 *
rg_store_db(struct rg_store *st)
{
    return st->db;
}

void
rg_store_close(struct rg_store *st)
{
    if (!st)
        return;
    rg_graphpages_free(st->gp);
    sqlite3_close(st->db);
    for (size_t t = 0; t < NEDGE_TABLES; t++)
        rg_edges_release(&st->edges[t]);
    if (st->tmp)
        unlink(st->tmp);
    free(st->tmp);
    free(st->path);
    free(st->now);
    free(st);
}

static char *
col_dup(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);

    return t ? xstrdup((const char *)t) : NULL;
}

static int64_t
col_int(sqlite3_stmt *s, int i, int64_t null)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL
               ? null
               : (int64_t)sqlite3_column_int64(s, i);
}

int
rg_store_info(struct rg_store *st, struct rg_snapshot_info *info,
              struct rg_err *err)
{
    sqlite3_stmt *s = NULL;
    size_t n = sizeof(entities) / sizeof(entities[0]);
    int rc;

    memset(info, 0, sizeof(*info));
    if (rg_sha256_file(st->path, info->sha256, err) < 0)
        return -1;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT tenant_id, tenant_name, as_of, "
                           "collected_at, reportgen_version, schema_version "
                           "FROM snapshot",
                           -1, &s, NULL) != SQLITE_OK)
        goto db_error;
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return rg_fail(err, RG_ERR_INPUT, "'%s' has no snapshot record",
                       st->path);
    }
    info->tenant_id = col_dup(s, 0);
    info->tenant_name = col_dup(s, 1);
    info->as_of = col_dup(s, 2);
    info->collected_at = col_dup(s, 3);
    info->version = col_dup(s, 4);
    info->schema_version = sqlite3_column_int(s, 5);
    sqlite3_finalize(s);
    s = NULL;

    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, kind, entity, locator, fetched_at, "
                           "sha256, bytes, row_count, expected_count, "
                           "dangling_count, note FROM source ORDER BY id",
                           -1, &s, NULL) != SQLITE_OK)
        goto db_error;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct rg_source_info *src = realloc(
            info->sources, (info->nsources + 1) * sizeof(*info->sources));

        if (!src) {
            sqlite3_finalize(s);
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        }
        info->sources = src;
        src += info->nsources++;
        src->id = sqlite3_column_int64(s, 0);
        src->kind = col_dup(s, 1);
        src->entity = col_dup(s, 2);
        src->locator = col_dup(s, 3);
        src->fetched_at = col_dup(s, 4);
        src->sha256 = col_dup(s, 5);
        src->bytes = col_int(s, 6, 0);
        src->rows = col_int(s, 7, 0);
        src->expected = col_int(s, 8, -1);
        src->dangling = col_int(s, 9, 0);
        src->note = col_dup(s, 10);
    }
    if (rc != SQLITE_DONE)
        goto db_error;
    sqlite3_finalize(s);
    s = NULL;

    if (!(info->entities = calloc(n, sizeof(*info->entities))))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char sql[128];

        snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"", entities[i]);
        if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK ||
            sqlite3_step(s) != SQLITE_ROW)
            goto db_error;
        info->entities[i].name = entities[i];
        info->entities[i].rows = sqlite3_column_int64(s, 0);
        info->nentities++;
        sqlite3_finalize(s);
        s = NULL;
    }
    return 0;

db_error:
    rg_fail(err, RG_ERR_DB, "cannot read '%s': %s", st->path,
            sqlite3_errmsg(st->db));
    sqlite3_finalize(s);
    return -1;
}

void
rg_snapshot_info_release(struct rg_snapshot_info *info)
{
    if (!info)
        return;
    for (size_t i = 0; i < info->nsources; i++) {
        free(info->sources[i].kind);
        free(info->sources[i].entity);
        free(info->sources[i].locator);
        free(info->sources[i].fetched_at);
        free(info->sources[i].sha256);
        free(info->sources[i].note);
    }
    free(info->sources);
    free(info->entities);
    free(info->tenant_id);
    free(info->tenant_name);
    free(info->as_of);
    free(info->collected_at);
    free(info->version);
    memset(info, 0, sizeof(*info));
}
