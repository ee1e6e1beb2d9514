/*
 * verify.h: the independent audit of a published bundle. Reads only the
 * bundle's signed files and log (and, to compare, its database read-only);
 * never the tally's code or SQL. Every check has a stable id; every failure
 * is reported with its location, and the audit goes on to find the rest.
 *
 *   authenticity  A1 checkpoint signature      A2 manifest signatures
 *                 A3 counted protocols and summaries signed  A4 result signature
 *                 A5 the bundle is the one pinned: its central.pub is the
 *                    trusted key, its origin the expected one
 *   integrity     I1 hash chain and indexes    I2 Merkle roots = checkpoint, result
 *                 I3 logged files present with their hashes
 *                 I4 no unlogged files; copies agree with the log
 *   consistency   C1 each logged outcome re-derived from the files and roster
 *                 C2 no precinct counted twice  C3 the database agrees
 *                 T1 re-tally = the result's numbers  T2 rule verdicts
 *   completeness  P1 the result's reporting and status claims
 *   witnesses     W1 the checkpoint is cosigned by a quorum of the witnesses
 *                    (the manifest's, or those the caller requires), and every
 *                    cosignature the result statement carries verifies
 *   crosscheck    X1 the result's crosscheck lines: each district's and region's
 *                    summary against the protocols (summaries) below it
 * docs/OBSERVERS.md explains each for readers, docs/FORMATS.md section 19
 * precisely.
 */
#ifndef DAUYS_AUDIT_VERIFY_H
#define DAUYS_AUDIT_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "keys/cosig.h"
#include "keys/keys.h"
#include "referendum/manifest.h"
#include "keys/note.h"
#include "referendum/protocol.h"

typedef struct dauys_audit_finding {
    const char *check; /* "A1".. */
    const char *where; /* file, line, entry index, precinct */
    const char *message;
} dauys_audit_finding;

typedef void (*dauys_audit_fn)(const dauys_audit_finding *f, void *ctx);

#define DAUYS_AUDIT_CHECKS 18

/*
 * What an audit or a receipt check checked, for its output: the referendum,
 * its mode, the log's origin ("dauys/REFERENDUM/MODE") and the id of the
 * central key signatures were checked with (hex, as minisign prints it).
 */
typedef struct dauys_audit_identity {
    char referendum[DAUYS_NOTE_NAME_MAX + 1];
    char mode[DAUYS_NOTE_NAME_MAX + 1];
    char origin[DAUYS_NOTE_NAME_MAX + 1];
    char key_id[2 * DAUYS_KEYS_ID_BYTES + 1];
    int key_from_bundle; /* that key was the bundle's own central.pub, trusted on
                          * the caller's word (--trust-bundle-key), not pinned */
} dauys_audit_identity;

/* Fills ID from ORIGIN (its referendum and mode are the parts between its
 * slashes; empty if it has not that form) and KEY. */
void dauys_audit_identity_set(dauys_audit_identity *id, const char *origin, const dauys_pubkey *key,
                              int key_from_bundle);

/* The witness policy an audit applied (W1), and what the checkpoint had. */
typedef struct dauys_audit_witnessing {
    size_t count;      /* witnesses in the policy; 0: none, the checkpoint is not witnessed */
    size_t quorum;     /* how many must cosign */
    size_t cosigned;   /* of them, how many cosigned the bundle's checkpoint (valid, in time) */
    int from_manifest; /* the policy is the manifest's (else the caller's --witness) */
    int checked;       /* the checkpoint's cosignatures could be checked */
} dauys_audit_witnessing;

/* 1 if ORIGIN has the form of a dauys log's origin: "dauys/REF/official" or
 * "dauys/REF/test", REF not empty and without a slash; 0 if not. */
int dauys_audit_origin_valid(const char *origin);

/* The audit's own crosscheck of the summary protocols (X1), for its output. */
#define DAUYS_AUDIT_DIFFER_NAMED 10
typedef struct dauys_audit_crosscheck {
    uint64_t areas;   /* districts and regions with a commission; 0: none */
    uint64_t agree;   /* of them: the current summary agrees with what counts below */
    uint64_t differ;  /* it differs (a field or an item) */
    uint64_t none;    /* no current summary */
    uint64_t unknown; /* a file it needs could not be read (I3) */
    size_t named;     /* the first differing areas, "district KAR-D1" */
    char name[DAUYS_AUDIT_DIFFER_NAMED][80];
} dauys_audit_crosscheck;

typedef struct dauys_audit_summary {
    uint64_t entries, protocols, counted, expected;
    uint64_t summaries; /* of the protocols' entries, those of summary protocols */
    const char *check[DAUYS_AUDIT_CHECKS], *group[DAUYS_AUDIT_CHECKS], *title[DAUYS_AUDIT_CHECKS];
    uint64_t passed[DAUYS_AUDIT_CHECKS], failed[DAUYS_AUDIT_CHECKS];
    uint64_t unchecked[DAUYS_AUDIT_CHECKS]; /* could not be made: what they need is broken */
    int database;                           /* the bundle had a dauys.db to compare */
    unsigned reports_absent;                /* renderings T3 looked for and did not find:
                                             * 1 reports/report.html, 2 reports/tally.csv */
    uint64_t statement_unknown;             /* lines of the audit's own statement it could
                                             * not complete (protocols unreadable) */
    dauys_audit_identity checked;           /* the referendum of the logged manifest in
                                             * force, its origin, the key used */
    dauys_audit_witnessing witnesses;       /* W1's policy and count */
    dauys_audit_crosscheck crosscheck;      /* the audit's own crosscheck (X1) */
} dauys_audit_summary;

/*
 * The counting set, handed over after a complete audit (dauys-audit
 * forensics): BEGIN with the manifest in force, then PRECINCT for each
 * precinct whose protocol the log makes count, in roster order, with that
 * protocol as read again from the bundle, or NULL if it cannot be read (I3
 * reported it). Either may be NULL. A non-zero return, with ERR filled,
 * stops the audit, which then fails with that error.
 */
typedef struct dauys_audit_counting {
    int (*begin)(void *ctx, const dauys_manifest *m, dauys_error *err);
    int (*precinct)(void *ctx, const dauys_manifest *m, uint32_t index, const dauys_protocol *p,
                    dauys_error *err);
    void *ctx;
} dauys_audit_counting;

typedef struct dauys_audit_options {
    const dauys_pubkey *central; /* from a source the auditor trusts (pinned): the bundle's
                                  * central.pub must be this key (A5). NULL only with
                                  * trust_bundle_key */
    int trust_bundle_key;        /* with central NULL: check with the bundle's own
                                  * central.pub, which shows internal consistency only
                                  * (anyone can make a bundle); A5 is then unchecked */
    const char *origin;          /* if not NULL: the origin the auditor expects
                                  * ("dauys/REF/MODE"); another is an A5 failure */
    dauys_audit_fn on_fail;      /* called for every failure (may be NULL) */
    void *ctx;
    char **statement; /* if not NULL: the audit's own result statement (dauys_free) */
    size_t *statement_len;
    unsigned threads; /* threads reading and verifying protocols; 0: one per CPU.
                       * Callers with a custom allocator that is not thread-safe
                       * give 1 */
    const dauys_audit_counting *counting;  /* if not NULL: given the counting set */
    const dauys_witness_policy *witnesses; /* if not NULL: the witnesses required, whatever
                                            * the manifest names (W1); NULL: the manifest's */
    uint64_t now; /* the time cosignatures are judged at (POSIX seconds); 0: the clock's */
} dauys_audit_options;

/*
 * Audits the bundle in directory BUNDLE. Returns 0 when the audit ran,
 * failures or not (see SUMMARY), -1 when it could not run (ERR: no log, no
 * central key, out of memory; DAUYS_E_USAGE when OPT gives no central key
 * and no trust_bundle_key).
 */
int dauys_audit_verify(dauys_audit_summary *summary, const char *bundle,
                       const dauys_audit_options *opt, dauys_error *err) DAUYS_WUR;

#endif
