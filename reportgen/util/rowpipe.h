/*
 * rowpipe.h - handing rows to a second thread.
 *
 * A section's rows are written to three outputs; the workbook is the
 * slowest. A row pipe lets the thread that reads SQLite and writes the
 * workbook pass each row, copied, to a second thread that writes the
 * others: two cores, and no more wall time than the workbook alone.
 *
 * Rows are copied into batches; at most RG_ROWPIPE_BATCHES batches are in
 * flight, so memory stays bounded whatever the number of rows. The consumer
 * is called on the second thread, in order, once per row; after its first
 * failure it is not called again and rg_rowpipe_put() starts failing.
 */
#ifndef RG_ROWPIPE_H
#define RG_ROWPIPE_H

#include <stddef.h>

#include "err.h"
#include "rows.h"

#define RG_ROWPIPE_BATCHES 4
#define RG_ROWPIPE_ROWS 2048 /* rows in a batch at most */

typedef int (*rg_row_fn)(void *ctx, const struct rg_value *row,
                         struct rg_err *err);

struct rg_rowpipe;

/* Starts the second thread; rows will have ncols values. */
struct rg_rowpipe *rg_rowpipe_start(size_t ncols, rg_row_fn fn, void *ctx,
                                    struct rg_err *err);

/*
 * Copies row and queues it. Returns 0, or -1: out of memory (err says so),
 * or the consumer has failed (err is left alone: rg_rowpipe_finish() gives
 * the consumer's error).
 */
int rg_rowpipe_put(struct rg_rowpipe *p, const struct rg_value *row,
                   struct rg_err *err);

/*
 * Waits until every row is consumed, stops the thread and frees p. Returns
 * 0, or -1 with the consumer's error. With abandon set, queued rows are
 * dropped instead. NULL-safe.
 */
int rg_rowpipe_finish(struct rg_rowpipe *p, int abandon, struct rg_err *err);

#endif
