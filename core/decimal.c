/*
 * decimal.c: decimal numbers in outside input (decimal.h).
 */
#include "core/decimal.h"

/* '0' to '9' and nothing else: isdigit() would follow the locale. */
static int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

size_t
dauys_decimal_span(const char *s, size_t len)
{
    size_t n = 0;

    while (n < len && is_digit(s[n])) {
        n++;
    }
    return n;
}

dauys_decimal_fault
dauys_decimal_read(uint64_t *out, const char *s, size_t len, uint64_t max, unsigned flags)
{
    uint64_t v = 0;

    /* every byte is looked at before any value: the faults come in order */
    if (len == 0 || dauys_decimal_span(s, len) != len) {
        return DAUYS_DECIMAL_NOT_DIGITS;
    }
    if (len > 1 && s[0] == '0' && !(flags & DAUYS_DECIMAL_LEADING_ZEROS)) {
        return DAUYS_DECIMAL_LEADING_ZERO;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned) (s[i] - '0');
        if (d > max || v > (max - d) / 10) { /* v * 10 + d > max, without overflowing */
            return DAUYS_DECIMAL_TOO_LARGE;
        }
        v = v * 10 + d;
    }
    *out = v;
    return DAUYS_DECIMAL_OK;
}

int
dauys_decimal_parse(uint64_t *out, const char *s, size_t len, uint64_t max)
{
    return dauys_decimal_read(out, s, len, max, 0) == DAUYS_DECIMAL_OK ? 0 : -1;
}
