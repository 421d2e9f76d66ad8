/*
 * cms.c - CMS signing and checking with OpenSSL 3 (see cms.h).
 */
#include "cms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "../util/fs.h"

#define MAX_PEM (1u << 20)

struct rg_signer {
    EVP_PKEY *key;
    X509 *cert;
    STACK_OF(X509) * chain;
    char name[256];
    size_t max_der;
};

const char *
rg_ssl_error(char *buf, size_t bufsz)
{
    unsigned long e = ERR_get_error();

    buf[0] = '\0';
    if (e) {
        const char *r = ERR_reason_error_string(e);

        if (r)
            snprintf(buf, bufsz, "%s", r);
        else
            ERR_error_string_n(e, buf, bufsz);
    }
    ERR_clear_error();
    return buf;
}

void
rg_asn1_time_iso(const void *t, char out[32])
{
    struct tm tm;

    out[0] = '\0';
    if (t && ASN1_TIME_to_tm((const ASN1_TIME *)t, &tm) == 1)
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Reads a whole PEM file into a memory BIO; the bytes are cleansed later. */
struct pem {
    char *buf;
    size_t len;
    BIO *bio;
};

static int
pem_open(struct pem *p, const char *path, const char *what, struct rg_err *err)
{
    p->buf = NULL;
    p->bio = NULL;
    if (rg_read_file(path, MAX_PEM, what, &p->buf, &p->len, err) < 0)
        return -1;
    if (!(p->bio = BIO_new_mem_buf(p->buf, (int)p->len)))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    return 0;
}

static void
pem_close(struct pem *p)
{
    BIO_free(p->bio);
    if (p->buf) {
        OPENSSL_cleanse(p->buf, p->len);
        free(p->buf);
    }
    p->buf = NULL;
    p->bio = NULL;
}

struct pass {
    char *s; /* NULL: none given */
    size_t n;
    int asked;
};

static int
pass_cb(char *buf, int size, int rwflag, void *u)
{
    struct pass *p = u;

    (void)rwflag;
    p->asked = 1;
    if (!p->s || p->n > (size_t)size)
        return -1; /* never prompt on a terminal */
    memcpy(buf, p->s, p->n);
    return (int)p->n;
}

/*
 * The passphrase: a file's bytes without one final line end, or
 * REPORTGEN_KEY_PASS.
 */
static int
pass_load(struct pass *p, const char *file, struct rg_err *err)
{
    const char *env = getenv("REPORTGEN_KEY_PASS");

    p->s = NULL;
    p->n = 0;
    p->asked = 0;
    if (file) {
        if (rg_read_file(file, 4096, "passphrase file", &p->s, &p->n, err) < 0)
            return -1;
        if (p->n > 0 && p->s[p->n - 1] == '\n')
            p->n--;
        if (p->n > 0 && p->s[p->n - 1] == '\r')
            p->n--;
    } else if (env) {
        p->n = strlen(env);
        if (!(p->s = malloc(p->n + 1)))
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        memcpy(p->s, env, p->n + 1);
    }
    return 0;
}

static void
pass_release(struct pass *p)
{
    if (p->s) {
        OPENSSL_cleanse(p->s, p->n);
        free(p->s);
    }
    p->s = NULL;
}

static void
subject_line(X509 *cert, char *out, size_t outsz)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data;
    long n;

    out[0] = '\0';
    if (!b)
        return;
    X509_NAME_print_ex(b, X509_get_subject_name(cert), 0,
                       XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    n = BIO_get_mem_data(b, &data);
    snprintf(out, outsz, "%.*s", (int)(n < (long)outsz ? n : (long)outsz - 1),
             data);
    BIO_free(b);
}

static void
common_name(X509 *cert, char *out, size_t outsz)
{
    X509_NAME *nm = X509_get_subject_name(cert);
    int i = X509_NAME_get_index_by_NID(nm, NID_commonName, -1);
    unsigned char *u = NULL;
    int n;

    if (i < 0 ||
        (n = ASN1_STRING_to_UTF8(
             &u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i)))) < 0) {
        subject_line(cert, out, outsz);
        return;
    }
    snprintf(out, outsz, "%.*s", n, (const char *)u);
    OPENSSL_free(u);
}

void *
rg_pkey_load(const char *path, const char *pass_file, struct rg_err *err)
{
    struct pem pem;
    struct pass pass;
    char why[256];
    EVP_PKEY *key = NULL;

    if (pass_load(&pass, pass_file, err) < 0)
        return NULL;
    if (pem_open(&pem, path, "key", err) < 0)
        goto done;
    if (!(key = PEM_read_bio_PrivateKey(pem.bio, NULL, pass_cb, &pass))) {
        rg_ssl_error(why, sizeof(why));
        if (pass.asked && !pass.s)
            rg_fail(err, RG_ERR_INPUT,
                    "key '%s' is encrypted: give its passphrase with "
                    "--key-pass-file or REPORTGEN_KEY_PASS",
                    path);
        else if (pass.asked)
            rg_fail(err, RG_ERR_INPUT,
                    "cannot decrypt key '%s': wrong passphrase (%s)", path,
                    why);
        else
            rg_fail(err, RG_ERR_INPUT, "'%s' holds no PEM private key (%s)",
                    path, why);
    }
done:
    pem_close(&pem);
    pass_release(&pass);
    return key;
}

static int
load_key(struct rg_signer *s, const struct rg_signer_files *f,
         struct rg_err *err)
{
    int id;

    if (!(s->key = rg_pkey_load(f->key, f->pass_file, err)))
        return -1;
    id = EVP_PKEY_get_base_id(s->key);
    if (id != EVP_PKEY_EC && id != EVP_PKEY_RSA) {
        return rg_fail(err, RG_ERR_INPUT,
                       "key '%s' is %s: CMS signatures need an ECDSA or RSA "
                       "key",
                       f->key, OBJ_nid2sn(id));
    }
    if (id == EVP_PKEY_RSA && EVP_PKEY_get_bits(s->key) < 2048)
        return rg_fail(err, RG_ERR_INPUT,
                       "key '%s' is RSA of %d bits: use at least 2048", f->key,
                       EVP_PKEY_get_bits(s->key));
    return 0;
}

static int
load_certs(struct rg_signer *s, const struct rg_signer_files *f,
           struct rg_err *err)
{
    struct pem pem;
    char why[256];
    X509 *c;
    int ret = -1;

    if (pem_open(&pem, f->cert, "certificate", err) < 0)
        return -1;
    if (!(s->cert = PEM_read_bio_X509(pem.bio, NULL, NULL, NULL))) {
        rg_fail(err, RG_ERR_INPUT, "'%s' holds no PEM certificate (%s)",
                f->cert, rg_ssl_error(why, sizeof(why)));
        goto done;
    }
    pem_close(&pem);
    if (!(s->chain = sk_X509_new_null()))
        goto nomem;
    if (f->chain) {
        if (pem_open(&pem, f->chain, "chain", err) < 0)
            goto done;
        while ((c = PEM_read_bio_X509(pem.bio, NULL, NULL, NULL)))
            if (!sk_X509_push(s->chain, c)) {
                X509_free(c);
                goto nomem;
            }
        ERR_clear_error(); /* the end of the file */
        if (sk_X509_num(s->chain) == 0) {
            rg_fail(err, RG_ERR_INPUT, "'%s' holds no PEM certificate",
                    f->chain);
            goto done;
        }
    }
    ret = 0;
    goto done;
nomem:
    rg_fail(err, RG_ERR_NOMEM, "out of memory");
done:
    pem_close(&pem);
    return ret;
}

struct rg_signer *
rg_signer_load(const struct rg_signer_files *f, struct rg_err *err)
{
    struct rg_signer *s = calloc(1, sizeof(*s));
    char when[32];

    if (!s) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (load_key(s, f, err) < 0 || load_certs(s, f, err) < 0)
        goto fail;
    if (X509_check_private_key(s->cert, s->key) != 1) {
        ERR_clear_error();
        rg_fail(err, RG_ERR_INPUT,
                "key '%s' does not belong to certificate '%s'", f->key,
                f->cert);
        goto fail;
    }
    if (X509_cmp_current_time(X509_get0_notAfter(s->cert)) < 0) {
        rg_asn1_time_iso(X509_get0_notAfter(s->cert), when);
        rg_fail(err, RG_ERR_INPUT,
                "certificate '%s' expired on %s: sign with a valid one",
                f->cert, when);
        goto fail;
    }
    if (X509_cmp_current_time(X509_get0_notBefore(s->cert)) > 0) {
        rg_asn1_time_iso(X509_get0_notBefore(s->cert), when);
        rg_fail(err, RG_ERR_INPUT, "certificate '%s' is not valid before %s",
                f->cert, when);
        goto fail;
    }
    common_name(s->cert, s->name, sizeof(s->name));
    /* certificates, signed attributes and the signature itself */
    s->max_der = (size_t)i2d_X509(s->cert, NULL) + 4096 +
                 (size_t)EVP_PKEY_get_size(s->key);
    for (int i = 0; i < sk_X509_num(s->chain); i++)
        s->max_der += (size_t)i2d_X509(sk_X509_value(s->chain, i), NULL);
    return s;
fail:
    rg_signer_free(s);
    return NULL;
}

void
rg_signer_free(struct rg_signer *s)
{
    if (!s)
        return;
    EVP_PKEY_free(s->key); /* OpenSSL cleanses private key material */
    X509_free(s->cert);
    sk_X509_pop_free(s->chain, X509_free);
    free(s);
}

const char *
rg_signer_name(const struct rg_signer *s)
{
    return s->name;
}

size_t
rg_signer_max_der(const struct rg_signer *s)
{
    return s->max_der;
}

int
rg_signer_sign(const struct rg_signer *s, const struct rg_span *spans,
               size_t nspans, unsigned char **der, size_t *derlen,
               struct rg_err *err)
{
    unsigned flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL;
    CMS_ContentInfo *cms = NULL;
    BIO *b = NULL;
    unsigned char *out = NULL, *p;
    char why[256];
    int n, ret = -1;

    *der = NULL;
    *derlen = 0;
    if (!(cms = CMS_sign(s->cert, s->key, s->chain, NULL, flags)) ||
        !(b = CMS_dataInit(cms, NULL)))
        goto ssl;
    for (size_t i = 0; i < nspans; i++)
        for (size_t off = 0; off < spans[i].n;) {
            size_t chunk =
                spans[i].n - off > (1u << 30) ? (1u << 30) : spans[i].n - off;
            int w = BIO_write(b, spans[i].p + off, (int)chunk);

            if (w <= 0)
                goto ssl;
            off += (size_t)w;
        }
    if (BIO_flush(b) <= 0 || !CMS_dataFinal(cms, b))
        goto ssl;
    if ((n = i2d_CMS_ContentInfo(cms, NULL)) <= 0)
        goto ssl;
    if (!(out = malloc((size_t)n))) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    p = out;
    if (i2d_CMS_ContentInfo(cms, &p) != n)
        goto ssl;
    *der = out;
    *derlen = (size_t)n;
    out = NULL;
    ret = 0;
    goto done;
ssl:
    rg_fail(err, RG_ERR_INTERNAL, "cannot sign: %s",
            rg_ssl_error(why, sizeof(why)));
done:
    free(out);
    BIO_free_all(b);
    CMS_ContentInfo_free(cms);
    return ret;
}

/* The signing-time attribute of the first signer, if any. */
static void
signing_time(CMS_ContentInfo *cms, char out[32])
{
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    CMS_SignerInfo *si;
    X509_ATTRIBUTE *a;
    ASN1_TYPE *t;
    int i;

    out[0] = '\0';
    if (!sis || sk_CMS_SignerInfo_num(sis) < 1)
        return;
    si = sk_CMS_SignerInfo_value(sis, 0);
    if ((i = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1)) < 0 ||
        !(a = CMS_signed_get_attr(si, i)) ||
        !(t = X509_ATTRIBUTE_get0_type(a, 0)))
        return;
    if (t->type == V_ASN1_UTCTIME || t->type == V_ASN1_GENERALIZEDTIME)
        rg_asn1_time_iso(t->value.asn1_string, out);
}

static int
chain_check(CMS_ContentInfo *cms, X509 *signer, const char *ca_file, time_t at,
            struct rg_cms_check *res, struct rg_err *err)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *certs = CMS_get1_certs(cms);
    char why[256];
    int ret = -1;

    if (!store || !ctx) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (X509_STORE_load_file(store, ca_file) != 1) {
        rg_fail(err, RG_ERR_IO, "cannot read CA certificates '%s': %s", ca_file,
                rg_ssl_error(why, sizeof(why)));
        goto done;
    }
    if (X509_STORE_CTX_init(ctx, store, signer, certs) != 1) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
    if (at)
        X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), at);
    if (X509_verify_cert(ctx) == 1) {
        res->chain = 1;
    } else {
        int e = X509_STORE_CTX_get_error(ctx);

        res->chain = 0;
        if (e == X509_V_ERR_CERT_HAS_EXPIRED)
            res->expired = 1;
        snprintf(res->why, sizeof(res->why), "%s",
                 X509_verify_cert_error_string(e));
    }
    ERR_clear_error();
    ret = 0;
done:
    sk_X509_pop_free(certs, X509_free);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return ret;
}

int
rg_cms_check(const unsigned char *der, size_t derlen,
             const struct rg_span *spans, size_t nspans, const char *ca_file,
             time_t at, struct rg_cms_check *res, struct rg_err *err)
{
    const unsigned char *p = der;
    CMS_ContentInfo *cms = NULL;
    STACK_OF(X509) *signers = NULL;
    BIO *content = NULL;
    unsigned char *all = NULL;
    size_t total = 0, off = 0;
    unsigned int mdlen = 0;
    char why[256];
    X509 *signer;
    int ret = -1;

    memset(res, 0, sizeof(*res));
    res->chain = -1;
    if (derlen > (1u << 24) ||
        !(cms = d2i_CMS_ContentInfo(NULL, &p, (long)derlen))) {
        snprintf(res->why, sizeof(res->why), "not a CMS signature (%s)",
                 rg_ssl_error(why, sizeof(why)));
        return 0;
    }
    if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
        snprintf(res->why, sizeof(res->why), "not CMS SignedData");
        ret = 0;
        goto done;
    }
    if (CMS_is_detached(cms) != 1) {
        snprintf(res->why, sizeof(res->why),
                 "the signature carries its content: it is not detached");
        ret = 0;
        goto done;
    }
    for (size_t i = 0; i < nspans; i++)
        total += spans[i].n;
    if (!(all = malloc(total ? total : 1))) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nspans; i++) {
        memcpy(all + off, spans[i].p, spans[i].n);
        off += spans[i].n;
    }
    if (total > (size_t)INT32_MAX ||
        !(content = BIO_new_mem_buf(all, (int)total))) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (CMS_verify(cms, NULL, NULL, content, NULL,
                   CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
        snprintf(res->why, sizeof(res->why), "%s",
                 rg_ssl_error(why, sizeof(why)));
        /* the signer is still worth naming */
        signers = CMS_get0_signers(cms);
        if (signers && sk_X509_num(signers) > 0 && sk_X509_value(signers, 0))
            subject_line(sk_X509_value(signers, 0), res->signer,
                         sizeof(res->signer));
        ret = 0;
        goto done;
    }
    res->valid = 1;
    signers = CMS_get0_signers(cms);
    if (!signers || sk_X509_num(signers) != 1 || !sk_X509_value(signers, 0)) {
        res->valid = 0;
        snprintf(res->why, sizeof(res->why), "not exactly one signer");
        ret = 0;
        goto done;
    }
    signer = sk_X509_value(signers, 0);
    subject_line(signer, res->signer, sizeof(res->signer));
    rg_asn1_time_iso(X509_get0_notAfter(signer), res->not_after);
    X509_digest(signer, EVP_sha256(), res->fingerprint, &mdlen);
    signing_time(cms, res->signing_time);
    {
        time_t now = at ? at : time(NULL);

        if (X509_cmp_time(X509_get0_notAfter(signer), &now) < 0)
            res->expired = 1;
    }
    if (ca_file && chain_check(cms, signer, ca_file, at, res, err) < 0)
        goto done;
    ret = 0;
done:
    sk_X509_free(signers);
    BIO_free(content);
    free(all);
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return ret;
}
