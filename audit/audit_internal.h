/*
 * internal.h: what the parts of the audit share while it reads one bundle
 * (verify.c drives; outcome.c follows the log; statement.c re-tallies;
 * bundle.c and database.c cross-check the rest). Not installed.
 *
 * Memory: the manifest in force, a few bytes per precinct (which log entry
 * counts for it) and the sums per district and question. Nothing grows with
 * the number of protocols: a protocol superseded later is read again from
 * the bundle to take its numbers back out.
 */
#ifndef DAUYS_AUDIT_INTERNAL_H
#define DAUYS_AUDIT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "referendum/logentry.h"
#include "referendum/manifest.h"
#include "core/merkle.h"
#include "core/pool.h"
#include "referendum/protocol.h"
#include "referendum/summary.h"
#include "audit/source.h"
#include "audit/verify.h"

enum { A1, A2, A3, A4, A5, I1, I2, I3, I4, C1, C2, C3, P1, T1, T2, T3, W1, X1 };

/* What the log says about one precinct so far (indexed like m.precinct), or
 * about one district's or region's summaries (indexed like m.district and
 * m.region: the same fields, for the area's latest accepted summary). */
typedef struct precinct_state {
    uint64_t entry;  /* log index of its latest accepted protocol */
    uint32_t latest; /* that protocol's version; 0: none accepted yet */
    uint8_t current; /* it counts now (not in conflict) */
    uint8_t known;   /* its numbers could be read (else its areas are unchecked) */
} precinct_state;

/* One area's counts for one question, as the result statement gives them. */
typedef struct audit_sums {
    uint64_t eligible, took_part, yes, no, not_counted, invalid, reporting, expected;
    uint64_t unknown; /* counting precincts whose numbers could not be read */
} audit_sums;

/* Which bundle files the log names (for I4): bits per entry index. */
enum { LOGGED_PROTOCOL = 1, LOGGED_SIGNATURE = 2 };

typedef struct audit {
    const char *dir; /* the bundle as named: a directory or an archive */
    audit_source *src;
    unsigned threads; /* for the batches of prepare.c */
    dauys_pubkey central;
    /* The bundle's own central.pub, when it could be read: what its database
     * must record (C3), whether or not it is the trusted key (A5 says). */
    dauys_pubkey bundle_central;
    int have_bundle_central;
    dauys_audit_summary *sum;
    dauys_audit_fn on_fail;
    void *ctx;
    dauys_manifest m;
    int have_manifest;
    precinct_state *ps;
    precinct_state *dsum, *rsum; /* the summaries per district and region (outcome.c) */
    audit_sums *district;        /* [district * question_count + q] */
    dauys_merkle_range range;
    uint8_t prev[DAUYS_SHA256_BYTES];
    uint8_t *logged; /* LOGGED_* per entry index */
    size_t logged_cap;
    uint32_t *manifest_versions_logged; /* every manifest entry's version, for I4 */
    size_t manifest_version_count, manifest_version_cap;
    int result_seen, checkpoint_ok;
    int oom;               /* an allocation failed: the audit could not run */
    uint64_t after_result; /* entries after the last result entry */
    uint64_t result_size;
    uint8_t result_root[DAUYS_HASH_BYTES];
    uint8_t result_sha[DAUYS_SHA256_BYTES], result_sig_sha[DAUYS_SHA256_BYTES];
    char *statement; /* the audit's own result statement (statement.c) */
    size_t statement_len, statement_cap;
    uint8_t *line_check; /* per statement line: its check id, | 0x80 if unknown */
    size_t line_count;
    const dauys_witness_policy *policy; /* W1's: the caller's or the manifest's */
    uint64_t now;                       /* the time cosignatures are judged at; 0: the clock's */
} audit;

/* Records one check's outcome; a failure goes to the caller with its place. */
void dauys_audit_check(audit *a, int ck, int ok, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Counts one check as not made (what it needs is missing or broken). */
void dauys_audit_unchecked(audit *a, int ck);

/* 1 if DATA (LEN bytes) hashes to WANT, 0 if not, -1 if hashing failed. */
int dauys_audit_hashes_to(const char *data, size_t len, const uint8_t want[32]);

/* Reads DIR/REL (at most MAX bytes) into *OUT; *OUT NULL if unreadable. */
void dauys_audit_read(char **out, size_t *len, audit *a, const char *rel, size_t max);

/* 1 if SIG (a signature file's text, or NULL) is KEY's signature of DATA;
 * 0 if not, and then *OOM is set if it was memory that failed. Thread-safe. */
int dauys_audit_signature_valid(int *oom, const char *data, size_t len, const char *sig,
                                size_t sig_len, const dauys_pubkey *key);
/* The same, setting a->oom. */
int dauys_audit_signed_by(audit *a, const char *data, size_t len, const char *sig, size_t sig_len,
                          const dauys_pubkey *key);

/* prepare.c: a submission's files and signature, worked out ahead on any thread. */
typedef struct audit_prepared {
    char *text, *sig; /* the files as read; NULL if absent or unreadable */
    size_t len, sig_len;
    int text_matches; /* 1: the protocol hashes to the log's file-sha256 */
    int sig_matches;  /* 1: so does the signature file (or the entry has none) */
    uint32_t pi;      /* the precinct the header names, in the roster; UINT32_MAX: none */
    int sig_valid;    /* with pi: the signature verifies with the roster's key */
    int oom;          /* memory failed: the audit cannot go on */
} audit_prepared;

/* One log entry waiting in a batch. */
typedef struct audit_batch_item {
    char *text; /* its bytes (owned) */
    size_t len;
    uint64_t position; /* its place in the log (0 first), whatever its index claims */
    int parsed;        /* e is valid */
    int is_submission; /* a protocol's entry: prepared ahead */
    dauys_log_parsed e;
    audit_prepared p;
} audit_batch_item;

void dauys_audit_prepared_free(audit_prepared *p);
/*
 * audit_prepare for every submission among ITEMS, on a->threads threads that
 * run while the caller goes on (with one thread: done in the join). Every
 * start is followed by one join, which helps with what is left and waits.
 */
typedef struct audit_prep_job {
    const audit *a;
    audit_batch_item *items;
    dauys_pool_task task;
    dauys_pool pool;
} audit_prep_job;

void dauys_audit_prepare_start(audit_prep_job *j, const audit *a, audit_batch_item *items,
                               size_t count);
void dauys_audit_prepare_join(audit_prep_job *j);

/* The bundle name of entry INDEX's protocol file. */
void dauys_audit_protocol_name(char *out, size_t size, uint64_t index);

/* Calls FN on each entry of the bundle's log/entries.txt in turn, as its
 * bytes; stops at FN's first non-zero return. Returns 0, or -1 with ERR filled.
 * An entry runs from a line "format: dauys-log 1" to its "previous:" line (or
 * to the next such first line, when it is malformed); every byte is kept,
 * NULs too. Bytes outside any entry are not handed to FN but to STRAY (when
 * not NULL) as runs: at OFFSET in the file, LEN bytes, after ENTRIES entries. */
typedef int (*audit_entry_fn)(void *ctx, const char *text, size_t len);
typedef void (*audit_stray_fn)(void *ctx, uint64_t offset, uint64_t len, uint64_t entries);
int dauys_audit_log_stream_strays(const audit *a, audit_entry_fn fn, audit_stray_fn stray,
                                  void *ctx, dauys_error *err);
/* The splitting itself, from FP (not closed): FN's first non-zero return, or
 * 0 (then a read error, if any, is left in ferror(FP) for the caller). */
int dauys_audit_log_split(FILE *fp, audit_entry_fn fn, audit_stray_fn stray, void *ctx);
/* The same, bytes outside the entries passed over. */
int dauys_audit_log_stream(const audit *a, audit_entry_fn fn, void *ctx, dauys_error *err);

/* outcome.c: one manifest or submission entry of the log. */
void dauys_audit_on_manifest(audit *a, const dauys_log_parsed *e, const char *where);
void dauys_audit_on_submission(audit *a, const dauys_log_parsed *e, const char *where,
                               const audit_prepared *p);
/* The audit state's one destructor: frees everything A owns (not A itself,
 * nor the source, which verify.c closes), leaving no pointer dangling. */
void dauys_audit_state_free(audit *a);
/* Sorts the manifest versions the log named, once the whole log is read. */
void dauys_audit_manifest_versions_sort(audit *a);
/* 1 if NAME (in manifests/) is the file or signature of a logged manifest
 * version, as dauys names it: "vN.txt" or "vN.txt.minisig". Needs
 * dauys_audit_manifest_versions_sort first; O(log versions). */
int dauys_audit_manifest_file_logged(const audit *a, const char *name);
/* Hands C the manifest in force and each counting precinct's protocol, read
 * again; 0, or -1 (ERR) if a callback failed or memory ran out. */
int dauys_audit_counting_each(audit *a, const dauys_audit_counting *c, dauys_error *err);

/* outcome.c: one summary protocol's entry (E names a summary, or its file is one). */
void dauys_audit_on_summary(audit *a, const dauys_log_parsed *e, const char *where,
                            const audit_prepared *p, int files_ok);
/* Reads the summary of entry INDEX again into S, parsed under the manifest in
 * force (dauys_summary_free after). 0, or -1 if it cannot be read or parsed. */
int dauys_audit_summary_reread(audit *a, uint64_t index, dauys_summary *s);
/* Reads the protocol of entry INDEX again into P. 0, or -1. */
int dauys_audit_protocol_reread(audit *a, uint64_t index, dauys_protocol *p);

/* crosscheck.c: X1, the statement's crosscheck lines (FORMATS.md 16.1) from
 * the log's current protocols and summaries, as the audit followed them. */
void dauys_audit_crosscheck_lines(audit *a);

/* statement.c: the audit's own result statement, and its comparison with result.txt. */
int dauys_audit_statement_build(audit *a);
void dauys_audit_statement_compare(audit *a, const char *text, size_t len);
/* Appends one line (FMT, without its LF) to the audit's statement for check
 * CK; UNKNOWN: it holds numbers the audit could not read (not compared). */
void dauys_audit_statement_line(audit *a, int ck, int unknown, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The lines of result.txt (TEXT, LEN bytes) T1 leaves to W1: the
 * "cosignature: " lines right after its "log-root: " line. Sets *FIRST to
 * the first one's line number (1-based), *COUNT to their number, and *AT
 * and *END to their bytes. */
void dauys_audit_statement_cosignatures(size_t *first, size_t *count, const char **at,
                                        const char **end, const char *text, size_t len);
/* A4 for result.txt.minisig (SIG, SIG_LEN bytes), a valid signature of the
 * statement by the central key: its trusted comment is FORMATS.md 16.2's. */
void dauys_audit_result_comment_check(audit *a, const char *sig, size_t sig_len);
/* Lines of the audit's statement whose areas hold protocols it could not read. */
uint64_t dauys_audit_statement_unknown_lines(const audit *a);

/* reports.c: T3, reports/report.html and reports/tally.csv against RESULT
 * (LEN bytes), the signed result.txt, and the re-tally's districts. */
void dauys_audit_reports_check(audit *a, const char *result, size_t len);
/* bundle.c: I4, every file in the bundle named by the log or derived from it. */
void dauys_audit_bundle_files(audit *a);

/* database.c: C3, the bundle's dauys.db (read-only) against the re-derivation. */
void dauys_audit_database(audit *a);

#endif
