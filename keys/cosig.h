/*
 * cosig.h: witness cosignatures on checkpoints, C2SP tlog-cosignature
 * (cosignature/v1, Ed25519), and the policy that asks for k of n of them.
 *
 * A cosignature is one more signature line on a checkpoint note:
 *
 *   "— " NAME " " base64(key_id[4] || timestamp[8] || signature[64]) "\n"
 *
 * (76 bytes, 104 base64 characters), where, for the witness's Ed25519 key PK,
 *
 *   key_id    = SHA-256(NAME || 0x0A || 0x04 || PK[32])[:4]
 *   timestamp = the POSIX time of cosigning, big-endian, at most 2^63 - 1
 *   signature = Ed25519 over "cosignature/v1\ntime " DECIMAL(timestamp) "\n"
 *               followed by the checkpoint's note text (its lines, the final
 *               newline included, no signature line)
 *
 * A witness's public key is written as a verifier key (C2SP signed-note
 * "vkey"): NAME "+" KEYID (8 lower-case hex digits) "+" base64(0x04 || PK).
 * A witness key pair is a dauys key pair (keys.h); only its Ed25519 key is
 * used. Functions return 0 on success, -1 with ERR filled on failure. Nothing
 * here allocates.
 */
#ifndef DAUYS_KEYS_COSIG_H
#define DAUYS_KEYS_COSIG_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "keys/keys.h"
#include "keys/note.h"

/* The signature type byte of cosignature/v1 over Ed25519 in key ids and vkeys. */
#define DAUYS_COSIG_TYPE 0x04
/* key id, timestamp, Ed25519 signature. */
#define DAUYS_COSIG_BYTES (DAUYS_NOTE_KEY_ID_BYTES + 8 + DAUYS_KEYS_SIG_BYTES)
#define DAUYS_COSIG_B64_LEN 104
/* One cosignature line, "— NAME BASE64\n", for the longest name (no NUL). */
#define DAUYS_COSIG_LINE_MAX (4 + DAUYS_NOTE_NAME_MAX + 1 + DAUYS_COSIG_B64_LEN + 1)
/* A verifier key "NAME+KEYID+BASE64", NUL included. */
#define DAUYS_COSIG_VKEY_MAX (DAUYS_NOTE_NAME_MAX + 1 + 8 + 1 + 44 + 1)
/* Most witnesses a policy (a manifest) names. */
#define DAUYS_WITNESSES_MAX 32
/* A checkpoint signed by the log and cosigned by every witness of a policy, NUL included. */
#define DAUYS_COSIGNED_NOTE_MAX                                                                    \
    (DAUYS_CHECKPOINT_NOTE_MAX + DAUYS_WITNESSES_MAX * DAUYS_COSIG_LINE_MAX)
/* The longest checkpoint text (its lines and extension lines) a cosignature covers. */
#define DAUYS_COSIG_TEXT_MAX 8192
/* The largest timestamp a cosignature may carry (the spec's 2^63 - 1). */
#define DAUYS_COSIG_TIME_MAX INT64_MAX

/* One witness: its key name, Ed25519 public key and cosignature key id. */
typedef struct dauys_witness_key {
    char name[DAUYS_NOTE_NAME_MAX + 1]; /* NUL-terminated */
    uint8_t pk[DAUYS_KEYS_PUBLIC_BYTES];
    uint8_t id[DAUYS_NOTE_KEY_ID_BYTES];
} dauys_witness_key;

/* Whom a client trusts: checkpoints cosigned by at least QUORUM of KEY[0..COUNT). */
typedef struct dauys_witness_policy {
    size_t count, quorum; /* quorum 0 with count 0: no witnesses asked for */
    dauys_witness_key key[DAUYS_WITNESSES_MAX];
} dauys_witness_policy;

/*
 * Fills W for the witness NAME (a valid note key name, else DAUYS_E_USAGE)
 * with the Ed25519 public key PK (a weak key is refused, DAUYS_E_FORMAT),
 * computing its cosignature key id.
 */
int dauys_cosig_key_init(dauys_witness_key *w, const char *name,
                         const uint8_t pk[DAUYS_KEYS_PUBLIC_BYTES], dauys_error *err) DAUYS_WUR;

/*
 * Parses the verifier key VKEY (LEN bytes, no newline) into W: a valid key
 * name, "+", the key id as 8 lower-case hex digits, "+", the canonical base64
 * of 0x04 and a 32-byte Ed25519 key that is not weak. The key id must be the
 * one the name and key give. DAUYS_E_FORMAT naming what is wrong, prefixed
 * by LABEL (a file and line, or an option).
 */
int dauys_cosig_vkey_parse(dauys_witness_key *w, const char *vkey, size_t len, const char *label,
                           dauys_error *err) DAUYS_WUR;

/* Writes W's verifier key to OUT (SIZE >= DAUYS_COSIG_VKEY_MAX suffices), NUL-terminated. */
int dauys_cosig_vkey_format(char *out, size_t size, const dauys_witness_key *w,
                            dauys_error *err) DAUYS_WUR;

/*
 * Cosigns the checkpoint note text TEXT (TEXT_LEN bytes: the note's lines
 * up to, not including, the blank line; it must end in a newline) as the
 * witness NAME with SK at time TIMESTAMP (<= DAUYS_COSIG_TIME_MAX), writing
 * the signature line "— NAME BASE64\n", NUL-terminated, to LINE (SIZE >=
 * DAUYS_COSIG_LINE_MAX + 1 suffices). The line is verified with SK's public
 * half before it is returned.
 */
int dauys_cosig_sign(char *line, size_t size, const char *text, size_t text_len, uint64_t timestamp,
                     const char *name, const dauys_seckey *sk, dauys_error *err) DAUYS_WUR;

/*
 * Verifies witness W's cosignature on the signed note NOTE (LEN bytes, at
 * most DAUYS_NOTE_MAX; every signature line must be well formed, as for
 * dauys_note_verify); NAME labels errors. On success sets *TIMESTAMP (if not
 * NULL). Fails with DAUYS_E_KEY_ID if W has no line on the note,
 * DAUYS_E_SIGNATURE if W's line does not verify, DAUYS_E_FORMAT for a
 * malformed note, a line by W that is not 76 bytes, a timestamp over 2^63 - 1,
 * or two lines by W.
 */
int dauys_cosig_verify(uint64_t *timestamp, const char *note, size_t len,
                       const dauys_witness_key *w, const char *name, dauys_error *err) DAUYS_WUR;

/* What a policy check found for one witness. */
typedef struct dauys_cosig_found {
    int valid;          /* 1: a cosignature by this witness verifies */
    uint64_t timestamp; /* its time, when valid */
    dauys_error why;    /* when not valid: none (DAUYS_E_KEY_ID), or why it fails */
} dauys_cosig_found;

/*
 * Checks NOTE (LEN bytes) against policy P: *VALID is the number of P's
 * witnesses whose cosignature verifies, and FOUND[i] (P->count entries, may
 * be NULL) what was found for P->key[i]. Returns 0 whatever the count (the
 * caller compares *VALID with P->quorum), or -1 with ERR if NOTE is not a
 * well-formed signed note.
 */
int dauys_cosig_policy_check(size_t *valid, dauys_cosig_found *found, const char *note, size_t len,
                             const dauys_witness_policy *p, const char *name,
                             dauys_error *err) DAUYS_WUR;

/*
 * Adds to the signed note NOTE (a NUL-terminated string in a buffer of SIZE
 * bytes) the cosignature lines of LINES (LINES_LEN bytes: zero or more
 * "— NAME BASE64\n" lines, as a witness answers) that are by a witness of P
 * and verify over NOTE's text, unless NOTE already has a valid cosignature
 * by that witness. Lines by other keys are ignored (the spec's rule); a line
 * by a witness of P that does not verify is ignored too and counted in
 * *REJECTED (may be NULL). *ADDED (may be NULL): lines added. Fails with
 * DAUYS_E_FORMAT if LINES is not a sequence of well-formed signature lines
 * (NOTE unchanged), DAUYS_E_TOO_LARGE if SIZE is too small.
 */
int dauys_cosig_merge(char *note, size_t size, size_t *added, size_t *rejected, const char *lines,
                      size_t lines_len, const dauys_witness_policy *p, dauys_error *err) DAUYS_WUR;

#endif
