/*
 * summary.h: a district or region commission's summary protocol: the counts
 * of a protocol, summed over the precincts of its district (or the district
 * summaries of its region), naming what it summed, signed by the
 * commission's key (the manifest's `commission:` lines). Format:
 * docs/FORMATS.md, "Summary protocol" (9A).
 */
#ifndef DAUYS_REFERENDUM_SUMMARY_H
#define DAUYS_REFERENDUM_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "referendum/manifest.h"
#include "referendum/protocol.h"

typedef enum dauys_level { DAUYS_LEVEL_DISTRICT = 1, DAUYS_LEVEL_REGION = 2 } dauys_level;

/* One `sums:` line: a precinct (district summary) or a district (region
 * summary), and the version of its protocol or summary that was summed. */
typedef struct dauys_summary_item {
    char id[DAUYS_ID_MAX + 1];
    uint32_t version;
} dauys_summary_item;

typedef struct dauys_summary {
    char referendum[DAUYS_ID_MAX + 1];
    dauys_level level;
    char area[DAUYS_ID_MAX + 1]; /* a district id (level district) or region id */
    uint32_t version;
    char reason[DAUYS_REASON_MAX + 1]; /* why a correction was made; empty for version 1 */
    size_t item_count;
    dauys_summary_item *item; /* dauys_malloc'ed, freed by dauys_summary_free */
    uint64_t on_list;
    dauys_ballots ballots; /* as dauys_protocol */
    size_t question_count;
    dauys_answers answer[DAUYS_QUESTIONS_MAX];
} dauys_summary;

#define DAUYS_SUMMARY_FILE_MAX (64u << 10)

/* "district" or "region": the level's name in files, log entries and tables. */
const char *dauys_summary_level_name(dauys_level level);

/* 1 if TEXT (LEN bytes) starts "format: dauys-summary 1\n", else 0. */
int dauys_summary_is(const char *text, size_t len);

/*
 * Parses only the header of summary TEXT (format, referendum, level, area,
 * version) into S, which it overwrites (S holds no items after it): enough
 * to find the key that must have signed it (dauys_summary_key). NAME labels
 * errors. Does not look AREA up.
 */
int dauys_summary_parse_header(dauys_summary *s, const char *text, size_t len, const char *name,
                               dauys_error *err) DAUYS_WUR;

/*
 * Parses the whole summary TEXT strictly into S (overwritten; the caller
 * frees it with dauys_summary_free, also after a failure), with the count
 * lines M's questions and ballot mode call for. Checks that AREA is a
 * district or region of M at LEVEL and that each `sums:` id is a precinct of
 * that district (M must then be a whole manifest, not a frame) or a district
 * of that region. Does not check that the referendum is M's, and compares
 * no number with anything (dauys_summary_check, and the later checks).
 */
int dauys_summary_parse(dauys_summary *s, const char *text, size_t len, const char *name,
                        const dauys_manifest *m, dauys_error *err) DAUYS_WUR;

/* Frees what S holds. Safe on a zeroed or already freed summary. */
void dauys_summary_free(dauys_summary *s);

/* The commission key M gives for S's level and area, or NULL (no such area, or no commission). */
const dauys_pubkey *dauys_summary_key(const dauys_manifest *m, dauys_level level, const char *area);

/*
 * Checks the control relations of a protocol (dauys_protocol_check, without
 * the roster's: R1-R4 and the warnings that need no precinct) on S's summed
 * counts into OUT: sums of protocols that keep them keep them too, so an
 * error (R*) means the summary cannot be a sum of lawful protocols.
 */
void dauys_summary_check(dauys_findings *out, const dauys_summary *s, const dauys_manifest *m);

#endif
