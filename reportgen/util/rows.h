/*
 * rows.h - the vocabulary between modules that produce rows (collectors) and
 * modules that keep them (the store): typed values and a row sink.
 *
 * A collector writes through a struct rg_row_sink and never sees SQLite; the
 * command layer connects it to a store (rg_store_sink()) or, in tests, to
 * anything else. Text values are borrowed: they must stay valid until the
 * row call returns.
 */
#ifndef RG_ROWS_H
#define RG_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum rg_value_type { RG_NULL = 0, RG_INT, RG_TEXT, RG_REAL };

struct rg_value {
    enum rg_value_type type;
    int64_t i;     /* RG_INT */
    const char *s; /* RG_TEXT, borrowed; need not be NUL-terminated */
    size_t len;    /* RG_TEXT */
    double d;      /* RG_REAL */
};

/* How a value is shown in a report. */
enum rg_format {
    RG_FMT_TEXT,
    RG_FMT_INT,
    RG_FMT_DATE,     /* YYYY-MM-DD, or the date of a stored time */
    RG_FMT_DATETIME, /* a stored UTC time, YYYY-MM-DDTHH:MM:SSZ */
    RG_FMT_BOOL      /* 0/1 shown as Yes/No */
};

static inline struct rg_value
rg_null(void)
{
    struct rg_value v = { RG_NULL, 0, NULL, 0, 0 };

    return v;
}

static inline struct rg_value
rg_int(int64_t i)
{
    struct rg_value v = { RG_INT, i, NULL, 0, 0 };

    return v;
}

static inline struct rg_value
rg_text(const char *s, size_t len)
{
    struct rg_value v = { RG_TEXT, 0, s, len, 0 };

    return v;
}

/* What a finished source reports about itself. */
struct rg_source_stats {
    const char *sha256; /* hex digest of the raw bytes, or NULL */
    uint64_t bytes;
    int64_t rows;     /* rows stored */
    int64_t expected; /* rows the source said it had, -1 if it did not */
    int64_t dangling; /* rows skipped because a reference was unknown */
    const char *note; /* why the source is incomplete, or NULL */
};

struct rg_table_writer; /* opaque, owned by the sink */

struct rg_row_sink {
    void *ctx;
    /* Records a new source (kind "csv", "graph", ...); returns its id (> 0). */
    int64_t (*source_begin)(void *ctx, const char *kind, const char *entity,
                            const char *locator, struct rg_err *err);
    int (*source_end)(void *ctx, int64_t source,
                      const struct rg_source_stats *st, struct rg_err *err);
    /* A writer for rows of table with these columns, in this order. */
    struct rg_table_writer *(*table)(void *ctx, const char *table,
                                     const char *const *cols, size_t ncols,
                                     struct rg_err *err);
    /* Writes one row of ncols values. */
    int (*row)(struct rg_table_writer *w, const struct rg_value *vals,
               struct rg_err *err);
    void (*table_free)(struct rg_table_writer *w); /* NULL-safe */
    /*
     * HTTP sources: keeps one answer of source (url, status, body) and
     * turns it into rows by its kind (a block of store/graph.sql); rows are
     * numbered from first_line; group names the group a members/owners page
     * is about. *items receives the length of the page's value array,
     * *dangling how many of them were left out (they name unknown objects).
     */
    int (*page)(void *ctx, int64_t source, const char *kind, const char *url,
                const char *fetched_at, long status, const char *body,
                size_t len, int64_t first_line, const char *group, int defer,
                int64_t *items, int64_t *dangling, struct rg_err *err);
    /*
     * Makes the rows of the pages given with defer set (they may name
     * objects of pages that came later), and counts dangling references.
     */
    int (*pages_done)(void *ctx, struct rg_err *err);
    /* Calls fn with the ids of loaded objects: "groups", ... */
    int (*ids)(void *ctx, const char *which,
               int (*fn)(void *fctx, const char *id, struct rg_err *err),
               void *fctx, struct rg_err *err);
    /*
     * HTTP sources whose rows are made in C (ServiceNow): keeps one answer
     * of source in raw_page as received, without Graph's normalization
     * (the body NULL when raw pages are not kept). The rows it gave have
     * lines from first_line on; 0 when it gave none of its own.
     */
    int (*raw)(void *ctx, int64_t source, const char *url,
               const char *fetched_at, long status, const char *body,
               size_t len, int64_t first_line, struct rg_err *err);
};

#endif
