/*
 * keypair.c: key generation and minisign's public and secret key files.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/file.h"
#include "keys/keys.h"
#include "keys/seckey.h"
#include "keys/text.h"

struct dauys_seckey {
    uint8_t id[DAUYS_KEYS_ID_BYTES];
    uint8_t sk[crypto_sign_SECRETKEYBYTES]; /* seed || public key, as libsodium */
};

const dauys_kdf dauys_keys_kdf_sensitive = {
    crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE,
    crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE,
};
const dauys_kdf dauys_keys_kdf_interactive = {
    crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_INTERACTIVE,
    crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_INTERACTIVE,
};

/* Largest scrypt cost a key file may ask for: minisign's own default, the
 * most either tool writes. A hostile key file must not make us spend more. */
#define KDF_OPSLIMIT_MAX ((uint64_t) crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE)
#define KDF_MEMLIMIT_MAX ((uint64_t) crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE)

/* The binary secret key, offsets per minisign's format (see keys.h). */
enum {
    SK_ALG = 0,
    SK_KDF = 2,
    SK_CHK_ALG = 4,
    SK_SALT = 6,
    SK_OPS = 38,
    SK_MEM = 46,
    SK_ID = 54, /* the encrypted part starts here */
    SK_SECRET = 62,
    SK_CHK = 126,
    SK_BYTES = 158,
};
#define SK_ENCRYPTED_BYTES (SK_BYTES - SK_ID)
_Static_assert(SK_BYTES == KEYS_SECKEY_BYTES, "binary secret key size");
_Static_assert(sizeof KEYS_UNTRUSTED_PREFIX "dauys UNENCRYPTED secret key\n" +
                       sodium_base64_ENCODED_LEN(SK_BYTES, sodium_base64_VARIANT_ORIGINAL) + 1 <=
                   KEYS_SECKEY_TEXT_MAX,
               "secret key text buffer");
#define PK_BYTES (2 + DAUYS_KEYS_ID_BYTES + DAUYS_KEYS_PUBLIC_BYTES)

static const uint8_t alg_ed[2] = {'E', 'd'};
static const uint8_t kdf_scrypt[2] = {'S', 'c'};
static const uint8_t kdf_none[2] = {0, 0};
static const uint8_t chk_blake2b[2] = {'B', '2'};

int
dauys_keys_generate_into(dauys_pubkey *pk, dauys_seckey *sk, dauys_error *err)
{
    randombytes_buf(sk->id, sizeof sk->id);
    if (crypto_sign_keypair(pk->pk, sk->sk) != 0) {
        return dauys_error_set(err, DAUYS_E_CRYPTO, "Ed25519 key generation failed");
    }
    memcpy(pk->id, sk->id, sizeof pk->id);
    return 0;
}

int
dauys_keys_from_seed(dauys_pubkey *pk, dauys_seckey *sk, const uint8_t seed[DAUYS_KEYS_SEED_BYTES],
                     dauys_error *err)
{
    uint8_t id[crypto_generichash_BYTES_MIN];

    /* the key id from the seed too, so the same seed gives the same files */
    if (crypto_generichash(id, sizeof id, seed, DAUYS_KEYS_SEED_BYTES, NULL, 0) != 0 ||
        crypto_sign_seed_keypair(pk->pk, sk->sk, seed) != 0) {
        return dauys_error_set(err, DAUYS_E_CRYPTO, "Ed25519 key derivation failed");
    }
    memcpy(sk->id, id, sizeof sk->id);
    memcpy(pk->id, id, sizeof pk->id);
    sodium_memzero(id, sizeof id);
    return 0;
}

dauys_seckey *
dauys_keys_seckey_new(void)
{
    return dauys_secure_malloc(sizeof(dauys_seckey));
}

int
dauys_keys_generate(dauys_pubkey *pk, dauys_seckey **sk, dauys_error *err)
{
    dauys_seckey *key = dauys_keys_seckey_new();

    if (key == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of secure memory for a new key");
    }
    if (dauys_keys_generate_into(pk, key, err) != 0) {
        dauys_secure_free(key);
        return -1;
    }
    *sk = key;
    return 0;
}

void
dauys_keys_seckey_free(dauys_seckey *sk)
{
    dauys_secure_free(sk);
}

int
dauys_keys_seckey_sign(uint8_t out[DAUYS_KEYS_SIG_BYTES], const uint8_t *msg, size_t len,
                       const dauys_seckey *sk)
{
    return crypto_sign_detached(out, NULL, msg, len, sk->sk);
}

void
dauys_keys_seckey_public(dauys_pubkey *pk, const dauys_seckey *sk)
{
    memcpy(pk->id, sk->id, sizeof pk->id);
    crypto_sign_ed25519_sk_to_pk(pk->pk, sk->sk);
}

void
dauys_keys_id_hex(char out[2 * DAUYS_KEYS_ID_BYTES + 1], const uint8_t id[DAUYS_KEYS_ID_BYTES])
{
    snprintf(out, 2 * DAUYS_KEYS_ID_BYTES + 1, "%016llX",
             (unsigned long long) dauys_keys_le64_load(id));
}

/* --- public keys --------------------------------------------------------- */

void
dauys_keys_pubkey_to_base64(char out[57], const dauys_pubkey *pk)
{
    uint8_t bin[PK_BYTES];

    memcpy(bin, alg_ed, 2);
    memcpy(bin + 2, pk->id, DAUYS_KEYS_ID_BYTES);
    memcpy(bin + 2 + DAUYS_KEYS_ID_BYTES, pk->pk, DAUYS_KEYS_PUBLIC_BYTES);
    (void) dauys_keys_text_to_base64(out, 57, bin, sizeof bin);
}

int
dauys_keys_pubkey_encode(char *out, size_t size, const dauys_pubkey *pk, const char *label,
                         dauys_error *err)
{
    char id[2 * DAUYS_KEYS_ID_BYTES + 1];
    char b64[57];
    int n;

    if (label != NULL && dauys_keys_text_check_comment(label, DAUYS_KEYS_COMMENT_MAX - 40) != 0) {
        return dauys_error_set(err, DAUYS_E_USAGE, "public key label: must be one short line");
    }
    dauys_keys_id_hex(id, pk->id);
    dauys_keys_pubkey_to_base64(b64, pk);
    n = snprintf(out, size, KEYS_UNTRUSTED_PREFIX "dauys public key %s%s%s\n%s\n", id,
                 label != NULL ? " " : "", label != NULL ? label : "", b64);
    if (n < 0 || (size_t) n >= size) {
        return dauys_error_set(err, DAUYS_E_USAGE, "public key: output buffer too small");
    }
    return 0;
}

/*
 * The encodings, sign bit (bit 255) aside, of the eight points of small order
 * (the identity, the point of order 2, two of order 4 and four of order 8):
 * y = 0, 1, and p - 1, the two y of the points of order 8, and the aliases p
 * and p + 1 of 0 and 1. test_keyfile checks each one with libsodium's own
 * arithmetic ([8]P is the identity).
 */
static const uint8_t small_order_y[7][32] = {
    {0x00}, /* 0, order 4 */
    {0x01}, /* 1, order 1 */
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
     0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
     0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05}, /* order 8 */
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
     0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
     0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a}, /* order 8 */
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, /* p - 1, order 2 */
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, /* p = 0 */
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, /* p + 1 = 1 */
};

const char *
dauys_keys_pubkey_weakness(const uint8_t pk[DAUYS_KEYS_PUBLIC_BYTES])
{
    int high = 1; /* bytes 1 to 30 all 0xff */

    for (size_t i = 0; i < sizeof small_order_y / sizeof small_order_y[0]; i++) {
        if (memcmp(pk, small_order_y[i], 31) == 0 && (pk[31] & 0x7f) == small_order_y[i][31]) {
            return "is a point of small order (signatures under it prove nothing, and "
                   "verifiers disagree on them)";
        }
    }
    for (size_t i = 1; i < 31; i++) {
        high &= pk[i] == 0xff;
    }
    if (high && (pk[31] & 0x7f) == 0x7f && pk[0] >= 0xed) { /* y >= p = 2^255 - 19 */
        return "is not in canonical form (y is not below 2^255 - 19)";
    }
    return NULL;
}

/* Fills PK from the binary form BIN, or fails naming the place in T; a weak
 * key fails too unless ANY_POINT. */
static int
pubkey_from_bin(dauys_pubkey *pk, const uint8_t bin[PK_BYTES], const keys_text *t, int any_point,
                dauys_error *err)
{
    if (memcmp(bin, alg_ed, 2) != 0) {
        return dauys_error_set(err, DAUYS_E_ALGORITHM,
                               "%s:%u: public key: unknown algorithm tag 0x%02x%02x "
                               "(expected \"Ed\")",
                               t->name, t->line, bin[0], bin[1]);
    }
    const char *weak = dauys_keys_pubkey_weakness(bin + 2 + DAUYS_KEYS_ID_BYTES);

    if (weak != NULL && !any_point) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: public key: the Ed25519 key %s",
                               t->name, t->line, weak);
    }
    memcpy(pk->id, bin + 2, DAUYS_KEYS_ID_BYTES);
    memcpy(pk->pk, bin + 2 + DAUYS_KEYS_ID_BYTES, DAUYS_KEYS_PUBLIC_BYTES);
    return 0;
}

/* The bare base64 form B64 (LEN bytes) into PK; a weak key fails unless ANY_POINT. */
static int
pubkey_from_base64(dauys_pubkey *pk, const char *b64, size_t len, int any_point, dauys_error *err)
{
    uint8_t bin[PK_BYTES];
    keys_text t;

    dauys_keys_text_init(&t, b64, len, "(public key string)");
    t.line = 1;
    if (dauys_keys_text_base64(&t, bin, sizeof bin, b64, len, "public key", err) != 0) {
        return -1;
    }
    return pubkey_from_bin(pk, bin, &t, any_point, err);
}

int
dauys_keys_pubkey_from_base64(dauys_pubkey *pk, const char *b64, size_t len, dauys_error *err)
{
    return pubkey_from_base64(pk, b64, len, 0, err);
}

int
dauys_keys_pubkey_from_base64_any(dauys_pubkey *pk, const char *b64, size_t len, dauys_error *err)
{
    return pubkey_from_base64(pk, b64, len, 1, err);
}

int
dauys_keys_pubkey_decode(dauys_pubkey *pk, const char *text, size_t len, const char *name,
                         dauys_error *err)
{
    uint8_t bin[PK_BYTES];
    keys_text t;

    dauys_keys_text_init(&t, text, len, name);
    if (dauys_keys_text_comment_line(&t, err) != 0 ||
        dauys_keys_text_base64_line(&t, bin, sizeof bin, "public key", err) != 0 ||
        pubkey_from_bin(pk, bin, &t, 0, err) != 0) {
        return -1;
    }
    return dauys_keys_text_end(&t, err);
}

int
dauys_keys_pubkey_load(dauys_pubkey *pk, const char *path, dauys_error *err)
{
    char *text;
    size_t len;
    int rc;

    if (dauys_file_read(&text, &len, path, DAUYS_KEYS_FILE_MAX, err) != 0) {
        return -1;
    }
    rc = dauys_keys_pubkey_decode(pk, text, len, path, err);
    dauys_free(text);
    return rc;
}

/* --- secret keys --------------------------------------------------------- */

/* The checksum minisign keeps: BLAKE2b-256("Ed" || key id || secret key). */
static void
seckey_checksum(uint8_t out[32], const uint8_t *bin)
{
    crypto_generichash_state st;

    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, bin + SK_ALG, 2);
    crypto_generichash_update(&st, bin + SK_ID, DAUYS_KEYS_ID_BYTES);
    crypto_generichash_update(&st, bin + SK_SECRET, crypto_sign_SECRETKEYBYTES);
    crypto_generichash_final(&st, out, 32);
    sodium_memzero(&st, sizeof st);
}

/*
 * XORs the encrypted part of BIN with the scrypt stream for PASSWORD and the
 * salt and limits stored in BIN: this both encrypts and decrypts.
 */
static int
seckey_xor_stream(uint8_t *bin, const char *password, const char *name, dauys_error *err)
{
    uint8_t *stream = dauys_secure_malloc(SK_ENCRYPTED_BYTES);
    int rc;

    if (stream == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of secure memory", name);
    }
    rc = crypto_pwhash_scryptsalsa208sha256(stream, SK_ENCRYPTED_BYTES, password, strlen(password),
                                            bin + SK_SALT, dauys_keys_le64_load(bin + SK_OPS),
                                            (size_t) dauys_keys_le64_load(bin + SK_MEM));
    if (rc == 0) {
        for (size_t i = 0; i < SK_ENCRYPTED_BYTES; i++) {
            bin[SK_ID + i] ^= stream[i];
        }
    }
    dauys_secure_free(stream);
    if (rc != 0) {
        return dauys_error_set(err, DAUYS_E_NOMEM,
                               "%s: scrypt could not run (out of memory for its cost?)", name);
    }
    return 0;
}

/* Fills the binary secret key BIN from SK, encrypted under PASSWORD if set. */
static int
seckey_to_bin(uint8_t *bin, const dauys_seckey *sk, const char *password, const dauys_kdf *kdf,
              dauys_error *err)
{
    memset(bin, 0, SK_BYTES);
    memcpy(bin + SK_ALG, alg_ed, 2);
    memcpy(bin + SK_KDF, password != NULL ? kdf_scrypt : kdf_none, 2);
    memcpy(bin + SK_CHK_ALG, chk_blake2b, 2);
    memcpy(bin + SK_ID, sk->id, DAUYS_KEYS_ID_BYTES);
    memcpy(bin + SK_SECRET, sk->sk, crypto_sign_SECRETKEYBYTES);
    seckey_checksum(bin + SK_CHK, bin);
    if (password == NULL) {
        return 0;
    }
    if (kdf == NULL || kdf->opslimit > KDF_OPSLIMIT_MAX || kdf->memlimit > KDF_MEMLIMIT_MAX) {
        return dauys_error_set(err, DAUYS_E_USAGE, "secret key: scrypt cost missing or too high");
    }
    randombytes_buf(bin + SK_SALT, 32);
    dauys_keys_le64_store(bin + SK_OPS, kdf->opslimit);
    dauys_keys_le64_store(bin + SK_MEM, kdf->memlimit);
    return seckey_xor_stream(bin, password, "secret key", err);
}

/* As dauys_keys_seckey_encode, leaving the text in SCRATCH->text (LEN bytes). */
static int
seckey_encode_into(keys_scratch *scratch, size_t *len, const dauys_seckey *sk, const char *password,
                   const dauys_kdf *kdf, dauys_error *err)
{
    static const char enc[] = KEYS_UNTRUSTED_PREFIX "dauys encrypted secret key\n";
    static const char clear[] = KEYS_UNTRUSTED_PREFIX "dauys UNENCRYPTED secret key\n";
    const char *comment = password != NULL ? enc : clear;
    size_t n = strlen(comment);

    if (seckey_to_bin(scratch->bin, sk, password, kdf, err) != 0) {
        return -1;
    }
    memcpy(scratch->text, comment, n);
    n += dauys_keys_text_to_base64(scratch->text + n, sizeof scratch->text - n, scratch->bin,
                                   SK_BYTES);
    assert(n + 2 <= sizeof scratch->text);
    scratch->text[n++] = '\n';
    scratch->text[n] = '\0';
    sodium_memzero(scratch->bin, sizeof scratch->bin);
    *len = n;
    return 0;
}

int
dauys_keys_seckey_encode(char **out, size_t *len, const dauys_seckey *sk, const char *password,
                         const dauys_kdf *kdf, dauys_error *err)
{
    keys_scratch *scratch = dauys_secure_malloc(sizeof *scratch);
    char *text = NULL;
    int rc = -1;

    if (scratch == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of secure memory encoding a secret key");
    }
    if (seckey_encode_into(scratch, len, sk, password, kdf, err) != 0) {
        goto cleanup;
    }
    if ((text = dauys_secure_malloc(*len + 1)) == NULL) {
        dauys_error_set(err, DAUYS_E_NOMEM, "out of secure memory encoding a secret key");
        goto cleanup;
    }
    memcpy(text, scratch->text, *len + 1);
    *out = text;
    rc = 0;
cleanup:
    dauys_secure_free(scratch);
    return rc;
}

/* 1 if the binary secret key BIN has the tags of one that dauys and minisign read. */
static int
seckey_tags_known(const uint8_t *bin)
{
    return memcmp(bin + SK_ALG, alg_ed, 2) == 0 && memcmp(bin + SK_CHK_ALG, chk_blake2b, 2) == 0 &&
           (memcmp(bin + SK_KDF, kdf_scrypt, 2) == 0 || memcmp(bin + SK_KDF, kdf_none, 2) == 0);
}

/* Parses the two lines of a secret key file into the binary form BIN. */
static int
seckey_parse(uint8_t *bin, const char *text, size_t len, const char *name, dauys_error *err)
{
    keys_text t;

    dauys_keys_text_init(&t, text, len, name);
    if (dauys_keys_text_comment_line(&t, err) != 0 ||
        dauys_keys_text_base64_line(&t, bin, SK_BYTES, "secret key", err) != 0 ||
        dauys_keys_text_end(&t, err) != 0) {
        return -1;
    }
    if (!seckey_tags_known(bin)) {
        return dauys_error_set(err, DAUYS_E_ALGORITHM,
                               "%s:2: secret key: unknown algorithm tags (expected \"Ed\", "
                               "\"Sc\" or none, \"B2\")",
                               name);
    }
    return 0;
}

/* 1 if the line S (N bytes) is a secret key's base64, decoded into BIN
 * (SK_BYTES of secure memory, which the caller wipes). */
static int
seckey_line(uint8_t *bin, const char *s, size_t n)
{
    static const int variants[] = {sodium_base64_VARIANT_ORIGINAL,
                                   sodium_base64_VARIANT_ORIGINAL_NO_PADDING};
    const size_t shortest =
        sodium_base64_ENCODED_LEN(SK_BYTES, sodium_base64_VARIANT_ORIGINAL_NO_PADDING) - 1;
    const char *stop;
    size_t got;

    for (size_t v = 0; n >= shortest && v < sizeof variants / sizeof variants[0]; v++) {
        if (sodium_base642bin(bin, SK_BYTES, s, n, " \t\r", &got, &stop, variants[v]) == 0 &&
            stop == s + n && got == SK_BYTES && seckey_tags_known(bin)) {
            return 1;
        }
    }
    return 0;
}

int
dauys_keys_text_holds_seckey(const char *text, size_t len)
{
    const size_t shortest =
        sodium_base64_ENCODED_LEN(SK_BYTES, sodium_base64_VARIANT_ORIGINAL_NO_PADDING) - 1;
    uint8_t *bin = NULL;
    size_t at = 0;
    int found = 0;

    while (!found && at < len) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl != NULL ? (size_t) (nl - (text + at)) : len - at;
        /* The guarded buffer only for a line long enough to be a key: a
         * protocol has none, and two system calls a file cost dauys serve
         * a sixth of its CPU (bench/serve_bench.sh, perf). */
        if (n >= shortest && bin == NULL && (bin = dauys_secure_malloc(SK_BYTES)) == NULL) {
            return -1;
        }
        found = n >= shortest && seckey_line(bin, text + at, n);
        at += n + 1;
    }
    dauys_secure_free(bin);
    return found;
}

/* Decrypts BIN in place with a password from GET_PASSWORD. */
static int
seckey_decrypt(uint8_t *bin, const char *name, dauys_password_fn get_password, void *ctx,
               dauys_error *err)
{
    char *password;
    int rc;

    if (dauys_keys_le64_load(bin + SK_OPS) > KDF_OPSLIMIT_MAX ||
        dauys_keys_le64_load(bin + SK_MEM) > KDF_MEMLIMIT_MAX) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s:2: secret key: scrypt cost over this build's limit", name);
    }
    password = dauys_secure_malloc(DAUYS_KEYS_PASSWORD_MAX);
    if (password == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of secure memory", name);
    }
    if (get_password == NULL || get_password(password, DAUYS_KEYS_PASSWORD_MAX, name, ctx) != 0) {
        dauys_secure_free(password);
        return dauys_error_set(err, DAUYS_E_PASSWORD,
                               "%s: the secret key is encrypted and no password was given", name);
    }
    password[DAUYS_KEYS_PASSWORD_MAX - 1] = '\0';
    rc = seckey_xor_stream(bin, password, name, err);
    dauys_secure_free(password);
    return rc;
}

/* Checks BIN's checksum and that its secret and public halves belong together. */
static int
seckey_check(const uint8_t *bin, int encrypted, const char *name, dauys_error *err)
{
    static const uint8_t zero[32] = {0};
    uint8_t chk[32], pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    int bad_chk, bad_pair;

    seckey_checksum(chk, bin);
    bad_chk = sodium_memcmp(chk, bin + SK_CHK, sizeof chk) != 0;
    /* minisign 0.11 writes unencrypted keys with an all-zero checksum. */
    if (bad_chk && !encrypted && sodium_memcmp(zero, bin + SK_CHK, sizeof zero) == 0) {
        bad_chk = 0;
    }
    sodium_memzero(chk, sizeof chk);
    if (bad_chk) {
        return dauys_error_set(err, encrypted ? DAUYS_E_PASSWORD : DAUYS_E_FORMAT,
                               encrypted ? "%s: wrong password for this secret key"
                                         : "%s:2: secret key: checksum mismatch (corrupted key)",
                               name);
    }
    crypto_sign_seed_keypair(pk, sk, bin + SK_SECRET);
    bad_pair = sodium_memcmp(pk, bin + SK_SECRET + 32, sizeof pk) != 0;
    sodium_memzero(sk, sizeof sk);
    if (bad_pair) {
        return dauys_error_set(err, DAUYS_E_KEY_MISMATCH,
                               "%s:2: secret key: its public half does not match its seed", name);
    }
    return 0;
}

int
dauys_keys_seckey_decode(dauys_seckey **sk, const char *text, size_t len, const char *name,
                         dauys_password_fn get_password, void *ctx, dauys_error *err)
{
    uint8_t *bin = dauys_secure_malloc(SK_BYTES);
    dauys_seckey *key = NULL;
    int encrypted, rc = -1;

    if (bin == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of secure memory", name);
    }
    if (seckey_parse(bin, text, len, name, err) != 0) {
        goto cleanup;
    }
    encrypted = memcmp(bin + SK_KDF, kdf_scrypt, 2) == 0;
    if ((encrypted && seckey_decrypt(bin, name, get_password, ctx, err) != 0) ||
        seckey_check(bin, encrypted, name, err) != 0) {
        goto cleanup;
    }
    if ((key = dauys_secure_malloc(sizeof *key)) == NULL) {
        dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of secure memory", name);
        goto cleanup;
    }
    memcpy(key->id, bin + SK_ID, sizeof key->id);
    memcpy(key->sk, bin + SK_SECRET, sizeof key->sk);
    *sk = key;
    rc = 0;
cleanup:
    dauys_secure_free(bin);
    return rc;
}

int
dauys_keys_seckey_load(dauys_seckey **sk, const char *path, dauys_password_fn get_password,
                       void *ctx, dauys_error *err)
{
    char *text;
    size_t len;
    int rc;

    if (dauys_file_read_secret(&text, &len, path, DAUYS_KEYS_FILE_MAX, err) != 0) {
        return -1;
    }
    rc = dauys_keys_seckey_decode(sk, text, len, path, get_password, ctx, err);
    dauys_secure_free(text);
    return rc;
}

int
dauys_keys_keypair_save_with(keys_scratch *scratch, const char *pub_path, const char *sec_path,
                             const dauys_pubkey *pk, const dauys_seckey *sk, const char *label,
                             const char *password, const dauys_kdf *kdf, int sync, dauys_error *err)
{
    char pub_text[DAUYS_KEYS_PUBKEY_TEXT_MAX];
    dauys_pubkey own;
    size_t sec_len;
    int rc;

    dauys_keys_seckey_public(&own, sk);
    if (sodium_memcmp(&own, pk, sizeof own) != 0) {
        return dauys_error_set(err, DAUYS_E_KEY_MISMATCH,
                               "%s: the public key given is not this secret key's", pub_path);
    }
    if (dauys_keys_pubkey_encode(pub_text, sizeof pub_text, pk, label, err) != 0 ||
        seckey_encode_into(scratch, &sec_len, sk, password, kdf, err) != 0) {
        return -1;
    }
    rc = dauys_file_write_new(sec_path, scratch->text, sec_len, 0600, sync, err);
    sodium_memzero(scratch->text, sizeof scratch->text);
    if (rc != 0) {
        return -1;
    }
    if (dauys_file_write_new(pub_path, pub_text, strlen(pub_text), 0644, sync, err) != 0) {
        unlink(sec_path);
        return -1;
    }
    return 0;
}

int
dauys_keys_keypair_save(const char *pub_path, const char *sec_path, const dauys_pubkey *pk,
                        const dauys_seckey *sk, const char *label, const char *password,
                        const dauys_kdf *kdf, int sync, dauys_error *err)
{
    keys_scratch *scratch = dauys_secure_malloc(sizeof *scratch);
    int rc;

    if (scratch == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of secure memory saving a key pair");
    }
    rc = dauys_keys_keypair_save_with(scratch, pub_path, sec_path, pk, sk, label, password, kdf,
                                      sync, err);
    dauys_secure_free(scratch);
    return rc;
}
