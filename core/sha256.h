/*
 * sha256.h: SHA-256 through OpenSSL's EVP interface (measured ~4x faster than
 * libsodium's on these machines; DESIGN.md section 3). Used for file hashes,
 * the log's hash chain and the RFC 6962 Merkle tree.
 */
#ifndef DAUYS_CORE_SHA256_H
#define DAUYS_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

#define DAUYS_SHA256_BYTES 32

/*
 * Writes SHA-256 of the concatenation of the COUNT byte strings PARTS[i] (of
 * LENS[i] bytes) to OUT. Returns 0, or -1 if OpenSSL failed (out of memory).
 */
int dauys_sha256_parts(uint8_t out[DAUYS_SHA256_BYTES], const void *const *parts,
                       const size_t *lens, size_t count) DAUYS_WUR;

/* SHA-256 of LEN bytes at DATA into OUT. Returns 0, or -1 if OpenSSL failed. */
int dauys_sha256(uint8_t out[DAUYS_SHA256_BYTES], const void *data, size_t len) DAUYS_WUR;

/* SHA-256 of the file PATH, read in chunks (any size). Returns 0 or -1 with ERR. */
/* The SHA-256 of everything left in FP (NAME for errors). 0, or -1 (ERR). */
int dauys_sha256_stream(uint8_t out[DAUYS_SHA256_BYTES], FILE *fp, const char *name,
                        dauys_error *err) DAUYS_WUR;

int dauys_sha256_file(uint8_t out[DAUYS_SHA256_BYTES], const char *path,
                      dauys_error *err) DAUYS_WUR;

/* Lower-case hex of the digest IN into OUT (65 bytes with the NUL). */
void dauys_sha256_hex(char out[2 * DAUYS_SHA256_BYTES + 1], const uint8_t in[DAUYS_SHA256_BYTES]);

#endif
