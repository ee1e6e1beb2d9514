#include "db.h"

int
db_fail(sqlite3 *db, dauys_error *err, const char *what)
{
    int code = sqlite3_extended_errcode(db) & 0xff;
    dauys_status st = code == SQLITE_FULL || code == SQLITE_IOERR || code == SQLITE_CANTOPEN
                          ? DAUYS_E_IO
                          : DAUYS_E_DATABASE;

    return dauys_error_set(err, st, "%s: %s (database %s)", what, sqlite3_errmsg(db),
                           sqlite3_db_filename(db, "main") ? sqlite3_db_filename(db, "main") : "");
}

int
db_exec(sqlite3 *db, const char *sql, dauys_error *err)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : db_fail(db, err, "SQL");
}

int
db_prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql, dauys_error *err)
{
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK) {
        return db_fail(db, err, "preparing a statement");
    }
    return 0;
}

int
db_step_done(sqlite3_stmt *st, dauys_error *err)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        return db_fail(sqlite3_db_handle(st), err, "writing");
    }
    return 0;
}

int
db_step_row(sqlite3_stmt *st, dauys_error *err)
{
    int rc = sqlite3_step(st);

    if (rc == SQLITE_ROW) {
        return 1;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : db_fail(sqlite3_db_handle(st), err, "reading");
}

int
db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return s == NULL ? sqlite3_bind_null(st, i) : sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

int
db_bind_text_n(sqlite3_stmt *st, int i, const char *s, size_t n)
{
    return sqlite3_bind_text64(st, i, s, n, SQLITE_STATIC, SQLITE_UTF8);
}

int
db_bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n)
{
    return p == NULL ? sqlite3_bind_null(st, i) : sqlite3_bind_blob64(st, i, p, n, SQLITE_STATIC);
}

int
db_bind_int(sqlite3_stmt *st, int i, int64_t v)
{
    return sqlite3_bind_int64(st, i, v);
}
