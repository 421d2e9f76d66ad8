/*
 * cms.h - CMS SignedData (RFC 5652) through OpenSSL 3: signing bytes with a
 * key and certificate, and checking such a signature.
 *
 * Signatures are detached and binary: the content is not inside the DER,
 * and its bytes are signed exactly as they are (no MIME canonicalisation).
 * The signer certificate and any chain go into the signature. Keys are
 * ECDSA or RSA (OpenSSL 3.0's CMS does not do Ed25519).
 *
 * Key material: the key file and its passphrase are read into buffers that
 * are cleansed (OPENSSL_cleanse) before they are freed; neither is ever put
 * into a message.
 */
#ifndef RG_CMS_H
#define RG_CMS_H

#include <stddef.h>
#include <time.h>

#include "../util/err.h"

/* A piece of the content; a PDF signature covers two. */
struct rg_span {
    const unsigned char *p;
    size_t n;
};

struct rg_signer_files {
    const char *key, *cert, *chain; /* chain may be NULL */
    const char *pass_file;          /* NULL: REPORTGEN_KEY_PASS, if set */
};

struct rg_signer;

/*
 * Loads a key, its certificate and chain. Fails (RG_ERR_INPUT) when a file
 * is not PEM of the right kind, the key is not ECDSA or RSA, the key does
 * not belong to the certificate, an encrypted key has no passphrase or a
 * wrong one, or the certificate is not valid now (expired or not yet).
 */
struct rg_signer *rg_signer_load(const struct rg_signer_files *f,
                                 struct rg_err *err);
void rg_signer_free(struct rg_signer *s); /* NULL-safe */

/* The signer's common name (or its whole subject), UTF-8. */
const char *rg_signer_name(const struct rg_signer *s);

/* An upper bound of the DER size of a signature (for a PDF's placeholder). */
size_t rg_signer_max_der(const struct rg_signer *s);

/*
 * Signs the concatenation of the spans; *der (from malloc()) receives the
 * DER of a detached SignedData with a signing-time attribute.
 */
int rg_signer_sign(const struct rg_signer *s, const struct rg_span *spans,
                   size_t nspans, unsigned char **der, size_t *derlen,
                   struct rg_err *err);

/* What checking a signature found. */
struct rg_cms_check {
    int valid;             /* 1: the signature is over exactly these bytes */
    int chain;             /* 1 verified, 0 failed, -1 not checked (no CA) */
    int expired;           /* 1: the signer certificate's notAfter has passed */
    char signer[256];      /* subject, one line */
    char not_after[32];    /* "YYYY-MM-DDTHH:MM:SSZ" */
    char signing_time[32]; /* from the signed attributes, or "" */
    char why[256];         /* when valid or chain is 0: what failed */
    unsigned char fingerprint[32]; /* SHA-256 of the signer certificate */
};

/*
 * Checks DER as a detached signature over the spans. ca_file (may be NULL)
 * holds the trusted roots; the chain is then verified at the time at (0:
 * now) for any purpose, as `openssl cms -verify -purpose any` does. Returns
 * -1 only when ca_file cannot be read (RG_ERR_IO); a bad signature is
 * reported in *res.
 */
int rg_cms_check(const unsigned char *der, size_t derlen,
                 const struct rg_span *spans, size_t nspans,
                 const char *ca_file, time_t at, struct rg_cms_check *res,
                 struct rg_err *err);

/*
 * Reads a PEM private key (an EVP_PKEY *, the caller's to EVP_PKEY_free()),
 * decrypting it with the passphrase in pass_file or REPORTGEN_KEY_PASS; it
 * never prompts. The file's bytes and the passphrase are cleansed.
 */
void *rg_pkey_load(const char *path, const char *pass_file, struct rg_err *err);

/* The first OpenSSL error in the queue as text ("" when none); clears it. */
const char *rg_ssl_error(char *buf, size_t bufsz);

/* ASN.1 time as "YYYY-MM-DDTHH:MM:SSZ"; "" when it cannot be read. */
void rg_asn1_time_iso(const void *asn1_time, char out[32]);

#endif
