/*
 * map.h - a hash map from byte strings to small records, for resolving the
 * ids of a snapshot (GUIDs, employee ids) while it is loaded.
 *
 * Keys are copied into the map. Entries returned by rg_map_get() and
 * rg_map_put() are owned by the map and stay valid until rg_map_free()
 * (they are never moved). Not thread-safe.
 */
#ifndef RG_MAP_H
#define RG_MAP_H

#include <stddef.h>
#include <stdint.h>

struct rg_map_entry {
    const char *key; /* owned by the map, NUL-terminated */
    size_t len;
    int kind;      /* caller's tag, e.g. which entity the id names */
    int src;       /* caller's tag, e.g. the source the id came from */
    int64_t value; /* caller's value, e.g. the row key */
    int64_t line;  /* where the key was defined */
};

struct rg_map;

struct rg_map *rg_map_new(void);
void rg_map_free(struct rg_map *m); /* NULL-safe */

/* The entry for key, or NULL. */
const struct rg_map_entry *rg_map_get(const struct rg_map *m, const char *key,
                                      size_t len);

/*
 * Looks key up: returns 1 and sets *value and *kind, or returns 0. Faster
 * than rg_map_get() for keys of up to 24 bytes (no entry is touched).
 */
int rg_map_lookup(const struct rg_map *m, const char *key, size_t len,
                  int64_t *value, int *kind);

/*
 * Adds key (kind must be 0 to 65535). Returns 0 when added, 1 when the key was
 * already present (the map is unchanged and *old, if old is not NULL, points to
 * the entry), or -1 when out of memory.
 */
int rg_map_put(struct rg_map *m, const char *key, size_t len, int kind, int src,
               int64_t value, int64_t line, const struct rg_map_entry **old);

/* Number of keys. */
size_t rg_map_count(const struct rg_map *m);

#endif
