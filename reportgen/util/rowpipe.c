/*
 * rowpipe.c - rows handed to a second thread (see rowpipe.h).
 *
 * Batches cycle between two lists: free (the producer fills them) and full
 * (the consumer empties them). A batch keeps its values and, in one arena,
 * the bytes of its text values; pointers into the arena are set when the
 * batch is handed over, since the arena may move while it fills.
 */
#include "rowpipe.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_MAX (1u << 20) /* a batch is handed over past 1 MiB of text */

struct batch {
    struct rg_value *vals; /* owned; RG_ROWPIPE_ROWS * ncols */
    size_t *offs;          /* owned; arena offset of each text value */
    char *arena;           /* owned */
    size_t used, cap;
    size_t nrows;
};

struct rg_rowpipe {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t ncols;
    rg_row_fn fn;
    void *ctx;
    struct batch batches[RG_ROWPIPE_BATCHES];
    struct batch *full[RG_ROWPIPE_BATCHES]; /* a queue, oldest first */
    size_t nfull;
    struct batch *free[RG_ROWPIPE_BATCHES];
    size_t nfree;
    struct batch *cur; /* the producer's batch, or NULL */
    int done, abandon; /* no more rows; drop what is queued */
    int failed;        /* the consumer failed (err holds why) */
    struct rg_err err; /* the consumer's */
};

static void *
consume(void *arg)
{
    struct rg_rowpipe *p = arg;

    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct batch *b;

        while (p->nfull == 0 && !p->done)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->nfull == 0 || p->abandon)
            break;
        int failed = p->failed;

        b = p->full[0];
        memmove(p->full, p->full + 1, --p->nfull * sizeof(*p->full));
        pthread_mutex_unlock(&p->mu);
        /* p->err is only touched here until the thread is joined */
        for (size_t r = 0; r < b->nrows && !failed; r++)
            failed = p->fn(p->ctx, b->vals + r * p->ncols, &p->err) < 0;
        pthread_mutex_lock(&p->mu);
        p->failed = failed;
        b->nrows = 0;
        b->used = 0;
        p->free[p->nfree++] = b;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

struct rg_rowpipe *
rg_rowpipe_start(size_t ncols, rg_row_fn fn, void *ctx, struct rg_err *err)
{
    struct rg_rowpipe *p = calloc(1, sizeof(*p));

    if (!p) {
        rg_fail(err, RG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    p->ncols = ncols ? ncols : 1;
    p->fn = fn;
    p->ctx = ctx;
    rg_err_init(&p->err);
    for (int i = 0; i < RG_ROWPIPE_BATCHES; i++) {
        struct batch *b = &p->batches[i];

        b->vals = calloc(RG_ROWPIPE_ROWS * p->ncols, sizeof(*b->vals));
        b->offs = calloc(RG_ROWPIPE_ROWS * p->ncols, sizeof(*b->offs));
        b->cap = 64 * 1024;
        b->arena = malloc(b->cap);
        if (!b->vals || !b->offs || !b->arena)
            goto nomem;
        p->free[p->nfree++] = b;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (pthread_create(&p->thread, NULL, consume, p) != 0) {
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        rg_fail(err, RG_ERR_NOMEM, "cannot start a thread");
        goto fail;
    }
    return p;

nomem:
    rg_fail(err, RG_ERR_NOMEM, "out of memory");
fail:
    for (int i = 0; i < RG_ROWPIPE_BATCHES; i++) {
        free(p->batches[i].vals);
        free(p->batches[i].offs);
        free(p->batches[i].arena);
    }
    free(p);
    return NULL;
}

/* Points the batch's text values into its arena and queues it. */
static void
hand_over(struct rg_rowpipe *p)
{
    struct batch *b = p->cur;

    for (size_t i = 0; i < b->nrows * p->ncols; i++)
        if (b->vals[i].type == RG_TEXT)
            b->vals[i].s = b->arena + b->offs[i];
    pthread_mutex_lock(&p->mu);
    p->full[p->nfull++] = b;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    p->cur = NULL;
}

int
rg_rowpipe_put(struct rg_rowpipe *p, const struct rg_value *row,
               struct rg_err *err)
{
    struct batch *b;
    size_t base;

    if (!p->cur) {
        pthread_mutex_lock(&p->mu);
        while (p->nfree == 0 && !p->failed)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->failed) {
            pthread_mutex_unlock(&p->mu);
            return -1; /* rg_rowpipe_finish() says why */
        }
        p->cur = p->free[--p->nfree];
        pthread_mutex_unlock(&p->mu);
    }
    b = p->cur;
    base = b->nrows * p->ncols;
    for (size_t c = 0; c < p->ncols; c++) {
        b->vals[base + c] = row[c];
        if (row[c].type != RG_TEXT)
            continue;
        if (b->used + row[c].len + 1 > b->cap) {
            size_t cap = b->cap;
            char *a;

            while (cap < b->used + row[c].len + 1)
                cap *= 2;
            if (!(a = realloc(b->arena, cap)))
                return rg_fail(err, RG_ERR_NOMEM, "out of memory");
            b->arena = a;
            b->cap = cap;
        }
        memcpy(b->arena + b->used, row[c].s, row[c].len);
        b->arena[b->used + row[c].len] = '\0'; /* readers want C strings */
        b->offs[base + c] = b->used;
        b->used += row[c].len + 1;
    }
    if (++b->nrows == RG_ROWPIPE_ROWS || b->used > ARENA_MAX)
        hand_over(p);
    return 0;
}

int
rg_rowpipe_finish(struct rg_rowpipe *p, int abandon, struct rg_err *err)
{
    int ret = 0;

    if (!p)
        return 0;
    if (p->cur && p->cur->nrows && !abandon)
        hand_over(p);
    pthread_mutex_lock(&p->mu);
    p->done = 1;
    p->abandon = abandon;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    if (p->failed && !abandon)
        ret = rg_fail(err, p->err.code, "%s", p->err.msg);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    for (int i = 0; i < RG_ROWPIPE_BATCHES; i++) {
        free(p->batches[i].vals);
        free(p->batches[i].offs);
        free(p->batches[i].arena);
    }
    free(p);
    return ret;
}
