#include "core/textbuf.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/alloc.h"

void
dauys_textbuf_add(dauys_textbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n = 0;

    while (!b->failed) {
        if (b->buf != NULL) { /* no pointer arithmetic on NULL before the first growth */
            va_start(ap, fmt);
            n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
            va_end(ap);
            if (n >= 0 && (size_t) n < b->cap - b->len) {
                b->len += (size_t) n;
                return;
            }
        }
        size_t cap = 2 * b->cap + (n > 0 ? (size_t) n : 0) + 4096;
        char *grown = n < 0 ? NULL : dauys_realloc(b->buf, cap);
        if (grown == NULL) {
            b->failed = 1;
            return;
        }
        b->buf = grown;
        b->cap = cap;
    }
}
