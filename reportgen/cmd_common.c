/*
 * cmd_common.c - helpers shared by the commands (see cmd.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"

#ifndef RG_DATADIR
#define RG_DATADIR "/usr/local/share/reportgen"
#endif

int
rg_cmd_report(const struct rg_err *err)
{
    fprintf(stderr, "reportgen: %s\n", err->msg);
    return rg_err_exit_code(err);
}

int
rg_cmd_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fputs("reportgen: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'reportgen help %s')\n", cmd);
    return RG_EXIT_USAGE;
}

int
rg_cmd_now(char out[RG_ISO_TIME_LEN], struct rg_err *err)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    long long secs;

    if (sde && *sde) {
        char *end;

        errno = 0;
        secs = strtoll(sde, &end, 10);
        if (errno || *end || secs < 0)
            return rg_fail(err, RG_ERR_USAGE,
                           "SOURCE_DATE_EPOCH must be a number of seconds, "
                           "not '%s'",
                           sde);
    } else {
        secs = (long long)time(NULL);
    }
    rg_unix_to_iso(secs, out);
    return 0;
}

int
rg_cmd_parse_time(const char *opt, const char *s, char out[RG_ISO_TIME_LEN],
                  struct rg_err *err)
{
    struct rg_tm tm;

    if (rg_tm_parse_iso(s, strlen(s), &tm) < 0 ||
        (tm.has_time && !tm.has_zone) || !rg_unix_in_range(rg_tm_to_unix(&tm)))
        return rg_fail(err, RG_ERR_USAGE,
                       "bad %s '%s': expected an ISO 8601 time with a zone "
                       "(2026-10-31T23:00:00Z) or a date (2026-10-31)",
                       opt, s);
    rg_unix_to_iso(rg_tm_to_unix(&tm), out);
    return 0;
}

/*
 * REPORTGEN_DATADIR, else <the executable's folder>/../share/reportgen when
 * it exists (so `make install PREFIX=...` works without a rebuild), else the
 * folder compiled in.
 */
const char *
rg_cmd_datadir(void)
{
    static char dir[4096];
    const char *d = getenv("REPORTGEN_DATADIR");
    ssize_t n;
    char *slash;

    if (d && *d)
        return d;
    n = readlink("/proc/self/exe", dir, sizeof(dir) - 32);
    if (n > 0) {
        dir[n] = '\0';
        if ((slash = strrchr(dir, '/'))) {
            memcpy(slash, "/../share/reportgen", sizeof("/../share/reportgen"));
            if (access(dir, F_OK) == 0)
                return dir;
        }
    }
    return RG_DATADIR;
}

static char cleanup_path[4096];

static void
on_fatal_signal(int sig)
{
    if (cleanup_path[0])
        unlink(cleanup_path);
    signal(sig, SIG_DFL);
    raise(sig);
}

void
rg_cmd_cleanup_on_signal(const char *path)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

    if (!path || strlen(path) >= sizeof(cleanup_path)) {
        cleanup_path[0] = '\0';
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
            signal(sigs[i], SIG_DFL);
        return;
    }
    memcpy(cleanup_path, path, strlen(path) + 1);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        signal(sigs[i], on_fatal_signal);
}
