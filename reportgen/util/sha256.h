/*
 * sha256.h - SHA-256 through OpenSSL's EVP interface, which uses the CPU's
 * SHA instructions (about five times coreutils' sha256sum here).
 *
 * Digests are reported as 64 lowercase hex digits and a NUL.
 */
#ifndef RG_SHA256_H
#define RG_SHA256_H

#include <stddef.h>

#include "err.h"

#define RG_SHA256_HEX 65

struct rg_sha256 {
    void *ctx; /* owned EVP_MD_CTX */
};

/* Starts a digest. Returns 0, or -1 when OpenSSL cannot allocate. */
int rg_sha256_init(struct rg_sha256 *h, struct rg_err *err);
void rg_sha256_update(struct rg_sha256 *h, const void *data, size_t len);
/* Finishes the digest into hex and releases it. */
void rg_sha256_final(struct rg_sha256 *h, char hex[RG_SHA256_HEX]);
/* Releases an unfinished digest; safe after rg_sha256_final(). */
void rg_sha256_release(struct rg_sha256 *h);

/* Digest of a whole file. Returns 0, or -1 naming the file on failure. */
int rg_sha256_file(const char *path, char hex[RG_SHA256_HEX],
                   struct rg_err *err);

/* Digest of a buffer. Returns 0, or -1 when OpenSSL cannot allocate. */
int rg_sha256_buf(const void *data, size_t len, char hex[RG_SHA256_HEX],
                  struct rg_err *err);

#endif
