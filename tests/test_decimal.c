/*
 * test_decimal.c: core/decimal, the one reader of decimal numbers in outside
 * input: a table of edge cases (empty, zeros, signs, spaces, other scripts'
 * digits, the limit and one past it, 2^64 and beyond), the order of the
 * faults, the leading-zeros flag, and that nothing is read past LEN.
 */
#include "tests/support.h"

#include <stdio.h>
#include <string.h>

#include "core/decimal.h"

typedef struct decimal_case {
    const char *s;
    size_t len; /* 0: strlen(s) */
    uint64_t max;
    unsigned flags;
    dauys_decimal_fault want;
    uint64_t value; /* with DAUYS_DECIMAL_OK */
} decimal_case;

#define U64 UINT64_MAX
#define Z DAUYS_DECIMAL_LEADING_ZEROS
#define OK DAUYS_DECIMAL_OK
#define DIGITS DAUYS_DECIMAL_NOT_DIGITS
#define ZERO DAUYS_DECIMAL_LEADING_ZERO
#define LARGE DAUYS_DECIMAL_TOO_LARGE

static const decimal_case cases[] = {
    {"", 0, U64, 0, DIGITS, 0},
    {"", 0, U64, Z, DIGITS, 0},
    {"0", 0, U64, 0, OK, 0},
    {"0", 0, 0, 0, OK, 0},
    {"1", 0, 0, 0, LARGE, 0},
    {"00", 0, U64, 0, ZERO, 0},
    {"01", 0, U64, 0, ZERO, 0},
    {"00", 0, U64, Z, OK, 0},
    {"007", 0, U64, Z, OK, 7},
    {"0000000000000000000000000000001", 0, 1, Z, OK, 1}, /* zeros never overflow */
    {"0000000000000000000000000000002", 0, 1, Z, LARGE, 0},
    {"7", 0, U64, 0, OK, 7},
    {"1000000000000", 0, 1000000000000, 0, OK, 1000000000000},
    {"1000000000001", 0, 1000000000000, 0, LARGE, 0},
    {"10000000000000", 0, 1000000000000, 0, LARGE, 0},
    {"99", 0, 100, 0, OK, 99},
    {"100", 0, 100, 0, OK, 100},
    {"101", 0, 100, 0, LARGE, 0},
    {"109", 0, 100, 0, LARGE, 0},
    {"18446744073709551615", 0, U64, 0, OK, U64},              /* 2^64 - 1 */
    {"18446744073709551616", 0, U64, 0, LARGE, 0},             /* 2^64 */
    {"18446744073709551620", 0, U64, 0, LARGE, 0},             /* wraps to 4 */
    {"36893488147419103232", 0, U64, 0, LARGE, 0},             /* 2^65: wraps to 0 */
    {"99999999999999999999999999999999", 0, U64, 0, LARGE, 0}, /* far past */
    {"18446744073709551609", 0, U64 - 6, 0, OK, U64 - 6},      /* a max short of 2^64 */
    {"18446744073709551610", 0, U64 - 6, 0, LARGE, 0},
    {"9999999999999999999", 0, 9999999999999999999u, 0, OK, 9999999999999999999u},
    {"-1", 0, U64, 0, DIGITS, 0},
    {"-0", 0, U64, 0, DIGITS, 0},
    {"+1", 0, U64, 0, DIGITS, 0},
    {" 1", 0, U64, 0, DIGITS, 0},
    {"1 ", 0, U64, 0, DIGITS, 0},
    {"\t1", 0, U64, 0, DIGITS, 0},
    {"1\n", 0, U64, 0, DIGITS, 0},
    {"1,000", 0, U64, 0, DIGITS, 0},
    {"1_000", 0, U64, 0, DIGITS, 0},
    {"1.0", 0, U64, 0, DIGITS, 0},
    {"1e3", 0, U64, 0, DIGITS, 0},
    {"0x10", 0, U64, 0, DIGITS, 0},
    {"a", 0, U64, 0, DIGITS, 0},
    {"/", 0, U64, 0, DIGITS, 0}, /* the bytes either side of '0' to '9' */
    {":", 0, U64, 0, DIGITS, 0},
    {"\xd9\xa1", 0, U64, 0, DIGITS, 0},     /* U+0661 ARABIC-INDIC DIGIT ONE */
    {"\xef\xbc\x91", 0, U64, 0, DIGITS, 0}, /* U+FF11 FULLWIDTH DIGIT ONE */
    {"\xc2\xb9", 0, U64, 0, DIGITS, 0},     /* U+00B9 SUPERSCRIPT ONE */
    {"1\xd9\xa1", 0, U64, 0, DIGITS, 0},
    {"\xb1", 0, U64, 0, DIGITS, 0}, /* '1' | 0x80 */
    {"1\0"
     "2",
     3, U64, 0, DIGITS, 0}, /* a NUL is a byte like any other */
    /* the order of the faults: not digits, then a leading zero, then the size */
    {"0a", 0, U64, 0, DIGITS, 0},
    {"01a", 0, U64, 0, DIGITS, 0},
    {"0999999999999999999999", 0, U64, 0, ZERO, 0},
    {"99999999999999999999x", 0, U64, 0, DIGITS, 0},
    /* only LEN bytes are read */
    {"12x", 2, U64, 0, OK, 12},
    {"1234", 1, U64, 0, OK, 1},
};

static const char *
fault_name(dauys_decimal_fault f)
{
    static const char *const names[] = {"ok", "not-digits", "leading-zero", "too-large"};

    return (unsigned) f < 4 ? names[f] : "?";
}

static void
test_table(void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const decimal_case *c = &cases[i];
        size_t len = c->len ? c->len : strlen(c->s);
        uint64_t out = 424242;
        dauys_decimal_fault got = dauys_decimal_read(&out, c->s, len, c->max, c->flags);

        if (got != c->want) {
            fail_msg("case %zu \"%s\": %s, not %s", i, c->s, fault_name(got), fault_name(c->want));
        }
        assert_int_equal(out, got == OK ? c->value : 424242); /* untouched on a fault */
        if (c->flags == 0) {
            assert_int_equal(dauys_decimal_parse(&out, c->s, len, c->max), got == OK ? 0 : -1);
        }
    }
}

/* Every value 0 to 100000 written out, against every max around it. */
static void
test_round_trip(void **state)
{
    char s[32];

    (void) state;
    for (uint64_t v = 0; v <= 100000; v += 1 + v / 100) {
        size_t n = (size_t) snprintf(s, sizeof s, "%llu", (unsigned long long) v);
        uint64_t out = 0;
        assert_int_equal(dauys_decimal_parse(&out, s, n, v), 0);
        assert_int_equal(out, v);
        assert_int_equal(dauys_decimal_parse(&out, s, n, U64), 0);
        if (v > 0) {
            assert_int_equal(dauys_decimal_read(&out, s, n, v - 1, 0), LARGE);
        }
    }
}

/* Nothing past LEN is read: the digits end at a buffer's last byte (ASan). */
static void
test_reads_only_len(void **state)
{
    char *s = test_malloc(3);
    uint64_t out;

    (void) state;
    memcpy(s, "123", 3);
    assert_int_equal(dauys_decimal_parse(&out, s, 3, U64), 0);
    assert_int_equal(out, 123);
    assert_int_equal(dauys_decimal_span(s, 3), 3);
    assert_int_equal(dauys_decimal_span(s, 2), 2);
    assert_int_equal(dauys_decimal_span("12a4", 4), 2);
    assert_int_equal(dauys_decimal_span("", 0), 0);
    test_free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_reads_only_len),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
