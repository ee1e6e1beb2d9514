/*
 * note.h: C2SP signed notes (c2sp.org/signed-note) with Ed25519 signatures
 * over dauys keys, and C2SP transparency log checkpoints
 * (c2sp.org/tlog-checkpoint) carried in them.
 *
 * A signed note is a text ending in a newline, a blank line, and one or more
 * signature lines:
 *
 *   TEXT (valid UTF-8, no control characters but newline, ends in "\n")
 *   "\n"
 *   "— " KEY_NAME " " base64(key_id[4] || signature) "\n"   (one or more)
 *
 * where "—" is U+2014 (bytes E2 80 94) and, for Ed25519 (signature type 0x01),
 *
 *   key_id    = SHA-256(KEY_NAME || 0x0A || 0x01 || ed25519_pk[32])[:4]
 *   signature = Ed25519 over TEXT (64 bytes)
 *
 * so notes and checkpoints made here verify with Go's golang.org/x/mod/sumdb/note
 * and the transparency-dev tools given the verifier key from dauys_note_vkey.
 * Only the Ed25519 key of a dauys key pair is used; minisign's 8-byte key id
 * plays no part. A checkpoint's note text is three lines:
 *
 *   ORIGIN "\n" TREE_SIZE (decimal) "\n" base64(ROOT_HASH[32]) "\n"
 *
 * signed under the key name ORIGIN. Functions return 0 on success, -1 with
 * ERR filled on failure. Nothing here allocates.
 */
#ifndef DAUYS_KEYS_NOTE_H
#define DAUYS_KEYS_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "keys/keys.h"

#define DAUYS_NOTE_KEY_ID_BYTES 4
/* Longest key name (and so checkpoint origin) accepted, in bytes. */
#define DAUYS_NOTE_NAME_MAX 255
/*
 * Largest note verified, in bytes. Any number of signature lines fits within
 * it; 16 signatures of the largest post-quantum size the spec warns of
 * (~5 kB each, ~6.7 kB as base64) do.
 */
#define DAUYS_NOTE_MAX (128 * 1024)
/* Most signature lines accepted in a note (as Go's note package). */
#define DAUYS_NOTE_SIGNATURES_MAX 100
/* Length of one Ed25519 signature line, "— NAME BASE64\n", for the longest name. */
#define DAUYS_NOTE_SIG_LINE_MAX (4 + DAUYS_NOTE_NAME_MAX + 1 + 92 + 1)
/* Buffer sizes that always hold the result, NUL included. */
#define DAUYS_NOTE_VKEY_MAX (DAUYS_NOTE_NAME_MAX + 1 + 8 + 1 + 44 + 1)
#define DAUYS_CHECKPOINT_TEXT_MAX (DAUYS_NOTE_NAME_MAX + 1 + 20 + 1 + 44 + 1 + 1)
#define DAUYS_CHECKPOINT_NOTE_MAX (DAUYS_CHECKPOINT_TEXT_MAX + 1 + DAUYS_NOTE_SIG_LINE_MAX)

/* --- signed notes -------------------------------------------------------- */

/*
 * Writes the Ed25519 note key id of PK's public key under KEY_NAME to OUT
 * (the first 4 bytes of the hash, which is the big-endian uint32 the spec
 * names). Returns 0, or -1 if hashing failed.
 */
int dauys_note_key_id(uint8_t out[DAUYS_NOTE_KEY_ID_BYTES], const char *key_name,
                      const dauys_pubkey *pk) DAUYS_WUR;

/*
 * Writes the verifier key "KEY_NAME+KEYID+BASE64" (KEYID 8 lower-case hex
 * digits, BASE64 of 0x01 || the 32-byte public key: Go's note.NewVerifier
 * format) to OUT (SIZE >= DAUYS_NOTE_VKEY_MAX always suffices). KEY_NAME must
 * be a valid key name: non-empty, at most DAUYS_NOTE_NAME_MAX bytes of UTF-8,
 * no Unicode space, '+' or control character (DAUYS_E_USAGE otherwise).
 */
int dauys_note_vkey(char *out, size_t size, const char *key_name, const dauys_pubkey *pk,
                    dauys_error *err) DAUYS_WUR;

/*
 * Signs TEXT with SK under KEY_NAME and writes the signed note, NUL-terminated,
 * to OUT (SIZE >= strlen(TEXT) + 1 + DAUYS_NOTE_SIG_LINE_MAX + 1 suffices).
 * TEXT must be valid UTF-8 ending in a newline with no control character
 * but newline (DAUYS_E_FORMAT, naming "note text" and the line); it may hold
 * blank lines. KEY_NAME as for dauys_note_vkey (DAUYS_E_USAGE). The note is
 * verified with SK's public half before it is returned.
 */
int dauys_note_sign(char *out, size_t size, const char *text, const char *key_name,
                    const dauys_seckey *sk, dauys_error *err) DAUYS_WUR;

/*
 * Verifies the signed note NOTE (LEN bytes, at most DAUYS_NOTE_MAX) against
 * the Ed25519 key PK under KEY_NAME; NAME labels errors (a file name).
 * On success sets *TEXT_LEN (if not NULL) to the length of the note text,
 * which starts at NOTE and ends in its newline.
 *
 * The text ends at the note's last blank line. Every signature line (at
 * most DAUYS_NOTE_SIGNATURES_MAX) must be well formed ("— NAME BASE64\n",
 * canonical base64 of at least 5 bytes); lines by other keys (a different
 * name or key id) are then ignored, whatever their algorithm. Fails
 * with DAUYS_E_FORMAT ("NAME:LINE: ...") for a malformed note, or a
 * signature by this key that is not 68 bytes or appears twice;
 * DAUYS_E_SIGNATURE if the signature by this key does not verify;
 * DAUYS_E_KEY_ID ("no signature by key KEY_NAME") if there is none.
 */
int dauys_note_verify(size_t *text_len, const char *note, size_t len, const char *key_name,
                      const dauys_pubkey *pk, const char *name, dauys_error *err) DAUYS_WUR;

/* --- checkpoints --------------------------------------------------------- */

typedef struct dauys_checkpoint {
    char origin[DAUYS_NOTE_NAME_MAX + 1]; /* NUL-terminated */
    uint64_t size;                        /* number of leaves */
    uint8_t root[32];                     /* RFC 6962 Merkle tree hash */
} dauys_checkpoint;

/*
 * Writes CP's note text "ORIGIN\nSIZE\nBASE64(ROOT)\n" to OUT (SIZE >=
 * DAUYS_CHECKPOINT_TEXT_MAX suffices). The origin must be a valid key name
 * (see dauys_note_vkey), else DAUYS_E_USAGE.
 */
int dauys_checkpoint_format(char *out, size_t size, const dauys_checkpoint *cp,
                            dauys_error *err) DAUYS_WUR;

/*
 * Parses checkpoint note TEXT (LEN bytes) strictly into CP; NAME labels
 * errors. Exactly three lines, each ending in a newline: an origin that is a
 * valid key name; a decimal tree size without leading zeros ("0" for the
 * empty tree) that fits 64 bits; the canonical base64 of a 32-byte root.
 * Extension lines are refused (dauys writes none). DAUYS_E_FORMAT on failure.
 */
int dauys_checkpoint_parse(dauys_checkpoint *cp, const char *text, size_t len, const char *name,
                           dauys_error *err) DAUYS_WUR;

/*
 * Formats CP and signs it with SK under the key name CP->origin (as the
 * checkpoint spec recommends), writing the signed note to OUT (SIZE >=
 * DAUYS_CHECKPOINT_NOTE_MAX suffices).
 */
int dauys_checkpoint_sign(char *out, size_t size, const dauys_checkpoint *cp,
                          const dauys_seckey *sk, dauys_error *err) DAUYS_WUR;

/*
 * Verifies the signed checkpoint NOTE (LEN bytes) with PK under the key name
 * its own origin line gives, as dauys_note_verify, then parses it into CP as
 * dauys_checkpoint_parse; NAME labels errors. When EXPECTED_ORIGIN is not
 * NULL, a validly signed checkpoint for any other origin fails with
 * DAUYS_E_PROOF ("checkpoint is for origin X, not Y"): a key that signs
 * checkpoints for several logs (a test mode and the official count, say)
 * cannot have one passed off as the other. CP is filled only on success.
 */
int dauys_checkpoint_open(dauys_checkpoint *cp, const char *note, size_t len,
                          const dauys_pubkey *pk, const char *expected_origin, const char *name,
                          dauys_error *err) DAUYS_WUR;

/*
 * Splits signed note NOTE (LEN bytes) at its last blank line: *TEXT_LEN is
 * the length of its text (ending in a newline). DAUYS_E_FORMAT if it has no
 * blank line. For callers that must hash or cosign the text (the witness).
 */
int dauys_note_text_length(size_t *text_len, const char *note, size_t len, const char *name,
                           dauys_error *err) DAUYS_WUR;

/*
 * As dauys_checkpoint_open, but the note text may carry extension lines
 * after the three checkpoint lines (non-empty lines; C2SP tlog-checkpoint
 * allows them and a witness must cosign them as they are): for a witness,
 * which serves logs dauys did not write. *TEXT_LEN (if not NULL): the length
 * of the whole note text, extension lines included.
 */
int dauys_checkpoint_open_any(dauys_checkpoint *cp, size_t *text_len, const char *note, size_t len,
                              const dauys_pubkey *pk, const char *expected_origin, const char *name,
                              dauys_error *err) DAUYS_WUR;

#endif
