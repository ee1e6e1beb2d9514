/*
 * logentry.h: the canonical text of a log entry. Every event that changes
 * what counts (the manifest, each submission's outcome) is one entry:
 *
 *   format: dauys-log 1
 *   index: 7
 *   event: accepted
 *   referendum: kz-2026
 *   precinct: AST-0001              (a protocol, when known)
 *   summary: district AST-ESL       (a summary protocol, when known; never both)
 *   version: 1                      (when known)
 *   file-sha256: <hex>
 *   signature-sha256: <hex>|none
 *   reason: <code> <text>           (rejections only)
 *   previous: <hex SHA-256 of entry index-1, zeros for entry 0>
 *
 * Entries are hash-chained through "previous" and are the leaves of the
 * RFC 6962 tree (core/merkle.h). Format: docs/FORMATS.md, "Log entry".
 */
#ifndef DAUYS_REFERENDUM_LOGENTRY_H
#define DAUYS_REFERENDUM_LOGENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/sha256.h"

#define DAUYS_LOG_ENTRY_MAX 1024
#define DAUYS_LOG_REASON_MAX 400

typedef struct dauys_log_event {
    uint64_t index;
    const char *event; /* manifest, accepted, correction, rejected, replay, conflict, stale */
    const char *referendum;
    const char *precinct;      /* NULL: omitted */
    const char *summary_level; /* "district" or "region" (with summary_area), or NULL */
    const char *summary_area;  /* a summary's area; with precinct NULL */
    uint32_t version;          /* 0: omitted */
    uint8_t file_sha256[DAUYS_SHA256_BYTES];
    int has_signature;
    uint8_t signature_sha256[DAUYS_SHA256_BYTES];
    const char *reason_code; /* NULL: no reason line */
    const char *reason;
    uint8_t previous[DAUYS_SHA256_BYTES];
} dauys_log_event;

/*
 * Writes the canonical entry for E into OUT (SIZE >= DAUYS_LOG_ENTRY_MAX),
 * its length in *LEN. The reason text is made safe for one line: control
 * bytes and invalid UTF-8 become '?', and it is cut at DAUYS_LOG_REASON_MAX.
 */
int dauys_logentry_format(char *out, size_t size, size_t *len, const dauys_log_event *e,
                          dauys_error *err) DAUYS_WUR;

/* A log entry as parsed back (strings point into the entry text). */
typedef struct dauys_log_parsed {
    uint64_t index;
    char event[16];
    char referendum[65];
    char precinct[65];      /* "" when absent */
    char summary_level[16]; /* "district" or "region"; "" when there is no summary line */
    char summary_area[65];  /* "" when there is no summary line */
    uint32_t version;       /* 0 when absent */
    uint8_t file_sha256[DAUYS_SHA256_BYTES];
    int has_signature;
    uint8_t signature_sha256[DAUYS_SHA256_BYTES];
    char reason_code[32]; /* "" when absent */
    uint8_t previous[DAUYS_SHA256_BYTES];
} dauys_log_parsed;

/*
 * The reason text of the log entry ENTRY (LEN bytes; need not be parsed or
 * NUL-terminated): its "reason:" line after the code, into OUT (SIZE bytes,
 * cut to fit). 1, or 0 (OUT untouched) if the entry has no reason line.
 */
int dauys_logentry_reason_text(const char *entry, size_t len, char *out, size_t size);

/*
 * Parses one canonical log entry (LEN bytes) strictly: the fields in their
 * order, hex hashes in lower case, at most one of `precinct` and `summary`
 * (whose level is district or region, its area an id of up to 64 bytes).
 * NAME labels errors.
 */
int dauys_logentry_parse(dauys_log_parsed *out, const char *text, size_t len, const char *name,
                         dauys_error *err) DAUYS_WUR;

#endif
