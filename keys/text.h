/*
 * text.h (internal to keys/): strict reading of minisign's line-based files.
 * Every error names the file, the line and the field: "NAME:LINE: field: ...".
 */
#ifndef DAUYS_KEYS_TEXT_H
#define DAUYS_KEYS_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define KEYS_UNTRUSTED_PREFIX "untrusted comment: "
#define KEYS_TRUSTED_PREFIX "trusted comment: "

typedef struct keys_text {
    const char *pos;
    const char *end;
    const char *name;
    unsigned line; /* number of the line last returned, from 1 */
} keys_text;

void dauys_keys_text_init(keys_text *t, const char *text, size_t len, const char *name);

/*
 * Returns in *S, *N the next line without its LF (and without a CR before the
 * LF). Fails with DAUYS_E_FORMAT naming FIELD when the text has ended, or
 * when the line holds a NUL or a stray CR.
 */
int dauys_keys_text_line(keys_text *t, const char **s, size_t *n, const char *field,
                         dauys_error *err);

/* Strips PREFIX from the line *S, *N, or fails naming FIELD. */
int dauys_keys_text_prefix(const keys_text *t, const char **s, size_t *n, const char *prefix,
                           const char *field, dauys_error *err);

/* Fails naming FIELD if a comment of N bytes is over MAX. */
int dauys_keys_text_comment_fits(const keys_text *t, size_t n, size_t max, const char *field,
                                 dauys_error *err);

/* Reads line 1 of a minisign file: "untrusted comment: " and at most
 * DAUYS_KEYS_COMMENT_MAX bytes of comment. */
int dauys_keys_text_comment_line(keys_text *t, dauys_error *err);

/* Reads the next line as exactly BYTES bytes of canonical base64 (FIELD in errors). */
int dauys_keys_text_base64_line(keys_text *t, uint8_t *out, size_t bytes, const char *field,
                                dauys_error *err);

/* Fails unless the text has been read to its end. */
int dauys_keys_text_end(const keys_text *t, dauys_error *err);

/*
 * Decodes the base64 line S (N chars) into exactly BYTES bytes at OUT. The
 * encoding must be canonical (standard alphabet, padded, unused bits zero), so
 * one value has one spelling and a flipped bit never decodes to the same bytes.
 */
int dauys_keys_text_base64(const keys_text *t, uint8_t *out, size_t bytes, const char *s, size_t n,
                           const char *field, dauys_error *err);

/* Encodes BYTES at IN as padded base64 into OUT (SIZE bytes); returns its length. */
size_t dauys_keys_text_to_base64(char *out, size_t size, const uint8_t *in, size_t bytes);

/* 0 if S is one line of at most MAX bytes (no CR, LF or NUL), else -1. */
int dauys_keys_text_check_comment(const char *s, size_t max);

/* Little-endian 64-bit load and store, as minisign's files use. */
uint64_t dauys_keys_le64_load(const uint8_t p[8]);
void dauys_keys_le64_store(uint8_t p[8], uint64_t x);

#endif
