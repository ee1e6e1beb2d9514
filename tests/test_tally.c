/*
 * test_tally.c: the tally end to end inside the library: a referendum of 20
 * regions is built with real keys, protocols are signed and ingested, and the
 * totals and verdicts are checked against sums computed here independently:
 * 14 regions with a majority adopt a constitutional question, 13 do not.
 */
#include "tests/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "core/alloc.h"
#include "ingest/ingest.h"
#include "keys/keys.h"
#include "sql/sql.h"
#include "tally/tally.h"

/* Both sources of totals, in one order, for comparison. */
static const char dauys_sql_tally_by_district_sorted[] =
    "SELECT * FROM (SELECT district, question, reporting, eligible, took_part, yes, no, "
    "not_counted, invalid FROM district_total WHERE reporting > 0) ORDER BY 1, 2";
static char dauys_sql_recount_sorted[4096];

#define REGIONS 20
#define PER_REGION 3
#define PRECINCTS (REGIONS * PER_REGION)

static const char *dir;
static dauys_seckey *sk[PRECINCTS];
static dauys_pubkey pk[PRECINCTS];

/* A workspace for 20 regions x 3 precincts with a constitutional question. */
static char *
make_workspace(const char *name)
{
    char *text = malloc(64 * 1024), *p = text, b64[57], m[512], c[512], pub[200];
    char *ws = support_path(dir, name);
    dauys_seckey *central;
    dauys_pubkey central_pk;
    dauys_error err;

    assert_int_equal(dauys_keys_generate(&central_pk, &central, &err), 0);
    p += sprintf(p, "format: dauys-manifest 1\nreferendum: kz-tally\ntitle: Tally test\n"
                    "date: 2026-03-15\nmode: test\nversion: 1\nballot: single\n"
                    "question: q1 kz-constitutional Do you agree?\n");
    for (int r = 0; r < REGIONS; r++) {
        p += sprintf(p, "region: R%02d oblast Region %d\n", r, r);
    }
    for (int r = 0; r < REGIONS; r++) {
        p += sprintf(p, "district: D%02d R%02d District %d\n", r, r, r);
    }
    for (int i = 0; i < PRECINCTS; i++) {
        dauys_keys_pubkey_to_base64(b64, &pk[i]);
        p += sprintf(p, "precinct: P%03d D%02d 1000 %s School %d\n", i, i / PER_REGION, b64, i);
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

/* Precinct I's protocol: 1000 on the list, 700 took part, YES of them yes. */
static void
protocol_text(char *out, size_t size, int i, unsigned yes)
{
    snprintf(out, size,
             "format: dauys-protocol 1\nreferendum: kz-tally\nprecinct: P%03d\nversion: 1\n"
             "citizens_on_list: 1000\nballots_received: 800\nballots_issued: 700\n"
             "ballots_cancelled: 100\nballots_in_boxes: 700\nq1_yes: %u\nq1_no: %u\n"
             "q1_not_counted: 5\nq1_invalid: 5\n",
             i, yes, 690 - yes);
}

/* Ingests every precinct; regions below MAJORITY_REGIONS get a minority of
 * 350 yes (exactly half: not a majority), the rest 351. Returns the tally. */
static void
run(dauys_tally *t, dauys_workspace **ws, const char *name, int majority_regions, uint64_t *yes_sum)
{
    char *wsdir = make_workspace(name), *in, proto[1024], file[64];
    dauys_ingest_summary sum;
    dauys_error err;

    char in_name[64];
    snprintf(in_name, sizeof in_name, "%s-in", name);
    in = support_path(dir, in_name);
    assert_int_equal(mkdir(in, 0700), 0);
    *yes_sum = 0;
    for (int i = 0; i < PRECINCTS; i++) {
        unsigned yes = i / PER_REGION < majority_regions ? 351 : 350;
        protocol_text(proto, sizeof proto, i, yes);
        snprintf(file, sizeof file, "P%03d.txt", i);
        support_write_signed(in, file, proto, sk[i]);
        *yes_sum += yes;
    }
    assert_int_equal(dauys_workspace_open(ws, wsdir, &err), 0);
    assert_int_equal(dauys_ingest(*ws, &in, 1, 2, &sum, NULL, &err), 0);
    assert_int_equal(sum.accepted, PRECINCTS);
    assert_int_equal(dauys_tally_compute(t, *ws, &err), 0);
    free(wsdir);
    free(in);
}

static void
test_fourteen_of_twenty_adopts(void **state)
{
    dauys_workspace *ws;
    dauys_tally t;
    uint64_t yes;

    (void) state;
    run(&t, &ws, "fourteen", 14, &yes);
    assert_true(t.final);
    assert_int_equal(t.reporting, PRECINCTS);
    assert_int_equal(t.missing_count, 0);
    assert_int_equal(t.missing_shown, 0);
    assert_int_equal(t.q[0].nation.counts.eligible, 1000 * PRECINCTS);
    assert_int_equal(t.q[0].nation.counts.took_part, 700 * PRECINCTS);
    assert_int_equal(t.q[0].nation.counts.yes, yes);
    assert_int_equal(t.q[0].nation.counts.invalid, 5 * PRECINCTS);
    assert_int_equal(t.q[0].region[0].counts.yes, 3 * 351);
    assert_int_equal(t.q[0].region[19].counts.yes, 3 * 350);
    assert_int_equal(t.q[0].district[5].reporting, PER_REGION);
    assert_int_equal(t.q[0].verdict.regions_with_majority, 14);
    assert_true(t.q[0].verdict.valid);
    assert_true(t.q[0].verdict.adopted);
    dauys_tally_free(&t);
    dauys_workspace_close(ws);
}

static void
test_thirteen_of_twenty_does_not(void **state)
{
    dauys_workspace *ws;
    dauys_tally t;
    uint64_t yes;

    (void) state;
    run(&t, &ws, "thirteen", 13, &yes);
    assert_int_equal(t.q[0].verdict.regions_with_majority, 13);
    assert_true(t.q[0].verdict.valid);
    assert_false(t.q[0].verdict.adopted);
    assert_int_equal(t.q[0].verdict.rule[2].needed, 14);
    dauys_tally_free(&t);
    dauys_workspace_close(ws);
}

/* The totals the triggers keep equal a recount from the protocols, after
 * corrections and a conflict have taken versions out of the count. */
static void
test_totals_match_recount(void **state)
{
    dauys_workspace *ws;
    dauys_tally t;
    dauys_ingest_summary sum;
    dauys_error err;
    uint64_t yes;
    char *in = support_path(dir, "recount-later"), proto[1024], text[1200], file[64];
    sqlite3_stmt *a, *b;

    (void) state;
    run(&t, &ws, "recount", 14, &yes);
    dauys_tally_free(&t);
    assert_int_equal(mkdir(in, 0700), 0);
    for (int i = 0; i < 6; i++) { /* corrections: version 2 with other numbers */
        protocol_text(proto, sizeof proto, i, 300);
        char *v = strstr(proto, "version: 1\n");
        snprintf(text, sizeof text, "%.*sversion: 2\nreason: recount\n%s", (int) (v - proto), proto,
                 v + strlen("version: 1\n"));
        snprintf(file, sizeof file, "P%03d-v2.txt", i);
        support_write_signed(in, file, text, sk[i]);
    }
    protocol_text(proto, sizeof proto, 10, 349); /* a second, different version 1: conflict */
    support_write_signed(in, "P010-b.txt", proto, sk[10]);
    assert_int_equal(dauys_ingest(ws, &in, 1, 2, &sum, NULL, &err), 0);
    assert_int_equal(sum.corrections, 6);
    assert_int_equal(sum.conflicts, 1);
    assert_int_equal(sqlite3_prepare_v2(ws->db, dauys_sql_tally_by_district_sorted, -1, &a, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(ws->db, dauys_sql_recount_sorted, -1, &b, NULL), SQLITE_OK);
    int rows = 0;
    for (;;) {
        int ra = sqlite3_step(a), rb = sqlite3_step(b);
        assert_int_equal(ra, rb);
        if (ra != SQLITE_ROW) {
            break;
        }
        for (int c = 2; c < 9; c++) {
            assert_int_equal(sqlite3_column_int64(a, c), sqlite3_column_int64(b, c));
        }
        rows++;
    }
    sqlite3_finalize(a);
    sqlite3_finalize(b);
    assert_int_equal(rows, REGIONS); /* one district per region, one question */
    assert_int_equal(dauys_tally_compute(&t, ws, &err), 0);
    assert_int_equal(t.reporting, PRECINCTS - 1); /* the conflicted precinct counts nothing */
    assert_int_equal(t.q[0].nation.counts.yes, yes - 6 * 351 + 6 * 300 - 351); /* P010: region 3 */
    dauys_tally_free(&t);
    dauys_workspace_close(ws);
    free(in);
}

/*
 * A bind SQLite refuses fails the ingest, and nothing of it is kept. The
 * signature file here (a long trusted comment) is over the connection's
 * length limit and the protocol under it: a refused bind used to be ignored,
 * and the submission was recorded with no signature.
 */
static void
test_refused_bind_records_nothing(void **state)
{
    char *wsdir = make_workspace("bind"), *in = support_path(dir, "bind-in"), proto[1024];
    char comment[1200], sigtext[DAUYS_KEYS_SIGNATURE_TEXT_MAX];
    uint8_t h[DAUYS_KEYS_PREHASH_BYTES];
    dauys_signature sig;
    dauys_workspace *ws;
    dauys_ingest_summary sum;
    dauys_error err;
    sqlite3_stmt *count_submissions;

    (void) state;
    assert_int_equal(mkdir(in, 0700), 0);
    protocol_text(proto, sizeof proto, 0, 351);
    memset(comment, 'c', sizeof comment - 1);
    comment[sizeof comment - 1] = '\0';
    dauys_keys_prehash(h, proto, strlen(proto));
    assert_int_equal(dauys_keys_sign_prehashed(&sig, h, comment, sk[0], &err), 0);
    assert_int_equal(dauys_keys_signature_encode(sigtext, sizeof sigtext, &sig, NULL, &err), 0);
    assert_true(strlen(proto) < 1000 && strlen(sigtext) > 1000);
    free(support_write(in, "P000.txt", proto, strlen(proto), 0644));
    free(support_write(in, "P000.txt.minisig", sigtext, strlen(sigtext), 0644));
    assert_int_equal(dauys_workspace_open(&ws, wsdir, &err), 0);
    sqlite3_limit(ws->db, SQLITE_LIMIT_LENGTH, 1000);
    assert_int_equal(dauys_ingest(ws, &in, 1, 1, &sum, NULL, &err), -1);
    assert_error(&err, DAUYS_E_DATABASE, "binding a submission: string or blob too big");
    assert_int_equal(ws->head.range.size, 1); /* the manifest's entry alone */
    assert_int_equal(
        sqlite3_prepare_v2(ws->db, "SELECT count(*) FROM submission", -1, &count_submissions, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(count_submissions), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(count_submissions, 0), 0);
    sqlite3_finalize(count_submissions);
    dauys_workspace_close(ws);
    free(wsdir);
    free(in);
}

/* Before any protocol: provisional, nothing counted, not valid. */
static void
test_empty_is_provisional(void **state)
{
    char *wsdir = make_workspace("empty");
    dauys_workspace *ws;
    dauys_tally t;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_workspace_open(&ws, wsdir, &err), 0);
    assert_int_equal(dauys_tally_compute(&t, ws, &err), 0);
    assert_false(t.final);
    assert_int_equal(t.reporting, 0);
    assert_int_equal(t.expected, PRECINCTS);
    assert_int_equal(t.q[0].region[3].expected, PER_REGION);
    assert_false(t.q[0].verdict.valid);
    /* every precinct is missing: counted, and the first few named in id order */
    assert_int_equal(t.missing_count, PRECINCTS);
    assert_int_equal(t.missing_shown, DAUYS_TALLY_MISSING_SHOWN);
    assert_string_equal(t.missing[0], "P000");
    assert_string_equal(t.missing[DAUYS_TALLY_MISSING_SHOWN - 1], "P019");
    assert_int_equal(t.warning_codes, 0);
    dauys_tally_free(&t);
    dauys_workspace_close(ws);
    free(wsdir);
}

static int
setup(void **state)
{
    dauys_error err;

    (void) state;
    dir = support_tmpdir();
    for (int i = 0; i < PRECINCTS; i++) {
        if (dauys_keys_generate(&pk[i], &sk[i], &err) != 0) {
            return -1;
        }
    }
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    for (int i = 0; i < PRECINCTS; i++) {
        dauys_keys_seckey_free(sk[i]);
    }
    support_rmdir(dir);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fourteen_of_twenty_adopts),
        cmocka_unit_test(test_thirteen_of_twenty_does_not),
        cmocka_unit_test(test_totals_match_recount),
        cmocka_unit_test(test_empty_is_provisional),
        cmocka_unit_test(test_refused_bind_records_nothing),
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    snprintf(dauys_sql_recount_sorted, sizeof dauys_sql_recount_sorted,
             "SELECT * FROM (%s) ORDER BY 1, 2", dauys_sql_tally_recount);
    return cmocka_run_group_tests(tests, setup, teardown);
}
