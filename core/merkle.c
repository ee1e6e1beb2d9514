#include "core/merkle.h"

#include <string.h>

#include <openssl/crypto.h>

int
dauys_merkle_leaf_hash(uint8_t out[DAUYS_HASH_BYTES], const void *entry, size_t len)
{
    static const uint8_t prefix = 0x00;
    const void *parts[] = {&prefix, entry};
    const size_t lens[] = {1, len};

    return dauys_sha256_parts(out, parts, lens, 2);
}

int
dauys_merkle_node_hash(uint8_t out[DAUYS_HASH_BYTES], const uint8_t left[DAUYS_HASH_BYTES],
                       const uint8_t right[DAUYS_HASH_BYTES])
{
    static const uint8_t prefix = 0x01;
    const void *parts[] = {&prefix, left, right};
    const size_t lens[] = {1, DAUYS_HASH_BYTES, DAUYS_HASH_BYTES};

    return dauys_sha256_parts(out, parts, lens, 3);
}

/* The largest power of two strictly below N (N >= 2): RFC 9162's split point. */
static uint64_t
split_point(uint64_t n)
{
    uint64_t k = 1;

    while (k << 1 < n) {
        k <<= 1;
    }
    return k;
}

static int
hash_failed(dauys_error *err)
{
    return dauys_error_set(err, DAUYS_E_NOMEM, "SHA-256 failed (out of memory?)");
}

/* MTH(D[begin:end]) for 0 <= begin < end, from the stored complete subtrees. */
static int
subtree_hash(uint8_t out[DAUYS_HASH_BYTES], uint64_t begin, uint64_t end,
             dauys_merkle_node_fn get_node, void *ctx, dauys_error *err)
{
    uint64_t n = end - begin;
    uint8_t left[DAUYS_HASH_BYTES], right[DAUYS_HASH_BYTES];
    uint64_t k;

    if ((n & (n - 1)) == 0 && begin % n == 0) { /* a complete, aligned subtree */
        unsigned level = 0;
        while ((UINT64_C(1) << level) < n) {
            level++;
        }
        return get_node(out, level, begin >> level, ctx, err);
    }
    k = split_point(n);
    if (subtree_hash(left, begin, begin + k, get_node, ctx, err) != 0 ||
        subtree_hash(right, begin + k, end, get_node, ctx, err) != 0) {
        return -1;
    }
    return dauys_merkle_node_hash(out, left, right) == 0 ? 0 : hash_failed(err);
}

int
dauys_merkle_root(uint8_t out[DAUYS_HASH_BYTES], uint64_t size, dauys_merkle_node_fn get_node,
                  void *ctx, dauys_error *err)
{
    if (size == 0) {
        return dauys_sha256(out, "", 0) == 0 ? 0 : hash_failed(err);
    }
    return subtree_hash(out, 0, size, get_node, ctx, err);
}

/* Appends MTH(D[begin:end]) to PROOF. */
static int
proof_push(dauys_merkle_proof *proof, uint64_t begin, uint64_t end, dauys_merkle_node_fn get_node,
           void *ctx, dauys_error *err)
{
    if (proof->count == DAUYS_MERKLE_PROOF_MAX) {
        return dauys_error_set(err, DAUYS_E_USAGE, "Merkle proof longer than %d hashes",
                               DAUYS_MERKLE_PROOF_MAX);
    }
    return subtree_hash(proof->hash[proof->count++], begin, end, get_node, ctx, err);
}

/* PATH(m, D[begin:end]) of RFC 9162 2.1.3.1, for M relative to BEGIN. */
static int
inclusion_path(dauys_merkle_proof *proof, uint64_t m, uint64_t begin, uint64_t end,
               dauys_merkle_node_fn get_node, void *ctx, dauys_error *err)
{
    uint64_t n = end - begin, k;

    if (n == 1) {
        return 0;
    }
    k = split_point(n);
    if (m < k) {
        return inclusion_path(proof, m, begin, begin + k, get_node, ctx, err) ||
               proof_push(proof, begin + k, end, get_node, ctx, err);
    }
    return inclusion_path(proof, m - k, begin + k, end, get_node, ctx, err) ||
           proof_push(proof, begin, begin + k, get_node, ctx, err);
}

int
dauys_merkle_inclusion_proof(dauys_merkle_proof *proof, uint64_t index, uint64_t size,
                             dauys_merkle_node_fn get_node, void *ctx, dauys_error *err)
{
    proof->count = 0;
    if (index >= size) {
        return dauys_error_set(err, DAUYS_E_USAGE, "leaf %llu is not in a tree of %llu leaves",
                               (unsigned long long) index, (unsigned long long) size);
    }
    return inclusion_path(proof, index, 0, size, get_node, ctx, err) != 0 ? -1 : 0;
}

/* SUBPROOF(m, D[begin:end], b) of RFC 9162 2.1.4.1. */
static int
consistency_subproof(dauys_merkle_proof *proof, uint64_t m, uint64_t begin, uint64_t end, int whole,
                     dauys_merkle_node_fn get_node, void *ctx, dauys_error *err)
{
    uint64_t n = end - begin, k;

    if (m == n) {
        return whole ? 0 : proof_push(proof, begin, end, get_node, ctx, err);
    }
    k = split_point(n);
    if (m <= k) {
        return consistency_subproof(proof, m, begin, begin + k, whole, get_node, ctx, err) ||
               proof_push(proof, begin + k, end, get_node, ctx, err);
    }
    return consistency_subproof(proof, m - k, begin + k, end, 0, get_node, ctx, err) ||
           proof_push(proof, begin, begin + k, get_node, ctx, err);
}

int
dauys_merkle_consistency_proof(dauys_merkle_proof *proof, uint64_t old_size, uint64_t new_size,
                               dauys_merkle_node_fn get_node, void *ctx, dauys_error *err)
{
    proof->count = 0;
    if (old_size == 0 || old_size > new_size) {
        return dauys_error_set(err, DAUYS_E_USAGE, "no consistency proof from %llu to %llu leaves",
                               (unsigned long long) old_size, (unsigned long long) new_size);
    }
    return consistency_subproof(proof, old_size, 0, new_size, 1, get_node, ctx, err) != 0 ? -1 : 0;
}

static int
proof_fails(dauys_error *err, const char *what)
{
    return dauys_error_set(err, DAUYS_E_PROOF, "%s", what);
}

int
dauys_merkle_verify_inclusion(const uint8_t leaf_hash[DAUYS_HASH_BYTES], uint64_t index,
                              uint64_t size, const dauys_merkle_proof *proof,
                              const uint8_t root[DAUYS_HASH_BYTES], dauys_error *err)
{
    uint64_t fn = index, sn = size - 1;
    uint8_t r[DAUYS_HASH_BYTES];

    if (index >= size) {
        return proof_fails(err, "inclusion proof: leaf index is outside the tree");
    }
    memcpy(r, leaf_hash, sizeof r);
    for (size_t i = 0; i < proof->count; i++) {
        if (sn == 0) {
            return proof_fails(err, "inclusion proof: too many hashes");
        }
        int ok = (fn & 1) || fn == sn ? dauys_merkle_node_hash(r, proof->hash[i], r)
                                      : dauys_merkle_node_hash(r, r, proof->hash[i]);
        if (ok != 0) {
            return hash_failed(err);
        }
        if (((fn & 1) || fn == sn) && !(fn & 1)) {
            while (fn != 0 && !(fn & 1)) {
                fn >>= 1;
                sn >>= 1;
            }
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0) {
        return proof_fails(err, "inclusion proof: too few hashes");
    }
    if (CRYPTO_memcmp(r, root, sizeof r) != 0) {
        return proof_fails(err, "inclusion proof: does not lead to the root");
    }
    return 0;
}

/* The loop of RFC 9162 2.1.4.2 over PROOF from position START; fills FR, SR. */
static int
consistency_fold(uint8_t fr[DAUYS_HASH_BYTES], uint8_t sr[DAUYS_HASH_BYTES], uint64_t fn,
                 uint64_t sn, const dauys_merkle_proof *proof, size_t start, dauys_error *err)
{
    for (size_t i = start; i < proof->count; i++) {
        const uint8_t *c = proof->hash[i];
        if (sn == 0) {
            return proof_fails(err, "consistency proof: too many hashes");
        }
        if ((fn & 1) || fn == sn) {
            if (dauys_merkle_node_hash(fr, c, fr) != 0 || dauys_merkle_node_hash(sr, c, sr) != 0) {
                return hash_failed(err);
            }
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else if (dauys_merkle_node_hash(sr, sr, c) != 0) {
            return hash_failed(err);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 ? 0 : proof_fails(err, "consistency proof: too few hashes");
}

int
dauys_merkle_verify_consistency(uint64_t old_size, uint64_t new_size,
                                const uint8_t old_root[DAUYS_HASH_BYTES],
                                const uint8_t new_root[DAUYS_HASH_BYTES],
                                const dauys_merkle_proof *proof, dauys_error *err)
{
    uint8_t fr[DAUYS_HASH_BYTES], sr[DAUYS_HASH_BYTES];
    uint64_t fn, sn;
    size_t start = 1;

    if (old_size > new_size) {
        return proof_fails(err, "consistency proof: the old tree is larger than the new one");
    }
    if (old_size == new_size) {
        if (proof->count != 0 || CRYPTO_memcmp(old_root, new_root, DAUYS_HASH_BYTES) != 0) {
            return proof_fails(err, "consistency proof: same size but different roots");
        }
        return 0;
    }
    if (old_size == 0) { /* the empty tree is a prefix of every tree */
        return proof->count == 0 ? 0 : proof_fails(err, "consistency proof: expected no hashes");
    }
    if (proof->count == 0) {
        return proof_fails(err, "consistency proof: empty");
    }
    if ((old_size & (old_size - 1)) == 0) { /* a power of two: the old root starts the path */
        memcpy(fr, old_root, DAUYS_HASH_BYTES);
        start = 0;
    } else {
        memcpy(fr, proof->hash[0], DAUYS_HASH_BYTES);
    }
    memcpy(sr, fr, DAUYS_HASH_BYTES);
    fn = old_size - 1;
    sn = new_size - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    if (consistency_fold(fr, sr, fn, sn, proof, start, err) != 0) {
        return -1;
    }
    if (CRYPTO_memcmp(fr, old_root, DAUYS_HASH_BYTES) != 0 ||
        CRYPTO_memcmp(sr, new_root, DAUYS_HASH_BYTES) != 0) {
        return proof_fails(err, "consistency proof: does not lead to both roots");
    }
    return 0;
}

void
dauys_merkle_range_init(dauys_merkle_range *range)
{
    range->size = 0;
    range->count = 0;
}

int
dauys_merkle_range_append(dauys_merkle_range *range, const uint8_t leaf_hash[DAUYS_HASH_BYTES],
                          dauys_merkle_store_fn on_node, void *ctx, dauys_error *err)
{
    uint64_t index = range->size;
    unsigned level = 0;

    if (on_node != NULL && on_node(0, index, leaf_hash, ctx, err) != 0) {
        return -1;
    }
    memcpy(range->hash[range->count++], leaf_hash, DAUYS_HASH_BYTES);
    /* Each trailing one bit of the old size is a subtree the new leaf completes. */
    for (uint64_t s = range->size; s & 1; s >>= 1) {
        uint8_t *left = range->hash[range->count - 2];
        if (dauys_merkle_node_hash(left, left, range->hash[range->count - 1]) != 0) {
            return hash_failed(err);
        }
        range->count--;
        level++;
        index >>= 1;
        if (on_node != NULL && on_node(level, index, left, ctx, err) != 0) {
            return -1;
        }
    }
    range->size++;
    return 0;
}

int
dauys_merkle_range_root(uint8_t out[DAUYS_HASH_BYTES], const dauys_merkle_range *range)
{
    if (range->count == 0) {
        return dauys_sha256(out, "", 0);
    }
    memcpy(out, range->hash[range->count - 1], DAUYS_HASH_BYTES);
    for (unsigned i = range->count - 1; i-- > 0;) {
        if (dauys_merkle_node_hash(out, range->hash[i], out) != 0) {
            return -1;
        }
    }
    return 0;
}

int
dauys_merkle_array_node(uint8_t out[DAUYS_HASH_BYTES], unsigned level, uint64_t index, void *ctx,
                        dauys_error *err)
{
    const dauys_merkle_array *a = ctx;
    dauys_merkle_range r;
    uint64_t first;

    if (level >= 63 || index > (UINT64_MAX >> level) - 1 || ((index + 1) << level) > a->count) {
        return dauys_error_set(err, DAUYS_E_USAGE, "no subtree %u/%llu in a log of %llu", level,
                               (unsigned long long) index, (unsigned long long) a->count);
    }
    if (level == 0) {
        memcpy(out, a->leaf[index], DAUYS_HASH_BYTES);
        return 0;
    }
    dauys_merkle_range_init(&r);
    first = index << level;
    for (uint64_t i = 0; i < ((uint64_t) 1 << level); i++) {
        if (dauys_merkle_range_append(&r, a->leaf[first + i], NULL, NULL, err) != 0) {
            return -1;
        }
    }
    return dauys_merkle_range_root(out, &r) == 0
               ? 0
               : dauys_error_set(err, DAUYS_E_CRYPTO, "hashing failed");
}
