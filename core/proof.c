#include "core/proof.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/decimal.h"
#include "core/kvtext.h"

int
dauys_proof_format(char *out, size_t size, const dauys_proof_text *p, dauys_error *err)
{
    char b64[sodium_base64_ENCODED_LEN(DAUYS_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    size_t n;
    int k = snprintf(out, size, "format: dauys-proof 1\ntype: %s\nindex: %llu\nsize: %llu\n",
                     p->type == DAUYS_PROOF_INCLUSION ? "inclusion" : "consistency",
                     (unsigned long long) p->index, (unsigned long long) p->size);

    if (k < 0 || (size_t) k >= size) {
        return dauys_error_set(err, DAUYS_E_USAGE, "proof: output buffer too small");
    }
    n = (size_t) k;
    for (size_t i = 0; i < p->proof.count; i++) {
        sodium_bin2base64(b64, sizeof b64, p->proof.hash[i], DAUYS_HASH_BYTES,
                          sodium_base64_VARIANT_ORIGINAL);
        k = snprintf(out + n, size - n, "hash: %s\n", b64);
        if (k < 0 || (size_t) k >= size - n) {
            return dauys_error_set(err, DAUYS_E_USAGE, "proof: output buffer too small");
        }
        n += (size_t) k;
    }
    return 0;
}

/* Reads a line KEY holding a uint64 (any size, not just counts). */
static int
expect_u64(dauys_kv *kv, const char *key, uint64_t *out, dauys_error *err)
{
    size_t n;

    if (dauys_kv_expect(kv, key, err) != 0) {
        return -1;
    }
    n = kv->value_len;
    /* "at most 19 digits" (FORMATS.md): the largest is 19 nines */
    if (dauys_decimal_read(out, kv->value, n, UINT64_C(9999999999999999999), 0) ==
        DAUYS_DECIMAL_OK) {
        return 0;
    }
    /* the message names the rule broken first: the length or a leading zero */
    if (n <= 19 && !(n > 1 && kv->value[0] == '0')) {
        return dauys_kv_fail(kv, err, "not a number");
    }
    return dauys_kv_fail(kv, err, "not a number (no leading zero, at most 19 digits)");
}

/* Decodes the value last read as one canonical base64 hash into OUT. */
static int
read_hash(const dauys_kv *kv, uint8_t out[DAUYS_HASH_BYTES], dauys_error *err)
{
    char again[64];
    size_t got = 0;
    const char *end = NULL;

    if (kv->value_len != 44 ||
        sodium_base642bin(out, DAUYS_HASH_BYTES, kv->value, kv->value_len, NULL, &got, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != DAUYS_HASH_BYTES || end != kv->value + kv->value_len) {
        return dauys_kv_fail(kv, err, "not 32 bytes of base64");
    }
    sodium_bin2base64(again, sizeof again, out, DAUYS_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
    if (memcmp(again, kv->value, 44) != 0) {
        return dauys_kv_fail(kv, err, "base64 is not in canonical form");
    }
    return 0;
}

int
dauys_proof_parse(dauys_proof_text *p, const char *text, size_t len, const char *name,
                  dauys_error *err)
{
    dauys_kv kv;

    memset(p, 0, sizeof *p);
    dauys_kv_init(&kv, text, len, name);
    if (dauys_kv_expect(&kv, "format", err) != 0) {
        return -1;
    }
    if (kv.value_len != 13 || memcmp(kv.value, "dauys-proof 1", 13) != 0) {
        return dauys_kv_fail(&kv, err, "expected \"dauys-proof 1\"");
    }
    if (dauys_kv_expect(&kv, "type", err) != 0) {
        return -1;
    }
    if (dauys_kv_is(&kv, "type") && kv.value_len == 9 && memcmp(kv.value, "inclusion", 9) == 0) {
        p->type = DAUYS_PROOF_INCLUSION;
    } else if (kv.value_len == 11 && memcmp(kv.value, "consistency", 11) == 0) {
        p->type = DAUYS_PROOF_CONSISTENCY;
    } else {
        return dauys_kv_fail(&kv, err, "expected \"inclusion\" or \"consistency\"");
    }
    if (expect_u64(&kv, "index", &p->index, err) != 0 ||
        expect_u64(&kv, "size", &p->size, err) != 0) {
        return -1;
    }
    while (!dauys_kv_done(&kv)) {
        if (p->proof.count == DAUYS_MERKLE_PROOF_MAX) {
            return dauys_error_set(err, DAUYS_E_FORMAT, "%s: more than %d hashes", name,
                                   DAUYS_MERKLE_PROOF_MAX);
        }
        if (dauys_kv_expect(&kv, "hash", err) != 0 ||
            read_hash(&kv, p->proof.hash[p->proof.count++], err) != 0) {
            return -1;
        }
    }
    return 0;
}
