/*
 * witness.h: the log's side of C2SP tlog-witness: asking every witness to
 * cosign a checkpoint the central commission signed, with a consistency
 * proof from the size each witness last cosigned, and keeping the
 * cosignatures of the manifest's witnesses (keys/cosig.h).
 *
 * One dauys_cosigner per process and witness list (dauys serve keeps one for
 * its life, so it remembers each witness's size; dauys checkpoint and
 * dauys publish make one per run). Requests go out in parallel (libcurl,
 * net/), each with timeouts and retries; a witness that answers 409 with
 * its size (text/x.tlog.size) is asked again at once with a proof from that
 * size. Witnesses that fail are reported, never fatal: a checkpoint without
 * a quorum is still a checkpoint, and the caller publishes it as such.
 */
#ifndef DAUYS_PUBLISH_WITNESS_H
#define DAUYS_PUBLISH_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/merkle.h"
#include "keys/cosig.h"
#include "keys/note.h"

/* Most witness URLs one cosigner asks. */
#define DAUYS_COSIGNER_URLS_MAX DAUYS_WITNESSES_MAX

/*
 * Writes into PROOF the RFC 9162 consistency proof from OLD_SIZE to SIZE of
 * the log the checkpoint is of (0 <= OLD_SIZE <= SIZE; empty when OLD_SIZE is
 * 0 or equal to SIZE). Returns 0, or -1 with ERR (OLD_SIZE beyond the log:
 * DAUYS_E_PROOF).
 */
typedef int (*dauys_cosigner_prove_fn)(dauys_merkle_proof *proof, uint64_t old_size, uint64_t size,
                                       void *ctx, dauys_error *err);

typedef struct dauys_cosigner_options {
    long timeout_ms;    /* per request, connect included; 0: 10,000 */
    unsigned retries;   /* on no answer or 5xx/429; 0: none */
    const char *cacert; /* CA file for https, or NULL */
} dauys_cosigner_options;

/* What one witness URL did in the last round. */
typedef struct dauys_cosigner_outcome {
    const char *url;       /* the cosigner's copy */
    long status;           /* last HTTP status, 0 if no answer */
    size_t added;          /* cosignature lines added to the note from it */
    uint64_t witness_size; /* the size it said it had cosigned (409), or the new size */
    dauys_error why;       /* when added == 0: why (no answer, a refusal and its body) */
} dauys_cosigner_outcome;

typedef struct dauys_cosigner dauys_cosigner;

/*
 * A cosigner for the witnesses at URLS[0..N) (each the witness's submission
 * prefix: "http://HOST:PORT" or with a path; "/add-checkpoint" is appended),
 * keeping only cosignatures by POLICY's witnesses (copied). *OUT is the
 * caller's, freed with dauys_cosigner_free. N may be 0 (a cosigner that asks
 * nobody). Returns 0, or -1 with ERR (DAUYS_E_USAGE for a bad URL or too many).
 */
int dauys_cosigner_new(dauys_cosigner **out, const char *const *urls, size_t n,
                       const dauys_witness_policy *policy, const dauys_cosigner_options *o,
                       dauys_error *err) DAUYS_WUR;

void dauys_cosigner_free(dauys_cosigner *c);

/*
 * Asks every witness to cosign NOTE, the central-signed checkpoint CP (a
 * NUL-terminated note in a buffer of NOTE_SIZE >= DAUYS_COSIGNED_NOTE_MAX
 * bytes), proofs from PROVE(CTX), and adds every valid cosignature by a
 * witness of the policy to NOTE (dauys_cosig_merge). OUTCOME (N entries, may
 * be NULL) tells what each URL did. *VALID: the policy's witnesses whose
 * cosignature NOTE now carries (counting any it carried before). Returns 0
 * whatever the witnesses did; -1 with ERR only if NOTE is malformed or
 * memory ran out.
 */
int dauys_cosigner_run(size_t *valid, dauys_cosigner_outcome *outcome, dauys_cosigner *c,
                       char *note, size_t note_size, const dauys_checkpoint *cp,
                       dauys_cosigner_prove_fn prove, void *ctx, dauys_error *err) DAUYS_WUR;

/*
 * The body of an add-checkpoint request (C2SP tlog-witness): "old N\n", one
 * base64 hash per line of PROOF, a blank line, then NOTE (LEN bytes). Into
 * OUT (SIZE bytes), NUL-terminated; *OUT_LEN its length. DAUYS_E_TOO_LARGE if
 * it does not fit.
 */
int dauys_cosigner_request(char *out, size_t size, size_t *out_len, uint64_t old_size,
                           const dauys_merkle_proof *proof, const char *note, size_t len,
                           dauys_error *err) DAUYS_WUR;

#endif
