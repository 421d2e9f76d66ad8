/*
 * query.h - running a template's queries against a snapshot, read-only.
 *
 * Queries are SQL files with named parameters (:as_of). Parameter values are
 * checked against the template's types and bound, never pasted into SQL.
 * rg_query_guard() makes the connection refuse anything but reading (an
 * authorizer on top of the read-only open and PRAGMA query_only), so a
 * query that tries to write, ATTACH, change a pragma or load an extension
 * is refused with a message naming the query file.
 *
 * Rows stream one at a time; values of the row returned by rg_query_next()
 * are owned by the query and valid until the next call.
 */
#ifndef RG_QUERY_H
#define RG_QUERY_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"
#include "../util/rows.h"
#include "../util/sha256.h"
#include "template.h"

/* A parameter's value, checked and ready to bind. */
struct rg_bound {
    const char *name; /* borrowed from the template */
    enum rg_param_type type;
    char *text; /* owned; the value as bound (text, date) and
                   as shown */
    int64_t i;  /* int, bool */
};

/*
 * Resolves every parameter of t: "NAME=VALUE" assignments first, then
 * defaults ("snapshot.as_of" means as_of). A date is a date (YYYY-MM-DD) or
 * an ISO 8601 time with a zone, bound as UTC "YYYY-MM-DDTHH:MM:SSZ". Fails
 * with RG_ERR_USAGE naming the parameter: unknown, given twice, missing, or
 * of the wrong type. On success *out holds t->nparams values (free with
 * rg_bound_free()).
 */
int rg_params_resolve(const struct rg_template *t, const char *const *assign,
                      size_t nassign, const char *as_of, struct rg_bound **out,
                      struct rg_err *err);
void rg_bound_free(struct rg_bound *b, size_t n);

/*
 * Writes text with {name} replaced by the parameter's shown value,
 * {snapshot.as_of} and {snapshot.tenant}. Returns a string from malloc().
 */
char *rg_substitute(const char *text, const struct rg_bound *b, size_t nb,
                    const char *as_of, const char *tenant);

/* Installs the read-only authorizer on db. */
void rg_query_guard(sqlite3 *db);

struct rg_query;

/*
 * Prepares sql (one statement) and binds its parameters from b. label names
 * the query in messages (its file). Fails (RG_ERR_INPUT) when the SQL does
 * not compile, holds more than one statement, is refused by the guard, or
 * uses a parameter the template does not define.
 */
struct rg_query *rg_query_open(sqlite3 *db, const char *label, const char *sql,
                               const struct rg_bound *b, size_t nb,
                               struct rg_err *err);

size_t rg_query_ncols(const struct rg_query *q);
const char *rg_query_colname(const struct rg_query *q, size_t i);

/* The next row: returns 1 and sets *row (ncols values), 0 at the end, -1. */
int rg_query_next(struct rg_query *q, const struct rg_value **row,
                  struct rg_err *err);

/*
 * The SHA-256 of the rows read so far in the canonical form "rg-result-v1":
 * each value as the sqlite3 shell prints it in list mode (SQLite's own text
 * of a number, text up to a NUL, NULL as nothing), values separated by
 * 0x1F, each row ended by 0x1E 0x0A. Call it after rg_query_next() returned
 * 0; docs/pack-format.md shows how an auditor computes the same digest.
 */
int rg_query_digest(struct rg_query *q, char hex[RG_SHA256_HEX],
                    struct rg_err *err);

void rg_query_close(struct rg_query *q); /* NULL-safe */

#endif
