/*
 * record.h - run.json, the pack's record of how its reports were made
 * (what auditors call the IPE record: information produced by the entity).
 *
 * It names the snapshot (SHA-256 and every source it was collected from),
 * the template and the parameters as bound, and per section the query
 * file, the SHA-256 of its SQL, the result's column names, its row count
 * and the SHA-256 of the result in the canonical form "rg-result-v1"
 * (rg_query_digest()), so an auditor who re-runs the SQL can compare.
 * Everything in it follows from the inputs: the same inputs give the same
 * bytes. How long each query took does not, so timings go into
 * bag-info.txt instead. The format is in docs/pack-format.md.
 */
#ifndef RG_RECORD_H
#define RG_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "../store/store.h"
#include "../util/err.h"

struct rg_record_param {
    const char *name, *type, *value;
};

/* One workbook of a section split by a column's values. */
struct rg_record_workbook {
    const char *value; /* NULL: the rows without a value */
    const char *file;  /* relative to data/ */
    int64_t rows;
};

struct rg_record_section {
    const char *name, *title;
    const char *query_file; /* relative to data/ ("queries/a/b.sql") */
    const char *sql_sha256;
    const char *result_sha256;  /* "rg-result-v1" */
    const char *const *columns; /* result column names */
    size_t ncolumns;
    int64_t rows;
    const char *sheet;   /* NULL without a workbook */
    const char *extract; /* relative to data/, NULL without extracts */
    int in_pdf;
    const char *split; /* the column rows were split by, or NULL */
    const struct rg_record_workbook *workbooks;
    size_t nworkbooks;
};

struct rg_record {
    const char *pack_id, *generated_at, *version;
    const char *template_id, *template_file, *template_sha256, *title;
    const struct rg_record_param *params;
    size_t nparams;
    const struct rg_snapshot_info *snapshot;
    const struct rg_record_section *sections;
    size_t nsections;
    const char *xlsx, *pdf; /* relative to data/; NULL when not written */
};

/* Writes the record as JSON to path. */
int rg_record_write(const char *path, const struct rg_record *r,
                    struct rg_err *err);

#endif
