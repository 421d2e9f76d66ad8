/*
 * servicenow.c - the ServiceNow Table API collector (see servicenow.h and
 * docs/servicenow.md).
 *
 * Three tables are read at once, each page after page: the requested items
 * become rows, and the target variables and approvals are kept aside and
 * joined to them by the item's number once all three are complete. Nothing
 * is written to the snapshot but raw pages and sources until then, and the
 * rows only when everything arrived.
 */
#include "servicenow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "../util/cancel.h"
#include "../util/fs.h"
#include "../util/jsonq.h"
#include "../util/map.h"
#include "../util/sha256.h"
#include "../util/timefmt.h"
#include "../util/version.h"
#include "graphauth.h"
#include "http.h"

#define MAX_SECRET 8192
#define MAX_PAGES 1000000    /* per table */
#define MAX_RECORDS 20000000 /* per table */
#define MAX_VALUE 4096       /* bytes of one value */
#define MAX_TOKEN_ANSWER (1 << 20)
#define MAX_TOKEN_WAIT 120 /* seconds the token endpoint may ask for */

/* ------------------------------------------------------------ credentials */

struct auth {
    int oauth;
    char *user;            /* owned, or NULL */
    char *password;        /* owned, cleansed, or NULL */
    char *client_id;       /* owned, or NULL */
    char *secret;          /* owned, cleansed, or NULL */
    char *token_url;       /* owned: <instance>/oauth_token.do */
    const char *ca_bundle; /* borrowed from the options */
    char *header;          /* owned, cleansed: "Authorization: ..." */
    time_t expires;
    long margin;
    int count; /* tokens fetched */
};

static void
cleanse_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

static void
auth_release(struct auth *a)
{
    free(a->user);
    cleanse_free(a->password);
    free(a->client_id);
    cleanse_free(a->secret);
    free(a->token_url);
    cleanse_free(a->header);
    memset(a, 0, sizeof(*a));
}

/*
 * A secret: the first line of a file only its owner may read, or else the
 * environment variable env. what names it in messages ("password file").
 * Returns 0 with *out from malloc(), or -1.
 */
static int
read_secret(const char *file, const char *env, const char *what,
            const char *opt, char **out, struct rg_err *err)
{
    const char *e = getenv(env);
    struct stat sb;
    char *buf = NULL;
    size_t len = 0;

    *out = NULL;
    if (file) {
        if (stat(file, &sb) != 0)
            return rg_fail(err, RG_ERR_IO, "cannot open %s '%s': %s", what,
                           file, strerror(errno));
        if (sb.st_mode & (S_IRWXG | S_IRWXO))
            return rg_fail(err, RG_ERR_INPUT,
                           "%s '%s' may be read by others (mode %03o): "
                           "chmod 600 it",
                           what, file, (unsigned)(sb.st_mode & 0777));
        if (rg_read_file(file, MAX_SECRET, what, &buf, &len, err) < 0)
            return -1;
        len = strcspn(buf, "\r\n"); /* the first line */
        buf[len] = '\0';
    } else if (e && *e) {
        if (!(buf = strdup(e)))
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        len = strlen(buf);
    }
    if (!buf || len == 0) {
        cleanse_free(buf);
        return rg_fail(err, RG_ERR_USAGE, "no %s: give %s or set %s", what, opt,
                       env);
    }
    *out = buf;
    return 0;
}

/* "Authorization: Basic <base64 of user:password>" */
static int
basic_header(struct auth *a, struct rg_err *err)
{
    size_t ul = strlen(a->user), pl = strlen(a->password), n = ul + 1 + pl;
    size_t b64 = 4 * ((n + 2) / 3) + 1;
    unsigned char *plain = malloc(n + 1);

    if (!plain || !(a->header = malloc(b64 + 32))) {
        free(plain);
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    }
    memcpy(plain, a->user, ul);
    plain[ul] = ':';
    memcpy(plain + ul + 1, a->password, pl);
    memcpy(a->header, "Authorization: Basic ", 21);
    EVP_EncodeBlock((unsigned char *)a->header + 21, plain, (int)n);
    OPENSSL_cleanse(plain, n);
    free(plain);
    return 0;
}

static int
auth_init(struct auth *a, const struct rg_servicenow_opts *o, const char *base,
          struct rg_err *err)
{
    memset(a, 0, sizeof(*a));
    a->ca_bundle = o->ca_bundle;
    if ((o->user && !(a->user = strdup(o->user))) ||
        (o->client_id && !(a->client_id = strdup(o->client_id))) ||
        !(a->token_url = malloc(strlen(base) + 32)))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    snprintf(a->token_url, strlen(base) + 32, "%s/oauth_token.do", base);
    if (o->client_id) {
        a->oauth = 1;
        if (read_secret(o->client_secret_file, "REPORTGEN_SN_CLIENT_SECRET",
                        "ServiceNow client secret", "--sn-client-secret-file",
                        &a->secret, err) < 0)
            return -1;
        /* with a user too: the password grant */
        if (o->user && read_secret(o->password_file, "REPORTGEN_SN_PASSWORD",
                                   "ServiceNow password", "--sn-password-file",
                                   &a->password, err) < 0)
            return -1;
        return 0;
    }
    if (!o->user)
        return rg_fail(err, RG_ERR_USAGE,
                       "--servicenow needs --sn-user (with "
                       "--sn-password-file) or --sn-client-id");
    if (read_secret(o->password_file, "REPORTGEN_SN_PASSWORD",
                    "ServiceNow password", "--sn-password-file", &a->password,
                    err) < 0)
        return -1;
    return basic_header(a, err);
}

struct answer {
    char *p;
    size_t n;
    double wait;
};

static size_t
on_answer(char *data, size_t size, size_t nmemb, void *u)
{
    struct answer *a = u;
    size_t n = size * nmemb;
    char *p;

    if (a->n + n > MAX_TOKEN_ANSWER || !(p = realloc(a->p, a->n + n + 1)))
        return 0;
    memcpy(p + a->n, data, n);
    a->p = p;
    a->n += n;
    a->p[a->n] = '\0';
    return n;
}

static size_t
on_answer_header(char *data, size_t size, size_t nmemb, void *u)
{
    struct answer *a = u;
    double v = rg_http_retry_after(data, size * nmemb);

    if (v >= 0)
        a->wait = v;
    return size * nmemb;
}

/* Appends "&name=value" to a form, the value URL-encoded. */
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

/* Sleeps s seconds in steps, so Ctrl-C still stops the collect. */
static int
pause_for(double s, struct rg_err *err)
{
    while (s > 0) {
        double step = s < 0.1 ? s : 0.1;
        struct timespec ts = { 0, (long)(step * 1e9) };

        nanosleep(&ts, NULL);
        s -= step;
        if (rg_cancel_check(err) < 0)
            return -1;
    }
    return 0;
}

/*
 * A token from /oauth_token.do. 429, 5xx and failed connections are tried
 * again a few times, after Retry-After or 1, 2, 3 seconds; the crawl waits
 * meanwhile (nothing can be sent without a token).
 */
static int
fetch_token(struct auth *a, struct rg_err *err)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    struct answer ans = { NULL, 0, -1 };
    char *form = NULL, *token = NULL, ebuf[CURL_ERROR_SIZE] = "";
    size_t flen = 0;
    long status = 0, expires = 0;
    CURLcode rc = CURLE_OK;
    int ret = -1;

    if (!c || !(form = calloc(1, 1)) ||
        form_add(&form, &flen, "grant_type",
                 a->password ? "password" : "client_credentials") < 0 ||
        form_add(&form, &flen, "client_id", a->client_id) < 0 ||
        form_add(&form, &flen, "client_secret", a->secret) < 0 ||
        (a->password &&
         (form_add(&form, &flen, "username", a->user) < 0 ||
          form_add(&form, &flen, "password", a->password) < 0))) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    h = curl_slist_append(h, "Content-Type: application/x-www-form-urlencoded");
    h = curl_slist_append(h, "Accept: application/json");
    curl_easy_setopt(c, CURLOPT_URL, a->token_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)flen);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "reportgen/" RG_VERSION);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_answer);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &ans);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_answer_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &ans);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    if (a->ca_bundle)
        curl_easy_setopt(c, CURLOPT_CAINFO, a->ca_bundle);
    for (int attempt = 1;; attempt++) {
        if (ans.p)
            OPENSSL_cleanse(ans.p, ans.n);
        ans.n = 0;
        ans.wait = -1;
        ebuf[0] = '\0';
        rc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if ((rc == CURLE_OK && status != 429 && status < 500) || attempt == 4)
            break;
        if (ans.wait > MAX_TOKEN_WAIT) {
            rg_fail(err, RG_ERR_IO,
                    "the ServiceNow token endpoint '%s' answered HTTP %ld and "
                    "asks to wait %.0f s, more than %d",
                    a->token_url, status, ans.wait, MAX_TOKEN_WAIT);
            goto done;
        }
        if (pause_for(ans.wait >= 0 ? ans.wait : (double)attempt, err) < 0)
            goto done;
    }
    if (rc != CURLE_OK) {
        rg_fail(err, RG_ERR_IO,
                "cannot reach the ServiceNow token endpoint "
                "'%s': %s",
                a->token_url, ebuf[0] ? ebuf : curl_easy_strerror(rc));
        goto done;
    }
    {
        struct rg_err perr;

        rg_err_init(&perr);
        if (rg_graphauth_parse(ans.p ? ans.p : "", ans.n, status, &token,
                               &expires, &perr) < 0) {
            rg_fail(err, perr.code, "ServiceNow '%s': %s", a->token_url,
                    perr.msg);
            goto done;
        }
    }
    cleanse_free(a->header);
    if (!(a->header = malloc(strlen(token) + 32))) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    snprintf(a->header, strlen(token) + 32, "Authorization: Bearer %s", token);
    a->expires = time(NULL) + expires;
    a->margin = expires / 2 < 300 ? expires / 2 : 300;
    a->count++;
    ret = 0;
done:
    cleanse_free(token);
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

/* http.c's auth callback: Basic never changes; a token is renewed. */
static int
auth_header(void *ctx, int refresh, const char **header, struct rg_err *err)
{
    struct auth *a = ctx;

    if (!a->oauth) {
        if (refresh)
            return rg_fail(err, RG_ERR_INPUT,
                           "ServiceNow '%.*s' refused the user name and "
                           "password of '%s' (HTTP 401)",
                           (int)(strlen(a->token_url) - 15), a->token_url,
                           a->user);
        *header = a->header;
        return 0;
    }
    if (refresh || !a->header || time(NULL) > a->expires - a->margin)
        if (fetch_token(a, err) < 0)
            return -1;
    *header = a->header;
    return 0;
}

/* ---------------------------------------------------------------- records */

/* A requested item, until its row is written. */
struct item {
    char *number, *requested_for, *item, *state, *approval, *target;
    char *user_name, *employee_number; /* the requester's, dot-walked */
    char opened_at[RG_ISO_TIME_LEN], closed_at[RG_ISO_TIME_LEN];
    char *approved_by;                 /* borrowed from an approval */
    char approved_at[RG_ISO_TIME_LEN]; /* "" when none */
    int64_t line;
};

/* A target variable's value or an approval, joined to items at the end. */
struct aside {
    char *number; /* the item's */
    char *value;  /* the variable's value, or the approver */
    char *state;  /* approvals: approved, rejected, requested, ... */
    char at[RG_ISO_TIME_LEN]; /* approvals: sys_updated_on */
};

struct table;

struct crawl {
    const struct rg_servicenow_opts *o;
    struct rg_row_sink *sink;
    struct rg_http *h;
    struct rg_jsonq *q;
    struct rg_servicenow_result *res;
    char base[1024]; /* the instance URL without a trailing slash */
    struct item *items;
    size_t nitems, capitems;
    struct rg_map *numbers; /* item number -> index in items */
    struct aside *vars, *apps;
    size_t nvars, capvars, napps, capapps;
    uint64_t duplicates;
    struct rg_table_writer *incidents; /* rows of servicenow_incidents */
    struct rg_map *incident_numbers;
    int64_t incident_source;
};

/* One table read page by page. */
struct table {
    struct crawl *c;
    const char *name;   /* sc_req_item */
    const char *entity; /* source.entity */
    char *url;          /* owned: every parameter but the offset */
    int (*record)(struct table *t, const char *elem, size_t n,
                  struct rg_err *err);
    int64_t source, offset, expected, received;
    int64_t total; /* the latest page's X-Total-Count, or -1 */
    int64_t rows;  /* rows it gave (items, incidents) */
    int period;    /* the period applies to it */
    uint64_t bytes, pages;
    struct rg_sha256 sha;
    int hashing;
    const char *page_url; /* the page being read, for messages */
};

/* A warning through the caller's callback (rg_warnf()). */
#define warn(c, ...) rg_warnf((c)->o->warn, (c)->o->warn_ctx, __VA_ARGS__)

int
rg_servicenow_time(const char *s, char out[RG_ISO_TIME_LEN])
{
    struct rg_tm tm;
    int64_t t;

    if (rg_tm_parse_iso(s, strlen(s), &tm) < 0 || !tm.has_time)
        return -1;
    t = rg_tm_to_unix(&tm); /* no zone: UTC, as the Table API gives it */
    if (!rg_unix_in_range(t))
        return -1;
    rg_unix_to_iso(t, out);
    return 0;
}

const char *
rg_servicenow_state(const char *code)
{
    /* sc_req_item's state choices (task states) as stored internally */
    static const struct {
        const char *code, *name;
    } states[] = {
        { "-5", "pending" },          { "1", "open" },
        { "2", "work_in_progress" },  { "3", "closed_complete" },
        { "4", "closed_incomplete" }, { "7", "closed_skipped" },
    };

    for (size_t i = 0; i < sizeof(states) / sizeof(*states); i++)
        if (strcmp(code, states[i].code) == 0)
            return states[i].name;
    return code;
}

/*
 * The value of field in a record (dot-walked names are keys with dots),
 * from malloc(); NULL when absent, null or empty.
 */
static int
field(struct table *t, const char *elem, size_t n, const char *name, char **out,
      struct rg_err *err)
{
    char path[160];

    snprintf(path, sizeof(path), "$.\"%s\"", name);
    if (rg_jsonq_text(t->c->q, elem, n, path, out, err) < 0)
        return -1;
    if (*out && strlen(*out) > MAX_VALUE) {
        free(*out);
        *out = NULL;
        return rg_fail(err, RG_ERR_LIMIT,
                       "ServiceNow gave a value of '%s' over %d bytes in '%s'",
                       name, MAX_VALUE, t->page_url);
    }
    if (*out && !**out) {
        free(*out);
        *out = NULL;
    }
    return 0;
}

/* A time field, "" when empty; an unreadable one fails the collect. */
static int
time_field(struct table *t, const char *elem, size_t n, const char *name,
           const char *number, char out[RG_ISO_TIME_LEN], struct rg_err *err)
{
    char *v = NULL, q[64];

    out[0] = '\0';
    if (field(t, elem, n, name, &v, err) < 0)
        return -1;
    if (v && rg_servicenow_time(v, out) < 0) {
        rg_err_quote(q, sizeof(q), v, strlen(v));
        free(v);
        return rg_fail(err, RG_ERR_INPUT,
                       "ServiceNow gave '%s' of %s as '%s' in '%s': not a "
                       "time",
                       name, number ? number : "a record", q, t->page_url);
    }
    free(v);
    return 0;
}

static int
grow(void **p, size_t *cap, size_t n, size_t size)
{
    void *np;
    size_t nc;

    if (n < *cap)
        return 0;
    if (n >= MAX_RECORDS)
        return -1;
    nc = *cap ? *cap * 2 : 1024;
    if (!(np = realloc(*p, nc * size)))
        return -1;
    *p = np;
    *cap = nc;
    return 0;
}

static void
item_release(struct item *it)
{
    free(it->number);
    free(it->requested_for);
    free(it->user_name);
    free(it->employee_number);
    free(it->item);
    free(it->state);
    free(it->approval);
    free(it->target);
}

/* One sc_req_item record. */
static int
take_item(struct table *t, const char *elem, size_t n, struct rg_err *err)
{
    struct crawl *c = t->c;
    struct item it;
    char *user = NULL, *state = NULL;
    int r;

    memset(&it, 0, sizeof(it));
    if (field(t, elem, n, "number", &it.number, err) < 0)
        goto fail;
    if (!it.number) {
        rg_fail(err, RG_ERR_INPUT,
                "ServiceNow gave a requested item without a number in '%s'",
                t->page_url);
        goto fail;
    }
    if (field(t, elem, n, "requested_for.email", &it.requested_for, err) < 0 ||
        field(t, elem, n, "requested_for.user_name", &user, err) < 0 ||
        field(t, elem, n, "requested_for.employee_number", &it.employee_number,
              err) < 0 ||
        field(t, elem, n, "cat_item.name", &it.item, err) < 0 ||
        field(t, elem, n, "state", &state, err) < 0 ||
        field(t, elem, n, "approval", &it.approval, err) < 0 ||
        time_field(t, elem, n, "opened_at", it.number, it.opened_at, err) < 0 ||
        time_field(t, elem, n, "closed_at", it.number, it.closed_at, err) < 0 ||
        (c->o->target_field &&
         field(t, elem, n, c->o->target_field, &it.target, err) < 0))
        goto fail;
    /* the e-mail, as the CSV export has it; the user name without one */
    if (user && !(it.user_name = strdup(user)))
        goto nomem;
    if (!it.requested_for) {
        it.requested_for = user;
        user = NULL;
        if (!it.requested_for)
            warn(c,
                 "%s is requested for nobody ServiceNow names by e-mail or "
                 "user name: stored with an empty requested_for",
                 it.number);
    }
    if (state && !(it.state = strdup(rg_servicenow_state(state))))
        goto nomem;
    r = rg_map_put(c->numbers, it.number, strlen(it.number), 0, 0,
                   (int64_t)c->nitems, 0, NULL);
    if (r < 0)
        goto nomem;
    if (r == 1) { /* the table moved under the offsets: seen already */
        c->duplicates++;
        goto skip;
    }
    if (grow((void **)&c->items, &c->capitems, c->nitems, sizeof(*c->items)) <
        0)
        goto nomem;
    it.line = (int64_t)c->nitems + 1;
    c->items[c->nitems++] = it;
    t->rows++;
    free(user);
    free(state);
    return 0;
nomem:
    rg_fail(err, RG_ERR_NOMEM, "out of memory");
fail:
    item_release(&it);
    free(user);
    free(state);
    return -1;
skip:
    item_release(&it);
    free(user);
    free(state);
    return 0;
}

/* One sc_item_option_mtom record: the target variable of an item. */
static int
take_variable(struct table *t, const char *elem, size_t n, struct rg_err *err)
{
    struct crawl *c = t->c;
    struct aside a;
    char *name = NULL;

    memset(&a, 0, sizeof(a));
    if (field(t, elem, n, "request_item.number", &a.number, err) < 0 ||
        field(t, elem, n, "sc_item_option.item_option_new.name", &name, err) <
            0 ||
        field(t, elem, n, "sc_item_option.value", &a.value, err) < 0)
        goto fail;
    /* the query asked for this variable only; anything else is not it */
    if (!a.number || !a.value || !name ||
        strcmp(name, c->o->target_variable) != 0) {
        free(name);
        free(a.number);
        free(a.value);
        return 0;
    }
    free(name);
    if (grow((void **)&c->vars, &c->capvars, c->nvars, sizeof(*c->vars)) < 0) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto fail;
    }
    c->vars[c->nvars++] = a;
    return 0;
fail:
    free(name);
    free(a.number);
    free(a.value);
    return -1;
}

/* One sysapproval_approver record. */
static int
take_approval(struct table *t, const char *elem, size_t n, struct rg_err *err)
{
    struct crawl *c = t->c;
    struct aside a;
    char *user = NULL;

    memset(&a, 0, sizeof(a));
    if (field(t, elem, n, "sysapproval.number", &a.number, err) < 0 ||
        field(t, elem, n, "approver.email", &a.value, err) < 0 ||
        field(t, elem, n, "approver.user_name", &user, err) < 0 ||
        field(t, elem, n, "state", &a.state, err) < 0 ||
        time_field(t, elem, n, "sys_updated_on", a.number, a.at, err) < 0)
        goto fail;
    if (!a.value) {
        a.value = user;
        user = NULL;
    }
    free(user);
    if (!a.number || !a.value || !a.state) { /* says nothing usable */
        free(a.number);
        free(a.value);
        free(a.state);
        return 0;
    }
    if (grow((void **)&c->apps, &c->capapps, c->napps, sizeof(*c->apps)) < 0) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto fail;
    }
    c->apps[c->napps++] = a;
    return 0;
fail:
    free(user);
    free(a.number);
    free(a.value);
    free(a.state);
    return -1;
}

static struct rg_value
text_or_null(const char *s)
{
    return s && *s ? rg_text(s, strlen(s)) : rg_null();
}

/* incident's state choices as stored internally */
static const char *
incident_state(const char *code)
{
    static const struct {
        const char *code, *name;
    } states[] = {
        { "1", "new" },      { "2", "in_progress" }, { "3", "on_hold" },
        { "6", "resolved" }, { "7", "closed" },      { "8", "canceled" },
    };

    for (size_t i = 0; i < sizeof(states) / sizeof(*states); i++)
        if (strcmp(code, states[i].code) == 0)
            return states[i].name;
    return code;
}

/* One incident of the group's backlog: a row now. */
static int
take_incident(struct table *t, const char *elem, size_t n, struct rg_err *err)
{
    static const char *const names[] = {
        "number",
        "state",
        "priority",
        "assignment_group.name",
        "assigned_to.email",
        "short_description",
    };
    struct crawl *c = t->c;
    char *v[6] = { NULL }, *user = NULL;
    char opened[RG_ISO_TIME_LEN], resolved[RG_ISO_TIME_LEN],
        closed[RG_ISO_TIME_LEN];
    struct rg_value row[11];
    int ret = -1, r;

    for (size_t i = 0; i < 6; i++)
        if (field(t, elem, n, names[i], &v[i], err) < 0)
            goto done;
    if (!v[0]) {
        rg_fail(err, RG_ERR_INPUT,
                "ServiceNow gave an incident without a number in '%s'",
                t->page_url);
        goto done;
    }
    if (field(t, elem, n, "assigned_to.user_name", &user, err) < 0 ||
        time_field(t, elem, n, "opened_at", v[0], opened, err) < 0 ||
        time_field(t, elem, n, "resolved_at", v[0], resolved, err) < 0 ||
        time_field(t, elem, n, "closed_at", v[0], closed, err) < 0)
        goto done;
    r = rg_map_put(c->incident_numbers, v[0], strlen(v[0]), 0, 0, 0, 0, NULL);
    if (r < 0) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (r == 1) { /* seen already: the table moved under the offsets */
        c->duplicates++;
        ret = 0;
        goto done;
    }
    row[0] = rg_text(v[0], strlen(v[0]));
    row[1] = text_or_null(v[1] ? incident_state(v[1]) : NULL);
    row[2] = text_or_null(v[2]);
    row[3] = text_or_null(v[3]);
    row[4] = text_or_null(v[4] ? v[4] : user);
    row[5] = text_or_null(opened);
    row[6] = text_or_null(resolved);
    row[7] = text_or_null(closed);
    row[8] = text_or_null(v[5]);
    row[9] = rg_int(t->source);
    row[10] = rg_int(t->rows + 1);
    if (c->sink->row(c->incidents, row, err) < 0)
        goto done;
    t->rows++;
    ret = 0;
done:
    for (size_t i = 0; i < 6; i++)
        free(v[i]);
    free(user);
    return ret;
}

/* ------------------------------------------------------------------ pages */

static const char *
utc_now(char out[24])
{
    time_t t = time(NULL);
    struct tm tm;

    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    return out;
}

static const char *const accept_json[] = { "Accept: application/json", NULL };

static int on_page(void *ctx, const struct rg_http_resp *r, struct rg_err *err);

static int
ask(struct table *t, struct rg_err *err)
{
    char url[4096];

    if (t->pages >= MAX_PAGES)
        return rg_fail(err, RG_ERR_LIMIT,
                       "ServiceNow's %s: more than %d pages; give a shorter "
                       "period or larger pages (--sn-page-size)",
                       t->name, MAX_PAGES);
    snprintf(url, sizeof(url), "%s&sysparm_offset=%lld", t->url,
             (long long)t->offset);
    return rg_http_get(t->c->h, url, accept_json, on_page, t, err);
}

/* ServiceNow's own words for a failed request: "message (detail)". */
static void
sn_error(struct crawl *c, const char *body, size_t len, char *out, size_t outsz)
{
    char *msg = NULL, *detail = NULL;
    struct rg_err ignore;

    rg_err_init(&ignore);
    if (rg_jsonq_is_object(c->q, body, len)) {
        rg_jsonq_text(c->q, body, len, "$.error.message", &msg, &ignore);
        rg_jsonq_text(c->q, body, len, "$.error.detail", &detail, &ignore);
    }
    snprintf(out, outsz, "%.200s%s%.200s%s", msg ? msg : "no error message",
             detail ? " (" : "", detail ? detail : "", detail ? ")" : "");
    free(msg);
    free(detail);
}

struct each_ctx {
    struct table *t;
    struct rg_err *err;
    int64_t n; /* records in the page */
};

static int
on_record(void *ctx, const char *elem, size_t n)
{
    struct each_ctx *e = ctx;

    e->n++;
    if (n == 0 || elem[0] != '{')
        return rg_fail(e->err, RG_ERR_INPUT,
                       "ServiceNow's answer '%s' holds a result that is not "
                       "a record",
                       e->t->page_url);
    return e->t->record(e->t, elem, n, e->err) < 0 ? -1 : 0;
}

/*
 * A page of t arrived: kept as received, its records taken, the next page
 * asked for unless it was empty. A body that is not a JSON object with a
 * result array (cut short) is asked again, and nothing of it is kept.
 */
static int
on_page(void *ctx, const struct rg_http_resp *r, struct rg_err *err)
{
    struct table *t = ctx;
    struct crawl *c = t->c;
    struct each_ctx ec = { t, err, 0 };
    char *result = NULL, when[24], why[600];
    int64_t before = t->rows;

    t->page_url = r->url;
    if (r->status != 200) {
        sn_error(c, r->body, r->len, why, sizeof(why));
        /* the table and its URL without the query: the message stays short */
        return rg_fail(err, RG_ERR_INPUT,
                       "ServiceNow answered HTTP %ld for table '%s' ('%.*s'): "
                       "%s%s",
                       r->status, t->name, (int)strcspn(r->url, "?"), r->url,
                       why,
                       r->status == 401   ? " (the credentials were refused)"
                       : r->status == 403 ? " (the user may not read this "
                                            "table: see docs/servicenow.md)"
                                          : "");
    }
    if (!rg_jsonq_is_object(c->q, r->body, r->len))
        return RG_HTTP_AGAIN;
    if (rg_jsonq_text(c->q, r->body, r->len, "$.result", &result, err) < 0)
        return -1;
    if (!result || result[0] != '[') {
        free(result);
        return RG_HTTP_AGAIN;
    }
    free(result);
    if (rg_jsonq_each(c->q, r->body, r->len, "$.result", on_record, &ec, err) !=
        0)
        return -1;
    /* the first page's count: later ones may differ as the table moves */
    if (t->pages == 0 && r->total_count >= 0)
        t->expected = r->total_count;
    t->pages++;
    c->res->pages++;
    rg_sha256_update(&t->sha, r->body, r->len);
    t->bytes += r->len;
    t->received += ec.n;
    if (c->sink->raw(c->sink->ctx, t->source, r->url, utc_now(when), r->status,
                     r->body, r->len, t->rows > before ? before + 1 : 0,
                     err) < 0)
        return -1;
    if (r->total_count >= 0)
        t->total = r->total_count;
    /*
     * Access rules remove records from a page after the limit is applied:
     * a short page is not the end, and neither is an empty one before the
     * offset reaches the count the table announced.
     */
    if (ec.n == 0 &&
        (t->total < 0 || t->offset + c->o->page_size >= t->total)) {
        return 0;
    }
    if (t->received > MAX_RECORDS || t->offset > INT64_MAX / 2)
        return rg_fail(err, RG_ERR_LIMIT,
                       "ServiceNow's %s: more than %d records", t->name,
                       MAX_RECORDS);
    t->offset += c->o->page_size;
    return ask(t, err);
}

/* ------------------------------------------------------------------ tables */

/* Appends "&name=value", the value URL-encoded, to a growing URL. */
static int
param(char **url, const char *name, const char *value)
{
    char *v = curl_easy_escape(NULL, value, 0), *p;
    size_t len = strlen(*url), add = strlen(name) + (v ? strlen(v) : 0) + 3;

    if (!v || !(p = realloc(*url, len + add))) {
        curl_free(v);
        return -1;
    }
    snprintf(p + len, add, "%s%s=%s", strchr(p, '?') ? "&" : "?", name, v);
    curl_free(v);
    *url = p;
    return 0;
}

/* "2026-10-01T00:00:00Z" as the Table API's "2026-10-01 00:00:00". */
static void
sn_time(const char *iso, char out[20])
{
    snprintf(out, 20, "%.10s %.8s", iso, iso + 11);
}

/*
 * t's URL: fields, the query (a period on the item's opened_at, reached
 * through ref when the table is not sc_req_item itself, and extra), a
 * stable order, and pages of page_size. Also its source row.
 */
static int
table_init(struct crawl *c, struct table *t, const char *name,
           const char *entity, const char *fields, const char *ref,
           const char *extra, const char *order,
           int (*record)(struct table *, const char *, size_t, struct rg_err *),
           struct rg_err *err)
{
    const struct rg_servicenow_opts *o = c->o;
    char query[1024], tm[20], limit[24], *locator = NULL;
    size_t n = 0;

    memset(t, 0, sizeof(t[0]));
    t->c = c;
    t->name = name;
    t->entity = entity;
    t->record = record;
    t->expected = -1;
    t->total = -1;
    t->period = strcmp(name, "incident") != 0; /* a backlog has none */
    query[0] = '\0';
    if (extra)
        n += (size_t)snprintf(query + n, sizeof(query) - n, "%s^", extra);
    if (o->from && t->period) {
        sn_time(o->from, tm);
        n +=
            (size_t)snprintf(query + n, sizeof(query) - n, "%s%sopened_at>=%s^",
                             ref ? ref : "", ref ? "." : "", tm);
    }
    if (o->to && t->period) {
        sn_time(o->to, tm);
        n +=
            (size_t)snprintf(query + n, sizeof(query) - n, "%s%sopened_at<=%s^",
                             ref ? ref : "", ref ? "." : "", tm);
    }
    snprintf(query + n, sizeof(query) - n, "ORDERBY%s", order);
    snprintf(limit, sizeof(limit), "%d", o->page_size);
    if (!(t->url = malloc(strlen(c->base) + strlen(name) + 32)))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    snprintf(t->url, strlen(c->base) + strlen(name) + 32, "%s/api/now/table/%s",
             c->base, name);
    /* the source is the table and its query: what was asked, not how */
    if (param(&t->url, "sysparm_query", query) < 0 ||
        !(locator = strdup(t->url)) ||
        param(&t->url, "sysparm_fields", fields) < 0 ||
        param(&t->url, "sysparm_display_value", "false") < 0 ||
        param(&t->url, "sysparm_exclude_reference_link", "true") < 0 ||
        param(&t->url, "sysparm_limit", limit) < 0) {
        free(locator);
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    }
    if (rg_sha256_init(&t->sha, err) < 0) {
        free(locator);
        return -1;
    }
    t->hashing = 1;
    t->source =
        c->sink->source_begin(c->sink->ctx, "servicenow", entity, locator, err);
    free(locator);
    return t->source > 0 ? 0 : -1;
}

static void
table_release(struct table *t)
{
    free(t->url);
    if (t->hashing)
        rg_sha256_release(&t->sha);
    t->url = NULL;
    t->hashing = 0;
}

static int
table_end(struct crawl *c, struct table *t, int64_t rows, struct rg_err *err)
{
    struct rg_source_stats ss;
    char hex[RG_SHA256_HEX];

    if (t->expected >= 0 && t->expected != t->received)
        warn(c,
             "ServiceNow's %s: X-Total-Count said %lld, %lld arrived (access "
             "rules may hide records from this user); the snapshot records "
             "both",
             t->name, (long long)t->expected, (long long)t->received);
    rg_sha256_final(&t->sha, hex);
    t->hashing = 0;
    memset(&ss, 0, sizeof(ss));
    ss.sha256 = hex;
    ss.bytes = t->bytes;
    ss.rows = rows;
    ss.expected = t->expected;
    return c->sink->source_end(c->sink->ctx, t->source, &ss, err);
}

/* ------------------------------------------------------------------- join */

/* The item an aside record names, or NULL when it is not one of ours. */
static struct item *
item_of(struct crawl *c, const char *number)
{
    int64_t i;
    int kind;

    if (!rg_map_lookup(c->numbers, number, strlen(number), &i, &kind))
        return NULL;
    return &c->items[i];
}

/*
 * Targets and approvers onto the items. The target is the variable's
 * first value in sys_id order. The approver is the one whose decision is
 * the item's (approved for an approved item, rejected for a rejected
 * one), the latest by sys_updated_on when several decided.
 */
static void
join(struct crawl *c)
{
    for (size_t i = 0; i < c->nvars; i++) {
        struct item *it = item_of(c, c->vars[i].number);

        if (it && !it->target) {
            it->target = c->vars[i].value;
            c->vars[i].value = NULL;
        }
    }
    for (size_t i = 0; i < c->napps; i++) {
        struct aside *a = &c->apps[i];
        struct item *it = item_of(c, a->number);

        if (!it || !it->approval || strcmp(a->state, it->approval) != 0 ||
            (strcmp(a->state, "approved") != 0 &&
             strcmp(a->state, "rejected") != 0))
            continue;
        if (!it->approved_by || strcmp(a->at, it->approved_at) > 0) {
            it->approved_by = a->value;
            memcpy(it->approved_at, a->at, sizeof(it->approved_at));
        }
    }
}

static int
write_rows(struct crawl *c, int64_t source, struct rg_err *err)
{
    static const char *const cols[] = {
        "number",
        "requested_for",
        "requested_for_user_name",
        "requested_for_employee_number",
        "item",
        "state",
        "opened_at",
        "closed_at",
        "approval",
        "approved_by",
        "approved_at",
        "target",
        "source_id",
        "line",
    };
    struct rg_table_writer *w;
    int ret = 0;

    if (!(w = c->sink->table(c->sink->ctx, "servicenow_requests", cols,
                             sizeof(cols) / sizeof(*cols), err)))
        return -1;
    for (size_t i = 0; i < c->nitems && ret == 0; i++) {
        const struct item *it = &c->items[i];
        struct rg_value v[14];

        v[0] = rg_text(it->number, strlen(it->number));
        v[1] = it->requested_for
                   ? rg_text(it->requested_for, strlen(it->requested_for))
                   : rg_text("", 0);
        v[2] = text_or_null(it->user_name);
        v[3] = text_or_null(it->employee_number);
        v[4] = it->item ? rg_text(it->item, strlen(it->item)) : rg_text("", 0);
        v[5] = text_or_null(it->state);
        v[6] = text_or_null(it->opened_at);
        v[7] = text_or_null(it->closed_at);
        v[8] = text_or_null(it->approval);
        v[9] = text_or_null(it->approved_by);
        v[10] = text_or_null(it->approved_by ? it->approved_at : NULL);
        v[11] = text_or_null(it->target);
        v[12] = rg_int(source);
        v[13] = rg_int(it->line);
        ret = c->sink->row(w, v, err);
    }
    c->sink->table_free(w);
    return ret;
}

/* --------------------------------------------------------------- collect */

int
rg_servicenow_collect(const struct rg_servicenow_opts *o,
                      struct rg_row_sink *sink,
                      struct rg_servicenow_result *res, struct rg_err *err)
{
    struct crawl c;
    struct auth a;
    struct table items, vars, apps, inc;
    static const char *const inc_cols[] = {
        "number",           "state",       "priority",
        "assignment_group", "assigned_to", "opened_at",
        "resolved_at",      "closed_at",   "short_description",
        "source_id",        "line",
    };
    struct rg_http_opts ho;
    struct rg_http_stats st;
    char fields[512], var_query[200], inc_query[300];
    size_t ulen = strlen(o->url);
    int use_vars = !o->target_field, ret = -1;

    memset(res, 0, sizeof(*res));
    memset(&c, 0, sizeof(c));
    memset(&a, 0, sizeof(a));
    memset(&items, 0, sizeof(items));
    memset(&vars, 0, sizeof(vars));
    memset(&apps, 0, sizeof(apps));
    memset(&inc, 0, sizeof(inc));
    c.o = o;
    c.sink = sink;
    c.res = res;
    while (ulen > 0 && o->url[ulen - 1] == '/')
        ulen--;
    if (ulen >= sizeof(c.base))
        return rg_fail(err, RG_ERR_USAGE, "--servicenow: the URL is too long");
    memcpy(c.base, o->url, ulen);
    c.base[ulen] = '\0';
    if (!sink->raw)
        return rg_fail(err, RG_ERR_INTERNAL, "the sink keeps no raw answers");
    if (o->page_size < 1)
        return rg_fail(err, RG_ERR_INTERNAL, "no ServiceNow page size");
    if (auth_init(&a, o, c.base, err) < 0)
        goto done;
    /* a token first: a refused one is one clear error, not three */
    if (a.oauth && fetch_token(&a, err) < 0)
        goto done;
    memset(&ho, 0, sizeof(ho));
    ho.concurrency = 4;
    ho.ca_bundle = o->ca_bundle;
    ho.max_wait = o->max_wait;
    if (!(c.q = rg_jsonq_open(err)) ||
        !(c.h = rg_http_new(&ho, auth_header, &a, err)))
        goto done;
    if (!(c.numbers = rg_map_new()) || !(c.incident_numbers = rg_map_new())) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        goto done;
    }
    snprintf(fields, sizeof(fields),
             "sys_id,number,state,opened_at,closed_at,approval,cat_item.name,"
             "requested_for.email,requested_for.user_name,"
             "requested_for.employee_number%s%.200s",
             o->target_field ? "," : "",
             o->target_field ? o->target_field : "");
    /* the variable's name goes into the query: the command checked it */
    snprintf(var_query, sizeof(var_query),
             "sc_item_option.item_option_new.name=%.100s",
             o->target_variable ? o->target_variable : "");
    if (table_init(&c, &items, "sc_req_item", "servicenow_requests", fields,
                   NULL, NULL, "number", take_item, err) < 0 ||
        (use_vars &&
         table_init(
             &c, &vars, "sc_item_option_mtom", "servicenow_requests.target",
             "sys_id,request_item.number,"
             "sc_item_option.item_option_new.name,sc_item_option.value",
             "request_item", var_query, "sys_id", take_variable, err) < 0) ||
        table_init(&c, &apps, "sysapproval_approver",
                   "servicenow_requests.approved_by",
                   "sys_id,sysapproval.number,approver.email,"
                   "approver.user_name,state,sys_updated_on",
                   "sysapproval", "sysapproval.sys_class_name=sc_req_item",
                   "sys_id", take_approval, err) < 0)
        goto done;
    if (o->incident_group) {
        /* the group's backlog: what is open now, whatever the period */
        snprintf(inc_query, sizeof(inc_query),
                 "assignment_group.name=%.200s^active=true", o->incident_group);
        if (table_init(&c, &inc, "incident", "servicenow_incidents",
                       "sys_id,number,state,priority,opened_at,resolved_at,"
                       "closed_at,assignment_group.name,assigned_to.email,"
                       "assigned_to.user_name,short_description",
                       NULL, inc_query, "number", take_incident, err) < 0 ||
            !(c.incidents =
                  sink->table(sink->ctx, "servicenow_incidents", inc_cols,
                              sizeof(inc_cols) / sizeof(*inc_cols), err)))
            goto done;
    }
    if (ask(&items, err) < 0 || (use_vars && ask(&vars, err) < 0) ||
        ask(&apps, err) < 0 || (o->incident_group && ask(&inc, err) < 0) ||
        rg_http_run(c.h, err) < 0)
        goto done;
    if (c.duplicates)
        warn(&c,
             "ServiceNow: %llu records arrived twice (a table changed "
             "while it was read); each is kept once",
             (unsigned long long)c.duplicates);
    join(&c);
    if (write_rows(&c, items.source, err) < 0 ||
        table_end(&c, &items, (int64_t)c.nitems, err) < 0 ||
        (use_vars && table_end(&c, &vars, vars.received, err) < 0) ||
        table_end(&c, &apps, apps.received, err) < 0 ||
        (o->incident_group && table_end(&c, &inc, inc.rows, err) < 0))
        goto done;
    res->items = c.nitems;
    res->variables = c.nvars;
    res->approvals = c.napps;
    res->incidents = (uint64_t)inc.rows;
    ret = 0;
done:
    if (c.h) {
        rg_http_stats(c.h, &st);
        res->requests = st.requests;
        res->retries = st.retries;
    }
    res->tokens = (uint64_t)a.count;
    for (size_t i = 0; i < c.nitems; i++)
        item_release(&c.items[i]);
    free(c.items);
    for (size_t i = 0; i < c.nvars; i++) {
        free(c.vars[i].number);
        free(c.vars[i].value);
    }
    free(c.vars);
    for (size_t i = 0; i < c.napps; i++) {
        free(c.apps[i].number);
        free(c.apps[i].value);
        free(c.apps[i].state);
    }
    free(c.apps);
    rg_map_free(c.numbers);
    rg_map_free(c.incident_numbers);
    if (c.incidents)
        sink->table_free(c.incidents);
    table_release(&items);
    table_release(&vars);
    table_release(&apps);
    table_release(&inc);
    rg_http_free(c.h);
    rg_jsonq_close(c.q);
    auth_release(&a);
    return ret;
}
