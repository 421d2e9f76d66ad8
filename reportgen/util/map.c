/*
 * map.c - open-addressing hash map (see map.h).
 *
 * Entries live in fixed-size chunks so their addresses never change. The
 * slot table doubles when half full. A slot holds a key of up to 24 bytes
 * itself (a GUID in binary form is 17), with the value and kind: a lookup of
 * such a key costs one cache miss, which matters when millions of
 * memberships each look up two ids. Longer keys are compared through their
 * entry. Keys are also copied into a bump allocator of large blocks (for
 * rg_map_get and messages): a million keys cost one allocation per 1 MiB.
 */
#include "map.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define CHUNK_ENTRIES 4096
#define KEY_BLOCK (1u << 20)

struct key_block {
    struct key_block *next;
    size_t used, size;
    char data[];
};

#define INLINE_KEY 24

struct slot {
    char key[INLINE_KEY]; /* the key, when len <= INLINE_KEY */
    int64_t value;
    uint32_t entry; /* entry number + 1; 0 = empty */
    uint16_t kind;
    uint8_t len; /* the key's length, or 255 when it is longer */
    uint8_t tag; /* 8 more bits of the hash, for long keys */
};

struct rg_map {
    uint64_t seed;      /* random per map: ids are untrusted input */
    struct slot *slots; /* owned; cap of them, a power of two */
    size_t cap, count;
    struct rg_map_entry **chunks; /* owned; each CHUNK_ENTRIES entries */
    size_t nchunks;
    struct key_block *keys; /* owned list, newest first */
};

/*
 * Eight bytes at a time, each mixed in by a multiply, from a random seed: ids
 * come from files anyone may have written, and with a fixed hash a few
 * thousand crafted GUIDs sharing their low hash bits made loading quadratic.
 */
static uint64_t
hash(uint64_t seed, const char *s, size_t len)
{
    uint64_t h = seed ^ len;
    uint64_t w;

    for (; len >= 8; s += 8, len -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdu;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, s, len);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
    return h ^ (h >> 29);
}

static struct rg_map_entry *
entry(const struct rg_map *m, uint32_t n)
{
    return &m->chunks[(n - 1) / CHUNK_ENTRIES][(n - 1) % CHUNK_ENTRIES];
}

struct rg_map *
rg_map_new(void)
{
    struct rg_map *m = calloc(1, sizeof(*m));

    if (!m)
        return NULL;
    if (getrandom(&m->seed, sizeof(m->seed), 0) != sizeof(m->seed))
        m->seed = (uint64_t)(uintptr_t)m ^ (uint64_t)time(NULL);
    m->seed |= 1;
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

/* The slot holding key, or the empty slot where it would go. */
static struct slot *
find_slot(const struct rg_map *m, struct slot *slots, size_t cap,
          const char *key, size_t len, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    uint8_t tag = (uint8_t)(h >> 56);

    for (;; i = (i + 1) & (cap - 1)) {
        struct slot *sl = &slots[i];
        const struct rg_map_entry *e;

        if (!sl->entry)
            return sl;
        if (len <= INLINE_KEY) {
            if (sl->len == len && memcmp(sl->key, key, len) == 0)
                return sl;
            continue;
        }
        if (sl->len != 255 || sl->tag != tag)
            continue;
        e = entry(m, sl->entry);
        if (e->len == len && memcmp(e->key, key, len) == 0)
            return sl;
    }
}

const struct rg_map_entry *
rg_map_get(const struct rg_map *m, const char *key, size_t len)
{
    const struct slot *sl =
        find_slot(m, m->slots, m->cap, key, len, hash(m->seed, key, len));

    return sl->entry ? entry(m, sl->entry) : NULL;
}

int
rg_map_lookup(const struct rg_map *m, const char *key, size_t len,
              int64_t *value, int *kind)
{
    const struct slot *sl =
        find_slot(m, m->slots, m->cap, key, len, hash(m->seed, key, len));

    if (!sl->entry)
        return 0;
    *value = sl->value;
    *kind = sl->kind;
    return 1;
}

static int
grow(struct rg_map *m)
{
    size_t cap = m->cap * 2;
    struct slot *slots = calloc(cap, sizeof(*slots));

    if (!slots)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        const struct rg_map_entry *e;

        if (!m->slots[i].entry)
            continue;
        e = entry(m, m->slots[i].entry);
        *find_slot(m, slots, cap, e->key, e->len,
                   hash(m->seed, e->key, e->len)) = m->slots[i];
    }
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
    uint64_t h = hash(m->seed, key, len);
    struct slot *sl = find_slot(m, m->slots, m->cap, key, len, h);
    size_t ci = m->count / CHUNK_ENTRIES;
    struct rg_map_entry *e;

    if (sl->entry) {
        if (old)
            *old = entry(m, sl->entry);
        return 1;
    }
    if (m->count >= UINT32_MAX - 1 || kind < 0 || kind > UINT16_MAX)
        return -1;
    if ((m->count + 1) * 2 > m->cap) {
        if (grow(m) < 0)
            return -1;
        sl = find_slot(m, m->slots, m->cap, key, len, h);
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
    m->count++;
    sl->entry = (uint32_t)m->count;
    sl->value = value;
    sl->kind = (uint16_t)kind;
    sl->tag = (uint8_t)(h >> 56);
    if (len <= INLINE_KEY) {
        sl->len = (uint8_t)len;
        memcpy(sl->key, key, len);
    } else {
        sl->len = 255;
    }
    return 0;
}

size_t
rg_map_count(const struct rg_map *m)
{
    return m->count;
}
