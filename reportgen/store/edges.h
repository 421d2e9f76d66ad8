/*
 * edges.h - memberships and ownerships held in memory until the snapshot is
 * sealed, then written in key order (internal to the store).
 *
 * An edge is two object keys and where it came from. Sorting them ourselves
 * (a radix sort, a few tens of milliseconds for millions) lets SQLite append
 * them to a table clustered on the key, instead of inserting at random
 * places or building a unique index afterwards; duplicates show up as
 * neighbours. The cost is 16 bytes of memory per edge until the seal.
 */
#ifndef RG_EDGES_H
#define RG_EDGES_H

#include <stddef.h>
#include <stdint.h>

struct rg_edge {
    uint64_t key; /* from << 32 | to */
    uint32_t src; /* source id */
    uint32_t line;
};

struct rg_edges {
    struct rg_edge *v; /* owned */
    size_t n, cap;
};

/*
 * Adds an edge. Returns 0, -1 when out of memory, or -2 when a value does
 * not fit (keys and source ids above 2^32 - 1, lines above 2^32 - 1).
 */
int rg_edges_add(struct rg_edges *e, int64_t from, int64_t to, int64_t src,
                 int64_t line);

/* Sorts by key, keeping the order of equal keys (stable). Returns 0 or -1. */
int rg_edges_sort(struct rg_edges *e);

/*
 * In sorted edges, the duplicate whose later occurrence comes first in the
 * input (by source, then line): sets *first and *second to their indexes and
 * returns 1, or returns 0 when every key is unique.
 */
int rg_edges_duplicate(const struct rg_edges *e, size_t *first, size_t *second);

void rg_edges_release(struct rg_edges *e);

#endif
