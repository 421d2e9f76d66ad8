/*
 * store.h - snapshots: one SQLite file per collect, written once, then
 * sealed and only ever read.
 *
 * Writing: rg_store_create() opens a temporary file beside the target;
 * rows arrive through the row sink (rg_store_sink()); rg_store_seal() builds
 * the indexes, records the snapshot row, and renames the file into place,
 * read-only. rg_store_close() on a store that was not sealed deletes the
 * temporary file, so a failed collect leaves nothing behind.
 *
 * Reading: rg_store_open() opens a sealed snapshot read-only and refuses
 * files that are not reportgen snapshots of a schema it knows.
 *
 * Strings passed in are copied or used before the call returns. Strings in
 * struct rg_snapshot_info are owned by it and freed by
 * rg_snapshot_info_release().
 */
#ifndef RG_STORE_H
#define RG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"
#include "../util/rows.h"
#include "../util/sha256.h"

#define RG_SCHEMA_VERSION 2

struct rg_store;

/*
 * Starts a new snapshot that will become path. Fails (RG_ERR_EXISTS) when
 * path exists, unless force is set. now is the UTC time recorded as each
 * source's fetched_at.
 */
struct rg_store *rg_store_create(const char *path, int force, const char *now,
                                 struct rg_err *err);

/* The temporary file of a snapshot being written, or NULL. */
const char *rg_store_temp_path(const struct rg_store *st);

/* Fills sink with functions that write into st (valid while st is open). */
void rg_store_sink(struct rg_store *st, struct rg_row_sink *sink);

/* Whether raw_page keeps the bodies of HTTP answers once loaded (yes). */
void rg_store_keep_raw(struct rg_store *st, int keep);

struct rg_snapshot_meta {
    const char *tenant_id;    /* may be NULL */
    const char *tenant_name;  /* may be NULL */
    const char *as_of;        /* UTC ISO 8601 */
    const char *collected_at; /* UTC ISO 8601 */
};

/*
 * Finishes the snapshot: indexes, derived flags, the snapshot row, commit,
 * then renames the file into place with mode 0444. Returns 0, or -1 (the
 * temporary file is then removed by rg_store_close()).
 */
int rg_store_seal(struct rg_store *st, const struct rg_snapshot_meta *meta,
                  struct rg_err *err);

/* Opens a sealed snapshot read-only. */
struct rg_store *rg_store_open(const char *path, struct rg_err *err);

/*
 * The SQLite connection of an open snapshot, for running queries on it
 * (borrowed; valid until rg_store_close()).
 */
struct sqlite3 *rg_store_db(struct rg_store *st);

/* Closes st; an unsealed new snapshot is deleted. NULL-safe. */
void rg_store_close(struct rg_store *st);

struct rg_source_info {
    int64_t id;
    char *kind, *entity, *locator, *fetched_at, *sha256,
        *note;                               /* may be NULL */
    int64_t bytes, rows, expected, dangling; /* expected -1 when unknown */
};

struct rg_entity_count {
    const char *name; /* static */
    int64_t rows;
};

struct rg_snapshot_info {
    char sha256[RG_SHA256_HEX]; /* of the snapshot file */
    char *tenant_id, *tenant_name, *as_of, *collected_at, *version;
    int schema_version;
    struct rg_source_info *sources;
    size_t nsources;
    struct rg_entity_count *entities;
    size_t nentities;
};

/* Describes an open snapshot: its digest, provenance and row counts. */
int rg_store_info(struct rg_store *st, struct rg_snapshot_info *info,
                  struct rg_err *err);
void rg_snapshot_info_release(struct rg_snapshot_info *info);

#endif
