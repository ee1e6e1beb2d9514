/*
 * test_demo_summaries.c: the summary protocols dauys demo writes
 * (inputs/demo_files.h, dauys_demo_summaries) for a 1,500-precinct plan
 * with several districts per region: every district's and region's file
 * parses with the real parser against the demo's manifest, is signed by its
 * own commission's key (and by no other), breaks no relation, and sums what
 * it lists: a district the counting protocol of each of its precincts
 * (dauys_demo_final), a region its districts' summaries as signed. Exactly
 * one district is planted, with the votes stated moved from no to yes.
 */
#include "tests/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/file.h"
#include "inputs/demo.h"
#include "inputs/demo_files.h"
#include "referendum/manifest.h"
#include "referendum/summary.h"

#define PRECINCTS 1500
#define SEED 11

static dauys_demo *d;
static dauys_manifest m;
static dauys_pubkey central;
static dauys_demo_planted_summary planted;
static const char *dir;
static char *out;

/* The demo's manifest with its commissions, parsed into m. */
static void
make_manifest(void)
{
    size_t n = (size_t) d->district_count + DAUYS_DEMO_REGIONS, len;
    dauys_pubkey *pks = calloc(d->count, sizeof *pks), *cks = calloc(n, sizeof *cks);
    dauys_seckey *sk = dauys_keys_seckey_new();
    char *text = NULL;
    dauys_error err;

    assert_non_null(pks), assert_non_null(cks), assert_non_null(sk);
    for (uint32_t i = 0; i < d->count; i++) {
        assert_int_equal(dauys_demo_key(&pks[i], sk, d, i, &err), 0);
    }
    for (uint32_t k = 0; k < d->district_count; k++) {
        assert_int_equal(dauys_demo_commission_key(&cks[k], sk, d, DAUYS_LEVEL_DISTRICT, k, &err),
                         0);
    }
    for (uint32_t r = 0; r < DAUYS_DEMO_REGIONS; r++) {
        assert_int_equal(dauys_demo_commission_key(&cks[d->district_count + r], sk, d,
                                                   DAUYS_LEVEL_REGION, r, &err),
                         0);
    }
    assert_int_equal(dauys_demo_central_key(&central, sk, d, &err), 0);
    assert_int_equal(dauys_demo_manifest_with_commissions(&text, &len, d, pks, cks, &err), 0);
    /* the parser refuses a key shared by two commissions, or by one and a precinct */
    assert_int_equal(dauys_manifest_parse(&m, text, len, "manifest.txt", &err), 0);
    dauys_free(text);
    dauys_keys_seckey_free(sk);
    free(pks), free(cks);
}

static int
setup(void **state)
{
    dauys_error err;

    (void) state;
    dir = support_tmpdir();
    out = support_path(dir, "demo");
    assert_int_equal(dauys_demo_plan(&d, PRECINCTS, SEED, "kz-constitutional", &err), 0);
    make_manifest();
    assert_int_equal(dauys_demo_dirs(out, &err), 0);
    assert_int_equal(dauys_demo_summaries(&planted, d, out, &err), 0);
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    dauys_manifest_free(&m);
    dauys_demo_free(d);
    free(out);
    support_rmdir(dir);
    return 0;
}

/* Reads and parses summaries/NAME.txt into S, checks its header, and
 * verifies its signature with its commission's key in the manifest and not
 * with OTHER (another key). */
static void
load(dauys_summary *s, const char *name, dauys_level level, const char *area,
     const dauys_pubkey *other)
{
    char path[512], sigpath[520];
    const dauys_pubkey *pk = dauys_summary_key(&m, level, area);
    dauys_signature sig;
    dauys_findings f;
    dauys_error err;
    char *text;
    size_t len;

    snprintf(path, sizeof path, "%s/summaries/%s.txt", out, name);
    snprintf(sigpath, sizeof sigpath, "%s.minisig", path);
    assert_int_equal(dauys_file_read(&text, &len, path, DAUYS_SUMMARY_FILE_MAX, &err), 0);
    if (dauys_summary_parse(s, text, len, name, &m, &err) != 0) {
        fail_msg("%s: %s", name, err.message);
    }
    assert_string_equal(s->referendum, DAUYS_DEMO_REFERENDUM);
    assert_int_equal(s->level, level);
    assert_string_equal(s->area, area);
    assert_int_equal(s->version, 1);
    assert_non_null(pk);
    assert_int_equal(dauys_keys_signature_load(&sig, sigpath, &err), 0);
    assert_int_equal(dauys_keys_verify(&sig, text, len, pk, &err), 0);
    assert_int_not_equal(dauys_keys_verify(&sig, text, len, other, &err), 0);
    assert_int_not_equal(dauys_keys_verify(&sig, text, len, &central, &err), 0);
    dauys_summary_check(&f, s, &m);
    assert_int_equal(f.errors, 0);
    dauys_free(text);
}

/* Whether S's numbers are C's. */
static int
equal(const dauys_summary *s, const dauys_demo_counts *c)
{
    return s->on_list == c->on_list && s->ballots.received == c->received &&
           s->ballots.issued == c->issued && s->ballots.cancelled == c->cancelled &&
           s->ballots.in_boxes == c->in_boxes && s->answer[0].yes == c->yes &&
           s->answer[0].no == c->no && s->answer[0].not_counted == c->not_counted &&
           s->answer[0].invalid == c->invalid;
}

/* S's numbers added to C. */
static void
add(dauys_demo_counts *c, const dauys_summary *s)
{
    c->on_list += s->on_list, c->received += s->ballots.received;
    c->issued += s->ballots.issued, c->cancelled += s->ballots.cancelled;
    c->in_boxes += s->ballots.in_boxes, c->yes += s->answer[0].yes, c->no += s->answer[0].no;
    c->not_counted += s->answer[0].not_counted, c->invalid += s->answer[0].invalid;
}

/* Every district's summary sums the counting protocols it lists, but one. */
static void
test_districts(void **state)
{
    int found = 0, recounts = 0;

    (void) state;
    assert_true(d->district_count > DAUYS_DEMO_REGIONS); /* regions with several districts */
    assert_int_equal(m.district_count, d->district_count);
    for (uint32_t k = 0; k < d->district_count; k++) {
        char id[32], name[64];
        dauys_demo_counts sum = {0}, c;
        dauys_summary s = {0};
        dauys_demo_variant variant;
        uint32_t version, first = d->district_start[k];

        dauys_demo_district_id(id, sizeof id, d, k);
        snprintf(name, sizeof name, "district-%s", id);
        assert_true(m.district[k].has_commission);
        assert_memory_equal(m.district[k].id, id, strlen(id));
        /* not the region's key, nor its first precinct's */
        load(&s, name, DAUYS_LEVEL_DISTRICT, id, &m.precinct[first].key);
        assert_int_equal(s.item_count, d->district_start[k + 1] - first);
        for (uint32_t i = first; i < d->district_start[k + 1]; i++) {
            dauys_demo_final(&version, &variant, d, i);
            assert_string_equal(s.item[i - first].id, d->precinct[i].id);
            assert_int_equal(s.item[i - first].version, version);
            recounts += version == 2;
            dauys_demo_counts_of(&c, d, i, variant);
            sum.on_list += c.on_list, sum.received += c.received, sum.issued += c.issued;
            sum.cancelled += c.cancelled, sum.in_boxes += c.in_boxes, sum.yes += c.yes;
            sum.no += c.no, sum.not_counted += c.not_counted, sum.invalid += c.invalid;
        }
        if (!equal(&s, &sum)) {
            found++;
            assert_true(planted.planted);
            assert_int_equal(planted.district, k);
            assert_string_equal(planted.area, id);
            assert_memory_equal(&planted.genuine, &sum, sizeof sum);
            sum.yes += planted.moved, sum.no -= planted.moved;
            assert_true(equal(&s, &sum)); /* only yes and no changed, by the votes stated */
            for (uint32_t i = first; i < d->district_start[k + 1]; i++) {
                dauys_demo_final(&version, &variant, d, i);
                assert_int_equal(version, 1); /* no recounted precinct in it */
            }
        }
        dauys_summary_free(&s);
    }
    assert_int_equal(found, 1);
    assert_int_equal(recounts, 2); /* the conflict resolved, and the recount */
    assert_int_equal(planted.moved, planted.genuine.no / 10 > 250 ? 250
                                    : planted.genuine.no / 10 < 1 ? 1
                                                                  : planted.genuine.no / 10);
    assert_true(planted.moved >= 1 && planted.moved <= planted.genuine.no);
    {
        char path[96];
        snprintf(path, sizeof path, "summaries/district-%s.txt", planted.area);
        assert_string_equal(planted.path, path);
    }
}

/* Every region's summary sums its districts' summaries as signed. */
static void
test_regions(void **state)
{
    int planted_region = 0;

    (void) state;
    for (uint32_t r = 0; r < DAUYS_DEMO_REGIONS; r++) {
        const char *code = dauys_demo_region_code(r);
        dauys_demo_counts sum = {0};
        dauys_summary s = {0};
        char name[64], id[32];

        assert_true(d->region_district[r] < d->region_district[r + 1]);
        assert_true(m.region[r].has_commission);
        snprintf(name, sizeof name, "region-%s", code);
        /* not its first district's key */
        load(&s, name, DAUYS_LEVEL_REGION, code, &m.district[d->region_district[r]].commission);
        assert_int_equal(s.item_count, d->region_district[r + 1] - d->region_district[r]);
        for (uint32_t k = d->region_district[r]; k < d->region_district[r + 1]; k++) {
            dauys_summary ds = {0};
            dauys_demo_district_id(id, sizeof id, d, k);
            assert_string_equal(s.item[k - d->region_district[r]].id, id);
            assert_int_equal(s.item[k - d->region_district[r]].version, 1);
            snprintf(name, sizeof name, "district-%s", id);
            load(&ds, name, DAUYS_LEVEL_DISTRICT, id, &m.region[r].commission);
            add(&sum, &ds);
            dauys_summary_free(&ds);
            planted_region += planted.district == k;
        }
        assert_true(equal(&s, &sum));
        dauys_summary_free(&s);
    }
    assert_int_equal(planted_region, 1);
}

/* The commissions' keys: apart from the central key; the same seed, the same files. */
static void
test_keys_and_reproducible(void **state)
{
    char *again = support_path(dir, "again"), a[512], b[512], *x, *y;
    dauys_demo_planted_summary p2;
    size_t xl, yl;
    dauys_error err;

    (void) state;
    for (size_t k = 0; k < m.district_count; k++) {
        assert_memory_not_equal(&m.district[k].commission, &central, sizeof central);
    }
    for (size_t r = 0; r < m.region_count; r++) {
        assert_memory_not_equal(&m.region[r].commission, &central, sizeof central);
    }
    assert_int_equal(dauys_demo_dirs(again, &err), 0);
    assert_int_equal(dauys_demo_summaries(&p2, d, again, &err), 0);
    assert_memory_equal(&p2, &planted, sizeof p2);
    for (int sig = 0; sig < 2; sig++) {
        snprintf(a, sizeof a, "%s/%s%s", out, planted.path, sig ? ".minisig" : "");
        snprintf(b, sizeof b, "%s/%s%s", again, planted.path, sig ? ".minisig" : "");
        assert_int_equal(dauys_file_read(&x, &xl, a, 1 << 16, &err), 0);
        assert_int_equal(dauys_file_read(&y, &yl, b, 1 << 16, &err), 0);
        assert_int_equal(xl, yl);
        assert_memory_equal(x, y, xl);
        dauys_free(x), dauys_free(y);
    }
    free(again);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_districts),
        cmocka_unit_test(test_regions),
        cmocka_unit_test(test_keys_and_reproducible),
    };

    if (sodium_init() < 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
