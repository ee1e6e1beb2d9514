#include "store/status.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "store/db.h"
#include "sql/sql.h"

static const char per_region_sql[] =
    "SELECT r.id, r.name, count(p.id), count(c.precinct),"
    "       sum(c.precinct IS NULL AND EXISTS (SELECT 1 FROM protocol x"
    "           WHERE x.precinct = p.id AND x.state = 'conflicted'))"
    "  FROM region r LEFT JOIN precinct p ON p.region = r.id"
    "  LEFT JOIN protocol c ON c.precinct = p.id AND c.state = 'current'"
    " GROUP BY r.id ORDER BY r.position";

/* Reads the per-region rows and sums them into the national one. */
static int
read_regions(dauys_workspace_status *out, sqlite3 *db, size_t regions, dauys_error *err)
{
    sqlite3_stmt *st = NULL;
    size_t i = 0;
    int rc;

    if ((out->region = dauys_malloc_array(regions, sizeof *out->region)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    if (dauys_db_prepare(db, &st, per_region_sql, err) != 0) {
        return -1;
    }
    while (i < regions && (rc = dauys_db_step_row(st, err)) > 0) {
        dauys_place_status *r = &out->region[i++];
        snprintf(r->id, sizeof r->id, "%s", (const char *) sqlite3_column_text(st, 0));
        snprintf(r->name, sizeof r->name, "%s", (const char *) sqlite3_column_text(st, 1));
        r->expected = (uint64_t) sqlite3_column_int64(st, 2);
        r->accepted = (uint64_t) sqlite3_column_int64(st, 3);
        r->conflicted = (uint64_t) sqlite3_column_int64(st, 4);
        r->missing = r->expected - r->accepted - r->conflicted;
        out->national.expected += r->expected;
        out->national.accepted += r->accepted;
        out->national.conflicted += r->conflicted;
        out->national.missing += r->missing;
    }
    sqlite3_finalize(st);
    out->region_count = i;
    return i == regions ? 0 : -1;
}

/* Counts submissions by outcome, and warnings. */
static int
read_outcomes(dauys_workspace_status *out, sqlite3 *db, dauys_error *err)
{
    static const char *const names[] = {"accepted", "correction", "rejected",
                                        "replay",   "conflict",   "stale"};
    sqlite3_stmt *st = NULL;
    int rc;

    if (dauys_db_prepare(db, &st, "SELECT outcome, count(*) FROM submission GROUP BY outcome",
                         err) != 0) {
        return -1;
    }
    while ((rc = dauys_db_step_row(st, err)) > 0) {
        const char *o = (const char *) sqlite3_column_text(st, 0);
        uint64_t n = (uint64_t) sqlite3_column_int64(st, 1);
        uint64_t *slots[] = {&out->accepted, &out->corrections, &out->rejected,
                             &out->replays,  &out->conflicts,   &out->stale};
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            if (strcmp(o, names[k]) == 0) {
                *slots[k] = n;
            }
        }
    }
    sqlite3_finalize(st);
    if (rc < 0 || dauys_db_prepare(db, &st, "SELECT count(*) FROM warning", err) != 0) {
        return -1;
    }
    if ((rc = dauys_db_step_row(st, err)) > 0) {
        out->warnings = (uint64_t) sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return rc < 0 ? -1 : 0;
}

int
dauys_workspace_status_read(dauys_workspace_status *out, dauys_workspace *ws, dauys_error *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->national.id, sizeof out->national.id, "national");
    snprintf(out->national.name, sizeof out->national.name, "%s", ws->manifest.title);
    out->log_size = ws->head.range.size;
    if (read_regions(out, ws->db, ws->manifest.region_count, err) != 0 ||
        read_outcomes(out, ws->db, err) != 0) {
        dauys_workspace_status_free(out);
        return -1;
    }
    return 0;
}

int
dauys_workspace_status_missing(dauys_workspace *ws, void (*each)(const char *id, void *ctx),
                               void *ctx, dauys_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (dauys_db_prepare(ws->db, &st, dauys_sql_missing_precincts, err) != 0) {
        return -1;
    }
    dauys_db_bind_int(st, 1, -1); /* no limit */
    while ((rc = dauys_db_step_row(st, err)) > 0) {
        each((const char *) sqlite3_column_text(st, 0), ctx);
    }
    sqlite3_finalize(st);
    return rc < 0 ? -1 : 0;
}

void
dauys_workspace_status_free(dauys_workspace_status *r)
{
    dauys_free(r->region);
    r->region = NULL;
    r->region_count = 0;
}
