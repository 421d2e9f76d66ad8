/*
 * servicenow.h - the ServiceNow collector: requested items, the catalog
 * variable that says what access each was for, and their approvals, read
 * over the Table API into servicenow_requests rows.
 *
 * Three tables are paged at once with sysparm_limit and sysparm_offset,
 * each ordered by a stable key: sc_req_item, sc_item_option_mtom (the
 * target variable) and sysapproval_approver. Pages may come back short
 * (access rules remove records after the limit is applied), so paging
 * stops on an empty page, not a short one; the count announced in
 * X-Total-Count is recorded beside the count received, and a difference
 * is a warning. Every answer is kept in raw_page as received. The rows are
 * made in C once all three tables are in (docs/servicenow.md says how).
 *
 * Not this module: which options exist (cmd_collect.c) and where rows go
 * (the row sink). Credentials (a password or client secret) are read from
 * files that others may not read, kept in memory only, cleansed when freed
 * and never put in a message, URL or row.
 */
#ifndef RG_SERVICENOW_H
#define RG_SERVICENOW_H

#include <stdint.h>

#include "../util/err.h"
#include "../util/rows.h"

struct rg_servicenow_opts {
    const char *url; /* the instance, https://example.service-now.com */
    /* Basic authentication, or with client_id the OAuth password grant */
    const char *user;
    const char *password_file; /* or REPORTGEN_SN_PASSWORD */
    /* OAuth (/oauth_token.do): client credentials, or the password grant
       when user is also given */
    const char *client_id;
    const char *client_secret_file; /* or REPORTGEN_SN_CLIENT_SECRET */
    const char *target_variable;    /* catalog variable (target_group) */
    const char *target_field;       /* or a field of sc_req_item; wins if set */
    const char *from, *to;      /* opened_at period, ISO 8601 UTC, or NULL */
    const char *incident_group; /* also this group's open incidents */
    int page_size;              /* sysparm_limit (1000) */
    const char *ca_bundle;      /* NULL: the system's */
    double max_wait;            /* seconds a request may wait on retries */
    void (*warn)(void *ctx, const char *msg);
    void *warn_ctx;
};

/* What a collect did. */
struct rg_servicenow_result {
    uint64_t requests, retries, pages, items, variables, approvals, tokens;
    uint64_t incidents;
};

/*
 * Reads the requested items of the period into sink (table
 * servicenow_requests, three source rows), and with incident_group that
 * assignment group's open incidents (servicenow_incidents, one more). Returns
 * 0, or -1 with err set; err never holds a secret.
 */
int rg_servicenow_collect(const struct rg_servicenow_opts *o,
                          struct rg_row_sink *sink,
                          struct rg_servicenow_result *res, struct rg_err *err);

/*
 * ServiceNow's "YYYY-MM-DD HH:MM:SS" (UTC, as the Table API gives it without
 * display values) as "YYYY-MM-DDTHH:MM:SSZ". Returns 0, or -1 when s is not
 * such a time. For tests.
 */
int rg_servicenow_time(const char *s, char out[21]);

/* The name reportgen stores for an sc_req_item state code ("3" ->
   "closed_complete"); an unknown code is returned as given. */
const char *rg_servicenow_state(const char *code);

#endif
