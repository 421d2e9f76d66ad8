/*
 * cmd_collect.c - `reportgen collect`: sources into a new sealed snapshot.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "collect/csvload.h"
#include "store/store.h"

static void
print_warning(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "reportgen: warning: %s\n", msg);
}

int
rg_cmd_collect_run(const struct rg_collect_job *job, struct rg_err *err)
{
    char now[RG_ISO_TIME_LEN];
    struct rg_store *st = NULL;
    struct rg_row_sink sink;
    struct rg_csvload_opts lo;
    struct rg_snapshot_meta meta;
    int ret = -1;

    if (rg_cmd_now(now, err) < 0)
        return -1;
    if (!(st = rg_store_create(job->out, job->force, now, err)))
        return -1;
    rg_cmd_cleanup_on_signal(rg_store_temp_path(st));
    rg_store_sink(st, &sink);
    memset(&lo, 0, sizeof(lo));
    lo.dirs = job->csv_dirs;
    lo.ndirs = job->ncsv_dirs;
    lo.date_format = job->date_format;
    lo.allow_dangling = job->allow_dangling;
    lo.warn = print_warning;
    if (rg_csv_load(&lo, &sink, err) < 0)
        goto done;
    meta.tenant_id = job->tenant_id;
    meta.tenant_name = job->tenant;
    meta.as_of = job->as_of[0] ? job->as_of : now;
    meta.collected_at = now;
    if (rg_store_seal(st, &meta, err) < 0)
        goto done;
    ret = 0;
done:
    rg_store_close(st);
    rg_cmd_cleanup_on_signal(NULL);
    return ret;
}

int
cmd_collect(int argc, char **argv)
{
    static const struct option opts[] = {
        { "csv", required_argument, NULL, 'c' },
        { "out", required_argument, NULL, 'o' },
        { "tenant", required_argument, NULL, 't' },
        { "tenant-id", required_argument, NULL, 'T' },
        { "as-of", required_argument, NULL, 'a' },
        { "date-format", required_argument, NULL, 'd' },
        { "allow-dangling", no_argument, NULL, 'D' },
        { "force", no_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct rg_collect_job job;
    struct rg_err err;
    const char **dirs = calloc((size_t)argc, sizeof(*dirs));
    int c, ret;

    rg_err_init(&err);
    memset(&job, 0, sizeof(job));
    if (!dirs) {
        fputs("reportgen: out of memory\n", stderr);
        return RG_EXIT_FAIL;
    }
    job.csv_dirs = dirs;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            dirs[job.ncsv_dirs++] = optarg;
            break;
        case 'o':
            job.out = optarg;
            break;
        case 't':
            job.tenant = optarg;
            break;
        case 'T':
            job.tenant_id = optarg;
            break;
        case 'a':
            if (rg_cmd_parse_time("--as-of", optarg, job.as_of, &err) < 0)
                goto fail;
            break;
        case 'd':
            if (rg_tm_check_fmt(optarg, &err) < 0)
                goto fail;
            job.date_format = optarg;
            break;
        case 'D':
            job.allow_dangling = 1;
            break;
        case 'f':
            job.force = 1;
            break;
        case 'h':
            free(dirs);
            rg_cmd_print_usage("collect", stdout);
            return RG_EXIT_OK;
        default:
            free(dirs);
            return rg_cmd_usage_error("collect",
                                      "unknown or incomplete option '%s'",
                                      argv[optind - 1]);
        }
    }
    if (optind < argc) {
        free(dirs);
        return rg_cmd_usage_error("collect", "unexpected argument '%s'",
                                  argv[optind]);
    }
    if (!job.out) {
        free(dirs);
        return rg_cmd_usage_error("collect", "missing --out SNAPSHOT.db");
    }
    if (job.ncsv_dirs == 0) {
        free(dirs);
        return rg_cmd_usage_error("collect",
                                  "nothing to collect: give --csv DIR");
    }
    if (rg_cmd_collect_run(&job, &err) < 0)
        goto fail;
    free(dirs);
    printf("wrote snapshot '%s'\n", job.out);
    return RG_EXIT_OK;

fail:
    free(dirs);
    ret = rg_cmd_report(&err);
    return ret;
}
