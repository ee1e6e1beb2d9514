/*
 * database.c: C3. The bundle's dauys.db is the organisers' store of record,
 * not evidence; the audit compares it with what it re-derived, so that an
 * edited row shows. Opened read-only and immutable (SQLite never writes,
 * locks or recovers a journal), queried with the audit's own SQL, never the
 * tally's: log entries byte for byte, each submission's outcome and hashes,
 * which protocol counts per precinct, and the sums per district from the
 * stored protocol numbers and from the kept totals (FORMATS.md section 14).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "alloc.h"
#include "internal.h"

typedef struct db_walk {
    audit *a;
    sqlite3_stmt *log, *sub;
    uint64_t n;
} db_walk;

/* One log entry of the bundle against its log_entry row and submission row. */
static int
db_entry(void *ctx, const char *text, size_t len)
{
    db_walk *w = ctx;
    char where[64];
    dauys_log_parsed e;
    dauys_error err;
    int have = sqlite3_step(w->log) == SQLITE_ROW;

    snprintf(where, sizeof where, "dauys.db log_entry %llu", (unsigned long long) w->n);
    audit_check(w->a, C3, have && (uint64_t) sqlite3_column_int64(w->log, 0) == w->n &&
                              (size_t) sqlite3_column_bytes(w->log, 1) == len &&
                              memcmp(sqlite3_column_blob(w->log, 1), text, len) == 0,
                where, "missing, or not the bundle's log entry %llu", (unsigned long long) w->n);
    if (dauys_log_entry_parse(&e, text, len, "entry", &err) == 0 &&
        strcmp(e.event, "manifest") != 0 && strcmp(e.event, "result") != 0) {
        have = sqlite3_step(w->sub) == SQLITE_ROW;
        snprintf(where, sizeof where, "dauys.db submission of entry %llu", (unsigned long long) w->n);
        const char *outcome = have ? (const char *) sqlite3_column_text(w->sub, 1) : NULL;
        audit_check(w->a, C3, have && (uint64_t) sqlite3_column_int64(w->sub, 0) == w->n &&
                                  outcome != NULL && strcmp(outcome, e.event) == 0 &&
                                  sqlite3_column_bytes(w->sub, 2) == 32 &&
                                  memcmp(sqlite3_column_blob(w->sub, 2), e.file_sha256, 32) == 0,
                    where, "missing, or its outcome or protocol hash is not the log's (%s)", e.event);
    }
    w->n++;
    return 0;
}

/* Compares one row of per-district numbers (columns FIRST..) with the audit's;
 * SEEN marks each district and question, which may have one row only. */
static void
db_sums(audit *a, sqlite3_stmt *st, int first, const char *table, uint8_t *seen)
{
    const char *did = (const char *) sqlite3_column_text(st, 0);
    const char *qid = (const char *) sqlite3_column_text(st, 1);
    char where[200];
    uint32_t d;
    size_t q = 0;

    while (q < a->m.question_count && strcmp(a->m.question[q].id, qid ? qid : "") != 0) {
        q++;
    }
    snprintf(where, sizeof where, "dauys.db %s, district %s, question %s", table,
             did ? did : "NULL", qid ? qid : "NULL");
    if (did == NULL || q == a->m.question_count ||
        !dauys_idmap_get(&a->m.district_map, did, strlen(did), &d)) {
        audit_check(a, C3, 0, where, "names a district or question not in the manifest");
        return;
    }
    size_t slot = (size_t) d * a->m.question_count + q;
    const audit_sums *s = &a->district[slot];
    if (seen[slot]++) {
        audit_check(a, C3, 0, where, "a second row for the same district and question");
        return;
    }
    uint64_t want[7] = {s->reporting, s->eligible, s->took_part, s->yes, s->no, s->not_counted,
                        s->invalid};
    int same = 1;
    for (int i = 0; i < 7; i++) {
        same &= (uint64_t) sqlite3_column_int64(st, first + i) == want[i];
    }
    if (s->unknown != 0) {
        audit_unchecked(a, C3);
        return;
    }
    audit_check(a, C3, same, where, "has reporting %lld eligible %lld took-part %lld yes %lld no "
                "%lld not-counted %lld invalid %lld; the re-tally gives %llu %llu %llu %llu %llu "
                "%llu %llu", sqlite3_column_int64(st, first), sqlite3_column_int64(st, first + 1),
                sqlite3_column_int64(st, first + 2), sqlite3_column_int64(st, first + 3),
                sqlite3_column_int64(st, first + 4), sqlite3_column_int64(st, first + 5),
                sqlite3_column_int64(st, first + 6), (unsigned long long) want[0],
                (unsigned long long) want[1], (unsigned long long) want[2],
                (unsigned long long) want[3], (unsigned long long) want[4],
                (unsigned long long) want[5], (unsigned long long) want[6]);
}

/* The district rows of the query SQL against the audit's sums; every district
 * and question with a counted protocol must have a row. */
static int
db_districts(audit *a, sqlite3 *db, const char *sql, const char *table)
{
    size_t slots = a->m.district_count * a->m.question_count;
    uint8_t *seen = dauys_malloc(slots ? slots : 1);
    sqlite3_stmt *st;
    uint64_t rows = 0, want = 0;

    if (seen == NULL) {
        a->oom = 1;
        return 0;
    }
    memset(seen, 0, slots);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        dauys_free(seen);
        return -1;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        rows += sqlite3_column_int64(st, 2) > 0;
        db_sums(a, st, 2, table, seen);
    }
    dauys_free(seen);
    for (size_t i = 0; i < a->m.district_count * a->m.question_count; i++) {
        want += a->district[i].reporting > 0;
    }
    audit_check(a, C3, rows == want, table, "%llu districts and questions with counted protocols; "
                "the re-tally has %llu", (unsigned long long) rows, (unsigned long long) want);
    return sqlite3_finalize(st) == SQLITE_OK ? 0 : -1;
}

/* Each precinct's counting protocol, as the database records it. */
static int
db_current(audit *a, sqlite3 *db)
{
    static const char sql[] =
        "SELECT p.precinct, s.log_index FROM protocol p JOIN submission s ON s.seq = p.submission"
        " WHERE p.state = 'current'";
    sqlite3_stmt *st;
    uint64_t rows = 0, counted = 0;
    char where[128];
    uint32_t pi;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        return -1;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *) sqlite3_column_text(st, 0);
        uint64_t entry = (uint64_t) sqlite3_column_int64(st, 1);
        int found = id != NULL && dauys_manifest_find_precinct(&a->m, id, strlen(id), &pi);
        snprintf(where, sizeof where, "dauys.db protocol, precinct %s", id ? id : "NULL");
        /* a precinct may count once: the entry is marked as seen by flipping it */
        int once = found && a->ps[pi].current != 2;
        audit_check(a, C3, once && a->ps[pi].current && a->ps[pi].entry == entry, where,
                    "counts the protocol of entry %llu; the log makes it %s",
                    (unsigned long long) entry, found && a->ps[pi].current ? "another" : "none");
        if (once && a->ps[pi].current) {
            a->ps[pi].current = 2;
        }
        rows++;
    }
    for (size_t i = 0; i < a->m.precinct_count; i++) {
        counted += a->ps[i].current != 0;
        a->ps[i].current = a->ps[i].current != 0; /* the marks taken back */
    }
    audit_check(a, C3, rows == counted, "dauys.db protocol", "%llu precincts count; the log makes "
                "it %llu", (unsigned long long) rows, (unsigned long long) counted);
    return sqlite3_finalize(st) == SQLITE_OK ? 0 : -1;
}

static const char sums_sql[] =
    "SELECT pr.district, a.question, count(*), sum(p.on_list), sum(a.in_boxes), sum(a.yes),"
    " sum(a.no), sum(a.not_counted), sum(a.invalid) FROM protocol p"
    " JOIN protocol_answer a ON a.precinct = p.precinct AND a.version = p.version"
    " JOIN precinct pr ON pr.id = p.precinct WHERE p.state = 'current'"
    " GROUP BY pr.district, a.question";
static const char totals_sql[] =
    "SELECT district, question, reporting, eligible, took_part, yes, no, not_counted, invalid"
    " FROM district_total";

/* The log and submissions, row by row, streamed beside the bundle's log. */
static int
db_log(audit *a, sqlite3 *db)
{
    db_walk w = {a, NULL, NULL, 0};
    dauys_error err = {0};
    int rc = -1;

    if (sqlite3_prepare_v2(db, "SELECT idx, entry FROM log_entry ORDER BY idx", -1, &w.log,
                           NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT log_index, outcome, protocol_sha256 FROM submission "
                           "ORDER BY log_index", -1, &w.sub, NULL) == SQLITE_OK &&
        audit_log_stream(a, db_entry, &w, &err) == 0) {
        audit_check(a, C3, sqlite3_step(w.log) == SQLITE_DONE, "dauys.db log_entry",
                    "has more entries than the bundle's log");
        audit_check(a, C3, sqlite3_step(w.sub) == SQLITE_DONE, "dauys.db submission",
                    "has submissions the bundle's log does not have");
        rc = 0;
    } else if (err.status == DAUYS_E_NOMEM) {
        a->oom = 1;
        rc = 0; /* the audit stops as out of memory, not with a finding */
    }
    sqlite3_finalize(w.log);
    sqlite3_finalize(w.sub);
    return rc;
}

/*
 * The database comes with the bundle, so it may be hostile: no schema code
 * may run (no views or virtual tables under the names queried, untrusted
 * schema, defensive mode), so reading it does only what the queries say.
 * 0; 1 if the tables queried are not all there as tables; -1 if SQLite failed.
 */
static int
harden(sqlite3 *db)
{
    static const char sql[] =
        "SELECT count(*) FROM sqlite_schema WHERE name IN ('log_entry', 'submission', 'protocol',"
        " 'protocol_answer', 'precinct', 'district_total') AND type = 'table'"
        " AND sql NOT LIKE 'CREATE VIRTUAL%'";
    sqlite3_stmt *st;
    int ok;

    if (sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL) != SQLITE_OK ||
        sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        return -1;
    }
    ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 6;
    return sqlite3_finalize(st) != SQLITE_OK ? -1 : ok ? 0 : 1;
}

void
audit_database(audit *a)
{
    char uri[3 * PATH_MAX + 128];
    sqlite3 *db = NULL;
    int kind = audit_source_db_uri(a->src, uri, sizeof uri), tables = 0;

    if (kind == 0) {
        return; /* no database to compare: C3 is not run (the summary says so) */
    }
    a->sum->database = 1;
    if (kind != 1) {
        audit_check(a, C3, 0, "dauys.db", "is not a plain file");
        return;
    }
    if ((a->src->archive && audit_slice_vfs_register() != 0) ||
        sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK ||
        (tables = harden(db)) != 0 || db_log(a, db) != 0 || db_current(a, db) != 0 ||
        db_districts(a, db, sums_sql, "protocol_answer") != 0 ||
        db_districts(a, db, totals_sql, "district_total") != 0) {
        audit_check(a, C3, 0, "dauys.db", "cannot be read as a dauys database: %s",
                    db == NULL   ? "out of memory"
                    : tables > 0 ? "it lacks the tables of a workspace"
                                 : sqlite3_errmsg(db));
    }
    sqlite3_close(db);
}
