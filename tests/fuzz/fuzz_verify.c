/*
 * fuzz_verify.c - libFuzzer target: `verify` on mutated packs.
 *
 * Input: a mode byte, then a pack serialized as records, each a path, a
 * NUL, a 4-byte little-endian length and that many bytes (tests/fuzz/run.sh
 * makes seeds from real packs). The target writes the files into a fresh
 * folder and verifies it. It must never crash, and it must never accept a
 * pack in which a payload file's SHA-256 and path are not on a line of
 * manifest-sha256.txt: that is checked here with OpenSSL and a reading of
 * the manifest of its own. With the mode's low bit set, the manifests are
 * first written afresh over the mutated payload (and the signature
 * dropped), so mutations reach the checks behind the manifests, and verify
 * must then accept the pack.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "pack/bag.h"
#include "pack/verify.h"
#include "util/fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Paths a record may name: plain relative ones, at most 3 deep. */
static int
safe_path(const char *p)
{
    int depth = 0;

    if (!*p || p[0] == '/' || strstr(p, "..") || strstr(p, "//") ||
        strlen(p) > 200)
        return 0;
    for (; *p; p++) {
        if (*p == '/' && ++depth > 3)
            return 0;
        if ((unsigned char)*p < 0x20 || *p == '%') /* no encoding needed */
            return 0;
    }
    return 1;
}

static int
write_file(const char *dir, const char *rel, const uint8_t *p, size_t n)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    for (char *s = path + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
        *s = '\0';
        mkdir(path, 0700);
        *s = '/';
    }
    if (!(f = fopen(path, "wb")))
        return -1;
    fwrite(p, 1, n, f);
    fclose(f);
    return 0;
}

/*
 * The manifest's lines as this oracle reads them, on its own: a digest in
 * either case, blanks, a path with %25, %0A and %0D decoded.
 */
struct line {
    char hex[65];
    char path[4096];
};

static size_t
parse_lines(const char *m, size_t len, struct line *out, size_t max)
{
    size_t n = 0, i = 0;

    while (i < len && n < max) {
        size_t e = i, k = 0, o = 0;

        while (e < len && m[e] != '\n' && m[e] != '\r')
            e++;
        if (e - i > 66) {
            for (k = 0; k < 64; k++)
                out[n].hex[k] = (char)tolower((unsigned char)m[i + k]);
            out[n].hex[64] = '\0';
            for (k = i + 64; k < e && (m[k] == ' ' || m[k] == '\t'); k++)
                ;
            for (; k < e && o + 1 < sizeof(out[n].path); k++) {
                if (m[k] == '%' && k + 2 < e &&
                    (strncasecmp(m + k, "%25", 3) == 0 ||
                     strncasecmp(m + k, "%0A", 3) == 0 ||
                     strncasecmp(m + k, "%0D", 3) == 0)) {
                    out[n].path[o++] = m[k + 2] == '5'            ? '%'
                                       : (m[k + 2] | 0x20) == 'a' ? '\n'
                                                                  : '\r';
                    k += 2;
                } else {
                    out[n].path[o++] = m[k];
                }
            }
            out[n].path[o] = '\0';
            n++;
        }
        i = e + 1;
    }
    return n;
}

/* Every file below dir/rel must be on a line of the manifest. */
static int
all_listed(const char *dir, const char *rel, const struct line *lines,
           size_t nlines)
{
    char path[4096];
    DIR *d;
    struct dirent *de;
    int ok = 1;

    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    if (!(d = opendir(path)))
        return 1;
    while (ok && (de = readdir(d))) {
        char sub[4096], full[8200], hex[65];
        unsigned char md[32], *buf;
        struct stat sb;
        size_t i;
        FILE *f;

        if (de->d_name[0] == '.' &&
            (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
            continue;
        snprintf(sub, sizeof(sub), "%s/%s", rel, de->d_name);
        snprintf(full, sizeof(full), "%s/%s", dir, sub);
        if (lstat(full, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            ok = all_listed(dir, sub, lines, nlines);
            continue;
        }
        if (!(buf = malloc((size_t)sb.st_size + 1)) || !(f = fopen(full, "rb")))
            abort();
        if (fread(buf, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size)
            abort();
        fclose(f);
        EVP_Digest(buf, (size_t)sb.st_size, md, NULL, EVP_sha256(), NULL);
        free(buf);
        for (int k = 0; k < 32; k++)
            snprintf(hex + 2 * k, 3, "%02x", md[k]);
        for (i = 0; i < nlines; i++)
            if (strcmp(lines[i].hex, hex) == 0 &&
                strcmp(lines[i].path, sub) == 0)
                break;
        if (i == nlines)
            ok = 0;
    }
    closedir(d);
    return ok;
}

/* Only what a pack holds at its top? */
static int
only_pack_files(const char *dir)
{
    static const char *const known[] = {
        "bagit.txt",
        "bag-info.txt",
        "manifest-sha256.txt",
        "tagmanifest-sha256.txt",
        "data",
    };
    DIR *d = opendir(dir);
    struct dirent *de;
    int ok = 1;

    if (!d)
        return 0;
    while ((de = readdir(d))) {
        size_t i;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        for (i = 0; i < sizeof(known) / sizeof(*known); i++)
            if (strcmp(de->d_name, known[i]) == 0)
                break;
        if (i == sizeof(known) / sizeof(*known))
            ok = 0;
    }
    closedir(d);
    return ok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[] = "/tmp/fuzz-verify-XXXXXX", path[4096];
    struct rg_verify_opts o = { NULL, NULL };
    struct rg_verify v;
    struct rg_err err;
    size_t off;
    int reseal, sealed = 0;

    if (size < 1 || !mkdtemp(dir))
        return 0;
    reseal = data[0] & 1;
    off = 1;
    while (off < size) {
        const char *name = (const char *)data + off;
        const uint8_t *nul = memchr(data + off, 0, size - off);
        uint32_t n;

        if (!nul || (size_t)(nul - data) + 5 > size)
            break;
        memcpy(&n, nul + 1, 4);
        off = (size_t)(nul - data) + 5;
        if (n > size - off)
            n = (uint32_t)(size - off);
        if (safe_path(name))
            write_file(dir, name, data + off, n);
        off += n;
    }
    rg_err_init(&err);
    if (reseal) {
        /*
         * Manifests made afresh over whatever the payload now is, and no
         * signature: verify must accept every pack the writer could seal.
         */
        const char *base = strrchr(dir, '/') + 1;
        struct rg_bag_label l = { "External-Identifier", base };

        snprintf(path, sizeof(path), "%s/tagmanifest-sha256.txt.p7s", dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/tagmanifest-sha256.txt.tsr", dir);
        unlink(path);
        sealed = rg_bag_write(dir, &l, 1, NULL, 0, &err) == 0 &&
                 only_pack_files(dir);
        rg_err_init(&err);
    }
    if (rg_verify_pack(dir, &o, &v, &err) == 0) {
        if (sealed && v.failed)
            abort(); /* refused a pack it could have written */
        if (v.failed == 0) {
            char *m = NULL;
            size_t len, nlines;
            static struct line lines[512];

            snprintf(path, sizeof(path), "%s/manifest-sha256.txt", dir);
            if (rg_read_file(path, 1u << 24, "manifest", &m, &len, &err) < 0)
                abort();
            nlines = parse_lines(m, len, lines, 512);
            if (!all_listed(dir, "data", lines, nlines))
                abort(); /* accepted a file the manifest does not vouch for */
            free(m);
        }
    }
    rg_verify_release(&v);
    rg_rmtree(dir);
    return 0;
}
