/*
 * pdfsig.c - the signature inside the PDF (see pdfsig.h).
 */
#define _GNU_SOURCE /* memmem() */
#include "pdfsig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/text.h"

#define MAX_PDF ((size_t)1 << 31)
#define MAX_HOPS 64

/* ---- a growing byte buffer for the update */

struct out {
    char *p;
    size_t n, cap;
    int nomem;
};

static void
out_add(struct out *o, const void *data, size_t n)
{
    if (o->nomem)
        return;
    if (o->n + n + 1 > o->cap) {
        size_t cap = (o->cap ? o->cap * 2 : 4096) + n;
        char *p = realloc(o->p, cap);

        if (!p) {
            o->nomem = 1;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->n, data, n);
    o->n += n;
}

static void out_printf(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_printf(struct out *o, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(small)) {
        out_add(o, small, (size_t)n);
        return;
    }
    {
        char *big = malloc((size_t)n + 1);

        if (!big) {
            o->nomem = 1;
            return;
        }
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        out_add(o, big, (size_t)n);
        free(big);
    }
}

/* ---- reading what libharu wrote */

static int
is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' ||
           c == '\0';
}

static int
is_delim(char c)
{
    return is_ws(c) || c == '/' || c == '<' || c == '>' || c == '[' ||
           c == ']' || c == '(' || c == ')';
}

/* "/Key <number>" in [from, to) as a whole name; -1 when absent. */
static long
key_number(const char *from, const char *to, const char *key)
{
    size_t n = strlen(key);

    for (const char *p = from; p && p + n < to;
         p = memmem(p + 1, (size_t)(to - p - 1), key, n)) {
        if (memcmp(p, key, n) == 0 && is_delim(p[n])) {
            const char *q = p + n;
            long v = 0;
            int digits = 0;

            while (q < to && is_ws(*q))
                q++;
            while (q < to && *q >= '0' && *q <= '9' && digits < 12) {
                v = v * 10 + (*q++ - '0');
                digits++;
            }
            return digits ? v : -1;
        }
    }
    return -1;
}

/* Does [from, to) hold the name key? */
static int
has_key(const char *from, const char *to, const char *key)
{
    size_t n = strlen(key);

    for (const char *p = from; p + n <= to; p++)
        if (memcmp(p, key, n) == 0 && (p + n == to || is_delim(p[n])))
            return 1;
    return 0;
}

/* Reads an unsigned decimal at *p (at most 12 digits); -1 when none. */
static long
read_num(const char **p, const char *end)
{
    long v = 0;
    int d = 0;

    while (*p < end && is_ws(**p))
        (*p)++;
    while (*p < end && **p >= '0' && **p <= '9' && d < 12) {
        v = v * 10 + (**p - '0');
        (*p)++;
        d++;
    }
    return d ? v : -1;
}

/*
 * The offset of object num, from the cross-reference tables starting at
 * xref and linked by /Prev (the newest definition wins); -1 when absent.
 */
static long
xref_lookup(const char *pdf, size_t len, long xref, long num)
{
    for (int hop = 0; hop < MAX_HOPS && xref > 0 && (size_t)xref < len; hop++) {
        const char *p = pdf + xref, *end = pdf + len, *tr;
        long found = -1;

        if ((size_t)(end - p) < 4 || memcmp(p, "xref", 4) != 0)
            return -1;
        p += 4;
        for (;;) {
            long first, count;

            while (p < end && is_ws(*p))
                p++;
            if ((size_t)(end - p) >= 7 && memcmp(p, "trailer", 7) == 0)
                break;
            if ((first = read_num(&p, end)) < 0 ||
                (count = read_num(&p, end)) < 0)
                return -1;
            while (p < end && (*p == ' ' || *p == '\r' || *p == '\n'))
                p++;
            if (count > (long)((size_t)(end - p) / 20))
                return -1;
            if (num >= first && num < first + count && found < 0) {
                const char *e = p + (num - first) * 20;
                const char *q = e;
                long off = read_num(&q, e + 20);

                if (e[17] == 'n' && off >= 0)
                    found = off;
            }
            p += count * 20;
        }
        if (found >= 0)
            return found;
        tr = p;
        xref = key_number(tr, end - tr > 4096 ? tr + 4096 : end, "/Prev");
    }
    return -1;
}

/*
 * The dictionary of the object at off: sets [*ds, *de) to its text from
 * "<<" to just past the matching ">>". Literal and hex strings are skipped.
 */
static int
object_dict(const char *pdf, size_t len, long off, long num, const char **ds,
            const char **de)
{
    const char *p = pdf + off, *end = pdf + len;
    char head[32];
    int hn = snprintf(head, sizeof(head), "%ld 0 obj", num), depth = 0;

    if (off < 0 || (size_t)off >= len || (size_t)(end - p) < (size_t)hn ||
        memcmp(p, head, (size_t)hn) != 0)
        return -1;
    p += hn;
    while (p < end && is_ws(*p))
        p++;
    if (end - p < 2 || p[0] != '<' || p[1] != '<')
        return -1;
    *ds = p;
    while (p < end) {
        if (p + 1 < end && p[0] == '<' && p[1] == '<') {
            depth++;
            p += 2;
        } else if (p + 1 < end && p[0] == '>' && p[1] == '>') {
            p += 2;
            if (--depth == 0) {
                *de = p;
                return 0;
            }
        } else if (*p == '(') {
            int paren = 1;

            for (p++; p < end && paren > 0; p++) {
                if (*p == '\\')
                    p++;
                else if (*p == '(')
                    paren++;
                else if (*p == ')')
                    paren--;
            }
        } else if (*p == '<') {
            const char *q = memchr(p, '>', (size_t)(end - p));

            if (!q)
                return -1;
            p = q + 1;
        } else {
            p++;
        }
    }
    return -1;
}

/* A PDF text string: literal when plain ASCII, else UTF-16BE hex. */
static void
text_string(struct out *o, const char *s)
{
    int plain = 1;

    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            plain = 0;
    if (plain) {
        out_add(o, "(", 1);
        for (const char *p = s; *p; p++) {
            if (*p == '(' || *p == ')' || *p == '\\')
                out_add(o, "\\", 1);
            out_add(o, p, 1);
        }
        out_add(o, ")", 1);
        return;
    }
    out_add(o, "<FEFF", 5);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned long cp = 0xfffd;
        int n = 1;

        if (*p < 0x80) {
            cp = *p;
        } else if ((*p & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
            cp = ((unsigned long)(*p & 0x1f) << 6) | (p[1] & 0x3f);
            n = 2;
        } else if ((*p & 0xf0) == 0xe0 && (p[1] & 0xc0) == 0x80 &&
                   (p[2] & 0xc0) == 0x80) {
            cp = ((unsigned long)(*p & 0x0f) << 12) |
                 ((unsigned long)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
            n = 3;
        } else if ((*p & 0xf8) == 0xf0 && (p[1] & 0xc0) == 0x80 &&
                   (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80) {
            cp = ((unsigned long)(*p & 0x07) << 18) |
                 ((unsigned long)(p[1] & 0x3f) << 12) |
                 ((unsigned long)(p[2] & 0x3f) << 6) | (p[3] & 0x3f);
            n = 4;
        }
        if (cp < 0x20)
            cp = 0x20;
        if (cp > 0xffff) {
            cp -= 0x10000;
            out_printf(o, "%04lX%04lX", 0xd800 + (cp >> 10),
                       0xdc00 + (cp & 0x3ff));
        } else {
            out_printf(o, "%04lX", cp);
        }
        p += n;
    }
    out_add(o, ">", 1);
}

static int
read_pdf(const char *path, char **buf, size_t *len, struct rg_err *err)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;

    *buf = NULL;
    if (!f)
        return rg_fail(err, RG_ERR_IO, "cannot open '%s': %s", path,
                       strerror(errno));
    if (fstat(fileno(f), &sb) != 0 || sb.st_size <= 0 ||
        (size_t)sb.st_size > MAX_PDF) {
        fclose(f);
        return rg_fail(err, RG_ERR_INPUT, "'%s' is empty or too large to sign",
                       path);
    }
    *len = (size_t)sb.st_size;
    if (!(*buf = malloc(*len + 1))) {
        fclose(f);
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    }
    if (fread(*buf, 1, *len, f) != *len) {
        fclose(f);
        free(*buf);
        *buf = NULL;
        return rg_fail(err, RG_ERR_IO, "cannot read '%s'", path);
    }
    (*buf)[*len] = '\0';
    fclose(f);
    return 0;
}

static int
write_pdf(const char *path, const char *a, size_t alen, const char *b,
          size_t blen, struct rg_err *err)
{
    char tmp[4096];
    FILE *f;
    int fd;

    if (snprintf(tmp, sizeof(tmp), "%s.sig-XXXXXX", path) >= (int)sizeof(tmp))
        return rg_fail(err, RG_ERR_LIMIT, "path '%s' is too long", path);
    if ((fd = mkstemp(tmp)) < 0)
        return rg_fail(err, RG_ERR_IO, "cannot create a file beside '%s': %s",
                       path, strerror(errno));
    if (!(f = fdopen(fd, "wb"))) {
        close(fd);
        unlink(tmp);
        return rg_fail(err, RG_ERR_IO, "cannot write '%s'", tmp);
    }
    if (fwrite(a, 1, alen, f) != alen || fwrite(b, 1, blen, f) != blen ||
        fflush(f) != 0 || fchmod(fd, 0644) != 0) {
        int e = errno;

        fclose(f);
        unlink(tmp);
        return rg_fail(err, RG_ERR_IO, "cannot write '%s': %s", tmp,
                       strerror(e));
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        int e = errno;

        unlink(tmp);
        return rg_fail(err, RG_ERR_IO, "cannot write '%s': %s", path,
                       strerror(e));
    }
    return 0;
}

int
rg_pdf_sign(const char *path, const struct rg_signer *s, const char *when,
            struct rg_err *err)
{
    char *pdf = NULL;
    size_t len = 0, hexlen, a, b, total;
    struct out o = { NULL, 0, 0, 0 };
    const char *sx, *tr, *cs, *ce, *ps, *pe, *k;
    long root, info, size, prev, pages, page, fld, sig;
    long off_root, off_page, off_fld, off_sig, off_xref;
    size_t br_at, contents_at;
    unsigned char *der = NULL;
    size_t derlen = 0;
    struct rg_span spans[2];
    int ret = -1;

    if (read_pdf(path, &pdf, &len, err) < 0)
        return -1;
    sx = rg_memrfind(pdf, len, "startxref");
    tr = sx ? rg_memrfind(pdf, (size_t)(sx - pdf), "trailer") : NULL;
    if (!sx || !tr)
        goto unexpected;
    root = key_number(tr, sx, "/Root");
    info = key_number(tr, sx, "/Info");
    size = key_number(tr, sx, "/Size");
    {
        const char *q = sx + 9;

        prev = read_num(&q, pdf + len);
    }
    if (root <= 0 || size <= 0 || prev <= 0)
        goto unexpected;
    if (has_key(pdf, pdf + len, "/ByteRange"))
        return free(pdf),
               rg_fail(err, RG_ERR_INPUT, "'%s' is signed already", path);
    off_root = xref_lookup(pdf, len, prev, root);
    if (object_dict(pdf, len, off_root, root, &cs, &ce) < 0)
        goto unexpected;
    if (has_key(cs, ce, "/AcroForm"))
        return free(pdf), rg_fail(err, RG_ERR_INPUT,
                                  "'%s' has a form already; reportgen signs "
                                  "only the PDFs it writes",
                                  path);
    if ((pages = key_number(cs, ce, "/Pages")) <= 0 ||
        object_dict(pdf, len, xref_lookup(pdf, len, prev, pages), pages, &ps,
                    &pe) < 0 ||
        !(k = memmem(ps, (size_t)(pe - ps), "/Kids", 5)))
        goto unexpected;
    k += 5;
    while (k < pe && (is_ws(*k) || *k == '['))
        k++;
    if ((page = read_num(&k, pe)) <= 0)
        goto unexpected;
    off_page = xref_lookup(pdf, len, prev, page);
    if (object_dict(pdf, len, off_page, page, &ps, &pe) < 0)
        goto unexpected;
    if (has_key(ps, pe, "/Annots"))
        return free(pdf), rg_fail(err, RG_ERR_INPUT,
                                  "'%s' has annotations already; reportgen "
                                  "signs only the PDFs it writes",
                                  path);

    fld = size;
    sig = size + 1;
    hexlen = 2 * rg_signer_max_der(s);
    if (pdf[len - 1] != '\n')
        out_add(&o, "\n", 1);
    /* the catalog, with the form that holds the signature field */
    off_root = (long)(len + o.n);
    out_printf(&o, "%ld 0 obj\n", root);
    out_add(&o, cs, (size_t)(ce - cs - 2));
    out_printf(&o,
               "/AcroForm << /Fields [ %ld 0 R ] /SigFlags 3 >>\n>>\n"
               "endobj\n",
               fld);
    /* the first page, showing the field's (invisible) widget */
    off_page = (long)(len + o.n);
    out_printf(&o, "%ld 0 obj\n", page);
    out_add(&o, ps, (size_t)(pe - ps - 2));
    out_printf(&o, "/Annots [ %ld 0 R ]\n>>\nendobj\n", fld);
    off_fld = (long)(len + o.n);
    out_printf(&o,
               "%ld 0 obj\n<<\n/Type /Annot\n/Subtype /Widget\n/FT /Sig\n"
               "/T (reportgen signature)\n/F 132\n/Rect [ 0 0 0 0 ]\n"
               "/P %ld 0 R\n/V %ld 0 R\n>>\nendobj\n",
               fld, page, sig);
    off_sig = (long)(len + o.n);
    out_printf(&o,
               "%ld 0 obj\n<<\n/Type /Sig\n/Filter /Adobe.PPKLite\n"
               "/SubFilter /adbe.pkcs7.detached\n/Name ",
               sig);
    text_string(&o, rg_signer_name(s));
    out_printf(&o,
               "\n/Reason (" RG_PDF_SIG_REASON ")\n"
               "/M (D:%.4s%.2s%.2s%.2s%.2s%.2s+00'00')\n/ByteRange ",
               when, when + 5, when + 8, when + 11, when + 14, when + 17);
    br_at = o.n;
    out_printf(&o, "[ %-10d %-10d %-10d %-10d ]\n/Contents <", 0, 0, 0, 0);
    contents_at = o.n - 1; /* the '<' */
    for (size_t i = 0; i < hexlen; i++)
        out_add(&o, "0", 1);
    out_printf(&o, ">\n>>\nendobj\n");
    off_xref = (long)(len + o.n);
    out_printf(&o, "xref\n");
    {
        long nums[3] = { root, page, fld },
             offs[3] = { off_root, off_page, off_fld };

        /* ascending object numbers; the field and /Sig are consecutive */
        if (nums[0] > nums[1]) {
            long t = nums[0];

            nums[0] = nums[1], nums[1] = t;
            t = offs[0], offs[0] = offs[1], offs[1] = t;
        }
        out_printf(&o, "%ld 1\n%010ld 00000 n\r\n", nums[0], offs[0]);
        if (nums[1] != nums[0])
            out_printf(&o, "%ld 1\n%010ld 00000 n\r\n", nums[1], offs[1]);
        out_printf(&o, "%ld 2\n%010ld 00000 n\r\n%010ld 00000 n\r\n", fld,
                   off_fld, off_sig);
    }
    out_printf(&o, "trailer\n<<\n/Size %ld\n/Root %ld 0 R\n", size + 2, root);
    if (info > 0)
        out_printf(&o, "/Info %ld 0 R\n", info);
    out_printf(&o, "/Prev %ld\n>>\nstartxref\n%ld\n%%%%EOF\n", prev, off_xref);
    if (o.nomem) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }

    a = len + contents_at;
    b = a + hexlen + 2;
    total = len + o.n;
    {
        char br[64];

        snprintf(br, sizeof(br), "[ %-10d %-10zu %-10zu %-10zu ]", 0, a, b,
                 total - b);
        memcpy(o.p + br_at, br, strlen(br));
    }
    spans[0].p = (const unsigned char *)pdf;
    spans[0].n = len;
    spans[1].p = (const unsigned char *)o.p;
    spans[1].n = contents_at;
    {
        /* the bytes signed: [0, a) and [b, total), across both buffers */
        struct rg_span all[3];

        all[0] = spans[0];
        all[1] = spans[1];
        all[2].p = (const unsigned char *)o.p + contents_at + hexlen + 2;
        all[2].n = o.n - contents_at - hexlen - 2;
        if (rg_signer_sign(s, all, 3, &der, &derlen, err) < 0)
            goto done;
    }
    if (derlen * 2 > hexlen) {
        rg_fail(err, RG_ERR_INTERNAL,
                "the signature (%zu bytes) does not fit its place", derlen);
        goto done;
    }
    for (size_t i = 0; i < derlen; i++) {
        static const char hx[] = "0123456789ABCDEF";

        o.p[contents_at + 1 + 2 * i] = hx[der[i] >> 4];
        o.p[contents_at + 2 + 2 * i] = hx[der[i] & 15];
    }
    if (write_pdf(path, pdf, len, o.p, o.n, err) < 0)
        goto done;
    ret = 0;
    goto done;
unexpected:
    rg_fail(err, RG_ERR_INPUT,
            "cannot sign '%s': it is not laid out as reportgen writes PDFs",
            path);
done:
    free(der);
    free(o.p);
    free(pdf);
    return ret;
}

/* ---- finding a signature */

int
rg_pdf_find_sig(const unsigned char *buf, size_t len, struct rg_pdf_sig *sig,
                struct rg_err *err)
{
    const char *pdf = (const char *)buf, *br, *p, *end = pdf + len, *sf;
    long v[4];
    size_t a, b, n;

    memset(sig, 0, sizeof(*sig));
    if (!(br = rg_memrfind(pdf, len, "/ByteRange")))
        return 0;
    sig->found = 1;
    p = br + 10;
    while (p < end && is_ws(*p))
        p++;
    if (p >= end || *p != '[') {
        snprintf(sig->why, sizeof(sig->why), "/ByteRange is not an array");
        return 0;
    }
    p++;
    for (int i = 0; i < 4; i++)
        if ((v[i] = read_num(&p, end)) < 0) {
            snprintf(sig->why, sizeof(sig->why),
                     "/ByteRange does not hold four numbers");
            return 0;
        }
    for (int i = 0; i < 4; i++)
        sig->range[i] = (size_t)v[i];
    /* the /SubFilter of the same dictionary, searched near it */
    {
        size_t from = (size_t)(br - pdf) > 2048 ? (size_t)(br - pdf) - 2048 : 0;
        const char *q =
            rg_memrfind(pdf + from, (size_t)(br - pdf) - from, "/SubFilter");

        if (q) {
            q += 10;
            while (q < end && is_ws(*q))
                q++;
            if (q < end && *q == '/')
                q++;
            sf = q;
            while (q < end && !is_delim(*q) && q - sf < 63)
                q++;
            if (sf < q)
                snprintf(sig->subfilter, sizeof(sig->subfilter), "%.*s",
                         (int)(q - sf), sf);
        }
    }
    a = sig->range[0] + sig->range[1];
    b = sig->range[2];
    if (sig->range[0] != 0 || sig->range[1] > len || b > len || b <= a ||
        sig->range[3] > len - b || b - a < 2 || pdf[a] != '<' ||
        pdf[b - 1] != '>') {
        snprintf(sig->why, sizeof(sig->why),
                 "/ByteRange does not frame a /Contents hex string in the "
                 "file");
        return 0;
    }
    sig->whole = b + sig->range[3] == len;
    n = (b - a - 2) / 2;
    if (!(sig->der = malloc(n ? n : 1)))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        int hi = rg_hexval((unsigned char)pdf[a + 1 + 2 * i]);
        int lo = rg_hexval((unsigned char)pdf[a + 2 + 2 * i]);

        if (hi < 0 || lo < 0) {
            snprintf(sig->why, sizeof(sig->why),
                     "/Contents is not a hex string");
            free(sig->der);
            sig->der = NULL;
            return 0;
        }
        sig->der[i] = (unsigned char)(hi * 16 + lo);
    }
    sig->derlen = n; /* the DER's own length ends it; zeros follow */
    return 0;
}

void
rg_pdf_sig_release(struct rg_pdf_sig *sig)
{
    if (!sig)
        return;
    free(sig->der);
    sig->der = NULL;
}
