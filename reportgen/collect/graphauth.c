/*
 * graphauth.c - Graph access tokens (see graphauth.h).
 */
#include "graphauth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "../pack/cms.h"
#include "http.h"
#include "../util/cancel.h"
#include "../util/fs.h"
#include "../util/jsonq.h"
#include "../util/version.h"

#define MAX_ANSWER (1u << 20)
#define MAX_TOKEN_WAIT 120 /* seconds the token endpoint may ask for */

struct rg_graphauth {
    char *token_url, *client_id, *scope, *alg, *ca_bundle;
    char *secret; /* cleansed */
    size_t secret_len;
    EVP_PKEY *key;
    char x5t[64]; /* base64url SHA-256 of the certificate */
    char *header; /* "Authorization: Bearer ..." (cleansed) */
    time_t expires;
    long margin;
    int count;
};

static void
cleanse_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void
rg_graphauth_free(struct rg_graphauth *a)
{
    if (!a)
        return;
    free(a->token_url);
    free(a->client_id);
    free(a->scope);
    free(a->alg);
    free(a->ca_bundle);
    if (a->secret) {
        OPENSSL_cleanse(a->secret, a->secret_len);
        free(a->secret);
    }
    cleanse_free(a->header);
    EVP_PKEY_free(a->key);
    free(a);
}

static int
b64url(const unsigned char *in, size_t n, char *out, size_t outsz)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;

    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        int k = 2;

        if (i + 1 < n)
            v |= (unsigned)in[i + 1] << 8, k++;
        if (i + 2 < n)
            v |= in[i + 2], k++;
        for (int j = 0; j < k; j++) {
            if (o + 1 >= outsz)
                return -1;
            out[o++] = tab[(v >> (18 - 6 * j)) & 63];
        }
    }
    out[o] = '\0';
    return (int)o;
}

/* The secret: a file only its owner may read, or the environment. */
static int
load_secret(struct rg_graphauth *a, const char *file, struct rg_err *err)
{
    const char *env = getenv("REPORTGEN_CLIENT_SECRET");
    struct stat sb;
    char *buf = NULL;
    size_t len = 0;

    if (file) {
        if (stat(file, &sb) != 0)
            return rg_fail(err, RG_ERR_IO, "cannot open secret file '%s': %s",
                           file, strerror(errno));
        if (sb.st_mode & (S_IRWXG | S_IRWXO))
            return rg_fail(err, RG_ERR_INPUT,
                           "secret file '%s' may be read by others (mode "
                           "%03o): chmod 600 it",
                           file, (unsigned)(sb.st_mode & 0777));
        if (rg_read_file(file, 8192, "secret file", &buf, &len, err) < 0)
            return -1;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = '\0';
    } else if (env) {
        len = strlen(env);
        if (!(buf = malloc(len + 1)))
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        memcpy(buf, env, len + 1);
    }
    if (!buf || len == 0) {
        if (buf)
            free(buf);
        return rg_fail(err, RG_ERR_USAGE,
                       "no client secret: give --client-secret-file, "
                       "REPORTGEN_CLIENT_SECRET, or --client-cert and "
                       "--client-key");
    }
    a->secret = buf;
    a->secret_len = len;
    return 0;
}

static int
load_cert(struct rg_graphauth *a, const struct rg_graphauth_opts *o,
          struct rg_err *err)
{
    FILE *f = fopen(o->cert, "rb");
    X509 *x = NULL;
    unsigned char md[32];
    unsigned int mdlen = 0;

    if (!f)
        return rg_fail(err, RG_ERR_IO, "cannot open certificate '%s': %s",
                       o->cert, strerror(errno));
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!x)
        return rg_fail(err, RG_ERR_INPUT, "'%s' holds no PEM certificate",
                       o->cert);
    X509_digest(x, EVP_sha256(), md, &mdlen);
    b64url(md, mdlen, a->x5t, sizeof(a->x5t));
    if (!(a->key = rg_pkey_load(o->key, o->pass_file, err))) {
        X509_free(x);
        return -1;
    }
    if (EVP_PKEY_get_base_id(a->key) != EVP_PKEY_RSA ||
        X509_check_private_key(x, a->key) != 1) {
        X509_free(x);
        return rg_fail(err, RG_ERR_INPUT,
                       "key '%s' is not the RSA key of certificate '%s'",
                       o->key, o->cert);
    }
    X509_free(x);
    return 0;
}

struct rg_graphauth *
rg_graphauth_new(const struct rg_graphauth_opts *o, struct rg_err *err)
{
    struct rg_graphauth *a = calloc(1, sizeof(*a));
    size_t n;

    if (!a)
        goto nomem;
    n = strlen(o->login_url) + strlen(o->tenant) + 32;
    if (!(a->token_url = malloc(n)) || !(a->client_id = strdup(o->client_id)) ||
        !(a->scope = strdup(
              o->scope ? o->scope : "https://graph.microsoft.com/.default")) ||
        !(a->alg = strdup(o->alg ? o->alg : "PS256")) ||
        (o->ca_bundle && !(a->ca_bundle = strdup(o->ca_bundle))))
        goto nomem;
    snprintf(a->token_url, n, "%s%s%s/oauth2/v2.0/token", o->login_url,
             o->login_url[0] && o->login_url[strlen(o->login_url) - 1] == '/'
                 ? ""
                 : "/",
             o->tenant);
    if (strcmp(a->alg, "PS256") != 0 && strcmp(a->alg, "RS256") != 0) {
        rg_fail(err, RG_ERR_USAGE,
                "a client assertion is signed PS256 or "
                "RS256");
        goto fail;
    }
    if (o->cert || o->key) {
        if (!o->cert || !o->key) {
            rg_fail(err, RG_ERR_USAGE,
                    "--client-cert and --client-key go together");
            goto fail;
        }
        if (load_cert(a, o, err) < 0)
            goto fail;
    } else if (load_secret(a, o->secret_file, err) < 0) {
        goto fail;
    }
    return a;
nomem:
    rg_fail(err, RG_ERR_NOMEM, "out of memory");
fail:
    rg_graphauth_free(a);
    return NULL;
}

/* The signed JWT of a certificate credential (caller cleanses and frees). */
static char *
assertion(struct rg_graphauth *a, struct rg_err *err)
{
    char head[256], claims[1024], h64[400], c64[1400], jti[40], *jwt = NULL;
    unsigned char rnd[16], sig[1024];
    size_t siglen = sizeof(sig), n;
    char s64[1400];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    time_t t = time(NULL);

    if (!md || RAND_bytes(rnd, sizeof(rnd)) != 1) {
        EVP_MD_CTX_free(md);
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    rnd[6] = (unsigned char)((rnd[6] & 0x0f) | 0x40); /* a version 4 UUID */
    rnd[8] = (unsigned char)((rnd[8] & 0x3f) | 0x80);
    snprintf(jti, sizeof(jti),
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x",
             rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7],
             rnd[8], rnd[9], rnd[10], rnd[11], rnd[12], rnd[13], rnd[14],
             rnd[15]);
    snprintf(head, sizeof(head),
             "{\"alg\":\"%s\",\"typ\":\"JWT\",\"x5t#S256\":\"%s\"}", a->alg,
             a->x5t);
    snprintf(claims, sizeof(claims),
             "{\"aud\":\"%s\",\"iss\":\"%s\",\"sub\":\"%s\",\"jti\":\"%s\","
             "\"nbf\":%lld,\"iat\":%lld,\"exp\":%lld}",
             a->token_url, a->client_id, a->client_id, jti, (long long)t,
             (long long)t, (long long)t + 600);
    if (b64url((unsigned char *)head, strlen(head), h64, sizeof(h64)) < 0 ||
        b64url((unsigned char *)claims, strlen(claims), c64, sizeof(c64)) < 0)
        goto fail;
    n = strlen(h64) + 1 + strlen(c64);
    if (!(jwt = malloc(n + sizeof(s64) + 2)))
        goto fail;
    snprintf(jwt, n + 1, "%s.%s", h64, c64);
    if (EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, a->key) != 1 ||
        (strcmp(a->alg, "PS256") == 0 &&
         (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
          EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) !=
              1)) ||
        EVP_DigestSign(md, sig, &siglen, (unsigned char *)jwt, n) != 1 ||
        b64url(sig, siglen, s64, sizeof(s64)) < 0)
        goto fail;
    snprintf(jwt + n, sizeof(s64) + 2, ".%s", s64);
    EVP_MD_CTX_free(md);
    return jwt;
fail:
    EVP_MD_CTX_free(md);
    free(jwt);
    rg_fail(err, RG_ERR_INTERNAL, "cannot sign the client assertion: %s",
            rg_ssl_error(s64, sizeof(s64)));
    return NULL;
}

int
rg_graphauth_parse(const char *body, size_t len, long status, char **token,
                   long *expires_in, struct rg_err *err)
{
    struct rg_jsonq *q = rg_jsonq_open(err);
    char *code = NULL, *desc = NULL;
    int64_t exp = 0;
    int found = 0, ret = -1;

    *token = NULL;
    *expires_in = 0;
    if (!q)
        return -1;
    if (!rg_jsonq_is_object(q, body, len)) {
        rg_fail(err, RG_ERR_INPUT,
                "the token endpoint answered HTTP %ld without JSON", status);
        goto done;
    }
    if (status == 200 &&
        rg_jsonq_text(q, body, len, "$.access_token", token, err) == 0 &&
        *token &&
        rg_jsonq_int(q, body, len, "$.expires_in", &exp, &found, err) == 0) {
        *expires_in = found && exp > 0 ? (long)exp : 3599;
        ret = 0;
        goto done;
    }
    if (rg_jsonq_text(q, body, len, "$.error", &code, err) < 0 ||
        rg_jsonq_text(q, body, len, "$.error_description", &desc, err) < 0)
        goto done;
    /* Entra's description ends with trace ids; the first line says it */
    if (desc)
        desc[strcspn(desc, "\r\n")] = '\0';
    rg_fail(err, RG_ERR_INPUT, "the token endpoint refused (HTTP %ld): %s%s%s",
            status, code ? code : "no error code", desc ? ": " : "",
            desc ? desc : "");
done:
    if (ret < 0 && *token) {
        cleanse_free(*token);
        *token = NULL;
    }
    free(code);
    free(desc);
    rg_jsonq_close(q);
    return ret;
}

struct answer {
    char *p;
    size_t n;
};

static size_t
on_answer(char *data, size_t size, size_t nmemb, void *u)
{
    struct answer *a = u;
    size_t n = size * nmemb;
    char *p;

    if (a->n + n > MAX_ANSWER || !(p = realloc(a->p, a->n + n + 1)))
        return 0;
    memcpy(p + a->n, data, n);
    a->p = p;
    a->n += n;
    a->p[a->n] = '\0';
    return n;
}

/* Appends "&name=value", the value URL-encoded. */
static int
form_add(char **form, size_t *len, const char *name, const char *value)
{
    char *v = curl_easy_escape(NULL, value, 0), *p;
    size_t add = strlen(name) + (v ? strlen(v) : 0) + 3;

    if (!v || !(p = realloc(*form, *len + add))) {
        curl_free(v);
        return -1;
    }
    *len +=
        (size_t)snprintf(p + *len, add, "%s%s=%s", *len ? "&" : "", name, v);
    OPENSSL_cleanse(v, strlen(v));
    curl_free(v);
    *form = p;
    return 0;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *u)
{
    double v = rg_http_retry_after(data, size * nmemb);

    if (v >= 0)
        *(double *)u = v;
    return size * nmemb;
}

/* Sleeps s seconds, in steps, so Ctrl-C still stops the collect. */
static int
pause_for(double s, struct rg_err *err)
{
    struct timespec ts;

    while (s > 0) {
        double step = s < 0.1 ? s : 0.1;

        ts.tv_sec = 0;
        ts.tv_nsec = (long)(step * 1e9);
        nanosleep(&ts, NULL);
        s -= step;
        if (rg_cancel_check(err) < 0)
            return -1;
    }
    return 0;
}

static int
fetch(struct rg_graphauth *a, struct rg_err *err)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    struct answer ans = { NULL, 0 };
    char *form = NULL, *jwt = NULL, *token = NULL, ebuf[CURL_ERROR_SIZE] = "";
    size_t flen = 0;
    long status = 0, expires = 0;
    double wait = -1;
    CURLcode rc;
    int ret = -1;

    if (!c) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (!(form = calloc(1, 1)) ||
        form_add(&form, &flen, "client_id", a->client_id) < 0 ||
        form_add(&form, &flen, "scope", a->scope) < 0 ||
        form_add(&form, &flen, "grant_type", "client_credentials") < 0) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (a->key) {
        if (!(jwt = assertion(a, err)))
            goto done;
        if (form_add(&form, &flen, "client_assertion_type",
                     "urn:ietf:params:oauth:client-assertion-type:"
                     "jwt-bearer") < 0 ||
            form_add(&form, &flen, "client_assertion", jwt) < 0) {
            rg_fail(err, RG_ERR_NOMEM, "out of memory");
            goto done;
        }
    } else if (form_add(&form, &flen, "client_secret", a->secret) < 0) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    h = curl_slist_append(h, "Content-Type: application/x-www-form-urlencoded");
    curl_easy_setopt(c, CURLOPT_URL, a->token_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)flen);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "reportgen/" RG_VERSION);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_answer);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &ans);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    if (a->ca_bundle)
        curl_easy_setopt(c, CURLOPT_CAINFO, a->ca_bundle);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &wait);
    /*
     * A failed connection, 429 or 5xx is tried again, a few times, after
     * the endpoint's Retry-After or 1, 2, 3 seconds. The crawl's other
     * requests wait meanwhile: nothing can be sent without a token.
     */
    for (int attempt = 1;; attempt++) {
        ans.n = 0;
        wait = -1;
        rc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if ((rc == CURLE_OK && status != 429 && status < 500) || attempt == 4)
            break;
        if (wait > MAX_TOKEN_WAIT) {
            rg_fail(err, RG_ERR_IO,
                    "the token endpoint '%s' answered HTTP %ld and asks to "
                    "wait %.0f s, more than %d",
                    a->token_url, status, wait, MAX_TOKEN_WAIT);
            goto done;
        }
        if (pause_for(wait >= 0 ? wait : (double)attempt, err) < 0)
            goto done;
    }
    if (rc != CURLE_OK) {
        rg_fail(err, RG_ERR_IO, "cannot reach the token endpoint '%s': %s",
                a->token_url, ebuf[0] ? ebuf : curl_easy_strerror(rc));
        goto done;
    }
    if (rg_graphauth_parse(ans.p ? ans.p : "", ans.n, status, &token, &expires,
                           err) < 0)
        goto done;
    cleanse_free(a->header);
    if (!(a->header = malloc(strlen(token) + 32))) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    snprintf(a->header, strlen(token) + 32, "Authorization: Bearer %s", token);
    a->expires = time(NULL) + expires;
    /* five minutes early, or half the life of a short-lived token */
    a->margin = expires / 2 < 300 ? expires / 2 : 300;
    a->count++;
    ret = 0;
done:
    cleanse_free(token);
    cleanse_free(jwt);
    cleanse_free(form);
    if (ans.p) {
        OPENSSL_cleanse(ans.p, ans.n);
        free(ans.p);
    }
    curl_slist_free_all(h);
    if (c)
        curl_easy_cleanup(c);
    return ret;
}

int
rg_graphauth_header(struct rg_graphauth *a, int refresh, const char **header,
                    struct rg_err *err)
{
    if (refresh || !a->header || time(NULL) > a->expires - a->margin)
        if (fetch(a, err) < 0)
            return -1;
    *header = a->header;
    return 0;
}

int
rg_graphauth_count(const struct rg_graphauth *a)
{
    return a->count;
}
