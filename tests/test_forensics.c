/*
 * test_forensics.c: the forensics library (forensics/) on synthetic
 * referendums made here from a seed: 20 regions, about 10,000 precincts with
 * 100 to 3,000 on the list, turnout and yes share varying by region and
 * precinct, every ballot drawn on its own (so the counts are binomial,
 * independently of the library's sampler). A clean referendum raises no
 * flag, and over 20 seeds each test's flag rate is the documented one
 * (docs/FORENSICS.md); stuffing, forged digits, a 90/90 cluster and a
 * turnout-yes link each raise their flag where they are and nowhere else.
 * Also: the exact boundaries, the sampler against the binomial law, the
 * chi-square p-value against tables, bad input, every allocation failing,
 * reproducibility, and the words and writers.
 */
#define _GNU_SOURCE /* open_memstream */
#include "tests/support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "forensics/forensics.h"
#include "forensics/forensics_internal.h"

#define REGIONS 20
#define PRECINCTS 10000

/* --- the synthetic referendum ---------------------------------------------- */

/* The test's own generator (splitmix64), apart from the library's. */
typedef struct trng {
    uint64_t x;
} trng;

static uint64_t
tnext(trng *g)
{
    uint64_t z = (g->x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double
tunif(trng *g)
{
    return (double) (tnext(g) >> 11) * 0x1p-53;
}

/* A threshold on 64 random bits that is passed with probability P (0 <= P < 1). */
static uint64_t
threshold(double p)
{
    return (uint64_t) (p * 0x1p64);
}

/*
 * COUNT precincts from SEED into P: region means of turnout 55-80% and yes
 * 55-85%, each precinct within 8 points of them, 97-99.5% of ballots valid.
 * Each citizen on the list votes or not, and each ballot is yes, no or
 * invalid, on its own draw.
 */
static void
synth(dauys_forensics_precinct *p, size_t count, uint64_t seed)
{
    trng g = {seed * 0x2545f4914f6cdd1dull + 17};
    double turnout[REGIONS], yes[REGIONS];

    for (int r = 0; r < REGIONS; r++) {
        turnout[r] = 0.55 + 0.25 * tunif(&g);
        yes[r] = 0.55 + 0.30 * tunif(&g);
    }
    for (size_t i = 0; i < count; i++) {
        uint32_t r = (uint32_t) (tnext(&g) % REGIONS);
        double t = turnout[r] + 0.16 * (tunif(&g) - 0.5), y = yes[r] + 0.16 * (tunif(&g) - 0.5);
        double valid = 0.97 + 0.025 * tunif(&g);
        uint64_t vote = threshold(t), say_yes = threshold(y * valid), say_no = threshold(valid);

        p[i] = (dauys_forensics_precinct){.region = r, .eligible = 100 + tnext(&g) % 2901};
        for (uint64_t c = 0; c < p[i].eligible; c++) {
            p[i].took_part += tnext(&g) < vote;
        }
        for (uint64_t b = 0; b < p[i].took_part; b++) {
            uint64_t x = tnext(&g);
            p[i].yes += x < say_yes;
            p[i].no += x >= say_yes && x < say_no;
        }
    }
}

static dauys_forensics_precinct *
synth_new(size_t count, uint64_t seed)
{
    dauys_forensics_precinct *p = calloc(count, sizeof *p);

    assert_non_null(p);
    synth(p, count, seed);
    return p;
}

/* The flags raised anywhere in F. */
static unsigned
all_flags(const dauys_forensics *f)
{
    unsigned g = f->nation.flags;

    for (size_t i = 0; i < f->region_count; i++) {
        g |= f->region[i].flags;
    }
    return g;
}

/* Prints every flag of F, for a failing test's log. */
static void
show_flags(const dauys_forensics *f)
{
    char s[512];

    for (size_t i = 0; i <= f->region_count; i++) {
        const dauys_forensics_area *a = i < f->region_count ? &f->region[i] : &f->nation;
        for (unsigned b = 1; b < 1u << DAUYS_FORENSICS_FLAG_COUNT; b <<= 1) {
            if (a->flags & b) {
                dauys_forensics_explain(s, sizeof s, a, b);
                print_message("  area %zu %s: %s\n", i, dauys_forensics_flag_name(b), s);
            }
        }
    }
}

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
compute_ok(dauys_forensics *f, const dauys_forensics_precinct *p, size_t n,
           const dauys_forensics_options *o)
{
    dauys_error err;

    if (dauys_forensics_compute(f, p, n, REGIONS, o, &err) != 0) {
        fail_msg("compute failed: %s", err.message);
    }
}

/* --- a clean referendum ----------------------------------------------------- */

/* The pinned seed: no flag at all, at the full size and the default options;
 * and the time 1,000 resamples of 10,000 precincts take. */
static void
test_clean_raises_no_flag(void **state)
{
    dauys_forensics_precinct *p = synth_new(PRECINCTS, 2026);
    dauys_forensics f;
    double t0;

    (void) state;
    t0 = now();
    clock_t c0 = clock();
    compute_ok(&f, p, PRECINCTS, NULL);
    print_message("clean: %zu precincts, %llu considered, 1000 resamples in %.2f s (%.2f s of "
                  "CPU)\n",
                  (size_t) PRECINCTS, (unsigned long long) f.nation.considered, now() - t0,
                  (double) (clock() - c0) / CLOCKS_PER_SEC);
    if (all_flags(&f) != 0) {
        show_flags(&f);
    }
    assert_int_equal(all_flags(&f), 0);
    /* the tests ran on what they should: most precincts, every area */
    assert_int_equal(f.nation.precincts, PRECINCTS);
    assert_true(f.nation.considered > PRECINCTS * 9 / 10);
    assert_true(f.nation.digits.n > PRECINCTS);
    for (int r = 0; r < REGIONS; r++) {
        assert_true(f.region[r].considered > 300);
        assert_true(f.region[r].correlation_defined);
    }
    /* about a tenth of shares lie within 0.05 of a whole percent, by chance */
    assert_true(fabs(f.nation.turnout.expected - 0.1 * (double) f.nation.considered) <
                0.01 * (double) f.nation.considered);
    dauys_forensics_free(&f);
    free(p);
}

/* --- the false-positive rates over 20 clean referendums ---------------------- */

#define SEEDS 20

/* What the 20 clean runs gave, per kind of test, over all 21 areas each. */
typedef struct rates {
    unsigned tests, flagged, below_05; /* integer: both tests; digits: the one */
    double p_sum;
} rates;

static void
tally_p(rates *r, double p, int flagged)
{
    r->tests++;
    r->flagged += flagged != 0;
    r->below_05 += p <= 0.05;
    r->p_sum += p;
}

static void
tally_area(rates *integer, rates *digits, unsigned *other, const dauys_forensics_area *a)
{
    tally_p(integer, a->turnout.p_value, a->flags & DAUYS_FORENSICS_INTEGER_TURNOUT);
    tally_p(integer, a->yes.p_value, a->flags & DAUYS_FORENSICS_INTEGER_YES);
    tally_p(digits, a->digits.p_value, a->flags & DAUYS_FORENSICS_LAST_DIGIT);
    *other += (a->flags & (DAUYS_FORENSICS_HIGH_HIGH | DAUYS_FORENSICS_CORRELATION)) != 0;
}

static void
test_false_positive_rates(void **state)
{
    dauys_forensics_precinct *p = calloc(PRECINCTS, sizeof *p);
    rates integer = {0}, digits = {0};
    unsigned other = 0;
    dauys_forensics f;
    dauys_forensics_options o;

    (void) state;
    assert_non_null(p);
    dauys_forensics_options_default(&o);
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        synth(p, PRECINCTS, 1000 + seed);
        o.seed = seed;
        compute_ok(&f, p, PRECINCTS, &o);
        tally_area(&integer, &digits, &other, &f.nation);
        for (int r = 0; r < REGIONS; r++) {
            tally_area(&integer, &digits, &other, &f.region[r]);
        }
        dauys_forensics_free(&f);
    }
    print_message("integer tests: %u, flagged %u, p <= 0.05: %u, mean p %.3f\n", integer.tests,
                  integer.flagged, integer.below_05, integer.p_sum / integer.tests);
    print_message("last-digit tests: %u, flagged %u, p <= 0.05: %u, mean p %.3f\n", digits.tests,
                  digits.flagged, digits.below_05, digits.p_sum / digits.tests);
    print_message("high-high or correlation flags: %u of %u areas\n", other, digits.tests);
    assert_int_equal(integer.tests, 2 * SEEDS * (REGIONS + 1));
    /* Integer tests: at most 2/1001 each (docs/FORENSICS.md), so about 1.7 of 840;
     * 7 or more has probability 0.004 at that rate. And the p-values are
     * uniform, as a calibrated test's are under the null: 42 +- 6.3 of 840 at
     * or below 0.05, a mean of 0.5 +- 0.01. */
    assert_true(integer.flagged <= 6);
    assert_in_range(integer.below_05, 21, 67);
    assert_true(fabs(integer.p_sum / integer.tests - 0.5) < 0.05);
    /* Last digits: 0.1% each, 0.42 of 420; 5 or more has probability 0.0007.
     * At 0.05: 21 +- 4.5; mean p 0.5 +- 0.014. */
    assert_true(digits.flagged <= 4);
    assert_in_range(digits.below_05, 8, 38);
    assert_true(fabs(digits.p_sum / digits.tests - 0.5) < 0.06);
    /* No synthetic electorate has its turnout above 88% on average in any
     * region, nor turnout tied to yes: the two thresholds never fire. */
    assert_int_equal(other, 0);
    free(p);
}

/* --- each kind of fraud raises its flag where it is -------------------------- */

/* Sets precinct P to turnout TURNOUT and yes share YES (of the ballots), with
 * 1% invalid, rounding to whole ballots. */
static void
set_shares(dauys_forensics_precinct *p, double turnout, double yes)
{
    p->took_part = (uint64_t) llround((double) p->eligible * turnout);
    p->yes = (uint64_t) llround((double) p->took_part * yes);
    p->no = p->took_part - p->yes - p->took_part / 100;
}

/* 1 for every K-th precinct of region R, counted in order, from the first. */
static int
every(const dauys_forensics_precinct *p, size_t i, uint32_t r, unsigned k)
{
    size_t seen = 0;

    for (size_t j = 0; j < i; j++) {
        seen += p[j].region == r;
    }
    return p[i].region == r && seen % k == 0;
}

/* Region R's flags are WANT (all of them at least), no other region has any,
 * and every other region's numbers are the clean run's CLEAN, to the bit. */
static void
only_region(const dauys_forensics *f, const dauys_forensics *clean, uint32_t r, unsigned want)
{
    if ((f->region[r].flags & want) != want) {
        show_flags(f);
        fail_msg("region %u: flags %#x, wanted %#x", r, f->region[r].flags, want);
    }
    for (uint32_t i = 0; i < REGIONS; i++) {
        if (i != r) {
            assert_int_equal(f->region[i].flags, 0);
            assert_memory_equal(&f->region[i], &clean->region[i], sizeof f->region[i]);
        }
    }
}

/* 30% of region 7's precincts report 85% turnout and 90% yes (Kobak et al.'s
 * whole-percent targets): both integer flags there, nothing elsewhere. */
static void
test_integer_stuffing(void **state)
{
    dauys_forensics_precinct *p = synth_new(PRECINCTS, 2026);
    dauys_forensics clean, f;
    size_t stuffed = 0;

    (void) state;
    compute_ok(&clean, p, PRECINCTS, NULL);
    for (size_t i = 0; i < PRECINCTS; i++) {
        if (p[i].region == 7 && i % 10 < 3) {
            set_shares(&p[i], 0.85, 0.90);
            stuffed++;
        }
    }
    compute_ok(&f, p, PRECINCTS, NULL);
    print_message("stuffed %zu precincts: turnout at a whole percent %llu (expected %.1f, p99.9 "
                  "%llu), yes %llu (expected %.1f, p99.9 %llu)\n",
                  stuffed, (unsigned long long) f.region[7].turnout.observed,
                  f.region[7].turnout.expected, (unsigned long long) f.region[7].turnout.p999,
                  (unsigned long long) f.region[7].yes.observed, f.region[7].yes.expected,
                  (unsigned long long) f.region[7].yes.p999);
    assert_true(stuffed > 100);
    only_region(&f, &clean, 7, DAUYS_FORENSICS_INTEGER_TURNOUT | DAUYS_FORENSICS_INTEGER_YES);
    assert_true(f.region[7].turnout.observed > clean.region[7].turnout.observed + stuffed / 2);
    assert_true(f.region[7].turnout.p_value < 0.002);
    dauys_forensics_free(&clean);
    dauys_forensics_free(&f);
    free(p);
}

/* Region 3's counts written by hand, rounded down to fives: last digits 0 and 5. */
static void
test_last_digit_forgery(void **state)
{
    dauys_forensics_precinct *p = synth_new(PRECINCTS, 2026);
    dauys_forensics clean, f;

    (void) state;
    compute_ok(&clean, p, PRECINCTS, NULL);
    for (size_t i = 0; i < PRECINCTS; i++) {
        if (p[i].region == 3) {
            p[i].yes -= p[i].yes % 5;
            p[i].no -= p[i].no % 5;
        }
    }
    compute_ok(&f, p, PRECINCTS, NULL);
    only_region(&f, &clean, 3, DAUYS_FORENSICS_LAST_DIGIT);
    assert_true(f.region[3].digits.digit[1] == 0 && f.region[3].digits.digit[0] > 0);
    assert_true(f.region[3].digits.p_value < 1e-10);
    dauys_forensics_free(&clean);
    dauys_forensics_free(&f);
    free(p);
}

/* Every 6th precinct of region 11 at 95.7% turnout and 97.3% yes (not whole
 * percents, so only the 90/90 test can see it): more than 5% of its ballots. */
static void
test_high_high_cluster(void **state)
{
    dauys_forensics_precinct *p = synth_new(PRECINCTS, 2026);
    dauys_forensics clean, f;

    (void) state;
    compute_ok(&clean, p, PRECINCTS, NULL);
    for (size_t i = 0; i < PRECINCTS; i++) {
        if (every(p, i, 11, 6)) {
            set_shares(&p[i], 0.957, 0.973);
        }
    }
    compute_ok(&f, p, PRECINCTS, NULL);
    only_region(&f, &clean, 11, DAUYS_FORENSICS_HIGH_HIGH);
    assert_true(f.region[11].high_high_ballots * 20 > f.region[11].ballots);
    assert_int_equal(f.nation.flags & DAUYS_FORENSICS_HIGH_HIGH, 0); /* 1% of the nation's */
    dauys_forensics_free(&clean);
    dauys_forensics_free(&f);
    free(p);
}

/* In region 15 the yes share follows the turnout: the correlation flag. */
static void
test_turnout_drives_yes(void **state)
{
    dauys_forensics_precinct *p = synth_new(PRECINCTS, 2026);
    dauys_forensics clean, f;

    (void) state;
    compute_ok(&clean, p, PRECINCTS, NULL);
    for (size_t i = 0; i < PRECINCTS; i++) {
        if (p[i].region == 15) {
            double t = (double) p[i].took_part / (double) p[i].eligible;
            set_shares(&p[i], t, 0.2 + 0.9 * t > 0.98 ? 0.98 : 0.2 + 0.9 * t);
        }
    }
    compute_ok(&f, p, PRECINCTS, NULL);
    only_region(&f, &clean, 15, DAUYS_FORENSICS_CORRELATION);
    assert_true(f.region[15].correlation > 0.9);
    assert_true(clean.region[15].correlation < 0.2);
    dauys_forensics_free(&clean);
    dauys_forensics_free(&f);
    free(p);
}

/* --- exact boundaries -------------------------------------------------------- */

static void
test_whole_percent_boundaries(void **state)
{
    (void) state;
    /* 0.05 points exactly counts, on either side */
    assert_true(dauys_forensics_near_whole_percent(1001, 2000)); /* 50.05 */
    assert_true(dauys_forensics_near_whole_percent(999, 2000));  /* 49.95 */
    assert_true(dauys_forensics_near_whole_percent(1, 2000));    /* 0.05 */
    /* 0.0500001 does not */
    assert_false(dauys_forensics_near_whole_percent(500500001, 1000000000)); /* 50.0500001 */
    assert_false(dauys_forensics_near_whole_percent(499499999, 1000000000)); /* 49.9499999 */
    assert_false(dauys_forensics_near_whole_percent(1002, 2000));            /* 50.1 */
    /* whole percents, the ends, and a half (as far from both as can be) */
    assert_true(dauys_forensics_near_whole_percent(0, 7));
    assert_true(dauys_forensics_near_whole_percent(7, 7));
    assert_true(dauys_forensics_near_whole_percent(85, 100));
    assert_false(dauys_forensics_near_whole_percent(1, 200)); /* 0.5 */
    /* every count of 100 is a whole percent; of 200, every other */
    for (uint64_t k = 0; k <= 200; k++) {
        assert_true(k > 100 || dauys_forensics_near_whole_percent(k, 100));
        assert_int_equal(dauys_forensics_near_whole_percent(k, 200), k % 2 == 0);
    }
    /* beyond 64 bits: 2000k and 20mn overflow them */
    assert_true(dauys_forensics_near_whole_percent(UINT64_MAX / 2, UINT64_MAX)); /* 50.0000... */
    assert_true(dauys_forensics_near_whole_percent(UINT64_MAX - 1, UINT64_MAX));
    assert_false(dauys_forensics_near_whole_percent(UINT64_MAX / 1000 * 5, UINT64_MAX)); /* 0.5 */
    /* 90%: exactly is not above */
    assert_false(dauys_forensics_above_90(900, 1000));
    assert_true(dauys_forensics_above_90(901, 1000));
    assert_false(dauys_forensics_above_90(9, 10));
    assert_false(dauys_forensics_above_90(16602069666338596453ull, UINT64_MAX)); /* 90% - 0.5 */
    assert_true(dauys_forensics_above_90(16602069666338596454ull, UINT64_MAX));  /* 90% + 0.5 */
}

/* The same boundaries through dauys_forensics_compute. */
static void
test_boundaries_in_compute(void **state)
{
    static const dauys_forensics_precinct p[] = {
        {0, 2000, 1001, 500, 500},                 /* turnout 50.05: counts */
        {0, 1000000000, 500500001, 0, 0},          /* turnout 50.0500001: does not */
        {1, 4000, 2000, 1001, 999},                /* yes 50.05: counts (and turnout 50) */
        {1, 2000000000, 1000000000, 500500001, 0}, /* yes 50.0500001: not (turnout 50: counts) */
        {2, 1000, 900, 900, 0},                    /* turnout exactly 90%: not above */
        {2, 1000, 1000, 900, 100},                 /* yes exactly 90%: not above */
        {2, 1000, 901, 811, 90},                   /* 90.1% and 90.01%: above both */
    };
    dauys_forensics_options o;
    dauys_forensics f;
    dauys_error err;

    (void) state;
    dauys_forensics_options_default(&o);
    o.resamples = 10;
    assert_int_equal(dauys_forensics_compute(&f, p, 7, 3, &o, &err), 0);
    assert_int_equal(f.region[0].turnout.observed, 1);
    assert_int_equal(f.region[1].yes.observed, 1);
    assert_int_equal(f.region[1].turnout.observed, 2);
    assert_int_equal(f.region[2].high_high_ballots, 901);
    assert_int_equal(f.region[2].ballots, 2801);
    assert_int_equal(f.nation.high_high_ballots, 901);
    dauys_forensics_free(&f);
}

/* --- the pieces: sampler, log-factorial, chi-square -------------------------- */

/* Chi-square goodness of fit of DRAWS variates of Binomial(N, P) against its
 * pmf (cells with at least 5 expected, the tails pooled); returns the p-value. */
static double
binomial_fit(uint64_t n, double p, unsigned draws, uint64_t seed, double *mean, double *var)
{
    uint32_t *seen = calloc(n + 1, sizeof *seen);
    forensics_binomial b;
    forensics_rng g;
    double sum = 0, sum2 = 0, chi2 = 0, e = 0, o = 0, last_e = 0, last_o = 0;
    unsigned cells = 0;

    assert_non_null(seen);
    dauys_forensics_binomial_init(&b, n, p);
    dauys_forensics_rng_seed(&g, seed, 0);
    for (unsigned i = 0; i < draws; i++) {
        uint64_t k = dauys_forensics_binomial_draw(&b, &g);
        assert_true(k <= n);
        seen[k]++;
        sum += (double) k;
        sum2 += (double) k * (double) k;
    }
    for (uint64_t k = 0; k <= n; k++) { /* pmf from lgamma, apart from the library */
        e += draws *
             exp(lgamma((double) n + 1) - lgamma((double) k + 1) - lgamma((double) (n - k) + 1) +
                 (double) k * log(p) + (double) (n - k) * log1p(-p));
        o += seen[k];
        if (e >= 5) { /* a cell is complete; the one before it is counted */
            chi2 += cells ? (last_o - last_e) * (last_o - last_e) / last_e : 0;
            cells++;
            last_e = e, last_o = o;
            e = o = 0;
        }
    }
    last_e += e, last_o += o; /* the upper tail, short of 5, joins the last cell */
    chi2 += (last_o - last_e) * (last_o - last_e) / last_e;
    free(seen);
    *mean = sum / draws;
    *var = sum2 / draws - *mean * *mean;
    return dauys_forensics_chi2_upper(chi2, cells - 1);
}

/* Variates per case: enough to see a squeeze constant off by 0.07 (a 2% bias
 * near the mode), which 200,000 do not show. */
#define DRAWS 2000000

static void
test_binomial_sampler(void **state)
{
    static const struct {
        uint64_t n;
        double p;
    } cases[] = {
        {1000, 0.3},                 /* BTRS */
        {40, 0.2},                   /* inversion: n p = 8 */
        {20, 0.5},                   /* BTRS at its smallest, n p = 10 */
        {3000, 0.997},               /* inversion of the flipped side: n (1 - p) = 9 */
        {2500, 0.85},                /* BTRS, flipped */
        {100000, 0.45}, {150, 0.01}, /* n p = 1.5 */
    };

    (void) state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        uint64_t n = cases[c].n;
        double p = cases[c].p, mean, var, want = (double) n * p, want_var = want * (1 - p);
        double pv = binomial_fit(n, p, DRAWS, c + 1, &mean, &var);
        print_message("Binomial(%llu, %g): mean %.3f (%.3f), variance %.3f (%.3f), fit p %.3f\n",
                      (unsigned long long) n, p, mean, want, var, want_var, pv);
        assert_true(pv > 1e-4);
        assert_true(fabs(mean - want) < 5 * sqrt(want_var / DRAWS));
        assert_true(fabs(var / want_var - 1) < 0.03);
    }
}

/* Huge lists and the degenerate shares: always within 0..N, mean where it belongs. */
static void
test_binomial_extremes(void **state)
{
    forensics_binomial b;
    forensics_rng g;
    double sum = 0;

    (void) state;
    dauys_forensics_rng_seed(&g, 7, 7);
    dauys_forensics_binomial_init(&b, 1000000000000000ull, 0.3);
    for (int i = 0; i < 10000; i++) {
        sum += (double) dauys_forensics_binomial_draw(&b, &g);
    }
    /* sd of one draw 1.45e7; of the mean of 10,000, 1.45e5 */
    assert_true(fabs(sum / 10000 - 3e14) < 1e6);
    dauys_forensics_binomial_init(&b, UINT64_MAX, 0.5);
    for (int i = 0; i < 10000; i++) {
        uint64_t k = dauys_forensics_binomial_draw(&b, &g);
        assert_true(k > UINT64_MAX / 2 - (1ull << 40) && k < UINT64_MAX / 2 + (1ull << 40));
    }
    dauys_forensics_binomial_init(&b, UINT64_MAX, 1);
    assert_true(dauys_forensics_binomial_draw(&b, &g) == UINT64_MAX);
    dauys_forensics_binomial_init(&b, 1000, 0);
    assert_true(dauys_forensics_binomial_draw(&b, &g) == 0);
    dauys_forensics_binomial_init(&b, 0, 0.5);
    assert_true(dauys_forensics_binomial_draw(&b, &g) == 0);
    dauys_forensics_binomial_init(&b, 1000, NAN);
    assert_true(dauys_forensics_binomial_draw(&b, &g) == 0);
}

static void
test_log_factorial(void **state)
{
    static const double ks[] = {0,  1,  2,  5,   10,   19,    20,  21,
                                22, 30, 50, 100, 1000, 12345, 1e6, 1e12};

    (void) state;
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        double want = lgamma(ks[i] + 1), got = dauys_forensics_log_factorial(ks[i]);
        assert_true(fabs(got - want) <= 1e-13 * (want > 1 ? want : 1));
    }
}

static void
test_chi2_p_values(void **state)
{
    (void) state;
    /* the 9-degree table's critical values (0.001, 0.01, 0.05) and others,
     * checked against a numerical integration of the density */
    assert_true(fabs(dauys_forensics_chi2_upper(27.877, 9) - 0.0010000634) < 1e-8);
    assert_true(fabs(dauys_forensics_chi2_upper(21.666, 9) - 0.0099999799) < 1e-8);
    assert_true(fabs(dauys_forensics_chi2_upper(16.919, 9) - 0.0499996408) < 1e-8);
    assert_true(fabs(dauys_forensics_chi2_upper(9, 9) - 0.4372741889) < 1e-8);
    assert_true(fabs(dauys_forensics_chi2_upper(4, 9) - 0.9114125268) < 1e-8);
    assert_true(fabs(dauys_forensics_chi2_upper(3.841459, 1) - 0.0499999947) < 1e-8);
    assert_true(fabs(dauys_forensics_chi2_upper(9.487729, 4) - 0.0500000008) < 1e-8);
    assert_true(fabs(dauys_forensics_chi2_upper(18.307, 10) - 0.0500005891) < 1e-8);
    assert_true(fabs(dauys_forensics_chi2_upper(2, 2) - exp(-1)) < 1e-15);
    assert_true(dauys_forensics_chi2_upper(0, 9) == 1);
    assert_true(dauys_forensics_chi2_upper(-3, 9) == 1);
    assert_true(dauys_forensics_chi2_upper(2000, 9) < 1e-300);
    assert_true(isnan(dauys_forensics_chi2_upper(5, 0)));
    assert_true(isnan(dauys_forensics_chi2_upper(NAN, 9)));
}

/* --- bad input, memory, reproducibility -------------------------------------- */

static void
expect_usage(const dauys_forensics_precinct *p, size_t n, const dauys_forensics_options *o,
             const char *needle)
{
    dauys_forensics f;
    dauys_error err;

    assert_int_equal(dauys_forensics_compute(&f, p, n, REGIONS, o, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, needle);
    assert_null(f.region);
    dauys_forensics_free(&f); /* as the contract asks, also after a failure */
}

static void
test_bad_input(void **state)
{
    dauys_forensics_precinct p[3] = {
        {1, 1000, 700, 400, 290}, {2, 1000, 700, 400, 290}, {3, 1000, 700, 400, 290}};
    dauys_forensics_options o;
    dauys_forensics f;
    dauys_error err;

    (void) state;
    dauys_forensics_options_default(&o);
    o.resamples = 10;
    p[1].region = REGIONS;
    expect_usage(p, 3, &o, "precinct 1: region 20");
    p[1].region = 2;
    p[2].took_part = 1001;
    expect_usage(p, 3, &o, "precinct 2: took part 1001 of 1000");
    p[2].took_part = 700;
    p[0].no = 301; /* 400 + 301 > 700 */
    expect_usage(p, 3, &o, "precinct 0");
    p[0].yes = 1, p[0].no = UINT64_MAX; /* the sum wraps to 0 in 64 bits */
    expect_usage(p, 3, &o, "precinct 0");
    p[0].yes = 701, p[0].no = 0;
    expect_usage(p, 3, &o, "precinct 0");
    p[0].yes = 400, p[0].no = 290;
    p[0].eligible = p[1].eligible = p[0].took_part = p[1].took_part = UINT64_MAX / 2 + 1;
    expect_usage(p, 3, &o, "2^64");
    p[0].eligible = p[1].eligible = 1000, p[0].took_part = p[1].took_part = 700;
    expect_usage(NULL, 3, &o, "no array");
    o.resamples = 0;
    expect_usage(p, 3, &o, "resamples");
    o.resamples = 100001;
    expect_usage(p, 3, &o, "resamples");
    o.resamples = 10;
    o.high_share_flag = NAN;
    expect_usage(p, 3, &o, "thresholds");
    o.high_share_flag = 0.05;
    o.correlation_flag = NAN;
    expect_usage(p, 3, &o, "thresholds");
    o.correlation_flag = 0.5;
    assert_int_equal(dauys_forensics_compute(&f, p, 3, (size_t) UINT32_MAX + 1, &o, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "regions");
    dauys_forensics_free(&f);
    o.high_share_flag = 0.05;
    assert_int_equal(dauys_forensics_compute(NULL, p, 3, REGIONS, &o, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, NULL);
    assert_int_equal(dauys_forensics_compute(&f, p, 3, REGIONS, &o, &err), 0); /* all good again */
    assert_int_equal(f.nation.precincts, 3);
    dauys_forensics_free(&f);
}

/* No precinct at all, or no region: nothing flagged, nothing undefined. */
static void
test_empty(void **state)
{
    dauys_forensics f;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_forensics_compute(&f, NULL, 0, 3, NULL, &err), 0);
    assert_int_equal(f.region_count, 3);
    assert_int_equal(all_flags(&f), 0);
    assert_true(f.nation.turnout.p_value == 1 && f.nation.digits.p_value == 1);
    assert_false(f.nation.correlation_defined);
    assert_int_equal(f.options.resamples, 1000);
    dauys_forensics_free(&f);
    assert_int_equal(dauys_forensics_compute(&f, NULL, 0, 0, NULL, &err), 0);
    assert_int_equal(f.region_count, 0);
    dauys_forensics_free(&f);
}

/* Fails the k-th allocation for every k (and, second, only the k-th). */
static void
test_out_of_memory(void **state)
{
    dauys_forensics_precinct *p = synth_new(300, 5);
    dauys_forensics_options o;
    dauys_forensics f;
    dauys_error err;

    (void) state;
    dauys_forensics_options_default(&o);
    o.resamples = 50;
    for (int once = 0; once < 2; once++) {
        long k;
        for (k = 0; k < 100; k++) {
            once ? support_alloc_install_once(k) : support_alloc_install(k);
            int rc = dauys_forensics_compute(&f, p, 300, REGIONS, &o, &err);
            dauys_forensics_free(&f);
            long leaked = support_alloc_outstanding();
            support_alloc_restore();
            assert_int_equal(leaked, 0);
            if (rc == 0) {
                break;
            }
            assert_error(&err, DAUYS_E_NOMEM, "out of memory");
        }
        assert_true(k > 0 && k < 100); /* it allocates, and succeeds once it can */
    }
    free(p);
}

/* The same precincts in another order give the same results, bit for bit:
 * the HTML report and dauys-audit forensics read them in different orders. */
static void
test_order_does_not_matter(void **state)
{
    dauys_forensics_precinct *p = synth_new(3000, 21), *q = malloc(3000 * sizeof *q);
    dauys_forensics a, b;
    dauys_forensics_options o;
    trng g = {.x = 99};

    (void) state;
    assert_non_null(q);
    memcpy(q, p, 3000 * sizeof *q);
    for (size_t i = 2999; i > 0; i--) { /* Fisher-Yates */
        size_t j = (size_t) (tnext(&g) % (i + 1));
        dauys_forensics_precinct t = q[i];
        q[i] = q[j], q[j] = t;
    }
    assert_true(memcmp(p, q, 3000 * sizeof *q) != 0);
    dauys_forensics_options_default(&o);
    compute_ok(&a, p, 3000, &o);
    compute_ok(&b, q, 3000, &o);
    assert_memory_equal(&a.nation, &b.nation, sizeof a.nation);
    assert_memory_equal(a.region, b.region, REGIONS * sizeof *a.region);
    dauys_forensics_free(&a);
    dauys_forensics_free(&b);
    free(p), free(q);
}

static void
test_reproducible(void **state)
{
    dauys_forensics_precinct *p = synth_new(3000, 11);
    dauys_forensics a, b, c, d;
    dauys_forensics_options o;
    int differ = 0;

    (void) state;
    dauys_forensics_options_default(&o);
    compute_ok(&a, p, 3000, &o);
    compute_ok(&b, p, 3000, &o);
    o.seed = 12345;
    compute_ok(&c, p, 3000, &o);
    compute_ok(&d, p, 3000, &o);
    assert_memory_equal(&a.nation, &b.nation, sizeof a.nation);
    assert_memory_equal(a.region, b.region, REGIONS * sizeof *a.region);
    assert_memory_equal(&c.nation, &d.nation, sizeof c.nation);
    assert_memory_equal(c.region, d.region, REGIONS * sizeof *c.region);
    for (int r = 0; r < REGIONS; r++) { /* what was observed does not depend on the seed */
        assert_int_equal(a.region[r].turnout.observed, c.region[r].turnout.observed);
        assert_true(a.region[r].correlation == c.region[r].correlation);
        differ += a.region[r].turnout.expected != c.region[r].turnout.expected;
    }
    assert_true(differ > REGIONS / 2); /* what was resampled does */
    assert_int_equal(c.options.seed, 12345);
    dauys_forensics_free(&a);
    dauys_forensics_free(&b);
    dauys_forensics_free(&c);
    dauys_forensics_free(&d);
    free(p);
}

/* --- words and writers ------------------------------------------------------- */

static void
assert_contains_number(const char *s, unsigned long long n)
{
    char want[32];

    snprintf(want, sizeof want, "%llu", n);
    if (strstr(s, want) == NULL) {
        fail_msg("\"%s\" lacks %s", s, want);
    }
}

static void
test_words(void **state)
{
    dauys_forensics_area a = {
        .precincts = 500,
        .considered = 480,
        .turnout = {.observed = 131, .expected = 48.25, .p999 = 71, .p_value = 0.000999},
        .yes = {.observed = 97, .expected = 47.5, .p999 = 69, .p_value = 0.000999},
        .digits = {.n = 960,
                   .digit = {200, 60, 80, 90, 70, 180, 70, 70, 70, 70},
                   .chi2 = 212.5,
                   .p_value = 1e-40},
        .correlation_defined = 1,
        .correlation = 0.83,
        .high_high_ballots = 40123,
        .ballots = 351234};
    char s[512], shortbuf[10];
    const char *names[] = {"integer-turnout", "integer-yes", "last-digit", "high-turnout-high-yes",
                           "correlation"};

    (void) state;
    for (int i = 0; i < DAUYS_FORENSICS_FLAG_COUNT; i++) {
        unsigned flag = 1u << i;
        assert_string_equal(dauys_forensics_flag_name(flag), names[i]);
        assert_true(strlen(dauys_forensics_caveat(flag)) > 40);
        int n = dauys_forensics_explain(s, sizeof s, &a, flag);
        assert_true(n > 40 && (size_t) n == strlen(s));
        /* the needed length, as snprintf, and a cut that stays a string */
        assert_int_equal(dauys_forensics_explain(shortbuf, sizeof shortbuf, &a, flag), n);
        assert_int_equal(strlen(shortbuf), sizeof shortbuf - 1);
    }
    assert_true(strstr(dauys_forensics_caveat(DAUYS_FORENSICS_INTEGER_TURNOUT), "Rozenas 2017"));
    assert_true(strstr(dauys_forensics_caveat(DAUYS_FORENSICS_LAST_DIGIT), "Beber and Scacco"));
    dauys_forensics_explain(s, sizeof s, &a, DAUYS_FORENSICS_INTEGER_TURNOUT);
    assert_contains_number(s, 131), assert_contains_number(s, 480), assert_contains_number(s, 71);
    assert_true(strstr(s, "48.2") || strstr(s, "48.3"));
    dauys_forensics_explain(s, sizeof s, &a, DAUYS_FORENSICS_INTEGER_YES);
    assert_contains_number(s, 97), assert_contains_number(s, 69);
    dauys_forensics_explain(s, sizeof s, &a, DAUYS_FORENSICS_LAST_DIGIT);
    assert_contains_number(s, 960), assert_contains_number(s, 200);
    assert_true(strstr(s, "212.5") != NULL);
    dauys_forensics_explain(s, sizeof s, &a, DAUYS_FORENSICS_HIGH_HIGH);
    assert_contains_number(s, 40123), assert_contains_number(s, 351234);
    assert_true(strstr(s, "11.4%") != NULL);
    dauys_forensics_explain(s, sizeof s, &a, DAUYS_FORENSICS_CORRELATION);
    assert_true(strstr(s, "0.83") != NULL);
    /* unknown flags */
    assert_null(dauys_forensics_flag_name(0));
    assert_null(dauys_forensics_flag_name(0x20));
    assert_null(dauys_forensics_flag_name(3));
    assert_null(dauys_forensics_caveat(0x20));
    assert_int_equal(dauys_forensics_explain(s, sizeof s, &a, 0x20), -1);
    assert_string_equal(s, "");
}

/* Region ids and names for the writers; one name needs JSON escaping, and ends
 * in U+009B, a C1 control (a terminal's CSI), and U+202E, a right-to-left
 * override: valid UTF-8 the manifest allows. */
static const char *const region_id[REGIONS] = {"R00", "R01", "R02", "R03", "R04", "R05", "R06",
                                               "R07", "R08", "R09", "R10", "R11", "R12", "R13",
                                               "R14", "R15", "R16", "R17", "R18", "R19"};
static const char *const region_name[REGIONS] = {
    "Zero",    "One",       "Two",      "Three",
    "Four",    "Five",      "Six",      "Seven \"the stuffed\"\xc2\x9b\xe2\x80\xae",
    "Eight",   "Nine",      "Ten",      "Eleven",
    "Twelve",  "Thirteen",  "Fourteen", "Fifteen",
    "Sixteen", "Seventeen", "Eighteen", "Nineteen"};

/* What a writer wrote, as a string (free it). */
static char *
written(const dauys_forensics *f, int json)
{
    dauys_forensics_labels l = {"q1", region_id, region_name};
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);

    assert_non_null(fp);
    assert_int_equal(json ? dauys_forensics_write_json(fp, f, &l, "  ")
                          : dauys_forensics_write_text(fp, f, &l),
                     0);
    assert_int_equal(fclose(fp), 0);
    return buf;
}

/* Brackets and braces outside strings balance, and strings close. */
static int
json_balanced(const char *s)
{
    int depth = 0, in_string = 0;

    for (; *s; s++) {
        if (in_string) {
            s += *s == '\\' && s[1] != '\0';
            in_string = *s != '"';
        } else if (*s == '"') {
            in_string = 1;
        } else {
            depth += (*s == '{' || *s == '[') - (*s == '}' || *s == ']');
            if (depth < 0) {
                return 0;
            }
        }
    }
    return depth == 0 && !in_string;
}

static void
test_writers(void **state)
{
    dauys_forensics_precinct *p = synth_new(PRECINCTS, 2026);
    dauys_forensics f;
    char *text, *json;

    (void) state;
    compute_ok(&f, p, PRECINCTS, NULL);
    text = written(&f, 0);
    json = written(&f, 1);
    assert_non_null(strstr(text, "question q1: 10000 precincts"));
    assert_non_null(strstr(text, "\nnational "));
    assert_non_null(strstr(text, "\nR19 "));
    assert_non_null(strstr(text, "none: no test reaches its threshold"));
    assert_true(json_balanced(json));
    assert_non_null(strstr(json, "{\"question\": \"q1\""));
    /* controls escaped, so a JSON viewer shows them rather than obeys them */
    assert_non_null(strstr(json, "\"name\": \"Seven \\\"the stuffed\\\"\\u009b\\u202e\""));
    assert_non_null(strstr(json, "\"flags\": []\n  }"));
    free(text);
    free(json);
    dauys_forensics_free(&f);
    for (size_t i = 0; i < PRECINCTS; i++) {
        if (p[i].region == 7 && i % 10 < 3) {
            set_shares(&p[i], 0.85, 0.90);
        }
    }
    compute_ok(&f, p, PRECINCTS, NULL);
    text = written(&f, 0);
    json = written(&f, 1);
    assert_non_null(strstr(text, "  R07 (Seven \"the stuffed\"?"
                                 "?): integer-turnout\n    "));
    assert_null(strstr(text, "\xc2\x9b")); /* shown as '?' for a terminal */
    assert_null(strstr(text, "\xe2\x80\xae"));
    assert_non_null(strstr(text, "\n    caveat: Whole percentages"));
    assert_null(strstr(text, "none: no test"));
    assert_true(json_balanced(json));
    assert_non_null(strstr(json, "{\"area\": \"R07\", \"flag\": \"integer-turnout\", "
                                 "\"explanation\": \""));
    assert_non_null(strstr(json, "\"flags\": [\"integer-turnout\", \"integer-yes\"]"));
    free(text);
    free(json);
    dauys_forensics_free(&f);
    free(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_raises_no_flag),
        cmocka_unit_test(test_false_positive_rates),
        cmocka_unit_test(test_integer_stuffing),
        cmocka_unit_test(test_last_digit_forgery),
        cmocka_unit_test(test_high_high_cluster),
        cmocka_unit_test(test_turnout_drives_yes),
        cmocka_unit_test(test_whole_percent_boundaries),
        cmocka_unit_test(test_boundaries_in_compute),
        cmocka_unit_test(test_binomial_sampler),
        cmocka_unit_test(test_binomial_extremes),
        cmocka_unit_test(test_log_factorial),
        cmocka_unit_test(test_chi2_p_values),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_order_does_not_matter),
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_writers),
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
