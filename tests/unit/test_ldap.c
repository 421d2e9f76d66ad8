/*
 * test_ldap.c - the LDAP collector's conversions of AD's time values:
 * FILETIME (lastLogonTimestamp, pwdLastSet) and GeneralizedTime
 * (whenCreated), DNs in AD's form, and the attribute names of AD's ranged
 * retrieval. The collector itself is tested against a real slapd by
 * tests/e2e/check_ldap.py.
 *
 * Expected instants: 116444736000000000 is the FILETIME of the Unix epoch
 * (Microsoft's "Converting a time_t value to a FILETIME"); the others are
 * (`date -u -d TIME +%s` + 11644473600) * 10^7.
 */
#include <stdio.h>
#include <string.h>

#include "collect/ldap.h"
#include "t.h"

static const char *
ft(const char *in)
{
    static char out[21];
    int r = rg_ldap_filetime(in, strlen(in), out);

    return r < 0 ? "ERROR" : r == 0 ? "NEVER" : out;
}

static const char *
gt(const char *in)
{
    static char out[21];

    return rg_ldap_gentime(in, strlen(in), out) < 0 ? "ERROR" : out;
}

static const char *
dn(const char *in)
{
    static char out[256];

    rg_ldap_dn_pretty(in, out);
    return out;
}

static const char *
range(const char *attr)
{
    static char out[64];
    long long first = -7, last = -7;
    int r = rg_ldap_member_range(attr, &first, &last);

    if (r <= 0)
        return r == 0 ? "PLAIN" : "NO";
    snprintf(out, sizeof(out), "%lld-%lld", first, last);
    return out;
}

int
main(void)
{
    T_STREQ(range("member"), "PLAIN");
    T_STREQ(range("Member"), "PLAIN");
    T_STREQ(range("member;range=0-1499"), "0-1499");
    T_STREQ(range("member;Range=1500-*"), "1500--1");
    T_STREQ(range("memberOf"), "NO");
    T_STREQ(range("sAMAccountName"), "NO");
    T_STREQ(range("member;range=10-5"), "NO");
    T_STREQ(range("member;range=-5-*"), "NO");
    T_STREQ(range("member;range=0-"), "NO");
    T_STREQ(range("member;range=0-1499x"), "NO");
    T_STREQ(range("member;binary"), "NO");

    T_STREQ(dn("cn=Karen Holm,ou=Finance,dc=nordhavn,dc=local"),
            "CN=Karen Holm,OU=Finance,DC=nordhavn,DC=local");
    T_STREQ(dn("CN=x,DC=y"), "CN=x,DC=y");
    /* escaped separators and quoted values stay values */
    T_STREQ(dn("cn=Holm\\, Karen,ou=a+cn=b"), "CN=Holm\\, Karen,OU=a+CN=b");
    T_STREQ(dn("cn=\"a,ou=b\",ou=c"), "CN=\"a,ou=b\",OU=c");
    T_STREQ(dn("2.5.4.3=x,ou=y"), "2.5.4.3=x,OU=y");
    T_STREQ(dn(""), "");

    T_STREQ(ft("116444736000000000"), "1970-01-01T00:00:00Z");
    T_STREQ(ft("132223104000000000"), "2020-01-01T00:00:00Z");
    /* fractions of a second are dropped, not rounded */
    T_STREQ(ft("132223104009999999"), "2020-01-01T00:00:00Z");
    T_STREQ(ft("1"), "1601-01-01T00:00:00Z");
    T_STREQ(ft("0"), "NEVER");
    T_STREQ(ft("9223372036854775807"), "NEVER");
    T_STREQ(ft("9223372036854775808"), "ERROR");
    T_STREQ(ft(""), "ERROR");
    T_STREQ(ft("-1"), "ERROR");
    T_STREQ(ft("12x"), "ERROR");
    T_STREQ(ft(" 132223104000000000"), "ERROR");

    T_STREQ(gt("20190401090000.0Z"), "2019-04-01T09:00:00Z");
    T_STREQ(gt("20190401090000Z"), "2019-04-01T09:00:00Z");
    T_STREQ(gt("20240229235959.123Z"), "2024-02-29T23:59:59Z");
    T_STREQ(gt("20230229000000.0Z"), "ERROR");
    T_STREQ(gt("20190401090000.0"), "ERROR");
    T_STREQ(gt("20190401090000.0+0100"), "ERROR");
    T_STREQ(gt("20190401090000.Z"), "ERROR");
    T_STREQ(gt("20191301090000.0Z"), "ERROR");
    T_STREQ(gt("2019040109000.0Z"), "ERROR");
    T_STREQ(gt("20190401250000.0Z"), "ERROR");
    return T_REPORT();
}
