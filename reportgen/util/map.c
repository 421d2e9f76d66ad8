/*
 * map.c - open-addressing hash map (see map.h).
 *
 * Entries live in fixed-size chunks so their addresses never change; the
 * slot table holds entry pointers and doubles when three quarters full.
 * Keys live in a bump allocator of large blocks: a million GUIDs cost one
 * allocation per 1 MiB, not one per key.
 */
#include "map.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_ENTRIES 4096
#define KEY_BLOCK (1u << 20)

struct key_block {
    struct key_block *next;
    size_t used, size;
    char data[];
};

struct rg_map {
    struct rg_map_entry **slots; /* owned; size cap, NULL = empty */
    size_t cap, count;
    struct rg_map_entry **chunks; /* owned; each CHUNK_ENTRIES entries */
    size_t nchunks;
    struct key_block *keys;       /* owned list, newest first */
};

static uint64_t
hash(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a 64 */

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3u;
    }
    return h ^ (h >> 29);
}

struct rg_map *
rg_map_new(void)
{
    struct rg_map *m = calloc(1, sizeof(*m));

    if (!m)
        return NULL;
    m->cap = 1024;
    m->slots = calloc(m->cap, sizeof(*m->slots));
    if (!m->slots) {
        free(m);
        return NULL;
    }
    return m;
}

void
rg_map_free(struct rg_map *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nchunks; i++)
        free(m->chunks[i]);
    free(m->chunks);
    while (m->keys) {
        struct key_block *next = m->keys->next;

        free(m->keys);
        m->keys = next;
    }
    free(m->slots);
    free(m);
}

static struct rg_map_entry **
find_slot(struct rg_map_entry **slots, size_t cap, const char *key, size_t len)
{
    size_t i = (size_t)hash(key, len) & (cap - 1);

    while (slots[i] &&
           (slots[i]->len != len || memcmp(slots[i]->key, key, len) != 0))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

const struct rg_map_entry *
rg_map_get(const struct rg_map *m, const char *key, size_t len)
{
    return *find_slot(m->slots, m->cap, key, len);
}

static int
grow(struct rg_map *m)
{
    size_t cap = m->cap * 2;
    struct rg_map_entry **slots = calloc(cap, sizeof(*slots));

    if (!slots)
        return -1;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i])
            *find_slot(slots, cap, m->slots[i]->key, m->slots[i]->len) =
                m->slots[i];
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

static char *
copy_key(struct rg_map *m, const char *key, size_t len)
{
    struct key_block *b = m->keys;
    char *p;

    if (!b || b->size - b->used < len + 1) {
        size_t size = len + 1 > KEY_BLOCK ? len + 1 : KEY_BLOCK;

        b = malloc(sizeof(*b) + size);
        if (!b)
            return NULL;
        b->next = m->keys;
        b->used = 0;
        b->size = size;
        m->keys = b;
    }
    p = b->data + b->used;
    memcpy(p, key, len);
    p[len] = '\0';
    b->used += len + 1;
    return p;
}

int
rg_map_put(struct rg_map *m, const char *key, size_t len, int kind, int src,
           int64_t value, int64_t line, const struct rg_map_entry **old)
{
    struct rg_map_entry **slot, *e;
    size_t ci = m->count / CHUNK_ENTRIES;

    slot = find_slot(m->slots, m->cap, key, len);
    if (*slot) {
        if (old)
            *old = *slot;
        return 1;
    }
    if ((m->count + 1) * 4 > m->cap * 3) {
        if (grow(m) < 0)
            return -1;
        slot = find_slot(m->slots, m->cap, key, len);
    }
    if (ci == m->nchunks) {
        struct rg_map_entry **chunks =
            realloc(m->chunks, (m->nchunks + 1) * sizeof(*chunks));

        if (!chunks)
            return -1;
        m->chunks = chunks;
        if (!(m->chunks[ci] = malloc(CHUNK_ENTRIES * sizeof(**chunks))))
            return -1;
        m->nchunks++;
    }
    e = &m->chunks[ci][m->count % CHUNK_ENTRIES];
    if (!(e->key = copy_key(m, key, len)))
        return -1;
    e->len = len;
    e->kind = kind;
    e->src = src;
    e->value = value;
    e->line = line;
    *slot = e;
    m->count++;
    return 0;
}

size_t
rg_map_count(const struct rg_map *m)
{
    return m->count;
}
