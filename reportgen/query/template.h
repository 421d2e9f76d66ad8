/*
 * template.h - pack templates: the INI files in templates/ that say what a
 * pack holds (docs/templates.md).
 *
 * A template names its parameters and its sections; each section runs one
 * query file from queries/ and says how to show the result: sheet, column
 * titles, formats and widths, PDF inclusion and row limit, highlighting,
 * chart. Loading checks everything a template can get wrong and names the
 * file and line. A template and everything in it is owned by the struct
 * and freed by rg_template_free().
 */
#ifndef RG_TEMPLATE_H
#define RG_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"
#include "../util/rows.h"

#define RG_TEMPLATE_MAX_BYTES (256 * 1024)
#define RG_TEMPLATE_MAX_SECTIONS 64
#define RG_TEMPLATE_MAX_PARAMS 32
#define RG_TEMPLATE_MAX_COLUMNS 64
#define RG_TEMPLATE_MAX_VALUES 32
/*
 * Rows a section shows in the PDF unless its template says otherwise: the
 * PDF is built in memory (about 20-30 KiB a page), the workbook holds all.
 */
#define RG_TEMPLATE_PDF_ROWS 5000

enum rg_param_type {
    RG_PARAM_DATE,
    RG_PARAM_INT,
    RG_PARAM_TEXT,
    RG_PARAM_BOOL
};

struct rg_param {
    char *name;
    enum rg_param_type type;
    char *dflt;        /* may be NULL (then required) or "snapshot.as_of" */
    char *description; /* may be NULL */
    char **values;     /* text: the only values allowed, or NULL */
    size_t nvalues;
    int has_min, has_max; /* int: the bounds given */
    int64_t min, max;
    char *not_before; /* date: another date parameter it may not precede */
};

struct rg_column {
    char *name;  /* the result column (SQL alias) */
    char *title; /* the heading shown */
    enum rg_format format;
    double width;  /* in characters, as Excel counts them */
    int input;     /* an input column: blank and editable in the workbook */
    char *choices; /* an input column's allowed values ("Keep, Remove"), or
                      NULL for free text */
    int no_pdf;    /* left out of the PDF (pdf_columns) */
};

struct rg_section {
    char *name;        /* [section NAME] */
    char *title;       /* may hold {substitutions} */
    char *description; /* may be NULL */
    char *query;       /* path below the queries folder */
    char *sheet;       /* Excel sheet name, at most 31 characters */
    struct rg_column *cols;
    size_t ncols;
    int pdf;           /* shown in the PDF */
    int64_t pdf_rows;  /* rows shown in the PDF at most; 0: all (default
                          RG_TEMPLATE_PDF_ROWS) */
    char *highlight;   /* a result column: rows where it is true stand out */
    char *chart_label; /* bar chart: label column, or NULL for none */
    char *chart_value; /* bar chart: count column */
    char *split;       /* a result column: one workbook per value, or NULL */
    char *pdf_columns; /* the columns the PDF shows ("a, b"), or NULL: all */
    int line;          /* where the section starts in the file */
};

struct rg_template {
    char *path; /* the file it came from */
    char *id, *title, *description, *audience;
    struct rg_param *params;
    size_t nparams;
    struct rg_section *sections;
    size_t nsections;
    char *text; /* rg_template_load(): the file's bytes, else NULL */
    size_t text_len;
};

/*
 * Loads and checks the template file at path. Returns NULL with err naming
 * the file and line on any mistake (RG_ERR_INPUT), or when it cannot be
 * read (RG_ERR_IO).
 */
struct rg_template *rg_template_load(const char *path, struct rg_err *err);

/* Parses a template held in memory, path naming it (for tests, fuzzing). */
struct rg_template *rg_template_parse(const char *path, const char *text,
                                      struct rg_err *err);

void rg_template_free(struct rg_template *t); /* NULL-safe */

/* The parameter called name, or NULL. */
const struct rg_param *rg_template_param(const struct rg_template *t,
                                         const char *name);

const char *rg_param_type_name(enum rg_param_type type);
const char *rg_format_name(enum rg_format f);

/*
 * A relative path that stays inside its folder: not empty, not absolute, no
 * ".." component, no backslash. Returns 1 or 0.
 */
int rg_path_is_contained(const char *p);

#endif
