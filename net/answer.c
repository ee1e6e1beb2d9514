/*
 * answer.c: the strict reader of a server's flat JSON answer (net.h): one
 * object of strings, integers, null and booleans. Everything else JSON
 * allows (nesting, fractions, exponents) and everything it does not
 * (trailing commas, comments, bad UTF-8) is refused, naming the byte.
 */
#include "net/net.h"

#include <assert.h>
#include <string.h>

#include "core/alloc.h"

/* The reader's place in the text. */
typedef struct reader {
    const unsigned char *s;
    size_t len, pos;
    const char *source;
    dauys_error *err;
} reader;

/* The text being built for a string (name or value), dauys_malloc'ed. */
typedef struct strbuf {
    char *s;
    size_t len, cap;
} strbuf;

static int
fail(reader *rd, const char *what)
{
    return dauys_error_set(rd->err, DAUYS_E_FORMAT, "%s: the answer at byte %zu: %s", rd->source,
                           rd->pos, what);
}

static int
fail_field(reader *rd, const char *name, const char *what)
{
    return dauys_error_set(rd->err, DAUYS_E_FORMAT,
                           "%s: the answer at byte %zu, field \"%.64s\": %s", rd->source, rd->pos,
                           name, what);
}

static void
skip_space(reader *rd)
{
    while (rd->pos < rd->len && (rd->s[rd->pos] == ' ' || rd->s[rd->pos] == '\t' ||
                                 rd->s[rd->pos] == '\n' || rd->s[rd->pos] == '\r')) {
        rd->pos++;
    }
}

/* 1 if the next byte is C (consumed), else 0. */
static int
take(reader *rd, unsigned char c)
{
    if (rd->pos < rd->len && rd->s[rd->pos] == c) {
        rd->pos++;
        return 1;
    }
    return 0;
}

static int
push(reader *rd, strbuf *t, const void *bytes, size_t n)
{
    if (t->len + n > DAUYS_NET_ANSWER_STRING_MAX) {
        return fail(rd, "a string too long");
    }
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        while (cap < t->len + n + 1) {
            cap *= 2;
        }
        char *grown = dauys_realloc(t->s, cap);
        if (grown == NULL) {
            return dauys_error_set(rd->err, DAUYS_E_NOMEM, "%s: out of memory reading the answer",
                                   rd->source);
        }
        t->s = grown;
        t->cap = cap;
    }
    memcpy(t->s + t->len, bytes, n);
    t->len += n;
    t->s[t->len] = '\0';
    return 0;
}

/* The length of the valid UTF-8 sequence at P (AVAIL bytes there), or 0:
 * no overlong forms, no surrogates, nothing past U+10FFFF (RFC 3629). */
static size_t
utf8_length(const unsigned char *p, size_t avail)
{
    unsigned c = p[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;

    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (avail < n || p[1] < lo || p[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < n; i++) {
        if (p[i] < 0x80 || p[i] > 0xBF) {
            return 0;
        }
    }
    return n;
}

/* Four hex digits at the reader into *OUT; 0 or -1. */
static int
hex4(reader *rd, unsigned *out)
{
    *out = 0;
    if (rd->len - rd->pos < 4) {
        return fail(rd, "a \\u escape cut short");
    }
    for (int i = 0; i < 4; i++) {
        unsigned char c = rd->s[rd->pos + (size_t) i];
        unsigned v = c >= '0' && c <= '9'   ? c - '0'
                     : c >= 'a' && c <= 'f' ? c - 'a' + 10
                     : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                            : 16;
        if (v == 16) {
            return fail(rd, "a \\u escape that is not four hex digits");
        }
        *out = *out << 4 | v;
    }
    rd->pos += 4;
    return 0;
}

/* A \u escape (the reader past "\u"), a surrogate pair as one, into T as UTF-8. */
static int
unicode_escape(reader *rd, strbuf *t)
{
    unsigned c, low;
    unsigned char u[4];
    size_t n;

    if (hex4(rd, &c) != 0) {
        return -1;
    }
    if (c >= 0xDC00 && c <= 0xDFFF) {
        return fail(rd, "a lone low surrogate (\\u escape)");
    }
    if (c >= 0xD800 && c <= 0xDBFF) {
        if (!take(rd, '\\') || !take(rd, 'u') || hex4(rd, &low) != 0 || low < 0xDC00 ||
            low > 0xDFFF) {
            return fail(rd, "a high surrogate not followed by a low one (\\u escape)");
        }
        c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
    }
    if (c == 0) {
        return fail(rd, "\\u0000 (a NUL in a string)");
    }
    if (c < 0x80) {
        u[0] = (unsigned char) c, n = 1;
    } else if (c < 0x800) {
        u[0] = (unsigned char) (0xC0 | c >> 6), u[1] = (unsigned char) (0x80 | (c & 0x3F)), n = 2;
    } else if (c < 0x10000) {
        u[0] = (unsigned char) (0xE0 | c >> 12), u[1] = (unsigned char) (0x80 | (c >> 6 & 0x3F));
        u[2] = (unsigned char) (0x80 | (c & 0x3F)), n = 3;
    } else {
        u[0] = (unsigned char) (0xF0 | c >> 18), u[1] = (unsigned char) (0x80 | (c >> 12 & 0x3F));
        u[2] = (unsigned char) (0x80 | (c >> 6 & 0x3F)), u[3] = (unsigned char) (0x80 | (c & 0x3F));
        n = 4;
    }
    return push(rd, t, u, n);
}

/* A string (the reader on its opening quote) into *OUT, dauys_malloc'ed. */
static int
read_string(reader *rd, char **out)
{
    static const char plain[] = "\"\\/bfnrt", meant[] = "\"\\/\b\f\n\r\t";
    strbuf t = {0};

    *out = NULL;
    if (!take(rd, '"')) {
        return fail(rd, "expected a string");
    }
    if (push(rd, &t, "", 0) != 0) { /* "" is a string too: never NULL */
        return -1;
    }
    for (;;) {
        if (rd->pos >= rd->len) {
            dauys_free(t.s);
            return fail(rd, "a string not closed");
        }
        unsigned char c = rd->s[rd->pos];
        size_t n;
        int rc;
        if (c == '"') {
            rd->pos++;
            *out = t.s;
            return 0;
        }
        if (c < 0x20) {
            rc = fail(rd, "a control character in a string");
        } else if (c == '\\') {
            const char *e = rd->pos + 1 < rd->len && rd->s[rd->pos + 1] != '\0'
                                ? strchr(plain, rd->s[rd->pos + 1])
                                : NULL;
            rd->pos++;
            if (take(rd, 'u')) {
                rc = unicode_escape(rd, &t);
            } else if (e == NULL) {
                rc = fail(rd, "an escape JSON does not have");
            } else {
                rd->pos++;
                rc = push(rd, &t, &meant[e - plain], 1);
            }
        } else if ((n = utf8_length(rd->s + rd->pos, rd->len - rd->pos)) == 0) {
            rc = fail(rd, "invalid UTF-8 in a string");
        } else {
            rc = push(rd, &t, rd->s + rd->pos, n);
            rd->pos += n;
        }
        if (rc != 0) {
            dauys_free(t.s);
            return -1;
        }
    }
}

/* 1 if the reader is on WORD (consumed), else 0: what follows is the caller's. */
static int
take_word(reader *rd, const char *word)
{
    size_t n = strlen(word);

    if (rd->len - rd->pos < n || memcmp(rd->s + rd->pos, word, n) != 0) {
        return 0;
    }
    rd->pos += n;
    return 1;
}

/* An integer: -?(0|[1-9][0-9]*) within int64, and no fraction or exponent. */
static int
read_integer(reader *rd, const char *name, int64_t *out)
{
    int negative = take(rd, '-');
    uint64_t v = 0, limit = negative ? (uint64_t) INT64_MAX + 1 : (uint64_t) INT64_MAX;
    size_t start = rd->pos;

    while (rd->pos < rd->len && rd->s[rd->pos] >= '0' && rd->s[rd->pos] <= '9') {
        unsigned d = rd->s[rd->pos] - '0';
        if (v > (limit - d) / 10) {
            return fail_field(rd, name, "an integer out of range");
        }
        v = v * 10 + d;
        rd->pos++;
    }
    if (rd->pos == start) {
        return fail_field(rd, name, "expected a string, an integer, null, true or false");
    }
    if (rd->pos - start > 1 && rd->s[start] == '0') {
        return fail_field(rd, name, "an integer with a leading zero");
    }
    if (rd->pos < rd->len &&
        (rd->s[rd->pos] == '.' || rd->s[rd->pos] == 'e' || rd->s[rd->pos] == 'E')) {
        return fail_field(rd, name, "a number that is not an integer");
    }
    *out = negative ? (v == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) v) : (int64_t) v;
    return 0;
}

/* A value (the reader on it) into F. */
static int
read_value(reader *rd, dauys_net_field *f)
{
    unsigned char c = rd->pos < rd->len ? rd->s[rd->pos] : 0;

    if (c == '"') {
        f->type = DAUYS_NET_STRING;
        return read_string(rd, &f->string);
    }
    if (c == '{' || c == '[') {
        return fail_field(rd, f->name, "a nested object or array (the answer is flat)");
    }
    if (take_word(rd, "null")) {
        f->type = DAUYS_NET_NULL;
    } else if (take_word(rd, "true")) {
        f->type = DAUYS_NET_BOOL;
        f->integer = 1;
    } else if (take_word(rd, "false")) {
        f->type = DAUYS_NET_BOOL;
        f->integer = 0;
    } else {
        f->type = DAUYS_NET_INTEGER;
        return read_integer(rd, f->name, &f->integer);
    }
    return 0;
}

/* A new field named NAME (taken over) at the end of A; 0 or -1. */
static int
add_field(reader *rd, dauys_net_answer *a, char *name)
{
    if (dauys_net_answer_get(a, name) != NULL) {
        fail_field(rd, name, "a field given twice");
        dauys_free(name);
        return -1;
    }
    if (a->count == DAUYS_NET_ANSWER_FIELDS_MAX) {
        dauys_free(name);
        return fail(rd, "too many fields");
    }
    if (a->field == NULL &&
        (a->field = dauys_malloc_array(DAUYS_NET_ANSWER_FIELDS_MAX, sizeof *a->field)) == NULL) {
        dauys_free(name);
        return dauys_error_set(rd->err, DAUYS_E_NOMEM, "%s: out of memory reading the answer",
                               rd->source);
    }
    a->field[a->count++] = (dauys_net_field){.name = name};
    return 0;
}

/* The members of the object, the reader past its "{". */
static int
read_members(reader *rd, dauys_net_answer *a)
{
    skip_space(rd);
    if (take(rd, '}')) {
        return 0;
    }
    for (;;) {
        char *name;
        skip_space(rd);
        if (read_string(rd, &name) != 0 || add_field(rd, a, name) != 0) {
            return -1;
        }
        skip_space(rd);
        if (!take(rd, ':')) {
            return fail_field(rd, name, "expected ':' after the name");
        }
        skip_space(rd);
        if (read_value(rd, &a->field[a->count - 1]) != 0) {
            return -1;
        }
        skip_space(rd);
        if (take(rd, '}')) {
            return 0;
        }
        if (!take(rd, ',')) {
            return fail_field(rd, name, "expected ',' or '}' after the value");
        }
    }
}

int
dauys_net_answer_parse(dauys_net_answer *a, const char *text, size_t len, const char *source,
                       dauys_error *err)
{
    reader rd = {(const unsigned char *) text, len, 0, source, err};

    memset(a, 0, sizeof *a);
    skip_space(&rd);
    if (!take(&rd, '{')) {
        return fail(&rd, "expected a JSON object");
    }
    if (read_members(&rd, a) != 0) {
        return -1;
    }
    skip_space(&rd);
    if (rd.pos != rd.len) {
        return fail(&rd, "bytes after the object");
    }
    return 0;
}

void
dauys_net_answer_free(dauys_net_answer *a)
{
    if (a == NULL) {
        return;
    }
    for (size_t i = 0; i < a->count; i++) {
        dauys_free(a->field[i].name);
        dauys_free(a->field[i].string);
    }
    dauys_free(a->field);
    memset(a, 0, sizeof *a);
}

const dauys_net_field *
dauys_net_answer_get(const dauys_net_answer *a, const char *name)
{
    assert(a != NULL && name != NULL);
    for (size_t i = 0; i < a->count; i++) {
        if (strcmp(a->field[i].name, name) == 0) {
            return &a->field[i];
        }
    }
    return NULL;
}
