/*
 * sha256.c - SHA-256 digests (see sha256.h).
 */
#include "sha256.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

int
rg_sha256_init(struct rg_sha256 *h, struct rg_err *err)
{
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || !EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL)) {
        rg_sha256_release(h);
        return rg_fail(err, RG_ERR_NOMEM, "cannot start a SHA-256 digest");
    }
    return 0;
}

void
rg_sha256_update(struct rg_sha256 *h, const void *data, size_t len)
{
    EVP_DigestUpdate(h->ctx, data, len);
}

void
rg_sha256_final(struct rg_sha256 *h, char hex[RG_SHA256_HEX])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    EVP_DigestFinal_ex(h->ctx, md, &n);
    for (unsigned int i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
    rg_sha256_release(h);
}

void
rg_sha256_release(struct rg_sha256 *h)
{
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
}

int
rg_sha256_file(const char *path, char hex[RG_SHA256_HEX], struct rg_err *err)
{
    unsigned char buf[1 << 16];
    struct rg_sha256 h;
    FILE *f = fopen(path, "rb");
    size_t n;

    if (!f)
        return rg_fail(err, RG_ERR_IO, "cannot open '%s': %s", path,
                       strerror(errno));
    if (rg_sha256_init(&h, err) < 0) {
        fclose(f);
        return -1;
    }
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        rg_sha256_update(&h, buf, n);
    if (ferror(f)) {
        rg_fail(err, RG_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
        rg_sha256_release(&h);
        fclose(f);
        return -1;
    }
    fclose(f);
    rg_sha256_final(&h, hex);
    return 0;
}

int
rg_sha256_buf(const void *data, size_t len, char hex[RG_SHA256_HEX],
              struct rg_err *err)
{
    struct rg_sha256 h;

    if (rg_sha256_init(&h, err) < 0)
        return -1;
    rg_sha256_update(&h, data, len);
    rg_sha256_final(&h, hex);
    return 0;
}
