#include "store/workspace.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "store/db.h"
#include "core/file.h"
#include "store/roster.h"
#include "sql/sql.h"

/* 0 if DB, the database at PATH, has a workspace's tables; else -1 with ERR
 * saying it is not a workspace (or why it could not be read). */
static int
ws_check_tables(sqlite3 *db, const char *path, dauys_error *err)
{
    sqlite3_stmt *count_tables = NULL;
    int rc;

    if (dauys_db_prepare(db, &count_tables,
                         "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
                         "name IN ('meta', 'manifest', 'submission', 'log_entry')",
                         err) != 0) {
        return -1;
    }
    rc = dauys_db_step_row(count_tables, err);
    rc = rc < 0 ? -1 : rc > 0 && sqlite3_column_int(count_tables, 0) == 4 ? 0 : 1;
    sqlite3_finalize(count_tables);
    if (rc > 0) {
        return dauys_error_set(err, DAUYS_E_DATABASE,
                               "%s: not a dauys workspace (it lacks a workspace's tables); "
                               "dauys init makes one",
                               path);
    }
    return rc;
}

/* Opens (or creates) the database at PATH and sets the durability pragmas. */
static int
ws_open_db(dauys_workspace *ws, const char *path, int create, dauys_error *err)
{
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;

    if ((ws->path = dauys_strdup(path)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    if (sqlite3_open_v2(path, &ws->db, flags, NULL) != SQLITE_OK) {
        return ws->db != NULL ? dauys_db_fail(ws->db, err, path)
                              : dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", path);
    }
    sqlite3_busy_timeout(ws->db, 60000);
    /* Before any pragma writes to it: a file that is not a workspace (an
     * empty one is an empty database to SQLite) is left as it was. */
    if (!create && ws_check_tables(ws->db, path, err) != 0) {
        return -1;
    }
    return dauys_db_exec(
        ws->db,
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
        "PRAGMA wal_autocheckpoint=8192; PRAGMA cache_size=-32768;",
        err);
}

/* PATH as an SQLite URI's path ("%XX" for every byte but [A-Za-z0-9/._~-]),
 * with QUERY after it, into OUT (SIZE bytes); -1 if it does not fit. */
static int
sqlite_uri(char *out, size_t size, const char *path, const char *query)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = (size_t) snprintf(out, size, "file:");

    for (const unsigned char *p = (const unsigned char *) path; *p != '\0' && n + 4 < size; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/._~-", *p) != NULL) {
            out[n++] = (char) *p;
        } else {
            out[n++] = '%', out[n++] = hex[*p >> 4], out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
    return n + 4 < size && (size_t) snprintf(out + n, size - n, "%s", query) < size - n ? 0 : -1;
}

/* 1 if PATH-wal exists and holds something (changes not yet in PATH). */
static int
wal_has_changes(const char *path)
{
    char wal[PATH_MAX + 8];
    struct stat st;

    snprintf(wal, sizeof wal, "%s-wal", path);
    return stat(wal, &st) == 0 && st.st_size > 0;
}

/* Opens the database at PATH read-only, as the URI of PATH with QUERY
 * ("?mode=ro..."), into WS->db, and checks it is a workspace. */
static int
ws_try_read_only(dauys_workspace *ws, const char *path, const char *query, dauys_error *err)
{
    char uri[PATH_MAX * 3 + 64];
    int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;

    if (sqlite_uri(uri, sizeof uri, path, query) != 0) {
        return dauys_error_set(err, DAUYS_E_USAGE, "%s: path too long", path);
    }
    sqlite3_close(ws->db);
    ws->db = NULL;
    if (sqlite3_open_v2(uri, &ws->db, flags, NULL) != SQLITE_OK) {
        return ws->db != NULL ? dauys_db_fail(ws->db, err, path)
                              : dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", path);
    }
    sqlite3_busy_timeout(ws->db, 60000);
    return ws_check_tables(ws->db, path, err);
}

/*
 * Opens the database at PATH, which this user may not write (or whose
 * directory cannot take SQLite's -wal and -shm files), only to read it. In
 * WAL mode SQLite reads through a shared-memory index, the -shm file: when
 * it exists or can be made beside the database, the open is an ordinary
 * read-only one, which sees another process's changes as they commit. When
 * it cannot be made and no -wal holds changes, everything is in the database
 * file itself, which is then read as immutable (no locks, no -shm): right
 * for a copy or a read-only mount that nobody changes. When a -wal holds
 * changes that cannot be read without its index, the open fails and says
 * so: reading the database file alone would show an older state as if it
 * were the current one.
 */
static int
ws_open_db_read_only(dauys_workspace *ws, const char *path, dauys_error *err)
{
    dauys_error first;

    if ((ws->path = dauys_strdup(path)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    ws->read_only = 1;
    if (ws_try_read_only(ws, path, "?mode=ro", &first) == 0) {
        return dauys_db_exec(ws->db, "PRAGMA cache_size=-32768;", err);
    }
    /* SQLite says READONLY or CANTOPEN when it cannot make the -shm; any
     * other failure (not a workspace, out of memory) is the answer. */
    int code = ws->db != NULL ? sqlite3_errcode(ws->db) & 0xff : SQLITE_NOMEM;
    if (code != SQLITE_READONLY && code != SQLITE_CANTOPEN) {
        *err = first;
        return -1;
    }
    if (wal_has_changes(path)) {
        return dauys_error_set(err, DAUYS_E_IO,
                               "%s: the workspace is read-only here, and its write-ahead log "
                               "(%s-wal) holds changes that SQLite reads only through %s-shm, "
                               "which cannot be made: copy the workspace's directory to a "
                               "writable place and read the copy (%s)",
                               path, path, path, first.message);
    }
    if (ws_try_read_only(ws, path, "?mode=ro&immutable=1", err) != 0) {
        return -1;
    }
    return dauys_db_exec(ws->db, "PRAGMA cache_size=-32768;", err);
}

/* Prepares the statements the log needs. */
static int
ws_prepare(dauys_workspace *ws, dauys_error *err)
{
    if (dauys_db_prepare(ws->db, &ws->insert_entry,
                         "INSERT INTO log_entry(idx, entry, sha256) VALUES (?1, ?2, ?3)",
                         err) != 0 ||
        dauys_db_prepare(ws->db, &ws->insert_node,
                         "INSERT INTO merkle_node(level, idx, hash) VALUES (?1, ?2, ?3)",
                         err) != 0 ||
        dauys_db_prepare(ws->db, &ws->select_node,
                         "SELECT hash FROM merkle_node WHERE level = ?1 AND idx = ?2", err) != 0 ||
        dauys_db_prepare(ws->db, &ws->select_last_entry,
                         "SELECT idx, sha256 FROM log_entry ORDER BY idx DESC LIMIT 1", err) != 0 ||
        dauys_db_prepare(ws->db, &ws->rollback, "ROLLBACK", err) != 0) {
        return -1;
    }
    return 0;
}

void
dauys_workspace_close(dauys_workspace *ws)
{
    if (ws == NULL) {
        return;
    }
    sqlite3_finalize(ws->insert_entry);
    sqlite3_finalize(ws->insert_node);
    sqlite3_finalize(ws->select_node);
    sqlite3_finalize(ws->select_last_entry);
    sqlite3_finalize(ws->rollback);
    sqlite3_close(ws->db);
    dauys_manifest_free(&ws->manifest);
    dauys_free(ws->path);
    dauys_free(ws);
}

int
dauys_workspace_begin(dauys_workspace *ws, dauys_error *err)
{
    if (ws->read_only) { /* opened by dauys_workspace_open_reader: a bug, said plainly */
        return dauys_error_set(err, DAUYS_E_PERMISSION, "%s: the workspace was opened read-only",
                               ws->path);
    }
    if (dauys_db_exec(ws->db, "BEGIN IMMEDIATE", err) != 0) {
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
    if (dauys_db_exec(ws->db, "COMMIT", err) != 0) {
        dauys_workspace_rollback(ws);
        return -1;
    }
    return 0;
}

int
dauys_workspace_check_manifest(dauys_workspace *ws, dauys_error *err)
{
    sqlite3_stmt *select_latest = NULL;
    int64_t latest = 0;
    int rc;

    if (dauys_db_prepare(ws->db, &select_latest, "SELECT max(version) FROM manifest", err) != 0) {
        return -1;
    }
    if ((rc = dauys_db_step_row(select_latest, err)) > 0) {
        latest = sqlite3_column_int64(select_latest, 0);
    }
    sqlite3_finalize(select_latest);
    if (rc < 0) {
        return -1;
    }
    if (latest != (int64_t) ws->manifest.version) {
        return dauys_error_set(err, DAUYS_E_DATABASE,
                               "the manifest is now version %lld, not %u: another process updated "
                               "it; nothing of this batch was recorded; run the command again",
                               (long long) latest, ws->manifest.version);
    }
    return 0;
}

void
dauys_workspace_rollback(dauys_workspace *ws)
{
    /* A statement prepared at open: sqlite3_exec would parse "ROLLBACK" anew,
     * which needs memory, and failing for want of it would leave the
     * transaction open and the write lock held (test_session found it). */
    if (!sqlite3_get_autocommit(ws->db)) {
        if (ws->rollback != NULL) {
            (void) sqlite3_step(ws->rollback);
            sqlite3_reset(ws->rollback);
        } else {
            (void) sqlite3_exec(ws->db, "ROLLBACK", NULL, NULL, NULL);
        }
    }
    ws->head = ws->saved;
}

/* Writes the schema, meta rows, the roster, and the manifest with its log entry (entry 0). */
static int
store_initial(dauys_workspace *ws, const char *text, size_t len, const char *sig, size_t sig_len,
              dauys_error *err)
{
    sqlite3_stmt *insert_meta = NULL;
    char b64[57];
    int rc = -1;

    dauys_keys_pubkey_to_base64(b64, &ws->central);
    if (dauys_db_exec(ws->db, dauys_sql_schema, err) != 0 ||
        dauys_roster_store(ws->db, &ws->manifest, err) != 0 ||
        dauys_db_prepare(ws->db, &insert_meta, "INSERT INTO meta(key, value) VALUES (?1, ?2)",
                         err) != 0) {
        goto done;
    }
    const char *meta[][2] = {
        {"schema_version", DAUYS_SQL_SCHEMA_VERSION},
        {"referendum", ws->manifest.referendum},
        {"mode", ws->manifest.mode == DAUYS_MODE_OFFICIAL ? "official" : "test"},
        {"origin", ws->origin},
        {"central_public_key", b64}};
    for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++) {
        if (dauys_db_bind_text(insert_meta, 1, meta[i][0]) ||
            dauys_db_bind_text(insert_meta, 2, meta[i][1])) {
            dauys_db_bind_fail(insert_meta, err, "binding a meta row");
            goto done;
        }
        if (dauys_db_step_done(insert_meta, err) != 0)
            goto done;
    }
    rc = ws_prepare(ws, err) != 0 ? -1
                                  : dauys_roster_record_manifest(ws, text, len, sig, sig_len, err);
done:
    sqlite3_finalize(insert_meta);
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
        dauys_roster_read_signature(sig, sig_len, sig_path, err) != 0) {
        return -1;
    }
    if (dauys_roster_verify_parse(&ws->manifest, *text, *len, *sig, *sig_len, manifest_path,
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
    if (ws_open_db(ws, path, 1, err) != 0 || dauys_db_exec(ws->db, "BEGIN IMMEDIATE", err) != 0 ||
        store_initial(ws, text, len, sig, sig_len, err) != 0 ||
        dauys_db_exec(ws->db, "COMMIT", err) != 0) {
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
    sqlite3_stmt *select_value = NULL;
    int rc;

    if (dauys_db_prepare(db, &select_value, "SELECT value FROM meta WHERE key = ?1", err) != 0) {
        return -1;
    }
    if (dauys_db_bind_text(select_value, 1, key)) {
        rc = dauys_db_bind_fail(select_value, err, "binding a meta key");
    } else if ((rc = dauys_db_step_row(select_value, err)) > 0) {
        snprintf(out, size, "%s", (const char *) sqlite3_column_text(select_value, 0));
    }
    sqlite3_finalize(select_value);
    return rc > 0   ? 0
           : rc < 0 ? -1
                    : dauys_error_set(err, DAUYS_E_DATABASE, "workspace has no \"%s\"", key);
}

/* The schema version, central key and origin from meta. */
static int
load_meta(dauys_workspace *ws, dauys_error *err)
{
    char version[16], b64[64];

    if (read_meta(ws->db, "schema_version", version, sizeof version, err) != 0 ||
        read_meta(ws->db, "central_public_key", b64, sizeof b64, err) != 0 ||
        read_meta(ws->db, "origin", ws->origin, sizeof ws->origin, err) != 0) {
        return -1;
    }
    if (strcmp(version, DAUYS_SQL_SCHEMA_VERSION) != 0) {
        return dauys_error_set(err, DAUYS_E_DATABASE, "%s: schema version %s, this build reads %s",
                               ws->path, version, DAUYS_SQL_SCHEMA_VERSION);
    }
    return dauys_keys_pubkey_from_base64(&ws->central, b64, strlen(b64), err);
}

/* Loads the central key and the latest manifest (re-verified) into WS. */
static int
open_load(dauys_workspace *ws, dauys_error *err)
{
    sqlite3_stmt *select_manifest = NULL;
    int rc;

    if (load_meta(ws, err) != 0 ||
        dauys_db_prepare(ws->db, &select_manifest,
                         "SELECT text, signature FROM manifest ORDER BY version DESC LIMIT 1",
                         err) != 0) {
        return -1;
    }
    if ((rc = dauys_db_step_row(select_manifest, err)) > 0) {
        rc = dauys_roster_verify_parse(&ws->manifest, sqlite3_column_blob(select_manifest, 0),
                                       (size_t) sqlite3_column_bytes(select_manifest, 0),
                                       sqlite3_column_blob(select_manifest, 1),
                                       (size_t) sqlite3_column_bytes(select_manifest, 1),
                                       "manifest", &ws->central, err);
    } else if (rc == 0) {
        rc = dauys_error_set(err, DAUYS_E_DATABASE, "%s: no manifest", ws->path);
    }
    sqlite3_finalize(select_manifest);
    return rc;
}

/*
 * Reads the manifest in force up to its first precinct line, in pieces with
 * SQLite's incremental blob I/O (the roster may be 100 MB; its frame is a few
 * hundred kB). *TEXT is dauys_malloc'ed.
 */
static int
read_frame_text(dauys_workspace *ws, char **text, size_t *len, dauys_error *err)
{
    static const char mark[] = "\nprecinct: ";
    sqlite3_blob *blob = NULL;
    sqlite3_stmt *select_latest = NULL;
    sqlite3_int64 version = 0;
    size_t size, step = 1 << 16;
    char *buf = NULL, *at = NULL;
    int rc;

    if (dauys_db_prepare(ws->db, &select_latest, "SELECT max(version) FROM manifest", err) != 0) {
        return -1;
    }
    rc = dauys_db_step_row(select_latest, err);
    version = rc > 0 ? sqlite3_column_int64(select_latest, 0) : 0;
    sqlite3_finalize(select_latest);
    if (rc < 0) {
        return -1;
    }
    if (sqlite3_blob_open(ws->db, "main", "manifest", "text", version, 0, &blob) != SQLITE_OK) {
        sqlite3_blob_close(blob);
        return dauys_error_set(err, DAUYS_E_DATABASE, "%s: no manifest", ws->path);
    }
    size = (size_t) sqlite3_blob_bytes(blob);
    for (*len = 0; at == NULL && *len < size;) {
        size_t n = size - *len < step ? size - *len : step;
        char *grown = dauys_realloc(buf, *len + n + 1);
        if (grown == NULL ||
            sqlite3_blob_read(blob, (buf = grown) + *len, (int) n, (int) *len) != SQLITE_OK) {
            sqlite3_blob_close(blob);
            dauys_free(grown == NULL ? buf : grown);
            return dauys_error_set(err, grown ? DAUYS_E_DATABASE : DAUYS_E_NOMEM,
                                   "%s: cannot read the manifest", ws->path);
        }
        size_t from = *len > sizeof mark ? *len - sizeof mark : 0;
        *len += n;
        buf[*len] = '\0';
        at = strstr(buf + from, mark);
    }
    sqlite3_blob_close(blob);
    *len = at ? (size_t) (at - buf) + 1 : *len;
    *text = buf;
    return 0;
}

/* The frame of the manifest in force, and its precincts per district from the district table. */
static int
frame_load(dauys_workspace *ws, dauys_error *err)
{
    sqlite3_stmt *select_districts = NULL;
    char *text = NULL;
    size_t len = 0;
    uint32_t d;
    int rc;

    if (load_meta(ws, err) != 0 || read_frame_text(ws, &text, &len, err) != 0) {
        return -1;
    }
    rc = dauys_manifest_parse_frame(&ws->manifest, text, len, "manifest", err);
    dauys_free(text);
    if (rc != 0 || dauys_db_prepare(ws->db, &select_districts, "SELECT id, precincts FROM district",
                                    err) != 0) {
        return -1;
    }
    while ((rc = dauys_db_step_row(select_districts, err)) > 0) {
        const char *id = (const char *) sqlite3_column_text(select_districts, 0);
        if (id != NULL && dauys_idmap_get(&ws->manifest.district_map, id, strlen(id), &d)) {
            ws->manifest.district_precincts[d] =
                (uint32_t) sqlite3_column_int64(select_districts, 1);
            ws->manifest.precinct_count += ws->manifest.district_precincts[d];
        }
    }
    sqlite3_finalize(select_districts);
    return rc;
}

/*
 * 0 if this user may write the workspace at DIR (its database PATH, and DIR
 * itself, where SQLite makes its -wal and -shm files); else -1 with ERR
 * naming what is read-only and why (a mode, a read-only file system).
 */
static int
ws_writable(const char *dir, const char *path, dauys_error *err)
{
    const char *denied = access(path, W_OK) != 0 ? path : access(dir, W_OK) != 0 ? dir : NULL;

    if (denied == NULL) {
        return 0;
    }
    return dauys_error_set(err, DAUYS_E_PERMISSION,
                           "%s: the workspace is read-only: %s cannot be written (%s); this "
                           "command writes to it, while status, tally, report and proof can "
                           "read it as it is",
                           dir, denied, strerror(errno));
}

/* How workspace_open opens: WS_WRITE refuses a workspace it may not write;
 * WS_READ opens that one read-only. */
enum { WS_WRITE, WS_READ };

/* Opens the database at PATH (the workspace DIR) for HOW into WS. */
static int
ws_open_for(dauys_workspace *ws, const char *dir, const char *path, int how, dauys_error *err)
{
    dauys_error why;
    struct stat st;

    if (stat(path, &st) != 0) {
        return errno == ENOENT || errno == ENOTDIR
                   ? dauys_error_set(err, DAUYS_E_IO,
                                     "%s: no workspace here (run dauys init first)", dir)
                   : dauys_error_set(err, DAUYS_E_IO,
                                     "%s: cannot reach the workspace's database: "
                                     "%s",
                                     path, strerror(errno));
    }
    if (access(path, R_OK) != 0) {
        return dauys_error_set(err, DAUYS_E_PERMISSION,
                               "%s: cannot read the workspace's database: %s", path,
                               strerror(errno));
    }
    if (ws_writable(dir, path, &why) == 0) {
        return ws_open_db(ws, path, 0, err);
    }
    if (how == WS_WRITE) {
        *err = why;
        return -1;
    }
    return ws_open_db_read_only(ws, path, err);
}

static int
workspace_open(dauys_workspace **out, const char *dir, int frame, int how, dauys_error *err)
{
    dauys_workspace *ws = dauys_malloc(sizeof *ws);
    char path[PATH_MAX];

    *out = NULL;
    if (ws == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    memset(ws, 0, sizeof *ws);
    if (db_path(path, dir) != 0) {
        dauys_workspace_close(ws);
        return dauys_error_set(err, DAUYS_E_USAGE, "%s: path too long", dir);
    }
    if (ws_open_for(ws, dir, path, how, err) != 0 ||
        (frame ? frame_load(ws, err) : open_load(ws, err)) != 0 || ws_prepare(ws, err) != 0 ||
        dauys_log_load_head(ws, err) != 0) {
        dauys_workspace_close(ws);
        return -1;
    }
    *out = ws;
    return 0;
}

int
dauys_workspace_open(dauys_workspace **out, const char *dir, dauys_error *err)
{
    return workspace_open(out, dir, 0, WS_WRITE, err);
}

int
dauys_workspace_open_frame(dauys_workspace **out, const char *dir, dauys_error *err)
{
    return workspace_open(out, dir, 1, WS_WRITE, err);
}

int
dauys_workspace_open_reader(dauys_workspace **out, const char *dir, dauys_error *err)
{
    return workspace_open(out, dir, 1, WS_READ, err);
}
