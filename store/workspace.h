/*
 * workspace.h: an organiser's workspace: one SQLite database (DIR/dauys.db)
 * holding the signed manifest, every submission byte for byte, the accepted
 * numbers, and the log (hash chain + RFC 6962 tree + signed checkpoints).
 *
 * Durability: WAL with synchronous=FULL; every change runs inside
 * BEGIN IMMEDIATE ... COMMIT, so a crash leaves each protocol wholly in or
 * wholly out, and the log and the tables always agree.
 */
#ifndef DAUYS_STORE_WORKSPACE_H
#define DAUYS_STORE_WORKSPACE_H

#include <sqlite3.h>
#include <stdint.h>

#include "core/error.h"
#include "keys/keys.h"
#include "referendum/logentry.h"
#include "referendum/manifest.h"
#include "core/merkle.h"

#define DAUYS_DB_FILE "dauys.db"

/* The head of the log: what the next append builds on. */
typedef struct dauys_loghead {
    dauys_merkle_range range;         /* range.size = number of entries */
    uint8_t last[DAUYS_SHA256_BYTES]; /* SHA-256 of the last entry (zeros if none) */
} dauys_loghead;

typedef struct dauys_workspace {
    sqlite3 *db;
    char *path;                /* of the database file */
    dauys_manifest manifest;   /* the current (latest) manifest version */
    dauys_pubkey central;      /* the central commission's key */
    char origin[128];          /* the log's origin, "dauys/REFERENDUM/MODE" */
    dauys_loghead head, saved; /* saved: the head at BEGIN, restored on rollback */
    int read_only;             /* opened by dauys_workspace_open_reader on a read-only one */
    sqlite3_stmt *insert_entry, *insert_node, *select_node, *select_last_entry;
    sqlite3_stmt *rollback; /* prepared at open: a rollback must not need memory */
} dauys_workspace;

/*
 * Creates a workspace in DIR (made if missing; DIR/dauys.db must not exist)
 * from the manifest MANIFEST_PATH, whose signature MANIFEST_PATH.minisig must
 * verify with the central public key CENTRAL_PUB_PATH. Logs the manifest as
 * entry 0. Nothing is left behind on failure.
 */
int dauys_workspace_init(const char *dir, const char *manifest_path, const char *central_pub_path,
                         dauys_error *err) DAUYS_WUR;

/*
 * Accepts a later version of the manifest (MANIFEST_PATH, signed beside it by
 * the central key): key rotation or revocation, changed voter numbers or
 * names, new districts and precincts. The referendum, mode, questions,
 * ballot mode and regions must stay; no precinct may go or move district.
 * The new version is logged; later protocols are checked against it.
 */
int dauys_workspace_update_manifest(dauys_workspace *ws, const char *manifest_path,
                                    dauys_error *err) DAUYS_WUR;

/* Opens the workspace in DIR into *WS (the caller closes it), with the
 * manifest in force parsed whole and its signature verified again: for
 * commands that judge protocols (ingest, update-manifest). A workspace this
 * user may not write is refused (DAUYS_E_PERMISSION, "the workspace is
 * read-only", naming the file or directory), as by dauys_workspace_open_frame. */
int dauys_workspace_open(dauys_workspace **ws, const char *dir, dauys_error *err) DAUYS_WUR;

/*
 * Opens the workspace with only the manifest's frame (dauys_manifest_parse_frame:
 * its questions, regions and districts, and the precincts per district the
 * district table keeps), read straight from the database without checking its
 * signature again (init and update-manifest did): for commands that only
 * count, report or sign (tally, status, publish, checkpoint, proof), so that
 * they do not parse a 100 MB roster. ws->manifest.precinct is NULL.
 */
int dauys_workspace_open_frame(dauys_workspace **ws, const char *dir, dauys_error *err) DAUYS_WUR;

/*
 * As dauys_workspace_open_frame, for the commands that only read (status,
 * tally, report, proof). A workspace this user may write is opened as
 * usual. One it may not (the database or its directory not writable, a
 * read-only file system) is opened read-only: through SQLite's -shm when it
 * exists or can be made, else as an immutable file when no -wal holds
 * changes; ws->read_only is 1 and no transaction can begin. When a -wal holds
 * changes that cannot be read, it fails and says so (DAUYS_E_IO).
 */
int dauys_workspace_open_reader(dauys_workspace **ws, const char *dir, dauys_error *err) DAUYS_WUR;

/* Closes WS and frees it (NULL is fine). */
void dauys_workspace_close(dauys_workspace *ws);

/* BEGIN IMMEDIATE (waiting out other writers), and re-reads the log head if
 * another process appended since. */
int dauys_workspace_begin(dauys_workspace *ws, dauys_error *err) DAUYS_WUR;
int dauys_workspace_commit(dauys_workspace *ws, dauys_error *err) DAUYS_WUR;
/* Inside a transaction: fails (DAUYS_E_DATABASE) if the database holds a
 * newer manifest version than WS->manifest, i.e. another process accepted one. */
int dauys_workspace_check_manifest(dauys_workspace *ws, dauys_error *err) DAUYS_WUR;

/* Rolls back and restores the in-memory log head. */
void dauys_workspace_rollback(dauys_workspace *ws);

/*
 * Appends E to the log inside the open transaction: sets E->index and
 * E->previous, stores the entry and the Merkle nodes it completes, and
 * returns its index in *INDEX.
 */
int dauys_log_append(dauys_workspace *ws, dauys_log_event *e, uint64_t *index,
                     dauys_error *err) DAUYS_WUR;

/* Re-reads the log head (size, last entry hash, compact range) from the database. */
int dauys_log_load_head(dauys_workspace *ws, dauys_error *err) DAUYS_WUR;

/* The log's current size and root. */
int dauys_log_root(dauys_workspace *ws, uint64_t *size, uint8_t root[DAUYS_SHA256_BYTES],
                   dauys_error *err) DAUYS_WUR;

/* dauys_merkle_node_fn over the workspace's stored nodes (CTX: the workspace). */
int dauys_log_node(uint8_t out[DAUYS_HASH_BYTES], unsigned level, uint64_t index, void *ctx,
                   dauys_error *err);

#endif
