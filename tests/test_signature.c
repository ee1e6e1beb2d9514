/*
 * test_signature.c: minisign signatures made, parsed and verified, and every
 * kind of damage the issue names detected with its specific status.
 */
#include "tests/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "keys/keys.h"

static const char message[] = "referendum: kz-2026\nprecinct: 0001\nyes: 812\nno: 101\n";

typedef struct fixture {
    dauys_pubkey pk;
    dauys_seckey *sk;
    char text[DAUYS_KEYS_SIGNATURE_TEXT_MAX];
} fixture;

static int
setup(void **state)
{
    static fixture f;
    dauys_error err;
    dauys_signature sig;
    uint8_t h[DAUYS_KEYS_PREHASH_BYTES];

    if (dauys_keys_generate(&f.pk, &f.sk, &err) != 0) {
        return -1;
    }
    dauys_keys_prehash(h, message, strlen(message));
    if (dauys_keys_sign_prehashed(&sig, h, "timestamp:1700000000\tfile:p.txt\thashed", f.sk,
                                  &err) != 0 ||
        dauys_keys_signature_encode(f.text, sizeof f.text, &sig, NULL, &err) != 0) {
        return -1;
    }
    *state = &f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    dauys_keys_seckey_free(f->sk);
    return 0;
}

/* Decodes TEXT and verifies it over MSG with PK; returns the rc, ERR filled. */
static int
check(const char *text, size_t len, const char *msg, const dauys_pubkey *pk, dauys_error *err)
{
    dauys_signature sig;

    dauys_error_clear(err);
    if (dauys_keys_signature_decode(&sig, text, len, "p.txt.minisig", err) != 0) {
        return -1;
    }
    return dauys_keys_verify(&sig, msg, strlen(msg), pk, err);
}

/* Returns a pointer to the start of line N (from 1) of TEXT. */
static char *
line_start(char *text, int n)
{
    while (--n > 0) {
        text = strchr(text, '\n') + 1;
    }
    return text;
}

static void
test_roundtrip(void **state)
{
    fixture *f = *state;
    dauys_error err;

    assert_int_equal(check(f->text, strlen(f->text), message, &f->pk, &err), 0);
    assert_int_equal(err.status, DAUYS_OK);
    assert_non_null(strstr(f->text, "trusted comment: timestamp:1700000000\tfile:p.txt\thashed\n"));
    assert_memory_equal(f->text, "untrusted comment: signature from dauys secret key\nRUQ", 53);
}

static void
test_deterministic(void **state)
{
    fixture *f = *state;
    dauys_signature sig;
    dauys_error err;
    char again[DAUYS_KEYS_SIGNATURE_TEXT_MAX];
    uint8_t h[DAUYS_KEYS_PREHASH_BYTES];

    dauys_keys_prehash(h, message, strlen(message));
    assert_int_equal(
        dauys_keys_sign_prehashed(&sig, h, "timestamp:1700000000\tfile:p.txt\thashed", f->sk, &err),
        0);
    assert_int_equal(dauys_keys_signature_encode(again, sizeof again, &sig, NULL, &err), 0);
    assert_string_equal(again, f->text);
}

static void
test_flipped_bit_in_file(void **state)
{
    fixture *f = *state;
    char msg[sizeof message];
    dauys_error err;

    for (size_t i = 0; i < strlen(message); i++) {
        memcpy(msg, message, sizeof message);
        msg[i] ^= 0x01;
        assert_int_equal(check(f->text, strlen(f->text), msg, &f->pk, &err), -1);
        assert_error(&err, DAUYS_E_SIGNATURE, "does not match the file");
    }
}

/* Re-encodes line LINE of TEXT after flipping bit BIT of decoded byte BYTE. */
static void
flip_decoded(char *text, int line, size_t bytes, size_t byte, int bit)
{
    char *s = line_start(text, line);
    size_t n = strcspn(s, "\n");
    uint8_t bin[80];
    char b64[120];

    assert_int_equal(sodium_base642bin(bin, sizeof bin, s, n, NULL, &bytes, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    bin[byte] ^= (uint8_t) (1u << bit);
    sodium_bin2base64(b64, sizeof b64, bin, bytes, sodium_base64_VARIANT_ORIGINAL);
    assert_int_equal(strlen(b64), n);
    memcpy(s, b64, n);
}

static void
test_flipped_bit_in_signature(void **state)
{
    fixture *f = *state;
    char text[DAUYS_KEYS_SIGNATURE_TEXT_MAX];
    dauys_error err;

    for (size_t byte = 10; byte < 74; byte += 7) {
        strcpy(text, f->text);
        flip_decoded(text, 2, 74, byte, (int) (byte % 8));
        assert_int_equal(check(text, strlen(text), message, &f->pk, &err), -1);
        assert_error(&err, DAUYS_E_SIGNATURE, "does not match the file");
    }
}

static void
test_flipped_bit_in_trusted_comment(void **state)
{
    fixture *f = *state;
    char text[DAUYS_KEYS_SIGNATURE_TEXT_MAX];
    char *tc;
    dauys_error err;

    strcpy(text, f->text);
    tc = line_start(text, 3) + strlen("trusted comment: timestamp:");
    *tc ^= 0x02; /* 1700000000 -> 3700000000: a later date, unsigned */
    assert_int_equal(check(text, strlen(text), message, &f->pk, &err), -1);
    assert_error(&err, DAUYS_E_COMMENT_SIGNATURE, "trusted comment");
}

static void
test_flipped_bit_in_global_signature(void **state)
{
    fixture *f = *state;
    char text[DAUYS_KEYS_SIGNATURE_TEXT_MAX];
    dauys_error err;

    for (size_t byte = 0; byte < 64; byte += 9) {
        strcpy(text, f->text);
        flip_decoded(text, 4, 64, byte, 7 - (int) (byte % 8));
        assert_int_equal(check(text, strlen(text), message, &f->pk, &err), -1);
        assert_error(&err, DAUYS_E_COMMENT_SIGNATURE, "global signature");
    }
}

/*
 * Every single-bit flip anywhere in the signature file must make it fail,
 * except inside the untrusted comment's text, which nothing vouches for.
 */
static void
test_every_bit_flip_fails(void **state)
{
    fixture *f = *state;
    size_t len = strlen(f->text);
    size_t comment_end = strcspn(f->text, "\n");
    size_t prefix = strlen("untrusted comment: ");
    char text[DAUYS_KEYS_SIGNATURE_TEXT_MAX];
    dauys_error err;
    unsigned failures = 0;

    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(text, f->text, len + 1);
            text[i] ^= (char) (1 << bit);
            int rc = check(text, len, message, &f->pk, &err);
            if (i >= prefix && i < comment_end && text[i] != '\n' && text[i] != '\r' &&
                text[i] != '\0') {
                assert_int_equal(rc, 0);
                continue;
            }
            if (rc == 0) {
                print_error("flip of bit %d at byte %zu still verifies\n", bit, i);
                failures++;
            }
        }
    }
    assert_int_equal(failures, 0);
}

static void
test_truncated(void **state)
{
    fixture *f = *state;
    size_t len = strlen(f->text);
    dauys_error err;

    for (size_t n = 0; n + 1 < len; n++) {
        assert_int_equal(check(f->text, n, message, &f->pk, &err), -1);
        assert_true(err.status == DAUYS_E_FORMAT);
    }
    /* Only the final newline may be missing (minisign accepts that too). */
    assert_int_equal(check(f->text, len - 1, message, &f->pk, &err), 0);
    /* Dropping the last line names the missing field and its line. */
    assert_int_equal(
        check(f->text, (size_t) (line_start(f->text, 4) - f->text), message, &f->pk, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "p.txt.minisig:4: global signature: missing");
}

static void
test_wrong_public_key(void **state)
{
    fixture *f = *state;
    dauys_pubkey other, same_id;
    dauys_seckey *sk;
    dauys_error err;

    assert_int_equal(dauys_keys_generate(&other, &sk, &err), 0);
    dauys_keys_seckey_free(sk);
    assert_int_equal(check(f->text, strlen(f->text), message, &other, &err), -1);
    assert_error(&err, DAUYS_E_KEY_ID, "but the public key given is");
    /* An attacker's key that claims the signer's key id still fails. */
    same_id = other;
    memcpy(same_id.id, f->pk.id, sizeof same_id.id);
    assert_int_equal(check(f->text, strlen(f->text), message, &same_id, &err), -1);
    assert_error(&err, DAUYS_E_SIGNATURE, NULL);
}

static void
test_key_id_mismatch_in_signature(void **state)
{
    fixture *f = *state;
    char text[DAUYS_KEYS_SIGNATURE_TEXT_MAX];
    char want[17];
    dauys_error err;

    strcpy(text, f->text);
    flip_decoded(text, 2, 74, 2, 0); /* first byte of the key id */
    assert_int_equal(check(text, strlen(text), message, &f->pk, &err), -1);
    dauys_keys_id_hex(want, f->pk.id);
    assert_error(&err, DAUYS_E_KEY_ID, want);
}

static void
test_unknown_algorithm(void **state)
{
    fixture *f = *state;
    char text[DAUYS_KEYS_SIGNATURE_TEXT_MAX];
    dauys_error err;

    strcpy(text, f->text);
    flip_decoded(text, 2, 74, 1, 2); /* "ED" -> "EA" */
    assert_int_equal(check(text, strlen(text), message, &f->pk, &err), -1);
    assert_error(&err, DAUYS_E_ALGORITHM, "p.txt.minisig:2: signature: unknown algorithm tag");
}

static void
test_legacy_signature(void **state)
{
    fixture *f = *state;
    uint8_t pk[32], sk[64], buf[64 + 100];
    dauys_signature sig = {0};
    dauys_pubkey pub;
    dauys_error err;
    uint8_t h[DAUYS_KEYS_PREHASH_BYTES];

    (void) f;
    crypto_sign_keypair(pk, sk);
    memcpy(pub.pk, pk, 32);
    memset(pub.id, 7, sizeof pub.id);
    memset(sig.key_id, 7, sizeof sig.key_id);
    strcpy(sig.trusted_comment, "legacy");
    crypto_sign_detached(sig.sig, NULL, (const uint8_t *) message, strlen(message), sk);
    memcpy(buf, sig.sig, 64);
    memcpy(buf + 64, "legacy", 6);
    crypto_sign_detached(sig.global_sig, NULL, buf, 70, sk);
    sig.prehashed = 0;
    assert_int_equal(dauys_keys_verify(&sig, message, strlen(message), &pub, &err), 0);
    dauys_keys_prehash(h, message, strlen(message));
    assert_int_equal(dauys_keys_verify_prehashed(&sig, h, &pub, &err), -1);
    assert_error(&err, DAUYS_E_ALGORITHM, "legacy");
    sodium_memzero(sk, sizeof sk);
}

static void
test_comment_rules(void **state)
{
    fixture *f = *state;
    dauys_signature sig;
    dauys_error err;
    uint8_t h[DAUYS_KEYS_PREHASH_BYTES] = {0};
    char *long_comment = malloc(DAUYS_KEYS_TRUSTED_COMMENT_MAX + 2);

    assert_int_equal(dauys_keys_sign_prehashed(&sig, h, "two\nlines", f->sk, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "trusted comment");
    memset(long_comment, 'x', DAUYS_KEYS_TRUSTED_COMMENT_MAX + 1);
    long_comment[DAUYS_KEYS_TRUSTED_COMMENT_MAX + 1] = '\0';
    assert_int_equal(dauys_keys_sign_prehashed(&sig, h, long_comment, f->sk, &err), -1);
    long_comment[DAUYS_KEYS_TRUSTED_COMMENT_MAX] = '\0';
    assert_int_equal(dauys_keys_sign_prehashed(&sig, h, long_comment, f->sk, &err), 0);
    assert_int_equal(dauys_keys_verify_prehashed(&sig, h, &f->pk, &err), 0);
    free(long_comment);
}

static void
test_crlf_and_stray_cr(void **state)
{
    fixture *f = *state;
    char text[DAUYS_KEYS_SIGNATURE_TEXT_MAX + 8], *o = text;
    dauys_error err;

    for (const char *p = f->text; *p; p++) {
        if (*p == '\n') {
            *o++ = '\r';
        }
        *o++ = *p;
    }
    *o = '\0';
    assert_int_equal(check(text, strlen(text), message, &f->pk, &err), 0);
    strcpy(text, f->text);
    line_start(text, 3)[20] = '\r';
    assert_int_equal(check(text, strlen(text), message, &f->pk, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "p.txt.minisig:3: trusted comment: contains a NUL or CR");
}

static void
test_non_canonical_base64_and_trailing_data(void **state)
{
    fixture *f = *state;
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char text[DAUYS_KEYS_SIGNATURE_TEXT_MAX + 16];
    char *g;
    int idx;
    dauys_error err;

    strcpy(text, f->text);
    g = line_start(text, 4);
    /* 64 bytes -> 86 chars + "==": the 86th char carries 4 unused bits,
     * zero in the canonical spelling; set one. */
    assert_int_equal(g[86], '=');
    idx = (int) (strchr(alphabet, g[85]) - alphabet);
    assert_int_equal(idx & 15, 0);
    g[85] = alphabet[idx | 1];
    assert_int_equal(check(text, strlen(text), message, &f->pk, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "p.txt.minisig:4: global signature");
    strcpy(text, f->text);
    strcat(text, "extra\n");
    assert_int_equal(check(text, strlen(text), message, &f->pk, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "p.txt.minisig:5: unexpected data");
    strcpy(text, f->text);
    line_start(text, 1)[0] = 'U';
    assert_int_equal(check(text, strlen(text), message, &f->pk, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "p.txt.minisig:1: untrusted comment: line must start");
}

/* Comments over the limits are refused when read, not only when written. */
static void
test_comment_limits_on_read(void **state)
{
    fixture *f = *state;
    static char text[DAUYS_KEYS_SIGNATURE_TEXT_MAX + 4096];
    const char *rest = strchr(f->text, '\n');
    dauys_error err;
    int n;

    n = snprintf(text, sizeof text, "untrusted comment: %0*d%s", DAUYS_KEYS_COMMENT_MAX, 0, rest);
    assert_true(n > 0);
    assert_int_equal(check(text, strlen(text), message, &f->pk, &err), 0);
    snprintf(text, sizeof text, "untrusted comment: %0*d%s", DAUYS_KEYS_COMMENT_MAX + 1, 0, rest);
    assert_int_equal(check(text, strlen(text), message, &f->pk, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT,
                 "p.txt.minisig:1: untrusted comment: 1001 bytes, over the limit");
    snprintf(text, sizeof text, "%.*strusted comment: %0*d\nAAAA\n",
             (int) (line_start(f->text, 3) - f->text), f->text, DAUYS_KEYS_TRUSTED_COMMENT_MAX + 1,
             0);
    assert_int_equal(check(text, strlen(text), message, &f->pk, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "p.txt.minisig:3: trusted comment: 8001 bytes");
}

static void
test_verify_file(void **state)
{
    fixture *f = *state;
    const char *dir = support_tmpdir();
    char *path = support_write(dir, "p.txt", message, strlen(message), 0644);
    char *missing = support_path(dir, "missing.txt");
    dauys_signature sig;
    dauys_error err;

    assert_int_equal(dauys_keys_signature_decode(&sig, f->text, strlen(f->text), "s", &err), 0);
    assert_int_equal(dauys_keys_verify_file(&sig, path, &f->pk, &err), 0);
    assert_int_equal(dauys_keys_verify_file(&sig, missing, &f->pk, &err), -1);
    assert_error(&err, DAUYS_E_IO, "missing.txt");
    assert_false(dauys_keys_status_is_bad_signature(err.status));
    assert_true(dauys_keys_status_is_bad_signature(DAUYS_E_SIGNATURE));
    free(path);
    free(missing);
    support_rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_flipped_bit_in_file),
        cmocka_unit_test(test_flipped_bit_in_signature),
        cmocka_unit_test(test_flipped_bit_in_trusted_comment),
        cmocka_unit_test(test_flipped_bit_in_global_signature),
        cmocka_unit_test(test_every_bit_flip_fails),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_wrong_public_key),
        cmocka_unit_test(test_key_id_mismatch_in_signature),
        cmocka_unit_test(test_unknown_algorithm),
        cmocka_unit_test(test_legacy_signature),
        cmocka_unit_test(test_comment_rules),
        cmocka_unit_test(test_crlf_and_stray_cr),
        cmocka_unit_test(test_non_canonical_base64_and_trailing_data),
        cmocka_unit_test(test_comment_limits_on_read),
        cmocka_unit_test(test_verify_file),
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
