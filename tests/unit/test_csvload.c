/*
 * test_csvload.c - the CSV collector's column mapping, value conversion and
 * error messages, through a row sink that records what it is given.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect/csvload.h"
#include "t.h"

struct rec_sink {
    char text[8192];
    size_t len;
    int64_t sources;
};

struct rg_table_writer {
    struct rec_sink *s;
    char table[64];
    size_t n;
};

static struct rec_sink *cur;

static int64_t
src_begin(void *ctx, const char *kind, const char *entity, const char *loc,
          struct rg_err *err)
{
    struct rec_sink *s = ctx;

    (void)kind, (void)entity, (void)loc, (void)err;
    return ++s->sources;
}

static int
src_end(void *ctx, int64_t id, const struct rg_source_stats *st,
        struct rg_err *err)
{
    struct rec_sink *s = ctx;

    (void)err;
    s->len += (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len,
                               "source %lld: %lld rows, %lld dangling\n",
                               (long long)id, (long long)st->rows,
                               (long long)st->dangling);
    return 0;
}

static struct rg_table_writer *
table(void *ctx, const char *name, const char *const *cols, size_t n,
      struct rg_err *err)
{
    struct rg_table_writer *w = calloc(1, sizeof(*w));

    (void)cols, (void)err;
    w->s = ctx;
    snprintf(w->table, sizeof(w->table), "%s", name);
    w->n = n;
    return w;
}

static int
row(struct rg_table_writer *w, const struct rg_value *v, struct rg_err *err)
{
    struct rec_sink *s = w->s;

    (void)err;
    s->len += (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len,
                               "%s:", w->table);
    for (size_t i = 0; i < w->n; i++) {
        if (v[i].type == RG_NULL)
            s->len += (size_t)snprintf(s->text + s->len,
                                       sizeof(s->text) - s->len, " NULL");
        else if (v[i].type == RG_INT)
            s->len +=
                (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len,
                                 " %lld", (long long)v[i].i);
        else
            s->len +=
                (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len,
                                 " '%.*s'", (int)v[i].len, v[i].s);
    }
    s->len +=
        (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len, "\n");
    return 0;
}

static void
table_free(struct rg_table_writer *w)
{
    free(w);
}

static const char *
load(const char *name, const char *data, const char *date_format,
     int allow_dangling)
{
    static struct rec_sink s;
    static char out[8400];
    struct rg_row_sink sink = {
        &s, src_begin, src_end, table, row, table_free
    };
    struct rg_csvload_opts o;
    struct rg_err err;

    memset(&s, 0, sizeof(s));
    memset(&o, 0, sizeof(o));
    cur = &s;
    o.date_format = date_format;
    o.allow_dangling = allow_dangling;
    rg_err_init(&err);
    if (rg_csv_load_mem(&o, name, data, strlen(data), &sink, &err) < 0) {
        snprintf(out, sizeof(out), "ERROR %s", err.msg);
        return out;
    }
    return s.text;
}

static void
test_users(void)
{
    /* Entra admin center header names, other order, extra columns */
    T_STREQ(load("users.csv",
                 "User principal name,objectId,Display name,Account enabled,"
                 "Usage location,directorySynced,lastSignInDateTime\r\n"
                 "s\xc3\xb8ren@nb.dk,62E90394-69F5-4237-9190-012177145E10,"
                 "S\xc3\xb8ren,TRUE,DK,no,2026-10-01T12:00:00+02:00\r\n",
                 NULL, 0),
            "principals: 1 '62e90394-69f5-4237-9190-012177145e10' 'user' "
            "'S\xc3\xb8ren' 1 2\n"
            "users: 1 '62e90394-69f5-4237-9190-012177145e10' "
            "'s\xc3\xb8ren@nb.dk' 'S\xc3\xb8ren' NULL 1 NULL NULL NULL NULL "
            "NULL NULL '2026-10-01T10:00:00Z' 0 1 2\n"
            "source 1: 1 rows, 0 dangling\n");
    /* userType is an enumeration, stored as Graph writes it */
    T_STREQ(
        load("users.csv",
             "id,userPrincipalName,displayName,userType\n"
             "aaaaaaaa-0000-4000-8000-000000000001,a@b,A,guest\n",
             NULL, 0),
        "principals: 1 'aaaaaaaa-0000-4000-8000-000000000001' 'user' 'A' 1 2\n"
        "users: 1 'aaaaaaaa-0000-4000-8000-000000000001' 'a@b' 'A' 'Guest' "
        "NULL NULL NULL NULL NULL NULL "
        "NULL NULL NULL 1 2\n"
        "source 1: 1 rows, 0 dangling\n");
}

static void
test_errors(void)
{
    /* found in review, 2026-11-26: GUID columns took anything */
    T_STREQ(load("users.csv",
                 "id,userPrincipalName,displayName\n"
                 "{aaaaaaaa-0000-4000-8000-000000000001},a@b,A\n",
                 NULL, 0),
            "ERROR cannot load 'users.csv' line 2, column 1 (id): expected a "
            "GUID (32 hex digits as 8-4-4-4-12), found "
            "'{aaaaaaaa-0000-4000-8000-000000000001}'");
    T_STREQ(load("users.csv",
                 "id,displayName\naaaaaaaa-0000-4000-8000-000000000001,A\n",
                 NULL, 0),
            "ERROR cannot load 'users.csv' line 1: missing required column "
            "'userPrincipalName'");
    T_STREQ(load("users.csv", "id,userPrincipalName,displayName,objectId\n",
                 NULL, 0),
            "ERROR cannot load 'users.csv' line 1: columns 1 and 4 both give "
            "'id'");
    T_STREQ(load("users.csv",
                 "id,userPrincipalName,displayName\naaaaaaaa-0000-4000-8000-"
                 "000000000001,,A\n",
                 NULL, 0),
            "ERROR cannot load 'users.csv' line 2, column 2 "
            "(userPrincipalName): a value is required");
    T_STREQ(load("users.csv",
                 "id,userPrincipalName,displayName,accountEnabled\n"
                 "aaaaaaaa-0000-4000-8000-000000000001,a@b,A,maybe\n",
                 NULL, 0),
            "ERROR cannot load 'users.csv' line 2, column 4 (accountEnabled): "
            "expected true or false (or yes/no, 1/0), found 'maybe'");
    T_STREQ(
        load("users.csv",
             "id,userPrincipalName,displayName\naaaaaaaa-0000-4000-8000-"
             "000000000001,a@b,A\naaaaaaaa-0000-4000-8000-000000000002,c@d,C\n"
             "AAAAAAAA-0000-4000-8000-000000000001,e@f,E\naaaaaaaa-0000-4000-"
             "8000-000000000001,g@h,G\n",
             NULL, 0),
        "ERROR cannot load 'users.csv' line 4, column 1 (id): duplicate "
        "id 'aaaaaaaa-0000-4000-8000-000000000001' (first at line 2)");
    T_STREQ(
        load(
            "users.csv",
            "id,userPrincipalName,displayName,createdDateTime\n"
            "aaaaaaaa-0000-4000-8000-000000000001,a@b,A,8/19/2021 1:25:31 PM\n",
            NULL, 0),
        "ERROR cannot load 'users.csv' line 2, column 4 (createdDateTime): "
        "expected an ISO 8601 time with a zone, e.g. 2026-01-31T09:30:00Z "
        "(other formats need --date-format), found '8/19/2021 1:25:31 PM'");
    T_STREQ(
        load("users.csv",
             "id,userPrincipalName,displayName,createdDateTime\n"
             "aaaaaaaa-0000-4000-8000-000000000001,a@b,A,2021-08-19T13:25:31\n",
             NULL, 0),
        "ERROR cannot load 'users.csv' line 2, column 4 (createdDateTime): "
        "time '2021-08-19T13:25:31' has no zone (add Z or an offset such "
        "as +01:00, or read it with --date-format)");
    T_STREQ(load("users.csv",
                 "id,userPrincipalName,displayName,createdDateTime\n"
                 "aaaaaaaa-0000-4000-8000-000000000001,a@b,A,8/19/2021 1:25:31 "
                 "PM\naaaaaaaa-0000-4000-8000-000000000002,c@d,C,2021-08-19\n"
                 "aaaaaaaa-0000-4000-8000-000000000003,e@f,E,19.08.2021\n",
                 "%m/%d/%Y %I:%M:%S %p", 0),
            "ERROR cannot load 'users.csv' line 4, column 4 (createdDateTime): "
            "expected an ISO 8601 time with a zone or a time as "
            "'%m/%d/%Y %I:%M:%S %p', found '19.08.2021'");
    T_STREQ(load("hr_events.csv",
                 "employeeId,eventType,effectiveDate\nE1,retired,2026-01-01\n",
                 NULL, 0),
            "ERROR cannot load 'hr_events.csv' line 2, column 2 (eventType): "
            "expected one of joiner, mover, leaver, found 'retired'");
    T_STREQ(
        load("hr_events.csv",
             "employeeId,eventType,effectiveDate\nE1,leaver,2026-01-01T10:00:"
             "00Z\n",
             NULL, 0),
        "ERROR cannot load 'hr_events.csv' line 2, column 3 (effectiveDate): "
        "expected a date YYYY-MM-DD, found '2026-01-01T10:00:00Z'");
    /* a membership with nothing loaded to point to */
    T_STREQ(load("group_members.csv",
                 "groupId,memberId\nbbbbbbbb-0000-4000-8000-000000000001,"
                 "aaaaaaaa-0000-4000-8000-000000000001\n",
                 NULL, 0),
            "ERROR cannot load 'group_members.csv' line 2, column 1 (groupId): "
            "no group has id 'bbbbbbbb-0000-4000-8000-000000000001' (use "
            "--allow-dangling to keep such rows out "
            "and record them)");
    T_STREQ(load("role_assignments.csv",
                 "principalId,roleDefinitionId,state\naaaaaaaa-0000-4000-8000-"
                 "000000000001,cccccccc-0000-4000-8000-000000000001,active\n",
                 NULL, 0),
            "ERROR cannot load 'role_assignments.csv' line 2, column 1 "
            "(principalId): no user, group, servicePrincipal or device has id "
            "'aaaaaaaa-0000-4000-8000-000000000001' (use --allow-dangling to "
            "keep such rows out and record them)");
}

/* found in review, 2026-11-26: such times were clamped, not refused */
static void
test_time_range(void)
{
    T_STREQ(load("users.csv",
                 "id,userPrincipalName,displayName,createdDateTime\n"
                 "aaaaaaaa-0000-4000-8000-000000000001,a@b,A,"
                 "0001-01-01T00:00:00+01:00\n",
                 NULL, 0),
            "ERROR cannot load 'users.csv' line 2, column 4 (createdDateTime): "
            "expected a time in the years 0001-9999 UTC, found "
            "'0001-01-01T00:00:00+01:00'");
}

static void
test_dangling(void)
{
    T_STREQ(
        load(
            "group_members.csv",
            "groupId,memberId,memberType\nbbbbbbbb-0000-4000-8000-000000000001,"
            "aaaaaaaa-0000-4000-8000-000000000001,user\nbbbbbbbb-0000-4000-"
            "8000-000000000002,aaaaaaaa-0000-4000-8000-000000000002,\n",
            NULL, 1),
        "dangling_reference: 1 2 'groupId' "
        "'bbbbbbbb-0000-4000-8000-000000000001' 'group'\n"
        "dangling_reference: 1 3 'groupId' "
        "'bbbbbbbb-0000-4000-8000-000000000002' 'group'\n"
        "source 1: 0 rows, 2 dangling\n");
}

static void
test_dates(void)
{
    T_STREQ(
        load("hr_people.csv",
             "employeeNumber,hireDate,terminationDate\n"
             "E1,2020-02-29,2026-10-15T00:00:00Z\n"
             "E2,01.03.2021 00:00:00,\n",
             "%d.%m.%Y %H:%M:%S", 0),
        "hr_people: 'E1' NULL NULL NULL '2020-02-29' '2026-10-15' NULL 1 2\n"
        "hr_people: 'E2' NULL NULL NULL '2021-03-01' NULL NULL 1 3\n"
        "source 1: 2 rows, 0 dangling\n");
}

/*
 * department_groups.csv names groups by id or display name. Loaded alone it
 * names none: the messages and the dangling rows of both kinds of name.
 */
static void
test_department_groups(void)
{
    T_STREQ(load("department_groups.csv",
                 "Department,Group name\nPayments,GRP-Payments-Operators\n",
                 NULL, 0),
            "ERROR cannot load 'department_groups.csv' line 2, column 2 "
            "(Group name): no group has id or display name "
            "'GRP-Payments-Operators' (use --allow-dangling to keep such rows "
            "out and record them)");
    T_STREQ(load("department_groups.csv",
                 "department,group\nPayments,GRP-A\n"
                 "Payments,AAAAAAAA-0000-4000-8000-000000000001\n",
                 NULL, 1),
            "dangling_reference: 1 2 'group' 'GRP-A' 'group'\n"
            "dangling_reference: 1 3 'group' "
            "'AAAAAAAA-0000-4000-8000-000000000001' 'group'\n"
            "source 1: 0 rows, 2 dangling\n");
    T_STREQ(load("department_groups.csv", "department\nPayments\n", NULL, 0),
            "ERROR cannot load 'department_groups.csv' line 1: missing "
            "required column 'group'");
    T_STREQ(
        load("department_groups.csv", "department,group\n,GRP-A\n", NULL, 1),
        "ERROR cannot load 'department_groups.csv' line 2, column 1 "
        "(department): a value is required");
}

/* With the directory from Graph, the groups' names cannot be checked. */
static void
test_department_groups_graph(void)
{
    static struct rec_sink s;
    struct rg_row_sink sink;
    char dir[] = "/tmp/rg-test-csvload-XXXXXX", path[64], want[200];
    const char *dirs[1];
    struct rg_csvload_opts o;
    struct rg_err err;
    FILE *f;

    memset(&s, 0, sizeof(s));
    memset(&sink, 0, sizeof(sink));
    sink.ctx = &s;
    sink.source_begin = src_begin;
    sink.source_end = src_end;
    sink.table = table;
    sink.row = row;
    sink.table_free = table_free;
    T_CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/department_groups.csv", dir);
    T_CHECK((f = fopen(path, "w")) != NULL);
    if (f) {
        fputs("department,group\nPayments,GRP-A\n", f);
        fclose(f);
    }
    memset(&o, 0, sizeof(o));
    dirs[0] = dir;
    o.dirs = dirs;
    o.ndirs = 1;
    o.directory_elsewhere = 1;
    rg_err_init(&err);
    T_CHECK(rg_csv_load(&o, &sink, &err) == -1);
    T_CHECK(err.code == RG_ERR_USAGE);
    snprintf(want, sizeof(want),
             "'%s/department_groups.csv' names groups, and this collect "
             "reads the groups from Graph",
             dir);
    T_CHECK(strncmp(err.msg, want, strlen(want)) == 0);
    T_CHECK(s.sources == 0);
    unlink(path);
    rmdir(dir);
}

int
main(void)
{
    test_users();
    test_errors();
    test_time_range();
    test_dangling();
    test_dates();
    test_department_groups();
    test_department_groups_graph();
    return T_REPORT();
}
