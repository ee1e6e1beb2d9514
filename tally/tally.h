/*
 * tally.h: the tally of a workspace: the counting protocols summed per
 * district, region and nation for each question, and each question's
 * verdict under its rules profile (referendum/rules.h). Provisional until
 * every precinct in the manifest has a counting protocol.
 */
#ifndef DAUYS_TALLY_TALLY_H
#define DAUYS_TALLY_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "referendum/rules.h"
#include "store/workspace.h"
#include "tally/crosscheck.h"

typedef struct dauys_area {
    const char *id, *name; /* into the manifest's text */
    uint32_t id_len, name_len;
    uint64_t expected, reporting; /* precincts */
    dauys_counts counts;          /* over the reporting precincts */
} dauys_area;

typedef struct dauys_question_tally {
    const dauys_question *question;
    dauys_area nation;
    dauys_area *region;   /* manifest order; region_count of them */
    dauys_area *district; /* manifest order; district_count of them */
    dauys_verdict verdict;
} dauys_question_tally;

#define DAUYS_TALLY_MISSING_SHOWN 20
#define DAUYS_TALLY_WARNING_CODES 8

typedef struct dauys_tally {
    const dauys_manifest *manifest;
    /* precincts without a counting protocol: how many, and the first few by id
     * (dauys status --missing lists them all) */
    uint64_t missing_count;
    size_t missing_shown;
    char missing[DAUYS_TALLY_MISSING_SHOWN][DAUYS_ID_MAX + 1];
    /* warnings (W1..) carried from ingestion, on the protocols that count */
    size_t warning_codes;
    struct {
        char code[8];
        uint64_t count;
    } warning[DAUYS_TALLY_WARNING_CODES];
    size_t question_count;
    dauys_question_tally q[DAUYS_QUESTIONS_MAX];
    uint64_t expected, reporting; /* precincts */
    int final;                    /* every precinct reporting */
    /* each commission's current summary against what counts below it
     * (crosscheck.h): no area when the manifest has no commission */
    dauys_crosscheck crosscheck;
} dauys_tally;

/* Computes the tally of WS into T, with the crosscheck of the summary
 * protocols (the caller frees it with dauys_tally_free). */
int dauys_tally_compute(dauys_tally *t, dauys_workspace *ws, dauys_error *err) DAUYS_WUR;

void dauys_tally_free(dauys_tally *t);

#endif
