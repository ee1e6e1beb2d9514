/*
 * prove.c: dauys-audit prove, a precinct's receipt from a bundle.
 */
#include <getopt.h>
#include <stdio.h>

#include "cmd/cli.h"
#include "cmd/audit/audit_commands.h"
#include "audit/proofs.h"

static const char prove_usage[] =
    "usage: dauys-audit prove (-p CENTRAL.pub | -P KEY | --trust-bundle-key)\n"
    "                         [--origin dauys/REF/MODE] BUNDLE PRECINCT\n"
    "\n"
    "Prints PRECINCT's receipt: the RFC 9162 inclusion proof of the log entry that\n"
    "counts its protocol, against the bundle's checkpoint, followed by that entry.\n"
    "The checkpoint must be signed by the central key. Save the receipt; with the\n"
    "protocol and the signed checkpoint anyone can then run dauys-audit check\n"
    "offline. Format: docs/FORMATS.md, section 13.1. On stderr: the referendum,\n"
    "mode, origin and key ID checked.\n" AUDIT_TRUST_OPTIONS_USAGE
    "  --trust-bundle-key      check with the bundle's own central.pub instead (a loud\n"
    "                          warning: anyone can make a bundle with their own key)\n"
    "exit status: 0 printed, 1 the precinct has no counted protocol or the checkpoint\n"
    "does not hold, 2 could not run\n";

int
cmd_prove(int argc, char **argv)
{
    char receipt[DAUYS_RECEIPT_MAX];
    uint64_t entry;
    audit_trust t;
    dauys_audit_identity checked;
    dauys_error err;
    int rc = audit_parse(argc, argv, "prove", prove_usage, &t, 1, 0, 2);

    if (rc != 0) {
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    if (dauys_audit_prove(receipt, sizeof receipt, &entry, &checked, argv[optind], argv[optind + 1],
                          audit_trust_key(&t), t.origin, &err) != 0) {
        cli_report(&err);
        return audit_exit_for(&err);
    }
    fputs(receipt, stdout);
    fprintf(stderr, "receipt: entry %llu of the log, against the bundle's checkpoint\n",
            (unsigned long long) entry);
    audit_identity_print(stderr, &checked);
    return CLI_EXIT_OK;
}
