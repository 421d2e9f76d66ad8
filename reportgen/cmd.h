/*
 * cmd.h - the command layer: one cmd_<name>() per command, and the helpers
 * they share. Commands parse their own options, call modules, print, and
 * return the process exit code (docs/exit-codes.md). Nothing below this
 * layer prints or exits.
 */
#ifndef RG_CMD_H
#define RG_CMD_H

#include <stddef.h>

#include "util/err.h"
#include "util/timefmt.h"

#define RG_EXIT_OK 0
#define RG_EXIT_VERIFY 1
#define RG_EXIT_USAGE 2
#define RG_EXIT_FAIL 3

int cmd_collect(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_templates(int argc, char **argv);
int cmd_verify(int argc, char **argv);

/* What `collect` (and `demo`) are asked to do. */
struct rg_collect_job {
    const char *const *csv_dirs; /* borrowed */
    size_t ncsv_dirs;
    const char *out;
    const char *tenant, *tenant_id; /* may be NULL */
    char as_of[RG_ISO_TIME_LEN];    /* empty: now */
    const char *date_format;        /* may be NULL */
    int allow_dangling, force;
    /* --graph */
    int graph, quiet, no_sign_in, no_raw, concurrency;
    const char *graph_url, *login_url, *client_id, *secret_file;
    const char *client_cert, *client_key, *key_pass_file, *ca_bundle;
    /* --ldap (Active Directory; docs/ldap.md) */
    const char *ldap_uri, *ldap_bind_dn, *ldap_password_file, *ldap_base;
    int ldap_page_size, ldap_timeout; /* 0: the defaults */
    /* --servicenow (docs/servicenow.md) */
    const char *sn_url, *sn_user, *sn_password_file, *sn_client_id;
    const char *sn_client_secret_file, *sn_target_variable, *sn_target_field;
    char sn_from[RG_ISO_TIME_LEN], sn_to[RG_ISO_TIME_LEN]; /* "": open */
    int sn_page_size;                                      /* 0: 1000 */
    const char *sn_incident_group; /* NULL: no incidents */
    /* --graph-from/--graph-to: JML evidence (docs/graph.md); "": none */
    char graph_from[RG_ISO_TIME_LEN], graph_to[RG_ISO_TIME_LEN];
    const char *arm_url;           /* NULL: https://management.azure.com */
    const char *const *logic_apps; /* --logic-app SUB/RG/NAME, borrowed */
    size_t nlogic_apps;
};

/* Collects into job->out; nothing is left behind on failure. */
int rg_cmd_collect_run(const struct rg_collect_job *job, struct rg_err *err);

/*
 * While path is set, SIGINT, SIGTERM and SIGHUP remove that file before the
 * process dies, so an interrupted collect leaves no temporary snapshot.
 * NULL clears it.
 */
void rg_cmd_cleanup_on_signal(const char *path);

#define RG_OUT_XLSX 1u
#define RG_OUT_PDF 2u
#define RG_OUT_CSV 4u
#define RG_OUT_ALL (RG_OUT_XLSX | RG_OUT_PDF | RG_OUT_CSV)

/* What `run` (and `demo`) are asked to do. */
struct rg_run_job {
    const char *template_name, *templates_dir;
    const char *queries_dir; /* NULL: beside the templates */
    const char *snapshot, *out;
    const char *const *assign; /* "NAME=VALUE" */
    size_t nassign;
    const char *generated_at; /* NULL: now */
    int quiet;
    unsigned outputs;         /* RG_OUT_* bits; 0: all */
    const char *organization; /* bag-info Source-Organization; NULL: tenant */
    const char *sign_key, *sign_cert, *chain, *key_pass_file; /* may be NULL */
    const char *tsa_url; /* NULL: no timestamp */
    long tsa_timeout;    /* seconds; 0: 60 */
};

/* Writes a pack; its folder's path goes to final. */
int rg_cmd_run_pack(const struct rg_run_job *job, char *final, size_t finalsz,
                    struct rg_err *err);

/* Prints `snapshot info` of path, as text or JSON, to stdout. */
int rg_cmd_snapshot_info(const char *path, int json, struct rg_err *err);

/* Prints "reportgen: <msg>" for err and returns its exit code. */
int rg_cmd_report(const struct rg_err *err);

/* Prints "reportgen: <msg>" and the command's usage hint; returns 2. */
int rg_cmd_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints the usage text of a command to f; returns 0 if it exists. */
int rg_cmd_print_usage(const char *cmd, void *f);

/*
 * The current UTC time as "YYYY-MM-DDTHH:MM:SSZ". SOURCE_DATE_EPOCH, when
 * set to a number, replaces the clock (reproducible builds' convention),
 * so tests and auditors can re-create a snapshot byte for byte.
 */
int rg_cmd_now(char out[RG_ISO_TIME_LEN], struct rg_err *err);

/* Reads --as-of and similar: ISO 8601 with a zone, or a date (midnight UTC). */
int rg_cmd_parse_time(const char *opt, const char *s, char out[RG_ISO_TIME_LEN],
                      struct rg_err *err);

/* The folder of installed data (templates, queries, fixtures). */
const char *rg_cmd_datadir(void);

#endif
