/*
 * xlsx.h - the Excel workbook of a pack (libxlsxwriter, constant memory).
 *
 * Sheet 1 is the cover: the pack's facts and, per section, its query file,
 * the query's SHA-256 and its row count. Then one sheet per section: a bold
 * header row, frozen panes, an autofilter, the template's widths and
 * formats, highlighted rows, a native bar chart where asked. A section of
 * more than 1,048,575 rows continues on "<sheet> (2)", "(3)"... Rows are
 * written as they come and not kept: memory stays flat.
 *
 * Sections are written one after the other: rg_xlsx_begin(), rows,
 * rg_xlsx_end(). rg_xlsx_close() writes the cover (the row counts are known
 * by then) and the file. Times are shown as stored, in UTC.
 */
#ifndef RG_XLSX_H
#define RG_XLSX_H

#include "../util/err.h"
#include "../util/rows.h"
#include "report.h"

struct rg_xlsx;

/*
 * Starts the workbook at path; libxlsxwriter's temporary files go to tmpdir
 * (beside the output: they can reach gigabytes). m is borrowed until close.
 */
struct rg_xlsx *rg_xlsx_open(const char *path, const char *tmpdir,
                             const struct rg_report_meta *m,
                             struct rg_err *err);

/* Starts a section's sheet. s is borrowed until close. */
int rg_xlsx_begin(struct rg_xlsx *x, struct rg_report_section *s,
                  struct rg_err *err);

/* Writes one result row (s->nresult values). */
int rg_xlsx_row(struct rg_xlsx *x, const struct rg_value *row,
                struct rg_err *err);

/* Finishes the section: autofilter, chart. */
int rg_xlsx_end(struct rg_xlsx *x, struct rg_err *err);

/* Writes the cover and the file, and frees x (also on failure). */
int rg_xlsx_close(struct rg_xlsx *x, struct rg_err *err);

/* Frees x without writing (after a failure elsewhere). NULL-safe. */
void rg_xlsx_abandon(struct rg_xlsx *x);

#endif
