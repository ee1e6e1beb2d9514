/*
 * keys.h: Ed25519 keys and signatures in minisign's file formats.
 *
 * A protocol signed here verifies with stock `minisign -V`, and a file signed
 * by `minisign -S` verifies here (DESIGN.md section 3). Formats, as minisign
 * defines them (all multi-byte integers little-endian):
 *
 *   public key  "Ed" || key_id[8] || ed25519_pk[32]
 *   secret key  "Ed" || kdf[2] ("Sc" scrypt, or two zero bytes) || "B2" ||
 *               salt[32] || opslimit[8] || memlimit[8] ||
 *               (key_id[8] || ed25519_sk[64] || blake2b_256_checksum[32])
 *               where the parenthesised part is XORed with an scrypt stream
 *               derived from the password when kdf is "Sc"
 *   signature   "ED" || key_id[8] || ed25519(BLAKE2b-512(file))[64]
 *               ("Ed": legacy, signs the file itself; verified, never made)
 *   global sig  ed25519(signature[64] || trusted_comment)
 *
 * each stored as base64 lines under an "untrusted comment: " line. Secret
 * keys live only in secure memory (sodium_malloc) and are wiped when freed.
 * Functions return 0 on success, -1 with ERR filled on failure.
 */
#ifndef DAUYS_KEYS_KEYS_H
#define DAUYS_KEYS_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define DAUYS_KEYS_ID_BYTES 8
#define DAUYS_KEYS_PUBLIC_BYTES 32
#define DAUYS_KEYS_SIG_BYTES 64
#define DAUYS_KEYS_PREHASH_BYTES 64
/* Longest comments accepted, in bytes, within minisign's own line limits. */
#define DAUYS_KEYS_COMMENT_MAX 1000
#define DAUYS_KEYS_TRUSTED_COMMENT_MAX 8000
#define DAUYS_KEYS_PASSWORD_MAX 1024
/* Buffer sizes that always hold an encoded file, NUL included. */
#define DAUYS_KEYS_PUBKEY_TEXT_MAX (20 + DAUYS_KEYS_COMMENT_MAX + 1 + 56 + 2)
#define DAUYS_KEYS_SIGNATURE_TEXT_MAX                                                              \
    (20 + DAUYS_KEYS_COMMENT_MAX + 1 + 100 + 1 + 18 + DAUYS_KEYS_TRUSTED_COMMENT_MAX + 1 + 88 + 2)
/* Largest key or signature file read. */
#define DAUYS_KEYS_FILE_MAX (DAUYS_KEYS_SIGNATURE_TEXT_MAX + 64)

typedef struct dauys_pubkey {
    uint8_t id[DAUYS_KEYS_ID_BYTES];
    uint8_t pk[DAUYS_KEYS_PUBLIC_BYTES];
} dauys_pubkey;

/* A secret key; opaque, always in secure memory. */
typedef struct dauys_seckey dauys_seckey;

/* scrypt cost for encrypting a secret key (stored in the key file). */
typedef struct dauys_kdf {
    uint64_t opslimit;
    uint64_t memlimit;
} dauys_kdf;

/* minisign's default: 2^25 operations, 1 GiB of memory (seconds per key);
 * also the most a key file may ask for when loaded. */
extern const dauys_kdf dauys_keys_kdf_sensitive;
/* For bulk keys: 2^19 operations, 16 MiB (tens of milliseconds per key). */
extern const dauys_kdf dauys_keys_kdf_interactive;

typedef struct dauys_signature {
    int prehashed; /* 1: "ED", over BLAKE2b-512 of the file; 0: legacy "Ed" */
    uint8_t key_id[DAUYS_KEYS_ID_BYTES];
    uint8_t sig[DAUYS_KEYS_SIG_BYTES];
    char trusted_comment[DAUYS_KEYS_TRUSTED_COMMENT_MAX + 1];
    uint8_t global_sig[DAUYS_KEYS_SIG_BYTES];
} dauys_signature;

/*
 * Fills BUF (SIZE bytes) with a NUL-terminated password for the secret key
 * NAME; returns 0, or -1 if none can be had. Called only for encrypted keys.
 */
typedef int (*dauys_password_fn)(char *buf, size_t size, const char *name, void *ctx);

/* --- key pairs ----------------------------------------------------------- */

/*
 * Makes a new key pair with a random key id. *SK is the caller's, freed with
 * dauys_keys_seckey_free.
 */
int dauys_keys_generate(dauys_pubkey *pk, dauys_seckey **sk, dauys_error *err) DAUYS_WUR;

/* A secret key's storage in secure memory, uninitialised (NULL if out of
 * memory), to be filled by dauys_keys_from_seed and freed with
 * dauys_keys_seckey_free. */
dauys_seckey *dauys_keys_seckey_new(void);

#define DAUYS_KEYS_SEED_BYTES 32

/*
 * Fills SK and PK with the key pair derived from SEED (Ed25519's seed
 * derivation; the key id from a BLAKE2b hash of SEED). Deterministic: for
 * mock referendums and tests, which must be reproducible (dauys demo). A real
 * commission's key comes from dauys_keys_generate.
 */
int dauys_keys_from_seed(dauys_pubkey *pk, dauys_seckey *sk,
                         const uint8_t seed[DAUYS_KEYS_SEED_BYTES], dauys_error *err) DAUYS_WUR;

/* Wipes and frees SK (NULL is fine). */
void dauys_keys_seckey_free(dauys_seckey *sk);

/* The public half of SK. */
void dauys_keys_seckey_public(dauys_pubkey *pk, const dauys_seckey *sk);

/* The key id as minisign prints it: 16 upper-case hex digits. */
void dauys_keys_id_hex(char out[2 * DAUYS_KEYS_ID_BYTES + 1],
                       const uint8_t id[DAUYS_KEYS_ID_BYTES]);

/* --- public keys --------------------------------------------------------- */

/*
 * Writes the public key file text for PK to OUT (SIZE >= DAUYS_KEYS_PUBKEY_TEXT_MAX):
 * an untrusted comment naming the key id and LABEL (may be NULL), then base64.
 */
int dauys_keys_pubkey_encode(char *out, size_t size, const dauys_pubkey *pk, const char *label,
                             dauys_error *err) DAUYS_WUR;

/*
 * Why the 32-byte Ed25519 public key PK must not be trusted, or NULL if it may:
 * a point of small order (the identity and the seven others of order 2, 4 or
 * 8, in any sign) or an encoding that is not canonical (y >= 2^255 - 19).
 * libsodium refuses every signature under such a key, but other verifiers
 * (OpenSSL's among them) accept forgeries under a small-order key, so a roster
 * holding one would mean different things to different auditors. Every
 * public key dauys reads (decode, from_base64, load) is checked: a weak key is
 * refused wherever it appears. A static string; cheap (no curve arithmetic).
 */
const char *dauys_keys_pubkey_weakness(const uint8_t pk[DAUYS_KEYS_PUBLIC_BYTES]);

/* Parses the bare base64 form of a public key (as `minisign -P` takes it). */
int dauys_keys_pubkey_from_base64(dauys_pubkey *pk, const char *b64, size_t len,
                                  dauys_error *err) DAUYS_WUR;

/* As dauys_keys_pubkey_from_base64, but a weak key is decoded too: for a
 * reader that must report it where it stands and go on (the audit reading a
 * roster), never for a key about to be trusted. */
int dauys_keys_pubkey_from_base64_any(dauys_pubkey *pk, const char *b64, size_t len,
                                      dauys_error *err) DAUYS_WUR;

/* The bare base64 form of PK into OUT (at least 57 bytes). */
void dauys_keys_pubkey_to_base64(char out[57], const dauys_pubkey *pk);

/* Parses public key file TEXT (LEN bytes); NAME labels errors (a file name). */
int dauys_keys_pubkey_decode(dauys_pubkey *pk, const char *text, size_t len, const char *name,
                             dauys_error *err) DAUYS_WUR;

/* Reads and parses the public key file PATH. */
int dauys_keys_pubkey_load(dauys_pubkey *pk, const char *path, dauys_error *err) DAUYS_WUR;

/* --- secret keys --------------------------------------------------------- */

/*
 * Encodes SK as secret key file text into *OUT (secure memory, NUL-terminated;
 * free with dauys_secure_free), *LEN its length. Encrypted with PASSWORD at
 * cost KDF, or stored in the clear when PASSWORD is NULL.
 */
int dauys_keys_seckey_encode(char **out, size_t *len, const dauys_seckey *sk, const char *password,
                             const dauys_kdf *kdf, dauys_error *err) DAUYS_WUR;

/*
 * Parses secret key file TEXT into *SK (the caller's). For an encrypted key,
 * asks GET_PASSWORD(…, CTX) and fails with DAUYS_E_PASSWORD when the checksum
 * shows it wrong. NAME labels errors.
 */
int dauys_keys_seckey_decode(dauys_seckey **sk, const char *text, size_t len, const char *name,
                             dauys_password_fn get_password, void *ctx, dauys_error *err) DAUYS_WUR;

/*
 * Loads the secret key file PATH: refuses symbolic links and files group or
 * others can access (DAUYS_E_PERMISSION), then as dauys_keys_seckey_decode.
 */
int dauys_keys_seckey_load(dauys_seckey **sk, const char *path, dauys_password_fn get_password,
                           void *ctx, dauys_error *err) DAUYS_WUR;

/*
 * 1 if TEXT (LEN bytes, any content) holds a minisign secret key: a line
 * that is the base64 of a secret key's 158 bytes with its algorithm tags
 * ("Ed", then "Sc" or two zero bytes, then "B2"), padded or not, spaces, tabs
 * and a CR ignored, wherever the line stands; else 0; -1 if no secure
 * memory could be had (nothing is known). For readers that keep and publish
 * what they read (ingest): a secret key must never be among it. The bytes
 * are decoded into secure memory and wiped.
 */
int dauys_keys_text_holds_seckey(const char *text, size_t len) DAUYS_WUR;

/*
 * Writes a key pair: SEC_PATH (created exclusively, O_NOFOLLOW, mode 0600)
 * and PUB_PATH (exclusively, mode 0644). Neither may exist. On failure
 * neither is left behind. PASSWORD and KDF as for dauys_keys_seckey_encode.
 * With SYNC the files are fsynced (bulk callers sync once at the end instead).
 */
int dauys_keys_keypair_save(const char *pub_path, const char *sec_path, const dauys_pubkey *pk,
                            const dauys_seckey *sk, const char *label, const char *password,
                            const dauys_kdf *kdf, int sync, dauys_error *err) DAUYS_WUR;

/*
 * Makes a key pair for each of the COUNT ids: DIR/ID.pub and DIR/ID.key, as
 * dauys_keys_keypair_save, on THREADS threads (0: one per CPU for encrypted
 * keys, where scrypt dominates; one for unencrypted keys). All or
 * nothing: fails before writing if any of the files exists, and on any later
 * failure removes every file it wrote. Syncs the file system once at the end.
 */
int dauys_keys_generate_bulk(const char *dir, char *const *ids, size_t count, const char *password,
                             const dauys_kdf *kdf, unsigned threads, dauys_error *err) DAUYS_WUR;

/* --- signatures ---------------------------------------------------------- */

/* BLAKE2b-512 of MSG, the input "ED" signatures sign. */
void dauys_keys_prehash(uint8_t out[DAUYS_KEYS_PREHASH_BYTES], const void *msg, size_t len);

/* BLAKE2b-512 of the regular file PATH, read in chunks (any size); anything
 * else (a FIFO, a directory, a device) is refused with DAUYS_E_IO. */
int dauys_keys_prehash_file(uint8_t out[DAUYS_KEYS_PREHASH_BYTES], const char *path,
                            dauys_error *err) DAUYS_WUR;

/*
 * Signs the prehash H with SK and TRUSTED_COMMENT (one line: no CR or LF, at
 * most DAUYS_KEYS_TRUSTED_COMMENT_MAX bytes), then re-verifies the result
 * with SK's public half before returning it in SIG.
 */
int dauys_keys_sign_prehashed(dauys_signature *sig, const uint8_t h[DAUYS_KEYS_PREHASH_BYTES],
                              const char *trusted_comment, const dauys_seckey *sk,
                              dauys_error *err) DAUYS_WUR;

/*
 * Writes signature file text for SIG into OUT (SIZE >= DAUYS_KEYS_SIGNATURE_TEXT_MAX)
 * under UNTRUSTED_COMMENT (one line; NULL for the default).
 */
int dauys_keys_signature_encode(char *out, size_t size, const dauys_signature *sig,
                                const char *untrusted_comment, dauys_error *err) DAUYS_WUR;

/* Parses signature file TEXT strictly; NAME labels errors. */
int dauys_keys_signature_decode(dauys_signature *sig, const char *text, size_t len,
                                const char *name, dauys_error *err) DAUYS_WUR;

/* Reads and parses the signature file PATH. */
int dauys_keys_signature_load(dauys_signature *sig, const char *path, dauys_error *err) DAUYS_WUR;

/*
 * Verifies SIG over the prehash H with PK: key ids must match
 * (DAUYS_E_KEY_ID), the signature must hold (DAUYS_E_SIGNATURE), and so must
 * the global signature over the trusted comment (DAUYS_E_COMMENT_SIGNATURE).
 * A legacy signature cannot be checked against a prehash (DAUYS_E_ALGORITHM).
 */
int dauys_keys_verify_prehashed(const dauys_signature *sig,
                                const uint8_t h[DAUYS_KEYS_PREHASH_BYTES], const dauys_pubkey *pk,
                                dauys_error *err) DAUYS_WUR;

/* Verifies SIG over the message MSG (either form) with PK. */
int dauys_keys_verify(const dauys_signature *sig, const void *msg, size_t len,
                      const dauys_pubkey *pk, dauys_error *err) DAUYS_WUR;

/* Verifies SIG over the file PATH (either form) with PK. */
int dauys_keys_verify_file(const dauys_signature *sig, const char *path, const dauys_pubkey *pk,
                           dauys_error *err) DAUYS_WUR;

/* 1 if STATUS means "the signature is bad" (CLI exit 1), 0 if "could not check". */
int dauys_keys_status_is_bad_signature(dauys_status status);

#endif
