/*
 * fuzz_verify.c - libFuzzer target: `verify` on mutated packs.
 *
 * Input: a pack serialized as records, each a path, a NUL, a 4-byte
 * little-endian length and that many bytes (tests/fuzz/run.sh makes seeds
 * from real packs). The target writes the files into a fresh folder and
 * verifies it. It must never crash, and it must never accept a pack in
 * which a payload file's SHA-256 and path are not on a line of
 * manifest-sha256.txt: that is checked here with OpenSSL directly.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

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

/* Every file below dir/data must be on a "hex  path" line of manifest. */
static int
all_listed(const char *dir, const char *rel, const char *manifest)
{
    char path[4096];
    DIR *d;
    struct dirent *de;
    int ok = 1;

    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    if (!(d = opendir(path)))
        return 1;
    while (ok && (de = readdir(d))) {
        char sub[4096], full[4096], line[4400], hex[65];
        unsigned char md[32], *buf;
        struct stat sb;
        FILE *f;

        if (de->d_name[0] == '.' &&
            (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
            continue;
        snprintf(sub, sizeof(sub), "%s/%s", rel, de->d_name);
        snprintf(full, sizeof(full), "%s/%s", dir, sub);
        if (lstat(full, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            ok = all_listed(dir, sub, manifest);
            continue;
        }
        if (!(buf = malloc((size_t)sb.st_size + 1)) || !(f = fopen(full, "rb")))
            abort();
        if (fread(buf, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size)
            abort();
        fclose(f);
        EVP_Digest(buf, (size_t)sb.st_size, md, NULL, EVP_sha256(), NULL);
        free(buf);
        for (int i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", md[i]);
        snprintf(line, sizeof(line), "%s  %s\n", hex, sub);
        if (!strstr(manifest, line))
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
    size_t off = 0;

    if (!mkdtemp(dir))
        return 0;
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
    if (rg_verify_pack(dir, &o, &v, &err) == 0 && v.failed == 0) {
        char *m = NULL;
        size_t len;

        snprintf(path, sizeof(path), "%s/manifest-sha256.txt", dir);
        if (rg_read_file(path, 1u << 24, "manifest", &m, &len, &err) < 0 ||
            !all_listed(dir, "data", m))
            abort(); /* accepted a file the manifest does not vouch for */
        free(m);
    }
    rg_verify_release(&v);
    rg_rmtree(dir);
    return 0;
}
