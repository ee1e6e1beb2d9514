#include "sha256.h"

#include <openssl/evp.h>

int
dauys_sha256_parts(uint8_t out[DAUYS_SHA256_BYTES], const void *const *parts,
                   const size_t *lens, size_t count)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int out_len = 0;
    int ok;

    if (ctx == NULL) {
        return -1;
    }
    ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (size_t i = 0; ok && i < count; i++) {
        ok = EVP_DigestUpdate(ctx, parts[i], lens[i]);
    }
    ok = ok && EVP_DigestFinal_ex(ctx, out, &out_len);
    EVP_MD_CTX_free(ctx);
    return ok && out_len == DAUYS_SHA256_BYTES ? 0 : -1;
}

int
dauys_sha256(uint8_t out[DAUYS_SHA256_BYTES], const void *data, size_t len)
{
    unsigned int out_len = 0;

    if (!EVP_Digest(data, len, out, &out_len, EVP_sha256(), NULL)) {
        return -1;
    }
    return out_len == DAUYS_SHA256_BYTES ? 0 : -1;
}

void
dauys_sha256_hex(char out[2 * DAUYS_SHA256_BYTES + 1], const uint8_t in[DAUYS_SHA256_BYTES])
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < DAUYS_SHA256_BYTES; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * DAUYS_SHA256_BYTES] = '\0';
}
