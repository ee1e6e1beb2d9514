#include "store/checkpoint.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/file.h"
#include "store/db.h"

/* The last checkpoint signed: 1 with its size and root, 0 if none, -1 error. */
static int
last_checkpoint(dauys_workspace *ws, uint64_t *size, uint8_t root[32], dauys_error *err)
{
    sqlite3_stmt *select_last = NULL;
    int rc;

    if (dauys_db_prepare(ws->db, &select_last,
                         "SELECT size, root FROM checkpoint ORDER BY size DESC LIMIT 1",
                         err) != 0) {
        return -1;
    }
    if ((rc = dauys_db_step_row(select_last, err)) > 0) {
        *size = (uint64_t) sqlite3_column_int64(select_last, 0);
        if (sqlite3_column_bytes(select_last, 1) != 32) {
            rc = dauys_error_set(err, DAUYS_E_DATABASE, "checkpoint %llu is damaged",
                                 (unsigned long long) *size);
        } else {
            memcpy(root, sqlite3_column_blob(select_last, 1), 32);
        }
    }
    sqlite3_finalize(select_last);
    return rc;
}

/* Fails unless the log extends the last checkpoint signed. */
static int
check_append_only(dauys_workspace *ws, const dauys_checkpoint *cp, dauys_error *err)
{
    uint64_t old_size = 0; /* set when a checkpoint is found (gcc -O2 --coverage cannot tell) */
    uint8_t old_root[32];
    dauys_merkle_proof proof;
    int rc = last_checkpoint(ws, &old_size, old_root, err);

    if (rc <= 0) {
        return rc;
    }
    if (old_size > cp->size ||
        (old_size > 0 && (dauys_merkle_consistency_proof(&proof, old_size, cp->size, dauys_log_node,
                                                         ws, err) != 0 ||
                          dauys_merkle_verify_consistency(old_size, cp->size, old_root, cp->root,
                                                          &proof, err) != 0))) {
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "the log is not an extension of checkpoint %llu signed before: "
                               "refusing to sign (has the database been altered?)",
                               (unsigned long long) old_size);
    }
    return 0;
}

/* Records the checkpoint unless one of the same size exists (same root). */
static int
store_checkpoint(dauys_workspace *ws, const dauys_checkpoint *cp, const char *note,
                 dauys_error *err)
{
    sqlite3_stmt *insert_checkpoint = NULL;
    int rc;

    if (dauys_db_prepare(ws->db, &insert_checkpoint,
                         "INSERT OR IGNORE INTO checkpoint(size, root, note) VALUES (?1, ?2, ?3)",
                         err) != 0) {
        return -1;
    }
    if (dauys_db_bind_int(insert_checkpoint, 1, (int64_t) cp->size) ||
        dauys_db_bind_blob(insert_checkpoint, 2, cp->root, 32) ||
        dauys_db_bind_text(insert_checkpoint, 3, note)) {
        rc = dauys_db_bind_fail(insert_checkpoint, err, "binding a checkpoint");
    } else {
        rc = dauys_db_step_done(insert_checkpoint, err);
    }
    sqlite3_finalize(insert_checkpoint);
    return rc;
}

/* Fails unless SK is the workspace's central key. */
static int
check_central_key(const dauys_workspace *ws, const dauys_seckey *sk, dauys_error *err)
{
    dauys_pubkey pk;

    dauys_keys_seckey_public(&pk, sk);
    if (sodium_memcmp(&pk, &ws->central, sizeof pk) != 0) {
        return dauys_error_set(err, DAUYS_E_KEY_MISMATCH,
                               "the secret key given is not this workspace's central key");
    }
    return 0;
}

int
dauys_log_checkpoint(char *note, size_t size, dauys_checkpoint *cp, dauys_workspace *ws,
                     const dauys_seckey *sk, dauys_error *err)
{
    if (check_central_key(ws, sk, err) != 0) {
        return -1;
    }
    if (dauys_workspace_begin(ws, err) != 0) {
        return -1;
    }
    if (dauys_log_checkpoint_locked(note, size, cp, ws, sk, err) != 0) {
        dauys_workspace_rollback(ws);
        return -1;
    }
    return dauys_workspace_commit(ws, err);
}

int
dauys_log_checkpoint_at(char *note, size_t note_size, dauys_checkpoint *cp, dauys_workspace *ws,
                        const dauys_seckey *sk, uint64_t size, dauys_error *err)
{
    if (check_central_key(ws, sk, err) != 0 || dauys_workspace_begin(ws, err) != 0) {
        return -1;
    }
    memset(cp, 0, sizeof *cp);
    snprintf(cp->origin, sizeof cp->origin, "%s", ws->origin);
    cp->size = size;
    if (size == 0 || size > ws->head.range.size) {
        dauys_error_set(err, DAUYS_E_USAGE, "a checkpoint of %llu entries: the log has %llu",
                        (unsigned long long) size, (unsigned long long) ws->head.range.size);
        goto failed;
    }
    if (dauys_merkle_root(cp->root, size, dauys_log_node, ws, err) != 0 ||
        check_append_only(ws, cp, err) != 0 ||
        dauys_checkpoint_sign(note, note_size, cp, sk, err) != 0 ||
        store_checkpoint(ws, cp, note, err) != 0) {
        goto failed;
    }
    return dauys_workspace_commit(ws, err);
failed:
    dauys_workspace_rollback(ws);
    return -1;
}

int
dauys_log_checkpoint_locked(char *note, size_t size, dauys_checkpoint *cp, dauys_workspace *ws,
                            const dauys_seckey *sk, dauys_error *err)
{
    memset(cp, 0, sizeof *cp);
    snprintf(cp->origin, sizeof cp->origin, "%s", ws->origin);
    return dauys_log_root(ws, &cp->size, cp->root, err) != 0 ||
                   check_append_only(ws, cp, err) != 0 ||
                   dauys_checkpoint_sign(note, size, cp, sk, err) != 0 ||
                   store_checkpoint(ws, cp, note, err) != 0
               ? -1
               : 0;
}

int
dauys_log_checkpoint_save(char *path, size_t size, const char *dir, const char *note,
                          dauys_error *err)
{
    int n = snprintf(path, size, "%s/%s", dir, DAUYS_CHECKPOINT_LATEST);

    if (n < 0 || (size_t) n >= size) {
        return dauys_error_set(err, DAUYS_E_USAGE, "path too long: %s/%s", dir,
                               DAUYS_CHECKPOINT_LATEST);
    }
    return dauys_file_write_atomic(path, note, strlen(note), 0644, err);
}

int
dauys_log_prove_inclusion(dauys_proof_text *p, dauys_workspace *ws, uint64_t index, uint64_t size,
                          dauys_error *err)
{
    memset(p, 0, sizeof *p);
    p->type = DAUYS_PROOF_INCLUSION;
    p->index = index;
    p->size = size != 0 ? size : ws->head.range.size;
    if (p->size > ws->head.range.size) {
        return dauys_error_set(err, DAUYS_E_USAGE, "the log has only %llu entries",
                               (unsigned long long) ws->head.range.size);
    }
    return dauys_merkle_inclusion_proof(&p->proof, index, p->size, dauys_log_node, ws, err);
}

int
dauys_log_prove_consistency(dauys_proof_text *p, dauys_workspace *ws, uint64_t old_size,
                            uint64_t size, dauys_error *err)
{
    memset(p, 0, sizeof *p);
    p->type = DAUYS_PROOF_CONSISTENCY;
    p->index = old_size;
    p->size = size != 0 ? size : ws->head.range.size;
    if (p->size > ws->head.range.size) {
        return dauys_error_set(err, DAUYS_E_USAGE, "the log has only %llu entries",
                               (unsigned long long) ws->head.range.size);
    }
    return dauys_merkle_consistency_proof(&p->proof, old_size, p->size, dauys_log_node, ws, err);
}

int
dauys_log_index_of_precinct(uint64_t *index, dauys_workspace *ws, const char *id, dauys_error *err)
{
    sqlite3_stmt *select_current = NULL;
    int rc;

    if (dauys_db_prepare(
            ws->db, &select_current,
            "SELECT s.log_index FROM protocol p JOIN submission s ON s.seq = p.submission "
            "WHERE p.precinct = ?1 AND p.state = 'current'",
            err) != 0) {
        return -1;
    }
    if (dauys_db_bind_text(select_current, 1, id)) {
        rc = dauys_db_bind_fail(select_current, err, "binding a precinct");
    } else if ((rc = dauys_db_step_row(select_current, err)) > 0) {
        *index = (uint64_t) sqlite3_column_int64(select_current, 0);
    }
    sqlite3_finalize(select_current);
    return rc;
}

int
dauys_log_checkpoint_note(char *note, size_t note_size, dauys_workspace *ws, uint64_t size,
                          dauys_error *err)
{
    sqlite3_stmt *select_note = NULL;
    int rc;

    note[0] = '\0';
    if (dauys_db_prepare(ws->db, &select_note, "SELECT note FROM checkpoint WHERE size = ?1",
                         err) != 0) {
        return -1;
    }
    if (dauys_db_bind_int(select_note, 1, (int64_t) size)) {
        rc = dauys_db_bind_fail(select_note, err, "binding a checkpoint's size");
    } else if ((rc = dauys_db_step_row(select_note, err)) > 0) {
        size_t n = (size_t) sqlite3_column_bytes(select_note, 0);
        const unsigned char *text = sqlite3_column_text(select_note, 0);
        if (text == NULL || n >= note_size) {
            rc = dauys_error_set(err, DAUYS_E_DATABASE,
                                 "the note of checkpoint %llu is damaged (%zu bytes)",
                                 (unsigned long long) size, n);
        } else {
            memcpy(note, text, n);
            note[n] = '\0';
        }
    }
    sqlite3_finalize(select_note);
    return rc;
}

/* 1 if the signature part SIGS (LEN bytes, whole lines) has the line LINE (LINE_LEN bytes,
 * its newline included), else 0. */
static int
has_line(const char *sigs, size_t len, const char *line, size_t line_len)
{
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(sigs + at, '\n', len - at);
        size_t n = nl != NULL ? (size_t) (nl - (sigs + at)) + 1 : len - at;
        if (n == line_len && memcmp(sigs + at, line, n) == 0) {
            return 1;
        }
        at += n;
    }
    return 0;
}

/* Fails unless NOTE (LEN bytes) is OLD (OLD_LEN bytes) with more signature lines: the same
 * text (TEXT_LEN bytes, the blank line after it) and every signature line of OLD. */
static int
check_extends(const char *note, size_t len, size_t text_len, const char *old, size_t old_len,
              uint64_t size, dauys_error *err)
{
    if (old_len <= text_len || len <= text_len || memcmp(old, note, text_len + 1) != 0) {
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "the cosigned checkpoint of %llu entries is not the one stored: "
                               "its text differs",
                               (unsigned long long) size);
    }
    for (size_t at = text_len + 1; at < old_len;) {
        const char *nl = memchr(old + at, '\n', old_len - at);
        size_t n = nl != NULL ? (size_t) (nl - (old + at)) + 1 : old_len - at;
        if (!has_line(note + text_len + 1, len - text_len - 1, old + at, n)) {
            return dauys_error_set(err, DAUYS_E_PROOF,
                                   "the cosigned checkpoint of %llu entries lacks a signature "
                                   "line of the one stored",
                                   (unsigned long long) size);
        }
        at += n;
    }
    return 0;
}

int
dauys_log_checkpoint_cosigned(dauys_workspace *ws, const char *note, dauys_error *err)
{
    static const char label[] = "the cosigned checkpoint";
    char *old = dauys_malloc(DAUYS_COSIGNED_NOTE_MAX);
    sqlite3_stmt *update_note = NULL;
    size_t len = strlen(note), text_len = 0;
    dauys_checkpoint cp;
    int rc = -1, found;

    if (old == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    if (dauys_note_verify(&text_len, note, len, ws->origin, &ws->central, label, err) != 0 ||
        dauys_checkpoint_parse(&cp, note, text_len, label, err) != 0 ||
        dauys_workspace_begin(ws, err) != 0) {
        dauys_free(old);
        return -1;
    }
    if ((found = dauys_log_checkpoint_note(old, DAUYS_COSIGNED_NOTE_MAX, ws, cp.size, err)) < 0) {
        goto done;
    }
    if (found == 0) {
        dauys_error_set(err, DAUYS_E_PROOF, "no checkpoint of %llu entries is stored",
                        (unsigned long long) cp.size);
        goto done;
    }
    if (check_extends(note, len, text_len, old, strlen(old), cp.size, err) != 0) {
        goto done;
    }
    if (strcmp(old, note) == 0) {
        rc = 0;
        goto done;
    }
    if (dauys_db_prepare(ws->db, &update_note,
                         "UPDATE checkpoint SET note = ?1 WHERE size = ?2 AND root = ?3",
                         err) != 0) {
        goto done;
    }
    if (dauys_db_bind_text(update_note, 1, note) ||
        dauys_db_bind_int(update_note, 2, (int64_t) cp.size) ||
        dauys_db_bind_blob(update_note, 3, cp.root, sizeof cp.root)) {
        dauys_db_bind_fail(update_note, err, "binding a checkpoint");
    } else if (dauys_db_step_done(update_note, err) == 0) {
        rc = sqlite3_changes(ws->db) == 1
                 ? 0
                 : dauys_error_set(err, DAUYS_E_PROOF,
                                   "the stored checkpoint of %llu entries has another root",
                                   (unsigned long long) cp.size);
    }
done:
    sqlite3_finalize(update_note);
    dauys_free(old);
    if (rc != 0) {
        dauys_workspace_rollback(ws);
        return -1;
    }
    return dauys_workspace_commit(ws, err);
}
