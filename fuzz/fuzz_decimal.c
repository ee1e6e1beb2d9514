/* fuzz_decimal: the one reader of decimal numbers (core/decimal.h) against a
 * reference written the slow, obvious way: the digits compared as a string
 * with the limit's, never as a running value that could wrap. */
#include "fuzz/fuzz.h"

#include <stdio.h>

#include "core/decimal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fault the rules of decimal.h give the LEN bytes at S. */
static dauys_decimal_fault
reference(uint64_t *out, const char *s, size_t len, uint64_t max, unsigned flags)
{
    char limit[24];
    size_t skip = 0, n, limit_len;

    if (len == 0) {
        return DAUYS_DECIMAL_NOT_DIGITS;
    }
    for (size_t i = 0; i < len; i++) {
        if (strchr("0123456789", s[i]) == NULL || s[i] == '\0') {
            return DAUYS_DECIMAL_NOT_DIGITS;
        }
    }
    if (len > 1 && s[0] == '0' && !(flags & DAUYS_DECIMAL_LEADING_ZEROS)) {
        return DAUYS_DECIMAL_LEADING_ZERO;
    }
    while (skip + 1 < len && s[skip] == '0') {
        skip++;
    }
    n = len - skip;
    limit_len = (size_t) snprintf(limit, sizeof limit, "%llu", (unsigned long long) max);
    /* without leading zeros, the longer string is the larger number; of two
     * as long, the one that sorts later */
    if (n > limit_len || (n == limit_len && memcmp(s + skip, limit, n) > 0)) {
        return DAUYS_DECIMAL_TOO_LARGE;
    }
    *out = 0;
    for (size_t i = skip; i < len; i++) {
        *out = *out * 10 + (uint64_t) (s[i] - '0');
    }
    return DAUYS_DECIMAL_OK;
}

/* Input: a byte of flags, eight bytes of MAX, then the text. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t max = 0, got = 7, want = 7;
    unsigned flags;
    char *text;

    if (size < 9) {
        return 0;
    }
    flags = data[0] & 1 ? DAUYS_DECIMAL_LEADING_ZEROS : 0;
    for (int i = 1; i <= 8; i++) {
        max = max << 8 | data[i];
    }
    if (data[0] & 2) { /* often a limit the formats use, not a random one */
        static const uint64_t limits[] = {UINT64_MAX,
                                          UINT64_MAX - 6,
                                          9999999999999999999u,
                                          1000000000000,
                                          UINT32_MAX,
                                          999999999999999,
                                          100,
                                          64};
        max = limits[max % (sizeof limits / sizeof *limits)];
    }
    text = fuzz_copy(data + 9, size - 9);
    dauys_decimal_fault fault = dauys_decimal_read(&got, text, size - 9, max, flags);
    if (fault != reference(&want, text, size - 9, max, flags) || got != want ||
        (fault == DAUYS_DECIMAL_OK && got > max) ||
        (flags == 0 && dauys_decimal_parse(&got, text, size - 9, max) != (fault ? -1 : 0))) {
        abort();
    }
    free(text);
    return 0;
}
