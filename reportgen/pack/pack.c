/*
 * pack.c - sealing an evidence pack (see pack.h).
 */
#include "pack.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/fs.h"
#include "tsa.h"

#define MAX_TAG (64u << 20)

static int
write_file(const char *dir, const char *name, const void *data, size_t len,
           struct rg_err *err)
{
    char path[4096];

    if (rg_pathf(err, path, sizeof(path), "%s/%s", dir, name) < 0)
        return -1;
    return rg_write_file(path, data, len, err);
}

int
rg_pack_seal(const char *dir, const struct rg_seal *s, struct rg_err *err)
{
    char path[4096], *tag = NULL;
    size_t taglen = 0, siglen = 0, tsrlen = 0;
    unsigned char *sig = NULL, *tsr = NULL;
    struct rg_span span;
    int ret = -1;

    if (rg_bag_write(dir, s->labels, s->nlabels, NULL, 0, err) < 0)
        return -1;
    if (!s->signer && !s->tsa_url)
        return 0;
    if (rg_pathf(err, path, sizeof(path), "%s/tagmanifest-sha256.txt", dir) <
            0 ||
        rg_read_file(path, MAX_TAG, "tag manifest", &tag, &taglen, err) < 0)
        goto done;
    if (s->signer) {
        span.p = (const unsigned char *)tag;
        span.n = taglen;
        if (rg_signer_sign(s->signer, &span, 1, &sig, &siglen, err) < 0 ||
            write_file(dir, RG_PACK_SIG, sig, siglen, err) < 0)
            goto done;
    }
    /* the timestamp covers the signature, or the tag manifest unsigned */
    if (s->tsa_url && (rg_tsa_stamp(s->tsa_url, sig ? (const void *)sig : tag,
                                    sig ? siglen : taglen, s->tsa_timeout, &tsr,
                                    &tsrlen, err) < 0 ||
                       write_file(dir, RG_PACK_TSR, tsr, tsrlen, err) < 0))
        goto done;
    ret = 0;
done:
    free(tag);
    free(sig);
    free(tsr);
    return ret;
}
