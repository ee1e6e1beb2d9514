/*
 * test_logentry.c: log entries written and read back: every field survives
 * the round trip, and a damaged entry is refused with its line.
 */
#include "tests/support.h"

#include <stdlib.h>
#include <string.h>

#include "referendum/logentry.h"

static void
make(char *out, size_t size, size_t *len, int with_precinct, int with_reason)
{
    dauys_log_event e = {.index = 7,
                         .event = with_reason ? "rejected" : "accepted",
                         .referendum = "kz-2026",
                         .precinct = with_precinct ? "AST-0001" : NULL,
                         .version = with_precinct ? 2 : 0,
                         .has_signature = with_precinct,
                         .reason_code = with_reason ? "R4" : NULL,
                         .reason = with_reason ? "q1: yes 1 + no 1 = 2 != 1\nnext\x01\xc2\x9b"
                                                 "2J \xc2\xa0\xd0\x90"
                                                 "\xe2\x80\xae"
                                                 "1,0"
                                               : NULL};
    dauys_error err;

    memset(e.file_sha256, 0xab, 32);
    memset(e.signature_sha256, 0x01, 32);
    memset(e.previous, 0xfe, 32);
    assert_int_equal(dauys_logentry_format(out, size, len, &e, &err), 0);
}

static void
test_roundtrip(void **state)
{
    char text[DAUYS_LOG_ENTRY_MAX];
    dauys_log_parsed p;
    dauys_error err;
    size_t len;
    uint8_t ab[32], fe[32], one[32];

    (void) state;
    memset(ab, 0xab, 32), memset(fe, 0xfe, 32), memset(one, 0x01, 32);
    make(text, sizeof text, &len, 1, 1);
    assert_int_equal(dauys_logentry_parse(&p, text, len, "e", &err), 0);
    assert_int_equal(p.index, 7);
    assert_string_equal(p.event, "rejected");
    assert_string_equal(p.referendum, "kz-2026");
    assert_string_equal(p.precinct, "AST-0001");
    assert_int_equal(p.version, 2);
    assert_memory_equal(p.file_sha256, ab, 32);
    assert_true(p.has_signature);
    assert_memory_equal(p.signature_sha256, one, 32);
    assert_string_equal(p.reason_code, "R4");
    assert_memory_equal(p.previous, fe, 32);
    /* the reason's control bytes were made safe, so the entry is one line per
     * field; a C1 control (U+009B, CSI) and a right-to-left override (U+202E)
     * too, but not other characters */
    assert_non_null(
        strstr(text, "reason: R4 q1: yes 1 + no 1 = 2 != 1?next??2J \xc2\xa0\xd0\x90?1,0\n"));
    make(text, sizeof text, &len, 0, 0);
    assert_int_equal(dauys_logentry_parse(&p, text, len, "e", &err), 0);
    assert_string_equal(p.precinct, "");
    assert_int_equal(p.version, 0);
    assert_false(p.has_signature);
    assert_string_equal(p.reason_code, "");
}

/* Entries are parsed in place from a stream, with no NUL after them: nothing
 * may read past their end (the sanitizer build checks this one). */
static void
test_no_terminator(void **state)
{
    char text[DAUYS_LOG_ENTRY_MAX];
    dauys_log_parsed p;
    dauys_error err;
    size_t len;
    char *exact;

    (void) state;
    make(text, sizeof text, &len, 1, 1);
    exact = malloc(len);
    assert_non_null(exact);
    memcpy(exact, text, len);
    assert_int_equal(dauys_logentry_parse(&p, exact, len, "e", &err), 0);
    assert_string_equal(p.reason_code, "R4");
    free(exact);
}

/* A summary's entry: `summary: LEVEL AREA` where a protocol's has its
 * precinct; a bad level, an area that is not one id, or a precinct line
 * with it are refused at the line. */
static void
test_summary(void **state)
{
    char text[DAUYS_LOG_ENTRY_MAX], bad[DAUYS_LOG_ENTRY_MAX + 64];
    dauys_log_event e = {.index = 3,
                         .event = "accepted",
                         .referendum = "kz-2026",
                         .summary_level = "district",
                         .summary_area = "AST-ESL",
                         .version = 2,
                         .has_signature = 1};
    dauys_log_parsed p;
    dauys_error err;
    size_t len;
    char *at;

    (void) state;
    assert_int_equal(dauys_logentry_format(text, sizeof text, &len, &e, &err), 0);
    assert_non_null(strstr(text, "referendum: kz-2026\nsummary: district AST-ESL\nversion: 2\n"));
    assert_int_equal(dauys_logentry_parse(&p, text, len, "e", &err), 0);
    assert_string_equal(p.precinct, "");
    assert_string_equal(p.summary_level, "district");
    assert_string_equal(p.summary_area, "AST-ESL");
    assert_int_equal(p.version, 2);
    e.summary_level = "region", e.summary_area = "AST", e.version = 0;
    assert_int_equal(dauys_logentry_format(text, sizeof text, &len, &e, &err), 0);
    assert_int_equal(dauys_logentry_parse(&p, text, len, "e", &err), 0);
    assert_string_equal(p.summary_level, "region");
    assert_string_equal(p.summary_area, "AST");
    assert_int_equal(p.version, 0);
    static const char *const broken[][3] = {
        {"summary: region AST", "summary: precinct AST", "e:5: summary: expected"},
        {"summary: region AST", "summary: region", "e:5: summary: expected"},
        {"summary: region AST", "summary: region A B", "e:5: summary: the area is not one id"},
        {"summary: region AST", "summary: regionAST", "e:5: summary: expected"},
        {"summary: region AST", "summary: region AST\nprecinct: AST-0001", "e:6: precinct:"},
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        at = strstr(text, broken[i][0]);
        assert_non_null(at);
        snprintf(bad, sizeof bad, "%.*s%s%s", (int) (at - text), text, broken[i][1],
                 at + strlen(broken[i][0]));
        assert_int_equal(dauys_logentry_parse(&p, bad, strlen(bad), "e", &err), -1);
        assert_error(&err, DAUYS_E_FORMAT, broken[i][2]);
    }
}

static void
test_damage(void **state)
{
    char text[DAUYS_LOG_ENTRY_MAX], bad[DAUYS_LOG_ENTRY_MAX + 16];
    dauys_log_parsed p;
    dauys_error err;
    size_t len;
    char *at;

    (void) state;
    make(text, sizeof text, &len, 1, 0);
    strcpy(bad, text);
    at = strstr(bad, "file-sha256: ") + 13;
    *at = 'A'; /* upper-case hex is not canonical */
    assert_int_equal(dauys_logentry_parse(&p, bad, len, "e", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "e:7: file-sha256: expected file-sha256 with 64 hex digits");
    strcpy(bad, text);
    strcat(bad, "extra: 1\n");
    assert_int_equal(dauys_logentry_parse(&p, bad, strlen(bad), "e", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "e:10: unexpected line after previous");
    assert_int_equal(dauys_logentry_parse(&p, text, len - 1, "e", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "no LF");
    strcpy(bad, text);
    at = strstr(bad, "index: 7");
    at[7] = 'x';
    assert_int_equal(dauys_logentry_parse(&p, bad, len, "e", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "e:2: index:");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_no_terminator),
        cmocka_unit_test(test_damage),
        cmocka_unit_test(test_summary),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
