/*
 * timefmt.c - ISO 8601 and explicit-format time parsing (see timefmt.h).
 *
 * Written by hand rather than with strptime(3): strptime depends on the
 * locale (%p, month names) and on glibc's leniency, and evidence must read
 * the same way on every machine.
 */
#include "timefmt.h"

#include <stdio.h>
#include <string.h>

static int
is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
    static const int dm[12] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };

    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

int64_t
rg_days_from_civil(int y, int m, int d)
{
    /*
     * Count days in a calendar whose year starts in March, so the leap day
     * is the last day of the year; eras are 400-year cycles of 146097 days.
     */
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t mp = (m + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Reads exactly n digits at s[*i]; returns the value or -1. */
static int
digits(const char *s, size_t len, size_t *i, int n)
{
    int v = 0;

    if (len - *i < (size_t)n)
        return -1;
    for (int k = 0; k < n; k++) {
        char c = s[*i + k];

        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *i += (size_t)n;
    return v;
}

/* Reads 1 or 2 digits; returns the value or -1. */
static int
digits12(const char *s, size_t len, size_t *i)
{
    int v = digits(s, len, i, 1);

    if (v >= 0 && *i < len && s[*i] >= '0' && s[*i] <= '9')
        v = v * 10 + (s[(*i)++] - '0');
    return v;
}

static int
valid(const struct rg_tm *tm)
{
    if (tm->year < 1 || tm->year > 9999 || tm->month < 1 || tm->month > 12)
        return 0;
    if (tm->day < 1 || tm->day > days_in_month(tm->year, tm->month))
        return 0;
    if (tm->hour < 0 || tm->hour > 23 || tm->min < 0 || tm->min > 59 ||
        tm->sec < 0 || tm->sec > 59)
        return 0;
    return tm->offset_min > -24 * 60 && tm->offset_min < 24 * 60;
}

/* Reads "Z", "+HH:MM", "+HHMM" or "+HH" at s[*i]. */
static int
zone(const char *s, size_t len, size_t *i, struct rg_tm *tm)
{
    int sign, hh, mm = 0;

    if (*i >= len)
        return -1;
    if (s[*i] == 'Z' || s[*i] == 'z') {
        (*i)++;
        tm->has_zone = 1;
        tm->offset_min = 0;
        return 0;
    }
    if (s[*i] != '+' && s[*i] != '-')
        return -1;
    sign = s[(*i)++] == '-' ? -1 : 1;
    if ((hh = digits(s, len, i, 2)) < 0 || hh > 23)
        return -1;
    if (*i < len && s[*i] == ':') {
        (*i)++;
        if ((mm = digits(s, len, i, 2)) < 0)
            return -1;
    } else if (*i < len && s[*i] >= '0' && s[*i] <= '9') {
        if ((mm = digits(s, len, i, 2)) < 0)
            return -1;
    }
    if (mm > 59)
        return -1;
    tm->has_zone = 1;
    tm->offset_min = sign * (hh * 60 + mm);
    return 0;
}

int
rg_tm_parse_iso(const char *s, size_t len, struct rg_tm *tm)
{
    size_t i = 0;

    memset(tm, 0, sizeof(*tm));
    if ((tm->year = digits(s, len, &i, 4)) < 0 || i >= len || s[i++] != '-')
        return -1;
    if ((tm->month = digits(s, len, &i, 2)) < 0 || i >= len || s[i++] != '-')
        return -1;
    if ((tm->day = digits(s, len, &i, 2)) < 0)
        return -1;
    if (i == len)
        return valid(tm) ? 0 : -1;
    if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
        return -1;
    i++;
    tm->has_time = 1;
    if ((tm->hour = digits(s, len, &i, 2)) < 0 || i >= len || s[i++] != ':')
        return -1;
    if ((tm->min = digits(s, len, &i, 2)) < 0)
        return -1;
    if (i < len && s[i] == ':') {
        i++;
        if ((tm->sec = digits(s, len, &i, 2)) < 0)
            return -1;
        if (i < len && (s[i] == '.' || s[i] == ',')) {
            size_t start = ++i;

            while (i < len && s[i] >= '0' && s[i] <= '9')
                i++;
            if (i == start)
                return -1;
        }
    }
    if (i < len && zone(s, len, &i, tm) < 0)
        return -1;
    return i == len && valid(tm) ? 0 : -1;
}

int
rg_tm_check_fmt(const char *fmt, struct rg_err *err)
{
    int seen[128] = { 0 };

    for (const char *p = fmt; *p; p++) {
        if (*p != '%')
            continue;
        p++;
        if (!*p || !strchr("YmdHIMSpz%", *p))
            return rg_fail(err, RG_ERR_USAGE,
                           "bad date format '%s': unknown directive '%%%s'",
                           fmt, *p ? (char[]){ *p, 0 } : "");
        if (*p != '%' && seen[(int)*p]++)
            return rg_fail(err, RG_ERR_USAGE,
                           "bad date format '%s': '%%%c' appears twice", fmt,
                           *p);
    }
    if (!seen['Y'] || !seen['m'] || !seen['d'])
        return rg_fail(err, RG_ERR_USAGE,
                       "bad date format '%s': needs %%Y, %%m and %%d", fmt);
    if (seen['I'] != seen['p'] || (seen['I'] && seen['H']))
        return rg_fail(err, RG_ERR_USAGE,
                       "bad date format '%s': use %%H, or %%I with %%p", fmt);
    return 0;
}

int
rg_tm_parse_fmt(const char *fmt, const char *s, size_t len, struct rg_tm *tm)
{
    size_t i = 0;
    int pm = -1, hour12 = -1;

    memset(tm, 0, sizeof(*tm));
    for (const char *p = fmt; *p; p++) {
        int v = 0;

        if (*p != '%' || p[1] == '%') {
            p += *p == '%';
            if (i >= len || s[i] != *p)
                return -1;
            i++;
            continue;
        }
        switch (*++p) {
        case 'Y':
            v = tm->year = digits(s, len, &i, 4);
            break;
        case 'm':
            v = tm->month = digits12(s, len, &i);
            break;
        case 'd':
            v = tm->day = digits12(s, len, &i);
            break;
        case 'H':
            v = tm->hour = digits12(s, len, &i);
            tm->has_time = 1;
            break;
        case 'I':
            v = hour12 = digits12(s, len, &i);
            tm->has_time = 1;
            if (v < 1 || v > 12)
                return -1;
            break;
        case 'M':
            v = tm->min = digits12(s, len, &i);
            break;
        case 'S':
            v = tm->sec = digits12(s, len, &i);
            break;
        case 'p':
            if (len - i >= 2 && (s[i + 1] == 'M' || s[i + 1] == 'm') &&
                (s[i] == 'A' || s[i] == 'a' || s[i] == 'P' || s[i] == 'p')) {
                pm = s[i] == 'P' || s[i] == 'p';
                i += 2;
            } else {
                return -1;
            }
            break;
        case 'z':
            v = zone(s, len, &i, tm);
            break;
        default:
            return -1;
        }
        if (v < 0)
            return -1;
    }
    if (hour12 >= 0)
        tm->hour = hour12 % 12 + (pm == 1 ? 12 : 0);
    return i == len && valid(tm) ? 0 : -1;
}

int64_t
rg_tm_to_unix(const struct rg_tm *tm)
{
    return rg_days_from_civil(tm->year, tm->month, tm->day) * 86400 +
           tm->hour * 3600 + tm->min * 60 + tm->sec - tm->offset_min * 60;
}

int
rg_unix_in_range(int64_t secs)
{
    return secs >= rg_days_from_civil(1, 1, 1) * 86400 &&
           secs <= rg_days_from_civil(9999, 12, 31) * 86400 + 86399;
}

void
rg_unix_to_iso(int64_t secs, char out[RG_ISO_TIME_LEN])
{
    int64_t lo = rg_days_from_civil(1, 1, 1) * 86400;
    int64_t hi = rg_days_from_civil(9999, 12, 31) * 86400 + 86399;
    int64_t days, rem;
    int y, m, d;
    char buf[64];

    if (secs < lo)
        secs = lo;
    if (secs > hi)
        secs = hi;
    days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    rem = secs - days * 86400;
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
    memcpy(out, buf, RG_ISO_TIME_LEN - 1);
    out[RG_ISO_TIME_LEN - 1] = '\0';
}

void
rg_tm_date(const struct rg_tm *tm, char out[RG_ISO_DATE_LEN])
{
    char buf[48];

    snprintf(buf, sizeof(buf), "%04d-%02d-%02d", tm->year, tm->month, tm->day);
    memcpy(out, buf, RG_ISO_DATE_LEN - 1);
    out[RG_ISO_DATE_LEN - 1] = '\0';
}
