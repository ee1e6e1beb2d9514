#include "core/sha256.h"

#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <pthread.h>

#include <openssl/evp.h>

/*
 * SHA-256 fetched once. EVP_sha256() in OpenSSL 3 makes every digest look
 * the algorithm up again under a lock; the audit and ingestion hash a few
 * million small things, on several threads.
 */
static const EVP_MD *sha256_md;

static void
fetch_sha256(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (sha256_md == NULL) {
        sha256_md = EVP_sha256();
    }
}

static const EVP_MD *
sha256(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, fetch_sha256);
    return sha256_md;
}

int
dauys_sha256_parts(uint8_t out[DAUYS_SHA256_BYTES], const void *const *parts, const size_t *lens,
                   size_t count)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int out_len = 0;
    int ok;

    if (ctx == NULL) {
        return -1;
    }
    ok = EVP_DigestInit_ex(ctx, sha256(), NULL);
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

    if (!EVP_Digest(data, len, out, &out_len, sha256(), NULL)) {
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
dauys_sha256_stream(uint8_t out[DAUYS_SHA256_BYTES], FILE *fp, const char *name, dauys_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char buf[65536];
    unsigned int out_len = 0;
    size_t n;
    int ok;

    if (ctx == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", name);
    }
    ok = EVP_DigestInit_ex(ctx, sha256(), NULL);
    while (ok && (n = fread(buf, 1, sizeof buf, fp)) > 0) {
        ok = EVP_DigestUpdate(ctx, buf, n);
    }
    int read_failed = ferror(fp);
    ok = ok && !read_failed && EVP_DigestFinal_ex(ctx, out, &out_len);
    EVP_MD_CTX_free(ctx);
    if (!ok || out_len != DAUYS_SHA256_BYTES) {
        return dauys_error_set(err, read_failed ? DAUYS_E_IO : DAUYS_E_NOMEM, "%s: %s", name,
                               read_failed ? "read error" : "SHA-256 failed");
    }
    return 0;
}

int
dauys_sha256_file(uint8_t out[DAUYS_SHA256_BYTES], const char *path, dauys_error *err)
{
    FILE *fp;
    int fd, rc;

    if (dauys_file_open_regular(&fd, path, err) != 0) {
        return -1;
    }
    if ((fp = fdopen(fd, "r")) == NULL) {
        close(fd);
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: %s", path, strerror(errno));
    }
    rc = dauys_sha256_stream(out, fp, path, err);
    fclose(fp);
    return rc;
}
