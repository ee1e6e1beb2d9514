/*
 * rules.h: whether a referendum is valid and a question adopted, under a
 * rules profile, in exact integer arithmetic (docs/RULES.md). No floating
 * point anywhere in a decision: "more than half" is 2 * part > whole, so
 * 50.000% is never more than half, and percentages are for display only.
 *
 * A profile is parsed once (dauys_rules_parse, called by the manifest
 * parser) into a dauys_rules: its thresholds as fractions, the whole each
 * is taken of, its clauses. The tally decides from that (dauys_rules_decide);
 * the audit shares the parse but decides with its own code (audit/verdict.h).
 * The rules carry requirement ids (IMPLEMENTATION-OF: R-..., docs/RULES.md
 * section 8).
 *
 * Profiles (the manifest names one per question):
 *   kz-constitutional  amendments to the Constitution of Kazakhstan: valid if
 *                      more than half of the eligible took part, adopted if
 *                      more than half of those who took part voted yes
 *                      (constitutional law on the republican referendum,
 *                      Art. 31) nationally AND in at least two thirds of the
 *                      regions (Constitution of 1995, Art. 91(1), last
 *                      sentence).
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

/* A threshold: a count must be more than (">") or at least (">=", AT_LEAST)
 * the fraction NUM/DEN of a whole, with 0 < NUM <= DEN <= 1000. */
typedef struct dauys_threshold {
    int at_least;
    uint32_t num, den;
} dauys_threshold;

/*
 * A rules profile, parsed once (dauys_rules_parse) from its token: each rule
 * as an exact fraction of a named whole, and the clause each one prints
 * (static strings). Nothing after the parse looks at the token: the tally
 * (dauys_rules_decide) and the audit (audit/verdict.c) decide from this.
 */
typedef struct dauys_rules {
    int has_quorum;
    dauys_threshold quorum;   /* took part, of the eligible */
    dauys_threshold majority; /* yes, of the base (nationally, and in each region) */
    int majority_of_valid;    /* the base is the valid votes (yes + no), else all who took part */
    int has_regions;          /* the regional test (kz-constitutional only) */
    dauys_threshold regions;  /* regions with a majority, of the regions counted */
    const char *quorum_clause, *majority_clause, *regions_clause;
} dauys_rules;

/*
 * Parses the profile TOKEN (a named profile, or "custom:..." in its one
 * spelling) into OUT. 0, or -1 with ERR (DAUYS_E_FORMAT) naming the problem
 * after "\"TOKEN\": ", and OUT zeroed.
 */
int dauys_rules_parse(dauys_rules *out, const char *token, dauys_error *err) DAUYS_WUR;

/* 1 if NAME is a profile this build knows (a named one or a valid custom one). */
int dauys_rules_profile_valid(const char *name);

typedef enum dauys_rule_id {
    DAUYS_RULE_QUORUM,   /* took part against the quorum */
    DAUYS_RULE_MAJORITY, /* yes against the national majority */
    DAUYS_RULE_REGIONS,  /* regions with a majority against the regional test */
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
    int valid;   /* the referendum counts (quorum met, or none required) */
    int adopted; /* valid, and every majority rule passed */
    uint64_t regions, regions_with_majority;
    size_t rule_count;
    dauys_rule_result rule[DAUYS_RULES_MAX];
} dauys_verdict;

/*
 * The tally's decision: applies RULES to the national counts NATION and, for
 * the regional test, to the REGION_COUNT regional counts REGION (may be NULL
 * when RULES has no regional test). Fails with DAUYS_E_USAGE for counts out
 * of range (docs/RULES.md section 3.5) or a regional test over no region.
 * The audit never calls this: it decides again with its own code (T2).
 */
int dauys_rules_decide(dauys_verdict *out, const dauys_rules *rules, const dauys_counts *nation,
                       const dauys_counts *region, size_t region_count, dauys_error *err) DAUYS_WUR;

/* Smallest x with x * den > whole * num (or >= when AT_LEAST; at least 1): exact. */
uint64_t dauys_rules_threshold(uint64_t whole, const dauys_threshold *t);

/* Smallest x with 2x > whole: "more than half". */
uint64_t dauys_rules_more_than_half(uint64_t whole);

/* Smallest x with 3x >= 2 * whole: "at least two thirds". */
uint64_t dauys_rules_two_thirds(uint64_t whole);

/* Formats N with thousands separators ("11,734,642") into OUT (at least 27 bytes). */
void dauys_rules_group(char *out, size_t size, uint64_t n);

/* What yes is shown as a share of, and its majority taken of, under RULES:
 * the valid votes (yes + no) or all who took part. */
uint64_t dauys_rules_yes_base(const dauys_rules *rules, const dauys_counts *c);

/* The least yes that is a majority of BASE under RULES (exact). */
uint64_t dauys_rules_majority_needed(const dauys_rules *rules, uint64_t base);

#endif
