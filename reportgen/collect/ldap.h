/*
 * ldap.h - the Active Directory collector: users, groups and group members
 * read over LDAP (OpenLDAP's libldap), into the same tables as the
 * ad_users.csv and ad_group_members.csv exports, plus ad_groups.
 *
 * It binds with a simple bind (the password from a file only its owner may
 * read), then makes four paged searches (RFC 2696) under the base: users,
 * computers, groups, and the members of groups. Member DNs are resolved to
 * the sAMAccountName of the user, group or computer they name; nesting is
 * kept as group-in-group rows, which the queries walk. docs/ldap.md says
 * what is read and how each attribute is mapped.
 *
 * Every page of entries is kept in raw_page as LDIF text (RFC 2849), and
 * each search is a source row whose SHA-256 is that of its LDIF.
 *
 * Strings passed in are borrowed for the duration of the call. Nothing here
 * prints; the password never reaches an error message or the snapshot.
 */
#ifndef RG_LDAP_H
#define RG_LDAP_H

#include <stdint.h>

#include "../util/err.h"
#include "../util/rows.h"

#define RG_LDAP_PAGE_SIZE 500 /* entries per page unless told */
#define RG_LDAP_TIMEOUT 60    /* seconds per request unless told */

struct rg_ldap_opts {
    const char *uri;           /* ldaps://host[:port] (ldap:// to loopback) */
    const char *bind_dn;       /* the account to bind as */
    const char *password_file; /* its password; mode 600 */
    const char *base;          /* the subtree to read */
    const char *ca_bundle;     /* PEM CA file, or NULL: libldap's default */
    const char *now;           /* UTC ISO 8601: raw_page.fetched_at */
    int page_size;             /* 1 to 1000; 0: RG_LDAP_PAGE_SIZE */
    int timeout;               /* seconds per request; 0: RG_LDAP_TIMEOUT */
    int keep_raw;              /* keep the LDIF of each page in raw_page */
    /* Called for each warning (e.g. unresolved members); may be NULL. */
    void (*warn)(void *ctx, const char *msg);
    void *warn_ctx;
};

struct rg_ldap_result {
    int64_t users, computers, groups, members; /* rows (computers: seen) */
    int64_t dangling; /* member DNs that name nothing read */
    int64_t pages;    /* pages of entries received */
};

/*
 * Reads the directory at o->uri into sink. Returns 0, or -1 with err set
 * (nothing is left half-read: the caller discards the snapshot).
 */
int rg_ldap_collect(const struct rg_ldap_opts *o, struct rg_row_sink *sink,
                    struct rg_ldap_result *res, struct rg_err *err);

/*
 * Conversions, exposed for tests. A Windows FILETIME (100 ns ticks since
 * 1601-01-01 UTC, as decimal text) to "YYYY-MM-DDTHH:MM:SSZ": returns 1,
 * 0 for "never" (0 or the largest value), -1 when s is not such a number.
 */
int rg_ldap_filetime(const char *s, size_t len, char out[21]);

/*
 * An LDAP GeneralizedTime as AD writes it ("20190401090000.0Z") to
 * "YYYY-MM-DDTHH:MM:SSZ". Returns 0, or -1.
 */
int rg_ldap_gentime(const char *s, size_t len, char out[21]);

/*
 * The DN as AD writes it: attribute types in capitals ("CN=...,OU=...,
 * DC=..."), values as received (escapes and quotes respected). Types are
 * case-insensitive (RFC 4514) and servers differ (slapd writes "cn="): one
 * form keeps distinguished_name comparable with Get-ADUser's export. out
 * has room for strlen(dn) + 1 bytes.
 */
void rg_ldap_dn_pretty(const char *dn, char *out);

/*
 * An attribute name as AD's ranged retrieval writes it: returns 0 for
 * "member", 1 for "member;range=FIRST-LAST" (*last -1 for "*", the final
 * range), -1 for anything else.
 */
int rg_ldap_member_range(const char *attr, long long *first, long long *last);

#endif
