/*
 * test_tiles.c: core/tiles, the C2SP tlog-tiles addressing: the spec's
 * examples (1234067 is x001/x234/067; the tiles of trees of 70,000 and 256
 * leaves), paths both ways over many indexes, levels and widths, every
 * non-canonical form the parser must refuse (it routes the server's GETs),
 * and the tiles a tree has that a smaller one did not, against a brute-force
 * set difference.
 */
#include "tests/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tile.h"

/* Parses S from a buffer of exactly its length, so ASan sees any read past it. */
static int
parse(dauys_tile *t, const char *s, dauys_error *err)
{
    size_t len = strlen(s);
    char *copy = test_malloc(len ? len : 1);
    int rc;

    memcpy(copy, s, len);
    rc = dauys_tile_path_parse(t, copy, len, err);
    test_free(copy);
    return rc;
}

static void
assert_path(int level, uint64_t index, unsigned width, const char *want)
{
    dauys_tile t = {level, index, width}, back;
    char path[DAUYS_TILE_PATH_MAX];
    dauys_error err;

    assert_int_equal(dauys_tile_path(path, sizeof path, &t, &err), 0);
    assert_string_equal(path, want);
    assert_int_equal(parse(&back, path, &err), 0);
    assert_int_equal(back.level, level);
    assert_true(back.index == index);
    assert_int_equal(back.width, width);
}

/* The spec's examples, and the edges of N's groups. */
static void
test_paths(void **state)
{
    (void) state;
    assert_path(0, 1234067, 256, "tile/0/x001/x234/067");
    assert_path(1, 0, 17, "tile/1/000.p/17");
    assert_path(DAUYS_TILE_ENTRIES, 40, 149, "tile/entries/040.p/149");
    assert_path(DAUYS_TILE_ENTRIES, 40, 256, "tile/entries/040");
    assert_path(0, 0, 256, "tile/0/000");
    assert_path(0, 999, 1, "tile/0/999.p/1");
    assert_path(2, 1000, 255, "tile/2/x001/000.p/255");
    assert_path(63, 1000000, 256, "tile/63/x001/x000/000");
    assert_path(0, UINT64_MAX, 256, "tile/0/x018/x446/x744/x073/x709/x551/615");
    assert_path(DAUYS_TILE_ENTRIES, UINT64_MAX, 255,
                "tile/entries/x018/x446/x744/x073/x709/x551/615.p/255");
    assert_true(strlen("tile/entries/x018/x446/x744/x073/x709/x551/615.p/255") <
                DAUYS_TILE_PATH_MAX);
}

/* Tiles that do not exist have no path; a short buffer is refused, not overrun. */
static void
test_path_refuses(void **state)
{
    static const dauys_tile bad[] = {{64, 0, 256}, {-2, 0, 256}, {0, 0, 0}, {0, 0, 257}};
    dauys_tile ok = {0, 1234067, 256};
    char path[DAUYS_TILE_PATH_MAX];
    dauys_error err;

    (void) state;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(dauys_tile_path(path, sizeof path, &bad[i], &err), -1);
        assert_error(&err, DAUYS_E_USAGE, "out of range");
        assert_string_equal(path, "");
    }
    assert_int_equal(dauys_tile_path(path, 20, &ok, &err), -1); /* needs 21 with the NUL */
    assert_error(&err, DAUYS_E_USAGE, "too small");
    assert_string_equal(path, "");
    assert_int_equal(dauys_tile_path(path, 21, &ok, &err), 0);
}

/* Every path the parser must refuse, and what it says. */
static void
test_parse_refuses(void **state)
{
    static const struct {
        const char *path, *why;
    } cases[] = {
        {"", "begin with"},
        {"tile", "begin with"},
        {"/tile/0/000", "begin with"},
        {"tiles/0/000", "begin with"},
        {"tile/", "not a level"},
        {"tile/0", "no tile index"},
        {"tile/0/", "not a group"},
        {"tile//000", "not a level"},
        {"tile/0//000", "not a group"},
        {"tile/00/000", "not a level"},
        {"tile/01/000", "not a level"},
        {"tile/64/000", "not a level"},
        {"tile/-1/000", "not a level"},
        {"tile/+1/000", "not a level"},
        {"tile/ 1/000", "not a level"},
        {"tile/Entries/000", "not a level"},
        {"tile/entrie/000", "not a level"},
        {"tile/../000", "not a level"},
        {"tile/0/..", "not a group"},
        {"tile/0/../000", "not a group"},
        {"tile/0/./000", "not a group"},
        {"tile/0/%30%30%30", "not a group"},
        {"tile/0/000?a=1", "not a group"},
        {"tile/0/000#a", "not a group"},
        {"tile/0/000/", "without \"x\" before the last"},
        {"tile/0/00", "not a group"},
        {"tile/0/0000", "not a group"},
        {"tile/0/1", "not a group"},
        {"tile/0/ 00", "not a group"},
        {"tile/0/X001/000", "not a group"},
        {"tile/0/x01/000", "not a group"},
        {"tile/0/x0001/000", "not a group"},
        {"tile/0/x-01/000", "not a group"},
        {"tile/0/x001", "has an \"x\""},
        {"tile/0/x001/", "not a group"},
        {"tile/0/001/002", "without \"x\" before the last"},
        {"tile/0/x000/123", "leading group of zeros"},
        {"tile/0/x000/x001/000", "leading group of zeros"},
        {"tile/0/x018/x446/x744/x073/x709/x551/616", "over 2^64 - 1"},
        {"tile/0/x001/x000/x000/x000/x000/x000/x000/000", "over 2^64 - 1"},
        {"tile/0/x999/x999/x999/x999/x999/x999/x999/x999/x999/999", "over 2^64 - 1"},
        {"tile/0/000.p", "without a width"},
        {"tile/0/000.p/", "width 1 to 255"},
        {"tile/0/000.p/0", "width 1 to 255"},
        {"tile/0/000.p/256", "width 1 to 255"},
        {"tile/0/000.p/01", "width 1 to 255"},
        {"tile/0/000.p/1/", "width 1 to 255"},
        {"tile/0/000.p/1/2", "width 1 to 255"},
        {"tile/0/000.p/1\n", "width 1 to 255"},
        {"tile/0/000.p/%31", "width 1 to 255"},
        {"tile/0/000.q/1", "not a group"},
        {"tile/0/000.p.p/1", "not a group"},
        {"tile/0/x001.p/1", "not a group"},
        {"tile/0/000.P/1", "not a group"},
        {"tile/entries/x000/000", "leading group of zeros"},
    };
    dauys_tile t = {7, 7, 7};
    dauys_error err;

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        if (parse(&t, cases[i].path, &err) != -1) {
            fail_msg("accepted \"%s\"", cases[i].path);
        }
        assert_error(&err, DAUYS_E_FORMAT, cases[i].why);
        assert_int_equal(t.level, 7); /* untouched */
    }
    /* a NUL inside the bytes is just a byte that does not belong */
    assert_int_equal(dauys_tile_path_parse(&t, "tile/0/000\0", 11, &err), -1);
    assert_int_equal(dauys_tile_path_parse(&t, "tile/0\0/000", 11, &err), -1);
    /* the length is what counts, not a NUL */
    assert_int_equal(dauys_tile_path_parse(&t, "tile/0/000.p/5", 10, &err), 0);
    assert_int_equal(t.width, 256);
}

/* Parse and encode give each other back, over many indexes, levels and widths. */
static void
test_round_trip(void **state)
{
    static const int levels[] = {DAUYS_TILE_ENTRIES, 0, 1, 2, 7, 8, 10, 63};
    static const unsigned widths[] = {1, 2, 17, 99, 100, 112, 149, 255, 256};
    uint64_t x = 0x9e3779b97f4a7c15u;
    char path[DAUYS_TILE_PATH_MAX], again[DAUYS_TILE_PATH_MAX];
    dauys_error err;

    (void) state;
    for (int i = 0; i < 20000; i++) {
        uint64_t n;
        if (i < 3000) {
            n = (uint64_t) i; /* every index to 3 groups' edges */
        } else if (i < 3128) {
            n = (UINT64_C(1) << ((i - 3000) / 2)) - (uint64_t) (i & 1); /* 2^k and 2^k - 1 */
        } else {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            n = x >> (x & 63); /* every magnitude */
        }
        dauys_tile t = {levels[(size_t) i % 8], n, widths[(size_t) i % 9]}, back;
        assert_int_equal(dauys_tile_path(path, sizeof path, &t, &err), 0);
        assert_int_equal(parse(&back, path, &err), 0);
        assert_int_equal(back.level, t.level);
        assert_true(back.index == t.index);
        assert_int_equal(back.width, t.width);
        assert_int_equal(dauys_tile_path(again, sizeof again, &back, &err), 0);
        assert_string_equal(again, path);
    }
}

/* All the tiles a tree of SIZE has and one of OLD did not, into OUT (at most MAX). */
static size_t
collect(dauys_tile *out, size_t max, uint64_t old, uint64_t size)
{
    dauys_tile_iter it;
    size_t n = 0;

    dauys_tile_iter_init(&it, old, size);
    while (dauys_tile_iter_next(&it, &out[n]) == 1) {
        assert_true(++n < max);
    }
    dauys_tile t;
    assert_int_equal(dauys_tile_iter_next(&it, &t), 0); /* and stays done */
    return n;
}

/* The spec's example sizes, tile by tile. */
static void
test_spec_sizes(void **state)
{
    dauys_tile *t = test_malloc(400 * sizeof *t);
    size_t n;

    (void) state;
    assert_int_equal(dauys_tile_full_count(0, 70000), 273);
    assert_int_equal(dauys_tile_partial_width(0, 70000), 112);
    assert_int_equal(dauys_tile_full_count(1, 70000), 1);
    assert_int_equal(dauys_tile_partial_width(1, 70000), 17);
    assert_int_equal(dauys_tile_full_count(2, 70000), 0);
    assert_int_equal(dauys_tile_partial_width(2, 70000), 1);
    assert_int_equal(dauys_tile_partial_width(3, 70000), 0);
    assert_int_equal(dauys_tile_partial_width(8, UINT64_MAX), 0);
    assert_int_equal(dauys_tile_full_count(63, UINT64_MAX), 0);
    assert_int_equal(dauys_tile_partial_width(7, UINT64_MAX), 255);

    n = collect(t, 400, 0, 70000);
    assert_int_equal(n, 273 + 1 + 1 + 1 + 1);
    for (size_t i = 0; i < 273; i++) {
        assert_int_equal(t[i].level, 0);
        assert_true(t[i].index == i);
        assert_int_equal(t[i].width, 256);
    }
    assert_true(t[273].level == 0 && t[273].index == 273 && t[273].width == 112);
    assert_true(t[274].level == 1 && t[274].index == 0 && t[274].width == 256);
    assert_true(t[275].level == 1 && t[275].index == 1 && t[275].width == 17);
    assert_true(t[276].level == 2 && t[276].index == 0 && t[276].width == 1);

    n = collect(t, 400, 0, 256);
    assert_int_equal(n, 2);
    assert_true(t[0].level == 0 && t[0].index == 0 && t[0].width == 256);
    assert_true(t[1].level == 1 && t[1].index == 0 && t[1].width == 1);

    n = collect(t, 400, 0, 14);
    assert_true(n == 1 && t[0].level == 0 && t[0].index == 0 && t[0].width == 14);
    assert_int_equal(collect(t, 400, 0, 0), 0);

    /* 10,389 (the demo's 10,388 precincts and the manifest) */
    n = collect(t, 400, 0, 10389);
    assert_int_equal(n, 40 + 1 + 1);
    assert_true(t[40].level == 0 && t[40].index == 40 && t[40].width == 149);
    assert_true(t[41].level == 1 && t[41].index == 0 && t[41].width == 40);

    /* the top of 64 bits: one leaf more changes only the level-0 partial tile */
    n = collect(t, 400, UINT64_MAX - 1, UINT64_MAX);
    assert_int_equal(n, 1);
    assert_true(t[0].level == 0 && t[0].index == (UINT64_MAX >> 8) && t[0].width == 255);
    test_free(t);
}

static int
same_tile(const dauys_tile *a, const dauys_tile *b)
{
    return a->level == b->level && a->index == b->index && a->width == b->width;
}

/* What the iterator yields for (OLD, SIZE) is exactly tiles(SIZE) minus tiles(OLD). */
static void
check_difference(uint64_t old, uint64_t size, dauys_tile *all_new, dauys_tile *all_old,
                 dauys_tile *diff, size_t max)
{
    /* with OLD > SIZE, every tile of SIZE: as if nothing had been */
    size_t n_new = collect(all_new, max, 0, size),
           n_old = old > size ? 0 : collect(all_old, max, 0, old);
    size_t n_diff = collect(diff, max, old, size), want = 0;

    for (size_t i = 0; i < n_new; i++) {
        int had = 0;
        for (size_t j = 0; j < n_old && !had; j++) {
            had = same_tile(&all_new[i], &all_old[j]);
        }
        if (!had) {
            if (want >= n_diff || !same_tile(&all_new[i], &diff[want])) {
                fail_msg("old %llu size %llu: tile %zu differs", (unsigned long long) old,
                         (unsigned long long) size, want);
            }
            want++;
        }
    }
    assert_int_equal(n_diff, want);
}

static void
test_incremental(void **state)
{
    static const uint64_t edges[] = {0,     1,     2,     255,   256,   257,
                                     511,   512,   513,   65535, 65536, 65537,
                                     65791, 65792, 70000, 70001, 69999, 131072};
    size_t max = 1200;
    dauys_tile *a = test_malloc(max * sizeof *a), *b = test_malloc(max * sizeof *b),
               *d = test_malloc(max * sizeof *d);
    uint64_t x = 12345;

    (void) state;
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++) {
        for (size_t j = 0; j < sizeof edges / sizeof *edges; j++) {
            check_difference(edges[i], edges[j], a, b, d, max);
        }
    }
    for (int i = 0; i < 300; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        uint64_t size = (x >> 33) % 200000, old = size - (x >> 20) % (1 + (i % 3 ? 600 : size));
        check_difference(old, size, a, b, d, max);
    }
    test_free(a);
    test_free(b);
    test_free(d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),         cmocka_unit_test(test_path_refuses),
        cmocka_unit_test(test_parse_refuses), cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_spec_sizes),    cmocka_unit_test(test_incremental),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
