/*
 * copies.h: observers' copies against what a bundle counted (dauys-audit
 * compare-copies, docs/FORMATS.md section 23).
 *
 * A *counted set* is what the bundle's log makes count, read by the audit's
 * own route: the log (its checkpoint signed by the trusted central key and
 * of exactly that log), the manifest in force, and for every precinct the
 * protocols it logged, the latest accepted or correction entry counting
 * unless a later conflict stopped it (as dauys-audit prove finds it).
 * Protocols are read from the bundle and must hash to their log entry.
 *
 * Functions return 0, or -1 with ERR: DAUYS_E_PROOF, DAUYS_E_SIGNATURE,
 * DAUYS_E_KEY_ID or DAUYS_E_FORMAT when the bundle does not hold up, other
 * statuses when the comparison could not be made.
 */
#ifndef DAUYS_AUDIT_COPIES_H
#define DAUYS_AUDIT_COPIES_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "keys/keys.h"
#include "audit/verify.h"
#include "referendum/logentry.h"

/* The most count fields a protocol has: citizens_on_list and 8 per question. */
#define DAUYS_COPIES_FIELDS_MAX (1 + 8 * DAUYS_QUESTIONS_MAX)

typedef struct dauys_copies_set dauys_copies_set;

/*
 * Reads the counted set of BUNDLE (a directory or an archive) into *OUT
 * (dauys_copies_set_free). The checkpoint must be signed by CENTRAL (NULL:
 * the bundle's own central.pub) and, if ORIGIN is not NULL, be of it;
 * CHECKED (if not NULL) says what was checked.
 */
int dauys_copies_set_open(dauys_copies_set **out, dauys_audit_identity *checked, const char *bundle,
                          const dauys_pubkey *central, const char *origin,
                          dauys_error *err) DAUYS_WUR;

/*
 * A counted set made by hand (tests): from manifest text MANIFEST; then one
 * dauys_copies_set_add per logged submission, in log order: EVENT ("accepted",
 * "correction", "rejected", "conflict", ...) and the protocol's bytes.
 */
int dauys_copies_set_new(dauys_copies_set **out, const char *manifest, size_t len,
                         dauys_error *err) DAUYS_WUR;
int dauys_copies_set_add(dauys_copies_set *s, const char *event, const char *reason,
                         const char *protocol, size_t len, dauys_error *err) DAUYS_WUR;

void dauys_copies_set_free(dauys_copies_set *s);

typedef enum dauys_copy_outcome {
    DAUYS_COPY_AGREES,      /* every transcribed number equals the counted protocol's */
    DAUYS_COPY_DIFFERS,     /* some differ: DIFF lists them */
    DAUYS_COPY_SUPERSEDED,  /* it transcribes an earlier logged version, not the one counting */
    DAUYS_COPY_NOT_COUNTED, /* a roster precinct with no counting protocol: WHY says */
    DAUYS_COPY_UNKNOWN,     /* the precinct is not in the roster */
    DAUYS_COPY_MALFORMED,   /* the row cannot be read: WHY names file:line:field */
    DAUYS_COPY_DUPLICATE,   /* a second row for a precinct: not compared */
    DAUYS_COPY_OUTCOMES
} dauys_copy_outcome;

/* The outcome's name in the output: "agrees", "differs", "superseded",
 * "not-counted", "unknown", "malformed", "duplicate". */
const char *dauys_copy_outcome_name(dauys_copy_outcome o);

typedef struct dauys_copy_diff {
    const char *field; /* the protocol key: "q1_yes" (into the set: valid while it is) */
    uint64_t copy, counted;
} dauys_copy_diff;

typedef struct dauys_copy_row {
    unsigned line; /* the CSV record (the header is 1) */
    const char *precinct;
    dauys_copy_outcome outcome;
    uint32_t copy_version;    /* the row's version column; 0: not given */
    uint32_t counted_version; /* the version counting now; 0: none */
    uint32_t matched_version; /* SUPERSEDED: the logged version the copy transcribes;
                               * DIFFERS: the version compared with */
    uint32_t first_line;      /* DUPLICATE: the record of the precinct's first row */
    size_t diff_count;
    dauys_copy_diff diff[DAUYS_COPIES_FIELDS_MAX];
    char why[DAUYS_ERROR_MESSAGE_MAX]; /* NOT_COUNTED, UNKNOWN, MALFORMED: in words */
} dauys_copy_row;

typedef void (*dauys_copy_row_fn)(const dauys_copy_row *r, void *ctx);

typedef struct dauys_copies_summary {
    uint64_t rows;
    uint64_t outcome[DAUYS_COPY_OUTCOMES];
    size_t fields; /* the count fields the header (or map) gives */
} dauys_copies_summary;

/*
 * Compares the copies CSV (TEXT, LEN bytes, named NAME) with the counted set
 * S, calling FN (may be NULL) for every row. MAP (NULL: the default columns)
 * is a copies map (MAP_LEN bytes, named MAP_NAME). Returns 0 when every row
 * was classified (SUM counts them; a CSV that stops being readable ends in
 * one MALFORMED row), -1 with ERR when the header or the map is unusable.
 */
int dauys_copies_compare(dauys_copies_summary *sum, const dauys_copies_set *s, const char *text,
                         size_t len, const char *name, const char *map, size_t map_len,
                         const char *map_name, dauys_copy_row_fn fn, void *ctx,
                         dauys_error *err) DAUYS_WUR;

/* --- a directory of signed protocol files ----------------------------- */

typedef enum dauys_copy_file_status {
    DAUYS_COPY_FILE_COUNTED,    /* its entry counts now */
    DAUYS_COPY_FILE_SUPERSEDED, /* it counted once; NOW counts now (or nothing, a conflict) */
    DAUYS_COPY_FILE_UNCOUNTED,  /* logged, never counted: EVENT and REASON */
    DAUYS_COPY_FILE_NEVER       /* no log entry has its hash */
} dauys_copy_file_status;

typedef struct dauys_copy_file {
    const char *name;
    dauys_copy_file_status status;
    uint64_t entry;       /* the entry with its hash */
    char precinct[80];    /* the entry's precinct, or a summary's LEVEL:AREA */
    int summary;          /* the entry is a summary protocol's (no receipt) */
    uint32_t version;     /* the entry's */
    uint32_t now_version; /* SUPERSEDED: the version counting now; 0 none */
    char event[16];
    char reason[DAUYS_LOG_REASON_MAX + 1];
    int signature;       /* 1 FILE.minisig is the one logged, 0 another, -1 none to compare */
    const char *receipt; /* COUNTED: its receipt (as dauys-audit prove prints it); NULL
                          * for a summary */
} dauys_copy_file;

typedef void (*dauys_copy_file_fn)(const dauys_copy_file *f, void *ctx);

/*
 * Looks up each file of DIR (regular files not named *.minisig, in name
 * order) in the bundle's log by its SHA-256 and calls FN for each. -1 (ERR)
 * if DIR cannot be read.
 */
int dauys_copies_files(const dauys_copies_set *s, const char *dir, dauys_copy_file_fn fn, void *ctx,
                       dauys_error *err) DAUYS_WUR;

#endif
