/*
 * csvout.h - a section's rows as an RFC 4180 CSV extract: UTF-8, CRLF, a
 * header of the result column names, and the values exactly as the query
 * returned them (NULL as an empty field), so an auditor can compare them
 * with the same SQL run in the sqlite3 shell.
 */
#ifndef RG_CSVOUT_H
#define RG_CSVOUT_H

#include <stddef.h>

#include "../util/err.h"
#include "../util/rows.h"

struct rg_csvout;

struct rg_csvout *rg_csvout_open(const char *path, const char *const *names,
                                 size_t n, struct rg_err *err);
int rg_csvout_row(struct rg_csvout *c, const struct rg_value *row,
                  struct rg_err *err);
/* Flushes, closes and frees c (also on failure). */
int rg_csvout_close(struct rg_csvout *c, struct rg_err *err);

#endif
