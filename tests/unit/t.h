/*
 * t.h - the unit test harness, in the manner of redis' testhelp.h.
 *
 * Each check counts as passed or failed; a failure prints where and what.
 * T_REPORT() prints "N passed, N failed", the line tests/run-all.sh adds
 * up, and gives the exit status.
 */
#ifndef RG_T_H
#define RG_T_H

#include <stdio.h>
#include <string.h>

static int t_passed, t_failed;

#define T_CHECK(cond)                                                          \
    do {                                                                       \
        if (cond) {                                                            \
            t_passed++;                                                        \
        } else {                                                               \
            t_failed++;                                                        \
            fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                      \
    } while (0)

#define T_STREQ(got, want)                                                     \
    do {                                                                       \
        const char *t_g = (got), *t_w = (want);                                \
        if (t_g && t_w && strcmp(t_g, t_w) == 0) {                             \
            t_passed++;                                                        \
        } else {                                                               \
            t_failed++;                                                        \
            fprintf(stderr, "%s:%d: failed: %s\n  got:  %s\n  want: %s\n",     \
                    __FILE__, __LINE__, #got, t_g ? t_g : "(null)",            \
                    t_w ? t_w : "(null)");                                     \
        }                                                                      \
    } while (0)

#define T_REPORT()                                                             \
    (printf("%d passed, %d failed\n", t_passed, t_failed), t_failed ? 1 : 0)

#endif
