/*
 * graphauth.h - access tokens for Microsoft Graph from the Microsoft
 * identity platform (OAuth 2.0 client credentials).
 *
 * Two credentials: a client secret (read from a file that others may not
 * read, or REPORTGEN_CLIENT_SECRET), or a certificate, proven by a JWT
 * client assertion signed with its RSA key (header x5t#S256, alg PS256 or
 * RS256; claims aud = the token URL, iss = sub = the client id, jti, nbf,
 * iat, exp ten minutes ahead). The secret, the key and every token are
 * kept in memory only, cleansed when freed, and never put in a message.
 */
#ifndef RG_GRAPHAUTH_H
#define RG_GRAPHAUTH_H

#include <stddef.h>
#include <time.h>

#include "../util/err.h"

struct rg_graphauth_opts {
    const char *login_url; /* https://login.microsoftonline.com */
    const char *tenant;    /* id or domain */
    const char *client_id;
    const char *secret_file;            /* or REPORTGEN_CLIENT_SECRET */
    const char *cert, *key, *pass_file; /* certificate credential */
    const char *alg;                    /* "PS256" (default) or "RS256" */
    const char *scope;     /* https://graph.microsoft.com/.default */
    const char *ca_bundle; /* NULL: the system's */
};

struct rg_graphauth;

/* Reads the credential; fails (RG_ERR_INPUT) on a readable-by-all secret. */
struct rg_graphauth *rg_graphauth_new(const struct rg_graphauth_opts *o,
                                      struct rg_err *err);
void rg_graphauth_free(struct rg_graphauth *a); /* NULL-safe */

/*
 * The "Authorization: Bearer ..." header, fetching a token when there is
 * none, it expires within five minutes, or refresh is set. The string is
 * valid until the next call.
 */
int rg_graphauth_header(struct rg_graphauth *a, int refresh,
                        const char **header, struct rg_err *err);

/* Tokens fetched so far. */
int rg_graphauth_count(const struct rg_graphauth *a);

/*
 * Reads a token endpoint's JSON answer: the token and its lifetime, or the
 * error and its description (what Entra explains). For tests and fuzzing.
 * Returns 0 with *token set (malloc()), or -1 with err naming the error.
 */
int rg_graphauth_parse(const char *body, size_t len, long status, char **token,
                       long *expires_in, struct rg_err *err);

#endif
