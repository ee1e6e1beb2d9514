/*
 * test_audit_crosscheck.c: the audit's side of summary protocols (issue 19):
 * C1, A3 and C3 for each summary's entry, and X1, the audit's own
 * crosscheck (audit/crosscheck.c). A referendum on separate ballots (so
 * that the field names are the per-question ones) with two regions: R1
 * (districts D1 and D2, each with a commission, and a commission of its
 * own) and R2 (district D3, no commission). The summaries are written and
 * summed here in C, so that the crosscheck lines the tests expect come from
 * neither the tally nor the audit. Two rounds, each published and audited:
 *
 *   round 1: every protocol; D1's summary leaves out P2 (an omitted item);
 *            D2's agrees; R1's sums D1's and D2's summaries and agrees
 *   round 2: P3 corrected; D1's version 2 lists all three and agrees; a
 *            second D2 version 1 (other bytes: a conflict, none current);
 *            R1 is left listing D1 1 (superseded) and D2 1 (conflicted);
 *            a D2 summary signed by a precinct's key, one by R1's key, and
 *            a summary of D3, which has no commission (rejected, rejected,
 *            replay 'area')
 *
 * Each time, the crosscheck lines of the audit's own statement are the
 * expected ones, and no check but X1 fails (X1 passes too when result.txt
 * has the tally's crosscheck lines; tests/cli/audit_summary_cli.sh covers
 * that end to end).
 */
#include "tests/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "ingest/ingest.h"
#include "keys/keys.h"
#include "publish/publish.h"
#include "audit/verify.h"
#include "store/workspace.h"

#define REFERENDUM "kz-xc-unit"
#define PRECINCTS 5
#define X1 17 /* the check's index (audit/audit_internal.h) */

static const char *const district_of[PRECINCTS] = {"D1", "D1", "D1", "D2", "D3"};

/* A protocol's or summary's counts, in file order (separate ballots, one question). */
typedef struct counts {
    unsigned long long on_list, received, issued, cancelled, in_boxes, yes, no, nc, invalid;
} counts;

static const char *const field_names[] = {"citizens_on_list",
                                          "q1_ballots_received",
                                          "q1_ballots_issued",
                                          "q1_ballots_cancelled",
                                          "q1_ballots_in_boxes",
                                          "q1_yes",
                                          "q1_no",
                                          "q1_not_counted",
                                          "q1_invalid"};

static struct {
    const char *dir;
    dauys_pubkey central_pk, pk[PRECINCTS], d1_pk, d2_pk, r1_pk;
    dauys_seckey *central_sk, *sk[PRECINCTS], *d1_sk, *d2_sk, *r1_sk, *d3_sk;
    dauys_workspace *ws;
    counts p[PRECINCTS], p3_v2, d1_v1, d1_v2, d2_v1, r1_v1;
} fx;

static unsigned long long *
field(counts *c, size_t k)
{
    unsigned long long *f[] = {&c->on_list, &c->received, &c->issued, &c->cancelled, &c->in_boxes,
                               &c->yes,     &c->no,       &c->nc,     &c->invalid};
    return f[k];
}

static void
add(counts *to, const counts *c)
{
    for (size_t k = 0; k < 9; k++) {
        *field(to, k) += *field((counts *) c, k);
    }
}

/* Lawful numbers for precinct I varied by N. */
static counts
numbers(int i, unsigned n)
{
    counts c = {.on_list = 900 + 11 * n + (unsigned) i, .received = 800 + 7 * n};
    c.in_boxes = 600 + 5 * n;
    c.issued = c.in_boxes + 3;
    c.cancelled = c.received - c.issued;
    c.nc = 4, c.invalid = 6;
    c.yes = (c.in_boxes - 10) / 2 + 13 * n;
    c.no = c.in_boxes - 10 - c.yes;
    return c;
}

static void
counts_text(char *out, size_t size, const counts *c)
{
    size_t n = strlen(out);

    for (size_t k = 0; k < 9; k++) {
        n += (size_t) snprintf(out + n, size - n, "%s: %llu\n", field_names[k],
                               *field((counts *) c, k));
    }
}

/* Writes precinct I's protocol VERSION (numbers C) into DIR/NAME, signed by SK. */
static void
write_protocol(const char *dir, const char *name, int i, unsigned version, const counts *c,
               dauys_seckey *sk)
{
    char text[1024];

    snprintf(text, sizeof text,
             "format: dauys-protocol 1\nreferendum: " REFERENDUM "\nprecinct: P%d\nversion: %u\n%s",
             i, version, version > 1 ? "reason: recount\n" : "");
    counts_text(text, sizeof text, c);
    support_write_signed(dir, name, text, sk);
}

/* Writes a summary (ITEMS: "ID VERSION" lines, one string) into DIR/NAME,
 * signed by SK. */
static void
write_summary(const char *dir, const char *name, const char *level, const char *area,
              unsigned version, const char *items, const counts *c, dauys_seckey *sk)
{
    char text[2048];
    const char *at = items;

    snprintf(text, sizeof text,
             "format: dauys-summary 1\nreferendum: " REFERENDUM "\nlevel: %s\narea: %s\n"
             "version: %u\n%s",
             level, area, version, version > 1 ? "reason: corrected\n" : "");
    while (*at) {
        size_t n = strcspn(at, ",");
        snprintf(text + strlen(text), sizeof text - strlen(text), "sums: %.*s\n", (int) n, at);
        at += n + (at[n] == ',');
    }
    counts_text(text, sizeof text, c);
    support_write_signed(dir, name, text, sk);
}

/* The crosscheck-field lines of SUMMARY against COUNTED, appended to OUT. */
static void
field_lines(char *out, size_t size, const counts *summary, const counts *counted)
{
    for (size_t k = 0; k < 9; k++) {
        unsigned long long a = *field((counts *) summary, k), b = *field((counts *) counted, k);
        if (a != b) {
            snprintf(out + strlen(out), size - strlen(out),
                     "crosscheck-field: %s summary %llu counted %llu\n", field_names[k], a, b);
        }
    }
}

/* --- the audit ------------------------------------------------------------ */

/* The first failure the audit reported, for the message of a test that fails. */
typedef struct seen {
    char first[512];
} seen;

static void
on_fail(const dauys_audit_finding *f, void *ctx)
{
    seen *s = ctx;

    if (s->first[0] == '\0') {
        snprintf(s->first, sizeof s->first, "%s %s: %s", f->check, f->where, f->message);
    }
}

/* Publishes the workspace as NAME, audits it, and checks that the audit's
 * own crosscheck lines are WANT, that no check but X1 fails, and that X1
 * passes when result.txt carries crosscheck lines. */
static void
publish_and_audit(const char *name, const char *want)
{
    char *out = support_path(fx.dir, name), *statement = NULL, *result;
    size_t statement_len = 0, result_len;
    dauys_publication pub;
    dauys_audit_summary sum;
    dauys_audit_options opt = {.central = &fx.central_pk, .threads = 1};
    dauys_error err;
    seen s = {0};

    assert_int_equal(dauys_publish(&pub, fx.ws, fx.central_sk, out, &err), 0);
    opt.statement = &statement;
    opt.statement_len = &statement_len;
    opt.on_fail = on_fail;
    opt.ctx = &s;
    assert_int_equal(dauys_audit_verify(&sum, out, &opt, &err), 0);
    assert_non_null(statement);
    char *text = malloc(statement_len + 1); /* the statement has no NUL of its own */
    assert_non_null(text);
    memcpy(text, statement, statement_len);
    text[statement_len] = '\0';
    const char *cc = strstr(text, "\ncrosscheck");
    assert_non_null(cc);
    assert_string_equal(cc + 1, want);
    free(text);
    for (int i = 0; i < DAUYS_AUDIT_CHECKS; i++) {
        if (i != X1 && sum.failed[i] != 0) {
            fail_msg("check %s failed: %s", sum.check[i], s.first);
        }
    }
    assert_int_equal(sum.summaries > 0, 1);
    assert_int_equal(sum.unchecked[X1], 0);
    char *path = support_path(out, "result.txt");
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    result = malloc(1 << 16);
    assert_non_null(result);
    result_len = fread(result, 1, (1 << 16) - 1, fp);
    result[result_len] = '\0';
    fclose(fp);
    if (strstr(result, "\ncrosscheck: ") != NULL) { /* the tally's lines: X1 holds them */
        assert_int_equal(sum.failed[X1], 0);
        assert_true(sum.passed[X1] > 0);
    }
    free(result);
    free(path);
    dauys_free(statement);
    free(out);
}

static void
ingest_dir(const char *name, dauys_ingest_summary *sum)
{
    char *in = support_path(fx.dir, name);
    dauys_error err;

    assert_int_equal(dauys_ingest(fx.ws, &in, 1, 1, sum, NULL, &err), 0);
    free(in);
}

/* --- the tests ------------------------------------------------------------- */

/* Round 1: an omitted precinct (P2) is an off item with "listed -"; the
 * fields compare only the listed items' sums; a region over two districts'
 * summaries agrees. */
static void
test_round1_omitted_and_region(void **state)
{
    char *in = support_path(fx.dir, "in1"), want[4096] = "";
    dauys_ingest_summary sum;

    (void) state;
    assert_int_equal(mkdir(in, 0700), 0);
    for (int i = 0; i < PRECINCTS; i++) {
        char name[32];
        fx.p[i] = numbers(i, (unsigned) i + 1);
        snprintf(name, sizeof name, "P%d.txt", i);
        write_protocol(in, name, i, 1, &fx.p[i], fx.sk[i]);
    }
    memset(&fx.d1_v1, 0, sizeof fx.d1_v1);
    add(&fx.d1_v1, &fx.p[0]);
    add(&fx.d1_v1, &fx.p[1]);
    write_summary(in, "s-D1.txt", "district", "D1", 1, "P0 1,P1 1", &fx.d1_v1, fx.d1_sk);
    fx.d2_v1 = fx.p[3];
    write_summary(in, "s-D2.txt", "district", "D2", 1, "P3 1", &fx.d2_v1, fx.d2_sk);
    memset(&fx.r1_v1, 0, sizeof fx.r1_v1);
    add(&fx.r1_v1, &fx.d1_v1);
    add(&fx.r1_v1, &fx.d2_v1);
    write_summary(in, "s-R1.txt", "region", "R1", 1, "D1 1,D2 1", &fx.r1_v1, fx.r1_sk);
    ingest_dir("in1", &sum);
    assert_int_equal(sum.accepted, PRECINCTS + 3);
    strcat(want, "crosscheck: district D1 version 1 items 2 differs\n"
                 "crosscheck-item: P2 listed - counted 1\n"
                 "crosscheck: district D2 version 1 items 1 agrees\n"
                 "crosscheck: region R1 version 1 items 2 agrees\n");
    publish_and_audit("bundle1", want);
    free(in);
}

/* Round 2: a correction below a summary re-opens it; a conflict leaves an
 * area none; a region listing a superseded and a conflicted district; and
 * summaries ingestion refuses (a precinct's key, another level's key, an
 * area without a commission), which the audit re-derives (C1 passes). */
static void
test_round2_correction_conflict_refused(void **state)
{
    char *in = support_path(fx.dir, "in2"), want[4096] = "";
    dauys_ingest_summary sum;
    counts other;

    (void) state;
    assert_int_equal(mkdir(in, 0700), 0);
    fx.p3_v2 = numbers(3, 20);
    write_protocol(in, "P3-v2.txt", 3, 2, &fx.p3_v2, fx.sk[3]);
    memset(&fx.d1_v2, 0, sizeof fx.d1_v2);
    add(&fx.d1_v2, &fx.p[0]);
    add(&fx.d1_v2, &fx.p[1]);
    add(&fx.d1_v2, &fx.p[2]);
    write_summary(in, "s-D1-v2.txt", "district", "D1", 2, "P0 1,P1 1,P2 1", &fx.d1_v2, fx.d1_sk);
    other = fx.d2_v1;
    other.yes += 1, other.no -= 1; /* still lawful: another version 1 of D2 */
    write_summary(in, "s-D2-other.txt", "district", "D2", 1, "P3 1", &other, fx.d2_sk);
    write_summary(in, "s-D2-by-precinct.txt", "district", "D2", 3, "P3 2", &fx.p3_v2, fx.sk[3]);
    write_summary(in, "s-D2-by-region.txt", "district", "D2", 4, "P3 2", &fx.p3_v2, fx.r1_sk);
    write_summary(in, "s-D3.txt", "district", "D3", 1, "P4 1", &fx.p[4], fx.d3_sk);
    ingest_dir("in2", &sum);
    assert_int_equal(sum.corrections, 2); /* P3 v2, D1 v2 */
    assert_int_equal(sum.conflicts, 1);
    assert_int_equal(sum.rejected, 2);
    assert_int_equal(sum.replays, 1);
    /* R1 still lists D1 1 and D2 1: the counted sums are D1 version 2's alone */
    strcat(want, "crosscheck: district D1 version 2 items 3 agrees\n"
                 "crosscheck: district D2 none\n"
                 "crosscheck: region R1 version 1 items 2 differs\n");
    field_lines(want, sizeof want, &fx.r1_v1, &fx.d1_v2);
    strcat(want, "crosscheck-item: D1 listed 1 counted 2\n"
                 "crosscheck-item: D2 listed 1 counted -\n");
    publish_and_audit("bundle2", want);
    free(in);
}

/* --- fixture ----------------------------------------------------------------------------- */

static int
setup(void **state)
{
    char text[8192], *p = text, b64[57], pub[200];
    dauys_pubkey d3_pk;
    dauys_error err;

    (void) state;
    fx.dir = support_tmpdir();
    if (dauys_keys_generate(&fx.central_pk, &fx.central_sk, &err) != 0 ||
        dauys_keys_generate(&fx.d1_pk, &fx.d1_sk, &err) != 0 ||
        dauys_keys_generate(&fx.d2_pk, &fx.d2_sk, &err) != 0 ||
        dauys_keys_generate(&fx.r1_pk, &fx.r1_sk, &err) != 0 ||
        dauys_keys_generate(&d3_pk, &fx.d3_sk, &err) != 0) {
        return -1;
    }
    for (int i = 0; i < PRECINCTS; i++) {
        if (dauys_keys_generate(&fx.pk[i], &fx.sk[i], &err) != 0) {
            return -1;
        }
    }
    p += sprintf(p, "format: dauys-manifest 1\nreferendum: " REFERENDUM "\n"
                    "title: Crosscheck unit test\ndate: 2026-03-15\nmode: test\nversion: 1\n"
                    "ballot: separate\nquestion: q1 simple-majority Do you approve?\n"
                    "region: R1 oblast First\nregion: R2 oblast Second\n"
                    "district: D1 R1 One\ndistrict: D2 R1 Two\ndistrict: D3 R2 Three\n");
    dauys_keys_pubkey_to_base64(b64, &fx.d1_pk);
    p += sprintf(p, "commission: district D1 %s\n", b64);
    dauys_keys_pubkey_to_base64(b64, &fx.d2_pk);
    p += sprintf(p, "commission: district D2 %s\n", b64);
    dauys_keys_pubkey_to_base64(b64, &fx.r1_pk);
    p += sprintf(p, "commission: region R1 %s\n", b64);
    for (int i = 0; i < PRECINCTS; i++) {
        dauys_keys_pubkey_to_base64(b64, &fx.pk[i]);
        p += sprintf(p, "precinct: P%d %s 1000 %s School %d\n", i, district_of[i], b64, i);
    }
    support_write_signed(fx.dir, "manifest.txt", text, fx.central_sk);
    if (dauys_keys_pubkey_encode(pub, sizeof pub, &fx.central_pk, NULL, &err) != 0) {
        return -1;
    }
    free(support_write(fx.dir, "central.pub", pub, strlen(pub), 0644));
    char *mp = support_path(fx.dir, "manifest.txt"), *cp = support_path(fx.dir, "central.pub"),
         *ws = support_path(fx.dir, "ws");
    int rc =
        dauys_workspace_init(ws, mp, cp, &err) == 0 && dauys_workspace_open(&fx.ws, ws, &err) == 0
            ? 0
            : -1;
    free(mp);
    free(cp);
    free(ws);
    return rc;
}

static int
teardown(void **state)
{
    (void) state;
    dauys_workspace_close(fx.ws);
    for (int i = 0; i < PRECINCTS; i++) {
        dauys_keys_seckey_free(fx.sk[i]);
    }
    dauys_keys_seckey_free(fx.central_sk);
    dauys_keys_seckey_free(fx.d1_sk);
    dauys_keys_seckey_free(fx.d2_sk);
    dauys_keys_seckey_free(fx.r1_sk);
    dauys_keys_seckey_free(fx.d3_sk);
    support_rmdir(fx.dir);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        /* in order: round 2 builds on round 1's workspace */
        cmocka_unit_test(test_round1_omitted_and_region),
        cmocka_unit_test(test_round2_correction_conflict_refused),
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
