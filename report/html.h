/*
 * html.h: the result as one self-contained HTML page for people
 * (`dauys report --html FILE`, and reports/report.html in every bundle):
 * no external fonts, scripts or images, readable with JavaScript off,
 * printable. Charts are inline SVG drawn here (svg.c). Every count on the
 * page comes from the same tally the result statement is made from
 * (docs/FORMATS.md, "The HTML report").
 */
#ifndef DAUYS_REPORT_HTML_H
#define DAUYS_REPORT_HTML_H

#include <stdint.h>
#include <stdio.h>

#include "forensics/forensics.h"
#include "tally/tally.h"

/* A submission that does not count (rejected, replay, conflict, stale). */
typedef struct dauys_html_refusal {
    uint64_t log_index;
    char precinct[DAUYS_ID_MAX + 1]; /* "" when the file named none */
    int64_t version;                 /* -1 when unknown */
    char outcome[12];
    char code[24];
    char *reason; /* dauys_malloc'ed */
} dauys_html_refusal;

#define DAUYS_HTML_REFUSALS_SHOWN 1000

/* What the page shows besides the tally: the log state, the precincts'
 * counts (for the histograms and forensics) and the refusals. */
typedef struct dauys_html_page {
    const dauys_tally *tally;
    uint64_t covered;         /* log entries the result covers */
    uint8_t covered_root[32]; /* their Merkle root */
    int published;            /* the statement is signed and in the log */
    int has_checkpoint;       /* the latest signed checkpoint, if any (loaded) */
    uint64_t checkpoint_size;
    uint8_t checkpoint_root[32];
    /* per question (tally order): one record per counting precinct */
    dauys_forensics_precinct *precinct[DAUYS_QUESTIONS_MAX];
    size_t precinct_count[DAUYS_QUESTIONS_MAX];
    /* per question, computed by dauys_html_page_load from those: the
     * turnout histogram (DAUYS_SVG_HISTOGRAM_BINS bins), the turnout x yes
     * share grid (DAUYS_SVG_GRID squared cells; yes as a share of the
     * profile's base), the precincts left out of each (an empty list; no
     * ballots in the base) and the forensics */
    uint64_t *histogram[DAUYS_QUESTIONS_MAX], *grid[DAUYS_QUESTIONS_MAX];
    uint64_t no_list[DAUYS_QUESTIONS_MAX], no_base[DAUYS_QUESTIONS_MAX];
    dauys_forensics forensics[DAUYS_QUESTIONS_MAX];
    /* refusals by log index: the first DAUYS_HTML_REFUSALS_SHOWN, and how many */
    dauys_html_refusal *refusal;
    size_t refusal_count;
    uint64_t refusal_total;
} dauys_html_page;

/*
 * Clears PAGE, then fills its precinct counts, charts' bins, forensics,
 * refusals and latest checkpoint from WS for tally T (which PAGE points to and must outlive it);
 * the caller sets the log fields afterwards. Returns 0, or -1 with ERR set.
 * The caller frees PAGE with dauys_html_page_free, also after a failure.
 */
int dauys_html_page_load(dauys_html_page *page, dauys_workspace *ws, const dauys_tally *t,
                         dauys_error *err) DAUYS_WUR;

void dauys_html_page_free(dauys_html_page *page);

/* Writes PAGE as HTML to FP (the caller checks ferror). */
void dauys_html_write(FILE *fp, const dauys_html_page *page);

#endif
