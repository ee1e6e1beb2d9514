#include "keys/text.h"

#include "keys/keys.h"

#include <string.h>

#include <sodium.h>

void
dauys_keys_text_init(keys_text *t, const char *text, size_t len, const char *name)
{
    t->pos = text;
    t->end = text + len;
    t->name = name;
    t->line = 0;
}

int
dauys_keys_text_line(keys_text *t, const char **s, size_t *n, const char *field, dauys_error *err)
{
    const char *lf;
    size_t len;

    t->line++;
    if (t->pos >= t->end) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: %s: missing (file ends early)", t->name,
                               t->line, field);
    }
    lf = memchr(t->pos, '\n', (size_t) (t->end - t->pos));
    len = lf != NULL ? (size_t) (lf - t->pos) : (size_t) (t->end - t->pos);
    *s = t->pos;
    t->pos += len + (lf != NULL);
    if (len > 0 && (*s)[len - 1] == '\r') {
        len--; /* tolerate CRLF files, as minisign does */
    }
    if (memchr(*s, '\0', len) != NULL || memchr(*s, '\r', len) != NULL) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: %s: contains a NUL or CR byte", t->name,
                               t->line, field);
    }
    *n = len;
    return 0;
}

int
dauys_keys_text_prefix(const keys_text *t, const char **s, size_t *n, const char *prefix,
                       const char *field, dauys_error *err)
{
    size_t plen = strlen(prefix);

    if (*n < plen || memcmp(*s, prefix, plen) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: %s: line must start with \"%s\"",
                               t->name, t->line, field, prefix);
    }
    *s += plen;
    *n -= plen;
    return 0;
}

int
dauys_keys_text_comment_fits(const keys_text *t, size_t n, size_t max, const char *field,
                             dauys_error *err)
{
    if (n > max) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: %s: %zu bytes, over the limit of %zu",
                               t->name, t->line, field, n, max);
    }
    return 0;
}

int
dauys_keys_text_comment_line(keys_text *t, dauys_error *err)
{
    const char *s = NULL;
    size_t n = 0;

    return dauys_keys_text_line(t, &s, &n, "untrusted comment", err) != 0 ||
                   dauys_keys_text_prefix(t, &s, &n, KEYS_UNTRUSTED_PREFIX, "untrusted comment",
                                          err) != 0 ||
                   dauys_keys_text_comment_fits(t, n, DAUYS_KEYS_COMMENT_MAX, "untrusted comment",
                                                err) != 0
               ? -1
               : 0;
}

int
dauys_keys_text_base64_line(keys_text *t, uint8_t *out, size_t bytes, const char *field,
                            dauys_error *err)
{
    const char *s = NULL;
    size_t n = 0;

    return dauys_keys_text_line(t, &s, &n, field, err) != 0 ||
                   dauys_keys_text_base64(t, out, bytes, s, n, field, err) != 0
               ? -1
               : 0;
}

int
dauys_keys_text_end(const keys_text *t, dauys_error *err)
{
    if (t->pos < t->end) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: unexpected data after the last line",
                               t->name, t->line + 1);
    }
    return 0;
}

size_t
dauys_keys_text_to_base64(char *out, size_t size, const uint8_t *in, size_t bytes)
{
    if (size < sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_ORIGINAL)) {
        return 0;
    }
    sodium_bin2base64(out, size, in, bytes, sodium_base64_VARIANT_ORIGINAL);
    return strlen(out);
}

int
dauys_keys_text_base64(const keys_text *t, uint8_t *out, size_t bytes, const char *s, size_t n,
                       const char *field, dauys_error *err)
{
    char canonical[256];
    size_t got = 0;
    const char *stop = NULL;

    if (n != sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_ORIGINAL) - 1 ||
        sodium_base642bin(out, bytes, s, n, NULL, &got, &stop, sodium_base64_VARIANT_ORIGINAL) !=
            0 ||
        stop != s + n || got != bytes) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: %s: not %zu bytes of base64", t->name,
                               t->line, field, bytes);
    }
    if (dauys_keys_text_to_base64(canonical, sizeof canonical, out, bytes) != n ||
        memcmp(canonical, s, n) != 0) {
        sodium_memzero(canonical, sizeof canonical); /* may spell a secret key */
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: %s: base64 is not in canonical form",
                               t->name, t->line, field);
    }
    sodium_memzero(canonical, sizeof canonical);
    return 0;
}

int
dauys_keys_text_check_comment(const char *s, size_t max)
{
    size_t n = strlen(s);

    if (n > max || strchr(s, '\n') != NULL || strchr(s, '\r') != NULL) {
        return -1;
    }
    return 0;
}

uint64_t
dauys_keys_le64_load(const uint8_t p[8])
{
    uint64_t x = 0;

    for (int i = 7; i >= 0; i--) {
        x = (x << 8) | p[i];
    }
    return x;
}

void
dauys_keys_le64_store(uint8_t p[8], uint64_t x)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t) (x >> (8 * i));
    }
}
