/*
 * tsa.c - RFC 3161 timestamp requests over libcurl, and their checks (see
 * tsa.h).
 */
#define _GNU_SOURCE /* timegm() */
#include "tsa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "../collect/http.h"
#include "../util/cancel.h"
#include "../util/version.h"
#include "cms.h"

#define MAX_RESPONSE (1u << 20)
#define ATTEMPTS 3
#define MAX_WAIT 30.0 /* seconds a Retry-After may ask for */

void
rg_url_redact(const char *url, char *out, size_t outsz)
{
    const char *s = strstr(url, "://"), *at, *end;

    if (!s) {
        snprintf(out, outsz, "%s", url);
        return;
    }
    s += 3;
    end = s + strcspn(s, "/?#");
    at = memchr(s, '@', (size_t)(end - s));
    if (!at) {
        snprintf(out, outsz, "%s", url);
        return;
    }
    snprintf(out, outsz, "%.*s%s", (int)(s - url), url, at + 1);
}

struct body {
    unsigned char *p;
    size_t n;
    int too_big;
    double retry_after; /* seconds; < 0 when not sent */
};

static size_t
on_body(char *data, size_t size, size_t nmemb, void *u)
{
    struct body *b = u;
    size_t n = size * nmemb;
    unsigned char *np;

    if (b->n + n > MAX_RESPONSE) {
        b->too_big = 1;
        return 0;
    }
    if (!(np = realloc(b->p, b->n + n + 1)))
        return 0;
    memcpy(np + b->n, data, n);
    b->p = np;
    b->n += n;
    return n;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *u)
{
    struct body *b = u;
    size_t n = size * nmemb;
    double v = rg_http_retry_after(data, n);

    if (v >= 0)
        b->retry_after = v;
    return n;
}

/* Stops a transfer when the user asked the run to stop. */
static int
on_progress(void *u, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)u, (void)dt, (void)dn, (void)ut, (void)un;
    return rg_cancelled() ? 1 : 0;
}

static void
pause_for(double s)
{
    struct timespec ts;

    if (s > MAX_WAIT)
        s = MAX_WAIT;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    nanosleep(&ts, NULL);
}

/* POSTs the request; retries what may pass. Fills *b with a 200's body. */
static int
post(const char *url, const unsigned char *req, size_t reqlen, long timeout,
     struct body *b, struct rg_err *err)
{
    char shown[1024], ebuf[CURL_ERROR_SIZE];
    double backoff = 0.5;
    long status = 0;

    rg_url_redact(url, shown, sizeof(shown));
    for (int attempt = 1;; attempt++) {
        CURL *c = curl_easy_init();
        struct curl_slist *h = NULL;
        CURLcode rc;
        int again;

        if (!c)
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        free(b->p);
        memset(b, 0, sizeof(*b));
        b->retry_after = -1;
        ebuf[0] = '\0';
        h = curl_slist_append(h, "Content-Type: application/timestamp-query");
        h = curl_slist_append(h, "Accept: application/timestamp-reply");
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)reqlen);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "reportgen/" RG_VERSION);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, b);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                         timeout < 10 ? timeout : 10L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        rc = curl_easy_perform(c);
        status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        if (rc == CURLE_OK && status == 200)
            return 0;
        if (rg_cancel_check(err) < 0)
            return -1;
        if (b->too_big)
            return rg_fail(err, RG_ERR_INPUT,
                           "timestamp authority '%s' answered more than %u "
                           "bytes",
                           shown, MAX_RESPONSE);
        again = rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
                rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
                rc == CURLE_GOT_NOTHING ||
                (rc == CURLE_OK && (status == 429 || status == 502 ||
                                    status == 503 || status == 504));
        if (!again || attempt == ATTEMPTS) {
            if (rc != CURLE_OK)
                return rg_fail(err, RG_ERR_IO,
                               "cannot reach timestamp authority '%s': %s",
                               shown, ebuf[0] ? ebuf : curl_easy_strerror(rc));
            return rg_fail(err, RG_ERR_INPUT,
                           "timestamp authority '%s' answered HTTP %ld", shown,
                           status);
        }
        if (b->retry_after > MAX_WAIT)
            return rg_fail(err, RG_ERR_IO,
                           "timestamp authority '%s' answered HTTP %ld and "
                           "asks to wait %.0f s; try again later",
                           shown, status, b->retry_after);
        pause_for(b->retry_after >= 0 ? b->retry_after : backoff);
        if (rg_cancel_check(err) < 0)
            return -1;
        backoff *= 2;
    }
}

/* The status of a response; granted (0) and grantedWithMods (1) pass. */
static int
granted(TS_RESP *r, char *why, size_t whysz)
{
    TS_STATUS_INFO *si = TS_RESP_get_status_info(r);
    long st = si ? ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si)) : -1;
    const STACK_OF(ASN1_UTF8STRING) *text =
        si ? TS_STATUS_INFO_get0_text(si) : NULL;
    const ASN1_UTF8STRING *t = text && sk_ASN1_UTF8STRING_num(text) > 0
                                   ? sk_ASN1_UTF8STRING_value(text, 0)
                                   : NULL;
    static const char *const names[] = {
        "granted", "granted with mods",  "rejection",
        "waiting", "revocation warning", "revocation notification"
    };

    if (st == 0 || st == 1)
        return 1;
    snprintf(why, whysz, "status %s%s%.*s",
             st >= 0 && st <= 5 ? names[st] : "unknown", t ? ": " : "",
             t ? ASN1_STRING_length(t) : 0,
             t ? (const char *)ASN1_STRING_get0_data(t) : "");
    return 0;
}

/* Compares the response's imprint and nonce with what was asked. */
static int
matches(TS_RESP *r, const unsigned char *md, const ASN1_INTEGER *nonce,
        char *why, size_t whysz)
{
    TS_TST_INFO *tst = TS_RESP_get_tst_info(r);
    TS_MSG_IMPRINT *mi = tst ? TS_TST_INFO_get_msg_imprint(tst) : NULL;
    ASN1_OCTET_STRING *m = mi ? TS_MSG_IMPRINT_get_msg(mi) : NULL;
    X509_ALGOR *alg = mi ? TS_MSG_IMPRINT_get_algo(mi) : NULL;
    const ASN1_INTEGER *n = tst ? TS_TST_INFO_get_nonce(tst) : NULL;

    if (!tst || !m || !alg) {
        snprintf(why, whysz, "the response holds no timestamp token");
        return 0;
    }
    if (nonce && (!n || ASN1_INTEGER_cmp(n, nonce) != 0)) {
        snprintf(why, whysz,
                 "the response is for another request (the nonce differs)");
        return 0;
    }
    if (OBJ_obj2nid(alg->algorithm) != NID_sha256 ||
        ASN1_STRING_length(m) != 32 ||
        memcmp(ASN1_STRING_get0_data(m), md, 32) != 0) {
        snprintf(why, whysz, "the timestamp is over other data");
        return 0;
    }
    return 1;
}

static ASN1_INTEGER *
random_nonce(void)
{
    unsigned char b[8];
    BIGNUM *bn;
    ASN1_INTEGER *n = NULL;

    if (RAND_bytes(b, sizeof(b)) != 1)
        return NULL;
    b[0] &= 0x7f; /* a positive 63-bit number */
    b[0] |= 0x01;
    if ((bn = BN_bin2bn(b, sizeof(b), NULL)))
        n = BN_to_ASN1_INTEGER(bn, NULL);
    BN_free(bn);
    return n;
}

int
rg_tsa_stamp(const char *url, const void *data, size_t len, long timeout,
             unsigned char **resp, size_t *resplen, struct rg_err *err)
{
    unsigned char md[32], *der = NULL, *p;
    const unsigned char *cp;
    TS_REQ *req = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    ASN1_INTEGER *nonce = random_nonce();
    TS_RESP *r = NULL;
    struct body b;
    char why[256], shown[1024];
    int n, ret = -1;

    *resp = NULL;
    *resplen = 0;
    memset(&b, 0, sizeof(b));
    rg_url_redact(url, shown, sizeof(shown));
    if (!req || !mi || !alg || !nonce) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL) != 1 ||
        X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) != 1 ||
        TS_MSG_IMPRINT_set_algo(mi, alg) != 1 ||
        TS_MSG_IMPRINT_set_msg(mi, md, sizeof(md)) != 1 ||
        TS_REQ_set_version(req, 1) != 1 ||
        TS_REQ_set_msg_imprint(req, mi) != 1 ||
        TS_REQ_set_nonce(req, nonce) != 1 || TS_REQ_set_cert_req(req, 1) != 1 ||
        (n = i2d_TS_REQ(req, NULL)) <= 0 || !(der = malloc((size_t)n))) {
        rg_fail(err, RG_ERR_INTERNAL, "cannot build a timestamp request: %s",
                rg_ssl_error(why, sizeof(why)));
        goto done;
    }
    p = der;
    i2d_TS_REQ(req, &p);
    if (post(url, der, (size_t)n, timeout > 0 ? timeout : 60, &b, err) < 0)
        goto done;
    cp = b.p;
    if (!b.p || !(r = d2i_TS_RESP(NULL, &cp, (long)b.n)) || cp != b.p + b.n) {
        ERR_clear_error();
        rg_fail(err, RG_ERR_INPUT,
                "timestamp authority '%s' did not answer with a timestamp "
                "response",
                shown);
        goto done;
    }
    if (!granted(r, why, sizeof(why)) ||
        !matches(r, md, nonce, why, sizeof(why))) {
        rg_fail(err, RG_ERR_INPUT, "timestamp authority '%s' answered, but %s",
                shown, why);
        goto done;
    }
    *resp = b.p;
    *resplen = b.n;
    b.p = NULL;
    ret = 0;
done:
    free(b.p);
    free(der);
    TS_RESP_free(r);
    TS_REQ_free(req);
    TS_MSG_IMPRINT_free(mi);
    X509_ALGOR_free(alg);
    ASN1_INTEGER_free(nonce);
    ERR_clear_error();
    return ret;
}

static void
tsa_subject(TS_RESP *r, char *out, size_t outsz)
{
    PKCS7 *p7 = TS_RESP_get_token(r);
    STACK_OF(X509) *s = p7 ? PKCS7_get0_signers(p7, NULL, 0) : NULL;
    char *line;

    out[0] = '\0';
    if (s && sk_X509_num(s) > 0 &&
        (line = X509_NAME_oneline(X509_get_subject_name(sk_X509_value(s, 0)),
                                  NULL, 0))) {
        snprintf(out, outsz, "%s", line);
        OPENSSL_free(line);
    }
    sk_X509_free(s);
    ERR_clear_error();
}

int
rg_tsa_check(const unsigned char *resp, size_t resplen, const void *data,
             size_t len, const char *ca_file, struct rg_tsa_check *res,
             struct rg_err *err)
{
    const unsigned char *cp = resp;
    TS_RESP *r = NULL;
    TS_VERIFY_CTX *ctx = NULL;
    X509_STORE *store = NULL;
    unsigned char md[32];
    char why[256];
    int ret = -1;

    memset(res, 0, sizeof(*res));
    res->signer = -1;
    if (resplen > MAX_RESPONSE ||
        !(r = d2i_TS_RESP(NULL, &cp, (long)resplen)) || cp != resp + resplen) {
        snprintf(res->why, sizeof(res->why), "not an RFC 3161 response");
        ret = 0;
        goto done;
    }
    if (!granted(r, res->why, sizeof(res->why))) {
        ret = 0;
        goto done;
    }
    if (EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL) != 1) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (!matches(r, md, NULL, res->why, sizeof(res->why))) {
        ret = 0;
        goto done;
    }
    res->valid = 1;
    {
        TS_TST_INFO *tst = TS_RESP_get_tst_info(r);
        const ASN1_GENERALIZEDTIME *gt = TS_TST_INFO_get_time(tst);
        ASN1_OBJECT *pol = TS_TST_INFO_get_policy_id(tst);
        struct tm tm;

        if (!gt || ASN1_TIME_to_tm(gt, &tm) != 1) {
            res->valid = 0;
            snprintf(res->why, sizeof(res->why), "its time cannot be read");
            ret = 0;
            goto done;
        }
        strftime(res->gen_time, sizeof(res->gen_time), "%Y-%m-%dT%H:%M:%SZ",
                 &tm);
        res->gen_epoch = (long long)timegm(&tm);
        if (pol)
            OBJ_obj2txt(res->policy, sizeof(res->policy), pol, 1);
    }
    tsa_subject(r, res->tsa, sizeof(res->tsa));
    if (ca_file) {
        if (!(ctx = TS_VERIFY_CTX_new()) || !(store = X509_STORE_new())) {
            rg_fail(err, RG_ERR_NOMEM, "out of memory");
            goto done;
        }
        if (X509_STORE_load_file(store, ca_file) != 1) {
            rg_fail(err, RG_ERR_IO, "cannot read CA certificates '%s': %s",
                    ca_file, rg_ssl_error(why, sizeof(why)));
            goto done;
        }
        TS_VERIFY_CTX_set_store(ctx, store); /* ctx owns it now */
        store = NULL;
        TS_VERIFY_CTX_set_flags(ctx, TS_VFY_VERSION | TS_VFY_SIGNATURE);
        if (TS_RESP_verify_response(ctx, r) == 1) {
            res->signer = 1;
        } else {
            res->signer = 0;
            snprintf(res->why, sizeof(res->why), "%s",
                     rg_ssl_error(why, sizeof(why)));
        }
    }
    ret = 0;
done:
    TS_VERIFY_CTX_free(ctx);
    X509_STORE_free(store);
    TS_RESP_free(r);
    ERR_clear_error();
    return ret;
}
