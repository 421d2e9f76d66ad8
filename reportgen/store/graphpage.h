/*
 * graphpage.h - Graph pages into rows, inside the store (store.c's sink
 * calls these; nothing else does).
 *
 * The statements are those of graph.sql, compiled in and prepared once.
 * A page is stored in raw_page, its block of statements run with :page
 * (and :group), and, unless raw pages are kept, its body is then cleared.
 */
#ifndef RG_GRAPHPAGE_H
#define RG_GRAPHPAGE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"

struct rg_graphpages;

struct rg_graphpages *rg_graphpages_new(sqlite3 *db, struct rg_err *err);
void rg_graphpages_free(struct rg_graphpages *gp); /* NULL-safe */

struct rg_page {
    int64_t source;
    const char *kind; /* a block of graph.sql: "users", "group_members", ... */
    const char *url, *fetched_at, *group;
    long status;
    const char *body;
    size_t len;
    int64_t first_line;
    int keep_body;
    int defer; /* store now, make rows in rg_graphpages_finish() */
};

/*
 * Stores and loads one page; *items = the length of its value array,
 * *dangling = the items left out because they name unknown objects.
 */
int rg_graphpages_load(struct rg_graphpages *gp, const struct rg_page *p,
                       int64_t *items, int64_t *dangling, struct rg_err *err);

/*
 * Makes the rows of the deferred pages, in the order they arrived (the
 * objects they refer to are all loaded by then), and counts every Graph
 * source's dangling references.
 */
int rg_graphpages_finish(struct rg_graphpages *gp, struct rg_err *err);

/*
 * Calls fn with the id of every row of which: "groups", "role_assignable_
 * groups" or "service_principals", in key order.
 */
int rg_graphpages_ids(struct rg_graphpages *gp, const char *which,
                      int (*fn)(void *ctx, const char *id, struct rg_err *err),
                      void *ctx, struct rg_err *err);

#endif
