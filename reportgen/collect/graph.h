/*
 * graph.h - the Microsoft Graph collector: a tenant's directory, roles,
 * PIM schedules and entitlement management, read over HTTP into a row
 * sink.
 *
 * Every collection is paged through @odata.nextLink and $select-ed to what
 * the schema holds; top-level collections ask for @odata.count (with
 * ConsistencyLevel: eventual on every page) and the count is checked
 * against what arrived. Per-group and per-service-principal lists go
 * through $batch, 20 requests at a time; an item answered 429 inside a
 * batch is asked again on its own, and an item's nextLink is followed on
 * its own. Every answer is handed to the sink as a page (kept in raw_page,
 * turned into rows by store/graph.sql). Collections that need others (a
 * group's members need the groups) start once those are complete.
 *
 * With a period (from, to): the directory audit events that remove access,
 * the lifecycle workflows, their runs in the period and each run's user
 * processing results; a tenant without the licence or permission (400,
 * 403, 404) gets a warning and a note in its source, as PIM does.
 */
#ifndef RG_GRAPH_H
#define RG_GRAPH_H

#include <stdint.h>

#include "../util/err.h"
#include "../util/rows.h"
#include "graphauth.h"

struct rg_graph_opts {
    const char *graph_url; /* https://graph.microsoft.com */
    struct rg_graphauth *auth;
    int concurrency;       /* requests at once (8) */
    int sign_in_activity;  /* read users' signInActivity (needs Entra P1) */
    const char *ca_bundle; /* NULL: the system's */
    double max_wait;       /* seconds a request may wait on retries (300) */
    /*
     * The period of the JML evidence (directory audits, lifecycle workflow
     * runs), UTC "YYYY-MM-DDTHH:MM:SSZ", both included; NULL: not read.
     */
    const char *from, *to;
    /* progress: called about twice a second, and once at the end */
    void (*progress)(void *ctx, const char *line, int final);
    void *progress_ctx;
    /* warnings (a count that does not match, a skipped collection) */
    void (*warn)(void *ctx, const char *msg);
    void *warn_ctx;
};

/* What a collect did, for the command's last line and the benchmark. */
struct rg_graph_result {
    uint64_t requests, retries, pages, rows, batches, bytes, tokens;
    char tenant_name[256]; /* from /organization, "" when not readable */
};

int rg_graph_collect(const struct rg_graph_opts *o, struct rg_row_sink *sink,
                     struct rg_graph_result *res, struct rg_err *err);

#endif
