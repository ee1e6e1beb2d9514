/*
 * csv.h: reading RFC 4180 CSV (official results tables): comma-separated
 * fields, optionally quoted with "" for a quote inside, CRLF or LF line ends.
 * Errors name the file, line and column.
 */
#ifndef DAUYS_CORE_CSV_H
#define DAUYS_CORE_CSV_H

#include <stddef.h>

#include "core/error.h"

#define DAUYS_CSV_FIELDS_MAX 256

typedef struct dauys_csv {
    const char *pos, *end, *name;
    unsigned line;                     /* line of the record last read, from 1 */
    size_t count;                      /* fields in the record last read */
    char *field[DAUYS_CSV_FIELDS_MAX]; /* NUL-terminated, into BUF */
    char *buf;                         /* owned: the unquoted fields */
    size_t cap;
} dauys_csv;

/* Starts reading TEXT (LEN bytes; kept, not copied) named NAME; a UTF-8
 * byte order mark before the first record is skipped. */
void dauys_csv_init(dauys_csv *csv, const char *text, size_t len, const char *name);

/* Reads the next record: 1 if one was read, 0 at the end, -1 on error
 * (an unterminated quote, a stray quote, a NUL byte, too many fields, out of
 * memory). */
int dauys_csv_next(dauys_csv *csv, dauys_error *err) DAUYS_WUR;

/* The index of the header field NAME in the record last read, or -1. */
int dauys_csv_column(const dauys_csv *csv, const char *name);

void dauys_csv_free(dauys_csv *csv);

#endif
