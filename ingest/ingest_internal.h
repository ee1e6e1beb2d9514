/* ingest_internal.h (internal to tally/): the pieces of an ingest. */
#ifndef DAUYS_INGEST_INTERNAL_H
#define DAUYS_INGEST_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/filelist.h"
#include "ingest/ingest.h"
#include "referendum/protocol.h"
#include "referendum/summary.h"

/* What the verification stage found out about one file. */
typedef enum item_verdict {
    ITEM_UNREADABLE, /* could not be read at all: nothing to record */
    ITEM_SECRET,     /* a secret key: refused, nothing of it recorded */
    ITEM_FAILED,     /* could not be judged (out of memory): the ingest stops */
    ITEM_REJECTED,
    ITEM_REPLAY,
    ITEM_VALID,
} item_verdict;

typedef struct ingest_item {
    const char *path;
    char *text, *sig; /* the protocol's and the signature's bytes (owned) */
    size_t text_len, sig_len;
    uint8_t text_sha256[32], sig_sha256[32];
    int has_sig, header_ok;
    int sig_secret; /* the signature file was a secret key (refused: has_sig is 0) */
    int signed_ok;  /* the signature verified with the roster's key for the precinct named */
    item_verdict verdict;
    char reason_code[16];
    char reason[512];
    char sig_problem[128]; /* why there is no signature, when has_sig is 0 */
    /* What the writer decided, told to the caller once the chunk is committed
     * (a chunk rolled back tells nothing: nothing of it was recorded). */
    const char *told_outcome;            /* as in dauys_ingest_report */
    const char *told_code, *told_reason; /* NULL unless not counted */
    size_t told_warnings;
    uint64_t told_index;           /* the log entry recording it (or the one it repeats) */
    uint8_t told_entry_sha256[32]; /* SHA-256 of that entry */
    int told_recorded;             /* 1: recorded now or before (a duplicate); 0: nothing kept */
    /* For a duplicate: what the submission it repeats was told. */
    char first_outcome[16], first_code[16], first_reason[512];
    size_t first_warnings;
    /* A summary protocol (its first line says so): its header once read
     * (header_ok), all of it once valid; dauys_malloc'ed, NULL for a
     * protocol. Freed by dauys_ingest_item_clear. */
    dauys_summary *summary;
    dauys_protocol protocol;
    dauys_findings findings;
} ingest_item;

/* Reads, hashes, verifies, parses and checks one file against M (thread-safe). */
void dauys_ingest_item_verify(ingest_item *item, const dauys_manifest *m);
/* As dauys_ingest_item_verify, for a submission held in memory (TEXT_LEN
 * bytes at TEXT; SIG NULL if none was sent): copies of the bytes are taken. */
void dauys_ingest_item_verify_bytes(ingest_item *item, const dauys_manifest *m, const void *text,
                                    size_t text_len, const void *sig, size_t sig_len);
/* Frees the item's buffers. */
void dauys_ingest_item_clear(ingest_item *item);

#endif
