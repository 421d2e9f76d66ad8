/*
 * fuzz_graphpage.c - libFuzzer target: a Graph page turned into rows by
 * store/graph.sql, and the token endpoint's answer read.
 *
 * Input: a selector byte, then the bytes of a page (or a token answer).
 * The snapshot schema lives in memory, with a few users, groups and roles
 * already loaded so the joins find something; each input runs inside a
 * savepoint rolled back afterwards. Whatever the page holds, loading must
 * not crash, a refusal must say why, and no more rows may arrive than the
 * page's value array holds.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/graphauth.h"
#include "store/graphpage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const char rg_schema_sql[];

static const char *const kinds[] = {
    "users",
    "groups",
    "service_principals",
    "group_members",
    "group_owners",
    "role_definitions",
    "role_assignments_active",
    "role_assignments_eligible",
    "role_assignments_plain",
    "pim_group_active",
    "pim_group_eligible",
    "access_packages",
    "access_package_assignments",
    "app_role_assignments",
    "directory_audits",
    "lifecycle_workflows",
    "lifecycle_workflow_runs",
    "lifecycle_user_results",
    "logic_app_runs",
};

static sqlite3 *db;
static struct rg_graphpages *gp;

static const char seed_users[] =
    "{\"value\":[{\"id\":\"11111111-1111-1111-1111-111111111111\","
    "\"displayName\":\"A\",\"userPrincipalName\":\"a@x\"},"
    "{\"id\":\"22222222-2222-2222-2222-222222222222\",\"displayName\":\"B\","
    "\"userPrincipalName\":\"b@x\"}]}";
static const char seed_groups[] =
    "{\"value\":[{\"id\":\"33333333-3333-3333-3333-333333333333\","
    "\"displayName\":\"G\",\"isAssignableToRole\":true}]}";
static const char seed_roles[] =
    "{\"value\":[{\"id\":\"62e90394-69f5-4237-9190-012177145e10\","
    "\"displayName\":\"Global Administrator\",\"isBuiltIn\":true}]}";

static void
setup(void)
{
    struct rg_err err;
    struct rg_page p;
    int64_t items, dangling;
    const char *pages[3] = { seed_users, seed_groups, seed_roles };
    const char *k[3] = { "users", "groups", "role_definitions" };

    rg_err_init(&err);
    if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
        sqlite3_exec(db, rg_schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db,
                     "INSERT INTO source (kind, entity, locator, fetched_at) "
                     "VALUES ('graph', 'users', 'x', 'now')",
                     NULL, NULL, NULL) != SQLITE_OK ||
        !(gp = rg_graphpages_new(db, &err)))
        abort();
    for (int i = 0; i < 3; i++) {
        memset(&p, 0, sizeof(p));
        p.source = 1;
        p.kind = k[i];
        p.url = "seed";
        p.fetched_at = "now";
        p.status = 200;
        p.body = pages[i];
        p.len = strlen(pages[i]);
        p.first_line = 1;
        p.keep_body = 1;
        if (rg_graphpages_load(gp, &p, &items, &dangling, &err) < 0)
            abort();
    }
}

static int64_t
rows(void)
{
    sqlite3_stmt *s;
    int64_t n = 0;

    sqlite3_prepare_v2(db,
                       "SELECT (SELECT count(*) FROM principals) + "
                       "(SELECT count(*) FROM group_members) + "
                       "(SELECT count(*) FROM group_owners) + "
                       "(SELECT count(*) FROM role_definitions) + "
                       "(SELECT count(*) FROM role_assignments) + "
                       "(SELECT count(*) FROM pim_group_assignments) + "
                       "(SELECT count(*) FROM access_packages) + "
                       "(SELECT count(*) FROM access_package_assignments) + "
                       "(SELECT count(*) FROM app_role_assignments)",
                       -1, &s, NULL);
    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rg_err err;
    struct rg_page p;
    int64_t items = 0, dangling = 0, before;
    char *body;

    if (size < 1)
        return 0;
    if (!db)
        setup();
    rg_err_init(&err);
    if (data[0] == 0xff) { /* the token endpoint's answer */
        char *token = NULL;
        long expires = 0;

        if (rg_graphauth_parse((const char *)data + 1, size - 1,
                               size > 1 && (data[1] & 1) ? 400 : 200, &token,
                               &expires, &err) == 0) {
            if (!token || expires <= 0)
                abort();
            free(token);
        } else if (!err.msg[0] || token) {
            abort();
        }
        return 0;
    }
    body = malloc(size);
    memcpy(body, data + 1, size - 1);
    body[size - 1] = '\0';
    memset(&p, 0, sizeof(p));
    p.source = 1;
    p.kind = kinds[data[0] % (sizeof(kinds) / sizeof(*kinds))];
    p.url = "fuzz";
    p.fetched_at = "now";
    p.group = "33333333-3333-3333-3333-333333333333";
    p.status = 200;
    p.body = body;
    p.len = size - 1;
    p.first_line = 1;
    p.keep_body = data[0] & 0x80 ? 0 : 1;
    sqlite3_exec(db, "SAVEPOINT f", NULL, NULL, NULL);
    before = rows();
    if (rg_graphpages_load(gp, &p, &items, &dangling, &err) < 0) {
        if (!err.msg[0])
            abort();
    } else if (rows() - before > (items > 0 ? 2 * items : 0)) {
        abort(); /* rows that no item of the page gave */
    }
    sqlite3_exec(db, "ROLLBACK TO f; RELEASE f", NULL, NULL, NULL);
    free(body);
    return 0;
}
