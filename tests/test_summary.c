/*
 * test_summary.c: district and region summary protocols: valid ones at both
 * levels and in both ballot modes, an exact "NAME:LINE: key: problem" for
 * each kind of damage, the areas and items checked against the roster, the
 * commission's key found, out-of-memory failures, and the example of
 * docs/FORMATS.md section 9A parsed by the real parser.
 */
#include "tests/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/file.h"
#include "keys/keys.h"
#include "referendum/manifest.h"
#include "referendum/protocol.h"
#include "referendum/summary.h"

/* District KZ-10-01 of kz-2026-03 sums its precincts P-0001 and P-0002. */
static const char district_text[] = "format: dauys-summary 1\n" /* 1 */
                                    "referendum: kz-2026-03\n"
                                    "level: district\n"
                                    "area: KZ-10-01\n"
                                    "version: 1\n" /* 5 */
                                    "sums: P-0001 1\n"
                                    "sums: P-0002 3\n"
                                    "citizens_on_list: 1565\n"
                                    "ballots_received: 1600\n"
                                    "ballots_issued: 1200\n" /* 10 */
                                    "ballots_cancelled: 400\n"
                                    "ballots_in_boxes: 1190\n"
                                    "q1_yes: 950\n"
                                    "q1_no: 200\n"
                                    "q1_not_counted: 10\n" /* 15 */
                                    "q1_invalid: 30\n"
                                    "q2_yes: 700\n"
                                    "q2_no: 450\n"
                                    "q2_not_counted: 12\n"
                                    "q2_invalid: 28\n"; /* 20 */

/* Region KZ-10 sums its districts KZ-10-01 and KZ-10-02. */
static const char region_text[] = "format: dauys-summary 1\n"
                                  "referendum: kz-2026-03\n"
                                  "level: region\n"
                                  "area: KZ-10\n"
                                  "version: 2\n" /* 5 */
                                  "reason: the district KZ-10-02 sent its summary again\n"
                                  "sums: KZ-10-01 1\n"
                                  "sums: KZ-10-02 2\n"
                                  "citizens_on_list: 2000\n"
                                  "ballots_received: 2100\n" /* 10 */
                                  "ballots_issued: 1500\n"
                                  "ballots_cancelled: 600\n"
                                  "ballots_in_boxes: 1490\n"
                                  "q1_yes: 1000\n"
                                  "q1_no: 400\n" /* 15 */
                                  "q1_not_counted: 40\n"
                                  "q1_invalid: 50\n"
                                  "q2_yes: 800\n"
                                  "q2_no: 600\n"
                                  "q2_not_counted: 40\n" /* 20 */
                                  "q2_invalid: 50\n";

static const char separate_text[] = "format: dauys-summary 1\n"
                                    "referendum: kz-2026-03\n"
                                    "level: district\n"
                                    "area: KZ-10-02\n"
                                    "version: 1\n"
                                    "sums: P-0003 1\n"
                                    "citizens_on_list: 815\n"
                                    "q1_ballots_received: 820\n"
                                    "q1_ballots_issued: 431\n"
                                    "q1_ballots_cancelled: 389\n" /* 10 */
                                    "q1_ballots_in_boxes: 431\n"
                                    "q1_yes: 211\n"
                                    "q1_no: 205\n"
                                    "q1_not_counted: 0\n"
                                    "q1_invalid: 15\n" /* 15 */
                                    "q2_ballots_received: 820\n"
                                    "q2_ballots_issued: 402\n"
                                    "q2_ballots_cancelled: 418\n"
                                    "q2_ballots_in_boxes: 399\n"
                                    "q2_yes: 300\n" /* 20 */
                                    "q2_no: 90\n"
                                    "q2_not_counted: 1\n"
                                    "q2_invalid: 8\n";

typedef struct fixture {
    dauys_manifest single, separate;
    char commission_b64[2][57]; /* KZ-10-01, KZ-10 */
} fixture;

static fixture fx;

/*
 * Regions KZ-10 (districts KZ-10-01: P-0001, P-0002; KZ-10-02: P-0003) and
 * KZ-75 (KZ-75-01: P-0004); commissions for KZ-10-01 and KZ-10 only.
 */
static int
make_manifest(dauys_manifest *m, const char *ballot)
{
    char text[4096], k[4][57];
    size_t off;
    dauys_error err;

    for (uint32_t i = 0; i < 4; i++) {
        support_fake_pubkey(k[i], 100 + i);
    }
    off = (size_t) snprintf(text, sizeof text,
                            "format: dauys-manifest 1\n"
                            "referendum: kz-2026-03\n"
                            "title: Республикалық референдум 2026\n"
                            "date: 2026-03-15\n"
                            "mode: test\n"
                            "version: 1\n"
                            "ballot: %s\n"
                            "question: q1 kz-ordinary Бірінші сұрақ?\n"
                            "question: q2 kz-ordinary Екінші сұрақ?\n"
                            "region: KZ-10 oblast Абай облысы\n"
                            "region: KZ-75 city Алматы қаласы\n"
                            "district: KZ-10-01 KZ-10 Семей қаласы\n"
                            "district: KZ-10-02 KZ-10 Аягөз ауданы\n"
                            "district: KZ-75-01 KZ-75 Алмалы ауданы\n"
                            "commission: district KZ-10-01 %s\n"
                            "commission: region KZ-10 %s\n"
                            "precinct: P-0001 KZ-10-01 1480 %s Бір\n"
                            "precinct: P-0002 KZ-10-01 85 %s Екі\n"
                            "precinct: P-0003 KZ-10-02 800 %s Үш\n"
                            "precinct: P-0004 KZ-75-01 900 %s Төрт\n",
                            ballot, fx.commission_b64[0], fx.commission_b64[1], k[0], k[1], k[2],
                            k[3]);
    if (dauys_manifest_parse(m, text, off, "m.txt", &err) != 0) {
        print_error("%s\n", err.message);
        return -1;
    }
    return 0;
}

static int
setup(void **state)
{
    (void) state;
    support_fake_pubkey(fx.commission_b64[0], 1);
    support_fake_pubkey(fx.commission_b64[1], 2);
    return make_manifest(&fx.single, "single") != 0 || make_manifest(&fx.separate, "separate") != 0
               ? -1
               : 0;
}

static int
teardown(void **state)
{
    (void) state;
    dauys_manifest_free(&fx.single);
    dauys_manifest_free(&fx.separate);
    return 0;
}

/* A malloc'ed copy of BASE with its first FIND replaced by REPL. */
static char *
replaced(const char *base, const char *find, const char *repl)
{
    const char *at = strstr(base, find);
    size_t head;
    char *out;

    if (at == NULL) {
        fail_msg("\"%s\" is not in the summary", find);
    }
    head = (size_t) (at - base);
    out = malloc(strlen(base) - strlen(find) + strlen(repl) + 1);
    assert_non_null(out);
    memcpy(out, base, head);
    strcpy(out + head, repl);
    strcat(out, at + strlen(find));
    return out;
}

/* Parses TEXT under M; asserts it fails with ST and a message containing NEEDLE. */
static void
expect_reject_in(const char *text, size_t len, const dauys_manifest *m, dauys_status st,
                 const char *needle)
{
    dauys_summary s;
    dauys_error err;

    dauys_error_clear(&err);
    if (dauys_summary_parse(&s, text, len, "s.txt", m, &err) == 0) {
        dauys_summary_free(&s);
        fail_msg("accepted; expected \"%s\"", needle);
    }
    assert_error(&err, st, needle);
    assert_null(s.item); /* nothing left to free */
    dauys_summary_free(&s);
}

/* BASE with FIND replaced by REPL must fail under M with NEEDLE. */
static void
reject_variant_in(const char *base, const dauys_manifest *m, const char *find, const char *repl,
                  const char *needle)
{
    char *text = replaced(base, find, repl);
    expect_reject_in(text, strlen(text), m, DAUYS_E_FORMAT, needle);
    free(text);
}

static void
reject_variant(const char *find, const char *repl, const char *needle)
{
    reject_variant_in(district_text, &fx.single, find, repl, needle);
}

static void
parse_ok(dauys_summary *s, const char *text, const dauys_manifest *m)
{
    dauys_error err;

    if (dauys_summary_parse(s, text, strlen(text), "s.txt", m, &err) != 0) {
        fail_msg("rejected: %s", err.message);
    }
}

static void
test_district(void **state)
{
    dauys_summary s;
    dauys_findings f;
    const dauys_pubkey *key;

    (void) state;
    assert_true(dauys_summary_is(district_text, strlen(district_text)));
    parse_ok(&s, district_text, &fx.single);
    assert_string_equal(s.referendum, "kz-2026-03");
    assert_int_equal(s.level, DAUYS_LEVEL_DISTRICT);
    assert_string_equal(s.area, "KZ-10-01");
    assert_int_equal(s.version, 1);
    assert_string_equal(s.reason, "");
    assert_int_equal(s.item_count, 2);
    assert_string_equal(s.item[0].id, "P-0001");
    assert_int_equal(s.item[0].version, 1);
    assert_string_equal(s.item[1].id, "P-0002");
    assert_int_equal(s.item[1].version, 3);
    assert_int_equal(s.on_list, 1565);
    assert_int_equal(s.ballots.received, 1600);
    assert_int_equal(s.ballots.issued, 1200);
    assert_int_equal(s.ballots.cancelled, 400);
    assert_int_equal(s.ballots.in_boxes, 1190);
    assert_int_equal(s.question_count, 2);
    assert_int_equal(s.answer[0].yes, 950);
    assert_int_equal(s.answer[0].invalid, 30);
    assert_int_equal(s.answer[1].no, 450);
    assert_int_equal(s.answer[1].not_counted, 12);
    /* single ballot: each answer carries the summary's ballots */
    assert_int_equal(s.answer[1].ballots.in_boxes, 1190);
    dauys_summary_check(&f, &s, &fx.single);
    assert_int_equal(f.errors, 0);
    /* its key: the district commission's */
    key = dauys_summary_key(&fx.single, s.level, s.area);
    assert_non_null(key);
    assert_ptr_equal(key, &fx.single.district[0].commission);
    dauys_summary_free(&s);
    assert_null(s.item);
    dauys_summary_free(&s); /* twice: harmless */
}

static void
test_region(void **state)
{
    dauys_summary s;
    dauys_findings f;

    (void) state;
    parse_ok(&s, region_text, &fx.single);
    assert_int_equal(s.level, DAUYS_LEVEL_REGION);
    assert_string_equal(s.area, "KZ-10");
    assert_int_equal(s.version, 2);
    assert_string_equal(s.reason, "the district KZ-10-02 sent its summary again");
    assert_int_equal(s.item_count, 2);
    assert_string_equal(s.item[0].id, "KZ-10-01");
    assert_string_equal(s.item[1].id, "KZ-10-02");
    assert_int_equal(s.item[1].version, 2);
    assert_int_equal(s.answer[0].yes, 1000);
    assert_int_equal(s.answer[1].invalid, 50);
    dauys_summary_check(&f, &s, &fx.single);
    assert_int_equal(f.errors, 0);
    assert_ptr_equal(dauys_summary_key(&fx.single, s.level, s.area),
                     &fx.single.region[0].commission);
    dauys_summary_free(&s);
}

static void
test_separate(void **state)
{
    dauys_summary s;
    dauys_findings f;
    char *text;

    (void) state;
    parse_ok(&s, separate_text, &fx.separate);
    assert_int_equal(s.item_count, 1);
    assert_string_equal(s.item[0].id, "P-0003");
    assert_int_equal(s.answer[0].ballots.received, 820);
    assert_int_equal(s.answer[0].ballots.cancelled, 389);
    assert_int_equal(s.answer[1].ballots.issued, 402);
    assert_int_equal(s.answer[1].ballots.in_boxes, 399);
    assert_int_equal(s.answer[1].yes, 300);
    dauys_summary_check(&f, &s, &fx.separate);
    assert_int_equal(f.errors, 0);
    /* KZ-10-02 has no commission: no key */
    assert_null(dauys_summary_key(&fx.separate, s.level, s.area));
    dauys_summary_free(&s);
    /* the other ballot mode's lines are refused */
    expect_reject_in(separate_text, strlen(separate_text), &fx.single, DAUYS_E_FORMAT,
                     "s.txt:8: ballots_received: expected here, found \"q1_ballots_received\"");
    expect_reject_in(district_text, strlen(district_text), &fx.separate, DAUYS_E_FORMAT,
                     "s.txt:9: q1_ballots_received: expected here, found \"ballots_received\"");
    /* a separate-ballot relation broken: R2 for q2 */
    text = replaced(separate_text, "q2_ballots_in_boxes: 399\n", "q2_ballots_in_boxes: 403\n");
    parse_ok(&s, text, &fx.separate);
    dauys_summary_check(&f, &s, &fx.separate);
    assert_true(f.errors >= 1);
    assert_string_equal(f.item[0].code, "R2");
    assert_non_null(strstr(f.item[0].message, "q2: "));
    dauys_summary_free(&s);
    free(text);
}

/* The header alone: enough to find the key, whatever follows. */
static void
test_header(void **state)
{
    static const char broken[] = "format: dauys-summary 1\n"
                                 "referendum: kz-2026-03\n"
                                 "level: region\n"
                                 "area: KZ-99\n"
                                 "version: 7\n"
                                 "sums: not a line\n";
    dauys_summary s;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_summary_parse_header(&s, broken, strlen(broken), "s.txt", &err), 0);
    assert_int_equal(s.level, DAUYS_LEVEL_REGION);
    assert_string_equal(s.area, "KZ-99");
    assert_int_equal(s.version, 7);
    assert_null(s.item);
    assert_int_equal(s.item_count, 0);
    assert_null(dauys_summary_key(&fx.single, s.level, s.area));               /* no such region */
    assert_null(dauys_summary_key(&fx.single, DAUYS_LEVEL_DISTRICT, "KZ-10")); /* wrong level */
    assert_null(dauys_summary_key(&fx.single, DAUYS_LEVEL_REGION, "KZ-75"));   /* none */
    assert_non_null(dauys_summary_key(&fx.single, DAUYS_LEVEL_REGION, "KZ-10"));
    assert_int_equal(dauys_summary_parse_header(&s, district_text, 30, "s.txt", &err),
                     -1); /* cut */
    assert_error(&err, DAUYS_E_FORMAT, "s.txt:2:");
    /* a protocol is not a summary */
    assert_false(dauys_summary_is("format: dauys-protocol 1\n", 25));
    assert_false(dauys_summary_is("format: dauys-summary 1", 23));
    assert_false(dauys_summary_is("format: dauys-summary 10\n", 25));
    assert_true(dauys_summary_is("format: dauys-summary 1\n", 24));
}

static void
test_rejects(void **state)
{
    static const struct {
        const char *find, *repl, *needle;
    } cases[] = {
        /* header */
        {"format: dauys-summary 1\n", "format: dauys-protocol 1\n",
         "s.txt:1: format: expected \"dauys-summary 1\""},
        {"format: dauys-summary 1\n", "format: dauys-summary 2\n",
         "s.txt:1: format: expected \"dauys-summary 1\""},
        {"format: dauys-summary 1\n", "", "s.txt:1: format: expected here, found \"referendum\""},
        {"referendum: kz-2026-03\n", "referendum: kz 2026\n", "s.txt:2: referendum: "},
        {"referendum: kz-2026-03\n", "", "s.txt:2: referendum: expected here, found \"level\""},
        {"level: district\n", "level: precinct\n",
         "s.txt:3: level: \"precinct\" is not district or region"},
        {"level: district\n", "level: District\n",
         "s.txt:3: level: \"District\" is not district or region"},
        {"level: district\n", "", "s.txt:3: level: expected here, found \"area\""},
        {"area: KZ-10-01\n", "area: KZ/10\n", "s.txt:4: area: "},
        {"area: KZ-10-01\n", "area: KZ-10-09\n",
         "s.txt:4: area: no district \"KZ-10-09\" in the manifest"},
        /* wrong level: a region's id as a district */
        {"area: KZ-10-01\n", "area: KZ-10\n",
         "s.txt:4: area: no district \"KZ-10\" in the manifest"},
        {"level: district\narea: KZ-10-01\n", "level: region\narea: KZ-10-01\n",
         "s.txt:4: area: no region \"KZ-10-01\" in the manifest"},
        {"version: 1\n", "version: 0\n", "s.txt:5: version: must be from 1 to 4294967295"},
        {"version: 1\n", "version: 4294967296\n", "s.txt:5: version: must be from 1 to 4294967295"},
        {"version: 1\n", "version: 01\n", "s.txt:5: version: \"01\" is not a count"},
        {"version: 1\n", "", "s.txt:5: version: expected here, found \"sums\""},
        /* reason */
        {"version: 1\n", "version: 1\nreason: why\n",
         "s.txt:6: sums: expected here, found \"reason\""},
        {"version: 1\n", "version: 2\n", "s.txt:6: reason: expected here, found \"sums\""},
        /* sums */
        {"sums: P-0001 1\nsums: P-0002 3\n", "",
         "s.txt:6: sums: expected here, found \"citizens_on_list\""},
        {"sums: P-0001 1\n", "sums: P-0001\n", "s.txt:6: sums: expected \"ID VERSION\""},
        {"sums: P-0001 1\n", "sums: P-0001 1 2\n", "s.txt:6: sums: expected \"ID VERSION\""},
        {"sums: P-0001 1\n", "sums: P-0001  1\n", "s.txt:6: sums: expected \"ID VERSION\""},
        {"sums: P-0001 1\n", "sums:  P-0001 1\n", "s.txt:6: "},
        {"sums: P-0001 1\n", "sums: P/0001 1\n", "s.txt:6: sums: id \"P/0001\": "},
        {"sums: P-0001 1\n", "sums: P-0001 0\n",
         "s.txt:6: sums: version: not a number from 1 to 4294967295"},
        {"sums: P-0001 1\n", "sums: P-0001 01\n",
         "s.txt:6: sums: version: not a number from 1 to 4294967295"},
        {"sums: P-0001 1\n", "sums: P-0001 4294967296\n",
         "s.txt:6: sums: version: not a number from 1 to 4294967295"},
        {"sums: P-0001 1\n", "sums: P-0001 v1\n",
         "s.txt:6: sums: version: not a number from 1 to 4294967295"},
        /* ids strictly ascending in byte order, each once */
        {"sums: P-0001 1\nsums: P-0002 3\n", "sums: P-0002 3\nsums: P-0001 1\n",
         "s.txt:7: sums: \"P-0001\" does not come after \"P-0002\" (ids strictly ascending in "
         "byte order, each once)"},
        {"sums: P-0002 3\n", "sums: P-0001 3\n",
         "s.txt:7: sums: \"P-0001\" does not come after \"P-0001\""},
        /* items: in the manifest, in the area, at the level below */
        {"sums: P-0002 3\n", "sums: P-0009 3\n",
         "s.txt:7: sums: no precinct \"P-0009\" in the manifest"},
        {"sums: P-0002 3\n", "sums: P-0003 3\n",
         "s.txt:7: sums: precinct P-0003 is in district KZ-10-02, not in KZ-10-01"},
        {"sums: P-0002 3\n", "sums: P-0004 3\n",
         "s.txt:7: sums: precinct P-0004 is in district KZ-75-01, not in KZ-10-01"},
        {"sums: P-0001 1\n", "sums: KZ-10-01 1\n",
         "s.txt:6: sums: no precinct \"KZ-10-01\" in the manifest"},
        /* counts */
        {"citizens_on_list: 1565\n", "citizens_on_list: 01565\n",
         "s.txt:8: citizens_on_list: \"01565\" is not a count"},
        {"citizens_on_list: 1565\n", "citizens_on_list: -1\n",
         "s.txt:8: citizens_on_list: \"-1\" is not a count"},
        {"citizens_on_list: 1565\n", "citizens_on_list: 1000000000001\n",
         "s.txt:8: citizens_on_list: \"1000000000001\" is not a count"},
        {"citizens_on_list: 1565\n", "", "s.txt:8: citizens_on_list: expected here"},
        {"ballots_received: 1600\n", "ballots_received: 1 600\n",
         "s.txt:9: ballots_received: \"1 600\" is not a count"},
        {"ballots_issued: 1200\n", "", "s.txt:10: ballots_issued: expected here"},
        {"ballots_cancelled: 400\n", "ballots_cancelled:400\n", "s.txt:11: "},
        {"ballots_in_boxes: 1190\n", "ballots_in_boxes: 1190 \n", "s.txt:12: "},
        {"q1_yes: 950\n", "q1_yes: +950\n", "s.txt:13: q1_yes: \"+950\" is not a count"},
        {"q1_no: 200\nq1_not_counted: 10\n", "q1_not_counted: 10\nq1_no: 200\n",
         "s.txt:14: q1_no: expected here, found \"q1_not_counted\""},
        {"q2_yes: 700\n", "q3_yes: 700\n", "s.txt:17: q2_yes: expected here, found \"q3_yes\""},
        {"q2_invalid: 28\n", "q2_invalid: 28\nq3_yes: 1\n",
         "s.txt:21: unexpected line after the last count"},
        {"q2_invalid: 28\n", "q2_invalid: 28\r\n", "s.txt:20: "},
        {"q2_invalid: 28\n", "", "s.txt:20: q2_invalid: missing (the file ends early)"},
    };
    char *text;

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reject_variant(cases[i].find, cases[i].repl, cases[i].needle);
    }
    /* region level: items are districts of the region */
    reject_variant_in(region_text, &fx.single, "sums: KZ-10-02 2\n", "sums: KZ-75-01 2\n",
                      "s.txt:8: sums: district KZ-75-01 is in region KZ-75, not in KZ-10");
    reject_variant_in(region_text, &fx.single, "sums: KZ-10-02 2\n", "sums: P-0003 2\n",
                      "s.txt:8: sums: no district \"P-0003\" in the manifest");
    reject_variant_in(region_text, &fx.single, "area: KZ-10\n", "area: KZ-11\n",
                      "s.txt:4: area: no region \"KZ-11\" in the manifest");
    /* a summary of one level named as the other */
    reject_variant_in(region_text, &fx.single, "level: region\n", "level: district\n",
                      "s.txt:4: area: no district \"KZ-10\" in the manifest");
    reject_variant_in(region_text, &fx.single,
                      "reason: the district KZ-10-02 sent its summary "
                      "again\n",
                      "", "s.txt:6: reason: expected here, found \"sums\"");
    /* the missing final LF, an empty file, too large */
    expect_reject_in(district_text, strlen(district_text) - 1, &fx.single, DAUYS_E_FORMAT,
                     "s.txt:20: the last line has no LF at its end");
    expect_reject_in("", 0, &fx.single, DAUYS_E_FORMAT, "s.txt:1: ");
    text = malloc(DAUYS_SUMMARY_FILE_MAX + 2);
    assert_non_null(text);
    memset(text, 'x', DAUYS_SUMMARY_FILE_MAX + 1);
    memcpy(text, district_text, strlen(district_text));
    expect_reject_in(text, DAUYS_SUMMARY_FILE_MAX + 1, &fx.single, DAUYS_E_TOO_LARGE,
                     "s.txt: 65537 bytes, over the limit of 65536");
    {
        dauys_summary s;
        dauys_error err;
        assert_int_equal(
            dauys_summary_parse_header(&s, text, DAUYS_SUMMARY_FILE_MAX + 1, "s.txt", &err), -1);
        assert_error(&err, DAUYS_E_TOO_LARGE, "over the limit of 65536");
    }
    free(text);
}

/* The summed counts break R1-R4: dauys_summary_check says so; the parser does not judge them. */
static void
test_relations(void **state)
{
    dauys_summary s;
    dauys_findings f;
    char *text;

    (void) state;
    text = replaced(district_text, "q1_yes: 950\n", "q1_yes: 951\n");
    parse_ok(&s, text, &fx.single);
    dauys_summary_check(&f, &s, &fx.single);
    assert_int_equal(f.errors, 1);
    assert_string_equal(f.item[0].code, "R4");
    assert_non_null(strstr(f.item[0].message, "q1: yes 951 + no 200"));
    dauys_summary_free(&s);
    free(text);
    text = replaced(district_text, "ballots_cancelled: 400\n", "ballots_cancelled: 401\n");
    parse_ok(&s, text, &fx.single);
    dauys_summary_check(&f, &s, &fx.single);
    assert_int_equal(f.errors, 1);
    assert_string_equal(f.item[0].code, "R1");
    dauys_summary_free(&s);
    free(text);
}

/* Many items: the array grows; every failure of memory fails cleanly. */
static void
test_many_items_and_oom(void **state)
{
    char manifest[1 << 16], summary[1 << 16], b64[57];
    size_t off, soff;
    dauys_manifest m;
    dauys_summary s;
    dauys_error err;
    int rc;

    (void) state;
    off = (size_t) snprintf(manifest, sizeof manifest,
                            "format: dauys-manifest 1\nreferendum: r\ntitle: t\ndate: 2026-03-15\n"
                            "mode: test\nversion: 1\nballot: single\nquestion: q1 kz-ordinary Q?\n"
                            "region: R oblast R\ndistrict: D R D\n");
    soff = (size_t) snprintf(summary, sizeof summary,
                             "format: dauys-summary 1\nreferendum: r\nlevel: district\narea: D\n"
                             "version: 1\n");
    for (int i = 0; i < 300; i++) {
        support_fake_pubkey(b64, 1000 + (uint32_t) i);
        off += (size_t) snprintf(manifest + off, sizeof manifest - off,
                                 "precinct: P%04d D 10 %s P\n", i, b64);
        soff +=
            (size_t) snprintf(summary + soff, sizeof summary - soff, "sums: P%04d %d\n", i, i + 1);
    }
    soff += (size_t) snprintf(summary + soff, sizeof summary - soff,
                              "citizens_on_list: 10\nballots_received: 0\nballots_issued: 0\n"
                              "ballots_cancelled: 0\nballots_in_boxes: 0\nq1_yes: 0\nq1_no: 0\n"
                              "q1_not_counted: 0\nq1_invalid: 0\n");
    assert_true(off < sizeof manifest && soff < sizeof summary);
    assert_int_equal(dauys_manifest_parse(&m, manifest, off, "m.txt", &err), 0);
    parse_ok(&s, summary, &m);
    assert_int_equal(s.item_count, 300);
    assert_string_equal(s.item[299].id, "P0299");
    assert_int_equal(s.item[299].version, 300);
    dauys_summary_free(&s);
    for (long k = 0;; k++) {
        support_alloc_install(k);
        rc = dauys_summary_parse(&s, summary, soff, "s.txt", &m, &err);
        support_alloc_restore();
        if (rc == 0) {
            assert_true(k > 0);
            dauys_summary_free(&s);
            break;
        }
        assert_error(&err, DAUYS_E_NOMEM, "s.txt: out of memory");
        assert_null(s.item);
        assert_int_equal(support_alloc_outstanding(), 0);
    }
    dauys_manifest_free(&m);
}

/* --- docs/FORMATS.md: its examples, parsed -------------------------------- */

/* The code block that follows the first line starting MARK after the heading
 * HEADING in DOC, NUL-terminated into OUT (SIZE bytes). */
static void
doc_block(char *out, size_t size, const char *doc, const char *heading, const char *mark)
{
    const char *at = strstr(doc, heading), *start, *end;

    assert_non_null(at);
    at = strstr(at, mark);
    assert_non_null(at);
    start = strstr(at, "```\n");
    assert_non_null(start);
    start += 4;
    end = strstr(start, "```\n");
    assert_non_null(end);
    assert_true((size_t) (end - start) < size);
    memcpy(out, start, (size_t) (end - start));
    out[end - start] = '\0';
}

/* Section 9A's examples, under section 8.5's manifest with the commission
 * lines of section 8.2, parsed by the real parsers. */
static void
test_formats_example(void **state)
{
    char *doc, manifest[8192], commissions[1024], summary[4096], *text;
    size_t len;
    dauys_manifest m;
    dauys_summary s;
    dauys_findings f;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_file_read(&doc, &len, DAUYS_FORMATS_MD, 1u << 24, &err), 0);
    doc_block(manifest, sizeof manifest, doc, "### 8.5 Example", "The manifest of the mock");
    doc_block(commissions, sizeof commissions, doc, "**Commissions.**", "For example");
    assert_non_null(strstr(commissions, "commission: district AST-ESL "));
    {
        /* the commission lines go before the first precinct line */
        char *lines = malloc(strlen(commissions) + 32);
        assert_non_null(lines);
        sprintf(lines, "%sprecinct: AST-0001 ", commissions);
        text = replaced(manifest, "precinct: AST-0001 ", lines);
        free(lines);
    }
    if (dauys_manifest_parse(&m, text, strlen(text), "manifest.txt", &err) != 0) {
        fail_msg("FORMATS 8.5 + 8.2: %s", err.message);
    }
    free(text);
    assert_true(m.district[0].has_commission);
    assert_true(m.region[0].has_commission);

    doc_block(summary, sizeof summary, doc, "## 9A. Summary protocol", "Example (district");
    if (dauys_summary_parse(&s, summary, strlen(summary), "AST-ESL-v1.txt", &m, &err) != 0) {
        fail_msg("FORMATS 9A district example: %s", err.message);
    }
    assert_int_equal(s.level, DAUYS_LEVEL_DISTRICT);
    assert_int_equal(s.item_count, 2);
    assert_ptr_equal(dauys_summary_key(&m, s.level, s.area), &m.district[0].commission);
    dauys_summary_check(&f, &s, &m);
    assert_int_equal(f.errors, 0);
    /* section 9's example protocol of AST-0001 is one of the items */
    assert_string_equal(s.item[0].id, "AST-0001");
    dauys_summary_free(&s);

    doc_block(summary, sizeof summary, doc, "## 9A. Summary protocol", "Example (region");
    if (dauys_summary_parse(&s, summary, strlen(summary), "AST-v1.txt", &m, &err) != 0) {
        fail_msg("FORMATS 9A region example: %s", err.message);
    }
    assert_int_equal(s.level, DAUYS_LEVEL_REGION);
    assert_ptr_equal(dauys_summary_key(&m, s.level, s.area), &m.region[0].commission);
    dauys_summary_check(&f, &s, &m);
    assert_int_equal(f.errors, 0);
    dauys_summary_free(&s);
    dauys_manifest_free(&m);
    dauys_free(doc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_district),
        cmocka_unit_test(test_region),
        cmocka_unit_test(test_separate),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_relations),
        cmocka_unit_test(test_many_items_and_oom),
        cmocka_unit_test(test_formats_example),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
