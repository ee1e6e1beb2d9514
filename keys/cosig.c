/*
 * cosig.c: witness cosignatures, C2SP tlog-cosignature v1 over Ed25519 (see
 * cosig.h for the format).
 *
 * Notes are read by the same rules as note.c (note_internal.h): every
 * signature line must be well formed, lines by keys not asked for are
 * ignored. The signed message is "cosignature/v1\ntime T\n" and the note
 * text, built on the stack: a cosigned text is at most
 * DAUYS_COSIG_TEXT_MAX bytes (a checkpoint and its extension lines).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/sha256.h"
#include "keys/cosig.h"
#include "keys/note_internal.h"
#include "keys/seckey.h"
#include "keys/text.h"

#define COSIG_HEADER "cosignature/v1\ntime "
/* "cosignature/v1\ntime " + 19 digits (2^63 - 1) + "\n". */
#define COSIG_PREFIX_MAX (sizeof COSIG_HEADER - 1 + 19 + 1)
#define VKEY_B64_LEN 44

_Static_assert(DAUYS_COSIG_B64_LEN + 1 ==
                   sodium_base64_ENCODED_LEN(DAUYS_COSIG_BYTES, sodium_base64_VARIANT_ORIGINAL),
               "cosignature base64 length");
_Static_assert(VKEY_B64_LEN + 1 == sodium_base64_ENCODED_LEN(1 + DAUYS_KEYS_PUBLIC_BYTES,
                                                             sodium_base64_VARIANT_ORIGINAL),
               "vkey base64 length");

/* --- keys ---------------------------------------------------------------- */

/* W->id from W->name and W->pk: SHA-256(name || 0x0A || 0x04 || pk)[:4]. */
static int
compute_id(dauys_witness_key *w, dauys_error *err)
{
    static const uint8_t sep[2] = {'\n', DAUYS_COSIG_TYPE};
    const void *parts[3] = {w->name, sep, w->pk};
    size_t lens[3] = {strlen(w->name), sizeof sep, DAUYS_KEYS_PUBLIC_BYTES};
    uint8_t h[DAUYS_SHA256_BYTES];

    if (dauys_sha256_parts(h, parts, lens, 3) != 0) {
        return dauys_error_set(err, DAUYS_E_CRYPTO, "SHA-256 failed computing a key id");
    }
    memcpy(w->id, h, DAUYS_NOTE_KEY_ID_BYTES);
    return 0;
}

int
dauys_cosig_key_init(dauys_witness_key *w, const char *name,
                     const uint8_t pk[DAUYS_KEYS_PUBLIC_BYTES], dauys_error *err)
{
    size_t n = strnlen(name, DAUYS_NOTE_NAME_MAX + 1);
    const char *why = dauys_note_name_problem(name, n);

    if (why != NULL) {
        return dauys_error_set(err, DAUYS_E_USAGE, "witness name: %s", why);
    }
    if ((why = dauys_keys_pubkey_weakness(pk)) != NULL) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "witness %s: public key %s", name, why);
    }
    dauys_witness_key k;

    memset(&k, 0, sizeof k); /* NAME may point into W: build apart, then copy */
    memcpy(k.name, name, n);
    memcpy(k.pk, pk, DAUYS_KEYS_PUBLIC_BYTES);
    if (compute_id(&k, err) != 0) {
        return -1;
    }
    *w = k;
    return 0;
}

/* The value of lower-case hex digit C, or -1. */
static int
hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Reads 8 lower-case hex digits at S into ID; -1 if they are not. */
static int
parse_hex_id(uint8_t id[DAUYS_NOTE_KEY_ID_BYTES], const char *s)
{
    for (int i = 0; i < DAUYS_NOTE_KEY_ID_BYTES; i++) {
        int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            return -1;
        }
        id[i] = (uint8_t) (hi << 4 | lo);
    }
    return 0;
}

/* Decodes the vkey's key part B64 (N chars) into PK: canonical base64 of 0x04 || 32 bytes. */
static int
parse_vkey_key(uint8_t pk[DAUYS_KEYS_PUBLIC_BYTES], const char *b64, size_t n, const char *label,
               dauys_error *err)
{
    uint8_t bin[1 + DAUYS_KEYS_PUBLIC_BYTES];
    size_t bytes;

    if (dauys_note_b64_check(b64, n, &bytes) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s: verifier key: key is not canonical base64",
                               label);
    }
    if (bytes != sizeof bin) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s: verifier key: key of %zu bytes, not 33 (type and Ed25519 key)",
                               label, bytes);
    }
    dauys_note_b64_decode(bin, sizeof bin, b64);
    if (bin[0] != DAUYS_COSIG_TYPE) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s: verifier key: type 0x%02x, not 0x04 (a cosignature/v1 "
                               "Ed25519 witness key)",
                               label, bin[0]);
    }
    memcpy(pk, bin + 1, DAUYS_KEYS_PUBLIC_BYTES);
    return 0;
}

int
dauys_cosig_vkey_parse(dauys_witness_key *w, const char *vkey, size_t len, const char *label,
                       dauys_error *err)
{
    const char *plus = memchr(vkey, '+', len), *why;
    uint8_t pk[DAUYS_KEYS_PUBLIC_BYTES], id[DAUYS_NOTE_KEY_ID_BYTES];
    dauys_witness_key k;
    dauys_error why_init;
    size_t name_len, rest;

    if (plus == NULL) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s: verifier key: expected NAME+KEYID+KEY, found no '+'", label);
    }
    name_len = (size_t) (plus - vkey);
    if ((why = dauys_note_name_problem(vkey, name_len)) != NULL) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s: verifier key: name %s", label, why);
    }
    rest = len - name_len - 1;
    if (rest < 9 || plus[9] != '+' || parse_hex_id(id, plus + 1) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s: verifier key: the key id must be 8 lower-case hex digits "
                               "between two '+'",
                               label);
    }
    if (parse_vkey_key(pk, plus + 10, rest - 9, label, err) != 0) {
        return -1;
    }
    memcpy(k.name, vkey, name_len);
    k.name[name_len] = '\0';
    if (dauys_cosig_key_init(&k, k.name, pk, &why_init) != 0) {
        return dauys_error_set(err, why_init.status, "%s: verifier key: %s", label,
                               why_init.message);
    }
    if (memcmp(k.id, id, sizeof id) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s: verifier key: key id %.8s is not the one of this name and key "
                               "(%02x%02x%02x%02x)",
                               label, plus + 1, k.id[0], k.id[1], k.id[2], k.id[3]);
    }
    *w = k;
    return 0;
}

int
dauys_cosig_vkey_format(char *out, size_t size, const dauys_witness_key *w, dauys_error *err)
{
    uint8_t bin[1 + DAUYS_KEYS_PUBLIC_BYTES];
    char b64[VKEY_B64_LEN + 1];
    int n;

    bin[0] = DAUYS_COSIG_TYPE;
    memcpy(bin + 1, w->pk, DAUYS_KEYS_PUBLIC_BYTES);
    (void) dauys_keys_text_to_base64(b64, sizeof b64, bin, sizeof bin);
    n = snprintf(out, size, "%s+%02x%02x%02x%02x+%s", w->name, w->id[0], w->id[1], w->id[2],
                 w->id[3], b64);
    if (n < 0 || (size_t) n >= size) {
        return dauys_error_set(err, DAUYS_E_USAGE, "verifier key: output buffer too small");
    }
    return 0;
}

/* --- the signed message ---------------------------------------------------- */

/*
 * Writes "cosignature/v1\ntime T\n" followed by TEXT (LEN bytes) into MSG
 * (SIZE bytes); *MSG_LEN its length.
 */
static int
build_message(uint8_t *msg, size_t size, size_t *msg_len, uint64_t timestamp, const char *text,
              size_t len, dauys_error *err)
{
    int n;

    if (len > DAUYS_COSIG_TEXT_MAX) {
        return dauys_error_set(err, DAUYS_E_TOO_LARGE,
                               "checkpoint text of %zu bytes, over the %d a cosignature covers",
                               len, DAUYS_COSIG_TEXT_MAX);
    }
    n = snprintf((char *) msg, size, COSIG_HEADER "%" PRIu64 "\n", timestamp);
    if (n < 0 || (size_t) n + len > size) {
        return dauys_error_set(err, DAUYS_E_USAGE, "cosignature message: buffer too small");
    }
    memcpy(msg + n, text, len);
    *msg_len = (size_t) n + len;
    return 0;
}

/* Big-endian uint64 at P. */
static uint64_t
read_be64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

/* Checks BIN (DAUYS_COSIG_BYTES: id, timestamp, signature) over note TEXT with PK. */
static int
check_cosig(uint64_t *timestamp, const uint8_t bin[DAUYS_COSIG_BYTES], const char *text,
            size_t text_len, const uint8_t pk[DAUYS_KEYS_PUBLIC_BYTES], dauys_error *err)
{
    uint8_t msg[COSIG_PREFIX_MAX + DAUYS_COSIG_TEXT_MAX];
    uint64_t t = read_be64(bin + DAUYS_NOTE_KEY_ID_BYTES);
    size_t msg_len = 0;

    if (t > (uint64_t) DAUYS_COSIG_TIME_MAX) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "timestamp %" PRIu64 " is over 2^63 - 1", t);
    }
    if (build_message(msg, sizeof msg, &msg_len, t, text, text_len, err) != 0) {
        return -1;
    }
    if (crypto_sign_verify_detached(bin + DAUYS_NOTE_KEY_ID_BYTES + 8, msg, msg_len, pk) != 0) {
        return dauys_error_set(err, DAUYS_E_SIGNATURE, "does not verify");
    }
    *timestamp = t;
    return 0;
}

/* --- signing -------------------------------------------------------------- */

int
dauys_cosig_sign(char *line, size_t size, const char *text, size_t text_len, uint64_t timestamp,
                 const char *name, const dauys_seckey *sk, dauys_error *err)
{
    uint8_t msg[COSIG_PREFIX_MAX + DAUYS_COSIG_TEXT_MAX], bin[DAUYS_COSIG_BYTES];
    char b64[DAUYS_COSIG_B64_LEN + 1];
    dauys_witness_key w;
    dauys_pubkey pk;
    uint64_t back = 0;
    size_t msg_len = 0;
    int n;

    if (timestamp > (uint64_t) DAUYS_COSIG_TIME_MAX) {
        return dauys_error_set(err, DAUYS_E_USAGE, "cosignature time over 2^63 - 1");
    }
    if (text_len == 0 || text[text_len - 1] != '\n') {
        return dauys_error_set(err, DAUYS_E_FORMAT, "checkpoint text: must end in a newline");
    }
    dauys_keys_seckey_public(&pk, sk);
    if (dauys_note_check_text(text, text_len, "checkpoint text", err) != 0 ||
        dauys_cosig_key_init(&w, name, pk.pk, err) != 0 ||
        build_message(msg, sizeof msg, &msg_len, timestamp, text, text_len, err) != 0) {
        return -1;
    }
    memcpy(bin, w.id, DAUYS_NOTE_KEY_ID_BYTES);
    for (int i = 0; i < 8; i++) {
        bin[DAUYS_NOTE_KEY_ID_BYTES + i] = (uint8_t) (timestamp >> (56 - 8 * i));
    }
    if (dauys_keys_seckey_sign(bin + DAUYS_NOTE_KEY_ID_BYTES + 8, msg, msg_len, sk) != 0) {
        return dauys_error_set(err, DAUYS_E_CRYPTO, "Ed25519 signing failed");
    }
    /* Re-verify what was signed before handing it out (as minisign does). */
    if (check_cosig(&back, bin, text, text_len, w.pk, err) != 0 || back != timestamp) {
        return dauys_error_set(err, DAUYS_E_CRYPTO, "the new cosignature failed its own check");
    }
    (void) dauys_keys_text_to_base64(b64, sizeof b64, bin, sizeof bin);
    n = snprintf(line, size, DAUYS_NOTE_EM_DASH_SPACE "%s %s\n", name, b64);
    if (n < 0 || (size_t) n >= size) {
        return dauys_error_set(err, DAUYS_E_USAGE, "cosignature line: output buffer too small");
    }
    return 0;
}

/* --- reading notes ------------------------------------------------------- */

/* A note split into its text and its signature lines, all well formed. */
typedef struct cosig_note {
    const char *note;
    size_t len, text_len; /* text_len: up to, not including, the blank line */
    const char *name;     /* labels errors */
} cosig_note;

/* Checks NOTE as a signed note and fills N (as dauys_note_verify reads it). */
static int
open_note(cosig_note *n, const char *note, size_t len, const char *name, dauys_error *err)
{
    n->note = note;
    n->len = len;
    n->name = name;
    return dauys_note_check_note_size(len, name, err) != 0 ||
                   dauys_note_check_text(note, len, name, err) != 0 ||
                   dauys_note_find_separator(&n->text_len, note, len, name, err) != 0
               ? -1
               : 0;
}

/*
 * Calls the signature lines of S (N bytes, all lines ending in a newline)
 * one by one: *POS is the offset to read from (start at 0), *LINE its line
 * number (the caller sets the first). 1 with SIG filled, 0 at the end, -1
 * for a malformed line or more than DAUYS_NOTE_SIGNATURES_MAX.
 */
static int
next_sig(dauys_note_sig *sig, size_t *pos, unsigned *line, unsigned *count, const char *s, size_t n,
         const char *name, dauys_error *err)
{
    const char *p = s + *pos, *lf;

    if (*pos >= n) {
        return 0;
    }
    if (++*count > DAUYS_NOTE_SIGNATURES_MAX) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: more than %d signature lines", name,
                               *line, DAUYS_NOTE_SIGNATURES_MAX);
    }
    if ((lf = memchr(p, '\n', n - *pos)) == NULL) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s:%u: signature line: does not end in a newline", name, *line);
    }
    if (dauys_note_parse_sig_line(sig, p, (size_t) (lf - p), name, *line, err) != 0) {
        return -1;
    }
    *pos = (size_t) (lf - s) + 1;
    ++*line;
    return 1;
}

/* 1 if SIG is by witness W (same name and key id). */
static int
sig_is_by(const dauys_note_sig *sig, const dauys_witness_key *w)
{
    return sig->key_name_len == strlen(w->name) &&
           memcmp(sig->key_name, w->name, sig->key_name_len) == 0 &&
           memcmp(sig->id, w->id, DAUYS_NOTE_KEY_ID_BYTES) == 0;
}

/* Checks every signature line of N is well formed (-1 with ERR if not). */
static int
check_sig_lines(const cosig_note *n, dauys_error *err)
{
    const char *sigs = n->note + n->text_len + 1;
    size_t sigs_len = n->len - n->text_len - 1, pos = 0;
    unsigned line = dauys_note_count_lines(n->note, n->text_len) + 2, count = 0;
    dauys_note_sig sig;
    int r;

    if (sigs_len == 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s:%u: no signature lines after the blank line", n->name, line);
    }
    while ((r = next_sig(&sig, &pos, &line, &count, sigs, sigs_len, n->name, err)) == 1) {
    }
    return r;
}

/* Verifies W's cosignature on N, whose lines are known to be well formed. */
static int
verify_in(uint64_t *timestamp, const cosig_note *n, const dauys_witness_key *w, dauys_error *err)
{
    const char *sigs = n->note + n->text_len + 1;
    size_t sigs_len = n->len - n->text_len - 1, pos = 0;
    unsigned line = dauys_note_count_lines(n->note, n->text_len) + 2, count = 0, found_line = 0;
    uint8_t bin[DAUYS_COSIG_BYTES];
    dauys_note_sig sig, match = {0};
    dauys_error why;
    int r;

    while ((r = next_sig(&sig, &pos, &line, &count, sigs, sigs_len, n->name, err)) == 1) {
        if (!sig_is_by(&sig, w)) {
            continue;
        }
        if (found_line != 0) {
            return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: second cosignature by witness %s",
                                   n->name, line - 1, w->name);
        }
        match = sig;
        found_line = line - 1;
    }
    if (r != 0) {
        return -1;
    }
    if (found_line == 0) {
        return dauys_error_set(err, DAUYS_E_KEY_ID,
                               "%s: no cosignature by witness %s (key id %02x%02x%02x%02x)",
                               n->name, w->name, w->id[0], w->id[1], w->id[2], w->id[3]);
    }
    if (match.bytes != DAUYS_COSIG_BYTES) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s:%u: cosignature by witness %s: %zu bytes, not %d (key id, "
                               "timestamp and Ed25519 signature)",
                               n->name, found_line, w->name, match.bytes, DAUYS_COSIG_BYTES);
    }
    dauys_note_b64_decode(bin, sizeof bin, match.b64);
    if (check_cosig(timestamp, bin, n->note, n->text_len, w->pk, &why) != 0) {
        return dauys_error_set(err, why.status, "%s:%u: cosignature by witness %s: %s", n->name,
                               found_line, w->name, why.message);
    }
    return 0;
}

int
dauys_cosig_verify(uint64_t *timestamp, const char *note, size_t len, const dauys_witness_key *w,
                   const char *name, dauys_error *err)
{
    cosig_note n;
    uint64_t t = 0;

    if (open_note(&n, note, len, name, err) != 0 || check_sig_lines(&n, err) != 0 ||
        verify_in(&t, &n, w, err) != 0) {
        return -1;
    }
    if (timestamp != NULL) {
        *timestamp = t;
    }
    return 0;
}

int
dauys_cosig_policy_check(size_t *valid, dauys_cosig_found *found, const char *note, size_t len,
                         const dauys_witness_policy *p, const char *name, dauys_error *err)
{
    cosig_note n;
    size_t count = 0;

    if (p->count > DAUYS_WITNESSES_MAX) {
        return dauys_error_set(err, DAUYS_E_USAGE, "witness policy of %zu witnesses", p->count);
    }
    if (open_note(&n, note, len, name, err) != 0 || check_sig_lines(&n, err) != 0) {
        return -1;
    }
    for (size_t i = 0; i < p->count; i++) {
        dauys_cosig_found f = {0};

        f.valid = verify_in(&f.timestamp, &n, &p->key[i], &f.why) == 0;
        count += (size_t) f.valid;
        if (found != NULL) {
            found[i] = f;
        }
    }
    *valid = count;
    return 0;
}

/* --- merging a witness's answer -------------------------------------------- */

/* The index of the policy witness SIG is by, or -1. */
static long
policy_index(const dauys_witness_policy *p, const dauys_note_sig *sig)
{
    for (size_t i = 0; i < p->count; i++) {
        if (sig_is_by(sig, &p->key[i])) {
            return (long) i;
        }
    }
    return -1;
}

/* Marks in HAS[] the policy witnesses that already have a line on note N. */
static int
mark_present(int has[DAUYS_WITNESSES_MAX], const cosig_note *n, const dauys_witness_policy *p,
             dauys_error *err)
{
    const char *sigs = n->note + n->text_len + 1;
    size_t sigs_len = n->len - n->text_len - 1, pos = 0;
    unsigned line = dauys_note_count_lines(n->note, n->text_len) + 2, count = 0;
    dauys_note_sig sig;
    long i;
    int r;

    while ((r = next_sig(&sig, &pos, &line, &count, sigs, sigs_len, n->name, err)) == 1) {
        if ((i = policy_index(p, &sig)) >= 0) {
            has[i] = 1;
        }
    }
    return r;
}

/* Appends LINE (N bytes, with its newline) to NOTE (*LEN bytes, buffer SIZE). */
static int
append_line(char *note, size_t size, size_t *len, const char *line, size_t n, dauys_error *err)
{
    if (*len + n + 1 > size) {
        return dauys_error_set(err, DAUYS_E_TOO_LARGE,
                               "cosigned note: buffer of %zu bytes too small", size);
    }
    memcpy(note + *len, line, n);
    *len += n;
    note[*len] = '\0';
    return 0;
}

int
dauys_cosig_merge(char *note, size_t size, size_t *added, size_t *rejected, const char *lines,
                  size_t lines_len, const dauys_witness_policy *p, dauys_error *err)
{
    int has[DAUYS_WITNESSES_MAX] = {0};
    size_t len = strlen(note), pos = 0, start, n_added = 0, n_rejected = 0;
    unsigned line = 1, count = 0;
    dauys_note_sig sig;
    uint8_t bin[DAUYS_COSIG_BYTES];
    uint64_t t;
    cosig_note n;
    dauys_error why;
    long i;
    int r;

    if (p->count > DAUYS_WITNESSES_MAX) {
        return dauys_error_set(err, DAUYS_E_USAGE, "witness policy of %zu witnesses", p->count);
    }
    if (open_note(&n, note, len, "note", err) != 0 || check_sig_lines(&n, err) != 0 ||
        mark_present(has, &n, p, err) != 0 ||
        dauys_note_check_text(lines, lines_len, "witness answer", err) != 0) {
        return -1;
    }
    /* Check the whole answer first, so a malformed one changes nothing. */
    while ((r = next_sig(&sig, &pos, &line, &count, lines, lines_len, "witness answer", err)) ==
           1) {
    }
    if (r != 0) {
        return -1;
    }
    for (pos = 0, line = 1, count = 0, start = 0;
         next_sig(&sig, &pos, &line, &count, lines, lines_len, "witness answer", err) == 1;
         start = pos) {
        if ((i = policy_index(p, &sig)) < 0 || has[i]) {
            continue;
        }
        if (sig.bytes != DAUYS_COSIG_BYTES) {
            n_rejected++;
            continue;
        }
        dauys_note_b64_decode(bin, sizeof bin, sig.b64);
        if (check_cosig(&t, bin, note, n.text_len, p->key[i].pk, &why) != 0) {
            n_rejected++;
            continue;
        }
        if (append_line(note, size, &len, lines + start, pos - start, err) != 0) {
            return -1;
        }
        has[i] = 1;
        n_added++;
    }
    if (added != NULL) {
        *added = n_added;
    }
    if (rejected != NULL) {
        *rejected = n_rejected;
    }
    return 0;
}
