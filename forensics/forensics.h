/*
 * forensics.h: statistical flags on precinct results, for a human to look
 * at, never verdicts (docs/FORENSICS.md). Pure computation over counts the
 * caller has already verified: nothing here reads files, prints or exits.
 * Used by `dauys-audit forensics BUNDLE` and by the HTML report's forensics
 * section (`dauys report --html`, reports/report.html in every bundle).
 *
 * Three tests, each per region and nationally, for one question at a time:
 *
 *  - Integer-percentage peaks (Kobak, Shpilkin and Pshenichnikov 2016,
 *    Ann. Appl. Stat. 10(1):54-73). Among precincts with at least
 *    min_voters ballots in the boxes, the number whose turnout (took part /
 *    eligible) and, separately, whose yes share (yes / took part) lies
 *    within +-0.05 percentage points of a whole percent, decided in exact
 *    integer arithmetic. Compared with `resamples` binomial Monte Carlo
 *    resamples (each precinct's turnout drawn as Binomial(eligible, its
 *    observed turnout), its yes count as Binomial(took part, its observed
 *    yes share)), from a seeded generator so a run can be repeated. Flagged
 *    when the observed count is above the resamples' 99.9th percentile.
 *
 *  - Last digits (Beber and Scacco 2012, Political Analysis 20(2)): the last
 *    digit of every yes and no count of at least 100, chi-square test of
 *    uniformity (9 degrees of freedom). Flagged when p < 0.001, given at
 *    least 50 such counts (5 expected per digit: with fewer, the chi-square
 *    approximation is too rough to give a p that small any meaning).
 *
 *  - Turnout against yes share: Pearson's correlation over the precincts
 *    with at least min_voters ballots, and the share of ballots cast in
 *    precincts where turnout and yes share are both above 90% (exact
 *    integer comparison). Flagged when the share is above high_share_flag
 *    or the correlation at least correlation_flag.
 *
 * Each flag explains itself in one sentence with its numbers
 * (dauys_forensics_explain) and names its caveat (dauys_forensics_caveat).
 */
#ifndef DAUYS_FORENSICS_FORENSICS_H
#define DAUYS_FORENSICS_FORENSICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

/* One precinct's counts for one question. */
typedef struct dauys_forensics_precinct {
    uint32_t region;    /* index into the regions, < region_count */
    uint64_t eligible;  /* citizens on the list */
    uint64_t took_part; /* ballots in the boxes (for this question's ballot) */
    uint64_t yes, no;
} dauys_forensics_precinct;

typedef struct dauys_forensics_options {
    uint64_t seed;           /* the Monte Carlo generator's seed */
    uint32_t resamples;      /* Monte Carlo resamples (default 1000) */
    uint64_t min_voters;     /* ballots in the boxes for a precinct to be considered (100) */
    double high_share_flag;  /* share of ballots in >90%/>90% precincts that flags (0.05) */
    double correlation_flag; /* turnout-yes correlation that flags (0.5) */
} dauys_forensics_options;

/* The defaults above, seed 1. */
void dauys_forensics_options_default(dauys_forensics_options *opt);

/* Flags, one bit each. */
#define DAUYS_FORENSICS_INTEGER_TURNOUT 0x01u
#define DAUYS_FORENSICS_INTEGER_YES 0x02u
#define DAUYS_FORENSICS_LAST_DIGIT 0x04u
#define DAUYS_FORENSICS_HIGH_HIGH 0x08u
#define DAUYS_FORENSICS_CORRELATION 0x10u
#define DAUYS_FORENSICS_FLAG_COUNT 5

typedef struct dauys_forensics_integer {
    uint64_t observed; /* precincts within +-0.05 points of a whole percent */
    double expected;   /* mean over the resamples */
    uint64_t p999;     /* the resamples' 99.9th percentile */
    double p_value;    /* (1 + resamples with a count >= observed) / (1 + resamples) */
} dauys_forensics_integer;

typedef struct dauys_forensics_digits {
    uint64_t n;         /* counts of at least 100 */
    uint64_t digit[10]; /* how many end in each digit */
    double chi2;        /* 0 when n == 0 */
    double p_value;     /* 1 when n == 0 */
} dauys_forensics_digits;

typedef struct dauys_forensics_area {
    uint64_t precincts;  /* precincts given */
    uint64_t considered; /* of them, with at least min_voters ballots */
    dauys_forensics_integer turnout, yes;
    dauys_forensics_digits digits;
    int correlation_defined; /* 0 with fewer than 3 considered precincts or no variance */
    double correlation;
    uint64_t high_high_ballots; /* ballots in precincts with turnout and yes both above 90% */
    uint64_t ballots;           /* all ballots in the boxes */
    unsigned flags;             /* DAUYS_FORENSICS_* */
} dauys_forensics_area;

typedef struct dauys_forensics {
    dauys_forensics_options options; /* as used */
    dauys_forensics_area nation;
    size_t region_count;
    dauys_forensics_area *region; /* region_count of them */
} dauys_forensics;

/*
 * Computes every test over the N precincts P (regions 0..REGION_COUNT-1)
 * into *OUT, with OPT (NULL: the defaults); the results do not depend on
 * the order of P (forensics.c). Returns 0, or -1 with ERR set
 * (DAUYS_E_USAGE for a region out of range, took part above eligible, or
 * yes + no above took part; DAUYS_E_NOMEM). The caller frees *OUT with
 * dauys_forensics_free, also after a failure.
 */
int dauys_forensics_compute(dauys_forensics *out, const dauys_forensics_precinct *p, size_t n,
                            size_t region_count, const dauys_forensics_options *opt,
                            dauys_error *err) DAUYS_WUR;

void dauys_forensics_free(dauys_forensics *f);

/* FLAG's stable name ("integer-turnout", "integer-yes", "last-digit",
 * "high-turnout-high-yes", "correlation"); NULL for an unknown flag. */
const char *dauys_forensics_flag_name(unsigned flag);

/*
 * One sentence saying what FLAG found in area A, with its numbers, into
 * BUF (SIZE bytes, NUL-terminated, truncated if short). Returns the length
 * it needed, as snprintf does. Plain UTF-8 text, no markup.
 */
int dauys_forensics_explain(char *buf, size_t size, const dauys_forensics_area *a, unsigned flag);

/* One sentence: why FLAG may be innocent (e.g. small precincts make round
 * fractions naturally, Rozenas 2017). NULL for an unknown flag. */
const char *dauys_forensics_caveat(unsigned flag);

/* --- additions: the last-digit test's constants, its p-value, the writers --- */

/* The last-digit test flags at p < DIGITS_ALPHA with at least DIGITS_MIN counts. */
#define DAUYS_FORENSICS_DIGITS_MIN 50
#define DAUYS_FORENSICS_DIGITS_ALPHA 0.001

/*
 * P(a chi-square variable with DOF degrees of freedom >= X): the regularized
 * upper incomplete gamma Q(DOF/2, X/2), in closed form (a finite sum for even
 * DOF; erfc and a finite sum for odd DOF, Abramowitz and Stegun 26.4.4).
 * 1 for X <= 0; NaN for DOF 0 or a NaN X.
 */
double dauys_forensics_chi2_upper(double x, unsigned dof);

/* What the writers call the question and the regions (UTF-8, from the
 * manifest; any bytes, escaped in JSON). */
typedef struct dauys_forensics_labels {
    const char *question;           /* the question's id, e.g. "q1" */
    const char *const *region_id;   /* region_count NUL-terminated ids, e.g. "ABA" */
    const char *const *region_name; /* region_count names ("Abai Region"), or NULL */
} dauys_forensics_labels;

/*
 * F for people, to FP: a header line, a table with the national line and one
 * line per region (precincts, considered, each integer test's observed,
 * expected and 99.9th percentile, the last digits' counts, chi-square and p,
 * the correlation, the >90%/>90% share of ballots and the area's flags),
 * then every flag as its sentence and its caveat, or a line saying there is
 * none. Returns 0, or -1 if FP reports a write error.
 */
int dauys_forensics_write_text(FILE *fp, const dauys_forensics *f, const dauys_forensics_labels *l);

/*
 * F as one JSON object to FP, every line after the first starting with
 * INDENT, and no newline after the closing brace (the caller places it in a
 * larger document). Fields: docs/FORENSICS.md. Returns 0, or -1 if FP reports
 * a write error.
 */
int dauys_forensics_write_json(FILE *fp, const dauys_forensics *f, const dauys_forensics_labels *l,
                               const char *indent);

#endif
