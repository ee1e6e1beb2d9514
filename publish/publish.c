#define _GNU_SOURCE /* memmem */
#include "publish/publish.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "core/alloc.h"
#include "store/checkpoint.h"
#include "store/db.h"
#include "core/file.h"
#include "report/html.h"
#include "report/report.h"
#include "tally/result.h"
#include "tally/tally.h"

/* What publishing produces before it is written out. */
typedef struct outputs {
    dauys_tally tally;
    char *result;
    size_t result_len;
    char result_sig[DAUYS_KEYS_SIGNATURE_TEXT_MAX];
    uint64_t covered;                         /* the entries the result covers */
    uint8_t covered_root[32];                 /* and their root */
    uint64_t log_size;                        /* the final checkpoint's size */
    char checkpoint[DAUYS_COSIGNED_NOTE_MAX]; /* its note as stored, cosigned in step (3) */
    char before[DAUYS_COSIGNED_NOTE_MAX];     /* the note of step (1) */
} outputs;

/* Signs the result text (deterministic: Ed25519 and a fixed trusted comment). */
static int
sign_result(outputs *o, const dauys_workspace *ws, uint64_t covered, const dauys_seckey *sk,
            dauys_error *err)
{
    uint8_t h[DAUYS_KEYS_PREHASH_BYTES];
    char comment[200];
    dauys_signature sig;

    snprintf(comment, sizeof comment, "dauys result of %s covering log size %llu",
             ws->manifest.referendum, (unsigned long long) covered);
    dauys_keys_prehash(h, o->result, o->result_len);
    return dauys_keys_sign_prehashed(&sig, h, comment, sk, err) != 0 ||
                   dauys_keys_signature_encode(o->result_sig, sizeof o->result_sig, &sig,
                                               "result signed by the central commission", err) != 0
               ? -1
               : 0;
}

/* 1 if the log's last entry records exactly TEXT as a result, 0 if not, -1 on error. */
static int
last_entry_is_result(dauys_workspace *ws, const char *text, size_t len, dauys_error *err)
{
    char needle[100], hex[65];
    uint8_t digest[32];
    sqlite3_stmt *select_last_entry = NULL;
    int rc;

    if (dauys_sha256(digest, text, len) != 0) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "hashing the result failed");
    }
    dauys_sha256_hex(hex, digest);
    snprintf(needle, sizeof needle, "\nevent: result\n");
    if (dauys_db_prepare(ws->db, &select_last_entry,
                         "SELECT entry FROM log_entry ORDER BY idx DESC LIMIT 1", err) != 0) {
        return -1;
    }
    if ((rc = dauys_db_step_row(select_last_entry, err)) > 0) {
        const char *e = (const char *) sqlite3_column_blob(select_last_entry, 0);
        size_t n = (size_t) sqlite3_column_bytes(select_last_entry, 0);
        char file[90];
        snprintf(file, sizeof file, "\nfile-sha256: %s\n", hex);
        rc = memmem(e, n, needle, strlen(needle)) != NULL &&
             memmem(e, n, file, strlen(file)) != NULL;
    }
    sqlite3_finalize(select_last_entry);
    return rc;
}

int
dauys_publish_statement(char **text, size_t *len, uint64_t *covered, uint8_t root[32], int *logged,
                        dauys_workspace *ws, const dauys_tally *t, dauys_error *err)
{
    uint64_t size = ws->head.range.size;
    char *note = dauys_malloc(DAUYS_COSIGNED_NOTE_MAX); /* the stored checkpoint of the size */
    int same, rc = -1;

    *text = NULL, *logged = 0;
    if (note == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    if (size > 1) {
        if (dauys_merkle_root(root, size - 1, dauys_log_node, ws, err) != 0 ||
            dauys_log_checkpoint_note(note, DAUYS_COSIGNED_NOTE_MAX, ws, size - 1, err) < 0 ||
            dauys_result_format(text, len, t, size - 1, root, note, err) != 0 ||
            (same = last_entry_is_result(ws, *text, *len, err)) < 0) {
            goto done;
        }
        if (same) {
            *covered = size - 1, *logged = 1, rc = 0;
            goto done;
        }
        dauys_free(*text);
        *text = NULL;
    }
    if (dauys_log_root(ws, &size, root, err) != 0 ||
        dauys_log_checkpoint_note(note, DAUYS_COSIGNED_NOTE_MAX, ws, size, err) < 0 ||
        dauys_result_format(text, len, t, size, root, note, err) != 0) {
        goto done;
    }
    *covered = size, rc = 0;
done:
    dauys_free(note);
    return rc;
}

/*
 * Builds the result for the log as it stands and signs it. If the log
 * already ends with the same result (covering everything before it),
 * reuses it, so that publishing again without new entries changes nothing;
 * else appends it to the log.
 */
static int
record_result(outputs *o, dauys_publication *pub, dauys_workspace *ws, const dauys_seckey *sk,
              dauys_error *err)
{
    uint64_t index;
    int logged;

    if (dauys_publish_statement(&o->result, &o->result_len, &o->covered, o->covered_root, &logged,
                                ws, &o->tally, err) != 0 ||
        sign_result(o, ws, o->covered, sk, err) != 0) {
        return -1;
    }
    pub->covered = o->covered;
    if (logged) {
        return 0;
    }
    pub->appended = 1;
    dauys_log_event e = {.event = "result",
                         .referendum = ws->manifest.referendum,
                         .version = ws->manifest.version,
                         .has_signature = 1};
    if (dauys_sha256(e.file_sha256, o->result, o->result_len) != 0 ||
        dauys_sha256(e.signature_sha256, o->result_sig, strlen(o->result_sig)) != 0) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "hashing the result failed");
    }
    return dauys_log_append(ws, &e, &index, err);
}

/*
 * Leaves *HOLD, a statement of WS's connection stepped onto the log's last
 * entry and not reset, and checks that entry is the one the checkpoint CP
 * ends with. Must run inside the write transaction, before COMMIT: while a
 * statement is active, SQLite keeps the connection's read transaction open
 * across COMMIT, on the snapshot of that very commit (WAL mode), and
 * releases only the write lock. So every later read of the bundle sees the
 * state this publication committed, while other processes (an ingest on
 * election night) go on committing. The caller finalizes *HOLD (NULL on
 * failure), which ends that read transaction.
 */
static int
hold_snapshot(sqlite3_stmt **hold, dauys_workspace *ws, const dauys_checkpoint *cp,
              dauys_error *err)
{
    int rc;

    if (dauys_db_prepare(ws->db, hold, "SELECT idx FROM log_entry ORDER BY idx DESC LIMIT 1",
                         err) != 0) {
        return -1;
    }
    if ((rc = sqlite3_step(*hold)) != SQLITE_ROW) {
        rc = rc == SQLITE_DONE ? dauys_error_set(err, DAUYS_E_DATABASE, "the log is empty")
                               : dauys_db_fail(ws->db, err, "log");
    } else if ((uint64_t) sqlite3_column_int64(*hold, 0) + 1 != cp->size) {
        rc = dauys_error_set(err, DAUYS_E_DATABASE,
                             "the log has %llu entries, the checkpoint "
                             "just signed %llu",
                             (unsigned long long) sqlite3_column_int64(*hold, 0) + 1,
                             (unsigned long long) cp->size);
    } else {
        return 0;
    }
    sqlite3_finalize(*hold);
    *hold = NULL;
    return rc;
}

/*
 * The transaction: tally, result, log entry, checkpoint; then *HOLD keeps
 * the connection on the snapshot of its commit (hold_snapshot). The
 * bundle's checkpoint is the note stored for that size (o->checkpoint): the
 * one just signed, or one signed and cosigned before. With EXPECTED (not 0):
 * a new statement that does not cover EXPECTED entries (the log grew since
 * the checkpoint of step (1)) is not recorded: everything is rolled back and
 * 1 returned, for the caller to try again.
 */
static int
record(outputs *o, dauys_publication *pub, sqlite3_stmt **hold, dauys_workspace *ws,
       const dauys_seckey *sk, uint64_t expected, dauys_error *err)
{
    char note[DAUYS_CHECKPOINT_NOTE_MAX];
    dauys_checkpoint cp;
    int found = 0;

    *hold = NULL;
    if (dauys_workspace_begin(ws, err) != 0) {
        return -1;
    }
    if (dauys_workspace_check_manifest(ws, err) != 0 ||
        dauys_tally_compute(&o->tally, ws, err) != 0 || record_result(o, pub, ws, sk, err) != 0) {
        dauys_workspace_rollback(ws);
        return -1;
    }
    if (expected != 0 && pub->appended && o->covered != expected) {
        dauys_workspace_rollback(ws);
        dauys_tally_free(&o->tally);
        dauys_free(o->result);
        o->result = NULL, pub->appended = 0;
        return 1;
    }
    if (dauys_log_checkpoint_locked(note, sizeof note, &cp, ws, sk, err) != 0 ||
        (found = dauys_log_checkpoint_note(o->checkpoint, sizeof o->checkpoint, ws, cp.size, err)) <
            0 ||
        (found == 0 && dauys_error_set(err, DAUYS_E_DATABASE,
                                       "the checkpoint of %llu entries just signed is not stored",
                                       (unsigned long long) cp.size) != 0) ||
        hold_snapshot(hold, ws, &cp, err) != 0) {
        dauys_workspace_rollback(ws);
        return -1;
    }
    pub->log_size = o->log_size = cp.size;
    return dauys_workspace_commit(ws, err);
}

/* --- the bundle ----------------------------------------------------------- */

/* Writes DATA to OUTDIR/REL (a new file). */
static int
put(const char *outdir, const char *rel, const void *data, size_t len, dauys_error *err)
{
    char path[PATH_MAX];

    if (snprintf(path, sizeof path, "%s/%s", outdir, rel) >= (int) sizeof path) {
        return dauys_error_set(err, DAUYS_E_USAGE, "%s: path too long", outdir);
    }
    return dauys_file_write_new(path, data, len, 0644, 0, err);
}

/* Opens OUTDIR/REL as a new file for writing. */
static FILE *
open_new(const char *outdir, const char *rel, dauys_error *err)
{
    char path[PATH_MAX];
    FILE *fp;

    snprintf(path, sizeof path, "%s/%s", outdir, rel);
    if ((fp = fopen(path, "wx")) == NULL) {
        dauys_error_set(err, DAUYS_E_IO, "%s: %s", path, strerror(errno));
    }
    return fp;
}

static int
close_checked(FILE *fp, const char *outdir, const char *rel, dauys_error *err)
{
    if (ferror(fp) | fclose(fp)) {
        return dauys_error_set(err, DAUYS_E_IO, "%s/%s: write failed", outdir, rel);
    }
    return 0;
}

/* OUTDIR must not exist (it is made) or be an empty directory. */
static int
make_outdir(const char *outdir, dauys_error *err)
{
    static const char *const subdirs[] = {"manifests", "protocols", "log", "reports"};
    char path[PATH_MAX];
    DIR *d;
    struct dirent *e;

    if (mkdir(outdir, 0755) != 0) {
        if (errno != EEXIST || (d = opendir(outdir)) == NULL) {
            return dauys_error_set(err, DAUYS_E_IO, "%s: %s", outdir, strerror(errno));
        }
        while ((e = readdir(d)) != NULL &&
               (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)) {
        }
        closedir(d);
        if (e != NULL) {
            return dauys_error_set(err, DAUYS_E_EXISTS,
                                   "%s: not empty; publish into a new directory", outdir);
        }
    }
    for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", outdir, subdirs[i]);
        if (mkdir(path, 0755) != 0) {
            return dauys_error_set(err, DAUYS_E_IO, "%s: %s", path, strerror(errno));
        }
    }
    return 0;
}

/* manifest.txt (the version in force) and manifests/vN.txt for every version. */
static int
put_manifests(const char *outdir, dauys_workspace *ws, dauys_error *err)
{
    sqlite3_stmt *select_manifests = NULL;
    char rel[64];
    int rc;

    if (dauys_db_prepare(ws->db, &select_manifests,
                         "SELECT version, text, signature FROM manifest ORDER BY version",
                         err) != 0) {
        return -1;
    }
    while ((rc = dauys_db_step_row(select_manifests, err)) > 0) {
        const void *text = sqlite3_column_blob(select_manifests, 1),
                   *sig = sqlite3_column_blob(select_manifests, 2);
        size_t tl = (size_t) sqlite3_column_bytes(select_manifests, 1),
               sl = (size_t) sqlite3_column_bytes(select_manifests, 2);
        long long v = sqlite3_column_int64(select_manifests, 0);
        snprintf(rel, sizeof rel, "manifests/v%lld.txt", v);
        if ((rc = put(outdir, rel, text, tl, err)) != 0)
            break;
        snprintf(rel, sizeof rel, "manifests/v%lld.txt.minisig", v);
        if ((rc = put(outdir, rel, sig, sl, err)) != 0)
            break;
        if (v == (long long) ws->manifest.version &&
            ((rc = put(outdir, "manifest.txt", text, tl, err)) != 0 ||
             (rc = put(outdir, "manifest.txt.minisig", sig, sl, err)) != 0)) {
            break;
        }
    }
    sqlite3_finalize(select_manifests);
    return rc < 0 ? -1 : 0;
}

/* protocols/NNNNNNNN.txt (+ .minisig) for every submission, and
 * protocols/index.tsv (a summary's "precinct" is LEVEL:AREA, FORMATS 17.1). */
static int
put_protocols(const char *outdir, dauys_workspace *ws, dauys_error *err)
{
    sqlite3_stmt *select_submissions = NULL;
    FILE *index = open_new(outdir, "protocols/index.tsv", err);
    char rel[64];
    int rc;

    if (index == NULL || dauys_db_prepare(ws->db, &select_submissions,
                                          "SELECT log_index, protocol, signature, "
                                          "ifnull(precinct, level || ':' || area), version, "
                                          "outcome, reason_code FROM submission ORDER BY log_index",
                                          err) != 0) {
        if (index != NULL)
            fclose(index);
        return -1;
    }
    fprintf(index, "log_index\tprecinct\tversion\toutcome\treason_code\n");
    while ((rc = dauys_db_step_row(select_submissions, err)) > 0) {
        long long li = sqlite3_column_int64(select_submissions, 0);
        const char *precinct = (const char *) sqlite3_column_text(select_submissions, 3);
        const char *code = (const char *) sqlite3_column_text(select_submissions, 6);
        snprintf(rel, sizeof rel, "protocols/%08lld.txt", li);
        if ((rc = put(outdir, rel, sqlite3_column_blob(select_submissions, 1),
                      (size_t) sqlite3_column_bytes(select_submissions, 1), err)) != 0)
            break;
        if (sqlite3_column_type(select_submissions, 2) != SQLITE_NULL) {
            snprintf(rel, sizeof rel, "protocols/%08lld.txt.minisig", li);
            if ((rc = put(outdir, rel, sqlite3_column_blob(select_submissions, 2),
                          (size_t) sqlite3_column_bytes(select_submissions, 2), err)) != 0)
                break;
        }
        char version[24] = "-";
        if (sqlite3_column_type(select_submissions, 4) != SQLITE_NULL) {
            snprintf(version, sizeof version, "%lld", sqlite3_column_int64(select_submissions, 4));
        }
        fprintf(index, "%08lld\t%s\t%s\t%s\t%s\n", li, precinct ? precinct : "-", version,
                (const char *) sqlite3_column_text(select_submissions, 5), code ? code : "-");
    }
    sqlite3_finalize(select_submissions);
    return close_checked(index, outdir, "protocols/index.tsv", err) != 0 || rc < 0 ? -1 : 0;
}

/* log/entries.txt: every entry, in order. */
static int
put_log(const char *outdir, dauys_workspace *ws, dauys_error *err)
{
    sqlite3_stmt *select_entries = NULL;
    FILE *fp = open_new(outdir, "log/entries.txt", err);
    int rc;

    if (fp == NULL || dauys_db_prepare(ws->db, &select_entries,
                                       "SELECT entry FROM log_entry ORDER BY idx", err) != 0) {
        if (fp != NULL)
            fclose(fp);
        return -1;
    }
    while ((rc = dauys_db_step_row(select_entries, err)) > 0) {
        fwrite(sqlite3_column_blob(select_entries, 0), 1,
               (size_t) sqlite3_column_bytes(select_entries, 0), fp);
    }
    sqlite3_finalize(select_entries);
    return close_checked(fp, outdir, "log/entries.txt", err) != 0 || rc < 0 ? -1 : 0;
}

/* reports/report.html: the page for people (html.h), of the result just signed. */
static int
put_html(const char *outdir, dauys_workspace *ws, const outputs *o, dauys_error *err)
{
    static const char rel[] = "reports/report.html";
    dauys_html_page page;
    FILE *fp = NULL;
    int rc = -1;

    if (dauys_html_page_load(&page, ws, &o->tally, err) != 0 ||
        (fp = open_new(outdir, rel, err)) == NULL) {
        goto done;
    }
    page.covered = o->covered, page.published = 1;
    memcpy(page.covered_root, o->covered_root, sizeof page.covered_root);
    dauys_html_write(fp, &page);
    rc = close_checked(fp, outdir, rel, err);
done:
    dauys_html_page_free(&page);
    return rc;
}

/* reports/: the tally as text, JSON and CSV, and the page. */
static int
put_reports(const char *outdir, dauys_workspace *ws, const outputs *o, dauys_error *err)
{
    static const char *const names[] = {"reports/tally.txt", "reports/tally.json",
                                        "reports/tally.csv"};
    void (*const render[])(FILE *, const dauys_tally *) = {dauys_report_text, dauys_report_json,
                                                           dauys_report_csv};

    for (size_t i = 0; i < 3; i++) {
        FILE *fp = open_new(outdir, names[i], err);
        if (fp == NULL) {
            return -1;
        }
        render[i](fp, &o->tally);
        if (close_checked(fp, outdir, names[i], err) != 0) {
            return -1;
        }
    }
    return put_html(outdir, ws, o, err);
}

/*
 * In the copy DEST: each submission's reason becomes the log's copy of it
 * (one line, at most DAUYS_LOG_REASON_MAX bytes; FORMATS.md 12.1), so that
 * every column of the bundle's database is one the audit can derive from
 * the log (C3). The workspace keeps the full text.
 */
static int
reasons_as_logged(sqlite3 *dest, dauys_error *err)
{
    sqlite3_stmt *select_reasons = NULL, *update_reason = NULL;
    char reason[DAUYS_LOG_REASON_MAX + 2];
    int rc = -1;

    if (dauys_db_exec(dest, "BEGIN IMMEDIATE", err) != 0) {
        return -1;
    }
    if (dauys_db_prepare(dest, &select_reasons,
                         "SELECT s.seq, s.reason, l.entry FROM submission s JOIN log_entry l"
                         " ON l.idx = s.log_index WHERE s.reason IS NOT NULL",
                         err) != 0 ||
        dauys_db_prepare(dest, &update_reason, "UPDATE submission SET reason = ?1 WHERE seq = ?2",
                         err) != 0) {
        goto done;
    }
    while ((rc = dauys_db_step_row(select_reasons, err)) > 0) {
        const char *had = (const char *) sqlite3_column_text(select_reasons, 1);
        int logged = dauys_logentry_reason_text(sqlite3_column_blob(select_reasons, 2),
                                                (size_t) sqlite3_column_bytes(select_reasons, 2),
                                                reason, sizeof reason);
        if (logged && had != NULL && strcmp(had, reason) == 0) {
            continue;
        }
        if (dauys_db_bind_text(update_reason, 1, logged ? reason : NULL) ||
            dauys_db_bind_int(update_reason, 2, sqlite3_column_int64(select_reasons, 0))) {
            rc = dauys_db_bind_fail(update_reason, err, "binding a submission's reason");
            break;
        }
        if ((rc = dauys_db_step_done(update_reason, err)) != 0) {
            break;
        }
    }
done:
    sqlite3_finalize(select_reasons);
    sqlite3_finalize(update_reason);
    if (rc != 0) {
        (void) sqlite3_exec(dest, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return dauys_db_exec(dest, "COMMIT", err);
}

/* 1 if the signed note NOTE has more than one signature line (cosignatures). */
static int
cosigned(const char *note)
{
    const char *sigs = strstr(note, "\n\n");
    size_t lines = 0;

    for (const char *p = sigs != NULL ? sigs + 2 : ""; (p = strchr(p, '\n')) != NULL; p++) {
        lines++;
    }
    return lines > 1;
}

/*
 * In the copy DEST, when the bundle's checkpoint is cosigned: the stored note
 * of its size becomes the bundle's (the snapshot holds it as it was before
 * step (3) of dauys_publish_witnessed, or as stored by the last publication),
 * then the copy is rebuilt (VACUUM), so that its pages depend only on what it
 * holds, not on the order of the changes. The note is first emptied, in the
 * same transaction, so that the transaction always writes and the header's
 * change counter counts the same whatever the snapshot held: publishing
 * again from the same state gives the same file (FORMATS.md 16.4).
 */
static int
cosigned_as_bundled(sqlite3 *dest, const outputs *o, dauys_error *err)
{
    sqlite3_stmt *update_note = NULL;
    int rc = -1;

    if (!cosigned(o->checkpoint)) {
        return 0;
    }
    if (dauys_db_exec(dest, "BEGIN IMMEDIATE", err) != 0) {
        return -1;
    }
    if (dauys_db_prepare(dest, &update_note, "UPDATE checkpoint SET note = ?1 WHERE size = ?2",
                         err) != 0) {
        goto done;
    }
    for (int pass = 0; pass < 2; pass++) { /* '' then the bundle's note */
        if (dauys_db_bind_text(update_note, 1, pass == 0 ? "" : o->checkpoint) ||
            dauys_db_bind_int(update_note, 2, (int64_t) o->log_size)) {
            rc = dauys_db_bind_fail(update_note, err, "binding the bundle's checkpoint");
            break;
        }
        if ((rc = dauys_db_step_done(update_note, err)) != 0) {
            break;
        }
    }
done:
    sqlite3_finalize(update_note);
    if (rc != 0) {
        (void) sqlite3_exec(dest, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return dauys_db_exec(dest, "COMMIT", err) != 0 ? -1 : dauys_db_exec(dest, "VACUUM", err);
}

/* dauys.db: a copy made with SQLite's backup API, inside the read
 * transaction record() left open, so it is the snapshot the rest of the
 * bundle was read from; its checkpoint as the bundle's (cosigned_as_bundled). */
static int
put_database(const char *outdir, dauys_workspace *ws, const outputs *o, dauys_error *err)
{
    char path[PATH_MAX];
    sqlite3 *dest = NULL;
    sqlite3_backup *b;
    int rc;

    snprintf(path, sizeof path, "%s/dauys.db", outdir);
    if (sqlite3_open_v2(path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        rc = dauys_db_fail(dest, err, path);
        sqlite3_close(dest);
        return rc;
    }
    if ((b = sqlite3_backup_init(dest, "main", ws->db, "main")) == NULL) {
        rc = dauys_db_fail(dest, err, "backup");
        sqlite3_close(dest);
        return rc;
    }
    rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        dauys_db_fail(dest, err, "backup");
    }
    if (rc == SQLITE_DONE && reasons_as_logged(dest, err) != 0) {
        rc = SQLITE_ERROR;
    }
    if (rc == SQLITE_DONE) {
        rc = sqlite3_exec(dest, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) == SQLITE_OK
                 ? SQLITE_DONE
                 : (dauys_db_fail(dest, err, "backup"), SQLITE_ERROR);
    }
    if (rc == SQLITE_DONE && cosigned_as_bundled(dest, o, err) != 0) {
        rc = SQLITE_ERROR;
    }
    sqlite3_close(dest);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Every file of the bundle (docs/FORMATS.md 17.1), then one sync of the file system. */
static int
write_bundle(const char *outdir, dauys_workspace *ws, const outputs *o, dauys_error *err)
{
    char pub[DAUYS_KEYS_PUBKEY_TEXT_MAX];

    return dauys_keys_pubkey_encode(pub, sizeof pub, &ws->central, "central commission", err) !=
                       0 ||
                   put(outdir, "central.pub", pub, strlen(pub), err) != 0 ||
                   put_manifests(outdir, ws, err) != 0 || put_protocols(outdir, ws, err) != 0 ||
                   put_log(outdir, ws, err) != 0 ||
                   put(outdir, "checkpoint", o->checkpoint, strlen(o->checkpoint), err) != 0 ||
                   put(outdir, "result.txt", o->result, o->result_len, err) != 0 ||
                   put(outdir, "result.txt.minisig", o->result_sig, strlen(o->result_sig), err) !=
                       0 ||
                   put_reports(outdir, ws, o, err) != 0 || put_database(outdir, ws, o, err) != 0 ||
                   dauys_file_sync_fs(outdir, err) != 0
               ? -1
               : 0;
}

/* --- witnesses --------------------------------------------------------- */

/* How many times steps (1) and (2) are tried when the log grows in between. */
#define ATTEMPTS 3

int
dauys_publish_quorum_met(size_t valid, const dauys_witness_policy *p)
{
    return valid > 0 && valid >= p->quorum;
}

/* dauys_cosigner_prove_fn over the workspace's stored tree (CTX: the workspace). */
static int
prove_from_workspace(dauys_merkle_proof *proof, uint64_t old_size, uint64_t size, void *ctx,
                     dauys_error *err)
{
    proof->count = 0;
    if (old_size > size) {
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "no consistency proof from %llu entries to %llu: the log is "
                               "smaller",
                               (unsigned long long) old_size, (unsigned long long) size);
    }
    if (old_size == 0) {
        return 0;
    }
    return dauys_merkle_consistency_proof(proof, old_size, size, dauys_log_node, ctx, err);
}

int
dauys_publish_cosign(dauys_cosigning *out, char *note, size_t note_size, dauys_workspace *ws,
                     dauys_cosigner *c, dauys_error *err)
{
    const dauys_witness_policy *p = &ws->manifest.witnesses;
    size_t before = 0;
    dauys_checkpoint cp;

    memset(out, 0, sizeof *out);
    if (dauys_checkpoint_open(&cp, note, strlen(note), &ws->central, ws->origin,
                              "the checkpoint to cosign", err) != 0 ||
        dauys_cosig_policy_check(&before, NULL, note, strlen(note), p, "the checkpoint to cosign",
                                 err) != 0) {
        return -1;
    }
    out->size = cp.size;
    out->valid = before;
    if (dauys_publish_quorum_met(before, p)) {
        return 0;
    }
    out->asked = 1;
    if (dauys_cosigner_run(&out->valid, out->outcome, c, note, note_size, &cp, prove_from_workspace,
                           ws, err) != 0) {
        return -1;
    }
    out->added = out->valid > before ? out->valid - before : 0;
    return 0;
}

/* Step (1): signs a checkpoint of the log as it stands, gets it cosigned, stores it. */
static int
cosign_before(outputs *o, dauys_publication *pub, dauys_workspace *ws, const dauys_seckey *sk,
              dauys_cosigner *c, dauys_error *err)
{
    char note[DAUYS_CHECKPOINT_NOTE_MAX];
    dauys_checkpoint cp;
    int found;

    if (dauys_log_checkpoint(note, sizeof note, &cp, ws, sk, err) != 0 ||
        (found = dauys_log_checkpoint_note(o->before, sizeof o->before, ws, cp.size, err)) < 0) {
        return -1;
    }
    if (found == 0) {
        return dauys_error_set(err, DAUYS_E_DATABASE,
                               "the checkpoint of %llu entries just signed is not stored",
                               (unsigned long long) cp.size);
    }
    return dauys_publish_cosign(&pub->before, o->before, sizeof o->before, ws, c, err) != 0 ||
                   (pub->before.added > 0 && dauys_log_checkpoint_cosigned(ws, o->before, err) != 0)
               ? -1
               : 0;
}

/* The `cosignature` lines of the statement. */
static size_t
statement_cosignatures(const char *text, size_t len)
{
    static const char key[] = "\ncosignature: ";
    size_t n = 0;

    for (const char *p = text, *end = text + len;
         (p = memmem(p, (size_t) (end - p), key, sizeof key - 1)) != NULL; p++) {
        n++;
    }
    return n;
}

int
dauys_publish(dauys_publication *pub, dauys_workspace *ws, const dauys_seckey *sk,
              const char *outdir, dauys_error *err)
{
    return dauys_publish_witnessed(pub, ws, sk, outdir, NULL, err);
}

int
dauys_publish_witnessed(dauys_publication *pub, dauys_workspace *ws, const dauys_seckey *sk,
                        const char *outdir, dauys_cosigner *c, dauys_error *err)
{
    outputs *o = dauys_malloc(sizeof *o);
    sqlite3_stmt *hold = NULL; /* the snapshot every read of the bundle comes from */
    dauys_pubkey pk;
    int rc = -1, recorded = 1;

    memset(pub, 0, sizeof *pub);
    if (o == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    memset(o, 0, sizeof *o);
    dauys_keys_seckey_public(&pk, sk);
    if (sodium_memcmp(&pk, &ws->central, sizeof pk) != 0) {
        dauys_error_set(err, DAUYS_E_KEY_MISMATCH,
                        "the secret key given is not this workspace's central key");
        goto done;
    }
    /* The output directory first: a refusal must leave the workspace as it was. */
    if (make_outdir(outdir, err) != 0) {
        goto done;
    }
    while (c != NULL && recorded == 1) { /* (1) and (2), again while the log grows between */
        pub->attempts++;
        if (cosign_before(o, pub, ws, sk, c, err) != 0 ||
            (recorded = record(o, pub, &hold, ws, sk,
                               pub->attempts < ATTEMPTS ? pub->before.size : 0, err)) < 0) {
            goto done;
        }
        pub->log_grew = pub->appended && o->covered != pub->before.size;
    }
    if ((c == NULL && record(o, pub, &hold, ws, sk, 0, err) != 0) ||
        /* (3): only the read snapshot held, no write lock */
        (c != NULL &&
         dauys_publish_cosign(&pub->after, o->checkpoint, sizeof o->checkpoint, ws, c, err) != 0) ||
        write_bundle(outdir, ws, o, err) != 0) {
        goto done;
    }
    sqlite3_finalize(hold);
    hold = NULL;
    if (pub->after.added > 0 && dauys_log_checkpoint_cosigned(ws, o->checkpoint, err) != 0) {
        goto done;
    }
    snprintf(pub->checkpoint, sizeof pub->checkpoint, "%s", o->checkpoint);
    pub->statement_cosignatures = statement_cosignatures(o->result, o->result_len);
    pub->final = o->tally.final;
    pub->valid_all = pub->adopted_all = 1;
    for (size_t i = 0; i < o->tally.question_count; i++) {
        pub->valid_all &= o->tally.q[i].verdict.valid;
        pub->adopted_all &= o->tally.q[i].verdict.adopted;
    }
    rc = 0;
done:
    sqlite3_finalize(hold);
    dauys_tally_free(&o->tally);
    dauys_free(o->result);
    dauys_free(o);
    return rc;
}

int
dauys_publish_page(char **buf, size_t *len, dauys_workspace *ws, const dauys_tally *t,
                   dauys_error *err)
{
    dauys_html_page page;
    char *statement = NULL;
    size_t statement_len;
    FILE *fp = NULL;
    int rc = -1;

    *buf = NULL;
    if (dauys_html_page_load(&page, ws, t, err) != 0 ||
        dauys_publish_statement(&statement, &statement_len, &page.covered, page.covered_root,
                                &page.published, ws, t, err) != 0) {
        goto done;
    }
    if ((fp = open_memstream(buf, len)) == NULL) {
        dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
        goto done;
    }
    dauys_html_write(fp, &page);
    rc = ferror(fp) | fclose(fp) ? dauys_error_set(err, DAUYS_E_NOMEM, "out of memory") : 0;
done:
    dauys_free(statement);
    dauys_html_page_free(&page);
    return rc;
}
