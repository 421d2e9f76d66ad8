/*
 * fuzz_template.c - libFuzzer target: the template parser, then parameter
 * resolution and substitution on whatever template parses.
 *
 * Input: a template, then optionally a NUL and "NAME=VALUE" assignments
 * separated by newlines. Every failure must say why; every accepted query
 * path must stay inside its folder.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query/query.h"
#include "query/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), *assigns, *save;
    const char *list[16];
    size_t n = 0;
    struct rg_err err;
    struct rg_template *t;
    struct rg_bound *b = NULL;

    memcpy(text, data, size);
    text[size] = '\0';
    assigns = text + strlen(text) + (strlen(text) < size ? 1 : 0);
    rg_err_init(&err);
    t = rg_template_parse("f.ini", text, &err);
    if (!t && err.code == RG_OK)
        abort();
    if (t) {
        for (size_t i = 0; i < t->nsections; i++)
            if (!rg_path_is_contained(t->sections[i].query))
                abort();
        for (char *line = strtok_r(assigns, "\n", &save); line && n < 16;
             line = strtok_r(NULL, "\n", &save))
            list[n++] = line;
        rg_err_init(&err);
        if (rg_params_resolve(t, list, n, "2026-11-01T00:00:00Z", &b, &err) ==
            0) {
            char *s = rg_substitute(t->title, b, t->nparams,
                                    "2026-11-01T00:00:00Z", "T");

            if (!s)
                abort();
            free(s);
            rg_bound_free(b, t->nparams);
        } else if (err.code == RG_OK) {
            abort();
        }
    }
    rg_template_free(t);
    free(text);
    return 0;
}
