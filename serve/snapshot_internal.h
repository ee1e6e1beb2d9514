/*
 * snapshot_internal.h: the snapshot's insides, shared by the JSON writer
 * (snapshot.c) and the live page (livepage.c), and looked into by the tests.
 */
#ifndef DAUYS_SERVE_SNAPSHOT_INTERNAL_H
#define DAUYS_SERVE_SNAPSHOT_INTERNAL_H

#include <stdint.h>

#include "keys/cosig.h"
#include "keys/note.h"
#include "serve/snapshot.h"
#include "tally/tally.h"

/* A string the snapshot owns (dauys_malloc'ed, NUL-terminated). */
typedef struct dauys_serve_text {
    char *s;
    size_t n;
} dauys_serve_text;

/* Where one region (or the nation) stands: precincts, as
 * dauys_workspace_status_read counts them. */
typedef struct dauys_serve_place {
    dauys_serve_text id, name;
    uint64_t expected, accepted, conflicted, missing;
} dauys_serve_place;

/* One area's tally for one question, and its majority under the question's rules. */
typedef struct dauys_serve_area {
    uint64_t expected, reporting; /* precincts */
    dauys_counts counts;
    uint64_t yes_base;        /* what yes is a share of (dauys_rules_yes_base) */
    uint64_t majority_needed; /* the least yes that is a majority of it */
    int majority;             /* yes >= majority_needed and yes_base > 0 */
} dauys_serve_area;

typedef struct dauys_serve_question {
    char id[DAUYS_QUESTION_ID_MAX + 1];
    char profile[DAUYS_PROFILE_MAX + 1];
    dauys_serve_text text;
    dauys_rules rules; /* its clauses are static strings */
    dauys_serve_area nation;
    dauys_serve_area *region; /* region_count of them, manifest order */
    dauys_verdict verdict;    /* the tally's (dauys_rules_decide), never re-made */
} dauys_serve_question;

typedef enum dauys_serve_outcome {
    DAUYS_SERVE_ACCEPTED,
    DAUYS_SERVE_CORRECTION,
    DAUYS_SERVE_REJECTED,
    DAUYS_SERVE_REPLAY,
    DAUYS_SERVE_CONFLICT,
    DAUYS_SERVE_STALE,
    DAUYS_SERVE_OUTCOMES
} dauys_serve_outcome;

/* The outcome's name as the JSON and the page give it ("accepted", ...). */
extern const char *const dauys_serve_outcome_name[DAUYS_SERVE_OUTCOMES];

struct dauys_serve_snapshot {
    char referendum[DAUYS_ID_MAX + 1];
    dauys_serve_text title;
    char date[11];
    int official; /* mode official, else test */
    uint32_t manifest_version;
    char origin[128];               /* the log's, for the checkpoint's check */
    dauys_pubkey central;           /* the central key, which signs checkpoints */
    dauys_witness_policy witnesses; /* the manifest's (count 0: it names none) */
    uint64_t log_size;              /* entries in the log */
    uint8_t log_root[32];           /* their Merkle root */
    int final;                      /* every precinct has a counting protocol */
    dauys_serve_place national;
    size_t region_count;
    dauys_serve_place *region; /* manifest order */
    uint64_t submissions[DAUYS_SERVE_OUTCOMES];
    uint64_t warnings; /* warnings recorded on all submissions */
    /* the tally's: precincts without a counting protocol (the first few by id),
     * warnings on the counting protocols by code */
    uint64_t missing_count;
    size_t missing_shown;
    char missing[DAUYS_TALLY_MISSING_SHOWN][DAUYS_ID_MAX + 1];
    size_t warning_codes;
    struct {
        char code[8];
        uint64_t count;
    } warning[DAUYS_TALLY_WARNING_CODES];
    size_t question_count;
    dauys_serve_question q[DAUYS_QUESTIONS_MAX];
};

/*
 * Checks the signed checkpoint NOTE against S (verified under S's central
 * key and origin; S's log size and root) and parses it into CP. 0, or -1
 * with ERR: DAUYS_E_PROOF when the note is of another state of the log, or
 * as dauys_checkpoint_open fails.
 */
int dauys_serve_checkpoint_check(dauys_checkpoint *cp, const dauys_serve_snapshot *s,
                                 const char *note, dauys_error *err) DAUYS_WUR;

/*
 * The witnesses of S's policy whose cosignature the checkpoint NOTE (may be
 * NULL: 0) carries, into *COSIGNED (dauys_cosig_policy_check). 0, or -1
 * with ERR for a malformed note.
 */
int dauys_serve_witnesses_cosigned(size_t *cosigned, const dauys_serve_snapshot *s,
                                   const char *note, dauys_error *err) DAUYS_WUR;

#endif
