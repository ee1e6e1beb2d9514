/*
 * check_consistency.c: dauys-audit check-consistency, a consistency proof
 * between two signed checkpoints, offline.
 */
#include <stdio.h>

#include "cmd/cli.h"
#include "cmd/audit/audit_commands.h"
#include "keys/note.h"
#include "audit/proofs.h"

static const char check_consistency_usage[] =
    "usage: dauys-audit check-consistency (-p CENTRAL.pub | -P KEY)\n"
    "                                     [--origin dauys/REF/MODE]\n"
    "                                     OLD_CHECKPOINT NEW_CHECKPOINT PROOF\n"
    "\n"
    "Checks offline that the log of NEW_CHECKPOINT extends the log of OLD_CHECKPOINT,\n"
    "given the RFC 9162 consistency PROOF (from dauys-audit consistency or dauys\n"
    "proof --consistency); both checkpoints must be signed by the central key. Says\n"
    "which referendum, mode, origin and key ID it checked.\n" AUDIT_TRUST_OPTIONS_USAGE
    "exit status: 0 consistent, 1 not, 2 could not run\n";

static int
verify_consistency(audit_three *t)
{
    dauys_checkpoint old_cp;
    dauys_audit_identity checked;

    if (dauys_audit_check_consistency(t->data[0], t->len[0], t->data[1], t->len[1], t->data[2],
                                      t->len[2], &t->trust.key, &t->err) != 0 ||
        dauys_checkpoint_open(&old_cp, t->data[0], t->len[0], &t->trust.key, NULL, "old checkpoint",
                              &t->err) != 0 || /* held: for its origin */
        audit_pin_origin(old_cp.origin, t->trust.origin, &t->err) != 0) {
        return -1;
    }
    printf("OK: %s extends %s\n", t->paths[1], t->paths[0]);
    dauys_audit_identity_set(&checked, old_cp.origin, &t->trust.key, 0);
    audit_identity_print(stdout, &checked);
    return 0;
}

int
cmd_check_consistency(int argc, char **argv)
{
    static const size_t max[3] = {DAUYS_NOTE_MAX, DAUYS_NOTE_MAX, DAUYS_PROOF_TEXT_MAX};

    return audit_check_three(argc, argv, "check-consistency", check_consistency_usage, 0, max,
                             verify_consistency);
}
