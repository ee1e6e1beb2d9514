#include "tally/tally.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "store/db.h"
#include "sql/sql.h"

void
dauys_tally_free(dauys_tally *t)
{
    for (size_t i = 0; i < DAUYS_QUESTIONS_MAX; i++) {
        dauys_free(t->q[i].region);
        dauys_free(t->q[i].district);
    }
    dauys_crosscheck_free(&t->crosscheck);
    memset(t, 0, sizeof *t);
}

static void
add_counts(dauys_counts *to, const dauys_counts *c)
{
    to->eligible += c->eligible;
    to->took_part += c->took_part;
    to->yes += c->yes;
    to->no += c->no;
    to->not_counted += c->not_counted;
    to->invalid += c->invalid;
}

/* Allocates the areas of question Q, named from the manifest, with precincts expected. */
static int
init_areas(dauys_question_tally *q, const dauys_manifest *m)
{
    q->region = dauys_malloc_array(m->region_count, sizeof *q->region);
    q->district = dauys_malloc_array(m->district_count, sizeof *q->district);
    if (q->region == NULL || q->district == NULL) {
        return -1;
    }
    memset(q->region, 0, m->region_count * sizeof *q->region);
    memset(q->district, 0, m->district_count * sizeof *q->district);
    for (size_t i = 0; i < m->region_count; i++) {
        const dauys_place *p = &m->region[i];
        q->region[i] = (dauys_area){
            .id = p->id, .name = p->name, .id_len = p->id_len, .name_len = p->name_len};
    }
    for (size_t i = 0; i < m->district_count; i++) {
        const dauys_place *p = &m->district[i];
        q->district[i] = (dauys_area){.id = p->id,
                                      .name = p->name,
                                      .id_len = p->id_len,
                                      .name_len = p->name_len,
                                      .expected = m->district_precincts[i]};
    }
    q->nation = (dauys_area){.id = "national",
                             .id_len = 8,
                             .name = m->title,
                             .name_len = (uint32_t) strlen(m->title),
                             .expected = m->precinct_count};
    return 0;
}

/* The index of question ID among M's questions, or -1. */
static int
question_index(const dauys_manifest *m, const char *id)
{
    for (size_t i = 0; i < m->question_count; i++) {
        if (strcmp(m->question[i].id, id) == 0) {
            return (int) i;
        }
    }
    return -1;
}

/* Adds one row of the per-district query to the tally. */
static int
add_row(dauys_tally *t, sqlite3_stmt *st, dauys_error *err)
{
    const dauys_manifest *m = t->manifest;
    const char *district = (const char *) sqlite3_column_text(st, 0);
    int q = question_index(m, (const char *) sqlite3_column_text(st, 1));
    uint32_t d;
    dauys_area *a;

    if (district == NULL || q < 0 ||
        !dauys_idmap_get(&m->district_map, district, strlen(district), &d)) {
        return dauys_error_set(err, DAUYS_E_DATABASE, "a counted protocol is outside the manifest");
    }
    a = &t->q[q].district[d];
    a->reporting += (uint64_t) sqlite3_column_int64(st, 2);
    a->counts.eligible += (uint64_t) sqlite3_column_int64(st, 3);
    a->counts.took_part += (uint64_t) sqlite3_column_int64(st, 4);
    a->counts.yes += (uint64_t) sqlite3_column_int64(st, 5);
    a->counts.no += (uint64_t) sqlite3_column_int64(st, 6);
    a->counts.not_counted += (uint64_t) sqlite3_column_int64(st, 7);
    a->counts.invalid += (uint64_t) sqlite3_column_int64(st, 8);
    return 0;
}

static int
is_abroad(const dauys_place *region)
{
    return region->kind_len == 6 && memcmp(region->kind, "abroad", 6) == 0;
}

/* Sums districts into regions and the nation, and decides, for question Q. */
static int
roll_up(dauys_tally *t, dauys_question_tally *q, dauys_error *err)
{
    const dauys_manifest *m = t->manifest;
    dauys_counts *regional = dauys_malloc_array(m->region_count, sizeof *regional);
    int rc;

    if (regional == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < m->district_count; i++) {
        dauys_area *d = &q->district[i], *r = &q->region[m->district[i].region];
        r->expected += d->expected;
        r->reporting += d->reporting;
        add_counts(&r->counts, &d->counts);
    }
    size_t counted = 0;
    for (size_t i = 0; i < m->region_count; i++) {
        q->nation.reporting += q->region[i].reporting;
        add_counts(&q->nation.counts, &q->region[i].counts);
        /* The regional test is over the oblasts, the cities of republican
         * significance and the capital: votes cast abroad count nationally only.
         * IMPLEMENTATION-OF: R-REGIONS-ABROAD */
        if (!is_abroad(&m->region[i])) {
            regional[counted++] = q->region[i].counts;
        }
    }
    rc = dauys_rules_decide(&q->verdict, &q->question->rules, &q->nation.counts, regional, counted,
                            err);
    dauys_free(regional);
    return rc;
}

/*
 * The first few precincts without a counting protocol, looked for only in
 * the districts whose counts are short (districts in manifest order, ids in
 * order within each): a final tally of a million precincts asks nothing.
 */
static int
read_missing(dauys_tally *t, sqlite3 *db, dauys_error *err)
{
    const dauys_question_tally *q = &t->q[0];
    sqlite3_stmt *select_missing = NULL;
    int rc = 0;

    if (t->question_count == 0 || t->missing_count == 0) {
        return 0;
    }
    if (dauys_db_prepare(db, &select_missing, dauys_sql_missing_in_district, err) != 0) {
        return -1;
    }
    for (size_t d = 0;
         rc == 0 && d < t->manifest->district_count && t->missing_shown < DAUYS_TALLY_MISSING_SHOWN;
         d++) {
        if (q->district[d].reporting == q->district[d].expected) {
            continue;
        }
        sqlite3_reset(select_missing);
        if (dauys_db_bind_text_n(select_missing, 1, q->district[d].id, q->district[d].id_len)) {
            rc = dauys_db_bind_fail(select_missing, err, "binding a district");
            break;
        }
        while ((rc = dauys_db_step_row(select_missing, err)) > 0 &&
               t->missing_shown < DAUYS_TALLY_MISSING_SHOWN) {
            snprintf(t->missing[t->missing_shown++], DAUYS_ID_MAX + 1, "%s",
                     (const char *) sqlite3_column_text(select_missing, 0));
        }
        rc = rc < 0 ? -1 : 0;
    }
    sqlite3_finalize(select_missing);
    return rc;
}

/* The missing precincts shown, and the warnings on the counting protocols. */
static int
read_missing_and_warnings(dauys_tally *t, sqlite3 *db, dauys_error *err)
{
    sqlite3_stmt *count_warnings = NULL;
    int rc;

    if (read_missing(t, db, err) != 0 ||
        dauys_db_prepare(db, &count_warnings, dauys_sql_warnings_counting, err) != 0) {
        return -1;
    }
    while ((rc = dauys_db_step_row(count_warnings, err)) > 0 &&
           t->warning_codes < DAUYS_TALLY_WARNING_CODES) {
        snprintf(t->warning[t->warning_codes].code, sizeof t->warning[0].code, "%s",
                 (const char *) sqlite3_column_text(count_warnings, 0));
        t->warning[t->warning_codes++].count = (uint64_t) sqlite3_column_int64(count_warnings, 1);
    }
    sqlite3_finalize(count_warnings);
    return rc < 0 ? -1 : 0;
}

int
dauys_tally_compute(dauys_tally *t, dauys_workspace *ws, dauys_error *err)
{
    sqlite3_stmt *select_totals = NULL;
    int rc;

    memset(t, 0, sizeof *t);
    t->manifest = &ws->manifest;
    t->question_count = ws->manifest.question_count;
    for (size_t i = 0; i < t->question_count; i++) {
        t->q[i].question = &ws->manifest.question[i];
        if (init_areas(&t->q[i], &ws->manifest) != 0) {
            dauys_tally_free(t);
            return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
        }
    }
    if (dauys_db_prepare(ws->db, &select_totals, dauys_sql_tally_by_district, err) != 0) {
        dauys_tally_free(t);
        return -1;
    }
    while ((rc = dauys_db_step_row(select_totals, err)) > 0 &&
           (rc = add_row(t, select_totals, err)) == 0) {
    }
    sqlite3_finalize(select_totals);
    for (size_t i = 0; rc == 0 && i < t->question_count; i++) {
        rc = roll_up(t, &t->q[i], err);
    }
    if (rc != 0) {
        dauys_tally_free(t);
        return -1;
    }
    t->expected = ws->manifest.precinct_count;
    t->reporting = t->question_count > 0 ? t->q[0].nation.reporting : 0;
    t->final = t->reporting == t->expected;
    t->missing_count = t->expected - t->reporting;
    if (read_missing_and_warnings(t, ws->db, err) != 0 ||
        dauys_crosscheck_compute(&t->crosscheck, ws, &ws->manifest, err) != 0) {
        dauys_tally_free(t);
        return -1;
    }
    return 0;
}
