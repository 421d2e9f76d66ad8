/*
 * cmd_collect.c - `reportgen collect`: sources into a new sealed snapshot.
 */
#include <errno.h>
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
#include "collect/logicapps.h"
#include "collect/ldap.h"
#include "collect/servicenow.h"
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

/*
 * Logic Apps' runs from Azure Resource Manager, with a token of the same
 * credential for ARM's scope (collect/logicapps.h).
 */
static int
collect_logic_apps(const struct rg_collect_job *job,
                   const struct rg_graphauth_opts *graph_ao,
                   struct rg_row_sink *sink, struct rg_err *err)
{
    struct rg_graphauth_opts ao = *graph_ao;
    struct rg_logicapps_opts lo;
    struct rg_graphauth *auth;
    int ret;

    ao.scope = "https://management.azure.com/.default";
    if (!(auth = rg_graphauth_new(&ao, err)))
        return -1;
    memset(&lo, 0, sizeof(lo));
    lo.arm_url = job->arm_url ? job->arm_url : "https://management.azure.com";
    lo.auth = auth;
    lo.apps = job->logic_apps;
    lo.napps = job->nlogic_apps;
    lo.from = job->graph_from;
    lo.to = job->graph_to;
    lo.concurrency = job->concurrency;
    lo.ca_bundle = job->ca_bundle;
    lo.warn = print_warning;
    ret = rg_logicapps_collect(&lo, sink, err);
    rg_graphauth_free(auth);
    return ret;
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
    go.from = job->graph_from[0] ? job->graph_from : NULL;
    go.to = go.from ? job->graph_to : NULL;
    ret = rg_graph_collect(&go, sink, &res, err);
    rg_graphauth_free(auth);
    if (ret == 0 && job->nlogic_apps > 0)
        ret = collect_logic_apps(job, &ao, sink, err);
    return ret;
}

/* Active Directory over LDAP (collect/ldap.h). */
static int
collect_ldap(const struct rg_collect_job *job, const char *now,
             struct rg_row_sink *sink, struct rg_err *err)
{
    struct rg_ldap_opts o;
    struct rg_ldap_result res;

    memset(&o, 0, sizeof(o));
    o.uri = job->ldap_uri;
    o.bind_dn = job->ldap_bind_dn;
    o.password_file = job->ldap_password_file;
    o.base = job->ldap_base;
    o.ca_bundle = job->ca_bundle;
    o.now = now;
    o.page_size = job->ldap_page_size;
    o.timeout = job->ldap_timeout;
    o.keep_raw = !job->no_raw;
    o.warn = print_warning;
    return rg_ldap_collect(&o, sink, &res, err);
}

/* ServiceNow's Table API (collect/servicenow.h). */
static int
collect_servicenow(const struct rg_collect_job *job, struct rg_row_sink *sink,
                   struct rg_err *err)
{
    struct rg_servicenow_opts o;
    struct rg_servicenow_result res;

    memset(&o, 0, sizeof(o));
    o.url = job->sn_url;
    o.user = job->sn_user;
    o.password_file = job->sn_password_file;
    o.client_id = job->sn_client_id;
    o.client_secret_file = job->sn_client_secret_file;
    o.target_variable =
        job->sn_target_variable ? job->sn_target_variable : "target_group";
    o.target_field = job->sn_target_field;
    o.from = job->sn_from[0] ? job->sn_from : NULL;
    o.to = job->sn_to[0] ? job->sn_to : NULL;
    o.page_size = job->sn_page_size > 0 ? job->sn_page_size : 1000;
    o.incident_group = job->sn_incident_group;
    o.ca_bundle = job->ca_bundle;
    o.warn = print_warning;
    return rg_servicenow_collect(&o, sink, &res, err);
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
    lo.ad_elsewhere = job->ldap_uri != NULL;
    lo.servicenow_elsewhere = job->sn_url != NULL;
    if (job->ncsv_dirs > 0 && rg_csv_load(&lo, &sink, err) < 0)
        goto done;
    if (job->ldap_uri && collect_ldap(job, now, &sink, err) < 0)
        goto done;
    if (job->sn_url && collect_servicenow(job, &sink, err) < 0)
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

/*
 * The password goes to the directory in a simple bind: over TLS (ldaps://),
 * or in the clear only to this machine (tests), as with plain http.
 */
static int
ldap_uri_allowed(const char *uri)
{
    static const char *const loopback[] = { "ldap://127.0.0.1",
                                            "ldap://localhost",
                                            "ldap://[::1]" };

    if (strncmp(uri, "ldaps://", 8) == 0)
        return uri[8] != '\0' && uri[8] != '/' && !strchr(uri, ' ');
    for (size_t i = 0; i < sizeof(loopback) / sizeof(*loopback); i++) {
        size_t n = strlen(loopback[i]);

        if (strncmp(uri, loopback[i], n) == 0 &&
            (uri[n] == ':' || uri[n] == '/' || uri[n] == '\0') &&
            !strchr(uri, ' '))
            return 1;
    }
    return 0;
}

/* Long options without a short form (values above any character). */
enum {
    OPT_LDAP = 0x4c00,
    OPT_LDAP_BIND_DN,
    OPT_LDAP_PASSWORD_FILE,
    OPT_LDAP_BASE,
    OPT_LDAP_PAGE_SIZE,
    OPT_LDAP_TIMEOUT
};

/* --graph's JML evidence options (values above any character). */
enum { OPT_GRAPH_FROM = 0x4700, OPT_GRAPH_TO, OPT_ARM_URL, OPT_LOGIC_APP };

/* --servicenow's options (values above any character, and LDAP's). */
enum {
    OPT_SN = 0x5300,
    OPT_SN_USER,
    OPT_SN_PASSWORD_FILE,
    OPT_SN_CLIENT_ID,
    OPT_SN_CLIENT_SECRET_FILE,
    OPT_SN_TARGET_VARIABLE,
    OPT_SN_TARGET_FIELD,
    OPT_SN_FROM,
    OPT_SN_TO,
    OPT_SN_PAGE_SIZE,
    OPT_SN_INCIDENT_GROUP
};

/*
 * A ServiceNow name that goes into a query or a JSON path as it is: a
 * variable (letters, digits, _) or a field, maybe dot-walked (and dots).
 */
static int
sn_name_ok(const char *s, int dots)
{
    size_t n = strspn(s, dots ? "abcdefghijklmnopqrstuvwxyz"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_."
                              : "abcdefghijklmnopqrstuvwxyz"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

    return n > 0 && n < 100 && s[n] == '\0' && s[0] != '.' && s[n - 1] != '.';
}

/* The whole number s, from lo to hi, or -1. */
static int
int_option(const char *s, int lo, int hi)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi)
        return -1;
    return (int)v;
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
        { "ldap", required_argument, NULL, OPT_LDAP },
        { "ldap-bind-dn", required_argument, NULL, OPT_LDAP_BIND_DN },
        { "ldap-password-file", required_argument, NULL,
          OPT_LDAP_PASSWORD_FILE },
        { "ldap-base", required_argument, NULL, OPT_LDAP_BASE },
        { "ldap-page-size", required_argument, NULL, OPT_LDAP_PAGE_SIZE },
        { "ldap-timeout", required_argument, NULL, OPT_LDAP_TIMEOUT },
        { "servicenow", required_argument, NULL, OPT_SN },
        { "sn-user", required_argument, NULL, OPT_SN_USER },
        { "sn-password-file", required_argument, NULL, OPT_SN_PASSWORD_FILE },
        { "sn-client-id", required_argument, NULL, OPT_SN_CLIENT_ID },
        { "sn-client-secret-file", required_argument, NULL,
          OPT_SN_CLIENT_SECRET_FILE },
        { "sn-target-variable", required_argument, NULL,
          OPT_SN_TARGET_VARIABLE },
        { "sn-target-field", required_argument, NULL, OPT_SN_TARGET_FIELD },
        { "sn-from", required_argument, NULL, OPT_SN_FROM },
        { "sn-to", required_argument, NULL, OPT_SN_TO },
        { "sn-page-size", required_argument, NULL, OPT_SN_PAGE_SIZE },
        { "sn-incident-group", required_argument, NULL, OPT_SN_INCIDENT_GROUP },
        { "graph-from", required_argument, NULL, OPT_GRAPH_FROM },
        { "graph-to", required_argument, NULL, OPT_GRAPH_TO },
        { "arm-url", required_argument, NULL, OPT_ARM_URL },
        { "logic-app", required_argument, NULL, OPT_LOGIC_APP },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct rg_collect_job job;
    struct rg_err err;
    /* --csv folders, then --logic-app names: one block, freed once */
    const char **dirs = calloc(2 * (size_t)argc, sizeof(*dirs));
    const char **apps = dirs ? dirs + argc : NULL;
    const char *tenant_name = NULL;
    int c, ret;

    rg_err_init(&err);
    memset(&job, 0, sizeof(job));
    if (!dirs) {
        fputs("reportgen: out of memory\n", stderr);
        return RG_EXIT_FAIL;
    }
    job.csv_dirs = dirs;
    job.logic_apps = apps;
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
        case OPT_LDAP:
            job.ldap_uri = optarg;
            break;
        case OPT_LDAP_BIND_DN:
            job.ldap_bind_dn = optarg;
            break;
        case OPT_LDAP_PASSWORD_FILE:
            job.ldap_password_file = optarg;
            break;
        case OPT_LDAP_BASE:
            job.ldap_base = optarg;
            break;
        case OPT_LDAP_PAGE_SIZE:
        case OPT_LDAP_TIMEOUT: {
            int v = c == OPT_LDAP_PAGE_SIZE ? int_option(optarg, 1, 1000)
                                            : int_option(optarg, 1, 3600);

            if (v < 0) {
                free(dirs);
                return rg_cmd_usage_error(
                    "collect", "%s takes %s, not '%s'",
                    c == OPT_LDAP_PAGE_SIZE ? "--ldap-page-size"
                                            : "--ldap-timeout",
                    c == OPT_LDAP_PAGE_SIZE ? "1 to 1000" : "1 to 3600",
                    optarg);
            }
            if (c == OPT_LDAP_PAGE_SIZE)
                job.ldap_page_size = v;
            else
                job.ldap_timeout = v;
            break;
        }
        case OPT_SN:
            job.sn_url = optarg;
            break;
        case OPT_SN_USER:
            job.sn_user = optarg;
            break;
        case OPT_SN_PASSWORD_FILE:
            job.sn_password_file = optarg;
            break;
        case OPT_SN_CLIENT_ID:
            job.sn_client_id = optarg;
            break;
        case OPT_SN_CLIENT_SECRET_FILE:
            job.sn_client_secret_file = optarg;
            break;
        case OPT_SN_TARGET_VARIABLE:
        case OPT_SN_TARGET_FIELD:
            if (!sn_name_ok(optarg, c == OPT_SN_TARGET_FIELD)) {
                free(dirs);
                return rg_cmd_usage_error(
                    "collect",
                    "%s takes a ServiceNow name (letters, digits, "
                    "_%s), not '%s'",
                    c == OPT_SN_TARGET_FIELD ? "--sn-target-field"
                                             : "--sn-target-variable",
                    c == OPT_SN_TARGET_FIELD ? ", dots between names" : "",
                    optarg);
            }
            if (c == OPT_SN_TARGET_FIELD)
                job.sn_target_field = optarg;
            else
                job.sn_target_variable = optarg;
            break;
        case OPT_SN_FROM:
            if (rg_cmd_parse_time("--sn-from", optarg, job.sn_from, &err) < 0)
                goto fail;
            break;
        case OPT_SN_TO:
            if (rg_cmd_parse_time("--sn-to", optarg, job.sn_to, &err) < 0)
                goto fail;
            if (strlen(optarg) == 10) /* a date: all of that day */
                memcpy(job.sn_to + 11, "23:59:59", 8);
            break;
        case OPT_SN_INCIDENT_GROUP: {
            /* it goes into the query: no ^ (ServiceNow's AND) */
            size_t n = strlen(optarg), ok = n > 0 && n < 200;

            for (size_t i = 0; ok && i < n; i++)
                ok = optarg[i] != '^' && (unsigned char)optarg[i] >= 0x20;
            if (!ok) {
                free(dirs);
                return rg_cmd_usage_error(
                    "collect",
                    "--sn-incident-group takes a group's name (no ^), not "
                    "'%s'",
                    optarg);
            }
            job.sn_incident_group = optarg;
            break;
        }
        case OPT_SN_PAGE_SIZE:
            if ((job.sn_page_size = int_option(optarg, 1, 10000)) < 0) {
                free(dirs);
                return rg_cmd_usage_error(
                    "collect", "--sn-page-size takes 1 to 10000, not '%s'",
                    optarg);
            }
            break;
        case OPT_GRAPH_FROM:
            if (rg_cmd_parse_time("--graph-from", optarg, job.graph_from,
                                  &err) < 0)
                goto fail;
            break;
        case OPT_GRAPH_TO:
            if (rg_cmd_parse_time("--graph-to", optarg, job.graph_to, &err) < 0)
                goto fail;
            if (strlen(optarg) == 10) /* a date: all of that day */
                memcpy(job.graph_to + 11, "23:59:59", 8);
            break;
        case OPT_ARM_URL:
            job.arm_url = optarg;
            break;
        case OPT_LOGIC_APP:
            if (!rg_logicapps_name_ok(optarg)) {
                free(dirs);
                return rg_cmd_usage_error(
                    "collect",
                    "--logic-app takes SUBSCRIPTION/RESOURCEGROUP/NAME, not "
                    "'%s'",
                    optarg);
            }
            apps[job.nlogic_apps++] = optarg;
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
    if (job.sn_url && (strncmp(job.sn_url, "https://", 8) != 0 &&
                       (strncmp(job.sn_url, "http://", 7) != 0 ||
                        !plain_http_allowed(job.sn_url)))) {
        free(dirs);
        return rg_cmd_usage_error("collect",
                                  "--servicenow must be an https:// URL "
                                  "(plain http only to this machine)");
    }
    if (!job.sn_url &&
        (job.sn_user || job.sn_password_file || job.sn_client_id ||
         job.sn_client_secret_file || job.sn_target_variable ||
         job.sn_target_field || job.sn_from[0] || job.sn_to[0] ||
         job.sn_page_size || job.sn_incident_group)) {
        free(dirs);
        return rg_cmd_usage_error("collect",
                                  "the --sn-* options go with --servicenow "
                                  "URL");
    }
    if (job.sn_url && !job.sn_user && !job.sn_client_id) {
        free(dirs);
        return rg_cmd_usage_error("collect",
                                  "--servicenow needs --sn-user U (with "
                                  "--sn-password-file F) or --sn-client-id "
                                  "ID (with --sn-client-secret-file F)");
    }
    if (job.sn_target_variable && job.sn_target_field) {
        free(dirs);
        return rg_cmd_usage_error("collect", "give --sn-target-variable or "
                                             "--sn-target-field, not both");
    }
    if (job.sn_from[0] && job.sn_to[0] && strcmp(job.sn_from, job.sn_to) > 0) {
        free(dirs);
        return rg_cmd_usage_error("collect", "--sn-from is after --sn-to");
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
    if (job.ldap_uri && !ldap_uri_allowed(job.ldap_uri)) {
        free(dirs);
        return rg_cmd_usage_error("collect",
                                  "--ldap must be ldaps://HOST (plain "
                                  "ldap:// only to this machine), not '%s'",
                                  job.ldap_uri);
    }
    if (job.ldap_uri &&
        (!job.ldap_bind_dn || !job.ldap_password_file || !job.ldap_base)) {
        free(dirs);
        return rg_cmd_usage_error("collect", "--ldap needs --ldap-bind-dn DN, "
                                             "--ldap-password-file FILE and "
                                             "--ldap-base DN");
    }
    if (!job.ldap_uri &&
        (job.ldap_bind_dn || job.ldap_password_file || job.ldap_base ||
         job.ldap_page_size || job.ldap_timeout)) {
        free(dirs);
        return rg_cmd_usage_error("collect", "--ldap-* options need --ldap "
                                             "URI");
    }
    if (job.ncsv_dirs == 0 && !job.graph && !job.ldap_uri && !job.sn_url) {
        free(dirs);
        return rg_cmd_usage_error("collect",
                                  "nothing to collect: give --csv DIR, "
                                  "--graph, --ldap URI or --servicenow URL");
    }
    if (job.graph_to[0] && !job.graph_from[0]) {
        free(dirs);
        return rg_cmd_usage_error("collect", "--graph-to needs --graph-from");
    }
    if (job.graph_from[0] && !job.graph_to[0]) { /* until the as-of, or now */
        if (job.as_of[0])
            memcpy(job.graph_to, job.as_of, sizeof(job.graph_to));
        else if (rg_cmd_now(job.graph_to, &err) < 0)
            goto fail;
    }
    if (job.graph_from[0] && strcmp(job.graph_from, job.graph_to) > 0) {
        free(dirs);
        return rg_cmd_usage_error("collect",
                                  "--graph-from is after --graph-to");
    }
    if ((job.graph_from[0] || job.nlogic_apps || job.arm_url) && !job.graph) {
        free(dirs);
        return rg_cmd_usage_error("collect",
                                  "--graph-from, --graph-to, --logic-app and "
                                  "--arm-url go with --graph");
    }
    if (job.nlogic_apps && !job.graph_from[0]) {
        free(dirs);
        return rg_cmd_usage_error("collect",
                                  "--logic-app needs --graph-from DATE: the "
                                  "runs of which period");
    }
    if (job.arm_url && !plain_http_allowed(job.arm_url)) {
        free(dirs);
        return rg_cmd_usage_error("collect",
                                  "--arm-url must be https:// (plain http "
                                  "only to this machine)");
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
