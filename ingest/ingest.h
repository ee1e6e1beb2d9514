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
#include <stdint.h>

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
    const char *precinct;             /* NULL if unknown, or a summary */
    const char *summary_level;        /* a summary's "district" or "region"; else NULL */
    const char *summary_area;         /* a summary's area; else NULL */
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
 * Ingests the protocol files (and summary protocols: the same outcomes, per
 * district or region where a protocol's are per precinct) named by PATHS (a directory stands for
 * its regular files not ending in .minisig), all in the byte order of their paths whatever order
 * PATHS come in, each with FILE.minisig beside it. Verification runs on THREADS threads (0: one per
 * CPU); one writer records outcomes in that order, in transactions of up to 512 protocols, each
 * protocol wholly in or out. Returns 0 when every
 * file was read and recorded (rejections are outcomes, not failures), -1 on
 * an operational failure with ERR filled (what was committed stays).
 */
int dauys_ingest(dauys_workspace *ws, char *const *paths, size_t count, unsigned threads,
                 dauys_ingest_summary *summary, const dauys_ingest_hooks *hooks,
                 dauys_error *err) DAUYS_WUR;

/*
 * Submissions one at a time, held in memory (dauys serve): each verified on
 * any thread, then recorded in batches by one session, one transaction a
 * batch, with the same decisions, log entries and rows as dauys_ingest.
 */
typedef struct dauys_ingest_submission dauys_ingest_submission;
typedef struct dauys_ingest_session dauys_ingest_session;

/* What a submission was told. Pointers stay valid while it lives. */
typedef struct dauys_ingest_answer {
    const char *outcome;              /* as in the log; "refused" if nothing was recorded */
    const char *precinct;             /* NULL if unknown, or a summary */
    const char *summary_level;        /* a summary's "district" or "region"; else NULL */
    const char *summary_area;         /* a summary's area; else NULL */
    unsigned version;                 /* 0 if unknown */
    const char *reason_code, *reason; /* NULL unless not counted */
    size_t warnings;
    int recorded; /* 1: in the log (log_index, entry_sha256 set) */
    uint64_t log_index;
    uint8_t entry_sha256[32]; /* SHA-256 of that log entry */
} dauys_ingest_answer;

/*
 * Verifies a submission against M (thread-safe: it only reads M), taking
 * copies of its TEXT_LEN protocol bytes and, unless SIG is NULL, its
 * signature's SIG_LEN bytes. SOURCE (copied) is recorded as where it came
 * from. Returns 0 with *OUT to free with dauys_ingest_submission_free, or
 * -1 with ERR (DAUYS_E_NOMEM: nothing was judged).
 */
int dauys_ingest_submission_verify(dauys_ingest_submission **out, const dauys_manifest *m,
                                   const char *source, const void *text, size_t text_len,
                                   const void *sig, size_t sig_len, dauys_error *err) DAUYS_WUR;

/* 1 if the submission's signature verified with the key the roster gives
 * for the precinct it names (a summary: the commission of its area), in this referendum: what an
 * anonymous channel must show before the log records anything of it (SECURITY.md). 0 if not. */
int dauys_ingest_submission_signed(const dauys_ingest_submission *s) DAUYS_WUR;

/* Fills A: the outcome once recorded, or before that "refused" with the
 * verification's reason (the answer for one that is not signed). */
void dauys_ingest_submission_answer(dauys_ingest_answer *a, const dauys_ingest_submission *s);

void dauys_ingest_submission_free(dauys_ingest_submission *s);

/* Opens a session recording into WS (its connection: one thread at a time). */
int dauys_ingest_session_open(dauys_ingest_session **out, dauys_workspace *ws,
                              dauys_error *err) DAUYS_WUR;
void dauys_ingest_session_close(dauys_ingest_session *s);

/*
 * Records the COUNT verified submissions SUBS in this order in one
 * transaction: on return 0 every one is durably committed (or was before: the
 * same bytes again are told what they were told the first time), and their
 * answers are set. On -1 (ERR set) nothing of the batch is recorded and the
 * answers stay "refused" (when another process has accepted a new manifest
 * version since they were verified, ERR says so: reopen the workspace and
 * verify them again). SUMMARY (may be NULL) receives the session's running
 * totals.
 */
int dauys_ingest_session_record(dauys_ingest_session *s, dauys_ingest_submission *const *subs,
                                size_t count, dauys_ingest_summary *summary,
                                dauys_error *err) DAUYS_WUR;

#endif
