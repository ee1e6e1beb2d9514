/*
 * test_page.c: audit/page.c, the scanner of the numbers an HTML report marks
 * (docs/FORMATS.md 20.3): what it reports, in which context, on which line;
 * what it refuses, and where.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "page.h"

/* What the callback saw, one "kind question area field=value @line" per item. */
typedef struct seen {
    char text[4096];
    size_t len;
    int stop_after; /* stop the scan after this many items; 0: never */
    int count;
} seen;

static int
record(const audit_page_item *it, void *ctx)
{
    seen *s = ctx;
    static const char kinds[] = {'F', 'R', 'E'};

    s->len += (size_t) snprintf(s->text + s->len, sizeof s->text - s->len, "%c %.*s %.*s %.*s=%.*s @%u\n",
                                kinds[it->kind], (int) it->question.len,
                                it->question.at ? it->question.at : "", (int) it->area.len,
                                it->area.at ? it->area.at : "", (int) it->field.len,
                                it->field.at ? it->field.at : "", (int) it->value.len,
                                it->value.at ? it->value.at : "", it->line);
    return ++s->count == s->stop_after;
}

/* Scans PAGE; asserts it reads (0) and what it reported is WANT. */
static void
assert_scans(const char *page, const char *want)
{
    seen s = {.len = 0};
    dauys_error err;

    if (audit_page_scan(page, strlen(page), "p.html", record, &s, &err) != 0) {
        fail_msg("refused: %s", err.message);
    }
    assert_string_equal(s.text, want);
}

/* Scans PAGE; asserts it is refused with exactly MESSAGE. */
static void
assert_refused(const char *page, const char *message)
{
    seen s = {.len = 0};
    dauys_error err;

    assert_int_equal(audit_page_scan(page, strlen(page), "p.html", record, &s, &err), -1);
    assert_int_equal(err.status, DAUYS_E_FORMAT);
    assert_string_equal(err.message, message);
}

/* The shape dauys writes: banner fields (no question), a decision's fields
 * and rules (its question), a table of areas (question and area, a row end),
 * a caption in the question's section, and a forensics table (its rows are
 * not areas of the result). */
static void
test_contexts(void **state)
{
    (void) state;
    assert_scans("<!DOCTYPE html>\n<p><span data-field=\"log-size\">1,234</span>\n"
                 "<div id=\"decision-q1\"><span class=\"yes\" data-field=\"valid\">VALID</span>\n"
                 "<li data-rule=\"quorum\" data-passed=\"1\"><strong>x</strong></li></div>\n"
                 "<section id=\"question-q2\"><table id=\"areas-q2\"><thead><tr><th>id</th></tr></thead>\n"
                 "<tr data-area=\"AST\"><td data-field=\"yes\">12</td><td data-field=\"majority\">no</td></tr>\n"
                 "</table><p><span data-field=\"regions\">3</span></p>\n"
                 "<table id=\"forensics-q2\"><tr data-area=\"AST\"><td data-field=\"digits\">1</td></tr></table>\n"
                 "</section>",
                 "F   log-size=1,234 @2\n"
                 "F q1  valid=VALID @3\n"
                 "R q1  quorum=1 @4\n"
                 "F q2 AST yes=12 @6\n"
                 "F q2 AST majority=no @6\n"
                 "E q2 AST = @6\n"
                 "F q2  regions=3 @7\n"
                 "F q2  digits=1 @8\n");
}

/* Comments are skipped whatever they hold; lines are counted through them,
 * through attributes and through text. */
static void
test_comments_and_lines(void **state)
{
    (void) state;
    assert_scans("<!-- <span data-field=\"yes\">1</span>\n-->\n<p\n  title=\"a\nb\"><span data-field=\"no\">\n2</span>",
                 "F   no=\n2 @5\n");
    assert_scans("<!---->text<br/><img alt=\"x\" /><span data-field=\"x\"></span>", "F   x= @1\n");
}

/* The callback stops the scan: nothing after it is reported, and it is not an error. */
static void
test_callback_stops(void **state)
{
    const char *page = "<i data-field=\"a\">1</i><i data-field=\"b\">2</i><i data-field=\"c\">3</i>";
    seen s = {.stop_after = 2};
    dauys_error err;

    (void) state;
    assert_int_equal(audit_page_scan(page, strlen(page), "p.html", record, &s, &err), 0);
    assert_int_equal(s.count, 2);
    assert_string_equal(s.text, "F   a=1 @1\nF   b=2 @1\n");
}

/* Pages that are not the shape dauys writes, refused at their line. */
static void
test_refusals(void **state)
{
    char long_value[400];

    (void) state;
    assert_refused("<p>\n<span data-field=\"yes\"", "p.html line 2: a tag is not closed");
    assert_refused("<p>\n\n<table id=areas-q1>", "p.html line 3: an attribute value is not in double quotes");
    assert_refused("<p title=\"x>", "p.html line 1: an attribute value is not closed");
    assert_refused("<p>\n<!-- never closed", "p.html line 2: a comment is not closed");
    assert_refused("a < b", "p.html line 1: a '<' that starts no tag");
    assert_refused("<p <b>", "p.html line 1: a tag is not the shape dauys writes");
    assert_refused("<tr data-area=\"AST\">", "p.html line 1: a row of an area (data-area) outside a table");
    assert_refused("<table id=\"areas-q1\">\n<tr data-area=\"AST\"><tr data-area=\"ALA\">",
                   "p.html line 2: a row of an area (data-area) before the last one was closed");
    assert_refused("<table id=\"areas-q1\"><tr data-area=\"\">", "p.html line 1: an empty data-area");
    assert_refused("<table id=\"areas-q1\"><tr data-area=\"AST\">\n<td>",
                   "p.html line 2: the page ends inside a row of an area");
    snprintf(long_value, sizeof long_value, "<i data-field=\"yes\">%0201d</i>", 7);
    assert_refused(long_value, "p.html line 1: a data-field's text is over 200 bytes");
}

/* NUL bytes and bytes past the length given are data, never ends: the scan
 * stays inside LEN. */
static void
test_length_bounds(void **state)
{
    const char page[] = "<i data-field=\"a\">1\0x</i><i data-field=\"b\">2</i>";
    seen s = {.len = 0};
    dauys_error err;

    (void) state;
    assert_int_equal(audit_page_scan(page, sizeof page - 1, "p.html", record, &s, &err), 0);
    assert_int_equal(s.count, 2);
    memset(&s, 0, sizeof s);
    /* cut inside the second tag: refused, not read past */
    assert_int_equal(audit_page_scan(page, 30, "p.html", record, &s, &err), -1);
    assert_int_equal(s.count, 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contexts),
        cmocka_unit_test(test_comments_and_lines),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_length_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
