/*
 * forensics.c: the three tests of forensics.h over one question's precincts.
 * One pass gathers what each area observed (exact integer predicates,
 * last digits, the turnout-yes moments); then the Monte Carlo resamples
 * every considered precinct; then each area's numbers become flags.
 *
 * Reproducibility: the precincts are first put in one canonical order (by
 * region, then eligible, took part, yes, no), so the results depend on the
 * seed and the precincts given, never on the order they come in: the HTML
 * report (from SQL) and dauys-audit forensics (from the bundle) agree to
 * the last digit. Then each precinct and test draws from its own stream
 * (seed, 2 * its place in that order + test): regions come in blocks, so
 * changing one region's data leaves every other region's results as they
 * were.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "forensics/forensics.h"
#include "forensics/forensics_internal.h"

/* Resamples at most: the counts kept are (regions + 1) x 2 x resamples x 8 bytes. */
#define RESAMPLES_MAX 100000u

void
dauys_forensics_options_default(dauys_forensics_options *opt)
{
    *opt = (dauys_forensics_options){.seed = 1,
                                     .resamples = 1000,
                                     .min_voters = 100,
                                     .high_share_flag = 0.05,
                                     .correlation_flag = 0.5};
}

/*
 * |100k/n - m| <= 0.05  <=>  |2000k - 20mn| <= n, for m the nearest whole
 * number. The double k * SCALE (SCALE = 100 / n) only proposes m: it is off by
 * one only when 100k/n is within 1e-12 of a half, far from any window, and the
 * exact test then fails as it should. 2000k and 20mn (m <= 100) stay below
 * 2^75 in 128 bits. SCALE saves the resampling loop a division per draw.
 */
static int
near_scaled(uint64_t k, uint64_t n, double scale)
{
    uint64_t m = (uint64_t) ((double) k * scale + 0.5);
    unsigned __int128 lhs = (unsigned __int128) k * 2000, rhs = (unsigned __int128) m * n * 20;

    return (lhs > rhs ? lhs - rhs : rhs - lhs) <= n;
}

int
dauys_forensics_near_whole_percent(uint64_t k, uint64_t n)
{
    return near_scaled(k, n, 100.0 / (double) n);
}

int
dauys_forensics_above_90(uint64_t k, uint64_t n)
{
    return (unsigned __int128) k * 10 > (unsigned __int128) n * 9;
}

/* The turnout-yes moments of one area, by Welford's updates (no
 * cancellation when the shares are close to each other). */
typedef struct moments {
    double n, mean_x, mean_y, sxx, syy, sxy;
} moments;

static void
moments_add(moments *m, double x, double y)
{
    double dx = x - m->mean_x, dy = y - m->mean_y; /* from the old means */

    m->n += 1;
    m->mean_x += dx / m->n;
    m->mean_y += dy / m->n;
    /* old deviation times new deviation: the exact one-pass update of each sum */
    m->sxx += dx * (x - m->mean_x);
    m->syy += dy * (y - m->mean_y);
    m->sxy += dx * (y - m->mean_y);
}

/* What one pass over the precincts gathers per area, before the Monte Carlo. */
typedef struct work {
    const dauys_forensics_precinct *p;
    size_t n, areas;             /* areas = regions + 1; the nation is the last */
    dauys_forensics_area **area; /* [areas]: the regions, then &out->nation */
    moments *mom;                /* [areas] */
    uint64_t *count;             /* [areas][2][resamples]: integer counts per resample */
    uint32_t resamples;
    uint64_t seed, min_voters;
} work;

/* Checks the options and the precincts; 0, or -1 (ERR: DAUYS_E_USAGE). */
static int
validate(const dauys_forensics_precinct *p, size_t n, size_t regions,
         const dauys_forensics_options *o, dauys_error *err)
{
    uint64_t ballots = 0;

    if (o->resamples < 1 || o->resamples > RESAMPLES_MAX) {
        return dauys_error_set(err, DAUYS_E_USAGE, "forensics: resamples from 1 to %u, not %u",
                               RESAMPLES_MAX, o->resamples);
    }
    if (isnan(o->high_share_flag) || isnan(o->correlation_flag)) {
        return dauys_error_set(err, DAUYS_E_USAGE,
                               "forensics: the flags' thresholds must be "
                               "numbers");
    }
    if (regions > UINT32_MAX) { /* a precinct's region is a uint32_t */
        return dauys_error_set(err, DAUYS_E_USAGE, "forensics: %zu regions", regions);
    }
    if (n > 0 && p == NULL) {
        return dauys_error_set(err, DAUYS_E_USAGE, "forensics: %zu precincts but no array", n);
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i].region >= regions) {
            return dauys_error_set(err, DAUYS_E_USAGE,
                                   "forensics: precinct %zu: region %u, "
                                   "but there are %zu regions",
                                   i, p[i].region, regions);
        }
        if (p[i].took_part > p[i].eligible || p[i].yes > p[i].took_part ||
            p[i].no > p[i].took_part - p[i].yes) { /* yes + no > took part, without overflow */
            return dauys_error_set(err, DAUYS_E_USAGE,
                                   "forensics: precinct %zu: took part %llu "
                                   "of %llu eligible, yes %llu, no %llu: impossible counts",
                                   i, (unsigned long long) p[i].took_part,
                                   (unsigned long long) p[i].eligible,
                                   (unsigned long long) p[i].yes, (unsigned long long) p[i].no);
        }
        if (p[i].took_part > UINT64_MAX - ballots) {
            return dauys_error_set(err, DAUYS_E_USAGE,
                                   "forensics: the ballots add up to more "
                                   "than 2^64 (precinct %zu)",
                                   i);
        }
        ballots += p[i].took_part;
    }
    return 0;
}

/* A precinct is considered when it has at least min_voters ballots, and at
 * least one, or its shares are not defined. */
static int
considered(const work *w, const dauys_forensics_precinct *p)
{
    return p->took_part >= w->min_voters && p->took_part > 0;
}

/* The last digits of COUNT, if it is at least 100. */
static void
add_digit(dauys_forensics_digits *d, uint64_t count)
{
    if (count >= 100) {
        d->n++;
        d->digit[count % 10]++;
    }
}

/* Adds precinct P to area A (and its moments M). */
static void
observe(const work *w, dauys_forensics_area *a, moments *m, const dauys_forensics_precinct *p)
{
    a->precincts++;
    a->ballots += p->took_part;
    if (p->took_part > 0 && dauys_forensics_above_90(p->took_part, p->eligible) &&
        dauys_forensics_above_90(p->yes, p->took_part)) {
        a->high_high_ballots += p->took_part;
    }
    add_digit(&a->digits, p->yes);
    add_digit(&a->digits, p->no);
    if (!considered(w, p)) {
        return;
    }
    a->considered++;
    a->turnout.observed += (uint64_t) dauys_forensics_near_whole_percent(p->took_part, p->eligible);
    a->yes.observed += (uint64_t) dauys_forensics_near_whole_percent(p->yes, p->took_part);
    moments_add(m, (double) p->took_part / (double) p->eligible,
                (double) p->yes / (double) p->took_part);
}

/*
 * Resamples precinct I's test TEST (0 turnout, 1 yes): W->resamples draws of
 * Binomial(N, K / N), each counted in its region's and the nation's tally of
 * draws within 0.05 points of a whole percent.
 */
static void
resample(work *w, size_t i, int test, uint64_t k, uint64_t n)
{
    uint32_t r = w->resamples;
    uint64_t *region = w->count + ((size_t) w->p[i].region * 2 + (size_t) test) * r;
    uint64_t *nation = w->count + ((w->areas - 1) * 2 + (size_t) test) * r;
    double scale = 100.0 / (double) n;
    forensics_binomial b;
    forensics_rng g;

    dauys_forensics_binomial_init(&b, n, (double) k / (double) n);
    dauys_forensics_rng_seed(&g, w->seed, 2 * (uint64_t) i + (uint64_t) test);
    for (uint32_t j = 0; j < r; j++) {
        uint64_t hit = (uint64_t) near_scaled(dauys_forensics_binomial_draw(&b, &g), n, scale);
        region[j] += hit;
        nation[j] += hit;
    }
}

static int
compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

    return (x > y) - (x < y);
}

/* An integer test's summary from its R resampled counts (sorted here). */
static void
summarise(dauys_forensics_integer *t, uint64_t *count, uint32_t r)
{
    double sum = 0;
    uint64_t at_least = 0;

    for (uint32_t j = 0; j < r; j++) {
        sum += (double) count[j];
        at_least += count[j] >= t->observed;
    }
    qsort(count, r, sizeof *count, compare_u64);
    t->expected = sum / r;
    /* the smallest count with at least 99.9% of the resamples at or below it:
     * the ceil(0.999 R)-th smallest */
    t->p999 = count[(999 * (uint64_t) r + 999) / 1000 - 1];
    /* counting the observed data as one more resample: never 0 */
    t->p_value = (double) (1 + at_least) / (double) (1 + (uint64_t) r);
}

/* The last-digit test of D: chi-square against uniform digits, 9 degrees of freedom. */
static void
digits_test(dauys_forensics_digits *d)
{
    double e = (double) d->n / 10;

    d->chi2 = 0;
    d->p_value = 1;
    if (d->n == 0) {
        return;
    }
    for (int i = 0; i < 10; i++) {
        double o = (double) d->digit[i] - e;
        d->chi2 += o * o / e;
    }
    d->p_value = dauys_forensics_chi2_upper(d->chi2, 9);
}

/* The correlation from the moments, when there is one to speak of. */
static void
correlation(dauys_forensics_area *a, const moments *m)
{
    a->correlation_defined = m->n >= 3 && m->sxx > 0 && m->syy > 0;
    a->correlation = a->correlation_defined ? m->sxy / sqrt(m->sxx * m->syy) : 0;
    if (a->correlation > 1) { /* rounding */
        a->correlation = 1;
    } else if (a->correlation < -1) {
        a->correlation = -1;
    }
}

/* Area A's flags under options O. */
static unsigned
flags_of(const dauys_forensics_area *a, const dauys_forensics_options *o)
{
    unsigned f = 0;

    f |= a->turnout.observed > a->turnout.p999 ? DAUYS_FORENSICS_INTEGER_TURNOUT : 0;
    f |= a->yes.observed > a->yes.p999 ? DAUYS_FORENSICS_INTEGER_YES : 0;
    f |= a->digits.n >= DAUYS_FORENSICS_DIGITS_MIN &&
                 a->digits.p_value < DAUYS_FORENSICS_DIGITS_ALPHA
             ? DAUYS_FORENSICS_LAST_DIGIT
             : 0;
    f |= a->ballots > 0 && (double) a->high_high_ballots / (double) a->ballots > o->high_share_flag
             ? DAUYS_FORENSICS_HIGH_HIGH
             : 0;
    f |= a->correlation_defined && a->correlation >= o->correlation_flag
             ? DAUYS_FORENSICS_CORRELATION
             : 0;
    return f;
}

/* Every area's tests from what the pass and the Monte Carlo gathered. */
static void
conclude(work *w, const dauys_forensics_options *o)
{
    for (size_t i = 0; i < w->areas; i++) {
        dauys_forensics_area *a = w->area[i];
        summarise(&a->turnout, w->count + (i * 2) * w->resamples, w->resamples);
        summarise(&a->yes, w->count + (i * 2 + 1) * w->resamples, w->resamples);
        digits_test(&a->digits);
        correlation(a, &w->mom[i]);
        a->flags = flags_of(a, o);
    }
}

/* The pass and the Monte Carlo, over memory already allocated. */
static void
run(work *w, const dauys_forensics_options *o)
{
    for (size_t i = 0; i < w->n; i++) {
        const dauys_forensics_precinct *p = &w->p[i];
        observe(w, w->area[p->region], &w->mom[p->region], p);
        observe(w, w->area[w->areas - 1], &w->mom[w->areas - 1], p);
    }
    for (size_t i = 0; i < w->n; i++) {
        const dauys_forensics_precinct *p = &w->p[i];
        if (considered(w, p)) {
            resample(w, i, 0, p->took_part, p->eligible);
            resample(w, i, 1, p->yes, p->took_part);
        }
    }
    conclude(w, o);
}

/* The canonical order: region, then the counts. */
static int
canonical_cmp(const void *x, const void *y)
{
    const dauys_forensics_precinct *a = x, *b = y;
    const uint64_t ka[5] = {a->region, a->eligible, a->took_part, a->yes, a->no};
    const uint64_t kb[5] = {b->region, b->eligible, b->took_part, b->yes, b->no};

    for (size_t i = 0; i < 5; i++) {
        if (ka[i] != kb[i]) {
            return ka[i] < kb[i] ? -1 : 1;
        }
    }
    return 0;
}

int
dauys_forensics_compute(dauys_forensics *out, const dauys_forensics_precinct *p, size_t n,
                        size_t region_count, const dauys_forensics_options *opt, dauys_error *err)
{
    dauys_forensics_options o;
    work w = {.n = n};
    dauys_forensics_precinct *sorted = NULL;
    int rc = -1;

    if (out == NULL) {
        return dauys_error_set(err, DAUYS_E_USAGE, "forensics: no result to fill");
    }
    memset(out, 0, sizeof *out);
    if (opt == NULL) {
        dauys_forensics_options_default(&o);
    } else {
        o = *opt;
    }
    out->options = o;
    if (validate(p, n, region_count, &o, err) != 0) {
        return -1;
    }
    w.areas = region_count + 1;
    w.resamples = o.resamples;
    w.seed = o.seed;
    w.min_voters = o.min_voters;
    out->region_count = region_count;
    out->region = dauys_malloc_array(region_count, sizeof *out->region);
    w.area = dauys_malloc_array(w.areas, sizeof *w.area);
    w.mom = dauys_malloc_array(w.areas, sizeof *w.mom);
    /* region_count <= UINT32_MAX (validate): 2 * areas fits; the product is checked */
    w.count = dauys_malloc_array(w.areas * 2, o.resamples * sizeof *w.count);
    w.p = sorted = dauys_malloc_array(n, sizeof *sorted);
    if (out->region == NULL || w.area == NULL || w.mom == NULL || w.count == NULL ||
        sorted == NULL) {
        dauys_error_set(err, DAUYS_E_NOMEM,
                        "forensics: out of memory for %zu regions and %u "
                        "resamples",
                        region_count, o.resamples);
        goto done;
    }
    memset(out->region, 0, region_count * sizeof *out->region);
    memset(w.mom, 0, w.areas * sizeof *w.mom);
    memset(w.count, 0, w.areas * 2 * o.resamples * sizeof *w.count);
    for (size_t i = 0; i < region_count; i++) {
        w.area[i] = &out->region[i];
    }
    w.area[region_count] = &out->nation;
    if (n > 0) {
        memcpy(sorted, p, n * sizeof *sorted);
        qsort(sorted, n, sizeof *sorted, canonical_cmp);
    }
    run(&w, &o);
    rc = 0;
done:
    dauys_free(sorted);
    dauys_free(w.area);
    dauys_free(w.mom);
    dauys_free(w.count);
    return rc;
}

void
dauys_forensics_free(dauys_forensics *f)
{
    if (f != NULL) {
        dauys_free(f->region);
        f->region = NULL;
        f->region_count = 0;
    }
}

double
dauys_forensics_chi2_upper(double x, unsigned dof)
{
    double term, sum;

    if (dof == 0 || isnan(x)) {
        return NAN;
    }
    if (x <= 0) {
        return 1;
    }
    if (dof % 2 == 0) { /* Q(k, x/2) = e^(-x/2) sum_{j<k} (x/2)^j / j!, k = dof/2 */
        term = sum = exp(-x / 2);
        for (unsigned j = 1; j < dof / 2; j++) {
            term *= x / 2 / j;
            sum += term;
        }
        return sum > 1 ? 1 : sum;
    }
    /* odd: erfc(sqrt(x/2)) + sqrt(2/pi) e^(-x/2) sum_{r=1}^{(dof-1)/2} chi^(2r-1) / (2r-1)!!,
     * chi = sqrt(x) (Abramowitz and Stegun 26.4.4) */
    double chi = sqrt(x);
    term = chi * exp(-x / 2) * 0.79788456080286535588; /* sqrt(2/pi) */
    sum = 0;
    for (unsigned r = 1; r <= (dof - 1) / 2; r++) {
        sum += term;
        term *= x / (2 * r + 1);
    }
    sum += erfc(chi / 1.41421356237309504880);
    return sum > 1 ? 1 : sum;
}
