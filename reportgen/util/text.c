/*
 * text.c - UTF-8 validation and ASCII helpers (see text.h).
 */
#include "text.h"

#include <string.h>

int
rg_utf8_valid(const char *str, size_t len, size_t *bad)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    while (i < len) {
        unsigned c = s[i];
        size_t n;
        unsigned cp, min;

        if (c == 0)
            goto fail;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1, cp = c & 0x1f, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2, cp = c & 0x0f, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            goto fail;
        }
        if (len - i <= n)
            goto fail;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                goto fail;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            goto fail;
        i += n + 1;
    }
    return 1;

fail:
    if (bad)
        *bad = i;
    return 0;
}

size_t
rg_utf8_len(const char *s, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            n++;
    return n;
}

static int
lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

int
rg_ascii_ieq(const char *s, size_t len, const char *z)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (!z[i] || lower((unsigned char)s[i]) != lower((unsigned char)z[i]))
            return 0;
    return z[i] == '\0';
}

static int
is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

int
rg_guid_canon(const char *s, size_t len, char out[37])
{
    if (len != 36)
        return 0;
    for (size_t i = 0; i < 36; i++) {
        int c = (unsigned char)s[i];

        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (!is_hex(c)) {
            return 0;
        }
        out[i] = (char)lower(c);
    }
    out[36] = '\0';
    return 1;
}

int
rg_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int
rg_guid_bin(const char *s, size_t len, unsigned char out[16])
{
    size_t o = 0;

    if (len != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' ||
        s[23] != '-')
        return 0;
    for (size_t i = 0; i < 36; i++) {
        int hi, lo;

        if (i == 8 || i == 13 || i == 18 || i == 23)
            continue;
        hi = rg_hexval((unsigned char)s[i]);
        lo = rg_hexval((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        out[o++] = (unsigned char)(hi << 4 | lo);
        i++;
    }
    return 1;
}

int
rg_parse_bool(const char *s, size_t len, int *v)
{
    if (rg_ascii_ieq(s, len, "true") || rg_ascii_ieq(s, len, "yes") ||
        rg_ascii_ieq(s, len, "1")) {
        *v = 1;
        return 0;
    }
    if (rg_ascii_ieq(s, len, "false") || rg_ascii_ieq(s, len, "no") ||
        rg_ascii_ieq(s, len, "0")) {
        *v = 0;
        return 0;
    }
    return -1;
}

const char *
rg_memrfind(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);

    if (n > len)
        return NULL;
    for (size_t i = len - n + 1; i-- > 0;)
        if (memcmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}
