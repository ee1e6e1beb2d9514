/* serve_internal.h (internal to serve/): the server's parts and shared state. */
#ifndef DAUYS_SERVE_INTERNAL_H
#define DAUYS_SERVE_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "core/watchdog.h"
#include "core/textbuf.h"
#include "ingest/ingest.h"
#include "keys/note.h"
#include "publish/witness.h"
#include "serve/server.h"
#include "store/workspace.h"

/* A submission's body: the protocol (64 KiB at most), its signature and the
 * multipart framing; more is refused with 413. */
#define SERVE_BODY_MAX (96u << 10)

/* A document served from memory, replaced whole by the publisher. */
typedef struct serve_doc {
    char *data;
    size_t len;
} serve_doc;

typedef enum serve_state {
    REQ_RECEIVING, /* the body is arriving */
    REQ_QUEUED,    /* verified and waiting for the committer (connection suspended) */
    REQ_ANSWERED,  /* the committer set the answer (connection resumed) */
} serve_state;

enum { PART_PROTOCOL, PART_SIGNATURE, PART_COUNT };

/* One request's state, from its headers to its completion (MHD's con_cls). */
typedef struct serve_request {
    struct dauys_server *server;
    struct MHD_Connection *conn;
    struct MHD_PostProcessor *pp;
    int is_submission;
    serve_state state;
    char *part[PART_COUNT];
    size_t part_len[PART_COUNT], part_cap[PART_COUNT];
    int part_seen[PART_COUNT];
    int malformed, too_large;
    char why[200]; /* what was malformed */
    size_t body;
    uint64_t started_ms;
    int counted_in_flight;
    dauys_ingest_submission *sub;
    uint32_t manifest_version; /* the roster SUB was verified against */
    unsigned answer_status;    /* set by the committer */
    struct serve_request *next;
} serve_request;

typedef struct serve_counters {
    uint64_t received, recorded, refused, malformed, too_large, busy, dropped;
} serve_counters;

struct dauys_server {
    const dauys_serve_config *cfg;
    char tiles[PATH_MAX];
    unsigned interval_ms, port;
    struct MHD_Daemon *daemon;

    /* The committer's connection (its roster verifies every submission).
     * The HTTP threads read its manifest under roster_lock; the committer
     * replaces both, under the write lock, when another process accepted a
     * new manifest version (dauys update-manifest while serving). */
    pthread_rwlock_t roster_lock;
    dauys_workspace *ws;
    dauys_ingest_session *session;
    /* The publisher's connections: PUB reads (a snapshot held across a round),
     * SIGNER records the checkpoints; and one for receipts (under reader_lock). */
    dauys_workspace *pub, *signer, *reader;
    pthread_mutex_t reader_lock;

    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t committer_wake, publisher_wake, idle;
    serve_request *queue, *queue_tail;
    size_t queued, in_flight;
    int closing;        /* submissions now answered 503 */
    int stop_committer; /* the committer exits once its queue is empty */
    int stop_publisher; /* the publisher makes a last round, then exits */
    uint64_t log_size;  /* after the last commit */
    serve_counters count;
    /* What the publisher made last: served as they are. */
    serve_doc status_json, live_page, checkpoint;
    uint64_t published_size; /* of the checkpoint served and in the tiles */
    uint64_t status_size;    /* of the state the status and the page show */
    serve_doc manifest, manifest_sig, central_pub;

    /* The header watchdog: libmicrohttpd 0.9.75 has no deadline for a
     * request's headers, only an idle timeout that a byte now and then
     * resets; the watchdog shuts down a socket whose headers are late. */
    dauys_watchdog *watchdog;

    /* The publisher's request that the committer sign a checkpoint (under
     * lock): signed on the connection that writes, between two batches, so
     * the signature never waits for a write lock a busy committer keeps. */
    int committer_running, sign_pending, sign_done, sign_rc;
    uint64_t sign_size;
    char sign_note[DAUYS_CHECKPOINT_NOTE_MAX];
    dauys_error sign_err;
    pthread_cond_t signed_cond;

    /* The witnesses' cosigner (NULL: none asked), used by the publisher
     * only; it remembers the size each witness last cosigned. */
    dauys_cosigner *cosigner;
    /* The checkpoint served lacks a named witness's cosignature: asked again
     * (the log not growing) from WITNESS_RETRY_MS (dauys_clock_ms) on:
     * publisher thread only. */
    int witness_short;
    uint64_t witness_retry_ms;

    pthread_t committer, publisher;
    int committer_started, publisher_started;
    int publish_failed;
    dauys_error publish_error;
};

/* Formats a log line and hands it to the configuration's log hook. */
void dauys_serve_log(const struct dauys_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* intake.c: submissions. */
enum MHD_Result dauys_serve_intake_begin(serve_request *r, struct MHD_Connection *c);
enum MHD_Result dauys_serve_intake_body(serve_request *r, const char *data, size_t *size);
enum MHD_Result dauys_serve_intake_end(serve_request *r);
void dauys_serve_intake_free(serve_request *r);
void *dauys_serve_committer_main(void *arg);

/* 1 if the database holds a manifest version other than WS's (another
 * process accepted one), 0 if not, -1 on error. */
int dauys_serve_manifest_changed(dauys_workspace *ws, dauys_error *err);

/* publisher.c */
int dauys_serve_publish_round(struct dauys_server *s, dauys_error *err);
int dauys_serve_publisher_load_static(struct dauys_server *s, dauys_error *err);
void *dauys_serve_publisher_main(void *arg);

/* routes.c: GET and HEAD */
enum MHD_Result dauys_serve_route_get(struct dauys_server *s, struct MHD_Connection *c,
                                      const char *url);

/* Responses: a copy of LEN bytes at DATA with TYPE and CACHE headers. */
enum MHD_Result dauys_serve_reply(struct MHD_Connection *c, unsigned status, const char *type,
                                  const char *cache, const void *data, size_t len);
/* A JSON error {"error": WHY} (with Retry-After when RETRY_AFTER > 0). */
enum MHD_Result dauys_serve_reply_error(struct MHD_Connection *c, unsigned status, const char *why,
                                        unsigned retry_after);
/* A copy of the document under the lock, replied with TYPE and CACHE. */
enum MHD_Result dauys_serve_reply_doc(struct dauys_server *s, struct MHD_Connection *c,
                                      const serve_doc *doc, const char *type, const char *cache);

/* Appends V (NULL: null) to B as a JSON string (dauys_serve_json_string). */
void dauys_serve_json_value(dauys_textbuf *b, const char *v);
/* Replies B's JSON (freed here) with STATUS (and Retry-After if RETRY_AFTER > 0). */
enum MHD_Result dauys_serve_reply_json(struct MHD_Connection *c, unsigned status, dauys_textbuf *b,
                                       unsigned retry_after);

#endif
