/* fuzz_answer: the strict reader of a server's flat JSON answer
 * (net/answer.c). What it takes must be what it promises (at most 64 fields,
 * names unique, strings without NUL and within their cap, the types it
 * names), and written out again as JSON it must read back the same. */
#include "fuzz/fuzz.h"

#include <stdio.h>

#include "net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Appends S as a JSON string to OUT (room checked by the caller). */
static size_t
put_string(char *out, const char *s)
{
    size_t n = 0;

    out[n++] = '"';
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char) *s;
        if (c < 0x20 || c == '"' || c == '\\') {
            n += (size_t) sprintf(out + n, "\\u%04x", c);
        } else {
            out[n++] = (char) c;
        }
    }
    out[n++] = '"';
    return n;
}

/* A and B hold the same fields in the same order. */
static int
same(const dauys_net_answer *a, const dauys_net_answer *b)
{
    if (a->count != b->count) {
        return 0;
    }
    for (size_t i = 0; i < a->count; i++) {
        const dauys_net_field *x = &a->field[i], *y = &b->field[i];
        if (strcmp(x->name, y->name) != 0 || x->type != y->type ||
            (x->type == DAUYS_NET_STRING ? strcmp(x->string, y->string) != 0
                                         : x->integer != y->integer)) {
            return 0;
        }
    }
    return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size);
    dauys_net_answer a, again;
    dauys_error err;
    int rc = dauys_net_answer_parse(&a, text, size, "fuzz", &err);

    fuzz_check_error(rc, &err);
    if (rc == 0) {
        /* 6 bytes a byte at most when escaped, and the punctuation */
        size_t room = 2 + a.count * (2 * 6 * DAUYS_NET_ANSWER_STRING_MAX + 32);
        char *out = malloc(room);
        size_t n = 0;
        if (out == NULL || a.count > DAUYS_NET_ANSWER_FIELDS_MAX) {
            abort();
        }
        out[n++] = '{';
        for (size_t i = 0; i < a.count; i++) {
            const dauys_net_field *f = &a.field[i];
            if (dauys_net_answer_get(&a, f->name) != f ||
                strlen(f->name) > DAUYS_NET_ANSWER_STRING_MAX ||
                (f->type == DAUYS_NET_STRING) != (f->string != NULL) ||
                (f->string != NULL && strlen(f->string) > DAUYS_NET_ANSWER_STRING_MAX) ||
                (f->type == DAUYS_NET_BOOL && f->integer != 0 && f->integer != 1)) {
                abort();
            }
            n += (size_t) sprintf(out + n, "%s", i ? "," : "");
            n += put_string(out + n, f->name);
            out[n++] = ':';
            switch (f->type) {
            case DAUYS_NET_STRING: n += put_string(out + n, f->string); break;
            case DAUYS_NET_INTEGER:
                n += (size_t) sprintf(out + n, "%lld", (long long) f->integer);
                break;
            case DAUYS_NET_BOOL:
                n += (size_t) sprintf(out + n, "%s", f->integer ? "true" : "false");
                break;
            case DAUYS_NET_NULL: n += (size_t) sprintf(out + n, "null"); break;
            }
        }
        out[n++] = '}';
        if (dauys_net_answer_parse(&again, out, n, "fuzz again", &err) != 0 || !same(&a, &again)) {
            abort();
        }
        dauys_net_answer_free(&again);
        free(out);
    }
    dauys_net_answer_free(&a);
    free(text);
    return 0;
}
