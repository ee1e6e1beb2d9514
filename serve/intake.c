/*
 * intake.c: POST /v1/protocols. The body (multipart/form-data, parts
 * "protocol" and "signature") is collected under caps and a deadline, the
 * submission verified on the HTTP thread, and only one signed with the
 * roster's key for the precinct it names is queued for the committer; the
 * connection is suspended until the committer has durably recorded it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/alloc.h"
#include "keys/keys.h"
#include "referendum/protocol.h"
#include "serve/serve_internal.h"
#include "store/checkpoint.h"

static const size_t part_max[PART_COUNT] = {DAUYS_PROTOCOL_FILE_MAX, DAUYS_KEYS_FILE_MAX};
static const char *const part_name[PART_COUNT] = {"protocol", "signature"};

/* Marks R malformed with WHY (the first reason wins). */
static void
malformed(serve_request *r, const char *why)
{
    if (!r->malformed) {
        r->malformed = 1;
        snprintf(r->why, sizeof r->why, "%s", why);
    }
}

/* MHD's multipart iterator: each piece of each part, in order. */
static enum MHD_Result
on_part(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
        const char *content_type, const char *transfer_encoding, const char *data, uint64_t off,
        size_t size)
{
    serve_request *r = cls;
    int p;

    (void) kind;
    (void) filename; /* names and types say nothing the bytes do not */
    (void) content_type;
    (void) transfer_encoding;
    for (p = 0; p < PART_COUNT && strcmp(key, part_name[p]) != 0; p++) {
    }
    if (p == PART_COUNT) {
        malformed(r, "an unknown part (only \"protocol\" and \"signature\")");
        return MHD_NO;
    }
    if (off == 0 && r->part_seen[p] && r->part_len[p] > 0) {
        malformed(r, p == PART_PROTOCOL ? "the part \"protocol\" twice"
                                        : "the part \"signature\" twice");
        return MHD_NO;
    }
    r->part_seen[p] = 1;
    if (off != r->part_len[p] || size > part_max[p] - r->part_len[p]) {
        r->too_large = 1;
        return MHD_NO;
    }
    if (size == 0) {
        return MHD_YES;
    }
    if (r->part_len[p] + size > r->part_cap[p]) { /* grows: a thousand idle uploads stay small */
        size_t cap = r->part_cap[p] ? 2 * r->part_cap[p] : 4096;
        char *grown;
        while (cap < r->part_len[p] + size) {
            cap *= 2;
        }
        cap = cap < part_max[p] ? cap : part_max[p];
        if ((grown = dauys_realloc(r->part[p], cap)) == NULL) {
            malformed(r, "out of memory");
            return MHD_NO;
        }
        r->part[p] = grown;
        r->part_cap[p] = cap;
    }
    memcpy(r->part[p] + r->part_len[p], data, size);
    r->part_len[p] += size;
    return MHD_YES;
}

/* 1 if C's request says multipart/form-data. MHD's post processor takes
 * application/x-www-form-urlencoded too: that is refused (415), so one
 * parser, the multipart one, ever sees what anonymous senders send. */
static int
is_multipart(struct MHD_Connection *c)
{
    const char *type =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);

    return type != NULL && strncasecmp(type, "multipart/form-data", 19) == 0;
}

enum MHD_Result
dauys_serve_intake_begin(serve_request *r, struct MHD_Connection *c)
{
    struct dauys_server *s = r->server;
    const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");

    if (length != NULL && strtoull(length, NULL, 10) > SERVE_BODY_MAX) {
        pthread_mutex_lock(&s->lock);
        s->count.too_large++;
        pthread_mutex_unlock(&s->lock);
        return dauys_serve_reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
                                       "the body is over the limit (a protocol is at most 64 KiB)",
                                       0);
    }
    r->pp = is_multipart(c) ? MHD_create_post_processor(c, 16384, on_part, r) : NULL;
    if (r->pp == NULL) {
        pthread_mutex_lock(&s->lock);
        s->count.malformed++;
        pthread_mutex_unlock(&s->lock);
        return dauys_serve_reply_error(
            c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
            "send multipart/form-data with parts \"protocol\" and "
            "\"signature\" (curl -F protocol=@P -F signature=@P.minisig)",
            0);
    }
    pthread_mutex_lock(&s->lock);
    s->count.received++;
    s->in_flight++;
    r->counted_in_flight = 1;
    pthread_mutex_unlock(&s->lock);
    return MHD_YES;
}

enum MHD_Result
dauys_serve_intake_body(serve_request *r, const char *data, size_t *size)
{
    unsigned deadline =
        r->server->cfg->request_deadline_s ? r->server->cfg->request_deadline_s : 30u;

    /* A body trickled in to hold a connection (slowloris) is cut off: the
     * idle timeout alone never fires while a byte comes now and then. */
    if (dauys_clock_ms() - r->started_ms > (uint64_t) deadline * 1000u) {
        pthread_mutex_lock(&r->server->lock);
        r->server->count.dropped++;
        pthread_mutex_unlock(&r->server->lock);
        return MHD_NO;
    }
    r->body += *size;
    if (r->body > SERVE_BODY_MAX) {
        r->too_large = 1;
    }
    if (!r->malformed && !r->too_large && MHD_post_process(r->pp, data, *size) != MHD_YES &&
        !r->too_large) {
        malformed(r, "the multipart body does not parse");
    }
    *size = 0; /* taken (or, once refused, dropped) */
    return MHD_YES;
}

/* Answers a submission that was refused before the log. */
static enum MHD_Result
answer_refused(serve_request *r, unsigned status)
{
    struct dauys_server *s = r->server;
    dauys_ingest_answer a;
    dauys_textbuf b = {0};

    dauys_ingest_submission_answer(&a, r->sub);
    if (!r->part_seen[PART_SIGNATURE] && strcmp(a.reason_code, "signature") == 0) {
        a.reason = "no part \"signature\" was sent with the protocol"; /* not a file */
    }
    dauys_textbuf_add(&b, "{\"outcome\": \"refused\", \"reason_code\": ");
    dauys_serve_json_value(&b, a.reason_code);
    dauys_textbuf_add(&b, ", \"reason\": ");
    dauys_serve_json_value(&b, a.reason);
    dauys_textbuf_add(&b, "}\n");
    pthread_mutex_lock(&s->lock);
    s->count.refused++;
    pthread_mutex_unlock(&s->lock);
    return dauys_serve_reply_json(r->conn, status, &b, 0);
}

/* The committer's answer, once the connection is resumed: the JSON of a
 * recorded submission (docs/SERVER.md), the same for the same bytes. */
static enum MHD_Result
answer_recorded(serve_request *r)
{
    dauys_ingest_answer a;
    dauys_textbuf b = {0};
    char hex[65];

    if (r->answer_status != MHD_HTTP_OK) {
        return dauys_serve_reply_error(r->conn, r->answer_status,
                                       "could not record it now: nothing of it was kept; try "
                                       "again",
                                       2);
    }
    dauys_ingest_submission_answer(&a, r->sub);
    for (int i = 0; i < 32; i++) {
        snprintf(hex + 2 * i, 3, "%02x", a.entry_sha256[i]);
    }
    dauys_textbuf_add(&b, "{\"outcome\": ");
    dauys_serve_json_value(&b, a.outcome);
    dauys_textbuf_add(&b, ", \"precinct\": ");
    dauys_serve_json_value(&b, a.precinct);
    if (a.summary_level != NULL) { /* a summary protocol: its level and area */
        dauys_textbuf_add(&b, ", \"summary\": {\"level\": ");
        dauys_serve_json_value(&b, a.summary_level);
        dauys_textbuf_add(&b, ", \"area\": ");
        dauys_serve_json_value(&b, a.summary_area);
        dauys_textbuf_add(&b, "}");
    }
    if (a.version != 0) {
        dauys_textbuf_add(&b, ", \"version\": %u", a.version);
    } else {
        dauys_textbuf_add(&b, ", \"version\": null");
    }
    dauys_textbuf_add(&b, ", \"reason_code\": ");
    dauys_serve_json_value(&b, a.reason_code);
    dauys_textbuf_add(&b, ", \"reason\": ");
    dauys_serve_json_value(&b, a.reason);
    dauys_textbuf_add(
        &b, ", \"log_index\": %" PRIu64 ", \"entry_sha256\": \"%s\", \"warnings\": %zu}\n",
        a.log_index, hex, a.warnings);
    return dauys_serve_reply_json(r->conn, MHD_HTTP_OK, &b, 0);
}

/* Queues R for the committer and suspends its connection; or answers 503. */
static enum MHD_Result
enqueue(serve_request *r)
{
    struct dauys_server *s = r->server;
    size_t max = s->cfg->max_pending ? s->cfg->max_pending : 20000u;
    int refuse;

    pthread_mutex_lock(&s->lock);
    refuse = s->closing || s->queued >= max;
    if (!refuse) {
        r->state = REQ_QUEUED;
        r->next = NULL;
        if (s->queue_tail != NULL) {
            s->queue_tail->next = r;
        } else {
            s->queue = r;
        }
        s->queue_tail = r;
        s->queued++;
        /* suspended under the lock: the committer resumes it only after */
        MHD_suspend_connection(r->conn);
        pthread_cond_signal(&s->committer_wake);
    } else {
        s->count.busy++;
    }
    pthread_mutex_unlock(&s->lock);
    if (refuse) {
        return dauys_serve_reply_error(
            r->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
            s->closing ? "the server is shutting down" : "busy: try again", 1);
    }
    return MHD_YES;
}

/* Verifies R's parts against the roster in force (read under its lock),
 * noting which roster that was. Returns 0, or -1 (out of memory) with ERR. */
static int
verify_submission(serve_request *r, dauys_error *err)
{
    struct dauys_server *s = r->server;
    const char *protocol = r->part[PART_PROTOCOL] ? r->part[PART_PROTOCOL] : "";
    const char *sig = r->part[PART_SIGNATURE] ? r->part[PART_SIGNATURE] : "";
    int rc;

    pthread_rwlock_rdlock(&s->roster_lock);
    r->manifest_version = s->ws->manifest.version;
    rc = dauys_ingest_submission_verify(
        &r->sub, &s->ws->manifest, "http", protocol, r->part_len[PART_PROTOCOL],
        r->part_seen[PART_SIGNATURE] ? sig : NULL, r->part_len[PART_SIGNATURE], err);
    pthread_rwlock_unlock(&s->roster_lock);
    return rc;
}

/* The body is complete: check it, verify the submission, queue it. */
static enum MHD_Result
receive(serve_request *r)
{
    struct dauys_server *s = r->server;
    dauys_error err;

    if (r->pp != NULL && MHD_destroy_post_processor(r->pp) != MHD_YES && !r->too_large) {
        malformed(r, "the multipart body is incomplete");
    }
    r->pp = NULL;
    if (r->too_large) {
        pthread_mutex_lock(&s->lock);
        s->count.too_large++;
        pthread_mutex_unlock(&s->lock);
        return dauys_serve_reply_error(r->conn, MHD_HTTP_CONTENT_TOO_LARGE,
                                       "a part is over its limit (a protocol is at most 64 KiB)",
                                       0);
    }
    if (!r->malformed && !r->part_seen[PART_PROTOCOL]) {
        malformed(r, "no part \"protocol\"");
    }
    if (r->malformed) {
        pthread_mutex_lock(&s->lock);
        s->count.malformed++;
        pthread_mutex_unlock(&s->lock);
        return dauys_serve_reply_error(r->conn, MHD_HTTP_BAD_REQUEST, r->why, 0);
    }
    if (verify_submission(r, &err) != 0) {
        return dauys_serve_reply_error(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE, err.message, 2);
    }
    /* Nobody grows the log without a roster key (SECURITY.md). */
    if (!dauys_ingest_submission_signed(r->sub)) {
        return answer_refused(r, MHD_HTTP_UNPROCESSABLE_CONTENT);
    }
    return enqueue(r);
}

/* Not in flight any more: the server may stop when none is. */
static void
leave_flight(serve_request *r)
{
    struct dauys_server *s = r->server;

    if (r->counted_in_flight) {
        r->counted_in_flight = 0;
        pthread_mutex_lock(&s->lock);
        if (--s->in_flight == 0) {
            pthread_cond_broadcast(&s->idle);
        }
        pthread_mutex_unlock(&s->lock);
    }
}

enum MHD_Result
dauys_serve_intake_end(serve_request *r)
{
    enum MHD_Result rc;

    switch (r->state) {
    case REQ_RECEIVING:
        rc = receive(r);
        if (r->state == REQ_RECEIVING) { /* answered already */
            leave_flight(r);
        }
        return rc;
    case REQ_ANSWERED:
        rc = answer_recorded(r);
        leave_flight(r);
        return rc;
    case REQ_QUEUED: /* woken without an answer: cannot happen */
    default: return MHD_NO;
    }
}

void
dauys_serve_intake_free(serve_request *r)
{
    if (r->pp != NULL) {
        (void) MHD_destroy_post_processor(r->pp);
    }
    leave_flight(r);
    for (int p = 0; p < PART_COUNT; p++) {
        dauys_free(r->part[p]);
    }
    dauys_ingest_submission_free(r->sub);
    dauys_free(r);
}

/* --- The committer: one transaction per group of queued submissions ------- */

/* Takes the whole queue (at most MAX) under the lock. */
static size_t
take_queue(struct dauys_server *s, serve_request **batch, size_t max)
{
    size_t n = 0;

    while (s->queue != NULL && n < max) {
        batch[n++] = s->queue;
        s->queue = s->queue->next;
    }
    if (s->queue == NULL) {
        s->queue_tail = NULL;
    }
    s->queued -= n;
    return n;
}

/* Reopens the committer's workspace and session on the manifest now in
 * force, under the roster's write lock: submissions verified against the
 * old roster are then answered 503 and re-verified when their clients retry. */
static void
reload_roster(struct dauys_server *s)
{
    dauys_workspace *ws = NULL;
    dauys_ingest_session *session = NULL;
    dauys_error err;

    if (dauys_workspace_open(&ws, s->cfg->workspace, &err) != 0 ||
        dauys_ingest_session_open(&session, ws, &err) != 0) {
        dauys_serve_log(s, "the manifest changed, and reopening the workspace failed: %s",
                        err.message);
        dauys_workspace_close(ws);
        return;
    }
    pthread_rwlock_wrlock(&s->roster_lock);
    dauys_ingest_session_close(s->session);
    dauys_workspace_close(s->ws);
    s->ws = ws;
    s->session = session;
    pthread_rwlock_unlock(&s->roster_lock);
    dauys_serve_log(s, "manifest version %u is in force now (accepted by another process)",
                    ws->manifest.version);
}

/* Records the submissions of BATCH verified against the roster in force
 * (the others are answered 503, to be verified again); sets each answer and
 * resumes each connection. */
static void
commit_batch(struct dauys_server *s, serve_request **batch, dauys_ingest_submission **subs,
             size_t n)
{
    dauys_error err;
    unsigned status = MHD_HTTP_OK;
    uint32_t version = s->ws->manifest.version; /* only this thread changes it */
    size_t count = 0;

    for (size_t i = 0; i < n; i++) {
        if (batch[i]->manifest_version == version) {
            subs[count++] = batch[i]->sub;
        }
    }
    if (count > 0 && dauys_ingest_session_record(s->session, subs, count, NULL, &err) != 0) {
        dauys_serve_log(s, "recording %zu submissions failed (answered 503, nothing kept): %s",
                        count, err.message);
        status = MHD_HTTP_SERVICE_UNAVAILABLE;
        if (dauys_serve_manifest_changed(s->ws, &err) > 0) {
            reload_roster(s);
        }
    }
    pthread_mutex_lock(&s->lock);
    if (status == MHD_HTTP_OK) {
        s->log_size = s->ws->head.range.size;
        s->count.recorded += count;
        pthread_cond_signal(&s->publisher_wake);
    }
    for (size_t i = 0; i < n; i++) {
        batch[i]->answer_status =
            batch[i]->manifest_version == version ? status : MHD_HTTP_SERVICE_UNAVAILABLE;
        batch[i]->state = REQ_ANSWERED;
        MHD_resume_connection(batch[i]->conn);
    }
    pthread_mutex_unlock(&s->lock);
}

/* Signs the checkpoint the publisher asked for on the committer's own
 * connection (called and returning with S->lock held). */
static void
sign_for_publisher(struct dauys_server *s)
{
    dauys_checkpoint cp;
    uint64_t size = s->sign_size;
    char note[DAUYS_CHECKPOINT_NOTE_MAX];
    dauys_error err;
    int rc;

    pthread_mutex_unlock(&s->lock);
    rc = dauys_log_checkpoint_at(note, sizeof note, &cp, s->ws, s->cfg->central, size, &err);
    pthread_mutex_lock(&s->lock);
    s->sign_rc = rc;
    if (rc == 0) {
        memcpy(s->sign_note, note, sizeof note);
    } else {
        s->sign_err = err;
    }
    s->sign_pending = 0;
    s->sign_done = 1;
    pthread_cond_broadcast(&s->signed_cond);
}

#define BATCH_MAX 4096

void *
dauys_serve_committer_main(void *arg)
{
    struct dauys_server *s = arg;
    serve_request **batch = dauys_malloc_array(BATCH_MAX, sizeof *batch);
    dauys_ingest_submission **subs = dauys_malloc_array(BATCH_MAX, sizeof *subs);
    size_t n;

    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (s->queue == NULL && !s->stop_committer && !s->sign_pending) {
            pthread_cond_wait(&s->committer_wake, &s->lock);
        }
        if (s->sign_pending) { /* between two batches: the checkpoint of what is committed */
            sign_for_publisher(s);
            continue;
        }
        if (s->queue == NULL) {
            break; /* stopping, and nothing left */
        }
        if (batch == NULL || subs == NULL) { /* no memory: answer 503 one at a time */
            serve_request *r = s->queue;
            take_queue(s, &r, 1);
            r->answer_status = MHD_HTTP_SERVICE_UNAVAILABLE;
            r->state = REQ_ANSWERED;
            MHD_resume_connection(r->conn);
            continue;
        }
        n = take_queue(s, batch, BATCH_MAX);
        pthread_mutex_unlock(&s->lock);
        commit_batch(s, batch, subs, n);
        pthread_mutex_lock(&s->lock);
    }
    s->committer_running = 0; /* a publisher waiting now signs by itself */
    pthread_cond_broadcast(&s->signed_cond);
    pthread_mutex_unlock(&s->lock);
    dauys_free(batch);
    dauys_free(subs);
    return NULL;
}
