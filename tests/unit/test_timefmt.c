/*
 * test_timefmt.c - ISO 8601 and explicit-format times, booleans, GUIDs and
 * UTF-8 checks: the value parsers every collector relies on.
 *
 * Expected instants were computed with GNU date, e.g.
 * `date -u -d '2026-03-29T02:30:00+02:00' +%FT%TZ`, not with this code.
 */
#include <stdint.h>
#include <string.h>

#include "t.h"
#include "util/text.h"
#include "util/timefmt.h"

static const char *
iso(const char *in)
{
    static char out[RG_ISO_TIME_LEN];
    struct rg_tm tm;

    if (rg_tm_parse_iso(in, strlen(in), &tm) < 0)
        return "ERROR";
    rg_unix_to_iso(rg_tm_to_unix(&tm), out);
    return out;
}

static const char *
fmt(const char *f, const char *in)
{
    static char out[RG_ISO_TIME_LEN];
    struct rg_tm tm;

    if (rg_tm_parse_fmt(f, in, strlen(in), &tm) < 0)
        return "ERROR";
    rg_unix_to_iso(rg_tm_to_unix(&tm), out);
    return out;
}

static void
test_iso(void)
{
    struct rg_tm tm;

    T_STREQ(iso("2026-11-01"), "2026-11-01T00:00:00Z");
    T_STREQ(iso("2026-11-01T09:30:00Z"), "2026-11-01T09:30:00Z");
    T_STREQ(iso("2026-11-01t09:30:00z"), "2026-11-01T09:30:00Z");
    T_STREQ(iso("2026-11-01 09:30:00Z"), "2026-11-01T09:30:00Z");
    T_STREQ(iso("2026-03-29T02:30:00+02:00"), "2026-03-29T00:30:00Z");
    T_STREQ(iso("2026-01-01T00:30:00+0100"), "2025-12-31T23:30:00Z");
    T_STREQ(iso("2026-01-01T00:30:00+01"), "2025-12-31T23:30:00Z");
    T_STREQ(iso("2025-12-31T23:00:00-05:30"), "2026-01-01T04:30:00Z");
    T_STREQ(iso("2026-06-15T12:00:00.1234567Z"), "2026-06-15T12:00:00Z");
    T_STREQ(iso("2026-06-15T12:00Z"), "2026-06-15T12:00:00Z");
    T_STREQ(iso("2024-02-29"), "2024-02-29T00:00:00Z");
    T_STREQ(iso("2000-02-29T23:59:59Z"), "2000-02-29T23:59:59Z");
    T_STREQ(iso("1969-12-31T23:59:59Z"), "1969-12-31T23:59:59Z");
    T_STREQ(iso("0001-01-01T00:00:00Z"), "0001-01-01T00:00:00Z");
    T_STREQ(iso("9999-12-31T23:59:59Z"), "9999-12-31T23:59:59Z");
    T_STREQ(iso("1601-01-01T00:00:00Z"), "1601-01-01T00:00:00Z");

    T_STREQ(iso("2025-02-29"), "ERROR"); /* not a leap year */
    T_STREQ(iso("1900-02-29"), "ERROR");
    T_STREQ(iso("2026-13-01"), "ERROR");
    T_STREQ(iso("2026-04-31"), "ERROR");
    T_STREQ(iso("2026-11-01T24:00:00Z"), "ERROR");
    T_STREQ(iso("2026-11-01T12:60:00Z"), "ERROR");
    T_STREQ(iso("2026-11-01T12:00:60Z"), "ERROR");
    T_STREQ(iso("2026-11-01T12:00:00+24:00"), "ERROR");
    T_STREQ(iso("2026-11-01T12:00:00."), "ERROR");
    T_STREQ(iso("2026-11-1"), "ERROR");
    T_STREQ(iso("26-11-01"), "ERROR");
    T_STREQ(iso("2026-11-01T"), "ERROR");
    T_STREQ(iso("2026-11-01Z"), "ERROR");
    T_STREQ(iso("11/01/2026"), "ERROR");
    T_STREQ(iso(""), "ERROR");
    T_STREQ(iso("2026-11-01T09:30:00Z "), "ERROR");

    /* no zone: parsed, but the caller must see that */
    T_CHECK(rg_tm_parse_iso("2026-11-01T09:30:00", 19, &tm) == 0);
    T_CHECK(tm.has_time && !tm.has_zone);
    T_CHECK(rg_tm_parse_iso("2026-11-01", 10, &tm) == 0);
    T_CHECK(!tm.has_time);
}

static void
test_fmt(void)
{
    struct rg_err err;
    char date[RG_ISO_DATE_LEN];
    struct rg_tm tm;

    T_STREQ(fmt("%m/%d/%Y %I:%M:%S %p", "8/19/2021 1:25:31 PM"),
            "2021-08-19T13:25:31Z");
    T_STREQ(fmt("%m/%d/%Y %I:%M:%S %p", "8/19/2021 12:05:00 AM"),
            "2021-08-19T00:05:00Z");
    T_STREQ(fmt("%m/%d/%Y %I:%M:%S %p", "8/19/2021 12:05:00 pm"),
            "2021-08-19T12:05:00Z");
    T_STREQ(fmt("%d.%m.%Y %H:%M:%S", "19.04.2023 13:59:09"),
            "2023-04-19T13:59:09Z");
    T_STREQ(fmt("%d-%m-%Y %H:%M:%S%z", "19-04-2023 13:59:09+02:00"),
            "2023-04-19T11:59:09Z");
    T_STREQ(fmt("%d/%m/%Y", "31/12/2025"), "2025-12-31T00:00:00Z");
    T_STREQ(fmt("%Y%%%m%%%d", "2025%12%31"), "2025-12-31T00:00:00Z");
    T_STREQ(fmt("%d/%m/%Y", "31/02/2025"), "ERROR");
    T_STREQ(fmt("%d/%m/%Y", "31/12/2025 "), "ERROR");
    T_STREQ(fmt("%m/%d/%Y %I:%M:%S %p", "8/19/2021 13:25:31 PM"), "ERROR");
    T_STREQ(fmt("%d.%m.%Y", "1.2.25"), "ERROR");

    T_CHECK(rg_tm_parse_fmt("%d.%m.%Y %H:%M", "05.06.2024 00:00", 16, &tm) ==
            0);
    rg_tm_date(&tm, date);
    T_STREQ(date, "2024-06-05");

    rg_err_init(&err);
    T_CHECK(rg_tm_check_fmt("%d.%m.%Y %H:%M:%S", &err) == 0);
    T_CHECK(rg_tm_check_fmt("%m/%d/%Y %I:%M:%S %p", &err) == 0);
    T_CHECK(rg_tm_check_fmt("%d.%m %H:%M", &err) < 0);
    T_STREQ(err.msg, "bad date format '%d.%m %H:%M': needs %Y, %m and %d");
    rg_err_init(&err);
    T_CHECK(rg_tm_check_fmt("%d.%m.%Y %q", &err) < 0);
    T_STREQ(err.msg, "bad date format '%d.%m.%Y %q': unknown directive '%q'");
    rg_err_init(&err);
    T_CHECK(rg_tm_check_fmt("%d.%m.%Y %I:%M", &err) < 0);
    rg_err_init(&err);
    T_CHECK(rg_tm_check_fmt("%d.%m.%Y %d", &err) < 0);
    T_CHECK(err.code == RG_ERR_USAGE);
    rg_err_init(&err);
    T_CHECK(rg_tm_check_fmt("%Y-%m-%d %", &err) < 0);
}

static void
test_days(void)
{
    /* Known day numbers: `date -u -d 2000-03-01 +%s` / 86400 = 11017 */
    T_CHECK(rg_days_from_civil(1970, 1, 1) == 0);
    T_CHECK(rg_days_from_civil(2000, 3, 1) == 11017);
    T_CHECK(rg_days_from_civil(1969, 12, 31) == -1);
    T_CHECK(rg_days_from_civil(2026, 11, 1) == 20758);
}

static void
test_values(void)
{
    int v = -1;
    char g[37];
    size_t bad = 0;

    T_CHECK(rg_parse_bool("TRUE", 4, &v) == 0 && v == 1);
    T_CHECK(rg_parse_bool("yes", 3, &v) == 0 && v == 1);
    T_CHECK(rg_parse_bool("1", 1, &v) == 0 && v == 1);
    T_CHECK(rg_parse_bool("False", 5, &v) == 0 && v == 0);
    T_CHECK(rg_parse_bool("NO", 2, &v) == 0 && v == 0);
    T_CHECK(rg_parse_bool("0", 1, &v) == 0 && v == 0);
    T_CHECK(rg_parse_bool("maybe", 5, &v) < 0);
    T_CHECK(rg_parse_bool("", 0, &v) < 0);
    T_CHECK(rg_parse_bool("true ", 5, &v) < 0);
    T_CHECK(rg_parse_bool("tru", 3, &v) < 0);

    T_CHECK(rg_guid_canon("62E90394-69F5-4237-9190-012177145E10", 36, g));
    T_STREQ(g, "62e90394-69f5-4237-9190-012177145e10");
    T_CHECK(!rg_guid_canon("62E90394-69F5-4237-9190-012177145E1", 35, g));
    T_CHECK(!rg_guid_canon("62E90394x69F5-4237-9190-012177145E10", 36, g));
    T_CHECK(!rg_guid_canon("g2E90394-69F5-4237-9190-012177145E10", 36, g));

    T_CHECK(rg_utf8_valid("S\xc3\xb8"
                          "ren \xc3\x86"
                          "r\xc3\xb8",
                          12, &bad));
    T_CHECK(!rg_utf8_valid("S\xf8"
                           "ren",
                           5, &bad) &&
            bad == 1);                                         /* Latin-1 */
    T_CHECK(!rg_utf8_valid("a\xc0\x80", 3, &bad) && bad == 1); /* overlong */
    T_CHECK(!rg_utf8_valid("a\xed\xa0\x80", 4, &bad));         /* surrogate */
    T_CHECK(!rg_utf8_valid("ab\xc3", 3, &bad) && bad == 2);    /* cut */
    T_CHECK(!rg_utf8_valid("a\0b", 3, &bad) && bad == 1);      /* NUL */
    T_CHECK(rg_utf8_valid("\xf0\x9f\x98\x80", 4, &bad));       /* U+1F600 */
    T_CHECK(!rg_utf8_valid("\xf4\x90\x80\x80", 4, &bad));      /* > U+10FFFF */
    T_CHECK(rg_utf8_len("\xc3\xa6\xc3\xb8\xc3\xa5", 6) == 3);
}

int
main(void)
{
    test_iso();
    test_fmt();
    test_days();
    test_values();
    return T_REPORT();
}
