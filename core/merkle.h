/*
 * merkle.h: the RFC 6962 / RFC 9162 Merkle tree hash, its inclusion and
 * consistency proofs, and a compact range for cheap appends.
 *
 *   leaf hash  = SHA-256(0x00 || entry)
 *   node hash  = SHA-256(0x01 || left || right)
 *   empty tree = SHA-256()
 *   MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n
 *
 * so that proofs made here verify with other tlog tools and vice versa.
 * Proof generation reads complete subtree hashes through a callback, so the
 * tree may live in memory (tests, the audit) or in SQLite (the log).
 */
#ifndef DAUYS_CORE_MERKLE_H
#define DAUYS_CORE_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/sha256.h"

#define DAUYS_HASH_BYTES DAUYS_SHA256_BYTES
/* A proof for a tree of fewer than 2^63 leaves has at most 64 hashes. */
#define DAUYS_MERKLE_PROOF_MAX 64

typedef struct dauys_merkle_proof {
    size_t count;
    uint8_t hash[DAUYS_MERKLE_PROOF_MAX][DAUYS_HASH_BYTES];
} dauys_merkle_proof;

/* SHA-256(0x00 || ENTRY). Returns 0, or -1 if hashing failed. */
int dauys_merkle_leaf_hash(uint8_t out[DAUYS_HASH_BYTES], const void *entry, size_t len) DAUYS_WUR;

/* SHA-256(0x01 || LEFT || RIGHT). Returns 0 or -1. */
int dauys_merkle_node_hash(uint8_t out[DAUYS_HASH_BYTES], const uint8_t left[DAUYS_HASH_BYTES],
                           const uint8_t right[DAUYS_HASH_BYTES]) DAUYS_WUR;

/*
 * Reads the hash of the complete subtree at LEVEL covering leaves
 * [INDEX << LEVEL, (INDEX + 1) << LEVEL) into OUT (level 0: a leaf hash).
 * Returns 0, or -1 with ERR filled.
 */
typedef int (*dauys_merkle_node_fn)(uint8_t out[DAUYS_HASH_BYTES], unsigned level, uint64_t index,
                                    void *ctx, dauys_error *err);

/* The root of the first SIZE leaves of the tree behind GET_NODE. */
int dauys_merkle_root(uint8_t out[DAUYS_HASH_BYTES], uint64_t size, dauys_merkle_node_fn get_node,
                      void *ctx, dauys_error *err) DAUYS_WUR;

/* The inclusion proof (RFC 9162 2.1.3.1) of leaf INDEX in the tree of SIZE leaves. */
int dauys_merkle_inclusion_proof(dauys_merkle_proof *proof, uint64_t index, uint64_t size,
                                 dauys_merkle_node_fn get_node, void *ctx,
                                 dauys_error *err) DAUYS_WUR;

/* The consistency proof (RFC 9162 2.1.4.1) from size OLD to size NEW (0 < OLD <= NEW). */
int dauys_merkle_consistency_proof(dauys_merkle_proof *proof, uint64_t old_size, uint64_t new_size,
                                   dauys_merkle_node_fn get_node, void *ctx,
                                   dauys_error *err) DAUYS_WUR;

/*
 * Verifies (RFC 9162 2.1.3.2) that LEAF_HASH is leaf INDEX of the tree of SIZE
 * leaves whose root is ROOT. Returns 0, or -1 with status DAUYS_E_PROOF: the
 * index is out of range, the proof has the wrong length, or it does not lead
 * to ROOT.
 */
int dauys_merkle_verify_inclusion(const uint8_t leaf_hash[DAUYS_HASH_BYTES], uint64_t index,
                                  uint64_t size, const dauys_merkle_proof *proof,
                                  const uint8_t root[DAUYS_HASH_BYTES], dauys_error *err) DAUYS_WUR;

/*
 * Verifies (RFC 9162 2.1.4.2) that the tree of OLD_SIZE leaves with root
 * OLD_ROOT is a prefix of the tree of NEW_SIZE leaves with root NEW_ROOT.
 * Status on failure as dauys_merkle_verify_inclusion.
 */
int dauys_merkle_verify_consistency(uint64_t old_size, uint64_t new_size,
                                    const uint8_t old_root[DAUYS_HASH_BYTES],
                                    const uint8_t new_root[DAUYS_HASH_BYTES],
                                    const dauys_merkle_proof *proof, dauys_error *err) DAUYS_WUR;

/*
 * A compact range [0, size): the roots of the perfect subtrees the leaves so
 * far fall into, largest first (one per set bit of size). Appending is
 * amortised O(1) hashes; the root is O(log size).
 */
typedef struct dauys_merkle_range {
    uint64_t size;
    unsigned count;
    uint8_t hash[64][DAUYS_HASH_BYTES];
} dauys_merkle_range;

void dauys_merkle_range_init(dauys_merkle_range *range);

/*
 * Appends LEAF_HASH. For each perfect subtree completed by the append (the
 * leaf itself at level 0, then its merged parents), calls ON_NODE(level,
 * index, hash, ctx) when ON_NODE is not NULL, so a store can keep every
 * complete node for proofs. Returns 0, or -1 with ERR filled.
 */
typedef int (*dauys_merkle_store_fn)(unsigned level, uint64_t index,
                                     const uint8_t hash[DAUYS_HASH_BYTES], void *ctx,
                                     dauys_error *err);
int dauys_merkle_range_append(dauys_merkle_range *range, const uint8_t leaf_hash[DAUYS_HASH_BYTES],
                              dauys_merkle_store_fn on_node, void *ctx, dauys_error *err) DAUYS_WUR;

/* The root of the tree the range covers. */
int dauys_merkle_range_root(uint8_t out[DAUYS_HASH_BYTES],
                            const dauys_merkle_range *range) DAUYS_WUR;

/* Leaf hashes held in memory, for dauys_merkle_array_node. */
typedef struct dauys_merkle_array {
    const uint8_t (*leaf)[DAUYS_HASH_BYTES];
    uint64_t count;
} dauys_merkle_array;

/*
 * A dauys_merkle_node_fn over CTX, a dauys_merkle_array: the hash of the
 * complete subtree at LEVEL, INDEX, computed from its leaves. DAUYS_E_USAGE
 * for a subtree beyond the array.
 */
int dauys_merkle_array_node(uint8_t out[DAUYS_HASH_BYTES], unsigned level, uint64_t index,
                            void *ctx, dauys_error *err) DAUYS_WUR;

#endif
