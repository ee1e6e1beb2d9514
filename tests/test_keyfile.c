/*
 * test_keyfile.c: public and secret key files: round trips, passwords,
 * corruption, permissions, symbolic links, and bulk generation.
 */
#include "tests/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/alloc.h"
#include "keys/keys.h"

static const dauys_kdf cheap_kdf = {1u << 14, 1u << 20}; /* fast enough for tests */

static int
give_password(char *buf, size_t size, const char *name, void *ctx)
{
    (void) name;
    snprintf(buf, size, "%s", (const char *) ctx);
    return 0;
}

static int
no_password(char *buf, size_t size, const char *name, void *ctx)
{
    (void) buf, (void) size, (void) name, (void) ctx;
    return -1;
}

/* Signs and verifies a message with SK against PK: proves the pair works. */
static void
assert_pair_works(const dauys_pubkey *pk, const dauys_seckey *sk)
{
    uint8_t h[DAUYS_KEYS_PREHASH_BYTES];
    dauys_signature sig;
    dauys_error err;

    dauys_keys_prehash(h, "x", 1);
    assert_int_equal(dauys_keys_sign_prehashed(&sig, h, "t", sk, &err), 0);
    assert_int_equal(dauys_keys_verify_prehashed(&sig, h, pk, &err), 0);
}

static void
test_pubkey_roundtrip(void **state)
{
    dauys_pubkey pk, back, from_b64;
    dauys_seckey *sk;
    dauys_error err;
    char text[DAUYS_KEYS_PUBKEY_TEXT_MAX], b64[57], id[17];

    (void) state;
    assert_int_equal(dauys_keys_generate(&pk, &sk, &err), 0);
    assert_int_equal(dauys_keys_pubkey_encode(text, sizeof text, &pk, "precinct 0001", &err), 0);
    dauys_keys_id_hex(id, pk.id);
    assert_non_null(strstr(text, id));
    assert_non_null(strstr(text, "precinct 0001\nRW"));
    assert_int_equal(dauys_keys_pubkey_decode(&back, text, strlen(text), "k.pub", &err), 0);
    assert_memory_equal(&back, &pk, sizeof pk);
    dauys_keys_pubkey_to_base64(b64, &pk);
    assert_int_equal(strlen(b64), 56);
    assert_int_equal(dauys_keys_pubkey_from_base64(&from_b64, b64, 56, &err), 0);
    assert_memory_equal(&from_b64, &pk, sizeof pk);
    dauys_keys_seckey_free(sk);
}

static void
test_pubkey_errors(void **state)
{
    static const struct {
        const char *text;
        dauys_status status;
        const char *needle;
    } cases[] = {
        {"", DAUYS_E_FORMAT, "k.pub:1: untrusted comment: missing"},
        {"untrusted comment: x\n", DAUYS_E_FORMAT, "k.pub:2: public key: missing"},
        {"comment: x\nRWQMLI1wrRYzDPCVfsGZYJWyIGwqMkLUv5Lc9efu0urmA0UWEJ76aBIX\n", DAUYS_E_FORMAT,
         "k.pub:1: untrusted comment: line must start"},
        {"untrusted comment: x\nRWQMLI1wrRYzDPCVfsGZYJWyIGwqMkLUv5Lc9efu0urmA0UWEJ76aBI\n",
         DAUYS_E_FORMAT, "k.pub:2: public key: not 42 bytes of base64"},
        {"untrusted comment: x\nRWQMLI1wrRYzDPCVfsGZYJWyIGwqMkLUv5Lc9efu0urmA0UWEJ76aB!X\n",
         DAUYS_E_FORMAT, "k.pub:2: public key: not 42 bytes"},
        {"untrusted comment: x\nRVQMLI1wrRYzDPCVfsGZYJWyIGwqMkLUv5Lc9efu0urmA0UWEJ76aBIX\n",
         DAUYS_E_ALGORITHM, "k.pub:2: public key: unknown algorithm tag"},
        {"untrusted comment: x\nRWQMLI1wrRYzDPCVfsGZYJWyIGwqMkLUv5Lc9efu0urmA0UWEJ76aBIX\nmore\n",
         DAUYS_E_FORMAT, "k.pub:3: unexpected data"},
    };
    dauys_pubkey pk;
    dauys_error err;

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(
            dauys_keys_pubkey_decode(&pk, cases[i].text, strlen(cases[i].text), "k.pub", &err), -1);
        assert_error(&err, cases[i].status, cases[i].needle);
    }
}

/* Encodes SK, decodes it back with PASSWORD, and checks it still pairs with PK. */
static void
roundtrip_secret(const dauys_pubkey *pk, const dauys_seckey *sk, const char *password)
{
    char *text;
    size_t len;
    dauys_seckey *back;
    dauys_pubkey back_pk;
    dauys_error err;

    assert_int_equal(dauys_keys_seckey_encode(&text, &len, sk, password, &cheap_kdf, &err), 0);
    assert_int_equal(strlen(text), len);
    assert_non_null(strstr(text, password != NULL ? "encrypted" : "UNENCRYPTED"));
    assert_int_equal(
        dauys_keys_seckey_decode(&back, text, len, "k.key", give_password, (void *) password, &err),
        0);
    dauys_keys_seckey_public(&back_pk, back);
    assert_memory_equal(&back_pk, pk, sizeof back_pk);
    assert_pair_works(pk, back);
    dauys_keys_seckey_free(back);
    dauys_secure_free(text);
}

static void
test_seckey_roundtrip(void **state)
{
    dauys_pubkey pk;
    dauys_seckey *sk;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_keys_generate(&pk, &sk, &err), 0);
    roundtrip_secret(&pk, sk, NULL);
    roundtrip_secret(&pk, sk, "correct horse battery staple");
    dauys_keys_seckey_free(sk);
}

static void
test_seckey_wrong_or_missing_password(void **state)
{
    dauys_pubkey pk;
    dauys_seckey *sk, *back = NULL;
    dauys_error err;
    char *text;
    size_t len;

    (void) state;
    assert_int_equal(dauys_keys_generate(&pk, &sk, &err), 0);
    assert_int_equal(dauys_keys_seckey_encode(&text, &len, sk, "right", &cheap_kdf, &err), 0);
    assert_int_equal(
        dauys_keys_seckey_decode(&back, text, len, "k.key", give_password, "wrong", &err), -1);
    assert_error(&err, DAUYS_E_PASSWORD, "k.key: wrong password");
    assert_null(back);
    assert_int_equal(dauys_keys_seckey_decode(&back, text, len, "k.key", no_password, NULL, &err),
                     -1);
    assert_error(&err, DAUYS_E_PASSWORD, "no password was given");
    dauys_secure_free(text);
    dauys_keys_seckey_free(sk);
}

/* Decodes line 2 of the secret key TEXT into BIN (158 bytes). */
static void
seckey_bin(uint8_t bin[158], const char *text)
{
    const char *s = strchr(text, '\n') + 1;
    size_t got;

    assert_int_equal(sodium_base642bin(bin, 158, s, strcspn(s, "\n"), NULL, &got, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(got, 158);
}

/* Writes BIN back as a secret key file text into OUT. */
static void
seckey_text(char *out, size_t size, const uint8_t bin[158])
{
    char b64[220];

    sodium_bin2base64(b64, sizeof b64, bin, 158, sodium_base64_VARIANT_ORIGINAL);
    snprintf(out, size, "untrusted comment: edited\n%s\n", b64);
}

static void
fix_checksum(uint8_t bin[158])
{
    crypto_generichash_state st;

    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, bin, 2);
    crypto_generichash_update(&st, bin + 54, 8);
    crypto_generichash_update(&st, bin + 62, 64);
    crypto_generichash_final(&st, bin + 126, 32);
}

static void
test_seckey_corruption(void **state)
{
    dauys_pubkey pk;
    dauys_seckey *sk, *back;
    dauys_error err;
    uint8_t bin[158], edit[158];
    char *text, out[400];
    size_t len;

    (void) state;
    assert_int_equal(dauys_keys_generate(&pk, &sk, &err), 0);
    assert_int_equal(dauys_keys_seckey_encode(&text, &len, sk, NULL, NULL, &err), 0);
    seckey_bin(bin, text);

    memcpy(edit, bin, 158); /* a damaged secret: checksum no longer matches */
    edit[70] ^= 1;
    seckey_text(out, sizeof out, edit);
    assert_int_equal(dauys_keys_seckey_decode(&back, out, strlen(out), "k.key", NULL, NULL, &err),
                     -1);
    assert_error(&err, DAUYS_E_FORMAT, "k.key:2: secret key: checksum mismatch");

    memcpy(edit, bin, 158); /* minisign 0.11 -W writes an all-zero checksum */
    memset(edit + 126, 0, 32);
    seckey_text(out, sizeof out, edit);
    assert_int_equal(dauys_keys_seckey_decode(&back, out, strlen(out), "k.key", NULL, NULL, &err),
                     0);
    assert_pair_works(&pk, back);
    dauys_keys_seckey_free(back);

    memcpy(edit, bin, 158); /* public half altered, checksum recomputed */
    edit[62 + 40] ^= 1;
    fix_checksum(edit);
    seckey_text(out, sizeof out, edit);
    assert_int_equal(dauys_keys_seckey_decode(&back, out, strlen(out), "k.key", NULL, NULL, &err),
                     -1);
    assert_error(&err, DAUYS_E_KEY_MISMATCH, "public half does not match");

    memcpy(edit, bin, 158); /* unknown KDF */
    edit[2] = 'A';
    edit[3] = 'r';
    seckey_text(out, sizeof out, edit);
    assert_int_equal(dauys_keys_seckey_decode(&back, out, strlen(out), "k.key", NULL, NULL, &err),
                     -1);
    assert_error(&err, DAUYS_E_ALGORITHM, "k.key:2: secret key: unknown algorithm");

    memcpy(edit, bin, 158); /* encrypted, with a hostile scrypt cost */
    edit[2] = 'S';
    edit[3] = 'c';
    memset(edit + 46, 0xff, 8);
    seckey_text(out, sizeof out, edit);
    assert_int_equal(
        dauys_keys_seckey_decode(&back, out, strlen(out), "k.key", give_password, "pw", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "scrypt cost over this build's limit");

    dauys_secure_free(text);
    dauys_keys_seckey_free(sk);
}

/* The identity's encoding: y = 1, x = 0. */
static const uint8_t identity[32] = {1};

/* The torsion group, from one point of order 8 by libsodium's own addition:
 * its eight multiples are all distinct, the eighth is the identity, and every
 * one (in either sign) is refused; so is every encoding with y >= p. */
static void
test_weak_public_keys(void **state)
{
    uint8_t t[32] = {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
                     0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
                     0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05};
    uint8_t multiple[8][32], k[32];

    (void) state;
    memcpy(multiple[0], t, 32);
    for (int i = 1; i < 8; i++) {
        assert_int_equal(crypto_core_ed25519_add(multiple[i], multiple[i - 1], t), 0);
    }
    assert_memory_equal(multiple[7], identity, 32); /* t has order 8 */
    for (int i = 0; i < 8; i++) {
        for (int j = 0; j < i; j++) {
            assert_memory_not_equal(multiple[i], multiple[j], 32);
        }
        memcpy(k, multiple[i], 32);
        assert_non_null(strstr(dauys_keys_pubkey_weakness(k), "small order"));
        k[31] ^= 0x80; /* the other sign: the same y */
        assert_non_null(dauys_keys_pubkey_weakness(k));
        assert_false(crypto_core_ed25519_is_valid_point(multiple[i]));
    }
    for (int y0 = 0xed; y0 <= 0xff; y0++) { /* y = p .. 2^255 - 1 */
        memset(k, 0xff, 32);
        k[0] = (uint8_t) y0;
        k[31] = 0x7f;
        assert_non_null(dauys_keys_pubkey_weakness(k));
        k[31] = 0xff;
        assert_non_null(dauys_keys_pubkey_weakness(k));
    }
    memset(k, 0xff, 32);
    k[0] = 0xeb, k[31] = 0x7f; /* y = p - 2: canonical, not small order */
    assert_null(dauys_keys_pubkey_weakness(k));
    for (int i = 0; i < 200; i++) { /* real keys never are */
        uint8_t sk[crypto_sign_SECRETKEYBYTES];
        crypto_sign_keypair(k, sk);
        assert_null(dauys_keys_pubkey_weakness(k));
    }
}

/* A small-order key is refused when read, naming the place and the reason. */
static void
test_weak_public_key_refused(void **state)
{
    uint8_t bin[42] = {'E', 'd', 1, 2, 3, 4, 5, 6, 7, 8};
    char b64[64], text[160];
    dauys_pubkey pk;
    dauys_error err;

    (void) state;
    sodium_bin2base64(b64, sizeof b64, bin, sizeof bin, sodium_base64_VARIANT_ORIGINAL);
    assert_int_equal(dauys_keys_pubkey_from_base64(&pk, b64, strlen(b64), &err), -1);
    assert_non_null(strstr(err.message, "public key: the Ed25519 key is a point of small order"));
    snprintf(text, sizeof text, "untrusted comment: zero\n%s\n", b64);
    assert_int_equal(dauys_keys_pubkey_decode(&pk, text, strlen(text), "zero.pub", &err), -1);
    assert_non_null(strstr(err.message, "zero.pub:2: public key: the Ed25519 key is a point "
                                        "of small order"));
    memset(bin + 10, 0xff, 32);
    bin[41] = 0x7f; /* y = 2^255 - 1 */
    sodium_bin2base64(b64, sizeof b64, bin, sizeof bin, sodium_base64_VARIANT_ORIGINAL);
    assert_int_equal(dauys_keys_pubkey_from_base64(&pk, b64, strlen(b64), &err), -1);
    assert_non_null(strstr(err.message, "is not in canonical form"));
}

/* 1 if TEXT (a C string) holds a secret key, per dauys_keys_text_holds_seckey. */
static int
holds(const char *text)
{
    return dauys_keys_text_holds_seckey(text, strlen(text));
}

/*
 * A secret key is found in any text that carries its base64 line, however
 * the line is dressed (alone, after other lines, with CRLF or spaces, without
 * its padding, encrypted or not), so that ingest can refuse it; a public key,
 * a signature, a protocol and a near miss (other tags) are not.
 */
static void
test_seckey_found_in_any_text(void **state)
{
    dauys_pubkey pk;
    dauys_seckey *sk;
    dauys_error err;
    char *plain, *enc, line[300], text[1200], pub[DAUYS_KEYS_PUBKEY_TEXT_MAX];
    uint8_t bin[158];

    (void) state;
    assert_int_equal(dauys_keys_generate(&pk, &sk, &err), 0);
    assert_int_equal(dauys_keys_seckey_encode(&plain, &(size_t){0}, sk, NULL, NULL, &err), 0);
    assert_int_equal(dauys_keys_seckey_encode(&enc, &(size_t){0}, sk, "pw", &cheap_kdf, &err), 0);
    assert_int_equal(holds(plain), 1);
    assert_int_equal(holds(enc), 1);
    sscanf(strchr(plain, '\n') + 1, "%299s", line);
    assert_int_equal(strlen(line), 212);
    snprintf(text, sizeof text, "format: dauys-protocol 1\nreferendum: x\n%s\nprecinct: y\n", line);
    assert_int_equal(holds(text), 1);
    snprintf(text, sizeof text, "untrusted comment: k\r\n  %s \r\n", line);
    assert_int_equal(holds(text), 1);
    snprintf(text, sizeof text, "untrusted comment: k\n%.211s", line); /* no '=', no LF */
    assert_int_equal(holds(text), 1);
    assert_int_equal(holds(line), 1);

    seckey_bin(bin, plain); /* other tags: not a key anyone reads */
    bin[0] = 'X';
    seckey_text(text, sizeof text, bin);
    assert_int_equal(holds(text), 0);
    snprintf(text, sizeof text, "comment: %s\n", line); /* not a line of its own */
    assert_int_equal(holds(text), 0);
    assert_int_equal(dauys_keys_pubkey_encode(pub, sizeof pub, &pk, "k", &err), 0);
    assert_int_equal(holds(pub), 0);
    assert_int_equal(holds(""), 0);
    assert_int_equal(holds("format: dauys-protocol 1\nprecinct: AST-0001\n"), 0);

    dauys_secure_free(plain);
    dauys_secure_free(enc);
    dauys_keys_seckey_free(sk);
}

static void
test_keypair_files(void **state)
{
    const char *dir = support_tmpdir();
    char *pub = support_path(dir, "c.pub"), *sec = support_path(dir, "c.key");
    char *link = support_path(dir, "link.key");
    dauys_pubkey pk, loaded, other;
    dauys_seckey *sk, *back, *sk2;
    dauys_error err;
    struct stat st;

    (void) state;
    assert_int_equal(dauys_keys_generate(&pk, &sk, &err), 0);
    assert_int_equal(dauys_keys_keypair_save(pub, sec, &pk, sk, NULL, "pw", &cheap_kdf, 1, &err),
                     0);
    assert_int_equal(stat(sec, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(pub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(dauys_keys_pubkey_load(&loaded, pub, &err), 0);
    assert_memory_equal(&loaded, &pk, sizeof pk);
    assert_int_equal(dauys_keys_seckey_load(&back, sec, give_password, "pw", &err), 0);
    assert_pair_works(&loaded, back);
    dauys_keys_seckey_free(back);

    /* Never overwrite; the existing key stays intact. */
    assert_int_equal(dauys_keys_keypair_save(pub, sec, &pk, sk, NULL, NULL, NULL, 0, &err), -1);
    assert_error(&err, DAUYS_E_EXISTS, "c.key: already exists");
    assert_int_equal(dauys_keys_seckey_load(&back, sec, give_password, "pw", &err), 0);
    dauys_keys_seckey_free(back);

    /* A public key that is not this secret key's is refused. */
    assert_int_equal(dauys_keys_generate(&other, &sk2, &err), 0);
    assert_int_equal(dauys_keys_keypair_save(link, sec, &other, sk, NULL, NULL, NULL, 0, &err), -1);
    assert_error(&err, DAUYS_E_KEY_MISMATCH, NULL);

    /* Group-readable and symlinked secret keys are refused. */
    assert_int_equal(chmod(sec, 0640), 0);
    assert_int_equal(dauys_keys_seckey_load(&back, sec, give_password, "pw", &err), -1);
    assert_error(&err, DAUYS_E_PERMISSION, "chmod 600");
    assert_int_equal(chmod(sec, 0600), 0);
    assert_int_equal(symlink(sec, link), 0);
    assert_int_equal(dauys_keys_seckey_load(&back, link, give_password, "pw", &err), -1);
    assert_error(&err, DAUYS_E_PERMISSION, "symbolic link");

    dauys_keys_seckey_free(sk);
    dauys_keys_seckey_free(sk2);
    free(pub), free(sec), free(link);
    support_rmdir(dir);
}

static void
test_bulk(void **state)
{
    const char *dir = support_tmpdir();
    char *ids[50], name[32];
    dauys_error err;
    dauys_pubkey pk;
    dauys_seckey *sk;

    (void) state;
    for (int i = 0; i < 50; i++) {
        snprintf(name, sizeof name, "P-%04d", i);
        ids[i] = strdup(name);
    }
    assert_int_equal(dauys_keys_generate_bulk(dir, ids, 50, NULL, NULL, 2, &err), 0);
    for (int i = 0; i < 50; i += 7) {
        char file[64];
        snprintf(file, sizeof file, "%s/%s.pub", dir, ids[i]);
        assert_int_equal(dauys_keys_pubkey_load(&pk, file, &err), 0);
        snprintf(file, sizeof file, "%s/%s.key", dir, ids[i]);
        assert_int_equal(dauys_keys_seckey_load(&sk, file, NULL, NULL, &err), 0);
        assert_pair_works(&pk, sk);
        dauys_keys_seckey_free(sk);
    }
    /* A second run over one existing id writes nothing at all. */
    free(ids[0]);
    ids[0] = strdup("NEW-1");
    assert_int_equal(dauys_keys_generate_bulk(dir, ids, 50, NULL, NULL, 2, &err), -1);
    assert_error(&err, DAUYS_E_EXISTS, "precinct P-0001");
    snprintf(name, sizeof name, "%s/NEW-1.key", dir);
    assert_int_equal(access(name, F_OK), -1);
    for (int i = 0; i < 50; i++) {
        free(ids[i]);
    }
    support_rmdir(dir);
}

/*
 * A failure in the middle of a bulk run removes every file already written.
 * The library takes any array of ids; a repeated id is only found when its
 * files are created, after A, B and C were written.
 */
static void
test_bulk_rollback(void **state)
{
    const char *dir = support_tmpdir();
    char *ids[] = {"A", "B", "C", "A", "D"};
    dauys_error err;
    char path[128];

    (void) state;
    assert_int_equal(dauys_keys_generate_bulk(dir, ids, 5, NULL, NULL, 1, &err), -1);
    assert_error(&err, DAUYS_E_EXISTS, "A.key: already exists");
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/%s.key", dir, ids[i]);
        assert_int_equal(access(path, F_OK), -1);
        snprintf(path, sizeof path, "%s/%s.pub", dir, ids[i]);
        assert_int_equal(access(path, F_OK), -1);
    }
    /* Out of memory before the first key: a clean error, nothing written. */
    support_alloc_install(2);
    assert_int_equal(dauys_keys_generate_bulk(dir, ids + 1, 3, NULL, NULL, 1, &err), -1);
    support_alloc_restore();
    assert_error(&err, DAUYS_E_NOMEM, NULL);
    snprintf(path, sizeof path, "%s/B.key", dir);
    assert_int_equal(access(path, F_OK), -1);
    support_rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pubkey_roundtrip),
        cmocka_unit_test(test_pubkey_errors),
        cmocka_unit_test(test_seckey_roundtrip),
        cmocka_unit_test(test_seckey_wrong_or_missing_password),
        cmocka_unit_test(test_seckey_corruption),
        cmocka_unit_test(test_weak_public_keys),
        cmocka_unit_test(test_weak_public_key_refused),
        cmocka_unit_test(test_seckey_found_in_any_text),
        cmocka_unit_test(test_keypair_files),
        cmocka_unit_test(test_bulk),
        cmocka_unit_test(test_bulk_rollback),
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
