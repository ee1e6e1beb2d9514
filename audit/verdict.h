/*
 * verdict.h: the audit's own evaluation of a question's rules (T2), from the
 * fractions of the parsed profile (referendum/rules.h: the parsing is shared)
 * and never with the tally's deciding code (dauys_rules_decide and its
 * thresholds). Written apart from referendum/rules.c on purpose: a rule is
 * met when an exact cross-multiplication says so (have * D > whole * N, or
 * >=), and the number needed is searched for as the least count that meets
 * it, not computed by the tally's formula. So a bug in the tally's rules
 * reaches a signed result that the audit does not reproduce. Each rule is
 * tagged with its requirement id of docs/RULES.md section 8. Not installed.
 */
#ifndef DAUYS_AUDIT_VERDICT_H
#define DAUYS_AUDIT_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "referendum/rules.h"

/* One rule as the audit evaluates it. */
typedef struct audit_rule_check {
    int present; /* the profile has this rule */
    int met;
    uint64_t needed, have, of; /* the least count that meets it, the count, the whole */
} audit_rule_check;

typedef struct audit_verdict {
    audit_rule_check quorum, majority, regions;
    int valid, adopted;
} audit_verdict;

/*
 * Evaluates RULES on the national counts NATION and the REGION_COUNT counts
 * REGION of the regional test (the regions not abroad; may be NULL without
 * a regional test). 0, or -1 with ERR (DAUYS_E_USAGE) when the counts are
 * out of range or the regional test has no region: the message is the one
 * docs/RULES.md section 3.5 gives.
 */
int dauys_audit_verdict_decide(audit_verdict *out, const dauys_rules *rules,
                               const dauys_counts *nation, const dauys_counts *region,
                               size_t region_count, dauys_error *err) DAUYS_WUR;

/* The whole that RULES take the majority (and the yes share) of in area C. */
uint64_t dauys_audit_verdict_base(const dauys_rules *rules, const dauys_counts *c);

/* 1 if yes in area C meets RULES' majority over C's own base, else 0. */
int dauys_audit_verdict_has_majority(const dauys_rules *rules, const dauys_counts *c);

#endif
