/* report.h: the tally as text, JSON (field names: docs/RULES.md) and CSV (RFC 4180). */
#ifndef DAUYS_REPORT_REPORT_H
#define DAUYS_REPORT_REPORT_H

#include <stdio.h>

#include "tally/tally.h"

void dauys_report_text(FILE *fp, const dauys_tally *t);
void dauys_report_json(FILE *fp, const dauys_tally *t);
void dauys_report_csv(FILE *fp, const dauys_tally *t);

#endif
