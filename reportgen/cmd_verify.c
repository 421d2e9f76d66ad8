/*
 * cmd_verify.c - `reportgen verify`: is an evidence pack what it claims?
 *
 * One line per check on stdout ("ok", "FAIL" or "note", what, why), then
 * the verdict. Exit 0 when everything holds, 1 when the pack is not what it
 * claims, 3 when it cannot be checked (docs/exit-codes.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "pack/verify.h"
#include "util/json.h"

static const char *
result_name(enum rg_check_result r)
{
    return r == RG_CHECK_OK ? "ok" : r == RG_CHECK_FAIL ? "FAIL" : "note";
}

static void
print_text(const struct rg_verify *v)
{
    for (size_t i = 0; i < v->n; i++)
        printf("%-5s %s: %s\n", result_name(v->c[i].result), v->c[i].what,
               v->c[i].detail);
    printf("verdict: %s\n", v->verdict);
}

static void
print_json(const char *pack, const struct rg_verify *v)
{
    int n = 0;

    fputc('{', stdout);
    rg_json_kstr(stdout, &n, "pack", pack);
    fputs(",\"checks\":[", stdout);
    for (size_t i = 0; i < v->n; i++) {
        int m = 0;

        fputs(i ? ",{" : "{", stdout);
        rg_json_kstr(stdout, &m, "result",
                     v->c[i].result == RG_CHECK_OK     ? "ok"
                     : v->c[i].result == RG_CHECK_FAIL ? "fail"
                                                       : "note");
        rg_json_kstr(stdout, &m, "what", v->c[i].what);
        rg_json_kstr(stdout, &m, "detail", v->c[i].detail);
        fputc('}', stdout);
    }
    fputs("]", stdout);
    n = 1;
    rg_json_kint(stdout, &n, "failed", (int64_t)v->failed, 0);
    fprintf(stdout, ",\"signed\":%s,\"signer_verified\":%s",
            v->is_signed ? "true" : "false", v->signer_ok ? "true" : "false");
    rg_json_kstr(stdout, &n, "signer", v->is_signed ? v->signer : NULL);
    rg_json_kstr(stdout, &n, "timestamp", v->timestamped ? v->stamp : NULL);
    rg_json_kstr(stdout, &n, "verdict", v->verdict);
    fputs("}\n", stdout);
}

int
cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        { "ca", required_argument, NULL, 'c' },
        { "tsa-ca", required_argument, NULL, 't' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct rg_verify_opts o = { NULL, NULL };
    struct rg_verify v;
    struct rg_err err;
    int c, json = 0, code;

    rg_err_init(&err);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            o.ca = optarg;
            break;
        case 't':
            o.tsa_ca = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'h':
            rg_cmd_print_usage("verify", stdout);
            return RG_EXIT_OK;
        default:
            return rg_cmd_usage_error("verify",
                                      "unknown or incomplete option '%s'",
                                      argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return rg_cmd_usage_error(
            "verify", optind >= argc ? "missing PACK" : "more than one PACK");
    if (rg_verify_pack(argv[optind], &o, &v, &err) < 0) {
        rg_verify_release(&v);
        return rg_cmd_report(&err);
    }
    if (json)
        print_json(argv[optind], &v);
    else
        print_text(&v);
    code = v.failed ? RG_EXIT_VERIFY : RG_EXIT_OK;
    rg_verify_release(&v);
    return code;
}
