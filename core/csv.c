#include "core/csv.h"

#include <string.h>

#include "core/alloc.h"

void
dauys_csv_init(dauys_csv *csv, const char *text, size_t len, const char *name)
{
    memset(csv, 0, sizeof *csv);
    csv->pos = text;
    csv->end = text + len;
    csv->name = name;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        csv->pos += 3; /* the UTF-8 byte order mark spreadsheets write ("CSV UTF-8") */
    }
}

void
dauys_csv_free(dauys_csv *csv)
{
    dauys_free(csv->buf);
    csv->buf = NULL;
    csv->cap = 0;
}

/* Makes room for a record of up to N bytes in the field buffer. */
static int
reserve(dauys_csv *csv, size_t n, dauys_error *err)
{
    char *grown;

    if (n <= csv->cap) {
        return 0;
    }
    if ((grown = dauys_realloc(csv->buf, n)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", csv->name);
    }
    csv->buf = grown;
    csv->cap = n;
    return 0;
}

/* Reads one field starting at P into OUT; returns the position after it.
 * A NUL byte is refused: the fields are C strings, so it would cut one short
 * without a word ("148\0" "33" read as 148). */
static const char *
read_field(dauys_csv *csv, const char *p, char **out, int *bad)
{
    if (p < csv->end && *p == '"') {
        for (p++;; p++) {
            if (p >= csv->end) {
                *bad = 1; /* unterminated quote */
                return p;
            }
            if (*p == '\0') {
                *bad = 3;
                return p;
            }
            if (*p == '"') {
                if (p + 1 < csv->end && p[1] == '"') {
                    *(*out)++ = '"';
                    p++;
                    continue;
                }
                p++;
                break;
            }
            *(*out)++ = *p;
        }
        if (p < csv->end && *p != ',' && *p != '\n' && *p != '\r') {
            *bad = 2; /* text after the closing quote */
        }
        return p;
    }
    while (p < csv->end && *p != ',' && *p != '\n' && *p != '\r') {
        if (*p == '"' || *p == '\0') {
            *bad = *p == '"' ? 2 : 3;
            return p;
        }
        *(*out)++ = *p++;
    }
    return p;
}

int
dauys_csv_next(dauys_csv *csv, dauys_error *err)
{
    const char *p = csv->pos, *start = p;
    char *out;
    int bad = 0;

    if (p >= csv->end) {
        return 0;
    }
    csv->line++;
    /* A record's unquoted fields never outgrow the text left, plus their NULs. */
    if (reserve(csv, (size_t) (csv->end - p) + DAUYS_CSV_FIELDS_MAX + 1, err) != 0) {
        return -1;
    }
    out = csv->buf;
    csv->count = 0;
    for (;;) {
        if (csv->count == DAUYS_CSV_FIELDS_MAX) {
            return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: more than %d fields", csv->name,
                                   csv->line, DAUYS_CSV_FIELDS_MAX);
        }
        csv->field[csv->count++] = out;
        p = read_field(csv, p, &out, &bad);
        *out++ = '\0';
        if (bad) {
            return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u:%zu: %s", csv->name, csv->line,
                                   (size_t) (p - start) + 1,
                                   bad == 1   ? "quoted field never closed"
                                   : bad == 2 ? "stray quote"
                                              : "NUL byte");
        }
        if (p >= csv->end || *p != ',') {
            break;
        }
        p++;
    }
    if (p < csv->end && *p == '\r') {
        p++;
    }
    if (p < csv->end && *p == '\n') {
        p++;
    }
    csv->pos = p;
    return 1;
}

int
dauys_csv_column(const dauys_csv *csv, const char *name)
{
    for (size_t i = 0; i < csv->count; i++) {
        if (strcmp(csv->field[i], name) == 0) {
            return (int) i;
        }
    }
    return -1;
}
