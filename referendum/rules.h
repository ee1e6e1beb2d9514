/*
 * rules.h: whether a referendum is valid and a question adopted, under a
 * rules profile, in exact integer arithmetic (docs/RULES.md). No floating
 * point anywhere in a decision: "more than half" is 2 * part > whole, so
 * 50.000% is never more than half, and percentages are for display only.
 *
 * Profiles (the manifest names one per question):
 *   kz-constitutional  Constitution of the Republic of Kazakhstan (1995),
 *                      Art. 91, and the constitutional law on the republican
 *                      referendum: valid if more than half of the eligible
 *                      took part; adopted if more than half of those who took
 *                      part voted yes nationally AND in at least two thirds
 *                      of the regions.
 *   kz-ordinary        the same quorum and national majority, no regional test.
 *   simple-majority    no quorum; adopted if yes > no (a majority of valid
 *                      votes): mock referendums, Italy's constitutional
 *                      (confirmatory) referendum (Constitution of Italy, Art. 138).
 *   quorum-majority    valid if more than half of the eligible took part;
 *                      adopted if yes > no: Italy's abrogative referendum
 *                      (Constitution of Italy, Art. 75).
 *   custom:...         thresholds declared in the manifest as exact fractions,
 *                      e.g. "custom:q>=2/5:m>2/3:of=valid": valid if took
 *                      part >= 2/5 of the eligible; adopted if yes > 2/3 of
 *                      the valid votes. Parts: q (quorum, optional), m
 *                      (majority, required), each ">" (more than) or ">="
 *                      (at least) a fraction N/D with 0 < N <= D <= 1000;
 *                      of=took-part or of=valid (what the majority is of).
 */
#ifndef DAUYS_REFERENDUM_RULES_H
#define DAUYS_REFERENDUM_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Counts for one area (a region, or the nation) and one question. */
typedef struct dauys_counts {
    uint64_t eligible;  /* citizens on the lists at close */
    uint64_t took_part; /* ballots found in the boxes */
    uint64_t yes, no, not_counted, invalid;
} dauys_counts;

typedef enum dauys_rule_id {
    DAUYS_RULE_QUORUM,   /* more than half of the eligible took part */
    DAUYS_RULE_MAJORITY, /* the national majority the profile asks for */
    DAUYS_RULE_REGIONS,  /* a majority in at least two thirds of the regions */
} dauys_rule_id;

/* One rule applied: its verdict and the exact numbers behind it. */
typedef struct dauys_rule_result {
    dauys_rule_id id;
    const char *clause; /* e.g. "Constitution of Kazakhstan, Art. 91(1)" */
    int passed;
    uint64_t have, needed; /* passed iff have >= needed */
    uint64_t of;           /* the whole the threshold is taken of */
    char text[256]; /* e.g. "needed 5,867,322 took part of 11,734,642 eligible; had 7,985,769" */
} dauys_rule_result;

#define DAUYS_RULES_MAX 3

typedef struct dauys_verdict {
    int known_profile;
    int valid;   /* the referendum counts (quorum met, or none required) */
    int adopted; /* valid, and every majority rule passed */
    uint64_t regions, regions_with_majority;
    size_t rule_count;
    dauys_rule_result rule[DAUYS_RULES_MAX];
} dauys_verdict;

/*
 * Applies PROFILE to the national counts NATION and, for the regional test,
 * to the REGION_COUNT regional counts REGION (may be NULL when the profile
 * has no regional test). Fails with DAUYS_E_USAGE for an unknown profile or
 * inconsistent counts (a region count with more yes than took part).
 */
int dauys_rules_decide(dauys_verdict *out, const char *profile, const dauys_counts *nation,
                       const dauys_counts *region, size_t region_count, dauys_error *err) DAUYS_WUR;

/* A custom profile, parsed: quorum (if HAS_QUORUM) and majority thresholds. */
typedef struct dauys_threshold {
    int at_least;      /* ">=" rather than ">" */
    uint32_t num, den; /* the fraction */
} dauys_threshold;

typedef struct dauys_custom_profile {
    int has_quorum;
    dauys_threshold quorum, majority;
    int of_valid; /* majority of valid votes (yes + no), else of all who took part */
} dauys_custom_profile;

/* Parses a "custom:..." profile token; 0, or -1 with ERR naming the problem. */
int dauys_rules_custom_parse(dauys_custom_profile *out, const char *token,
                             dauys_error *err) DAUYS_WUR;

/* 1 if NAME is a profile this build knows (a named one or a valid custom one). */
int dauys_rules_profile_valid(const char *name);

/* Smallest x with x * den > whole * num (or >= when AT_LEAST): exact, for whole <= 2^62. */
uint64_t dauys_rules_threshold(uint64_t whole, const dauys_threshold *t);

/* Smallest x with 2x > whole: "more than half". */
uint64_t dauys_rules_more_than_half(uint64_t whole);

/* Smallest x with 3x >= 2 * whole: "at least two thirds". */
uint64_t dauys_rules_two_thirds(uint64_t whole);

/* Formats N with thousands separators ("11,734,642") into OUT (at least 27 bytes). */
void dauys_rules_group(char *out, size_t size, uint64_t n);

/* What yes is shown as a share of under PROFILE: valid votes (yes + no) for
 * the profiles whose majority is of valid votes, else all who took part. */
uint64_t dauys_rules_yes_base(const char *profile, const dauys_counts *c);

/* The least yes that is a majority of BASE under PROFILE (exact). */
uint64_t dauys_rules_majority_needed(const char *profile, uint64_t base);

/* PROFILE's majority as the fraction NUM/DEN of the base, for drawing its
 * line (1/2 for the named profiles; the decision is majority_needed's). */
void dauys_rules_majority_fraction(const char *profile, uint32_t *num, uint32_t *den);

#endif
