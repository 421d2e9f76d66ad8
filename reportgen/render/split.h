/*
 * split.h - a section written as one workbook per value of a result column
 * (a recertification: one workbook per reviewer).
 *
 * The rows must come grouped by the column's value (ORDER BY it): each
 * value's rows go into DATA/FOLDER/<name>.xlsx, a workbook with its own
 * cover and the section's sheet, opened when the value first appears and
 * closed when the next one does, so memory stays flat. Rows whose value is
 * NULL or empty go to FOLDER/unassigned.xlsx: never dropped. A value that
 * comes back after another one is an error naming the query. The file name
 * is the value made safe (lowercase ASCII letters, digits, '.', '-', '_',
 * '@'; Danish letters spelled out: æ ae, ø oe, å aa), with "-2", "-3" when
 * two values come out the same.
 *
 * Then the pack's own workbook and PDF show an index in the section's
 * place: per workbook, the value, the file and its number of rows.
 */
#ifndef RG_SPLIT_H
#define RG_SPLIT_H

#include "../util/err.h"
#include "../util/rows.h"
#include "pdf.h"
#include "report.h"
#include "xlsx.h"

struct rg_split;

struct rg_split_book {
    char *value; /* NULL: the rows without a value */
    char *file;  /* relative to the data folder: "FOLDER/name.xlsx" */
    int64_t rows;
};

/*
 * Starts splitting section s (borrowed, as are m and the strings) by result
 * column col, whose title is col_title. Workbooks go below data/folder
 * (copied);
 * libxlsxwriter's temporary files to tmpdir.
 */
struct rg_split *rg_split_new(const char *data, const char *folder,
                              const char *tmpdir,
                              const struct rg_report_meta *m,
                              const struct rg_report_section *s, int col,
                              const char *col_title, struct rg_err *err);

/* Writes one result row into its value's workbook. */
int rg_split_row(struct rg_split *sp, const struct rg_value *row,
                 struct rg_err *err);

/*
 * Closes the last workbook, then writes the index into x and pdf (either
 * may be NULL) as the section. total is the section's row count.
 */
int rg_split_finish(struct rg_split *sp, struct rg_xlsx *x, struct rg_pdf *pdf,
                    int64_t total, struct rg_err *err);

size_t rg_split_count(const struct rg_split *sp);
const struct rg_split_book *rg_split_book(const struct rg_split *sp, size_t i);

/* Frees sp, abandoning a workbook still open. NULL-safe. */
void rg_split_free(struct rg_split *sp);

#endif
