/*
 * timefmt.h - reading and writing times: ISO 8601 and explicit formats.
 *
 * reportgen stores every time as UTC text, "YYYY-MM-DDTHH:MM:SSZ", and every
 * calendar date as "YYYY-MM-DD", so text order is time order and the sqlite3
 * shell's date functions read them. Fractions of a second are dropped
 * (truncated). Years 0001-9999 only. Nothing here reads the locale or the
 * local time zone: a time with no zone is only accepted through an explicit
 * format (see rg_tm_parse_fmt), and is then taken as UTC.
 */
#ifndef RG_TIMEFMT_H
#define RG_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define RG_ISO_TIME_LEN 21 /* "YYYY-MM-DDTHH:MM:SSZ" and NUL */
#define RG_ISO_DATE_LEN 11 /* "YYYY-MM-DD" and NUL */

/* A parsed time, as written (not yet moved to UTC). */
struct rg_tm {
    int year, month, day;
    int hour, min, sec;
    int has_time;   /* a time of day was written */
    int has_zone;   /* Z or an offset was written */
    int offset_min; /* the offset east of UTC, in minutes */
};

/*
 * Parses ISO 8601 as Graph, PowerShell (-Format o) and most exports write it:
 * "YYYY-MM-DD", or that followed by 'T' (or one space), "HH:MM[:SS[.f...]]"
 * and an optional zone "Z", "+HH:MM", "+HHMM" or "+HH". Returns 0, or -1 when
 * s[0..len) is anything else (including impossible dates such as 02-30).
 */
int rg_tm_parse_iso(const char *s, size_t len, struct rg_tm *tm);

/*
 * Checks an explicit date format (for --date-format): literal characters and
 * the directives %Y (4 digits), %m %d %H %I %M %S (1 or 2 digits), %p (AM or
 * PM, any case), %z (Z or an offset as in ISO) and %%. Needs %Y, %m and %d;
 * %I needs %p. Returns 0, or -1 with a usage error naming the problem.
 */
int rg_tm_check_fmt(const char *fmt, struct rg_err *err);

/*
 * Parses s[0..len) with a format accepted by rg_tm_check_fmt(). Returns 0 or
 * -1. Without %z the result has no zone.
 */
int rg_tm_parse_fmt(const char *fmt, const char *s, size_t len,
                    struct rg_tm *tm);

/* Seconds since 1970-01-01T00:00:00Z of tm, its offset applied (none = UTC). */
int64_t rg_tm_to_unix(const struct rg_tm *tm);

/* 1 when unix seconds fall in the years 0001-9999 (UTC), else 0. */
int rg_unix_in_range(int64_t secs);

/* Writes "YYYY-MM-DDTHH:MM:SSZ" for unix seconds; years outside 1-9999 clamp.
 */
void rg_unix_to_iso(int64_t secs, char out[RG_ISO_TIME_LEN]);

/* Writes the calendar date of tm, as written, as "YYYY-MM-DD". */
void rg_tm_date(const struct rg_tm *tm, char out[RG_ISO_DATE_LEN]);

/* Days since 1970-01-01 of a proleptic Gregorian date (may be negative). */
int64_t rg_days_from_civil(int y, int m, int d);

#endif
