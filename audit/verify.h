/*
 * verify.h: the independent audit of a published bundle. Reads only the
 * bundle's signed files and log; never the tally's SQL or the organisers'
 * database. Every check has a stable id; every failure is reported with its
 * location, and the audit goes on to find the rest.
 *
 *   authenticity  A1 checkpoint signature   A2 manifest signature
 *                 A3 protocol signatures     A4 result signature
 *   integrity     I1 hash chain and indexes  I2 Merkle root = checkpoint
 *                 I3 every logged file present with its hash
 *   consistency   C1 each logged outcome re-derived from the files
 *   completeness  P1 result's reporting count vs. precincts counted
 *   tally         T1 re-tally = the result's numbers  T2 verdicts
 */
#ifndef DAUYS_AUDIT_VERIFY_H
#define DAUYS_AUDIT_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "keys.h"

typedef struct dauys_audit_finding {
    const char *check;    /* "A1".. */
    const char *where;    /* file, entry index, precinct */
    const char *message;
} dauys_audit_finding;

typedef void (*dauys_audit_fn)(const dauys_audit_finding *f, void *ctx);

#define DAUYS_AUDIT_CHECKS 11

typedef struct dauys_audit_summary {
    uint64_t entries, protocols, counted;
    const char *check[DAUYS_AUDIT_CHECKS];
    uint64_t passed[DAUYS_AUDIT_CHECKS], failed[DAUYS_AUDIT_CHECKS];
} dauys_audit_summary;

/*
 * Audits the bundle in directory BUNDLE against the central public key
 * CENTRAL (taken from a source the auditor trusts; NULL: the bundle's own
 * central.pub). Calls ON_FAIL for every failure. Returns 0 when the audit
 * ran (failures or not: see SUMMARY), -1 when it could not run (ERR).
 */
int dauys_audit_verify(dauys_audit_summary *summary, const char *bundle,
                       const dauys_pubkey *central, dauys_audit_fn on_fail, void *ctx,
                       dauys_error *err) __attribute__((warn_unused_result));

#endif
