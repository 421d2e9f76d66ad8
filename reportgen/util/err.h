/*
 * err.h - how every module reports failure.
 *
 * A fallible function returns -1 (or NULL) and fills the caller's struct
 * rg_err. Only the first failure is kept: later calls to rg_fail() on an
 * error that is already set change nothing, so the message names the root
 * cause, not its consequences. Modules never print and never exit; the
 * command layer turns rg_err into a message and an exit code
 * (rg_err_exit_code(), documented in docs/exit-codes.md).
 */
#ifndef RG_ERR_H
#define RG_ERR_H

#include <stddef.h>

enum rg_code {
    RG_OK = 0,
    RG_ERR_USAGE,   /* bad option or argument: exit 2 */
    RG_ERR_VERIFY,  /* evidence is not what it claims: exit 1 */
    RG_ERR_IO,      /* a file could not be read or written */
    RG_ERR_INPUT,   /* an input file is malformed */
    RG_ERR_DB,      /* SQLite failed */
    RG_ERR_NOMEM,   /* out of memory */
    RG_ERR_LIMIT,   /* input exceeds a hard limit */
    RG_ERR_EXISTS,  /* an output already exists */
    RG_ERR_INTERNAL /* a bug in reportgen */
};

struct rg_err {
    enum rg_code code; /* RG_OK until the first failure */
    char msg[512];     /* "what failed: why", no trailing newline */
};

/* Clears err to RG_OK. */
void rg_err_init(struct rg_err *err);

/*
 * Records a failure and returns -1, so `return rg_fail(err, ...)` reads like
 * git's `return error(...)`. Keeps the first failure only. err may be NULL.
 */
int rg_fail(struct rg_err *err, enum rg_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Formats a warning and hands it to fn(ctx, msg), the collectors' warning
 * callback; nothing when fn is NULL. Messages are cut at 600 bytes.
 */
void rg_warnf(void (*fn)(void *ctx, const char *msg), void *ctx,
              const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The process exit code for a failure: 1 verify, 2 usage, 3 the rest. */
int rg_err_exit_code(const struct rg_err *err);

/*
 * Writes a short, printable rendering of untrusted bytes into out (at most
 * outsz - 1 bytes): valid UTF-8 is kept, control bytes and bytes of invalid
 * UTF-8 become \xNN, and the text is cut to 40 characters with "...".
 * For quoting input values in error messages.
 */
void rg_err_quote(char *out, size_t outsz, const char *s, size_t len);

#endif
