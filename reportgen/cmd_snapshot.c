/*
 * cmd_snapshot.c - `reportgen snapshot info`: what a snapshot holds and
 * where it came from.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "store/store.h"
#include "util/json.h"

static void
print_text(const char *path, const struct rg_snapshot_info *in, FILE *f)
{
    fprintf(f, "snapshot      %s\n", path);
    fprintf(f, "sha256        %s\n", in->sha256);
    fprintf(f, "tenant        %s\n", in->tenant_name ? in->tenant_name : "-");
    fprintf(f, "tenant id     %s\n", in->tenant_id ? in->tenant_id : "-");
    fprintf(f, "as of         %s\n", in->as_of ? in->as_of : "-");
    fprintf(f, "collected at  %s\n", in->collected_at ? in->collected_at : "-");
    fprintf(f, "written by    reportgen %s (snapshot schema %d)\n",
            in->version ? in->version : "?", in->schema_version);
    fprintf(f, "\nsources (%zu)\n", in->nsources);
    for (size_t i = 0; i < in->nsources; i++) {
        const struct rg_source_info *s = &in->sources[i];

        fprintf(f, "  %-4lld %-5s %-27s %9lld rows  %s\n", (long long)s->id,
                s->kind, s->entity, (long long)s->rows, s->locator);
        fprintf(f, "       sha256 %s  fetched %s\n",
                s->sha256 ? s->sha256 : "-", s->fetched_at);
        if (s->dangling > 0)
            fprintf(f,
                    "       %lld rows left out: they name unknown objects "
                    "(see dangling_reference)\n",
                    (long long)s->dangling);
        if (s->expected >= 0 && s->expected != s->rows)
            fprintf(f, "       warning: the source announced %lld rows\n",
                    (long long)s->expected);
        if (s->note)
            fprintf(f, "       warning: %s\n", s->note);
    }
    fprintf(f, "\nentities\n");
    for (size_t i = 0; i < in->nentities; i++)
        fprintf(f, "  %-27s %9lld\n", in->entities[i].name,
                (long long)in->entities[i].rows);
}

static void
print_json(const char *path, const struct rg_snapshot_info *in, FILE *f)
{
    int n = 0;

    fputc('{', f);
    rg_json_kstr(f, &n, "snapshot", path);
    rg_json_kstr(f, &n, "sha256", in->sha256);
    rg_json_kstr(f, &n, "tenant", in->tenant_name);
    rg_json_kstr(f, &n, "tenant_id", in->tenant_id);
    rg_json_kstr(f, &n, "as_of", in->as_of);
    rg_json_kstr(f, &n, "collected_at", in->collected_at);
    rg_json_kstr(f, &n, "reportgen_version", in->version);
    rg_json_kint(f, &n, "schema_version", in->schema_version, 0);
    fputs(",\"sources\":[", f);
    for (size_t i = 0; i < in->nsources; i++) {
        const struct rg_source_info *s = &in->sources[i];
        int m = 0;

        fputs(i ? ",{" : "{", f);
        rg_json_kint(f, &m, "id", s->id, 0);
        rg_json_kstr(f, &m, "kind", s->kind);
        rg_json_kstr(f, &m, "entity", s->entity);
        rg_json_kstr(f, &m, "locator", s->locator);
        rg_json_kstr(f, &m, "fetched_at", s->fetched_at);
        rg_json_kstr(f, &m, "sha256", s->sha256);
        rg_json_kint(f, &m, "bytes", s->bytes, 0);
        rg_json_kint(f, &m, "rows", s->rows, 0);
        rg_json_kint(f, &m, "expected_rows", s->expected, 1);
        rg_json_kint(f, &m, "dangling", s->dangling, 0);
        rg_json_kstr(f, &m, "note", s->note);
        fputc('}', f);
    }
    fputs("],\"entities\":{", f);
    n = 0;
    for (size_t i = 0; i < in->nentities; i++)
        rg_json_kint(f, &n, in->entities[i].name, in->entities[i].rows, 0);
    fputs("}}\n", f);
}

int
rg_cmd_snapshot_info(const char *path, int json, struct rg_err *err)
{
    struct rg_store *st = rg_store_open(path, err);
    struct rg_snapshot_info info;
    int ret = -1;

    if (!st)
        return -1;
    if (rg_store_info(st, &info, err) == 0) {
        if (json)
            print_json(path, &info, stdout);
        else
            print_text(path, &info, stdout);
        ret = 0;
    }
    rg_snapshot_info_release(&info);
    rg_store_close(st);
    return ret;
}

int
cmd_snapshot(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0;
    struct rg_err err;

    rg_err_init(&err);
    if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
        rg_cmd_print_usage("snapshot", stdout);
        return RG_EXIT_OK;
    }
    if (argc < 2 || strcmp(argv[1], "info") != 0)
        return rg_cmd_usage_error("snapshot",
                                  argc < 2 ? "missing subcommand 'info'"
                                           : "unknown subcommand '%s'",
                                  argc < 2 ? "" : argv[1]);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (argv[i][0] == '-' && argv[i][1])
            return rg_cmd_usage_error("snapshot", "unknown option '%s'",
                                      argv[i]);
        else if (path)
            return rg_cmd_usage_error("snapshot", "unexpected argument '%s'",
                                      argv[i]);
        else
            path = argv[i];
    }
    if (!path)
        return rg_cmd_usage_error("snapshot", "missing SNAPSHOT.db");
    if (rg_cmd_snapshot_info(path, json, &err) < 0)
        return rg_cmd_report(&err);
    return RG_EXIT_OK;
}
