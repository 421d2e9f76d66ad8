/*
 * report.c - value formatting shared by the renderers (see report.h).
 */
#include "report.h"

#include <stdio.h>
#include <string.h>

static int
num(const char *s, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int
rg_report_time(const char *s, size_t len, int *y, int *mo, int *d, int *h,
               int *mi, int *sec, int *has_time)
{
    if (len != 10 && len != 20)
        return -1;
    if (s[4] != '-' || s[7] != '-')
        return -1;
    *y = num(s, 4);
    *mo = num(s + 5, 2);
    *d = num(s + 8, 2);
    *h = *mi = *sec = 0;
    *has_time = len == 20;
    if (*has_time) {
        if (s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
            return -1;
        *h = num(s + 11, 2);
        *mi = num(s + 14, 2);
        *sec = num(s + 17, 2);
    }
    static const int dim[12] = {
        31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };

    if (*mo >= 1 && *mo <= 12 && *d > dim[*mo - 1])
        return -1;
    if (*mo == 2 && *d == 29 &&
        !((*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0))
        return -1;
    if (*y < 1 || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h < 0 ||
        *h > 23 || *mi < 0 || *mi > 59 || *sec < 0 || *sec > 59)
        return -1;
    return 0;
}

const char *
rg_report_show(const struct rg_value *v, enum rg_format f, char *out,
               size_t outsz)
{
    int y, mo, d, h, mi, sec, t;

    out[0] = '\0';
    switch (v->type) {
    case RG_NULL:
        break;
    case RG_INT:
        if (f == RG_FMT_BOOL)
            snprintf(out, outsz, "%s", v->i ? "Yes" : "No");
        else
            snprintf(out, outsz, "%lld", (long long)v->i);
        break;
    case RG_REAL:
        snprintf(out, outsz, "%.15g", v->d);
        break;
    case RG_TEXT:
        if ((f == RG_FMT_DATE || f == RG_FMT_DATETIME) &&
            rg_report_time(v->s, v->len, &y, &mo, &d, &h, &mi, &sec, &t) == 0) {
            if (f == RG_FMT_DATE || !t)
                snprintf(out, outsz, "%04d-%02d-%02d", y, mo, d);
            else
                snprintf(out, outsz, "%04d-%02d-%02d %02d:%02d", y, mo, d, h,
                         mi);
        } else {
            snprintf(out, outsz, "%.*s", (int)v->len, v->s);
        }
        break;
    }
    return out;
}
