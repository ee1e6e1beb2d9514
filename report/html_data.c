/*
 * html_data.c: what the HTML report needs from the workspace beyond the
 * tally: every counting precinct's numbers per question (the histograms and
 * the forensics) and the submissions that do not count (the refusals
 * table). Read with the queries in sql/; nothing here writes.
 */
#include <string.h>

#include "core/alloc.h"
#include "store/db.h"
#include "report/html.h"
#include "report/report.h"
#include "sql/sql.h"
#include "report/svg.h"

void
dauys_html_page_free(dauys_html_page *page)
{
    for (size_t q = 0; q < DAUYS_QUESTIONS_MAX; q++) {
        dauys_free(page->precinct[q]);
        dauys_free(page->histogram[q]);
        dauys_free(page->grid[q]);
        dauys_forensics_free(&page->forensics[q]);
    }
    for (size_t i = 0; i < page->refusal_count; i++) {
        dauys_free(page->refusal[i].reason);
    }
    dauys_free(page->refusal);
    page->refusal = NULL;
    page->refusal_count = 0;
    memset(page->precinct, 0, sizeof page->precinct);
    memset(page->histogram, 0, sizeof page->histogram);
    memset(page->grid, 0, sizeof page->grid);
}

/* The column I of ST as an unsigned count (the schema keeps them >= 0). */
static uint64_t
column_count(sqlite3_stmt *st, int i)
{
    sqlite3_int64 v = sqlite3_column_int64(st, i);
    return v < 0 ? 0 : (uint64_t) v;
}

/* Appends ST's row to question Q's precincts, growing the array by doubling. */
static int
add_precinct(dauys_html_page *page, size_t q, size_t *cap, sqlite3_stmt *st,
             const dauys_manifest *m, dauys_error *err)
{
    const char *region = (const char *) sqlite3_column_text(st, 0);
    uint32_t r;

    if (region == NULL || !dauys_idmap_get(&m->region_map, region, strlen(region), &r)) {
        return dauys_error_set(err, DAUYS_E_DATABASE,
                               "a counting protocol's region is not in the manifest");
    }
    if (page->precinct_count[q] == *cap) {
        size_t n = *cap == 0 ? 1024 : 2 * *cap;
        void *p = n > SIZE_MAX / sizeof *page->precinct[q]
                      ? NULL
                      : dauys_realloc(page->precinct[q], n * sizeof *page->precinct[q]);
        if (p == NULL) {
            return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
        }
        page->precinct[q] = p;
        *cap = n;
    }
    page->precinct[q][page->precinct_count[q]++] =
        (dauys_forensics_precinct){.region = r,
                                   .eligible = column_count(st, 1),
                                   .took_part = column_count(st, 2),
                                   .yes = column_count(st, 3),
                                   .no = column_count(st, 4)};
    return 0;
}

/* Question Q's precincts into the turnout histogram (the nearest 0.1%) and
 * the turnout x yes grid (whole percents, rounded down; 100% in the last). */
static int
bin_question(dauys_html_page *page, size_t q, dauys_error *err)
{
    const dauys_rules *rules = &page->tally->q[q].question->rules;
    uint64_t *h = dauys_malloc_array(DAUYS_SVG_HISTOGRAM_BINS, sizeof *h);
    uint64_t *g = dauys_malloc_array((size_t) DAUYS_SVG_GRID * DAUYS_SVG_GRID, sizeof *g);

    page->histogram[q] = h, page->grid[q] = g;
    if (h == NULL || g == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    memset(h, 0, DAUYS_SVG_HISTOGRAM_BINS * sizeof *h);
    memset(g, 0, (size_t) DAUYS_SVG_GRID * DAUYS_SVG_GRID * sizeof *g);
    for (size_t i = 0; i < page->precinct_count[q]; i++) {
        const dauys_forensics_precinct *p = &page->precinct[q][i];
        dauys_counts c = {.took_part = p->took_part, .yes = p->yes, .no = p->no};
        uint64_t base = dauys_rules_yes_base(rules, &c);
        if (p->eligible == 0) {
            page->no_list[q]++;
            continue;
        }
        unsigned __int128 t = p->took_part, e = p->eligible;
        size_t bin = (size_t) ((2 * (DAUYS_SVG_HISTOGRAM_BINS - 1) * t + e) / (2 * e));
        h[bin < DAUYS_SVG_HISTOGRAM_BINS ? bin : DAUYS_SVG_HISTOGRAM_BINS - 1]++; /* R3: t <= e */
        if (base == 0) {
            page->no_base[q]++;
            continue;
        }
        size_t x = (size_t) (100 * t / e), y = (size_t) ((unsigned __int128) 100 * p->yes / base);
        g[(x > 99 ? 99 : x) * DAUYS_SVG_GRID + (y > 99 ? 99 : y)]++;
    }
    return 0;
}

/* Question Q's counting precincts, then their bins and forensics. */
static int
load_question(dauys_html_page *page, size_t q, dauys_workspace *ws, dauys_error *err)
{
    const dauys_manifest *m = page->tally->manifest;
    sqlite3_stmt *select_counting = NULL;
    size_t cap = 0;
    int rc;

    if (dauys_db_prepare(ws->db, &select_counting, dauys_sql_counting_precincts, err) != 0) {
        return -1;
    }
    if (dauys_db_bind_text(select_counting, 1, page->tally->q[q].question->id)) {
        rc = dauys_db_bind_fail(select_counting, err, "binding a question");
    } else {
        while ((rc = dauys_db_step_row(select_counting, err)) > 0 &&
               (rc = add_precinct(page, q, &cap, select_counting, m, err)) == 0) {
        }
    }
    sqlite3_finalize(select_counting);
    if (rc < 0 || bin_question(page, q, err) != 0) {
        return -1;
    }
    return dauys_forensics_compute(&page->forensics[q], page->precinct[q], page->precinct_count[q],
                                   m->region_count, NULL, err);
}

/* Copies the text column I of ST into OUT (SIZE bytes), "" for NULL. */
static void
column_copy(char *out, size_t size, sqlite3_stmt *st, int i)
{
    const char *s = (const char *) sqlite3_column_text(st, i);
    snprintf(out, size, "%s", s != NULL ? s : "");
}

/* Fills refusal R from ST's row. */
static int
read_refusal(dauys_html_refusal *r, sqlite3_stmt *st, dauys_error *err)
{
    const char *reason = (const char *) sqlite3_column_text(st, 5);

    r->log_index = column_count(st, 0);
    column_copy(r->precinct, sizeof r->precinct, st, 1);
    r->version = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 2);
    column_copy(r->outcome, sizeof r->outcome, st, 3);
    column_copy(r->code, sizeof r->code, st, 4);
    if ((r->reason = dauys_strdup(reason != NULL ? reason : "")) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    return 0;
}

/* How many submissions do not count. */
static int
count_refusals(dauys_html_page *page, dauys_workspace *ws, dauys_error *err)
{
    sqlite3_stmt *count_refused = NULL;
    int rc;

    if (dauys_db_prepare(ws->db, &count_refused,
                         "SELECT count(*) FROM submission WHERE outcome NOT IN "
                         "('accepted', 'correction')",
                         err) != 0) {
        return -1;
    }
    if ((rc = dauys_db_step_row(count_refused, err)) > 0) {
        page->refusal_total = column_count(count_refused, 0);
    }
    sqlite3_finalize(count_refused);
    return rc > 0 ? 0 : rc < 0 ? -1 : dauys_error_set(err, DAUYS_E_DATABASE, "counting refusals");
}

/* The first DAUYS_HTML_REFUSALS_SHOWN refusals. */
static int
load_refusals(dauys_html_page *page, dauys_workspace *ws, dauys_error *err)
{
    sqlite3_stmt *select_refusals = NULL;
    int rc;

    if (count_refusals(page, ws, err) != 0) {
        return -1;
    }
    page->refusal = dauys_malloc_array(DAUYS_HTML_REFUSALS_SHOWN, sizeof *page->refusal);
    if (page->refusal == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    if (dauys_db_prepare(ws->db, &select_refusals, dauys_sql_refusals, err) != 0) {
        return -1;
    }
    if (dauys_db_bind_int(select_refusals, 1, DAUYS_HTML_REFUSALS_SHOWN)) {
        rc = dauys_db_bind_fail(select_refusals, err, "binding a limit");
    } else {
        while ((rc = dauys_db_step_row(select_refusals, err)) > 0 &&
               (rc = read_refusal(&page->refusal[page->refusal_count], select_refusals, err)) ==
                   0) {
            page->refusal_count++;
        }
    }
    sqlite3_finalize(select_refusals);
    return rc < 0 ? -1 : 0;
}

/* The latest signed checkpoint, if the workspace has one. */
static int
load_checkpoint(dauys_html_page *page, dauys_workspace *ws, dauys_error *err)
{
    sqlite3_stmt *select_last_checkpoint = NULL;
    int rc;

    if (dauys_db_prepare(ws->db, &select_last_checkpoint,
                         "SELECT size, root FROM checkpoint ORDER BY size DESC LIMIT 1",
                         err) != 0) {
        return -1;
    }
    if ((rc = dauys_db_step_row(select_last_checkpoint, err)) > 0 &&
        sqlite3_column_bytes(select_last_checkpoint, 1) == 32) {
        page->has_checkpoint = 1;
        page->checkpoint_size = column_count(select_last_checkpoint, 0);
        memcpy(page->checkpoint_root, sqlite3_column_blob(select_last_checkpoint, 1), 32);
    }
    sqlite3_finalize(select_last_checkpoint);
    return rc < 0 ? -1 : 0;
}

int
dauys_html_page_load(dauys_html_page *page, dauys_workspace *ws, const dauys_tally *t,
                     dauys_error *err)
{
    memset(page, 0, sizeof *page);
    page->tally = t;
    for (size_t q = 0; q < t->question_count; q++) {
        if (load_question(page, q, ws, err) != 0) {
            return -1;
        }
    }
    return load_refusals(page, ws, err) != 0 ? -1 : load_checkpoint(page, ws, err);
}
