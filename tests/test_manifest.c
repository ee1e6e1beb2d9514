/*
 * test_manifest.c: the referendum manifest: a valid roster parsed with every
 * lookup right, an exact "NAME:LINE: key: problem" for each kind of damage,
 * clean out-of-memory failures, and a roster of 100,000 precincts.
 */
#include "tests/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/alloc.h"
#include "keys/cosig.h"
#include "keys/keys.h"
#include "core/kvtext.h"
#include "referendum/manifest.h"
#include "referendum/rules.h"

#define PRECINCTS 5

typedef struct fixture {
    dauys_pubkey pk[PRECINCTS];
    char b64[PRECINCTS][57];
    char text[8192]; /* a valid manifest, 21 lines */
    size_t len;
} fixture;

static fixture fx;

/*
 * Lines:  1-7 header, 8-9 questions, 10-12 regions, 13-16 districts,
 *        17-21 precincts.
 */
static int
setup(void **state)
{
    static const char *const ids[PRECINCTS] = {"P-0001", "P-0002", "P-0003", "P-0004", "P-0005"};
    static const char *const districts[PRECINCTS] = {"KZ-10-01", "KZ-75-01", "KZ-75-02", "KZ-75-02",
                                                     "KZ-71-01"};
    static const unsigned voters[PRECINCTS] = {1480, 2210, 1935, 987, 3120};
    static const char *const names[PRECINCTS] = {
        "№1 мектеп-гимназия, Семей",     "Абай даңғылы 52, Алматы",
        "Әл-Фараби даңғылы 71, Алматы",  "Тимирязев көшесі 15, Алматы",
        "Мәңгілік Ел даңғылы 8, Астана",
    };
    size_t off;
    dauys_error err;

    (void) state;
    off = (size_t) snprintf(fx.text, sizeof fx.text,
                            "format: dauys-manifest 1\n"
                            "referendum: kz-2026-03\n"
                            "title: Республикалық референдум 2026\n"
                            "date: 2026-03-15\n"
                            "mode: test\n"
                            "version: 1\n"
                            "ballot: single\n"
                            "question: q1 kz-constitutional Жаңа Конституцияны қабылдайсыз ба?\n"
                            "question: q2 kz-ordinary Атом электр станциясын салуға келісесіз бе?\n"
                            "region: KZ-10 oblast Абай облысы\n"
                            "region: KZ-75 city Алматы қаласы\n"
                            "region: KZ-71 city Астана қаласы\n"
                            "district: KZ-10-01 KZ-10 Семей қаласы\n"
                            "district: KZ-75-01 KZ-75 Алмалы ауданы\n"
                            "district: KZ-75-02 KZ-75 Бостандық ауданы\n"
                            "district: KZ-71-01 KZ-71 Есіл ауданы\n");
    for (int i = 0; i < PRECINCTS; i++) {
        dauys_seckey *sk;
        if (dauys_keys_generate(&fx.pk[i], &sk, &err) != 0) {
            return -1;
        }
        dauys_keys_seckey_free(sk);
        dauys_keys_pubkey_to_base64(fx.b64[i], &fx.pk[i]);
        off += (size_t) snprintf(fx.text + off, sizeof fx.text - off, "precinct: %s %s %u %s %s\n",
                                 ids[i], districts[i], voters[i], fx.b64[i], names[i]);
    }
    fx.len = off;
    return off < sizeof fx.text - 1 ? 0 : -1;
}

/* A malloc'ed copy of BASE with its first FIND replaced by REPL. */
static char *
replaced(const char *base, const char *find, const char *repl)
{
    const char *at = strstr(base, find);
    size_t head, n;
    char *out;

    if (at == NULL) {
        fail_msg("\"%s\" is not in the manifest", find);
    }
    head = (size_t) (at - base);
    n = strlen(base) - strlen(find) + strlen(repl);
    out = malloc(n + 1);
    assert_non_null(out);
    memcpy(out, base, head);
    memcpy(out + head, repl, strlen(repl));
    strcpy(out + head + strlen(repl), at + strlen(find));
    return out;
}

/* Parses TEXT; asserts it fails with ST and a message containing NEEDLE. */
static void
expect_reject_len(const char *text, size_t len, dauys_status st, const char *needle)
{
    dauys_manifest m;
    dauys_error err;

    dauys_error_clear(&err);
    if (dauys_manifest_parse(&m, text, len, "m.txt", &err) == 0) {
        dauys_manifest_free(&m);
        fail_msg("accepted; expected \"%s\"", needle);
    }
    assert_error(&err, st, needle);
    /* A failed parse leaves nothing to free. */
    assert_null(m.text);
    assert_null(m.precinct);
    assert_int_equal(m.precinct_count, 0);
    dauys_manifest_free(&m);
}

static void
expect_reject(const char *text, const char *needle)
{
    expect_reject_len(text, strlen(text), DAUYS_E_FORMAT, needle);
}

/* The valid manifest with FIND replaced by REPL must fail with NEEDLE. */
static void
reject_variant(const char *find, const char *repl, const char *needle)
{
    char *text = replaced(fx.text, find, repl);
    expect_reject(text, needle);
    free(text);
}

/* The valid manifest with FIND replaced by REPL must parse. */
static void
accept_variant(const char *find, const char *repl, dauys_manifest *m)
{
    char *text = replaced(fx.text, find, repl);
    dauys_error err;

    if (dauys_manifest_parse(m, text, strlen(text), "m.txt", &err) != 0) {
        fail_msg("\"%s\" -> \"%s\" rejected: %s", find, repl, err.message);
    }
    free(text);
}

static int
str_is(const char *s, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(s, want, n) == 0;
}

static void
test_valid(void **state)
{
    char *copy = malloc(fx.len);
    dauys_manifest m;
    dauys_error err;
    uint32_t at = 99;
    char origin[128];

    (void) state;
    assert_non_null(copy);
    memcpy(copy, fx.text, fx.len);
    assert_int_equal(dauys_manifest_parse(&m, copy, fx.len, "m.txt", &err), 0);
    /* The manifest keeps its own copy of the text. */
    memset(copy, 'x', fx.len);
    free(copy);

    assert_int_equal(m.text_len, fx.len);
    assert_string_equal(m.referendum, "kz-2026-03");
    assert_string_equal(m.title, "Республикалық референдум 2026");
    assert_string_equal(m.date, "2026-03-15");
    assert_int_equal(m.mode, DAUYS_MODE_TEST);
    assert_int_equal(m.version, 1);
    assert_int_equal(m.ballot, DAUYS_BALLOT_SINGLE);
    assert_int_equal(m.question_count, 2);
    assert_int_equal(m.region_count, 3);
    assert_int_equal(m.district_count, 4);
    assert_int_equal(m.precinct_count, PRECINCTS);

    assert_string_equal(m.question[0].id, "q1");
    assert_string_equal(m.question[0].profile, "kz-constitutional");
    assert_true(
        str_is(m.question[0].text, m.question[0].text_len, "Жаңа Конституцияны қабылдайсыз ба?"));
    assert_string_equal(m.question[1].id, "q2");
    assert_string_equal(m.question[1].profile, "kz-ordinary");
    assert_true(str_is(m.question[1].text, m.question[1].text_len,
                       "Атом электр станциясын салуға келісесіз бе?"));
    /* Names point into the manifest's own text. */
    assert_true(m.question[1].text > m.text && m.question[1].text < m.text + m.text_len);

    assert_true(str_is(m.region[0].id, m.region[0].id_len, "KZ-10"));
    assert_true(str_is(m.region[0].kind, m.region[0].kind_len, "oblast"));
    assert_true(str_is(m.region[0].name, m.region[0].name_len, "Абай облысы"));
    assert_true(str_is(m.region[2].id, m.region[2].id_len, "KZ-71"));
    assert_true(str_is(m.region[2].kind, m.region[2].kind_len, "city"));
    assert_true(str_is(m.region[2].name, m.region[2].name_len, "Астана қаласы"));
    assert_true(str_is(m.district[2].id, m.district[2].id_len, "KZ-75-02"));
    assert_true(str_is(m.district[2].name, m.district[2].name_len, "Бостандық ауданы"));
    assert_int_equal(m.district[0].region, 0);
    assert_int_equal(m.district[1].region, 1);
    assert_int_equal(m.district[2].region, 1);
    assert_int_equal(m.district[3].region, 2);

    assert_int_equal(dauys_manifest_find_precinct(&m, "P-0004", 6, &at), 1);
    assert_int_equal(at, 3);
    const dauys_precinct *p = &m.precinct[at];
    assert_true(str_is(p->id, p->id_len, "P-0004"));
    assert_true(str_is(p->name, p->name_len, "Тимирязев көшесі 15, Алматы"));
    assert_true(p->name >= m.text && p->name + p->name_len < m.text + m.text_len);
    assert_int_equal(p->voters, 987);
    assert_int_equal(p->district, 2);
    /* The region comes through the district: KZ-75-02 is in KZ-75. */
    assert_int_equal(p->region, 1);
    assert_true(str_is(m.region[p->region].id, m.region[p->region].id_len, "KZ-75"));
    assert_memory_equal(&p->key, &fx.pk[3], sizeof p->key);

    for (uint32_t i = 0; i < PRECINCTS; i++) {
        char id[8];
        snprintf(id, sizeof id, "P-%04u", (unsigned) i + 1);
        assert_int_equal(dauys_manifest_find_precinct(&m, id, strlen(id), &at), 1);
        assert_int_equal(at, i);
        assert_memory_equal(&m.precinct[i].key, &fx.pk[i], sizeof fx.pk[i]);
        assert_int_equal(m.precinct[i].region, m.district[m.precinct[i].district].region);
    }
    assert_int_equal(m.precinct[0].voters, 1480);
    assert_int_equal(m.precinct[0].region, 0);
    assert_int_equal(m.precinct[4].voters, 3120);
    assert_int_equal(m.precinct[4].region, 2);
    assert_true(str_is(m.precinct[0].name, m.precinct[0].name_len, "№1 мектеп-гимназия, Семей"));

    /* Lookups match whole ids, by length, case-sensitively. */
    at = 77;
    assert_int_equal(dauys_manifest_find_precinct(&m, "P-0006", 6, &at), 0);
    assert_int_equal(dauys_manifest_find_precinct(&m, "p-0001", 6, &at), 0);
    assert_int_equal(dauys_manifest_find_precinct(&m, "P-000", 5, &at), 0);
    assert_int_equal(dauys_manifest_find_precinct(&m, "P-00011", 7, &at), 0);
    assert_int_equal(dauys_manifest_find_precinct(&m, "", 0, &at), 0);
    assert_int_equal(dauys_manifest_find_precinct(&m, "KZ-10-01", 8, &at), 0);
    assert_int_equal(at, 77);
    assert_int_equal(dauys_manifest_find_precinct(&m, "P-00021", 6, &at), 1);
    assert_int_equal(at, 1);

    dauys_manifest_origin(origin, sizeof origin, &m);
    assert_string_equal(origin, "dauys/kz-2026-03/test");
    dauys_manifest_origin(origin, 8, &m);
    assert_string_equal(origin, "dauys/k");

    dauys_manifest_free(&m);
    assert_null(m.text);
    assert_int_equal(m.precinct_count, 0);
    assert_int_equal(dauys_manifest_find_precinct(&m, "P-0001", 6, &at), 0);
    dauys_manifest_free(&m); /* safe twice */
}

static void
test_official_and_separate(void **state)
{
    char *text = replaced(fx.text, "mode: test\n", "mode: official\n");
    char *both = replaced(text, "ballot: single\n", "ballot: separate\n");
    dauys_manifest m;
    dauys_error err;
    char origin[128];

    (void) state;
    assert_int_equal(dauys_manifest_parse(&m, text, strlen(text), "m.txt", &err), 0);
    assert_int_equal(m.mode, DAUYS_MODE_OFFICIAL);
    dauys_manifest_origin(origin, sizeof origin, &m);
    assert_string_equal(origin, "dauys/kz-2026-03/official");
    dauys_manifest_free(&m);

    assert_int_equal(dauys_manifest_parse(&m, both, strlen(both), "m.txt", &err), 0);
    assert_int_equal(m.ballot, DAUYS_BALLOT_SEPARATE);
    assert_int_equal(m.mode, DAUYS_MODE_OFFICIAL);
    dauys_manifest_free(&m);
    free(text);
    free(both);
}

/* Values at the edges of what is allowed. */
static void
test_accepts_edges(void **state)
{
    static const struct {
        const char *find, *repl;
    } cases[] = {
        {"date: 2026-03-15", "date: 2024-02-29"}, /* leap year */
        {"date: 2026-03-15", "date: 2000-02-29"}, /* divisible by 400 */
        {"date: 2026-03-15", "date: 2026-12-31"},
        {"version: 1\n", "version: 4294967295\n"},
        {"question: q1 kz-constitutional", "question: abcdefghijklmnop simple-majority"},
        {"question: q2 kz-ordinary", "question: q2 quorum-majority"},
        {"region: KZ-10 oblast", "region: KZ-10 abcdefghijklmnopqrstuvwxyz-abcde"}, /* 32 */
        {"P-0001 KZ-10-01 1480", "P-0001 KZ-10-01 0"},
        {"P-0001 KZ-10-01 1480", "P-0001 KZ-10-01 1000000000000"},
        {"№1 мектеп-гимназия, Семей", "x"},
        {"№1 мектеп-гимназия, Семей", "two  spaces inside"},
        {"referendum: kz-2026-03",
         "referendum: "
         "a123456789012345678901234567890123456789012345678901234567890123"},
    };
    dauys_manifest m;

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        accept_variant(cases[i].find, cases[i].repl, &m);
        dauys_manifest_free(&m);
    }
    accept_variant("version: 1\n", "version: 4294967295\n", &m);
    assert_int_equal(m.version, UINT32_MAX);
    dauys_manifest_free(&m);
    accept_variant("P-0001 KZ-10-01 1480", "P-0001 KZ-10-01 1000000000000", &m);
    assert_int_equal(m.precinct[0].voters, DAUYS_COUNT_MAX);
    dauys_manifest_free(&m);
    accept_variant("date: 2026-03-15", "date: 2024-02-29", &m);
    assert_string_equal(m.date, "2024-02-29");
    dauys_manifest_free(&m);

    assert_true(dauys_rules_profile_valid("kz-constitutional"));
    assert_true(dauys_rules_profile_valid("kz-ordinary"));
    assert_true(dauys_rules_profile_valid("simple-majority"));
    assert_true(dauys_rules_profile_valid("quorum-majority"));
    assert_false(dauys_rules_profile_valid("kz-constitutional "));
    assert_false(dauys_rules_profile_valid("KZ-ordinary"));
    assert_false(dauys_rules_profile_valid(""));
}

static void
test_rejects(void **state)
{
    static const struct {
        const char *find, *repl, *needle;
    } cases[] = {
        /* header */
        {"format: dauys-manifest 1", "format: dauys-manifest 2",
         "m.txt:1: format: \"dauys-manifest 2\" is not one of the allowed values "
         "(dauys-manifest 1)"},
        {"format: dauys-manifest 1\n", "format: dauys-protocol 1\n",
         "m.txt:1: format: \"dauys-protocol 1\" is not one of the allowed values"},
        {"format: dauys-manifest 1\n", "", "m.txt:1: format: expected here, found \"referendum\""},
        {"referendum: kz-2026-03", "referendum: ../kz-2026-03",
         "m.txt:2: referendum: must start with a letter or digit"},
        {"referendum: kz-2026-03", "referendum: kz 2026",
         "m.txt:2: referendum: may hold only letters, digits, '.', '_' and '-'"},
        {"referendum: kz-2026-03",
         "referendum: "
         "a1234567890123456789012345678901234567890123456789012345678901234",
         "m.txt:2: referendum: longer than 64 bytes"},
        {"referendum: kz-2026-03\ntitle: Республикалық референдум 2026\n",
         "title: Республикалық референдум 2026\nreferendum: kz-2026-03\n",
         "m.txt:2: referendum: expected here, found \"title\""},
        {"date: 2026-03-15", "date: 2026-02-30",
         "m.txt:4: date: not a calendar date written YYYY-MM-DD"},
        {"date: 2026-03-15", "date: 2026-13-01", "m.txt:4: date: not a calendar date"},
        {"date: 2026-03-15", "date: 26-03-15", "m.txt:4: date: not a calendar date"},
        {"date: 2026-03-15", "date: 2026-02-29", "m.txt:4: date: not a calendar date"},
        {"date: 2026-03-15", "date: 1900-02-29", "m.txt:4: date: not a calendar date"},
        {"date: 2026-03-15", "date: 2026-04-31", "m.txt:4: date: not a calendar date"},
        {"date: 2026-03-15", "date: 2026-00-10", "m.txt:4: date: not a calendar date"},
        {"date: 2026-03-15", "date: 2026-03-00", "m.txt:4: date: not a calendar date"},
        {"date: 2026-03-15", "date: 2026-3-15", "m.txt:4: date: not a calendar date"},
        {"date: 2026-03-15", "date: 2026-03-1x", "m.txt:4: date: not a calendar date"},
        {"date: 2026-03-15", "date: -026-03-15", "m.txt:4: date: not a calendar date"},
        {"date: 2026-03-15", "date: 2026/03/15", "m.txt:4: date: not a calendar date"},
        {"date: 2026-03-15", "date: 2026-03-15T08:00", "m.txt:4: date: not a calendar date"},
        {"mode: test", "mode: production",
         "m.txt:5: mode: \"production\" is not one of the allowed values (test, official)"},
        {"mode: test", "mode: Test", "m.txt:5: mode: \"Test\" is not one of the allowed values"},
        {"version: 1\n", "version: 0\n", "m.txt:6: version: must be from 1 to 4294967295"},
        {"version: 1\n", "version: 4294967296\n", "m.txt:6: version: must be from 1 to 4294967295"},
        {"version: 1\n", "version: 01\n", "m.txt:6: version: \"01\" is not a count"},
        {"version: 1\n", "version: v1\n", "m.txt:6: version: \"v1\" is not a count"},
        {"ballot: single", "ballot: mixed",
         "m.txt:7: ballot: \"mixed\" is not one of the allowed values (single, separate)"},
        {"mode: test\n", "", "m.txt:5: mode: expected here, found \"version\""},
        /* questions */
        {"q1 kz-constitutional", "q1 kz-special",
         "m.txt:8: question: rules profile \"kz-special\" is not known (kz-constitutional, "
         "kz-ordinary, simple-majority, quorum-majority, or custom:q>=N/D:m>N/D:of=valid)"},
        {"q1 kz-constitutional", "q1 Kz-constitutional",
         "m.txt:8: question: rules profile \"Kz-constitutional\" is not known"},
        {"q1 kz-constitutional", "Q1 kz-constitutional",
         "m.txt:8: question: question id: 1 to 16 lower-case letters and digits, starting with a "
         "letter"},
        {"q1 kz-constitutional", "1q kz-constitutional", "m.txt:8: question: question id: 1 to 16"},
        {"q1 kz-constitutional", "q_1 kz-constitutional",
         "m.txt:8: question: question id: 1 to 16"},
        {"q1 kz-constitutional", "q-1 kz-constitutional",
         "m.txt:8: question: question id: 1 to 16"},
        {"q1 kz-constitutional", "abcdefghijklmnopq kz-constitutional",
         "m.txt:8: question: question id: 1 to 16"},
        {"question: q1 ", "question:  q1 ", "m.txt:8: question: value is empty or has spaces"},
        {"q2 kz-ordinary", "q1 kz-ordinary", "m.txt:9: question: question id \"q1\" is used twice"},
        {"q2 kz-ordinary Атом электр станциясын салуға келісесіз бе?", "q2 kz-ordinary",
         "m.txt:9: question: question text: missing (or a double space before it)"},
        {"q2 kz-ordinary Атом", "q2 kz-ordinary  Атом",
         "m.txt:9: question: question text: missing (or a double space before it)"},
        {"q2 kz-ordinary Атом", "q2  kz-ordinary Атом",
         "m.txt:9: question: rules profile: missing"},
        /* regions */
        {"region: KZ-75 city", "region: KZ-10 city",
         "m.txt:11: region: region id \"KZ-10\" is listed twice"},
        {"region: KZ-75 city", "region: KZ/75 city",
         "m.txt:11: region: region id \"KZ/75\": may hold only letters, digits, '.', '_' and '-'"},
        {"region: KZ-10 oblast", "region: KZ-10 Oblast",
         "m.txt:10: region: region kind: 1 to 32 lower-case letters and '-' only"},
        {"region: KZ-10 oblast", "region: KZ-10 abcdefghijklmnopqrstuvwxyz-abcdef", /* 33 */
         "m.txt:10: region: region kind: "},
        {"region: KZ-10 oblast Абай облысы", "region: KZ-10 oblast",
         "m.txt:10: region: name: missing (or a double space before it)"},
        {"region: KZ-10 oblast Абай облысы", "region: KZ-10",
         "m.txt:10: region: region kind: missing"},
        /* districts */
        {"district: KZ-75-01 KZ-75", "district: KZ-75-01 KZ-99",
         "m.txt:14: district: region \"KZ-99\" is not defined above"},
        {"district: KZ-75-01 KZ-75", "district: KZ-75-01 KZ-75-01",
         "m.txt:14: district: region \"KZ-75-01\" is not defined above"},
        {"district: KZ-75-02 KZ-75", "district: KZ-75-01 KZ-75",
         "m.txt:15: district: district id \"KZ-75-01\" is listed twice"},
        {"district: KZ-71-01 KZ-71 Есіл ауданы", "district: KZ-71-01",
         "m.txt:16: district: region id: missing"},
        {"district: KZ-71-01 KZ-71 Есіл", "district: KZ-71-01 KZ-71  Есіл",
         "m.txt:16: district: name: missing (or a double space before it)"},
        /* precincts */
        {"P-0001 KZ-10-01", "P-0001 KZ-10-99",
         "m.txt:17: precinct: district \"KZ-10-99\" is not defined above"},
        {"P-0001 KZ-10-01", "P-0001 KZ-10",
         "m.txt:17: precinct: district \"KZ-10\" is not defined above"},
        {"P-0003 KZ-75-02", "P-0002 KZ-75-02",
         "m.txt:19: precinct: precinct id \"P-0002\" is listed twice"},
        {"P-0001 KZ-10-01", ".P-0001 KZ-10-01",
         "m.txt:17: precinct: precinct id \".P-0001\": must start with a letter or digit"},
        {"P-0001 KZ-10-01 1480", "P-0001 KZ-10-01 1,480",
         "m.txt:17: precinct: voters \"1,480\" is not a count"},
        {"P-0001 KZ-10-01 1480", "P-0001 KZ-10-01 -1480",
         "m.txt:17: precinct: voters \"-1480\" is not a count"},
        {"P-0001 KZ-10-01 1480", "P-0001 KZ-10-01 01480",
         "m.txt:17: precinct: voters \"01480\" is not a count"},
        {"P-0001 KZ-10-01 1480", "P-0001 KZ-10-01 1000000000001",
         "m.txt:17: precinct: voters \"1000000000001\" is not a count"},
        {"P-0001 KZ-10-01 1480", "P-0001  KZ-10-01 1480",
         "m.txt:17: precinct: expected \"PRECINCT DISTRICT VOTERS PUBLIC_KEY NAME\""},
        {"№1 мектеп-гимназия", " №1 мектеп-гимназия",
         "m.txt:17: precinct: name: missing (or a double space before it)"},
        {", Семей\n", ", \xd0\n", "m.txt:17: not valid UTF-8"},
        {", Семей\n", ", Сем\xc0\xafей\n", "m.txt:17: not valid UTF-8"},
        {"№1 мектеп-гимназия", "№1\tмектеп-гимназия",
         "m.txt:17: control byte is not allowed (byte 0x09 at column"},
        /* structure */
        {"question: q1 ", "region: KZ-00 oblast Ұлытау облысы\nquestion: q1 ",
         "m.txt:9: question: out of order: all question lines come first, then region, district, "
         "commission and precinct lines"},
        {"region: KZ-71 city", "district: KZ-10-02 KZ-10 Аягөз ауданы\nregion: KZ-71 city",
         "m.txt:13: region: out of order"},
        {"region: KZ-10 oblast", "comment: оңтүстік\nregion: KZ-10 oblast",
         "m.txt:10: comment: unknown key (expected question, region, district, commission or "
         "precinct)"},
        {"region: KZ-10 oblast", "title: again\nregion: KZ-10 oblast",
         "m.txt:10: title: unknown key (expected question, region, district, commission or "
         "precinct)"},
        {"region: KZ-10 oblast", "Region: KZ-10 oblast", "m.txt:10: Region: unknown key"},
        {"region: KZ-10 oblast", "regions: KZ-10 oblast", "m.txt:10: regions: unknown key"},
        {"region: KZ-10 oblast", "region: national oblast",
         "m.txt:10: region: region id \"national\": reserved for the whole country"},
        {"region: KZ-10 oblast", "\nregion: KZ-10 oblast", "m.txt:10: expected \"key: value\""},
        {"region: KZ-10 oblast", "# Абай\nregion: KZ-10 oblast",
         "m.txt:10: expected \"key: value\""},
        {"format: dauys-manifest 1\n", "format: dauys-manifest 1\r\n",
         "m.txt:1: CR is not allowed: lines end in LF only (byte 0x0d at column 25)"},
        {"ballot: single\n", "ballot: single\r\n", "m.txt:7: CR is not allowed"},
        {"format: dauys-manifest 1",
         "\xef\xbb\xbf"
         "format: dauys-manifest 1",
         "m.txt:1: a UTF-8 byte order mark (BOM) is not allowed: save the file as UTF-8 without "
         "it"},
    };

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reject_variant(cases[i].find, cases[i].repl, cases[i].needle);
    }
}

/* Cases built from the keys or cut from the end of the valid text. */
/* The list allowance (RULES.md 2.4): absent, 25% + 500; stated, only in its
 * one spelling, right after `ballot`, within its bounds. */
static void
test_list_allowance(void **state)
{
    static const struct {
        const char *value, *needle;
    } bad[] = {
        {"25%+500", "m.txt:8: list-allowance: expected \"P% + K\" with P from 0 to 100 and K from "
                    "0 to 100000 (for example \"25% + 500\")"},
        {"101% + 0", "m.txt:8: list-allowance: expected"},
        {"25% + 100001", "m.txt:8: list-allowance: expected"},
        {"025% + 500", "m.txt:8: list-allowance: expected"},
        {"25% + 0500", "m.txt:8: list-allowance: expected"},
        {"25% + 500 more", "m.txt:8: list-allowance: expected"},
        {"% + 500", "m.txt:8: list-allowance: expected"},
        {"25% + ", "m.txt:8: list-allowance: value is empty or has spaces"},
        {"-5% + 500", "m.txt:8: list-allowance: expected"},
        {"25 + 500", "m.txt:8: list-allowance: expected"},
    };
    char line[80], *text;
    dauys_manifest m;

    (void) state;
    accept_variant("ballot: single\n", "ballot: single\n", &m);
    assert_int_equal(m.allowance_percent, DAUYS_ALLOWANCE_PERCENT_DEFAULT);
    assert_int_equal(m.allowance_add, DAUYS_ALLOWANCE_ADD_DEFAULT);
    assert_false(m.allowance_stated);
    assert_int_equal(dauys_manifest_list_bound(&m, 1007), 1007 + 251 + 500);
    dauys_manifest_free(&m);
    accept_variant("ballot: single\n", "ballot: single\nlist-allowance: 0% + 0\n", &m);
    assert_int_equal(m.allowance_percent, 0);
    assert_int_equal(m.allowance_add, 0);
    assert_true(m.allowance_stated);
    assert_int_equal(dauys_manifest_list_bound(&m, 1480), 1480);
    dauys_manifest_free(&m);
    accept_variant("ballot: single\n", "ballot: single\nlist-allowance: 100% + 100000\n", &m);
    assert_int_equal(dauys_manifest_list_bound(&m, DAUYS_COUNT_MAX), 2 * DAUYS_COUNT_MAX + 100000);
    dauys_manifest_free(&m);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(line, sizeof line, "ballot: single\nlist-allowance: %s\n", bad[i].value);
        reject_variant("ballot: single\n", line, bad[i].needle);
    }
    /* Only right after `ballot`, once. */
    reject_variant("ballot: single\n", "list-allowance: 25% + 500\nballot: single\n",
                   "m.txt:7: ballot: expected here, found \"list-allowance\"");
    reject_variant("ballot: single\n",
                   "ballot: single\nlist-allowance: 25% + 500\nlist-allowance: 25% + 500\n",
                   "m.txt:9: list-allowance: unknown key (expected question, region, district, "
                   "commission or precinct)");
    text = replaced(fx.text, "region: KZ-10 ", "list-allowance: 25% + 500\nregion: KZ-10 ");
    expect_reject(text, "m.txt:10: list-allowance: unknown key");
    free(text);
}

/* --- witnesses (issue 18) ---------------------------------------------------- */

#define WITNESSES (DAUYS_WITNESSES_MAX + 1)

/* Witness keys w1 .. w33 and their verifier keys, made once. */
static dauys_witness_key wit[WITNESSES];
static char vkey[WITNESSES][DAUYS_COSIG_VKEY_MAX];

static void
make_witnesses(void)
{
    dauys_error err;

    for (int i = 0; i < WITNESSES && wit[i].name[0] == '\0'; i++) {
        char name[32];
        dauys_pubkey pk;
        dauys_seckey *sk;
        snprintf(name, sizeof name, "witness.example/w%d", i + 1);
        assert_int_equal(dauys_keys_generate(&pk, &sk, &err), 0);
        dauys_keys_seckey_free(sk);
        if (dauys_cosig_key_init(&wit[i], name, pk.pk, &err) != 0 ||
            dauys_cosig_vkey_format(vkey[i], sizeof vkey[i], &wit[i], &err) != 0) {
            fail_msg("%s", err.message);
        }
    }
}

/* The valid manifest with LINES (each ending in a newline) right after
 * `ballot: single`, malloc'ed. */
static char *
with_lines(const char *lines)
{
    char *repl = malloc(strlen(lines) + 32), *text;

    assert_non_null(repl);
    strcpy(repl, "ballot: single\n");
    strcat(repl, lines);
    text = replaced(fx.text, "ballot: single\n", repl);
    free(repl);
    return text;
}

/* "witness-quorum: K\n" (K > 0) and the witness lines of witnesses FIRST..LAST-1. */
static char *
witness_lines(unsigned k, int first, int last)
{
    size_t cap = 64 + (size_t) (last - first) * (DAUYS_COSIG_VKEY_MAX + 16), off = 0;
    char *out = malloc(cap);

    assert_non_null(out);
    out[0] = '\0';
    if (k > 0) {
        off += (size_t) snprintf(out, cap, "witness-quorum: %u\n", k);
    }
    for (int i = first; i < last; i++) {
        off += (size_t) snprintf(out + off, cap - off, "witness: %s\n", vkey[i]);
    }
    return out;
}

/* TEXT must parse, whole, owned and as a frame, with witnesses FIRST.. of
 * their number COUNT and quorum K. */
static void
expect_witnesses(const char *text, size_t count, size_t k, int first)
{
    size_t len = strlen(text), frame_len = (size_t) (strstr(text, "precinct: ") - text);
    dauys_manifest m[3];
    dauys_error err;
    char *owned = dauys_malloc(len + 1);

    assert_non_null(owned);
    memcpy(owned, text, len);
    if (dauys_manifest_parse(&m[0], text, len, "m.txt", &err) != 0 ||
        dauys_manifest_parse_owned(&m[1], owned, len, "m.txt", &err) != 0 ||
        dauys_manifest_parse_frame(&m[2], text, frame_len, "m.txt", &err) != 0) {
        fail_msg("rejected: %s", err.message);
    }
    assert_true(m[2].frame);
    assert_int_equal(dauys_manifest_shrink(&m[1], &err),
                     0); /* the policy is no string of the text */
    for (int i = 0; i < 3; i++) {
        const dauys_witness_policy *p = &m[i].witnesses;
        assert_int_equal(p->count, count);
        assert_int_equal(p->quorum, k);
        for (size_t j = 0; j < count; j++) {
            assert_string_equal(p->key[j].name, wit[first + (int) j].name);
            assert_memory_equal(p->key[j].pk, wit[first + (int) j].pk, sizeof p->key[j].pk);
            assert_memory_equal(p->key[j].id, wit[first + (int) j].id, sizeof p->key[j].id);
        }
        assert_true(dauys_manifest_same_witnesses(&m[0], &m[i]));
        assert_int_equal(m[i].question_count, 2); /* and the records after them */
    }
    assert_int_equal(m[0].precinct_count, PRECINCTS);
    for (int i = 0; i < 3; i++) {
        dauys_manifest_free(&m[i]);
    }
}

/* `witness-quorum: K` and `witness: VKEY` lines after `ballot` (and
 * `list-allowance`): each accepted form, with the policy it gives. */
static void
test_witnesses_accepted(void **state)
{
    char *lines, *text;
    dauys_manifest m;
    dauys_error err;

    (void) state;
    make_witnesses();
    accept_variant("ballot: single\n", "ballot: single\n", &m); /* none: count and quorum 0 */
    assert_int_equal(m.witnesses.count, 0);
    assert_int_equal(m.witnesses.quorum, 0);
    dauys_manifest_free(&m);

    static const struct {
        unsigned k;
        int first, last;
    } forms[] = {
        {2, 0, 3}, {1, 0, 1}, {3, 0, 3}, {1, 5, 9}, {DAUYS_WITNESSES_MAX, 0, DAUYS_WITNESSES_MAX}};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        lines = witness_lines(forms[i].k, forms[i].first, forms[i].last);
        text = with_lines(lines);
        expect_witnesses(text, (size_t) (forms[i].last - forms[i].first), forms[i].k,
                         forms[i].first);
        free(text);
        free(lines);
    }

    /* after list-allowance */
    lines = witness_lines(2, 0, 2);
    char *both = malloc(strlen(lines) + 64);
    assert_non_null(both);
    strcpy(both, "list-allowance: 0% + 0\n");
    strcat(both, lines);
    text = with_lines(both);
    expect_witnesses(text, 2, 2, 0);
    assert_int_equal(dauys_manifest_parse(&m, text, strlen(text), "m.txt", &err), 0);
    assert_true(m.allowance_stated);
    assert_int_equal(m.allowance_percent, 0);
    dauys_manifest_free(&m);
    free(text);
    free(both);
    free(lines);
}

/* dauys_manifest_same_witnesses: the same names and keys in the same order
 * with the same quorum; anything else is a change. */
static void
test_witnesses_compare(void **state)
{
    static const struct {
        unsigned k;
        int first, last;
        int same;
    } other[] = {
        {2, 0, 3, 1}, /* identical */
        {3, 0, 3, 0}, /* another quorum */
        {2, 0, 2, 0}, /* one dropped */
        {2, 0, 4, 0}, /* one added */
        {2, 1, 4, 0}, /* another set */
        {0, 0, 0, 0}, /* none */
    };
    dauys_manifest a, b;
    dauys_error err;
    char *lines, *text;

    (void) state;
    make_witnesses();
    lines = witness_lines(2, 0, 3);
    text = with_lines(lines);
    assert_int_equal(dauys_manifest_parse(&a, text, strlen(text), "a.txt", &err), 0);
    free(text);
    free(lines);
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        lines = witness_lines(other[i].k, other[i].first, other[i].last);
        text = with_lines(lines);
        assert_int_equal(dauys_manifest_parse(&b, text, strlen(text), "b.txt", &err), 0);
        assert_int_equal(dauys_manifest_same_witnesses(&a, &b), other[i].same);
        assert_int_equal(dauys_manifest_same_witnesses(&b, &a), other[i].same);
        dauys_manifest_free(&b);
        free(text);
        free(lines);
    }
    /* the same three in another order */
    size_t n = 3 * (DAUYS_COSIG_VKEY_MAX + 16) + 32;
    lines = malloc(n);
    assert_non_null(lines);
    snprintf(lines, n, "witness-quorum: 2\nwitness: %s\nwitness: %s\nwitness: %s\n", vkey[1],
             vkey[0], vkey[2]);
    text = with_lines(lines);
    assert_int_equal(dauys_manifest_parse(&b, text, strlen(text), "b.txt", &err), 0);
    assert_false(dauys_manifest_same_witnesses(&a, &b));
    /* ...a witness's key replaced under its name */
    b.witnesses.key[0] = a.witnesses.key[0];
    b.witnesses.key[1] = a.witnesses.key[1];
    assert_true(dauys_manifest_same_witnesses(&a, &b));
    memcpy(b.witnesses.key[2].pk, wit[3].pk, sizeof wit[3].pk);
    assert_false(dauys_manifest_same_witnesses(&a, &b));
    /* ...or renamed */
    b.witnesses.key[2] = a.witnesses.key[2];
    b.witnesses.key[2].name[0] ^= 1;
    assert_false(dauys_manifest_same_witnesses(&a, &b));
    dauys_manifest_free(&b);
    dauys_manifest_free(&a);
    free(text);
    free(lines);
}

/* LINES after `ballot` must fail, whole and as a frame, with NEEDLE. */
static void
reject_witness_lines(const char *lines, const char *needle)
{
    char *text = with_lines(lines);
    dauys_manifest m;
    dauys_error err;

    expect_reject(text, needle);
    dauys_error_clear(&err);
    if (dauys_manifest_parse_frame(&m, text, (size_t) (strstr(text, "precinct: ") - text), "m.txt",
                                   &err) == 0) {
        dauys_manifest_free(&m);
        fail_msg("frame accepted; expected \"%s\"", needle);
    }
    assert_error(&err, DAUYS_E_FORMAT, needle);
    free(text);
}

/* A verifier key for witness NAME whose key id is right but whose bytes after
 * the type are KEY (32 bytes), with type byte TYPE. */
static void
forge_vkey(char *out, size_t size, const char *name, uint8_t type, const uint8_t key[32])
{
    uint8_t msg[128], h[32], bin[33];
    char b64[64];
    size_t n = strlen(name);

    memcpy(msg, name, n);
    msg[n] = '\n';
    msg[n + 1] = type;
    memcpy(msg + n + 2, key, 32);
    crypto_hash_sha256(h, msg, n + 34);
    bin[0] = type;
    memcpy(bin + 1, key, 32);
    sodium_bin2base64(b64, sizeof b64, bin, sizeof bin, sodium_base64_VARIANT_ORIGINAL);
    snprintf(out, size, "%s+%02x%02x%02x%02x+%s", name, h[0], h[1], h[2], h[3], b64);
}

/* Each refused form, at its line, naming the field. */
static void
test_witnesses_refused(void **state)
{
    char lines[4 * DAUYS_COSIG_VKEY_MAX + 400], bad[DAUYS_COSIG_VKEY_MAX + 64], *many, *text;
    uint8_t zero[32] = {0};

    (void) state;
    make_witnesses();
    /* witness lines without a quorum line */
    snprintf(lines, sizeof lines, "witness: %s\nwitness: %s\n", vkey[0], vkey[1]);
    reject_witness_lines(lines, "m.txt:8: witness: no witness-quorum line before the witnesses");
    /* a quorum line without witness lines */
    reject_witness_lines("witness-quorum: 1\n",
                         "m.txt:8: witness-quorum: no witness lines follow it");
    /* a quorum over their number */
    snprintf(lines, sizeof lines, "witness-quorum: 3\nwitness: %s\nwitness: %s\n", vkey[0],
             vkey[1]);
    reject_witness_lines(lines, "m.txt:8: witness-quorum: 3 is more than the 2 witnesses listed");
    snprintf(lines, sizeof lines, "witness-quorum: 2\nwitness: %s\n", vkey[0]);
    reject_witness_lines(lines, "m.txt:8: witness-quorum: 2 is more than the 1 witness listed");
    /* a quorum that is not a number from 1 */
    static const char *const quorum[] = {"0",  "01",  "two",    "-1",
                                         "+1", "1.0", "1 of 2", "99999999999999999999"};
    for (size_t i = 0; i < sizeof quorum / sizeof quorum[0]; i++) {
        char needle[128];
        snprintf(lines, sizeof lines, "witness-quorum: %s\nwitness: %s\n", quorum[i], vkey[0]);
        snprintf(needle, sizeof needle,
                 "m.txt:8: witness-quorum: \"%s\" is not a number of witnesses (1 to their "
                 "number, without leading zeros)",
                 quorum[i]);
        reject_witness_lines(lines, needle);
    }
    reject_witness_lines("witness-quorum: \nwitness: x\n",
                         "m.txt:8: witness-quorum: value is empty or has spaces");
    /* out of order: after a question, a second quorum, a quorum after the witnesses */
    snprintf(lines, sizeof lines, "witness-quorum: 1\nwitness: %s\n", vkey[0]);
    char *l2 = malloc(strlen(lines) + 32);
    assert_non_null(l2);
    snprintf(l2, strlen(lines) + 32, "witness: %s\nregion: KZ-10 ", vkey[1]);
    char *base = with_lines(lines);
    text = replaced(base, "region: KZ-10 ", l2);
    expect_reject(text, "m.txt:12: witness: out of order: the witness-quorum line and then the "
                        "witness lines come right after ballot (and list-allowance), before the "
                        "first question line");
    free(text);
    free(base);
    free(l2);
    snprintf(lines, sizeof lines, "witness-quorum: 1\nwitness: %s\nwitness-quorum: 1\n", vkey[0]);
    reject_witness_lines(lines, "m.txt:10: witness-quorum: out of order");
    snprintf(lines, sizeof lines, "witness: %s\nwitness-quorum: 1\n", vkey[0]);
    reject_witness_lines(lines, "m.txt:8: witness: no witness-quorum line before the witnesses");
    snprintf(lines, sizeof lines, "witness-quorum: 1\nwitness: %s\nlist-allowance: 0%% + 0\n",
             vkey[0]);
    reject_witness_lines(lines, "m.txt:10: list-allowance: unknown key");
    snprintf(lines, sizeof lines, "witness-quorum: 1\nwitness: %s\nballot: single\n", vkey[0]);
    text = replaced(fx.text, "ballot: single\n", lines);
    expect_reject(text, "m.txt:7: ballot: expected here, found \"witness-quorum\"");
    free(text);
    /* malformed verifier keys: the parser's reason, after the line and field */
    static const struct {
        const char *vkey, *needle;
    } malformed[] = {
        {"w1", "m.txt:9: witness: verifier key: expected NAME+KEYID+KEY, found no '+'"},
        {"w1+00000000", "m.txt:9: witness: verifier key: the key id must be 8 lower-case hex "
                        "digits between two '+'"},
        {"w1+00000000+", "m.txt:9: witness: verifier key: key is not canonical base64"},
        {"w1+0000000A+BCyW1oUDjtEKfT7BTCP/8Yyt5I9avdjiYyL8+qMHXceD",
         "m.txt:9: witness: verifier key: the key id must be 8 lower-case hex digits"},
        {"w1+zzzzzzzz+BCyW1oUDjtEKfT7BTCP/8Yyt5I9avdjiYyL8+qMHXceD",
         "m.txt:9: witness: verifier key: the key id must be 8 lower-case hex digits"},
        {"+00000000+BCyW1oUDjtEKfT7BTCP/8Yyt5I9avdjiYyL8+qMHXceD",
         "m.txt:9: witness: verifier key: name is empty"},
        {"w1+00000000+BCyW1oUDjtEKfT7BTCP/8Yyt5I9avdjiYyL8+qMHXceD",
         "m.txt:9: witness: verifier key: key id 00000000 is not the one of this name and key "
         "("},
    };
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        snprintf(lines, sizeof lines, "witness-quorum: 1\nwitness: %s\n", malformed[i].vkey);
        reject_witness_lines(lines, malformed[i].needle);
    }
    /* a signed-note key (type 0x01), not a witness's */
    forge_vkey(bad, sizeof bad, "w1", 0x01, wit[0].pk);
    snprintf(lines, sizeof lines, "witness-quorum: 1\nwitness: %s\n", bad);
    reject_witness_lines(lines, "m.txt:9: witness: verifier key: type 0x01, not 0x04 (a "
                                "cosignature/v1 Ed25519 witness key)");
    /* a weak key, its id right: at its line too */
    forge_vkey(bad, sizeof bad, "w1", 0x04, zero);
    snprintf(lines, sizeof lines, "witness-quorum: 1\nwitness: %s\n", bad);
    reject_witness_lines(lines, "m.txt:9: witness: verifier key: witness w1: public key is a "
                                "point of small order");
    /* one character of the key changed: the id no longer matches */
    snprintf(lines, sizeof lines, "witness-quorum: 1\nwitness: %s\n", vkey[0]);
    lines[strlen(lines) - 3] = lines[strlen(lines) - 3] == 'A' ? 'B' : 'A';
    reject_witness_lines(lines, "m.txt:9: witness: verifier key: key id ");
    /* the same name twice (another key), the same key twice (another name) */
    forge_vkey(bad, sizeof bad, wit[0].name, 0x04, wit[2].pk);
    snprintf(lines, sizeof lines, "witness-quorum: 1\nwitness: %s\nwitness: %s\nwitness: %s\n",
             vkey[0], vkey[1], bad);
    reject_witness_lines(lines,
                         "m.txt:11: witness: the name \"witness.example/w1\" is listed twice "
                         "(first on line 9)");
    forge_vkey(bad, sizeof bad, "witness.example/other", 0x04, wit[1].pk);
    snprintf(lines, sizeof lines, "witness-quorum: 1\nwitness: %s\nwitness: %s\nwitness: %s\n",
             vkey[0], vkey[1], bad);
    reject_witness_lines(lines, "m.txt:11: witness: witness \"witness.example/other\" has the "
                                "public key of witness \"witness.example/w2\" (line 10); each "
                                "witness needs its own");
    snprintf(lines, sizeof lines, "witness-quorum: 1\nwitness: %s\nwitness: %s\n", vkey[0],
             vkey[0]);
    reject_witness_lines(lines, "m.txt:10: witness: the name \"witness.example/w1\" is listed "
                                "twice (first on line 9)");
    /* one witness too many */
    many = witness_lines(1, 0, WITNESSES);
    reject_witness_lines(many, "m.txt:41: witness: more than 32 witnesses");
    free(many);
}

/* Names and question texts are bounded, so no lawful manifest makes a page
 * too large to audit: 1000 and 10000 bytes pass, one more does not. */
static void
test_name_bounds(void **state)
{
    char *name = malloc(DAUYS_QUESTION_TEXT_MAX + 2), *text;
    dauys_manifest m;

    (void) state;
    assert_non_null(name);
    memset(name, 'n', DAUYS_QUESTION_TEXT_MAX + 1);
    name[DAUYS_NAME_MAX] = '\0';
    accept_variant("№1 мектеп-гимназия, Семей", name, &m);
    dauys_manifest_free(&m);
    accept_variant("Абай облысы", name, &m);
    dauys_manifest_free(&m);
    name[DAUYS_NAME_MAX] = 'n', name[DAUYS_NAME_MAX + 1] = '\0';
    reject_variant("№1 мектеп-гимназия, Семей", name,
                   "m.txt:17: precinct: name: 1001 bytes, longer than 1000");
    reject_variant("Абай облысы", name, "m.txt:10: region: name: 1001 bytes, longer than 1000");
    reject_variant("Семей қаласы", name, "m.txt:13: district: name: 1001 bytes, longer than 1000");
    name[DAUYS_NAME_MAX + 1] = 'n';
    name[DAUYS_QUESTION_TEXT_MAX] = '\0';
    text = replaced(fx.text, "Жаңа Конституцияны қабылдайсыз ба?", name);
    accept_variant(fx.text, text, &m); /* the whole text replaced */
    dauys_manifest_free(&m);
    free(text);
    name[DAUYS_QUESTION_TEXT_MAX] = 'n', name[DAUYS_QUESTION_TEXT_MAX + 1] = '\0';
    reject_variant("Жаңа Конституцияны қабылдайсыз ба?", name,
                   "m.txt:8: question: question text: 10001 bytes, longer than 10000");
    free(name);
}

static void
test_rejects_keys_and_ends(void **state)
{
    char key[80], line[160], *text;
    size_t len;

    (void) state;
    /* The public key one character short, then one too long. */
    snprintf(key, sizeof key, "%.55s", fx.b64[0]);
    reject_variant(fx.b64[0], key, "m.txt:17: precinct: public key: ");
    reject_variant(fx.b64[0], key, "not 42 bytes of base64");
    snprintf(key, sizeof key, "%.56sA", fx.b64[0]);
    reject_variant(fx.b64[0], key, "m.txt:17: precinct: public key: ");
    reject_variant(fx.b64[0], key, "not 42 bytes of base64");
    /* Not base64 at all. */
    snprintf(key, sizeof key, "%.55s*", fx.b64[1]);
    reject_variant(fx.b64[1], key, "m.txt:18: precinct: public key: ");
    /* Every minisign key starts "RW" ("Ed"); "QW" decodes to "Ad". */
    assert_memory_equal(fx.b64[2], "RW", 2);
    snprintf(key, sizeof key, "Q%.55s", fx.b64[2] + 1);
    reject_variant(fx.b64[2], key, "m.txt:19: precinct: public key: ");
    reject_variant(fx.b64[2], key, "unknown algorithm tag 0x4164 (expected \"Ed\")");
    /* A key file's text in place of the bare key. */
    snprintf(key, sizeof key, "untrusted");
    reject_variant(fx.b64[3], key, "m.txt:20: precinct: public key: ");
    /* No key and no name. */
    snprintf(line, sizeof line, "P-0005 KZ-71-01 3120 %s Мәңгілік Ел даңғылы 8, Астана", fx.b64[4]);
    text = replaced(fx.text, line, "P-0005 KZ-71-01 3120");
    expect_reject(text,
                  "m.txt:21: precinct: expected \"PRECINCT DISTRICT VOTERS PUBLIC_KEY NAME\"");
    free(text);
    /* A key and no name. */
    snprintf(line, sizeof line, "%s Мәңгілік Ел даңғылы 8, Астана", fx.b64[4]);
    text = replaced(fx.text, line, fx.b64[4]);
    expect_reject(text, "m.txt:21: precinct: name: missing (or a double space before it)");
    free(text);

    /* A precinct before the last district: out of order. */
    snprintf(line, sizeof line, "precinct: P-0000 KZ-10-01 10 %s Бір\ndistrict: KZ-71-01",
             fx.b64[0]);
    reject_variant("district: KZ-71-01", line,
                   "m.txt:17: district: out of order: all question lines come first, then region, "
                   "district, commission and precinct lines");

    /* Missing final LF. */
    expect_reject_len(fx.text, fx.len - 1, DAUYS_E_FORMAT,
                      "m.txt:21: the last line has no LF at its end");
    /* The whole file with CRLF line ends. */
    text = malloc(2 * fx.len + 1);
    assert_non_null(text);
    len = 0;
    for (size_t i = 0; i < fx.len; i++) {
        if (fx.text[i] == '\n') {
            text[len++] = '\r';
        }
        text[len++] = fx.text[i];
    }
    expect_reject_len(text, len, DAUYS_E_FORMAT,
                      "m.txt:1: CR is not allowed: lines end in LF only (byte 0x0d at column 25)");
    free(text);

    /* Empty sections: no precincts; header only; nothing at all. */
    len = (size_t) (strstr(fx.text, "precinct: ") - fx.text);
    expect_reject_len(fx.text, len, DAUYS_E_FORMAT,
                      "m.txt: a manifest needs at least one question, region, district and "
                      "precinct line");
    len = (size_t) (strstr(fx.text, "question: ") - fx.text);
    expect_reject_len(fx.text, len, DAUYS_E_FORMAT, "m.txt: a manifest needs at least one");
    text = replaced(fx.text,
                    "question: q1 kz-constitutional Жаңа Конституцияны қабылдайсыз ба?\n"
                    "question: q2 kz-ordinary Атом электр станциясын салуға келісесіз бе?\n",
                    "");
    expect_reject(text, "m.txt: a manifest needs at least one question");
    free(text);
    len = (size_t) (strstr(fx.text, "mode: ") - fx.text);
    expect_reject_len(fx.text, len, DAUYS_E_FORMAT, "m.txt:5: mode: missing (the file ends early)");
    expect_reject_len("", 0, DAUYS_E_FORMAT, "m.txt:1: format: missing (the file ends early)");
    /* A NUL byte in the middle. */
    text = malloc(fx.len);
    assert_non_null(text);
    memcpy(text, fx.text, fx.len);
    text[strstr(fx.text, "Абай облысы") - fx.text] = '\0';
    expect_reject_len(text, fx.len, DAUYS_E_FORMAT,
                      "m.txt:10: control byte is not allowed (byte 0x00 at column 22)");
    free(text);
    /* A title over 255 bytes. */
    char title[300];
    memset(title, 'T', 256);
    strcpy(title + 256, "\n");
    text = replaced(fx.text, "Республикалық референдум 2026\n", title);
    expect_reject(text, "m.txt:3: title: longer than 255 bytes");
    free(text);
}

/* Question count: 16 is the most; the 17th line fails. */
static void
test_question_limit(void **state)
{
    char extra[2048];
    size_t off = 0;
    dauys_manifest m;
    dauys_error err;
    char *text;

    (void) state;
    for (int i = 3; i <= DAUYS_QUESTIONS_MAX; i++) {
        off += (size_t) snprintf(extra + off, sizeof extra - off,
                                 "question: q%d simple-majority Сұрақ %d?\n", i, i);
    }
    strcat(extra, "region: KZ-10 oblast");
    text = replaced(fx.text, "region: KZ-10 oblast", extra);
    assert_int_equal(dauys_manifest_parse(&m, text, strlen(text), "m.txt", &err), 0);
    assert_int_equal(m.question_count, DAUYS_QUESTIONS_MAX);
    assert_string_equal(m.question[15].id, "q16");
    assert_true(str_is(m.question[15].text, m.question[15].text_len, "Сұрақ 16?"));
    dauys_manifest_free(&m);
    free(text);

    extra[off] = '\0';
    strcat(extra, "question: q17 simple-majority Сұрақ 17?\nregion: KZ-10 oblast");
    text = replaced(fx.text, "region: KZ-10 oblast", extra);
    expect_reject(text, "m.txt:24: question: more than 16 questions");
    free(text);
}

/* Two precincts with one key: that key could sign for both. */
static void
test_shared_key(void **state)
{
    char *text;

    (void) state;
    text = replaced(fx.text, fx.b64[1], fx.b64[0]);
    expect_reject(text, "m.txt: precincts P-0001 and P-0002 have the same public key; each "
                        "precinct needs its own");
    free(text);
}

/* --- commissions ------------------------------------------------------------ */

/* A fresh key's base64 text into OUT (57 bytes). */
static void
fresh_key(char out[57], dauys_pubkey *pk)
{
    dauys_seckey *sk;
    dauys_error err;

    assert_int_equal(dauys_keys_generate(pk, &sk, &err), 0);
    dauys_keys_seckey_free(sk);
    dauys_keys_pubkey_to_base64(out, pk);
}

/* The valid manifest with LINES (commission lines) before its first precinct. */
static char *
with_commissions(const char *lines)
{
    char *repl = malloc(strlen(lines) + 32), *text;

    assert_non_null(repl);
    sprintf(repl, "%sprecinct: P-0001 ", lines);
    text = replaced(fx.text, "precinct: P-0001 ", repl);
    free(repl);
    return text;
}

static void
reject_commissions(const char *lines, const char *needle)
{
    char *text = with_commissions(lines);
    expect_reject(text, needle);
    free(text);
}

/* Commission lines parsed into the regions and districts, kept by the frame and by
 * dauys_manifest_shrink. */
static void
test_commissions(void **state)
{
    char k[3][57], lines[512], *text;
    dauys_pubkey pk[3];
    dauys_manifest m;
    dauys_error err;
    size_t frame_len;

    (void) state;
    for (int i = 0; i < 3; i++) {
        fresh_key(k[i], &pk[i]);
    }
    snprintf(lines, sizeof lines,
             "commission: district KZ-75-02 %s\ncommission: region KZ-75 %s\n"
             "commission: district KZ-10-01 %s\n",
             k[0], k[1], k[2]);
    text = with_commissions(lines);
    if (dauys_manifest_parse(&m, text, strlen(text), "m.txt", &err) != 0) {
        fail_msg("rejected: %s", err.message);
    }
    assert_int_equal(m.precinct_count, PRECINCTS);
    assert_false(m.region[0].has_commission);
    assert_true(m.region[1].has_commission);
    assert_memory_equal(&m.region[1].commission, &pk[1], sizeof pk[1]);
    assert_false(m.region[2].has_commission);
    assert_true(m.district[0].has_commission);
    assert_memory_equal(&m.district[0].commission, &pk[2], sizeof pk[2]);
    assert_false(m.district[1].has_commission);
    assert_true(m.district[2].has_commission);
    assert_memory_equal(&m.district[2].commission, &pk[0], sizeof pk[0]);
    assert_false(m.district[3].has_commission);
    assert_int_equal(dauys_manifest_shrink(&m, &err), 0);
    assert_true(m.district[2].has_commission);
    assert_memory_equal(&m.district[2].commission, &pk[0], sizeof pk[0]);
    assert_memory_equal(&m.region[1].commission, &pk[1], sizeof pk[1]);
    dauys_manifest_free(&m);
    /* the frame: up to the first precinct line, commissions included */
    frame_len = (size_t) (strstr(text, "precinct: ") - text);
    assert_int_equal(dauys_manifest_parse_frame(&m, text, frame_len, "m.txt", &err), 0);
    assert_true(m.frame);
    assert_true(m.region[1].has_commission);
    assert_memory_equal(&m.district[0].commission, &pk[2], sizeof pk[2]);
    dauys_manifest_free(&m);
    free(text);
}

static void
test_commissions_refused(void **state)
{
    char k[2][57], weak_b64[57], lines[512], last[256], *text;
    dauys_pubkey pk[2], weak;

    (void) state;
    for (int i = 0; i < 2; i++) {
        fresh_key(k[i], &pk[i]);
    }
    /* malformed lines */
    snprintf(lines, sizeof lines, "commission: precinct P-0001 %s\n", k[0]);
    reject_commissions(lines, "m.txt:17: commission: level \"precinct\" is not district or region");
    snprintf(lines, sizeof lines, "commission: district %s\n", k[0]);
    reject_commissions(lines, "m.txt:17: commission: expected \"LEVEL AREA PUBLIC_KEY\"");
    snprintf(lines, sizeof lines, "commission: district KZ-10-01 %s extra\n", k[0]);
    reject_commissions(lines, "m.txt:17: commission: expected \"LEVEL AREA PUBLIC_KEY\"");
    snprintf(lines, sizeof lines, "commission: district  KZ-10-01 %s\n", k[0]);
    reject_commissions(lines, "m.txt:17: commission: expected \"LEVEL AREA PUBLIC_KEY\"");
    snprintf(lines, sizeof lines, "commission: district KZ-10-09 %s\n", k[0]);
    reject_commissions(lines, "m.txt:17: commission: district \"KZ-10-09\" is not defined above");
    snprintf(lines, sizeof lines, "commission: region KZ-10-01 %s\n", k[0]);
    reject_commissions(lines, "m.txt:17: commission: region \"KZ-10-01\" is not defined above");
    snprintf(lines, sizeof lines, "commission: district KZ-10 %s\n", k[0]);
    reject_commissions(lines, "m.txt:17: commission: district \"KZ-10\" is not defined above");
    snprintf(lines, sizeof lines, "commission: district KZ-10-01 %.55s\n", k[0]);
    reject_commissions(lines, "m.txt:17: commission: public key: not 42 bytes of base64");
    /* a weak key, refused as for precincts */
    memset(&weak, 0, sizeof weak);
    memcpy(weak.id, pk[0].id, sizeof weak.id);
    weak.pk[0] = 1; /* the identity point */
    dauys_keys_pubkey_to_base64(weak_b64, &weak);
    snprintf(lines, sizeof lines, "commission: region KZ-10 %s\n", weak_b64);
    reject_commissions(lines, "m.txt:17: commission: public key: the Ed25519 key ");
    /* one commission per area */
    snprintf(lines, sizeof lines,
             "commission: district KZ-10-01 %s\ncommission: district KZ-10-01 %s\n", k[0], k[1]);
    reject_commissions(lines, "m.txt:18: commission: the district KZ-10-01 has a commission "
                              "already");
    /* every commission key its own: another commission's, a precinct's */
    snprintf(lines, sizeof lines, "commission: district KZ-10-01 %s\ncommission: region KZ-10 %s\n",
             k[0], k[0]);
    reject_commissions(lines, "m.txt:18: commission: the key of the district commission of "
                              "KZ-10-01; each commission needs its own");
    snprintf(lines, sizeof lines, "commission: region KZ-71 %s\n", fx.b64[3]);
    reject_commissions(lines, "m.txt: the region commission of KZ-71 has the public key of "
                              "precinct P-0004; a commission's key must be its own");
    /* order: after the districts, before the precincts */
    snprintf(lines, sizeof lines, "commission: district KZ-10-01 %s\ndistrict: KZ-71-01", k[0]);
    reject_variant("district: KZ-71-01", lines,
                   "m.txt:17: district: out of order: all question lines come first, then region, "
                   "district, commission and precinct lines");
    /* a commission after a precinct */
    snprintf(last, sizeof last, "P-0005 KZ-71-01 3120 %s Мәңгілік Ел даңғылы 8, Астана\n",
             fx.b64[4]);
    snprintf(lines, sizeof lines, "%scommission: region KZ-10 %s\n", last, k[0]);
    text = replaced(fx.text, last, lines);
    expect_reject(text, "m.txt:22: commission: out of order");
    free(text);
}

/* Shrinking keeps every lookup and string a reader uses, in less memory. */
static void
test_shrink(void **state)
{
    dauys_manifest m, ref;
    dauys_error err;
    uint32_t index;

    (void) state;
    assert_int_equal(dauys_manifest_parse(&m, fx.text, fx.len, "m.txt", &err), 0);
    assert_int_equal(dauys_manifest_parse(&ref, fx.text, fx.len, "m.txt", &err), 0);
    support_alloc_install(0); /* out of memory: refused, M as it was */
    int refused = dauys_manifest_shrink(&m, &err);
    support_alloc_restore();
    assert_int_equal(refused, -1);
    assert_int_equal(err.status, DAUYS_E_NOMEM);
    assert_ptr_equal(m.precinct[0].id, m.text + (ref.precinct[0].id - ref.text));
    assert_int_equal(dauys_manifest_shrink(&m, &err), 0);
    assert_true(m.text_len < ref.text_len / 2);
    for (size_t i = 0; i < ref.precinct_count; i++) {
        const dauys_precinct *p = &ref.precinct[i];
        assert_true(dauys_manifest_find_precinct(&m, p->id, p->id_len, &index));
        assert_int_equal(index, i);
        assert_memory_equal(m.precinct[i].id, p->id, p->id_len);
        assert_int_equal(m.precinct[i].name_len, 0);
        assert_memory_equal(&m.precinct[i].key, &p->key, sizeof p->key);
    }
    for (size_t i = 0; i < ref.region_count; i++) {
        assert_true(dauys_idmap_get(&m.region_map, ref.region[i].id, ref.region[i].id_len, &index));
        assert_int_equal(index, i);
        assert_int_equal(m.region[i].name_len, ref.region[i].name_len);
        assert_memory_equal(m.region[i].name, ref.region[i].name, ref.region[i].name_len);
        assert_memory_equal(m.region[i].kind, ref.region[i].kind, ref.region[i].kind_len);
    }
    for (size_t i = 0; i < ref.district_count; i++) {
        assert_true(
            dauys_idmap_get(&m.district_map, ref.district[i].id, ref.district[i].id_len, &index));
        assert_int_equal(index, i);
    }
    for (size_t i = 0; i < ref.question_count; i++) {
        assert_int_equal(m.question[i].text_len, ref.question[i].text_len);
        assert_memory_equal(m.question[i].text, ref.question[i].text, ref.question[i].text_len);
    }
    assert_false(dauys_manifest_find_precinct(&m, "P-9999", 6, &index));
    dauys_manifest_free(&m);
    dauys_manifest_free(&ref);
}

/* --- out of memory ------------------------------------------------------- */

static int
parse_and_free(const char *text, size_t len, dauys_error *err)
{
    dauys_manifest m;

    if (dauys_manifest_parse(&m, text, len, "m.txt", err) != 0) {
        /* A failed parse leaves M empty. */
        if (m.text != NULL || m.region != NULL || m.district != NULL || m.precinct != NULL ||
            m.precinct_map.slots != NULL) {
            fail_msg("a failed parse left memory in the manifest");
        }
        return -1;
    }
    dauys_manifest_free(&m);
    return 0;
}

static void
oom_loop(const char *text, size_t len, const char *name)
{
    dauys_error err;
    long k;

    for (k = 0; k < 10000; k++) {
        support_alloc_install(k);
        dauys_error_clear(&err);
        int rc = parse_and_free(text, len, &err);
        long leaked = support_alloc_outstanding();
        support_alloc_restore();
        if (leaked != 0) {
            fail_msg("%s: %ld allocations leaked when allocation %ld failed", name, leaked, k);
        }
        if (rc == 0) {
            break;
        }
        if (err.status != DAUYS_E_NOMEM || strstr(err.message, "m.txt") == NULL) {
            fail_msg("%s: allocation %ld failed but status is %s: %s", name, k,
                     dauys_status_name(err.status), err.message);
        }
    }
    assert_true(k > 0);
    assert_true(k < 10000);
}

static void
test_oom(void **state)
{
    size_t off = 0, cap = 200000;
    char *big_text;

    (void) state;
    oom_loop(fx.text, fx.len, "small manifest");

    /* 100 regions, 300 districts, 600 precincts: each array and map grows. */
    big_text = malloc(cap);
    assert_non_null(big_text);
    off += (size_t) snprintf(big_text, cap, "%.*s", (int) (strstr(fx.text, "region: ") - fx.text),
                             fx.text);
    for (int r = 0; r < 100; r++) {
        off +=
            (size_t) snprintf(big_text + off, cap - off, "region: R%03d oblast Облыс %d\n", r, r);
    }
    for (int d = 0; d < 300; d++) {
        off += (size_t) snprintf(big_text + off, cap - off, "district: D%03d R%03d Аудан %d\n", d,
                                 d % 100, d);
    }
    for (int p = 0; p < 600; p++) {
        char key[57];
        support_fake_pubkey(key, (uint32_t) p);
        off +=
            (size_t) snprintf(big_text + off, cap - off, "precinct: P%04d D%03d %d %s Учаске %d\n",
                              p, p % 300, 500 + p, key, p);
    }
    assert_true(off < cap - 1);
    oom_loop(big_text, off, "grown manifest");
    free(big_text);
}

/* --- scale ----------------------------------------------------------------- */

static void
test_hundred_thousand_precincts(void **state)
{
    enum { REGIONS = 20, DISTRICTS = 220, N = 100000 };
    size_t cap = (size_t) N * 140 + 100000, off = 0;
    char *text = malloc(cap);
    struct timespec t0, t1;
    dauys_manifest m;
    dauys_error err;
    double seconds;

    (void) state;
    assert_non_null(text);
    off += (size_t) snprintf(text, cap, "%.*s", (int) (strstr(fx.text, "region: ") - fx.text),
                             fx.text);
    for (int r = 0; r < REGIONS; r++) {
        off += (size_t) snprintf(text + off, cap - off, "region: KZ-%02d oblast Облыс %d\n", r, r);
    }
    for (int d = 0; d < DISTRICTS; d++) {
        off += (size_t) snprintf(text + off, cap - off, "district: KZ-%02d-%03d KZ-%02d Аудан %d\n",
                                 d % REGIONS, d, d % REGIONS, d);
    }
    for (int p = 0; p < N; p++) {
        int d = (p * 7) % DISTRICTS;
        char key[57];
        support_fake_pubkey(key, (uint32_t) p);
        off += (size_t) snprintf(text + off, cap - off,
                                 "precinct: %06d KZ-%02d-%03d %d %s Учаскелік комиссия №%d\n", p,
                                 d % REGIONS, d, 300 + p % 3000, key, p);
    }
    assert_true(off < cap - 1);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(dauys_manifest_parse(&m, text, off, "big.txt", &err), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    seconds = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("parsed %d precincts (%zu bytes) in %.3f s\n", N, off, seconds);
    assert_true(seconds < 10.0); /* milliseconds in practice; the test timeout is 300 s */
    free(text);

    assert_int_equal(m.precinct_count, N);
    assert_int_equal(m.district_count, DISTRICTS);
    assert_int_equal(m.region_count, REGIONS);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int p = 0; p < N; p++) {
        char id[16];
        uint32_t at = UINT32_MAX;
        int d = (p * 7) % DISTRICTS;
        int n = snprintf(id, sizeof id, "%06d", p);
        if (!dauys_manifest_find_precinct(&m, id, (size_t) n, &at) || at != (uint32_t) p) {
            fail_msg("precinct %s: not found at %d (got %u)", id, p, (unsigned) at);
        }
        const dauys_precinct *pr = &m.precinct[at];
        char want[57], got[57];
        support_fake_pubkey(want, (uint32_t) p);
        dauys_keys_pubkey_to_base64(got, &pr->key);
        if (!str_is(pr->id, pr->id_len, id) || pr->district != (uint32_t) d ||
            pr->region != (uint32_t) (d % REGIONS) || pr->voters != (uint64_t) (300 + p % 3000) ||
            strcmp(want, got) != 0) {
            fail_msg("precinct %s: wrong fields", id);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    seconds = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(seconds < 10.0);
    uint32_t at;
    assert_int_equal(dauys_manifest_find_precinct(&m, "100000", 6, &at), 0);
    assert_int_equal(dauys_manifest_find_precinct(&m, "P-0001", 6, &at), 0);
    dauys_manifest_free(&m);
}

/* A duplicate far down a big roster is still caught, naming its line. */
static void
test_late_duplicate(void **state)
{
    enum { N = 5000 };
    size_t cap = (size_t) N * 140 + 10000, off = 0;
    char *text = malloc(cap);

    (void) state;
    assert_non_null(text);
    off += (size_t) snprintf(text, cap, "%.*s", (int) (strstr(fx.text, "precinct: ") - fx.text),
                             fx.text);
    for (int p = 0; p < N; p++) {
        off += (size_t) snprintf(text + off, cap - off, "precinct: S-%05d KZ-75-01 1000 %s Н%d\n",
                                 p == N - 1 ? 1234 : p, fx.b64[0], p);
    }
    /* 16 lines before the first precinct: the last is line 16 + N. */
    expect_reject_len(text, off, DAUYS_E_FORMAT,
                      "m.txt:5016: precinct: precinct id \"S-01234\" is listed twice");
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_official_and_separate),
        cmocka_unit_test(test_accepts_edges),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_rejects_keys_and_ends),
        cmocka_unit_test(test_list_allowance),
        cmocka_unit_test(test_witnesses_accepted),
        cmocka_unit_test(test_witnesses_compare),
        cmocka_unit_test(test_witnesses_refused),
        cmocka_unit_test(test_name_bounds),
        cmocka_unit_test(test_question_limit),
        cmocka_unit_test(test_shared_key),
        cmocka_unit_test(test_commissions),
        cmocka_unit_test(test_commissions_refused),
        cmocka_unit_test(test_shrink),
        cmocka_unit_test(test_oom),
        cmocka_unit_test(test_hundred_thousand_precincts),
        cmocka_unit_test(test_late_duplicate),
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, NULL);
}
