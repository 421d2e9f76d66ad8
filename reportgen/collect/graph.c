/*
 * graph.c - the Microsoft Graph collector (see graph.h).
 */
#include "graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/jsonq.h"
#include "http.h"

#define BATCH 20
#define USER_FIELDS                                                            \
    "id,displayName,userPrincipalName,userType,accountEnabled,department,"     \
    "jobTitle,employeeId,mail,createdDateTime,onPremisesSyncEnabled"

/* One collection: one source row, one kind of page. */
struct coll {
    const char *entity; /* the table it fills (source.entity) */
    const char *kind;   /* its block of store/graph.sql */
    const char *path;   /* below /v1.0: a path, or a format with %s (an id) */
    int count;          /* ask for @odata.count */
    int optional;       /* 400/403/404: warn and go on */
    struct coll *fallback;
    int64_t source, received, expected;
    int counted, started, skipped;
    uint64_t bytes;
    int64_t dangling;
    const char *smaller;
    char note[300]; /* why it is incomplete */
    int defer;      /* its rows are made once everything is in */
    int open; /* chains not yet ended */ /* the path again with smaller
                                            pages, for a 400 */
    struct coll *child; /* per item of its pages: a list of each (runs) */
};

#define COLL(e, k, p, cnt, opt, fb)                                            \
    {                                                                          \
        .entity = e, .kind = k, .path = p, .count = cnt, .optional = opt,      \
        .fallback = fb                                                         \
    }

struct chain;

struct crawl {
    const struct rg_graph_opts *o;
    struct rg_row_sink *sink;
    struct rg_http *h;
    struct rg_jsonq *q;
    char base[1024];      /* graph_url + "/v1.0" */
    struct chain *chains; /* open ones, freed at the end */
    struct rg_graph_result *res;
    double started;
    const char *current; /* the entity of the latest page */
    struct per_object *pending[6];
    size_t npending;
    struct batch *batches; /* queued or running */
    /* per-object lists, each started once the list of its objects is in */
    struct dep {
        struct coll *after, *a, *b;
        const char *which;
        int started;
    } deps[4];
    size_t ndeps;
};

/* A run of pages: a collection, or one group's part of one. */
struct chain {
    struct chain *prev, *next;
    struct crawl *c;
    struct coll *coll;
    char group[64];
    char sub[64]; /* an item of the group's (a workflow's run), or "" */
    int64_t line; /* of the next page's first row */
};

/* A $batch request of up to 20 chains' first pages. */
struct batch {
    struct batch *prev, *next; /* the crawl's, freed at the end */
    struct crawl *c;
    size_t n;
    struct chain *item[BATCH];
};

/* path with its "%s" replaced by id, and a second one by sub. */
static void
fill(char *out, size_t outsz, const char *path, const char *id, const char *sub)
{
    const char *pct = strstr(path, "%s");
    const char *pct2 = pct ? strstr(pct + 2, "%s") : NULL;

    if (!pct)
        snprintf(out, outsz, "%s", path);
    else if (!pct2)
        snprintf(out, outsz, "%.*s%s%s", (int)(pct - path), path, id, pct + 2);
    else
        snprintf(out, outsz, "%.*s%s%.*s%s%s", (int)(pct - path), path, id,
                 (int)(pct2 - pct - 2), pct + 2, sub, pct2 + 2);
}

/* The first page of ch, relative to /v1.0. */
static void
first_url(const struct chain *ch, char *out, size_t outsz)
{
    fill(out, outsz, ch->coll->path, ch->group, ch->sub);
}

static struct batch *
batch_new(struct crawl *c)
{
    struct batch *b = calloc(1, sizeof(*b));

    if (!b)
        return NULL;
    b->c = c;
    b->next = c->batches;
    if (c->batches)
        c->batches->prev = b;
    c->batches = b;
    return b;
}

static void
batch_free(struct batch *b)
{
    struct crawl *c = b->c;

    if (b->prev)
        b->prev->next = b->next;
    else
        c->batches = b->next;
    if (b->next)
        b->next->prev = b->prev;
    free(b);
}

/* The time now, "YYYY-MM-DDTHH:MM:SSZ": when a page arrived. */
static const char *
utc_now(char out[24])
{
    time_t t = time(NULL);
    struct tm tm;

    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    return out;
}

static double
seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct chain *
chain_new(struct crawl *c, struct coll *coll, const char *group)
{
    struct chain *ch = calloc(1, sizeof(*ch));

    if (!ch)
        return NULL;
    ch->c = c;
    ch->coll = coll;
    ch->line = 1;
    coll->open++;
    if (group)
        snprintf(ch->group, sizeof(ch->group), "%s", group);
    ch->next = c->chains;
    if (c->chains)
        c->chains->prev = ch;
    c->chains = ch;
    return ch;
}

static void
chain_free(struct chain *ch)
{
    struct crawl *c = ch->c;

    ch->coll->open--;
    if (ch->prev)
        ch->prev->next = ch->next;
    else
        c->chains = ch->next;
    if (ch->next)
        ch->next->prev = ch->prev;
    free(ch);
}

/* A warning through the caller's callback (rg_warnf()). */
#define warn(c, ...) rg_warnf((c)->o->warn, (c)->o->warn_ctx, __VA_ARGS__)

/* The source row of a collection, made before its first request. */
static int
begin(struct crawl *c, struct coll *coll, struct rg_err *err)
{
    char locator[1400], path[256];

    if (coll->started)
        return 0;
    coll->started = 1;
    coll->expected = -1;
    /* the path without its query, and "{id}" for per-object lists */
    snprintf(path, sizeof(path), "%.*s", (int)strcspn(coll->path, "?"),
             coll->path);
    for (char *pct = strstr(path, "%s"); pct; pct = strstr(pct, "%s")) {
        char rest[256];

        snprintf(rest, sizeof(rest), "%s", pct + 2);
        snprintf(pct, sizeof(path) - (size_t)(pct - path), "{id}%s", rest);
    }
    snprintf(locator, sizeof(locator), "%s%s", c->base, path);
    coll->source = c->sink->source_begin(c->sink->ctx, "graph", coll->entity,
                                         locator, err);
    return coll->source > 0 ? 0 : -1;
}

/* Headers of a request for a collection. */
static const char *const *
headers(const struct coll *coll)
{
    static const char *const plain[] = { "Accept: application/json", NULL };
    static const char *const counted[] = { "Accept: application/json",
                                           "ConsistencyLevel: eventual", NULL };

    return coll->count ? counted : plain;
}

/* Graph's own words for a failed request: "code: message". */
static void
graph_error(struct crawl *c, const char *body, size_t len, char *out,
            size_t outsz)
{
    char *code = NULL, *msg = NULL;
    struct rg_err ignore;

    rg_err_init(&ignore);
    out[0] = '\0';
    if (rg_jsonq_is_object(c->q, body, len)) {
        rg_jsonq_text(c->q, body, len, "$.error.code", &code, &ignore);
        rg_jsonq_text(c->q, body, len, "$.error.message", &msg, &ignore);
    }
    snprintf(out, outsz, "%s%s%s", code ? code : "no error code",
             msg ? ": " : "", msg ? msg : "");
    free(code);
    free(msg);
}

static int on_page(void *ctx, const struct rg_http_resp *r, struct rg_err *err);

/*
 * An answer that is not a page: an optional collection is skipped (and its
 * fallback asked), anything else fails the collect.
 */
static int
refused(struct chain *ch, long status, const char *url, const char *body,
        size_t len, struct rg_err *err)
{
    struct crawl *c = ch->c;
    struct coll *coll = ch->coll;
    char why[600];

    graph_error(c, body, len, why, sizeof(why));
    if (coll->smaller && status == 400 && ch->line == 1) {
        /* signInActivity pages were 120 before Graph allowed 500 */
        char u[1200];

        warn(c, "Graph refused '%s' (%s); asking again with pages of 120", url,
             why);
        coll->path = coll->smaller;
        coll->smaller = NULL;
        snprintf(u, sizeof(u), "%s%s", c->base, coll->path);
        return rg_http_get(c->h, u, headers(coll), on_page, ch, err);
    }
    if (coll->optional && (status == 400 || status == 403 || status == 404)) {
        if (!coll->skipped) {
            /* a long URL (the audit log's $filter) would hide the rest */
            warn(c,
                 "Graph refused '%.200s%s' (HTTP %ld, %.150s); %s not "
                 "collected%s",
                 url, strlen(url) > 200 ? "..." : "", status, why, coll->entity,
                 coll->fallback ? ", reading the plain list instead" : "");
            snprintf(coll->note, sizeof(coll->note),
                     "Graph refused it (HTTP %ld, %.200s)%s", status, why,
                     coll->received   ? ": only part of it was collected"
                     : coll->fallback ? ": the plain list was read instead"
                                      : ": nothing was collected");
        }
        coll->skipped = 1;
        chain_free(ch);
        if (coll->fallback && !coll->fallback->started) {
            struct chain *f;
            char u[1200];

            if (begin(c, coll->fallback, err) < 0)
                return -1;
            if (!(f = chain_new(c, coll->fallback, NULL)))
                return rg_fail(err, RG_ERR_NOMEM, "out of memory");
            snprintf(u, sizeof(u), "%s%s", c->base, coll->fallback->path);
            return rg_http_get(c->h, u, headers(coll->fallback), on_page, f,
                               err);
        }
        return 0;
    }
    if (status == 404 && ch->group[0]) { /* a group deleted meanwhile */
        warn(c, "'%s' is gone (HTTP 404); it was deleted during the collect",
             url);
        chain_free(ch);
        return 0;
    }
    rg_fail(err, RG_ERR_INPUT, "Graph answered HTTP %ld for '%s': %s%s", status,
            url, why,
            status == 403 && strstr(url, "signInActivity")
                ? " (without an Entra ID P1 licence, use --no-sign-in-activity)"
                : "");
    return -1;
}

/*
 * For each of the n items of a page of ch (a workflow's runs), queues the
 * first page of its list (the run's user processing results). Ids are read
 * one by one: this may run inside a $batch answer's rg_jsonq_each().
 */
static int
start_children(struct chain *ch, const char *body, size_t len, int64_t n,
               struct rg_err *err)
{
    struct crawl *c = ch->c;
    struct coll *child = ch->coll->child;

    if (n > 0 && begin(c, child, err) < 0)
        return -1;
    for (int64_t k = 0; k < n; k++) {
        char path[48], *id = NULL, rel[512], url[1200];
        struct chain *kid;

        snprintf(path, sizeof(path), "$.value[%lld].id", (long long)k);
        if (rg_jsonq_text(c->q, body, len, path, &id, err) < 0)
            return -1;
        if (!id || strlen(id) > 36 ||
            strspn(id, "0123456789abcdefABCDEF-") != strlen(id)) {
            free(id);
            return rg_fail(err, RG_ERR_INPUT,
                           "Graph gave a %s id that is not a GUID",
                           ch->coll->entity);
        }
        if (!(kid = chain_new(c, child, ch->group))) {
            free(id);
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        }
        snprintf(kid->sub, sizeof(kid->sub), "%s", id);
        free(id);
        first_url(kid, rel, sizeof(rel));
        snprintf(url, sizeof(url), "%.600s%s", c->base, rel);
        if (rg_http_get(c->h, url, headers(child), on_page, kid, err) < 0)
            return -1;
    }
    return 0;
}

/*
 * A page arrived for ch: stored and loaded, then its nextLink followed.
 * Returns RG_HTTP_AGAIN when the body is not the JSON it should be (cut
 * short): nothing of it is kept, and the request is made again.
 */
static int
take(struct chain *ch, const char *url, long status, const char *body,
     size_t len, struct rg_err *err)
{
    struct crawl *c = ch->c;
    struct coll *coll = ch->coll;
    char *next = NULL;
    int64_t items = 0, dangling = 0, count;
    char when[24];
    int valid;

    if (rg_jsonq_page(c->q, body, len, &valid, &next, &count, err) < 0)
        return -1;
    if (!valid)
        return RG_HTTP_AGAIN;
    if (coll->count && !coll->counted) {
        coll->counted = 1;
        if (count >= 0)
            coll->expected = count;
    }
    {
        /* a run's results are about "workflow/run" */
        char group[140];

        snprintf(group, sizeof(group), "%s%s%s", ch->group,
                 ch->sub[0] ? "/" : "", ch->sub);
        if (c->sink->page(c->sink->ctx, coll->source, coll->kind, url,
                          utc_now(when), status, body, len, ch->line,
                          group[0] ? group : NULL, coll->defer, &items,
                          &dangling, err) < 0 ||
            (coll->child && start_children(ch, body, len, items, err) < 0)) {
            free(next);
            return -1;
        }
    }
    ch->line += items;
    c->current = coll->entity;
    coll->received += items;
    coll->bytes += len;
    coll->dangling += dangling;
    c->res->pages++;
    c->res->rows += (uint64_t)items;
    if (next && (strncmp(next, c->base, strlen(c->base)) != 0 ||
                 next[strlen(c->base)] != '/')) {
        /* the token must not travel to whatever host a page names */
        rg_fail(err, RG_ERR_INPUT,
                "the @odata.nextLink of '%s' leaves '%s': refused", url,
                c->base);
        free(next);
        return -1;
    }
    if (next) {
        int r = rg_http_get(c->h, next, headers(coll), on_page, ch, err);

        free(next);
        return r;
    }
    chain_free(ch);
    return 0;
}

/* The answer of /users?$count=true&$top=1: the count, kept as evidence. */
static int
on_count(void *ctx, const struct rg_http_resp *r, struct rg_err *err)
{
    struct chain *ch = ctx;
    struct crawl *c = ch->c;
    int64_t count = 0, items, dangling;
    char when[24];
    int found = 0;

    if (r->status != 200)
        return refused(ch, r->status, r->url, r->body, r->len, err);
    if (!rg_jsonq_is_object(c->q, r->body, r->len))
        return RG_HTTP_AGAIN;
    if (rg_jsonq_int(c->q, r->body, r->len, "$.\"@odata.count\"", &count,
                     &found, err) < 0 ||
        c->sink->page(c->sink->ctx, ch->coll->source, "count", r->url,
                      utc_now(when), r->status, r->body, r->len, 0, NULL, 0,
                      &items, &dangling, err) < 0)
        return -1;
    if (found)
        ch->coll->expected = count;
    chain_free(ch);
    return 0;
}

static int
on_page(void *ctx, const struct rg_http_resp *r, struct rg_err *err)
{
    struct chain *ch = ctx;

    if (r->status != 200)
        return refused(ch, r->status, r->url, r->body, r->len, err);
    return take(ch, r->url, r->status, r->body, r->len, err);
}

/* One answer inside a $batch answer. */
struct item_ctx {
    struct batch *b;
    struct rg_err *err;
    int again;
};

static int
on_item(void *ctx, const char *elem, size_t n)
{
    struct item_ctx *ic = ctx;
    struct batch *b = ic->b;
    struct crawl *c = b->c;
    char *id = NULL, *body = NULL, *wait = NULL, url[1200];
    int64_t status = 0;
    int ret = 0;
    unsigned long k;
    struct chain *ch;

    if (rg_jsonq_item(c->q, elem, n, &id, &status, &body, &wait, ic->err) < 0)
        goto fail;
    k = id ? strtoul(id, NULL, 10) : 0;
    if (!id || status < 0 || k < 1 || k > b->n || !b->item[k - 1]) {
        rg_fail(ic->err, RG_ERR_INPUT,
                "Graph's $batch answer holds an item it was not asked for");
        goto fail;
    }
    ch = b->item[k - 1];
    b->item[k - 1] = NULL; /* answered */
    {
        char rel[512];

        first_url(ch, rel, sizeof(rel));
        snprintf(url, sizeof(url), "%.600s%s", c->base, rel);
    }
    if (status == 429 || status == 503 || status == 504 ||
        (status == 200 && !body)) {
        /*
         * asked again on its own, with the HTTP layer's retries, after the
         * item's own Retry-After if it has one (seconds or an HTTP date)
         */
        char line[96];
        double delay = -1;

        if (wait) {
            snprintf(line, sizeof(line), "Retry-After: %.70s", wait);
            delay = rg_http_retry_after(line, strlen(line));
        }
        ret = rg_http_get_after(c->h, url, headers(ch->coll),
                                delay > 0 ? delay : 0, on_page, ch, ic->err);
    } else if (status != 200) {
        ret = refused(ch, (long)status, url, body ? body : "",
                      body ? strlen(body) : 0, ic->err);
    } else {
        ret = take(ch, url, 200, body, strlen(body), ic->err);
        if (ret == RG_HTTP_AGAIN)
            ret =
                rg_http_get(c->h, url, headers(ch->coll), on_page, ch, ic->err);
    }
    free(id);
    free(body);
    free(wait);
    return ret < 0 ? -1 : 0;
fail:
    free(id);
    free(body);
    free(wait);
    return -1;
}

static int
on_batch(void *ctx, const struct rg_http_resp *r, struct rg_err *err)
{
    struct batch *b = ctx;
    struct crawl *c = b->c;
    struct item_ctx ic = { b, err, 0 };
    char why[600];

    if (r->status != 200) {
        graph_error(c, r->body, r->len, why, sizeof(why));
        return rg_fail(err, RG_ERR_INPUT,
                       "Graph answered HTTP %ld for '%s': %s", r->status,
                       r->url, why);
    }
    if (!rg_jsonq_is_object(c->q, r->body, r->len))
        return RG_HTTP_AGAIN;
    if (rg_jsonq_each(c->q, r->body, r->len, "$.responses", on_item, &ic,
                      err) != 0)
        return -1;
    /* an item Graph did not answer is asked on its own */
    for (size_t i = 0; i < b->n; i++)
        if (b->item[i]) {
            char url[1200];

            char rel[512];

            first_url(b->item[i], rel, sizeof(rel));
            snprintf(url, sizeof(url), "%.600s%s", c->base, rel);
            if (rg_http_get(c->h, url, headers(b->item[i]->coll), on_page,
                            b->item[i], err) < 0)
                return -1;
            b->item[i] = NULL;
        }
    batch_free(b);
    return 0;
}

/* Queues a $batch of what b holds. */
static int
send_batch(struct crawl *c, struct batch *b, struct rg_err *err)
{
    char *body = NULL, url[1100];
    size_t cap = 64 + b->n * 600, len = 0;
    static const char *const hdr[] = { "Accept: application/json",
                                       "Content-Type: application/json", NULL };
    int ret;

    if (!(body = malloc(cap)))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    len += (size_t)snprintf(body + len, cap - len, "{\"requests\":[");
    for (size_t i = 0; i < b->n; i++) {
        char rel[512];

        first_url(b->item[i], rel, sizeof(rel));
        len += (size_t)snprintf(body + len, cap - len,
                                "%s{\"id\":\"%zu\",\"method\":\"GET\","
                                "\"url\":\"%s\"}",
                                i ? "," : "", i + 1, rel);
    }
    len += (size_t)snprintf(body + len, cap - len, "]}");
    snprintf(url, sizeof(url), "%s/$batch", c->base);
    ret = rg_http_post(c->h, url, hdr, body, len, on_batch, b, err);
    free(body);
    c->res->batches++;
    return ret;
}

/*
 * Per-object lists (members of each group, ...) as batches of 20, made only
 * as the queue runs low, so a tenant of any size holds a few batches in
 * memory, not thirty thousand: the ids are kept, 37 bytes each.
 */
struct per_object {
    struct coll *colls[2];
    size_t ncolls;
    char (*ids)[37];
    size_t nids, next; /* next: the next (id, list) pair, id * ncolls + k */
};

static int
keep_id(void *ctx, const char *id, struct rg_err *err)
{
    struct per_object *po = ctx;

    if (strlen(id) > 36 || strspn(id, "0123456789abcdefABCDEF-") != strlen(id))
        return rg_fail(err, RG_ERR_INPUT,
                       "Graph gave an object id that is not "
                       "a GUID");
    if (po->nids % 1024 == 0) {
        char(*ids)[37] = realloc(po->ids, (po->nids + 1024) * sizeof(*ids));

        if (!ids)
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        po->ids = ids;
    }
    snprintf(po->ids[po->nids++], 37, "%s", id);
    return 0;
}

static int
per_object(struct crawl *c, const char *which, struct coll *a, struct coll *b,
           struct rg_err *err)
{
    struct per_object *po;

    if (begin(c, a, err) < 0 || (b && begin(c, b, err) < 0))
        return -1;
    if (c->npending == sizeof(c->pending) / sizeof(*c->pending) ||
        !(po = calloc(1, sizeof(*po))))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    c->pending[c->npending++] = po;
    po->colls[0] = a;
    po->colls[1] = b;
    po->ncolls = b ? 2 : 1;
    return c->sink->ids(c->sink->ctx, which, keep_id, po, err);
}

/*
 * The HTTP queue runs low: the next batch. Returns 1, 0 when there will be
 * none, RG_HTTP_LATER when there may be more once a list is in, or -1.
 */
static int
refill(void *ctx, struct rg_err *err)
{
    struct crawl *c = ctx;
    int waiting = 0;

    for (size_t d = 0; d < c->ndeps; d++) {
        struct dep *dp = &c->deps[d];

        if (dp->started)
            continue;
        if (!dp->after->started || dp->after->open > 0) {
            waiting = 1;
            continue;
        }
        dp->started = 1;
        if (per_object(c, dp->which, dp->a, dp->b, err) < 0)
            return -1;
    }

    for (size_t p = 0; p < c->npending; p++) {
        struct per_object *po = c->pending[p];
        struct batch *b;

        if (po->next >= po->nids * po->ncolls)
            continue;
        if (!(b = batch_new(c)))
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        while (b->n < BATCH && po->next < po->nids * po->ncolls) {
            struct chain *ch = chain_new(c, po->colls[po->next % po->ncolls],
                                         po->ids[po->next / po->ncolls]);

            if (!ch) {
                for (size_t i = 0; i < b->n; i++)
                    chain_free(b->item[i]);
                batch_free(b);
                return rg_fail(err, RG_ERR_NOMEM, "out of memory");
            }
            b->item[b->n++] = ch;
            po->next++;
        }
        if (send_batch(c, b, err) < 0) {
            for (size_t i = 0; i < b->n; i++)
                chain_free(b->item[i]);
            batch_free(b);
            return -1;
        }
        return 1;
    }
    return waiting ? RG_HTTP_LATER : 0;
}

/* Queues the first page of a whole collection. */
static int
start(struct crawl *c, struct coll *coll, struct rg_err *err)
{
    struct chain *ch;
    char url[1200];

    if (begin(c, coll, err) < 0)
        return -1;
    if (!(ch = chain_new(c, coll, NULL)))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    snprintf(url, sizeof(url), "%s%s", c->base, coll->path);
    return rg_http_get(c->h, url, headers(coll), on_page, ch, err);
}

/* Asks for the number of users alone (see rg_graph_collect()). */
static int
count_users(struct crawl *c, struct coll *users, struct rg_err *err)
{
    static const char *const hdr[] = { "Accept: application/json",
                                       "ConsistencyLevel: eventual", NULL };
    struct chain *ch = chain_new(c, users, NULL);
    char url[1200];

    if (!ch)
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    snprintf(url, sizeof(url), "%s/users?$select=id&$top=1&$count=true",
             c->base);
    return rg_http_get(c->h, url, hdr, on_count, ch, err);
}

static void
tick(void *ctx)
{
    struct crawl *c = ctx;
    struct rg_http_stats st;
    char line[256];

    if (!c->o->progress)
        return;
    rg_http_stats(c->h, &st);
    snprintf(line, sizeof(line),
             "graph: %s, %llu pages, %llu rows, %llu requests, %llu retries, "
             "%.1f s",
             c->current ? c->current : "signing in",
             (unsigned long long)c->res->pages,
             (unsigned long long)c->res->rows, (unsigned long long)st.requests,
             (unsigned long long)st.retries, seconds() - c->started);
    c->o->progress(c->o->progress_ctx, line, 0);
}

static int
auth_header(void *ctx, int refresh, const char **header, struct rg_err *err)
{
    return rg_graphauth_header(ctx, refresh, header, err);
}

/*
 * The paths of the period's lists: the directory audit events that remove
 * access (the activities of docs/graph.md; Graph filters activityDateTime
 * with ge and le), and a workflow's runs started in the period.
 */
static void
period_paths(const struct rg_graph_opts *o, char *audits, size_t auditsz,
             char *runs, size_t runsz)
{
    static const char *const removals[] = {
        "Disable account",
        "Delete user",
        "Remove member from group",
        "Remove owner from group",
        "Remove member from role",
        "Remove eligible member from role",
        "Remove app role assignment from user",
    };
    size_t n;

    n = (size_t)snprintf(audits, auditsz,
                         "/auditLogs/directoryAudits?$filter=activityDateTime"
                         "%%20ge%%20%s%%20and%%20activityDateTime%%20le%%20%s"
                         "%%20and%%20(",
                         o->from, o->to);
    for (size_t i = 0; i < sizeof(removals) / sizeof(*removals) && n < auditsz;
         i++) {
        char name[64];
        size_t k = 0;

        /* spaces as %20: the names hold only letters and spaces */
        for (const char *p = removals[i]; *p && k + 4 < sizeof(name); p++)
            k += (size_t)snprintf(name + k, sizeof(name) - k, "%s",
                                  *p == ' ' ? "%20" : (char[2]){ *p, 0 });
        n += (size_t)snprintf(audits + n, auditsz - n,
                              "%sactivityDisplayName%%20eq%%20%%27%s%%27",
                              i ? "%20or%20" : "", name);
    }
    if (n < auditsz)
        snprintf(audits + n, auditsz - n, ")&$top=999");
    snprintf(runs, runsz,
             "/identityGovernance/lifecycleWorkflows/workflows/%%s/runs?"
             "$filter=startedDateTime%%20ge%%20%s%%20and%%20startedDateTime"
             "%%20le%%20%s",
             o->from, o->to);
}

int
rg_graph_collect(const struct rg_graph_opts *o, struct rg_row_sink *sink,
                 struct rg_graph_result *res, struct rg_err *err)
{
    char users_path[512], users_small[512];
    /*
     * $expand (the manager) is not allowed in an advanced query, so the
     * users' @odata.count comes from a request of its own
     */
    struct coll users = COLL("users", "users", users_path, 0, 0, NULL);
    struct coll groups = COLL(
        "groups", "groups",
        "/groups?$select=id,displayName,securityEnabled,mailEnabled,"
        "isAssignableToRole,groupTypes,membershipRule,onPremisesSyncEnabled,"
        "description&$top=999&$count=true",
        1, 0, NULL);
    struct coll sps =
        COLL("service_principals", "service_principals",
             "/servicePrincipals?$select=id,displayName,appId,"
             "servicePrincipalType,accountEnabled&$top=999&$count=true",
             1, 0, NULL);
    struct coll roledefs =
        COLL("role_definitions", "role_definitions",
             "/roleManagement/directory/roleDefinitions", 0, 0, NULL);
    struct coll packages =
        COLL("access_packages", "access_packages",
             "/identityGovernance/entitlementManagement/accessPackages?$expand="
             "catalog",
             0, 1, NULL);
    struct coll members =
        COLL("group_members", "group_members",
             "/groups/%s/members?$select=id,displayName&$top=999", 0, 0, NULL);
    struct coll owners =
        COLL("group_owners", "group_owners",
             "/groups/%s/owners?$select=id,displayName&$top=999", 0, 0, NULL);
    struct coll plain =
        COLL("role_assignments", "role_assignments_plain",
             "/roleManagement/directory/roleAssignments", 0, 0, NULL);
    struct coll active =
        COLL("role_assignments", "role_assignments_active",
             "/roleManagement/directory/roleAssignmentScheduleInstances", 0, 1,
             &plain);
    struct coll eligible =
        COLL("role_assignments", "role_assignments_eligible",
             "/roleManagement/directory/roleEligibilityScheduleInstances", 0, 1,
             NULL);
    struct coll pim_active =
        COLL("pim_group_assignments", "pim_group_active",
             "/identityGovernance/privilegedAccess/group/"
             "assignmentScheduleInstances?$filter=groupId%20eq%20%27%s%27",
             0, 1, NULL);
    struct coll pim_eligible =
        COLL("pim_group_assignments", "pim_group_eligible",
             "/identityGovernance/privilegedAccess/group/"
             "eligibilityScheduleInstances?$filter=groupId%20eq%20%27%s%27",
             0, 1, NULL);
    struct coll package_assignments =
        COLL("access_package_assignments", "access_package_assignments",
             "/identityGovernance/entitlementManagement/assignments?$expand="
             "target,accessPackage&$top=999",
             0, 1, NULL);
    struct coll app_roles =
        COLL("app_role_assignments", "app_role_assignments",
             "/servicePrincipals/%s/appRoleAssignedTo?$top=999", 0, 0, NULL);
    /* JML evidence, with a period: see period_paths() */
    char audits_path[1400], runs_path[400];
    struct coll audits =
        COLL("directory_audits", "directory_audits", audits_path, 0, 1, NULL);
    struct coll workflows =
        COLL("lifecycle_workflows", "lifecycle_workflows",
             "/identityGovernance/lifecycleWorkflows/workflows?$select=id,"
             "displayName,category,isEnabled",
             0, 1, NULL);
    struct coll runs = COLL("lifecycle_workflow_runs",
                            "lifecycle_workflow_runs", runs_path, 0, 1, NULL);
    struct coll results =
        COLL("lifecycle_user_results", "lifecycle_user_results",
             "/identityGovernance/lifecycleWorkflows/workflows/%s/runs/%s/"
             "userProcessingResults",
             0, 1, NULL);
    struct coll *all[] = { &users,
                           &groups,
                           &sps,
                           &roledefs,
                           &packages,
                           &members,
                           &owners,
                           &active,
                           &eligible,
                           &plain,
                           &pim_active,
                           &pim_eligible,
                           &package_assignments,
                           &app_roles,
                           &audits,
                           &workflows,
                           &runs,
                           &results };
    struct rg_http_opts ho;
    struct crawl c;
    struct rg_http_stats st;
    int ret = -1;

    memset(res, 0, sizeof(*res));
    memset(&c, 0, sizeof(c));
    c.o = o;
    c.sink = sink;
    c.res = res;
    c.started = seconds();
    snprintf(c.base, sizeof(c.base), "%.*s/v1.0",
             (int)(strlen(o->graph_url) -
                   (o->graph_url[0] &&
                    o->graph_url[strlen(o->graph_url) - 1] == '/')),
             o->graph_url);
    snprintf(users_path, sizeof(users_path),
             "/users?$select=" USER_FIELDS "%s&$expand=manager($select=id)"
             "&$top=%d",
             o->sign_in_activity ? ",signInActivity" : "",
             o->sign_in_activity ? 500 : 999);
    snprintf(users_small, sizeof(users_small),
             "/users?$select=" USER_FIELDS
             ",signInActivity&$expand=manager($select=id)&$top=120");
    if (o->sign_in_activity)
        users.smaller = users_small;
    memset(&ho, 0, sizeof(ho));
    ho.concurrency = o->concurrency;
    ho.ca_bundle = o->ca_bundle;
    ho.max_wait = o->max_wait;
    if (!(c.q = rg_jsonq_open(err)) ||
        !(c.h = rg_http_new(&ho, auth_header, o->auth, err)))
        goto done;
    rg_http_on_tick(c.h, tick, &c);
    rg_http_on_low(c.h, refill, &c);
    /*
     * Everything at once: what refers to other objects is stored as it
     * comes and made into rows at the end (defer), so a group's members are
     * read while the users are still paging in. Per-group and per-service-
     * principal lists start once all groups, or service principals, are in.
     */
    /* the workflows' runs' results need no other object: not deferred */
    members.defer = owners.defer = active.defer = eligible.defer = 1;
    plain.defer = pim_active.defer = pim_eligible.defer = 1;
    package_assignments.defer = app_roles.defer = 1;
    c.deps[0] = (struct dep){ &groups, &members, &owners, "groups", 0 };
    c.deps[1] = (struct dep){ &groups, &pim_active, &pim_eligible,
                              "role_assignable_groups", 0 };
    c.deps[2] = (struct dep){ &sps, &app_roles, NULL, "service_principals", 0 };
    c.ndeps = 3;
    if (o->from) {
        period_paths(o, audits_path, sizeof(audits_path), runs_path,
                     sizeof(runs_path));
        runs.child = &results;
        c.deps[3] =
            (struct dep){ &workflows, &runs, NULL, "lifecycle_workflows", 0 };
        c.ndeps = 4;
        if (start(&c, &audits, err) < 0 || start(&c, &workflows, err) < 0)
            goto done;
    }
    if (start(&c, &users, err) < 0 || count_users(&c, &users, err) < 0 ||
        start(&c, &groups, err) < 0 || start(&c, &sps, err) < 0 ||
        start(&c, &roledefs, err) < 0 || start(&c, &packages, err) < 0 ||
        start(&c, &active, err) < 0 || start(&c, &eligible, err) < 0 ||
        start(&c, &package_assignments, err) < 0 || rg_http_run(c.h, err) < 0)
        goto done;
    for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++) {
        struct rg_source_stats ss;

        if (!all[i]->started)
            continue;
        if (all[i]->expected >= 0 && all[i]->expected != all[i]->received)
            warn(&c,
                 "%s: Graph's @odata.count said %lld, %lld arrived; the "
                 "snapshot records both",
                 all[i]->entity, (long long)all[i]->expected,
                 (long long)all[i]->received);
        memset(&ss, 0, sizeof(ss));
        ss.rows = all[i]->received;
        ss.bytes = all[i]->bytes;
        ss.dangling = all[i]->dangling;
        ss.note = all[i]->note[0] ? all[i]->note : NULL;
        ss.expected = all[i]->expected;
        if (sink->source_end(sink->ctx, all[i]->source, &ss, err) < 0)
            goto done;
    }
    /* the deferred pages' rows, now that every object is in */
    if (sink->pages_done(sink->ctx, err) < 0)
        goto done;
    ret = 0;
done:
    if (c.h) {
        rg_http_stats(c.h, &st);
        res->requests = st.requests;
        res->retries = st.retries;
        res->bytes = st.bytes;
        if (ret == 0 && o->progress) {
            char line[256];

            snprintf(line, sizeof(line),
                     "graph: %llu pages, %llu rows, %llu requests (%llu "
                     "batches), %llu retries, %.1f s",
                     (unsigned long long)res->pages,
                     (unsigned long long)res->rows,
                     (unsigned long long)res->requests,
                     (unsigned long long)res->batches,
                     (unsigned long long)res->retries, seconds() - c.started);
            o->progress(o->progress_ctx, line, 1);
        }
    }
    res->tokens = o->auth ? (uint64_t)rg_graphauth_count(o->auth) : 0;
    while (c.chains)
        chain_free(c.chains);
    while (c.batches)
        batch_free(c.batches);
    for (size_t i = 0; i < c.npending; i++) {
        free(c.pending[i]->ids);
        free(c.pending[i]);
    }
    rg_http_free(c.h);
    rg_jsonq_close(c.q);
    return ret;
}
