/*
 * cosigners.h: the witness policy of the audit's commands (verify, check,
 * follow): which witnesses must cosign a checkpoint, how many of them, and
 * what a checkpoint's cosignatures (C2SP tlog-cosignature, keys/cosig.h)
 * give under it. docs/FORMATS.md sections 13.1, 13.2 and 19 (W1).
 *
 * A cosignature counts when it verifies and its time is not more than
 * DAUYS_AUDIT_COSIG_AHEAD seconds ahead of the checker's clock: a witness
 * whose clock runs a day ahead, or a forger who dates a cosignature into the
 * future, is not trusted. Functions return 0, or -1 with ERR filled.
 */
#ifndef DAUYS_AUDIT_COSIGNERS_H
#define DAUYS_AUDIT_COSIGNERS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "keys/cosig.h"
#include "keys/keys.h"

/* How far ahead of the checker's clock a cosignature's time may be, in seconds. */
#define DAUYS_AUDIT_COSIG_AHEAD 86400

/* What a checkpoint's cosignatures give under a policy. */
typedef struct dauys_audit_cosigned {
    size_t valid; /* the policy's witnesses with a cosignature that counts */
    /* per witness of the policy, in its order: what was found (a cosignature
     * too far ahead is not valid, its why says so) */
    dauys_cosig_found found[DAUYS_WITNESSES_MAX];
} dauys_audit_cosigned;

/*
 * Checks the signed note NOTE (LEN bytes; NAME labels errors) against
 * policy P at time NOW (POSIX seconds; 0: the clock's): C->valid is the
 * number of P's witnesses whose cosignature verifies and is not ahead of NOW
 * by more than DAUYS_AUDIT_COSIG_AHEAD. Returns 0 whatever the count (the
 * caller compares it with P->quorum), -1 with ERR if NOTE is not a
 * well-formed signed note.
 */
int dauys_audit_cosigned_check(dauys_audit_cosigned *c, const char *note, size_t len,
                               const dauys_witness_policy *p, uint64_t now, const char *name,
                               dauys_error *err) DAUYS_WUR;

/*
 * Writes to OUT (SIZE bytes, NUL-terminated, cut if needed) what C found
 * for witness I of P, for people: "NAME: cosigned at T", "NAME: no
 * cosignature", or "NAME: " and why its cosignature does not count.
 */
void dauys_audit_cosigned_describe(char *out, size_t size, const dauys_audit_cosigned *c,
                                   const dauys_witness_policy *p, size_t i);

/*
 * Writes to OUT (SIZE bytes) the witnesses of P whose cosignature does not
 * count under C, each described as above, separated by "; " (empty if none).
 */
void dauys_audit_cosigned_missing(char *out, size_t size, const dauys_audit_cosigned *c,
                                  const dauys_witness_policy *p);

/*
 * Verifies one cosignature, given as NAME and BASE64 (a signature line
 * without its "— ": NAME_LEN and B64_LEN bytes), over the checkpoint note
 * TEXT (TEXT_LEN bytes, ending in a newline), by a witness of P. On success
 * *WHICH is the witness's index in P and *TIMESTAMP its time. Fails with
 * DAUYS_E_KEY_ID if no witness of P has that name and key id,
 * DAUYS_E_SIGNATURE if it does not verify or is dated more than
 * DAUYS_AUDIT_COSIG_AHEAD seconds after NOW (0: the clock's),
 * DAUYS_E_FORMAT if it is malformed; LABEL prefixes the message.
 */
int dauys_audit_cosignature_verify(size_t *which, uint64_t *timestamp, const char *text,
                                   size_t text_len, const char *name, size_t name_len,
                                   const char *b64, size_t b64_len, const dauys_witness_policy *p,
                                   uint64_t now, const char *label, dauys_error *err) DAUYS_WUR;

/*
 * Reads the signed manifest PATH and its signature PATH.minisig, verifies
 * the signature with CENTRAL and parses the manifest: *P is its witnesses
 * and quorum (count 0: it names none), ORIGIN (SIZE bytes) its log's origin
 * "dauys/REFERENDUM/MODE". For the commands that hold a manifest but no
 * bundle (check, follow). Fails with the signature's status (DAUYS_E_KEY_ID,
 * DAUYS_E_SIGNATURE ...) if CENTRAL did not sign it, DAUYS_E_FORMAT if it
 * does not parse, another status if it cannot be read.
 */
int dauys_audit_manifest_witnesses(dauys_witness_policy *p, char *origin, size_t size,
                                   const char *path, const dauys_pubkey *central,
                                   dauys_error *err) DAUYS_WUR;

#endif
