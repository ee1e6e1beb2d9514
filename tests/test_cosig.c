/*
 * test_cosig.c: witness cosignatures (C2SP tlog-cosignature v1): the signed
 * message and line layout checked by an independent route and against the
 * spec's example, verifier keys both ways, every malformed key and line
 * refused with its reason, policies counted, and a witness's answer merged
 * only where it is by a known witness and verifies.
 */
#include "tests/support.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keys/cosig.h"
#include "keys/keys.h"
#include "keys/note.h"

#define EM_DASH "\xE2\x80\x94"
#define ORIGIN "dauys/kz-2026-mock/test"
#define CP_TEXT ORIGIN "\n14\nEKHRruuGiHl2Pg9SImF0LrVz1Es/BXsKQHJm2UBAdhg=\n"
#define T0 1679315147u

/* The example of the tlog-cosignature spec (c2sp.org/tlog-cosignature). */
#define SPEC_TEXT                                                                                  \
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
#define SPEC_NOTE                                                                                  \
    SPEC_TEXT                                                                                      \
    "\n" EM_DASH " example.com/behind-the-sofa "                                                   \
    "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+"            \
    "xeMcTOAYQ8=\n" EM_DASH " witness.example.com/w1 "                                             \
    "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo"          \
    "0xUe+mbIUBkBIfZ+qnA==\n"

enum { W = 3 };

typedef struct fixture {
    dauys_pubkey log_pk, wpk[W];
    dauys_seckey *log_sk, *wsk[W];
    dauys_witness_policy policy; /* the three witnesses, quorum 2 */
    char note[DAUYS_COSIGNED_NOTE_MAX];
    char line[W][DAUYS_COSIG_LINE_MAX + 1];
} fixture;

static const char *const names[W] = {"witness.example.org/a", "observers.kz/w", "press.kz/w1"};

static int
make_key(dauys_pubkey *pk, dauys_seckey **sk, uint8_t fill)
{
    uint8_t seed[DAUYS_KEYS_SEED_BYTES];
    dauys_error err;

    memset(seed, fill, sizeof seed);
    *sk = dauys_keys_seckey_new();
    return *sk == NULL ? -1 : dauys_keys_from_seed(pk, *sk, seed, &err);
}

static int
setup(void **state)
{
    static fixture f;
    dauys_checkpoint cp = {.origin = ORIGIN, .size = 14};
    dauys_error err;

    memset(cp.root, 7, sizeof cp.root);
    if (make_key(&f.log_pk, &f.log_sk, 1) != 0) {
        return -1;
    }
    for (int i = 0; i < W; i++) {
        if (make_key(&f.wpk[i], &f.wsk[i], (uint8_t) (10 + i)) != 0 ||
            dauys_cosig_key_init(&f.policy.key[i], names[i], f.wpk[i].pk, &err) != 0) {
            return -1;
        }
    }
    f.policy.count = W;
    f.policy.quorum = 2;
    if (dauys_checkpoint_sign(f.note, sizeof f.note, &cp, f.log_sk, &err) != 0) {
        return -1;
    }
    for (int i = 0; i < W; i++) {
        size_t text_len = (size_t) (strstr(f.note, "\n\n") - f.note) + 1;
        if (dauys_cosig_sign(f.line[i], sizeof f.line[i], f.note, text_len, T0 + (unsigned) i,
                             names[i], f.wsk[i], &err) != 0) {
            return -1;
        }
    }
    *state = &f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;

    dauys_keys_seckey_free(f->log_sk);
    for (int i = 0; i < W; i++) {
        dauys_keys_seckey_free(f->wsk[i]);
    }
    return 0;
}

/* NOTE with the cosignature lines of F for the witnesses in MASK appended, into OUT. */
static void
cosigned(char *out, size_t size, const fixture *f, unsigned mask)
{
    snprintf(out, size, "%s", f->note);
    for (int i = 0; i < W; i++) {
        if (mask & (1u << i)) {
            strncat(out, f->line[i], size - strlen(out) - 1);
        }
    }
}

/* Decodes the base64 of cosignature line LINE into BIN (76 bytes). */
static void
decode_line(uint8_t bin[DAUYS_COSIG_BYTES], const char *line)
{
    const char *b64 = strrchr(line, ' ') + 1;
    size_t bin_len = 0;

    assert_int_equal(sodium_base642bin(bin, DAUYS_COSIG_BYTES, b64, strlen(b64) - 1, NULL, &bin_len,
                                       NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(bin_len, DAUYS_COSIG_BYTES);
}

/* The layout, checked by hand: key id from SHA-256, big-endian time, the signed message. */
static void
test_layout_independent(void **state)
{
    fixture *f = *state;
    uint8_t bin[DAUYS_COSIG_BYTES], h[32], idin[64];
    char msg[512];
    size_t text_len = strstr(f->note, "\n\n") - f->note + 1, n;
    uint64_t t = 0;

    assert_memory_equal(f->line[0], EM_DASH " witness.example.org/a ", 26);
    assert_int_equal(strlen(f->line[0]), 4 + strlen(names[0]) + 1 + 104 + 1);
    decode_line(bin, f->line[0]);
    n = strlen(names[0]);
    memcpy(idin, names[0], n);
    idin[n] = '\n';
    idin[n + 1] = 0x04;
    memcpy(idin + n + 2, f->wpk[0].pk, 32);
    crypto_hash_sha256(h, idin, n + 34);
    assert_memory_equal(bin, h, 4);
    for (int i = 0; i < 8; i++) {
        t = t << 8 | bin[4 + i];
    }
    assert_int_equal(t, T0);
    n = (size_t) snprintf(msg, sizeof msg, "cosignature/v1\ntime %u\n%.*s", T0, (int) text_len,
                          f->note);
    assert_int_equal(crypto_sign_verify_detached(bin + 12, (uint8_t *) msg, n, f->wpk[0].pk), 0);
    /* The type byte matters: the same bytes under type 0x01 are another key id. */
    n = strlen(names[0]);
    idin[n + 1] = 0x01;
    crypto_hash_sha256(h, idin, n + 34);
    assert_memory_not_equal(bin, h, 4);
}

/* The spec's example of the signed message, byte for byte (c2sp.org/tlog-cosignature). */
#define SPEC_MESSAGE                                                                               \
    "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"                     \
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"

/* What dauys signs for the spec's checkpoint at the spec's time is the spec's message. */
static void
test_spec_message(void **state)
{
    fixture *f = *state;
    char line[DAUYS_COSIG_LINE_MAX + 1];
    uint8_t bin[DAUYS_COSIG_BYTES];
    dauys_error err;

    assert_int_equal(dauys_cosig_sign(line, sizeof line, SPEC_TEXT, strlen(SPEC_TEXT), 1679315147u,
                                      "witness.example.com/w1", f->wsk[0], &err),
                     0);
    decode_line(bin, line);
    assert_int_equal(crypto_sign_verify_detached(bin + 12, (const uint8_t *) SPEC_MESSAGE,
                                                 strlen(SPEC_MESSAGE), f->wpk[0].pk),
                     0);
    /* The same eight timestamp bytes as the spec's example line. */
    {
        uint8_t spec[DAUYS_COSIG_BYTES];

        decode_line(spec, strstr(SPEC_NOTE, EM_DASH " witness.example.com/w1 "));
        assert_memory_equal(bin + 4, spec + 4, 8);
    }
}

/* The spec's example cosignature: 76 bytes, its timestamp that of the spec's message example. */
static void
test_spec_example(void **state)
{
    uint8_t bin[DAUYS_COSIG_BYTES];
    const char *line = strstr(SPEC_NOTE, EM_DASH " witness.example.com/w1 ");
    dauys_witness_key w;
    dauys_error err;
    uint64_t t = 0;

    (void) state;
    decode_line(bin, line);
    for (int i = 0; i < 8; i++) {
        t = t << 8 | bin[4 + i];
    }
    assert_int_equal(t, 1679315147u);
    /* Any other key under that name is not that witness: the line is ignored, not failed. */
    memset(&w, 0, sizeof w);
    {
        uint8_t pk[32];
        dauys_pubkey p;
        dauys_seckey *sk = NULL;

        assert_int_equal(make_key(&p, &sk, 99), 0);
        memcpy(pk, p.pk, 32);
        dauys_keys_seckey_free(sk);
        assert_int_equal(dauys_cosig_key_init(&w, "witness.example.com/w1", pk, &err), 0);
    }
    assert_int_equal(dauys_cosig_verify(NULL, SPEC_NOTE, strlen(SPEC_NOTE), &w, "spec", &err), -1);
    assert_int_equal(err.status, DAUYS_E_KEY_ID);
}

static void
test_verify(void **state)
{
    fixture *f = *state;
    char note[DAUYS_COSIGNED_NOTE_MAX];
    dauys_error err;
    uint64_t t = 0;

    cosigned(note, sizeof note, f, 7);
    for (int i = 0; i < W; i++) {
        assert_int_equal(dauys_cosig_verify(&t, note, strlen(note), &f->policy.key[i], "cp", &err),
                         0);
        assert_int_equal(t, T0 + (unsigned) i);
    }
    /* The log's own signature still verifies with the cosignatures after it. */
    {
        dauys_checkpoint cp;

        assert_int_equal(
            dauys_checkpoint_open(&cp, note, strlen(note), &f->log_pk, ORIGIN, "cp", &err), 0);
        assert_int_equal(cp.size, 14);
    }
    cosigned(note, sizeof note, f, 1);
    assert_int_equal(dauys_cosig_verify(&t, note, strlen(note), &f->policy.key[1], "cp", &err), -1);
    assert_int_equal(err.status, DAUYS_E_KEY_ID);
    assert_non_null(strstr(err.message, "no cosignature by witness observers.kz/w"));
}

/* Every bit of a cosignature line's payload matters. */
static void
test_bit_flips(void **state)
{
    fixture *f = *state;
    char note[DAUYS_COSIGNED_NOTE_MAX], *b64;
    uint8_t bin[DAUYS_COSIG_BYTES];
    dauys_error err;

    for (size_t bit = 0; bit < DAUYS_COSIG_BYTES * 8; bit++) {
        cosigned(note, sizeof note, f, 1);
        b64 = strrchr(note, ' ') + 1;
        decode_line(bin, f->line[0]);
        bin[bit / 8] ^= (uint8_t) (1u << (bit % 8));
        sodium_bin2base64(b64, 105, bin, sizeof bin, sodium_base64_VARIANT_ORIGINAL);
        b64[104] = '\n';
        b64[105] = '\0';
        assert_int_equal(
            dauys_cosig_verify(NULL, note, strlen(note), &f->policy.key[0], "cp", &err), -1);
        /* Another key id: not this witness's line. A timestamp over 2^63 - 1 is
         * malformed. Any other flip: a bad signature. */
        assert_int_equal(err.status, bit < 32        ? DAUYS_E_KEY_ID
                                     : bit == 32 + 7 ? DAUYS_E_FORMAT
                                                     : DAUYS_E_SIGNATURE);
    }
    /* The text too. */
    cosigned(note, sizeof note, f, 1);
    note[strlen(ORIGIN) + 2] ^= 1; /* a digit of the size */
    assert_int_equal(dauys_cosig_verify(NULL, note, strlen(note), &f->policy.key[0], "cp", &err),
                     -1);
    assert_int_equal(err.status, DAUYS_E_SIGNATURE);
}

static void
test_malformed_lines(void **state)
{
    fixture *f = *state;
    char note[DAUYS_COSIGNED_NOTE_MAX], *p;
    dauys_error err;

    /* Two lines by one witness. */
    cosigned(note, sizeof note, f, 1);
    strcat(note, f->line[0]);
    assert_int_equal(dauys_cosig_verify(NULL, note, strlen(note), &f->policy.key[0], "cp", &err),
                     -1);
    assert_int_equal(err.status, DAUYS_E_FORMAT);
    assert_non_null(strstr(err.message, "second cosignature by witness"));
    /* A line by the witness of the wrong length (a plain 68-byte note signature). */
    cosigned(note, sizeof note, f, 0);
    p = note + strlen(note);
    sprintf(p, EM_DASH " %s ", names[0]);
    p += strlen(p);
    {
        uint8_t bin[68];

        memcpy(bin, f->policy.key[0].id, 4);
        memset(bin + 4, 0x55, 64);
        sodium_bin2base64(p, 93, bin, sizeof bin, sodium_base64_VARIANT_ORIGINAL);
        strcat(p, "\n");
    }
    assert_int_equal(dauys_cosig_verify(NULL, note, strlen(note), &f->policy.key[0], "cp", &err),
                     -1);
    assert_int_equal(err.status, DAUYS_E_FORMAT);
    assert_non_null(strstr(err.message, "68 bytes, not 76"));
    /* Not canonical base64 anywhere: the note is malformed for everyone. */
    cosigned(note, sizeof note, f, 3);
    p = strrchr(note, '=');
    *p = 'A';
    assert_int_equal(dauys_cosig_verify(NULL, note, strlen(note), &f->policy.key[0], "cp", &err),
                     -1);
    assert_int_equal(err.status, DAUYS_E_FORMAT);
}

static void
test_vkeys(void **state)
{
    fixture *f = *state;
    char vkey[DAUYS_COSIG_VKEY_MAX], bad[DAUYS_COSIG_VKEY_MAX];
    dauys_witness_key w;
    dauys_error err;

    assert_int_equal(dauys_cosig_vkey_format(vkey, sizeof vkey, &f->policy.key[1], &err), 0);
    assert_int_equal(dauys_cosig_vkey_parse(&w, vkey, strlen(vkey), "--witness", &err), 0);
    assert_memory_equal(&w, &f->policy.key[1], sizeof w);
    assert_int_equal(strchr(vkey, '+')[10], 'B'); /* base64 of 0x04 ... starts with B */

    /* A note vkey (type 0x01) of the same key is not a witness key. */
    assert_int_equal(dauys_note_vkey(bad, sizeof bad, names[1], &f->wpk[1], &err), 0);
    assert_int_equal(dauys_cosig_vkey_parse(&w, bad, strlen(bad), "--witness", &err), -1);
    assert_non_null(strstr(err.message, "type 0x01, not 0x04"));

    strcpy(bad, vkey);
    bad[strlen(names[1]) + 1] ^= 1; /* a key id digit */
    assert_int_equal(dauys_cosig_vkey_parse(&w, bad, strlen(bad), "x", &err), -1);
    strcpy(bad, vkey);
    bad[strlen(names[1]) + 1] = 'A'; /* upper case */
    assert_int_equal(dauys_cosig_vkey_parse(&w, bad, strlen(bad), "x", &err), -1);
    assert_non_null(strstr(err.message, "lower-case hex"));
    assert_int_equal(dauys_cosig_vkey_parse(&w, "nokey", 5, "x", &err), -1);
    assert_int_equal(dauys_cosig_vkey_parse(&w, vkey, strlen(vkey) - 1, "x", &err), -1);
    strcpy(bad, "a b");
    strcat(bad, strchr(vkey, '+'));
    assert_int_equal(dauys_cosig_vkey_parse(&w, bad, strlen(bad), "x", &err), -1);
    assert_non_null(strstr(err.message, "contains a space"));
    /* A weak key (the identity point) is refused. */
    {
        uint8_t weak[32] = {1};

        assert_int_equal(dauys_cosig_key_init(&w, "w", weak, &err), -1);
        assert_int_equal(err.status, DAUYS_E_FORMAT);
        /* ... and in a vkey, named with the caller's label. */
        uint8_t bin[33] = {0x04, 1}, idin[2 + 2 + 32] = {'w', '\n', 0x04, 1}, h[32];
        char b64[45];

        crypto_hash_sha256(h, idin, 3 + 32);
        sodium_bin2base64(b64, sizeof b64, bin, sizeof bin, sodium_base64_VARIANT_ORIGINAL);
        snprintf(bad, sizeof bad, "w+%02x%02x%02x%02x+%s", h[0], h[1], h[2], h[3], b64);
        assert_int_equal(dauys_cosig_vkey_parse(&w, bad, strlen(bad), "m.txt:9", &err), -1);
        assert_int_equal(err.status, DAUYS_E_FORMAT);
        assert_non_null(strstr(err.message, "m.txt:9: verifier key: witness w: public key"));
    }
}

static void
test_policy_check(void **state)
{
    fixture *f = *state;
    char note[DAUYS_COSIGNED_NOTE_MAX];
    dauys_cosig_found found[W];
    dauys_error err;
    size_t valid = 99;

    for (unsigned mask = 0; mask < 8; mask++) {
        cosigned(note, sizeof note, f, mask);
        assert_int_equal(
            dauys_cosig_policy_check(&valid, found, note, strlen(note), &f->policy, "cp", &err), 0);
        assert_int_equal(valid, (size_t) __builtin_popcount(mask));
        for (int i = 0; i < W; i++) {
            assert_int_equal(found[i].valid, !!(mask & (1u << i)));
        }
    }
    assert_int_equal(dauys_cosig_policy_check(&valid, NULL, "x\n", 2, &f->policy, "cp", &err), -1);
}

static void
test_merge(void **state)
{
    fixture *f = *state;
    char note[DAUYS_COSIGNED_NOTE_MAX], answer[2048], before[DAUYS_COSIGNED_NOTE_MAX];
    dauys_pubkey other_pk;
    dauys_seckey *other_sk = NULL;
    char other_line[DAUYS_COSIG_LINE_MAX + 1];
    size_t added = 0, rejected = 0, valid = 0, text_len = strstr(f->note, "\n\n") - f->note + 1;
    dauys_error err;

    /* An unknown witness's line is ignored; a known one's added once. */
    assert_int_equal(make_key(&other_pk, &other_sk, 77), 0);
    assert_int_equal(dauys_cosig_sign(other_line, sizeof other_line, f->note, text_len, T0,
                                      "stranger.example/w", other_sk, &err),
                     0);
    dauys_keys_seckey_free(other_sk);
    snprintf(answer, sizeof answer, "%s%s%s", other_line, f->line[0], f->line[0]);
    cosigned(note, sizeof note, f, 0);
    assert_int_equal(dauys_cosig_merge(note, sizeof note, &added, &rejected, answer, strlen(answer),
                                       &f->policy, &err),
                     0);
    assert_int_equal(added, 1);
    assert_int_equal(rejected, 0);
    assert_int_equal(
        dauys_cosig_policy_check(&valid, NULL, note, strlen(note), &f->policy, "cp", &err), 0);
    assert_int_equal(valid, 1);
    assert_null(strstr(note, "stranger"));
    /* A line by a known witness that does not verify is counted as rejected. */
    snprintf(answer, sizeof answer, "%s", f->line[1]);
    {
        char *c = strrchr(answer, ' ') + 30;

        while (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z'))) {
            c++;
        }
        *c ^= 0x20; /* flip a letter's case: still canonical base64, another signature */
    }
    assert_int_equal(dauys_cosig_merge(note, sizeof note, &added, &rejected, answer, strlen(answer),
                                       &f->policy, &err),
                     0);
    assert_int_equal(added, 0);
    assert_int_equal(rejected, 1);
    /* A malformed answer changes nothing. */
    strcpy(before, note);
    snprintf(answer, sizeof answer, "%snot a signature line\n", f->line[2]);
    assert_int_equal(dauys_cosig_merge(note, sizeof note, &added, &rejected, answer, strlen(answer),
                                       &f->policy, &err),
                     -1);
    assert_string_equal(note, before);
    /* Too small a buffer. */
    assert_int_equal(dauys_cosig_merge(note, strlen(note) + 10, &added, &rejected, f->line[2],
                                       strlen(f->line[2]), &f->policy, &err),
                     -1);
    assert_int_equal(err.status, DAUYS_E_TOO_LARGE);
    assert_int_equal(dauys_cosig_merge(note, sizeof note, &added, &rejected, f->line[2],
                                       strlen(f->line[2]), &f->policy, &err),
                     0);
    assert_int_equal(
        dauys_cosig_policy_check(&valid, NULL, note, strlen(note), &f->policy, "cp", &err), 0);
    assert_int_equal(valid, 2);
}

/* Extension lines: a witness accepts and cosigns them; dauys's own reader refuses them. */
static void
test_extension_lines(void **state)
{
    fixture *f = *state;
    char note[1024], line[DAUYS_COSIG_LINE_MAX + 1];
    dauys_checkpoint cp;
    size_t text_len = 0;
    dauys_error err;

    assert_int_equal(
        dauys_note_sign(note, sizeof note, CP_TEXT "ext one\nx\n", ORIGIN, f->log_sk, &err), 0);
    assert_int_equal(dauys_checkpoint_open_any(&cp, &text_len, note, strlen(note), &f->log_pk,
                                               ORIGIN, "cp", &err),
                     0);
    assert_int_equal(text_len, strlen(CP_TEXT "ext one\nx\n"));
    assert_int_equal(dauys_checkpoint_open(&cp, note, strlen(note), &f->log_pk, ORIGIN, "cp", &err),
                     -1);
    assert_int_equal(
        dauys_cosig_sign(line, sizeof line, note, text_len, T0, names[0], f->wsk[0], &err), 0);
    strcat(note, line);
    assert_int_equal(dauys_cosig_verify(NULL, note, strlen(note), &f->policy.key[0], "cp", &err),
                     0);
    /* An empty extension line is not one. */
    assert_int_equal(dauys_note_sign(note, sizeof note, CP_TEXT "\next\n", ORIGIN, f->log_sk, &err),
                     0);
    assert_int_equal(
        dauys_checkpoint_open_any(&cp, NULL, note, strlen(note), &f->log_pk, ORIGIN, "cp", &err),
        -1);
    assert_non_null(strstr(err.message, "extension line: empty"));
}

static void
test_sign_refuses(void **state)
{
    fixture *f = *state;
    char line[DAUYS_COSIG_LINE_MAX + 1];
    dauys_error err;

    assert_int_equal(dauys_cosig_sign(line, sizeof line, "a\nb", 3, T0, names[0], f->wsk[0], &err),
                     -1);
    assert_int_equal(dauys_cosig_sign(line, sizeof line, CP_TEXT, strlen(CP_TEXT),
                                      (uint64_t) INT64_MAX + 1, names[0], f->wsk[0], &err),
                     -1);
    assert_int_equal(
        dauys_cosig_sign(line, sizeof line, CP_TEXT, strlen(CP_TEXT), T0, "a+b", f->wsk[0], &err),
        -1);
    assert_int_equal(
        dauys_cosig_sign(line, 20, CP_TEXT, strlen(CP_TEXT), T0, names[0], f->wsk[0], &err), -1);
    assert_int_equal(dauys_cosig_sign(line, sizeof line, CP_TEXT, strlen(CP_TEXT),
                                      (uint64_t) INT64_MAX, names[0], f->wsk[0], &err),
                     0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_independent),
        cmocka_unit_test(test_spec_example),
        cmocka_unit_test(test_spec_message),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_bit_flips),
        cmocka_unit_test(test_malformed_lines),
        cmocka_unit_test(test_vkeys),
        cmocka_unit_test(test_policy_check),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_extension_lines),
        cmocka_unit_test(test_sign_refuses),
    };

    if (sodium_init() < 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
