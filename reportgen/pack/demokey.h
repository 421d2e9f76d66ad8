/*
 * demokey.h - a throwaway signer for `reportgen demo`: a new P-256 key and
 * a self-signed certificate valid for a week, so the demo shows signed
 * packs without anyone's key. It proves nothing about who made a pack;
 * the demo says so.
 */
#ifndef RG_DEMOKEY_H
#define RG_DEMOKEY_H

#include <stddef.h>

#include "../util/err.h"

/*
 * Makes dir (0700) and writes dir/signer.key (0600, unencrypted) and
 * dir/signer.pem, replacing earlier ones; their paths go to key and cert.
 */
int rg_demokey_make(const char *dir, char *key, size_t keysz, char *cert,
                    size_t certsz, struct rg_err *err);

#endif
