/*
 * signature.c: minisign signatures: making, encoding, parsing, verifying.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/file.h"
#include "keys/keys.h"
#include "keys/seckey.h"
#include "keys/text.h"

/* Legacy signatures sign the whole file in memory: bound it, as minisign does. */
#define LEGACY_MESSAGE_MAX (UINT64_C(1) << 30)
#define SIG_BYTES (2 + DAUYS_KEYS_ID_BYTES + DAUYS_KEYS_SIG_BYTES)
#define DEFAULT_UNTRUSTED_COMMENT "signature from dauys secret key"

static const uint8_t alg_prehashed[2] = {'E', 'D'};
static const uint8_t alg_legacy[2] = {'E', 'd'};

void
dauys_keys_prehash(uint8_t out[DAUYS_KEYS_PREHASH_BYTES], const void *msg, size_t len)
{
    crypto_generichash(out, DAUYS_KEYS_PREHASH_BYTES, msg, len, NULL, 0);
}

int
dauys_keys_prehash_file(uint8_t out[DAUYS_KEYS_PREHASH_BYTES], const char *path, dauys_error *err)
{
    crypto_generichash_state st;
    unsigned char buf[65536];
    ssize_t n;
    int fd;

    /* Only a regular file: opening a FIFO would wait for a writer forever. */
    if (dauys_file_open_regular(&fd, path, err) != 0) {
        return -1;
    }
    crypto_generichash_init(&st, NULL, 0, DAUYS_KEYS_PREHASH_BYTES);
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int e = errno;
            close(fd);
            return dauys_error_set(err, DAUYS_E_IO, "%s: %s", path, strerror(e));
        }
        crypto_generichash_update(&st, buf, (size_t) n);
    }
    close(fd);
    crypto_generichash_final(&st, out, DAUYS_KEYS_PREHASH_BYTES);
    return 0;
}

/*
 * Checks the global signature: Ed25519 over SIG->sig || the trusted comment.
 * The message is assembled in a heap buffer (the comment may be 8 KB).
 */
static int
verify_global(const dauys_signature *sig, const dauys_pubkey *pk, dauys_error *err)
{
    size_t tc_len = strlen(sig->trusted_comment);
    uint8_t *msg = dauys_malloc(DAUYS_KEYS_SIG_BYTES + tc_len);
    int rc;

    if (msg == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory verifying a signature");
    }
    memcpy(msg, sig->sig, DAUYS_KEYS_SIG_BYTES);
    memcpy(msg + DAUYS_KEYS_SIG_BYTES, sig->trusted_comment, tc_len);
    rc = crypto_sign_verify_detached(sig->global_sig, msg, DAUYS_KEYS_SIG_BYTES + tc_len, pk->pk);
    dauys_free(msg);
    if (rc != 0) {
        return dauys_error_set(err, DAUYS_E_COMMENT_SIGNATURE,
                               "the trusted comment's signature (global signature) is invalid");
    }
    return 0;
}

/* Verifies SIG over MSG, which is the prehash or the file as SIG's form says. */
static int
verify_message(const dauys_signature *sig, const uint8_t *msg, size_t len, const dauys_pubkey *pk,
               dauys_error *err)
{
    char want[2 * DAUYS_KEYS_ID_BYTES + 1], got[2 * DAUYS_KEYS_ID_BYTES + 1];

    if (memcmp(sig->key_id, pk->id, DAUYS_KEYS_ID_BYTES) != 0) {
        dauys_keys_id_hex(got, sig->key_id);
        dauys_keys_id_hex(want, pk->id);
        return dauys_error_set(err, DAUYS_E_KEY_ID,
                               "signed by key %s, but the public key given is %s", got, want);
    }
    if (crypto_sign_verify_detached(sig->sig, msg, len, pk->pk) != 0) {
        return dauys_error_set(err, DAUYS_E_SIGNATURE, "the signature does not match the file");
    }
    return verify_global(sig, pk, err);
}

int
dauys_keys_verify_prehashed(const dauys_signature *sig, const uint8_t h[DAUYS_KEYS_PREHASH_BYTES],
                            const dauys_pubkey *pk, dauys_error *err)
{
    if (!sig->prehashed) {
        return dauys_error_set(err, DAUYS_E_ALGORITHM,
                               "legacy (\"Ed\") signature: needs the file, not its hash");
    }
    return verify_message(sig, h, DAUYS_KEYS_PREHASH_BYTES, pk, err);
}

int
dauys_keys_verify(const dauys_signature *sig, const void *msg, size_t len, const dauys_pubkey *pk,
                  dauys_error *err)
{
    uint8_t h[DAUYS_KEYS_PREHASH_BYTES];

    if (!sig->prehashed) {
        return verify_message(sig, msg, len, pk, err);
    }
    dauys_keys_prehash(h, msg, len);
    return verify_message(sig, h, sizeof h, pk, err);
}

int
dauys_keys_verify_file(const dauys_signature *sig, const char *path, const dauys_pubkey *pk,
                       dauys_error *err)
{
    uint8_t h[DAUYS_KEYS_PREHASH_BYTES];
    char *msg;
    size_t len;
    int rc;

    if (sig->prehashed) {
        if (dauys_keys_prehash_file(h, path, err) != 0) {
            return -1;
        }
        return verify_message(sig, h, sizeof h, pk, err);
    }
    if (dauys_file_read(&msg, &len, path, LEGACY_MESSAGE_MAX, err) != 0) {
        return -1;
    }
    rc = verify_message(sig, (const uint8_t *) msg, len, pk, err);
    dauys_free(msg);
    return rc;
}

int
dauys_keys_sign_prehashed(dauys_signature *sig, const uint8_t h[DAUYS_KEYS_PREHASH_BYTES],
                          const char *trusted_comment, const dauys_seckey *sk, dauys_error *err)
{
    dauys_pubkey pk;
    dauys_error check;
    size_t tc_len;
    uint8_t *msg;
    int rc;

    if (dauys_keys_text_check_comment(trusted_comment, DAUYS_KEYS_TRUSTED_COMMENT_MAX) != 0) {
        return dauys_error_set(err, DAUYS_E_USAGE,
                               "trusted comment: must be one line of at most %d bytes",
                               DAUYS_KEYS_TRUSTED_COMMENT_MAX);
    }
    dauys_keys_seckey_public(&pk, sk);
    tc_len = strlen(trusted_comment);
    memset(sig, 0, sizeof *sig);
    sig->prehashed = 1;
    memcpy(sig->key_id, pk.id, sizeof sig->key_id);
    memcpy(sig->trusted_comment, trusted_comment, tc_len + 1);
    if ((msg = dauys_malloc(DAUYS_KEYS_SIG_BYTES + tc_len)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory signing");
    }
    rc = dauys_keys_seckey_sign(sig->sig, h, DAUYS_KEYS_PREHASH_BYTES, sk);
    memcpy(msg, sig->sig, DAUYS_KEYS_SIG_BYTES);
    memcpy(msg + DAUYS_KEYS_SIG_BYTES, trusted_comment, tc_len);
    rc |= dauys_keys_seckey_sign(sig->global_sig, msg, DAUYS_KEYS_SIG_BYTES + tc_len, sk);
    dauys_free(msg);
    if (rc != 0) {
        return dauys_error_set(err, DAUYS_E_CRYPTO, "Ed25519 signing failed");
    }
    /* Re-verify what we made before anyone writes it (minisign, signify). */
    if (dauys_keys_verify_prehashed(sig, h, &pk, &check) != 0) {
        memset(sig, 0, sizeof *sig);
        if (check.status == DAUYS_E_NOMEM) {
            return dauys_error_set(err, DAUYS_E_NOMEM, "%s", check.message);
        }
        return dauys_error_set(err, DAUYS_E_CRYPTO, "the new signature failed its own check: %s",
                               check.message);
    }
    return 0;
}

int
dauys_keys_signature_encode(char *out, size_t size, const dauys_signature *sig,
                            const char *untrusted_comment, dauys_error *err)
{
    uint8_t bin[SIG_BYTES];
    char sig_b64[101], global_b64[89];
    int n;

    if (untrusted_comment == NULL) {
        untrusted_comment = DEFAULT_UNTRUSTED_COMMENT;
    }
    if (dauys_keys_text_check_comment(untrusted_comment, DAUYS_KEYS_COMMENT_MAX) != 0 ||
        dauys_keys_text_check_comment(sig->trusted_comment, DAUYS_KEYS_TRUSTED_COMMENT_MAX) != 0) {
        return dauys_error_set(err, DAUYS_E_USAGE, "signature comments: must be single lines");
    }
    memcpy(bin, sig->prehashed ? alg_prehashed : alg_legacy, 2);
    memcpy(bin + 2, sig->key_id, DAUYS_KEYS_ID_BYTES);
    memcpy(bin + 2 + DAUYS_KEYS_ID_BYTES, sig->sig, DAUYS_KEYS_SIG_BYTES);
    (void) dauys_keys_text_to_base64(sig_b64, sizeof sig_b64, bin, sizeof bin);
    (void) dauys_keys_text_to_base64(global_b64, sizeof global_b64, sig->global_sig,
                                     DAUYS_KEYS_SIG_BYTES);
    n = snprintf(out, size, KEYS_UNTRUSTED_PREFIX "%s\n%s\n" KEYS_TRUSTED_PREFIX "%s\n%s\n",
                 untrusted_comment, sig_b64, sig->trusted_comment, global_b64);
    if (n < 0 || (size_t) n >= size) {
        return dauys_error_set(err, DAUYS_E_USAGE, "signature: output buffer too small");
    }
    return 0;
}

/* Fills SIG's form, key id and signature from the binary BIN at line T. */
static int
signature_from_bin(dauys_signature *sig, const uint8_t bin[SIG_BYTES], const keys_text *t,
                   dauys_error *err)
{
    if (memcmp(bin, alg_prehashed, 2) == 0) {
        sig->prehashed = 1;
    } else if (memcmp(bin, alg_legacy, 2) == 0) {
        sig->prehashed = 0;
    } else {
        return dauys_error_set(err, DAUYS_E_ALGORITHM,
                               "%s:%u: signature: unknown algorithm tag 0x%02x%02x "
                               "(expected \"ED\" or \"Ed\")",
                               t->name, t->line, bin[0], bin[1]);
    }
    memcpy(sig->key_id, bin + 2, DAUYS_KEYS_ID_BYTES);
    memcpy(sig->sig, bin + 2 + DAUYS_KEYS_ID_BYTES, DAUYS_KEYS_SIG_BYTES);
    return 0;
}

int
dauys_keys_signature_decode(dauys_signature *sig, const char *text, size_t len, const char *name,
                            dauys_error *err)
{
    uint8_t bin[SIG_BYTES];
    keys_text t;
    const char *s = NULL;
    size_t n = 0;

    memset(sig, 0, sizeof *sig);
    dauys_keys_text_init(&t, text, len, name);
    if (dauys_keys_text_comment_line(&t, err) != 0 ||
        dauys_keys_text_base64_line(&t, bin, sizeof bin, "signature", err) != 0 ||
        signature_from_bin(sig, bin, &t, err) != 0 ||
        dauys_keys_text_line(&t, &s, &n, "trusted comment", err) != 0 ||
        dauys_keys_text_prefix(&t, &s, &n, KEYS_TRUSTED_PREFIX, "trusted comment", err) != 0) {
        return -1;
    }
    if (dauys_keys_text_comment_fits(&t, n, DAUYS_KEYS_TRUSTED_COMMENT_MAX, "trusted comment",
                                     err) != 0) {
        return -1;
    }
    memcpy(sig->trusted_comment, s, n);
    sig->trusted_comment[n] = '\0';
    if (dauys_keys_text_base64_line(&t, sig->global_sig, DAUYS_KEYS_SIG_BYTES, "global signature",
                                    err) != 0) {
        return -1;
    }
    return dauys_keys_text_end(&t, err);
}

int
dauys_keys_signature_load(dauys_signature *sig, const char *path, dauys_error *err)
{
    char *text;
    size_t len;
    int rc;

    if (dauys_file_read(&text, &len, path, DAUYS_KEYS_FILE_MAX, err) != 0) {
        if (err != NULL && err->status == DAUYS_E_TOO_LARGE) {
            err->status = DAUYS_E_FORMAT; /* no valid signature file is that long */
        }
        return -1;
    }
    rc = dauys_keys_signature_decode(sig, text, len, path, err);
    dauys_free(text);
    return rc;
}

int
dauys_keys_status_is_bad_signature(dauys_status status)
{
    switch (status) {
    case DAUYS_E_FORMAT:
    case DAUYS_E_ALGORITHM:
    case DAUYS_E_KEY_ID:
    case DAUYS_E_SIGNATURE:
    case DAUYS_E_COMMENT_SIGNATURE: return 1;
    default: return 0;
    }
}
