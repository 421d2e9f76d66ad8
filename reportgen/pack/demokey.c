/*
 * demokey.c - the demo's throwaway signer (see demokey.h).
 */
#include "demokey.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/fs.h"
#include "cms.h"

#define DEMO_DAYS 7

static int
ssl_fail(struct rg_err *err, const char *what)
{
    char buf[256];

    return rg_fail(err, RG_ERR_IO, "cannot make the demo key (%s): %s", what,
                   rg_ssl_error(buf, sizeof(buf)));
}

static int
add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *e;
    int ok;

    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    if (!(e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)))
        return 0;
    ok = X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok;
}

/* Writes a PEM through fn to path, created new with mode. */
static int
write_pem(const char *path, int mode, int (*fn)(FILE *, void *), void *obj,
          struct rg_err *err)
{
    int fd;
    FILE *f;
    int ok;

    unlink(path); /* the previous demo's */
    if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0)
        return rg_fail(err, RG_ERR_IO, "cannot create '%s': %s", path,
                       strerror(errno));
    if (!(f = fdopen(fd, "w"))) {
        close(fd);
        return rg_fail(err, RG_ERR_IO, "cannot write '%s': %s", path,
                       strerror(errno));
    }
    ok = fn(f, obj);
    if (fclose(f) != 0 || !ok)
        return rg_fail(err, RG_ERR_IO, "cannot write '%s'", path);
    return 0;
}

static int
pem_key(FILE *f, void *k)
{
    return PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
}

static int
pem_cert(FILE *f, void *x)
{
    return PEM_write_X509(f, x);
}

int
rg_demokey_make(const char *dir, char *key, size_t keysz, char *cert,
                size_t certsz, struct rg_err *err)
{
    EVP_PKEY *pk = NULL;
    X509 *x = NULL;
    X509_NAME *name;
    BIGNUM *serial = NULL;
    int ret = -1;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return rg_fail(err, RG_ERR_IO, "cannot create '%s': %s", dir,
                       strerror(errno));
    if (rg_pathf(err, key, keysz, "%s/signer.key", dir) < 0 ||
        rg_pathf(err, cert, certsz, "%s/signer.pem", dir) < 0)
        return -1;
    if (!(pk = EVP_EC_gen("P-256"))) {
        ssl_fail(err, "key");
        goto done;
    }
    if (!(x = X509_new()) || !(serial = BN_new()) ||
        !BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
        !X509_set_version(x, 2) ||
        !BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) ||
        !X509_gmtime_adj(X509_getm_notBefore(x), -300) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), 86400L * DEMO_DAYS) ||
        !X509_set_pubkey(x, pk) || !(name = X509_get_subject_name(x)) ||
        !X509_NAME_add_entry_by_txt(
            name, "CN", MBSTRING_UTF8,
            (const unsigned char *)"reportgen demo signer (throwaway)", -1, -1,
            0) ||
        !X509_NAME_add_entry_by_txt(
            name, "O", MBSTRING_UTF8,
            (const unsigned char *)"Nordhavn Bank A/S (fictional)", -1, -1,
            0) ||
        !X509_set_issuer_name(x, name) ||
        !add_ext(x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
        !add_ext(x, NID_key_usage,
                 "critical,digitalSignature,nonRepudiation,keyCertSign") ||
        !add_ext(x, NID_subject_key_identifier, "hash") ||
        !X509_sign(x, pk, EVP_sha256())) {
        ssl_fail(err, "certificate");
        goto done;
    }
    if (write_pem(key, 0600, pem_key, pk, err) < 0 ||
        write_pem(cert, 0644, pem_cert, x, err) < 0)
        goto done;
    ret = 0;
done:
    BN_free(serial);
    X509_free(x);
    EVP_PKEY_free(pk);
    return ret;
}
