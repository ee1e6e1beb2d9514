/*
 * publish.h: the result statement, signed and logged, and the evidence
 * bundle an auditor receives (docs/FORMATS.md, "Bundle"):
 *
 *   central.pub                      the central commission's public key
 *   manifest.txt, manifest.txt.minisig   the manifest in force (latest version)
 *   manifests/vN.txt(.minisig)       every manifest version
 *   protocols/NNNNNNNN.txt(.minisig) every submitted protocol, named by the
 *                                    index of the log entry that records it
 *   protocols/index.tsv              log index, precinct, version, outcome, reason code
 *   log/entries.txt                  every log entry, in order
 *   checkpoint                       the signed checkpoint covering the whole log
 *   result.txt, result.txt.minisig   the result statement, signed by the centre
 *   reports/tally.txt, .json, .csv   the tally for people and programs
 *   reports/report.html              the result as a page for people (html.h)
 *   dauys.db                         a consistent copy of the database
 *
 * Publishing twice from the same state gives byte-identical files: the
 * result is only appended to the log when it differs from the last one.
 * Every file is read from one snapshot, that of the transaction which
 * logged the result, so a publication while another process ingests is
 * whole: the log ends with the result's entry and everything agrees with it.
 */
#ifndef DAUYS_PUBLISH_PUBLISH_H
#define DAUYS_PUBLISH_PUBLISH_H

#include <stdint.h>

#include "keys/keys.h"
#include "keys/note.h"
#include "tally/tally.h"
#include "store/workspace.h"

typedef struct dauys_publication {
    uint64_t covered;  /* log entries the result covers */
    uint64_t log_size; /* entries after publishing (the checkpoint's size) */
    int appended;      /* 1 if this call appended the result to the log */
    int final, valid_all, adopted_all;
    char checkpoint[DAUYS_CHECKPOINT_NOTE_MAX]; /* the signed checkpoint note, as in the bundle */
} dauys_publication;

/*
 * Tallies WS, signs and logs the result statement with SK (the workspace's
 * central key), signs a checkpoint covering it, then writes the bundle into
 * OUTDIR, which must not exist or be empty.
 */
int dauys_publish(dauys_publication *pub, dauys_workspace *ws, const dauys_seckey *sk,
                  const char *outdir, dauys_error *err) DAUYS_WUR;

/*
 * The result statement tally T of WS would be published with now, into
 * *TEXT (dauys_malloc'ed; the caller frees it, also after a failure) and
 * *LEN: if the log already ends with this very statement, that one
 * (*LOGGED 1; it covers the entries before it), else one covering the
 * whole log (*LOGGED 0). *COVERED and ROOT: the log state it covers.
 */
int dauys_publish_statement(char **text, size_t *len, uint64_t *covered, uint8_t root[32],
                            int *logged, dauys_workspace *ws, const dauys_tally *t,
                            dauys_error *err) DAUYS_WUR;

/*
 * The page for people (report/html.h) of tally T of WS as it would be
 * published now (dauys report): marked published if the log ends with this
 * very result signed, else a preview. Into *BUF and *LEN, a buffer of
 * libc's (open_memstream): the caller free()s it, also after a failure
 * (NULL if none was made). Returns 0, or -1 with ERR.
 */
int dauys_publish_page(char **buf, size_t *len, dauys_workspace *ws, const dauys_tally *t,
                       dauys_error *err) DAUYS_WUR;

#endif
