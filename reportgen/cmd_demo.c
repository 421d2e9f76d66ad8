/*
 * cmd_demo.c - `reportgen demo`: the whole pipeline on the fictional
 * Nordhavn Bank (fixtures/nordhavn-bank): collect, run the templates into
 * packs (signed and timestamped when given a key and a TSA), and verify
 * each pack as an auditor would.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "pack/demokey.h"
#include "pack/verify.h"
#include "util/fs.h"

/* The fixture describes the bank as of this moment (see its README). */
#define DEMO_TENANT "Nordhavn Bank A/S"
#define DEMO_TENANT_ID "6f1d4c2a-0b7e-4e55-9a43-2d8c1f0e5b17"
#define DEMO_AS_OF "2026-11-01T00:00:00Z"

/*
 * Every template, with the parameters that make it tell the bank's cases
 * (fixtures/nordhavn-bank/README.md): its break-glass accounts (NB-01), the
 * period of its joiners, movers and leavers (NB-11 to NB-13).
 */
static const struct demo_pack {
    const char *template;
    const char *params[4];
} demo_packs[] = {
    { "privileged-access-overview",
      { "break_glass=bg-admin-01@nordhavnbank.onmicrosoft.com,"
        "bg-admin-02@nordhavnbank.onmicrosoft.com" } },
    { "privileged-users",
      { "break_glass=bg-admin-01@nordhavnbank.onmicrosoft.com,"
        "bg-admin-02@nordhavnbank.onmicrosoft.com" } },
    { "quarterly-recertification", { "reviewer=owner", "scope=both" } },
    { "access-hygiene",
      { "break_glass=bg-admin-01@nordhavnbank.onmicrosoft.com,"
        "bg-admin-02@nordhavnbank.onmicrosoft.com" } },
    { "jml-leavers", { "from=2026-08-01", "to=2026-10-31" } },
    { "jml-joiners", { "from=2026-08-01", "to=2026-10-31" } },
    { "jml-movers", { "from=2026-08-01", "to=2026-10-31" } },
    { "sod-conflicts", { NULL } },
    { "user-list", { NULL } },
};

static int
is_dir(const char *p)
{
    struct stat sb;

    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int
cmd_demo(int argc, char **argv)
{
    static const struct option opts[] = {
        { "out", required_argument, NULL, 'o' },
        { "fixtures", required_argument, NULL, 'F' },
        { "sign-key", required_argument, NULL, 'k' },
        { "sign-cert", required_argument, NULL, 'c' },
        { "tsa-url", required_argument, NULL, 'T' },
        { "ca", required_argument, NULL, 'A' },
        { "tsa-ca", required_argument, NULL, 'S' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *out = "demo", *fixtures = NULL, *base;
    char installed[4096], snap[4096], packs[4096], tdir[4096], final[4096];
    char keydir[4096], demo_key[4096], demo_cert[4096];
    const char *dirs[1], *key = NULL, *cert = NULL, *tsa_url = NULL;
    struct rg_verify_opts vo = { NULL, NULL };
    struct rg_collect_job job;
    struct rg_err err;
    int c;

    rg_err_init(&err);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'F':
            fixtures = optarg;
            break;
        case 'k':
            key = optarg;
            break;
        case 'c':
            cert = optarg;
            break;
        case 'T':
            tsa_url = optarg;
            break;
        case 'A':
            vo.ca = optarg;
            break;
        case 'S':
            vo.tsa_ca = optarg;
            break;
        case 'h':
            rg_cmd_print_usage("demo", stdout);
            return RG_EXIT_OK;
        default:
            return rg_cmd_usage_error(
                "demo", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return rg_cmd_usage_error("demo", "unexpected argument '%s'",
                                  argv[optind]);
    /* the source tree when run from it, else the installed data */
    base = is_dir("fixtures/nordhavn-bank") && is_dir("templates")
               ? "."
               : rg_cmd_datadir();
    if (!fixtures) {
        snprintf(installed, sizeof(installed), "%s/fixtures/nordhavn-bank",
                 base);
        fixtures = installed;
    }
    if (!is_dir(fixtures)) {
        fprintf(stderr,
                "reportgen: cannot find the fictional bank: '%s' is not "
                "a folder (give --fixtures DIR)\n",
                fixtures);
        return RG_EXIT_FAIL;
    }
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "reportgen: cannot create folder '%s': %s\n", out,
                strerror(errno));
        return RG_EXIT_FAIL;
    }
    if (rg_pathf(&err, snap, sizeof(snap), "%s/nordhavn-bank.db", out) < 0 ||
        rg_pathf(&err, packs, sizeof(packs), "%s/packs", out) < 0 ||
        rg_pathf(&err, tdir, sizeof(tdir), "%s/templates", base) < 0)
        return rg_cmd_report(&err);

    memset(&job, 0, sizeof(job));
    dirs[0] = fixtures;
    job.csv_dirs = dirs;
    job.ncsv_dirs = 1;
    job.out = snap;
    job.tenant = DEMO_TENANT;
    job.tenant_id = DEMO_TENANT_ID;
    memcpy(job.as_of, DEMO_AS_OF, sizeof(DEMO_AS_OF));
    job.force = 1; /* the demo's own output, from a previous demo */
    fprintf(stderr, "reportgen demo: collecting the fictional bank from '%s'\n",
            fixtures);
    if (rg_cmd_collect_run(&job, &err) < 0)
        return rg_cmd_report(&err);
    if (rg_cmd_snapshot_info(snap, 0, &err) < 0)
        return rg_cmd_report(&err);
    /* packs are never overwritten: the demo clears its own */
    rg_rmtree(packs);
    if (mkdir(packs, 0777) != 0) {
        fprintf(stderr, "reportgen: cannot create folder '%s': %s\n", packs,
                strerror(errno));
        return RG_EXIT_FAIL;
    }
    if (!key && !cert) {
        if (rg_pathf(&err, keydir, sizeof(keydir), "%s/demo-key", out) < 0 ||
            rg_demokey_make(keydir, demo_key, sizeof(demo_key), demo_cert,
                            sizeof(demo_cert), &err) < 0)
            return rg_cmd_report(&err);
        key = demo_key;
        cert = demo_cert;
        if (!vo.ca)
            vo.ca = demo_cert;
        printf("\nsigning with a throwaway demo key made just now (%s):\n"
               "it shows how a signed pack looks and verifies, and proves "
               "nothing\nabout who made the packs. Give --sign-key and "
               "--sign-cert for a real one.\n",
               demo_cert);
    }
    printf("\npacks of the fictional bank%s:\n",
           tsa_url ? ", signed and timestamped" : ", signed");
    for (size_t i = 0; i < sizeof(demo_packs) / sizeof(demo_packs[0]); i++) {
        struct rg_run_job run;
        struct rg_verify v;
        size_t np = 0;

        while (np < 4 && demo_packs[i].params[np])
            np++;
        memset(&run, 0, sizeof(run));
        run.template_name = demo_packs[i].template;
        run.assign = demo_packs[i].params;
        run.nassign = np;
        run.templates_dir = tdir;
        run.snapshot = snap;
        run.out = packs;
        run.sign_key = key;
        run.sign_cert = cert;
        run.tsa_url = tsa_url;
        if (rg_cmd_run_pack(&run, final, sizeof(final), &err) < 0)
            return rg_cmd_report(&err);
        printf("  %s/\n", final);
        /* what an auditor's `reportgen verify` says of it */
        if (rg_verify_pack(final, &vo, &v, &err) < 0) {
            rg_verify_release(&v);
            return rg_cmd_report(&err);
        }
        printf("    verify: %s\n", v.verdict);
        if (v.failed) {
            rg_verify_release(&v);
            return RG_EXIT_VERIFY;
        }
        rg_verify_release(&v);
    }
    printf("\nOpen the .xlsx in Excel or LibreOffice, the .pdf in any reader; "
           "the\n"
           "snapshot is an SQLite file:\n"
           "  sqlite3 -readonly %s 'SELECT * FROM role_assignments_named'\n"
           "Each pack is a BagIt bag (docs/pack-format.md); check one with\n"
           "  reportgen verify PACK --ca %s\n",
           snap, vo.ca);
    return RG_EXIT_OK;
}
