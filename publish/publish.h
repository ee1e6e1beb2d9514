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
 *   checkpoint                       the signed checkpoint covering the whole log,
 *                                    with its witnesses' cosignatures
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
#include "publish/witness.h"
#include "tally/tally.h"
#include "store/workspace.h"

/* What getting one stored checkpoint cosigned did (dauys_publish_cosign). */
typedef struct dauys_cosigning {
    uint64_t size; /* the checkpoint's size; 0: no checkpoint was cosigned */
    int asked;     /* 1: the witnesses were asked; 0: the note already carried a quorum */
    size_t valid;  /* the manifest's witnesses whose cosignature the note now carries */
    size_t added;  /* of those, cosignatures this round added */
    dauys_cosigner_outcome outcome[DAUYS_COSIGNER_URLS_MAX]; /* when asked: what each of the
                                                                cosigner's URLs did */
} dauys_cosigning;

typedef struct dauys_publication {
    uint64_t covered;  /* log entries the result covers */
    uint64_t log_size; /* entries after publishing (the checkpoint's size) */
    int appended;      /* 1 if this call appended the result to the log */
    int final, valid_all, adopted_all;
    char checkpoint[DAUYS_COSIGNED_NOTE_MAX]; /* the checkpoint note, as in the bundle */
    /* With witnesses (dauys_publish_witnessed): */
    dauys_cosigning before;        /* the checkpoint of the log before the result (16.3) */
    dauys_cosigning after;         /* the final checkpoint, the bundle's */
    unsigned attempts;             /* times the checkpoint before the result was cosigned */
    int log_grew;                  /* 1: the log grew each time (another writer): the statement
                                      covers a log no cosigned checkpoint was asked for */
    size_t statement_cosignatures; /* `cosignature` lines in result.txt (with or without) */
} dauys_publication;

/*
 * Tallies WS, signs and logs the result statement with SK (the workspace's
 * central key), signs a checkpoint covering it, then writes the bundle into
 * OUTDIR, which must not exist or be empty. As dauys_publish_witnessed
 * without a cosigner.
 */
int dauys_publish(dauys_publication *pub, dauys_workspace *ws, const dauys_seckey *sk,
                  const char *outdir, dauys_error *err) DAUYS_WUR;

/*
 * As dauys_publish, with the witnesses of cosigner C (NULL: none asked;
 * its policy the manifest in force's witnesses), in this order (FORMATS.md
 * 16.3): (1) signs a checkpoint of the log as it stands and gets it cosigned
 * (dauys_publish_cosign), storing it; (2) the transaction of the result,
 * whose statement carries the cosignatures stored for the checkpoint it
 * covers; if the log grew between (1) and (2) (another writer), (1) and (2)
 * are tried again, 3 times in all, then the statement is published as it
 * comes (PUB->log_grew); (3) after the commit, holding only the read
 * snapshot of the bundle, the final checkpoint is cosigned, written into the
 * bundle (also into the copy of the database), and stored once the bundle is
 * written. A stored note that already carries a quorum is reused, so that
 * publishing again from the same state gives the same bytes. A quorum not
 * reached is no failure: PUB says what the witnesses did.
 */
int dauys_publish_witnessed(dauys_publication *pub, dauys_workspace *ws, const dauys_seckey *sk,
                            const char *outdir, dauys_cosigner *c, dauys_error *err) DAUYS_WUR;

/*
 * Gets NOTE, a checkpoint of WS signed by its central key (a note stored in
 * its `checkpoint` table, NUL-terminated in a buffer of NOTE_SIZE >=
 * DAUYS_COSIGNED_NOTE_MAX bytes), cosigned by the witnesses of C: unless it
 * already carries a quorum of the manifest's witnesses (WS->manifest), asks
 * them (consistency proofs from WS's stored tree, read in whatever
 * transaction the caller holds; never a write) and adds their valid
 * cosignatures to NOTE. Stores nothing: the caller stores NOTE
 * (dauys_log_checkpoint_cosigned) when OUT->added > 0. Returns 0 whatever the
 * witnesses did, or -1 with ERR (a NOTE that is not WS's checkpoint, memory).
 */
int dauys_publish_cosign(dauys_cosigning *out, char *note, size_t note_size, dauys_workspace *ws,
                         dauys_cosigner *c, dauys_error *err) DAUYS_WUR;

/* 1 if VALID cosignatures of policy P's witnesses make a quorum, else 0. */
int dauys_publish_quorum_met(size_t valid, const dauys_witness_policy *p);

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
