/*
 * crosscheck.h: the summary protocols of the district and region
 * commissions (referendum/summary.h) checked against what counts below them:
 * a district's current summary against the current protocols of its
 * precincts, a region's against the current summaries of its districts. The
 * count is always the precincts' own protocols; a summary is compared, never
 * counted. The comparison, and the result statement's `crosscheck` lines
 * that carry it, are docs/FORMATS.md section 16.1; `dauys summarize` writes
 * the summary a commission would sign from the same sums (section 9A).
 */
#ifndef DAUYS_TALLY_CROSSCHECK_H
#define DAUYS_TALLY_CROSSCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "referendum/summary.h"
#include "store/workspace.h"

typedef enum dauys_crosscheck_state {
    DAUYS_CROSSCHECK_NONE,    /* no current summary (none received, or conflicted) */
    DAUYS_CROSSCHECK_AGREES,  /* every field equals the counted sum; no item off */
    DAUYS_CROSSCHECK_DIFFERS, /* a field finding or an off item */
} dauys_crosscheck_state;

/* The longest field name: QID_ballots_received, QID at most 16 bytes. */
#define DAUYS_CROSSCHECK_FIELD_NAME_MAX (DAUYS_QUESTION_ID_MAX + 17)
/* The most fields of a summary: citizens_on_list and 8 per question. */
#define DAUYS_CROSSCHECK_FIELDS_MAX (1 + 8 * DAUYS_QUESTIONS_MAX)

/* A field of the summary whose value is not the counted sum. */
typedef struct dauys_crosscheck_field {
    uint32_t index; /* in the summary's file order (dauys_crosscheck_field_name) */
    uint64_t summary, counted;
} dauys_crosscheck_field;

/*
 * One item: a precinct (district) or district (region) the summary lists, or
 * one it omits that has a current protocol (summary) in the area. LISTED is
 * the version the summary names, COUNTED the version of the item's current
 * protocol (summary); 0 for none (`-`). Off when they differ.
 */
typedef struct dauys_crosscheck_item {
    char id[DAUYS_ID_MAX + 1];
    uint32_t listed, counted;
} dauys_crosscheck_item;

typedef struct dauys_crosscheck_area {
    dauys_level level;
    const dauys_place *place; /* in the manifest the crosscheck was computed for */
    dauys_crosscheck_state state;
    uint32_t version;  /* the current summary's (not NONE) */
    size_t item_count; /* its `sums` lines */
    /* the field findings, in file order */
    size_t field_count;
    dauys_crosscheck_field *field;
    /* every item listed or omitted, in id byte order: the counted sums are
     * over those with LISTED and COUNTED both set */
    size_t entry_count;
    dauys_crosscheck_item *entry;
    size_t off_count, summed_count; /* entries off; entries summed */
} dauys_crosscheck_area;

typedef struct dauys_crosscheck {
    const dauys_manifest *manifest;
    /* every district with a commission in manifest order, then every region
     * with one: none when the manifest has no commission */
    size_t area_count;
    dauys_crosscheck_area *area;
    size_t agrees, differs, none; /* areas in each state */
} dauys_crosscheck;

/*
 * Computes into CC the crosscheck of every area of M (the manifest in force
 * of WS, a frame will do) that has a commission, from WS's current
 * summaries and protocols (FORMATS.md 16.1). One query per district with a
 * commission, two for all the summaries. The caller frees CC with
 * dauys_crosscheck_free, also after a failure.
 */
int dauys_crosscheck_compute(dauys_crosscheck *cc, dauys_workspace *ws, const dauys_manifest *m,
                             dauys_error *err) DAUYS_WUR;

/* Frees what CC holds. Safe on a zeroed or already freed crosscheck. */
void dauys_crosscheck_free(dauys_crosscheck *cc);

/* How many fields a summary under M has: 5 + 4 per question (single ballot),
 * 1 + 8 per question (separate). */
size_t dauys_crosscheck_field_total(const dauys_manifest *m);

/* The name of field INDEX (< dauys_crosscheck_field_total) of a summary
 * under M, as the file writes it (`citizens_on_list`, `q1_yes`, ...). */
void dauys_crosscheck_field_name(char out[DAUYS_CROSSCHECK_FIELD_NAME_MAX + 1],
                                 const dauys_manifest *m, size_t index);

/* The problem of an off item: "omitted" (not listed), "missing" (not
 * counted), "superseded" (counted later than listed) or "not-counted"
 * (listed later than counted); NULL when it is not off. */
const char *dauys_crosscheck_item_problem(const dauys_crosscheck_item *it);

/*
 * Writes into *OUT (dauys_malloc'ed, NUL-terminated; the caller frees) and
 * *LEN the `dauys-summary 1` file (FORMATS.md 9A) the commission of AREA at
 * LEVEL would sign, version VERSION with REASON (NULL or "" for version 1,
 * required after): a district's sums every precinct of it with a current
 * protocol, at that protocol's version; a region's every district of it
 * with a current summary, at its version. The same sums the crosscheck
 * computes, so the summary, signed and ingested, agrees. Fails
 * (DAUYS_E_USAGE) when AREA is not an area of WS's manifest in force at
 * LEVEL, when it has no commission there, or when nothing below it is
 * current; (DAUYS_E_FORMAT) when REASON cannot be written in a summary or
 * a sum is over the largest count.
 */
int dauys_crosscheck_summarize(char **out, size_t *len, dauys_workspace *ws, dauys_level level,
                               const char *area, uint32_t version, const char *reason,
                               dauys_error *err) DAUYS_WUR;

#endif
