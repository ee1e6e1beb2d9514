/*
 * textbuf.h: a growing text buffer written with printf formats, for the
 * documents dauys makes in memory (the result statement, a manifest). After
 * an allocation fails, FAILED is set and nothing more is written, so a
 * caller checks once at the end.
 */
#ifndef DAUYS_CORE_TEXTBUF_H
#define DAUYS_CORE_TEXTBUF_H

#include <stddef.h>

typedef struct dauys_textbuf {
    char *buf; /* dauys_malloc'ed, NUL-terminated once anything is written; the caller frees */
    size_t len, cap;
    int failed;
} dauys_textbuf;

/* Appends the formatted text to B. */
void dauys_textbuf_add(dauys_textbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
