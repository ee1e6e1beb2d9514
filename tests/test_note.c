/*
 * test_note.c: C2SP signed notes and tlog checkpoints: the exact layout,
 * key ids and verifier keys checked by independent routes and against the
 * example key of Go's note package, every bit flip detected, signatures by
 * other keys ignored, and each malformed input refused with its message.
 */
#include "tests/support.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "core/alloc.h"
#include "keys/keys.h"
#include "keys/note.h"

#define NAME "kz-2026.example/log"
#define EM_DASH "\xE2\x80\x94"

static const char text[] = "referendum: kz-2026\nprecinct: 0001\n\nyes: 812\nno: 101\n";

/* The example key and note of golang.org/x/mod/sumdb/note's documentation. */
#define GO_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define GO_SEED_B64 "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define GO_TEXT                                                                                    \
    "If you think cryptography is the answer to your problem,\n"                                   \
    "then you don't know what your problem is.\n"
#define GO_NOTE                                                                                    \
    GO_TEXT "\n" EM_DASH                                                                           \
            " PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2p"            \
            "ZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

typedef struct fixture {
    dauys_pubkey pk, other_pk;
    dauys_seckey *sk, *other_sk;
    char note[512];
    char sig_b64[93]; /* the base64 of our signature line */
} fixture;

static int
setup(void **state)
{
    static fixture f;
    dauys_error err;
    const char *line;

    if (dauys_keys_generate(&f.pk, &f.sk, &err) != 0 ||
        dauys_keys_generate(&f.other_pk, &f.other_sk, &err) != 0 ||
        dauys_note_sign(f.note, sizeof f.note, text, NAME, f.sk, &err) != 0) {
        return -1;
    }
    line = f.note + strlen(text) + 1 + strlen(EM_DASH " " NAME " ");
    memcpy(f.sig_b64, line, 92);
    f.sig_b64[92] = '\0';
    *state = &f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    dauys_keys_seckey_free(f->sk);
    dauys_keys_seckey_free(f->other_sk);
    return 0;
}

/* Verifies NOTE (a string) as "p.note" under KEY with PK; ERR always set. */
static int
verify(const char *note, const char *key, const dauys_pubkey *pk, dauys_error *err)
{
    size_t text_len = 0;
    int rc;

    dauys_error_clear(err);
    rc = dauys_note_verify(&text_len, note, strlen(note), key, pk, "p.note", err);
    if (rc == 0) {
        assert_int_equal(err->status, DAUYS_OK);
        assert_true(text_len > 0 && note[text_len - 1] == '\n' && note[text_len] == '\n');
    }
    return rc;
}

/* Decodes base64 S (all of it) into OUT (CAP bytes); returns the length. */
static size_t
unbase64(uint8_t *out, size_t cap, const char *s, size_t n)
{
    size_t len = 0;

    assert_int_equal(
        sodium_base642bin(out, cap, s, n, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
    return len;
}

/* A signature line "— KEY base64(BIN)\n", malloc'ed. */
static char *
sig_line(const char *key, const uint8_t *bin, size_t len)
{
    size_t b64_len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    size_t out_len = 4 + strlen(key) + 1 + b64_len + 1;
    char *b64 = malloc(b64_len), *out = malloc(out_len);

    sodium_bin2base64(b64, b64_len, bin, len, sodium_base64_VARIANT_ORIGINAL);
    assert_int_equal(snprintf(out, out_len, EM_DASH " %s %s\n", key, b64) + 1, out_len);
    free(b64);
    return out;
}

/* Our signature line with BYTES bytes of signature (key id included). */
static char *
our_line_of_length(const fixture *f, size_t bytes)
{
    uint8_t bin[80] = {0};
    char *line;

    assert_true(bytes <= sizeof bin);
    unbase64(bin, sizeof bin, f->sig_b64, 92);
    line = sig_line(NAME, bin, bytes);
    return line;
}

/* --- round trip and layout ----------------------------------------------- */

static void
test_roundtrip(void **state)
{
    fixture *f = *state;
    size_t text_len = 0;
    dauys_error err;

    assert_int_equal(
        dauys_note_verify(&text_len, f->note, strlen(f->note), NAME, &f->pk, "p", &err), 0);
    assert_int_equal(text_len, strlen(text));
    assert_memory_equal(f->note, text, text_len);
    /* Ed25519 is deterministic: signing again gives the same note. */
    char again[512];
    assert_int_equal(dauys_note_sign(again, sizeof again, text, NAME, f->sk, &err), 0);
    assert_string_equal(again, f->note);
}

static void
test_layout(void **state)
{
    fixture *f = *state;
    const char *p = f->note + strlen(text);
    uint8_t bin[80], id[4];

    assert_memory_equal(f->note, text, strlen(text));
    assert_memory_equal(p, "\n\xE2\x80\x94 " NAME " ", 1 + 4 + strlen(NAME) + 1);
    p += 1 + 4 + strlen(NAME) + 1;
    assert_string_equal(p + 92, "\n");
    assert_int_equal(strlen(f->note), strlen(text) + 1 + 4 + strlen(NAME) + 1 + 92 + 1);
    assert_int_equal(unbase64(bin, sizeof bin, p, 92), 68);
    assert_int_equal(dauys_note_key_id(id, NAME, &f->pk), 0);
    assert_memory_equal(bin, id, 4);
    assert_int_equal(
        crypto_sign_verify_detached(bin + 4, (const uint8_t *) text, strlen(text), f->pk.pk), 0);
}

/* --- key ids and verifier keys -------------------------------------------- */

/* SHA-256(NAME || 0x0A || 0x01 || PK)[:4], computed here without dauys. */
static void
independent_key_id(uint8_t out[4], const char *name, const uint8_t pk[32])
{
    uint8_t buf[300], h[EVP_MAX_MD_SIZE];
    size_t n = strlen(name);
    unsigned int h_len = 0;

    assert_true(n + 2 + 32 <= sizeof buf);
    memcpy(buf, name, n);
    buf[n] = 0x0A;
    buf[n + 1] = 0x01;
    memcpy(buf + n + 2, pk, 32);
    assert_int_equal(EVP_Digest(buf, n + 2 + 32, h, &h_len, EVP_sha256(), NULL), 1);
    assert_int_equal(h_len, 32);
    memcpy(out, h, 4);
}

static void
test_key_id_known_answer(void **state)
{
    dauys_pubkey pk;
    uint8_t want[4], got[4];

    (void) state;
    for (int i = 0; i < 32; i++) {
        pk.pk[i] = (uint8_t) (i * 7 + 1);
    }
    memset(pk.id, 0xEE, sizeof pk.id); /* minisign's id plays no part */
    independent_key_id(want, "dauys/kz-2026/official", pk.pk);
    assert_int_equal(dauys_note_key_id(got, "dauys/kz-2026/official", &pk), 0);
    assert_memory_equal(got, want, 4);
    /* The name is part of the hash. */
    assert_int_equal(dauys_note_key_id(got, "dauys/kz-2026/test", &pk), 0);
    assert_memory_not_equal(got, want, 4);
}

/* The public key of the Go example, from its verifier key. */
static void
go_pubkey(dauys_pubkey *pk)
{
    const char *b64 = strrchr(GO_VKEY, '+') + 1;
    uint8_t bin[33];

    assert_int_equal(unbase64(bin, sizeof bin, b64, strlen(b64)), 33);
    assert_int_equal(bin[0], 0x01);
    memset(pk->id, 0, sizeof pk->id);
    memcpy(pk->pk, bin + 1, 32);
}

static void
test_key_id_and_vkey_match_go(void **state)
{
    dauys_pubkey pk;
    uint8_t id[4], want[4] = {0xc7, 0x4f, 0x20, 0xa3};
    char vkey[DAUYS_NOTE_VKEY_MAX];
    dauys_error err;

    (void) state;
    go_pubkey(&pk);
    assert_int_equal(dauys_note_key_id(id, "PeterNeumann", &pk), 0);
    assert_memory_equal(id, want, 4);
    assert_int_equal(dauys_note_vkey(vkey, sizeof vkey, "PeterNeumann", &pk, &err), 0);
    assert_string_equal(vkey, GO_VKEY);
}

static void
test_vkey(void **state)
{
    fixture *f = *state;
    char vkey[DAUYS_NOTE_VKEY_MAX], hex[9], want_b64[45];
    uint8_t id[4], bin[33];
    dauys_error err;

    assert_int_equal(dauys_note_vkey(vkey, sizeof vkey, NAME, &f->pk, &err), 0);
    assert_int_equal(dauys_note_key_id(id, NAME, &f->pk), 0);
    snprintf(hex, sizeof hex, "%02x%02x%02x%02x", id[0], id[1], id[2], id[3]);
    bin[0] = 0x01;
    memcpy(bin + 1, f->pk.pk, 32);
    sodium_bin2base64(want_b64, sizeof want_b64, bin, 33, sodium_base64_VARIANT_ORIGINAL);
    char want[DAUYS_NOTE_VKEY_MAX];
    snprintf(want, sizeof want, "%s+%s+%s", NAME, hex, want_b64);
    assert_string_equal(vkey, want);
    assert_int_equal(strlen(vkey), strlen(NAME) + 1 + 8 + 1 + 44);
    /* Too small a buffer, and names the spec forbids. */
    assert_int_equal(dauys_note_vkey(vkey, strlen(want), NAME, &f->pk, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "output buffer too small");
    assert_int_equal(dauys_note_vkey(vkey, sizeof vkey, "", &f->pk, &err), -1);
    assert_string_equal(err.message, "key name: is empty");
    assert_int_equal(dauys_note_vkey(vkey, sizeof vkey, "a+b", &f->pk, &err), -1);
    assert_string_equal(err.message, "key name: contains '+'");
    assert_int_equal(dauys_note_vkey(vkey, sizeof vkey, "a b", &f->pk, &err), -1);
    assert_string_equal(err.message, "key name: contains a space");
    /* U+3000 IDEOGRAPHIC SPACE and U+00A0 NO-BREAK SPACE are spaces too. */
    assert_int_equal(dauys_note_vkey(vkey, sizeof vkey, "a\xE3\x80\x80", &f->pk, &err), -1);
    assert_string_equal(err.message, "key name: contains a space");
    assert_int_equal(dauys_note_vkey(vkey, sizeof vkey, "a\xC2\xA0", &f->pk, &err), -1);
    assert_string_equal(err.message, "key name: contains a space");
    assert_int_equal(dauys_note_vkey(vkey, sizeof vkey, "a\xC3", &f->pk, &err), -1);
    assert_string_equal(err.message, "key name: is not valid UTF-8");
    /* Non-ASCII names are fine. */
    assert_int_equal(dauys_note_vkey(vkey, sizeof vkey, "сайлау.kz/log", &f->pk, &err), 0);
}

/* A dauys secret key holding the Go example's seed, via a minisign key file. */
static dauys_seckey *
go_seckey(void)
{
    uint8_t seed[33], bin[158] = {0}, pk[32];
    char b64[sodium_base64_ENCODED_LEN(158, sodium_base64_VARIANT_ORIGINAL)];
    char file[400];
    dauys_seckey *sk = NULL;
    dauys_error err;

    assert_int_equal(unbase64(seed, sizeof seed, GO_SEED_B64, strlen(GO_SEED_B64)), 33);
    assert_int_equal(seed[0], 0x01);
    memcpy(bin, "Ed\0\0B2", 6);                       /* unencrypted, BLAKE2b checksum */
    crypto_sign_seed_keypair(pk, bin + 62, seed + 1); /* key id (54..61) left zero */
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, bin, 2);
    crypto_generichash_update(&st, bin + 54, 8);
    crypto_generichash_update(&st, bin + 62, 64);
    crypto_generichash_final(&st, bin + 126, 32);
    sodium_bin2base64(b64, sizeof b64, bin, sizeof bin, sodium_base64_VARIANT_ORIGINAL);
    snprintf(file, sizeof file, "untrusted comment: go example\n%s\n", b64);
    assert_int_equal(dauys_keys_seckey_decode(&sk, file, strlen(file), "go.key", NULL, NULL, &err),
                     0);
    return sk;
}

/* The Go package's own signed note verifies here, and signing makes it byte for byte. */
static void
test_go_note_interop(void **state)
{
    dauys_pubkey pk, own;
    dauys_seckey *sk = go_seckey();
    char note[512];
    dauys_error err;

    (void) state;
    go_pubkey(&pk);
    dauys_keys_seckey_public(&own, sk);
    assert_memory_equal(own.pk, pk.pk, 32);
    assert_int_equal(verify(GO_NOTE, "PeterNeumann", &pk, &err), 0);
    assert_int_equal(dauys_note_sign(note, sizeof note, GO_TEXT, "PeterNeumann", sk, &err), 0);
    assert_string_equal(note, GO_NOTE);
    dauys_keys_seckey_free(sk);
}

/* --- damage --------------------------------------------------------------- */

static void
test_every_bit_flip_fails(void **state)
{
    fixture *f = *state;
    size_t len = strlen(f->note);
    char note[512];
    dauys_error err;
    unsigned failures = 0;

    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(note, f->note, len + 1);
            note[i] ^= (char) (1 << bit);
            dauys_error_clear(&err);
            if (dauys_note_verify(NULL, note, len, NAME, &f->pk, "p.note", &err) == 0) {
                print_error("flip of bit %d at byte %zu still verifies\n", bit, i);
                failures++;
            }
            assert_true(err.status == DAUYS_E_FORMAT || err.status == DAUYS_E_SIGNATURE ||
                        err.status == DAUYS_E_KEY_ID);
        }
    }
    assert_int_equal(failures, 0);
}

static void
test_text_change_is_bad_signature(void **state)
{
    fixture *f = *state;
    char note[512];
    dauys_error err;

    for (size_t i = 0; i < strlen(text); i++) {
        if (text[i] == '\n') {
            continue;
        }
        strcpy(note, f->note);
        note[i] ^= 0x01; /* printable ASCII stays printable */
        assert_int_equal(verify(note, NAME, &f->pk, &err), -1);
        assert_string_equal(err.message, "p.note:7: signature by key " NAME " does not verify");
        assert_int_equal(err.status, DAUYS_E_SIGNATURE);
    }
}

/* Re-encodes our signature line in NOTE after flipping bit BIT of decoded byte BYTE. */
static void
flip_signature_byte(char *note, size_t byte, int bit)
{
    char *b64 = note + strlen(text) + 1 + strlen(EM_DASH " " NAME " ");
    uint8_t bin[68];
    char again[93];

    assert_int_equal(unbase64(bin, sizeof bin, b64, 92), 68);
    bin[byte] ^= (uint8_t) (1u << bit);
    sodium_bin2base64(again, sizeof again, bin, 68, sodium_base64_VARIANT_ORIGINAL);
    memcpy(b64, again, 92);
}

static void
test_signature_change(void **state)
{
    fixture *f = *state;
    char note[512];
    dauys_error err;

    for (size_t byte = 0; byte < 68; byte++) {
        strcpy(note, f->note);
        flip_signature_byte(note, byte, (int) (byte % 8));
        assert_int_equal(verify(note, NAME, &f->pk, &err), -1);
        /* A changed key id makes it another key's signature: ignored. */
        assert_int_equal(err.status, byte < 4 ? DAUYS_E_KEY_ID : DAUYS_E_SIGNATURE);
    }
}

static void
test_other_key_same_name_ignored(void **state)
{
    fixture *f = *state;
    char note[512];
    dauys_error err;

    assert_int_equal(dauys_note_sign(note, sizeof note, text, NAME, f->other_sk, &err), 0);
    assert_int_equal(verify(note, NAME, &f->other_pk, &err), 0);
    assert_int_equal(verify(note, NAME, &f->pk, &err), -1);
    assert_error(&err, DAUYS_E_KEY_ID, "p.note: no signature by key " NAME " (key id ");
    /* Our key under another name: another key as far as notes go. */
    assert_int_equal(verify(f->note, "kz-2026.example/other", &f->pk, &err), -1);
    assert_error(&err, DAUYS_E_KEY_ID, "no signature by key kz-2026.example/other");
    /* Another key's signature bytes under our name and key id: checked, and bad. */
    uint8_t id[4];
    assert_int_equal(dauys_note_key_id(id, NAME, &f->pk), 0);
    char *b64 = note + strlen(text) + 1 + strlen(EM_DASH " " NAME " ");
    uint8_t bin[68];
    unbase64(bin, sizeof bin, b64, 92);
    memcpy(bin, id, 4);
    char *line = sig_line(NAME, bin, 68);
    strcpy(note + strlen(text) + 1, line);
    free(line);
    assert_int_equal(verify(note, NAME, &f->pk, &err), -1);
    assert_error(&err, DAUYS_E_SIGNATURE, "p.note:7: signature by key " NAME " does not verify");
}

static void
test_unknown_signatures_ignored(void **state)
{
    fixture *f = *state;
    char other[512], note[1024];
    const char *other_line;
    dauys_error err;

    assert_int_equal(
        dauys_note_sign(other, sizeof other, text, "witness.example/w1", f->other_sk, &err), 0);
    other_line = other + strlen(text) + 1;
    /* before ours */
    snprintf(note, sizeof note, "%s\n%s%s", text, other_line, f->note + strlen(text) + 1);
    assert_int_equal(verify(note, NAME, &f->pk, &err), 0);
    assert_int_equal(verify(note, "witness.example/w1", &f->other_pk, &err), 0);
    /* after ours */
    snprintf(note, sizeof note, "%s%s", f->note, other_line);
    assert_int_equal(verify(note, NAME, &f->pk, &err), 0);
    /* duplicated: refused, so at most one Ed25519 check is made per note */
    snprintf(note, sizeof note, "%s%s", f->note, f->note + strlen(text) + 1);
    assert_int_equal(verify(note, NAME, &f->pk, &err), -1);
    assert_string_equal(err.message, "p.note:8: second signature by key " NAME);
    assert_int_equal(err.status, DAUYS_E_FORMAT);
}

/* A note: TEXT, a blank line, COUNT unknown signatures of SIG_BYTES with ours at OURS. */
static char *
many_signatures(const fixture *f, int count, size_t sig_bytes, int ours)
{
    size_t cap = strlen(text) + 2 + (size_t) (count + 1) * (sig_bytes * 4 / 3 + 100);
    char *note = malloc(cap), *p;
    uint8_t *bin = malloc(sig_bytes);

    p = note + sprintf(note, "%s\n", text);
    for (int i = 0; i < count; i++) {
        char key[64], *line;
        if (i == ours) {
            p += sprintf(p, EM_DASH " %s %s\n", NAME, f->sig_b64);
        }
        /* Half under our own name, with some other key id. */
        if (i % 2) {
            strcpy(key, NAME);
        } else {
            snprintf(key, sizeof key, "witness.example/w%d", i);
        }
        randombytes_buf(bin, sig_bytes);
        bin[0] = (uint8_t) i;
        bin[1] = 0xFF; /* never our key id (its first bytes differ somewhere) */
        bin[2] = 0xFF;
        bin[3] = (uint8_t) (0xF0 | i);
        line = sig_line(key, bin, sig_bytes);
        p += sprintf(p, "%s", line);
        free(line);
    }
    if (ours == count) {
        p += sprintf(p, EM_DASH " %s %s\n", NAME, f->sig_b64);
    }
    assert_true((size_t) (p - note) < cap);
    free(bin);
    return note;
}

static void
test_sixteen_signatures(void **state)
{
    fixture *f = *state;
    uint8_t id[4];
    dauys_error err;
    char *note;

    assert_int_equal(dauys_note_key_id(id, NAME, &f->pk), 0);
    if (id[1] == 0xFF && id[2] == 0xFF) {
        skip(); /* 1 in 65536: the fake key ids could collide with ours */
    }
    note = many_signatures(f, 15, 68, 7);
    assert_int_equal(verify(note, NAME, &f->pk, &err), 0);
    free(note);
    /* 16 unknown post-quantum-sized (~5 kB) signatures and ours still fit. */
    note = many_signatures(f, 16, 4 + 4900, 16);
    assert_true(strlen(note) <= DAUYS_NOTE_MAX);
    assert_int_equal(verify(note, NAME, &f->pk, &err), 0);
    free(note);
    /* At most 100 signature lines, as Go's note package. */
    note = many_signatures(f, 99, 68, 50);
    assert_int_equal(verify(note, NAME, &f->pk, &err), 0);
    free(note);
    note = many_signatures(f, 100, 68, 50);
    assert_int_equal(verify(note, NAME, &f->pk, &err), -1);
    assert_string_equal(err.message, "p.note:107: more than 100 signature lines");
    free(note);
    /* Over the size limit. */
    note = many_signatures(f, 21, 4 + 4900, 0);
    assert_true(strlen(note) > DAUYS_NOTE_MAX);
    assert_int_equal(verify(note, NAME, &f->pk, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "p.note: note of ");
    assert_error(&err, DAUYS_E_FORMAT, "bytes, over the limit of 131072");
    free(note);
}

/* Verifies "TEXT_PART\nSIG_PART" and expects DAUYS_E_FORMAT with MESSAGE exactly. */
static void
expect_format(const fixture *f, const char *text_part, const char *sig_part, const char *message)
{
    char note[1024];
    dauys_error err;

    snprintf(note, sizeof note, "%s%s", text_part, sig_part);
    assert_int_equal(verify(note, NAME, &f->pk, &err), -1);
    assert_string_equal(err.message, message);
    assert_int_equal(err.status, DAUYS_E_FORMAT);
}

static void
test_malformed_notes(void **state)
{
    fixture *f = *state;
    char ours[200], *line;

    snprintf(ours, sizeof ours, EM_DASH " " NAME " %s\n", f->sig_b64);
    expect_format(f, "a\nb\n", ours,
                  "p.note:3: no blank line between the text and the signature lines");
    expect_format(f, "a\nb\n\n", "", "p.note:4: no signature lines after the blank line");
    expect_format(f, "", "", "p.note:1: no blank line between the text and the signature lines");
    expect_format(f, "a\nb\n\n", "- " NAME " AAAAAAAA\n",
                  "p.note:4: signature line: must start with an em dash (U+2014) and a space");
    expect_format(f, "a\nb\n\n", EM_DASH NAME " AAAAAAAA\n",
                  "p.note:4: signature line: must start with an em dash (U+2014) and a space");
    expect_format(f, "a\nb\n\n", EM_DASH " " NAME "\n",
                  "p.note:4: signature line: no space between key name and signature");
    expect_format(f, "a\nb\n\n", EM_DASH " a+b AAAAAAAA\n",
                  "p.note:4: signature line: key name contains '+'");
    expect_format(f, "a\nb\n\n", EM_DASH "  AAAAAAAA\n",
                  "p.note:4: signature line: key name is empty");
    expect_format(f, "a\nb\n\n", EM_DASH " " NAME " AAAA*AAA\n",
                  "p.note:4: signature line: signature is not canonical base64");
    expect_format(f, "a\nb\n\n", EM_DASH " " NAME " AAAAAAA\n",
                  "p.note:4: signature line: signature is not canonical base64");
    expect_format(f, "a\nb\n\n", EM_DASH " " NAME " AAAAAAB=\n",
                  "p.note:4: signature line: signature is not canonical base64");
    expect_format(f, "a\nb\n\n", EM_DASH " " NAME " AAAAAAAA \n",
                  "p.note:4: signature line: signature is not canonical base64");
    expect_format(f, "a\nb\n\n", EM_DASH " " NAME " AAAAAA==\n",
                  "p.note:4: signature line: 4 bytes, too short for a key id and a signature");
    /* Our key's signature of the wrong length (67 and 69 bytes). */
    line = our_line_of_length(f, 67);
    expect_format(f, "a\nb\n\n", line,
                  "p.note:4: signature by key " NAME ": 67 bytes, not 68 (key id and Ed25519 "
                  "signature)");
    free(line);
    line = our_line_of_length(f, 69);
    expect_format(f, "a\nb\n\n", line,
                  "p.note:4: signature by key " NAME ": 69 bytes, not 68 (key id and Ed25519 "
                  "signature)");
    free(line);
    /* Control characters, CR included, anywhere. */
    expect_format(f, "a\tb\n\n", ours,
                  "p.note:1: control character 0x09 (only newline is allowed)");
    expect_format(f, "a\r\nb\n\n", ours,
                  "p.note:1: control character 0x0d (only newline is allowed)");
    expect_format(f, "a\nb\n\n", EM_DASH " " NAME " AAAAAAA\x01\n",
                  "p.note:4: control character 0x01 (only newline is allowed)");
    /* Invalid UTF-8: a bad continuation, an overlong '/', a surrogate, a lone lead byte. */
    expect_format(f, "a\n\xC3\x28\n\n", ours, "p.note:2: invalid UTF-8");
    expect_format(f, "a\n\xC0\xAF\n\n", ours, "p.note:2: invalid UTF-8");
    expect_format(f, "a\n\xED\xA0\x80\n\n", ours, "p.note:2: invalid UTF-8");
    expect_format(f, "a\nb\n\n", EM_DASH " " NAME "\xE2\x80 AAAAAAAA\n", "p.note:4: invalid UTF-8");
    /* The last signature line must end in a newline. */
    ours[strlen(ours) - 1] = '\0';
    expect_format(f, "a\nb\n\n", ours, "p.note:4: signature line: does not end in a newline");
}

static void
test_nul_byte(void **state)
{
    fixture *f = *state;
    char note[512];
    size_t len = strlen(f->note);
    dauys_error err;

    memcpy(note, f->note, len + 1);
    note[3] = '\0';
    assert_int_equal(dauys_note_verify(NULL, note, len, NAME, &f->pk, "p.note", &err), -1);
    assert_string_equal(err.message, "p.note:1: control character 0x00 (only newline is allowed)");
}

static void
test_sign_refuses(void **state)
{
    fixture *f = *state;
    char note[512];
    dauys_error err;

    assert_int_equal(dauys_note_sign(note, sizeof note, "no newline", NAME, f->sk, &err), -1);
    assert_string_equal(err.message, "note text: must end in a newline");
    assert_int_equal(err.status, DAUYS_E_FORMAT);
    assert_int_equal(dauys_note_sign(note, sizeof note, "", NAME, f->sk, &err), -1);
    assert_string_equal(err.message, "note text: must end in a newline");
    assert_int_equal(dauys_note_sign(note, sizeof note, "a\nb\tc\n", NAME, f->sk, &err), -1);
    assert_string_equal(err.message,
                        "note text:2: control character 0x09 (only newline is allowed)");
    assert_int_equal(dauys_note_sign(note, sizeof note, "a\xFF\n", NAME, f->sk, &err), -1);
    assert_string_equal(err.message, "note text:1: invalid UTF-8");
    assert_int_equal(dauys_note_sign(note, sizeof note, text, "bad name", f->sk, &err), -1);
    assert_string_equal(err.message, "key name: contains a space");
    assert_int_equal(err.status, DAUYS_E_USAGE);
    assert_int_equal(dauys_note_sign(note, strlen(f->note), text, NAME, f->sk, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "output buffer too small");
    assert_int_equal(dauys_note_sign(note, strlen(f->note) + 1, text, NAME, f->sk, &err), 0);
    /* Blank lines in the text, even a final one, are the text's own. */
    assert_int_equal(dauys_note_sign(note, sizeof note, "\n", NAME, f->sk, &err), 0);
    assert_int_equal(verify(note, NAME, &f->pk, &err), 0);
    assert_int_equal(dauys_note_sign(note, sizeof note, "a\n\n\n", NAME, f->sk, &err), 0);
    size_t text_len = 0;
    assert_int_equal(dauys_note_verify(&text_len, note, strlen(note), NAME, &f->pk, "p", &err), 0);
    assert_int_equal(text_len, 4);
    /* Over the size limit. */
    size_t big = DAUYS_NOTE_MAX;
    char *long_text = malloc(big + 1), *out = malloc(big + 512);
    memset(long_text, 'x', big);
    long_text[big - 1] = '\n';
    long_text[big] = '\0';
    assert_int_equal(dauys_note_sign(out, big + 512, long_text, NAME, f->sk, &err), -1);
    assert_error(&err, DAUYS_E_TOO_LARGE, "note text: 131072 bytes, over the limit of");
    big = DAUYS_NOTE_MAX - 1 - DAUYS_NOTE_SIG_LINE_MAX;
    long_text[big - 1] = '\n';
    long_text[big] = '\0';
    assert_int_equal(dauys_note_sign(out, big + 512, long_text, NAME, f->sk, &err), 0);
    assert_int_equal(verify(out, NAME, &f->pk, &err), 0);
    /* With the longest key name, the note is exactly the most verified. */
    char long_name[DAUYS_NOTE_NAME_MAX + 1];
    memset(long_name, 'n', DAUYS_NOTE_NAME_MAX);
    long_name[DAUYS_NOTE_NAME_MAX] = '\0';
    assert_int_equal(dauys_note_sign(out, big + 512, long_text, long_name, f->sk, &err), 0);
    assert_int_equal(strlen(out), DAUYS_NOTE_MAX);
    assert_int_equal(verify(out, long_name, &f->pk, &err), 0);
    char longer[DAUYS_NOTE_NAME_MAX + 2];
    memset(longer, 'n', DAUYS_NOTE_NAME_MAX + 1);
    longer[DAUYS_NOTE_NAME_MAX + 1] = '\0';
    assert_int_equal(dauys_note_sign(out, big + 512, text, longer, f->sk, &err), -1);
    assert_string_equal(err.message, "key name: is longer than 255 bytes");
    free(long_text);
    free(out);
}

/* --- checkpoints ---------------------------------------------------------- */

static const dauys_checkpoint sample_cp = {
    .origin = "dauys/kz-2026/official",
    .size = 20852163,
    .root = {0x0a, 0xc5, 0x18, 0x6a, 0x91, 0x86, 0x3e, 0x8e, 0x1d, 0x90, 0xc8,
             0x08, 0x01, 0x4a, 0xa8, 0x9b, 0xf5, 0xda, 0x8e, 0x3e, 0xe1, 0xd9,
             0xf0, 0x76, 0x30, 0xf0, 0x37, 0x8f, 0x68, 0xf1, 0xab, 0x62},
};
#define SAMPLE_ROOT_B64 "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="

/* Asserts the checkpoints A and B are equal (the origin up to its NUL). */
static void
assert_cp_equal(const dauys_checkpoint *a, const dauys_checkpoint *b)
{
    assert_string_equal(a->origin, b->origin);
    assert_true(a->size == b->size);
    assert_memory_equal(a->root, b->root, sizeof a->root);
}

static void
test_checkpoint_format_and_parse(void **state)
{
    char out[DAUYS_CHECKPOINT_TEXT_MAX];
    dauys_checkpoint cp;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_checkpoint_format(out, sizeof out, &sample_cp, &err), 0);
    assert_string_equal(out, "dauys/kz-2026/official\n20852163\n" SAMPLE_ROOT_B64 "\n");
    assert_int_equal(dauys_checkpoint_parse(&cp, out, strlen(out), "c", &err), 0);
    assert_cp_equal(&cp, &sample_cp);
    /* The extremes of the size. */
    const char *zero = "o\n0\n" SAMPLE_ROOT_B64 "\n";
    assert_int_equal(dauys_checkpoint_parse(&cp, zero, strlen(zero), "c", &err), 0);
    assert_int_equal(cp.size, 0);
    const char *max = "o\n18446744073709551615\n" SAMPLE_ROOT_B64 "\n";
    assert_int_equal(dauys_checkpoint_parse(&cp, max, strlen(max), "c", &err), 0);
    assert_true(cp.size == UINT64_MAX);
    assert_int_equal(dauys_checkpoint_format(out, sizeof out, &cp, &err), 0);
    assert_string_equal(out, max);
    /* A longest origin fits DAUYS_CHECKPOINT_TEXT_MAX. */
    memset(cp.origin, 'o', DAUYS_NOTE_NAME_MAX);
    cp.origin[DAUYS_NOTE_NAME_MAX] = '\0';
    assert_int_equal(dauys_checkpoint_format(out, sizeof out, &cp, &err), 0);
    assert_int_equal(strlen(out) + 1, DAUYS_CHECKPOINT_TEXT_MAX);
    /* Origins the spec's key names forbid are not written. */
    strcpy(cp.origin, "dauys kz");
    assert_int_equal(dauys_checkpoint_format(out, sizeof out, &cp, &err), -1);
    assert_string_equal(err.message, "checkpoint origin: contains a space");
    assert_int_equal(err.status, DAUYS_E_USAGE);
}

/* Parses TEXT as "c" and expects DAUYS_E_FORMAT with MESSAGE exactly, CP untouched. */
static void
expect_cp_error(const char *cp_text, const char *message)
{
    dauys_checkpoint cp, before;
    dauys_error err;

    memset(&cp, 0x5A, sizeof cp);
    before = cp;
    assert_int_equal(dauys_checkpoint_parse(&cp, cp_text, strlen(cp_text), "c", &err), -1);
    assert_string_equal(err.message, message);
    assert_int_equal(err.status, DAUYS_E_FORMAT);
    assert_memory_equal(&cp, &before, sizeof cp);
}

static void
test_checkpoint_parse_errors(void **state)
{
    (void) state;
    expect_cp_error("o\n01\n" SAMPLE_ROOT_B64 "\n", "c:2: tree size: leading zero");
    expect_cp_error("o\n00\n" SAMPLE_ROOT_B64 "\n", "c:2: tree size: leading zero");
    expect_cp_error("o\n18446744073709551616\n" SAMPLE_ROOT_B64 "\n",
                    "c:2: tree size: over 18446744073709551615");
    expect_cp_error("o\n99999999999999999999999\n" SAMPLE_ROOT_B64 "\n",
                    "c:2: tree size: over 18446744073709551615");
    expect_cp_error("o\n\n" SAMPLE_ROOT_B64 "\n", "c:2: tree size: not a decimal number");
    expect_cp_error("o\n-1\n" SAMPLE_ROOT_B64 "\n", "c:2: tree size: not a decimal number");
    expect_cp_error("o\n+1\n" SAMPLE_ROOT_B64 "\n", "c:2: tree size: not a decimal number");
    expect_cp_error("o\n 1\n" SAMPLE_ROOT_B64 "\n", "c:2: tree size: not a decimal number");
    expect_cp_error("o\n0x10\n" SAMPLE_ROOT_B64 "\n", "c:2: tree size: not a decimal number");
    expect_cp_error("\n1\n" SAMPLE_ROOT_B64 "\n", "c:1: origin: is empty");
    expect_cp_error("dauys kz\n1\n" SAMPLE_ROOT_B64 "\n", "c:1: origin: contains a space");
    expect_cp_error("dauys+kz\n1\n" SAMPLE_ROOT_B64 "\n", "c:1: origin: contains '+'");
    expect_cp_error("dauys\tkz\n1\n" SAMPLE_ROOT_B64 "\n", "c:1: origin: contains a space");
    expect_cp_error("dauys\x01kz\n1\n" SAMPLE_ROOT_B64 "\n",
                    "c:1: origin: contains a control character");
    expect_cp_error("dauys/kz\r\n1\r\n" SAMPLE_ROOT_B64 "\r\n",
                    "c:1: origin: CR is not allowed: lines end in LF only");
    /* 31 bytes of root, 33 bytes, and a non-canonical spelling of 32. */
    expect_cp_error("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==\n",
                    "c:3: root hash: 31 bytes, not 32");
    expect_cp_error("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2Jq\n",
                    "c:3: root hash: 33 bytes, not 32");
    /* Unused low bits set ('J' for 'I'), no padding, the URL alphabet, spaces. */
    expect_cp_error("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n",
                    "c:3: root hash: not canonical base64");
    expect_cp_error("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",
                    "c:3: root hash: not canonical base64");
    expect_cp_error("o\n1\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n",
                    "c:3: root hash: not canonical base64");
    expect_cp_error("o\n1\n " SAMPLE_ROOT_B64 "\n", "c:3: root hash: not canonical base64");
    expect_cp_error("o\n1\n" SAMPLE_ROOT_B64 "\nextension\n",
                    "c:4: extension line: not accepted (dauys checkpoints have none)");
    expect_cp_error("o\n1\n" SAMPLE_ROOT_B64 "\n\n",
                    "c:4: extension line: not accepted (dauys checkpoints have none)");
    expect_cp_error("o\n1\n", "c:3: root hash: missing (text ends early)");
    expect_cp_error("o\n1\n" SAMPLE_ROOT_B64, "c:3: root hash: does not end in a newline");
    expect_cp_error("", "c:1: origin: missing (text ends early)");
}

static void
test_checkpoint_sign_open(void **state)
{
    fixture *f = *state;
    char note[DAUYS_CHECKPOINT_NOTE_MAX];
    dauys_checkpoint cp;
    dauys_error err;

    assert_int_equal(dauys_checkpoint_sign(note, sizeof note, &sample_cp, f->sk, &err), 0);
    assert_memory_equal(note,
                        "dauys/kz-2026/official\n20852163\n" SAMPLE_ROOT_B64 "\n\n" EM_DASH
                        " dauys/kz-2026/official ",
                        strlen("dauys/kz-2026/official\n20852163\n" SAMPLE_ROOT_B64 "\n\n" EM_DASH
                               " dauys/kz-2026/official "));
    /* It is an ordinary signed note under the origin's key name. */
    assert_int_equal(verify(note, "dauys/kz-2026/official", &f->pk, &err), 0);
    assert_int_equal(dauys_checkpoint_open(&cp, note, strlen(note), &f->pk, NULL, "cp", &err), 0);
    assert_cp_equal(&cp, &sample_cp);
    memset(&cp, 0, sizeof cp);
    assert_int_equal(dauys_checkpoint_open(&cp, note, strlen(note), &f->pk,
                                           "dauys/kz-2026/official", "cp", &err),
                     0);
    assert_cp_equal(&cp, &sample_cp);
    /* Another key: no signature by it. */
    assert_int_equal(dauys_checkpoint_open(&cp, note, strlen(note), &f->other_pk, NULL, "cp", &err),
                     -1);
    assert_error(&err, DAUYS_E_KEY_ID, "cp: no signature by key dauys/kz-2026/official");
    /* A changed size is a bad signature. */
    note[strlen("dauys/kz-2026/official\n")] = '3';
    assert_int_equal(dauys_checkpoint_open(&cp, note, strlen(note), &f->pk, NULL, "cp", &err), -1);
    assert_error(&err, DAUYS_E_SIGNATURE, "cp:5: signature by key dauys/kz-2026/official");
    /* The longest checkpoint note fits DAUYS_CHECKPOINT_NOTE_MAX. */
    dauys_checkpoint big = sample_cp;
    memset(big.origin, 'o', DAUYS_NOTE_NAME_MAX);
    big.origin[DAUYS_NOTE_NAME_MAX] = '\0';
    big.size = UINT64_MAX;
    assert_int_equal(dauys_checkpoint_sign(note, sizeof note, &big, f->sk, &err), 0);
    assert_int_equal(strlen(note) + 1, DAUYS_CHECKPOINT_NOTE_MAX);
    assert_int_equal(dauys_checkpoint_open(&cp, note, strlen(note), &f->pk, NULL, "cp", &err), 0);
    assert_cp_equal(&cp, &big);
}

static void
test_checkpoint_origin_mismatch(void **state)
{
    fixture *f = *state;
    char note[DAUYS_CHECKPOINT_NOTE_MAX];
    dauys_checkpoint cp = sample_cp, out;
    dauys_error err;

    strcpy(cp.origin, "example.org/log-a");
    assert_int_equal(dauys_checkpoint_sign(note, sizeof note, &cp, f->sk, &err), 0);
    memset(&out, 0x77, sizeof out);
    assert_int_equal(
        dauys_checkpoint_open(&out, note, strlen(note), &f->pk, "example.org/log-b", "cp", &err),
        -1);
    assert_string_equal(err.message, "cp: checkpoint is for origin example.org/log-a, not "
                                     "example.org/log-b");
    assert_int_equal(err.status, DAUYS_E_PROOF);
    assert_int_equal(out.size, 0x7777777777777777u); /* untouched */
}

/* One key signs test-mode and official checkpoints: they cannot be swapped. */
static void
test_checkpoint_test_mode_is_not_official(void **state)
{
    fixture *f = *state;
    char note[DAUYS_CHECKPOINT_NOTE_MAX], text_buf[DAUYS_CHECKPOINT_TEXT_MAX];
    dauys_checkpoint cp = sample_cp, out;
    dauys_error err;

    strcpy(cp.origin, "dauys/kz-2026/test");
    assert_int_equal(dauys_checkpoint_sign(note, sizeof note, &cp, f->sk, &err), 0);
    assert_int_equal(
        dauys_checkpoint_open(&out, note, strlen(note), &f->pk, "dauys/kz-2026/test", "cp", &err),
        0);
    assert_int_equal(dauys_checkpoint_open(&out, note, strlen(note), &f->pk,
                                           "dauys/kz-2026/official", "cp", &err),
                     -1);
    assert_string_equal(err.message, "cp: checkpoint is for origin dauys/kz-2026/test, not "
                                     "dauys/kz-2026/official");
    assert_int_equal(err.status, DAUYS_E_PROOF);
    /* Nor as a note under the official key name. */
    assert_int_equal(verify(note, "dauys/kz-2026/official", &f->pk, &err), -1);
    assert_error(&err, DAUYS_E_KEY_ID, "no signature by key dauys/kz-2026/official");
    /* A test-mode text signed under the official name (not what
     * dauys_checkpoint_sign makes) opens neither way. */
    assert_int_equal(dauys_checkpoint_format(text_buf, sizeof text_buf, &cp, &err), 0);
    assert_int_equal(
        dauys_note_sign(note, sizeof note, text_buf, "dauys/kz-2026/official", f->sk, &err), 0);
    assert_int_equal(dauys_checkpoint_open(&out, note, strlen(note), &f->pk,
                                           "dauys/kz-2026/official", "cp", &err),
                     -1);
    assert_error(&err, DAUYS_E_KEY_ID, "cp: no signature by key dauys/kz-2026/test");
    assert_int_equal(dauys_checkpoint_open(&out, note, strlen(note), &f->pk, NULL, "cp", &err), -1);
    assert_error(&err, DAUYS_E_KEY_ID, "cp: no signature by key dauys/kz-2026/test");
}

static void
test_checkpoint_open_malformed(void **state)
{
    fixture *f = *state;
    char note[DAUYS_CHECKPOINT_NOTE_MAX + 64];
    dauys_checkpoint cp;
    dauys_error err;

    /* Validly signed, but with an extension line. */
    assert_int_equal(
        dauys_note_sign(note, sizeof note, "o\n1\n" SAMPLE_ROOT_B64 "\next\n", "o", f->sk, &err),
        0);
    assert_int_equal(dauys_checkpoint_open(&cp, note, strlen(note), &f->pk, NULL, "cp", &err), -1);
    assert_string_equal(err.message,
                        "cp:4: extension line: not accepted (dauys checkpoints have none)");
    /* Validly signed, but the size has a leading zero. */
    assert_int_equal(
        dauys_note_sign(note, sizeof note, "o\n01\n" SAMPLE_ROOT_B64 "\n", "o", f->sk, &err), 0);
    assert_int_equal(dauys_checkpoint_open(&cp, note, strlen(note), &f->pk, NULL, "cp", &err), -1);
    assert_string_equal(err.message, "cp:2: tree size: leading zero");
    /* An origin line that cannot be a key name. */
    const char *bad = "a b\n1\n" SAMPLE_ROOT_B64 "\n\n" EM_DASH " a AAAAAAAA\n";
    assert_int_equal(dauys_checkpoint_open(&cp, bad, strlen(bad), &f->pk, NULL, "cp", &err), -1);
    assert_string_equal(err.message, "cp:1: origin: contains a space");
    assert_int_equal(err.status, DAUYS_E_FORMAT);
    assert_int_equal(dauys_checkpoint_open(&cp, "", 0, &f->pk, NULL, "cp", &err), -1);
    assert_string_equal(err.message, "cp:1: origin: is empty");
}

/* Nothing here allocates, so nothing here can run out of memory. */
static void
test_no_allocation(void **state)
{
    fixture *f = *state;
    char note[DAUYS_CHECKPOINT_NOTE_MAX];
    dauys_checkpoint cp;
    dauys_error err;

    support_alloc_install(0);
    assert_int_equal(dauys_checkpoint_sign(note, sizeof note, &sample_cp, f->sk, &err), 0);
    assert_int_equal(dauys_checkpoint_open(&cp, note, strlen(note), &f->pk, NULL, "cp", &err), 0);
    assert_int_equal(support_alloc_attempts(), 0);
    support_alloc_restore();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_key_id_known_answer),
        cmocka_unit_test(test_key_id_and_vkey_match_go),
        cmocka_unit_test(test_vkey),
        cmocka_unit_test(test_go_note_interop),
        cmocka_unit_test(test_every_bit_flip_fails),
        cmocka_unit_test(test_text_change_is_bad_signature),
        cmocka_unit_test(test_signature_change),
        cmocka_unit_test(test_other_key_same_name_ignored),
        cmocka_unit_test(test_unknown_signatures_ignored),
        cmocka_unit_test(test_sixteen_signatures),
        cmocka_unit_test(test_malformed_notes),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_sign_refuses),
        cmocka_unit_test(test_checkpoint_format_and_parse),
        cmocka_unit_test(test_checkpoint_parse_errors),
        cmocka_unit_test(test_checkpoint_sign_open),
        cmocka_unit_test(test_checkpoint_origin_mismatch),
        cmocka_unit_test(test_checkpoint_test_mode_is_not_official),
        cmocka_unit_test(test_checkpoint_open_malformed),
        cmocka_unit_test(test_no_allocation),
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
