/*
 * fs.c - file helpers (see fs.h).
 */
#define _XOPEN_SOURCE 700 /* nftw() */
#include "fs.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
rg_read_file(const char *path, size_t max, const char *what, char **buf,
             size_t *len, struct rg_err *err)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    size_t n;

    *buf = NULL;
    if (!f)
        return rg_fail(err, RG_ERR_IO, "cannot open %s '%s': %s", what, path,
                       strerror(errno));
    if (!(b = malloc(max + 1))) {
        fclose(f);
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    }
    n = fread(b, 1, max + 1, f);
    if (ferror(f)) {
        int e = errno;

        fclose(f);
        free(b);
        return rg_fail(err, RG_ERR_IO, "cannot read %s '%s': %s", what, path,
                       strerror(e));
    }
    fclose(f);
    if (n > max) {
        free(b);
        return rg_fail(err, RG_ERR_LIMIT, "%s '%s' is larger than %zu bytes",
                       what, path, max);
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
}

static int
remove_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb, (void)type, (void)ftw;
    remove(path);
    return 0;
}

void
rg_rmtree(const char *path)
{
    nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
rg_mkdirs_for(const char *path, struct rg_err *err)
{
    char *p = strdup(path);

    if (!p)
        return rg_fail(err, RG_ERR_NOMEM, "out of memory");
    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            rg_fail(err, RG_ERR_IO, "cannot create folder '%s': %s", p,
                    strerror(errno));
            free(p);
            return -1;
        }
        *s = '/';
    }
    free(p);
    return 0;
}

int
rg_is_dir(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int
rg_pathf(struct rg_err *err, char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size)
        return rg_fail(err, RG_ERR_LIMIT, "path too long: '%.60s...'", buf);
    return 0;
}

int
rg_write_file(const char *path, const void *data, size_t len,
              struct rg_err *err)
{
    FILE *f = fopen(path, "wb");
    int bad;

    if (!f)
        return rg_fail(err, RG_ERR_IO, "cannot create '%s': %s", path,
                       strerror(errno));
    bad = fwrite(data, 1, len, f) != len;
    if (fclose(f) != 0 || bad)
        return rg_fail(err, RG_ERR_IO, "cannot write '%s': %s", path,
                       strerror(errno));
    return 0;
}
