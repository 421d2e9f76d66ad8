/*
 * bag.h - BagIt 1.0 bags (RFC 8493): writing the tag files of a folder
 * whose payload is under data/, and reading them back for `verify`.
 *
 * A bag written here holds bagit.txt, bag-info.txt, manifest-sha256.txt
 * (every payload file, sorted by path) and tagmanifest-sha256.txt (the
 * three tag files and any extra ones named by the caller). Paths in the
 * manifests are percent-encoded as RFC 8493 section 2.1.3 requires: %, LF
 * and CR only.
 *
 * The parsers take untrusted bytes and never trust a length or a path:
 * they are fuzzed (tests/fuzz/fuzz_bag.c). Strings they return are owned
 * by the struct that holds them and freed by its _release().
 */
#ifndef RG_BAG_H
#define RG_BAG_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"
#include "../util/sha256.h"

#define RG_BAGIT_TXT "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"

/* A line of bag-info.txt; both strings borrowed when writing. */
struct rg_bag_label {
    const char *label, *value;
};

/*
 * Writes the tag files of the bag in dir: hashes every regular file below
 * dir/data (a link or other special file there is an error), then writes
 * manifest-sha256.txt, bagit.txt, bag-info.txt (labels, then Payload-Oxum)
 * and tagmanifest-sha256.txt. extra_tags names further tag files already in
 * dir that the tag manifest covers (may be NULL). Returns 0 or -1.
 */
int rg_bag_write(const char *dir, const struct rg_bag_label *labels,
                 size_t nlabels, const char *const *extra_tags, size_t nextra,
                 struct rg_err *err);

struct stat;
typedef int (*rg_bag_walk_fn)(void *ctx, const char *rel, const struct stat *sb,
                              struct rg_err *err);

/*
 * Calls fn with every file, link or other non-folder below dir/data, and
 * every empty folder, with its path relative to dir ("data/extracts/a.csv")
 * and its lstat(). Links are never followed: when data itself is not a
 * folder, fn gets "data" alone.
 */
int rg_bag_walk(const char *dir, rg_bag_walk_fn fn, void *ctx,
                struct rg_err *err);

/* One line of a manifest. */
struct rg_manifest_entry {
    char *path;              /* decoded, relative to the bag */
    char hex[RG_SHA256_HEX]; /* lowercase */
    size_t line;             /* 1-based, for messages */
};

struct rg_manifest {
    struct rg_manifest_entry *e;
    size_t n;
};

/*
 * Parses a SHA-256 manifest; name is its file name, for messages. A payload
 * manifest (payload set) may list only paths below data/, a tag manifest
 * only paths outside it. Refuses absolute paths, "." and ".." components,
 * empty components, duplicate paths and malformed digests, naming the line.
 * Entries come out in file order.
 */
int rg_bag_parse_manifest(const char *name, const char *buf, size_t len,
                          int payload, struct rg_manifest *m,
                          struct rg_err *err);
void rg_manifest_release(struct rg_manifest *m);

/* The lines of bag-info.txt, with continuation lines folded in. */
struct rg_bag_info {
    struct rg_bag_label *l; /* owned strings */
    size_t n;
};

int rg_bag_parse_info(const char *buf, size_t len, struct rg_bag_info *info,
                      struct rg_err *err);
void rg_bag_info_release(struct rg_bag_info *info);

/* The value of the first line with label, or NULL. */
const char *rg_bag_info_get(const struct rg_bag_info *info, const char *label);

/* Reads "octets.count" of Payload-Oxum; returns 0 or -1. */
int rg_bag_parse_oxum(const char *s, uint64_t *octets, uint64_t *count);

/* Encodes a path for a manifest (%, LF, CR); returns a malloc()ed string. */
char *rg_bag_encode_path(const char *path);

#endif
