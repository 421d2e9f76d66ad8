/*
 * cmd_collect.c - `reportgen collect`: sources into a new sealed snapshot.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "collect/csvload.h"
#include "collect/graph.h"
#include "store/store.h"

static void
print_warning(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "reportgen: warning: %s\n", msg);
}

struct progress {
    int tty, quiet;
    double last;
};

static void
show_progress(void *ctx, const char *line, int final)
{
    struct progress *p = ctx;
    struct timespec ts;
    double t;

    if (p->quiet)
        return;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    if (p->tty) {
        fprintf(stderr, "\rreportgen: %s\033[K%s", line, final ? "\n" : "");
    } else if (final || t - p->last >= 5.0) { /* a log, not a screen */
        fprintf(stderr, "reportgen: %s\n", line);
        p->last = t;
    }
}

static int
collect_graph(const struct rg_collect_job *job, struct rg_row_sink *sink,
              struct rg_err *err)
{
    struct rg_graphauth_opts ao;
    struct rg_graph_opts go;
    struct rg_graph_result res;
    struct rg_graphauth *auth;
    struct progress pr = { isatty(2), job->quiet, 0 };
    int ret;

    memset(&ao, 0, sizeof(ao));
    ao.login_url =
        job->login_url ? job->login_url : "https://login.microsoftonline.com";
    ao.tenant = job->tenant_id;
    ao.client_id = job->client_id;
    ao.secret_file = job->secret_file;
    ao.cert = job->client_cert;
    ao.key = job->client_key;
    ao.pass_file = job->key_pass_file;
    ao.ca_bundle = job->ca_bundle;
    if (!(auth = rg_graphauth_new(&ao, err)))
        return -1;
    memset(&go, 0, sizeof(go));
    go.graph_url =
        job->graph_url ? job->graph_url : "https://graph.microsoft.com";
    go.auth = auth;
    go.concurrency = job->concurrency;
    go.sign_in_activity = !job->no_sign_in;
    go.ca_bundle = job->ca_bundle;
    go.progress = show_progress;
    go.progress_ctx = &pr;
    go.warn = print_warning;
    ret = rg_graph_collect(&go, sink, &res, err);
    rg_graphauth_free(auth);
    return ret;
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
    rg_store_keep_raw(st, !job->no_raw);
    if (job->graph && collect_graph(job, &sink, err) < 0)
        goto done;
    memset(&lo, 0, sizeof(lo));
    lo.dirs = job->csv_dirs;
    lo.ndirs = job->ncsv_dirs;
    lo.date_format = job->date_format;
    lo.allow_dangling = job->allow_dangling;
    lo.directory_elsewhere = job->graph;
    lo.warn = print_warning;
    if (job->ncsv_dirs > 0 && rg_csv_load(&lo, &sink, err) < 0)
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

/*
 * Secrets and tokens travel only over TLS, except to this machine (tests,
 * a local proxy).
 */
static int
plain_http_allowed(const char *url)
{
    static const char *const loopback[] = { "http://127.0.0.1",
                                            "http://localhost",
                                            "http://[::1]" };

    if (strncmp(url, "http://", 7) != 0)
        return 1;
    for (size_t i = 0; i < sizeof(loopback) / sizeof(*loopback); i++) {
        size_t n = strlen(loopback[i]);

        if (strncmp(url, loopback[i], n) == 0 &&
            (url[n] == ':' || url[n] == '/' || url[n] == '\0'))
            return 1;
    }
    return 0;
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
        { "graph", no_argument, NULL, 'g' },
        { "tenant-name", required_argument, NULL, 'N' },
        { "client-id", required_argument, NULL, 'C' },
        { "client-secret-file", required_argument, NULL, 'S' },
        { "client-cert", required_argument, NULL, 'x' },
        { "client-key", required_argument, NULL, 'k' },
        { "key-pass-file", required_argument, NULL, 'P' },
        { "graph-url", required_argument, NULL, 'G' },
        { "login-url", required_argument, NULL, 'L' },
        { "graph-concurrency", required_argument, NULL, 'n' },
        { "no-sign-in-activity", no_argument, NULL, 'I' },
        { "no-raw", no_argument, NULL, 'R' },
        { "keep-raw", no_argument, NULL, 'K' },
        { "ca-bundle", required_argument, NULL, 'B' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct rg_collect_job job;
    struct rg_err err;
    const char **dirs = calloc((size_t)argc, sizeof(*dirs));
    const char *tenant_name = NULL;
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
        case 'g':
            job.graph = 1;
            break;
        case 'N':
            tenant_name = optarg;
            break;
        case 'C':
            job.client_id = optarg;
            break;
        case 'S':
            job.secret_file = optarg;
            break;
        case 'x':
            job.client_cert = optarg;
            break;
        case 'k':
            job.client_key = optarg;
            break;
        case 'P':
            job.key_pass_file = optarg;
            break;
        case 'G':
            job.graph_url = optarg;
            break;
        case 'L':
            job.login_url = optarg;
            break;
        case 'n': {
            char *end;
            long v = strtol(optarg, &end, 10);

            if (*end || v < 1 || v > 64) {
                free(dirs);
                return rg_cmd_usage_error(
                    "collect", "--graph-concurrency takes 1 to 64, not '%s'",
                    optarg);
            }
            job.concurrency = (int)v;
            break;
        }
        case 'I':
            job.no_sign_in = 1;
            break;
        case 'R':
            job.no_raw = 1;
            break;
        case 'K':
            job.no_raw = 0;
            break;
        case 'B':
            job.ca_bundle = optarg;
            break;
        case 'q':
            job.quiet = 1;
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
    if ((job.graph_url && !plain_http_allowed(job.graph_url)) ||
        (job.login_url && !plain_http_allowed(job.login_url))) {
        free(dirs);
        return rg_cmd_usage_error("collect",
                                  "--graph-url and --login-url must be "
                                  "https:// (plain http only to this "
                                  "machine)");
    }
    if (job.graph) {
        /* with --graph, --tenant names the directory to read */
        job.tenant_id = job.tenant ? job.tenant : job.tenant_id;
        job.tenant = tenant_name;
        if (!job.tenant_id || !job.client_id) {
            free(dirs);
            return rg_cmd_usage_error("collect",
                                      "--graph needs --tenant ID and "
                                      "--client-id ID");
        }

    } else if (tenant_name) {
        job.tenant = tenant_name;
    }
    if (job.ncsv_dirs == 0 && !job.graph) {
        free(dirs);
        return rg_cmd_usage_error("collect",
                                  "nothing to collect: give --csv DIR or "
                                  "--graph");
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
