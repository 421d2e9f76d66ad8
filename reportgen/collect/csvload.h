/*
 * csvload.h - the CSV collector: a folder (or several) of exports, checked
 * and loaded into a snapshot through a row sink.
 *
 * docs/csv-formats.md names every file and column this reads. Headers match
 * case-insensitively, ignoring spaces and punctuation, with known aliases
 * (the Entra admin center's objectId for id, ...); column order and extra
 * columns do not matter. Values are checked and converted: booleans to 0/1,
 * times to UTC "YYYY-MM-DDTHH:MM:SSZ", dates to "YYYY-MM-DD", GUIDs to
 * lowercase, references to the integer keys of the objects they name.
 *
 * Anything wrong fails the whole load with a message naming the file, line
 * and column; the caller then discards the snapshot. References to unknown
 * objects are the one exception, with allow_dangling: they are recorded in
 * dangling_reference and counted in their source, and the row is left out.
 */
#ifndef RG_CSVLOAD_H
#define RG_CSVLOAD_H

#include <stddef.h>

#include "../util/err.h"
#include "../util/rows.h"

struct rg_csvload_opts {
    const char *const *dirs; /* folders of exports, read in this order */
    size_t ndirs;
    const char *date_format; /* extra time format (see timefmt.h) or NULL */
    int allow_dangling;
    /* the directory comes from elsewhere (Graph): users.csv is not needed,
       and a directory export is refused */
    int directory_elsewhere;
    /* AD comes from LDAP (--ldap): ad_users.csv and ad_group_members.csv
       are refused */
    int ad_elsewhere;
    /* ServiceNow comes from its Table API (--servicenow):
       servicenow_requests.csv is refused */
    int servicenow_elsewhere;
    /* Called for each warning (e.g. an unknown .csv file); may be NULL. */
    void (*warn)(void *ctx, const char *msg);
    void *warn_ctx;
};

/*
 * Loads every known export found in the folders into sink. users.csv must
 * be in one of them, unless directory_elsewhere. Returns 0, or -1 with err
 * set.
 */
int rg_csv_load(const struct rg_csvload_opts *o, struct rg_row_sink *sink,
                struct rg_err *err);

/*
 * Loads one export held in memory, as if it were the file `name` (e.g.
 * "users.csv") of a folder, with no references resolved against other
 * files: for tests and fuzzing. Returns 0 or -1.
 */
int rg_csv_load_mem(const struct rg_csvload_opts *o, const char *name,
                    const void *data, size_t len, struct rg_row_sink *sink,
                    struct rg_err *err);

#endif
