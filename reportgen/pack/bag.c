/*
 * bag.c - BagIt 1.0 tag files: written for a pack, parsed for verify
 * (see bag.h).
 */
#include "bag.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/fs.h"
#include "../util/text.h"

#define MAX_LINE 8192
#define MAX_VALUE 65536

/* A growing list of payload paths. */
struct paths {
    char **p;
    size_t n, cap;
};

static void
paths_release(struct paths *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        free(ps->p[i]);
    free(ps->p);
}

static int
paths_add(struct paths *ps, const char *path, struct rg_err *err)
{
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 64;
        char **p = realloc(ps->p, cap * sizeof(*p));

        if (!p)
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        ps->p = p;
        ps->cap = cap;
    }
    if (!(ps->p[ps->n] = strdup(path)))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    ps->n++;
    return 0;
}

/* Calls fn for every entry below dir/rel but folders, depth first. */
static int
walk(const char *dir, const char *rel, rg_bag_walk_fn fn, void *ctx, int depth,
     struct rg_err *err)
{
    char path[4096], sub[4096];
    DIR *d;
    struct dirent *de;
    size_t entries = 0;
    int ret = 0;

    if (depth > 32)
        return rg_fail(err, RG_ERR_LIMIT, "'%s/%s' is nested too deep", dir,
                       rel);
    if (rg_pathf(err, path, sizeof(path), "%s/%s", dir, rel) < 0)
        return -1;
    if (!(d = opendir(path)))
        return rg_fail(err, RG_ERR_IO, "cannot read folder '%s': %s", path,
                       strerror(errno));
    while (ret == 0 && (errno = 0, de = readdir(d))) {
        struct stat sb;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        entries++;
        if (rg_pathf(err, sub, sizeof(sub), "%s/%s", rel, de->d_name) < 0 ||
            rg_pathf(err, path, sizeof(path), "%s/%s", dir, sub) < 0) {
            ret = -1;
            break;
        }
        if (lstat(path, &sb) != 0)
            ret = rg_fail(err, RG_ERR_IO, "cannot read '%s': %s", path,
                          strerror(errno));
        else if (S_ISDIR(sb.st_mode))
            ret = walk(dir, sub, fn, ctx, depth + 1, err);
        else
            ret = fn(ctx, sub, &sb, err);
    }
    if (ret == 0 && errno != 0)
        ret = rg_fail(err, RG_ERR_IO, "cannot read folder '%s/%s': %s", dir,
                      rel, strerror(errno));
    closedir(d);
    if (ret == 0 && entries == 0) { /* no manifest can list an empty one */
        struct stat sb;

        if (rg_pathf(err, path, sizeof(path), "%s/%s", dir, rel) < 0 ||
            lstat(path, &sb) != 0)
            return -1;
        ret = fn(ctx, rel, &sb, err);
    }
    return ret;
}

int
rg_bag_walk(const char *dir, rg_bag_walk_fn fn, void *ctx, struct rg_err *err)
{
    char path[4096];
    struct stat sb;

    if (rg_pathf(err, path, sizeof(path), "%s/data", dir) < 0)
        return -1;
    if (lstat(path, &sb) != 0)
        return rg_fail(err, RG_ERR_IO, "cannot read '%s': %s", path,
                       strerror(errno));
    if (!S_ISDIR(sb.st_mode)) /* a link to a folder elsewhere, too */
        return fn(ctx, "data", &sb, err);
    return walk(dir, "data", fn, ctx, 0, err);
}

struct collect {
    const char *dir;
    struct paths *ps;
};

static int
collect(void *ctx, const char *rel, const struct stat *sb, struct rg_err *err)
{
    struct collect *c = ctx;

    if (S_ISDIR(sb->st_mode))
        return rg_fail(err, RG_ERR_INTERNAL,
                       "'%s/%s' is an empty folder, which no manifest can list",
                       c->dir, rel);
    if (!S_ISREG(sb->st_mode))
        return rg_fail(err, RG_ERR_INPUT,
                       "'%s/%s' is not a regular file or folder", c->dir, rel);
    return paths_add(c->ps, rel, err);
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *
rg_bag_encode_path(const char *path)
{
    size_t n = 0;
    char *out, *o;

    for (const char *p = path; *p; p++)
        n += (*p == '%' || *p == '\n' || *p == '\r') ? 3 : 1;
    if (!(o = out = malloc(n + 1)))
        return NULL;
    for (const char *p = path; *p; p++) {
        if (*p == '%' || *p == '\n' || *p == '\r') {
            snprintf(o, 4, "%%%02X", (unsigned char)*p);
            o += 3;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

/* Opens dir/name for writing. */
static FILE *
create(const char *dir, const char *name, char *path, size_t pathsz,
       struct rg_err *err)
{
    FILE *f;

    if (rg_pathf(err, path, pathsz, "%s/%s", dir, name) < 0)
        return NULL;
    if (!(f = fopen(path, "wb")))
        rg_fail(err, RG_ERR_IO, "cannot create '%s': %s", path,
                strerror(errno));
    return f;
}

static int
finish(FILE *f, const char *path, struct rg_err *err)
{
    int bad = ferror(f);

    if (fclose(f) != 0 || bad)
        return rg_fail(err, RG_ERR_IO, "cannot write '%s': %s", path,
                       strerror(errno));
    return 0;
}

/* Writes "<sha256>  <encoded path>" for each of paths into f. */
static int
write_manifest(const char *dir, const char *const *paths, size_t n, FILE *f,
               uint64_t *octets, struct rg_err *err)
{
    char path[4096], hex[RG_SHA256_HEX];

    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        char *enc;

        if (rg_pathf(err, path, sizeof(path), "%s/%s", dir, paths[i]) < 0)
            return -1;
        if (stat(path, &sb) != 0)
            return rg_fail(err, RG_ERR_IO, "cannot read '%s': %s", path,
                           strerror(errno));
        if (rg_sha256_file(path, hex, err) < 0)
            return -1;
        if (!(enc = rg_bag_encode_path(paths[i])))
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        fprintf(f, "%s  %s\n", hex, enc);
        free(enc);
        if (octets)
            *octets += (uint64_t)sb.st_size;
    }
    return 0;
}

int
rg_bag_write(const char *dir, const struct rg_bag_label *labels, size_t nlabels,
             const char *const *extra_tags, size_t nextra, struct rg_err *err)
{
    struct paths ps = { NULL, 0, 0 };
    char path[4096];
    const char *tags[8];
    size_t ntags = 0;
    uint64_t octets = 0;
    FILE *f = NULL;
    int ret = -1;

    struct collect c = { dir, &ps };

    if (rg_bag_walk(dir, collect, &c, err) < 0)
        goto done;
    if (ps.n > 1)
        qsort(ps.p, ps.n, sizeof(*ps.p), cmp_str);

    if (!(f = create(dir, "manifest-sha256.txt", path, sizeof(path), err)))
        goto done;
    if (write_manifest(dir, (const char *const *)ps.p, ps.n, f, &octets, err) <
        0) {
        fclose(f);
        goto done;
    }
    if (finish(f, path, err) < 0)
        goto done;

    if (!(f = create(dir, "bagit.txt", path, sizeof(path), err)))
        goto done;
    fputs(RG_BAGIT_TXT, f);
    if (finish(f, path, err) < 0)
        goto done;

    if (!(f = create(dir, "bag-info.txt", path, sizeof(path), err)))
        goto done;
    for (size_t i = 0; i < nlabels; i++) {
        /* a value is one line: a line break would start a new label */
        if (strpbrk(labels[i].value, "\r\n")) {
            fclose(f);
            rg_fail(err, RG_ERR_INTERNAL, "bag-info label '%s' spans lines",
                    labels[i].label);
            goto done;
        }
        fprintf(f, "%s: %s\n", labels[i].label, labels[i].value);
    }
    fprintf(f, "Payload-Oxum: %llu.%zu\n", (unsigned long long)octets, ps.n);
    if (finish(f, path, err) < 0)
        goto done;

    tags[ntags++] = "bag-info.txt";
    tags[ntags++] = "bagit.txt";
    tags[ntags++] = "manifest-sha256.txt";
    for (size_t i = 0; i < nextra && ntags < 8; i++)
        tags[ntags++] = extra_tags[i];
    qsort(tags, ntags, sizeof(*tags), cmp_str);
    if (!(f = create(dir, "tagmanifest-sha256.txt", path, sizeof(path), err)))
        goto done;
    if (write_manifest(dir, tags, ntags, f, NULL, err) < 0) {
        fclose(f);
        goto done;
    }
    if (finish(f, path, err) < 0)
        goto done;
    ret = 0;
done:
    paths_release(&ps);
    return ret;
}

/* ---- reading */

/*
 * The next line of buf: sets *line and *n (without its end: LF, CRLF or a
 * lone CR, as RFC 8493 allows) and returns the offset after it.
 */
static size_t
next_line(const char *buf, size_t len, size_t off, const char **line, size_t *n)
{
    size_t e = off;

    while (e < len && buf[e] != '\n' && buf[e] != '\r')
        e++;
    *line = buf + off;
    *n = e - off;
    if (e < len && buf[e] == '\r' && e + 1 < len && buf[e + 1] == '\n')
        e += 2;
    else if (e < len)
        e++;
    return e;
}

/* Decodes %25, %0A and %0D; any other escape or byte stays as it is. */
static char *
decode_path(const char *s, size_t n)
{
    char *out = malloc(n + 1), *o = out;

    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n) {
            int hi = rg_hexval(s[i + 1]), lo = rg_hexval(s[i + 2]);
            int c = hi >= 0 && lo >= 0 ? hi * 16 + lo : -1;

            if (c == '%' || c == '\n' || c == '\r') {
                *o++ = (char)c;
                i += 2;
                continue;
            }
        }
        *o++ = s[i];
    }
    *o = '\0';
    return out;
}

/* A relative path with no ".", ".." or empty parts, and no NUL. */
static const char *
path_problem(const char *p, size_t n)
{
    size_t i = 0;

    if (n == 0)
        return "an empty path";
    if (p[0] == '/')
        return "an absolute path";
    if (memchr(p, '\0', n))
        return "a NUL byte in the path";
    while (i <= n) {
        size_t e = i;

        while (e < n && p[e] != '/')
            e++;
        if (e == i)
            return "an empty path component";
        if ((e - i == 1 && p[i] == '.') ||
            (e - i == 2 && p[i] == '.' && p[i + 1] == '.'))
            return "a '.' or '..' path component";
        i = e + 1;
    }
    return NULL;
}

static int
cmp_entry(const void *a, const void *b)
{
    return strcmp(((const struct rg_manifest_entry *)a)->path,
                  ((const struct rg_manifest_entry *)b)->path);
}

int
rg_bag_parse_manifest(const char *name, const char *buf, size_t len,
                      int payload, struct rg_manifest *m, struct rg_err *err)
{
    size_t off = 0, lineno = 0, cap = 0;
    struct rg_manifest_entry *sorted = NULL;

    m->e = NULL;
    m->n = 0;
    while (off < len) {
        const char *line, *p;
        size_t n, k;
        const char *why;
        struct rg_manifest_entry *e;

        off = next_line(buf, len, off, &line, &n);
        lineno++;
        if (n == 0)
            goto bad_empty;
        if (n > MAX_LINE)
            goto bad_long;
        for (k = 0; k < n && rg_hexval(line[k]) >= 0; k++)
            ;
        if (k != 64 || k == n || (line[k] != ' ' && line[k] != '\t'))
            goto bad_digest;
        p = line + k;
        while (p < line + n && (*p == ' ' || *p == '\t'))
            p++;
        if ((why = path_problem(p, (size_t)(line + n - p))))
            goto bad_path;
        if (payload != (line + n - p > 5 && memcmp(p, "data/", 5) == 0)) {
            why = payload ? "a path outside data/" : "a path inside data/";
            goto bad_path;
        }
        if (m->n == cap) {
            size_t nc = cap ? cap * 2 : 32;
            struct rg_manifest_entry *ne = realloc(m->e, nc * sizeof(*ne));

            if (!ne)
                goto nomem;
            m->e = ne;
            cap = nc;
        }
        e = &m->e[m->n];
        if (!(e->path = decode_path(p, (size_t)(line + n - p))))
            goto nomem;
        for (k = 0; k < 64; k++)
            e->hex[k] = (char)(line[k] | 0x20); /* lowercase hex */
        e->hex[64] = '\0';
        e->line = lineno;
        m->n++;
        continue;

    bad_empty:
        rg_fail(err, RG_ERR_VERIFY, "'%s' line %zu is empty", name, lineno);
        goto fail;
    bad_long:
        rg_fail(err, RG_ERR_VERIFY, "'%s' line %zu is too long", name, lineno);
        goto fail;
    bad_digest:
        rg_fail(err, RG_ERR_VERIFY,
                "'%s' line %zu does not start with a SHA-256 digest and a "
                "space",
                name, lineno);
        goto fail;
    bad_path:
        rg_fail(err, RG_ERR_VERIFY, "'%s' line %zu names %s", name, lineno,
                why);
        goto fail;
    }
    /* duplicates, found on a sorted copy so entries keep file order */
    if (m->n > 1) {
        if (!(sorted = malloc(m->n * sizeof(*sorted))))
            goto nomem;
        memcpy(sorted, m->e, m->n * sizeof(*sorted));
        qsort(sorted, m->n, sizeof(*sorted), cmp_entry);
        for (size_t i = 1; i < m->n; i++)
            if (strcmp(sorted[i - 1].path, sorted[i].path) == 0) {
                char q[64];

                rg_err_quote(q, sizeof(q), sorted[i].path,
                             strlen(sorted[i].path));
                rg_fail(err, RG_ERR_VERIFY,
                        "'%s' lists '%s' twice (lines %zu and %zu)", name, q,
                        sorted[i - 1].line < sorted[i].line ? sorted[i - 1].line
                                                            : sorted[i].line,
                        sorted[i - 1].line < sorted[i].line
                            ? sorted[i].line
                            : sorted[i - 1].line);
                free(sorted);
                goto fail;
            }
        free(sorted);
    }
    return 0;
nomem:
    rg_fail(err, RG_ERR_NOMEM, "out of memory");
fail:
    rg_manifest_release(m);
    return -1;
}

void
rg_manifest_release(struct rg_manifest *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        free(m->e[i].path);
    free(m->e);
    m->e = NULL;
    m->n = 0;
}

static char *
dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);

    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

int
rg_bag_parse_info(const char *buf, size_t len, struct rg_bag_info *info,
                  struct rg_err *err)
{
    size_t off = 0, lineno = 0, cap = 0, vlen = 0, vcap = 0;

    info->l = NULL;
    info->n = 0;
    if (memchr(buf, '\0', len)) {
        rg_fail(err, RG_ERR_VERIFY, "'bag-info.txt' holds a NUL byte");
        goto fail;
    }
    while (off < len) {
        const char *line, *colon, *v;
        size_t n;

        off = next_line(buf, len, off, &line, &n);
        lineno++;
        if (n > MAX_LINE) {
            rg_fail(err, RG_ERR_VERIFY, "'bag-info.txt' line %zu is too long",
                    lineno);
            goto fail;
        }
        if (n > 0 && (line[0] == ' ' || line[0] == '\t')) {
            /* a continuation: folded into the previous value */
            struct rg_bag_label *l;
            char *nv;
            size_t old;

            if (info->n == 0) {
                rg_fail(err, RG_ERR_VERIFY,
                        "'bag-info.txt' line %zu continues no label", lineno);
                goto fail;
            }
            l = &info->l[info->n - 1];
            old = vlen;
            while (n > 0 && (line[0] == ' ' || line[0] == '\t'))
                line++, n--;
            if (old + n + 2 > MAX_VALUE) {
                rg_fail(err, RG_ERR_VERIFY,
                        "'bag-info.txt' line %zu: the value of '%.40s' is "
                        "longer than %d bytes",
                        lineno, l->label, MAX_VALUE);
                goto fail;
            }
            if (old + n + 2 > vcap) { /* grown geometrically: linear time */
                vcap = (old + n + 2) * 2;
                if (!(nv = realloc((char *)l->value, vcap)))
                    goto nomem;
                l->value = nv;
            }
            nv = (char *)l->value;
            nv[old] = ' ';
            memcpy(nv + old + 1, line, n);
            nv[old + 1 + n] = '\0';
            vlen = old + 1 + n;
            continue;
        }
        if (!(colon = memchr(line, ':', n)) || colon == line) {
            rg_fail(err, RG_ERR_VERIFY,
                    "'bag-info.txt' line %zu is not 'Label: value'", lineno);
            goto fail;
        }
        if (info->n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            struct rg_bag_label *nl = realloc(info->l, nc * sizeof(*nl));

            if (!nl)
                goto nomem;
            info->l = nl;
            cap = nc;
        }
        v = colon + 1;
        while (v < line + n && (*v == ' ' || *v == '\t'))
            v++;
        info->l[info->n].label = dup_n(line, (size_t)(colon - line));
        info->l[info->n].value = dup_n(v, (size_t)(line + n - v));
        vlen = (size_t)(line + n - v);
        vcap = vlen + 1;
        info->n++;
        if (!info->l[info->n - 1].label || !info->l[info->n - 1].value)
            goto nomem;
    }
    return 0;
nomem:
    rg_fail(err, RG_ERR_NOMEM, "out of memory");
fail:
    rg_bag_info_release(info);
    return -1;
}

void
rg_bag_info_release(struct rg_bag_info *info)
{
    if (!info)
        return;
    for (size_t i = 0; i < info->n; i++) {
        free((char *)info->l[i].label);
        free((char *)info->l[i].value);
    }
    free(info->l);
    info->l = NULL;
    info->n = 0;
}

const char *
rg_bag_info_get(const struct rg_bag_info *info, const char *label)
{
    for (size_t i = 0; i < info->n; i++)
        if (strcmp(info->l[i].label, label) == 0)
            return info->l[i].value;
    return NULL;
}

/* Reads decimal digits only; returns the end or NULL on overflow/none. */
static const char *
read_u64(const char *s, uint64_t *v)
{
    const char *p = s;

    *v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (*v > (UINT64_MAX - 9) / 10)
            return NULL;
        *v = *v * 10 + (uint64_t)(*p - '0');
    }
    return p > s ? p : NULL;
}

int
rg_bag_parse_oxum(const char *s, uint64_t *octets, uint64_t *count)
{
    const char *p = read_u64(s, octets);

    if (!p || *p != '.' || !(p = read_u64(p + 1, count)) || *p)
        return -1;
    return 0;
}
