/*
 * csvread.h - reading one CSV export (RFC 4180 as Excel, PowerShell and the
 * Entra admin center write it), record by record, with the physical line of
 * every record, for error messages that point at the spot.
 *
 * Accepted: a UTF-8 byte order mark; PowerShell's "#TYPE ..." first line;
 * CRLF or LF line ends (a lone CR is refused: it would make two records of
 * one counted line); quoted fields with commas, quotes ("") and line
 * breaks; blank lines. Refused, with file, line and column: a malformed or
 * unterminated quote, a record whose field count differs from the header's,
 * invalid UTF-8 or NUL bytes, a record over RG_CSV_MAX_RECORD bytes, more
 * than RG_CSV_MAX_FIELDS fields. Spaces around unquoted fields are trimmed.
 *
 * This reader knows nothing of what the columns mean (see csvload.h).
 * Records passed to the callback are owned by the reader and valid only
 * during the call.
 */
#ifndef RG_CSVREAD_H
#define RG_CSVREAD_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"
#include "../util/sha256.h"

#define RG_CSV_MAX_RECORD (1u << 20) /* bytes in one record */
#define RG_CSV_MAX_FIELDS 1024

struct rg_csv_field {
    const char *s; /* NUL-terminated, valid UTF-8 */
    size_t len;
};

struct rg_csv_record {
    const char *path;                  /* the file, as given */
    int64_t line;                      /* physical line the record starts on */
    size_t n;                          /* number of fields */
    const struct rg_csv_field *f;      /* n fields */
    const struct rg_csv_field *header; /* the header's fields; NULL while
                                          the header itself is passed */
    size_t nheader;                    /* number of header fields */
};

/* Called once for the header record, then once per data record. */
typedef int (*rg_csv_fn)(void *ctx, const struct rg_csv_record *rec,
                         struct rg_err *err);

struct rg_csv_stats {
    uint64_t bytes;             /* bytes read */
    int64_t records;            /* data records, header excluded */
    char sha256[RG_SHA256_HEX]; /* of the bytes read */
};

/*
 * Reads the file at path and calls fn for each record. Stops at the first
 * failure, from the file or from fn (which must fill err and return -1).
 * Returns 0 and fills *st, or -1.
 */
int rg_csv_read(const char *path, rg_csv_fn fn, void *ctx,
                struct rg_csv_stats *st, struct rg_err *err);

/*
 * Reads from memory instead of a file (for tests and fuzzing); path names
 * the data in messages.
 */
int rg_csv_read_mem(const char *path, const void *data, size_t len,
                    rg_csv_fn fn, void *ctx, struct rg_csv_stats *st,
                    struct rg_err *err);

/*
 * 1 (the default): plain lines are split without libcsv, quoted ones with
 * it. 0: libcsv reads everything. For tests that compare the two.
 */
extern int rg_csv_fast_path;

/*
 * The size of the pieces rg_csv_read_mem() feeds (1 MiB, as files are read):
 * tests make it small to put buffer ends everywhere. At least 8.
 */
extern size_t rg_csv_mem_chunk;

/*
 * Fails with a message that names the file, the record's line and the
 * column (1-based position col + 1, and its header name):
 * "cannot load 'users.csv' line 12, column 5 (accountEnabled): <fmt>".
 * Returns -1.
 */
int rg_csv_fail(const struct rg_csv_record *rec, size_t col, struct rg_err *err,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
