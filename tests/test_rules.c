/*
 * test_rules.c: the rules profiles, table-driven: real national totals
 * (Kazakhstan 1995, 2022, 2024 and 2026, Italy 2026; ../shared/data and
 * ../shared/DESIGN.md section 7) and every boundary where "more than half"
 * or "two thirds" turns. Every case is decided twice, by the tally's rules
 * (dauys_rules_decide) and by the audit's own evaluator (audit/verdict.c),
 * which must agree with the expected verdict and with each other, number
 * for number.
 */
#include "tests/support.h"

#include <stdio.h>
#include <string.h>

#include "audit/verdict.h"
#include "referendum/manifest.h"
#include "referendum/rules.h"

/* The audit's check of rule ID, as V holds it. */
static const audit_rule_check *
audit_rule(const audit_verdict *v, dauys_rule_id id)
{
    return id == DAUYS_RULE_QUORUM     ? &v->quorum
           : id == DAUYS_RULE_MAJORITY ? &v->majority
                                       : &v->regions;
}

/* The two evaluators agree on every rule, its numbers and the decision. */
static void
assert_agree(const char *name, const dauys_verdict *v, const audit_verdict *a)
{
    size_t present = a->quorum.present + a->majority.present + a->regions.present;

    if (present != v->rule_count || v->valid != a->valid || v->adopted != a->adopted) {
        fail_msg("%s: the tally has %zu rules, valid %d adopted %d; the audit %zu, %d %d", name,
                 v->rule_count, v->valid, v->adopted, present, a->valid, a->adopted);
    }
    for (size_t i = 0; i < v->rule_count; i++) {
        const dauys_rule_result *t = &v->rule[i];
        const audit_rule_check *c = audit_rule(a, t->id);
        if (!c->present || c->met != t->passed || c->needed != t->needed || c->have != t->have ||
            c->of != t->of) {
            fail_msg("%s: rule %zu: tally %s; audit met %d needed %llu have %llu of %llu", name, i,
                     t->text, c->met, (unsigned long long) c->needed, (unsigned long long) c->have,
                     (unsigned long long) c->of);
        }
    }
}

/*
 * Parses PROFILE and decides it on NATION and the REGIONS with the tally's
 * rules (into *V) and with the audit's evaluator, which must agree. 0, or -1
 * with ERR from the tally, when the audit has failed with the same message.
 */
static int
decide(dauys_verdict *v, const char *profile, const dauys_counts *nation,
       const dauys_counts *region, size_t count, dauys_error *err)
{
    dauys_rules rules;
    audit_verdict a;
    dauys_error audit_err;
    int rc;

    if (dauys_rules_parse(&rules, profile, err) != 0) {
        fail_msg("%s: %s", profile, err->message);
    }
    rc = dauys_rules_decide(v, &rules, nation, region, count, err);
    if (dauys_audit_verdict_decide(&a, &rules, nation, region, count, &audit_err) != rc) {
        fail_msg("%s: the tally returns %d, the audit does not", profile, rc);
    }
    if (rc != 0) {
        assert_string_equal(err->message, audit_err.message);
        return -1;
    }
    assert_agree(profile, v, &a);
    return 0;
}

/* N regions, the first WITH having a yes majority, the rest not. */
static void
regions(dauys_counts *r, size_t n, size_t with)
{
    for (size_t i = 0; i < n; i++) {
        r[i] = (dauys_counts){.eligible = 1000, .took_part = 700};
        r[i].yes = i < with ? 351 : 350; /* 351 of 700 is more than half; 350 is not */
        r[i].no = 700 - r[i].yes;
    }
}

typedef struct rule_case {
    const char *name, *profile;
    dauys_counts nation;
    size_t regions, with_majority;
    int valid, adopted;
} rule_case;

static const rule_case cases[] = {
    /* Kazakhstan, 5 June 2022: 77.18% yes of those who took part, in all 17 regions. */
    {"kz-2022",
     "kz-constitutional",
     {11734642, 7985769, 6163516, 1490470, 125859, 205924},
     17,
     17,
     1,
     1},
    /* Kazakhstan, 6 October 2024, the nuclear power plant (an ordinary question): the
     * election commission's preliminary national totals (../shared/DESIGN.md section 7;
     * the four ballot counts add up to 7 less than took part). 63.66% took part; yes is
     * 71.12% of those who took part. */
    {"kz-2024", "kz-ordinary", {12284487, 7820204, 5561937, 2045271, 82722, 130267}, 0, 0, 1, 1},
    /* Kazakhstan, 15 March 2026, the new Constitution: the election commission's
     * national totals (../shared/DESIGN.md section 7); yes had a majority in all 20
     * regions (../shared/data/kz-regions/README.md), whose own counts the shared data
     * do not give: regions() makes them up. 73.12% took part; yes is 87.15%. */
    {"kz-2026",
     "kz-constitutional",
     {12482613, 9127192, 7954667, 898099, 127868, 146558},
     20,
     20,
     1,
     1},
    /* Kazakhstan, 30 August 1995 (Constitution): 90.58% took part. */
    {"kz-1995", "kz-ordinary", {8933225, 8091715, 7212773, 800839, 0, 78103}, 0, 0, 1, 1},
    {"kz-1995 regional",
     "kz-constitutional",
     {8933225, 8091715, 7212773, 800839, 0, 78103},
     19,
     19,
     1,
     1},
    /* Quorum: exactly half is not more than half. */
    {"took part exactly half", "kz-ordinary", {1000, 500, 400, 100, 0, 0}, 0, 0, 0, 0},
    {"took part half plus one", "kz-ordinary", {1000, 501, 400, 101, 0, 0}, 0, 0, 1, 1},
    {"odd eligible: 3 of 7 is not enough", "kz-ordinary", {7, 3, 3, 0, 0, 0}, 0, 0, 0, 0},
    {"odd eligible: 4 of 7 is", "kz-ordinary", {7, 4, 4, 0, 0, 0}, 0, 0, 1, 1},
    /* Majority of those who took part: invalid and not-counted ballots count against. */
    {"yes exactly half", "kz-ordinary", {1000, 600, 300, 280, 10, 10}, 0, 0, 1, 0},
    {"yes half plus one", "kz-ordinary", {1000, 600, 301, 279, 10, 10}, 0, 0, 1, 1},
    {"yes over no but not over half", "kz-ordinary", {1000, 600, 290, 250, 30, 30}, 0, 0, 1, 0},
    /* Two thirds of the regions. */
    {"13 of 20 regions", "kz-constitutional", {1000, 700, 600, 100, 0, 0}, 20, 13, 1, 0},
    {"14 of 20 regions", "kz-constitutional", {1000, 700, 600, 100, 0, 0}, 20, 14, 1, 1},
    {"11 of 17 regions", "kz-constitutional", {1000, 700, 600, 100, 0, 0}, 17, 11, 1, 0},
    {"12 of 17 regions", "kz-constitutional", {1000, 700, 600, 100, 0, 0}, 17, 12, 1, 1},
    {"2 of 3 regions", "kz-constitutional", {1000, 700, 600, 100, 0, 0}, 3, 2, 1, 1},
    {"no quorum voids a majority", "kz-constitutional", {1000, 400, 400, 0, 0, 0}, 20, 20, 0, 0},
    /* Nobody eligible: nothing is more than half of nothing plus one. */
    {"eligible 0", "kz-ordinary", {0, 0, 0, 0, 0, 0}, 0, 0, 0, 0},
    /* Huge counts near 2^62: no overflow. */
    {"huge, quorum met",
     "kz-ordinary",
     {UINT64_C(1) << 62, (UINT64_C(1) << 61) + 1, UINT64_C(1) << 60, 0, 0, 0},
     0,
     0,
     1,
     0},
    {"huge, majority by one",
     "kz-ordinary",
     {UINT64_C(1) << 62, (UINT64_C(1) << 61) + 1, (UINT64_C(1) << 60) + 1, 0, 0, 0},
     0,
     0,
     1,
     1},
    {"huge, all yes",
     "kz-ordinary",
     {UINT64_C(1) << 62, UINT64_C(1) << 62, UINT64_C(1) << 62, 0, 0, 0},
     0,
     0,
     1,
     1},
    {"huge, simple majority",
     "simple-majority",
     {UINT64_C(1) << 62, UINT64_C(1) << 62, (UINT64_C(1) << 61) + 1, (UINT64_C(1) << 61) - 1, 0, 0},
     0,
     0,
     1,
     1},
    /* Italy, 22-23 March 2026, constitutional referendum: no quorum, valid votes. */
    {"it-2026", "simple-majority", {51423312, 28582254, 13251848, 15084027, 0, 301902}, 0, 0, 1, 0},
    /* The same totals under the abrogative rules: quorum met (55.6%), still not adopted. */
    {"it-2026 abrogative",
     "quorum-majority",
     {51423312, 28582254, 13251848, 15084027, 0, 301902},
     0,
     0,
     1,
     0},
    {"abrogative below quorum", "quorum-majority", {1000, 500, 499, 1, 0, 0}, 0, 0, 0, 0},
    {"valid votes tie", "simple-majority", {1000, 200, 90, 90, 0, 20}, 0, 0, 1, 0},
    {"valid votes majority of one", "simple-majority", {1000, 200, 91, 90, 0, 19}, 0, 0, 1, 1},
};

/* The case of the table named NAME. */
static const rule_case *
find_case(const char *name)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strcmp(cases[i].name, name) == 0) {
            return &cases[i];
        }
    }
    fail_msg("no case %s", name);
    return NULL;
}

static void
test_table(void **state)
{
    dauys_counts r[32];
    dauys_verdict v;
    dauys_error err;

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const rule_case *c = &cases[i];
        regions(r, c->regions, c->with_majority);
        if (decide(&v, c->profile, &c->nation, r, c->regions, &err) != 0) {
            fail_msg("%s: %s", c->name, err.message);
        }
        if (v.valid != c->valid || v.adopted != c->adopted) {
            fail_msg("%s: valid %d adopted %d, expected %d %d", c->name, v.valid, v.adopted,
                     c->valid, c->adopted);
        }
        if (c->regions > 0 && v.regions_with_majority != c->with_majority) {
            fail_msg("%s: %llu regions with a majority", c->name,
                     (unsigned long long) v.regions_with_majority);
        }
    }
}

static void
test_texts(void **state)
{
    dauys_counts r[17];
    dauys_verdict v;
    dauys_error err;

    (void) state;
    regions(r, 17, 17);
    assert_int_equal(decide(&v, "kz-constitutional", &find_case("kz-2022")->nation, r, 17, &err),
                     0);
    assert_int_equal(v.rule_count, 3);
    assert_string_equal(v.rule[0].text,
                        "needed 5,867,322 took part of 11,734,642 eligible; had 7,985,769 (met)");
    assert_string_equal(v.rule[1].text, "needed 3,992,885 yes of 7,985,769 who took part; had "
                                        "6,163,516 (met)");
    assert_string_equal(v.rule[2].text, "needed 12 regions with a majority of 17 regions; had 17 "
                                        "(met)");
    assert_non_null(strstr(v.rule[0].clause, "Art. 91"));
    assert_int_equal(decide(&v, "simple-majority", &find_case("it-2026")->nation, NULL, 0, &err),
                     0);
    assert_int_equal(v.rule_count, 1);
    assert_string_equal(v.rule[0].text, "needed 14,167,938 yes of 28,335,875 valid votes; had "
                                        "13,251,848 (NOT met)");
    assert_non_null(strstr(v.rule[0].clause, "Art. 138"));
    /* 2024 and 2026 (docs/RULES.md sections 4.7 and 4.8). */
    assert_int_equal(decide(&v, "kz-ordinary", &find_case("kz-2024")->nation, NULL, 0, &err), 0);
    assert_string_equal(v.rule[0].text,
                        "needed 6,142,244 took part of 12,284,487 eligible; had 7,820,204 (met)");
    assert_string_equal(v.rule[1].text,
                        "needed 3,910,103 yes of 7,820,204 who took part; had 5,561,937 (met)");
    dauys_counts r20[20];
    regions(r20, 20, 20);
    assert_int_equal(decide(&v, "kz-constitutional", &find_case("kz-2026")->nation, r20, 20, &err),
                     0);
    assert_string_equal(v.rule[0].text,
                        "needed 6,241,307 took part of 12,482,613 eligible; had 9,127,192 (met)");
    assert_string_equal(v.rule[1].text,
                        "needed 4,563,597 yes of 9,127,192 who took part; had 7,954,667 (met)");
    assert_string_equal(v.rule[2].text,
                        "needed 14 regions with a majority of 20 regions; had 20 (met)");
}

static void
test_thresholds(void **state)
{
    char s[32];

    (void) state;
    assert_int_equal(dauys_rules_more_than_half(0), 1);
    assert_int_equal(dauys_rules_more_than_half(10), 6);
    assert_int_equal(dauys_rules_more_than_half(11), 6);
    assert_int_equal(dauys_rules_more_than_half(UINT64_MAX), UINT64_C(1) << 63);
    assert_int_equal(dauys_rules_two_thirds(20), 14);
    assert_int_equal(dauys_rules_two_thirds(17), 12);
    assert_int_equal(dauys_rules_two_thirds(3), 2);
    assert_int_equal(dauys_rules_two_thirds(0), 0);
    /* two_thirds(w) is the least x with 3x >= 2w, for every small w. */
    for (uint64_t w = 0; w < 1000; w++) {
        uint64_t x = dauys_rules_two_thirds(w);
        assert_true(3 * x >= 2 * w && (x == 0 || 3 * (x - 1) < 2 * w));
        uint64_t h = dauys_rules_more_than_half(w);
        assert_true(2 * h > w && 2 * (h - 1) <= w);
    }
    dauys_rules_group(s, sizeof s, 11734642);
    assert_string_equal(s, "11,734,642");
    dauys_rules_group(s, sizeof s, 0);
    assert_string_equal(s, "0");
    dauys_rules_group(s, sizeof s, 999);
    assert_string_equal(s, "999");
    dauys_rules_group(s, sizeof s, UINT64_MAX);
    assert_string_equal(s, "18,446,744,073,709,551,615");
}

/* Custom thresholds from the manifest, exact at their boundaries. */
static void
test_custom(void **state)
{
    static const struct {
        const char *profile;
        dauys_counts n;
        int valid, adopted;
    } custom[] = {
        /* 40% approval quorum, two-thirds majority of valid votes */
        {"custom:q>=2/5:m>=2/3:of=valid",
         {1000, 400, 200, 100, 0, 100},
         1,
         1}, /* 400 = 2/5, 200 = 2/3 of 300 */
        {"custom:q>=2/5:m>=2/3:of=valid", {1000, 399, 200, 100, 0, 99}, 0, 0},
        {"custom:q>=2/5:m>=2/3:of=valid", {1000, 400, 199, 100, 0, 101}, 1, 0},
        {"custom:q>2/5:m>=2/3:of=valid",
         {1000, 400, 200, 100, 0, 100},
         0,
         0}, /* more than 2/5: 401 */
        {"custom:m>2/3:of=took-part",
         {1000, 300, 200, 100, 0, 0},
         1,
         0}, /* 200 is not > 2/3 of 300 */
        {"custom:m>2/3:of=took-part", {1000, 300, 201, 99, 0, 0}, 1, 1},
        {"custom:m>1/2:of=took-part",
         {1000, 600, 300, 300, 0, 0},
         1,
         0}, /* = simple "more than half" */
        {"custom:q>=1/1:m>=1/1:of=took-part", {7, 7, 7, 0, 0, 0}, 1, 1}, /* unanimity */
        {"custom:q>=2/5:m>=2/3:of=valid",
         {UINT64_C(1) << 62, UINT64_C(1) << 61, UINT64_C(1) << 60, 0, 0, 0},
         1,
         1}, /* no overflow */
    };
    dauys_verdict v;
    dauys_error err;

    (void) state;
    for (size_t i = 0; i < sizeof custom / sizeof custom[0]; i++) {
        assert_int_equal(decide(&v, custom[i].profile, &custom[i].n, NULL, 0, &err), 0);
        if (v.valid != custom[i].valid || v.adopted != custom[i].adopted) {
            fail_msg("case %zu (%s): valid %d adopted %d", i, custom[i].profile, v.valid,
                     v.adopted);
        }
    }
    assert_int_equal(decide(&v, custom[0].profile, &custom[0].n, NULL, 0, &err), 0);
    assert_string_equal(v.rule[0].text, "needed 400 took part of 1,000 eligible; had 400 (met)");
    assert_string_equal(v.rule[1].text, "needed 200 yes of 300 valid votes; had 200 (met)");
    assert_true(dauys_rules_profile_valid("custom:q>=2/5:m>2/3:of=valid"));
    assert_true(dauys_rules_profile_valid("kz-constitutional"));
    static const char *const bad[] = {
        "custom:",
        "custom:q>=2/5",
        "custom:m>2/3",
        "custom:m>2/3:of=everyone",
        "custom:m>3/2:of=valid",
        "custom:m>0/3:of=valid",
        "custom:m>2/0:of=valid",
        "custom:m=2/3:of=valid",
        "custom:m>2/3:m>1/2:of=valid",
        "custom:m>2/3:of=valid:x",
        "custom:m>2/1001:of=valid",
        "custom:m>2/3:of=valid:of=valid",
        "custom:m>02/3:of=valid",
        "custom:m>2/03:of=valid",
        "custom:m>-2/3:of=valid",
        "custom:m>+2/3:of=valid",
        "custom:m>2/18446744073709551619:of=valid",
        "kz-special",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (dauys_rules_profile_valid(bad[i])) {
            fail_msg("\"%s\" accepted", bad[i]);
        }
    }
    dauys_rules c;
    assert_int_equal(dauys_rules_parse(&c, "custom:m>2/3:of=all", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "bad part \"of=all\"");
    assert_int_equal(dauys_rules_parse(&c, "custom:m>02/3:of=valid", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "custom:m>2/3:of=valid");
}

/* A profile is parsed once, into its fractions; a bad one is an error, never
 * a profile with some default rule in it. */
static void
test_parse(void **state)
{
    static const char manifest[] = "format: dauys-manifest 1\nreferendum: kz-test\n"
                                   "title: Test\ndate: 2026-03-15\nmode: test\nversion: 1\n"
                                   "ballot: single\n"
                                   "question: q1 kz-ordinary First\n"
                                   "question: q2 custom:m>2/3:of=al Second\n";
    dauys_manifest m = {0};
    dauys_rules r;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_rules_parse(&r, "custom:q>=2/5:m>2/3:of=valid", &err), 0);
    assert_true(r.has_quorum && r.quorum.at_least && r.quorum.num == 2 && r.quorum.den == 5);
    assert_true(!r.majority.at_least && r.majority.num == 2 && r.majority.den == 3);
    assert_true(r.majority_of_valid && !r.has_regions);
    assert_string_equal(r.majority_clause, "the manifest's custom profile");
    assert_int_equal(dauys_rules_parse(&r, "kz-constitutional", &err), 0);
    assert_true(r.has_quorum && !r.quorum.at_least && r.quorum.num == 1 && r.quorum.den == 2);
    assert_true(r.has_regions && r.regions.at_least && r.regions.num == 2 && r.regions.den == 3);
    assert_false(r.majority_of_valid);
    /* No profile comes out of a failed parse: not even "more than half". */
    assert_int_equal(dauys_rules_parse(&r, "custom:m>2/3:of=al", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "\"custom:m>2/3:of=al\": bad part \"of=al\"");
    assert_true(r.majority.num == 0 && r.majority.den == 0 && r.majority_clause == NULL);
    assert_int_equal(dauys_rules_parse(&r, "majority-of-the-loudest", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "unknown rules profile \"majority-of-the-loudest\"");
    /* In a manifest: the file, the line and the field. */
    assert_int_equal(dauys_manifest_parse(&m, manifest, sizeof manifest - 1, "m.txt", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT,
                 "m.txt:9: question: rules profile \"custom:m>2/3:of=al\": bad part \"of=al\"");
    dauys_manifest_free(&m);
}

static void
test_errors(void **state)
{
    dauys_counts n = {100, 60, 61, 0, 0, 0};
    dauys_verdict v;
    dauys_error err;

    (void) state;
    assert_int_equal(decide(&v, "kz-ordinary", &n, NULL, 0, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "counts out of range");
    n.yes = 10;
    /* A regional test over no regions would pass by default: refused. */
    assert_int_equal(decide(&v, "kz-constitutional", &n, NULL, 0, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "at least one region");
    /* A region with more yes than took part. */
    dauys_counts bad_region[2] = {{10, 5, 3, 2, 0, 0}, {10, 5, 6, 0, 0, 0}};
    assert_int_equal(decide(&v, "kz-constitutional", &n, bad_region, 2, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "region 2 of the regional test: counts out of range");
    /* A "no" count large enough to overflow yes + no is refused, not wrapped. */
    n.no = UINT64_MAX - 5;
    assert_int_equal(decide(&v, "simple-majority", &n, NULL, 0, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "counts out of range");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),      cmocka_unit_test(test_texts),
        cmocka_unit_test(test_thresholds), cmocka_unit_test(test_custom),
        cmocka_unit_test(test_parse),      cmocka_unit_test(test_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
