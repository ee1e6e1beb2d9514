/*
 * proof.h: the text form of Merkle proofs that dauys hands to observers and
 * reads back (docs/FORMATS.md, "Proof"):
 *
 *   format: dauys-proof 1
 *   type: inclusion | consistency
 *   index: N          (inclusion: the leaf; consistency: the old tree size)
 *   size: N           (the tree size the proof is for)
 *   hash: <base64>    (zero or more, in RFC 9162 order)
 */
#ifndef DAUYS_CORE_PROOF_H
#define DAUYS_CORE_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/merkle.h"

typedef enum dauys_proof_type { DAUYS_PROOF_INCLUSION, DAUYS_PROOF_CONSISTENCY } dauys_proof_type;

typedef struct dauys_proof_text {
    dauys_proof_type type;
    uint64_t index, size;
    dauys_merkle_proof proof;
} dauys_proof_text;

#define DAUYS_PROOF_TEXT_MAX (128 + DAUYS_MERKLE_PROOF_MAX * 52)

/* Writes P's text into OUT (SIZE >= DAUYS_PROOF_TEXT_MAX). */
int dauys_proof_format(char *out, size_t size, const dauys_proof_text *p,
                       dauys_error *err) DAUYS_WUR;

/* Parses proof TEXT strictly; NAME labels errors. */
int dauys_proof_parse(dauys_proof_text *p, const char *text, size_t len, const char *name,
                      dauys_error *err) DAUYS_WUR;

#endif
