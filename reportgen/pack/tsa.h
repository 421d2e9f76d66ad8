/*
 * tsa.h - RFC 3161 timestamps: asking a timestamp authority over HTTP
 * (libcurl) and checking the token it gives.
 *
 * The request carries the SHA-256 of the data, a random 64-bit nonce and
 * asks for the TSA's certificate. The response is kept whole (a
 * TimeStampResp, what `openssl ts -verify -in` reads).
 */
#ifndef RG_TSA_H
#define RG_TSA_H

#include <stddef.h>

#include "../util/err.h"

/*
 * Timestamps data at url, waiting at most timeout seconds per attempt (0:
 * 60): POSTs the request as application/timestamp-query,
 * retries 429/502/503/504 and connection failures a few times (honouring
 * Retry-After up to 10 s), and checks the answer before it is returned:
 * status granted, the same nonce, the same message imprint. *resp (from
 * malloc()) receives the DER response. Messages name the URL without any
 * user name or password in it.
 */
int rg_tsa_stamp(const char *url, const void *data, size_t len, long timeout,
                 unsigned char **resp, size_t *resplen, struct rg_err *err);

/* What checking a timestamp response found. */
struct rg_tsa_check {
    int valid;         /* 1: granted, well-formed, over exactly the data */
    int signer;        /* 1 TSA verified, 0 failed, -1 not checked */
    char gen_time[32]; /* "YYYY-MM-DDTHH:MM:SSZ" (fractions dropped) */
    long long gen_epoch;
    char tsa[256];   /* the TSA certificate's subject */
    char policy[64]; /* the policy OID */
    char why[256];   /* what failed */
};

/*
 * Checks a stored response against data; ca_file (may be NULL) holds the
 * TSA's trusted roots. Returns -1 only when ca_file cannot be read.
 */
int rg_tsa_check(const unsigned char *resp, size_t resplen, const void *data,
                 size_t len, const char *ca_file, struct rg_tsa_check *res,
                 struct rg_err *err);

/* url with "user:password@" removed, for messages. */
void rg_url_redact(const char *url, char *out, size_t outsz);

#endif
