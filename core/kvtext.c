#include "core/kvtext.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/decimal.h"

void
dauys_kv_init(dauys_kv *kv, const char *text, size_t len, const char *name)
{
    memset(kv, 0, sizeof *kv);
    kv->pos = text;
    kv->end = text + len;
    kv->name = name;
}

int
dauys_kv_done(const dauys_kv *kv)
{
    return kv->pos >= kv->end;
}

int
dauys_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *) str;

    for (size_t i = 0; i < n;) {
        unsigned c = s[i], need, min;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1, min = 0x80, cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2, min = 0x800, cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3, min = 0x10000, cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i <= need) {
            return 0;
        }
        for (unsigned k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
        i += need + 1;
    }
    return 1;
}

/* 1 if the valid UTF-8 character at S (K bytes) is a Unicode Bidi_Control. */
static int
is_bidi_control(const unsigned char *s, size_t k)
{
    if (k == 2) {
        return s[0] == 0xd8 && s[1] == 0x9c; /* U+061C ARABIC LETTER MARK */
    }
    if (k != 3 || s[0] != 0xe2) {
        return 0;
    }
    return (s[1] == 0x80 && (s[2] == 0x8e || s[2] == 0x8f ||     /* U+200E, U+200F */
                             (s[2] >= 0xaa && s[2] <= 0xae))) || /* U+202A-U+202E */
           (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9);       /* U+2066-U+2069 */
}

dauys_char_kind
dauys_utf8_next(const char *str, size_t n, size_t *len)
{
    const unsigned char *s = (const unsigned char *) str;
    unsigned c = s[0];
    size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2; /* if valid */

    assert(n >= 1);
    if (c < 0x80) {
        *len = 1;
        return c < 0x20 || c == 0x7f ? DAUYS_CHAR_CONTROL : DAUYS_CHAR_TEXT;
    }
    if (k > n || !dauys_utf8_valid(str, k)) { /* a NUL is no continuation byte */
        *len = 1;
        return DAUYS_CHAR_INVALID;
    }
    *len = k;
    if ((c == 0xc2 && s[1] < 0xa0) || is_bidi_control(s, k)) {
        return DAUYS_CHAR_CONTROL;
    }
    return DAUYS_CHAR_TEXT;
}

int
dauys_kv_fail(const dauys_kv *kv, dauys_error *err, const char *fmt, ...)
{
    char what[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: %.*s: %s", kv->name, kv->line,
                           (int) (kv->key_len > 64 ? 64 : kv->key_len), kv->key, what);
}

/* Checks the bytes of line S (N bytes, LF excluded) are printable UTF-8. */
static int
line_bytes_ok(const dauys_kv *kv, const char *s, size_t n, dauys_error *err)
{
    if (kv->line == 1 && n >= 3 &&
        memcmp(s, "\xef\xbb\xbf", 3) == 0) { /* invisible on a terminal */
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s:1: a UTF-8 byte order mark (BOM) is not "
                               "allowed: save the file as UTF-8 without it",
                               kv->name);
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c < 0x20 || c == 0x7f) {
            return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: %s (byte 0x%02x at column %zu)",
                                   kv->name, kv->line,
                                   c == '\r' ? "CR is not allowed: lines end in LF only"
                                             : "control byte is not allowed",
                                   c, i + 1);
        }
    }
    if (!dauys_utf8_valid(s, n)) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: not valid UTF-8", kv->name, kv->line);
    }
    return 0;
}

int
dauys_kv_next(dauys_kv *kv, dauys_error *err)
{
    const char *s = kv->pos, *lf, *colon;
    size_t n;

    kv->line++;
    kv->key = "";
    kv->key_len = 0;
    if (dauys_kv_done(kv)) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: the file ends early", kv->name,
                               kv->line);
    }
    lf = memchr(s, '\n', (size_t) (kv->end - s));
    if (lf == NULL) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: the last line has no LF at its end",
                               kv->name, kv->line);
    }
    n = (size_t) (lf - s);
    kv->pos = lf + 1;
    if (line_bytes_ok(kv, s, n, err) != 0) {
        return -1;
    }
    colon = memchr(s, ':', n);
    if (n == 0 || colon == NULL || colon == s || (size_t) (colon - s) + 1 >= n || colon[1] != ' ') {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: expected \"key: value\"", kv->name,
                               kv->line);
    }
    kv->key = s;
    kv->key_len = (size_t) (colon - s);
    kv->value = colon + 2;
    kv->value_len = n - kv->key_len - 2;
    if (kv->value_len == 0 || kv->value[0] == ' ' || kv->value[kv->value_len - 1] == ' ') {
        return dauys_kv_fail(kv, err, "value is empty or has spaces around it");
    }
    return 0;
}

int
dauys_kv_is(const dauys_kv *kv, const char *key)
{
    return strlen(key) == kv->key_len && memcmp(kv->key, key, kv->key_len) == 0;
}

int
dauys_kv_expect(dauys_kv *kv, const char *key, dauys_error *err)
{
    if (dauys_kv_done(kv)) {
        kv->line++;
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: %s: missing (the file ends early)",
                               kv->name, kv->line, key);
    }
    if (dauys_kv_next(kv, err) != 0) {
        return -1;
    }
    if (!dauys_kv_is(kv, key)) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: %s: expected here, found \"%.*s\"",
                               kv->name, kv->line, key, (int) (kv->key_len > 64 ? 64 : kv->key_len),
                               kv->key);
    }
    return 0;
}

int
dauys_parse_count(uint64_t *out, const char *s, size_t n)
{
    return dauys_decimal_parse(out, s, n, DAUYS_COUNT_MAX);
}

int
dauys_kv_count(const dauys_kv *kv, uint64_t *out, dauys_error *err)
{
    if (dauys_parse_count(out, kv->value, kv->value_len) != 0) {
        return dauys_kv_fail(kv, err,
                             "\"%.*s\" is not a count (digits only, no sign or leading zero, "
                             "at most 1000000000000)",
                             (int) (kv->value_len > 32 ? 32 : kv->value_len), kv->value);
    }
    return 0;
}

int
dauys_kv_copy(const dauys_kv *kv, char *out, size_t size, dauys_error *err)
{
    if (kv->value_len >= size) {
        return dauys_kv_fail(kv, err, "longer than %zu bytes", size - 1);
    }
    memcpy(out, kv->value, kv->value_len);
    out[kv->value_len] = '\0';
    return 0;
}
