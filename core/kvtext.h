/*
 * kvtext.h: the canonical line format shared by manifests, protocols and log
 * entries: UTF-8 lines "key: value", each ending in LF, in a fixed order.
 *
 * Canonical means one content has one spelling, hence one hash: no CR, no
 * blank lines, no comments, no spaces around the value, no control bytes,
 * a final LF, and numbers as plain decimals (see dauys_kv_count).
 * Every error names the file, line and field: "NAME:LINE: field: problem".
 */
#ifndef DAUYS_CORE_KVTEXT_H
#define DAUYS_CORE_KVTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* The largest count any protocol line may hold (a trillion): sums of a few
 * million of them cannot overflow 64 bits. */
#define DAUYS_COUNT_MAX UINT64_C(1000000000000)

typedef struct dauys_kv {
    const char *pos, *end;
    const char *name; /* file name for messages */
    unsigned line;    /* line last read, from 1 */
    const char *key;  /* the line last read: key and value, not NUL-terminated */
    size_t key_len;
    const char *value;
    size_t value_len;
} dauys_kv;

void dauys_kv_init(dauys_kv *kv, const char *text, size_t len, const char *name);

/* 1 if every line has been read. */
int dauys_kv_done(const dauys_kv *kv);

/*
 * Reads the next line into KV->key / KV->value. Fails (DAUYS_E_FORMAT) at the
 * end of the text, on a line without ": ", a missing final LF, a CR, a
 * control byte, invalid UTF-8, an empty value or spaces around it.
 */
int dauys_kv_next(dauys_kv *kv, dauys_error *err) DAUYS_WUR;

/* 1 if the line last read has key KEY. */
int dauys_kv_is(const dauys_kv *kv, const char *key);

/* Reads the next line and fails unless its key is KEY ("expected KEY"). */
int dauys_kv_expect(dauys_kv *kv, const char *key, dauys_error *err) DAUYS_WUR;

/*
 * Parses the value last read as a count: decimal digits, no sign, no leading
 * zero (but "0"), at most DAUYS_COUNT_MAX. FIELD names it in errors.
 */
int dauys_kv_count(const dauys_kv *kv, uint64_t *out, dauys_error *err) DAUYS_WUR;

/* Copies the value last read into OUT (SIZE bytes with the NUL) or fails if longer. */
int dauys_kv_copy(const dauys_kv *kv, char *out, size_t size, dauys_error *err) DAUYS_WUR;

/* Fails with "NAME:LINE: KEY: PROBLEM" about the line last read. */
int dauys_kv_fail(const dauys_kv *kv, dauys_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 1 if the N bytes at S are valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int dauys_utf8_valid(const char *s, size_t n);

/* What one character of outside text is, for a reader (dauys_utf8_next). */
typedef enum dauys_char_kind {
    DAUYS_CHAR_TEXT,    /* valid UTF-8 to show as it is */
    DAUYS_CHAR_CONTROL, /* valid, but obeyed rather than shown: C0, DEL, C1, bidi */
    DAUYS_CHAR_INVALID  /* a byte that starts no valid UTF-8 character */
} dauys_char_kind;

/*
 * Classifies the character that starts at S, with N >= 1 bytes left, and sets
 * *LEN to its length in bytes (1 for an invalid byte). CONTROL is every
 * character a terminal or a bidi-aware renderer obeys instead of showing: C0 controls (tab and
 * newline included; callers that keep them test for them first), DEL, the C1 controls U+0080 to
 * U+009F (a terminal takes U+009B as CSI), and the Unicode Bidi_Control
 * characters U+061C, U+200E, U+200F, U+202A to U+202E and U+2066 to U+2069,
 * which reorder what follows them (a right-to-left override shows "7654" as
 * "4567"). Everything that shows text from outside to people uses this.
 */
dauys_char_kind dauys_utf8_next(const char *s, size_t n, size_t *len);

/* Parses N decimal digits at S as a count like dauys_kv_count; 0 or -1. */
int dauys_parse_count(uint64_t *out, const char *s, size_t n);

#endif
