/*
 * fuzz_csvload.c - libFuzzer target: the CSV collector (header mapping and
 * every value converter) on arbitrary bytes, as each kind of export.
 *
 * The first byte picks the export; the rest is its content. Rows go to a
 * sink that checks them: every text value must be valid UTF-8, every failure
 * must carry a message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/csvload.h"
#include "util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct rg_table_writer {
    size_t n;
};

static int64_t
begin(void *ctx, const char *kind, const char *entity, const char *loc,
      struct rg_err *err)
{
    (void)ctx, (void)kind, (void)entity, (void)loc, (void)err;
    return 1;
}

static int
end(void *ctx, int64_t id, const struct rg_source_stats *st, struct rg_err *err)
{
    (void)ctx, (void)id, (void)err;
    if (st->rows < 0 || st->dangling < 0)
        abort();
    return 0;
}

static struct rg_table_writer *
table(void *ctx, const char *name, const char *const *cols, size_t n,
      struct rg_err *err)
{
    struct rg_table_writer *w = malloc(sizeof(*w));

    (void)ctx, (void)name, (void)cols, (void)err;
    w->n = n;
    return w;
}

static int
row(struct rg_table_writer *w, const struct rg_value *v, struct rg_err *err)
{
    (void)err;
    for (size_t i = 0; i < w->n; i++)
        if (v[i].type == RG_TEXT && !rg_utf8_valid(v[i].s, v[i].len, NULL))
            abort();
    return 0;
}

static void
table_free(struct rg_table_writer *w)
{
    free(w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {
        "users.csv",
        "groups.csv",
        "service_principals.csv",
        "group_members.csv",
        "role_definitions.csv",
        "role_assignments.csv",
        "hr_people.csv",
        "hr_events.csv",
        "ad_users.csv",
        "servicenow_requests.csv",
        "sod_rules.csv",
        "department_groups.csv",
    };
    struct rg_row_sink sink = { NULL, begin, end, table, row, table_free };
    struct rg_csvload_opts o;
    struct rg_err err;

    if (size < 1)
        return 0;
    memset(&o, 0, sizeof(o));
    o.allow_dangling = data[0] & 0x80;
    o.date_format = (data[0] & 0x40) ? "%d.%m.%Y %H:%M:%S" : NULL;
    rg_err_init(&err);
    if (rg_csv_load_mem(
            &o, names[(data[0] & 0x3f) % (sizeof(names) / sizeof(names[0]))],
            data + 1, size - 1, &sink, &err) < 0 &&
        err.code == RG_OK)
        abort();
    return 0;
}
