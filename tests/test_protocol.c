/*
 * test_protocol.c: precinct result protocols: valid ones in both ballot
 * modes, an exact "NAME:LINE: key: problem" for each kind of damage, and the
 * control relations R1-R4 and warnings W1-W4 at their exact boundaries.
 */
#include "tests/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "keys/keys.h"
#include "core/kvtext.h"
#include "referendum/manifest.h"
#include "referendum/protocol.h"

/* Precinct P-0001 of kz-2026-03: 1480 on the list before the day. */
static const char single_text[] = "format: dauys-protocol 1\n" /* 1 */
                                  "referendum: kz-2026-03\n"
                                  "precinct: P-0001\n"
                                  "version: 1\n"
                                  "citizens_on_list: 1480\n" /* 5 */
                                  "ballots_received: 1500\n"
                                  "ballots_issued: 1123\n"
                                  "ballots_cancelled: 377\n"
                                  "ballots_in_boxes: 1121\n"
                                  "q1_yes: 902\n" /* 10 */
                                  "q1_no: 187\n"
                                  "q1_not_counted: 9\n"
                                  "q1_invalid: 23\n"
                                  "q2_yes: 655\n" /* 14 */
                                  "q2_no: 431\n"
                                  "q2_not_counted: 12\n"
                                  "q2_invalid: 23\n"; /* 17 */

static const char separate_text[] = "format: dauys-protocol 1\n"
                                    "referendum: kz-2026-03\n"
                                    "precinct: P-0001\n"
                                    "version: 1\n"
                                    "citizens_on_list: 1480\n" /* 5 */
                                    "q1_ballots_received: 1500\n"
                                    "q1_ballots_issued: 1123\n"
                                    "q1_ballots_cancelled: 377\n"
                                    "q1_ballots_in_boxes: 1121\n"
                                    "q1_yes: 902\n" /* 10 */
                                    "q1_no: 187\n"
                                    "q1_not_counted: 9\n"
                                    "q1_invalid: 23\n"
                                    "q2_ballots_received: 1500\n" /* 14 */
                                    "q2_ballots_issued: 1098\n"
                                    "q2_ballots_cancelled: 402\n"
                                    "q2_ballots_in_boxes: 1095\n"
                                    "q2_yes: 640\n" /* 18 */
                                    "q2_no: 420\n"
                                    "q2_not_counted: 12\n"
                                    "q2_invalid: 23\n"; /* 21 */

#define REASON "Аудандық комиссияның 2026-03-16 шешімі бойынша қайта санау"

typedef struct fixture {
    dauys_manifest single, separate, sixteen; /* sixteen: 16 questions, separate ballots */
} fixture;

static fixture fx;

/* A manifest in BALLOT mode with QUESTIONS questions and two precincts. */
static int
make_manifest(dauys_manifest *m, const char *ballot, int questions, const char *b64)
{
    char text[4096], other[57];
    size_t off;
    dauys_error err;

    support_fake_pubkey(other, 2);
    off = (size_t) snprintf(text, sizeof text,
                            "format: dauys-manifest 1\n"
                            "referendum: kz-2026-03\n"
                            "title: Республикалық референдум 2026\n"
                            "date: 2026-03-15\n"
                            "mode: test\n"
                            "version: 1\n"
                            "ballot: %s\n",
                            ballot);
    for (int i = 1; i <= questions; i++) {
        off += (size_t) snprintf(text + off, sizeof text - off,
                                 "question: q%d kz-ordinary Сұрақ %d?\n", i, i);
    }
    off += (size_t) snprintf(text + off, sizeof text - off,
                             "region: KZ-10 oblast Абай облысы\n"
                             "district: KZ-10-01 KZ-10 Семей қаласы\n"
                             "precinct: P-0001 KZ-10-01 1480 %s №1 мектеп-гимназия, Семей\n"
                             "precinct: P-0002 KZ-10-01 85 %s Қайнар ауылы\n",
                             b64, other);
    if (dauys_manifest_parse(m, text, off, "m.txt", &err) != 0) {
        print_error("%s\n", err.message);
        return -1;
    }
    return 0;
}

static int
setup(void **state)
{
    dauys_pubkey pk;
    dauys_seckey *sk;
    dauys_error err;
    char b64[57];

    (void) state;
    if (dauys_keys_generate(&pk, &sk, &err) != 0) {
        return -1;
    }
    dauys_keys_seckey_free(sk);
    dauys_keys_pubkey_to_base64(b64, &pk);
    return make_manifest(&fx.single, "single", 2, b64) != 0 ||
                   make_manifest(&fx.separate, "separate", 2, b64) != 0 ||
                   make_manifest(&fx.sixteen, "separate", DAUYS_QUESTIONS_MAX, b64) != 0
               ? -1
               : 0;
}

static int
teardown(void **state)
{
    (void) state;
    dauys_manifest_free(&fx.single);
    dauys_manifest_free(&fx.separate);
    dauys_manifest_free(&fx.sixteen);
    return 0;
}

/* A malloc'ed copy of BASE with its first FIND replaced by REPL. */
static char *
replaced(const char *base, const char *find, const char *repl)
{
    const char *at = strstr(base, find);
    size_t head;
    char *out;

    if (at == NULL) {
        fail_msg("\"%s\" is not in the protocol", find);
    }
    head = (size_t) (at - base);
    out = malloc(strlen(base) - strlen(find) + strlen(repl) + 1);
    assert_non_null(out);
    memcpy(out, base, head);
    strcpy(out + head, repl);
    strcat(out, at + strlen(find));
    return out;
}

static void
expect_reject_len(const char *text, size_t len, const dauys_manifest *m, dauys_status st,
                  const char *needle)
{
    dauys_protocol p;
    dauys_error err;

    dauys_error_clear(&err);
    if (dauys_protocol_parse(&p, text, len, "p.txt", m, &err) == 0) {
        fail_msg("accepted; expected \"%s\"", needle);
    }
    assert_error(&err, st, needle);
}

/* BASE with FIND replaced by REPL must fail against M with NEEDLE. */
static void
reject_variant(const char *base, const dauys_manifest *m, const char *find, const char *repl,
               const char *needle)
{
    char *text = replaced(base, find, repl);
    expect_reject_len(text, strlen(text), m, DAUYS_E_FORMAT, needle);
    free(text);
}

/* --- parsing --------------------------------------------------------------- */

static void
test_single(void **state)
{
    dauys_protocol p;
    dauys_error err;

    (void) state;
    assert_int_equal(
        dauys_protocol_parse(&p, single_text, strlen(single_text), "p.txt", &fx.single, &err), 0);
    assert_string_equal(p.referendum, "kz-2026-03");
    assert_string_equal(p.precinct, "P-0001");
    assert_int_equal(p.version, 1);
    assert_string_equal(p.reason, "");
    assert_int_equal(p.on_list, 1480);
    assert_int_equal(p.ballots.received, 1500);
    assert_int_equal(p.ballots.issued, 1123);
    assert_int_equal(p.ballots.cancelled, 377);
    assert_int_equal(p.ballots.in_boxes, 1121);
    assert_int_equal(p.question_count, 2);
    assert_int_equal(p.answer[0].yes, 902);
    assert_int_equal(p.answer[0].no, 187);
    assert_int_equal(p.answer[0].not_counted, 9);
    assert_int_equal(p.answer[0].invalid, 23);
    assert_int_equal(p.answer[1].yes, 655);
    assert_int_equal(p.answer[1].no, 431);
    assert_int_equal(p.answer[1].not_counted, 12);
    assert_int_equal(p.answer[1].invalid, 23);
    /* Single ballot: each question carries a copy of the referendum's ballots. */
    for (int i = 0; i < 2; i++) {
        assert_memory_equal(&p.answer[i].ballots, &p.ballots, sizeof p.ballots);
    }
}

static void
test_separate(void **state)
{
    dauys_protocol p;
    dauys_error err;

    (void) state;
    assert_int_equal(
        dauys_protocol_parse(&p, separate_text, strlen(separate_text), "p.txt", &fx.separate, &err),
        0);
    assert_int_equal(p.on_list, 1480);
    assert_int_equal(p.question_count, 2);
    assert_int_equal(p.answer[0].ballots.received, 1500);
    assert_int_equal(p.answer[0].ballots.issued, 1123);
    assert_int_equal(p.answer[0].ballots.cancelled, 377);
    assert_int_equal(p.answer[0].ballots.in_boxes, 1121);
    assert_int_equal(p.answer[0].yes, 902);
    assert_int_equal(p.answer[1].ballots.received, 1500);
    assert_int_equal(p.answer[1].ballots.issued, 1098);
    assert_int_equal(p.answer[1].ballots.cancelled, 402);
    assert_int_equal(p.answer[1].ballots.in_boxes, 1095);
    assert_int_equal(p.answer[1].yes, 640);
    assert_int_equal(p.answer[1].no, 420);
    assert_int_equal(p.answer[1].not_counted, 12);
    assert_int_equal(p.answer[1].invalid, 23);
    /* No referendum-wide ballots with separate ballot papers. */
    assert_int_equal(p.ballots.received, 0);
    assert_int_equal(p.ballots.issued, 0);

    /* Each mode's protocol is wrong for the other's manifest. */
    expect_reject_len(separate_text, strlen(separate_text), &fx.single, DAUYS_E_FORMAT,
                      "p.txt:6: ballots_received: expected here, found \"q1_ballots_received\"");
    expect_reject_len(single_text, strlen(single_text), &fx.separate, DAUYS_E_FORMAT,
                      "p.txt:6: q1_ballots_received: expected here, found \"ballots_received\"");
}

static void
test_version_two_with_reason(void **state)
{
    char *text = replaced(single_text, "version: 1\n", "version: 2\nreason: " REASON "\n");
    dauys_protocol p;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_protocol_parse(&p, text, strlen(text), "p.txt", &fx.single, &err), 0);
    assert_int_equal(p.version, 2);
    assert_string_equal(p.reason, REASON);
    assert_int_equal(p.on_list, 1480);
    assert_int_equal(p.answer[1].invalid, 23);
    free(text);

    /* The largest version, and a reason of exactly 500 bytes. */
    char line[600];
    memset(line, 'r', sizeof line);
    memcpy(line, "version: 4294967295\nreason: ", 28);
    strcpy(line + 28 + DAUYS_REASON_MAX, "\n");
    text = replaced(single_text, "version: 1\n", line);
    assert_int_equal(dauys_protocol_parse(&p, text, strlen(text), "p.txt", &fx.single, &err), 0);
    assert_int_equal(p.version, UINT32_MAX);
    assert_int_equal(strlen(p.reason), DAUYS_REASON_MAX);
    free(text);
    /* 501 bytes is one too many. */
    memset(line, 'r', sizeof line);
    memcpy(line, "version: 2\nreason: ", 19);
    strcpy(line + 19 + DAUYS_REASON_MAX + 1, "\n");
    reject_variant(single_text, &fx.single, "version: 1\n", line,
                   "p.txt:5: reason: longer than 500 bytes");

    /* Separate ballots, version 3. */
    text = replaced(separate_text, "version: 1\n", "version: 3\nreason: " REASON "\n");
    assert_int_equal(dauys_protocol_parse(&p, text, strlen(text), "p.txt", &fx.separate, &err), 0);
    assert_int_equal(p.version, 3);
    assert_int_equal(p.answer[1].ballots.issued, 1098);
    free(text);
}

static void
test_counts_at_the_edges(void **state)
{
    char *text = replaced(single_text, "q1_not_counted: 9\nq1_invalid: 23\n",
                          "q1_not_counted: 0\nq1_invalid: 32\n");
    char *big;
    dauys_protocol p;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_protocol_parse(&p, text, strlen(text), "p.txt", &fx.single, &err), 0);
    assert_int_equal(p.answer[0].not_counted, 0);
    big = replaced(text, "citizens_on_list: 1480", "citizens_on_list: 1000000000000");
    assert_int_equal(dauys_protocol_parse(&p, big, strlen(big), "p.txt", &fx.single, &err), 0);
    assert_int_equal(p.on_list, DAUYS_COUNT_MAX);
    free(big);
    free(text);
}

static void
test_header_only(void **state)
{
    static const char header[] = "format: dauys-protocol 1\n"
                                 "referendum: kz-2026-03\n"
                                 "precinct: P-0002\n"
                                 "version: 7\n";
    dauys_protocol p;
    dauys_error err;
    char *text;

    (void) state;
    assert_int_equal(
        dauys_protocol_parse_header(&p, single_text, strlen(single_text), "p.txt", &err), 0);
    assert_string_equal(p.referendum, "kz-2026-03");
    assert_string_equal(p.precinct, "P-0001");
    assert_int_equal(p.version, 1);
    assert_int_equal(p.on_list, 0); /* the body is not read */

    assert_int_equal(dauys_protocol_parse_header(&p, header, strlen(header), "p.txt", &err), 0);
    assert_string_equal(p.precinct, "P-0002");
    assert_int_equal(p.version, 7);
    /* Whatever follows the header is left to the full parse. */
    text = malloc(sizeof header + 16);
    assert_non_null(text);
    memcpy(text, header, sizeof header - 1);
    memcpy(text + sizeof header - 1, "\x01\xff\r\njunk", 8);
    assert_int_equal(dauys_protocol_parse_header(&p, text, sizeof header - 1 + 8, "p.txt", &err),
                     0);
    assert_string_equal(p.precinct, "P-0002");
    expect_reject_len(text, sizeof header - 1 + 8, &fx.single, DAUYS_E_FORMAT,
                      "p.txt:5: control byte is not allowed (byte 0x01 at column 1)");
    free(text);

    /* Header errors are the full parse's. */
    assert_int_equal(dauys_protocol_parse_header(&p, header, strlen(header) - 11, "p.txt", &err),
                     -1);
    assert_error(&err, DAUYS_E_FORMAT, "p.txt:4: version: missing (the file ends early)");
    text = replaced(header, "precinct: P-0002", "precinct: P/0002");
    assert_int_equal(dauys_protocol_parse_header(&p, text, strlen(text), "p.txt", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "p.txt:3: precinct: may hold only letters, digits");
    free(text);
    text = replaced(header, "version: 7", "version: 0");
    assert_int_equal(dauys_protocol_parse_header(&p, text, strlen(text), "p.txt", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "p.txt:4: version: must be from 1 to 4294967295");
    free(text);
    assert_int_equal(dauys_protocol_parse_header(&p, "", 0, "p.txt", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "p.txt:1: format: missing (the file ends early)");
    /* The size limit holds here too. */
    text = calloc(1, DAUYS_PROTOCOL_FILE_MAX + 1);
    assert_non_null(text);
    memcpy(text, header, strlen(header));
    assert_int_equal(
        dauys_protocol_parse_header(&p, text, DAUYS_PROTOCOL_FILE_MAX + 1, "p.txt", &err), -1);
    assert_error(&err, DAUYS_E_TOO_LARGE, "p.txt: 65537 bytes, over the limit of 65536");
    /* Exactly 64 KiB is within it. */
    memset(text + strlen(header), 'x', DAUYS_PROTOCOL_FILE_MAX - strlen(header));
    assert_int_equal(dauys_protocol_parse_header(&p, text, DAUYS_PROTOCOL_FILE_MAX, "p.txt", &err),
                     0);
    assert_int_equal(p.version, 7);
    free(text);
}

static void
test_rejects(void **state)
{
    static const struct {
        const char *find, *repl, *needle;
    } cases[] = {
        /* each line missing, in turn */
        {"format: dauys-protocol 1\n", "", "p.txt:1: format: expected here, found \"referendum\""},
        {"referendum: kz-2026-03\n", "", "p.txt:2: referendum: expected here, found \"precinct\""},
        {"precinct: P-0001\n", "", "p.txt:3: precinct: expected here, found \"version\""},
        {"version: 1\n", "", "p.txt:4: version: expected here, found \"citizens_on_list\""},
        {"citizens_on_list: 1480\n", "",
         "p.txt:5: citizens_on_list: expected here, found \"ballots_received\""},
        {"ballots_received: 1500\n", "",
         "p.txt:6: ballots_received: expected here, found \"ballots_issued\""},
        {"ballots_issued: 1123\n", "",
         "p.txt:7: ballots_issued: expected here, found \"ballots_cancelled\""},
        {"ballots_cancelled: 377\n", "",
         "p.txt:8: ballots_cancelled: expected here, found \"ballots_in_boxes\""},
        {"ballots_in_boxes: 1121\n", "",
         "p.txt:9: ballots_in_boxes: expected here, found \"q1_yes\""},
        {"q1_yes: 902\n", "", "p.txt:10: q1_yes: expected here, found \"q1_no\""},
        {"q1_no: 187\n", "", "p.txt:11: q1_no: expected here, found \"q1_not_counted\""},
        {"q1_not_counted: 9\n", "",
         "p.txt:12: q1_not_counted: expected here, found \"q1_invalid\""},
        {"q1_invalid: 23\n", "", "p.txt:13: q1_invalid: expected here, found \"q2_yes\""},
        {"q2_invalid: 23\n", "", "p.txt:17: q2_invalid: missing (the file ends early)"},
        /* out of order */
        {"referendum: kz-2026-03\nprecinct: P-0001\n", "precinct: P-0001\nreferendum: kz-2026-03\n",
         "p.txt:2: referendum: expected here, found \"precinct\""},
        {"ballots_received: 1500\nballots_issued: 1123\n",
         "ballots_issued: 1123\nballots_received: 1500\n",
         "p.txt:6: ballots_received: expected here, found \"ballots_issued\""},
        {"version: 1\ncitizens_on_list: 1480\n", "citizens_on_list: 1480\nversion: 1\n",
         "p.txt:4: version: expected here, found \"citizens_on_list\""},
        {"q1_yes: 902\nq1_no: 187\nq1_not_counted: 9\nq1_invalid: 23\n"
         "q2_yes: 655\nq2_no: 431\nq2_not_counted: 12\nq2_invalid: 23\n",
         "q2_yes: 655\nq2_no: 431\nq2_not_counted: 12\nq2_invalid: 23\n"
         "q1_yes: 902\nq1_no: 187\nq1_not_counted: 9\nq1_invalid: 23\n",
         "p.txt:10: q1_yes: expected here, found \"q2_yes\""},
        {"q1_yes: 902\nq1_no: 187\n", "q1_no: 187\nq1_yes: 902\n",
         "p.txt:10: q1_yes: expected here, found \"q1_no\""},
        /* unknown, misspelt and duplicate lines */
        {"citizens_on_list: 1480\n", "comment: қайта санау\ncitizens_on_list: 1480\n",
         "p.txt:5: citizens_on_list: expected here, found \"comment\""},
        {"q1_yes: 902\n", "q1_yes: 902\nq1_yes: 902\n",
         "p.txt:11: q1_no: expected here, found \"q1_yes\""},
        {"q1_yes: 902\n", "q1_Yes: 902\n", "p.txt:10: q1_yes: expected here, found \"q1_Yes\""},
        {"q1_yes: 902\n", "q3_yes: 902\n", "p.txt:10: q1_yes: expected here, found \"q3_yes\""},
        {"ballots_in_boxes: 1121\n", "ballots_in_boxes: 1121\nballots_in_boxes: 1121\n",
         "p.txt:10: q1_yes: expected here, found \"ballots_in_boxes\""},
        {"precinct: P-0001\n", "precinct: P-0001\nprecinct: P-0001\n",
         "p.txt:4: version: expected here, found \"precinct\""},
        /* reason: required after version 1, not allowed with it */
        {"version: 1\n", "version: 2\n",
         "p.txt:5: reason: expected here, found \"citizens_on_list\""},
        {"version: 1\n", "version: 1\nreason: " REASON "\n",
         "p.txt:5: citizens_on_list: expected here, found \"reason\""},
        {"version: 1\n", "version: 2\ncitizens_on_list: 1480\nreason: " REASON "\n",
         "p.txt:5: reason: expected here, found \"citizens_on_list\""},
        /* counts */
        {"citizens_on_list: 1480", "citizens_on_list: +1480",
         "p.txt:5: citizens_on_list: \"+1480\" is not a count (digits only, no sign or leading "
         "zero, at most 1000000000000)"},
        {"q1_no: 187", "q1_no: -187", "p.txt:11: q1_no: \"-187\" is not a count"},
        {"ballots_issued: 1123", "ballots_issued: 01123",
         "p.txt:7: ballots_issued: \"01123\" is not a count"},
        {"q1_invalid: 23", "q1_invalid: 00", "p.txt:13: q1_invalid: \"00\" is not a count"},
        {"ballots_received: 1500", "ballots_received: 1000000000001",
         "p.txt:6: ballots_received: \"1000000000001\" is not a count"},
        {"ballots_received: 1500", "ballots_received: 18446744073709551617",
         "p.txt:6: ballots_received: \"18446744073709551617\" is not a count"},
        {"q2_yes: 655", "q2_yes: 6.55e2", "p.txt:14: q2_yes: \"6.55e2\" is not a count"},
        {"q2_yes: 655", "q2_yes: 655 ", "p.txt:14: q2_yes: value is empty or has spaces around it"},
        {"q2_yes: 655", "q2_yes:  655", "p.txt:14: q2_yes: value is empty or has spaces around it"},
        {"q2_yes: 655", "q2_yes:655", "p.txt:14: expected \"key: value\""},
        {"q2_yes: 655", "q2_yes: ", "p.txt:14: q2_yes: value is empty or has spaces around it"},
        {"q2_yes: 655", "q2_yes: \xd9\xa6\xd9\xa5\xd9\xa5",
         "p.txt:14: q2_yes: \"\xd9\xa6\xd9\xa5\xd9\xa5\" is not a count"},
        /* header values */
        {"format: dauys-protocol 1", "format: dauys-protocol 2",
         "p.txt:1: format: expected \"dauys-protocol 1\""},
        {"format: dauys-protocol 1", "format: dauys-protocol 10",
         "p.txt:1: format: expected \"dauys-protocol 1\""},
        {"format: dauys-protocol 1", "format: dauys-manifest 1",
         "p.txt:1: format: expected \"dauys-protocol 1\""},
        {"precinct: P-0001", "precinct: ../P-0001",
         "p.txt:3: precinct: must start with a letter or digit"},
        {"referendum: kz-2026-03", "referendum: kz 2026",
         "p.txt:2: referendum: may hold only letters, digits, '.', '_' and '-'"},
        {"version: 1\n", "version: 0\n", "p.txt:4: version: must be from 1 to 4294967295"},
        {"version: 1\n", "version: 4294967296\n", "p.txt:4: version: must be from 1 to 4294967295"},
        /* the end */
        {"q2_invalid: 23\n", "q2_invalid: 23\nsignature: RUQ\n",
         "p.txt:18: unexpected line after the last count"},
        {"q2_invalid: 23\n", "q2_invalid: 23\n\n",
         "p.txt:18: unexpected line after the last count"},
        {"q2_invalid: 23\n", "q2_invalid: 23\nq2_invalid: 23\n",
         "p.txt:18: unexpected line after the last count"},
        {"q2_invalid: 23\n", "q2_invalid: 23\n\x7f",
         "p.txt:18: unexpected line after the last count"},
        {"q2_invalid: 23\n", "q2_invalid: 23", "p.txt:17: the last line has no LF at its end"},
        /* bytes */
        {"format: dauys-protocol 1\n", "format: dauys-protocol 1\r\n",
         "p.txt:1: CR is not allowed: lines end in LF only (byte 0x0d at column 25)"},
        {"q1_no: 187\n", "q1_no: 187\r\n",
         "p.txt:11: CR is not allowed: lines end in LF only (byte 0x0d at column 11)"},
        {"precinct: P-0001\n", "precinct: P-0001\n\n", "p.txt:4: expected \"key: value\""},
        {"q1_no: 187\n", "q1_no:\t187\n", "p.txt:11: control byte is not allowed (byte 0x09"},
        {"q1_no: 187\n", "q1_no: 18\xd0\n", "p.txt:11: not valid UTF-8"},
        {"format: dauys-protocol 1\n",
         "\x7f"
         "ELF\x02\x01\x01\n",
         "p.txt:1: control byte is not allowed (byte 0x7f at column 1)"},
        {"format: dauys-protocol 1\n",
         "\xef\xbb\xbf"
         "format: dauys-protocol 1\n",
         "p.txt:1: a UTF-8 byte order mark (BOM) is not allowed: save the file as UTF-8 without "
         "it"},
    };

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reject_variant(single_text, &fx.single, cases[i].find, cases[i].repl, cases[i].needle);
    }
}

static void
test_rejects_separate(void **state)
{
    static const struct {
        const char *find, *repl, *needle;
    } cases[] = {
        {"q1_ballots_received: 1500\n", "",
         "p.txt:6: q1_ballots_received: expected here, found \"q1_ballots_issued\""},
        {"q2_ballots_in_boxes: 1095\n", "",
         "p.txt:17: q2_ballots_in_boxes: expected here, found \"q2_yes\""},
        {"q1_invalid: 23\nq2_ballots_received: 1500\n", "q1_invalid: 23\nballots_received: 1500\n",
         "p.txt:14: q2_ballots_received: expected here, found \"ballots_received\""},
        {"q1_ballots_received: 1500\nq1_ballots_issued: 1123\nq1_ballots_cancelled: 377\n"
         "q1_ballots_in_boxes: 1121\nq1_yes: 902\nq1_no: 187\nq1_not_counted: 9\nq1_invalid: 23\n",
         "", "p.txt:6: q1_ballots_received: expected here, found \"q2_ballots_received\""},
        {"q2_invalid: 23\n", "q2_invalid: 23\nq3_yes: 1\n",
         "p.txt:22: unexpected line after the last count"},
        {"q2_ballots_issued: 1098", "q2_ballots_issued: 1 098",
         "p.txt:15: q2_ballots_issued: \"1 098\" is not a count"},
    };

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reject_variant(separate_text, &fx.separate, cases[i].find, cases[i].repl, cases[i].needle);
    }
}

static void
test_rejects_whole_files(void **state)
{
    static const char junk[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    char *text;
    size_t len;

    (void) state;
    expect_reject_len("", 0, &fx.single, DAUYS_E_FORMAT,
                      "p.txt:1: format: missing (the file ends early)");
    expect_reject_len("\n", 1, &fx.single, DAUYS_E_FORMAT, "p.txt:1: expected \"key: value\"");
    expect_reject_len(junk, sizeof junk - 1, &fx.single, DAUYS_E_FORMAT,
                      "p.txt:1: CR is not allowed: lines end in LF only (byte 0x0d at column 5)");
    expect_reject_len("\0\0\0\0", 4, &fx.single, DAUYS_E_FORMAT,
                      "p.txt:1: the last line has no LF at its end");
    expect_reject_len(single_text, strlen(single_text) - 1, &fx.single, DAUYS_E_FORMAT,
                      "p.txt:17: the last line has no LF at its end");
    /* Cut after the header. */
    len = (size_t) (strstr(single_text, "citizens_on_list") - single_text);
    expect_reject_len(single_text, len, &fx.single, DAUYS_E_FORMAT,
                      "p.txt:5: citizens_on_list: missing (the file ends early)");
    /* Every line with CRLF. */
    text = malloc(2 * sizeof single_text);
    assert_non_null(text);
    len = 0;
    for (const char *c = single_text; *c; c++) {
        if (*c == '\n') {
            text[len++] = '\r';
        }
        text[len++] = *c;
    }
    expect_reject_len(text, len, &fx.single, DAUYS_E_FORMAT,
                      "p.txt:1: CR is not allowed: lines end in LF only");
    free(text);

    /* Over 64 KiB: refused before it is read, even a valid start. */
    text = malloc(DAUYS_PROTOCOL_FILE_MAX + 2);
    assert_non_null(text);
    memset(text, 'x', DAUYS_PROTOCOL_FILE_MAX + 2);
    memcpy(text, single_text, strlen(single_text));
    expect_reject_len(text, DAUYS_PROTOCOL_FILE_MAX + 1, &fx.single, DAUYS_E_TOO_LARGE,
                      "p.txt: 65537 bytes, over the limit of 65536");
    expect_reject_len(text, DAUYS_PROTOCOL_FILE_MAX + 2, &fx.single, DAUYS_E_TOO_LARGE,
                      "p.txt: 65538 bytes, over the limit of 65536");
    /* Exactly 64 KiB is read (and here fails on its content). */
    expect_reject_len(text, DAUYS_PROTOCOL_FILE_MAX, &fx.single, DAUYS_E_FORMAT,
                      "p.txt:18: unexpected line after the last count");
    free(text);
}

/* --- control relations ------------------------------------------------------ */

/* Splits BOX ballots among the four answers of question Q, summing exactly. */
static void
answers_for(dauys_answers *a, uint64_t box, int q)
{
    a->no = box / (q == 0 ? 6 : 3);
    a->not_counted = box / 120;
    a->invalid = box / 50;
    a->yes = box - a->no - a->not_counted - a->invalid;
}

/* A single-ballot protocol for the 2-question manifest, every R4 holding. */
static void
single(dauys_protocol *p, uint64_t on_list, uint64_t received, uint64_t issued, uint64_t cancelled,
       uint64_t in_boxes)
{
    memset(p, 0, sizeof *p);
    strcpy(p->referendum, "kz-2026-03");
    strcpy(p->precinct, "P-0001");
    p->version = 1;
    p->on_list = on_list;
    p->ballots = (dauys_ballots){received, issued, cancelled, in_boxes};
    p->question_count = 2;
    for (int q = 0; q < 2; q++) {
        p->answer[q].ballots = p->ballots;
        answers_for(&p->answer[q], in_boxes, q);
    }
}

static void
separate(dauys_protocol *p, size_t questions, uint64_t on_list, const dauys_ballots *b)
{
    memset(p, 0, sizeof *p);
    strcpy(p->referendum, "kz-2026-03");
    strcpy(p->precinct, "P-0001");
    p->version = 1;
    p->on_list = on_list;
    p->question_count = questions;
    for (size_t q = 0; q < questions; q++) {
        p->answer[q].ballots = b[q];
        answers_for(&p->answer[q], b[q].in_boxes, (int) (q % 2));
    }
}

/* A precinct with VOTERS on the list before the day. */
static dauys_precinct
precinct_with(uint64_t voters)
{
    dauys_precinct pr;

    memset(&pr, 0, sizeof pr);
    pr.voters = voters;
    return pr;
}

/* Asserts OUT holds exactly one finding: CODE with MESSAGE. */
static void
assert_only(const dauys_findings *out, const char *code, const char *message)
{
    if (out->count != 1) {
        for (size_t i = 0; i < out->count; i++) {
            print_error("  %s %s\n", out->item[i].code, out->item[i].message);
        }
        fail_msg("expected only %s, got %zu findings", code, out->count);
    }
    assert_string_equal(out->item[0].code, code);
    assert_string_equal(out->item[0].message, message);
    assert_int_equal(out->item[0].is_error, code[0] == 'R');
    assert_int_equal(out->errors, code[0] == 'R' ? 1 : 0);
}

static void
assert_none(const dauys_findings *out)
{
    if (out->count != 0) {
        for (size_t i = 0; i < out->count; i++) {
            print_error("  %s %s\n", out->item[i].code, out->item[i].message);
        }
        fail_msg("expected no findings, got %zu", out->count);
    }
    assert_int_equal(out->errors, 0);
}

/* The finding with CODE, failing if there is none. */
static const dauys_finding *
finding(const dauys_findings *out, const char *code)
{
    for (size_t i = 0; i < out->count; i++) {
        if (strcmp(out->item[i].code, code) == 0) {
            return &out->item[i];
        }
    }
    fail_msg("no finding %s among %zu", code, out->count);
    return NULL;
}

static void
test_clean(void **state)
{
    dauys_protocol p;
    dauys_findings out;
    dauys_error err;
    uint32_t at;

    (void) state;
    assert_int_equal(dauys_manifest_find_precinct(&fx.single, "P-0001", 6, &at), 1);
    assert_int_equal(
        dauys_protocol_parse(&p, single_text, strlen(single_text), "p.txt", &fx.single, &err), 0);
    memset(&out, 0x5a, sizeof out); /* the check resets what it fills */
    dauys_protocol_check(&out, &p, &fx.single, &fx.single.precinct[at]);
    assert_none(&out);
    dauys_protocol_check(&out, &p, &fx.single, NULL);
    assert_none(&out);

    assert_int_equal(
        dauys_protocol_parse(&p, separate_text, strlen(separate_text), "p.txt", &fx.separate, &err),
        0);
    dauys_protocol_check(&out, &p, &fx.separate, &fx.separate.precinct[at]);
    assert_none(&out);
}

static void
test_identities(void **state)
{
    dauys_precinct pr = precinct_with(1480), small = precinct_with(80);
    dauys_protocol p;
    dauys_findings out;

    (void) state;
    /* R1: received != issued + cancelled (one ballot paper unaccounted for). */
    single(&p, 1480, 1500, 1123, 376, 1121);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_only(&out, "R1", "ballots received 1500 != issued 1123 + cancelled 376 (= 1499)");
    single(&p, 1480, 1500, 1123, 378, 1121);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_only(&out, "R1", "ballots received 1500 != issued 1123 + cancelled 378 (= 1501)");

    /* R2: more ballots in the boxes than were issued. */
    single(&p, 1480, 1500, 1123, 377, 1124);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_only(&out, "R2", "ballots in the boxes 1124 > ballots issued 1123");
    single(&p, 1480, 1500, 1123, 377, 1123); /* all issued found: fine */
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_none(&out);

    /* R3: more ballots issued than citizens on the list. Alone only in a
     * small precinct (under 100, where W4 is off); in a large one the
     * turnout warning comes with it. */
    single(&p, 80, 100, 85, 15, 84);
    dauys_protocol_check(&out, &p, &fx.single, &small);
    assert_only(&out, "R3", "ballots issued 85 > citizens on the list 80");
    single(&p, 85, 100, 85, 15, 84);
    dauys_protocol_check(&out, &p, &fx.single, &small);
    assert_none(&out);
    single(&p, 1100, 1500, 1123, 377, 1121);
    dauys_protocol_check(&out, &p, &fx.single, NULL);
    assert_int_equal(out.count, 2);
    assert_int_equal(out.errors, 1);
    assert_string_equal(finding(&out, "R3")->message,
                        "ballots issued 1123 > citizens on the list 1100");
    assert_false(finding(&out, "W4")->is_error);

    /* R4: the answers of a question do not add up to the ballots in the boxes. */
    single(&p, 1480, 1500, 1123, 377, 1121);
    p.answer[0] = (dauys_answers){p.ballots, 902, 187, 9, 22};
    p.answer[1] = (dauys_answers){p.ballots, 655, 431, 12, 23};
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_only(&out, "R4",
                "q1: yes 902 + no 187 + not counted 9 + invalid 22 = 1120 != ballots "
                "in the boxes 1121");
    p.answer[0].invalid = 23;
    p.answer[1].not_counted = 13;
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_only(&out, "R4",
                "q2: yes 655 + no 431 + not counted 13 + invalid 23 = 1122 != ballots "
                "in the boxes 1121");

    /* Everything at once: each identity reported, errors counted. */
    single(&p, 1000, 1500, 1123, 300, 1200);
    p.answer[1].yes++;
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_int_equal(out.errors, 4);
    assert_string_equal(out.item[0].code, "R1");
    assert_string_equal(out.item[1].code, "R2");
    assert_string_equal(out.item[2].code, "R3");
    assert_string_equal(finding(&out, "R4")->message,
                        "q2: yes 767 + no 400 + not counted 10 + invalid 24 = 1201 != ballots in "
                        "the boxes 1200");
}

static void
test_warning_w1_missing_ballots(void **state)
{
    dauys_precinct pr = precinct_with(1480);
    dauys_protocol p;
    dauys_findings out;

    (void) state;
    /* 1123 issued: 1% is 11.23, so 12 missing warns and 11 does not. */
    single(&p, 1480, 1500, 1123, 377, 1111);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_only(&out, "W1",
                "12 ballots issued but not found in the boxes (1123 issued, 1111 in "
                "the boxes)");
    single(&p, 1480, 1500, 1123, 377, 1112);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_none(&out);
    /* Exactly 1% (12 of 1200) is not over it; 13 is. */
    single(&p, 1480, 1500, 1200, 300, 1188);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_none(&out);
    single(&p, 1480, 1500, 1200, 300, 1187);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_only(&out, "W1",
                "13 ballots issued but not found in the boxes (1200 issued, 1187 in "
                "the boxes)");
    /* Small numbers: over 1% but not over 5 does not warn; 6 does. */
    single(&p, 1480, 1500, 400, 1100, 395);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_none(&out);
    single(&p, 1480, 1500, 400, 1100, 394);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_only(&out, "W1",
                "6 ballots issued but not found in the boxes (400 issued, 394 in the "
                "boxes)");
    /* Above 600 issued the 1% rule is the binding one: 601 issued, 6 missing. */
    single(&p, 1480, 1500, 601, 899, 595);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_none(&out);
    single(&p, 1480, 1500, 601, 899, 594);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_only(&out, "W1",
                "7 ballots issued but not found in the boxes (601 issued, 594 in the "
                "boxes)");
    /* Nothing issued, nothing in the boxes: no warning, no division. */
    single(&p, 1480, 1500, 0, 1500, 0);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_none(&out);
}

static void
test_warnings_w2_w3_list_changed(void **state)
{
    dauys_precinct pr = precinct_with(1480), odd = precinct_with(1485), tiny = precinct_with(50);
    dauys_protocol p;
    dauys_findings out;

    (void) state;
    /* 1480 before the day: over 1480 + 148 + 10 = 1638 warns. */
    single(&p, 1638, 1500, 1123, 377, 1121);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_none(&out);
    single(&p, 1639, 1500, 1123, 377, 1121);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_only(&out, "W2", "the list grew from 1480 before the day to 1639 at close (over 10%)");
    /* Under 1480 - 148 - 10 = 1322 warns. */
    single(&p, 1322, 1500, 1123, 377, 1121);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_none(&out);
    single(&p, 1321, 1500, 1123, 377, 1121);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_only(&out, "W3", "the list shrank from 1480 before the day to 1321 at close (over 10%)");
    /* 1485: 10% is 148.5, so the limits are 1643.5 and 1326.5. */
    single(&p, 1643, 1500, 1123, 377, 1121);
    dauys_protocol_check(&out, &p, &fx.single, &odd);
    assert_none(&out);
    single(&p, 1644, 1500, 1123, 377, 1121);
    dauys_protocol_check(&out, &p, &fx.single, &odd);
    assert_only(&out, "W2", "the list grew from 1485 before the day to 1644 at close (over 10%)");
    single(&p, 1327, 1500, 1123, 377, 1121);
    dauys_protocol_check(&out, &p, &fx.single, &odd);
    assert_none(&out);
    single(&p, 1326, 1500, 1123, 377, 1121);
    dauys_protocol_check(&out, &p, &fx.single, &odd);
    assert_only(&out, "W3", "the list shrank from 1485 before the day to 1326 at close (over 10%)");
    /* A small precinct: the 10 added dominates (50 -> 35..65 is fine). */
    single(&p, 65, 70, 40, 30, 40);
    dauys_protocol_check(&out, &p, &fx.single, &tiny);
    assert_none(&out);
    single(&p, 66, 70, 40, 30, 40);
    dauys_protocol_check(&out, &p, &fx.single, &tiny);
    assert_only(&out, "W2", "the list grew from 50 before the day to 66 at close (over 10%)");
    single(&p, 35, 70, 30, 40, 30);
    dauys_protocol_check(&out, &p, &fx.single, &tiny);
    assert_none(&out);
    single(&p, 34, 70, 30, 40, 30);
    dauys_protocol_check(&out, &p, &fx.single, &tiny);
    assert_only(&out, "W3", "the list shrank from 50 before the day to 34 at close (over 10%)");
    /* Without a precinct there is nothing to compare with. */
    single(&p, 1639, 1500, 1123, 377, 1121);
    dauys_protocol_check(&out, &p, &fx.single, NULL);
    assert_none(&out);
    /* From an empty list: 10 new citizens is fine, 11 is not. */
    dauys_precinct empty = precinct_with(0);
    single(&p, 10, 10, 0, 10, 0);
    dauys_protocol_check(&out, &p, &fx.single, &empty);
    assert_none(&out);
    single(&p, 11, 11, 0, 11, 0);
    dauys_protocol_check(&out, &p, &fx.single, &empty);
    assert_only(&out, "W2", "the list grew from 0 before the day to 11 at close (over 10%)");
}

static void
test_warning_w4_turnout(void **state)
{
    dauys_precinct pr = precinct_with(1500), hundred = precinct_with(100),
                   ninety = precinct_with(99);
    dauys_protocol p;
    dauys_findings out;

    (void) state;
    /* 98% of 1500 is 1470 exactly: 1470 in the boxes warns, 1469 does not. */
    single(&p, 1500, 1500, 1471, 29, 1470);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_only(&out, "W4", "turnout of 98% or more: 1470 of 1500 citizens on the list");
    single(&p, 1500, 1500, 1470, 30, 1469);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_none(&out);
    /* 98% of 1480 is 1450.4: 1451 warns, 1450 does not. */
    single(&p, 1480, 1500, 1452, 48, 1451);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_only(&out, "W4", "turnout of 98% or more: 1451 of 1480 citizens on the list");
    single(&p, 1480, 1500, 1452, 48, 1450);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_none(&out);
    /* Every citizen voted. */
    single(&p, 1500, 1500, 1500, 0, 1500);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_only(&out, "W4", "turnout of 98% or more: 1500 of 1500 citizens on the list");
    /* Only with 100 or more on the list. */
    single(&p, 100, 100, 98, 2, 98);
    dauys_protocol_check(&out, &p, &fx.single, &hundred);
    assert_only(&out, "W4", "turnout of 98% or more: 98 of 100 citizens on the list");
    single(&p, 100, 100, 97, 3, 97);
    dauys_protocol_check(&out, &p, &fx.single, &hundred);
    assert_none(&out);
    single(&p, 99, 100, 99, 1, 99);
    dauys_protocol_check(&out, &p, &fx.single, &ninety);
    assert_none(&out);
}

static void
test_separate_mode(void **state)
{
    dauys_precinct pr = precinct_with(1480);
    dauys_ballots b[2] = {{1500, 1123, 377, 1121}, {1500, 1098, 402, 1095}};
    dauys_protocol p;
    dauys_findings out;

    (void) state;
    separate(&p, 2, 1480, b);
    p.ballots = (dauys_ballots){7, 1, 1, 9}; /* not read in separate mode */
    dauys_protocol_check(&out, &p, &fx.separate, &pr);
    assert_none(&out);

    b[1].cancelled = 401;
    separate(&p, 2, 1480, b);
    dauys_protocol_check(&out, &p, &fx.separate, &pr);
    assert_only(&out, "R1", "q2: ballots received 1500 != issued 1098 + cancelled 401 (= 1499)");
    b[1].cancelled = 402;

    b[0].in_boxes = 1124;
    separate(&p, 2, 1480, b);
    dauys_protocol_check(&out, &p, &fx.separate, &pr);
    assert_only(&out, "R2", "q1: ballots in the boxes 1124 > ballots issued 1123");
    b[0].in_boxes = 1121;

    b[1] = (dauys_ballots){100, 85, 15, 84};
    b[0] = (dauys_ballots){100, 80, 20, 79};
    separate(&p, 2, 80, b);
    dauys_precinct small = precinct_with(80);
    dauys_protocol_check(&out, &p, &fx.separate, &small);
    assert_only(&out, "R3", "q2: ballots issued 85 > citizens on the list 80");
    b[0] = (dauys_ballots){1500, 1123, 377, 1121};
    b[1] = (dauys_ballots){1500, 1098, 402, 1095};

    separate(&p, 2, 1480, b);
    p.answer[1].invalid++;
    dauys_protocol_check(&out, &p, &fx.separate, &pr);
    assert_only(&out, "R4",
                "q2: yes 700 + no 365 + not counted 9 + invalid 22 = 1096 != ballots "
                "in the boxes 1095");
    separate(&p, 2, 1480, b);
    p.answer[0].yes--;
    p.answer[1].invalid++;
    dauys_protocol_check(&out, &p, &fx.separate, &pr);
    assert_int_equal(out.count, 2);
    assert_int_equal(out.errors, 2);
    assert_memory_equal(out.item[0].message, "q1: yes ", 8);
    assert_memory_equal(out.item[1].message, "q2: yes ", 8);

    /* W1 for one question only: 1098 issued, 1% is 10.98, 11 missing warns. */
    b[1].in_boxes = 1087;
    separate(&p, 2, 1480, b);
    dauys_protocol_check(&out, &p, &fx.separate, &pr);
    assert_only(&out, "W1",
                "q2: 11 ballots issued but not found in the boxes (1098 issued, 1087 "
                "in the boxes)");
    b[1].in_boxes = 1088;
    separate(&p, 2, 1480, b);
    dauys_protocol_check(&out, &p, &fx.separate, &pr);
    assert_none(&out);
    b[1].in_boxes = 1095;

    /* W4 per question. */
    b[0] = (dauys_ballots){1500, 1452, 48, 1451};
    separate(&p, 2, 1480, b);
    dauys_protocol_check(&out, &p, &fx.separate, &pr);
    assert_only(&out, "W4", "q1: turnout of 98% or more: 1451 of 1480 citizens on the list");
    b[0] = (dauys_ballots){1500, 1123, 377, 1121};

    /* W2 and W3 concern the list: once, with no question prefix. */
    separate(&p, 2, 1639, b);
    dauys_protocol_check(&out, &p, &fx.separate, &pr);
    assert_only(&out, "W2", "the list grew from 1480 before the day to 1639 at close (over 10%)");
    separate(&p, 2, 1321, b);
    dauys_protocol_check(&out, &p, &fx.separate, &pr);
    assert_only(&out, "W3", "the list shrank from 1480 before the day to 1321 at close (over 10%)");
}

/* Exact arithmetic at the largest counts: no overflow, no wrap. */
static void
test_largest_counts(void **state)
{
    const uint64_t max = DAUYS_COUNT_MAX;
    dauys_precinct pr = precinct_with(max);
    dauys_protocol p;
    dauys_findings out;

    (void) state;
    single(&p, max, max, max, 0, max);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_only(&out, "W4",
                "turnout of 98% or more: 1000000000000 of 1000000000000 citizens on "
                "the list");
    single(&p, max, max, max, max, 0);
    p.answer[0] = (dauys_answers){p.ballots, max, max, max, max};
    dauys_protocol_check(&out, &p, &fx.single, NULL);
    assert_string_equal(finding(&out, "R1")->message,
                        "ballots received 1000000000000 != issued 1000000000000 + cancelled "
                        "1000000000000 (= 2000000000000)");
    assert_string_equal(finding(&out, "W1")->message,
                        "1000000000000 ballots issued but not found in the boxes (1000000000000 "
                        "issued, 0 in the boxes)");
    assert_string_equal(finding(&out, "R4")->message,
                        "q1: yes 1000000000000 + no 1000000000000 + not counted 1000000000000 + "
                        "invalid 1000000000000 = 4000000000000 != ballots in the boxes 0");
}

/* R5 and R6: the roster bounds the list at close and the ballots received:
 * voters + voters * 25 / 100 + 500 by default, exactly at the boundary. */
static void
test_roster_bound(void **state)
{
    dauys_precinct pr = precinct_with(1007), empty = precinct_with(0);
    dauys_manifest tight = fx.single;
    dauys_ballots b[2] = {{1000, 900, 100, 900}, {1800, 900, 900, 900}};
    dauys_protocol p;
    dauys_findings out;

    (void) state;
    assert_int_equal(fx.single.allowance_percent, 25); /* the manifest states none */
    assert_int_equal(fx.single.allowance_add, 500);
    /* 1007 + 251 + 500 = 1758 is the most. */
    assert_int_equal(dauys_manifest_list_bound(&fx.single, 1007), 1758);
    single(&p, 1758, 1758, 1000, 758, 990);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_only(&out, "W2", "the list grew from 1007 before the day to 1758 at close (over 10%)");
    single(&p, 1759, 1758, 1000, 758, 990);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_only(&out, "R5",
                "citizens on the list 1759 > 1758, the most the roster allows "
                "(voters 1007 before the day + 25% + 500)");
    single(&p, 1758, 1759, 1000, 759, 990);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_string_equal(out.item[0].code, "R6");
    assert_string_equal(out.item[0].message, "ballots received 1759 > 1758, the most the roster "
                                             "allows (voters 1007 + 25% + 500)");
    assert_int_equal(out.errors, 1);
    /* The review's attack: 10^12 on the list, all in the boxes and "no".
     * Every identity holds; R5 comes first, so it is the rejection's code. */
    single(&p, DAUYS_COUNT_MAX, DAUYS_COUNT_MAX, DAUYS_COUNT_MAX, 0, DAUYS_COUNT_MAX);
    dauys_protocol_check(&out, &p, &fx.single, &pr);
    assert_int_equal(out.errors, 2);
    assert_string_equal(out.item[0].code, "R5");
    assert_string_equal(out.item[1].code, "R6");
    for (size_t i = 0; i < out.count; i++) {
        assert_string_not_equal(out.item[i].code, "W2"); /* R5 said it */
    }
    /* An empty list before the day (a hospital's): only the 500. */
    single(&p, 500, 500, 400, 100, 400);
    dauys_protocol_check(&out, &p, &fx.single, &empty);
    assert_only(&out, "W2", "the list grew from 0 before the day to 500 at close (over 10%)");
    single(&p, 501, 500, 400, 100, 400);
    dauys_protocol_check(&out, &p, &fx.single, &empty);
    assert_only(&out, "R5",
                "citizens on the list 501 > 500, the most the roster allows (voters 0 "
                "before the day + 25% + 500)");
    /* A stated allowance of 0% + 0: the list may not grow at all (W2 is
     * then never reached). */
    tight.allowance_percent = 0, tight.allowance_add = 0;
    single(&p, 1007, 1007, 800, 207, 798);
    dauys_protocol_check(&out, &p, &tight, &pr);
    assert_none(&out);
    single(&p, 1008, 1007, 800, 207, 798);
    dauys_protocol_check(&out, &p, &tight, &pr);
    assert_only(&out, "R5",
                "citizens on the list 1008 > 1007, the most the roster allows (voters "
                "1007 before the day + 0% + 0)");
    /* Separate papers: R6 for each question's ballots, named. */
    separate(&p, 2, 1000, b);
    dauys_protocol_check(&out, &p, &fx.separate, &pr);
    assert_only(&out, "R6",
                "q2: ballots received 1800 > 1758, the most the roster allows (voters "
                "1007 + 25% + 500)");
    /* Without a precinct there is no bound. */
    single(&p, DAUYS_COUNT_MAX, DAUYS_COUNT_MAX, DAUYS_COUNT_MAX, 0, DAUYS_COUNT_MAX);
    dauys_protocol_check(&out, &p, &fx.single, NULL);
    assert_only(&out, "W4",
                "turnout of 98% or more: 1000000000000 of 1000000000000 citizens on "
                "the list");
}

/* Sixteen questions on separate papers, all broken: every finding fits. */
static void
test_findings_cap(void **state)
{
    dauys_ballots b[DAUYS_QUESTIONS_MAX];
    dauys_protocol p;
    dauys_findings out;

    (void) state;
    for (int q = 0; q < DAUYS_QUESTIONS_MAX; q++) {
        b[q] = (dauys_ballots){1000, 1200, 0, 1300}; /* R1, R2, R3, W4 */
    }
    separate(&p, DAUYS_QUESTIONS_MAX, 1100, b);
    for (int q = 0; q < DAUYS_QUESTIONS_MAX; q++) {
        p.answer[q].yes++; /* R4 */
    }
    dauys_protocol_check(&out, &p, &fx.sixteen, NULL);
    assert_true(DAUYS_FINDINGS_MAX >= 5 * DAUYS_QUESTIONS_MAX);
    assert_int_equal(out.count, 5 * DAUYS_QUESTIONS_MAX);
    assert_int_equal(out.errors, 4 * DAUYS_QUESTIONS_MAX);
    assert_string_equal(out.item[out.count - 1].code, "R4");
    assert_memory_equal(out.item[out.count - 1].message, "q16: ", 5);
    assert_memory_equal(out.item[59].message, "q12: yes ", 9);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single),
        cmocka_unit_test(test_separate),
        cmocka_unit_test(test_version_two_with_reason),
        cmocka_unit_test(test_counts_at_the_edges),
        cmocka_unit_test(test_header_only),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_rejects_separate),
        cmocka_unit_test(test_rejects_whole_files),
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_identities),
        cmocka_unit_test(test_warning_w1_missing_ballots),
        cmocka_unit_test(test_warnings_w2_w3_list_changed),
        cmocka_unit_test(test_warning_w4_turnout),
        cmocka_unit_test(test_separate_mode),
        cmocka_unit_test(test_largest_counts),
        cmocka_unit_test(test_roster_bound),
        cmocka_unit_test(test_findings_cap),
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
