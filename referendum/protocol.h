/*
 * protocol.h: a precinct commission's result protocol, one canonical file per
 * precinct and version, and the control relations its numbers must satisfy.
 * Format: docs/FORMATS.md, "Protocol".
 */
#ifndef DAUYS_REFERENDUM_PROTOCOL_H
#define DAUYS_REFERENDUM_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/kvtext.h"
#include "referendum/manifest.h"

#define DAUYS_PROTOCOL_FILE_MAX (64u << 10)
#define DAUYS_REASON_MAX 500

/* One set of ballot papers: the referendum's, or one question's when separate. */
typedef struct dauys_ballots {
    uint64_t received, issued, cancelled, in_boxes;
} dauys_ballots;

typedef struct dauys_answers {
    dauys_ballots ballots; /* separate ballots: this question's; single: a copy of the protocol's */
    uint64_t yes, no, not_counted, invalid;
} dauys_answers;

typedef struct dauys_protocol {
    char referendum[DAUYS_ID_MAX + 1];
    char precinct[DAUYS_ID_MAX + 1];
    uint32_t version;
    char reason[DAUYS_REASON_MAX + 1]; /* why a correction was made; empty for version 1 */
    uint64_t on_list;                  /* citizens on the list at close */
    dauys_ballots ballots;             /* single ballot: the referendum's ballots */
    size_t question_count;
    dauys_answers answer[DAUYS_QUESTIONS_MAX];
} dauys_protocol;

/*
 * Parses only the header (format, referendum, precinct, version): enough to
 * find the key that must have signed it. NAME labels errors.
 */
int dauys_protocol_parse_header(dauys_protocol *p, const char *text, size_t len, const char *name,
                                dauys_error *err) DAUYS_WUR;

/*
 * Parses the whole protocol TEXT strictly into P, with the lines M's
 * questions and ballot mode call for, in their fixed order. Does not check
 * that the referendum and precinct are M's (the caller decides: replay).
 */
int dauys_protocol_parse(dauys_protocol *p, const char *text, size_t len, const char *name,
                         const dauys_manifest *m, dauys_error *err) DAUYS_WUR;

/* --- shared with the summary protocol (referendum/summary.c) ------------- */

/* Reads the next line, which must be KEY holding an id, into OUT. */
int dauys_protocol_expect_id(dauys_kv *kv, const char *key, char out[DAUYS_ID_MAX + 1],
                             dauys_error *err) DAUYS_WUR;

/*
 * Reads a protocol's counts from KV, from citizens_on_list to the last
 * answer line, with the lines M's questions and ballot mode call for, and
 * fails unless they end the text: ON_LIST, BALLOTS (single ballot),
 * *QUESTION_COUNT (M's) and ANSWER (each with its ballots, copied from
 * BALLOTS when single).
 */
int dauys_protocol_parse_counts(dauys_kv *kv, const dauys_manifest *m, uint64_t *on_list,
                                dauys_ballots *ballots, size_t *question_count,
                                dauys_answers answer[DAUYS_QUESTIONS_MAX],
                                dauys_error *err) DAUYS_WUR;

/* --- control relations ---------------------------------------------------- */

/* Enough for every relation of every question on separate ballots. */
#define DAUYS_FINDINGS_MAX (8 * DAUYS_QUESTIONS_MAX)

typedef struct dauys_finding {
    char code[8]; /* stable id: R1.. (breaks an identity: reject), W1.. (warning) */
    int is_error;
    char message[192]; /* with the numbers, e.g. "received 1500 != issued 1123 + cancelled 376" */
} dauys_finding;

typedef struct dauys_findings {
    size_t count, errors;
    dauys_finding item[DAUYS_FINDINGS_MAX];
} dauys_findings;

/*
 * Checks P's control relations (docs/FORMATS.md lists them) for the
 * precinct PRECINCT of M into OUT. Errors (R*) reject the protocol;
 * warnings (W*) flag lawful but odd numbers. The relations with the roster
 * (R5, R6: M's list allowance over the precinct's voters; W2, W3) need
 * PRECINCT; without it (NULL) they are not checked.
 */
void dauys_protocol_check(dauys_findings *out, const dauys_protocol *p, const dauys_manifest *m,
                          const dauys_precinct *precinct);

#endif
