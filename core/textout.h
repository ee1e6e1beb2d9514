/*
 * textout.h: writing text for people and programs: JSON strings, CSV fields,
 * UTF-8-aware table columns and display percentages. Library code may write
 * these to files it was asked to produce; it never writes to stdout itself.
 */
#ifndef DAUYS_CORE_TEXTOUT_H
#define DAUYS_CORE_TEXTOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The N bytes at S as a JSON string: quoted; '"', '\\' and control characters
 * escaped; each byte that is not part of valid UTF-8 written as \ufffd (the
 * text may be a file's name from outside); other bytes as they are. */
void dauys_out_json_string(FILE *fp, const char *s, size_t n);

/* The N bytes at S as HTML text, safe in element content and in quoted
 * attribute values: & < > " ' as character references; control characters
 * (C0 but tab and newline, DEL, C1) and bytes that are not valid UTF-8 as
 * U+FFFD, so text from outside (a manifest's names, a file's reason) can
 * neither inject markup nor reach the reader as invisible controls. */
void dauys_out_html_text(FILE *fp, const char *s, size_t n);

/* The N bytes at S as one CSV field (RFC 4180: quoted, quotes doubled). */
void dauys_out_csv_field(FILE *fp, const char *s, size_t n);

/* The N bytes of UTF-8 at S in a column WIDTH characters wide (cut at a
 * character boundary, or padded), then one space. */
void dauys_out_column(FILE *fp, const char *s, size_t n, int width);

/* PART of WHOLE as a percentage with two decimals ("77.18%"), rounded half
 * up, in integer arithmetic; "-" when WHOLE is 0. Display only. */
void dauys_out_percent(char *out, size_t size, uint64_t part, uint64_t whole);

/* N with thousands separators ("11,734,642"). */
void dauys_out_group(char *out, size_t size, uint64_t n);

#endif
