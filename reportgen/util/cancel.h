/*
 * cancel.h - stopping a long command cleanly on SIGINT, SIGTERM or SIGHUP.
 *
 * A signal handler may not remove a half-written pack folder, so while
 * rg_cancel_install() is in force the handler only records the signal.
 * Long loops ask rg_cancelled() and fail ("interrupted") through their
 * normal error path, which removes what they wrote; the command layer then
 * calls rg_cancel_reraise(), so the process still ends by the signal. A
 * second signal ends the process at once.
 */
#ifndef RG_CANCEL_H
#define RG_CANCEL_H

#include "err.h"

void rg_cancel_install(void);
/* Back to the default actions; the recorded signal is kept. */
void rg_cancel_restore(void);
/* The signal caught, or 0. */
int rg_cancelled(void);
/* Fails with "interrupted by signal N" when one was caught; else 0. */
int rg_cancel_check(struct rg_err *err);
/* Ends the process by the caught signal, if there was one. */
void rg_cancel_reraise(void);

#endif
