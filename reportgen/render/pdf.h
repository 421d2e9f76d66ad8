/*
 * pdf.h - the PDF report of a pack (libharu, DejaVu Sans embedded).
 *
 * A4 landscape: a cover page with the same facts as the workbook's cover,
 * a table of contents, then per section a heading, its row count and a
 * table whose header repeats on every page; cells too long for their column
 * end in an ellipsis. Long sections stop at the template's row limit with a
 * note of how many more rows the workbook holds. A bar chart where the
 * template asks for one, an appendix with every query's SQL and the
 * parameters, and a sign-off block. Every page has a footer: pack id,
 * "page N of M" and the first 16 hex digits of the snapshot's SHA-256.
 *
 * libharu keeps the whole document in memory until it is saved (about 33
 * KiB a page); the template's row limits keep that bounded.
 */
#ifndef RG_PDF_H
#define RG_PDF_H

#include <stddef.h>

#include "../util/err.h"
#include "../util/rows.h"
#include "report.h"

#define RG_PDF_FONT_DIR "/usr/share/fonts/truetype/dejavu"

struct rg_pdf;

/*
 * Starts the document for path (written by rg_pdf_close()). nsections is how
 * many sections will follow (for the contents page). m is borrowed until
 * close. Fonts come from font_dir (RG_PDF_FONT_DIR when NULL).
 */
struct rg_pdf *rg_pdf_open(const char *path, const char *font_dir,
                           const struct rg_report_meta *m, size_t nsections,
                           struct rg_err *err);

int rg_pdf_begin(struct rg_pdf *p, struct rg_report_section *s,
                 struct rg_err *err);
int rg_pdf_row(struct rg_pdf *p, const struct rg_value *row,
               struct rg_err *err);
int rg_pdf_end(struct rg_pdf *p, int64_t rows, struct rg_err *err);

/* Writes the appendix, contents, footers and the file; frees p. */
int rg_pdf_close(struct rg_pdf *p, struct rg_err *err);

void rg_pdf_abandon(struct rg_pdf *p); /* NULL-safe */

/*
 * libharu 2.3.0 gives UTF-8 TrueType fonts a ToUnicode CMap that maps every
 * code to CID 0 (with `begincidrange`, which a ToUnicode CMap may not use):
 * poppler warns on every page and other readers cannot extract text. Its
 * codes are Unicode (BMP) values, so the right CMap is the identity. This
 * appends an incremental update to the PDF in *buf (from malloc(), *len
 * bytes) replacing every ToUnicode stream with that one. Returns 0, or -1
 * when the PDF is not laid out as libharu writes it.
 */
int rg_pdf_fix_tounicode(char **buf, size_t *len, struct rg_err *err);

#endif
