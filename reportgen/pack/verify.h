/*
 * verify.h - checking an evidence pack with nothing but the pack and the
 * certificates of those the reader trusts.
 *
 * rg_verify_pack() checks the bag (its declaration, both manifests, the
 * Payload-Oxum, no file missing, changed or added), the CMS signature over
 * the tag manifest and its signer's chain, the RFC 3161 timestamp over the
 * signature, and the signature inside each PDF. Every check becomes one
 * struct rg_check; the command prints them and a verdict. Strings in the
 * result are owned by it and freed by rg_verify_release().
 */
#ifndef RG_VERIFY_H
#define RG_VERIFY_H

#include <stddef.h>

#include "../util/err.h"

enum rg_check_result {
    RG_CHECK_OK,   /* holds */
    RG_CHECK_FAIL, /* the pack is not what it claims */
    RG_CHECK_NOTE  /* nothing is wrong, but something was not checked */
};

struct rg_check {
    enum rg_check_result result;
    char *what;   /* a file or "signature", "timestamp" */
    char *detail; /* one line */
};

struct rg_verify_opts {
    const char *ca;     /* roots for the signer; NULL: not verified */
    const char *tsa_ca; /* roots for the timestamp authority; NULL: not
                           verified, and its time not relied on */
};

struct rg_verify {
    struct rg_check *c;
    size_t n, cap;
    size_t failed;    /* checks that failed */
    int is_signed;    /* a .p7s is present */
    int signer_ok;    /* its chain was verified against the CA */
    int timestamped;  /* a valid .tsr covers the signature */
    int tsa_ok;       /* the TSA was verified against its CA */
    char signer[256]; /* subject of the signer */
    char stamp[32];   /* the timestamp's time */
    char verdict[512];
};

/*
 * Checks the pack in dir. Returns 0 with the findings in v (v->failed > 0:
 * the pack is not what it claims), or -1 when it cannot check at all: dir
 * is not a folder, a CA file cannot be read, a file cannot be read for a
 * reason other than its absence, or memory runs out.
 */
int rg_verify_pack(const char *dir, const struct rg_verify_opts *o,
                   struct rg_verify *v, struct rg_err *err);
void rg_verify_release(struct rg_verify *v);

#endif
