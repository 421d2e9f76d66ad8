/*
 * http.h - many HTTP requests at once over libcurl's multi interface, with
 * the retries a cloud API needs.
 *
 * Requests are queued with rg_http_get()/rg_http_post() and run by
 * rg_http_run(), at most `concurrency` at a time over kept-alive (HTTP/2
 * where offered) connections, gzip accepted, TLS verified. A request that
 * answers 429, 502, 503 or 504, or whose connection fails, resets or times
 * out, is tried again after its Retry-After (seconds, fractions allowed, or
 * an HTTP date) or else an exponential backoff with jitter, until its total
 * wait would pass max_wait. A 401 asks the auth callback for a new token,
 * once per request, and tries again. Everything else is handed to the
 * request's done callback, which may queue more requests, or return
 * RG_HTTP_AGAIN to have the same request tried again as if it had failed
 * (a body that is not the JSON it should be).
 *
 * Messages name the URL without its query string's secrets (there are
 * none: tokens travel in headers, never in URLs) and never a header.
 */
#ifndef RG_HTTP_H
#define RG_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"

#define RG_HTTP_AGAIN 1
#define RG_HTTP_LATER 2 /* from an on_low callback: nothing now, ask later */

struct rg_http_opts {
    int concurrency;       /* transfers at once (default 8) */
    const char *ca_bundle; /* NULL: the system's */
    long connect_timeout;  /* seconds (default 30) */
    long low_speed_time;   /* seconds below 1 byte/s before giving up
                              (default 60) */
    double max_wait;       /* seconds of retry waits per request (300) */
};

/* What one answer was. */
struct rg_http_resp {
    long status;
    const char *body; /* valid during the callback; NUL-terminated */
    size_t len;
    const char *url;
    int attempts;        /* 1 on the first try */
    int64_t total_count; /* its X-Total-Count header (ServiceNow), or -1 */
};

struct rg_http;

/* The "Authorization: ..." header to send; refresh asks for a new one. */
typedef int (*rg_http_auth_fn)(void *ctx, int refresh, const char **header,
                               struct rg_err *err);
/* Returns 0, RG_HTTP_AGAIN, or -1 (stops the run) with err set. */
typedef int (*rg_http_done_fn)(void *ctx, const struct rg_http_resp *r,
                               struct rg_err *err);

struct rg_http *rg_http_new(const struct rg_http_opts *o, rg_http_auth_fn auth,
                            void *auth_ctx, struct rg_err *err);
void rg_http_free(struct rg_http *h); /* NULL-safe */

/*
 * Queues a request. headers: NULL-terminated "Name: value" lines (copied).
 * body (POST) is copied. ctx goes to done with the answer.
 */
int rg_http_get(struct rg_http *h, const char *url, const char *const *headers,
                rg_http_done_fn done, void *ctx, struct rg_err *err);
/*
 * rg_http_get() after waiting delay seconds (a $batch item's Retry-After);
 * the wait counts against max_wait like a retry's.
 */
int rg_http_get_after(struct rg_http *h, const char *url,
                      const char *const *headers, double delay,
                      rg_http_done_fn done, void *ctx, struct rg_err *err);
int rg_http_post(struct rg_http *h, const char *url, const char *const *headers,
                 const char *body, size_t len, rg_http_done_fn done, void *ctx,
                 struct rg_err *err);

/* Runs until every queued request is answered, or one fails the run. */
int rg_http_run(struct rg_http *h, struct rg_err *err);

/*
 * The seconds a "Retry-After:" header line asks for (seconds, fractions, or
 * an HTTP date), or -1 when the line is another header or unreadable.
 */
double rg_http_retry_after(const char *line, size_t n);

struct rg_http_stats {
    uint64_t requests; /* transfers started, retries included */
    uint64_t retries;
    uint64_t bytes;  /* response bytes after decompression */
    uint64_t active; /* now running */
    uint64_t queued; /* waiting to run */
};

void rg_http_stats(const struct rg_http *h, struct rg_http_stats *s);

/*
 * Called by rg_http_run() whenever fewer requests wait than run at once:
 * fn may queue more, and returns 1 when it did, 0 when it has no more (it is
 * then not called again in this run), -1 to stop the run.
 */
void rg_http_on_low(struct rg_http *h, int (*fn)(void *ctx, struct rg_err *err),
                    void *ctx);

/* Called about twice a second from rg_http_run() (progress lines). */
void rg_http_on_tick(struct rg_http *h, void (*fn)(void *ctx), void *ctx);

#endif
