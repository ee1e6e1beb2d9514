/*
 * test_net.c: net/ without a network: the strict reader of a server's flat
 * JSON answer (what it takes, every kind of input it refuses, out of memory
 * at every allocation), the retry policy (which failures and statuses are
 * retried, and that no other 4xx is) and the backoff schedule (growing,
 * capped, jittered within its bounds, Retry-After honoured up to its cap).
 */
#include "tests/support.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "net/net.h"

static int
parse(dauys_net_answer *a, const char *text, dauys_error *err)
{
    return dauys_net_answer_parse(a, text, strlen(text), "http://x/v1/protocols", err);
}

static void
test_answer_accepted(void **state)
{
    (void) state;
    static const char text[] =
        " {\"outcome\": \"accepted\", \"precinct\": \"P-001\", \"version\": 2,\n"
        "  \"reason_code\": null, \"reason\": null, \"log_index\": 1234,\r\n"
        "  \"entry_sha256\": \"" /* 64 hex */
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\",\t"
        "\"warnings\": 0, \"future\": true, \"old\": false, \"neg\": -7} \n";
    dauys_net_answer a;
    dauys_error err;
    const dauys_net_field *f;

    assert_int_equal(parse(&a, text, &err), 0);
    assert_int_equal(a.count, 11);
    f = dauys_net_answer_get(&a, "outcome");
    assert_non_null(f);
    assert_int_equal(f->type, DAUYS_NET_STRING);
    assert_string_equal(f->string, "accepted");
    f = dauys_net_answer_get(&a, "version");
    assert_int_equal(f->type, DAUYS_NET_INTEGER);
    assert_int_equal(f->integer, 2);
    assert_int_equal(dauys_net_answer_get(&a, "reason")->type, DAUYS_NET_NULL);
    assert_null(dauys_net_answer_get(&a, "reason")->string);
    assert_int_equal(dauys_net_answer_get(&a, "log_index")->integer, 1234);
    assert_int_equal(dauys_net_answer_get(&a, "future")->type, DAUYS_NET_BOOL);
    assert_int_equal(dauys_net_answer_get(&a, "future")->integer, 1);
    assert_int_equal(dauys_net_answer_get(&a, "old")->integer, 0);
    assert_int_equal(dauys_net_answer_get(&a, "neg")->integer, -7);
    assert_null(dauys_net_answer_get(&a, "missing"));
    assert_string_equal(a.field[10].name, "neg"); /* in the order they came */
    dauys_net_answer_free(&a);
    assert_int_equal(a.count, 0);
}

/* Escapes decode to UTF-8; the int64 edges are read exactly. */
static void
test_answer_values(void **state)
{
    (void) state;
    dauys_net_answer a;
    dauys_error err;

    assert_int_equal(parse(&a,
                           "{\"s\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\te\\u00e9\\u20ac"
                           "\\ud83d\\ude00\xc3\xa9\",\"e\":\"\",\"\":1,"
                           "\"max\":9223372036854775807,\"min\":-9223372036854775808,"
                           "\"zero\":0,\"mz\":-0}",
                           &err),
                     0);
    assert_string_equal(dauys_net_answer_get(&a, "s")->string,
                        "a\"b\\c/d\b\f\n\r\te\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc3\xa9");
    assert_string_equal(dauys_net_answer_get(&a, "e")->string, "");
    assert_int_equal(dauys_net_answer_get(&a, "")->integer, 1);
    assert_true(dauys_net_answer_get(&a, "max")->integer == INT64_MAX);
    assert_true(dauys_net_answer_get(&a, "min")->integer == INT64_MIN);
    assert_int_equal(dauys_net_answer_get(&a, "zero")->integer, 0);
    assert_int_equal(dauys_net_answer_get(&a, "mz")->integer, 0);
    dauys_net_answer_free(&a);

    assert_int_equal(parse(&a, "{}", &err), 0);
    assert_int_equal(a.count, 0);
    dauys_net_answer_free(&a);
}

typedef struct refused_case {
    const char *text;
    size_t len; /* 0: strlen */
    const char *needle;
} refused_case;

static const refused_case refused[] = {
    {"", 0, "byte 0: expected a JSON object"},
    {"   ", 0, "expected a JSON object"},
    {"[]", 0, "expected a JSON object"},
    {"\"outcome\"", 0, "expected a JSON object"},
    {"null", 0, "expected a JSON object"},
    {"{", 0, "expected a string"},
    {"{\"a\":1", 0, "expected ',' or '}'"},
    {"{\"a\":1,}", 0, "byte 7: expected a string"},
    {"{\"a\" 1}", 0, "expected ':'"},
    {"{a:1}", 0, "expected a string"},
    {"{'a':1}", 0, "expected a string"},
    {"{\"a\":1}{}", 0, "bytes after the object"},
    {"{\"a\":1} x", 0, "bytes after the object"},
    {"{\"a\":1}\0", 8, "bytes after the object"},
    {"{\"a\":{\"b\":1}}", 0, "field \"a\": a nested object or array"},
    {"{\"a\":[1]}", 0, "field \"a\": a nested object or array"},
    {"{\"a\":1.5}", 0, "field \"a\": a number that is not an integer"},
    {"{\"a\":1e3}", 0, "not an integer"},
    {"{\"a\":1E3}", 0, "not an integer"},
    {"{\"a\":01}", 0, "leading zero"},
    {"{\"a\":-}", 0, "expected a string, an integer"},
    {"{\"a\":+1}", 0, "expected a string, an integer"},
    {"{\"a\":9223372036854775808}", 0, "out of range"},
    {"{\"a\":-9223372036854775809}", 0, "out of range"},
    {"{\"a\":99999999999999999999999}", 0, "out of range"},
    {"{\"a\":nul}", 0, "expected a string, an integer"},
    {"{\"a\":True}", 0, "expected a string, an integer"},
    {"{\"a\":nullx}", 0, "expected ',' or '}'"},
    {"{\"a\":1,\"a\":2}", 0, "field \"a\": a field given twice"},
    {"{\"a\":\"x}", 0, "a string not closed"},
    {"{\"a\":\"x\ny\"}", 0, "a control character"},
    {"{\"a\":\"x\ty\"}", 0, "a control character"},
    {"{\"a\":\"x\0y\"}", 11, "a control character"},
    {"{\"a\":\"\\x\"}", 0, "an escape JSON does not have"},
    {"{\"a\":\"\\\"}", 0, "a string not closed"},
    {"{\"a\":\"\\u00\"}", 0, "not four hex digits"},
    {"{\"a\":\"\\u00g0\"}", 0, "not four hex digits"},
    {"{\"a\":\"\\u0000\"}", 0, "\\u0000"},
    {"{\"a\":\"\\ud800\"}", 0, "a high surrogate not followed by a low one"},
    {"{\"a\":\"\\ud800\\u0041\"}", 0, "a high surrogate not followed by a low one"},
    {"{\"a\":\"\\udc00\"}", 0, "a lone low surrogate"},
    {"{\"a\":\"\xff\"}", 0, "invalid UTF-8"},
    {"{\"a\":\"\xc0\xaf\"}", 0, "invalid UTF-8"},         /* overlong '/' */
    {"{\"a\":\"\xe0\x80\xaf\"}", 0, "invalid UTF-8"},     /* overlong */
    {"{\"a\":\"\xed\xa0\x80\"}", 0, "invalid UTF-8"},     /* a surrogate */
    {"{\"a\":\"\xf4\x90\x80\x80\"}", 0, "invalid UTF-8"}, /* past U+10FFFF */
    {"{\"a\":\"\xe2\x82\"}", 0, "invalid UTF-8"},         /* cut short */
    {"{\"\xff\":1}", 0, "invalid UTF-8"},
    {"\xef\xbb\xbf{}", 0, "expected a JSON object"}, /* a byte order mark */
    {"{/* c */}", 0, "expected a string"},
};

static void
test_answer_refused(void **state)
{
    (void) state;

    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        const refused_case *c = &refused[i];
        size_t len = c->len ? c->len : strlen(c->text);
        char *copy = dauys_malloc(len ? len : 1); /* exactly LEN: ASan sees a read past it */
        dauys_net_answer a;
        dauys_error err;
        assert_non_null(copy);
        memcpy(copy, c->text, len);
        int rc = dauys_net_answer_parse(&a, copy, len, "http://x/v1/protocols", &err);
        if (rc != -1 || err.status != DAUYS_E_FORMAT || strstr(err.message, c->needle) == NULL ||
            strstr(err.message, "http://x/v1/protocols") == NULL) {
            fail_msg("case %zu (%s): rc %d, message \"%s\"", i, c->text, rc, err.message);
        }
        dauys_net_answer_free(&a);
        dauys_free(copy);
    }
}

/* The limits: 64 fields but not 65; a string of 4096 bytes but not 4097. */
static void
test_answer_limits(void **state)
{
    (void) state;
    char text[DAUYS_NET_ANSWER_STRING_MAX + 64];
    size_t n = 0;
    dauys_net_answer a;
    dauys_error err;

    for (int fields = 64; fields <= 65; fields++) {
        n = (size_t) snprintf(text, sizeof text, "{");
        for (int i = 0; i < fields; i++) {
            n += (size_t) snprintf(text + n, sizeof text - n, "%s\"f%d\":%d", i ? "," : "", i, i);
        }
        snprintf(text + n, sizeof text - n, "}");
        int rc = parse(&a, text, &err);
        assert_int_equal(rc, fields == 64 ? 0 : -1);
        if (rc != 0) {
            assert_error(&err, DAUYS_E_FORMAT, "too many fields");
        }
        dauys_net_answer_free(&a);
    }
    for (size_t len = DAUYS_NET_ANSWER_STRING_MAX; len <= DAUYS_NET_ANSWER_STRING_MAX + 1; len++) {
        n = (size_t) snprintf(text, sizeof text, "{\"s\":\"");
        memset(text + n, 'x', len);
        snprintf(text + n + len, sizeof text - n - len, "\"}");
        int rc = parse(&a, text, &err);
        assert_int_equal(rc, len == DAUYS_NET_ANSWER_STRING_MAX ? 0 : -1);
        if (rc != 0) {
            assert_error(&err, DAUYS_E_FORMAT, "a string too long");
        } else {
            assert_int_equal(strlen(dauys_net_answer_get(&a, "s")->string), len);
        }
        dauys_net_answer_free(&a);
    }
}

/* Every allocation failing in turn: -1 with DAUYS_E_NOMEM and nothing left
 * allocated, until the parse needs no more failures to succeed. */
static void
test_answer_out_of_memory(void **state)
{
    (void) state;
    static const char text[] = "{\"outcome\":\"refused\",\"reason_code\":\"signature\","
                               "\"reason\":\"not signed by a key of the roster\",\"n\":null}";
    int succeeded = 0;

    for (long k = 0; k < 100 && !succeeded; k++) {
        dauys_net_answer a;
        dauys_error err;
        support_alloc_install_once(k);
        int rc = parse(&a, text, &err);
        if (rc == 0) {
            succeeded = 1;
            assert_string_equal(dauys_net_answer_get(&a, "reason_code")->string, "signature");
        } else {
            assert_error(&err, DAUYS_E_NOMEM, "out of memory");
        }
        dauys_net_answer_free(&a);
        assert_int_equal(support_alloc_outstanding(), 0);
        support_alloc_restore();
    }
    assert_true(succeeded);
}

static void
test_retryable(void **state)
{
    (void) state;
    dauys_net_response r = {0};
    dauys_error err = {0};

    /* answered: 5xx and 429 again, nothing else (a 4xx is final) */
    for (long status = 100; status <= 599; status++) {
        r.status = status;
        int want = status >= 500 || status == 429;
        if (dauys_net_retryable(0, &err, &r) != want) {
            fail_msg("status %ld: retryable should be %d", status, want);
        }
    }
    /* no answer: only the failures that may pass */
    memset(&r, 0, sizeof r);
    r.transient = 1;
    dauys_error_set(&err, DAUYS_E_NETWORK, "connection refused");
    assert_int_equal(dauys_net_retryable(-1, &err, &r), 1);
    r.transient = 0; /* a certificate refused, a URL */
    assert_int_equal(dauys_net_retryable(-1, &err, &r), 0);
    r.transient = 1;
    static const dauys_status final[] = {DAUYS_E_IO, DAUYS_E_TOO_LARGE, DAUYS_E_NOMEM,
                                         DAUYS_E_USAGE};
    for (size_t i = 0; i < sizeof final / sizeof final[0]; i++) {
        dauys_error_set(&err, final[i], "x");
        assert_int_equal(dauys_net_retryable(-1, &err, &r), 0);
    }
    assert_int_equal(dauys_net_retryable(-1, NULL, &r), 0);
}

static void
test_backoff(void **state)
{
    (void) state;
    long bound = DAUYS_NET_BACKOFF_BASE_MS; /* d for the attempt */
    long last_max = 0;

    for (unsigned attempt = 1; attempt <= 40; attempt++) {
        long lo = bound / 2, hi = bound / 2 + bound / 2;
        /* the jitter's extremes and values between land in [d/2, d] */
        assert_int_equal(dauys_net_backoff_ms(attempt, 0, 0), lo);
        assert_int_equal(dauys_net_backoff_ms(attempt, 0, (uint32_t) (bound / 2)), hi);
        for (uint32_t j = 1; j != 0 && j < 0xF0000000u; j = j * 7 + 12345) {
            long ms = dauys_net_backoff_ms(attempt, 0, j);
            assert_true(ms >= lo && ms <= hi);
        }
        assert_int_equal(dauys_net_backoff_ms(attempt, 0, UINT32_MAX),
                         lo + (long) (UINT32_MAX % (uint32_t) (bound / 2 + 1)));
        /* never shrinks: this attempt's least is at least the last one's most
         * until the cap, then stays */
        assert_true(lo >= last_max / 2 && (lo >= last_max || bound == DAUYS_NET_BACKOFF_CAP_MS));
        assert_true(hi <= DAUYS_NET_BACKOFF_CAP_MS);
        last_max = hi;
        bound = bound * 2 > DAUYS_NET_BACKOFF_CAP_MS ? DAUYS_NET_BACKOFF_CAP_MS : bound * 2;
    }
    /* the schedule itself: 100-200, 200-400, 400-800 ms ... 5-10 s */
    assert_int_equal(dauys_net_backoff_ms(1, 0, 0), 100);
    assert_int_equal(dauys_net_backoff_ms(2, 0, 0), 200);
    assert_int_equal(dauys_net_backoff_ms(3, 0, 0), 400);
    assert_int_equal(dauys_net_backoff_ms(6, 0, 1000000), 3200 + 1000000 % 3201);
    assert_int_equal(dauys_net_backoff_ms(7, 0, 0), 5000);
    assert_int_equal(dauys_net_backoff_ms(UINT32_MAX, 0, 0), 5000);
    /* Retry-After: at least what the server says, plus the jitter; capped */
    assert_int_equal(dauys_net_backoff_ms(1, 1, 0), 1000);
    assert_int_equal(dauys_net_backoff_ms(1, 1, 100), 1100);
    assert_int_equal(dauys_net_backoff_ms(1, 1, 101), 1000); /* 101 % 101 */
    assert_int_equal(dauys_net_backoff_ms(3, 3, 5), 3005);
    assert_int_equal(dauys_net_backoff_ms(8, 1, 0), 5000); /* the backoff is longer */
    assert_int_equal(dauys_net_backoff_ms(1, 86400, 0), DAUYS_NET_RETRY_AFTER_MAX_S * 1000);
    assert_int_equal(dauys_net_backoff_ms(1, -5, 0), 100);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answer_accepted),
        cmocka_unit_test(test_answer_values),
        cmocka_unit_test(test_answer_refused),
        cmocka_unit_test(test_answer_limits),
        cmocka_unit_test(test_answer_out_of_memory),
        cmocka_unit_test(test_retryable),
        cmocka_unit_test(test_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
