/*
 * pdffix.c - a correct ToUnicode CMap for libharu's UTF-8 fonts, written as
 * an incremental update (see rg_pdf_fix_tounicode() in pdf.h).
 *
 * An incremental update appends new versions of objects, a cross-reference
 * section for them and a trailer pointing back (/Prev) to the old one; the
 * original bytes stay as they were. The signed-pack work appends its
 * signature the same way.
 */
#define _GNU_SOURCE /* memmem() */
#include "pdf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/text.h"

#define MAX_FONTS 16

/* Reads "/Key <digits>" inside [from, to); returns the number or -1. */
static long
key_number(const char *from, const char *to, const char *key)
{
    size_t n = strlen(key);

    for (const char *p = from; p + n < to; p++) {
        if (memcmp(p, key, n) == 0 && (p[n] == ' ' || p[n] == '\n')) {
            char *end;
            long v = strtol(p + n + 1, &end, 10);

            return end > p + n + 1 ? v : -1;
        }
    }
    return -1;
}

/* The identity CMap: every 2-byte code is the Unicode code point itself. */
static size_t
cmap_text(char *out, size_t outsz)
{
    size_t o = 0;
    int ranges[256] = { 0 }, n = 0;

    for (int hi = 0; hi < 256; hi++)
        if (hi < 0xd8 || hi > 0xdf) /* no surrogates */
            ranges[n++] = hi;
    o += (size_t)snprintf(out + o, outsz - o,
                          "/CIDInit /ProcSet findresource begin\n"
                          "12 dict begin\n"
                          "begincmap\n"
                          "/CIDSystemInfo << /Registry (Adobe) /Ordering "
                          "(UCS) /Supplement 0 >> def\n"
                          "/CMapName /Adobe-Identity-UCS def\n"
                          "/CMapType 2 def\n"
                          "1 begincodespacerange\n<0000> <FFFF>\n"
                          "endcodespacerange\n");
    for (int i = 0; i < n; i += 100) {
        int k = n - i < 100 ? n - i : 100;

        o += (size_t)snprintf(out + o, outsz - o, "%d beginbfrange\n", k);
        for (int j = i; j < i + k; j++)
            o += (size_t)snprintf(out + o, outsz - o,
                                  "<%02X00> <%02XFF> <%02X00>\n", ranges[j],
                                  ranges[j], ranges[j]);
        o += (size_t)snprintf(out + o, outsz - o, "endbfrange\n");
    }
    o += (size_t)snprintf(out + o, outsz - o,
                          "endcmap\n"
                          "CMapName currentdict /CMap defineresource pop\n"
                          "end\n"
                          "end\n");
    return o;
}

int
rg_pdf_fix_tounicode(char **buf, size_t *len, struct rg_err *err)
{
    const char *pdf = *buf, *trailer, *tend, *sx;
    long objs[MAX_FONTS], root, info, size, prev;
    size_t nobjs = 0, cmap_len, add_cap, o;
    long offsets[MAX_FONTS];
    char *cmap = NULL, *out = NULL;

    /* the objects libharu points fonts at */
    for (const char *p = pdf;
         (p = memmem(p, (size_t)(pdf + *len - p), "/ToUnicode ", 11));
         p += 11) {
        long n = strtol(p + 11, NULL, 10);
        size_t i;

        for (i = 0; i < nobjs && objs[i] != n; i++)
            ;
        if (i == nobjs && n > 0) {
            if (nobjs == MAX_FONTS)
                return rg_fail(err, RG_ERR_INTERNAL, "PDF: too many fonts");
            objs[nobjs++] = n;
        }
    }
    if (nobjs == 0)
        return 0;
    trailer = rg_memrfind(pdf, *len, "trailer");
    sx = rg_memrfind(pdf, *len, "startxref");
    if (!trailer || !sx || sx < trailer)
        return rg_fail(err, RG_ERR_INTERNAL, "PDF: no trailer to update");
    tend = sx;
    root = key_number(trailer, tend, "/Root");
    info = key_number(trailer, tend, "/Info");
    size = key_number(trailer, tend, "/Size");
    prev = strtol(sx + 9, NULL, 10);
    if (root <= 0 || size <= 0 || prev <= 0)
        return rg_fail(err, RG_ERR_INTERNAL, "PDF: unexpected trailer");

    if (!(cmap = malloc(16384)))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    cmap_len = cmap_text(cmap, 16384);
    add_cap = nobjs * (cmap_len + 128) + 512 + nobjs * 40;
    if (!(out = realloc(*buf, *len + add_cap))) {
        free(cmap);
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    }
    *buf = out;
    o = *len;
    if (out[o - 1] != '\n')
        out[o++] = '\n';
    for (size_t i = 0; i < nobjs; i++) {
        offsets[i] = (long)o;
        o += (size_t)snprintf(out + o, add_cap - (o - *len),
                              "%ld 0 obj\n<<\n/Length %zu\n>>\nstream\n",
                              objs[i], cmap_len);
        memcpy(out + o, cmap, cmap_len);
        o += cmap_len;
        o += (size_t)snprintf(out + o, add_cap - (o - *len),
                              "endstream\nendobj\n");
    }
    {
        long xref = (long)o;

        o += (size_t)snprintf(out + o, add_cap - (o - *len), "xref\n");
        for (size_t i = 0; i < nobjs; i++)
            o += (size_t)snprintf(out + o, add_cap - (o - *len),
                                  "%ld 1\n%010ld 00000 n\r\n", objs[i],
                                  offsets[i]);
        o += (size_t)snprintf(out + o, add_cap - (o - *len),
                              "trailer\n<<\n/Root %ld 0 R\n", root);
        if (info > 0)
            o += (size_t)snprintf(out + o, add_cap - (o - *len),
                                  "/Info %ld 0 R\n", info);
        o += (size_t)snprintf(out + o, add_cap - (o - *len),
                              "/Size %ld\n/Prev %ld\n>>\nstartxref\n%ld\n"
                              "%%%%EOF\n",
                              size, prev, xref);
    }
    *len = o;
    free(cmap);
    return 0;
}
