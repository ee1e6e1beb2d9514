/* checkpoint.h: signing the log's state, and proofs from the workspace. */
#ifndef DAUYS_STORE_CHECKPOINT_H
#define DAUYS_STORE_CHECKPOINT_H

#include "keys/cosig.h"
#include "keys/keys.h"
#include "keys/note.h"
#include "core/proof.h"
#include "store/workspace.h"

/*
 * Signs a checkpoint of the log as it stands with SK, which must be the
 * workspace's central key, into NOTE (SIZE >= DAUYS_CHECKPOINT_NOTE_MAX), and
 * records it. Refuses if the log is not consistent with the last checkpoint
 * signed (a rewritten history), per C2SP tlog-checkpoint.
 */
int dauys_log_checkpoint(char *note, size_t size, dauys_checkpoint *cp, dauys_workspace *ws,
                         const dauys_seckey *sk, dauys_error *err) DAUYS_WUR;

/*
 * As dauys_log_checkpoint, for the log's first SIZE entries: SIZE may be
 * below the log's size (appends went on since the caller read it, as dauys
 * serve's publisher does) but not above it, nor below the last checkpoint
 * signed. Returns 0, or -1 with ERR.
 */
int dauys_log_checkpoint_at(char *note, size_t note_size, dauys_checkpoint *cp, dauys_workspace *ws,
                            const dauys_seckey *sk, uint64_t size, dauys_error *err) DAUYS_WUR;

/* As dauys_log_checkpoint, inside the caller's transaction and without the
 * key check (the caller has made it). */
int dauys_log_checkpoint_locked(char *note, size_t size, dauys_checkpoint *cp, dauys_workspace *ws,
                                const dauys_seckey *sk, dauys_error *err) DAUYS_WUR;

/*
 * The note stored for the checkpoint of SIZE entries (as signed, or as
 * dauys_log_checkpoint_cosigned last replaced it), NUL-terminated, into
 * NOTE (NOTE_SIZE >= DAUYS_COSIGNED_NOTE_MAX suffices). Returns 1 found,
 * 0 none (NOTE empty), or -1 with ERR (DAUYS_E_DATABASE for a stored note
 * that does not fit). Inside or outside a transaction.
 */
int dauys_log_checkpoint_note(char *note, size_t note_size, dauys_workspace *ws, uint64_t size,
                              dauys_error *err) DAUYS_WUR;

/*
 * Replaces the stored note of the checkpoint NOTE is of with NOTE, the same
 * checkpoint with more signature lines (witnesses' cosignatures, keys/cosig.h),
 * in a transaction of its own. NOTE must verify with the workspace's central
 * key under its origin, its text must be byte for byte the stored note's, and
 * every signature line of the stored note must be in it; otherwise
 * DAUYS_E_PROOF and nothing changes. DAUYS_E_PROOF too if no checkpoint of
 * its size is stored. The audit does not compare the `note` column (FORMATS.md
 * 19.2), so the table's other columns never change. Returns 0, or -1 with ERR.
 */
int dauys_log_checkpoint_cosigned(dauys_workspace *ws, const char *note,
                                  dauys_error *err) DAUYS_WUR;

/* The latest checkpoint's file in a workspace directory: DIR/checkpoint.txt. */
#define DAUYS_CHECKPOINT_LATEST "checkpoint.txt"

/*
 * Writes NOTE, a checkpoint signed for the workspace in DIR (by
 * dauys_log_checkpoint or dauys_publish), as the workspace's latest
 * checkpoint: DIR/checkpoint.txt, replaced atomically, mode 0644. The one
 * writer of that file, for dauys checkpoint and dauys publish. PATH (SIZE
 * bytes) receives the file's name, for messages. Returns 0, or -1 with ERR
 * (the file left as it was).
 */
int dauys_log_checkpoint_save(char *path, size_t size, const char *dir, const char *note,
                              dauys_error *err) DAUYS_WUR;

/* The inclusion proof of log entry INDEX in the tree of SIZE entries (0: the whole log). */
int dauys_log_prove_inclusion(dauys_proof_text *p, dauys_workspace *ws, uint64_t index,
                              uint64_t size, dauys_error *err) DAUYS_WUR;

/* The consistency proof from OLD_SIZE entries to SIZE (0: the whole log). */
int dauys_log_prove_consistency(dauys_proof_text *p, dauys_workspace *ws, uint64_t old_size,
                                uint64_t size, dauys_error *err) DAUYS_WUR;

/* The log index of the entry that accepted precinct ID's current protocol: 1 found, 0 not, -1
 * error. */
int dauys_log_index_of_precinct(uint64_t *index, dauys_workspace *ws, const char *id,
                                dauys_error *err) DAUYS_WUR;

#endif
