/*
 * test_copies.c: observers' copies against a counted set (audit/copies.h):
 * the CSV's columns and map, and every outcome, on a hand-made manifest and
 * protocols.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "audit/copies.h"
#include "tests/support.h"

#define ROWS_MAX 32

typedef struct seen {
    size_t count;
    dauys_copy_row row[ROWS_MAX];
    char precinct[ROWS_MAX][80];
    char field[ROWS_MAX][4][40]; /* the first differing fields' names (they point into the set) */
} seen;

static void
keep(const dauys_copy_row *r, void *ctx)
{
    seen *s = ctx;

    assert_true(s->count < ROWS_MAX);
    s->row[s->count] = *r;
    snprintf(s->precinct[s->count], sizeof s->precinct[0], "%s", r->precinct);
    s->row[s->count].precinct = s->precinct[s->count];
    for (size_t i = 0; i < r->diff_count && i < 4; i++) {
        snprintf(s->field[s->count][i], sizeof s->field[0][0], "%s", r->diff[i].field);
        s->row[s->count].diff[i].field = s->field[s->count][i];
    }
    s->count++;
}

/* Precincts P-0001 to P-0006, one question, single ballot. */
static size_t
manifest(char *text, size_t size)
{
    char key[57];
    size_t off = (size_t) snprintf(text, size,
                                   "format: dauys-manifest 1\n"
                                   "referendum: kz-copies\n"
                                   "title: copies\n"
                                   "date: 2026-03-15\n"
                                   "mode: test\n"
                                   "version: 1\n"
                                   "ballot: single\n"
                                   "question: q1 kz-ordinary Question?\n"
                                   "region: R oblast Region\n"
                                   "district: R-01 R District\n");
    for (int i = 1; i <= 6; i++) {
        support_fake_pubkey(key, (uint32_t) i);
        off += (size_t) snprintf(text + off, size - off, "precinct: P-%04d R-01 1000 %s P%d\n", i,
                                 key, i);
    }
    return off;
}

/* A protocol of precinct I, VERSION, with YES votes (and 900 - YES no). */
static size_t
protocol(char *text, size_t size, int i, unsigned version, unsigned yes)
{
    return (size_t) snprintf(text, size,
                             "format: dauys-protocol 1\n"
                             "referendum: kz-copies\n"
                             "precinct: P-%04d\n"
                             "version: %u\n"
                             "%s"
                             "citizens_on_list: 1000\n"
                             "ballots_received: 1000\n"
                             "ballots_issued: 950\n"
                             "ballots_cancelled: 50\n"
                             "ballots_in_boxes: 950\n"
                             "q1_yes: %u\n"
                             "q1_no: %u\n"
                             "q1_not_counted: 10\n"
                             "q1_invalid: 40\n",
                             i, version, version > 1 ? "reason: recount\n" : "", yes, 900 - yes);
}

static void
add(dauys_copies_set *s, const char *event, int i, unsigned version, unsigned yes)
{
    char text[1024];
    size_t len = protocol(text, sizeof text, i, version, yes);
    dauys_error err;

    assert_int_equal(dauys_copies_set_add(s, event,
                                          strcmp(event, "rejected") == 0 ? "R4 too many" : NULL,
                                          text, len, &err),
                     0);
}

/* P-0001 counts v1 (yes 600); P-0002 v1 (yes 500) then v2 (yes 510) counts;
 * P-0003 rejected; P-0004 nothing; P-0005 accepted then a conflict; P-0006
 * v1 (yes 300) then v2 (yes 310). */
static dauys_copies_set *
make_set(void)
{
    char text[4096];
    size_t len = manifest(text, sizeof text);
    dauys_copies_set *s = NULL;
    dauys_error err;

    if (dauys_copies_set_new(&s, text, len, &err) != 0) {
        fail_msg("%s", err.message);
    }
    add(s, "accepted", 1, 1, 600);
    add(s, "accepted", 2, 1, 500);
    add(s, "rejected", 3, 1, 700);
    add(s, "accepted", 5, 1, 400);
    add(s, "correction", 2, 2, 510);
    add(s, "conflict", 5, 1, 401);
    add(s, "accepted", 6, 1, 300);
    add(s, "correction", 6, 2, 310);
    return s;
}

#define HEADER                                                                                     \
    "precinct,version,citizens_on_list,ballots_received,ballots_issued,ballots_cancelled,"         \
    "ballots_in_boxes,q1_yes,q1_no,q1_not_counted,q1_invalid\n"

static int
compare(seen *out, dauys_copies_summary *sum, const char *csv, const char *map, dauys_error *err)
{
    dauys_copies_set *s = make_set();
    int rc;

    memset(out, 0, sizeof *out);
    rc = dauys_copies_compare(sum, s, csv, strlen(csv), "c.csv", map, map ? strlen(map) : 0,
                              "c.map", keep, out, err);
    dauys_copies_set_free(s);
    return rc;
}

static void
every_outcome(void **state)
{
    seen r;
    dauys_copies_summary sum;
    dauys_error err;
    const char *csv = HEADER "P-0001,1,1000,1000,950,50,950,600,300,10,40\n" /* 2 agrees */
                             "P-0002,,1000,1000,950,50,950,510,390,10,40\n"  /* 3 agrees */
                             "P-0003,1,1000,1000,950,50,950,700,200,10,40\n" /* 4 not counted */
                             "P-0004,1,1000,1000,950,50,950,700,200,10,40\n" /* 5 not counted */
                             "P-0005,1,1000,1000,950,50,950,400,500,10,40\n" /* 6 not counted */
                             "X-1,1,1,1,1,1,1,1,1,1,1\n"                     /* 7 unknown */
                             "P-0001,1,1000,1000,950,50,950,600,300,10,40\n" /* 8 duplicate */
                             "P-0006,,1000,1000,950,50,950,300,600,10,40\n"  /* 9 superseded */
                             "P-0003,1,1000,1000,x,50,950,600,300,10,40\n"   /* 10 malformed */
                             "P-0003,1,1000\n";                              /* 11 malformed */

    (void) state;
    assert_int_equal(compare(&r, &sum, csv, NULL, &err), 0);
    assert_int_equal(sum.rows, 10);
    assert_int_equal(sum.fields, 9);
    assert_int_equal(r.count, 10);
    assert_int_equal(sum.outcome[DAUYS_COPY_AGREES], 2);
    assert_int_equal(sum.outcome[DAUYS_COPY_NOT_COUNTED], 3);
    assert_int_equal(sum.outcome[DAUYS_COPY_UNKNOWN], 1);
    assert_int_equal(sum.outcome[DAUYS_COPY_DUPLICATE], 1);
    assert_int_equal(sum.outcome[DAUYS_COPY_SUPERSEDED], 1);
    assert_int_equal(sum.outcome[DAUYS_COPY_MALFORMED], 2);
    assert_int_equal(r.row[1].counted_version, 2);
    assert_int_equal(r.row[2].outcome, DAUYS_COPY_NOT_COUNTED);
    assert_non_null(strstr(r.row[2].why, "is rejected: R4 too many"));
    assert_non_null(strstr(r.row[3].why, "no protocol of this precinct is in the log"));
    assert_non_null(strstr(r.row[4].why, "is conflict"));
    assert_int_equal(r.row[5].outcome, DAUYS_COPY_UNKNOWN);
    assert_int_equal(r.row[6].outcome, DAUYS_COPY_DUPLICATE);
    assert_int_equal(r.row[6].first_line, 2);
    assert_int_equal(r.row[7].outcome, DAUYS_COPY_SUPERSEDED);
    assert_int_equal(r.row[7].matched_version, 1);
    assert_int_equal(r.row[7].counted_version, 2);
    assert_int_equal(r.row[7].diff_count, 0);
    assert_int_equal(r.row[8].outcome, DAUYS_COPY_MALFORMED);
    assert_string_equal(r.row[8].why,
                        "c.csv:10:5: ballots_issued (column \"ballots_issued\"): \"x\" is not a "
                        "count");
    assert_string_equal(r.row[9].why, "c.csv:11: 3 fields, but the header has 11");
}

static void
differences(void **state)
{
    seen r;
    dauys_copies_summary sum;
    dauys_error err;
    const char *csv = HEADER "P-0001,1,1000,1000,950,50,951,601,300,10,40\n" /* two fields */
                             "P-0002,,1000,1000,950,50,950,500,390,10,40\n"  /* like neither */
                             "P-0002,1,1000,1000,950,50,950,499,400,10,40\n" /* dup */
                             "P-0001,,,,,,,600,,,\n";                        /* dup */
    const char *versions = HEADER "P-0002,1,1000,1000,950,50,950,499,400,10,40\n"
                                  "P-0001,7,1000,1000,950,50,950,600,300,10,40\n"
                                  "P-0005,,,,,,,,,,\n";

    (void) state;
    assert_int_equal(compare(&r, &sum, csv, NULL, &err), 0);
    assert_int_equal(r.row[0].outcome, DAUYS_COPY_DIFFERS);
    assert_int_equal(r.row[0].diff_count, 2);
    assert_string_equal(r.row[0].diff[0].field, "ballots_in_boxes");
    assert_int_equal(r.row[0].diff[0].copy, 951);
    assert_int_equal(r.row[0].diff[0].counted, 950);
    assert_string_equal(r.row[0].diff[1].field, "q1_yes");
    assert_int_equal(r.row[0].diff[1].copy, 601);
    assert_int_equal(r.row[0].diff[1].counted, 600);
    assert_int_equal(r.row[1].outcome, DAUYS_COPY_DIFFERS);
    assert_int_equal(r.row[1].matched_version, 2);
    assert_int_equal(r.row[1].diff_count, 1);
    assert_string_equal(r.row[1].diff[0].field, "q1_yes");

    /* the version column: an earlier version with a difference from it; one never counted */
    assert_int_equal(compare(&r, &sum, versions, NULL, &err), 0);
    assert_int_equal(r.row[0].outcome, DAUYS_COPY_SUPERSEDED);
    assert_int_equal(r.row[0].matched_version, 1);
    assert_int_equal(r.row[0].diff_count, 1);
    assert_int_equal(r.row[0].diff[0].copy, 499);
    assert_int_equal(r.row[0].diff[0].counted, 500);
    assert_int_equal(r.row[1].outcome, DAUYS_COPY_DIFFERS);
    assert_int_equal(r.row[1].diff_count, 0);
    assert_non_null(strstr(r.row[1].why, "version 7 was never counted"));
    assert_int_equal(r.row[2].outcome, DAUYS_COPY_NOT_COUNTED);
}

static void
empty_cells(void **state)
{
    seen r;
    dauys_copies_summary sum;
    dauys_error err;

    (void) state;
    /* empty cells are not compared; columns absent from the header neither */
    assert_int_equal(
        compare(&r, &sum, "precinct,q1_yes,q1_no\nP-0001,600,\nP-0002,,390\n", NULL, &err), 0);
    assert_int_equal(sum.fields, 2);
    assert_int_equal(sum.outcome[DAUYS_COPY_AGREES], 2);
    /* CRLF, a quoted field, a blank line */
    assert_int_equal(compare(&r, &sum, "precinct,q1_yes\r\n\"P-0001\",600\r\n\r\n", NULL, &err), 0);
    assert_int_equal(sum.rows, 1);
    assert_int_equal(sum.outcome[DAUYS_COPY_AGREES], 1);
}

static void
header_errors(void **state)
{
    seen r;
    dauys_copies_summary sum;
    dauys_error err;

    (void) state;
    assert_int_equal(compare(&r, &sum, "uik,q1_yes\n", NULL, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "c.csv:1: no column \"precinct\"");
    assert_int_equal(compare(&r, &sum, "precinct,yes\nP-0001,1\n", NULL, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "c.csv:1: no count column");
    assert_int_equal(compare(&r, &sum, "precinct,q1_yes,q1_yes\n", NULL, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "is in the header twice");
    assert_int_equal(compare(&r, &sum, "", NULL, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "c.csv: empty");
}

static void
broken_csv(void **state)
{
    seen r;
    dauys_copies_summary sum;
    dauys_error err;

    (void) state;
    assert_int_equal(compare(&r, &sum,
                             "precinct,q1_yes\nP-0001,600\nP-0002,\"51\"0\nP-0003,1\n"
                             "P-0001,601\n",
                             NULL, &err),
                     0);
    assert_int_equal(sum.rows, 2);
    assert_int_equal(r.row[1].outcome, DAUYS_COPY_MALFORMED);
    assert_non_null(strstr(r.row[1].why, "stray quote"));
    assert_non_null(strstr(r.row[1].why, "the rest of the file is not read"));
    assert_int_equal(compare(&r, &sum, "precinct,q1_yes\nP 1,600\n", NULL, &err), 0);
    assert_int_equal(r.row[0].outcome, DAUYS_COPY_MALFORMED);
    assert_non_null(strstr(r.row[0].why, "c.csv:2:1: precinct \"P 1\""));
}

static void
maps(void **state)
{
    seen r;
    dauys_copies_summary sum;
    dauys_error err;
    const char *csv = "Номер,Да,Нет (бюллетени),Нет (досрочно)\n1,600,200,100\n2,510,390,0\n";
    const char *map = "format: dauys-copies-map 1\n"
                      "precinct: P-000{Номер}\n"
                      "version: -\n"
                      "q1_no: {Нет (бюллетени)} + {Нет (досрочно)}\n"
                      "q1_yes: {Да}\n"
                      "q1_invalid: -\n";
    static const struct {
        const char *map, *error;
    } bad[] = {
        {"format: dauys-copies-map 2\n", "c.map:1: format: expected \"dauys-copies-map 1\""},
        {"format: dauys-copies-map 1\nversion: -\n",
         "c.map:2: precinct: expected here, found \"version\""},
        {"format: dauys-copies-map 1\nprecinct: {Номер\n", "a \"{\" is never closed"},
        {"format: dauys-copies-map 1\nprecinct: {Nope}\n",
         "c.csv:1: no column \"Nope\" (map c.map)"},
        {"format: dauys-copies-map 1\nprecinct: {Номер}\nversion: -\nq9_yes: {Да}\n",
         "c.map:4: q9_yes: not a count field"},
        {"format: dauys-copies-map 1\nprecinct: {Номер}\nversion: -\nq1_yes: {Да}\nq1_yes: {Да}\n",
         "c.map:5: q1_yes: given twice"},
        {"format: dauys-copies-map 1\nprecinct: {Номер}\nversion: -\nq1_yes: {Да}+{Да}\n",
         "a sum is"},
        {"format: dauys-copies-map 1\nprecinct: {Номер}\nversion: -\n", "no count column"},
    };

    (void) state;
    assert_int_equal(compare(&r, &sum, csv, map, &err), 0);
    assert_int_equal(sum.fields, 2);
    assert_int_equal(sum.outcome[DAUYS_COPY_AGREES], 2);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(compare(&r, &sum, csv, bad[i].map, &err), -1);
        if (strstr(err.message, bad[i].error) == NULL) {
            fail_msg("map %zu: \"%s\" lacks \"%s\"", i, err.message, bad[i].error);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_outcome), cmocka_unit_test(differences),
        cmocka_unit_test(empty_cells),   cmocka_unit_test(header_errors),
        cmocka_unit_test(broken_csv),    cmocka_unit_test(maps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
