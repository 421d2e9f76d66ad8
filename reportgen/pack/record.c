/*
 * record.c - run.json (see record.h).
 */
#include "record.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../util/json.h"

/* "  key": value, on its own line; the first of an object has no comma. */
static void
kstr(FILE *f, int indent, int *n, const char *key, const char *value)
{
    fprintf(f, "%s\n%*s", (*n)++ ? "," : "", indent, "");
    rg_json_str(f, key);
    fputs(": ", f);
    rg_json_str(f, value);
}

static void
kint(FILE *f, int indent, int *n, const char *key, int64_t v, int null_neg)
{
    fprintf(f, "%s\n%*s", (*n)++ ? "," : "", indent, "");
    rg_json_str(f, key);
    fputs(": ", f);
    rg_json_int(f, v, null_neg);
}

/* Opens "key": followed by an object or array. */
static void
kopen(FILE *f, int indent, int *n, const char *key, const char *bracket)
{
    fprintf(f, "%s\n%*s", (*n)++ ? "," : "", indent, "");
    rg_json_str(f, key);
    fprintf(f, ": %s", bracket);
}

static void
write_snapshot(FILE *f, const struct rg_snapshot_info *s)
{
    int n = 0;

    kstr(f, 4, &n, "sha256", s->sha256);
    kstr(f, 4, &n, "tenant_id", s->tenant_id);
    kstr(f, 4, &n, "tenant", s->tenant_name);
    kstr(f, 4, &n, "as_of", s->as_of);
    kstr(f, 4, &n, "collected_at", s->collected_at);
    kstr(f, 4, &n, "collected_by", s->version);
    kint(f, 4, &n, "schema_version", s->schema_version, 0);
    kopen(f, 4, &n, "sources", "[");
    for (size_t i = 0; i < s->nsources; i++) {
        const struct rg_source_info *src = &s->sources[i];
        int m = 0;

        fprintf(f, "%s\n      {", i ? "," : "");
        kint(f, 8, &m, "id", src->id, 0);
        kstr(f, 8, &m, "kind", src->kind);
        kstr(f, 8, &m, "entity", src->entity);
        kstr(f, 8, &m, "locator", src->locator);
        kstr(f, 8, &m, "fetched_at", src->fetched_at);
        kstr(f, 8, &m, "sha256", src->sha256);
        kint(f, 8, &m, "bytes", src->bytes, 1);
        kint(f, 8, &m, "rows", src->rows, 1);
        kint(f, 8, &m, "expected_rows", src->expected, 1);
        kint(f, 8, &m, "dangling_rows", src->dangling, 0);
        fputs("\n      }", f);
    }
    fputs(s->nsources ? "\n    ]" : "]", f);
}

static void
write_section(FILE *f, const struct rg_record_section *s)
{
    int n = 0;

    kstr(f, 6, &n, "name", s->name);
    kstr(f, 6, &n, "title", s->title);
    kstr(f, 6, &n, "query_file", s->query_file);
    kstr(f, 6, &n, "sql_sha256", s->sql_sha256);
    kopen(f, 6, &n, "columns", "[");
    for (size_t c = 0; c < s->ncolumns; c++) {
        fputs(c ? ", " : "", f);
        rg_json_str(f, s->columns[c]);
    }
    fputs("]", f);
    kint(f, 6, &n, "rows", s->rows, 0);
    kstr(f, 6, &n, "result_form", "rg-result-v1");
    kstr(f, 6, &n, "result_sha256", s->result_sha256);
    kstr(f, 6, &n, "sheet", s->sheet);
    kstr(f, 6, &n, "extract", s->extract);
    kopen(f, 6, &n, "in_pdf", s->in_pdf ? "true" : "false");
    if (!s->split)
        return;
    kstr(f, 6, &n, "split_by", s->split);
    kopen(f, 6, &n, "workbooks", "[");
    for (size_t i = 0; i < s->nworkbooks; i++) {
        const struct rg_record_workbook *w = &s->workbooks[i];
        int m = 0;

        fprintf(f, "%s\n        {", i ? "," : "");
        if (w->value)
            kstr(f, 10, &m, "value", w->value);
        else
            kopen(f, 10, &m, "value", "null");
        kstr(f, 10, &m, "file", w->file);
        kint(f, 10, &m, "rows", w->rows, 0);
        fputs("\n        }", f);
    }
    fputs(s->nworkbooks ? "\n      ]" : "]", f);
}

int
rg_record_write(const char *path, const struct rg_record *r, struct rg_err *err)
{
    FILE *f = fopen(path, "wb");
    int n = 0, m, bad;

    if (!f)
        return rg_fail(err, RG_ERR_IO, "cannot create '%s': %s", path,
                       strerror(errno));
    fputs("{", f);
    kstr(f, 2, &n, "format", "reportgen-run/1");
    kstr(f, 2, &n, "pack_id", r->pack_id);
    kstr(f, 2, &n, "generated_at", r->generated_at);
    kstr(f, 2, &n, "generated_by", r->version);
    kopen(f, 2, &n, "template", "{");
    m = 0;
    kstr(f, 4, &m, "id", r->template_id);
    kstr(f, 4, &m, "title", r->title);
    kstr(f, 4, &m, "file", r->template_file);
    kstr(f, 4, &m, "sha256", r->template_sha256);
    fputs("\n  }", f);
    kopen(f, 2, &n, "parameters", "[");
    for (size_t i = 0; i < r->nparams; i++) {
        m = 0;
        fprintf(f, "%s\n    {", i ? "," : "");
        kstr(f, 6, &m, "name", r->params[i].name);
        kstr(f, 6, &m, "type", r->params[i].type);
        kstr(f, 6, &m, "value", r->params[i].value);
        fputs("\n    }", f);
    }
    fputs(r->nparams ? "\n  ]" : "]", f);
    kopen(f, 2, &n, "snapshot", "{");
    write_snapshot(f, r->snapshot);
    fputs("\n  }", f);
    kopen(f, 2, &n, "warnings", "[");
    m = 0;
    for (size_t i = 0; i < r->snapshot->nsources; i++) {
        const struct rg_source_info *s = &r->snapshot->sources[i];

        if (s->note) {
            int k = 0;

            fprintf(f, "%s\n    {", m++ ? "," : "");
            kint(f, 6, &k, "source", s->id, 0);
            kstr(f, 6, &k, "what", s->note);
            fputs("\n    }", f);
        }
        if (s->expected < 0 || s->expected == s->rows)
            continue;
        fprintf(f, "%s\n    {", m++ ? "," : "");
        {
            int k = 0;

            kint(f, 6, &k, "source", s->id, 0);
            kstr(f, 6, &k, "what",
                 "the source announced another number "
                 "of rows than arrived");
            kint(f, 6, &k, "announced", s->expected, 0);
            kint(f, 6, &k, "arrived", s->rows, 0);
        }
        fputs("\n    }", f);
    }
    fputs(m ? "\n  ]" : "]", f);
    kopen(f, 2, &n, "outputs", "{");
    m = 0;
    kstr(f, 4, &m, "xlsx", r->xlsx);
    kstr(f, 4, &m, "pdf", r->pdf);
    fputs("\n  }", f);
    kopen(f, 2, &n, "sections", "[");
    for (size_t i = 0; i < r->nsections; i++) {
        fprintf(f, "%s\n    {", i ? "," : "");
        write_section(f, &r->sections[i]);
        fputs("\n    }", f);
    }
    fputs(r->nsections ? "\n  ]" : "]", f);
    fputs("\n}\n", f);
    bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return rg_fail(err, RG_ERR_IO, "cannot write '%s': %s", path,
                       strerror(errno));
    return 0;
}
