/*
 * decimal.h: the one reader of decimal numbers in outside input (counts,
 * versions, tree sizes, indexes, file names, option values).
 *
 * The rules, exactly: the LEN bytes at S (not NUL-terminated; NULs are just
 * bytes that are not digits) are ASCII digits '0' to '9' and nothing else:
 * no sign, no space, no separator, no other script's digits; there is at
 * least one; there is no leading zero unless the number is 0 itself ("0"
 * yes, "00" and "01" no); and the value is at most MAX. A format that
 * pads with zeros (file names like 00000012.txt, dates) passes
 * DAUYS_DECIMAL_LEADING_ZEROS, which allows any number of them.
 */
#ifndef DAUYS_CORE_DECIMAL_H
#define DAUYS_CORE_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Why bytes are not a number, in the order they are looked for: a string
 * with a non-digit is NOT_DIGITS even if it also has a leading zero. */
typedef enum dauys_decimal_fault {
    DAUYS_DECIMAL_OK = 0,
    DAUYS_DECIMAL_NOT_DIGITS,   /* empty, or a byte other than '0' to '9' */
    DAUYS_DECIMAL_LEADING_ZERO, /* "0" followed by more digits (without the flag) */
    DAUYS_DECIMAL_TOO_LARGE     /* over MAX (never wraps, whatever the length) */
} dauys_decimal_fault;

/* Flag: leading zeros are allowed ("007" is 7, "000" is 0). */
#define DAUYS_DECIMAL_LEADING_ZEROS 1u

/*
 * Reads the LEN bytes at S as a decimal number at most MAX under the rules
 * above, relaxed by FLAGS (0 or DAUYS_DECIMAL_LEADING_ZEROS). Returns
 * DAUYS_DECIMAL_OK with the value in *OUT, or the fault, with *OUT untouched.
 */
dauys_decimal_fault dauys_decimal_read(uint64_t *out, const char *s, size_t len, uint64_t max,
                                       unsigned flags) DAUYS_WUR;

/* dauys_decimal_read with no flags: 0 with *OUT set, or -1 (*OUT untouched). */
int dauys_decimal_parse(uint64_t *out, const char *s, size_t len, uint64_t max) DAUYS_WUR;

/* The number of ASCII digits S starts with, looking at no more than LEN bytes. */
size_t dauys_decimal_span(const char *s, size_t len);

#endif
