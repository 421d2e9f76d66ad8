/*
 * test_servicenow.c - the ServiceNow collector's value conversions: the
 * Table API's UTC times and sc_req_item's state codes. The collector
 * itself is tested against tests/servers/servicenow-server
 * (tests/e2e/check_servicenow.py).
 */
#include <string.h>

#include "collect/servicenow.h"
#include "t.h"

static const char *
conv(const char *in)
{
    static char out[21];

    if (rg_servicenow_time(in, out) < 0)
        return "ERROR";
    return out;
}

int
main(void)
{
    /* the Table API's stored form, without display values: UTC */
    T_STREQ(conv("2026-10-01 08:12:00"), "2026-10-01T08:12:00Z");
    T_STREQ(conv("2024-02-29 23:59:59"), "2024-02-29T23:59:59Z");
    T_STREQ(conv("2026-10-01T08:12:00Z"), "2026-10-01T08:12:00Z");
    T_STREQ(conv("2026-10-01T10:12:00+02:00"), "2026-10-01T08:12:00Z");
    /* a date alone is not a date-time; impossible dates and junk fail */
    T_STREQ(conv("2026-10-01"), "ERROR");
    T_STREQ(conv("2026-02-30 08:00:00"), "ERROR");
    T_STREQ(conv("01/10/2026 08:12"), "ERROR");
    T_STREQ(conv(""), "ERROR");

    T_STREQ(rg_servicenow_state("3"), "closed_complete");
    T_STREQ(rg_servicenow_state("4"), "closed_incomplete");
    T_STREQ(rg_servicenow_state("7"), "closed_skipped");
    T_STREQ(rg_servicenow_state("-5"), "pending");
    T_STREQ(rg_servicenow_state("1"), "open");
    T_STREQ(rg_servicenow_state("2"), "work_in_progress");
    /* another code, or a name already, is kept as it is */
    T_STREQ(rg_servicenow_state("42"), "42");
    T_STREQ(rg_servicenow_state("closed_complete"), "closed_complete");
    return T_REPORT();
}
