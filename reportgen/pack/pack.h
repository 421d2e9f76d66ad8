/*
 * pack.h - sealing an evidence pack: the BagIt tag files, the CMS signature
 * over the tag manifest and the RFC 3161 timestamp over that signature.
 *
 * The caller has written the payload under dir/data (and signed its PDF,
 * whose signed bytes the manifest must hash); rg_pack_seal() adds
 * everything at the top of the bag. dir is a temporary folder the caller
 * renames into place afterwards, so a failure here leaves no pack.
 */
#ifndef RG_PACK_H
#define RG_PACK_H

#include <stddef.h>

#include "../util/err.h"
#include "bag.h"
#include "cms.h"

#define RG_PACK_SIG "tagmanifest-sha256.txt.p7s"
#define RG_PACK_TSR "tagmanifest-sha256.txt.tsr"

struct rg_seal {
    const struct rg_bag_label *labels; /* bag-info.txt, Payload-Oxum aside */
    size_t nlabels;
    const struct rg_signer *signer; /* NULL: unsigned */
    const char *tsa_url;            /* NULL: no timestamp */
    long tsa_timeout;               /* seconds per attempt; 0: 60 */
};

int rg_pack_seal(const char *dir, const struct rg_seal *s, struct rg_err *err);

#endif
