/*
 * test_kvtext.c: the canonical "key: value" line format every document is
 * written in: UTF-8 validation, counts, and an exact error for each way a
 * line can break the rules.
 */
#include "tests/support.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/kvtext.h"

static void
test_utf8_valid(void **state)
{
    static const struct {
        const char *s;
        size_t n;
        int valid;
    } cases[] = {
        {"", 0, 1},
        {"plain ASCII, 100%", 17, 1},
        {"\xd0\x90\xd1\x81\xd1\x82\xd0\xb0\xd0\xbd\xd0\xb0", 12, 1}, /* "Астана" */
        {"\xd2\x9a\xd0\xb0\xd0\xb7\xd0\xb0\xd2\x9b", 10, 1},         /* "Қазақ" */
        {"\xe2\x84\x96 5", 5, 1},                                    /* "№ 5", 3 bytes */
        {"\xf0\x9f\x97\xb3", 4, 1},                                  /* U+1F5F3, 4 bytes */
        {"\xc2\x80", 2, 1},                                          /* smallest 2-byte */
        {"\xdf\xbf", 2, 1},                                          /* largest 2-byte */
        {"\xe0\xa0\x80", 3, 1},                                      /* smallest 3-byte */
        {"\xed\x9f\xbf", 3, 1},                                      /* just below surrogates */
        {"\xee\x80\x80", 3, 1},                                      /* just above them */
        {"\xef\xbf\xbf", 3, 1},                                      /* largest 3-byte */
        {"\xf0\x90\x80\x80", 4, 1},                                  /* smallest 4-byte */
        {"\xf4\x8f\xbf\xbf", 4, 1},                                  /* U+10FFFF */
        /* overlongs */
        {"\xc0\xaf", 2, 0},
        {"\xc1\xbf", 2, 0},
        {"\xe0\x80\xaf", 3, 0},
        {"\xe0\x9f\xbf", 3, 0},
        {"\xf0\x80\x80\xaf", 4, 0},
        {"\xf0\x8f\xbf\xbf", 4, 0},
        /* surrogates */
        {"\xed\xa0\x80", 3, 0},
        {"\xed\xbf\xbf", 3, 0},
        /* beyond U+10FFFF */
        {"\xf4\x90\x80\x80", 4, 0},
        {"\xf5\x80\x80\x80", 4, 0},
        {"\xff", 1, 0},
        {"\xfe", 1, 0},
        /* lone continuation bytes */
        {"\x80", 1, 0},
        {"a\xbf", 2, 0},
        /* truncated sequences, at the end and before other bytes */
        {"\xd0", 1, 0},
        {"\xe2\x84", 2, 0},
        {"\xf0\x9f\x97", 3, 0},
        {"\xd0 ", 2, 0},
        {"\xe2\x84 ", 3, 0},
        {"\xf0\x9f\x97"
         "a",
         4, 0},
        {"\xd0\xd0\x90", 3, 0},
        /* a NUL is a valid code point here; lines reject it as a control byte */
        {"a\0b", 3, 1},
    };

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (dauys_utf8_valid(cases[i].s, cases[i].n) != cases[i].valid) {
            fail_msg("case %zu: expected %s", i, cases[i].valid ? "valid" : "invalid");
        }
    }
    /* The length is honoured: a sequence cut by N is invalid, even if the
     * bytes after N would complete it. */
    assert_true(dauys_utf8_valid("\xd0\x90", 2));
    assert_false(dauys_utf8_valid("\xd0\x90", 1));
    assert_false(dauys_utf8_valid("\xf0\x9f\x97\xb3", 3));
}

/* dauys_utf8_next: every character a terminal or a bidi renderer obeys is a
 * control, whole; text stays text; a stray byte is one invalid byte. */
static void
test_utf8_next(void **state)
{
    static const struct {
        const char *s;
        size_t n, len;
        dauys_char_kind kind;
    } cases[] = {
        {"a", 1, 1, DAUYS_CHAR_TEXT},
        {"\t", 1, 1, DAUYS_CHAR_CONTROL},
        {"\x1b[31m", 5, 1, DAUYS_CHAR_CONTROL},
        {"\x7f", 1, 1, DAUYS_CHAR_CONTROL},
        {"\xc2\x80", 2, 2, DAUYS_CHAR_CONTROL},     /* U+0080, first C1 */
        {"\xc2\x9b", 2, 2, DAUYS_CHAR_CONTROL},     /* U+009B, CSI */
        {"\xc2\x9f", 2, 2, DAUYS_CHAR_CONTROL},     /* U+009F, last C1 */
        {"\xc2\xa0", 2, 2, DAUYS_CHAR_TEXT},        /* U+00A0, no-break space */
        {"\xd8\x9c", 2, 2, DAUYS_CHAR_CONTROL},     /* U+061C ARABIC LETTER MARK */
        {"\xd8\x9b", 2, 2, DAUYS_CHAR_TEXT},        /* U+061B, a semicolon */
        {"\xe2\x80\x8d", 3, 3, DAUYS_CHAR_TEXT},    /* U+200D, joiner: no reordering */
        {"\xe2\x80\x8e", 3, 3, DAUYS_CHAR_CONTROL}, /* U+200E LRM */
        {"\xe2\x80\x8f", 3, 3, DAUYS_CHAR_CONTROL}, /* U+200F RLM */
        {"\xe2\x80\xa9", 3, 3, DAUYS_CHAR_TEXT},    /* U+2029, paragraph separator */
        {"\xe2\x80\xaa", 3, 3, DAUYS_CHAR_CONTROL}, /* U+202A LRE */
        {"\xe2\x80\xae", 3, 3, DAUYS_CHAR_CONTROL}, /* U+202E RLO */
        {"\xe2\x80\xaf", 3, 3, DAUYS_CHAR_TEXT},    /* U+202F, narrow no-break space */
        {"\xe2\x81\xa5", 3, 3, DAUYS_CHAR_TEXT},    /* U+2065, unassigned */
        {"\xe2\x81\xa6", 3, 3, DAUYS_CHAR_CONTROL}, /* U+2066 LRI */
        {"\xe2\x81\xa9", 3, 3, DAUYS_CHAR_CONTROL}, /* U+2069 PDI */
        {"\xe2\x81\xaa", 3, 3, DAUYS_CHAR_TEXT},    /* U+206A, deprecated, not bidi */
        {"\xd0\x90", 2, 2, DAUYS_CHAR_TEXT},        /* Cyrillic A */
        {"\xf0\x9f\x97\xb3", 4, 4, DAUYS_CHAR_TEXT},
        {"\xe2\x80\xae", 2, 1, DAUYS_CHAR_INVALID}, /* cut short by N */
        {"\xe2\x80", 3, 1, DAUYS_CHAR_INVALID},     /* cut short by a NUL */
        {"\xff", 1, 1, DAUYS_CHAR_INVALID},
        {"\xc0\xae", 2, 1, DAUYS_CHAR_INVALID}, /* overlong '.' */
    };

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = 99;
        dauys_char_kind kind = dauys_utf8_next(cases[i].s, cases[i].n, &len);
        if (kind != cases[i].kind || len != cases[i].len) {
            fail_msg("case %zu: kind %d length %zu, expected %d and %zu", i, (int) kind, len,
                     (int) cases[i].kind, cases[i].len);
        }
    }
}

static void
test_parse_count(void **state)
{
    static const struct {
        const char *s;
        int ok;
        uint64_t value;
    } cases[] = {
        {"0", 1, 0},
        {"1", 1, 1},
        {"1480", 1, 1480},
        {"999999999999", 1, UINT64_C(999999999999)},
        {"1000000000000", 1, UINT64_C(1000000000000)},
        {"", 0, 0},
        {"00", 0, 0},
        {"01", 0, 0},
        {"0001480", 0, 0},
        {"-1", 0, 0},
        {"+1", 0, 0},
        {"-0", 0, 0},
        {"1e3", 0, 0},
        {"0x10", 0, 0},
        {" 1", 0, 0},
        {"1 ", 0, 0},
        {"1,480", 0, 0},
        {"1.0", 0, 0},
        {"\xd9\xa1", 0, 0}, /* ARABIC-INDIC DIGIT ONE */
        {"1000000000001", 0, 0},
        {"9999999999999", 0, 0},        /* 13 digits, over the maximum */
        {"10000000000000", 0, 0},       /* 14 digits */
        {"18446744073709551617", 0, 0}, /* 2^64 + 1: would wrap */
    };
    uint64_t v;

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        v = 4242;
        int rc = dauys_parse_count(&v, cases[i].s, strlen(cases[i].s));
        if (rc != (cases[i].ok ? 0 : -1)) {
            fail_msg("\"%s\": rc %d", cases[i].s, rc);
        }
        if (cases[i].ok ? v != cases[i].value : v != 4242) {
            fail_msg("\"%s\": value %llu", cases[i].s, (unsigned long long) v);
        }
    }
    /* The length is honoured: digits after N are not read. */
    assert_int_equal(dauys_parse_count(&v, "12x", 2), 0);
    assert_int_equal(v, 12);
    assert_int_equal(dauys_parse_count(&v, "1000000000000", 12), 0);
    assert_int_equal(v, UINT64_C(100000000000));
}

static void
test_reads_lines(void **state)
{
    static const char text[] = "format: dauys-protocol 1\n"
                               "title: \xd0\xa0\xd0\xb5\xd1\x84\xd0\xb5\xd1\x80\xd0\xb5\xd0\xbd"
                               "\xd0\xb4\xd1\x83\xd0\xbc: 2026\n"
                               "ballots_received: 1500\n";
    dauys_kv kv;
    dauys_error err;
    uint64_t n;
    char buf[32];

    (void) state;
    dauys_kv_init(&kv, text, strlen(text), "p.txt");
    assert_false(dauys_kv_done(&kv));
    assert_int_equal(dauys_kv_expect(&kv, "format", &err), 0);
    assert_int_equal(kv.line, 1);
    assert_true(dauys_kv_is(&kv, "format"));
    assert_false(dauys_kv_is(&kv, "form"));
    assert_false(dauys_kv_is(&kv, "formats"));
    assert_int_equal(kv.value_len, 16);
    assert_memory_equal(kv.value, "dauys-protocol 1", 16);
    /* A colon inside the value is part of it: the key ends at the first. */
    assert_int_equal(dauys_kv_next(&kv, &err), 0);
    assert_true(dauys_kv_is(&kv, "title"));
    assert_int_equal(dauys_kv_copy(&kv, buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "\xd0\xa0\xd0\xb5\xd1\x84\xd0\xb5\xd1\x80\xd0\xb5\xd0\xbd\xd0\xb4"
                             "\xd1\x83\xd0\xbc: 2026");
    assert_int_equal(kv.value_len, 26);
    assert_int_equal(dauys_kv_copy(&kv, buf, 27, &err), 0);
    assert_int_equal(dauys_kv_copy(&kv, buf, 26, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "p.txt:2: title: longer than 25 bytes");
    assert_int_equal(dauys_kv_expect(&kv, "ballots_received", &err), 0);
    assert_int_equal(dauys_kv_count(&kv, &n, &err), 0);
    assert_int_equal(n, 1500);
    assert_true(dauys_kv_done(&kv));
    /* Past the end: both ways of asking name the line that is missing. */
    assert_int_equal(dauys_kv_next(&kv, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "p.txt:4: the file ends early");
    dauys_kv_init(&kv, text, strlen(text), "p.txt");
    for (int i = 0; i < 3; i++) {
        assert_int_equal(dauys_kv_next(&kv, &err), 0);
    }
    assert_int_equal(dauys_kv_expect(&kv, "ballots_issued", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "p.txt:4: ballots_issued: missing (the file ends early)");
}

/* Reads TEXT (LEN bytes) line by line; asserts the first failure is on a
 * line and matches NEEDLE. */
static void
expect_line_error(const char *text, size_t len, const char *needle)
{
    dauys_kv kv;
    dauys_error err;

    dauys_kv_init(&kv, text, len, "t.txt");
    dauys_error_clear(&err);
    while (!dauys_kv_done(&kv)) {
        if (dauys_kv_next(&kv, &err) != 0) {
            assert_error(&err, DAUYS_E_FORMAT, needle);
            return;
        }
    }
    fail_msg("\"%s\" was accepted; expected \"%s\"", text, needle);
}

static void
test_line_rules(void **state)
{
    static const struct {
        const char *text;
        const char *needle;
    } cases[] = {
        {"a: 1\r\n", "t.txt:1: CR is not allowed: lines end in LF only (byte 0x0d at column 5)"},
        {"a: 1\nb: 2\r\n", "t.txt:2: CR is not allowed"},
        {"a: x\ry\n", "t.txt:1: CR is not allowed: lines end in LF only (byte 0x0d at column 5)"},
        {"a:\t1\n", "t.txt:1: control byte is not allowed (byte 0x09 at column 3)"},
        {"a: 1\tb\n", "t.txt:1: control byte is not allowed (byte 0x09 at column 5)"},
        {"a: \x1b[31m\n", "t.txt:1: control byte is not allowed (byte 0x1b at column 4)"},
        {"a: 1\x7f\n", "t.txt:1: control byte is not allowed (byte 0x7f at column 5)"},
        {"a: \xd0\n", "t.txt:1: not valid UTF-8"},
        {"a: \xc0\xaf\n", "t.txt:1: not valid UTF-8"},
        {"a: \xed\xa0\x80\n", "t.txt:1: not valid UTF-8"},
        {"a:1\n", "t.txt:1: expected \"key: value\""},
        {"a 1\n", "t.txt:1: expected \"key: value\""},
        {"a:\n", "t.txt:1: expected \"key: value\""},
        {": 1\n", "t.txt:1: expected \"key: value\""},
        {"a: 1\n\nb: 2\n", "t.txt:2: expected \"key: value\""},
        {"# comment\n", "t.txt:1: expected \"key: value\""},
        {"a: \n", "t.txt:1: a: value is empty or has spaces around it"},
        {"a:  \n", "t.txt:1: a: value is empty or has spaces around it"},
        {"a: 1 \n", "t.txt:1: a: value is empty or has spaces around it"},
        {"a:  1\n", "t.txt:1: a: value is empty or has spaces around it"},
        {"a: 1\nb: 2", "t.txt:2: the last line has no LF at its end"},
        {"a: 1", "t.txt:1: the last line has no LF at its end"},
    };

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_line_error(cases[i].text, strlen(cases[i].text), cases[i].needle);
    }
    /* NUL bytes: the length, not a terminator, bounds the text. */
    expect_line_error("a: 1\0b\n", 7,
                      "t.txt:1: control byte is not allowed (byte 0x00 at column 5)");
    expect_line_error("\0: 1\n", 5, "t.txt:1: control byte is not allowed (byte 0x00 at column 1)");
}

static void
test_key_mismatch_and_counts(void **state)
{
    static const char text[] = "ballots_issued: 1123\n"
                               "citizens_on_list: 01480\n"
                               "q1_yes: -902\n"
                               "q1_no: 1000000000001\n"
                               "q1_invalid: 1000000000000\n";
    dauys_kv kv;
    dauys_error err;
    uint64_t n = 7;

    (void) state;
    dauys_kv_init(&kv, text, strlen(text), "p.txt");
    assert_int_equal(dauys_kv_expect(&kv, "ballots_received", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT,
                 "p.txt:1: ballots_received: expected here, found \"ballots_issued\"");
    assert_int_equal(dauys_kv_expect(&kv, "citizens_on_list", &err), 0);
    assert_int_equal(dauys_kv_count(&kv, &n, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT,
                 "p.txt:2: citizens_on_list: \"01480\" is not a count (digits only, no sign or "
                 "leading zero, at most 1000000000000)");
    assert_int_equal(n, 7);
    assert_int_equal(dauys_kv_next(&kv, &err), 0);
    assert_int_equal(dauys_kv_count(&kv, &n, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "p.txt:3: q1_yes: \"-902\" is not a count");
    assert_int_equal(dauys_kv_next(&kv, &err), 0);
    assert_int_equal(dauys_kv_count(&kv, &n, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "p.txt:4: q1_no: \"1000000000001\" is not a count");
    assert_int_equal(dauys_kv_next(&kv, &err), 0);
    assert_int_equal(dauys_kv_count(&kv, &n, &err), 0);
    assert_int_equal(n, DAUYS_COUNT_MAX);
    assert_true(dauys_kv_done(&kv));

    /* Keys are compared whole and case-sensitively. */
    dauys_kv_init(&kv, "Format: x\n", 10, "p.txt");
    assert_int_equal(dauys_kv_expect(&kv, "format", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "p.txt:1: format: expected here, found \"Format\"");
    dauys_kv_init(&kv, "format : x\n", 11, "p.txt");
    assert_int_equal(dauys_kv_expect(&kv, "format", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "p.txt:1: format: expected here, found \"format \"");

    /* A failure on a line that was read names its key. */
    dauys_kv_init(&kv, "title: x\n", 9, "m.txt");
    assert_int_equal(dauys_kv_next(&kv, &err), 0);
    assert_int_equal(dauys_kv_fail(&kv, &err, "%d problems", 2), -1);
    assert_error(&err, DAUYS_E_FORMAT, "m.txt:1: title: 2 problems");
    assert_string_equal(err.message, "m.txt:1: title: 2 problems");
}

/* A long key is cut in messages, never overflowing them. */
static void
test_long_key_in_message(void **state)
{
    static char text[2000];
    dauys_kv kv;
    dauys_error err;

    (void) state;
    memset(text, 'k', 1000);
    memcpy(text + 1000, ": v\n", 4);
    dauys_kv_init(&kv, text, 1004, "p.txt");
    assert_int_equal(dauys_kv_expect(&kv, "format", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "p.txt:1: format: expected here, found \"kkkk");
    assert_true(strlen(err.message) < 120);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_valid),          cmocka_unit_test(test_utf8_next),
        cmocka_unit_test(test_parse_count),         cmocka_unit_test(test_reads_lines),
        cmocka_unit_test(test_line_rules),          cmocka_unit_test(test_key_mismatch_and_counts),
        cmocka_unit_test(test_long_key_in_message),
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
