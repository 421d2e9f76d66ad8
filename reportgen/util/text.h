/*
 * text.h - small text helpers for untrusted input: UTF-8 validation,
 * ASCII case folding, GUID canonical form.
 *
 * Nothing here allocates; all functions work on (pointer, length) pairs so
 * that embedded NUL bytes are seen, not silently cut.
 */
#ifndef RG_TEXT_H
#define RG_TEXT_H

#include <stddef.h>

/*
 * Returns 1 when s[0..len) is well-formed UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF, no NUL byte), else 0 and sets *bad to
 * the byte offset of the first offending sequence (bad may be NULL).
 */
int rg_utf8_valid(const char *s, size_t len, size_t *bad);

/* Number of code points in valid UTF-8 text. */
size_t rg_utf8_len(const char *s, size_t len);

/* ASCII-only case-insensitive equality of s[0..len) and the C string z. */
int rg_ascii_ieq(const char *s, size_t len, const char *z);

/*
 * If s[0..len) is a GUID (8-4-4-4-12 hex digits), writes its lowercase form
 * to out (37 bytes with NUL) and returns 1; otherwise returns 0.
 */
int rg_guid_canon(const char *s, size_t len, char out[37]);

/*
 * If s[0..len) is a GUID, writes its 16 bytes (as the hex digits read, any
 * case) to out and returns 1; otherwise returns 0.
 */
int rg_guid_bin(const char *s, size_t len, unsigned char out[16]);

/*
 * Reads a boolean as exports write them: true/false, yes/no, 1/0, in any
 * case. Returns 0 and sets *v, or -1.
 */
int rg_parse_bool(const char *s, size_t len, int *v);

/* The value of a hex digit, or -1. */
int rg_hexval(int c);

/* The last occurrence of needle in hay[0..len), or NULL. */
const char *rg_memrfind(const char *hay, size_t len, const char *needle);

#endif
