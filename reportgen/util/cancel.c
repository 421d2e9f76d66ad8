/*
 * cancel.c - recording SIGINT, SIGTERM and SIGHUP (see cancel.h).
 */
#include "cancel.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t caught;
static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

static void
on_signal(int sig)
{
    if (caught) { /* asked twice: stop now */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    caught = sig;
}

void
rg_cancel_install(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &sa, NULL);
}

void
rg_cancel_restore(void)
{
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        signal(sigs[i], SIG_DFL);
}

int
rg_cancelled(void)
{
    return caught;
}

int
rg_cancel_check(struct rg_err *err)
{
    if (!caught)
        return 0;
    return rg_fail(err, RG_ERR_IO, "interrupted by signal %d", (int)caught);
}

void
rg_cancel_reraise(void)
{
    int sig = caught;

    if (!sig)
        return;
    signal(sig, SIG_DFL);
    raise(sig);
}
