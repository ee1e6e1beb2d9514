/*
 * note.c: C2SP signed notes with Ed25519 over dauys keys, and tlog
 * checkpoints (see note.h for the formats).
 *
 * Verification is strict about syntax and lenient only where the spec
 * requires it: every signature line must be well formed, but lines by keys
 * other than the one asked for are then ignored, whatever their algorithm.
 * Nothing here allocates: notes are bounded and decoded in place.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/decimal.h"
#include "keys/note.h"
#include "keys/note_internal.h"
#include "keys/seckey.h"
#include "core/sha256.h"
#include "keys/text.h"

#define ED25519_TYPE 0x01
/* An Ed25519 signature as a note carries it: key id || signature. */
#define SIG_BIN_BYTES (DAUYS_NOTE_KEY_ID_BYTES + DAUYS_KEYS_SIG_BYTES)
#define SIG_B64_LEN 92
#define PK_B64_LEN 44
#define ROOT_BYTES 32
#define ROOT_B64_LEN 44

_Static_assert(SIG_B64_LEN + 1 ==
                   sodium_base64_ENCODED_LEN(SIG_BIN_BYTES, sodium_base64_VARIANT_ORIGINAL),
               "signature base64 length");
_Static_assert(PK_B64_LEN + 1 == sodium_base64_ENCODED_LEN(1 + DAUYS_KEYS_PUBLIC_BYTES,
                                                           sodium_base64_VARIANT_ORIGINAL),
               "verifier key base64 length");
_Static_assert(ROOT_B64_LEN + 1 ==
                   sodium_base64_ENCODED_LEN(ROOT_BYTES, sodium_base64_VARIANT_ORIGINAL),
               "root hash base64 length");
_Static_assert(sizeof(((dauys_checkpoint *) 0)->root) == ROOT_BYTES, "checkpoint root size");

/* --- text rules ---------------------------------------------------------- */

/* Length and payload bits of the UTF-8 sequence starting with byte B (0: invalid lead). */
static size_t
utf8_lead(uint8_t b, uint32_t *bits, uint32_t *min)
{
    if (b < 0x80) {
        *bits = b;
        *min = 0;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        *bits = b & 0x1Fu;
        *min = 0x80;
        return 2;
    }
    if ((b & 0xF0) == 0xE0) {
        *bits = b & 0x0Fu;
        *min = 0x800;
        return 3;
    }
    if (b >= 0xF0 && b <= 0xF4) {
        *bits = b & 0x07u;
        *min = 0x10000;
        return 4;
    }
    return 0;
}

/*
 * Decodes the UTF-8 sequence at S (N > 0 bytes available) into *CP and returns
 * its length, or 0 if it is not valid UTF-8 (truncated, overlong, a surrogate,
 * or beyond U+10FFFF).
 */
static size_t
utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const uint8_t *u = (const uint8_t *) s;
    uint32_t c, min;
    size_t len = utf8_lead(u[0], &c, &min);

    if (len == 0 || len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (u[i] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        return 0;
    }
    *cp = c;
    return len;
}

/* 1 if C is a Unicode space (White_Space, as Go's unicode.IsSpace), else 0. */
static int
is_unicode_space(uint32_t c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/*
 * NULL if S (N bytes) is a valid key name: non-empty, at most
 * DAUYS_NOTE_NAME_MAX bytes of UTF-8, without a Unicode space, '+' or
 * control character. Otherwise what is wrong, for an error message.
 */
const char *
dauys_note_name_problem(const char *s, size_t n)
{
    uint32_t cp;
    size_t k;

    if (n == 0) {
        return "is empty";
    }
    if (n > DAUYS_NOTE_NAME_MAX) {
        return "is longer than 255 bytes";
    }
    for (size_t i = 0; i < n; i += k) {
        if ((k = utf8_decode(s + i, n - i, &cp)) == 0) {
            return "is not valid UTF-8";
        }
        if (cp == '\r') { /* most often a file saved with Windows line ends */
            return "CR is not allowed: lines end in LF only";
        }
        if (is_unicode_space(cp)) {
            return "contains a space";
        }
        if (cp < 0x20) {
            return "contains a control character";
        }
        if (cp == '+') {
            return "contains '+'";
        }
    }
    return NULL;
}

/* Checks the caller's KEY_NAME (DAUYS_E_USAGE naming FIELD if invalid). */
static int
check_key_name(const char *key_name, const char *field, dauys_error *err)
{
    const char *why = dauys_note_name_problem(key_name, strnlen(key_name, DAUYS_NOTE_NAME_MAX + 1));

    if (why != NULL) {
        return dauys_error_set(err, DAUYS_E_USAGE, "%s: %s", field, why);
    }
    return 0;
}

/*
 * Checks that S (N bytes) is valid UTF-8 with no control character but
 * newline; errors are "NAME:LINE: ...".
 */
int
dauys_note_check_text(const char *s, size_t n, const char *name, dauys_error *err)
{
    unsigned line = 1;
    uint32_t cp;
    size_t k;

    for (size_t i = 0; i < n; i += k) {
        if ((k = utf8_decode(s + i, n - i, &cp)) == 0) {
            return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: invalid UTF-8", name, line);
        }
        if (cp < 0x20 && cp != '\n') {
            return dauys_error_set(err, DAUYS_E_FORMAT,
                                   "%s:%u: control character 0x%02x (only newline is allowed)",
                                   name, line, (unsigned) cp);
        }
        line += cp == '\n';
    }
    return 0;
}

/* Number of newlines in the N bytes at S. */
unsigned
dauys_note_count_lines(const char *s, size_t n)
{
    unsigned lines = 0;

    for (size_t i = 0; i < n; i++) {
        lines += s[i] == '\n';
    }
    return lines;
}

/* --- base64 (standard alphabet, padded, canonical only) ------------------ */

/* The value of base64 digit C, or -1. */
static int
b64_value(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/*
 * 0 with *BYTES the decoded length if S (N chars) is canonical padded base64
 * of at least one byte (whole quads, '=' only as padding, unused bits zero),
 * else -1. One value thus has exactly one spelling.
 */
int
dauys_note_b64_check(const char *s, size_t n, size_t *bytes)
{
    size_t pad = 0;
    int last;

    if (n == 0 || n % 4 != 0) {
        return -1;
    }
    while (pad < 2 && s[n - 1 - pad] == '=') {
        pad++;
    }
    for (size_t i = 0; i < n - pad; i++) {
        if (b64_value(s[i]) < 0) {
            return -1;
        }
    }
    last = b64_value(s[n - 1 - pad]);
    if ((pad == 1 && (last & 0x03) != 0) || (pad == 2 && (last & 0x0F) != 0)) {
        return -1;
    }
    *bytes = n / 4 * 3 - pad;
    return 0;
}

/* Decodes the first BYTES bytes of base64 S, already checked by b64_check. */
void
dauys_note_b64_decode(uint8_t *out, size_t bytes, const char *s)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;

    while (o < bytes) {
        acc = ((acc << 6) | (uint32_t) b64_value(*s++)) & 0x3FFFu;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t) (acc >> bits);
        }
    }
}

/* --- keys ---------------------------------------------------------------- */

int
dauys_note_key_id(uint8_t out[DAUYS_NOTE_KEY_ID_BYTES], const char *key_name,
                  const dauys_pubkey *pk)
{
    static const uint8_t sep[2] = {'\n', ED25519_TYPE};
    const void *parts[3] = {key_name, sep, pk->pk};
    size_t lens[3] = {strlen(key_name), sizeof sep, DAUYS_KEYS_PUBLIC_BYTES};
    uint8_t h[DAUYS_SHA256_BYTES];

    if (dauys_sha256_parts(h, parts, lens, 3) != 0) {
        return -1;
    }
    memcpy(out, h, DAUYS_NOTE_KEY_ID_BYTES);
    return 0;
}

/* As dauys_note_key_id, failing with DAUYS_E_CRYPTO in ERR. */
static int
key_id(uint8_t out[DAUYS_NOTE_KEY_ID_BYTES], const char *key_name, const dauys_pubkey *pk,
       dauys_error *err)
{
    if (dauys_note_key_id(out, key_name, pk) != 0) {
        return dauys_error_set(err, DAUYS_E_CRYPTO, "SHA-256 failed computing a note key id");
    }
    return 0;
}

int
dauys_note_vkey(char *out, size_t size, const char *key_name, const dauys_pubkey *pk,
                dauys_error *err)
{
    uint8_t id[DAUYS_NOTE_KEY_ID_BYTES], bin[1 + DAUYS_KEYS_PUBLIC_BYTES];
    char b64[PK_B64_LEN + 1];
    int n;

    if (check_key_name(key_name, "key name", err) != 0 || key_id(id, key_name, pk, err) != 0) {
        return -1;
    }
    bin[0] = ED25519_TYPE;
    memcpy(bin + 1, pk->pk, DAUYS_KEYS_PUBLIC_BYTES);
    (void) dauys_keys_text_to_base64(b64, sizeof b64, bin, sizeof bin);
    n = snprintf(out, size, "%s+%02x%02x%02x%02x+%s", key_name, id[0], id[1], id[2], id[3], b64);
    if (n < 0 || (size_t) n >= size) {
        return dauys_error_set(err, DAUYS_E_USAGE, "verifier key: output buffer too small");
    }
    return 0;
}

/* --- verifying ----------------------------------------------------------- */

/* What the scan of the signature lines is looking for, and what it found. */
typedef struct note_scan {
    const char *name;     /* labels errors */
    const char *key_name; /* the key asked for */
    size_t key_name_len;
    uint8_t key_id[DAUYS_NOTE_KEY_ID_BYTES];
    const char *match; /* base64 of the signature by that key, once found */
    unsigned match_line;
} note_scan;

/* Fails unless a note of LEN bytes is within DAUYS_NOTE_MAX. */
int
dauys_note_check_note_size(size_t len, const char *name, dauys_error *err)
{
    if (len > DAUYS_NOTE_MAX) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s: note of %zu bytes, over the limit of %d",
                               name, len, DAUYS_NOTE_MAX);
    }
    return 0;
}

/*
 * Finds the last blank line of NOTE: *SEP is the offset of its newline, and
 * so the length of the note text.
 */
int
dauys_note_find_separator(size_t *sep, const char *note, size_t len, const char *name,
                          dauys_error *err)
{
    for (size_t i = len; i >= 2; i--) {
        if (note[i - 1] == '\n' && note[i - 2] == '\n') {
            *sep = i - 1;
            return 0;
        }
    }
    return dauys_error_set(err, DAUYS_E_FORMAT,
                           "%s:%u: no blank line between the text and the signature lines", name,
                           dauys_note_count_lines(note, len) + (len == 0 || note[len - 1] != '\n'));
}

/*
 * Parses the signature line S (N bytes, no newline), line LINE of the note
 * NAME: "— KEY_NAME BASE64", BASE64 canonical and of at least 5 bytes.
 */
int
dauys_note_parse_sig_line(dauys_note_sig *sig, const char *s, size_t n, const char *name,
                          unsigned line, dauys_error *err)
{
    const char *sp, *why;

    if (n < DAUYS_NOTE_EM_DASH_SPACE_LEN ||
        memcmp(s, DAUYS_NOTE_EM_DASH_SPACE, DAUYS_NOTE_EM_DASH_SPACE_LEN) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s:%u: signature line: must start with an em dash (U+2014) "
                               "and a space",
                               name, line);
    }
    s += DAUYS_NOTE_EM_DASH_SPACE_LEN;
    n -= DAUYS_NOTE_EM_DASH_SPACE_LEN;
    if ((sp = memchr(s, ' ', n)) == NULL) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s:%u: signature line: no space between key name and signature",
                               name, line);
    }
    sig->key_name = s;
    sig->key_name_len = (size_t) (sp - s);
    if ((why = dauys_note_name_problem(s, sig->key_name_len)) != NULL) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: signature line: key name %s", name,
                               line, why);
    }
    sig->b64 = sp + 1;
    sig->b64_len = n - sig->key_name_len - 1;
    if (dauys_note_b64_check(sig->b64, sig->b64_len, &sig->bytes) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s:%u: signature line: signature is not canonical base64", name,
                               line);
    }
    if (sig->bytes <= DAUYS_NOTE_KEY_ID_BYTES) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s:%u: signature line: %zu bytes, too short for a key id and "
                               "a signature",
                               name, line, sig->bytes);
    }
    dauys_note_b64_decode(sig->id, sizeof sig->id, sig->b64);
    return 0;
}

/*
 * Records SIG (line LINE) in SC if it is by SC's key (same name and key id);
 * ignores it otherwise, as the spec requires, whatever its algorithm.
 */
static int
record_sig(note_scan *sc, const dauys_note_sig *sig, unsigned line, dauys_error *err)
{
    if (sig->key_name_len != sc->key_name_len ||
        memcmp(sig->key_name, sc->key_name, sc->key_name_len) != 0 ||
        memcmp(sig->id, sc->key_id, sizeof sig->id) != 0) {
        return 0;
    }
    if (sig->bytes != SIG_BIN_BYTES) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s:%u: signature by key %s: %zu bytes, not %d (key id and "
                               "Ed25519 signature)",
                               sc->name, line, sc->key_name, sig->bytes, SIG_BIN_BYTES);
    }
    if (sc->match != NULL) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: second signature by key %s", sc->name,
                               line, sc->key_name);
    }
    sc->match = sig->b64;
    sc->match_line = line;
    return 0;
}

/* Parses every signature line of NOTE, which follow the blank line at SEP. */
static int
scan_signatures(note_scan *sc, const char *note, size_t sep, size_t len, dauys_error *err)
{
    const char *p = note + sep + 1, *end = note + len, *lf;
    unsigned line = dauys_note_count_lines(note, sep) + 2;
    dauys_note_sig sig;

    if (p == end) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s:%u: no signature lines after the blank line", sc->name, line);
    }
    for (unsigned count = 1; p < end; p = lf + 1, line++, count++) {
        if (count > DAUYS_NOTE_SIGNATURES_MAX) {
            return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: more than %d signature lines",
                                   sc->name, line, DAUYS_NOTE_SIGNATURES_MAX);
        }
        if ((lf = memchr(p, '\n', (size_t) (end - p))) == NULL) {
            return dauys_error_set(err, DAUYS_E_FORMAT,
                                   "%s:%u: signature line: does not end in a newline", sc->name,
                                   line);
        }
        if (dauys_note_parse_sig_line(&sig, p, (size_t) (lf - p), sc->name, line, err) != 0 ||
            record_sig(sc, &sig, line, err) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Checks the signature SC found over the TEXT_LEN bytes of note text at NOTE. */
static int
verify_match(const note_scan *sc, const char *note, size_t text_len, const dauys_pubkey *pk,
             dauys_error *err)
{
    uint8_t bin[SIG_BIN_BYTES];

    if (sc->match == NULL) {
        return dauys_error_set(
            err, DAUYS_E_KEY_ID, "%s: no signature by key %s (key id %02x%02x%02x%02x)", sc->name,
            sc->key_name, sc->key_id[0], sc->key_id[1], sc->key_id[2], sc->key_id[3]);
    }
    dauys_note_b64_decode(bin, sizeof bin, sc->match);
    if (crypto_sign_verify_detached(bin + DAUYS_NOTE_KEY_ID_BYTES, (const unsigned char *) note,
                                    text_len, pk->pk) != 0) {
        return dauys_error_set(err, DAUYS_E_SIGNATURE, "%s:%u: signature by key %s does not verify",
                               sc->name, sc->match_line, sc->key_name);
    }
    return 0;
}

int
dauys_note_verify(size_t *text_len, const char *note, size_t len, const char *key_name,
                  const dauys_pubkey *pk, const char *name, dauys_error *err)
{
    note_scan sc = {.name = name, .key_name = key_name};
    size_t sep = 0;

    if (check_key_name(key_name, "key name", err) != 0 ||
        key_id(sc.key_id, key_name, pk, err) != 0 ||
        dauys_note_check_note_size(len, name, err) != 0 ||
        dauys_note_check_text(note, len, name, err) != 0 ||
        dauys_note_find_separator(&sep, note, len, name, err) != 0) {
        return -1;
    }
    sc.key_name_len = strlen(key_name);
    if (scan_signatures(&sc, note, sep, len, err) != 0 ||
        verify_match(&sc, note, sep, pk, err) != 0) {
        return -1;
    }
    if (text_len != NULL) {
        *text_len = sep;
    }
    return 0;
}

/* --- signing ------------------------------------------------------------- */

/* Checks TEXT (LEN bytes) can be signed as a note's text. */
static int
check_sign_text(const char *text, size_t len, dauys_error *err)
{
    if (len > DAUYS_NOTE_MAX - 1 - DAUYS_NOTE_SIG_LINE_MAX) {
        return dauys_error_set(err, DAUYS_E_TOO_LARGE, "note text: %zu bytes, over the limit of %d",
                               len, DAUYS_NOTE_MAX - 1 - DAUYS_NOTE_SIG_LINE_MAX);
    }
    if (len == 0 || text[len - 1] != '\n') {
        return dauys_error_set(err, DAUYS_E_FORMAT, "note text: must end in a newline");
    }
    return dauys_note_check_text(text, len, "note text", err);
}

/* Writes TEXT, the blank line and the signature line for SIG to OUT. */
static int
write_note(char *out, size_t size, const char *text, const char *key_name,
           const uint8_t sig[SIG_BIN_BYTES], dauys_error *err)
{
    char b64[SIG_B64_LEN + 1];
    int n;

    (void) dauys_keys_text_to_base64(b64, sizeof b64, sig, SIG_BIN_BYTES);
    n = snprintf(out, size, "%s\n" DAUYS_NOTE_EM_DASH_SPACE "%s %s\n", text, key_name, b64);
    if (n < 0 || (size_t) n >= size) {
        return dauys_error_set(err, DAUYS_E_USAGE, "signed note: output buffer too small");
    }
    return 0;
}

/* Re-verifies the new note OUT (SIZE bytes) with PK; wipes it on failure. */
static int
self_check(char *out, size_t size, const char *key_name, const dauys_pubkey *pk, dauys_error *err)
{
    dauys_error check;

    if (dauys_note_verify(NULL, out, strlen(out), key_name, pk, "(new note)", &check) != 0) {
        memset(out, 0, size);
        return dauys_error_set(err, DAUYS_E_CRYPTO, "the new note failed its own check: %s",
                               check.message);
    }
    return 0;
}

int
dauys_note_sign(char *out, size_t size, const char *text, const char *key_name,
                const dauys_seckey *sk, dauys_error *err)
{
    uint8_t sig[SIG_BIN_BYTES];
    size_t len = strlen(text);
    dauys_pubkey pk;

    if (check_key_name(key_name, "key name", err) != 0 || check_sign_text(text, len, err) != 0) {
        return -1;
    }
    dauys_keys_seckey_public(&pk, sk);
    if (key_id(sig, key_name, &pk, err) != 0) {
        return -1;
    }
    if (dauys_keys_seckey_sign(sig + DAUYS_NOTE_KEY_ID_BYTES, (const uint8_t *) text, len, sk) !=
        0) {
        return dauys_error_set(err, DAUYS_E_CRYPTO, "Ed25519 signing failed");
    }
    if (write_note(out, size, text, key_name, sig, err) != 0) {
        return -1;
    }
    return self_check(out, size, key_name, &pk, err);
}

/* --- checkpoints --------------------------------------------------------- */

int
dauys_checkpoint_format(char *out, size_t size, const dauys_checkpoint *cp, dauys_error *err)
{
    char b64[ROOT_B64_LEN + 1];
    int n;

    if (check_key_name(cp->origin, "checkpoint origin", err) != 0) {
        return -1;
    }
    (void) dauys_keys_text_to_base64(b64, sizeof b64, cp->root, ROOT_BYTES);
    n = snprintf(out, size, "%s\n%" PRIu64 "\n%s\n", cp->origin, cp->size, b64);
    if (n < 0 || (size_t) n >= size) {
        return dauys_error_set(err, DAUYS_E_USAGE, "checkpoint: output buffer too small");
    }
    return 0;
}

/* Returns the next line of T in *S, *N (without its newline, which is required). */
static int
next_line(keys_text *t, const char **s, size_t *n, const char *field, dauys_error *err)
{
    const char *lf;

    t->line++;
    if (t->pos >= t->end) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: %s: missing (text ends early)", t->name,
                               t->line, field);
    }
    if ((lf = memchr(t->pos, '\n', (size_t) (t->end - t->pos))) == NULL) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: %s: does not end in a newline", t->name,
                               t->line, field);
    }
    *s = t->pos;
    *n = (size_t) (lf - t->pos);
    t->pos = lf + 1;
    return 0;
}

/* Parses the origin line S (N bytes) into ORIGIN. */
static int
parse_origin(char origin[DAUYS_NOTE_NAME_MAX + 1], const char *s, size_t n, const keys_text *t,
             dauys_error *err)
{
    const char *why = dauys_note_name_problem(s, n);

    if (why != NULL) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: origin: %s", t->name, t->line, why);
    }
    memcpy(origin, s, n);
    origin[n] = '\0';
    return 0;
}

/* Parses the root hash line S (N bytes): canonical base64 of 32 bytes. */
static int
parse_root(uint8_t root[ROOT_BYTES], const char *s, size_t n, const keys_text *t, dauys_error *err)
{
    size_t bytes;

    if (dauys_note_b64_check(s, n, &bytes) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: root hash: not canonical base64",
                               t->name, t->line);
    }
    if (bytes != ROOT_BYTES) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: root hash: %zu bytes, not %d", t->name,
                               t->line, bytes, ROOT_BYTES);
    }
    dauys_note_b64_decode(root, ROOT_BYTES, s);
    return 0;
}

/* Parses the tree size line S (N bytes): decimal, no leading zero, 64 bits. */
static int
parse_size(uint64_t *size, const char *s, size_t n, const keys_text *t, dauys_error *err)
{
    switch (dauys_decimal_read(size, s, n, UINT64_MAX, 0)) {
    case DAUYS_DECIMAL_OK: return 0;
    case DAUYS_DECIMAL_NOT_DIGITS:
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: tree size: not a decimal number",
                               t->name, t->line);
    case DAUYS_DECIMAL_LEADING_ZERO:
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: tree size: leading zero", t->name,
                               t->line);
    case DAUYS_DECIMAL_TOO_LARGE: break;
    }
    return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: tree size: over %" PRIu64, t->name, t->line,
                           UINT64_MAX);
}

/*
 * Parses checkpoint TEXT (LEN bytes) into CP. With ALLOW_EXTENSIONS, lines
 * after the root hash are extension lines, each non-empty; without, none
 * may follow.
 */
static int
parse_checkpoint(dauys_checkpoint *cp, const char *text, size_t len, int allow_extensions,
                 const char *name, dauys_error *err)
{
    dauys_checkpoint c;
    keys_text t;
    const char *s = NULL;
    size_t n = 0;

    dauys_keys_text_init(&t, text, len, name);
    if (next_line(&t, &s, &n, "origin", err) != 0 || parse_origin(c.origin, s, n, &t, err) != 0 ||
        next_line(&t, &s, &n, "tree size", err) != 0 || parse_size(&c.size, s, n, &t, err) != 0 ||
        next_line(&t, &s, &n, "root hash", err) != 0 || parse_root(c.root, s, n, &t, err) != 0) {
        return -1;
    }
    if (!allow_extensions && t.pos < t.end) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s:%u: extension line: not accepted (dauys checkpoints have none)",
                               name, t.line + 1);
    }
    while (t.pos < t.end) {
        if (next_line(&t, &s, &n, "extension line", err) != 0) {
            return -1;
        }
        if (n == 0) {
            return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: extension line: empty", name,
                                   t.line);
        }
    }
    *cp = c;
    return 0;
}

int
dauys_checkpoint_parse(dauys_checkpoint *cp, const char *text, size_t len, const char *name,
                       dauys_error *err)
{
    return parse_checkpoint(cp, text, len, 0, name, err);
}

int
dauys_checkpoint_sign(char *out, size_t size, const dauys_checkpoint *cp, const dauys_seckey *sk,
                      dauys_error *err)
{
    char text[DAUYS_CHECKPOINT_TEXT_MAX];

    if (dauys_checkpoint_format(text, sizeof text, cp, err) != 0) {
        return -1;
    }
    return dauys_note_sign(out, size, text, cp->origin, sk, err);
}

/* Copies the (not yet verified) origin line of NOTE into ORIGIN, the key name to verify with. */
static int
peek_origin(char origin[DAUYS_NOTE_NAME_MAX + 1], const char *note, size_t len, const char *name,
            dauys_error *err)
{
    const char *lf = memchr(note, '\n', len);
    size_t n = lf != NULL ? (size_t) (lf - note) : len;
    const char *why = dauys_note_name_problem(note, n);

    if (why != NULL) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:1: origin: %s", name, why);
    }
    memcpy(origin, note, n);
    origin[n] = '\0';
    return 0;
}

/* dauys_checkpoint_open and dauys_checkpoint_open_any; *TEXT_LEN may be NULL. */
static int
open_checkpoint(dauys_checkpoint *cp, size_t *text_len, const char *note, size_t len,
                const dauys_pubkey *pk, const char *expected_origin, int allow_extensions,
                const char *name, dauys_error *err)
{
    char origin[DAUYS_NOTE_NAME_MAX + 1];
    dauys_checkpoint c;
    size_t tl;

    if (dauys_note_check_note_size(len, name, err) != 0 ||
        peek_origin(origin, note, len, name, err) != 0 ||
        dauys_note_verify(&tl, note, len, origin, pk, name, err) != 0 ||
        parse_checkpoint(&c, note, tl, allow_extensions, name, err) != 0) {
        return -1;
    }
    if (expected_origin != NULL && strcmp(c.origin, expected_origin) != 0) {
        return dauys_error_set(err, DAUYS_E_PROOF, "%s: checkpoint is for origin %s, not %s", name,
                               c.origin, expected_origin);
    }
    *cp = c;
    if (text_len != NULL) {
        *text_len = tl;
    }
    return 0;
}

int
dauys_checkpoint_open(dauys_checkpoint *cp, const char *note, size_t len, const dauys_pubkey *pk,
                      const char *expected_origin, const char *name, dauys_error *err)
{
    return open_checkpoint(cp, NULL, note, len, pk, expected_origin, 0, name, err);
}

int
dauys_checkpoint_open_any(dauys_checkpoint *cp, size_t *text_len, const char *note, size_t len,
                          const dauys_pubkey *pk, const char *expected_origin, const char *name,
                          dauys_error *err)
{
    return open_checkpoint(cp, text_len, note, len, pk, expected_origin, 1, name, err);
}

int
dauys_note_text_length(size_t *text_len, const char *note, size_t len, const char *name,
                       dauys_error *err)
{
    size_t sep = 0;

    if (dauys_note_check_note_size(len, name, err) != 0 ||
        dauys_note_find_separator(&sep, note, len, name, err) != 0) {
        return -1;
    }
    *text_len = sep;
    return 0;
}
