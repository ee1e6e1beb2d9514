/*
 * test_html.c: the HTML report inside the library (tally/html.c, svg.c,
 * html_data.c; core/textout.c's HTML escaping). A 60-precinct demo
 * referendum is signed, ingested with one protocol breaking R4, and
 * tallied; the page is rendered into memory and checked against the tally
 * itself; then loading and rendering run with the k-th allocation failing,
 * for every k. The browser's view of the page is tests/cli/report_cli.sh.
 */
#define _GNU_SOURCE /* open_memstream, memmem */
#include "tests/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "inputs/demo.h"
#include "report/html.h"
#include "ingest/ingest.h"
#include "publish/publish.h"
#include "report/svg.h"
#include "core/textout.h"

#define PRECINCTS 60
#define BROKEN 3 /* the precinct whose protocol breaks R4 */

static const char *dir;
static char *wsdir;
static char broken_id[16];

/* The demo's signed manifest and central key, in DIR. */
static void
write_manifest(const dauys_demo *d, dauys_pubkey *pks)
{
    dauys_seckey *sk = dauys_keys_seckey_new();
    dauys_pubkey central;
    char *text, *copy, pub[200];
    size_t len;
    dauys_error err;

    assert_non_null(sk);
    for (uint32_t i = 0; i < d->count; i++) {
        assert_int_equal(dauys_demo_key(&pks[i], sk, d, i, &err), 0);
    }
    assert_int_equal(dauys_demo_central_key(&central, sk, d, &err), 0);
    assert_int_equal(dauys_demo_manifest(&text, &len, d, pks, &err), 0);
    copy = strndup(text, len);
    support_write_signed(dir, "manifest.txt", copy, sk);
    assert_int_equal(dauys_keys_pubkey_encode(pub, sizeof pub, &central, NULL, &err), 0);
    free(support_write(dir, "central.pub", pub, strlen(pub), 0644));
    free(copy);
    dauys_free(text);
    dauys_keys_seckey_free(sk);
}

/* Every precinct's protocol, signed, in DIR/in; BROKEN's breaks R4. */
static char *
write_protocols(const dauys_demo *d)
{
    dauys_seckey *sk = dauys_keys_seckey_new();
    char *in = support_path(dir, "in"), text[1024], name[64];
    dauys_pubkey pk;
    size_t len;
    dauys_error err;

    assert_int_equal(mkdir(in, 0700), 0);
    for (uint32_t i = 0; i < d->count; i++) {
        dauys_demo_variant v = i == BROKEN ? DAUYS_DEMO_BROKEN_R4 : DAUYS_DEMO_GENUINE;
        assert_int_equal(dauys_demo_protocol(text, sizeof text, &len, d, i, 1, v, &err), 0);
        text[len] = '\0';
        assert_int_equal(dauys_demo_key(&pk, sk, d, i, &err), 0);
        snprintf(name, sizeof name, "%s.txt", d->precinct[i].id);
        support_write_signed(in, name, text, sk);
    }
    dauys_keys_seckey_free(sk);
    return in;
}

static int
setup(void **state)
{
    dauys_pubkey pks[PRECINCTS];
    dauys_demo *d = NULL;
    dauys_workspace *ws = NULL;
    dauys_ingest_summary sum;
    dauys_error err;
    char *in, *m, *c;

    (void) state;
    dir = support_tmpdir();
    assert_int_equal(dauys_demo_plan(&d, PRECINCTS, 5, "kz-constitutional", &err), 0);
    snprintf(broken_id, sizeof broken_id, "%s", d->precinct[BROKEN].id);
    write_manifest(d, pks);
    in = write_protocols(d);
    wsdir = support_path(dir, "ws"), m = support_path(dir, "manifest.txt"),
    c = support_path(dir, "central.pub");
    assert_int_equal(dauys_workspace_init(wsdir, m, c, &err), 0);
    assert_int_equal(dauys_workspace_open(&ws, wsdir, &err), 0);
    assert_int_equal(dauys_ingest(ws, &in, 1, 2, &sum, NULL, &err), 0);
    assert_int_equal(sum.accepted, PRECINCTS - 1);
    assert_int_equal(sum.rejected, 1);
    dauys_workspace_close(ws);
    dauys_demo_free(d);
    free(in), free(m), free(c);
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    free(wsdir);
    support_rmdir(dir);
    return 0;
}

/* --- rendering into memory ------------------------------------------------------------ */

typedef struct rendered {
    dauys_workspace *ws;
    dauys_tally tally;
    dauys_html_page page;
    char *html;
    size_t len;
} rendered;

/* Opens the workspace and tallies it (outside any allocation failure). */
static void
open_tallied(rendered *r)
{
    dauys_error err;

    memset(r, 0, sizeof *r);
    assert_int_equal(dauys_workspace_open(&r->ws, wsdir, &err), 0);
    assert_int_equal(dauys_tally_compute(&r->tally, r->ws, &err), 0);
}

/* Loads the page and renders it into R->html, as published or as a preview. */
static int
render(rendered *r, int published, dauys_error *err)
{
    char *statement = NULL;
    size_t statement_len;
    FILE *fp;
    int logged;

    if (dauys_html_page_load(&r->page, r->ws, &r->tally, err) != 0 ||
        dauys_publish_statement(&statement, &statement_len, &r->page.covered, r->page.covered_root,
                                &logged, r->ws, &r->tally, err) != 0) {
        dauys_free(statement);
        return -1;
    }
    dauys_free(statement);
    r->page.published = published;
    assert_non_null(fp = open_memstream(&r->html, &r->len));
    dauys_html_write(fp, &r->page);
    assert_int_equal(fclose(fp), 0);
    return 0;
}

static void
close_rendered(rendered *r)
{
    dauys_html_page_free(&r->page);
    dauys_tally_free(&r->tally);
    dauys_workspace_close(r->ws);
    free(r->html);
}

/* How many times NEEDLE occurs in HAYSTACK. */
static size_t
occurrences(const char *haystack, const char *needle)
{
    size_t n = 0;
    for (const char *p = haystack; (p = strstr(p, needle)) != NULL; p += strlen(needle)) {
        n++;
    }
    return n;
}

/* Asserts the row of AREA in question q1's table shows N in FIELD, grouped. */
static void
assert_cell(const char *html, const char *area, const char *field, uint64_t n)
{
    const char *table = strstr(html, "<table id=\"areas-q1\">"), *table_end, *start, *end;
    char row[64], cell[128], grouped[32];

    assert_non_null(table);
    table_end = strstr(table, "</table>");
    snprintf(row, sizeof row, "data-area=\"%s\">", area);
    start = memmem(table, (size_t) (table_end - table), row, strlen(row));
    assert_non_null(start);
    end = strstr(start, "</tr>");
    dauys_out_group(grouped, sizeof grouped, n);
    snprintf(cell, sizeof cell, "data-field=\"%s\">%s</td>", field, grouped);
    assert_non_null(memmem(start, (size_t) (end - start), cell, strlen(cell)));
}

static void
test_page_shows_the_tally(void **state)
{
    rendered r;
    dauys_error err;
    const dauys_question_tally *q;

    (void) state;
    open_tallied(&r);
    assert_int_equal(render(&r, 0, &err), 0);
    q = &r.tally.q[0];
    assert_cell(r.html, "national", "eligible", q->nation.counts.eligible);
    assert_cell(r.html, "national", "took-part", q->nation.counts.took_part);
    assert_cell(r.html, "national", "yes", q->nation.counts.yes);
    assert_cell(r.html, "national", "invalid", q->nation.counts.invalid);
    for (size_t i = 0; i < r.tally.manifest->region_count; i++) {
        char area[16];
        snprintf(area, sizeof area, "%.*s", (int) q->region[i].id_len, q->region[i].id);
        assert_cell(r.html, area, "no", q->region[i].counts.no);
        assert_cell(r.html, area, "precincts-reporting", q->region[i].reporting);
    }
    assert_non_null(strstr(r.html, "<strong>PROVISIONAL</strong>"));
    assert_non_null(strstr(r.html, "<strong>A preview:</strong>"));
    assert_null(strstr(r.html, "<script"));
    assert_int_equal(occurrences(r.html, "<svg "), 4);
    close_rendered(&r);
}

static void
test_page_lists_the_refusal(void **state)
{
    rendered r;
    dauys_error err;
    char row[64];

    (void) state;
    open_tallied(&r);
    assert_int_equal(render(&r, 1, &err), 0);
    assert_int_equal(r.page.refusal_total, 1);
    assert_int_equal(r.page.refusal_count, 1);
    assert_string_equal(r.page.refusal[0].precinct, broken_id);
    assert_string_equal(r.page.refusal[0].code, "R4");
    snprintf(row, sizeof row, "</td><td>%s</td>", broken_id);
    assert_non_null(strstr(strstr(r.html, "<table id=\"refusal-table\">"), row));
    assert_non_null(strstr(r.html, "It is the signed result statement"));
    assert_null(strstr(r.html, "A preview"));
    close_rendered(&r);
}

static void
test_bins_hold_every_precinct(void **state)
{
    rendered r;
    dauys_error err;
    uint64_t hist = 0, grid = 0;

    (void) state;
    open_tallied(&r);
    assert_int_equal(render(&r, 0, &err), 0);
    assert_int_equal(r.page.precinct_count[0], PRECINCTS - 1);
    assert_int_equal(r.page.precinct_count[0], r.tally.reporting);
    for (size_t k = 0; k < DAUYS_SVG_HISTOGRAM_BINS; k++) {
        hist += r.page.histogram[0][k];
    }
    for (size_t k = 0; k < (size_t) DAUYS_SVG_GRID * DAUYS_SVG_GRID; k++) {
        grid += r.page.grid[0][k];
    }
    assert_int_equal(hist + r.page.no_list[0], PRECINCTS - 1);
    assert_int_equal(grid + r.page.no_list[0] + r.page.no_base[0], PRECINCTS - 1);
    assert_int_equal(r.page.forensics[0].nation.precincts, PRECINCTS - 1);
    close_rendered(&r);
}

/* Loading and rendering with allocation K + 1 failing (ONCE) or every one from it. */
static void
run_out_of_memory(int once)
{
    long k;

    for (k = 0;; k++) {
        rendered r;
        dauys_error err;
        open_tallied(&r);
        once ? support_alloc_install_once(k) : support_alloc_install(k);
        int rc = render(&r, 1, &err);
        if (rc != 0) {
            assert_int_equal(err.status, DAUYS_E_NOMEM);
        }
        dauys_html_page_free(&r.page);
        assert_int_equal(support_alloc_outstanding(), 0);
        support_alloc_restore();
        close_rendered(&r);
        if (rc == 0) {
            break;
        }
    }
    assert_true(k > 5); /* the page did allocate, and every failure was clean */
}

static void
test_out_of_memory(void **state)
{
    (void) state;
    run_out_of_memory(0);
    run_out_of_memory(1);
}

/* --- escaping and the charts ---------------------------------------------------------- */

/* Runs WRITE into a memory buffer (the caller frees it). */
#define CAPTURE(buf, len, write)                                                                   \
    do {                                                                                           \
        FILE *fp_ = open_memstream(&(buf), &(len));                                                \
        assert_non_null(fp_);                                                                      \
        write;                                                                                     \
        assert_int_equal(fclose(fp_), 0);                                                          \
    } while (0)

static void
test_html_escaping(void **state)
{
    static const char in[] = "<a href='x'>&\"\x01\t\x7f\xc2\x85\xc3\xa9\xff\xe2\x9c";
    static const char want[] = "&lt;a href=&#39;x&#39;&gt;&amp;&quot;\xef\xbf\xbd\t\xef\xbf\xbd"
                               "\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd";
    char *out = NULL;
    size_t len;

    (void) state;
    CAPTURE(out, len, dauys_out_html_text(fp_, in, sizeof in - 1));
    assert_string_equal(out, want);
    free(out);
}

static void
test_svg_bars(void **state)
{
    const dauys_svg_bar bars[] = {
        {.label = "A<b>", .label_len = 4, .part = 51, .whole = 100, .marked = 1},
        {.label = "B", .label_len = 1, .part = 50, .whole = 100, .marked = 0},
        {.label = "all", .label_len = 3, .part = 101, .whole = 200, .marked = 1, .total = 1},
    };
    const dauys_svg_line line = {.num = 1, .den = 2, .label = "half & more"};
    char *out = NULL;
    size_t len;

    (void) state;
    CAPTURE(out, len, {
        dauys_svg_bars_begin(fp_, "t", 3, 1);
        for (size_t i = 0; i < 3; i++) {
            dauys_svg_bars_row(fp_, i, &bars[i], "ok");
        }
        dauys_svg_bars_end(fp_, 3, 1, &line);
    });
    assert_int_equal(occurrences(out, "class=\"bar met\""), 2);
    assert_int_equal(occurrences(out, "class=\"bar unmet\""), 1);
    assert_non_null(strstr(out, ">51.00% ok</text>"));
    assert_non_null(strstr(out, ">50.00%</text>"));
    assert_non_null(strstr(out, ">A&lt;b&gt;</text>"));
    assert_non_null(strstr(out, ">half &amp; more</text>"));
    assert_non_null(strstr(out, "width=\"214.20\"")); /* 51% of the 420-unit plot */
    free(out);
}

static void
test_svg_histogram_and_heatmap(void **state)
{
    uint64_t bins[DAUYS_SVG_HISTOGRAM_BINS] = {0},
             *cells = calloc(DAUYS_SVG_GRID * DAUYS_SVG_GRID, 8);
    char *out = NULL;
    size_t len;

    (void) state;
    bins[0] = 3, bins[500] = 12345, bins[1000] = 1;
    CAPTURE(out, len, dauys_svg_histogram(fp_, "h", bins, "x"));
    assert_int_equal(occurrences(out, "class=\"hist\""), 3);
    assert_non_null(strstr(out, ">12,345</text>")); /* the axis's top, grouped */
    free(out);
    cells[0] = 1, cells[99 * DAUYS_SVG_GRID + 99] = 1000;
    CAPTURE(out, len, dauys_svg_heatmap(fp_, "g", cells, "x", "y"));
    assert_non_null(strstr(out, "x=\"60\" y=\"507\" width=\"5\" height=\"5\"")); /* 0%, 0% */
    assert_non_null(strstr(
        out,
        "x=\"555\" y=\"12\" width=\"5\" height=\"5\" fill=\"#08306b\"")); /* the peak, darkest */
    assert_non_null(strstr(out, ">1,000</text>"));
    free(out);
    free(cells);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_shows_the_tally),
        cmocka_unit_test(test_page_lists_the_refusal),
        cmocka_unit_test(test_bins_hold_every_precinct),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_html_escaping),
        cmocka_unit_test(test_svg_bars),
        cmocka_unit_test(test_svg_histogram_and_heatmap),
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
