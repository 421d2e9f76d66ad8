/*
 * test_logicapps.c - the JML evidence's pieces that need no server: the
 * --logic-app names accepted, and how store/graph.sql makes rows of an
 * audit log page (the user and the group or role whatever their order) and
 * of an Azure Resource Manager page of Logic App runs (the app's name split
 * into subscription, resource group and name). The network side is
 * tests/e2e/check_graph_jml.py.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect/logicapps.h"
#include "store/store.h"
#include "t.h"

static void
test_names(void)
{
    T_CHECK(rg_logicapps_name_ok("d29eb667-eea3-5e60-a263-714aaebf893f/"
                                 "rg-nb-iam-automation/la-nb-jml-offboarding"));
    T_CHECK(rg_logicapps_name_ok("s/rg_(1).x/app-2"));
    T_CHECK(!rg_logicapps_name_ok("rg/app"));
    T_CHECK(!rg_logicapps_name_ok("s/rg/app/"));
    T_CHECK(!rg_logicapps_name_ok("s//app"));
    T_CHECK(!rg_logicapps_name_ok("/s/rg/app"));
    T_CHECK(!rg_logicapps_name_ok("s/rg/app/runs"));
    T_CHECK(!rg_logicapps_name_ok("s/rg/my app"));
    T_CHECK(!rg_logicapps_name_ok("s/rg/app?x=1"));
    T_CHECK(!rg_logicapps_name_ok(""));
}

/* The one line of text of sql on the sealed snapshot at path. */
static char *
query(const char *path, const char *sql)
{
    static char out[1024];
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;

    out[0] = '\0';
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        snprintf(out, sizeof(out), "%s", sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
}

static const char audits[] =
    "{\"value\":[{\"id\":\"a1\",\"category\":\"RoleManagement\","
    "\"result\":\"success\",\"activityDisplayName\":\"Remove member from "
    "role\",\"activityDateTime\":\"2026-09-30T17:02:11.1234567Z\","
    "\"initiatedBy\":{\"user\":{\"userPrincipalName\":\"admin@x.dk\"},"
    "\"app\":null},\"targetResources\":["
    "{\"id\":\"ROLE-ID\",\"displayName\":\"User Administrator\",\"type\":"
    "\"Role\"},{\"id\":\"USER-ID\",\"type\":\"User\",\"userPrincipalName\":"
    "\"u@x.dk\"}]},"
    "{\"id\":\"a2\",\"activityDisplayName\":\"Disable account\","
    "\"activityDateTime\":\"2026-09-30T17:00:00Z\",\"initiatedBy\":{\"user\":"
    "null,\"app\":{\"displayName\":\"Lifecycle Workflows\"}},"
    "\"targetResources\":[{\"id\":\"USER-ID\",\"type\":\"User\"}]}]}";

static const char runs[] =
    "{\"value\":[{\"name\":\"0858\",\"id\":\"/subscriptions/...\","
    "\"properties\":{\"status\":\"Failed\",\"startTime\":"
    "\"2026-10-15T17:01:35.5Z\",\"endTime\":\"2026-10-15T17:02:20Z\","
    "\"code\":\"ActionFailed\",\"error\":{\"code\":\"ActionFailed\","
    "\"message\":\"gateway\"},\"trigger\":{\"name\":\"manual\"}}}],"
    "\"nextLink\":null}";

static void
test_pages(void)
{
    char path[256];
    struct rg_err err;
    struct rg_store *st;
    struct rg_row_sink sink;
    int64_t src, items = -1, dangling = -1;
    static char dir[] = "/tmp/rg-test-logicapps-XXXXXX";

    T_CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/snap.db", dir);
    rg_err_init(&err);
    T_CHECK((st = rg_store_create(path, 0, "2026-11-02T00:00:00Z", &err)) !=
            NULL);
    if (!st)
        return;
    rg_store_sink(st, &sink);
    rg_store_keep_raw(st, 1);
    src = sink.source_begin(sink.ctx, "graph", "directory_audits", "u", &err);
    T_CHECK(sink.page(sink.ctx, src, "directory_audits", "u", NULL, 200, audits,
                      strlen(audits), 1, NULL, 0, &items, &dangling,
                      &err) == 0);
    T_CHECK(items == 2);
    src = sink.source_begin(sink.ctx, "arm", "logic_app_runs", "u", &err);
    T_CHECK(src > 0);
    T_CHECK(sink.page(sink.ctx, src, "logic_app_runs", "u", NULL, 200, runs,
                      strlen(runs), 1, "SUB-1/rg-a/la-b", 0, &items, &dangling,
                      &err) == 0);
    T_CHECK(items == 1);
    {
        static const struct rg_snapshot_meta meta = { "tid", "t",
                                                      "2026-11-01T00:00:00Z",
                                                      "2026-11-02T00:00:00Z" };

        T_CHECK(rg_store_seal(st, &meta, &err) == 0);
    }
    rg_store_close(st);
    T_STREQ(query(path, "SELECT group_concat(x, ' / ') FROM (SELECT id || '|' "
                        "|| activity_date_time || '|' || target_user_id || "
                        "'|' || coalesce(target_user_principal_name, '-') || "
                        "'|' || coalesce(target_resource_type, '-') || '|' "
                        "|| coalesce(target_resource_id, '-') || '|' || "
                        "coalesce(target_resource_name, '-') || '|' || "
                        "initiated_by || '|' || line AS x FROM "
                        "directory_audits ORDER BY id)"),
            "a1|2026-09-30T17:02:11Z|user-id|u@x.dk|Role|role-id|User "
            "Administrator|admin@x.dk|1 / a2|2026-09-30T17:00:00Z|user-id|-|-|"
            "-|-|Lifecycle Workflows|2");
    T_STREQ(query(path, "SELECT subscription_id || '|' || resource_group || "
                        "'|' || logic_app || '|' || id || '|' || status || "
                        "'|' || start_time || '|' || trigger_name || '|' || "
                        "code || '|' || error_message FROM logic_app_runs"),
            "sub-1|rg-a|la-b|0858|Failed|2026-10-15T17:01:35Z|manual|"
            "ActionFailed|gateway");
    T_STREQ(query(path, "SELECT kind FROM source WHERE entity = "
                        "'logic_app_runs'"),
            "arm");
    unlink(path);
    rmdir(dir);
}

int
main(void)
{
    test_names();
    test_pages();
    return T_REPORT();
}
