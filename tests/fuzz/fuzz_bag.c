/*
 * fuzz_bag.c - libFuzzer target: the parsers `verify` runs on untrusted
 * bytes: manifests, bag-info.txt, Payload-Oxum, a PDF's signature, a CMS
 * signature and an RFC 3161 response.
 *
 * Input: one selector byte, then the bytes to parse. Whatever a parser
 * accepts must obey its contract: manifest paths relative, without "." or
 * ".." parts, below data/ exactly for a payload manifest, digests of 64
 * lowercase hex digits; a refusal always says why; a PDF signature's
 * ranges stay inside the input; nothing over arbitrary bytes verifies.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pack/bag.h"
#include "pack/cms.h"
#include "pack/pdfsig.h"
#include "pack/tsa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_manifest(const char *buf, size_t len, int payload)
{
    struct rg_manifest m;
    struct rg_err err;

    rg_err_init(&err);
    if (rg_bag_parse_manifest("m.txt", buf, len, payload, &m, &err) < 0) {
        if (err.code == RG_OK || !err.msg[0])
            abort();
        return;
    }
    for (size_t i = 0; i < m.n; i++) {
        const char *p = m.e[i].path;

        if (!*p || p[0] == '/' || strstr(p, "//") || strcmp(p, ".") == 0 ||
            strcmp(p, "..") == 0 || strncmp(p, "../", 3) == 0 ||
            strncmp(p, "./", 2) == 0 || strstr(p, "/../") || strstr(p, "/./") ||
            (strlen(p) >= 3 && strcmp(p + strlen(p) - 3, "/..") == 0) ||
            (strlen(p) >= 2 && strcmp(p + strlen(p) - 2, "/.") == 0))
            abort();
        if (payload != (strncmp(p, "data/", 5) == 0))
            abort();
        if (strlen(m.e[i].hex) != 64 ||
            strspn(m.e[i].hex, "0123456789abcdef") != 64)
            abort();
    }
    rg_manifest_release(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rg_err err;
    const char *buf = (const char *)data + 1;
    size_t len = size ? size - 1 : 0;

    if (size == 0)
        return 0;
    rg_err_init(&err);
    switch (data[0] % 6) {
    case 0:
        check_manifest(buf, len, 1);
        break;
    case 1:
        check_manifest(buf, len, 0);
        break;
    case 2: {
        struct rg_bag_info info;
        char *s = malloc(len + 1);
        uint64_t o, c;

        if (rg_bag_parse_info(buf, len, &info, &err) == 0) {
            for (size_t i = 0; i < info.n; i++)
                if (!info.l[i].label[0] || strchr(info.l[i].label, '\n') ||
                    strchr(info.l[i].value, '\n'))
                    abort();
            rg_bag_info_release(&info);
        } else if (!err.msg[0]) {
            abort();
        }
        memcpy(s, buf, len);
        s[len] = '\0';
        if (rg_bag_parse_oxum(s, &o, &c) == 0 &&
            strspn(s, "0123456789.") != strlen(s))
            abort();
        free(s);
        break;
    }
    case 3: {
        struct rg_pdf_sig sig;

        if (rg_pdf_find_sig((const unsigned char *)buf, len, &sig, &err) < 0)
            break;
        if (sig.found && !sig.why[0] &&
            (sig.range[1] > len || sig.range[2] > len ||
             sig.range[3] > len - sig.range[2]))
            abort();
        rg_pdf_sig_release(&sig);
        break;
    }
    case 4: {
        struct rg_cms_check c;
        struct rg_span span = { (const unsigned char *)"content", 7 };

        if (rg_cms_check((const unsigned char *)buf, len, &span, 1, NULL, 0, &c,
                         &err) == 0 &&
            c.valid)
            abort(); /* no fuzzer forges an ECDSA or RSA signature */
        break;
    }
    case 5: {
        struct rg_tsa_check t;

        if (rg_tsa_check((const unsigned char *)buf, len, "content", 7, NULL,
                         &t, &err) == 0 &&
            t.valid && t.gen_time[0] == '\0')
            abort();
        break;
    }
    }
    return 0;
}
