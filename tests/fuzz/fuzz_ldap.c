/*
 * fuzz_ldap.c - libFuzzer target: what the LDAP collector reads out of a
 * server's answers as text: FILETIME and GeneralizedTime values, DNs, and
 * the attribute names of AD's ranged retrieval.
 *
 * Whatever is accepted as a time must print as a UTC time that parses back;
 * a DN keeps its length and changes only the case of ASCII letters; a range
 * never ends before it starts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/ldap.h"
#include "util/timefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
parses_back(const char *iso)
{
    struct rg_tm tm;

    if (strlen(iso) != RG_ISO_TIME_LEN - 1 ||
        rg_tm_parse_iso(iso, strlen(iso), &tm) != 0)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char out[RG_ISO_TIME_LEN];
    char *z = malloc(size + 1), *dn = malloc(size + 1);
    long long first, last;

    if (!z || !dn)
        abort();
    if (rg_ldap_filetime(s, size, out) == 1)
        parses_back(out);
    if (rg_ldap_gentime(s, size, out) == 0)
        parses_back(out);
    memcpy(z, s, size);
    z[size] = '\0';
    rg_ldap_dn_pretty(z, dn);
    if (strlen(dn) != strlen(z))
        abort();
    for (size_t i = 0; z[i]; i++)
        if (dn[i] != z[i] &&
            !(z[i] >= 'a' && z[i] <= 'z' && dn[i] == z[i] - 32))
            abort();
    if (rg_ldap_member_range(z, &first, &last) == 1 &&
        (first < 0 || (last != -1 && last < first)))
        abort();
    free(z);
    free(dn);
    return 0;
}
