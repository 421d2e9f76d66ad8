/*
 * jsonq.h - reading JSON with SQLite's JSON functions, on a private
 * in-memory connection.
 *
 * reportgen reads JSON from HTTP services (Graph pages, token responses,
 * $batch answers). Rather than a parser of its own, it asks SQLite, whose
 * JSON functions are the same ones that turn stored pages into rows, so a
 * reader of the snapshot can repeat every step with the sqlite3 shell.
 * Strings returned are owned by the caller (free()).
 */
#ifndef RG_JSONQ_H
#define RG_JSONQ_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct rg_jsonq;

struct rg_jsonq *rg_jsonq_open(struct rg_err *err);
void rg_jsonq_close(struct rg_jsonq *q); /* NULL-safe */

/* 1 when text is well-formed JSON whose top is an object, else 0. */
int rg_jsonq_is_object(struct rg_jsonq *q, const char *text, size_t len);

/*
 * The value at path (SQLite's JSON path: "$.a.b", "$.\"@odata.count\"")
 * as text (objects and arrays as JSON text); *out is NULL when absent or
 * null. Returns 0, or -1 when text is not JSON or memory runs out.
 */
int rg_jsonq_text(struct rg_jsonq *q, const char *text, size_t len,
                  const char *path, char **out, struct rg_err *err);

/*
 * A Graph page read once: whether it is a JSON object, its
 * @odata.nextLink (*next, malloc()ed, or NULL) and its @odata.count
 * (*count, or -1). Returns 0 (*valid says), or -1 out of memory.
 */
int rg_jsonq_page(struct rg_jsonq *q, const char *text, size_t len, int *valid,
                  char **next, int64_t *count, struct rg_err *err);

/*
 * An item of a $batch answer read once: its id, status (-1 if none), body
 * as JSON text and its Retry-After header's value (each malloc()ed, or
 * NULL).
 */
int rg_jsonq_item(struct rg_jsonq *q, const char *text, size_t len, char **id,
                  int64_t *status, char **body, char **retry_after,
                  struct rg_err *err);

/* The integer at path; *found is 0 when absent or not a number. */
int rg_jsonq_int(struct rg_jsonq *q, const char *text, size_t len,
                 const char *path, int64_t *v, int *found, struct rg_err *err);

/*
 * Calls fn for each element of the array at path: its JSON text (objects
 * and arrays) or its value as text (scalars). Stops when fn returns
 * non-zero and returns that. -1 when text is not JSON.
 */
int rg_jsonq_each(struct rg_jsonq *q, const char *text, size_t len,
                  const char *path,
                  int (*fn)(void *ctx, const char *elem, size_t n), void *ctx,
                  struct rg_err *err);

#endif
