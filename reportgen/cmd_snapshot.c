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
        fprintf(f, "       sha256 %s  fetched %s\n", s->sha256 ? s->sha256 : "-",
                s->fetched_at);
        if (s->dangling > 0)
            fprintf(f, "       %lld rows left out: they name unknown objects "
                       "(see dangling_reference)\n",
                    (long long)s->dangling);
        if (s->expected >= 0 && s->expected != s->rows)
            fprintf(f, "       warning: the source announced %lld rows\n",
                    (long long)s->expected);
    }
    fprintf(f, "\nentities\n");
    for (size_t i = 0; i < in->nentities; i++)
        fprintf(f, "  %-27s %9lld\n", in->entities[i].name,
                (long long)in->entities[i].rows);
}

static void
print_json(const char *path, const struct rg_snapshot_info *in, FILE *f)
{
    fputs("{\"snapshot\":", f);
    rg_json_str(f, path);
    fputs(",\"sha256\":", f);
    rg_json_str(f, in->sha256);
    fputs(",\"tenant\":", f);
    rg_json_str(f, in->tenant_name);
    fputs(",\"tenant_id\":", f);
    rg_json_str(f, in->tenant_id);
    fputs(",\"as_of\":", f);
    rg_json_str(f, in->as_of);
    fputs(",\"collected_at\":", f);
    rg_json_str(f, in->collected_at);
    fputs(",\"reportgen_version\":", f);
    rg_json_str(f, in->version);
    fprintf(f, ",\"schema_version\":%d,\"sources\":[", in->schema_version);
    for (size_t i = 0; i < in->nsources; i++) {
        const struct rg_source_info *s = &in->sources[i];

        fprintf(f, "%s{\"id\":%lld,\"kind\":", i ? "," : "", (long long)s->id);
        rg_json_str(f, s->kind);
        fputs(",\"entity\":", f);
        rg_json_str(f, s->entity);
        fputs(",\"locator\":", f);
        rg_json_str(f, s->locator);
        fputs(",\"fetched_at\":", f);
        rg_json_str(f, s->fetched_at);
        fputs(",\"sha256\":", f);
        rg_json_str(f, s->sha256);
        fputs(",\"bytes\":", f);
        rg_json_int(f, s->bytes, 0);
        fputs(",\"rows\":", f);
        rg_json_int(f, s->rows, 0);
        fputs(",\"expected_rows\":", f);
        rg_json_int(f, s->expected, 1);
        fputs(",\"dangling\":", f);
        rg_json_int(f, s->dangling, 0);
        fputc('}', f);
    }
    fputs("],\"entities\":{", f);
    for (size_t i = 0; i < in->nentities; i++) {
        fprintf(f, "%s", i ? "," : "");
        rg_json_str(f, in->entities[i].name);
        fputc(':', f);
        rg_json_int(f, in->entities[i].rows, 0);
    }
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
        return rg_cmd_usage_error("snapshot", argc < 2
                                                  ? "missing subcommand 'info'"
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
