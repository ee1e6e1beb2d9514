/*
 * test_merkle.c: the RFC 6962 tree: known-answer roots, proofs from the
 * reference vectors, every proof in trees up to 40 leaves verified, and every
 * corruption of a proof rejected.
 *
 * Reference leaves, roots and proofs: the RFC 6962 test vectors published
 * with the transparency-dev Merkle tree implementation (testonly data), used
 * here as data.
 */
#include "tests/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/merkle.h"

#define MAX_LEAVES 40

/* An in-memory tree: leaf hashes, with complete nodes computed on demand. */
typedef struct mem_tree {
    uint64_t size;
    uint8_t leaf[MAX_LEAVES][32];
} mem_tree;

static int
mem_node(uint8_t out[32], unsigned level, uint64_t index, void *ctx, dauys_error *err)
{
    mem_tree *t = ctx;
    uint8_t l[32], r[32];

    if (level == 0) {
        if (index >= t->size) {
            return dauys_error_set(err, DAUYS_E_USAGE, "no leaf %llu", (unsigned long long) index);
        }
        memcpy(out, t->leaf[index], 32);
        return 0;
    }
    if (mem_node(l, level - 1, 2 * index, ctx, err) != 0 ||
        mem_node(r, level - 1, 2 * index + 1, ctx, err) != 0) {
        return -1;
    }
    return dauys_merkle_node_hash(out, l, r);
}

static void
unhex(uint8_t *out, const char *hex)
{
    for (size_t i = 0; hex[2 * i] != '\0'; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t) v;
    }
}

static const char *const ref_leaves[] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};
static const char *const ref_roots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void
reference_tree(mem_tree *t)
{
    uint8_t data[16];

    t->size = 8;
    for (int i = 0; i < 8; i++) {
        size_t n = strlen(ref_leaves[i]) / 2;
        unhex(data, ref_leaves[i]);
        assert_int_equal(dauys_merkle_leaf_hash(t->leaf[i], data, n), 0);
    }
}

static void
test_reference_roots(void **state)
{
    mem_tree t;
    dauys_merkle_range range;
    uint8_t root[32], want[32];
    dauys_error err;

    (void) state;
    reference_tree(&t);
    dauys_merkle_range_init(&range);
    for (uint64_t n = 0; n <= 8; n++) {
        unhex(want, ref_roots[n]);
        t.size = n;
        assert_int_equal(dauys_merkle_root(root, n, mem_node, &t, &err), 0);
        assert_memory_equal(root, want, 32);
        assert_int_equal(dauys_merkle_range_root(root, &range), 0);
        assert_memory_equal(root, want, 32);
        if (n < 8) {
            assert_int_equal(dauys_merkle_range_append(&range, t.leaf[n], NULL, NULL, &err), 0);
        }
    }
}

/* Asserts PROOF equals the COUNT hex hashes in WANT. */
static void
assert_proof(const dauys_merkle_proof *proof, const char *const *want, size_t count)
{
    uint8_t h[32];

    assert_int_equal(proof->count, count);
    for (size_t i = 0; i < count; i++) {
        unhex(h, want[i]);
        assert_memory_equal(proof->hash[i], h, 32);
    }
}

static void
test_reference_proofs(void **state)
{
    static const char *const incl0[] = {
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"};
    static const char *const incl5[] = {
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"};
    static const char *const cons2_8[] = {
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"};
    static const char *const cons6_8[] = {
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"};
    static const char *const cons2_5[] = {
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"};
    mem_tree t;
    dauys_merkle_proof p;
    dauys_error err;

    (void) state;
    reference_tree(&t);
    assert_int_equal(dauys_merkle_inclusion_proof(&p, 0, 8, mem_node, &t, &err), 0);
    assert_proof(&p, incl0, 3);
    assert_int_equal(dauys_merkle_inclusion_proof(&p, 5, 8, mem_node, &t, &err), 0);
    assert_proof(&p, incl5, 3);
    assert_int_equal(dauys_merkle_consistency_proof(&p, 2, 8, mem_node, &t, &err), 0);
    assert_proof(&p, cons2_8, 2);
    assert_int_equal(dauys_merkle_consistency_proof(&p, 6, 8, mem_node, &t, &err), 0);
    assert_proof(&p, cons6_8, 3);
    assert_int_equal(dauys_merkle_consistency_proof(&p, 2, 5, mem_node, &t, &err), 0);
    assert_proof(&p, cons2_5, 2);
}

static void
synthetic_tree(mem_tree *t, uint64_t n)
{
    t->size = n;
    for (uint64_t i = 0; i < n; i++) {
        uint8_t data[2] = {(uint8_t) i, (uint8_t) (i * 7)};
        assert_int_equal(dauys_merkle_leaf_hash(t->leaf[i], data, 2), 0);
    }
}

/* Every corruption of a valid inclusion proof must fail. */
static void
assert_inclusion_corruptions_fail(const mem_tree *t, uint64_t i, uint64_t n,
                                  const dauys_merkle_proof *p, const uint8_t root[32])
{
    dauys_merkle_proof bad;
    dauys_error err;

    if (n > 1) {
        assert_int_equal(dauys_merkle_verify_inclusion(t->leaf[i], (i + 1) % n, n, p, root, &err),
                         -1);
        assert_error(&err, DAUYS_E_PROOF, NULL);
    }
    /* (A proof need not pin the tree size: for leaf 0 of 3 leaves the same
     * path verifies as size 4. The size is bound by the signed checkpoint.) */
    assert_int_equal(dauys_merkle_verify_inclusion(t->leaf[i], n, n, p, root, &err), -1);
    for (size_t k = 0; k < p->count; k++) {
        bad = *p;
        bad.hash[k][k % 32] ^= 0x01;
        assert_int_equal(dauys_merkle_verify_inclusion(t->leaf[i], i, n, &bad, root, &err), -1);
    }
    if (p->count > 0) {
        bad = *p;
        bad.count--;
        assert_int_equal(dauys_merkle_verify_inclusion(t->leaf[i], i, n, &bad, root, &err), -1);
    }
    bad = *p;
    memset(bad.hash[bad.count++], 0, 32);
    assert_int_equal(dauys_merkle_verify_inclusion(t->leaf[i], i, n, &bad, root, &err), -1);
}

static void
test_all_inclusion_proofs(void **state)
{
    mem_tree t;
    dauys_merkle_proof p;
    uint8_t root[32], other[32];
    dauys_error err;

    (void) state;
    synthetic_tree(&t, MAX_LEAVES);
    for (uint64_t n = 1; n <= MAX_LEAVES; n++) {
        assert_int_equal(dauys_merkle_root(root, n, mem_node, &t, &err), 0);
        for (uint64_t i = 0; i < n; i++) {
            assert_int_equal(dauys_merkle_inclusion_proof(&p, i, n, mem_node, &t, &err), 0);
            assert_int_equal(dauys_merkle_verify_inclusion(t.leaf[i], i, n, &p, root, &err), 0);
            memcpy(other, t.leaf[i], 32);
            other[31] ^= 0x80;
            assert_int_equal(dauys_merkle_verify_inclusion(other, i, n, &p, root, &err), -1);
            assert_inclusion_corruptions_fail(&t, i, n, &p, root);
        }
    }
}

static void
test_all_consistency_proofs(void **state)
{
    mem_tree t;
    dauys_merkle_proof p, bad;
    uint8_t roots[MAX_LEAVES + 1][32];
    dauys_error err;

    (void) state;
    synthetic_tree(&t, MAX_LEAVES);
    for (uint64_t n = 0; n <= MAX_LEAVES; n++) {
        assert_int_equal(dauys_merkle_root(roots[n], n, mem_node, &t, &err), 0);
    }
    for (uint64_t n = 1; n <= MAX_LEAVES; n++) {
        for (uint64_t m = 1; m <= n; m++) {
            assert_int_equal(dauys_merkle_consistency_proof(&p, m, n, mem_node, &t, &err), 0);
            assert_int_equal(dauys_merkle_verify_consistency(m, n, roots[m], roots[n], &p, &err),
                             0);
            if (m == n) {
                assert_int_equal(p.count, 0);
                continue;
            }
            /* A rewritten history: another old root, or another new one. */
            assert_int_equal(
                dauys_merkle_verify_consistency(m, n, roots[m - 1], roots[n], &p, &err), -1);
            assert_error(&err, DAUYS_E_PROOF, NULL);
            assert_int_equal(
                dauys_merkle_verify_consistency(m, n, roots[m], roots[n - 1], &p, &err), -1);
            for (size_t k = 0; k < p.count; k++) {
                bad = p;
                bad.hash[k][7] ^= 0x10;
                assert_int_equal(
                    dauys_merkle_verify_consistency(m, n, roots[m], roots[n], &bad, &err), -1);
            }
            bad = p;
            bad.count--;
            assert_int_equal(dauys_merkle_verify_consistency(m, n, roots[m], roots[n], &bad, &err),
                             -1);
            bad = p;
            memcpy(bad.hash[bad.count++], roots[0], 32);
            assert_int_equal(dauys_merkle_verify_consistency(m, n, roots[m], roots[n], &bad, &err),
                             -1);
        }
    }
    /* From the empty tree anything follows; to a smaller tree nothing does. */
    p.count = 0;
    assert_int_equal(dauys_merkle_verify_consistency(0, 5, roots[0], roots[5], &p, &err), 0);
    assert_int_equal(dauys_merkle_verify_consistency(5, 4, roots[5], roots[4], &p, &err), -1);
    assert_int_equal(dauys_merkle_consistency_proof(&p, 0, 5, mem_node, &t, &err), -1);
}

/* The nodes a compact range reports are exactly the complete subtrees. */
typedef struct node_log {
    uint8_t node[7][MAX_LEAVES][32];
    int seen[7][MAX_LEAVES];
} node_log;

static int
record_node(unsigned level, uint64_t index, const uint8_t hash[32], void *ctx, dauys_error *err)
{
    node_log *log = ctx;

    (void) err;
    assert_false(log->seen[level][index]);
    log->seen[level][index] = 1;
    memcpy(log->node[level][index], hash, 32);
    return 0;
}

static int
stored_node(uint8_t out[32], unsigned level, uint64_t index, void *ctx, dauys_error *err)
{
    node_log *log = ctx;

    if (!log->seen[level][index]) {
        return dauys_error_set(err, DAUYS_E_USAGE, "node %u/%llu never stored", level,
                               (unsigned long long) index);
    }
    memcpy(out, log->node[level][index], 32);
    return 0;
}

static void
test_range_and_stored_nodes(void **state)
{
    static node_log log;
    mem_tree t;
    dauys_merkle_range range;
    dauys_merkle_proof a, b;
    uint8_t r1[32], r2[32];
    dauys_error err;

    (void) state;
    synthetic_tree(&t, MAX_LEAVES);
    dauys_merkle_range_init(&range);
    for (uint64_t n = 1; n <= MAX_LEAVES; n++) {
        assert_int_equal(dauys_merkle_range_append(&range, t.leaf[n - 1], record_node, &log, &err),
                         0);
        assert_int_equal(dauys_merkle_range_root(r1, &range), 0);
        assert_int_equal(dauys_merkle_root(r2, n, stored_node, &log, &err), 0);
        assert_memory_equal(r1, r2, 32);
        assert_int_equal(range.count, (unsigned) __builtin_popcountll(n));
        for (uint64_t i = 0; i < n; i++) {
            assert_int_equal(dauys_merkle_inclusion_proof(&a, i, n, stored_node, &log, &err), 0);
            assert_int_equal(dauys_merkle_inclusion_proof(&b, i, n, mem_node, &t, &err), 0);
            assert_int_equal(a.count, b.count);
            assert_memory_equal(a.hash, b.hash, 32 * a.count);
        }
    }
}

/* dauys_merkle_array_node: roots and proofs over leaves in memory equal the compact range's. */
static void
test_array_node(void **state)
{
    uint8_t leaf[37][DAUYS_HASH_BYTES], want[DAUYS_HASH_BYTES], got[DAUYS_HASH_BYTES];
    dauys_merkle_array a = {(const uint8_t(*)[DAUYS_HASH_BYTES]) leaf, 0};
    dauys_merkle_range r;
    dauys_error err;
    (void) state;

    dauys_merkle_range_init(&r);
    for (uint64_t n = 1; n <= 37; n++) {
        char entry[16];
        snprintf(entry, sizeof entry, "entry %llu", (unsigned long long) n);
        assert_int_equal(dauys_merkle_leaf_hash(leaf[n - 1], entry, strlen(entry)), 0);
        assert_int_equal(dauys_merkle_range_append(&r, leaf[n - 1], NULL, NULL, &err), 0);
        a.count = n;
        assert_int_equal(dauys_merkle_range_root(want, &r), 0);
        assert_int_equal(dauys_merkle_root(got, n, dauys_merkle_array_node, &a, &err), 0);
        assert_memory_equal(got, want, DAUYS_HASH_BYTES);
    }
    /* A subtree beyond the leaves is refused. */
    assert_int_equal(dauys_merkle_array_node(got, 5, 1, &a, &err), -1);
    assert_int_equal(err.status, DAUYS_E_USAGE);
    assert_int_equal(dauys_merkle_array_node(got, 0, 37, &a, &err), -1);
    assert_int_equal(dauys_merkle_array_node(got, 63, 0, &a, &err), -1);
    assert_int_equal(dauys_merkle_array_node(got, 5, 0, &a, &err), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_roots),
        cmocka_unit_test(test_reference_proofs),
        cmocka_unit_test(test_all_inclusion_proofs),
        cmocka_unit_test(test_all_consistency_proofs),
        cmocka_unit_test(test_range_and_stored_nodes),
        cmocka_unit_test(test_array_node),
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
