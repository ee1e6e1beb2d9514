/*
 * check.c: dauys-audit check, a protocol and its receipt against a signed
 * checkpoint, offline.
 */
#include <stdio.h>

#include "cmd/cli.h"
#include "cmd/audit/audit_commands.h"
#include "audit/proofs.h"
#include "keys/note.h"
#include "referendum/protocol.h"

static const char check_usage[] =
    "usage: dauys-audit check (-p CENTRAL.pub | -P KEY) [--origin dauys/REF/MODE]\n"
    "                         PROTOCOL RECEIPT CHECKPOINT\n"
    "\n"
    "Checks offline that PROTOCOL (your copy of your precinct's protocol) is the\n"
    "file the log counted, unchanged: its hash is the receipt's entry's, the entry\n"
    "counted it, and the receipt's proof leads to the root of CHECKPOINT, which the\n"
    "central key signed. RECEIPT comes from dauys-audit prove. Says which\n"
    "referendum, mode, origin and key ID it checked.\n" AUDIT_TRUST_OPTIONS_USAGE
    "exit status: 0 proved, 1 it does not hold, 2 could not run\n";

static int
verify_receipt(audit_three *t)
{
    dauys_receipt_info info;
    dauys_audit_identity checked;

    if (dauys_audit_check_receipt(&info, t->data[0], t->len[0], t->data[1], t->len[1], t->data[2],
                                  t->len[2], &t->trust.key, &t->err) != 0 ||
        audit_pin_origin(info.origin, t->trust.origin, &t->err) != 0) {
        return -1;
    }
    printf("OK: %s is precinct %s's protocol version %u, logged as %s in entry %llu of the log "
           "of %llu entries that the central key signed\n",
           t->paths[0], info.precinct, info.version, info.event, (unsigned long long) info.index,
           (unsigned long long) info.size);
    dauys_audit_identity_set(&checked, info.origin, &t->trust.key, 0);
    audit_identity_print(stdout, &checked);
    return 0;
}

int
cmd_check(int argc, char **argv)
{
    static const size_t max[3] = {DAUYS_PROTOCOL_FILE_MAX, DAUYS_RECEIPT_MAX, DAUYS_NOTE_MAX};

    return audit_check_three(argc, argv, "check", check_usage, max, verify_receipt);
}
