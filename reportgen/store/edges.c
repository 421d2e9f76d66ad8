/*
 * edges.c - in-memory edges and their radix sort (see edges.h).
 */
#include "edges.h"

#include <stdlib.h>
#include <string.h>

int
rg_edges_add(struct rg_edges *e, int64_t from, int64_t to, int64_t src,
             int64_t line)
{
    if (from < 0 || from > UINT32_MAX || to < 0 || to > UINT32_MAX || src < 0 ||
        src > UINT32_MAX || line < 0 || line > UINT32_MAX)
        return -2;
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 4096;
        struct rg_edge *v = realloc(e->v, cap * sizeof(*v));

        if (!v)
            return -1;
        e->v = v;
        e->cap = cap;
    }
    e->v[e->n].key = (uint64_t)from << 32 | (uint64_t)to;
    e->v[e->n].src = (uint32_t)src;
    e->v[e->n].line = (uint32_t)line;
    e->n++;
    return 0;
}

/*
 * LSD radix sort, 8 bits a pass; a pass whose byte is the same in every key
 * is skipped, so keys below 2^20 on both sides take 6 passes, not 8.
 */
int
rg_edges_sort(struct rg_edges *e)
{
    struct rg_edge *tmp, *from = e->v, *to, *swap;
    size_t count[256];

    if (e->n < 2)
        return 0;
    if (!(tmp = malloc(e->n * sizeof(*tmp))))
        return -1;
    to = tmp;
    for (int shift = 0; shift < 64; shift += 8) {
        size_t pos = 0;

        memset(count, 0, sizeof(count));
        for (size_t i = 0; i < e->n; i++)
            count[(from[i].key >> shift) & 0xff]++;
        if (count[(from[0].key >> shift) & 0xff] == e->n)
            continue;
        for (int b = 0; b < 256; b++) {
            size_t c = count[b];

            count[b] = pos;
            pos += c;
        }
        for (size_t i = 0; i < e->n; i++)
            to[count[(from[i].key >> shift) & 0xff]++] = from[i];
        swap = from;
        from = to;
        to = swap;
    }
    if (from != e->v)
        memcpy(e->v, from, e->n * sizeof(*from));
    free(tmp);
    return 0;
}

static int
before(const struct rg_edge *a, const struct rg_edge *b)
{
    return a->src < b->src || (a->src == b->src && a->line < b->line);
}

int
rg_edges_duplicate(const struct rg_edges *e, size_t *first, size_t *second)
{
    int found = 0;

    for (size_t i = 1; i < e->n; i++) {
        if (e->v[i].key != e->v[i - 1].key)
            continue;
        /* equal keys keep input order: v[i - 1] came first */
        if (!found || before(&e->v[i], &e->v[*second])) {
            size_t j = i - 1;

            while (j > 0 && e->v[j - 1].key == e->v[i].key)
                j--;
            *first = j;
            *second = i;
            found = 1;
        }
    }
    return found;
}

void
rg_edges_release(struct rg_edges *e)
{
    free(e->v);
    memset(e, 0, sizeof(*e));
}
