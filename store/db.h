/*
 * db.h: small helpers over SQLite for the tally library. SQL runs only
 * through prepared statements with bound parameters; fixed statements
 * without parameters (BEGIN, COMMIT, the schema) go through dauys_db_exec.
 */
#ifndef DAUYS_STORE_DB_H
#define DAUYS_STORE_DB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Records the connection's last error in ERR, naming WHAT; returns -1. A
 * full disk or I/O error is DAUYS_E_IO; anything else DAUYS_E_DATABASE. */
int dauys_db_fail(sqlite3 *db, dauys_error *err, const char *what);

/* Runs parameterless SQL (one or more statements). */
int dauys_db_exec(sqlite3 *db, const char *sql, dauys_error *err) DAUYS_WUR;

/* Prepares SQL into *ST (persistent: reused across many steps). */
int dauys_db_prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql, dauys_error *err) DAUYS_WUR;

/* Steps ST, expecting SQLITE_DONE, then resets it. */
int dauys_db_step_done(sqlite3_stmt *st, dauys_error *err) DAUYS_WUR;

/* Steps ST: 1 for a row, 0 for done (and resets), -1 on error (and resets). */
int dauys_db_step_row(sqlite3_stmt *st, dauys_error *err) DAUYS_WUR;

/* Bind parameter I of ST to text (NULL binds SQL NULL), a blob (NULL: SQL
 * NULL) or an integer, SQLITE_TRANSIENT-free: the caller keeps the data alive
 * until the statement is reset. 0, or -1 if SQLite refused (an index out of
 * range, a value over its length limit, memory): then SQLite holds the
 * reason, and the caller ends with dauys_db_bind_fail. A run of binds is
 * chained with || and checked once. */
int dauys_db_bind_text(sqlite3_stmt *st, int i, const char *s) DAUYS_WUR;
int dauys_db_bind_text_n(sqlite3_stmt *st, int i, const char *s, size_t n) DAUYS_WUR;
int dauys_db_bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n) DAUYS_WUR;
int dauys_db_bind_int(sqlite3_stmt *st, int i, int64_t v) DAUYS_WUR;

/* After a bind of ST failed: fills ERR with WHAT and SQLite's reason (as
 * dauys_db_fail), and clears ST's bindings so that none of this attempt's is
 * left for the statement's next use; returns -1. */
int dauys_db_bind_fail(sqlite3_stmt *st, dauys_error *err, const char *what);

#endif
