/* report.h: the tally as text, JSON (field names: docs/RULES.md) and CSV (RFC 4180). */
#ifndef DAUYS_TALLY_REPORT_H
#define DAUYS_TALLY_REPORT_H

#include <stdio.h>

#include "tally.h"

void dauys_report_text(FILE *fp, const dauys_tally *t);
void dauys_report_json(FILE *fp, const dauys_tally *t);
void dauys_report_csv(FILE *fp, const dauys_tally *t);

/* What yes is shown as a share of under PROFILE: valid votes (yes + no) for
 * the profiles whose majority is of valid votes, else all who took part. */
uint64_t dauys_report_yes_base(const char *profile, const dauys_counts *c);

/* The least yes that is a majority of BASE under PROFILE (exact). */
uint64_t dauys_report_majority_needed(const char *profile, uint64_t base);

/* PROFILE's majority as the fraction NUM/DEN of the base, for drawing its
 * line (1/2 for the named profiles; the decision is majority_needed's). */
void dauys_report_majority_fraction(const char *profile, uint32_t *num, uint32_t *den);

#endif
