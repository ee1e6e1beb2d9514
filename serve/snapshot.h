/*
 * snapshot.h: where a workspace stands while results arrive, for
 * `dauys serve`: precincts expected, accepted, conflicted and missing per
 * region and nationally, submissions by outcome, and the provisional tally
 * with its verdicts, read in one go inside the caller's read transaction,
 * and written as the JSON body of GET /v1/status (docs/SERVER.md).
 *
 * The server's publisher, right after it signs a checkpoint, opens a read
 * transaction on a connection of its own that sees exactly the log the
 * checkpoint covers, calls dauys_serve_snapshot_read, commits, and renders
 * the JSON (here) and the live page (serve/livepage.h) from the snapshot and
 * the checkpoint's signed note. A snapshot owns copies of everything it
 * shows: it does not point into the workspace, so it may outlive it and be
 * read (never written) from several threads at once.
 */
#ifndef DAUYS_SERVE_SNAPSHOT_H
#define DAUYS_SERVE_SNAPSHOT_H

#include <stddef.h>

#include "core/error.h"
#include "core/textbuf.h"
#include "store/workspace.h"

typedef struct dauys_serve_snapshot dauys_serve_snapshot; /* opaque */

/*
 * Reads where WS stands into *OUT (freed with dauys_serve_snapshot_free):
 * the log's size and root, dauys_workspace_status_read's counts, and
 * dauys_tally_compute's tally per region and nationally with its verdicts.
 * Runs inside the caller's transaction and begins none (neither do the
 * functions it calls), so everything read is of one state of the database.
 * WS is only read, but its in-memory log head is refreshed from the
 * database (dauys_log_load_head). Fails with DAUYS_E_DATABASE when the
 * database holds a newer manifest than WS was opened with (another process
 * updated it: reopen WS); DAUYS_E_NOMEM; or as the reads fail. *OUT is
 * NULL after a failure.
 */
int dauys_serve_snapshot_read(dauys_serve_snapshot **out, dauys_workspace *ws,
                              dauys_error *err) DAUYS_WUR;

/* Frees S (NULL is fine). */
void dauys_serve_snapshot_free(dauys_serve_snapshot *s);

/* The number of log entries S covers. */
uint64_t dauys_serve_snapshot_log_size(const dauys_serve_snapshot *s);

/*
 * The body of GET /v1/status for S into *OUT (NUL-terminated, dauys_malloc'ed:
 * the caller frees it with dauys_free) and its length into *LEN: one JSON
 * object, "provisional": true first, every number an exact unsigned integer,
 * every string escaped by dauys_serve_json_string (docs/SERVER.md, "Status").
 * CHECKPOINT_NOTE is the signed checkpoint note covering S, or NULL when none
 * is signed yet ("checkpoint": null). The note must verify under the
 * workspace's central key and origin and name exactly S's log size and root:
 * a note of another state of the log fails (DAUYS_E_PROOF), so the status
 * never claims a checkpoint its numbers are not of.
 */
int dauys_serve_snapshot_json(char **out, size_t *len, const dauys_serve_snapshot *s,
                              const char *checkpoint_note, dauys_error *err) DAUYS_WUR;

/*
 * Appends the N bytes at S to B as a JSON string, quoted, safe to embed in
 * HTML and scripts: '"' and '\\' escaped; newline, tab and CR as \n \t \r;
 * other controls (C0, DEL, C1, Unicode bidirectional controls) as \uXXXX
 * (the same text, visible); '<', '>', '&', U+2028 and U+2029 as \uXXXX, so
 * "</script>" and "<!--" never appear; each byte that is not part of valid
 * UTF-8 as \ufffd. B's failed flag tells of an allocation failure.
 */
void dauys_serve_json_string(dauys_textbuf *b, const char *s, size_t n);

#endif
