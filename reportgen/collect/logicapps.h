/*
 * logicapps.h - the run history of Azure Logic Apps, read from Azure
 * Resource Manager (ARM) into a row sink.
 *
 * For each Logic App named "SUBSCRIPTION/RESOURCEGROUP/NAME": its runs
 * started in the period, from
 * {arm}/subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Logic/
 * workflows/{name}/runs?api-version=2016-06-01&$filter=startTime ge ...,
 * followed through nextLink (only below the ARM URL: the token never
 * travels elsewhere). Each answer goes to the sink as a page of kind
 * "logic_app_runs" (kept in raw_page, made into rows by store/graph.sql),
 * one source of kind "arm" per Logic App. A Logic App the credential may
 * not read (403) is skipped with a warning and a note in its source; any
 * other refusal fails the collect. Not what it is: a general ARM client.
 */
#ifndef RG_LOGICAPPS_H
#define RG_LOGICAPPS_H

#include <stddef.h>

#include "../util/err.h"
#include "../util/rows.h"
#include "graphauth.h"

struct rg_logicapps_opts {
    const char *arm_url;       /* https://management.azure.com */
    struct rg_graphauth *auth; /* scope https://management.azure.com/... */
    const char *const *apps;   /* "SUBSCRIPTION/RESOURCEGROUP/NAME" */
    size_t napps;
    const char *from, *to; /* the period, UTC times, both included */
    int concurrency;       /* requests at once (8) */
    const char *ca_bundle; /* NULL: the system's */
    void (*warn)(void *ctx, const char *msg);
    void *warn_ctx;
};

/* 1 when s is "SUBSCRIPTION/RESOURCEGROUP/NAME" as ARM allows them. */
int rg_logicapps_name_ok(const char *s);

/* Reads every Logic App's runs into sink. Returns 0, or -1 with err set. */
int rg_logicapps_collect(const struct rg_logicapps_opts *o,
                         struct rg_row_sink *sink, struct rg_err *err);

#endif
