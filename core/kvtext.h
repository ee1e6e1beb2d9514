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

#include "error.h"

/* The largest count any protocol line may hold (a trillion): sums of a few
 * million of them cannot overflow 64 bits. */
#define DAUYS_COUNT_MAX UINT64_C(1000000000000)

typedef struct dauys_kv {
    const char *pos, *end;
    const char *name;  /* file name for messages */
    unsigned line;     /* line last read, from 1 */
    const char *key;   /* the line last read: key and value, not NUL-terminated */
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
int dauys_kv_next(dauys_kv *kv, dauys_error *err) __attribute__((warn_unused_result));

/* 1 if the line last read has key KEY. */
int dauys_kv_is(const dauys_kv *kv, const char *key);

/* Reads the next line and fails unless its key is KEY ("expected KEY"). */
int dauys_kv_expect(dauys_kv *kv, const char *key, dauys_error *err)
    __attribute__((warn_unused_result));

/*
 * Parses the value last read as a count: decimal digits, no sign, no leading
 * zero (but "0"), at most DAUYS_COUNT_MAX. FIELD names it in errors.
 */
int dauys_kv_count(const dauys_kv *kv, uint64_t *out, dauys_error *err)
    __attribute__((warn_unused_result));

/* Copies the value last read into OUT (SIZE bytes with the NUL) or fails if longer. */
int dauys_kv_copy(const dauys_kv *kv, char *out, size_t size, dauys_error *err)
    __attribute__((warn_unused_result));

/* Fails with "NAME:LINE: KEY: PROBLEM" about the line last read. */
int dauys_kv_fail(const dauys_kv *kv, dauys_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 1 if the N bytes at S are valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int dauys_utf8_valid(const char *s, size_t n);

/* Parses N decimal digits at S as a count like dauys_kv_count; 0 or -1. */
int dauys_parse_count(uint64_t *out, const char *s, size_t n);

#endif
