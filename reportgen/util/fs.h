/*
 * fs.h - small file system helpers for the command layer and modules.
 */
#ifndef RG_FS_H
#define RG_FS_H

#include <stddef.h>

#include "err.h"

/*
 * Reads the whole file at path into *buf (from malloc(), NUL-terminated) and
 * its length into *len. Fails with RG_ERR_LIMIT above max bytes. what names
 * the file's role in messages ("query", "template").
 */
int rg_read_file(const char *path, size_t max, const char *what, char **buf,
                 size_t *len, struct rg_err *err);

/* Removes path and everything below it; best effort, never follows links. */
void rg_rmtree(const char *path);

/* Creates the folders of path's parent chain below an existing root. */
int rg_mkdirs_for(const char *path, struct rg_err *err);

/*
 * Formats a path into buf; fails (RG_ERR_LIMIT) rather than cut it short.
 */
int rg_pathf(struct rg_err *err, char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes len bytes to path, replacing it; names path on failure. */
int rg_write_file(const char *path, const void *data, size_t len,
                  struct rg_err *err);

/* 1 when path is a folder. */
int rg_is_dir(const char *path);

#endif
