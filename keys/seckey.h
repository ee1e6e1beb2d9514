/* seckey.h (internal to keys/): signing with a secret key's hidden bytes. */
#ifndef DAUYS_KEYS_SECKEY_H
#define DAUYS_KEYS_SECKEY_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "keys/keys.h"

/* Size of a binary secret key, and the longest secret key file text. */
#define KEYS_SECKEY_BYTES 158
#define KEYS_SECKEY_TEXT_MAX 320

/* Secure-memory workspace for encoding secret keys, reusable across keys so
 * bulk generation makes no secure allocation per key. */
typedef struct keys_scratch {
    uint8_t bin[KEYS_SECKEY_BYTES];
    char text[KEYS_SECKEY_TEXT_MAX];
} keys_scratch;

/* Fills the existing SK and PK with a fresh key pair. */
int dauys_keys_generate_into(dauys_pubkey *pk, dauys_seckey *sk, dauys_error *err) DAUYS_WUR;

/* As dauys_keys_keypair_save, using SCRATCH instead of allocating. */
int dauys_keys_keypair_save_with(keys_scratch *scratch, const char *pub_path, const char *sec_path,
                                 const dauys_pubkey *pk, const dauys_seckey *sk, const char *label,
                                 const char *password, const dauys_kdf *kdf, int sync,
                                 dauys_error *err) DAUYS_WUR;

/* Ed25519-signs MSG with SK into OUT; returns 0 or -1. */
int dauys_keys_seckey_sign(uint8_t out[DAUYS_KEYS_SIG_BYTES], const uint8_t *msg, size_t len,
                           const dauys_seckey *sk) DAUYS_WUR;

#endif
