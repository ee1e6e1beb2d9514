/*
 * consistency.c: dauys-audit consistency, that a bundle's log extends a
 * checkpoint the observer holds.
 */
#include <getopt.h>
#include <stdio.h>

#include "cmd/cli.h"
#include "cmd/audit/audit_commands.h"
#include "core/alloc.h"
#include "core/file.h"
#include "keys/note.h"
#include "audit/proofs.h"

static const char consistency_usage[] =
    "usage: dauys-audit consistency (-p CENTRAL.pub | -P KEY) [--origin dauys/REF/MODE]\n"
    "                               OLD_CHECKPOINT BUNDLE\n"
    "\n"
    "Checks that the log in BUNDLE only grew since OLD_CHECKPOINT, a checkpoint you\n"
    "kept from earlier: both signed by the central key, the bundle's checkpoint of\n"
    "its own log, and the RFC 9162 consistency proof between them, which it prints.\n"
    "A bundle whose log is shorter (rolled back) or rewritten fails. On stderr: the\n"
    "referendum, mode, origin and key ID checked.\n" AUDIT_TRUST_OPTIONS_USAGE
    "exit status: 0 consistent, 1 not, 2 could not run\n";

int
cmd_consistency(int argc, char **argv)
{
    char *note = NULL, text[DAUYS_PROOF_TEXT_MAX];
    size_t len;
    audit_trust t;
    dauys_audit_identity checked;
    dauys_proof_text proof;
    dauys_checkpoint old_cp, new_cp;
    dauys_error err;
    int rc = audit_parse(argc, argv, "consistency", consistency_usage, &t, 0, 0, 2);

    if (rc != 0) {
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    if (dauys_file_read(&note, &len, argv[optind], DAUYS_NOTE_MAX, &err) != 0) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    rc = dauys_audit_consistency(&proof, &old_cp, &new_cp, note, len, argv[optind + 1], &t.key,
                                 &err);
    dauys_free(note);
    if (rc == 0) {
        rc = audit_pin_origin(old_cp.origin, t.origin, &err);
    }
    if (rc != 0) {
        cli_report(&err);
        return audit_exit_for(&err);
    }
    if (old_cp.size > 0 && dauys_proof_format(text, sizeof text, &proof, &err) == 0) {
        fputs(text, stdout);
    }
    fprintf(stderr, "OK: the log of %llu entries extends the one of %llu entries (%s)\n",
            (unsigned long long) new_cp.size, (unsigned long long) old_cp.size, old_cp.origin);
    dauys_audit_identity_set(&checked, old_cp.origin, &t.key, 0);
    audit_identity_print(stderr, &checked);
    return CLI_EXIT_OK;
}
