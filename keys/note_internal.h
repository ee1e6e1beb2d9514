/*
 * note_internal.h (internal to keys/): the signed-note reader's pieces that
 * cosig.c shares with note.c, so both read notes by the same rules.
 */
#ifndef DAUYS_KEYS_NOTE_INTERNAL_H
#define DAUYS_KEYS_NOTE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "keys/note.h"

/* "— ": U+2014 EM DASH in UTF-8, then a space. */
#define DAUYS_NOTE_EM_DASH_SPACE "\xE2\x80\x94 "
#define DAUYS_NOTE_EM_DASH_SPACE_LEN 4

/* One signature line, as parsed: it points into the note. */
typedef struct dauys_note_sig {
    const char *key_name;
    size_t key_name_len;
    const char *b64; /* the signature's canonical base64 */
    size_t b64_len;
    size_t bytes; /* its decoded length, key id included */
    uint8_t id[DAUYS_NOTE_KEY_ID_BYTES];
} dauys_note_sig;

/* Why S (N bytes) is not a valid key name, or NULL if it is. A static string. */
const char *dauys_note_name_problem(const char *s, size_t n);

/* Checks S (N bytes) is valid UTF-8 without control characters but newline ("NAME:LINE: ..."). */
int dauys_note_check_text(const char *s, size_t n, const char *name, dauys_error *err) DAUYS_WUR;

/* Number of newlines in the N bytes at S. */
unsigned dauys_note_count_lines(const char *s, size_t n);

/* 0 with *BYTES the decoded length if S (N chars) is canonical padded base64, else -1. */
int dauys_note_b64_check(const char *s, size_t n, size_t *bytes) DAUYS_WUR;

/* Decodes the first BYTES bytes of base64 S, already checked by dauys_note_b64_check. */
void dauys_note_b64_decode(uint8_t *out, size_t bytes, const char *s);

/* Fails unless a note of LEN bytes is within DAUYS_NOTE_MAX. */
int dauys_note_check_note_size(size_t len, const char *name, dauys_error *err) DAUYS_WUR;

/* *SEP: the offset of the newline of NOTE's last blank line (the text's length). */
int dauys_note_find_separator(size_t *sep, const char *note, size_t len, const char *name,
                              dauys_error *err) DAUYS_WUR;

/* Parses signature line S (N bytes, no newline), line LINE of note NAME. */
int dauys_note_parse_sig_line(dauys_note_sig *sig, const char *s, size_t n, const char *name,
                              unsigned line, dauys_error *err) DAUYS_WUR;

#endif
