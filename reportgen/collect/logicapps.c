/*
 * logicapps.c - Logic Apps run history from Azure Resource Manager (see
 * logicapps.h).
 */
#include "logicapps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/jsonq.h"
#include "http.h"

#define API_VERSION "2016-06-01"

/* One Logic App: its source and the next row's line. */
struct app {
    struct lapps *l;
    char name[300]; /* "SUBSCRIPTION/RESOURCEGROUP/NAME" */
    int64_t source, line;
    uint64_t bytes;
    char note[300];
};

struct lapps {
    const struct rg_logicapps_opts *o;
    struct rg_row_sink *sink;
    struct rg_jsonq *q;
    struct rg_http *h;
    char base[1024]; /* arm_url without a trailing slash */
};

/* A warning through the caller's callback (rg_warnf()). */
#define warn(l, ...) rg_warnf((l)->o->warn, (l)->o->warn_ctx, __VA_ARGS__)

/* ARM's names: letters, digits and "._-()"; no part empty. */
int
rg_logicapps_name_ok(const char *s)
{
    static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
                             "VWXYZ0123456789._-()";
    int parts = 0;

    if (strlen(s) > 250)
        return 0;
    while (*s) {
        size_t n = strspn(s, ok);

        if (n == 0 || (s[n] != '/' && s[n] != '\0'))
            return 0;
        parts++;
        s += n;
        if (*s == '\0')
            break;
        if (*++s == '\0') /* a trailing "/" */
            return 0;
    }
    return parts == 3;
}

static const char *
utc_now(char out[24])
{
    time_t t = time(NULL);
    struct tm tm;

    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    return out;
}

/* ARM's own words for a refusal: "code: message". */
static void
arm_error(struct lapps *l, const char *body, size_t len, char *out,
          size_t outsz)
{
    char *code = NULL, *msg = NULL;
    struct rg_err ignore;

    rg_err_init(&ignore);
    if (rg_jsonq_is_object(l->q, body, len)) {
        rg_jsonq_text(l->q, body, len, "$.error.code", &code, &ignore);
        rg_jsonq_text(l->q, body, len, "$.error.message", &msg, &ignore);
    }
    snprintf(out, outsz, "%s%s%.300s", code ? code : "no error code",
             msg ? ": " : "", msg ? msg : "");
    free(code);
    free(msg);
}

static int
auth_header(void *ctx, int refresh, const char **header, struct rg_err *err)
{
    return rg_graphauth_header(ctx, refresh, header, err);
}

static const char *const hdr[] = { "Accept: application/json", NULL };

/*
 * A page of an app's runs: kept and loaded, then its nextLink followed.
 * RG_HTTP_AGAIN when the body is not JSON (cut short).
 */
static int
on_page(void *ctx, const struct rg_http_resp *r, struct rg_err *err)
{
    struct app *a = ctx;
    struct lapps *l = a->l;
    char when[24], *next = NULL;
    int64_t items = 0, dangling = 0;
    size_t bl = strlen(l->base);
    int ret;

    if (r->status != 200) {
        char why[400];

        arm_error(l, r->body, r->len, why, sizeof(why));
        if (r->status == 403) {
            warn(l,
                 "Azure Resource Manager refused '%.*s' (HTTP 403, %.150s); "
                 "the runs of Logic App '%s' not collected (the app "
                 "registration needs the Reader role on it)",
                 (int)strcspn(r->url, "?"), r->url, why, a->name);
            snprintf(a->note, sizeof(a->note),
                     "Azure Resource Manager refused it (HTTP 403, %.200s)%s",
                     why,
                     a->line > 1 ? ": only part of it was collected"
                                 : ": nothing was collected");
            return 0;
        }
        return rg_fail(err, RG_ERR_INPUT,
                       "Azure Resource Manager answered HTTP %ld for '%s': %s",
                       r->status, r->url, why);
    }
    if (!rg_jsonq_is_object(l->q, r->body, r->len))
        return RG_HTTP_AGAIN;
    if (rg_jsonq_text(l->q, r->body, r->len, "$.nextLink", &next, err) < 0 ||
        l->sink->page(l->sink->ctx, a->source, "logic_app_runs", r->url,
                      utc_now(when), r->status, r->body, r->len, a->line,
                      a->name, 0, &items, &dangling, err) < 0) {
        free(next);
        return -1;
    }
    a->line += items;
    a->bytes += r->len;
    if (!next)
        return 0;
    if (strncmp(next, l->base, bl) != 0 || next[bl] != '/') {
        /* the token must not travel to whatever host a page names */
        rg_fail(err, RG_ERR_INPUT, "the nextLink of '%s' leaves '%s': refused",
                r->url, l->base);
        free(next);
        return -1;
    }
    ret = rg_http_get(l->h, next, hdr, on_page, a, err);
    free(next);
    return ret;
}

int
rg_logicapps_collect(const struct rg_logicapps_opts *o,
                     struct rg_row_sink *sink, struct rg_err *err)
{
    struct lapps l;
    struct app *apps = NULL;
    struct rg_http_opts ho;
    int ret = -1;

    memset(&l, 0, sizeof(l));
    l.o = o;
    l.sink = sink;
    snprintf(
        l.base, sizeof(l.base), "%.*s",
        (int)(strlen(o->arm_url) -
              (o->arm_url[0] && o->arm_url[strlen(o->arm_url) - 1] == '/')),
        o->arm_url);
    memset(&ho, 0, sizeof(ho));
    ho.concurrency = o->concurrency;
    ho.ca_bundle = o->ca_bundle;
    if (!(apps = calloc(o->napps ? o->napps : 1, sizeof(*apps)))) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (!(l.q = rg_jsonq_open(err)) ||
        !(l.h = rg_http_new(&ho, auth_header, o->auth, err)))
        goto done;
    for (size_t i = 0; i < o->napps; i++) {
        struct app *a = &apps[i];
        char sub[100], rg[100], name[100], locator[1600], url[2000];

        if (!rg_logicapps_name_ok(o->apps[i]) ||
            sscanf(o->apps[i], "%99[^/]/%99[^/]/%99s", sub, rg, name) != 3) {
            rg_fail(err, RG_ERR_USAGE,
                    "'%s' is not a Logic App as "
                    "SUBSCRIPTION/RESOURCEGROUP/NAME",
                    o->apps[i]);
            goto done;
        }
        a->l = &l;
        a->line = 1;
        snprintf(a->name, sizeof(a->name), "%s", o->apps[i]);
        snprintf(locator, sizeof(locator),
                 "%s/subscriptions/%s/resourceGroups/%s/providers/"
                 "Microsoft.Logic/workflows/%s/runs",
                 l.base, sub, rg, name);
        snprintf(url, sizeof(url),
                 "%s?api-version=" API_VERSION "&$filter=startTime%%20ge%%20%s"
                 "%%20and%%20startTime%%20le%%20%s",
                 locator, o->from, o->to);
        a->source = sink->source_begin(sink->ctx, "arm", "logic_app_runs",
                                       locator, err);
        if (a->source <= 0 || rg_http_get(l.h, url, hdr, on_page, a, err) < 0)
            goto done;
    }
    if (rg_http_run(l.h, err) < 0 || sink->pages_done(sink->ctx, err) < 0)
        goto done;
    for (size_t i = 0; i < o->napps; i++) {
        struct rg_source_stats ss;

        memset(&ss, 0, sizeof(ss));
        ss.rows = apps[i].line - 1;
        ss.bytes = apps[i].bytes;
        ss.expected = -1;
        ss.note = apps[i].note[0] ? apps[i].note : NULL;
        if (sink->source_end(sink->ctx, apps[i].source, &ss, err) < 0)
            goto done;
    }
    ret = 0;
done:
    rg_http_free(l.h);
    rg_jsonq_close(l.q);
    free(apps);
    return ret;
}
