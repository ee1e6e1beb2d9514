#include "workspace.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "db.h"
#include "file.h"
#include "sql.h"

/* Opens (or creates) the database at PATH and sets the durability pragmas. */
static int
ws_open_db(dauys_workspace *ws, const char *path, int create, dauys_error *err)
{
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;

    if ((ws->path = dauys_strdup(path)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    if (sqlite3_open_v2(path, &ws->db, flags, NULL) != SQLITE_OK) {
        return ws->db != NULL ? db_fail(ws->db, err, path)
                              : dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", path);
    }
    sqlite3_busy_timeout(ws->db, 60000);
    return db_exec(ws->db,
                   "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
                   err);
}

/* Prepares the statements the log needs. */
static int
ws_prepare(dauys_workspace *ws, dauys_error *err)
{
    return db_prepare(ws->db, &ws->log_insert,
                      "INSERT INTO log_entry(idx, entry, sha256) VALUES (?1, ?2, ?3)", err) ||
                   db_prepare(ws->db, &ws->node_insert,
                              "INSERT INTO merkle_node(level, idx, hash) VALUES (?1, ?2, ?3)",
                              err) ||
                   db_prepare(ws->db, &ws->node_get,
                              "SELECT hash FROM merkle_node WHERE level = ?1 AND idx = ?2", err) ||
                   db_prepare(ws->db, &ws->log_size,
                              "SELECT idx, sha256 FROM log_entry ORDER BY idx DESC LIMIT 1", err)
               ? -1
               : 0;
}

void
dauys_workspace_close(dauys_workspace *ws)
{
    if (ws == NULL) {
        return;
    }
    sqlite3_finalize(ws->log_insert);
    sqlite3_finalize(ws->node_insert);
    sqlite3_finalize(ws->node_get);
    sqlite3_finalize(ws->log_size);
    sqlite3_close(ws->db);
    dauys_manifest_free(&ws->manifest);
    dauys_free(ws->path);
    dauys_free(ws);
}

int
dauys_workspace_begin(dauys_workspace *ws, dauys_error *err)
{
    if (db_exec(ws->db, "BEGIN IMMEDIATE", err) != 0) {
        return -1;
    }
    /* Another process may have appended since we last looked. */
    if (dauys_log_load_head(ws, err) != 0) {
        dauys_workspace_rollback(ws);
        return -1;
    }
    ws->saved = ws->head;
    return 0;
}

int
dauys_workspace_commit(dauys_workspace *ws, dauys_error *err)
{
    if (db_exec(ws->db, "COMMIT", err) != 0) {
        dauys_workspace_rollback(ws);
        return -1;
    }
    return 0;
}

void
dauys_workspace_rollback(dauys_workspace *ws)
{
    (void) sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
    ws->head = ws->saved;
}

/* Verifies the manifest TEXT against its signature SIG_TEXT with CENTRAL, then parses it. */
static int
manifest_verify_parse(dauys_manifest *m, const char *text, size_t len, const char *sig_text,
                      size_t sig_len, const char *name, const dauys_pubkey *central,
                      dauys_error *err)
{
    dauys_signature sig;
    dauys_error why;

    if (dauys_keys_signature_decode(&sig, sig_text, sig_len, name, &why) != 0 ||
        dauys_keys_verify(&sig, text, len, central, &why) != 0) {
        return dauys_error_set(err, why.status == DAUYS_E_NOMEM ? DAUYS_E_NOMEM : DAUYS_E_SIGNATURE,
                               "%s: the manifest's signature does not verify with the central "
                               "key: %s", name, why.message);
    }
    return dauys_manifest_parse(m, text, len, name, err);
}

/* Inserts the manifest's questions, regions, districts and precincts. */
static int
store_roster(sqlite3 *db, const dauys_manifest *m, dauys_error *err)
{
    sqlite3_stmt *q = NULL, *r = NULL, *d = NULL, *p = NULL;
    char b64[57];
    int rc = -1;

    if (db_prepare(db, &q, "INSERT INTO question VALUES (?1, ?2, ?3, ?4)", err) ||
        db_prepare(db, &r, "INSERT INTO region VALUES (?1, ?2, ?3, ?4)", err) ||
        db_prepare(db, &d, "INSERT INTO district VALUES (?1, ?2, ?3)", err) ||
        db_prepare(db, &p, "INSERT INTO precinct VALUES (?1, ?2, ?3, ?4, ?5, ?6)", err)) {
        goto done;
    }
    for (size_t i = 0; i < m->question_count; i++) {
        const dauys_question *x = &m->question[i];
        db_bind_text(q, 1, x->id), db_bind_int(q, 2, (int64_t) i), db_bind_text(q, 3, x->profile);
        db_bind_text_n(q, 4, x->text, x->text_len);
        if (db_step_done(q, err) != 0) goto done;
    }
    for (size_t i = 0; i < m->region_count; i++) {
        const dauys_place *x = &m->region[i];
        db_bind_text_n(r, 1, x->id, x->id_len), db_bind_int(r, 2, (int64_t) i);
        db_bind_text_n(r, 3, x->kind, x->kind_len), db_bind_text_n(r, 4, x->name, x->name_len);
        if (db_step_done(r, err) != 0) goto done;
    }
    for (size_t i = 0; i < m->district_count; i++) {
        const dauys_place *x = &m->district[i], *reg = &m->region[x->region];
        db_bind_text_n(d, 1, x->id, x->id_len), db_bind_text_n(d, 2, reg->id, reg->id_len);
        db_bind_text_n(d, 3, x->name, x->name_len);
        if (db_step_done(d, err) != 0) goto done;
    }
    for (size_t i = 0; i < m->precinct_count; i++) {
        const dauys_precinct *x = &m->precinct[i];
        const dauys_place *dis = &m->district[x->district], *reg = &m->region[x->region];
        dauys_keys_pubkey_to_base64(b64, &x->key);
        db_bind_text_n(p, 1, x->id, x->id_len), db_bind_text_n(p, 2, dis->id, dis->id_len);
        db_bind_text_n(p, 3, reg->id, reg->id_len), db_bind_int(p, 4, (int64_t) x->voters);
        db_bind_text(p, 5, b64), db_bind_text_n(p, 6, x->name, x->name_len);
        if (db_step_done(p, err) != 0) goto done;
    }
    rc = 0;
done:
    sqlite3_finalize(q), sqlite3_finalize(r), sqlite3_finalize(d), sqlite3_finalize(p);
    return rc;
}

/* Writes meta rows, the roster, the manifest row and its log entry (entry 0). */
static int
store_initial(dauys_workspace *ws, const char *text, size_t len, const char *sig, size_t sig_len,
              dauys_error *err)
{
    dauys_log_event e = {.event = "manifest", .referendum = ws->manifest.referendum,
                         .version = ws->manifest.version, .has_signature = 1};
    sqlite3_stmt *st = NULL;
    char b64[57];
    uint64_t index;
    int rc = -1;

    dauys_keys_pubkey_to_base64(b64, &ws->central);
    if (dauys_sha256(e.file_sha256, text, len) != 0 ||
        dauys_sha256(e.signature_sha256, sig, sig_len) != 0) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "hashing the manifest failed");
    }
    if (db_exec(ws->db, dauys_sql_schema, err) != 0 || store_roster(ws->db, &ws->manifest, err) != 0 ||
        db_prepare(ws->db, &st, "INSERT INTO meta VALUES (?1, ?2)", err) != 0) {
        goto done;
    }
    const char *meta[][2] = {{"schema_version", DAUYS_SQL_SCHEMA_VERSION},
                             {"referendum", ws->manifest.referendum},
                             {"mode", ws->manifest.mode == DAUYS_MODE_OFFICIAL ? "official" : "test"},
                             {"origin", ws->origin},
                             {"central_public_key", b64}};
    for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++) {
        db_bind_text(st, 1, meta[i][0]), db_bind_text(st, 2, meta[i][1]);
        if (db_step_done(st, err) != 0) goto done;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (ws_prepare(ws, err) != 0 || dauys_log_append(ws, &e, &index, err) != 0 ||
        db_prepare(ws->db, &st, "INSERT INTO manifest VALUES (?1, ?2, ?3, ?4, ?5, ?6)", err) != 0) {
        goto done;
    }
    db_bind_int(st, 1, ws->manifest.version), db_bind_blob(st, 2, text, len);
    db_bind_blob(st, 3, sig, sig_len), db_bind_blob(st, 4, e.file_sha256, 32);
    db_bind_blob(st, 5, e.signature_sha256, 32), db_bind_int(st, 6, (int64_t) index);
    rc = db_step_done(st, err);
done:
    sqlite3_finalize(st);
    return rc;
}

/* DIR/dauys.db into OUT; -1 if too long. */
static int
db_path(char out[PATH_MAX], const char *dir)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", dir, DAUYS_DB_FILE);
    return n < 0 || n >= PATH_MAX ? -1 : 0;
}

/* Removes a database that init could not finish, with its WAL files. */
static void
remove_db(const char *path)
{
    char aux[PATH_MAX + 8];

    unlink(path);
    snprintf(aux, sizeof aux, "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", path);
    unlink(aux);
}

/* Reads the manifest, its signature and the central key, verifies, parses into WS. */
static int
init_load(dauys_workspace *ws, char **text, size_t *len, char **sig, size_t *sig_len,
          const char *manifest_path, const char *central_pub_path, dauys_error *err)
{
    char sig_path[PATH_MAX];

    if (snprintf(sig_path, sizeof sig_path, "%s.minisig", manifest_path) >= (int) sizeof sig_path) {
        return dauys_error_set(err, DAUYS_E_USAGE, "%s: path too long", manifest_path);
    }
    if (dauys_keys_pubkey_load(&ws->central, central_pub_path, err) != 0 ||
        dauys_file_read(text, len, manifest_path, DAUYS_MANIFEST_FILE_MAX, err) != 0 ||
        dauys_file_read(sig, sig_len, sig_path, DAUYS_KEYS_FILE_MAX, err) != 0) {
        return -1;
    }
    if (manifest_verify_parse(&ws->manifest, *text, *len, *sig, *sig_len, manifest_path,
                              &ws->central, err) != 0) {
        return -1;
    }
    dauys_manifest_origin(ws->origin, sizeof ws->origin, &ws->manifest);
    return 0;
}

int
dauys_workspace_init(const char *dir, const char *manifest_path, const char *central_pub_path,
                     dauys_error *err)
{
    dauys_workspace *ws = dauys_malloc(sizeof *ws);
    char path[PATH_MAX], *text = NULL, *sig = NULL;
    size_t len = 0, sig_len = 0;
    struct stat st;
    int rc = -1, created = 0;

    if (ws == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    memset(ws, 0, sizeof *ws);
    if (init_load(ws, &text, &len, &sig, &sig_len, manifest_path, central_pub_path, err) != 0) {
        goto done;
    }
    if ((mkdir(dir, 0700) != 0 && errno != EEXIST) || db_path(path, dir) != 0) {
        dauys_error_set(err, DAUYS_E_IO, "%s: cannot create the workspace: %s", dir,
                        errno ? strerror(errno) : "path too long");
        goto done;
    }
    if (lstat(path, &st) == 0) {
        dauys_error_set(err, DAUYS_E_EXISTS, "%s: a workspace exists here already", dir);
        goto done;
    }
    created = 1;
    if (ws_open_db(ws, path, 1, err) != 0 || db_exec(ws->db, "BEGIN IMMEDIATE", err) != 0 ||
        store_initial(ws, text, len, sig, sig_len, err) != 0 ||
        db_exec(ws->db, "COMMIT", err) != 0) {
        goto done;
    }
    rc = 0;
done:
    dauys_free(text);
    dauys_free(sig);
    dauys_workspace_close(ws);
    if (rc != 0 && created) {
        remove_db(path);
    }
    return rc;
}

/* Reads meta value KEY into OUT (SIZE bytes). */
static int
read_meta(sqlite3 *db, const char *key, char *out, size_t size, dauys_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_prepare(db, &st, "SELECT value FROM meta WHERE key = ?1", err) != 0) {
        return -1;
    }
    db_bind_text(st, 1, key);
    if ((rc = db_step_row(st, err)) > 0) {
        snprintf(out, size, "%s", (const char *) sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return rc > 0 ? 0
           : rc < 0 ? -1
                    : dauys_error_set(err, DAUYS_E_DATABASE, "workspace has no \"%s\"", key);
}

/* Loads the central key and the latest manifest (re-verified) into WS. */
static int
open_load(dauys_workspace *ws, dauys_error *err)
{
    char version[16], b64[64];
    sqlite3_stmt *st = NULL;
    int rc;

    if (read_meta(ws->db, "schema_version", version, sizeof version, err) != 0 ||
        read_meta(ws->db, "central_public_key", b64, sizeof b64, err) != 0 ||
        read_meta(ws->db, "origin", ws->origin, sizeof ws->origin, err) != 0) {
        return -1;
    }
    if (strcmp(version, DAUYS_SQL_SCHEMA_VERSION) != 0) {
        return dauys_error_set(err, DAUYS_E_DATABASE, "%s: schema version %s, this build reads %s",
                               ws->path, version, DAUYS_SQL_SCHEMA_VERSION);
    }
    if (dauys_keys_pubkey_from_base64(&ws->central, b64, strlen(b64), err) != 0 ||
        db_prepare(ws->db, &st, "SELECT text, signature FROM manifest ORDER BY version DESC LIMIT 1",
                   err) != 0) {
        return -1;
    }
    if ((rc = db_step_row(st, err)) > 0) {
        rc = manifest_verify_parse(&ws->manifest, sqlite3_column_blob(st, 0),
                                   (size_t) sqlite3_column_bytes(st, 0), sqlite3_column_blob(st, 1),
                                   (size_t) sqlite3_column_bytes(st, 1), "manifest", &ws->central,
                                   err);
    } else if (rc == 0) {
        rc = dauys_error_set(err, DAUYS_E_DATABASE, "%s: no manifest", ws->path);
    }
    sqlite3_finalize(st);
    return rc;
}

int
dauys_workspace_open(dauys_workspace **out, const char *dir, dauys_error *err)
{
    dauys_workspace *ws = dauys_malloc(sizeof *ws);
    char path[PATH_MAX];
    struct stat st;

    if (ws == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    memset(ws, 0, sizeof *ws);
    if (db_path(path, dir) != 0 || stat(path, &st) != 0) {
        dauys_workspace_close(ws);
        return dauys_error_set(err, DAUYS_E_IO, "%s: no workspace here (run dauys init first)", dir);
    }
    if (ws_open_db(ws, path, 0, err) != 0 || open_load(ws, err) != 0 || ws_prepare(ws, err) != 0 ||
        dauys_log_load_head(ws, err) != 0) {
        dauys_workspace_close(ws);
        return -1;
    }
    *out = ws;
    return 0;
}
