/*
 * test_page.c: audit/page.c, the scanner of the numbers an HTML report marks
 * (docs/FORMATS.md 19.7, 20.3): what it reports, in which context, on which
 * line; what it refuses (everything dauys does not write and an HTML parser
 * would read otherwise), and where.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "audit/page.h"

/* What the callback saw, one "kind context question area field=value @line" per item. */
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
    static const char kinds[] = {'F', 'R', 'E'}, contexts[] = {'B', 'D', 'S', 'A', 'O'};

    assert_non_null(it->question.at);
    assert_non_null(it->area.at);
    assert_non_null(it->field.at);
    assert_non_null(it->value.at);
    s->len += (size_t) snprintf(s->text + s->len, sizeof s->text - s->len,
                                "%c%c %.*s %.*s %.*s=%.*s @%u\n", kinds[it->kind],
                                contexts[it->context], (int) it->question.len, it->question.at,
                                (int) it->area.len, it->area.at, (int) it->field.len, it->field.at,
                                (int) it->value.len, it->value.at, it->line);
    return ++s->count == s->stop_after;
}

/* Scans PAGE; asserts it reads (0) and what it reported is WANT. */
static void
assert_scans(const char *page, const char *want)
{
    seen s = {.len = 0};
    unsigned line = 0;
    dauys_error err;

    if (dauys_audit_page_scan(page, strlen(page), record, &s, &line, &err) != 0) {
        fail_msg("refused at line %u: %s", line, err.message);
    }
    assert_string_equal(s.text, want);
}

/* Scans PAGE; asserts it is refused at LINE with exactly MESSAGE. */
static void
assert_refused(const char *page, unsigned line, const char *message)
{
    seen s = {.len = 0};
    unsigned at = 0;
    dauys_error err;

    if (dauys_audit_page_scan(page, strlen(page), record, &s, &at, &err) != -1) {
        fail_msg("not refused (wanted line %u: %s): %s", line, message, page);
    }
    assert_int_equal(err.status, DAUYS_E_FORMAT);
    assert_string_equal(err.message, message);
    assert_int_equal(at, line);
}

/* The shape dauys writes: banner fields, a decision's fields and rules, a
 * table of areas (question and area, a row end), a caption in the question's
 * section, and a forensics table (another table: its rows are not areas). */
static void
test_contexts(void **state)
{
    (void) state;
    assert_scans(
        "<!DOCTYPE html>\n<section class=\"banner\" id=\"banner\">"
        "<p><span data-field=\"log-size\">1,234</span>\n"
        "<div id=\"decision-q1\"><p><span class=\"yes\" data-field=\"valid\">VALID</span></p>\n"
        "<ul><li data-rule=\"quorum\" data-passed=\"1\"><strong>x</strong></li></ul></div>\n"
        "<p><code data-field=\"log-root\">ab=</code></p></section>\n"
        "<section id=\"question-q2\"><div class=\"wide\"><table "
        "id=\"areas-q2\"><thead><tr><th>id</th></tr></thead>\n"
        "<tr data-area=\"AST\"><td data-field=\"yes\">12</td><td "
        "data-field=\"majority\">no</td></tr>\n"
        "</table></div><p><span data-field=\"regions\">3</span></p>\n"
        "<table id=\"forensics-q2\"><tr data-area=\"AST\"><td "
        "data-field=\"digits\">1</td></tr></table>\n"
        "<svg viewBox=\"0 0 1 1\"><rect x=\"0\"/></svg></section>",
        "FB   log-size=1,234 @2\n"
        "FD q1  valid=VALID @3\n"
        "RD q1  quorum=1 @4\n"
        "FB   log-root=ab= @5\n"
        "FA q2 AST yes=12 @7\n"
        "FA q2 AST majority=no @7\n"
        "EA q2 AST = @7\n"
        "FS q2  regions=3 @8\n"
        "FO q2  digits=1 @9\n");
}

/* A decision ends with its own </div>, not an inner one's; lines are counted
 * through attributes and text. */
static void
test_depth_and_lines(void **state)
{
    (void) state;
    assert_scans(
        "<div id=\"decision-q1\"><div></div>\n<span data-field=\"adopted\">ADOPTED</span></div>"
        "<span data-field=\"x\">1</span>",
        "FD q1  adopted=ADOPTED @2\nFB   x=1 @2\n");
    assert_scans("<p\n  title=\"a\nb\"><span data-field=\"no\">\n2</span>", "FB   no=\n2 @3\n");
    assert_scans("<br/><img alt=\"x\" /><span data-field=\"x\"></span>", "FB   x= @1\n");
}

/* The callback stops the scan: nothing after it is reported, and it is not an error. */
static void
test_callback_stops(void **state)
{
    const char *page =
        "<i data-field=\"a\">1</i><i data-field=\"b\">2</i><i data-field=\"c\">3</i>";
    seen s = {.stop_after = 2};
    unsigned line = 0;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_audit_page_scan(page, strlen(page), record, &s, &line, &err), 0);
    assert_int_equal(s.count, 2);
    assert_string_equal(s.text, "FB   a=1 @1\nFB   b=2 @1\n");
}

/* What an HTML parser would read otherwise than the scanner: refused, at the tag's line. */
static void
test_refused_ambiguities(void **state)
{
    (void) state;
    assert_refused("<p>\n<td data-field=\"yes\">3,833<!---->9</td>", 2,
                   "a data-field's text is not closed by its own end tag");
    assert_refused("<td data-field=\"yes\">3,833<b>9</b></td>", 1,
                   "a data-field's text is not closed by its own end tag");
    assert_refused("<td data-field=\"yes\">3,833</span>", 1,
                   "a data-field's text is not closed by its own end tag");
    assert_refused("<td data-field=\"yes\">3,833", 1,
                   "a data-field's text is not closed by its own end tag");
    assert_refused("<p>\n<!-- x -->", 2, "a comment or declaration (dauys writes none)");
    assert_refused("<!-->", 1, "a comment or declaration (dauys writes none)");
    assert_refused("<td data-field=\"yes\" data-field=\"no\">1</td>", 1,
                   "an attribute given twice");
    assert_refused("<td DATA-FIELD=\"yes\">1</td>", 1, "an attribute name in upper case");
    assert_refused("<TR data-area=\"AST\">", 1, "a tag name in upper case");
    assert_refused("<td data-field=\"y&#101;s\">1</td>", 1,
                   "a marking attribute's value over 200 bytes or with '&'");
    assert_refused("<li data-rule=\"quorum\" data-passed=\"1\" data-field=\"yes\">1</li>", 1,
                   "both a data-field and a data-rule on one element");
    assert_refused("<i data-field=\"\">1</i>", 1, "an empty data-field or data-rule");
}

/* Tables and rows out of their shape. */
static void
test_refused_structure(void **state)
{
    (void) state;
    assert_refused("<tr data-area=\"AST\">", 1, "a row of an area (data-area) outside a table");
    assert_refused("<table id=\"areas-q1\">\n<tr data-area=\"AST\"><tr data-area=\"ALA\">", 2,
                   "a row of an area (data-area) before the last one was closed");
    assert_refused("<table id=\"areas-q1\"><tr data-area=\"\">", 1, "an empty data-area");
    assert_refused("<table id=\"areas-q1\">\n<tr data-area=\"AST\">\n<td>", 2,
                   "the page ends inside a row of an area");
    assert_refused("<table id=\"areas-q1\">\n<tr data-area=\"AST\">\n</table>", 2,
                   "a row of an area not closed before its table ends");
    assert_refused("<table id=\"areas-q1\">\n<tr data-area=\"AST\"></tr><table>", 2,
                   "a table inside a table");
    assert_refused("<table id=\"areas-q1\"><tr><td data-field=\"yes\">9</td></tr>", 1,
                   "a data-field in a table of areas outside an area's row");
    assert_refused("<div id=\"decision-q1\"><div id=\"decision-q2\">", 1,
                   "a decision inside a decision");
}

/* Tags and attributes that are not the shape dauys writes. */
static void
test_refused_syntax(void **state)
{
    char long_value[400];

    (void) state;
    assert_refused("<p>\n<span data-field=\"yes\"", 2, "a tag is not closed");
    assert_refused("<p>\n\n<table id=areas-q1>", 3, "an attribute value is not in double quotes");
    assert_refused("<p title=\"x>", 1, "an attribute value is not closed");
    assert_refused("a < b", 1, "a '<' that starts no tag");
    assert_refused("<p <b>", 1, "a tag is not the shape dauys writes");
    snprintf(long_value, sizeof long_value, "<i data-field=\"yes\">%0201d</i>", 7);
    assert_refused(long_value, 1, "a data-field's text is over 200 bytes");
    snprintf(long_value, sizeof long_value, "<li data-rule=\"quorum\" data-passed=\"%0201d\">", 7);
    assert_refused(long_value, 1, "a marking attribute's value over 200 bytes or with '&'");
}

/* NUL bytes and bytes past the length given are data, never ends: the scan
 * stays inside LEN. */
/* What HTML itself hides, without a style: the hidden attribute (a browser
 * shows the text beside the mark, not the mark), an element whose content is
 * not shown as text, a tag inside a title, style sheet or description. */
static void
test_refused_hiding(void **state)
{
    (void) state;
    assert_refused("<p>\n<span hidden data-field=\"yes\">26,789</span>6,530</p>", 2,
                   "the hidden attribute (dauys writes none; a browser does not show the element)");
    assert_refused("<td><span data-field=\"yes\" hidden=\"\">26,789</span></td>", 1,
                   "the hidden attribute (dauys writes none; a browser does not show the element)");
    assert_refused("<div hidden>\n<span data-field=\"yes\">26,789</span></div>", 1,
                   "the hidden attribute (dauys writes none; a browser does not show the element)");
    for (const char *const *name = (const char *const[]){"template", "script", "noscript",
                                                         "textarea", "details", "dialog", NULL};
         *name != NULL; name++) {
        char page[128];
        snprintf(page, sizeof page, "<p>\n<%s><span data-field=\"yes\">26,789</span></%s>6,530",
                 *name, *name);
        assert_refused(page, 2,
                       "an element whose content a browser does not show as text "
                       "(dauys writes none)");
    }
    assert_refused("<title><span data-field=\"yes\">26,789</span></title>", 1,
                   "a tag inside a <title>, <style> or <desc> (a browser shows none of it)");
    assert_refused("<style>\n</style><svg><desc><i data-field=\"a\">1</i></desc></svg>", 2,
                   "a tag inside a <title>, <style> or <desc> (a browser shows none of it)");
    /* What dauys writes still reads: text alone in them, and "hidden" as a value. */
    assert_scans("<title>Result</title><style>\nb { x: 1 }\n</style><svg><desc>d</desc></svg>\n"
                 "<span class=\"hidden\" data-field=\"a\">1</span>",
                 "FB   a=1 @4\n");
}

static void
test_length_bounds(void **state)
{
    const char page[] = "<i data-field=\"a\">1\0x</i><i data-field=\"b\">2</i>";
    seen s = {.len = 0};
    unsigned line = 0;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_audit_page_scan(page, sizeof page - 1, record, &s, &line, &err), 0);
    assert_int_equal(s.count, 2);
    memset(&s, 0, sizeof s);
    /* cut inside the second tag: refused, not read past */
    assert_int_equal(dauys_audit_page_scan(page, 30, record, &s, &line, &err), -1);
    assert_int_equal(s.count, 1);
    /* cut inside the first value's end tag */
    memset(&s, 0, sizeof s);
    assert_int_equal(dauys_audit_page_scan(page, 23, record, &s, &line, &err), -1);
    assert_int_equal(s.count, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contexts),          cmocka_unit_test(test_depth_and_lines),
        cmocka_unit_test(test_callback_stops),    cmocka_unit_test(test_refused_ambiguities),
        cmocka_unit_test(test_refused_structure), cmocka_unit_test(test_refused_syntax),
        cmocka_unit_test(test_refused_hiding),    cmocka_unit_test(test_length_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
