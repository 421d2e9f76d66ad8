/*
 * main.c - reportgen's command table and entry point.
 *
 * main() looks up argv[1] in cmds[] and hands over; the usage text printed
 * by --help and `reportgen help COMMAND` comes from the same table.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "util/version.h"

static int cmd_help(int argc, char **argv);

static const struct cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
    const char *usage;
} cmds[] = {
    { "collect", cmd_collect, "read sources into a new sealed snapshot",
      "usage: reportgen collect --csv DIR [--csv DIR]... --out SNAPSHOT.db\n"
      "                         [--tenant NAME] [--tenant-id ID] [--as-of "
      "TIME]\n"
      "                         [--date-format FORMAT] [--allow-dangling] "
      "[--force]\n"
      "\n"
      "  --csv DIR            a folder of CSV exports (docs/csv-formats.md);\n"
      "                       repeat for several folders\n"
      "  --out SNAPSHOT.db    the snapshot to write; never overwritten without "
      "--force\n"
      "  --tenant NAME        the tenant's name, recorded in the snapshot\n"
      "  --tenant-id ID       the tenant's id, recorded in the snapshot\n"
      "  --as-of TIME         the moment the data describes (ISO 8601 with a "
      "zone,\n"
      "                       or a date); default: now\n"
      "  --date-format FMT    also read times written as FMT, e.g. '%d.%m.%Y "
      "%H:%M:%S'\n"
      "                       (%Y %m %d %H %I %M %S %p %z); taken as UTC "
      "without %z\n"
      "  --allow-dangling     keep rows that name unknown objects out of the "
      "snapshot\n"
      "                       and record them, instead of failing\n"
      "  --force              replace SNAPSHOT.db if it exists\n"
      "\n"
      "usage: reportgen collect --graph --tenant ID --client-id ID --out "
      "SNAPSHOT.db\n"
      "                         (--client-secret-file F | --client-cert "
      "CERT.pem\n"
      "                          --client-key KEY.pem) [--tenant-name NAME]\n"
      "                         [--graph-concurrency N] "
      "[--no-sign-in-activity]\n"
      "                         [--no-raw] [--ca-bundle PEM] [--quiet]\n"
      "                         [--graph-from DATE [--graph-to DATE]\n"
      "                          [--logic-app SUB/RG/NAME]...]\n"
      "\n"
      "  --graph              read Microsoft Graph (docs/graph.md)\n"
      "  --tenant ID          with --graph: the tenant's id or domain\n"
      "  --client-id ID       the app registration's application id\n"
      "  --client-secret-file F  its secret (mode 600; or "
      "REPORTGEN_CLIENT_SECRET)\n"
      "  --client-cert, --client-key  or its certificate and RSA key "
      "(--key-pass-file)\n"
      "  --graph-concurrency N  requests at once (default 8)\n"
      "  --no-sign-in-activity  for tenants without Entra ID P1\n"
      "  --no-raw             keep no response bodies in raw_page once "
      "loaded\n"
      "  --graph-url, --login-url  other endpoints (national clouds, "
      "tests)\n"
      "  --graph-from DATE    also read JML evidence of this period: audit "
      "events\n"
      "                       that remove access, lifecycle workflow runs\n"
      "  --graph-to DATE      the period's last day (default: the as-of)\n"
      "  --logic-app SUB/RG/NAME  a Logic App's runs in the period (Azure "
      "Resource\n"
      "                       Manager, same credential); repeat for several\n"
      "  --arm-url URL        another Azure Resource Manager endpoint "
      "(tests)\n"
      "\n"
      "usage: reportgen collect --ldap ldaps://HOST --ldap-bind-dn DN\n"
      "                         --ldap-password-file F --ldap-base DN "
      "--out SNAPSHOT.db\n"
      "                         [--csv DIR] [--graph ...] [--ca-bundle PEM]\n"
      "                         [--ldap-page-size N] [--ldap-timeout "
      "SECONDS]\n"
      "\n"
      "  --ldap URI           read Active Directory over LDAP "
      "(docs/ldap.md); plain\n"
      "                       ldap:// only to this machine\n"
      "  --ldap-bind-dn DN    the account to bind as\n"
      "  --ldap-password-file F  its password (mode 600)\n"
      "  --ldap-base DN       the subtree to read, e.g. "
      "DC=corp,DC=example\n"
      "  --ldap-page-size N   entries per page (default 500, at most "
      "1000)\n"
      "  --ldap-timeout S     seconds to wait for each answer (default "
      "60)\n"
      "  --ca-bundle PEM      the CAs that ldaps:// certificates must "
      "chain to\n"
      "\n"
      "usage: reportgen collect --servicenow URL --out SNAPSHOT.db\n"
      "                         (--sn-user U --sn-password-file F |\n"
      "                          --sn-client-id ID --sn-client-secret-file "
      "F)\n"
      "                         [--sn-from TIME] [--sn-to TIME]\n"
      "                         [--sn-target-variable NAME | "
      "--sn-target-field F]\n"
      "                         [--sn-page-size N] [--sn-incident-group "
      "NAME]\n"
      "                         [--csv DIR] [--graph ...]\n"
      "\n"
      "  --servicenow URL     requested items and approvals from the Table "
      "API\n"
      "                       (docs/servicenow.md); OAuth with --sn-client-id "
      "(and\n"
      "                       --sn-user: the password grant)\n" },
    { "snapshot", cmd_snapshot, "describe a snapshot",
      "usage: reportgen snapshot info SNAPSHOT.db [--json]\n"
      "\n"
      "  info       the snapshot's SHA-256, tenant, as-of time, sources (with\n"
      "             their SHA-256 and row counts) and the rows of each entity\n"
      "  --json     the same as one JSON object\n" },
    { "templates", cmd_templates, "list the templates and their parameters",
      "usage: reportgen templates [--templates DIR]\n"
      "\n"
      "  --templates DIR   where the templates are (default: ./templates, "
      "else\n"
      "                    the installed ones)\n" },
    { "run", cmd_run, "run a template on a snapshot and write its reports",
      "usage: reportgen run TEMPLATE --snapshot SNAPSHOT.db --out DIR\n"
      "                     [--param NAME=VALUE]... [--generated-at TIME]\n"
      "                     [--templates DIR] [--queries DIR] [--quiet]\n"
      "                     [--outputs xlsx,pdf,csv] [--organization NAME]\n"
      "                     [--sign-key KEY.pem --sign-cert CERT.pem\n"
      "                      [--chain CHAIN.pem] [--key-pass-file FILE]]\n"
      "                     [--tsa-url URL [--tsa-timeout SECONDS]]\n"
      "\n"
      "  TEMPLATE            a template's name (see 'reportgen templates')\n"
      "  --snapshot FILE     the sealed snapshot to read (read-only)\n"
      "  --out DIR           where the pack folder DIR/<pack-id>/ is made\n"
      "  --param NAME=VALUE  a template parameter; repeat for several\n"
      "  --generated-at TIME the time the pack states it was made (default "
      "now);\n"
      "                      the same inputs and time give the same files\n"
      "  --templates DIR     where templates are (default ./templates, else "
      "the\n"
      "                      installed ones); --queries DIR likewise "
      "(default:\n"
      "                      the queries folder beside the templates folder)\n"
      "  --quiet             no progress on a terminal\n"
      "  --outputs LIST      write only these of xlsx, pdf, csv (default: "
      "all)\n"
      "  --organization NAME bag-info.txt's Source-Organization (default: "
      "the\n"
      "                      snapshot's tenant name)\n"
      "  --sign-key KEY.pem  sign the pack and its PDF (ECDSA or RSA) with "
      "this key\n"
      "  --sign-cert CERT.pem  and this certificate; --chain adds "
      "intermediates\n"
      "  --key-pass-file F   the key's passphrase (or REPORTGEN_KEY_PASS); "
      "never\n"
      "                      give it on the command line\n"
      "  --tsa-url URL       add an RFC 3161 timestamp over the signature\n"
      "  --tsa-timeout S     seconds to wait for the timestamp authority "
      "(60)\n"
      "\n"
      "The pack is a BagIt bag (docs/pack-format.md); 'reportgen verify' "
      "checks it.\n" },
    { "verify", cmd_verify, "check that an evidence pack is what it claims",
      "usage: reportgen verify PACK [--ca CA.pem] [--tsa-ca TSA-CA.pem] "
      "[--json]\n"
      "\n"
      "  PACK            a pack folder written by 'reportgen run'\n"
      "  --ca FILE       the roots that must have issued the signer's "
      "certificate\n"
      "  --tsa-ca FILE   the roots that must have issued the timestamp "
      "authority's\n"
      "  --json          the checks and the verdict as JSON\n"
      "\n"
      "Prints one line per check and a verdict. Exit 0: everything holds; 1: "
      "the\n"
      "pack is not what it claims; 3: it cannot be checked.\n" },
    { "demo", cmd_demo, "the whole pipeline on the fictional Nordhavn Bank",
      "usage: reportgen demo [--out DIR] [--fixtures DIR]\n"
      "                      [--sign-key KEY.pem --sign-cert CERT.pem] "
      "[--tsa-url URL]\n"
      "                      [--ca CA.pem] [--tsa-ca TSA-CA.pem]\n"
      "\n"
      "  --out DIR        where to write (default: demo); the demo replaces "
      "its\n"
      "                   own earlier output there\n"
      "  --fixtures DIR   the bank's CSV exports (default: "
      "fixtures/nordhavn-bank,\n"
      "                   else the installed copy)\n"
      "  --sign-key, --sign-cert, --tsa-url  sign and timestamp the packs, "
      "as run does;\n"
      "                   without a key, a throwaway demo key is made in "
      "DIR/demo-key\n"
      "  --ca, --tsa-ca   verify the packs against these roots, as verify "
      "does\n"
      "\n"
      "Makes a pack of every template for the bank's cases "
      "(docs/packs.md).\n" },
    { "help", cmd_help, "show the usage of a command",
      "usage: reportgen help [COMMAND]\n" },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void
print_overview(FILE *f)
{
    fputs(
        "usage: reportgen COMMAND [OPTIONS]\n"
        "       reportgen --help | --version\n"
        "\n"
        "Identity data of a bank (Entra ID, Active Directory, HR, ServiceNow)\n"
        "turned into audit evidence.\n"
        "\n"
        "commands:\n",
        f);
    for (size_t i = 0; i < NCMDS; i++)
        fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
    fputs("\nSee 'reportgen help COMMAND'. Exit codes: 0 ok, 1 verification "
          "failed, 2 usage error, 3 any other failure.\n",
          f);
}

int
rg_cmd_print_usage(const char *cmd, void *f)
{
    for (size_t i = 0; i < NCMDS; i++) {
        if (strcmp(cmds[i].name, cmd) == 0) {
            fputs(cmds[i].usage, f);
            return 0;
        }
    }
    return -1;
}

static int
cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stdout);
        return RG_EXIT_OK;
    }
    if (argc > 2)
        return rg_cmd_usage_error("help", "too many arguments");
    if (rg_cmd_print_usage(argv[1], stdout) < 0) {
        fprintf(stderr, "reportgen: unknown command '%s'\n", argv[1]);
        return RG_EXIT_USAGE;
    }
    return RG_EXIT_OK;
}

int
main(int argc, char **argv)
{
    /*
     * Numbers are written with '.' whatever the user's locale: a decimal
     * comma corrupts XLSX and breaks re-performance of a pack.
     */
    setlocale(LC_ALL, "C");
    if (argc < 2) {
        print_overview(stderr);
        return RG_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_overview(stdout);
        return RG_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("reportgen %s\n", RG_VERSION);
        return RG_EXIT_OK;
    }
    for (size_t i = 0; i < NCMDS; i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr,
            "reportgen: unknown command '%s' (see 'reportgen --help')\n",
            argv[1]);
    return RG_EXIT_USAGE;
}
