/*
 * tlog_witness.h: a C2SP tlog-witness (c2sp.org/tlog-witness): it cosigns a
 * log's checkpoint (cosignature/v1, keys/cosig.h) only after checking that
 * it extends, by an RFC 6962 consistency proof, the last checkpoint it
 * cosigned for that log, and it never cosigns two roots for one size nor a
 * smaller tree, whatever crashes between (docs/FORMATS.md section 22).
 *
 * The request (POST /add-checkpoint) body:
 *
 *   "old " OLD_SIZE "\n"          decimal, no leading zeros
 *   BASE64(HASH) "\n"             0 to 63 consistency proof lines
 *   "\n"
 *   CHECKPOINT NOTE               a signed checkpoint, extension lines and
 *                                 signatures of other keys allowed
 *
 * Three layers: dauys_witness_parse (syntax) and dauys_witness_decide (every
 * check, a pure function of the body and the state held in memory: unit
 * tests and the fuzzer call it); dauys_witness_add_checkpoint (decides under
 * the witness's lock, keeps evidence, cosigns, persists the new state, then
 * answers); and the HTTP server (witness_http.c, libmicrohttpd).
 */
#ifndef DAUYS_AUDIT_WITNESS_H
#define DAUYS_AUDIT_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/merkle.h"
#include "keys/cosig.h"
#include "keys/keys.h"
#include "keys/note.h"

/* Largest request body read (larger: 413). */
#define DAUYS_WITNESS_BODY_MAX (64 * 1024)
/* Most consistency proof lines a request may carry (the spec's limit). */
#define DAUYS_WITNESS_PROOF_LINES_MAX 63
/* Most logs one witness serves. */
#define DAUYS_WITNESS_LOGS_MAX 16
/* Most evidence files kept (past it, incidents are refused but not kept). */
#define DAUYS_WITNESS_EVIDENCE_MAX 1000
/* Largest answer body, NUL included. */
#define DAUYS_WITNESS_ANSWER_MAX (DAUYS_COSIG_LINE_MAX + DAUYS_ERROR_MESSAGE_MAX + 2)

/* The answer's Content-Type for a 409 on the old size (the spec's). */
#define DAUYS_WITNESS_SIZE_TYPE "text/x.tlog.size"

/* A request's syntax, parsed: it points into the body. */
typedef struct dauys_witness_request {
    uint64_t old_size;
    dauys_merkle_proof proof; /* at most DAUYS_WITNESS_PROOF_LINES_MAX hashes */
    const char *note;         /* the checkpoint note, to the body's end */
    size_t note_len;
} dauys_witness_request;

/* One log a witness serves, and what it last cosigned for it. */
typedef struct dauys_witness_log {
    char origin[DAUYS_NOTE_NAME_MAX + 1]; /* NUL-terminated */
    dauys_pubkey key;                     /* the log's key (its Ed25519 half signs notes) */
    int cosigned;                         /* 0: never cosigned a checkpoint of it */
    dauys_checkpoint last;                /* when COSIGNED: the latest cosigned */
} dauys_witness_log;

/* Why a request is kept as evidence of the log's misbehaviour. */
typedef enum dauys_witness_incident {
    DAUYS_WITNESS_NO_INCIDENT = 0,
    DAUYS_WITNESS_FORK,        /* validly signed, the size cosigned last, another root */
    DAUYS_WITNESS_INCONSISTENT /* validly signed, its proof from the state does not verify */
} dauys_witness_incident;

/* What dauys_witness_decide found. */
typedef struct dauys_witness_verdict {
    unsigned status;                 /* HTTP status: 200, 400, 403, 404, 409, 413 or 422 */
    int size_conflict;               /* 409 on the old size: the body is KNOWN_SIZE */
    uint64_t known_size;             /* the size the witness last cosigned (0: none) */
    dauys_witness_incident incident; /* keep the request as evidence */
    size_t log;                      /* the log's index, once the origin is known */
    int log_known;                   /* 1: LOG is set */
    dauys_witness_request req;       /* parsed, when status is not 400/413 on syntax */
    dauys_checkpoint cp;             /* the checkpoint, once its signature verified */
    size_t text_len;                 /* its note text's length (extension lines included) */
    dauys_error why;                 /* unless 200: why, for the answer and the log */
} dauys_witness_verdict;

/*
 * Parses the syntax of request BODY (LEN bytes) into REQ: the old size line,
 * 0 to 63 proof lines (canonical base64 of 32 bytes each), the empty line
 * and a non-empty rest (the note, not checked here). DAUYS_E_FORMAT naming
 * the line on failure.
 */
int dauys_witness_parse(dauys_witness_request *req, const char *body, size_t len,
                        dauys_error *err) DAUYS_WUR;

/*
 * Decides request BODY (LEN bytes) against the COUNT logs LOGS, in the
 * spec's order: over DAUYS_WITNESS_BODY_MAX 413; malformed 400; an origin
 * none of LOGS has 404; no valid signature by the log's key 403 (a malformed
 * note 400); old size over the checkpoint's 400; a proof with old size 0
 * 400; the size cosigned last with another root 409 (a fork); an old size
 * that is not the size cosigned last 409 (SIZE_CONFLICT); a proof that does
 * not verify from the state 422; else 200. Pure: reads nothing but its
 * arguments and never fails; the verdict says it all.
 */
void dauys_witness_decide(dauys_witness_verdict *v, const char *body, size_t len,
                          const dauys_witness_log *logs, size_t count);

/* --- the witness: state on disk, one lock ------------------------------ */

typedef struct dauys_witness dauys_witness;

/* What a witness is: its key name and secret key, its state directory, its logs. */
typedef struct dauys_witness_config {
    const char *state_dir; /* created (mode 0700) if missing */
    const char *name;      /* the witness's key name (signed-note rules) */
    const dauys_seckey *sk;
    size_t count; /* 1 .. DAUYS_WITNESS_LOGS_MAX */
    struct {
        const char *origin;
        dauys_pubkey key;
    } log[DAUYS_WITNESS_LOGS_MAX];
} dauys_witness_config;

/*
 * Opens the witness of CFG (kept by the caller as long as the witness, SK
 * included) into *OUT: locks STATE_DIR against a second witness on it
 * (STATE_DIR/lock, DAUYS_E_IO if held), removes temporary files a crash
 * left, and reads each log's state STATE_DIR/log-HEX.checkpoint (HEX the
 * SHA-256 of its origin in lower-case hex): the last checkpoint cosigned, as
 * received; it must verify with the log's key under its origin, else
 * DAUYS_E_FORMAT naming the file (a witness refuses to start on a state it
 * cannot trust). Origins must be distinct valid key names (DAUYS_E_USAGE).
 */
int dauys_witness_open(dauys_witness **out, const dauys_witness_config *cfg,
                       dauys_error *err) DAUYS_WUR;

/* Closes W (NULL is fine): frees it and releases the lock. */
void dauys_witness_close(dauys_witness *w);

/* The witness's own key (name, public key, key id), for its verifier key. */
const dauys_witness_key *dauys_witness_key_of(const dauys_witness *w);

/* The state file of log ORIGIN in DIR into OUT (SIZE bytes). 0, or -1 if it does not fit. */
int dauys_witness_state_path(char *out, size_t size, const char *dir, const char *origin) DAUYS_WUR;

/* An answer to one request. */
typedef struct dauys_witness_answer {
    unsigned status;                     /* HTTP status (500: the witness failed) */
    const char *content_type;            /* static */
    char body[DAUYS_WITNESS_ANSWER_MAX]; /* NUL-terminated */
    size_t body_len;
    char summary[DAUYS_ERROR_MESSAGE_MAX + 128]; /* one line for the log (untrusted bytes) */
} dauys_witness_answer;

/*
 * Answers request BODY (LEN bytes) at POSIX time NOW: decides it
 * (dauys_witness_decide) under W's lock; keeps an incident as evidence
 * (STATE_DIR/evidence/, a new file each, synced: both checkpoints); on 200
 * cosigns the checkpoint, writes the new state durably (a temporary file,
 * fsync, rename, fsync of the directory) and only then updates W and fills
 * A with the cosignature line. Cosigning or persisting failing: 500, the
 * state unchanged. Thread-safe: the check and the write are one step.
 */
void dauys_witness_add_checkpoint(dauys_witness_answer *a, dauys_witness *w, const char *body,
                                  size_t len, uint64_t now);

/* --- HTTP ---------------------------------------------------------------- */

typedef struct dauys_witness_server dauys_witness_server;

typedef struct dauys_witness_http_config {
    const char *listen;          /* "A.B.C.D:PORT" (port 0: any free) */
    unsigned max_connections;    /* 0: 256 */
    unsigned idle_timeout_s;     /* 0: 10 */
    unsigned request_deadline_s; /* its headers, then its body, in by then (0: 30) */
    /* One line per request and MHD's errors; may be NULL. Called from
     * several threads; LINE holds untrusted bytes. */
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
} dauys_witness_http_config;

/*
 * Serves W over HTTP per CFG (both kept by the caller until stopped):
 * POST /add-checkpoint, anything else 404, another method on it 405. Returns
 * 0 with *OUT listening, or -1 (DAUYS_E_USAGE for a bad address,
 * DAUYS_E_NETWORK if it cannot listen).
 */
int dauys_witness_serve(dauys_witness_server **out, dauys_witness *w,
                        const dauys_witness_http_config *cfg, dauys_error *err) DAUYS_WUR;

/* The port listened on. */
unsigned dauys_witness_server_port(const dauys_witness_server *s);

/* Stops S (NULL is fine): closes every connection, waits for requests in flight, frees S. */
void dauys_witness_server_stop(dauys_witness_server *s);

#endif
