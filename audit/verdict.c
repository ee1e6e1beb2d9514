/*
 * verdict.c: the audit's second route to each verdict (T2): see verdict.h.
 * Every comparison is between whole numbers; products are taken in 128 bits,
 * where a count below 2^64 times a denominator of at most 1000 cannot
 * overflow.
 */
#include "audit/verdict.h"

#include <assert.h>

#define COUNT_MAX (UINT64_C(1) << 62)

/*
 * 1 if COUNT is more than the fraction T of WHOLE (count * den > whole * num),
 * or, for an "at least" fraction, at least it and not 0.
 * IMPLEMENTATION-OF: R-EXACT
 * IMPLEMENTATION-OF: R-EMPTY-WHOLE (at least a share of nothing is not met by nothing)
 */
static int
meets(uint64_t count, uint64_t whole, const dauys_threshold *t)
{
    unsigned __int128 scaled_count = (unsigned __int128) count * t->den;
    unsigned __int128 scaled_whole = (unsigned __int128) whole * t->num;

    assert(t->num > 0 && t->num <= t->den);
    if (t->at_least) {
        return count > 0 && scaled_count >= scaled_whole;
    }
    return scaled_count > scaled_whole;
}

/*
 * The least count that meets T of WHOLE, found by bisection on meets(): the
 * condition is monotone in the count, 0 may meet it (never, as it happens),
 * and WHOLE + 1 always does, because the fraction is at most 1.
 */
static uint64_t
least_meeting(uint64_t whole, const dauys_threshold *t)
{
    uint64_t lo = 0, hi = whole + 1; /* meets(hi); the least is in [lo, hi] */

    assert(whole < UINT64_MAX && meets(hi, whole, t));
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (meets(mid, whole, t)) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

/* Fills C with COUNT against T of WHOLE. */
static void
evaluate(audit_rule_check *c, uint64_t count, uint64_t whole, const dauys_threshold *t)
{
    c->present = 1;
    c->have = count;
    c->of = whole;
    c->met = meets(count, whole, t);
    c->needed = least_meeting(whole, t);
    assert(c->met == (count >= c->needed)); /* the two routes within this file agree */
}

uint64_t
dauys_audit_verdict_base(const dauys_rules *rules, const dauys_counts *c)
{
    /* IMPLEMENTATION-OF: R-MAJORITY-BASE */
    if (rules->majority_of_valid) {
        return c->yes + c->no;
    }
    return c->took_part;
}

int
dauys_audit_verdict_has_majority(const dauys_rules *rules, const dauys_counts *c)
{
    return meets(c->yes, dauys_audit_verdict_base(rules, c), &rules->majority);
}

/* The regional test: regions with a majority, against the regions counted. */
static int
regional_test(audit_rule_check *out, const dauys_rules *rules, const dauys_counts *region,
              size_t region_count, dauys_error *err)
{
    uint64_t with_majority = 0;

    /* IMPLEMENTATION-OF: R-REGIONS-NONE */
    if (region_count == 0) {
        return dauys_error_set(err, DAUYS_E_USAGE, "the regional test needs at least one region");
    }
    for (size_t i = 0; i < region_count; i++) {
        const dauys_counts *r = &region[i];
        /* IMPLEMENTATION-OF: R-COUNTS-RANGE (a region's counts) */
        if (r->took_part > COUNT_MAX || r->yes > r->took_part ||
            (rules->majority_of_valid && r->no > COUNT_MAX)) {
            return dauys_error_set(err, DAUYS_E_USAGE,
                                   "region %zu of the regional test: counts out of range", i + 1);
        }
        /* IMPLEMENTATION-OF: R-REGION-MAJORITY */
        if (dauys_audit_verdict_has_majority(rules, r)) {
            with_majority++;
        }
    }
    /* IMPLEMENTATION-OF: R-REGIONS-TWO-THIRDS */
    evaluate(out, with_majority, region_count, &rules->regions);
    return 0;
}

int
dauys_audit_verdict_decide(audit_verdict *out, const dauys_rules *rules, const dauys_counts *nation,
                           const dauys_counts *region, size_t region_count, dauys_error *err)
{
    *out = (audit_verdict){0};
    /* IMPLEMENTATION-OF: R-COUNTS-RANGE */
    if (nation->eligible > COUNT_MAX || nation->took_part > COUNT_MAX || nation->no > COUNT_MAX ||
        nation->yes > nation->took_part) {
        return dauys_error_set(err, DAUYS_E_USAGE, "counts out of range");
    }
    if (rules->has_quorum) {
        /* IMPLEMENTATION-OF: R-VALIDITY-QUORUM */
        evaluate(&out->quorum, nation->took_part, nation->eligible, &rules->quorum);
    }
    /* IMPLEMENTATION-OF: R-GENERAL-MAJORITY */
    evaluate(&out->majority, nation->yes, dauys_audit_verdict_base(rules, nation),
             &rules->majority);
    if (rules->has_regions && regional_test(&out->regions, rules, region, region_count, err) != 0) {
        return -1;
    }
    /* IMPLEMENTATION-OF: R-VALID-ADOPTED */
    out->valid = !out->quorum.present || out->quorum.met;
    out->adopted = out->valid && out->majority.met && (!out->regions.present || out->regions.met);
    return 0;
}
