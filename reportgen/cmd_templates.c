/*
 * cmd_templates.c - `reportgen templates`: what packs can be made, and with
 * which parameters.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "query/template.h"
#include "util/fs.h"

static int
cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
cmd_templates(int argc, char **argv)
{
    static const struct option opts[] = {
        { "templates", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir = NULL;
    char buf[4096], **names = NULL;
    size_t n = 0;
    DIR *d;
    struct dirent *de;
    int c, code = RG_EXIT_OK;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 't') {
            dir = optarg;
        } else if (c == 'h') {
            rg_cmd_print_usage("templates", stdout);
            return RG_EXIT_OK;
        } else {
            return rg_cmd_usage_error("templates",
                                      "unknown or incomplete option '%s'",
                                      argv[optind - 1]);
        }
    }
    if (optind < argc)
        return rg_cmd_usage_error("templates", "unexpected argument '%s'",
                                  argv[optind]);
    if (!dir) {
        snprintf(buf, sizeof(buf), "%s/templates", rg_cmd_datadir());
        dir = rg_is_dir("templates") ? "templates" : buf;
    }
    if (!(d = opendir(dir))) {
        fprintf(stderr, "reportgen: cannot open folder '%s'\n", dir);
        return RG_EXIT_FAIL;
    }
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        char **nn;

        if (len < 5 || strcmp(de->d_name + len - 4, ".ini") != 0)
            continue;
        if (!(nn = realloc(names, (n + 1) * sizeof(*nn))) ||
            !(nn[n] = strdup(de->d_name))) {
            names = nn ? nn : names;
            code = RG_EXIT_FAIL;
            break;
        }
        names = nn;
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp);
    for (size_t i = 0; i < n && code == RG_EXIT_OK; i++) {
        struct rg_err err;
        struct rg_template *t;

        rg_err_init(&err);
        if (rg_pathf(&err, buf, sizeof(buf), "%s/%s", dir, names[i]) < 0 ||
            !(t = rg_template_load(buf, &err))) {
            code = rg_cmd_report(&err);
            break;
        }
        printf("%s\n    %s\n", t->id, t->title);
        for (size_t k = 0; k < t->nparams; k++) {
            const struct rg_param *p = &t->params[k];

            printf("    --param %s=<", p->name);
            for (size_t v = 0; v < p->nvalues; v++)
                printf("%s%s", v ? "|" : "", p->values[v]);
            printf("%s>", p->nvalues ? "" : rg_param_type_name(p->type));
            if (p->has_min && p->has_max)
                printf("  (%lld to %lld)", (long long)p->min,
                       (long long)p->max);
            else if (p->has_min)
                printf("  (at least %lld)", (long long)p->min);
            else if (p->has_max)
                printf("  (at most %lld)", (long long)p->max);
            if (p->not_before)
                printf("  (not before %s)", p->not_before);
            if (p->dflt)
                printf("  (default %s)", *p->dflt ? p->dflt : "empty");
            if (p->description)
                printf("  %s", p->description);
            printf("\n");
        }
        rg_template_free(t);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return code;
}
