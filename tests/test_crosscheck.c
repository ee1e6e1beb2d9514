/*
 * test_crosscheck.c: the summary protocols checked against what counts below
 * them (tally/crosscheck.c), on a workspace whose protocols and summaries are
 * inserted straight into its tables: a summary equal to its precincts
 * agrees; each field altered is found with both numbers; a precinct
 * missing, superseded since, omitted, or listed at a version that does not
 * count; a region over its districts' summaries; a conflicted summary; no
 * commissions, no lines. The statement's `crosscheck` lines (FORMATS.md
 * 16.1), and `dauys summarize`'s library side: its file parses with the real
 * parser and, stored, agrees. Every allocation failure is clean.
 */
#include "tests/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/alloc.h"
#include "keys/keys.h"
#include "referendum/summary.h"
#include "store/db.h"
#include "tally/crosscheck.h"
#include "tally/result.h"
#include "tally/tally.h"

#define PRECINCTS 8
#define QUESTIONS 2

static const char *dir;
static int64_t next_submission = 1000;

/* P01-P04 in D1, P05-P07 in D2 (both in R1), P08 in D3 (R2). */
static const char *const district_of[PRECINCTS + 1] = {"",   "D1", "D1", "D1", "D1",
                                                       "D2", "D2", "D2", "D3"};

/* A workspace NAME: single or SEPARATE ballots, with commissions for D1, D2,
 * D3 and R1 when COMMISSIONS. Returns its directory (malloc'ed). */
static char *
make_workspace(const char *name, int separate, int commissions)
{
    char *text = malloc(16 * 1024), *p = text, b64[57], m[256], c[256], pub[200];
    char *ws = support_path(dir, name);
    dauys_seckey *central;
    dauys_pubkey central_pk;
    dauys_error err;
    uint32_t key = 0;

    assert_int_equal(dauys_keys_generate(&central_pk, &central, &err), 0);
    p += sprintf(p,
                 "format: dauys-manifest 1\nreferendum: kz-cc\ntitle: Crosscheck test\n"
                 "date: 2026-03-15\nmode: test\nversion: 1\nballot: %s\n"
                 "question: q1 kz-constitutional Question one?\n"
                 "question: q2 kz-ordinary Question two?\n"
                 "region: R1 oblast Region one\nregion: R2 oblast Region two\n"
                 "district: D1 R1 District one\ndistrict: D2 R1 District two\n"
                 "district: D3 R2 District three\n",
                 separate ? "separate" : "single");
    if (commissions) {
        static const char *const area[] = {"district D1", "district D2", "district D3",
                                           "region R1"};
        for (size_t i = 0; i < 4; i++) {
            support_fake_pubkey(b64, ++key);
            p += sprintf(p, "commission: %s %s\n", area[i], b64);
        }
    }
    for (int i = 1; i <= PRECINCTS; i++) {
        support_fake_pubkey(b64, 100 + (uint32_t) i);
        p += sprintf(p, "precinct: P%02d %s 1000 %s School %d\n", i, district_of[i], b64, i);
    }
    snprintf(m, sizeof m, "%s-manifest.txt", name);
    support_write_signed(dir, m, text, central);
    assert_int_equal(dauys_keys_pubkey_encode(pub, sizeof pub, &central_pk, NULL, &err), 0);
    snprintf(c, sizeof c, "%s-central.pub", name);
    free(support_write(dir, c, pub, strlen(pub), 0644));
    char *mp = support_path(dir, m), *cp = support_path(dir, c);
    assert_int_equal(dauys_workspace_init(ws, mp, cp, &err), 0);
    free(mp), free(cp), free(text);
    dauys_keys_seckey_free(central);
    return ws;
}

/* Opens workspace WSDIR to write rows straight into its tables. */
static dauys_workspace *
open_rows(const char *wsdir)
{
    dauys_workspace *ws;
    dauys_error err;

    assert_int_equal(dauys_workspace_open(&ws, wsdir, &err), 0);
    /* the rows name submissions that were never made */
    assert_int_equal(dauys_db_exec(ws->db, "PRAGMA foreign_keys=OFF", &err), 0);
    return ws;
}

/* Runs SQL with the arguments TYPES says ('t' text, 'i' int64), to its end. */
static void
run_sql(dauys_workspace *ws, const char *sql, const char *types, ...)
{
    sqlite3_stmt *st = NULL;
    dauys_error err;
    va_list ap;

    assert_int_equal(dauys_db_prepare(ws->db, &st, sql, &err), 0);
    va_start(ap, types);
    for (int i = 0; types[i] != '\0'; i++) {
        if (types[i] == 't') {
            assert_int_equal(
                sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT),
                SQLITE_OK);
        } else {
            assert_int_equal(sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t)), SQLITE_OK);
        }
    }
    va_end(ap);
    assert_int_equal(dauys_db_step_done(st, &err), 0);
    sqlite3_finalize(st);
}

/* Field K of precinct I's protocol version V under M: every number distinct,
 * and each answer below the ballots in the boxes (the rules engine checks
 * yes <= took part) and those below the list. */
static uint64_t
value(const dauys_manifest *m, int i, uint32_t v, size_t k)
{
    int answer = m->ballot == DAUYS_BALLOT_SINGLE ? k >= 5 : k > 0 && (k - 1) % 8 >= 4;
    uint64_t base = k == 0 ? 5000000 : answer ? 1000 * (uint64_t) k : 100000 * (uint64_t) k;

    return base + 100 * (uint64_t) i + v;
}

/* The values of precinct I's protocol version V, for M. */
static void
protocol_values(uint64_t *out, const dauys_manifest *m, int i, uint32_t v)
{
    for (size_t k = 0; k < dauys_crosscheck_field_total(m); k++) {
        out[k] = value(m, i, v, k);
    }
}

/* The answer rows of a protocol or summary (TABLE, KEY columns bound by the
 * caller's SQL) from values V: ballots then answers, per question. */
static void
answers(dauys_workspace *ws, const char *sql_protocol, const char *sql_summary, const char *level,
        const char *id, uint32_t version, const uint64_t *v)
{
    const dauys_manifest *m = &ws->manifest;

    for (size_t q = 0; q < m->question_count; q++) {
        const uint64_t *b = m->ballot == DAUYS_BALLOT_SINGLE ? v + 1 : v + 1 + 8 * q;
        const uint64_t *a = m->ballot == DAUYS_BALLOT_SINGLE ? v + 5 + 4 * q : v + 5 + 8 * q;
        if (level == NULL) {
            run_sql(ws, sql_protocol, "titiiiiiiii", id, (int64_t) version, m->question[q].id,
                    (int64_t) b[0], (int64_t) b[1], (int64_t) b[2], (int64_t) b[3], (int64_t) a[0],
                    (int64_t) a[1], (int64_t) a[2], (int64_t) a[3]);
        } else {
            run_sql(ws, sql_summary, "ttitiiiiiiii", level, id, (int64_t) version,
                    m->question[q].id, (int64_t) b[0], (int64_t) b[1], (int64_t) b[2],
                    (int64_t) b[3], (int64_t) a[0], (int64_t) a[1], (int64_t) a[2], (int64_t) a[3]);
        }
    }
}

static const char insert_protocol_answer[] =
    "INSERT INTO protocol_answer(precinct, version, question, received, issued, cancelled, "
    "in_boxes, yes, no, not_counted, invalid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
    "?11)";
static const char insert_summary_answer[] =
    "INSERT INTO summary_answer(level, area, version, question, received, issued, cancelled, "
    "in_boxes, yes, no, not_counted, invalid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
    "?11, ?12)";

/* Precinct I's protocol version V in STATE, with its values. */
static void
add_protocol(dauys_workspace *ws, int i, uint32_t v, const char *state)
{
    uint64_t vals[DAUYS_CROSSCHECK_FIELDS_MAX];
    char id[8];

    snprintf(id, sizeof id, "P%02d", i);
    protocol_values(vals, &ws->manifest, i, v);
    run_sql(ws,
            "INSERT INTO protocol(precinct, version, submission, state, on_list) "
            "VALUES (?1, ?2, ?3, ?4, ?5)",
            "tiiti", id, (int64_t) v, next_submission++, state, (int64_t) vals[0]);
    answers(ws, insert_protocol_answer, NULL, NULL, id, v, vals);
}

/* Marks precinct I's protocol version V STATE. */
static void
set_protocol(dauys_workspace *ws, int i, uint32_t v, const char *state)
{
    char id[8];

    snprintf(id, sizeof id, "P%02d", i);
    run_sql(ws, "UPDATE protocol SET state = ?3 WHERE precinct = ?1 AND version = ?2", "tit", id,
            (int64_t) v, state);
}

typedef struct listed {
    const char *id;
    uint32_t version;
} listed;

/* The summary of LEVEL AREA version V in STATE, listing ITEMS (N, id order), with values VALS. */
static void
add_summary(dauys_workspace *ws, const char *level, const char *area, uint32_t v, const char *state,
            const listed *items, size_t n, const uint64_t *vals)
{
    run_sql(ws,
            "INSERT INTO summary(level, area, version, submission, state, on_list) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            "ttiiti", level, area, (int64_t) v, next_submission++, state, (int64_t) vals[0]);
    for (size_t i = 0; i < n; i++) {
        run_sql(ws,
                "INSERT INTO summary_item(level, area, version, item, item_version) "
                "VALUES (?1, ?2, ?3, ?4, ?5)",
                "ttiti", level, area, (int64_t) v, items[i].id, (int64_t) items[i].version);
    }
    answers(ws, NULL, insert_summary_answer, level, area, v, vals);
}

/* Removes every summary of LEVEL AREA. */
static void
drop_summaries(dauys_workspace *ws, const char *level, const char *area)
{
    static const char *const sql[] = {
        "DELETE FROM summary_answer WHERE level = ?1 AND area = ?2",
        "DELETE FROM summary_item WHERE level = ?1 AND area = ?2",
        "DELETE FROM summary WHERE level = ?1 AND area = ?2",
    };
    for (size_t i = 0; i < 3; i++) {
        run_sql(ws, sql[i], "tt", level, area);
    }
}

/* The sums of the protocols ITEMS (N) at the versions given, for M. */
static void
sum_protocols(uint64_t *out, const dauys_manifest *m, const listed *items, size_t n)
{
    size_t fields = dauys_crosscheck_field_total(m);

    memset(out, 0, fields * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        int p = atoi(items[i].id + 1);
        for (size_t k = 0; k < fields; k++) {
            out[k] += value(m, p, items[i].version, k);
        }
    }
}

/* Every precinct of D1 to D3 with version 1 current. */
static void
add_all_protocols(dauys_workspace *ws)
{
    for (int i = 1; i <= PRECINCTS; i++) {
        add_protocol(ws, i, 1, "current");
    }
}

static const listed d1_all[] = {{"P01", 1}, {"P02", 1}, {"P03", 1}, {"P04", 1}};
static const listed d2_all[] = {{"P05", 1}, {"P06", 1}, {"P07", 1}};

/* The area of CC at LEVEL named ID. */
static const dauys_crosscheck_area *
area(const dauys_crosscheck *cc, dauys_level level, const char *id)
{
    for (size_t i = 0; i < cc->area_count; i++) {
        const dauys_crosscheck_area *a = &cc->area[i];
        if (a->level == level && a->place->id_len == strlen(id) &&
            memcmp(a->place->id, id, a->place->id_len) == 0) {
            return a;
        }
    }
    fail_msg("no area %s", id);
    return NULL;
}

/* The statement's lines from "crosscheck" on, for WS's tally (malloc'ed; "" when none). */
static char *
statement_crosscheck(dauys_workspace *ws)
{
    uint8_t root[32] = {0};
    dauys_tally t;
    dauys_error err;
    char *out = NULL, *at, *copy;
    size_t len;

    assert_int_equal(dauys_tally_compute(&t, ws, &err), 0);
    assert_int_equal(dauys_result_format(&out, &len, &t, 1, root, NULL, &err), 0);
    at = strstr(out, "crosscheck");
    assert_true(at == NULL || strstr(out, "\nadopted: ") < at); /* after the questions */
    at = at != NULL ? at : "";
    copy = malloc(strlen(at) + 1);
    assert_non_null(copy);
    memcpy(copy, at, strlen(at) + 1);
    dauys_free(out);
    dauys_tally_free(&t);
    return copy;
}

static void
compute(dauys_crosscheck *cc, dauys_workspace *ws)
{
    dauys_error err;

    assert_int_equal(dauys_crosscheck_compute(cc, ws, &ws->manifest, &err), 0);
}

static void
test_agrees(void **state)
{
    char *wsdir = make_workspace("agrees", 0, 1);
    dauys_workspace *ws = open_rows(wsdir);
    uint64_t sum[DAUYS_CROSSCHECK_FIELDS_MAX];
    dauys_crosscheck cc;
    char *lines;

    (void) state;
    add_all_protocols(ws);
    sum_protocols(sum, &ws->manifest, d1_all, 4);
    add_summary(ws, "district", "D1", 1, "current", d1_all, 4, sum);
    compute(&cc, ws);
    assert_int_equal(cc.area_count, 4); /* D1, D2, D3, R1 */
    assert_int_equal(cc.area[0].level, DAUYS_LEVEL_DISTRICT);
    assert_int_equal(cc.area[3].level, DAUYS_LEVEL_REGION);
    const dauys_crosscheck_area *a = area(&cc, DAUYS_LEVEL_DISTRICT, "D1");
    assert_int_equal(a->state, DAUYS_CROSSCHECK_AGREES);
    assert_int_equal(a->version, 1);
    assert_int_equal(a->item_count, 4);
    assert_int_equal(a->field_count, 0);
    assert_int_equal(a->off_count, 0);
    assert_int_equal(a->summed_count, 4);
    assert_int_equal(cc.agrees, 1);
    assert_int_equal(cc.none, 3);
    dauys_crosscheck_free(&cc);
    lines = statement_crosscheck(ws);
    assert_string_equal(lines, "crosscheck: district D1 version 1 items 4 agrees\n"
                               "crosscheck: district D2 none\n"
                               "crosscheck: district D3 none\n"
                               "crosscheck: region R1 none\n");
    free(lines);
    dauys_workspace_close(ws);
    free(wsdir);
}

/* Each field of D1's summary one more than the sum: found alone, with both numbers. */
static void
test_each_field(void **state)
{
    char *wsdir = make_workspace("fields", 0, 1);
    dauys_workspace *ws = open_rows(wsdir);
    uint64_t sum[DAUYS_CROSSCHECK_FIELDS_MAX], altered[DAUYS_CROSSCHECK_FIELDS_MAX];
    size_t fields = dauys_crosscheck_field_total(&ws->manifest);
    char name[DAUYS_CROSSCHECK_FIELD_NAME_MAX + 1], want[256];

    (void) state;
    assert_int_equal(fields, 5 + 4 * QUESTIONS);
    add_all_protocols(ws);
    sum_protocols(sum, &ws->manifest, d1_all, 4);
    for (size_t k = 0; k < fields; k++) {
        dauys_crosscheck cc;
        memcpy(altered, sum, sizeof altered);
        altered[k] += 1 + k;
        drop_summaries(ws, "district", "D1");
        add_summary(ws, "district", "D1", 1, "current", d1_all, 4, altered);
        compute(&cc, ws);
        const dauys_crosscheck_area *a = area(&cc, DAUYS_LEVEL_DISTRICT, "D1");
        assert_int_equal(a->state, DAUYS_CROSSCHECK_DIFFERS);
        assert_int_equal(a->field_count, 1);
        assert_int_equal(a->field[0].index, k);
        assert_int_equal(a->field[0].summary, sum[k] + 1 + k);
        assert_int_equal(a->field[0].counted, sum[k]);
        assert_int_equal(a->off_count, 0);
        assert_int_equal(a->summed_count, 4);
        dauys_crosscheck_free(&cc);
        char *lines = statement_crosscheck(ws);
        dauys_crosscheck_field_name(name, &ws->manifest, k);
        snprintf(want, sizeof want,
                 "crosscheck: district D1 version 1 items 4 differs\n"
                 "crosscheck-field: %s summary %llu counted %llu\n"
                 "crosscheck: district D2 none\n",
                 name, (unsigned long long) (sum[k] + 1 + k), (unsigned long long) sum[k]);
        assert_memory_equal(lines, want, strlen(want));
        free(lines);
    }
    dauys_crosscheck_field_name(name, &ws->manifest, 0);
    assert_string_equal(name, "citizens_on_list");
    dauys_crosscheck_field_name(name, &ws->manifest, 4);
    assert_string_equal(name, "ballots_in_boxes");
    dauys_crosscheck_field_name(name, &ws->manifest, 5 + 4 + 2);
    assert_string_equal(name, "q2_not_counted");
    dauys_workspace_close(ws);
    free(wsdir);
}

/* Missing, superseded since, omitted, and a listed version that does not count. */
static void
test_off_items(void **state)
{
    char *wsdir = make_workspace("off", 0, 1);
    dauys_workspace *ws = open_rows(wsdir);
    uint64_t sum[DAUYS_CROSSCHECK_FIELDS_MAX], counted[DAUYS_CROSSCHECK_FIELDS_MAX];
    dauys_crosscheck cc;
    char *lines;

    (void) state;
    add_all_protocols(ws);
    /* the summary as its commission made it: P01-P04 at version 1, equal */
    sum_protocols(sum, &ws->manifest, d1_all, 4);
    add_summary(ws, "district", "D1", 1, "current", d1_all, 4, sum);
    /* then P02 is corrected: version 2 counts, the check re-opens */
    set_protocol(ws, 2, 1, "superseded");
    add_protocol(ws, 2, 2, "current");
    compute(&cc, ws);
    const dauys_crosscheck_area *a = area(&cc, DAUYS_LEVEL_DISTRICT, "D1");
    const listed now[] = {{"P01", 1}, {"P02", 2}, {"P03", 1}, {"P04", 1}};
    sum_protocols(counted, &ws->manifest, now, 4);
    assert_int_equal(a->state, DAUYS_CROSSCHECK_DIFFERS);
    /* value() adds the version: every field is one more in version 2 */
    assert_int_equal(a->field_count, dauys_crosscheck_field_total(&ws->manifest));
    assert_int_equal(a->field[3].summary, sum[3]);
    assert_int_equal(a->field[3].counted, counted[3]);
    assert_int_equal(a->off_count, 1);
    assert_string_equal(a->entry[1].id, "P02");
    assert_int_equal(a->entry[1].listed, 1);
    assert_int_equal(a->entry[1].counted, 2);
    assert_string_equal(dauys_crosscheck_item_problem(&a->entry[1]), "superseded");
    assert_null(dauys_crosscheck_item_problem(&a->entry[0]));
    dauys_crosscheck_free(&cc);
    lines = statement_crosscheck(ws);
    /* P01-P04: 4 x 5000000 + 100 x (1 + 2 + 3 + 4) + 4 versions; 4 x 100000 more */
    assert_non_null(strstr(lines, "crosscheck: district D1 version 1 items 4 differs\n"
                                  "crosscheck-field: citizens_on_list summary 20001004 counted "
                                  "20001005\ncrosscheck-field: ballots_received summary 401004 "
                                  "counted 401005\n"));
    assert_non_null(strstr(lines, "crosscheck-item: P02 listed 1 counted 2\n"
                                  "crosscheck: district D2 none\n"));
    free(lines);

    /* a summary listing P01 at 1, P02 at 3 (not counted), P03 (no protocol
     * counts: missing), and not P04 (omitted), its numbers those of P01 and P03 */
    set_protocol(ws, 3, 1, "conflicted");
    const listed odd[] = {{"P01", 1}, {"P02", 3}, {"P03", 1}};
    const listed summed[] = {{"P01", 1}, {"P02", 2}};
    sum_protocols(sum, &ws->manifest, summed, 2);
    drop_summaries(ws, "district", "D1");
    add_summary(ws, "district", "D1", 2, "current", odd, 3, sum);
    compute(&cc, ws);
    a = area(&cc, DAUYS_LEVEL_DISTRICT, "D1");
    assert_int_equal(a->state, DAUYS_CROSSCHECK_DIFFERS);
    assert_int_equal(a->field_count, 0); /* summed: P01 v1 and P02 v2 */
    assert_int_equal(a->summed_count, 2);
    assert_int_equal(a->off_count, 3);
    assert_int_equal(a->entry_count, 4);
    assert_string_equal(dauys_crosscheck_item_problem(&a->entry[1]), "not-counted");
    assert_string_equal(dauys_crosscheck_item_problem(&a->entry[2]), "missing");
    assert_string_equal(dauys_crosscheck_item_problem(&a->entry[3]), "omitted");
    dauys_crosscheck_free(&cc);
    lines = statement_crosscheck(ws);
    assert_non_null(strstr(lines, "crosscheck: district D1 version 2 items 3 differs\n"
                                  "crosscheck-item: P02 listed 3 counted 2\n"
                                  "crosscheck-item: P03 listed 1 counted -\n"
                                  "crosscheck-item: P04 listed - counted 1\n"
                                  "crosscheck: district D2 none\n"));
    free(lines);
    dauys_workspace_close(ws);
    free(wsdir);
}

/* R1 over D1 and D2: agrees; D2's summary altered shows at the region only
 * when the region's numbers are not those of the summary it summed. */
static void
test_region(void **state)
{
    char *wsdir = make_workspace("region", 0, 1);
    dauys_workspace *ws = open_rows(wsdir);
    uint64_t d1[DAUYS_CROSSCHECK_FIELDS_MAX], d2[DAUYS_CROSSCHECK_FIELDS_MAX];
    uint64_t r1[DAUYS_CROSSCHECK_FIELDS_MAX];
    size_t fields;
    const listed districts[] = {{"D1", 1}, {"D2", 1}};
    const dauys_crosscheck_area *a;
    dauys_crosscheck cc;
    char *lines;

    (void) state;
    fields = dauys_crosscheck_field_total(&ws->manifest);
    add_all_protocols(ws);
    sum_protocols(d1, &ws->manifest, d1_all, 4);
    sum_protocols(d2, &ws->manifest, d2_all, 3);
    add_summary(ws, "district", "D1", 1, "current", d1_all, 4, d1);
    add_summary(ws, "district", "D2", 1, "current", d2_all, 3, d2);
    for (size_t k = 0; k < fields; k++) {
        r1[k] = d1[k] + d2[k];
    }
    add_summary(ws, "region", "R1", 1, "current", districts, 2, r1);
    compute(&cc, ws);
    assert_int_equal(cc.agrees, 3);
    assert_int_equal(cc.none, 1); /* D3 */
    a = area(&cc, DAUYS_LEVEL_REGION, "R1");
    assert_int_equal(a->state, DAUYS_CROSSCHECK_AGREES);
    assert_int_equal(a->summed_count, 2);
    dauys_crosscheck_free(&cc);

    /* D2's commission moves 7 votes from no to yes on q1 (fields 5 and 6),
     * and R1 sums that summary: D2 differs, R1 agrees with what it summed */
    d2[5] += 7, d2[6] -= 7;
    drop_summaries(ws, "district", "D2");
    add_summary(ws, "district", "D2", 1, "current", d2_all, 3, d2);
    drop_summaries(ws, "region", "R1");
    r1[5] += 7, r1[6] -= 7;
    add_summary(ws, "region", "R1", 1, "current", districts, 2, r1);
    compute(&cc, ws);
    a = area(&cc, DAUYS_LEVEL_DISTRICT, "D2");
    assert_int_equal(a->state, DAUYS_CROSSCHECK_DIFFERS);
    assert_int_equal(a->field_count, 2);
    assert_int_equal(a->field[0].index, 5);
    assert_int_equal(a->field[0].summary, a->field[0].counted + 7);
    assert_int_equal(area(&cc, DAUYS_LEVEL_REGION, "R1")->state, DAUYS_CROSSCHECK_AGREES);
    dauys_crosscheck_free(&cc);

    /* R1's numbers from the precincts instead: R1 differs from D2's summary too */
    r1[5] -= 7, r1[6] += 7;
    drop_summaries(ws, "region", "R1");
    add_summary(ws, "region", "R1", 1, "current", districts, 2, r1);
    lines = statement_crosscheck(ws);
    char want[512];
    snprintf(want, sizeof want,
             "crosscheck: region R1 version 1 items 2 differs\n"
             "crosscheck-field: q1_yes summary %llu counted %llu\n"
             "crosscheck-field: q1_no summary %llu counted %llu\n",
             (unsigned long long) r1[5], (unsigned long long) (r1[5] + 7),
             (unsigned long long) r1[6], (unsigned long long) (r1[6] - 7));
    assert_non_null(strstr(lines, want));
    free(lines);

    /* D2's summary in conflict: none current, so R1's D2 is missing, and D2 none */
    run_sql(ws, "UPDATE summary SET state = 'conflicted' WHERE level = ?1 AND area = ?2", "tt",
            "district", "D2");
    compute(&cc, ws);
    assert_int_equal(area(&cc, DAUYS_LEVEL_DISTRICT, "D2")->state, DAUYS_CROSSCHECK_NONE);
    a = area(&cc, DAUYS_LEVEL_REGION, "R1");
    assert_int_equal(a->off_count, 1);
    assert_string_equal(a->entry[1].id, "D2");
    assert_int_equal(a->entry[1].counted, 0);
    assert_int_equal(a->summed_count, 1);
    dauys_crosscheck_free(&cc);
    lines = statement_crosscheck(ws);
    assert_non_null(strstr(lines, "crosscheck: district D2 none\n"));
    assert_non_null(strstr(lines, "crosscheck-item: D2 listed 1 counted -\n"));
    free(lines);
    dauys_workspace_close(ws);
    free(wsdir);
}

/* A conflicted summary (none current) is `none`; the statement says so. */
static void
test_conflicted_none(void **state)
{
    char *wsdir = make_workspace("conflicted", 0, 1);
    dauys_workspace *ws = open_rows(wsdir);
    uint64_t sum[DAUYS_CROSSCHECK_FIELDS_MAX];
    const listed p08[] = {{"P08", 1}};
    dauys_crosscheck cc;

    (void) state;
    add_all_protocols(ws);
    sum_protocols(sum, &ws->manifest, p08, 1);
    add_summary(ws, "district", "D3", 1, "conflicted", p08, 1, sum);
    compute(&cc, ws);
    assert_int_equal(area(&cc, DAUYS_LEVEL_DISTRICT, "D3")->state, DAUYS_CROSSCHECK_NONE);
    assert_int_equal(cc.none, 4);
    dauys_crosscheck_free(&cc);
    dauys_workspace_close(ws);
    free(wsdir);
}

/* Without commissions: no area, no line, and the summarizer refuses. */
static void
test_no_commissions(void **state)
{
    char *wsdir = make_workspace("plain", 0, 0);
    dauys_workspace *ws = open_rows(wsdir);
    dauys_crosscheck cc;
    dauys_error err;
    char *lines, *out;
    size_t len;

    (void) state;
    add_all_protocols(ws);
    compute(&cc, ws);
    assert_int_equal(cc.area_count, 0);
    dauys_crosscheck_free(&cc);
    lines = statement_crosscheck(ws);
    assert_string_equal(lines, "");
    free(lines);
    assert_int_equal(
        dauys_crosscheck_summarize(&out, &len, ws, DAUYS_LEVEL_DISTRICT, "D1", 1, NULL, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "the district D1 has no commission in the manifest in force");
    dauys_workspace_close(ws);
    free(wsdir);
}

/* Parses summary TEXT with the manifest of workspace NAME read whole. */
static void
parse_summary(dauys_summary *s, const char *wsdir, const dauys_workspace *ws, const char *text,
              size_t len)
{
    dauys_error err;

    (void) wsdir;
    assert_false(ws->manifest.frame); /* dauys_workspace_open: the whole roster */
    if (dauys_summary_parse(s, text, len, "summary.txt", &ws->manifest, &err) != 0) {
        fail_msg("%s\n%s", err.message, text);
    }
}

/* dauys summarize's file: parses, names what is current, and agrees once stored. */
static void
summarize_mode(const char *name, int separate)
{
    char *wsdir = make_workspace(name, separate, 1);
    dauys_workspace *ws = open_rows(wsdir);
    uint64_t want[DAUYS_CROSSCHECK_FIELDS_MAX];
    const listed now[] = {{"P01", 1}, {"P02", 2}, {"P04", 1}};
    dauys_summary s;
    dauys_crosscheck cc;
    dauys_error err;
    char *out;
    size_t len;

    add_all_protocols(ws);
    set_protocol(ws, 2, 1, "superseded");
    add_protocol(ws, 2, 2, "current");
    set_protocol(ws, 3, 1, "conflicted");
    assert_int_equal(
        dauys_crosscheck_summarize(&out, &len, ws, DAUYS_LEVEL_DISTRICT, "D1", 1, NULL, &err), 0);
    assert_int_equal(strlen(out), len);
    assert_memory_equal(out,
                        "format: dauys-summary 1\nreferendum: kz-cc\nlevel: district\narea: D1\n"
                        "version: 1\nsums: P01 1\nsums: P02 2\nsums: P04 1\ncitizens_on_list: ",
                        strlen("format: dauys-summary 1\nreferendum: kz-cc\nlevel: district\n"
                               "area: D1\nversion: 1\nsums: P01 1\nsums: P02 2\nsums: P04 1\n"
                               "citizens_on_list: "));
    parse_summary(&s, wsdir, ws, out, len);
    sum_protocols(want, &ws->manifest, now, 3);
    assert_int_equal(s.item_count, 3);
    assert_int_equal(s.item[1].version, 2);
    assert_int_equal(s.on_list, want[0]);
    if (separate) {
        assert_int_equal(s.answer[1].ballots.received, want[1 + 8]);
        assert_int_equal(s.answer[1].invalid, want[1 + 8 + 7]);
    } else {
        assert_int_equal(s.ballots.in_boxes, want[4]);
        assert_int_equal(s.answer[1].yes, want[5 + 4]);
    }
    dauys_summary_free(&s);
    /* stored as its commission would have it ingested: agrees */
    add_summary(ws, "district", "D1", 1, "current", now, 3, want);
    dauys_free(out);

    /* the region: D1's summary and a summarized D2 */
    assert_int_equal(
        dauys_crosscheck_summarize(&out, &len, ws, DAUYS_LEVEL_DISTRICT, "D2", 1, NULL, &err), 0);
    parse_summary(&s, wsdir, ws, out, len);
    sum_protocols(want, &ws->manifest, d2_all, 3);
    add_summary(ws, "district", "D2", 1, "current", d2_all, 3, want);
    dauys_summary_free(&s);
    dauys_free(out);
    assert_int_equal(dauys_crosscheck_summarize(&out, &len, ws, DAUYS_LEVEL_REGION, "R1", 2,
                                                "recounted at the region", &err),
                     0);
    parse_summary(&s, wsdir, ws, out, len);
    assert_string_equal(s.reason, "recounted at the region");
    assert_int_equal(s.item_count, 2);
    assert_string_equal(s.item[1].id, "D2");
    {
        const listed districts[] = {{"D1", 1}, {"D2", 1}};
        uint64_t r1[DAUYS_CROSSCHECK_FIELDS_MAX], d1[DAUYS_CROSSCHECK_FIELDS_MAX];
        sum_protocols(d1, &ws->manifest, now, 3);
        for (size_t k = 0; k < dauys_crosscheck_field_total(&ws->manifest); k++) {
            r1[k] = d1[k] + want[k];
        }
        assert_int_equal(s.on_list, r1[0]);
        add_summary(ws, "region", "R1", 2, "current", districts, 2, r1);
    }
    dauys_summary_free(&s);
    dauys_free(out);
    compute(&cc, ws);
    assert_int_equal(cc.agrees, 3);
    assert_int_equal(cc.differs, 0);
    dauys_crosscheck_free(&cc);

    /* refusals */
    assert_int_equal(
        dauys_crosscheck_summarize(&out, &len, ws, DAUYS_LEVEL_REGION, "R2", 1, NULL, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "the region R2 has no commission");
    assert_int_equal(
        dauys_crosscheck_summarize(&out, &len, ws, DAUYS_LEVEL_REGION, "D1", 1, NULL, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "no region \"D1\" in the manifest in force");
    set_protocol(ws, 8, 1, "conflicted");
    assert_int_equal(
        dauys_crosscheck_summarize(&out, &len, ws, DAUYS_LEVEL_DISTRICT, "D3", 1, NULL, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "district D3: no precinct of it has a current protocol");
    assert_int_equal(
        dauys_crosscheck_summarize(&out, &len, ws, DAUYS_LEVEL_DISTRICT, "D1", 2, NULL, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "version 2 needs a reason");
    assert_int_equal(
        dauys_crosscheck_summarize(&out, &len, ws, DAUYS_LEVEL_DISTRICT, "D1", 1, "why", &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "version 1 takes no reason");
    assert_int_equal(dauys_crosscheck_summarize(&out, &len, ws, DAUYS_LEVEL_DISTRICT, "D1", 2,
                                                "two\nlines", &err),
                     -1);
    assert_error(&err, DAUYS_E_FORMAT, "the summary:7");
    dauys_workspace_close(ws);
    free(wsdir);
}

static void
test_summarize_single(void **state)
{
    (void) state;
    summarize_mode("summarize-single", 0);
}

static void
test_summarize_separate(void **state)
{
    char name[DAUYS_CROSSCHECK_FIELD_NAME_MAX + 1];
    dauys_manifest m = {.ballot = DAUYS_BALLOT_SEPARATE, .question_count = 2};

    (void) state;
    strcpy(m.question[0].id, "q1");
    strcpy(m.question[1].id, "q2");
    assert_int_equal(dauys_crosscheck_field_total(&m), 17);
    dauys_crosscheck_field_name(name, &m, 9);
    assert_string_equal(name, "q2_ballots_received");
    dauys_crosscheck_field_name(name, &m, 16);
    assert_string_equal(name, "q2_invalid");
    summarize_mode("summarize-separate", 1);
}

/* The tally opened as the reporting commands open it (the manifest's frame) gives the same. */
static void
test_frame(void **state)
{
    char *wsdir = make_workspace("frame", 0, 1);
    dauys_workspace *ws = open_rows(wsdir), *reader;
    uint64_t sum[DAUYS_CROSSCHECK_FIELDS_MAX];
    dauys_error err;
    char *a, *b;

    (void) state;
    add_all_protocols(ws);
    sum_protocols(sum, &ws->manifest, d1_all, 3); /* P04 omitted */
    add_summary(ws, "district", "D1", 1, "current", d1_all, 3, sum);
    a = statement_crosscheck(ws);
    assert_int_equal(dauys_workspace_open_reader(&reader, wsdir, &err), 0);
    assert_true(reader->manifest.frame);
    b = statement_crosscheck(reader);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "crosscheck-item: P04 listed - counted 1\n"));
    free(a), free(b);
    dauys_workspace_close(reader);
    dauys_workspace_close(ws);
    free(wsdir);
}

/* With the k-th allocation failing, for every k until both succeed: the
 * crosscheck and the summarizer fail cleanly (DAUYS_E_NOMEM), leak nothing. */
static void
test_out_of_memory(void **state)
{
    char *wsdir = make_workspace("oom", 0, 1);
    dauys_workspace *ws = open_rows(wsdir);
    uint64_t sum[DAUYS_CROSSCHECK_FIELDS_MAX], d2[DAUYS_CROSSCHECK_FIELDS_MAX];
    const listed districts[] = {{"D1", 1}, {"D2", 1}};
    long k;

    (void) state;
    add_all_protocols(ws);
    sum_protocols(sum, &ws->manifest, d1_all, 3); /* P04 omitted: D1 differs */
    add_summary(ws, "district", "D1", 1, "current", d1_all, 3, sum);
    sum_protocols(d2, &ws->manifest, d2_all, 3);
    add_summary(ws, "district", "D2", 1, "current", d2_all, 3, d2);
    for (size_t f = 0; f < dauys_crosscheck_field_total(&ws->manifest); f++) {
        sum[f] += d2[f];
    }
    add_summary(ws, "region", "R1", 1, "current", districts, 2, sum);
    for (k = 0; k < 10000; k++) {
        dauys_crosscheck cc;
        dauys_error err;
        char *out = NULL;
        size_t len;
        support_alloc_install(k);
        int rc = dauys_crosscheck_compute(&cc, ws, &ws->manifest, &err);
        if (rc == 0) {
            assert_int_equal(cc.differs, 1);
            assert_int_equal(cc.agrees, 2);
        }
        dauys_crosscheck_free(&cc);
        if (rc == 0) {
            rc =
                dauys_crosscheck_summarize(&out, &len, ws, DAUYS_LEVEL_REGION, "R1", 1, NULL, &err);
            dauys_free(out);
        }
        long leaked = support_alloc_outstanding();
        support_alloc_restore();
        if (leaked != 0) {
            fail_msg("%ld allocations leaked when allocation %ld failed", leaked, k);
        }
        if (rc == 0) {
            break;
        }
        if (err.status != DAUYS_E_NOMEM) {
            fail_msg("allocation %ld failed but status is %s: %s", k, dauys_status_name(err.status),
                     err.message);
        }
    }
    assert_true(k > 0);
    assert_true(k < 10000);
    dauys_workspace_close(ws);
    free(wsdir);
}

static int
setup(void **state)
{
    (void) state;
    dir = support_tmpdir();
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    support_rmdir(dir);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agrees),
        cmocka_unit_test(test_each_field),
        cmocka_unit_test(test_off_items),
        cmocka_unit_test(test_region),
        cmocka_unit_test(test_conflicted_none),
        cmocka_unit_test(test_no_commissions),
        cmocka_unit_test(test_summarize_single),
        cmocka_unit_test(test_summarize_separate),
        cmocka_unit_test(test_frame),
        cmocka_unit_test(test_out_of_memory),
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
