/*
 * retally.c: dauys-audit retally, the result statement as the audit
 * derives it.
 */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/audit/audit_commands.h"
#include "core/alloc.h"
#include "audit/verify.h"

static const char retally_usage[] =
    "usage: dauys-audit retally (-p CENTRAL.pub | -P KEY | --trust-bundle-key) BUNDLE\n"
    "\n"
    "Prints the result statement as the audit derives it from the bundle's signed\n"
    "protocols and log, in the format of result.txt, so that the two can be\n"
    "compared with diff. Lines whose area holds a protocol the audit could not\n"
    "read are printed from what could be read, and the command exits 1.\n"
    "BUNDLE is the bundle's directory or its archive. On stderr: the referendum,\n"
    "mode, origin and key ID checked. It lists no failures: run verify for them.\n"
    "  -p, --central-key FILE  the central commission's public key, from a source you\n"
    "  -P KEY                  trust (pinned)\n"
    "  --trust-bundle-key      check with the bundle's own central.pub (a warning says\n"
    "                          this proves nothing about who made the bundle)\n"
    "exit status: 0 printed, 1 some lines are incomplete, 2 could not run\n";

int
cmd_retally(int argc, char **argv)
{
    static const struct option longopts[] = {AUDIT_TRUST_LONGOPTS, {NULL, 0, NULL, 0}};
    dauys_audit_summary sum;
    dauys_audit_options opt = {0};
    audit_trust t = {0};
    dauys_error err;
    char *text = NULL;
    size_t len = 0;
    uint64_t unknown = 0;
    int c;

    opt.statement = &text;
    opt.statement_len = &len;
    while ((c = getopt_long(argc, argv, "p:P:h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(retally_usage, stdout);
            return CLI_EXIT_OK;
        }
        if (c == AUDIT_OPT_ORIGIN || !audit_trust_option(&t, c, optarg)) {
            fputs(retally_usage, stderr); /* --origin: retally lists no failures to pin with */
            return CLI_EXIT_FAIL;
        }
    }
    if (argc - optind != 1) {
        fputs(retally_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    if (audit_trust_load(&t, "retally", 1) != 0) {
        return CLI_EXIT_FAIL;
    }
    opt.central = audit_trust_key(&t);
    opt.trust_bundle_key = t.bundle_key;
    if (dauys_audit_verify(&sum, argv[optind], &opt, &err) != 0) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    fwrite(text, 1, len, stdout);
    dauys_free(text);
    audit_identity_print(stderr, &sum.checked);
    unknown = sum.statement_unknown;
    if (unknown > 0) {
        cli_message("%llu lines hold protocols that could not be read (run verify)",
                    (unsigned long long) unknown);
    }
    return unknown ? CLI_EXIT_BAD : CLI_EXIT_OK;
}
