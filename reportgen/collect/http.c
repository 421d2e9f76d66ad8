/*
 * http.c - concurrent HTTP with retries over libcurl's multi interface (see
 * http.h).
 */
#define _GNU_SOURCE /* strcasestr() */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "../util/cancel.h"
#include "../util/version.h"

#define MAX_BODY ((size_t)256 << 20)
#define BACKOFF_FIRST 0.5
#define BACKOFF_MAX 30.0
#define MAX_ATTEMPTS 12 /* also when Retry-After says 0 */

struct req {
    struct req *next;
    char *url, *body;
    size_t body_len;
    int post;
    char **headers; /* NULL-terminated copies */
    rg_http_done_fn done;
    void *ctx;
    int attempts, refreshed;
    char *auth_sent; /* the Authorization header of the last attempt */
    double waited, ready_at;
    long last_status;
    char last_error[CURL_ERROR_SIZE];
    /* the attempt in flight */
    CURL *easy;
    struct curl_slist *sent;
    char *buf;
    size_t len, cap;
    int too_big;
    double retry_after;
    int64_t total_count; /* X-Total-Count, -1 when absent */
    char errbuf[CURL_ERROR_SIZE];
};

struct rg_http {
    CURLM *multi;
    struct rg_http_opts o;
    rg_http_auth_fn auth;
    void *auth_ctx;
    struct req *ready, *ready_tail, *waiting;
    CURL **idle; /* easy handles kept for the next transfer */
    size_t nidle;
    struct req **inflight; /* concurrency slots */
    struct rg_http_stats st;
    void (*tick)(void *ctx);
    void *tick_ctx;
    int (*low)(void *ctx, struct rg_err *err);
    void *low_ctx;
    uint64_t seed;
};

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A number in [0, 1) from a xorshift generator: jitter, not secrets. */
static double
jitter(struct rg_http *h)
{
    h->seed ^= h->seed << 13;
    h->seed ^= h->seed >> 7;
    h->seed ^= h->seed << 17;
    return (double)(h->seed >> 11) / 9007199254740992.0;
}

static void
req_free(struct req *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->headers && r->headers[i]; i++)
        free(r->headers[i]);
    free(r->headers);
    free(r->url);
    free(r->body);
    free(r->buf);
    if (r->auth_sent) {
        memset(r->auth_sent, 0, strlen(r->auth_sent));
        free(r->auth_sent);
    }
    curl_slist_free_all(r->sent);
    free(r);
}

struct rg_http *
rg_http_new(const struct rg_http_opts *o, rg_http_auth_fn auth, void *auth_ctx,
            struct rg_err *err)
{
    struct rg_http *h = calloc(1, sizeof(*h));

    if (!h) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    h->o = *o;
    if (h->o.concurrency < 1)
        h->o.concurrency = 8;
    if (h->o.connect_timeout < 1)
        h->o.connect_timeout = 30;
    if (h->o.low_speed_time < 1)
        h->o.low_speed_time = 60;
    if (h->o.max_wait <= 0)
        h->o.max_wait = 300;
    h->auth = auth;
    h->auth_ctx = auth_ctx;
    h->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
              0x9e3779b97f4a7c15ull;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
        !(h->multi = curl_multi_init()) ||
        !(h->idle = calloc((size_t)h->o.concurrency, sizeof(*h->idle))) ||
        !(h->inflight =
              calloc((size_t)h->o.concurrency, sizeof(*h->inflight)))) {
        rg_fail(err, RG_ERR_NOMEM, "cannot start libcurl");
        rg_http_free(h);
        return NULL;
    }
    curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                      (long)h->o.concurrency);
    curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS,
                      (long)h->o.concurrency * 2);
    curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    return h;
}

static void
drop_list(struct req *r)
{
    while (r) {
        struct req *n = r->next;

        req_free(r);
        r = n;
    }
}

void
rg_http_free(struct rg_http *h)
{
    if (!h)
        return;
    drop_list(h->ready);
    drop_list(h->waiting);
    for (size_t i = 0; i < h->nidle; i++)
        curl_easy_cleanup(h->idle[i]);
    free(h->idle);
    free(h->inflight);
    if (h->multi)
        curl_multi_cleanup(h->multi);
    free(h);
}

static void
enqueue(struct rg_http *h, struct req *r)
{
    r->next = NULL;
    if (h->ready_tail)
        h->ready_tail->next = r;
    else
        h->ready = r;
    h->ready_tail = r;
    h->st.queued++;
}

static int
add(struct rg_http *h, const char *url, const char *const *headers,
    const char *body, size_t len, int post, double delay, rg_http_done_fn done,
    void *ctx, struct rg_err *err)
{
    struct req *r;
    size_t n = 0;

    if (delay > h->o.max_wait)
        return rg_fail(err, RG_ERR_IO,
                       "'%s': asked to wait %.0f s before asking again, "
                       "more than %.0f s",
                       url, delay, h->o.max_wait);
    if (!(r = calloc(1, sizeof(*r))))
        goto nomem;
    while (headers && headers[n])
        n++;
    if (!(r->url = strdup(url)) ||
        !(r->headers = calloc(n + 1, sizeof(*r->headers))))
        goto nomem;
    for (size_t i = 0; i < n; i++)
        if (!(r->headers[i] = strdup(headers[i])))
            goto nomem;
    if (post) {
        if (!(r->body = malloc(len ? len : 1)))
            goto nomem;
        memcpy(r->body, body, len);
        r->body_len = len;
    }
    r->post = post;
    r->done = done;
    r->ctx = ctx;
    if (delay > 0) { /* waits like a retry, and counts against its bound */
        r->waited = delay;
        r->ready_at = now() + delay;
        r->next = h->waiting;
        h->waiting = r;
        return 0;
    }
    enqueue(h, r);
    return 0;
nomem:
    req_free(r);
    return rg_fail(err, RG_ERR_NOMEM, "out of memory");
}

int
rg_http_get(struct rg_http *h, const char *url, const char *const *headers,
            rg_http_done_fn done, void *ctx, struct rg_err *err)
{
    return add(h, url, headers, NULL, 0, 0, 0, done, ctx, err);
}

int
rg_http_get_after(struct rg_http *h, const char *url,
                  const char *const *headers, double delay,
                  rg_http_done_fn done, void *ctx, struct rg_err *err)
{
    return add(h, url, headers, NULL, 0, 0, delay, done, ctx, err);
}

int
rg_http_post(struct rg_http *h, const char *url, const char *const *headers,
             const char *body, size_t len, rg_http_done_fn done, void *ctx,
             struct rg_err *err)
{
    return add(h, url, headers, body, len, 1, 0, done, ctx, err);
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *u)
{
    struct req *r = u;
    size_t n = size * nmemb;

    if (r->len + n + 1 > r->cap) {
        size_t cap = (r->cap ? r->cap * 2 : 65536) + n;
        char *p;

        if (cap > MAX_BODY + 1) {
            r->too_big = 1;
            return 0;
        }
        if (!(p = realloc(r->buf, cap)))
            return 0;
        r->buf = p;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, data, n);
    r->len += n;
    r->buf[r->len] = '\0';
    return n;
}

double
rg_http_retry_after(const char *line, size_t n)
{
    char tmp[64], *end;
    size_t k;
    double v;
    time_t when, t;

    if (n <= 12 || strncasecmp(line, "Retry-After:", 12) != 0)
        return -1;
    k = n - 12 < sizeof(tmp) - 1 ? n - 12 : sizeof(tmp) - 1;
    memcpy(tmp, line + 12, k);
    tmp[k] = '\0';
    v = strtod(tmp, &end);
    if (end != tmp && v >= 0)
        return v;
    if ((when = curl_getdate(tmp, NULL)) == -1) /* an HTTP date */
        return -1;
    t = time(NULL);
    return when > t ? (double)(when - t) : 0;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *u)
{
    struct req *r = u;
    size_t n = size * nmemb;
    double v = rg_http_retry_after(data, n);

    if (v >= 0)
        r->retry_after = v;
    else if (n > 14 && strncasecmp(data, "X-Total-Count:", 14) == 0) {
        char tmp[32], *end;
        size_t k = n - 14 < sizeof(tmp) - 1 ? n - 14 : sizeof(tmp) - 1;
        long long c;

        memcpy(tmp, data + 14, k);
        tmp[k] = '\0';
        c = strtoll(tmp, &end, 10);
        if (end != tmp && c >= 0)
            r->total_count = (int64_t)c;
    }
    return n;
}

/* Starts r's next attempt. */
static int
start(struct rg_http *h, struct req *r, struct rg_err *err)
{
    const char *auth = NULL;
    CURL *c = h->nidle ? h->idle[--h->nidle] : curl_easy_init();

    if (!c)
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    curl_easy_reset(c);
    r->len = 0;
    r->too_big = 0;
    r->retry_after = -1;
    r->total_count = -1;
    r->errbuf[0] = '\0';
    curl_slist_free_all(r->sent);
    r->sent = NULL;
    for (size_t i = 0; r->headers[i]; i++)
        if (!(r->sent = curl_slist_append(r->sent, r->headers[i])))
            goto nomem;
    if (h->auth) {
        if (h->auth(h->auth_ctx, 0, &auth, err) < 0)
            goto fail;
        if (auth && !(r->sent = curl_slist_append(r->sent, auth)))
            goto nomem;
        if (r->auth_sent) {
            memset(r->auth_sent, 0, strlen(r->auth_sent));
            free(r->auth_sent);
        }
        if (auth && !(r->auth_sent = strdup(auth)))
            goto nomem;
    }
    curl_easy_setopt(c, CURLOPT_URL, r->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, r->sent);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "reportgen/" RG_VERSION);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, h->o.connect_timeout);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, h->o.low_speed_time);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(c, CURLOPT_PRIVATE, r);
    if (h->o.ca_bundle)
        curl_easy_setopt(c, CURLOPT_CAINFO, h->o.ca_bundle);
    if (r->post) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)r->body_len);
    }
    if (curl_multi_add_handle(h->multi, c) != CURLM_OK) {
        rg_fail(err, RG_ERR_INTERNAL, "libcurl refused a transfer");
        goto fail;
    }
    r->easy = c;
    for (int i = 0; i < h->o.concurrency; i++)
        if (!h->inflight[i]) {
            h->inflight[i] = r;
            break;
        }
    r->attempts++;
    h->st.requests++;
    h->st.active++;
    return 0;
nomem:
    rg_fail(err, RG_ERR_NOMEM, "out of memory");
fail:
    if (h->nidle < (size_t)h->o.concurrency)
        h->idle[h->nidle++] = c;
    else
        curl_easy_cleanup(c);
    return -1;
}

/* Takes r's easy handle back from the multi handle. */
static void
release_easy(struct rg_http *h, struct req *r)
{
    if (!r->easy)
        return;
    for (int i = 0; i < h->o.concurrency; i++)
        if (h->inflight[i] == r)
            h->inflight[i] = NULL;
    curl_multi_remove_handle(h->multi, r->easy);
    if (h->nidle < (size_t)h->o.concurrency)
        h->idle[h->nidle++] = r->easy;
    else
        curl_easy_cleanup(r->easy);
    r->easy = NULL;
    h->st.active--;
}

/* Puts r back to wait, or fails the run when it has waited enough. */
static int
retry(struct rg_http *h, struct req *r, const char *why, struct rg_err *err)
{
    double delay =
        r->retry_after >= 0
            ? r->retry_after
            : BACKOFF_FIRST *
                  (double)(1u << (r->attempts < 7 ? r->attempts - 1 : 6));

    if (r->retry_after < 0) {
        if (delay > BACKOFF_MAX)
            delay = BACKOFF_MAX;
        delay *= 0.5 + jitter(h); /* spread the herd */
    }
    if (r->waited + delay > h->o.max_wait || r->attempts >= MAX_ATTEMPTS)
        return rg_fail(err, RG_ERR_IO,
                       "gave up on '%s' after %d attempts and %.0f s of "
                       "waiting: %s",
                       r->url, r->attempts, r->waited, why);
    r->waited += delay;
    r->ready_at = now() + delay;
    r->next = h->waiting;
    h->waiting = r;
    h->st.retries++;
    return 0;
}

static int
transient(CURLcode rc)
{
    return rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
           rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
           rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE ||
           rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM ||
           rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_COULDNT_RESOLVE_HOST ||
           rc == CURLE_BAD_CONTENT_ENCODING;
}

/* An attempt ended: retry, refresh the token, or hand the answer over. */
static int
finish(struct rg_http *h, struct req *r, CURLcode rc, struct rg_err *err)
{
    struct rg_http_resp resp;
    long status = 0;
    char why[CURL_ERROR_SIZE + 64];
    int ret;

    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    release_easy(h, r);
    h->st.bytes += r->len;
    if (r->too_big) {
        rg_fail(err, RG_ERR_LIMIT, "'%s' answered more than %zu bytes", r->url,
                MAX_BODY);
        req_free(r);
        return -1;
    }
    if (rc != CURLE_OK) {
        snprintf(why, sizeof(why), "%s",
                 r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
        if (transient(rc))
            ret = retry(h, r, why, err);
        else
            ret = rg_fail(err, RG_ERR_IO, "cannot reach '%s': %s", r->url, why);
        if (ret < 0)
            req_free(r);
        return ret;
    }
    if (status == 429 || status == 502 || status == 503 || status == 504) {
        snprintf(why, sizeof(why), "HTTP %ld", status);
        if ((ret = retry(h, r, why, err)) < 0)
            req_free(r);
        return ret;
    }
    if (status == 401 && h->auth && !r->refreshed) {
        const char *hdr;

        r->refreshed = 1; /* once: a second 401 is the caller's */
        /* many requests fail with one expired token: one new token */
        if (h->auth(h->auth_ctx, 0, &hdr, err) < 0 ||
            ((!hdr || !r->auth_sent || strcmp(hdr, r->auth_sent) == 0) &&
             h->auth(h->auth_ctx, 1, &hdr, err) < 0)) {
            req_free(r);
            return -1;
        }
        enqueue(h, r);
        return 0;
    }
    resp.status = status;
    resp.body = r->buf ? r->buf : "";
    resp.len = r->len;
    resp.url = r->url;
    resp.attempts = r->attempts;
    resp.total_count = r->total_count;
    ret = r->done(r->ctx, &resp, err);
    if (ret == RG_HTTP_AGAIN) {
        r->retry_after = -1;
        if ((ret = retry(h, r, "an answer that could not be read", err)) < 0)
            req_free(r);
        return ret;
    }
    req_free(r);
    return ret < 0 ? -1 : 0;
}

/* Stops and frees every request in flight (after a failure). */
static void
abandon_active(struct rg_http *h)
{
    for (int i = 0; i < h->o.concurrency; i++) {
        struct req *r = h->inflight[i];

        if (r) {
            release_easy(h, r);
            req_free(r);
        }
    }
}

int
rg_http_run(struct rg_http *h, struct rg_err *err)
{
    double last_tick = now();
    int ret = 0, more = h->low != NULL;

    while (h->st.active || h->ready || h->waiting || more) {
        double t = now(), next = t + 0.5;
        struct req **pp;
        CURLMsg *m;
        int running, left;

        if (rg_cancel_check(err) < 0) {
            ret = -1;
            break;
        }
        /* retries whose time has come, in the order they were queued */
        for (pp = &h->waiting; *pp;) {
            struct req *r = *pp;

            if (r->ready_at <= t) {
                *pp = r->next;
                enqueue(h, r);
            } else {
                if (r->ready_at < next)
                    next = r->ready_at;
                pp = &r->next;
            }
        }
        /* keep a concurrency's worth waiting, no more */
        while (more && h->st.queued < (uint64_t)h->o.concurrency) {
            int r = h->low(h->low_ctx, err);

            if (r < 0) {
                ret = -1;
                goto out;
            }
            if (r == RG_HTTP_LATER)
                break; /* asked again on the next turn */
            more = r > 0;
        }
        while (h->ready && h->st.active < (uint64_t)h->o.concurrency) {
            struct req *r = h->ready;

            h->ready = r->next;
            if (!h->ready)
                h->ready_tail = NULL;
            h->st.queued--;
            if (start(h, r, err) < 0) {
                release_easy(h, r);
                req_free(r);
                ret = -1;
                goto out;
            }
        }
        curl_multi_perform(h->multi, &running);
        while ((m = curl_multi_info_read(h->multi, &left))) {
            struct req *r = NULL;

            if (m->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
            if (finish(h, r, m->data.result, err) < 0) {
                ret = -1;
                goto out;
            }
        }
        if (h->tick && now() - last_tick >= 0.5) {
            last_tick = now();
            h->tick(h->tick_ctx);
        }
        if (h->st.active || h->ready || h->waiting) {
            int ms = (int)((next - now()) * 1000);

            if (h->ready && h->st.active < (uint64_t)h->o.concurrency)
                ms = 0;
            curl_multi_poll(h->multi, NULL, 0,
                            ms < 0     ? 0
                            : ms > 500 ? 500
                                       : ms,
                            NULL);
        }
    }
out:
    if (ret < 0)
        abandon_active(h);
    return ret;
}

void
rg_http_stats(const struct rg_http *h, struct rg_http_stats *s)
{
    *s = h->st;
}

void
rg_http_on_low(struct rg_http *h, int (*fn)(void *ctx, struct rg_err *err),
               void *ctx)
{
    h->low = fn;
    h->low_ctx = ctx;
}

void
rg_http_on_tick(struct rg_http *h, void (*fn)(void *ctx), void *ctx)
{
    h->tick = fn;
    h->tick_ctx = ctx;
}
