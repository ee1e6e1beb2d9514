/* seckey.h (internal to keys/): signing with a secret key's hidden bytes. */
#ifndef DAUYS_KEYS_SECKEY_H
#define DAUYS_KEYS_SECKEY_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

/* Ed25519-signs MSG with SK into OUT; returns 0 or -1. */
int keys_seckey_sign(uint8_t out[DAUYS_KEYS_SIG_BYTES], const uint8_t *msg, size_t len,
                     const dauys_seckey *sk) DAUYS_WUR;

#endif
