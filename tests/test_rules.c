/*
 * test_rules.c: the rules profiles, table-driven: real national totals
 * (Kazakhstan 1995 and 2022, Italy 2026; ../shared/data and DESIGN.md
 * section 7) and every boundary where "more than half" or "two thirds" turns.
 */
#include "tests/support.h"

#include <stdio.h>
#include <string.h>

#include "referendum/rules.h"

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
        if (dauys_rules_decide(&v, c->profile, &c->nation, r, c->regions, &err) != 0) {
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
    assert_int_equal(dauys_rules_decide(&v, "kz-constitutional", &cases[0].nation, r, 17, &err), 0);
    assert_int_equal(v.rule_count, 3);
    assert_string_equal(v.rule[0].text,
                        "needed 5,867,322 took part of 11,734,642 eligible; had 7,985,769 (met)");
    assert_string_equal(v.rule[1].text, "needed 3,992,885 yes of 7,985,769 who took part; had "
                                        "6,163,516 (met)");
    assert_string_equal(v.rule[2].text, "needed 12 regions with a majority of 17 regions; had 17 "
                                        "(met)");
    assert_non_null(strstr(v.rule[0].clause, "Art. 91"));
    assert_int_equal(dauys_rules_decide(&v, "simple-majority", &cases[21].nation, NULL, 0, &err),
                     0);
    assert_int_equal(v.rule_count, 1);
    assert_string_equal(v.rule[0].text, "needed 14,167,938 yes of 28,335,875 valid votes; had "
                                        "13,251,848 (NOT met)");
    assert_non_null(strstr(v.rule[0].clause, "Art. 138"));
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
        assert_int_equal(dauys_rules_decide(&v, custom[i].profile, &custom[i].n, NULL, 0, &err), 0);
        if (v.valid != custom[i].valid || v.adopted != custom[i].adopted) {
            fail_msg("case %zu (%s): valid %d adopted %d", i, custom[i].profile, v.valid,
                     v.adopted);
        }
    }
    assert_int_equal(dauys_rules_decide(&v, custom[0].profile, &custom[0].n, NULL, 0, &err), 0);
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
        "kz-special",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (dauys_rules_profile_valid(bad[i])) {
            fail_msg("\"%s\" accepted", bad[i]);
        }
    }
    dauys_custom_profile c;
    assert_int_equal(dauys_rules_custom_parse(&c, "custom:m>2/3:of=all", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "bad part \"of=all\"");
}

static void
test_errors(void **state)
{
    dauys_counts n = {100, 60, 61, 0, 0, 0};
    dauys_verdict v;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_rules_decide(&v, "kz-ordinary", &n, NULL, 0, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "counts out of range");
    n.yes = 10;
    assert_int_equal(dauys_rules_decide(&v, "majority-of-the-loudest", &n, NULL, 0, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "unknown rules profile");
    /* A regional test over no regions would pass by default: refused. */
    assert_int_equal(dauys_rules_decide(&v, "kz-constitutional", &n, NULL, 0, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "at least one region");
    /* A "no" count large enough to overflow yes + no is refused, not wrapped. */
    n.no = UINT64_MAX - 5;
    assert_int_equal(dauys_rules_decide(&v, "simple-majority", &n, NULL, 0, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "counts out of range");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),      cmocka_unit_test(test_texts),
        cmocka_unit_test(test_thresholds), cmocka_unit_test(test_custom),
        cmocka_unit_test(test_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
