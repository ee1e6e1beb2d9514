/*
 * check.c: dauys-audit check, a protocol and its receipt against a signed
 * checkpoint, offline.
 */
#include <stdio.h>

#include "cmd/cli.h"
#include "cmd/audit/audit_commands.h"
#include "audit/cosigners.h"
#include "audit/proofs.h"
#include "keys/note.h"
#include "referendum/protocol.h"

static const char check_usage[] =
    "usage: dauys-audit check (-p CENTRAL.pub | -P KEY) [--origin dauys/REF/MODE]\n"
    "                         [--witness VKEY]... [--witness-quorum K] [--manifest FILE]\n"
    "                         PROTOCOL RECEIPT CHECKPOINT\n"
    "\n"
    "Checks offline that PROTOCOL (your copy of your precinct's protocol) is the\n"
    "file the log counted, unchanged: its hash is the receipt's entry's, the entry\n"
    "counted it, and the receipt's proof leads to the root of CHECKPOINT, which the\n"
    "central key signed. RECEIPT comes from dauys-audit prove. Says which\n"
    "referendum, mode, origin and key ID it checked. With --witness, or the\n"
    "witnesses of --manifest, CHECKPOINT must also be cosigned by their "
    "quorum.\n" AUDIT_TRUST_OPTIONS_USAGE AUDIT_WITNESS_OPTIONS_USAGE AUDIT_MANIFEST_OPTIONS_USAGE
    "exit status: 0 proved, 1 it does not hold, 2 could not run\n";

/* With --witness: CHECKPOINT is cosigned by the quorum of them (DAUYS_E_PROOF
 * if not); *C what was found. */
static int
check_cosigned(dauys_audit_cosigned *c, audit_three *t, const dauys_receipt_info *info)
{
    const dauys_witness_policy *p = audit_trust_witnesses(&t->trust);
    char missing[2048];

    if (t->trust.manifest != NULL) {
        if (audit_pin_origin(info->origin, t->trust.manifest_origin, &t->err) != 0) {
            return -1;
        }
    }
    if (p == NULL) {
        return 0;
    }
    if (dauys_audit_cosigned_check(c, t->data[2], t->len[2], p, 0, t->paths[2], &t->err) != 0) {
        return -1;
    }
    if (c->valid < p->quorum) {
        dauys_audit_cosigned_missing(missing, sizeof missing, c, p);
        return dauys_error_set(&t->err, DAUYS_E_PROOF,
                               "%s: checkpoint %llu: cosigned by %zu of %zu witnesses, quorum %zu "
                               "not met: not trusted (%s)",
                               t->paths[2], (unsigned long long) info->size, c->valid, p->count,
                               p->quorum, missing);
    }
    return 0;
}

static int
verify_receipt(audit_three *t)
{
    dauys_receipt_info info;
    dauys_audit_identity checked;
    dauys_audit_cosigned c;
    const dauys_witness_policy *p = audit_trust_witnesses(&t->trust);

    if (dauys_audit_check_receipt(&info, t->data[0], t->len[0], t->data[1], t->len[1], t->data[2],
                                  t->len[2], &t->trust.key, &t->err) != 0 ||
        audit_pin_origin(info.origin, t->trust.origin, &t->err) != 0 ||
        check_cosigned(&c, t, &info) != 0) {
        return -1;
    }
    printf("OK: %s is precinct %s's protocol version %u, logged as %s in entry %llu of the log "
           "of %llu entries that the central key signed\n",
           t->paths[0], info.precinct, info.version, info.event, (unsigned long long) info.index,
           (unsigned long long) info.size);
    dauys_audit_identity_set(&checked, info.origin, &t->trust.key, 0);
    audit_identity_print(stdout, &checked);
    if (p != NULL) {
        printf("witnesses: checkpoint %llu cosigned by %zu of %zu witnesses %s (quorum %zu)\n",
               (unsigned long long) info.size, c.valid, p->count,
               t->trust.witnesses_from_manifest ? "of the manifest" : "given with --witness",
               p->quorum);
    } else if (t->trust.manifest != NULL) {
        printf("witnesses: the manifest names none: the checkpoint is not witnessed\n");
    } else {
        printf("witnesses: none given (--witness, --manifest): the checkpoint's cosignatures "
               "were not checked\n");
    }
    return 0;
}

int
cmd_check(int argc, char **argv)
{
    static const size_t max[3] = {DAUYS_PROTOCOL_FILE_MAX, DAUYS_RECEIPT_MAX, DAUYS_NOTE_MAX};

    return audit_check_three(argc, argv, "check", check_usage, 1, max, verify_receipt);
}
