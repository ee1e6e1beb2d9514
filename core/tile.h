/*
 * tile.h: the addressing of a transparency log published as C2SP tiles
 * (c2sp.org/tlog-tiles): which tiles a tree of a given size has, and their
 * paths under the log's prefix. Pure arithmetic and text; no I/O.
 *
 * A tile at level L (0..63) with index N holds up to 256 consecutive hashes
 * of the tree's level 8*L: hash I is the root of the complete subtree of
 * 256^L leaves starting at leaf (N*256 + I) * 256^L. A tree of SIZE leaves
 * has, at each level L with SIZE / 256^L > 0, the full tiles
 * 0 .. SIZE / 256^(L+1) - 1 and, when W = (SIZE / 256^L) mod 256 is not 0,
 * the partial tile SIZE / 256^(L+1) of width W. An entry bundle holds the
 * entries behind the level-0 tile of the same index and width.
 *
 * Paths (relative to the prefix, no leading '/'):
 *
 *   tile/L/N            a full tile (256 hashes)
 *   tile/L/N.p/W        a partial tile (W hashes, 1 <= W <= 255)
 *   tile/entries/N      a full entry bundle (256 entries)
 *   tile/entries/N.p/W  a partial entry bundle
 *
 * L and W are decimal without leading zeros; N is split into groups of
 * three digits, zero-padded, each but the last prefixed with 'x', the first
 * group not zero unless it is the only one: 1234067 is "x001/x234/067", 0 is
 * "000", 1000 is "x001/000".
 */
#ifndef DAUYS_CORE_TILE_H
#define DAUYS_CORE_TILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Hashes in a full tile, entries in a full bundle. */
#define DAUYS_TILE_WIDTH 256
/* Bytes of one hash in a tile (SHA-256). */
#define DAUYS_TILE_HASH_BYTES 32
/* Highest level a path may name (the spec's limit; a 64-bit tree uses 0..7). */
#define DAUYS_TILE_LEVEL_MAX 63
/* The level of an entry bundle. */
#define DAUYS_TILE_ENTRIES (-1)
/* A path buffer that always suffices, NUL included ("tile/entries/" + 7
 * groups of N + ".p/255" is 53 bytes). */
#define DAUYS_TILE_PATH_MAX 64

typedef struct dauys_tile {
    int level;      /* 0..DAUYS_TILE_LEVEL_MAX, or DAUYS_TILE_ENTRIES */
    uint64_t index; /* N */
    unsigned width; /* 1..DAUYS_TILE_WIDTH; DAUYS_TILE_WIDTH is a full tile */
} dauys_tile;

/*
 * Writes T's path ("tile/0/x001/x234/067", "tile/1/000.p/17",
 * "tile/entries/040.p/149") to OUT (SIZE >= DAUYS_TILE_PATH_MAX always
 * suffices). Returns 0, or -1 with DAUYS_E_USAGE for a level or width out of
 * range or a buffer too small (OUT then holds "").
 */
int dauys_tile_path(char *out, size_t size, const dauys_tile *t, dauys_error *err) DAUYS_WUR;

/*
 * Parses the LEN bytes at PATH (need not be NUL-terminated) as a tile path
 * in exactly the canonical form dauys_tile_path writes, into *T: anything
 * else (a leading or trailing '/', an empty element, "." or "..", percent
 * signs, a query, a level over 63 or with a leading zero, a group of N that
 * is not three digits or lacks its 'x', a first group of zeros before
 * others, an N over 2^64 - 1, a width of 0 or over 255 or with a leading
 * zero, ".p/256" for a full tile) fails with DAUYS_E_FORMAT, naming the
 * element. T is set only on success. Parsing the result of dauys_tile_path
 * gives back its tile, and dauys_tile_path of a parsed tile gives back the
 * same bytes.
 */
int dauys_tile_path_parse(dauys_tile *t, const char *path, size_t len, dauys_error *err) DAUYS_WUR;

/* The number of full tiles at LEVEL (any; 0 above 7) in a tree of SIZE
 * leaves: SIZE / 256^(LEVEL+1). */
uint64_t dauys_tile_full_count(unsigned level, uint64_t size);

/* The width of the partial tile at LEVEL in a tree of SIZE leaves,
 * (SIZE / 256^LEVEL) mod 256: 0 when that level has no partial tile. */
unsigned dauys_tile_partial_width(unsigned level, uint64_t size);

/*
 * The tiles a tree of SIZE leaves has and a tree of OLD_SIZE leaves did not
 * (OLD_SIZE 0: every tile of SIZE), level by level from 0, by index within
 * a level, the partial tile last. A partial tile of OLD_SIZE whose width
 * SIZE keeps is not new. With OLD_SIZE > SIZE it yields every tile of SIZE.
 * Entry bundles are not yielded: each level-0 tile's bundle is the tile
 * with level DAUYS_TILE_ENTRIES.
 */
typedef struct dauys_tile_iter {
    uint64_t old_size, size;
    unsigned level; /* the level being walked */
    uint64_t next;  /* the next index at that level */
} dauys_tile_iter;

void dauys_tile_iter_init(dauys_tile_iter *it, uint64_t old_size, uint64_t size);

/* The next tile into *T: 1, or 0 when there are no more (then forever). */
int dauys_tile_iter_next(dauys_tile_iter *it, dauys_tile *t) DAUYS_WUR;

#endif
