#include "store/db.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statvfs.h>

/*
 * Why an I/O operation on the database at FILE failed, as far as can be told,
 * into BUF ("" if nothing more is known). SQLite keeps the system's errno for
 * some failures only (not for a full disk, and often not for EFBIG), so the
 * two usual causes are looked for directly: a full file system, and a
 * file-size limit (ulimit -f) that a write of the database went past.
 */
static void
io_cause(char *buf, size_t size, sqlite3 *db, const char *file)
{
    int code = sqlite3_extended_errcode(db), os = sqlite3_system_errno(db);
    struct statvfs fs;
    struct rlimit limit;

    buf[0] = '\0';
    if ((code & 0xff) == SQLITE_FULL && file != NULL && statvfs(file, &fs) == 0) {
        snprintf(buf, size, ": the disk is full (%llu KiB left on the file system holding it)",
                 (unsigned long long) fs.f_bavail * fs.f_frsize / 1024);
    } else if (os != 0) {
        snprintf(buf, size, ": %s", strerror(os));
    } else if (code == SQLITE_IOERR_WRITE && getrlimit(RLIMIT_FSIZE, &limit) == 0 &&
               limit.rlim_cur != RLIM_INFINITY) {
        snprintf(buf, size,
                 ": File too large? this process may not write files past %llu KiB "
                 "(its file-size limit, ulimit -f)",
                 (unsigned long long) limit.rlim_cur / 1024);
    }
}

/*
 * Fills ERR with WHAT, SQLite's message and the database's file name; -1.
 * An I/O failure (disk full, file too large, a read error) is DAUYS_E_IO and
 * also names its cause when it can be told (io_cause); SQLite out of memory
 * is DAUYS_E_NOMEM; anything else DAUYS_E_DATABASE.
 */
int
dauys_db_fail(sqlite3 *db, dauys_error *err, const char *what)
{
    int code = sqlite3_extended_errcode(db) & 0xff;
    const char *file = sqlite3_db_filename(db, "main");
    char cause[160] = "", where[4200] = "";

    if (file != NULL && file[0] != '\0') { /* none if the open itself failed */
        snprintf(where, sizeof where, " (database %s)", file);
    }
    if (code == SQLITE_FULL || code == SQLITE_IOERR || code == SQLITE_CANTOPEN) {
        io_cause(cause, sizeof cause, db, file);
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s%s%s", what, sqlite3_errmsg(db), cause,
                               where);
    }
    return dauys_error_set(err, code == SQLITE_NOMEM ? DAUYS_E_NOMEM : DAUYS_E_DATABASE, "%s: %s%s",
                           what, sqlite3_errmsg(db), where);
}

int
dauys_db_exec(sqlite3 *db, const char *sql, dauys_error *err)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : dauys_db_fail(db, err, "SQL");
}

int
dauys_db_prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql, dauys_error *err)
{
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK) {
        return dauys_db_fail(db, err, "preparing a statement");
    }
    return 0;
}

int
dauys_db_step_done(sqlite3_stmt *st, dauys_error *err)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        return dauys_db_fail(sqlite3_db_handle(st), err, "writing");
    }
    return 0;
}

int
dauys_db_step_row(sqlite3_stmt *st, dauys_error *err)
{
    int rc = sqlite3_step(st);

    if (rc == SQLITE_ROW) {
        return 1;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : dauys_db_fail(sqlite3_db_handle(st), err, "reading");
}

int
dauys_db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    int rc = s == NULL ? sqlite3_bind_null(st, i) : sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);

    return rc == SQLITE_OK ? 0 : -1;
}

int
dauys_db_bind_text_n(sqlite3_stmt *st, int i, const char *s, size_t n)
{
    return sqlite3_bind_text64(st, i, s, n, SQLITE_STATIC, SQLITE_UTF8) == SQLITE_OK ? 0 : -1;
}

int
dauys_db_bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n)
{
    int rc = p == NULL ? sqlite3_bind_null(st, i) : sqlite3_bind_blob64(st, i, p, n, SQLITE_STATIC);

    return rc == SQLITE_OK ? 0 : -1;
}

int
dauys_db_bind_int(sqlite3_stmt *st, int i, int64_t v)
{
    return sqlite3_bind_int64(st, i, v) == SQLITE_OK ? 0 : -1;
}

int
dauys_db_bind_fail(sqlite3_stmt *st, dauys_error *err, const char *what)
{
    dauys_db_fail(sqlite3_db_handle(st), err, what);
    sqlite3_clear_bindings(st);
    return -1;
}
