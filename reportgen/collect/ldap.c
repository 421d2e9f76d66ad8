/*
 * ldap.c - the Active Directory collector (see ldap.h).
 *
 * Four paged searches, in this order, so that every member DN can be
 * resolved the moment it is read, with nothing but a map of DNs in memory:
 *
 *   users      (&(objectClass=user)(!(objectClass=computer)))  -> ad_users
 *   computers  (objectClass=computer)                          -> the map
 *   groups     (objectClass=group)                             -> ad_groups
 *   members    (&(objectClass=group)(member=*))                ->
 * ad_group_members
 *
 * A group with more members than AD sends at once (1,500) comes with
 * "member;range=0-1499" instead of "member"; the rest is read by AD's
 * ranged retrieval (more_members()). Not here: primary group membership
 * (primaryGroupID) and reading the base from the RootDSE; docs/ldap.md
 * lists these.
 */
#include "ldap.h"

#include <errno.h>
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "../util/fs.h"
#include "../util/map.h"
#include "../util/sha256.h"
#include "../util/text.h"
#include "../util/timefmt.h"

#define MAX_PAGES 1000000          /* of one search */
#define MAX_PAGE_LDIF (256u << 20) /* bytes of LDIF of one page */
#define MAX_PASSWORD 1024          /* bytes in the password file */
#define MAX_VALUE 4096             /* bytes of a mapped value */

/* Classes of the objects a member DN may name (map kinds). */
#define CLASS_USER 1
#define CLASS_GROUP 2
#define CLASS_COMPUTER 3

/* AD's privileged groups by name, as queries/privileged/ad.sql lists them. */
static const char *const privileged_names[] = {
    "Domain Admins",     "Enterprise Admins",
    "Schema Admins",     "Administrators",
    "Account Operators", "Backup Operators",
    "Server Operators",  "Print Operators",
    "DnsAdmins",         "Group Policy Creator Owners",
};

/* ---------------------------------------------------------------- buffers */

/* A growable byte buffer with a maximum (curl's "toobig"). */
struct sbuf {
    char *p; /* owned */
    size_t len, cap, max;
};

static int
sbuf_add(struct sbuf *b, const void *data, size_t n)
{
    if (n > b->max - b->len)
        return -1;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *p;

        while (cap < b->len + n + 1)
            cap *= 2;
        if (!(p = realloc(b->p, cap)))
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static int
sbuf_str(struct sbuf *b, const char *s)
{
    return sbuf_add(b, s, strlen(s));
}

/* ------------------------------------------------------------ conversions */

int
rg_ldap_filetime(const char *s, size_t len, char out[21])
{
    int64_t v = 0, secs;

    if (len == 0 || len > 19)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        if (v > (INT64_MAX - (s[i] - '0')) / 10)
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    /* 0: never; the largest value: never (accountExpires writes it) */
    if (v == 0 || v == INT64_MAX)
        return 0;
    /* 11644473600: seconds from 1601-01-01 to 1970-01-01 */
    secs = v / 10000000 - INT64_C(11644473600);
    if (!rg_unix_in_range(secs))
        return -1;
    rg_unix_to_iso(secs, out);
    return 1;
}

static int
digits(const char *s, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int
rg_ldap_gentime(const char *s, size_t len, char out[21])
{
    struct rg_tm tm;
    size_t i = 14;
    int64_t mdays;

    if (len < 15)
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.year = digits(s, 4);
    tm.month = digits(s + 4, 2);
    tm.day = digits(s + 6, 2);
    tm.hour = digits(s + 8, 2);
    tm.min = digits(s + 10, 2);
    tm.sec = digits(s + 12, 2);
    if (tm.year < 1 || tm.month < 1 || tm.month > 12 || tm.day < 1 ||
        tm.hour < 0 || tm.hour > 23 || tm.min < 0 || tm.min > 59 ||
        tm.sec < 0 || tm.sec > 59)
        return -1;
    mdays = (tm.month == 12 ? rg_days_from_civil(tm.year + 1, 1, 1)
                            : rg_days_from_civil(tm.year, tm.month + 1, 1)) -
            rg_days_from_civil(tm.year, tm.month, 1);
    if (tm.day > mdays)
        return -1;
    /* a fraction of a second is dropped, as everywhere in a snapshot */
    if (s[i] == '.' || s[i] == ',') {
        i++;
        if (i >= len || s[i] < '0' || s[i] > '9')
            return -1;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    /* AD writes UTC; a local time or an offset is not what it sends */
    if (i + 1 != len || s[i] != 'Z')
        return -1;
    tm.has_time = tm.has_zone = 1;
    if (!rg_unix_in_range(rg_tm_to_unix(&tm)))
        return -1;
    rg_unix_to_iso(rg_tm_to_unix(&tm), out);
    return 0;
}

/* ------------------------------------------------------------------ state */

struct coll {
    const struct rg_ldap_opts *o; /* borrowed */
    struct rg_row_sink *sink;     /* borrowed */
    struct rg_ldap_result *res;   /* borrowed */
    LDAP *ld;                     /* owned */
    struct rg_map *objs;          /* owned; lowercased DN -> name offset */
    struct sbuf names;            /* owned; NUL-terminated sAMAccountNames */
    struct sbuf page;             /* owned; LDIF of the page being read */
    struct sbuf dn; /* owned; the DN of the entry, as AD writes it */
    struct rg_table_writer *raw, *users, *groups, *members,
        *dangling;     /* owned, opened on first use */
    int64_t source;    /* the source being read */
    int64_t line;      /* rows of it so far */
    int64_t ndangling; /* of the source being read */
    char *locator;     /* owned (ldap_memfree); the search as a URL */
};

/* Reads a single-valued attribute of e into buf; 0 when absent. */
static int
get1(struct coll *c, LDAPMessage *e, const char *attr, char *buf, size_t bufsz,
     size_t *len, struct rg_err *err)
{
    struct berval **v = ldap_get_values_len(c->ld, e, attr);

    *len = 0;
    if (!v || !v[0]) {
        ldap_value_free_len(v);
        return 0;
    }
    if (v[0]->bv_len >= bufsz || memchr(v[0]->bv_val, '\0', v[0]->bv_len)) {
        char *dn = ldap_get_dn(c->ld, e);

        rg_fail(err, RG_ERR_INPUT,
                "cannot read '%s' of '%s' from '%s': the value is over %zu "
                "bytes or holds a NUL byte",
                attr, dn ? dn : "?", c->o->uri, bufsz - 1);
        ldap_memfree(dn);
        ldap_value_free_len(v);
        return -1;
    }
    memcpy(buf, v[0]->bv_val, v[0]->bv_len);
    buf[v[0]->bv_len] = '\0';
    *len = v[0]->bv_len;
    ldap_value_free_len(v);
    return 1;
}

static struct rg_value
text_or_null(const char *s, size_t len)
{
    return len ? rg_text(s, len) : rg_null();
}

/* DNs compare as AD and slapd compare them here: ignoring ASCII case. */
static void
dn_key(const char *dn, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++)
        out[i] =
            (dn[i] >= 'A' && dn[i] <= 'Z') ? (char)(dn[i] - 'A' + 'a') : dn[i];
}

void
rg_ldap_dn_pretty(const char *dn, char *out)
{
    int in_type = 1, quoted = 0;
    size_t i;

    for (i = 0; dn[i]; i++) {
        char ch = dn[i];

        out[i] = ch;
        if (in_type) {
            if (ch == '=')
                in_type = 0;
            else if (ch >= 'a' && ch <= 'z')
                out[i] = (char)(ch - 'a' + 'A');
        } else if (ch == '\\' && dn[i + 1]) {
            out[i + 1] = dn[i + 1];
            i++;
        } else if (ch == '"') {
            quoted = !quoted;
        } else if (!quoted && (ch == ',' || ch == '+')) {
            in_type = 1;
        }
    }
    out[i] = '\0';
}

/* dn as AD writes it, in c->dn (valid until the next call); NULL: no memory */
static const char *
pretty_dn(struct coll *c, const char *dn, struct rg_err *err)
{
    c->dn.len = 0;
    if (sbuf_add(&c->dn, dn, strlen(dn)) < 0) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    rg_ldap_dn_pretty(dn, c->dn.p);
    return c->dn.p;
}

/* Makes dn known as the object name of class; a DN seen twice keeps the
 * first. */
static int
remember(struct coll *c, const char *dn, const char *name, size_t namelen,
         int class, struct rg_err *err)
{
    size_t len = strlen(dn), off = c->names.len;
    char *key = malloc(len + 1);
    int r;

    if (!key)
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    dn_key(dn, len, key);
    if (sbuf_add(&c->names, name, namelen) < 0 ||
        sbuf_add(&c->names, "", 1) < 0) {
        free(key);
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    }
    r = rg_map_put(c->objs, key, len, class, 0, (int64_t)off, c->line, NULL);
    free(key);
    if (r < 0)
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    return 0;
}

/* --------------------------------------------------------------------- LDIF */

/* RFC 2849 SAFE-STRING: else the value is written base64 ("attr:: ..."). */
static int
ldif_safe(const char *s, size_t len)
{
    if (len == 0)
        return 1;
    if (s[0] == ' ' || s[0] == ':' || s[0] == '<' || s[len - 1] == ' ')
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];

        if (ch == 0 || ch == '\n' || ch == '\r' || ch >= 0x80)
            return 0;
    }
    return 1;
}

static int
base64_add(struct sbuf *b, const unsigned char *in, size_t n)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char q[4];

    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        size_t k = n - i;

        if (k > 1)
            v |= (unsigned)in[i + 1] << 8;
        if (k > 2)
            v |= in[i + 2];
        q[0] = tab[(v >> 18) & 63];
        q[1] = tab[(v >> 12) & 63];
        q[2] = k > 1 ? tab[(v >> 6) & 63] : '=';
        q[3] = k > 2 ? tab[v & 63] : '=';
        if (sbuf_add(b, q, 4) < 0)
            return -1;
    }
    return 0;
}

static int
ldif_line(struct sbuf *b, const char *attr, const char *s, size_t len)
{
    if (sbuf_str(b, attr) < 0)
        return -1;
    if (ldif_safe(s, len))
        return sbuf_str(b, ": ") < 0 || sbuf_add(b, s, len) < 0 ||
                       sbuf_add(b, "\n", 1) < 0
                   ? -1
                   : 0;
    return sbuf_str(b, ":: ") < 0 ||
                   base64_add(b, (const unsigned char *)s, len) < 0 ||
                   sbuf_add(b, "\n", 1) < 0
               ? -1
               : 0;
}

/* Appends entry e to the page's LDIF, every attribute as received. */
static int
ldif_entry(struct coll *c, LDAPMessage *e, const char *dn, struct rg_err *err)
{
    BerElement *ber = NULL;
    char *a;
    int ret = 0;

    if (ldif_line(&c->page, "dn", dn, strlen(dn)) < 0)
        ret = -1;
    for (a = ldap_first_attribute(c->ld, e, &ber); a && ret == 0;
         a = ldap_next_attribute(c->ld, e, ber)) {
        struct berval **v = ldap_get_values_len(c->ld, e, a);

        for (size_t i = 0; v && v[i] && ret == 0; i++)
            if (ldif_line(&c->page, a, v[i]->bv_val, v[i]->bv_len) < 0)
                ret = -1;
        ldap_value_free_len(v);
        ldap_memfree(a);
    }
    ldap_memfree(a);
    if (ber)
        ber_free(ber, 0);
    if (ret == 0 && sbuf_add(&c->page, "\n", 1) < 0)
        ret = -1;
    if (ret < 0)
        return rg_fail(err, RG_ERR_LIMIT,
                       "cannot keep a page of '%s': over %u MiB of LDIF "
                       "or out of memory (use a smaller --ldap-page-size)",
                       c->o->uri, MAX_PAGE_LDIF >> 20);
    return 0;
}

/* -------------------------------------------------------------- searches */

static int
ldap_fail(struct coll *c, int rc, const char *what, struct rg_err *err)
{
    char *diag = NULL;

    if (c->ld)
        ldap_get_option(c->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
    if (diag && diag[0] == '(') /* libldap's "(unknown error code)" */
        diag[0] = '\0';
    /* the base names what was searched: a wrong one is a common mistake */
    rg_fail(err, RG_ERR_IO, "cannot %s '%s' under '%s': %s%s%s%s", what,
            c->o->uri, c->o->base, ldap_err2string(rc),
            diag && *diag ? " (" : "", diag && *diag ? diag : "",
            diag && *diag ? ")" : "");
    ldap_memfree(diag);
    return -1;
}

typedef int (*entry_fn)(struct coll *c, LDAPMessage *e, const char *dn,
                        struct rg_err *err);

/* One search as an LDAP URL (RFC 4516), the source's locator. */
static char *
search_url(const struct rg_ldap_opts *o, const char *filter,
           const char *const *attrs)
{
    LDAPURLDesc *lud = NULL;
    char *url = NULL, *dn, *flt, **at;
    int scope;

    if (ldap_url_parse(o->uri, &lud) != LDAP_URL_SUCCESS)
        return NULL;
    dn = lud->lud_dn;
    flt = lud->lud_filter;
    at = lud->lud_attrs;
    scope = lud->lud_scope;
    lud->lud_dn = (char *)o->base;
    lud->lud_filter = (char *)filter;
    lud->lud_attrs = (char **)attrs;
    lud->lud_scope = LDAP_SCOPE_SUBTREE;
    url = ldap_url_desc2str(lud);
    lud->lud_dn = dn;
    lud->lud_filter = flt;
    lud->lud_attrs = at;
    lud->lud_scope = scope;
    ldap_free_urldesc(lud);
    return url;
}

static int
raw_page(struct coll *c, int rc, int64_t first_line, struct rg_err *err)
{
    static const char *const cols[] = { "source_id",  "url",        "status",
                                        "fetched_at", "first_line", "body" };
    struct rg_value v[6];

    if (!c->raw &&
        !(c->raw = c->sink->table(c->sink->ctx, "raw_page", cols, 6, err)))
        return -1;
    v[0] = rg_int(c->source);
    v[1] = rg_text(c->locator, strlen(c->locator));
    v[2] = rg_int(rc);
    v[3] = rg_text(c->o->now, strlen(c->o->now));
    v[4] = rg_int(first_line);
    v[5] = c->o->keep_raw ? rg_text(c->page.p ? c->page.p : "", c->page.len)
                          : rg_null();
    return c->sink->row(c->raw, v, err);
}

/*
 * Runs one paged search as source entity: each entry goes to fn, each
 * page to raw_page. Counts rows in c->line (fn advances it).
 */
static int
search(struct coll *c, const char *entity, const char *what, const char *filter,
       const char *const *attrs, entry_fn fn, struct rg_err *err)
{
    const struct rg_ldap_opts *o = c->o;
    struct berval cookie = { 0, NULL };
    struct timeval tv;
    struct rg_sha256 h = { NULL };
    struct rg_source_stats ss;
    char hex[RG_SHA256_HEX];
    uint64_t bytes = 0;
    int64_t pages = 0;
    int ret = -1;

    ldap_memfree(c->locator);
    if (!(c->locator = search_url(o, filter, attrs)))
        return rg_fail(err, RG_ERR_NOMEM, "cannot describe the search of '%s'",
                       o->uri);
    c->source =
        c->sink->source_begin(c->sink->ctx, "ldap", entity, c->locator, err);
    if (c->source < 0)
        return -1;
    c->line = 0;
    c->ndangling = 0;
    if (rg_sha256_init(&h, err) < 0)
        return -1;
    tv.tv_sec = o->timeout > 0 ? o->timeout : RG_LDAP_TIMEOUT;
    tv.tv_usec = 0;
    for (;;) {
        LDAPControl *page_ctl = NULL, *ctls[2] = { NULL, NULL };
        LDAPControl **sctrls = NULL, *resp;
        LDAPMessage *res = NULL, *e;
        char *diag = NULL;
        int rc, code = 0;
        ber_int_t estimate = 0;
        int64_t first = c->line + 1;

        if (++pages > MAX_PAGES) {
            rg_fail(err, RG_ERR_LIMIT,
                    "cannot %s '%s': over %d pages in one search", what, o->uri,
                    MAX_PAGES);
            goto done;
        }
        rc = ldap_create_page_control(
            c->ld, o->page_size > 0 ? o->page_size : RG_LDAP_PAGE_SIZE, &cookie,
            1, &page_ctl);
        if (rc != LDAP_SUCCESS) {
            ldap_fail(c, rc, what, err);
            goto done;
        }
        ctls[0] = page_ctl;
        rc = ldap_search_ext_s(c->ld, o->base, LDAP_SCOPE_SUBTREE, filter,
                               (char **)attrs, 0, ctls, NULL, &tv,
                               LDAP_NO_LIMIT, &res);
        ldap_control_free(page_ctl);
        if (rc != LDAP_SUCCESS || !res) {
            ldap_msgfree(res);
            ldap_fail(c, rc == LDAP_SUCCESS ? LDAP_OTHER : rc, what, err);
            goto done;
        }
        c->page.len = 0;
        for (e = ldap_first_entry(c->ld, res); e;
             e = ldap_next_entry(c->ld, e)) {
            char *dn = ldap_get_dn(c->ld, e);
            int r;

            if (!dn) {
                ldap_msgfree(res);
                ldap_fail(c, LDAP_DECODING_ERROR, what, err);
                goto done;
            }
            r = ldif_entry(c, e, dn, err);
            if (r == 0)
                r = fn(c, e, dn, err);
            ldap_memfree(dn);
            if (r < 0) {
                ldap_msgfree(res);
                goto done;
            }
        }
        rc =
            ldap_parse_result(c->ld, res, &code, NULL, &diag, NULL, &sctrls, 1);
        if (rc != LDAP_SUCCESS || code != LDAP_SUCCESS) {
            rg_fail(err, RG_ERR_IO, "cannot %s '%s' under '%s': %s%s%s%s", what,
                    o->uri, o->base,
                    ldap_err2string(rc != LDAP_SUCCESS ? rc : code),
                    diag && *diag ? " (" : "", diag && *diag ? diag : "",
                    diag && *diag ? ")" : "");
            ldap_memfree(diag);
            ldap_controls_free(sctrls);
            goto done;
        }
        ldap_memfree(diag);
        rg_sha256_update(&h, c->page.p ? c->page.p : "", c->page.len);
        bytes += c->page.len;
        c->res->pages++;
        if (raw_page(c, code, first, err) < 0) {
            ldap_controls_free(sctrls);
            goto done;
        }
        resp = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, sctrls, NULL);
        ber_memfree(cookie.bv_val);
        cookie.bv_val = NULL;
        cookie.bv_len = 0;
        if (!resp) {
            ldap_controls_free(sctrls);
            rg_fail(err, RG_ERR_IO,
                    "cannot %s '%s': the server did not answer the paged "
                    "results control",
                    what, o->uri);
            goto done;
        }
        rc = ldap_parse_pageresponse_control(c->ld, resp, &estimate, &cookie);
        ldap_controls_free(sctrls);
        if (rc != LDAP_SUCCESS) {
            ldap_fail(c, rc, what, err);
            goto done;
        }
        if (cookie.bv_len == 0)
            break;
    }
    rg_sha256_final(&h, hex);
    memset(&ss, 0, sizeof(ss));
    ss.sha256 = hex;
    ss.bytes = bytes;
    ss.rows = c->line - c->ndangling;
    ss.expected = -1;
    ss.dangling = c->ndangling;
    ret = c->sink->source_end(c->sink->ctx, c->source, &ss, err);
done:
    ber_memfree(cookie.bv_val);
    rg_sha256_release(&h);
    return ret;
}

/* ---------------------------------------------------------------- entries */

static int
on_user(struct coll *c, LDAPMessage *e, const char *dn, struct rg_err *err)
{
    static const char *const cols[] = {
        "sam_account_name",  "user_principal_name",
        "enabled",           "last_logon_date",
        "employee_id",       "distinguished_name",
        "password_last_set", "when_created",
        "source_id",         "line"
    };
    char sam[MAX_VALUE], upn[MAX_VALUE], uac[32], empid[MAX_VALUE];
    char logon[32], pwd[32], created[32];
    char t_logon[21], t_pwd[21], t_created[21];
    size_t nsam, nupn, nuac, nemp, nlogon, npwd, ncreated;
    const char *pdn;
    struct rg_value v[10];
    int r;

    if (!c->users &&
        !(c->users = c->sink->table(c->sink->ctx, "ad_users", cols, 10, err)))
        return -1;
    if (get1(c, e, "sAMAccountName", sam, sizeof(sam), &nsam, err) < 0 ||
        get1(c, e, "userPrincipalName", upn, sizeof(upn), &nupn, err) < 0 ||
        get1(c, e, "userAccountControl", uac, sizeof(uac), &nuac, err) < 0 ||
        get1(c, e, "employeeID", empid, sizeof(empid), &nemp, err) < 0 ||
        get1(c, e, "lastLogonTimestamp", logon, sizeof(logon), &nlogon, err) <
            0 ||
        get1(c, e, "pwdLastSet", pwd, sizeof(pwd), &npwd, err) < 0 ||
        get1(c, e, "whenCreated", created, sizeof(created), &ncreated, err) < 0)
        return -1;
    if (nsam == 0)
        return rg_fail(err, RG_ERR_INPUT,
                       "cannot read user '%s' from '%s': it has no "
                       "sAMAccountName",
                       dn, c->o->uri);
    c->line++;
    v[0] = rg_text(sam, nsam);
    v[1] = text_or_null(upn, nupn);
    v[2] = rg_null();
    if (nuac) {
        char *end;
        long long x;

        errno = 0;
        x = strtoll(uac, &end, 10);
        if (*end || errno || x < INT32_MIN || x > UINT32_MAX)
            return rg_fail(err, RG_ERR_INPUT,
                           "cannot read user '%s' from '%s': "
                           "userAccountControl '%s' is not a number",
                           dn, c->o->uri, uac);
        /* ACCOUNTDISABLE, 0x2 */
        v[2] = rg_int((x & 0x2) ? 0 : 1);
    }
    v[3] = rg_null();
    if (nlogon && (r = rg_ldap_filetime(logon, nlogon, t_logon)) != 0) {
        if (r < 0)
            goto bad_time;
        v[3] = rg_text(t_logon, strlen(t_logon));
    }
    v[4] = text_or_null(empid, nemp);
    if (!(pdn = pretty_dn(c, dn, err)))
        return -1;
    v[5] = rg_text(pdn, strlen(pdn));
    v[6] = rg_null();
    if (npwd && (r = rg_ldap_filetime(pwd, npwd, t_pwd)) != 0) {
        if (r < 0)
            goto bad_time;
        v[6] = rg_text(t_pwd, strlen(t_pwd));
    }
    v[7] = rg_null();
    if (ncreated) {
        if (rg_ldap_gentime(created, ncreated, t_created) < 0)
            goto bad_time;
        v[7] = rg_text(t_created, strlen(t_created));
    }
    v[8] = rg_int(c->source);
    v[9] = rg_int(c->line);
    if (c->sink->row(c->users, v, err) < 0)
        return -1;
    c->res->users++;
    return remember(c, dn, sam, nsam, CLASS_USER, err);

bad_time:
    return rg_fail(err, RG_ERR_INPUT,
                   "cannot read user '%s' from '%s': lastLogonTimestamp, "
                   "pwdLastSet or whenCreated is not a time AD writes",
                   dn, c->o->uri);
}

static int
on_computer(struct coll *c, LDAPMessage *e, const char *dn, struct rg_err *err)
{
    char sam[MAX_VALUE];
    size_t nsam;

    if (get1(c, e, "sAMAccountName", sam, sizeof(sam), &nsam, err) < 0)
        return -1;
    if (nsam == 0)
        return rg_fail(err, RG_ERR_INPUT,
                       "cannot read computer '%s' from '%s': it has no "
                       "sAMAccountName",
                       dn, c->o->uri);
    c->line++;
    c->res->computers++;
    return remember(c, dn, sam, nsam, CLASS_COMPUTER, err);
}

/* The name a group goes by in ad_group_members: sAMAccountName, else cn. */
static int
group_name(struct coll *c, LDAPMessage *e, const char *dn, char *name,
           size_t *len, struct rg_err *err)
{
    int r = get1(c, e, "sAMAccountName", name, MAX_VALUE, len, err);

    if (r == 0)
        r = get1(c, e, "cn", name, MAX_VALUE, len, err);
    if (r < 0)
        return -1;
    if (*len == 0)
        return rg_fail(err, RG_ERR_INPUT,
                       "cannot read group '%s' from '%s': it has no "
                       "sAMAccountName or cn",
                       dn, c->o->uri);
    return 0;
}

static int
on_group(struct coll *c, LDAPMessage *e, const char *dn, struct rg_err *err)
{
    static const char *const cols[] = { "name",        "distinguished_name",
                                        "admin_count", "privileged",
                                        "source_id",   "line" };
    char name[MAX_VALUE], ac[32];
    const char *pdn;
    size_t nname, nac;
    struct rg_value v[6];
    int privileged = 0;

    if (!c->groups &&
        !(c->groups = c->sink->table(c->sink->ctx, "ad_groups", cols, 6, err)))
        return -1;
    if (group_name(c, e, dn, name, &nname, err) < 0 ||
        get1(c, e, "adminCount", ac, sizeof(ac), &nac, err) < 0)
        return -1;
    c->line++;
    v[0] = rg_text(name, nname);
    if (!(pdn = pretty_dn(c, dn, err)))
        return -1;
    v[1] = rg_text(pdn, strlen(pdn));
    v[2] = rg_null();
    if (nac) {
        char *end;
        long long x;

        errno = 0;
        x = strtoll(ac, &end, 10);
        if (*end || errno || x < INT32_MIN || x > INT32_MAX)
            return rg_fail(err, RG_ERR_INPUT,
                           "cannot read group '%s' from '%s': adminCount "
                           "'%s' is not a number",
                           dn, c->o->uri, ac);
        v[2] = rg_int(x);
        privileged = x == 1;
    }
    for (size_t i = 0;
         i < sizeof(privileged_names) / sizeof(privileged_names[0]); i++)
        privileged |= rg_ascii_ieq(name, nname, privileged_names[i]);
    v[3] = rg_int(privileged);
    v[4] = rg_int(c->source);
    v[5] = rg_int(c->line);
    if (c->sink->row(c->groups, v, err) < 0)
        return -1;
    c->res->groups++;
    return remember(c, dn, name, nname, CLASS_GROUP, err);
}

int
rg_ldap_member_range(const char *attr, long long *first, long long *last)
{
    const char *p;
    char *end;

    if (strncasecmp(attr, "member", 6) != 0)
        return -1;
    if (attr[6] == '\0')
        return 0;
    if (strncasecmp(attr + 6, ";range=", 7) != 0)
        return -1;
    p = attr + 13;
    if (*p < '0' || *p > '9')
        return -1;
    errno = 0;
    *first = strtoll(p, &end, 10);
    if (errno || *end != '-')
        return -1;
    p = end + 1;
    if (p[0] == '*' && p[1] == '\0') {
        *last = -1;
        return 1;
    }
    if (*p < '0' || *p > '9')
        return -1;
    *last = strtoll(p, &end, 10);
    if (errno || *end || *last < *first)
        return -1;
    return 1;
}

/* Rows of ad_group_members for the member DNs v of group name. */
static int
add_members(struct coll *c, const char *name, size_t nname, struct berval **v,
            struct rg_err *err)
{
    static const char *const cols[] = { "group_name", "member", "member_class",
                                        "source_id", "line" };
    static const char *const dcols[] = { "source_id", "line", "column_name",
                                         "value", "expected" };
    static const char *const class_name[] = { "", "user", "group", "computer" };

    if (!c->members && !(c->members = c->sink->table(
                             c->sink->ctx, "ad_group_members", cols, 5, err)))
        return -1;
    for (size_t i = 0; v && v[i]; i++) {
        const struct rg_map_entry *m;
        struct rg_value row[5];
        char *key;

        c->line++;
        if (!(key = malloc(v[i]->bv_len + 1)))
            return rg_fail(err, RG_ERR_NOMEM, "out of memory");
        dn_key(v[i]->bv_val, v[i]->bv_len, key);
        m = rg_map_get(c->objs, key, v[i]->bv_len);
        free(key);
        if (!m) {
            /* contacts, foreign security principals, objects elsewhere */
            row[0] = rg_int(c->source);
            row[1] = rg_int(c->line);
            row[2] = rg_text("member", 6);
            row[3] = rg_text(v[i]->bv_val, v[i]->bv_len);
            row[4] = rg_text("user, group or computer", 23);
            if ((!c->dangling &&
                 !(c->dangling = c->sink->table(
                       c->sink->ctx, "dangling_reference", dcols, 5, err))) ||
                c->sink->row(c->dangling, row, err) < 0)
                return -1;
            c->ndangling++;
            c->res->dangling++;
            continue;
        }
        row[0] = rg_text(name, nname);
        row[1] = rg_text(c->names.p + m->value, strlen(c->names.p + m->value));
        row[2] = rg_text(class_name[m->kind], strlen(class_name[m->kind]));
        row[3] = rg_int(c->source);
        row[4] = rg_int(c->line);
        if (c->sink->row(c->members, row, err) < 0)
            return -1;
        c->res->members++;
    }
    return 0;
}

/*
 * The members of group dn from value next on, by AD's ranged retrieval:
 * a base search for "member;range=NEXT-*" answers with the next range,
 * "member;range=NEXT-LAST", or the final one, "member;range=NEXT-*". Each
 * answer goes into the page's LDIF as a record of its own.
 */
static int
more_members(struct coll *c, const char *dn, const char *name, size_t nname,
             long long next, struct rg_err *err)
{
    struct timeval tv = { c->o->timeout > 0 ? c->o->timeout : RG_LDAP_TIMEOUT,
                          0 };

    for (int round = 0;; round++) {
        char want[64];
        const char *attrs[2] = { want, NULL };
        LDAPMessage *res = NULL, *e;
        BerElement *ber = NULL;
        struct berval **v = NULL;
        long long first = 0, last = 0;
        char *a;
        int rc, found = 0, r = 0;

        if (round >= MAX_PAGES)
            return rg_fail(err, RG_ERR_LIMIT,
                           "cannot read the members of '%s' from '%s': over "
                           "%d ranges",
                           dn, c->o->uri, MAX_PAGES);
        snprintf(want, sizeof(want), "member;range=%lld-*", next);
        rc = ldap_search_ext_s(c->ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
                               (char **)attrs, 0, NULL, NULL, &tv, 1, &res);
        if (rc != LDAP_SUCCESS || !(e = ldap_first_entry(c->ld, res))) {
            ldap_msgfree(res);
            return ldap_fail(c, rc == LDAP_SUCCESS ? LDAP_NO_SUCH_OBJECT : rc,
                             "read the group members of", err);
        }
        if (ldif_entry(c, e, dn, err) < 0) {
            ldap_msgfree(res);
            return -1;
        }
        for (a = ldap_first_attribute(c->ld, e, &ber); a && !found;
             a = ldap_next_attribute(c->ld, e, ber)) {
            if (rg_ldap_member_range(a, &first, &last) == 1) {
                found = 1;
                v = ldap_get_values_len(c->ld, e, a);
            }
            ldap_memfree(a);
        }
        ldap_memfree(a);
        if (ber)
            ber_free(ber, 0);
        if (!found || first != next)
            r = rg_fail(err, RG_ERR_INPUT,
                        "cannot read the members of '%s' from '%s': asked "
                        "for the range from %lld, the server sent %s",
                        dn, c->o->uri, next, found ? "another" : "none");
        else
            r = add_members(c, name, nname, v, err);
        ldap_value_free_len(v);
        ldap_msgfree(res);
        if (r < 0)
            return -1;
        if (last == -1)
            return 0;
        next = last + 1;
    }
}

static int
on_members(struct coll *c, LDAPMessage *e, const char *dn, struct rg_err *err)
{
    char name[MAX_VALUE];
    size_t nname;
    BerElement *ber = NULL;
    char *a;
    int ret = 0;

    if (group_name(c, e, dn, name, &nname, err) < 0)
        return -1;
    /* "member", or AD's first range of it, "member;range=0-1499" */
    for (a = ldap_first_attribute(c->ld, e, &ber); a && ret == 0;
         a = ldap_next_attribute(c->ld, e, ber)) {
        long long first = 0, last = -1;
        int r = rg_ldap_member_range(a, &first, &last);

        if (r >= 0) {
            struct berval **v = ldap_get_values_len(c->ld, e, a);

            ret = add_members(c, name, nname, v, err);
            ldap_value_free_len(v);
            if (ret == 0 && r == 1 && last != -1)
                ret = more_members(c, dn, name, nname, last + 1, err);
        }
        ldap_memfree(a);
    }
    ldap_memfree(a);
    if (ber)
        ber_free(ber, 0);
    return ret;
}

/* ---------------------------------------------------------------- connect */

/* The password: a file only its owner may read, one line. */
static int
read_password(const char *file, char **pw, size_t *len, struct rg_err *err)
{
    struct stat sb;

    if (!file)
        return rg_fail(err, RG_ERR_USAGE,
                       "--ldap needs --ldap-password-file FILE");
    if (stat(file, &sb) != 0)
        return rg_fail(err, RG_ERR_IO, "cannot open password file '%s': %s",
                       file, strerror(errno));
    if (sb.st_mode & (S_IRWXG | S_IRWXO))
        return rg_fail(err, RG_ERR_INPUT,
                       "password file '%s' may be read by others (mode "
                       "%03o): chmod 600 it",
                       file, (unsigned)(sb.st_mode & 0777));
    if (rg_read_file(file, MAX_PASSWORD, "password file", pw, len, err) < 0)
        return -1;
    while (*len > 0 && ((*pw)[*len - 1] == '\n' || (*pw)[*len - 1] == '\r'))
        (*pw)[--*len] = '\0';
    if (*len == 0) {
        free(*pw);
        *pw = NULL;
        /* an empty password is an unauthenticated bind (RFC 4513 5.1.2):
           it "succeeds" without checking anything */
        return rg_fail(err, RG_ERR_INPUT, "password file '%s' is empty", file);
    }
    return 0;
}

static int
connect_bind(struct coll *c, struct rg_err *err)
{
    const struct rg_ldap_opts *o = c->o;
    struct timeval tv = { o->timeout > 0 ? o->timeout : RG_LDAP_TIMEOUT, 0 };
    struct berval cred;
    char *pw = NULL;
    size_t pwlen = 0;
    int v3 = LDAP_VERSION3, rc, r, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;
    const char *cafile;
    char *gfile = NULL, *gdir = NULL;

    if (read_password(o->password_file, &pw, &pwlen, err) < 0)
        return -1;
    if ((rc = ldap_initialize(&c->ld, o->uri)) != LDAP_SUCCESS) {
        rg_fail(err, RG_ERR_USAGE, "cannot use LDAP URI '%s': %s", o->uri,
                ldap_err2string(rc));
        goto fail;
    }
    if (ldap_set_option(c->ld, LDAP_OPT_PROTOCOL_VERSION, &v3) !=
            LDAP_OPT_SUCCESS ||
        ldap_set_option(c->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) !=
            LDAP_OPT_SUCCESS ||
        ldap_set_option(c->ld, LDAP_OPT_RESTART, LDAP_OPT_ON) !=
            LDAP_OPT_SUCCESS ||
        ldap_set_option(c->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) !=
            LDAP_OPT_SUCCESS ||
        ldap_set_option(c->ld, LDAP_OPT_TIMEOUT, &tv) != LDAP_OPT_SUCCESS) {
        rg_fail(err, RG_ERR_IO, "cannot set the options of '%s'", o->uri);
        goto fail;
    }
    /*
     * TLS: the certificate must verify whatever ldap.conf says (TLS_REQCERT
     * never is common), against --ca-bundle, else the CAs libldap was
     * given (LDAPTLS_CACERT, ldap.conf). A new handle starts with no CA
     * names of its own, only the global context: copy them in, then make
     * the handle's own context.
     */
    if (o->ca_bundle) {
        cafile = o->ca_bundle;
    } else {
        ldap_get_option(NULL, LDAP_OPT_X_TLS_CACERTFILE, &gfile);
        ldap_get_option(NULL, LDAP_OPT_X_TLS_CACERTDIR, &gdir);
        cafile = gfile;
    }
    r = ldap_set_option(c->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
    if (r == LDAP_OPT_SUCCESS && cafile)
        r = ldap_set_option(c->ld, LDAP_OPT_X_TLS_CACERTFILE, cafile);
    if (r == LDAP_OPT_SUCCESS && gdir)
        r = ldap_set_option(c->ld, LDAP_OPT_X_TLS_CACERTDIR, gdir);
    if (r == LDAP_OPT_SUCCESS)
        r = ldap_set_option(c->ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
    ldap_memfree(gfile);
    ldap_memfree(gdir);
    if (r != LDAP_OPT_SUCCESS) {
        rg_fail(err, RG_ERR_IO, "cannot set up TLS for '%s'%s%s%s", o->uri,
                o->ca_bundle ? " with CA file '" : "",
                o->ca_bundle ? o->ca_bundle : "", o->ca_bundle ? "'" : "");
        goto fail;
    }
    cred.bv_val = pw;
    cred.bv_len = pwlen;
    rc = ldap_sasl_bind_s(c->ld, o->bind_dn, LDAP_SASL_SIMPLE, &cred, NULL,
                          NULL, NULL);
    explicit_bzero(pw, pwlen);
    free(pw);
    pw = NULL;
    if (rc != LDAP_SUCCESS) {
        char *diag = NULL;

        ldap_get_option(c->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
        if (diag && diag[0] == '(') /* libldap's "(unknown error code)" */
            diag[0] = '\0';
        rg_fail(err, RG_ERR_IO, "cannot bind to '%s' as '%s': %s%s%s%s%s",
                o->uri, o->bind_dn, ldap_err2string(rc),
                diag && *diag ? " (" : "", diag && *diag ? diag : "",
                diag && *diag ? ")" : "",
                rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR
                    ? (strncmp(o->uri, "ldaps:", 6) == 0
                           ? " (is the host and port right, and is its "
                             "certificate trusted (--ca-bundle) and for "
                             "that host name?)"
                           : " (is the host and port right?)")
                    : "");
        ldap_memfree(diag);
        return -1;
    }
    return 0;

fail:
    if (pw) {
        explicit_bzero(pw, pwlen);
        free(pw);
    }
    return -1;
}

/* ------------------------------------------------------------------ public */

int
rg_ldap_collect(const struct rg_ldap_opts *o, struct rg_row_sink *sink,
                struct rg_ldap_result *res, struct rg_err *err)
{
    static const char *const user_attrs[] = {
        "sAMAccountName",     "userPrincipalName",
        "userAccountControl", "employeeID",
        "lastLogonTimestamp", "pwdLastSet",
        "whenCreated",        NULL
    };
    static const char *const computer_attrs[] = { "sAMAccountName", NULL };
    static const char *const group_attrs[] = { "sAMAccountName", "cn",
                                               "adminCount", NULL };
    static const char *const member_attrs[] = { "sAMAccountName", "cn",
                                                "member", NULL };
    struct coll c;
    int ret = -1;

    memset(res, 0, sizeof(*res));
    memset(&c, 0, sizeof(c));
    c.o = o;
    c.sink = sink;
    c.res = res;
    c.names.max = SIZE_MAX / 2;
    c.page.max = MAX_PAGE_LDIF;
    c.dn.max = SIZE_MAX / 2;
    if (!o->uri || !o->bind_dn || !o->base)
        return rg_fail(err, RG_ERR_USAGE,
                       "--ldap needs --ldap-bind-dn DN and --ldap-base DN");
    if (!(c.objs = rg_map_new()))
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    if (connect_bind(&c, err) < 0 ||
        search(&c, "ad_users", "read the users of",
               "(&(objectClass=user)(!(objectClass=computer)))", user_attrs,
               on_user, err) < 0 ||
        search(&c, "ad_computers", "read the computers of",
               "(objectClass=computer)", computer_attrs, on_computer,
               err) < 0 ||
        search(&c, "ad_groups", "read the groups of", "(objectClass=group)",
               group_attrs, on_group, err) < 0 ||
        search(&c, "ad_group_members", "read the group members of",
               "(&(objectClass=group)(member=*))", member_attrs, on_members,
               err) < 0)
        goto done;
    if (res->dangling && o->warn) {
        char msg[300];

        snprintf(msg, sizeof(msg),
                 "%lld members of groups in '%s' name no user, group or "
                 "computer read (contacts, foreign security principals or "
                 "objects outside the base): kept in dangling_reference",
                 (long long)res->dangling, o->uri);
        o->warn(o->warn_ctx, msg);
    }
    ret = 0;
done:
    sink->table_free(c.raw);
    sink->table_free(c.users);
    sink->table_free(c.groups);
    sink->table_free(c.members);
    sink->table_free(c.dangling);
    if (c.ld)
        ldap_unbind_ext_s(c.ld, NULL, NULL);
    rg_map_free(c.objs);
    free(c.names.p);
    free(c.page.p);
    free(c.dn.p);
    ldap_memfree(c.locator);
    return ret;
}
