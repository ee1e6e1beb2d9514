/*
 * test_csv.c: core/csv.c, the RFC 4180 reader of dauys import-csv: fields,
 * quotes, line ends, a leading byte order mark, the header lookup, and the
 * errors with their record and byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/csv.h"

/* Reads TEXT whole; asserts it reads and that its records, joined as
 * "a|b|c;" per record, are WANT. */
static void
assert_records(const char *text, size_t len, const char *want)
{
    char got[512] = "";
    dauys_csv csv;
    dauys_error err;
    int rc;

    dauys_csv_init(&csv, text, len, "t.csv");
    while ((rc = dauys_csv_next(&csv, &err)) > 0) {
        for (size_t i = 0; i < csv.count; i++) {
            strncat(got, csv.field[i], sizeof got - strlen(got) - 3);
            strcat(got, i + 1 < csv.count ? "|" : ";");
        }
    }
    if (rc < 0) {
        fail_msg("refused: %s", err.message);
    }
    assert_string_equal(got, want);
    dauys_csv_free(&csv);
}

/* Reads TEXT until it is refused; asserts the message is WANT. */
static void
assert_refused(const char *text, size_t len, const char *want)
{
    dauys_csv csv;
    dauys_error err;
    int rc;

    dauys_csv_init(&csv, text, len, "t.csv");
    while ((rc = dauys_csv_next(&csv, &err)) > 0) {
    }
    assert_int_equal(rc, -1);
    assert_string_equal(err.message, want);
    dauys_csv_free(&csv);
}

static void
test_fields_and_quotes(void **state)
{
    const char *t = "a,\"b,c\",\"say \"\"hi\"\"\"\n,\"multi\nline\",\n";

    (void) state;
    assert_records(t, strlen(t), "a|b,c|say \"hi\";|multi\nline|;");
}

/* CRLF, LF and a lone CR all end a record; the last needs none. */
static void
test_line_ends(void **state)
{
    const char *t = "a,b\r\nc,d\ne,f\rg,h";

    (void) state;
    assert_records(t, strlen(t), "a|b;c|d;e|f;g|h;");
}

/* The byte order mark of "CSV UTF-8" is skipped, so the first column keeps its
 * name; one anywhere else is data. */
static void
test_byte_order_mark(void **state)
{
    const char *t = "\xef\xbb\xbf"
                    "cod,name\n1,\xef\xbb\xbfx\n";
    dauys_csv csv;
    dauys_error err;

    (void) state;
    assert_records(t, strlen(t), "cod|name;1|\xef\xbb\xbfx;");
    dauys_csv_init(&csv, t, strlen(t), "t.csv");
    assert_int_equal(dauys_csv_next(&csv, &err), 1);
    assert_int_equal(dauys_csv_column(&csv, "cod"), 0);
    assert_int_equal(dauys_csv_column(&csv, "name"), 1);
    assert_int_equal(dauys_csv_column(&csv, "Cod"), -1);
    assert_int_equal(csv.line, 1);
    dauys_csv_free(&csv);
    assert_records("\xef\xbb\xbf", 3, "");
}

/* Refusals name the record and the byte within it. */
static void
test_refusals(void **state)
{
    const char nul[] = "a,b\nc,d\0e\n";

    (void) state;
    assert_refused("a,b\nc,\"d", 8, "t.csv:2:5: quoted field never closed");
    assert_refused("a,b\nc,d\"e\n", 10, "t.csv:2:4: stray quote");
    assert_refused("a,\"b\"c\n", 7, "t.csv:1:6: stray quote");
    assert_refused(nul, sizeof nul - 1, "t.csv:2:4: NUL byte");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_and_quotes),
        cmocka_unit_test(test_line_ends),
        cmocka_unit_test(test_byte_order_mark),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
