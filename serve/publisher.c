/*
 * publisher.c: every interval, if the log grew, dauys serve's publisher
 * reads a snapshot of the workspace (one read transaction: the log's size
 * and everything the status shows, of one state), signs a checkpoint of
 * exactly that size, has the witnesses cosign it (if any are given:
 * publish/witness.h), writes the new tiles and then the checkpoint into the
 * tiles directory (publish/tiles.h), and swaps in the documents it serves.
 * Its own connection reads while the committer appends on another.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "core/clock.h"
#include "core/alloc.h"
#include "publish/tiles.h"
#include "serve/livepage.h"
#include "serve/serve_internal.h"
#include "serve/snapshot.h"
#include "keys/cosig.h"
#include "publish/witness.h"
#include "store/checkpoint.h"
#include "store/db.h"

/* Replaces *DOC with the LEN bytes at DATA (taken: freed here or later). */
static void
swap_doc(serve_doc *doc, char *data, size_t len)
{
    dauys_free(doc->data);
    doc->data = data;
    doc->len = len;
}

/* A dauys_malloc'ed copy of LEN bytes. */
static char *
copy_of(const void *data, size_t len)
{
    char *p = dauys_malloc(len + 1);

    if (p != NULL) {
        memcpy(p, data, len);
        p[len] = '\0';
    }
    return p;
}

/* Reads the signed manifest in force and the central key into the
 * documents served (swapped in under the lock). */
static int
load_manifest_docs(struct dauys_server *s, dauys_error *err)
{
    sqlite3_stmt *st = NULL;
    char pub[DAUYS_KEYS_PUBKEY_TEXT_MAX];
    serve_doc text = {0}, sig = {0}, key = {0};
    int rc;

    if (dauys_keys_pubkey_encode(pub, sizeof pub, &s->pub->central, "central commission", err) !=
            0 ||
        dauys_db_prepare(s->pub->db, &st,
                         "SELECT text, signature FROM manifest ORDER BY version DESC LIMIT 1",
                         err) != 0) {
        return -1;
    }
    if ((rc = dauys_db_step_row(st, err)) > 0) {
        text.len = (size_t) sqlite3_column_bytes(st, 0);
        text.data = copy_of(sqlite3_column_blob(st, 0), text.len);
        sig.len = (size_t) sqlite3_column_bytes(st, 1);
        sig.data = copy_of(sqlite3_column_blob(st, 1), sig.len);
    }
    sqlite3_finalize(st);
    key.len = strlen(pub);
    key.data = copy_of(pub, key.len);
    if (rc > 0 && text.data != NULL && sig.data != NULL && key.data != NULL) {
        pthread_mutex_lock(&s->lock);
        swap_doc(&s->manifest, text.data, text.len);
        swap_doc(&s->manifest_sig, sig.data, sig.len);
        swap_doc(&s->central_pub, key.data, key.len);
        pthread_mutex_unlock(&s->lock);
        return 0;
    }
    dauys_free(text.data);
    dauys_free(sig.data);
    dauys_free(key.data);
    return rc < 0 ? -1
                  : dauys_error_set(err, rc == 0 ? DAUYS_E_DATABASE : DAUYS_E_NOMEM,
                                    rc == 0 ? "the workspace holds no manifest" : "out of memory");
}

int
dauys_serve_publisher_load_static(struct dauys_server *s, dauys_error *err)
{
    size_t removed = 0;

    if (load_manifest_docs(s, err) != 0 ||
        dauys_tiles_published_size(&s->published_size, s->tiles, err) != 0 ||
        dauys_tiles_remove_stale(&removed, s->tiles, err) != 0) {
        return -1;
    }
    if (removed > 0) {
        dauys_serve_log(s, "removed %zu temporary files a stopped writer left in %s", removed,
                        s->tiles);
    }
    return 0;
}

/* After another process accepted a new manifest version: the publisher's
 * and the receipts' connections are reopened on it, and its documents read. */
static int
reopen_readers(struct dauys_server *s, dauys_error *err)
{
    dauys_workspace *pub = NULL, *reader = NULL;

    if (dauys_workspace_open_frame(&pub, s->cfg->workspace, err) != 0 ||
        dauys_workspace_open_frame(&reader, s->cfg->workspace, err) != 0) {
        dauys_workspace_close(pub);
        return -1;
    }
    dauys_workspace_close(s->pub);
    s->pub = pub; /* only this thread uses it (and start, before it runs) */
    pthread_mutex_lock(&s->reader_lock);
    dauys_workspace_close(s->reader);
    s->reader = reader;
    pthread_mutex_unlock(&s->reader_lock);
    return load_manifest_docs(s, err);
}

/* Ends the read transaction on the publisher's connection. */
static void
end_read(struct dauys_server *s)
{
    (void) sqlite3_exec(s->pub->db, "COMMIT", NULL, NULL, NULL); /* a read: nothing to lose */
}

/* Swaps the signed checkpoint NOTE of SIZE entries, just published in the
 * tiles, into what the server serves. */
static int
swap_checkpoint(struct dauys_server *s, const char *note, uint64_t size, dauys_error *err)
{
    char *cp = copy_of(note, strlen(note));

    if (cp == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    pthread_mutex_lock(&s->lock);
    swap_doc(&s->checkpoint, cp, strlen(cp));
    s->published_size = size;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

/* Renders the status and the page of SNAP under NOTE and swaps them into
 * what the server serves. */
static int
swap_status(struct dauys_server *s, const dauys_serve_snapshot *snap, const char *note,
            uint64_t size, dauys_error *err)
{
    char *json = NULL, *page = NULL;
    size_t json_len = 0, page_len = 0;

    if (dauys_serve_snapshot_json(&json, &json_len, snap, note, err) != 0 ||
        dauys_serve_live_page(&page, &page_len, snap, note, err) != 0) {
        dauys_free(json);
        dauys_free(page);
        return -1;
    }
    pthread_mutex_lock(&s->lock);
    swap_doc(&s->status_json, json, json_len);
    swap_doc(&s->live_page, page, page_len);
    s->status_size = size;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

/*
 * The checkpoint of the log's first SIZE entries, into NOTE: signed by the
 * committer between two of its batches while it runs (a writer of its own
 * would wait for the write lock, and a busy committer hardly lets go of it:
 * rounds of 2.6 s were measured), else on the signer's connection (at
 * start, and the last round, when no one else writes). 0 or -1 with ERR.
 */
static int
sign_checkpoint(char *note, size_t size_note, dauys_checkpoint *cp, struct dauys_server *s,
                uint64_t size, dauys_error *err)
{
    int rc;

    pthread_mutex_lock(&s->lock);
    if (s->committer_running) {
        s->sign_size = size;
        s->sign_pending = 1;
        s->sign_done = 0;
        pthread_cond_signal(&s->committer_wake);
        while (!s->sign_done && s->committer_running) {
            pthread_cond_wait(&s->signed_cond, &s->lock);
        }
        if (s->sign_done) {
            rc = s->sign_rc;
            if (rc == 0) {
                snprintf(note, size_note, "%s", s->sign_note);
            } else {
                *err = s->sign_err;
            }
            pthread_mutex_unlock(&s->lock);
            return rc;
        }
        s->sign_pending = 0; /* the committer stopped first */
    }
    pthread_mutex_unlock(&s->lock);
    return dauys_log_checkpoint_at(note, size_note, cp, s->signer, s->cfg->central, size, err);
}

/* The cosigner's proofs: from the publisher's connection, inside the
 * round's read transaction, so of the log the checkpoint signs. */
static int
prove_from_log(dauys_merkle_proof *proof, uint64_t old_size, uint64_t size, void *ctx,
               dauys_error *err)
{
    dauys_proof_text p;

    if (dauys_log_prove_consistency(&p, ctx, old_size, size, err) != 0) {
        return -1;
    }
    *proof = p.proof;
    return 0;
}

/* Appends to LINE (SIZE bytes, NUL-terminated, *N its length) what FMT
 * says, cut at the end of LINE. */
static void line_add(char *line, size_t size, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
line_add(char *line, size_t size, size_t *n, const char *fmt, ...)
{
    va_list ap;
    int k;

    if (*n + 1 >= size) {
        return;
    }
    va_start(ap, fmt);
    k = vsnprintf(line + *n, size - *n, fmt, ap);
    va_end(ap);
    *n = k < 0 ? *n : (*n + (size_t) k < size ? *n + (size_t) k : size - 1);
}

/* While the checkpoint served lacks a witness's cosignature and the log does
 * not grow, the witnesses are asked again every this many intervals (a
 * witness that does not answer holds the publisher up to twice its timeout
 * each time). */
#define WITNESS_RETRY_INTERVALS 30u

/*
 * Asks the witnesses (if any) to cosign NOTE (NOTE_SIZE bytes; the log's
 * checkpoint, signed, perhaps cosigned already), adding the manifest's
 * witnesses' cosignatures to it (*ADDED: how many, if not NULL), and logs
 * one line of what they did. The witnesses' failures are not the round's: a
 * checkpoint short of its quorum goes out all the same, and the status and
 * the page say so. -1 with ERR only for a malformed note or no memory.
 */
static int
cosign(struct dauys_server *s, char *note, size_t note_size, size_t *added, dauys_error *err)
{
    dauys_cosigner_outcome out[DAUYS_COSIGNER_URLS_MAX];
    const dauys_witness_policy *p = &s->pub->manifest.witnesses;
    dauys_checkpoint cp;
    size_t text_len, valid = 0, n = 0;
    uint64_t started = dauys_clock_ms();
    char line[700];

    if (added != NULL) {
        *added = 0;
    }
    if (s->cosigner == NULL) {
        return 0;
    }
    if (dauys_note_text_length(&text_len, note, strlen(note), "checkpoint", err) != 0 ||
        dauys_checkpoint_parse(&cp, note, text_len, "checkpoint", err) != 0 ||
        dauys_cosigner_run(&valid, out, s->cosigner, note, note_size, &cp, prove_from_log, s->pub,
                           err) != 0) {
        return -1;
    }
    line[0] = '\0';
    if (p->count == 0) {
        line_add(line, sizeof line, &n,
                 "witnesses: checkpoint %" PRIu64 " sent to %zu witnesses in %" PRIu64
                 " ms; the manifest names none, so no cosignature is kept",
                 cp.size, s->cfg->witness_count, dauys_clock_ms() - started);
    } else {
        line_add(line, sizeof line, &n,
                 "witnesses: checkpoint %" PRIu64
                 " cosigned by %zu of %zu, quorum %zu %s, in %" PRIu64 " ms",
                 cp.size, valid, p->count, p->quorum, valid >= p->quorum ? "met" : "NOT MET",
                 dauys_clock_ms() - started);
    }
    for (size_t i = 0; i < s->cfg->witness_count; i++) {
        if (added != NULL) {
            *added += out[i].added;
        }
        if (out[i].added == 0 && out[i].why.status != DAUYS_OK) {
            line_add(line, sizeof line, &n, "; %s", out[i].why.message);
        }
    }
    dauys_serve_log(s, "%s", line);
    s->witness_short = valid < p->count;
    s->witness_retry_ms = dauys_clock_ms() + (uint64_t) WITNESS_RETRY_INTERVALS * s->interval_ms;
    return 0;
}

/* 1 if the checkpoint served lacks a named witness's cosignature and it is
 * time to ask again (publisher thread only). */
static int
witness_retry_due(const struct dauys_server *s)
{
    return s->cosigner != NULL && s->witness_short && dauys_clock_ms() >= s->witness_retry_ms;
}

/*
 * One round. The publisher's connection holds one read transaction across
 * it, so everything it reads is of one state of the log, of SIZE entries:
 * the checkpoint of SIZE is signed (on the signer's connection) and the
 * tiles and the checkpoint written first, so a covering checkpoint is out as
 * soon as can be; the status, which takes longest to read (it grows with the
 * roster), is read after, of the same state, and swapped in with that note.
 */
int
dauys_serve_publish_round(struct dauys_server *s, dauys_error *err)
{
    char note[DAUYS_COSIGNED_NOTE_MAX];
    dauys_serve_snapshot *snap = NULL;
    dauys_checkpoint cp;
    uint64_t size, old, shown, started = dauys_clock_ms(), out;
    size_t added = 0;
    int rc = -1, have_checkpoint;

    pthread_mutex_lock(&s->lock);
    old = s->published_size;
    shown = s->status_size;
    have_checkpoint = s->checkpoint.data != NULL;
    if (have_checkpoint) { /* the note the status shows when nothing is signed now */
        snprintf(note, sizeof note, "%s", s->checkpoint.data);
    }
    pthread_mutex_unlock(&s->lock);
    if (sqlite3_exec(s->pub->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        return dauys_error_set(err, DAUYS_E_DATABASE, "publisher: %s", sqlite3_errmsg(s->pub->db));
    }
    if (dauys_log_load_head(s->pub, err) != 0) { /* its SELECT pins the state read */
        goto done;
    }
    size = s->pub->head.range.size;
    if (size < old) {
        dauys_error_set(err, DAUYS_E_PROOF,
                        "%s holds a checkpoint of %" PRIu64 " entries, the log only %" PRIu64
                        ": another log's tiles?",
                        s->tiles, old, size);
        goto done;
    }
    if ((size != old || !have_checkpoint) &&
        (sign_checkpoint(note, sizeof note, &cp, s, size, err) != 0 ||
         cosign(s, note, sizeof note, NULL, err) != 0 ||
         dauys_tiles_write(s->pub, s->tiles, old, size, note, err) != 0 ||
         swap_checkpoint(s, note, size, err) != 0)) {
        goto done;
    }
    /* The log did not grow, and the checkpoint out lacks a witness: asked
     * again; one more cosignature and it goes out again, with its status. */
    if (size == old && have_checkpoint && witness_retry_due(s) &&
        (cosign(s, note, sizeof note, &added, err) != 0 ||
         (added > 0 && (dauys_tiles_write(s->pub, s->tiles, old, size, note, err) != 0 ||
                        swap_checkpoint(s, note, size, err) != 0)))) {
        goto done;
    }
    out = dauys_clock_ms();
    /* A status that failed after its checkpoint went out is read again. */
    if ((size != shown || added > 0) && (dauys_serve_snapshot_read(&snap, s->pub, err) != 0 ||
                                         swap_status(s, snap, note, size, err) != 0)) {
        goto done;
    }
    if (size != old) {
        dauys_serve_log(s,
                        "published checkpoint %" PRIu64 " (%" PRIu64 " new entries) in %" PRIu64
                        " ms, its status %" PRIu64 " ms later",
                        size, size - old, out - started, dauys_clock_ms() - out);
    }
    rc = 0;
done:
    end_read(s);
    dauys_serve_snapshot_free(snap);
    return rc;
}

/* The deadline INTERVAL_MS from now on the monotonic clock, for
 * pthread_cond_timedwait on publisher_wake (made with that clock: a wall
 * clock stepped back must not stall the publications). */
static struct timespec
deadline_after(unsigned interval_ms)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += interval_ms / 1000u;
    t.tv_nsec += (long) (interval_ms % 1000u) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

void *
dauys_serve_publisher_main(void *arg)
{
    struct dauys_server *s = arg;
    dauys_error err;
    int stopping, grew;
    struct timespec until = deadline_after(s->interval_ms);

    for (;;) {
        pthread_mutex_lock(&s->lock);
        while (!s->stop_publisher &&
               pthread_cond_timedwait(&s->publisher_wake, &s->lock, &until) == 0) {
        }
        stopping = s->stop_publisher;
        grew = s->log_size > s->published_size || s->status_size != s->published_size ||
               witness_retry_due(s);
        pthread_mutex_unlock(&s->lock);
        /* The next round is due an interval after this one begins, not after
         * it ends: the round's own duration (it grows with the roster) does
         * not stretch the period, so a 2xx waits at most about an interval
         * and a round for its checkpoint. Late, the next round starts at once. */
        until = deadline_after(s->interval_ms);
        if (grew || stopping) {
            int failed = dauys_serve_publish_round(s, &err) != 0;
            dauys_error reopen;
            if (failed && dauys_serve_manifest_changed(s->pub, &reopen) > 0) {
                failed = reopen_readers(s, &reopen) != 0 || dauys_serve_publish_round(s, &err) != 0;
            }
            if (failed) {
                dauys_serve_log(s, "publishing failed (will try again): %s", err.message);
            }
            if (stopping) {
                s->publish_failed = failed;
                s->publish_error = err;
                break;
            }
        }
    }
    return NULL;
}
