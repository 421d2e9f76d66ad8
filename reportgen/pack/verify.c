/*
 * verify.c - checking an evidence pack (see verify.h).
 */
#include "verify.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/fs.h"
#include "../util/sha256.h"
#include "bag.h"
#include "cms.h"
#include "pdfsig.h"
#include "tsa.h"

#define MAX_TAG (64u << 20)
#define MAX_SIG (1u << 20)
#define MAX_INFO (1u << 20)
#define MAX_PDF_READ ((size_t)1 << 31)

#define SIG_FILE "tagmanifest-sha256.txt.p7s"
#define TSR_FILE "tagmanifest-sha256.txt.tsr"

/*
 * A path as shown in a check: whole, with control bytes and invalid UTF-8
 * as \xNN so a crafted name cannot forge a line of output.
 */
static void
show(char *out, size_t outsz, const char *s)
{
    size_t o = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p && o + 5 < outsz;
         p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '\\')
            o += (size_t)snprintf(out + o, outsz - o, "\\x%02X", *p);
        else
            out[o++] = (char)*p;
    }
    out[o] = '\0';
}

static int add(struct rg_verify *v, enum rg_check_result r, const char *what,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Records a check; returns -1 only when out of memory. */
static int
add(struct rg_verify *v, enum rg_check_result r, const char *what,
    const char *fmt, ...)
{
    struct rg_check *c;
    char line[1024];
    va_list ap;

    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 32;
        struct rg_check *nc = realloc(v->c, cap * sizeof(*nc));

        if (!nc)
            return -1;
        v->c = nc;
        v->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    c = &v->c[v->n];
    c->result = r;
    c->what = strdup(what);
    c->detail = strdup(line);
    if (!c->what || !c->detail) {
        free(c->what);
        free(c->detail);
        return -1;
    }
    v->n++;
    if (r == RG_CHECK_FAIL)
        v->failed++;
    return 0;
}

void
rg_verify_release(struct rg_verify *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        free(v->c[i].what);
        free(v->c[i].detail);
    }
    free(v->c);
    memset(v, 0, sizeof(*v));
}

/*
 * Reads dir/name whole. Returns 1 when read, 0 when it does not exist (or
 * is not a regular file: *kind says so), -1 on any other failure.
 */
static int
slurp(const char *dir, const char *name, size_t max, char **buf, size_t *len,
      const char **kind, struct rg_err *err)
{
    char path[4096];
    struct stat sb;

    *buf = NULL;
    *len = 0;
    *kind = "missing";
    if (rg_pathf(err, path, sizeof(path), "%s/%s", dir, name) < 0)
        return -1;
    if (lstat(path, &sb) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        return rg_fail(err, RG_ERR_IO, "cannot read '%s': %s", path,
                       strerror(errno));
    }
    if (!S_ISREG(sb.st_mode)) {
        *kind = S_ISLNK(sb.st_mode) ? "a symbolic link, not a file"
                                    : "not a regular file";
        return 0;
    }
    if ((size_t)sb.st_size > max) {
        *kind = "larger than any such file reportgen writes";
        return 0;
    }
    return rg_read_file(path, (size_t)sb.st_size, "file", buf, len, err) < 0
               ? -1
               : 1;
}

/* ---- the bag */

static int
check_declaration(const char *dir, struct rg_verify *v, struct rg_err *err)
{
    char *b;
    size_t n;
    const char *kind;
    int r = slurp(dir, "bagit.txt", 4096, &b, &n, &kind, err);

    if (r < 0)
        return -1;
    if (r == 0)
        return add(v, RG_CHECK_FAIL, "bagit.txt", "%s", kind);
    r = n == strlen(RG_BAGIT_TXT) && memcmp(b, RG_BAGIT_TXT, n) == 0;
    free(b);
    return r ? add(v, RG_CHECK_OK, "bagit.txt", "BagIt 1.0, UTF-8 tag files")
             : add(v, RG_CHECK_FAIL, "bagit.txt",
                   "not the BagIt 1.0 declaration a pack starts with");
}

/* Hashes dir/rel and compares; records a failure when it differs. */
static int
check_file(const char *dir, const struct rg_manifest_entry *e,
           const char *manifest, struct rg_verify *v, int *ok,
           struct rg_err *err)
{
    char path[4096], hex[RG_SHA256_HEX], shown[512];
    struct stat sb;

    show(shown, sizeof(shown), e->path);
    if (strlen(dir) + strlen(e->path) + 2 > sizeof(path)) {
        *ok = 0;
        return add(v, RG_CHECK_FAIL, shown, "a path too long to be a file");
    }
    if (rg_pathf(err, path, sizeof(path), "%s/%s", dir, e->path) < 0)
        return -1;
    if (lstat(path, &sb) != 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            return rg_fail(err, RG_ERR_IO, "cannot read '%s': %s", path,
                           strerror(errno));
        *ok = 0;
        return add(v, RG_CHECK_FAIL, shown,
                   "missing: %s line %zu lists it (removed or renamed)",
                   manifest, e->line);
    }
    if (!S_ISREG(sb.st_mode)) {
        *ok = 0;
        return add(v, RG_CHECK_FAIL, shown, "not a regular file");
    }
    if (rg_sha256_file(path, hex, err) < 0)
        return -1;
    if (strcmp(hex, e->hex) != 0) {
        *ok = 0;
        return add(v, RG_CHECK_FAIL, shown,
                   "changed: its SHA-256 is %.16s..., %s line %zu says "
                   "%.16s...",
                   hex, manifest, e->line, e->hex);
    }
    return 0;
}

static int
cmp_path(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct payload_walk {
    struct rg_verify *v;
    const char **listed; /* sorted manifest paths */
    size_t nlisted;
    uint64_t octets, count;
    int ok;
};

static int
on_payload(void *ctx, const char *rel, const struct stat *sb,
           struct rg_err *err)
{
    struct payload_walk *w = ctx;
    char shown[512];

    (void)err;
    show(shown, sizeof(shown), rel);
    if (!S_ISREG(sb->st_mode)) {
        w->ok = 0;
        return add(w->v, RG_CHECK_FAIL, shown,
                   S_ISDIR(sb->st_mode)   ? "an empty folder, which no "
                                            "manifest can vouch for"
                   : S_ISLNK(sb->st_mode) ? "a symbolic link in the payload"
                                          : "not a regular file");
    }
    w->octets += (uint64_t)sb->st_size;
    w->count++;
    if (!bsearch(&rel, w->listed, w->nlisted, sizeof(*w->listed), cmp_path)) {
        w->ok = 0;
        return add(w->v, RG_CHECK_FAIL, shown,
                   "not in manifest-sha256.txt (added after the pack was "
                   "made)");
    }
    return 0;
}

/*
 * Walks the payload; a tree too deep or a path too long for this machine is
 * a failed check (the pack is not what reportgen makes), not a reason to
 * stop checking.
 */
static int
walk_or_fail(const char *dir, rg_bag_walk_fn fn, void *ctx, struct rg_verify *v,
             struct rg_err *err)
{
    struct rg_err werr;

    rg_err_init(&werr);
    if (rg_bag_walk(dir, fn, ctx, &werr) == 0)
        return 0;
    if (werr.code == RG_ERR_LIMIT || werr.code == RG_ERR_INPUT)
        return add(v, RG_CHECK_FAIL, "data", "%s", werr.msg) < 0
                   ? rg_fail(err, RG_ERR_NOMEM, "out of memory")
                   : 0;
    return rg_fail(err, werr.code, "%s", werr.msg);
}

/* The payload manifest, every payload file, and the Payload-Oxum. */
static int
check_payload(const char *dir, const struct rg_bag_info *info,
              struct rg_verify *v, struct rg_err *err)
{
    struct rg_manifest m = { NULL, 0 };
    struct payload_walk w;
    struct rg_err perr;
    struct stat sb;
    const char *kind, *oxum;
    char *b = NULL, path[4096];
    size_t n;
    uint64_t octets, count;
    int r, ret = -1;

    memset(&w, 0, sizeof(w));
    w.v = v;
    w.ok = 1;
    if ((r = slurp(dir, "manifest-sha256.txt", MAX_TAG, &b, &n, &kind, err)) <
        0)
        return -1;
    if (r == 0)
        return add(v, RG_CHECK_FAIL, "manifest-sha256.txt", "%s", kind);
    rg_err_init(&perr);
    if (rg_bag_parse_manifest("manifest-sha256.txt", b, n, 1, &m, &perr) < 0) {
        free(b);
        if (perr.code == RG_ERR_NOMEM)
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        return add(v, RG_CHECK_FAIL, "manifest-sha256.txt", "%s", perr.msg);
    }
    free(b);
    if (!(w.listed = malloc((m.n ? m.n : 1) * sizeof(*w.listed)))) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < m.n; i++) {
        w.listed[i] = m.e[i].path;
        if (check_file(dir, &m.e[i], "manifest-sha256.txt", v, &w.ok, err) < 0)
            goto done;
    }
    w.nlisted = m.n;
    qsort(w.listed, w.nlisted, sizeof(*w.listed), cmp_path);
    if (rg_pathf(err, path, sizeof(path), "%s/data", dir) < 0)
        goto done;
    if (lstat(path, &sb) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
        w.ok = 0;
        if (add(v, RG_CHECK_FAIL, "data", "the payload folder is missing") < 0)
            goto nomem;
    } else if (walk_or_fail(dir, on_payload, &w, v, err) < 0) {
        goto done;
    }
    if (w.ok &&
        add(v, RG_CHECK_OK, "manifest-sha256.txt",
            "%zu payload files, none changed, missing or added", m.n) < 0)
        goto nomem;
    oxum = info ? rg_bag_info_get(info, "Payload-Oxum") : NULL;
    if (!oxum)
        r = add(v, RG_CHECK_FAIL, "Payload-Oxum", "bag-info.txt has none");
    else if (rg_bag_parse_oxum(oxum, &octets, &count) < 0)
        r = add(v, RG_CHECK_FAIL, "Payload-Oxum", "'%.40s' is not octets.count",
                oxum);
    else if (octets != w.octets || count != w.count)
        r = add(v, RG_CHECK_FAIL, "Payload-Oxum",
                "bag-info.txt says %llu bytes in %llu files, the payload "
                "holds %llu bytes in %llu files",
                (unsigned long long)octets, (unsigned long long)count,
                (unsigned long long)w.octets, (unsigned long long)w.count);
    else
        r = add(v, RG_CHECK_OK, "Payload-Oxum", "%llu bytes in %llu files",
                (unsigned long long)octets, (unsigned long long)count);
    if (r < 0)
        goto nomem;
    ret = 0;
    goto done;
nomem:
    rg_fail(err, RG_ERR_NOMEM, "out of memory");
done:
    free(w.listed);
    rg_manifest_release(&m);
    return ret;
}

static int
is_known_top(const char *name, const struct rg_manifest *tags)
{
    static const char *const known[] = {
        "bagit.txt",
        "bag-info.txt",
        "manifest-sha256.txt",
        "tagmanifest-sha256.txt",
        SIG_FILE,
        TSR_FILE,
        "data",
    };

    for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++)
        if (strcmp(name, known[i]) == 0)
            return 1;
    for (size_t i = 0; tags && i < tags->n; i++)
        if (strcmp(name, tags->e[i].path) == 0)
            return 1;
    return 0;
}

/* Nothing at the top of the pack but what a pack holds. */
static int
check_top(const char *dir, const struct rg_manifest *tags, struct rg_verify *v,
          struct rg_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int ret = 0;

    if (!d)
        return rg_fail(err, RG_ERR_IO, "cannot read folder '%s': %s", dir,
                       strerror(errno));
    while (ret == 0 && (de = readdir(d))) {
        char shown[512];

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            is_known_top(de->d_name, tags))
            continue;
        show(shown, sizeof(shown), de->d_name);
        if (add(v, RG_CHECK_FAIL, shown,
                "not part of the pack (no manifest covers it)") < 0)
            ret = rg_fail(err, RG_ERR_NOMEM, "out of memory");
    }
    closedir(d);
    return ret;
}

/* The tag manifest: every tag file it lists, and that it lists the three. */
static int
check_tags(const char *dir, struct rg_manifest *tags, char **tagbuf,
           size_t *taglen, struct rg_verify *v, struct rg_err *err)
{
    static const char *const needed[] = { "bagit.txt", "bag-info.txt",
                                          "manifest-sha256.txt" };
    struct rg_err perr;
    const char *kind;
    int r, ok = 1;

    if ((r = slurp(dir, "tagmanifest-sha256.txt", MAX_TAG, tagbuf, taglen,
                   &kind, err)) < 0)
        return -1;
    if (r == 0)
        return add(v, RG_CHECK_FAIL, "tagmanifest-sha256.txt", "%s", kind);
    rg_err_init(&perr);
    if (rg_bag_parse_manifest("tagmanifest-sha256.txt", *tagbuf, *taglen, 0,
                              tags, &perr) < 0) {
        if (perr.code == RG_ERR_NOMEM)
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        return add(v, RG_CHECK_FAIL, "tagmanifest-sha256.txt", "%s", perr.msg);
    }
    for (size_t i = 0; i < tags->n; i++) {
        if (strchr(tags->e[i].path, '/') ||
            strcmp(tags->e[i].path, SIG_FILE) == 0 ||
            strcmp(tags->e[i].path, TSR_FILE) == 0 ||
            strcmp(tags->e[i].path, "tagmanifest-sha256.txt") == 0) {
            ok = 0;
            if (add(v, RG_CHECK_FAIL, "tagmanifest-sha256.txt",
                    "line %zu lists '%.60s', which is not a tag file it can "
                    "cover",
                    tags->e[i].line, tags->e[i].path) < 0)
                return rg_fail(err, RG_ERR_NOMEM, "out of memory");
            continue;
        }
        if (check_file(dir, &tags->e[i], "tagmanifest-sha256.txt", v, &ok,
                       err) < 0)
            return -1;
    }
    for (size_t k = 0; k < 3; k++) {
        size_t i;

        for (i = 0; i < tags->n && strcmp(tags->e[i].path, needed[k]); i++)
            ;
        if (i == tags->n) {
            ok = 0;
            if (add(v, RG_CHECK_FAIL, "tagmanifest-sha256.txt",
                    "does not cover %s", needed[k]) < 0)
                return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        }
    }
    if (ok && add(v, RG_CHECK_OK, "tagmanifest-sha256.txt",
                  "%zu tag files, none changed", tags->n) < 0)
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    return 0;
}

/*
 * The folder's name is the pack id (template, as-of date, digest): a pack
 * filed under another name would claim what it is not. Packs are filed by
 * putting the folder into another one.
 */
static int
check_name(const char *dir, const struct rg_bag_info *info, struct rg_verify *v)
{
    const char *id = rg_bag_info_get(info, "External-Identifier");
    size_t n = strlen(dir);
    const char *base;

    while (n > 1 && dir[n - 1] == '/')
        n--;
    base = dir + n;
    while (base > dir && base[-1] != '/')
        base--;
    if (!id)
        return add(v, RG_CHECK_FAIL, "bag-info.txt",
                   "names no External-Identifier (the pack id)");
    if (strlen(id) != (size_t)(dir + n - base) ||
        memcmp(id, base, strlen(id)) != 0)
        return add(v, RG_CHECK_FAIL, "pack id",
                   "the folder is named '%.*s', but the pack is '%.200s'",
                   (int)(dir + n - base), base, id);
    return add(v, RG_CHECK_OK, "pack id", "%s", id);
}

/* ---- signatures */

/* "signed by X" and the chain's verdict, as one line. */
static int
report_signer(struct rg_verify *v, const char *what, const char *lead,
              const struct rg_cms_check *c, const struct rg_verify_opts *o,
              const struct rg_cms_check *at_stamp)
{
    if (c->chain == -1)
        return add(v, RG_CHECK_NOTE, what,
                   "%s, signed by %s; signature valid, signer not verified "
                   "(give --ca)",
                   lead, c->signer);
    if (c->chain == 1)
        return add(v, RG_CHECK_OK, what,
                   "%s, signed by %s, chain verified against %s", lead,
                   c->signer, o->ca);
    if (c->expired && at_stamp && at_stamp->chain == 1)
        return add(v, RG_CHECK_OK, what,
                   "%s, signed by %s; the certificate expired on %s but was "
                   "valid when the timestamp was made",
                   lead, c->signer, c->not_after);
    if (c->expired)
        return add(v, RG_CHECK_FAIL, what,
                   "%s, but the signer certificate (%s) expired on %s", lead,
                   c->signer, c->not_after);
    return add(v, RG_CHECK_FAIL, what,
               "%s, but signer %s is not verified against %s: %s", lead,
               c->signer, o->ca, c->why);
}

static int check_pdfs(const char *dir, const struct rg_verify_opts *o,
                      const struct rg_cms_check *pack_sig, time_t stamp,
                      struct rg_verify *v, struct rg_err *err);

int
rg_verify_pack(const char *dir, const struct rg_verify_opts *o,
               struct rg_verify *v, struct rg_err *err)
{
    struct rg_manifest tags = { NULL, 0 };
    struct rg_bag_info info = { NULL, 0 };
    struct rg_cms_check cms, cms_at;
    struct rg_tsa_check ts;
    struct rg_err perr;
    char *tagbuf = NULL, *sig = NULL, *tsr = NULL, *infobuf = NULL;
    size_t taglen = 0, siglen = 0, tsrlen = 0, infolen = 0;
    const char *kind, *sig_kind;
    struct rg_span span;
    time_t stamp = 0;
    int r, have_sig, have_tsr, ret = -1;

    memset(v, 0, sizeof(*v));
    memset(&cms, 0, sizeof(cms));
    memset(&cms_at, 0, sizeof(cms_at));
    if (!rg_is_dir(dir))
        return rg_fail(err, RG_ERR_IO, "'%s' is not a folder", dir);

    if (check_declaration(dir, v, err) < 0 ||
        check_tags(dir, &tags, &tagbuf, &taglen, v, err) < 0)
        goto done;
    if ((r = slurp(dir, "bag-info.txt", MAX_INFO, &infobuf, &infolen, &kind,
                   err)) < 0)
        goto done;
    rg_err_init(&perr);
    if (r == 0) {
        if (add(v, RG_CHECK_FAIL, "bag-info.txt", "%s", kind) < 0)
            goto nomem;
    } else if (rg_bag_parse_info(infobuf, infolen, &info, &perr) < 0) {
        if (perr.code == RG_ERR_NOMEM)
            goto nomem;
        if (add(v, RG_CHECK_FAIL, "bag-info.txt", "%s", perr.msg) < 0)
            goto nomem;
    }
    if (r > 0 && perr.code == RG_OK && check_name(dir, &info, v) < 0)
        goto nomem;
    if (check_payload(dir, r > 0 && perr.code == RG_OK ? &info : NULL, v, err) <
            0 ||
        check_top(dir, &tags, v, err) < 0)
        goto done;

    /* the timestamp first: an expired signer may be rescued by it */
    if ((have_sig = slurp(dir, SIG_FILE, MAX_SIG, &sig, &siglen, &sig_kind,
                          err)) < 0 ||
        (have_tsr = slurp(dir, TSR_FILE, MAX_SIG, &tsr, &tsrlen, &kind, err)) <
            0)
        goto done;
    v->is_signed = have_sig;
    /* present but a link or a device: as bad as a forged file */
    if (!have_sig && strcmp(sig_kind, "missing") != 0 &&
        add(v, RG_CHECK_FAIL, SIG_FILE, "%s", sig_kind) < 0)
        goto nomem;
    if (!have_tsr && strcmp(kind, "missing") != 0 &&
        add(v, RG_CHECK_FAIL, TSR_FILE, "%s", kind) < 0)
        goto nomem;
    if (have_tsr) {
        const char *over = have_sig ? SIG_FILE : "tagmanifest-sha256.txt";

        if (rg_tsa_check((unsigned char *)tsr, tsrlen, have_sig ? sig : tagbuf,
                         have_sig ? siglen : taglen, o->tsa_ca, &ts, err) < 0)
            goto done;
        if (!ts.valid)
            r = add(v, RG_CHECK_FAIL, "timestamp", "%s does not cover %s: %s",
                    TSR_FILE, over, ts.why);
        else if (ts.signer == 0)
            r = add(v, RG_CHECK_FAIL, "timestamp",
                    "%s covers %s, but its TSA is not verified against %s: %s",
                    ts.gen_time, over, o->tsa_ca, ts.why);
        else if (ts.signer == 1)
            r = add(v, RG_CHECK_OK, "timestamp",
                    "%s over %s by %s, verified against %s", ts.gen_time, over,
                    ts.tsa[0] ? ts.tsa : "an unnamed TSA", o->tsa_ca);
        else /* anyone can run a TSA: its time means nothing unverified */
            r = add(v, RG_CHECK_NOTE, "timestamp",
                    "covers %s and says %s, but its TSA (%s) is not verified "
                    "(give --tsa-ca), so that time is not relied on",
                    over, ts.gen_time, ts.tsa[0] ? ts.tsa : "unnamed");
        if (r < 0)
            goto nomem;
        if (ts.valid && ts.signer == 1) {
            v->timestamped = 1;
            v->tsa_ok = 1;
            snprintf(v->stamp, sizeof(v->stamp), "%s", ts.gen_time);
            stamp = (time_t)ts.gen_epoch;
        }
    } else if (add(v, o->tsa_ca ? RG_CHECK_FAIL : RG_CHECK_NOTE, "timestamp",
                   o->tsa_ca
                       ? "none, but --tsa-ca asks for one"
                       : "none (the pack was made without --tsa-url)") < 0) {
        goto nomem;
    }

    if (have_sig) {
        span.p = (const unsigned char *)tagbuf;
        span.n = taglen;
        if (rg_cms_check((unsigned char *)sig, siglen, &span, tagbuf ? 1 : 0,
                         o->ca, 0, &cms, err) < 0)
            goto done;
        if (cms.valid && cms.chain == 0 && cms.expired && stamp &&
            rg_cms_check((unsigned char *)sig, siglen, &span, 1, o->ca, stamp,
                         &cms_at, err) < 0)
            goto done;
        if (!cms.valid)
            r = add(v, RG_CHECK_FAIL, "signature",
                    "%s is not a valid signature of tagmanifest-sha256.txt: "
                    "%s",
                    SIG_FILE, cms.why);
        else
            r = report_signer(v, "signature", "valid over the tag manifest",
                              &cms, o, &cms_at);
        if (r < 0)
            goto nomem;
        snprintf(v->signer, sizeof(v->signer), "%s", cms.signer);
        v->signer_ok =
            cms.valid && (cms.chain == 1 || (cms.expired && cms_at.chain == 1));
    } else if (add(v, o->ca ? RG_CHECK_FAIL : RG_CHECK_NOTE, "signature",
                   o->ca ? "none: the pack is unsigned, but --ca asks for a "
                           "signed one"
                         : "none: the pack is unsigned") < 0) {
        goto nomem;
    }
    if (check_pdfs(dir, o, have_sig && cms.valid ? &cms : NULL, stamp, v, err) <
        0)
        goto done;

    if (v->failed) {
        const struct rg_check *first = v->c;

        while (first->result != RG_CHECK_FAIL)
            first++;
        snprintf(v->verdict, sizeof(v->verdict),
                 "NOT VERIFIED: %zu check%s failed, the first: %s: %.200s",
                 v->failed, v->failed == 1 ? "" : "s", first->what,
                 first->detail);
    } else if (!v->is_signed)
        snprintf(v->verdict, sizeof(v->verdict),
                 "INTACT, UNSIGNED: every file matches its manifest, but no "
                 "one signed the pack");
    else if (!v->signer_ok)
        snprintf(v->verdict, sizeof(v->verdict),
                 "INTACT, SIGNER NOT VERIFIED: the signature is valid, but "
                 "no --ca says who %s is",
                 v->signer);
    else
        snprintf(v->verdict, sizeof(v->verdict), "VERIFIED: signed by %s%s%s",
                 v->signer, v->timestamped ? ", timestamped " : "",
                 v->timestamped ? v->stamp : "");
    ret = 0;
    goto done;
nomem:
    rg_fail(err, RG_ERR_NOMEM, "out of memory");
done:
    rg_manifest_release(&tags);
    rg_bag_info_release(&info);
    free(tagbuf);
    free(infobuf);
    free(sig);
    free(tsr);
    return ret;
}

/* ---- PDFs */

struct pdf_list {
    char **p;
    size_t n, cap;
};

static int
on_pdf(void *ctx, const char *rel, const struct stat *sb, struct rg_err *err)
{
    struct pdf_list *l = ctx;
    size_t n = strlen(rel);

    if (!S_ISREG(sb->st_mode) || n < 4 || strcmp(rel + n - 4, ".pdf") != 0)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        char **p = realloc(l->p, cap * sizeof(*p));

        if (!p)
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        l->p = p;
        l->cap = cap;
    }
    if (!(l->p[l->n] = strdup(rel)))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    l->n++;
    return 0;
}

static int
check_pdf(const char *dir, const char *rel, const struct rg_verify_opts *o,
          const struct rg_cms_check *pack_sig, time_t stamp,
          struct rg_verify *v, struct rg_err *err)
{
    struct rg_pdf_sig ps;
    struct rg_cms_check c, c_at;
    struct rg_span spans[2];
    char *buf = NULL, shown[512];
    const char *kind;
    size_t len;
    int r, ret = -1;

    memset(&ps, 0, sizeof(ps));
    memset(&c_at, 0, sizeof(c_at));
    show(shown, sizeof(shown), rel);
    if ((r = slurp(dir, rel, MAX_PDF_READ, &buf, &len, &kind, err)) < 0)
        return -1;
    if (r == 0) /* a missing PDF is reported by the manifest check */
        return strcmp(kind, "missing") == 0 ||
                       add(v, RG_CHECK_FAIL, shown, "%s", kind) == 0
                   ? 0
                   : rg_fail(err, RG_ERR_NOMEM, "out of memory");
    if (rg_pdf_find_sig((unsigned char *)buf, len, &ps, err) < 0)
        goto done;
    if (!ps.found) {
        r = pack_sig ? add(v, RG_CHECK_FAIL, shown,
                           "carries no signature, but the pack is signed")
                     : 0;
    } else if (ps.why[0]) {
        r = add(v, RG_CHECK_FAIL, shown, "its signature is unusable: %s",
                ps.why);
    } else if (!ps.whole) {
        r = add(v, RG_CHECK_FAIL, shown,
                "its signature covers %zu of %zu bytes: the file was changed "
                "after it was signed",
                ps.range[1] + ps.range[3], len);
    } else {
        spans[0].p = (unsigned char *)buf;
        spans[0].n = ps.range[1];
        spans[1].p = (unsigned char *)buf + ps.range[2];
        spans[1].n = ps.range[3];
        if (rg_cms_check(ps.der, ps.derlen, spans, 2, o->ca, 0, &c, err) < 0)
            goto done;
        if (c.valid && c.chain == 0 && c.expired && stamp &&
            rg_cms_check(ps.der, ps.derlen, spans, 2, o->ca, stamp, &c_at,
                         err) < 0)
            goto done;
        if (!c.valid)
            r = add(v, RG_CHECK_FAIL, shown,
                    "its signature does not verify: %s", c.why);
        else if (pack_sig && memcmp(c.fingerprint, pack_sig->fingerprint,
                                    sizeof(c.fingerprint)) != 0)
            r = add(v, RG_CHECK_FAIL, shown,
                    "signed by %s, not by the pack's signer %s", c.signer,
                    pack_sig->signer);
        else
            r = report_signer(v, shown,
                              strcmp(ps.subfilter, "adbe.pkcs7.detached") == 0
                                  ? "whole document signed "
                                    "(adbe.pkcs7.detached)"
                                  : "whole document signed",
                              &c, o, &c_at);
    }
    if (r < 0) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    ret = 0;
done:
    rg_pdf_sig_release(&ps);
    free(buf);
    return ret;
}

static int
check_pdfs(const char *dir, const struct rg_verify_opts *o,
           const struct rg_cms_check *pack_sig, time_t stamp,
           struct rg_verify *v, struct rg_err *err)
{
    struct pdf_list l = { NULL, 0, 0 };
    char path[4096];
    int ret = 0;

    if (rg_pathf(err, path, sizeof(path), "%s/data", dir) < 0)
        return -1;
    if (rg_is_dir(path)) {
        struct rg_err werr;

        /* a tree the payload check refused was reported there */
        rg_err_init(&werr);
        if (rg_bag_walk(dir, on_pdf, &l, &werr) < 0 &&
            werr.code != RG_ERR_LIMIT && werr.code != RG_ERR_INPUT)
            ret = rg_fail(err, werr.code, "%s", werr.msg);
    }
    if (ret == 0 && l.n > 1)
        qsort(l.p, l.n, sizeof(*l.p), cmp_path);
    for (size_t i = 0; ret == 0 && i < l.n; i++)
        ret = check_pdf(dir, l.p[i], o, pack_sig, stamp, v, err);
    for (size_t i = 0; i < l.n; i++)
        free(l.p[i]);
    free(l.p);
    return ret;
}
