#include "sha256.h"

#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

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

int
dauys_sha256_file(uint8_t out[DAUYS_SHA256_BYTES], const char *path, dauys_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char buf[65536];
    unsigned int out_len = 0;
    int fd = -1, ok, e = 0;
    ssize_t n;

    if (ctx == NULL || dauys_file_open_regular(&fd, path, err) != 0) {
        EVP_MD_CTX_free(ctx);
        return ctx == NULL ? dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", path) : -1;
    }
    ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    while (ok && (n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            e = errno;
            break;
        }
        ok = EVP_DigestUpdate(ctx, buf, (size_t) n);
    }
    ok = ok && e == 0 && EVP_DigestFinal_ex(ctx, out, &out_len);
    EVP_MD_CTX_free(ctx);
    close(fd);
    if (!ok || out_len != DAUYS_SHA256_BYTES) {
        return dauys_error_set(err, e ? DAUYS_E_IO : DAUYS_E_NOMEM, "%s: %s", path,
                               e ? strerror(e) : "SHA-256 failed");
    }
    return 0;
}
