/*
 * tiles.c: C2SP tlog-tiles addressing (tile.h): tile paths both ways, and
 * which tiles a tree has.
 */
#include "core/tile.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/decimal.h"

/* Levels at or above this hold nothing in a tree of at most 2^64 - 1
 * leaves (256^8 = 2^64), and their shifts would be undefined. */
#define LEVELS_NONEMPTY 8

/* The number of nodes at tile level LEVEL (tree level 8*LEVEL) that a tree of
 * SIZE leaves has complete: SIZE / 256^LEVEL. */
static uint64_t
nodes_at(unsigned level, uint64_t size)
{
    return level >= LEVELS_NONEMPTY ? 0 : size >> (8 * level);
}

uint64_t
dauys_tile_full_count(unsigned level, uint64_t size)
{
    return nodes_at(level, size) / DAUYS_TILE_WIDTH;
}

unsigned
dauys_tile_partial_width(unsigned level, uint64_t size)
{
    return (unsigned) (nodes_at(level, size) % DAUYS_TILE_WIDTH);
}

/* --- paths ---------------------------------------------------------------- */

/* Appends N's groups ("x001/x234/067") to OUT at *AT (OUT has room: the
 * caller's buffer is DAUYS_TILE_PATH_MAX). */
static void
put_index(char *out, size_t *at, uint64_t n)
{
    unsigned groups[7]; /* 2^64 - 1 has 20 digits: 7 groups */
    int count = 0;

    do {
        groups[count++] = (unsigned) (n % 1000);
        n /= 1000;
    } while (n > 0);
    while (count-- > 0) {
        *at += (size_t) snprintf(out + *at, DAUYS_TILE_PATH_MAX - *at,
                                 count > 0 ? "x%03u/" : "%03u", groups[count]);
    }
}

int
dauys_tile_path(char *out, size_t size, const dauys_tile *t, dauys_error *err)
{
    char path[DAUYS_TILE_PATH_MAX];
    size_t at;

    if (size > 0) {
        out[0] = '\0';
    }
    if (t->level < DAUYS_TILE_ENTRIES || t->level > DAUYS_TILE_LEVEL_MAX || t->width == 0 ||
        t->width > DAUYS_TILE_WIDTH) {
        return dauys_error_set(err, DAUYS_E_USAGE, "tile level %d, width %u: out of range",
                               t->level, t->width);
    }
    if (t->level == DAUYS_TILE_ENTRIES) {
        at = (size_t) snprintf(path, sizeof path, "tile/entries/");
    } else {
        at = (size_t) snprintf(path, sizeof path, "tile/%d/", t->level);
    }
    put_index(path, &at, t->index);
    if (t->width < DAUYS_TILE_WIDTH) {
        at += (size_t) snprintf(path + at, sizeof path - at, ".p/%u", t->width);
    }
    assert(at < sizeof path);
    if (at >= size) {
        return dauys_error_set(err, DAUYS_E_USAGE, "tile path %s: buffer of %zu bytes too small",
                               path, size);
    }
    memcpy(out, path, at + 1);
    return 0;
}

/* A cursor over the path being parsed, one '/'-separated element at a time. */
typedef struct path_cursor {
    const char *at, *end;
    int number;      /* of the current element, from 1, for messages */
    const char *elt; /* the current element */
    size_t len;      /* its length */
    int more;        /* 1 if a '/' follows it */
} path_cursor;

/* Moves C to its next element; 0, or -1 if the path has ended. */
static int
next_element(path_cursor *c)
{
    const char *slash;

    if (c->at == NULL) {
        return -1;
    }
    slash = memchr(c->at, '/', (size_t) (c->end - c->at));
    c->elt = c->at;
    c->len = (size_t) ((slash != NULL ? slash : c->end) - c->at);
    c->more = slash != NULL;
    c->at = slash != NULL ? slash + 1 : NULL;
    c->number++;
    return 0;
}

/* Fails naming C's current element (quoted, cut short) and WHY. */
static int
bad_element(const path_cursor *c, const char *why, dauys_error *err)
{
    int shown = c->len > 24 ? 24 : (int) c->len;

    return dauys_error_set(err, DAUYS_E_FORMAT, "tile path: element %d \"%.*s%s\": %s", c->number,
                           shown, c->elt, c->len > 24 ? "..." : "", why);
}

/* Three digits at S, zero-padded, into *GROUP: 0, or -1. */
static int
read_group(unsigned *group, const char *s, size_t len)
{
    uint64_t v;

    if (len != 3 ||
        dauys_decimal_read(&v, s, 3, 999, DAUYS_DECIMAL_LEADING_ZEROS) != DAUYS_DECIMAL_OK) {
        return -1;
    }
    *group = (unsigned) v;
    return 0;
}

/* Parses the level element at C into *LEVEL. */
static int
parse_level(int *level, path_cursor *c, dauys_error *err)
{
    uint64_t v;

    if (next_element(c) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "tile path: no level");
    }
    if (c->len == 7 && memcmp(c->elt, "entries", 7) == 0) {
        *level = DAUYS_TILE_ENTRIES;
    } else if (dauys_decimal_parse(&v, c->elt, c->len, DAUYS_TILE_LEVEL_MAX) == 0) {
        *level = (int) v;
    } else {
        return bad_element(c, "not a level (\"entries\", or 0 to 63 without leading zeros)", err);
    }
    return c->more ? 0 : bad_element(c, "no tile index after the level", err);
}

/* Parses the width element after ".p/" at C into *WIDTH: 1..255, the last element. */
static int
parse_width(unsigned *width, path_cursor *c, dauys_error *err)
{
    uint64_t v;

    if (next_element(c) != 0 || c->more ||
        dauys_decimal_parse(&v, c->elt, c->len, DAUYS_TILE_WIDTH - 1) != 0 || v == 0) {
        return bad_element(c, "not the last element, a width 1 to 255 without leading zeros", err);
    }
    *width = (unsigned) v;
    return 0;
}

/* Parses the groups of N (and the width of a partial tile) at C. */
static int
parse_index(uint64_t *index, unsigned *width, path_cursor *c, dauys_error *err)
{
    uint64_t n = 0;
    unsigned group;
    int groups = 0;

    while (next_element(c) == 0) {
        int x = c->len > 0 && c->elt[0] == 'x';
        const char *digits = c->elt + x;
        size_t len = x ? 3 : (c->len == 5 && memcmp(c->elt + 3, ".p", 2) == 0) ? 3 : c->len;

        if ((x && c->len != 4) || read_group(&group, digits, len) != 0) {
            return bad_element(c, "not a group of the index (\"x\" and 3 digits, or 3 digits last)",
                               err);
        }
        if (groups == 0 && group == 0 && x) {
            return bad_element(c, "a leading group of zeros (not canonical)", err);
        }
        if (n > (UINT64_MAX - group) / 1000) {
            return bad_element(c, "the index is over 2^64 - 1", err);
        }
        n = n * 1000 + group;
        groups++;
        if (x && !c->more) {
            return bad_element(c, "the last group of the index has an \"x\"", err);
        }
        if (x) {
            continue;
        }
        if (c->len == 3 && c->more) {
            return bad_element(c, "a group without \"x\" before the last", err);
        }
        *index = n;
        *width = DAUYS_TILE_WIDTH;
        return c->len == 3 ? 0
               : c->more   ? parse_width(width, c, err)
                           : bad_element(c, "\".p\" without a width", err);
    }
    return dauys_error_set(err, DAUYS_E_FORMAT, "tile path: no tile index");
}

int
dauys_tile_path_parse(dauys_tile *t, const char *path, size_t len, dauys_error *err)
{
    path_cursor c = {.at = path, .end = path + len};
    dauys_tile got;

    if (len < 5 || memcmp(path, "tile/", 5) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "tile path: does not begin with \"tile/\"");
    }
    c.at += 5;
    c.number = 1;
    if (parse_level(&got.level, &c, err) != 0 ||
        parse_index(&got.index, &got.width, &c, err) != 0) {
        return -1;
    }
    *t = got;
    return 0;
}

/* --- the tiles of a tree --------------------------------------------------- */

void
dauys_tile_iter_init(dauys_tile_iter *it, uint64_t old_size, uint64_t size)
{
    it->old_size = old_size > size ? 0 : old_size;
    it->size = size;
    it->level = 0;
    it->next = dauys_tile_full_count(0, it->old_size);
}

int
dauys_tile_iter_next(dauys_tile_iter *it, dauys_tile *t)
{
    while (nodes_at(it->level, it->size) > 0) {
        uint64_t full = dauys_tile_full_count(it->level, it->size);
        unsigned width = dauys_tile_partial_width(it->level, it->size);
        /* the old tree's partial tile is this one if it had the same place and width */
        int had = dauys_tile_full_count(it->level, it->old_size) == full &&
                  dauys_tile_partial_width(it->level, it->old_size) == width;

        if (it->next < full || (it->next == full && width > 0 && !had)) {
            t->level = (int) it->level;
            t->index = it->next;
            t->width = it->next < full ? DAUYS_TILE_WIDTH : width;
            it->next++;
            return 1;
        }
        it->level++;
        it->next = dauys_tile_full_count(it->level, it->old_size);
    }
    return 0;
}
