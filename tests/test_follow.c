/*
 * test_follow.c: the follower's parsers: tile paths as c2sp.org/tlog-tiles
 * names them (its own examples), and the entry bundle splitter on good
 * bundles and on every way a bundle can be malformed. Rounds, forks and
 * damage are tested end to end in tests/cli/follow_cli.sh.
 */
#include "tests/support.h"

#include <stdio.h>
#include <string.h>

#include "audit/follow.h"

static void
test_tile_paths(void **state)
{
    char p[DAUYS_FOLLOW_TILE_PATH_MAX];

    (void) state;
    dauys_follow_tile_path(p, sizeof p, 0, 0, 256);
    assert_string_equal(p, "tile/0/000");
    dauys_follow_tile_path(p, sizeof p, 0, 1234067, 256); /* the spec's example */
    assert_string_equal(p, "tile/0/x001/x234/067");
    dauys_follow_tile_path(p, sizeof p, 1, 999, 256);
    assert_string_equal(p, "tile/1/999");
    dauys_follow_tile_path(p, sizeof p, 2, 1000, 256);
    assert_string_equal(p, "tile/2/x001/000");
    dauys_follow_tile_path(p, sizeof p, 0, 0, 14);
    assert_string_equal(p, "tile/0/000.p/14");
    dauys_follow_tile_path(p, sizeof p, 0, 40, 149); /* 10,389 entries: the demo's log */
    assert_string_equal(p, "tile/0/040.p/149");
    dauys_follow_tile_path(p, sizeof p, -1, 1234067, 1);
    assert_string_equal(p, "tile/entries/x001/x234/067.p/1");
    dauys_follow_tile_path(p, sizeof p, 63, UINT64_MAX, 255);
    assert_string_equal(p, "tile/63/x018/x446/x744/x073/x709/x551/615.p/255");
}

typedef struct seen {
    unsigned count, stop_at;
    char text[8][16];
} seen;

static int
collect(void *ctx, unsigned k, const char *entry, size_t len, dauys_error *err)
{
    seen *s = ctx;

    assert_int_equal(k, s->count);
    if (k == s->stop_at) {
        return dauys_error_set(err, DAUYS_E_PROOF, "stopped at %u", k);
    }
    assert_true(len < sizeof s->text[0]);
    memcpy(s->text[k], entry, len);
    s->text[k][len] = '\0';
    s->count++;
    return 0;
}

static void
test_bundle_split(void **state)
{
    static const char good[] = "\0\3abc\0\1d\0\2ef";
    seen s = {.stop_at = 99};
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_follow_bundle_split(good, sizeof good - 1, 3, "b", collect, &s, &err),
                     0);
    assert_int_equal(s.count, 3);
    assert_string_equal(s.text[0], "abc");
    assert_string_equal(s.text[1], "d");
    assert_string_equal(s.text[2], "ef");
    /* an empty bundle holds no entry */
    s = (seen){.stop_at = 99};
    assert_int_equal(dauys_follow_bundle_split("", 0, 0, "b", collect, &s, &err), 0);
    assert_int_equal(s.count, 0);
    /* the callback's failure is passed on, and nothing after it is read */
    s = (seen){.stop_at = 1};
    assert_int_equal(dauys_follow_bundle_split(good, sizeof good - 1, 3, "b", collect, &s, &err),
                     -1);
    assert_error(&err, DAUYS_E_PROOF, "stopped at 1");
    assert_int_equal(s.count, 1);
}

static int
longest_entry(void *ctx, unsigned k, const char *entry, size_t len, dauys_error *err)
{
    (void) k;
    (void) entry;
    (void) err;
    *(size_t *) ctx = len;
    return 0;
}

static void
expect_malformed(const char *data, size_t len, unsigned count, const char *needle)
{
    seen s = {.stop_at = 99};
    dauys_error err;

    assert_int_equal(dauys_follow_bundle_split(data, len, count, "B", collect, &s, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, needle);
}

static void
test_bundle_malformed(void **state)
{
    static const char good[] = "\0\3abc\0\1d\0\2ef";
    static char big[2 + 1024];

    (void) state;
    expect_malformed(good, sizeof good - 1, 4, "B: cut short at byte 12: entry 3 of 4");
    expect_malformed(good, sizeof good - 1, 2, "B: 4 bytes after its 2 entries");
    expect_malformed(good, 10, 3, "B: cut short: entry 2 (byte 8) has 0 of its 2 bytes");
    expect_malformed(good, 9, 3, "B: cut short at byte 8: entry 2 of 3");
    expect_malformed("\0\0", 2, 1, "B: entry 0 (byte 0): length 0, not 1 to 1023");
    big[0] = 4; /* 1024 bytes: one more than a log entry may hold */
    big[1] = 0;
    expect_malformed(big, sizeof big, 1, "B: entry 0 (byte 0): length 1024, not 1 to 1023");
    big[0] = 3;
    big[1] = (char) 0xff; /* 1023: the most an entry holds */
    {
        size_t longest = 0;
        dauys_error err;
        assert_int_equal(
            dauys_follow_bundle_split(big, 2 + 1023, 1, "B", longest_entry, &longest, &err), 0);
        assert_int_equal(longest, 1023);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tile_paths),
        cmocka_unit_test(test_bundle_split),
        cmocka_unit_test(test_bundle_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
