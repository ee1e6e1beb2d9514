/*
 * proofs.h: what an observer runs with a few files and no database.
 *
 * A *receipt* is the inclusion proof (core/proof.h format) of the log entry
 * that counts a precinct's protocol, followed by that entry's exact bytes
 * (docs/FORMATS.md section 13.1). With their own copy of the protocol, the
 * receipt and a checkpoint signed by the central key, an observer learns
 * offline that the protocol was logged as counted, unchanged.
 *
 * Functions return 0, or -1 with ERR: DAUYS_E_PROOF, DAUYS_E_SIGNATURE,
 * DAUYS_E_FORMAT or DAUYS_E_KEY_ID when the evidence does not hold up (a
 * discrepancy), other statuses when the check could not be made.
 */
#ifndef DAUYS_AUDIT_PROOFS_H
#define DAUYS_AUDIT_PROOFS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "keys/keys.h"
#include "keys/note.h"
#include "core/proof.h"
#include "audit/verify.h"

#define DAUYS_RECEIPT_MAX (DAUYS_PROOF_TEXT_MAX + 1024)

/*
 * Writes the receipt for PRECINCT's counting protocol in the bundle's log,
 * against the bundle's checkpoint, to OUT (SIZE >= DAUYS_RECEIPT_MAX); its
 * entry index in *ENTRY. The checkpoint must be signed by CENTRAL (the key
 * the caller trusts; NULL: the bundle's own central.pub, which shows only
 * that the bundle is consistent) and, if ORIGIN is not NULL, be of that
 * origin. CHECKED (if not NULL) says what was checked. DAUYS_E_PROOF if the
 * precinct has no counting protocol, the bundle's checkpoint is not of its
 * log or of another origin; DAUYS_E_SIGNATURE or DAUYS_E_KEY_ID if CENTRAL
 * did not sign it.
 */
int dauys_audit_prove(char *out, size_t size, uint64_t *entry, dauys_audit_identity *checked,
                      const char *bundle, const char *precinct, const dauys_pubkey *central,
                      const char *origin, dauys_error *err) DAUYS_WUR;

typedef struct dauys_receipt_info {
    uint64_t index, size;
    char event[16], precinct[65];
    uint32_t version;
    char origin[DAUYS_NOTE_NAME_MAX + 1]; /* the checkpoint's */
} dauys_receipt_info;

/*
 * Checks that PROTOCOL (its bytes) is the file of the receipt's entry, that
 * the entry counted it, and that the entry is in the log whose checkpoint
 * CHECKPOINT (a signed note) CENTRAL signed. INFO says what was proved.
 */
int dauys_audit_check_receipt(dauys_receipt_info *info, const char *protocol, size_t protocol_len,
                              const char *receipt, size_t receipt_len, const char *checkpoint,
                              size_t checkpoint_len, const dauys_pubkey *central,
                              dauys_error *err) DAUYS_WUR;

/*
 * Checks that the bundle's log is an extension of the one the signed
 * checkpoint OLD (held by the observer) covers: both checkpoints signed by
 * CENTRAL, the bundle's checkpoint covering its log, and the RFC 9162
 * consistency proof between them, which it writes to *PROOF. A bundle with
 * fewer entries than OLD was rolled back (DAUYS_E_PROOF).
 */
int dauys_audit_consistency(dauys_proof_text *proof, dauys_checkpoint *old_cp,
                            dauys_checkpoint *new_cp, const char *old_note, size_t old_len,
                            const char *bundle, const dauys_pubkey *central,
                            dauys_error *err) DAUYS_WUR;

/* Checks the consistency PROOF (text) between the signed checkpoints OLD and NEW. */
int dauys_audit_check_consistency(const char *old_note, size_t old_len, const char *new_note,
                                  size_t new_len, const char *proof, size_t proof_len,
                                  const dauys_pubkey *central, dauys_error *err) DAUYS_WUR;

#endif
