/*
 * ingest.h: signed protocols in, outcomes recorded: every submitted file is
 * verified against the roster, parsed, checked, and recorded with its
 * outcome in the database and the log; nothing is silently dropped.
 *
 * Outcomes: accepted; correction (a higher version supersedes, both kept);
 * rejected (parse error, bad or missing signature, broken relation R*);
 * replay (another referendum, or a precinct not in the manifest); conflict
 * (the same version with different content: both kept as evidence, and the
 * precinct counts nothing until a higher version arrives); stale (an older
 * version than one already received). The same bytes again are a duplicate:
 * reported, nothing recorded. A file that is a minisign secret key is
 * refused: nothing of it (bytes, hash) is recorded, kept or published; as a
 * signature file it counts as none.
 */
#ifndef DAUYS_INGEST_INGEST_H
#define DAUYS_INGEST_INGEST_H

#include <stddef.h>

#include "store/workspace.h"

typedef struct dauys_ingest_summary {
    size_t files, accepted, corrections, rejected, replays, conflicts, stale, duplicates;
    size_t unreadable, skipped, warnings;
    size_t secret_keys; /* protocol or signature files refused as secret keys */
} dauys_ingest_summary;

/* What became of one input file, for the caller to show. */
typedef struct dauys_ingest_report {
    const char *path;
    const char *outcome;              /* as in the log, or "duplicate", "unreadable", "refused" */
    const char *precinct;             /* NULL if unknown */
    unsigned version;                 /* 0 if unknown */
    const char *reason_code, *reason; /* NULL unless rejected */
    size_t warnings;
} dauys_ingest_report;

typedef struct dauys_ingest_hooks {
    void (*on_report)(const dauys_ingest_report *r, void *ctx); /* every file; may be NULL */
    void (*on_progress)(size_t done, size_t total, void *ctx);  /* may be NULL */
    void *ctx;
} dauys_ingest_hooks;

/*
 * Ingests the protocol files named by PATHS (a directory stands for its
 * regular files not ending in .minisig), all in the byte order of their
 * paths whatever order PATHS come in, each with FILE.minisig beside it.
 * Verification runs on THREADS threads (0: one per CPU); one writer records
 * outcomes in that order, in transactions of up to 512 protocols, each
 * protocol wholly in or out. Returns 0 when every
 * file was read and recorded (rejections are outcomes, not failures), -1 on
 * an operational failure with ERR filled (what was committed stays).
 */
int dauys_ingest(dauys_workspace *ws, char *const *paths, size_t count, unsigned threads,
                 dauys_ingest_summary *summary, const dauys_ingest_hooks *hooks,
                 dauys_error *err) DAUYS_WUR;

#endif
