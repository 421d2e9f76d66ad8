/*
 * report.h - what the renderers are told about a pack and its sections.
 *
 * The same facts go on the XLSX cover sheet and the PDF cover page: where
 * the data came from (snapshot digest, tenant, as-of), when and how the
 * report was made (generated-at, template, parameters), and per section the
 * query file, its SHA-256 and the number of rows. All strings are borrowed
 * and must outlive the renderer they are given to.
 */
#ifndef RG_REPORT_H
#define RG_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "../util/rows.h"

struct rg_report_param {
    const char *name;
    const char *value; /* as shown */
};

struct rg_report_meta {
    const char *pack_id;
    const char *title, *description, *audience; /* description, audience
                                                   may be NULL */
    const char *tenant;                         /* may be NULL */
    const char *as_of;                          /* UTC ISO 8601 */
    const char *generated_at;                   /* UTC ISO 8601 */
    const char *template_id;
    const char *snapshot_sha256;
    const char *version; /* reportgen's */
    const struct rg_report_param *params;
    size_t nparams;
};

struct rg_report_column {
    const char *title;
    enum rg_format format;
    double width;        /* characters */
    size_t src;          /* its index in a result row; unused for an input */
    int input;           /* blank, for the reader to fill in (workbook) */
    const char *choices; /* an input's allowed values, "A, B", or NULL */
    int no_pdf;          /* shown in the workbook only */
};

struct rg_report_section {
    const char *name, *title, *description; /* description may be NULL */
    const char *sheet;
    const char *query_file, *query_sha256, *sql;
    const struct rg_report_column *cols;
    size_t ncols;
    const char *const *result_names; /* every result column, for CSV */
    size_t nresult;
    int highlight;                /* result index, or -1 */
    int chart_label, chart_value; /* result indexes, or -1 */
    int pdf;                      /* shown in the PDF */
    int64_t pdf_rows;             /* at most this many in the PDF; 0 all */
    int64_t rows;                 /* set when the section is written */
};

/*
 * Parses a stored time or date ("YYYY-MM-DDTHH:MM:SSZ", "YYYY-MM-DD") for
 * display. Returns 0 and fills the fields, or -1 for anything else.
 */
int rg_report_time(const char *s, size_t len, int *y, int *mo, int *d, int *h,
                   int *mi, int *sec, int *has_time);

/*
 * Formats a value for reading (PDF, cover sheet): times as
 * "YYYY-MM-DD HH:MM", booleans as Yes/No, NULL as empty. Writes at most
 * outsz - 1 bytes; returns out.
 */
const char *rg_report_show(const struct rg_value *v, enum rg_format f,
                           char *out, size_t outsz);

#endif
