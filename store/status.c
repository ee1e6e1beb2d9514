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
    sqlite3_stmt *select_regions = NULL;
    size_t i = 0;
    int rc;

    if ((out->region = dauys_malloc_array(regions, sizeof *out->region)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    if (dauys_db_prepare(db, &select_regions, per_region_sql, err) != 0) {
        return -1;
    }
    while (i < regions && (rc = dauys_db_step_row(select_regions, err)) > 0) {
        dauys_place_status *r = &out->region[i++];
        snprintf(r->id, sizeof r->id, "%s", (const char *) sqlite3_column_text(select_regions, 0));
        snprintf(r->name, sizeof r->name, "%s",
                 (const char *) sqlite3_column_text(select_regions, 1));
        r->expected = (uint64_t) sqlite3_column_int64(select_regions, 2);
        r->accepted = (uint64_t) sqlite3_column_int64(select_regions, 3);
        r->conflicted = (uint64_t) sqlite3_column_int64(select_regions, 4);
        r->missing = r->expected - r->accepted - r->conflicted;
        out->national.expected += r->expected;
        out->national.accepted += r->accepted;
        out->national.conflicted += r->conflicted;
        out->national.missing += r->missing;
    }
    sqlite3_finalize(select_regions);
    out->region_count = i;
    return i == regions ? 0 : -1;
}

/* Counts submissions by outcome, and warnings. */
static int
read_outcomes(dauys_workspace_status *out, sqlite3 *db, dauys_error *err)
{
    static const char *const names[] = {"accepted", "correction", "rejected",
                                        "replay",   "conflict",   "stale"};
    sqlite3_stmt *count_outcomes = NULL, *count_warnings = NULL;
    int rc;

    if (dauys_db_prepare(db, &count_outcomes,
                         "SELECT outcome, count(*) FROM submission GROUP BY outcome", err) != 0) {
        return -1;
    }
    while ((rc = dauys_db_step_row(count_outcomes, err)) > 0) {
        const char *o = (const char *) sqlite3_column_text(count_outcomes, 0);
        uint64_t n = (uint64_t) sqlite3_column_int64(count_outcomes, 1);
        uint64_t *slots[] = {&out->accepted, &out->corrections, &out->rejected,
                             &out->replays,  &out->conflicts,   &out->stale};
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            if (strcmp(o, names[k]) == 0) {
                *slots[k] = n;
            }
        }
    }
    sqlite3_finalize(count_outcomes);
    if (rc < 0 || dauys_db_prepare(db, &count_warnings, "SELECT count(*) FROM warning", err) != 0) {
        return -1;
    }
    if ((rc = dauys_db_step_row(count_warnings, err)) > 0) {
        out->warnings = (uint64_t) sqlite3_column_int64(count_warnings, 0);
    }
    sqlite3_finalize(count_warnings);
    return rc < 0 ? -1 : 0;
}

/* Counts summary submissions and the areas with a current summary. */
static int
read_summaries(dauys_workspace_status *out, sqlite3 *db, dauys_error *err)
{
    sqlite3_stmt *count = NULL;
    int rc;

    if (dauys_db_prepare(db, &count,
                         "SELECT (SELECT count(*) FROM submission WHERE level IS NOT NULL), "
                         "(SELECT count(*) FROM summary WHERE state = 'current')",
                         err) != 0) {
        return -1;
    }
    if ((rc = dauys_db_step_row(count, err)) > 0) {
        out->summaries_submitted = (uint64_t) sqlite3_column_int64(count, 0);
        out->summaries_current = (uint64_t) sqlite3_column_int64(count, 1);
    }
    sqlite3_finalize(count);
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
        read_outcomes(out, ws->db, err) != 0 || read_summaries(out, ws->db, err) != 0) {
        dauys_workspace_status_free(out);
        return -1;
    }
    return 0;
}

int
dauys_workspace_status_missing(dauys_workspace *ws, void (*each)(const char *id, void *ctx),
                               void *ctx, dauys_error *err)
{
    sqlite3_stmt *select_missing = NULL;
    int rc;

    if (dauys_db_prepare(ws->db, &select_missing, dauys_sql_missing_precincts, err) != 0) {
        return -1;
    }
    if (dauys_db_bind_int(select_missing, 1, -1)) { /* no limit */
        rc = dauys_db_bind_fail(select_missing, err, "binding a limit");
    } else {
        while ((rc = dauys_db_step_row(select_missing, err)) > 0) {
            each((const char *) sqlite3_column_text(select_missing, 0), ctx);
        }
    }
    sqlite3_finalize(select_missing);
    return rc < 0 ? -1 : 0;
}

void
dauys_workspace_status_free(dauys_workspace_status *r)
{
    dauys_free(r->region);
    r->region = NULL;
    r->region_count = 0;
}
