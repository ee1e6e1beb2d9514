/*
 * follow.c: the observer's client of a log published as C2SP tlog-tiles
 * (follow.h). Tiles are read through one cache per round and authenticated
 * against the signed root before any hash of theirs is used: the partial
 * tiles (the right edge of every level) by recomputing the root from them,
 * each full tile by hashing its 256 hashes into its hash in the tile above.
 * So a consistency proof built from them that fails shows a fork of the
 * signed tree, not a damaged file; damaged tiles fail on their own.
 */
#include "audit/follow.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "audit/audit_internal.h"
#include "audit/cosigners.h"
#include "core/alloc.h"
#include "core/file.h"
#include "core/sha256.h"
#include "referendum/logentry.h"

#define WHERE_MAX (sizeof(((dauys_follow *) 0)->source) + DAUYS_FOLLOW_TILE_PATH_MAX + 2)

/* --- paths and the bundle format ------------------------------------------ */

void
dauys_follow_tile_path(char *out, size_t size, int level, uint64_t n, unsigned width)
{
    unsigned group[8];
    int count = 0;
    size_t at;

    assert(size >= DAUYS_FOLLOW_TILE_PATH_MAX && width >= 1 && width <= DAUYS_FOLLOW_TILE_WIDTH);
    do {
        group[count++] = (unsigned) (n % 1000);
        n /= 1000;
    } while (n > 0);
    at = level < 0 ? (size_t) snprintf(out, size, "tile/entries/")
                   : (size_t) snprintf(out, size, "tile/%d/", level);
    while (count-- > 0) {
        at += (size_t) snprintf(out + at, size - at, count > 0 ? "x%03u/" : "%03u", group[count]);
    }
    if (width < DAUYS_FOLLOW_TILE_WIDTH) {
        snprintf(out + at, size - at, ".p/%u", width);
    }
}

int
dauys_follow_bundle_split(const char *data, size_t len, unsigned count, const char *name,
                          dauys_follow_entry_fn fn, void *ctx, dauys_error *err)
{
    size_t at = 0, n;

    for (unsigned k = 0; k < count; k++) {
        if (len - at < 2) {
            return dauys_error_set(err, DAUYS_E_FORMAT,
                                   "%s: cut short at byte %zu: entry %u of %u is not there", name,
                                   at, k, count);
        }
        n = (size_t) (unsigned char) data[at] << 8 | (unsigned char) data[at + 1];
        if (n == 0 || n > DAUYS_LOG_ENTRY_MAX - 1) {
            return dauys_error_set(err, DAUYS_E_FORMAT,
                                   "%s: entry %u (byte %zu): length %zu, not 1 to %d", name, k, at,
                                   n, DAUYS_LOG_ENTRY_MAX - 1);
        }
        if (len - at - 2 < n) {
            return dauys_error_set(err, DAUYS_E_FORMAT,
                                   "%s: cut short: entry %u (byte %zu) has %zu of its %zu bytes",
                                   name, k, at, len - at - 2, n);
        }
        if (fn(ctx, k, data + at + 2, n, err) != 0) {
            return -1;
        }
        at += 2 + n;
    }
    if (at != len) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s: %zu bytes after its %u entries", name,
                               len - at, count);
    }
    return 0;
}

/* --- fetching ------------------------------------------------------------- */

/*
 * Reads REL under the log's prefix into *OUT (dauys_free; NULL if missing),
 * at most MAX bytes. A file that is not there (a directory) or a 404 or 410
 * answer sets *MISSING and returns 0; another HTTP status fails with
 * DAUYS_E_NETWORK (worth retrying).
 */
static int
fetch(char **out, size_t *len, int *missing, dauys_follow *f, const char *rel, size_t max,
      dauys_error *err)
{
    char where[WHERE_MAX];
    dauys_net_response r;
    struct stat st;
    int rc = 0;

    *out = NULL;
    *len = 0;
    *missing = 0;
    snprintf(where, sizeof where, "%s/%s", f->source, rel);
    f->fetches++;
    if (!f->remote) {
        if (stat(where, &st) != 0 && errno == ENOENT) {
            *missing = 1;
            return 0;
        }
        if (dauys_file_read(out, len, where, max, err) != 0) {
            return -1;
        }
        f->fetched_bytes += *len;
        return 0;
    }
    memset(&r, 0, sizeof r);
    if (dauys_net_get(&r, where, max, &f->net, err) != 0) {
        rc = -1;
    } else if (r.status == 200) {
        *out = r.body;
        *len = r.len;
        r.body = NULL;
        f->fetched_bytes += *len;
    } else if (r.status == 404 || r.status == 410) {
        *missing = 1;
    } else {
        rc = dauys_error_set(err, DAUYS_E_NETWORK, "%s: HTTP status %ld", where, r.status);
    }
    dauys_net_response_free(&r);
    return rc;
}

/*
 * Fetches the tile or bundle (LEVEL < 0) N of WIDTH into *OUT, falling back
 * to the full one when a partial one is gone (the log may delete it once the
 * full one is there); *FULL says which came. Missing altogether: the log
 * does not serve what its checkpoint needs (DAUYS_E_PROOF).
 */
static int
fetch_tile(char **out, size_t *len, int *full, dauys_follow *f, int level, uint64_t n,
           unsigned width, uint64_t size, size_t max, dauys_error *err)
{
    char rel[DAUYS_FOLLOW_TILE_PATH_MAX];
    int missing;

    dauys_follow_tile_path(rel, sizeof rel, level, n, width);
    *full = width == DAUYS_FOLLOW_TILE_WIDTH;
    if (fetch(out, len, &missing, f, rel, max, err) != 0) {
        return -1;
    }
    if (missing && width < DAUYS_FOLLOW_TILE_WIDTH) {
        dauys_follow_tile_path(rel, sizeof rel, level, n, DAUYS_FOLLOW_TILE_WIDTH);
        *full = 1;
        if (fetch(out, len, &missing, f, rel, max, err) != 0) {
            return -1;
        }
    }
    if (missing) {
        dauys_follow_tile_path(rel, sizeof rel, level, n, width);
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "%s/%s: not served (nor its full tile), though the checkpoint of "
                               "%llu entries needs it",
                               f->source, rel, (unsigned long long) size);
    }
    return 0;
}

/* --- tiles, authenticated against the signed root ------------------------- */

typedef struct tile {
    int level;
    uint64_t n;
    unsigned width;
    uint8_t hash[DAUYS_FOLLOW_TILE_WIDTH][DAUYS_HASH_BYTES];
} tile;

/* One round's view of the tree the new checkpoint signs. */
typedef struct round_tree {
    dauys_follow *f;
    uint64_t size;
    int root_checked; /* the partial tiles gave the signed root */
    tile **cache;     /* authenticated tiles above level 0 and partial ones */
    size_t count, cap;
} round_tree;

/* How many hashes tile N of LEVEL holds in the tree of SIZE leaves (0: none). */
static unsigned
tile_width(uint64_t size, int level, uint64_t n)
{
    uint64_t hashes = level < 8 ? size >> (8 * level) : 0;

    if (n < hashes / DAUYS_FOLLOW_TILE_WIDTH) {
        return DAUYS_FOLLOW_TILE_WIDTH;
    }
    return n == hashes / DAUYS_FOLLOW_TILE_WIDTH ? (unsigned) (hashes % DAUYS_FOLLOW_TILE_WIDTH)
                                                 : 0;
}

/* The root of the COUNT (a power of two) hashes at HASHES, into OUT. */
static int
hash_up(uint8_t out[DAUYS_HASH_BYTES], uint8_t (*hashes)[DAUYS_HASH_BYTES], unsigned count,
        dauys_error *err)
{
    uint8_t work[DAUYS_FOLLOW_TILE_WIDTH][DAUYS_HASH_BYTES];

    assert(count >= 1 && count <= DAUYS_FOLLOW_TILE_WIDTH && (count & (count - 1)) == 0);
    memcpy(work, hashes, (size_t) count * DAUYS_HASH_BYTES);
    for (; count > 1; count /= 2) {
        for (unsigned i = 0; i < count / 2; i++) {
            if (dauys_merkle_node_hash(work[i], work[2 * i], work[2 * i + 1]) != 0) {
                return dauys_error_set(err, DAUYS_E_CRYPTO, "hashing failed");
            }
        }
    }
    memcpy(out, work[0], DAUYS_HASH_BYTES);
    return 0;
}

static int load_tile(tile **out, round_tree *t, int level, uint64_t n, int keep, dauys_error *err);

/* A full tile T hashes to its hash in the tile above, which is authenticated. */
static int
authenticate_full(round_tree *t, const tile *x, dauys_error *err)
{
    char rel[DAUYS_FOLLOW_TILE_PATH_MAX];
    uint8_t h[DAUYS_HASH_BYTES];
    tile *parent;
    unsigned at = (unsigned) (x->n % DAUYS_FOLLOW_TILE_WIDTH);

    assert(t->root_checked);
    if (load_tile(&parent, t, x->level + 1, x->n / DAUYS_FOLLOW_TILE_WIDTH, 1, err) != 0 ||
        hash_up(h, (uint8_t(*)[DAUYS_HASH_BYTES]) x->hash, DAUYS_FOLLOW_TILE_WIDTH, err) != 0) {
        return -1;
    }
    assert(at < parent->width);
    if (sodium_memcmp(h, parent->hash[at], DAUYS_HASH_BYTES) != 0) {
        dauys_follow_tile_path(rel, sizeof rel, x->level, x->n, DAUYS_FOLLOW_TILE_WIDTH);
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "%s/%s: its hashes do not hash to hash %u of the level %d tile "
                               "above: it is not a tile of the checkpoint of %llu entries",
                               t->f->source, rel, at, x->level + 1, (unsigned long long) t->size);
    }
    return 0;
}

/*
 * The tile N of LEVEL of the round's tree, fetched once and authenticated
 * (a partial one only once the root check has passed; the root check itself
 * reads only partial tiles). With KEEP it stays in the round's cache, which
 * owns it; without, the caller frees it.
 */
static int
load_tile(tile **out, round_tree *t, int level, uint64_t n, int keep, dauys_error *err)
{
    char *data = NULL, rel[DAUYS_FOLLOW_TILE_PATH_MAX];
    size_t len = 0, i;
    unsigned width = tile_width(t->size, level, n);
    int full, rc = -1;
    tile *x = NULL;

    for (i = 0; i < t->count; i++) {
        if (t->cache[i]->level == level && t->cache[i]->n == n) {
            *out = t->cache[i];
            return 0;
        }
    }
    assert(width > 0);
    if ((x = dauys_malloc(sizeof *x)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    *x = (tile){.level = level, .n = n, .width = width};
    if (fetch_tile(&data, &len, &full, t->f, level, n, width, t->size, DAUYS_FOLLOW_TILE_MAX,
                   err) != 0) {
        goto done;
    }
    if (len != (full ? DAUYS_FOLLOW_TILE_MAX : (size_t) width * DAUYS_HASH_BYTES)) {
        dauys_follow_tile_path(rel, sizeof rel, level, n, full ? DAUYS_FOLLOW_TILE_WIDTH : width);
        dauys_error_set(err, DAUYS_E_FORMAT, "%s/%s: %zu bytes, not the %u hashes of this tile",
                        t->f->source, rel, len, full ? DAUYS_FOLLOW_TILE_WIDTH : width);
        goto done;
    }
    memcpy(x->hash, data, (size_t) width * DAUYS_HASH_BYTES);
    if (width == DAUYS_FOLLOW_TILE_WIDTH && authenticate_full(t, x, err) != 0) {
        goto done;
    }
    if (keep && t->count == t->cap) { /* after authenticating: it may have cached parents */
        size_t cap = 2 * t->cap + 1;  /* small steps: the tests reach the growth */
        tile **grown = dauys_realloc(t->cache, cap * sizeof *grown);
        if (grown == NULL) {
            dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
            goto done;
        }
        t->cache = grown;
        t->cap = cap;
    }
    if (keep) {
        t->cache[t->count++] = x;
    }
    *out = x;
    x = NULL;
    rc = 0;
done:
    dauys_free(x);
    dauys_free(data);
    return rc;
}

/* 1 if X is in the round's cache (which owns it). */
static int
cached(const round_tree *t, const tile *x)
{
    for (size_t i = 0; i < t->count; i++) {
        if (t->cache[i] == x) {
            return 1;
        }
    }
    return 0;
}

/* The hash of a complete subtree of the round's tree, from its tiles (dauys_merkle_node_fn). */
static int
tile_node(uint8_t out[DAUYS_HASH_BYTES], unsigned level, uint64_t index, void *ctx,
          dauys_error *err)
{
    round_tree *t = ctx;
    unsigned below = level % 8, count = 1u << below;
    uint64_t first = index << below;
    tile *x;

    if (level >= 64) {
        return dauys_error_set(err, DAUYS_E_USAGE, "no subtree at level %u", level);
    }
    if (load_tile(&x, t, (int) (level / 8), first / DAUYS_FOLLOW_TILE_WIDTH, 1, err) != 0) {
        return -1;
    }
    assert(first % DAUYS_FOLLOW_TILE_WIDTH + count <= x->width);
    return hash_up(out, x->hash + first % DAUYS_FOLLOW_TILE_WIDTH, count, err);
}

static void
round_tree_free(round_tree *t)
{
    for (size_t i = 0; i < t->count; i++) {
        dauys_free(t->cache[i]);
    }
    dauys_free(t->cache);
    t->cache = NULL;
    t->count = t->cap = 0;
}

/* --- the state directory -------------------------------------------------- */

static void
be64_put(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8) {
        out[i] = (uint8_t) v;
    }
}

static uint64_t
be64_get(const uint8_t in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = v << 8 | in[i];
    }
    return v;
}

/* Reads exactly LEN bytes at OFFSET of FD (the state file NAME); -1 (ERR) if not. */
static int
read_at(int fd, void *out, size_t len, uint64_t offset, const dauys_follow *f, const char *name,
        dauys_error *err)
{
    ssize_t n = pread(fd, out, len, (off_t) offset);

    if (n < 0 || (size_t) n != len) {
        return dauys_error_set(err, DAUYS_E_IO, "%s/%s: the state is damaged: %s", f->state, name,
                               n < 0 ? strerror(errno) : "shorter than its checkpoint says");
    }
    return 0;
}

static int
write_all(int fd, const void *data, size_t len, const dauys_follow *f, const char *name,
          dauys_error *err)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return dauys_error_set(err, DAUYS_E_IO, "%s/%s: %s", f->state, name,
                                   n < 0 ? strerror(errno) : "nothing written");
        }
        p += n;
        len -= (size_t) n;
    }
    return 0;
}

/* Cuts the three data files back to the first SIZE entries (BYTES of entries). */
static int
cut_back(dauys_follow *f, uint64_t size, uint64_t bytes, dauys_error *err)
{
    if (ftruncate(f->entries_fd, (off_t) bytes) != 0 ||
        ftruncate(f->leaves_fd, (off_t) (size * DAUYS_HASH_BYTES)) != 0 ||
        ftruncate(f->ends_fd, (off_t) (size * 8)) != 0) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: cutting the state back to %llu entries: %s",
                               f->state, (unsigned long long) size, strerror(errno));
    }
    return 0;
}

static int
open_state_file(int *fd, const dauys_follow *f, const char *name, int flags, dauys_error *err)
{
    char path[PATH_MAX];

    snprintf(path, sizeof path, "%s/%s", f->state, name);
    *fd = open(path, flags | O_CLOEXEC, 0644);
    if (*fd < 0) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", path, strerror(errno));
    }
    return 0;
}

/* Writes checkpoints/SIZE (atomically) unless it is there. */
static int
keep_seen(const dauys_follow *f, const dauys_checkpoint *cp, const char *note, size_t len,
          dauys_error *err)
{
    char path[PATH_MAX];
    struct stat st;

    snprintf(path, sizeof path, "%s/checkpoints/%llu", f->state, (unsigned long long) cp->size);
    if (stat(path, &st) == 0) {
        return 0;
    }
    return dauys_file_write_atomic(path, note, len, 0644, err);
}

/* Rebuilds the observer's own tree from the kept leaves; checks it gives the kept root. */
static int
load_leaves(dauys_follow *f, dauys_error *err)
{
    uint8_t buf[1024][DAUYS_HASH_BYTES], root[DAUYS_HASH_BYTES];
    uint64_t done = 0;

    dauys_merkle_range_init(&f->range);
    while (done < f->kept.size) {
        uint64_t n = f->kept.size - done < 1024 ? f->kept.size - done : 1024;
        if (read_at(f->leaves_fd, buf, n * DAUYS_HASH_BYTES, done * DAUYS_HASH_BYTES, f, "leaves",
                    err) != 0) {
            return -1;
        }
        for (uint64_t i = 0; i < n; i++) {
            if (dauys_merkle_range_append(&f->range, buf[i], NULL, NULL, err) != 0) {
                return -1;
            }
        }
        done += n;
    }
    if (dauys_merkle_range_root(root, &f->range) != 0) {
        return dauys_error_set(err, DAUYS_E_CRYPTO, "hashing failed");
    }
    if (sodium_memcmp(root, f->kept.root, sizeof root) != 0) {
        return dauys_error_set(err, DAUYS_E_IO,
                               "%s/leaves: the state is damaged: its %llu leaf hashes do not give "
                               "the kept checkpoint's root",
                               f->state, (unsigned long long) f->kept.size);
    }
    return 0;
}

/* The end offset in entries of entry I (kept). */
static int
entry_end(uint64_t *end, dauys_follow *f, uint64_t i, dauys_error *err)
{
    uint8_t b[8];

    if (read_at(f->ends_fd, b, 8, i * 8, f, "ends", err) != 0) {
        return -1;
    }
    *end = be64_get(b);
    return 0;
}

/* Reads kept entry I into BUF (DAUYS_LOG_ENTRY_MAX bytes), its length in *LEN. */
static int
read_entry(char *buf, size_t *len, dauys_follow *f, uint64_t i, dauys_error *err)
{
    uint64_t start = 0, end;

    if ((i > 0 && entry_end(&start, f, i - 1, err) != 0) || entry_end(&end, f, i, err) != 0) {
        return -1;
    }
    if (end <= start || end - start >= DAUYS_LOG_ENTRY_MAX || end > f->entries_bytes) {
        return dauys_error_set(err, DAUYS_E_IO, "%s/ends: the state is damaged at entry %llu",
                               f->state, (unsigned long long) i);
    }
    *len = (size_t) (end - start);
    return read_at(f->entries_fd, buf, *len, start, f, "entries", err);
}

/* Checks the last kept entry against its leaf; sets the chain's last hash. */
static int
load_last(dauys_follow *f, dauys_error *err)
{
    char entry[DAUYS_LOG_ENTRY_MAX];
    uint8_t leaf[DAUYS_HASH_BYTES], kept[DAUYS_HASH_BYTES];
    size_t len;
    uint64_t last = f->kept.size - 1;

    if (read_entry(entry, &len, f, last, err) != 0 ||
        read_at(f->leaves_fd, kept, sizeof kept, last * DAUYS_HASH_BYTES, f, "leaves", err) != 0) {
        return -1;
    }
    if (dauys_merkle_leaf_hash(leaf, entry, len) != 0 ||
        dauys_sha256(f->last_entry, entry, len) != 0) {
        return dauys_error_set(err, DAUYS_E_CRYPTO, "hashing failed");
    }
    if (sodium_memcmp(leaf, kept, sizeof leaf) != 0) {
        return dauys_error_set(err, DAUYS_E_IO,
                               "%s/entries: the state is damaged: entry %llu is not its leaf",
                               f->state, (unsigned long long) last);
    }
    return 0;
}

/* Opens the kept checkpoint (if any) and brings the data files back to it. */
static int
load_kept(dauys_follow *f, dauys_error *err)
{
    char path[PATH_MAX];
    struct stat st;
    dauys_checkpoint any;

    snprintf(path, sizeof path, "%s/checkpoint", f->state);
    if (stat(path, &st) != 0 && errno == ENOENT) {
        return cut_back(f, 0, 0, err); /* a first round that did not finish */
    }
    if (dauys_file_read(&f->kept_note, &f->kept_len, path, DAUYS_NOTE_MAX, err) != 0 ||
        dauys_checkpoint_open(&any, f->kept_note, f->kept_len, &f->key, NULL, path, err) != 0) {
        return -1;
    }
    if (f->pinned[0] != '\0' && strcmp(any.origin, f->pinned) != 0) {
        return dauys_error_set(err, DAUYS_E_USAGE,
                               "%s follows the log of origin %s, not %s: give another --state",
                               f->state, any.origin, f->pinned);
    }
    f->kept = any;
    f->have_kept = 1;
    if (f->kept.size > 0 && entry_end(&f->entries_bytes, f, f->kept.size - 1, err) != 0) {
        return -1;
    }
    if (cut_back(f, f->kept.size, f->entries_bytes, err) != 0 || load_leaves(f, err) != 0 ||
        (f->kept.size > 0 && load_last(f, err) != 0)) {
        return -1;
    }
    return keep_seen(f, &f->kept, f->kept_note, f->kept_len, err);
}

/* fsyncs directory DIR, so that the names made in it last (not syncfs: the
 * whole file system's dirty data is not ours to wait for). */
static int
sync_dir(const char *dir, dauys_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

    if (fd < 0) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", dir, strerror(errno));
    }
    rc = fsync(fd);
    if (rc != 0) {
        dauys_error_set(err, DAUYS_E_IO, "%s: syncing: %s", dir, strerror(errno));
    }
    close(fd);
    return rc == 0 ? 0 : -1;
}

static int
make_dir(const char *path, dauys_error *err)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", path, strerror(errno));
    }
    return 0;
}

int
dauys_follow_open(dauys_follow *f, const char *state, const char *source, const dauys_pubkey *key,
                  const char *origin, const dauys_net_options *net, dauys_error *err)
{
    char path[PATH_MAX];
    size_t n;
    int flags = O_RDWR | O_CREAT | O_APPEND;

    memset(f, 0, sizeof *f);
    f->lock_fd = f->entries_fd = f->leaves_fd = f->ends_fd = -1;
    if (strlen(state) >= sizeof f->state || strlen(source) >= sizeof f->source ||
        (origin != NULL && strlen(origin) >= sizeof f->pinned)) {
        return dauys_error_set(err, DAUYS_E_USAGE, "a path, URL or origin is too long");
    }
    strcpy(f->state, state);
    strcpy(f->source, source);
    for (n = strlen(f->source); n > 1 && f->source[n - 1] == '/'; n--) {
        f->source[n - 1] = '\0';
    }
    f->remote = strncmp(source, "http://", 7) == 0 || strncmp(source, "https://", 8) == 0;
    if (net != NULL) {
        f->net = *net;
    }
    f->key = *key;
    snprintf(f->pinned, sizeof f->pinned, "%s", origin != NULL ? origin : "");
    snprintf(path, sizeof path, "%s/checkpoints", state);
    if (make_dir(state, err) != 0 || make_dir(path, err) != 0 ||
        open_state_file(&f->lock_fd, f, "lock", O_RDWR | O_CREAT, err) != 0) {
        return -1;
    }
    if (flock(f->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", state,
                               errno == EWOULDBLOCK ? "in use by another dauys-audit follow"
                                                    : strerror(errno));
    }
    if (open_state_file(&f->entries_fd, f, "entries", flags, err) != 0 ||
        open_state_file(&f->leaves_fd, f, "leaves", flags, err) != 0 ||
        open_state_file(&f->ends_fd, f, "ends", flags, err) != 0 || sync_dir(state, err) != 0) {
        return -1;
    }
    return load_kept(f, err);
}

void
dauys_follow_close(dauys_follow *f)
{
    int *fds[] = {&f->entries_fd, &f->leaves_fd, &f->ends_fd, &f->lock_fd};

    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
    }
    dauys_free(f->kept_note);
    f->kept_note = NULL;
}

/* --- a fork's evidence ---------------------------------------------------- */

/* Keeps both signed notes and why in STATE/forks/KEPT-NEW-TIME/, named in INFO. */
static int
keep_fork(dauys_follow_round_info *info, dauys_follow *f, const char *note, size_t len,
          dauys_error *err)
{
    char dir[PATH_MAX], path[PATH_MAX + 8], stamp[32], why[DAUYS_ERROR_MESSAGE_MAX + 2];
    time_t now = time(NULL);
    struct tm tm;
    int n;

    snprintf(dir, sizeof dir, "%s/forks", f->state);
    if (make_dir(dir, err) != 0) {
        return -1;
    }
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    for (int i = 1;; i++) {
        n = snprintf(dir, sizeof dir, "%s/forks/%llu-%llu-%s", f->state,
                     (unsigned long long) f->kept.size, (unsigned long long) info->seen.size,
                     stamp);
        if (i > 1) {
            snprintf(dir + n, sizeof dir - (size_t) n, "-%d", i);
        }
        if (mkdir(dir, 0755) == 0) {
            break;
        }
        if (errno != EEXIST || i > 100) {
            return dauys_error_set(err, DAUYS_E_IO, "%s: %s", dir, strerror(errno));
        }
    }
    snprintf(why, sizeof why, "%s\n", info->why);
    snprintf(path, sizeof path, "%s/kept", dir);
    if (dauys_file_write_new(path, f->kept_note, f->kept_len, 0644, 1, err) != 0) {
        return -1;
    }
    snprintf(path, sizeof path, "%s/new", dir);
    if (dauys_file_write_new(path, note, len, 0644, 1, err) != 0) {
        return -1;
    }
    snprintf(path, sizeof path, "%s/why", dir);
    if (dauys_file_write_new(path, why, strlen(why), 0644, 1, err) != 0 ||
        sync_dir(dir, err) != 0) {
        return -1;
    }
    snprintf(path, sizeof path, "%s/forks", f->state);
    if (sync_dir(path, err) != 0 || sync_dir(f->state, err) != 0) {
        return -1;
    }
    snprintf(info->evidence, sizeof info->evidence, "%s", dir);
    return 0;
}

/* --- the entries ---------------------------------------------------------- */

/* One bundle being checked and appended. */
typedef struct batch {
    dauys_follow *f;
    const tile *level0;
    uint64_t first;   /* the index of the bundle's entry 0 */
    uint64_t from;    /* entries before this are kept already */
    unsigned width;   /* entries of the bundle in the tree */
    const char *name; /* the bundle's URL, for errors */
    char *entries;    /* what to append, DAUYS_FOLLOW_BUNDLE_MAX bytes */
    size_t entries_len;
    uint8_t leaves[DAUYS_FOLLOW_TILE_WIDTH][DAUYS_HASH_BYTES];
    uint8_t ends[DAUYS_FOLLOW_TILE_WIDTH][8];
    unsigned appended;
} batch;

/* One entry of a bundle: its leaf is the tile's, it follows the chain. */
static int
on_entry(void *ctx, unsigned k, const char *entry, size_t len, dauys_error *err)
{
    batch *b = ctx;
    dauys_follow *f = b->f;
    uint64_t i = b->first + k;
    uint8_t leaf[DAUYS_HASH_BYTES];
    dauys_log_parsed e;
    char where[WHERE_MAX + 32];

    if (k >= b->width || i < b->from) {
        return 0; /* past the tree (a full bundle in a partial one's place), or kept */
    }
    snprintf(where, sizeof where, "%s, entry %llu", b->name, (unsigned long long) i);
    if (dauys_merkle_leaf_hash(leaf, entry, len) != 0) {
        return dauys_error_set(err, DAUYS_E_CRYPTO, "hashing failed");
    }
    if (sodium_memcmp(leaf, b->level0->hash[k], sizeof leaf) != 0) {
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "%s: its leaf hash is not hash %u of the level 0 tile: the "
                               "bundle does not hold the log's entries",
                               where, k);
    }
    if (dauys_logentry_parse(&e, entry, len, where, err) != 0) {
        return -1;
    }
    if (e.index != i) {
        return dauys_error_set(err, DAUYS_E_PROOF, "%s: it says index %llu", where,
                               (unsigned long long) e.index);
    }
    if (sodium_memcmp(e.previous, f->last_entry, sizeof e.previous) != 0) {
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "%s: its previous is not the SHA-256 of entry %llu: the hash "
                               "chain is broken",
                               where, (unsigned long long) (i - 1));
    }
    if (dauys_sha256(f->last_entry, entry, len) != 0 ||
        dauys_merkle_range_append(&f->range, leaf, NULL, NULL, err) != 0) {
        return err->status != DAUYS_OK ? -1 : dauys_error_set(err, DAUYS_E_CRYPTO, "hashing");
    }
    memcpy(b->entries + b->entries_len, entry, len);
    b->entries_len += len;
    f->entries_bytes += len;
    memcpy(b->leaves[b->appended], leaf, sizeof leaf);
    be64_put(b->ends[b->appended], f->entries_bytes);
    b->appended++;
    return 0;
}

/* Checks bundle N of the round's tree and appends its new entries (unsynced). */
static int
follow_bundle(batch *b, round_tree *t, uint64_t n, dauys_error *err)
{
    char *data = NULL, name[WHERE_MAX];
    size_t len = 0;
    tile *level0 = NULL;
    int full, rc = -1;
    dauys_follow *f = t->f;

    b->width = tile_width(t->size, 0, n);
    b->first = n * DAUYS_FOLLOW_TILE_WIDTH;
    b->entries_len = 0;
    b->appended = 0;
    if (load_tile(&level0, t, 0, n, 0, err) != 0 ||
        fetch_tile(&data, &len, &full, f, -1, n, b->width, t->size, DAUYS_FOLLOW_BUNDLE_MAX, err) !=
            0) {
        goto done;
    }
    b->level0 = level0;
    snprintf(name, sizeof name, "%s/", f->source);
    dauys_follow_tile_path(name + strlen(name), sizeof name - strlen(name), -1, n,
                           full ? DAUYS_FOLLOW_TILE_WIDTH : b->width);
    b->name = name;
    if (dauys_follow_bundle_split(data, len, full ? DAUYS_FOLLOW_TILE_WIDTH : b->width, name,
                                  on_entry, b, err) != 0 ||
        write_all(f->entries_fd, b->entries, b->entries_len, f, "entries", err) != 0 ||
        write_all(f->leaves_fd, b->leaves, (size_t) b->appended * DAUYS_HASH_BYTES, f, "leaves",
                  err) != 0 ||
        write_all(f->ends_fd, b->ends, (size_t) b->appended * 8, f, "ends", err) != 0) {
        goto done;
    }
    rc = 0;
done:
    if (level0 != NULL && !cached(t, level0)) {
        dauys_free(level0); /* level-0 tiles read for their entries only are not kept */
    }
    dauys_free(data);
    return rc;
}

/* The new entries [kept size, new size): checked, appended, and the root recomputed. */
static int
follow_entries(dauys_follow_round_info *info, round_tree *t, const uint8_t root[DAUYS_HASH_BYTES],
               dauys_error *err)
{
    dauys_follow *f = t->f;
    uint64_t from = f->have_kept ? f->kept.size : 0;
    uint8_t own[DAUYS_HASH_BYTES];
    batch *b = dauys_malloc(sizeof *b);
    char *entries = dauys_malloc(DAUYS_FOLLOW_BUNDLE_MAX);
    int rc = -1;

    if (b == NULL || entries == NULL) {
        dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
        goto done;
    }
    *b = (batch){.f = f, .from = from, .entries = entries};
    for (uint64_t n = from / DAUYS_FOLLOW_TILE_WIDTH; n * DAUYS_FOLLOW_TILE_WIDTH < t->size; n++) {
        if (follow_bundle(b, t, n, err) != 0) {
            goto done;
        }
        info->entries += b->appended;
    }
    if (dauys_merkle_range_root(own, &f->range) != 0) {
        dauys_error_set(err, DAUYS_E_CRYPTO, "hashing failed");
        goto done;
    }
    if (f->range.size != t->size || sodium_memcmp(own, root, sizeof own) != 0) {
        dauys_error_set(err, DAUYS_E_PROOF,
                        "the observer's own leaf hashes of %llu entries do not give the root of "
                        "the checkpoint of %llu entries",
                        (unsigned long long) f->range.size, (unsigned long long) t->size);
        goto done;
    }
    rc = 0;
done:
    dauys_free(entries);
    dauys_free(b);
    return rc;
}

/* --- a round -------------------------------------------------------------- */

/* Syncs the data files, then writes the checkpoint (the commit point), then checkpoints/SIZE. */
static int
commit(dauys_follow *f, const dauys_checkpoint *cp, char **note, size_t len, dauys_error *err)
{
    char path[PATH_MAX];

    if (fsync(f->entries_fd) != 0 || fsync(f->leaves_fd) != 0 || fsync(f->ends_fd) != 0) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: syncing the entries: %s", f->state,
                               strerror(errno));
    }
    snprintf(path, sizeof path, "%s/checkpoint", f->state);
    if (dauys_file_write_atomic(path, *note, len, 0644, err) != 0) {
        return -1;
    }
    dauys_free(f->kept_note);
    f->kept_note = *note;
    f->kept_len = len;
    *note = NULL;
    f->kept = *cp;
    f->have_kept = 1;
    return 0;
}

/* A fork: the reason in INFO, the evidence kept. */
static int
fork_found(dauys_follow_round_info *info, dauys_follow *f, const char *note, size_t len,
           dauys_error *err)
{
    info->outcome = DAUYS_FOLLOW_FORK;
    return keep_fork(info, f, note, len, err);
}

/* Whether the checkpoint SEEN extends the kept one; a fork's reason in INFO->why. */
static int
extends(int *fork, dauys_follow_round_info *info, round_tree *t, dauys_error *err)
{
    dauys_follow *f = t->f;
    const dauys_checkpoint *seen = &info->seen;
    dauys_merkle_proof proof;
    dauys_error why;

    *fork = 0;
    if (seen->size < f->kept.size) {
        *fork = 1;
        snprintf(info->why, sizeof info->why,
                 "rolled back: the log serves a checkpoint of %llu entries, fewer than the %llu "
                 "of the one kept",
                 (unsigned long long) seen->size, (unsigned long long) f->kept.size);
    } else if (seen->size == f->kept.size) {
        *fork = sodium_memcmp(seen->root, f->kept.root, DAUYS_HASH_BYTES) != 0;
        snprintf(info->why, sizeof info->why,
                 "two trees of %llu entries: the checkpoint served has another root than the one "
                 "kept",
                 (unsigned long long) seen->size);
    } else if (f->kept.size > 0) {
        if (dauys_merkle_consistency_proof(&proof, f->kept.size, seen->size, tile_node, t, err) !=
            0) {
            return -1; /* tiles the log must serve are missing or damaged */
        }
        if (dauys_merkle_verify_consistency(f->kept.size, seen->size, f->kept.root, seen->root,
                                            &proof, &why) != 0) {
            *fork = 1;
            snprintf(info->why, sizeof info->why,
                     "history rewritten: the RFC 9162 consistency proof from the kept tree of "
                     "%llu entries to the served one of %llu, built from tiles that hash to its "
                     "signed root, does not hold (%.200s)",
                     (unsigned long long) f->kept.size, (unsigned long long) seen->size,
                     why.message);
        }
    }
    return 0;
}

/* The tiles of the round's tree give its signed root; they are then authenticated. */
static int
check_root(round_tree *t, const dauys_checkpoint *seen, dauys_error *err)
{
    uint8_t root[DAUYS_HASH_BYTES];

    if (seen->size > 0) {
        if (dauys_merkle_root(root, seen->size, tile_node, t, err) != 0) {
            return -1;
        }
        if (sodium_memcmp(root, seen->root, sizeof root) != 0) {
            return dauys_error_set(err, DAUYS_E_PROOF,
                                   "%s/tile: the partial tiles of the tree of %llu entries do "
                                   "not hash to the root its checkpoint signs",
                                   t->f->source, (unsigned long long) seen->size);
        }
    }
    t->root_checked = 1;
    return 0;
}

/* Puts the state back as it was before a failed round. */
static void
roll_back(dauys_follow *f, const dauys_merkle_range *range, const uint8_t last[DAUYS_HASH_BYTES],
          uint64_t bytes)
{
    dauys_error ignored; /* the files are cut back at the next opening anyway */

    f->range = *range;
    memcpy(f->last_entry, last, DAUYS_HASH_BYTES);
    f->entries_bytes = bytes;
    (void) cut_back(f, f->have_kept ? f->kept.size : 0, bytes, &ignored);
}

/* The signed checkpoint the log serves, opened under the origin to expect. */
static int
fetch_checkpoint(char **note, size_t *len, dauys_follow_round_info *info, dauys_follow *f,
                 dauys_error *err)
{
    char where[WHERE_MAX];
    const char *origin = f->pinned[0] != '\0' ? f->pinned : f->have_kept ? f->kept.origin : NULL;
    int missing;

    snprintf(where, sizeof where, "%s/checkpoint", f->source);
    if (fetch(note, len, &missing, f, "checkpoint", DAUYS_NOTE_MAX, err) != 0) {
        return -1;
    }
    if (missing) {
        return dauys_error_set(err, DAUYS_E_NETWORK, "%s: not there (yet)", where);
    }
    info->origin_first_use = origin == NULL;
    return dauys_checkpoint_open(&info->seen, *note, *len, &f->key, origin, where, err);
}

/* With witnesses: how many cosigned NOTE, in INFO; *WITNESSED 1 if the quorum did. */
static int
cosigned(int *witnessed, dauys_follow_round_info *info, const dauys_follow *f, const char *note,
         size_t len, dauys_error *err)
{
    dauys_audit_cosigned c;
    char where[WHERE_MAX];

    *witnessed = 1;
    if (f->witnesses.count == 0) {
        return 0;
    }
    snprintf(where, sizeof where, "%s/checkpoint", f->source);
    if (dauys_audit_cosigned_check(&c, note, len, &f->witnesses, f->now, where, err) != 0) {
        return -1;
    }
    info->cosigned = c.valid;
    dauys_audit_cosigned_missing(info->missing, sizeof info->missing, &c, &f->witnesses);
    *witnessed = c.valid >= f->witnesses.quorum;
    return 0;
}

int
dauys_follow_round(dauys_follow_round_info *info, dauys_follow *f, dauys_error *err)
{
    char *note = NULL;
    size_t len = 0;
    round_tree t = {.f = f};
    dauys_merkle_range range = f->range;
    uint8_t last[DAUYS_HASH_BYTES];
    uint64_t bytes = f->entries_bytes;
    int fork = 0, first = !f->have_kept, rc = -1, witnessed = 1;

    memset(info, 0, sizeof *info);
    memcpy(last, f->last_entry, sizeof last);
    if (f->have_kept) {
        info->before = f->kept;
    }
    if (fetch_checkpoint(&note, &len, info, f, err) != 0 ||
        cosigned(&witnessed, info, f, note, len, err) != 0) {
        goto done;
    }
    t.size = info->seen.size;
    if (f->have_kept && info->seen.size <= f->kept.size) {
        rc = extends(&fork, info, &t, err);
        if (rc == 0 && fork) {
            rc = fork_found(info, f, note, len, err);
        }
        goto done; /* SAME (rc 0) when it is the kept tree again */
    }
    if (check_root(&t, &info->seen, err) != 0 ||
        (f->have_kept && extends(&fork, info, &t, err) != 0)) {
        goto done;
    }
    if (fork) {
        rc = fork_found(info, f, note, len, err);
        goto done;
    }
    if (!witnessed) { /* it extends the kept tree, but is not trusted: nothing is kept */
        info->outcome = DAUYS_FOLLOW_UNWITNESSED;
        rc = 0;
        goto done;
    }
    if (follow_entries(info, &t, info->seen.root, err) != 0 ||
        commit(f, &info->seen, &note, len, err) != 0) {
        roll_back(f, &range, last, bytes);
        goto done;
    }
    info->outcome = first ? DAUYS_FOLLOW_FIRST : DAUYS_FOLLOW_GREW;
    rc = keep_seen(f, &f->kept, f->kept_note, f->kept_len, err);
done:
    round_tree_free(&t);
    dauys_free(note);
    return rc;
}

/* --- the observer's copies ------------------------------------------------ */

typedef struct copy_item {
    char *name;
    uint8_t sha[DAUYS_SHA256_BYTES], sig[DAUYS_SHA256_BYTES];
    int has_sig, matched_counting;
    dauys_follow_copy c;
} copy_item;

typedef struct copies {
    copy_item *item;
    size_t count, cap;
    copy_item **by_sha; /* ITEM sorted by file hash; then the counted ones by precinct */
    size_t counted;
} copies;

static int
by_name(const void *a, const void *b)
{
    return strcmp(((const copy_item *) a)->name, ((const copy_item *) b)->name);
}

static int
by_sha(const void *a, const void *b)
{
    return memcmp((*(copy_item *const *) a)->sha, (*(copy_item *const *) b)->sha,
                  DAUYS_SHA256_BYTES);
}

static int
ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

/* Lists DIR's copies (regular files, not *.minisig) into C, hashed; -1 (ERR). */
static int
list_copies(copies *c, const char *dir, dauys_error *err)
{
    char path[PATH_MAX];
    DIR *d = opendir(dir);
    struct dirent *de;
    struct stat st;
    int rc = -1;

    if (d == NULL) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", dir, strerror(errno));
    }
    while ((de = readdir(d)) != NULL) {
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (ends_with(de->d_name, ".minisig") || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            continue;
        }
        if (c->count == c->cap) {
            size_t cap = 2 * c->cap + 64;
            copy_item *grown = dauys_realloc(c->item, cap * sizeof *grown);
            if (grown == NULL) {
                dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
                goto done;
            }
            c->item = grown;
            c->cap = cap;
        }
        memset(&c->item[c->count], 0, sizeof c->item[0]);
        if ((c->item[c->count].name = dauys_strdup(de->d_name)) == NULL) {
            dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
            goto done;
        }
        c->count++;
    }
    rc = 0;
done:
    closedir(d);
    return rc;
}

/* Hashes each copy and its signature, sorts them by name and indexes them by hash. */
static int
hash_copies(copies *c, const char *dir, dauys_error *err)
{
    char path[PATH_MAX + 16];
    struct stat st;

    qsort(c->item, c->count, sizeof c->item[0], by_name);
    if (c->count > 0 && (c->by_sha = dauys_malloc(c->count * sizeof *c->by_sha)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < c->count; i++) {
        copy_item *x = &c->item[i];
        snprintf(path, sizeof path, "%s/%s", dir, x->name);
        if (dauys_sha256_file(x->sha, path, err) != 0) {
            return -1;
        }
        snprintf(path, sizeof path, "%s/%s.minisig", dir, x->name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            if (dauys_sha256_file(x->sig, path, err) != 0) {
                return -1;
            }
            x->has_sig = 1;
        }
        x->c = (dauys_follow_copy){
            .name = x->name, .status = DAUYS_FOLLOW_MISSING, .now = UINT64_MAX, .signature = -1};
        c->by_sha[i] = x;
    }
    if (c->count > 0) {
        qsort(c->by_sha, c->count, sizeof *c->by_sha, by_sha);
    }
    return 0;
}

static int
counts(const char *event)
{
    return strcmp(event, "accepted") == 0 || strcmp(event, "correction") == 0;
}

/* What entry E is for, into OUT: its precinct, or a summary's LEVEL:AREA,
 * so that a summary's entry never stands for a precinct's (nor for another
 * area's summary, as an entry without a precinct line would). */
static void
entry_name(char *out, size_t size, const dauys_log_parsed *e)
{
    if (e->summary_level[0] != '\0') {
        snprintf(out, size, "%.8s:%.64s", e->summary_level, e->summary_area);
    } else {
        snprintf(out, size, "%s", e->precinct);
    }
}

/* Entry I (parsed E, bytes ENTRY) names copy X's file: kept if it is the better match. */
static void
match(copy_item *x, uint64_t i, const dauys_log_parsed *e, const char *entry, size_t len)
{
    int counting = counts(e->event);

    if (x->c.status != DAUYS_FOLLOW_MISSING && x->matched_counting && !counting) {
        return; /* an entry that counted it is the one to report */
    }
    x->matched_counting = counting;
    x->c.status = counting ? DAUYS_FOLLOW_COUNTED : DAUYS_FOLLOW_UNCOUNTED;
    x->c.entry = i;
    x->c.version = e->version;
    snprintf(x->c.event, sizeof x->c.event, "%s", e->event);
    entry_name(x->c.precinct, sizeof x->c.precinct, e);
    x->c.summary = e->summary_level[0] != '\0';
    snprintf(x->c.reason_code, sizeof x->c.reason_code, "%s", e->reason_code);
    x->c.reason[0] = '\0';
    (void) dauys_logentry_reason_text(entry, len, x->c.reason, sizeof x->c.reason);
    x->c.signature = !x->has_sig || !e->has_signature
                         ? -1
                         : sodium_memcmp(x->sig, e->signature_sha256, DAUYS_SHA256_BYTES) == 0;
}

/* Calls FN(C, I, E, ENTRY, LEN) for each kept entry in order; -1 (ERR). */
typedef void (*kept_fn)(copies *c, uint64_t i, const dauys_log_parsed *e, const char *entry,
                        size_t len);

static int
each_kept(dauys_follow *f, copies *c, kept_fn fn, dauys_error *err)
{
    char entry[DAUYS_LOG_ENTRY_MAX], where[PATH_MAX + 32];
    size_t len;
    dauys_log_parsed e;

    for (uint64_t i = 0; i < f->kept.size; i++) {
        snprintf(where, sizeof where, "%s/entries, entry %llu", f->state, (unsigned long long) i);
        if (read_entry(entry, &len, f, i, err) != 0 ||
            dauys_logentry_parse(&e, entry, len, where, err) != 0) {
            return -1;
        }
        fn(c, i, &e, entry, len);
    }
    return 0;
}

/* Pass 1: each entry's file hash among the copies. */
static void
match_entry(copies *c, uint64_t i, const dauys_log_parsed *e, const char *entry, size_t len)
{
    copy_item key, *k = &key, **hit;

    memcpy(key.sha, e->file_sha256, sizeof key.sha);
    hit = c->count > 0 ? bsearch(&k, c->by_sha, c->count, sizeof *c->by_sha, by_sha) : NULL;
    if (hit == NULL) {
        return;
    }
    while (hit > c->by_sha && by_sha(hit - 1, &k) == 0) {
        hit--;
    }
    for (; hit < c->by_sha + c->count && by_sha(hit, &k) == 0; hit++) {
        match(*hit, i, e, entry, len);
    }
}

static int
by_precinct(const void *a, const void *b)
{
    return strcmp((*(copy_item *const *) a)->c.precinct, (*(copy_item *const *) b)->c.precinct);
}

/* Pass 2: the entry counting now for each precinct a counted copy names
 * (C->by_sha re-sorted by precinct, the counted copies first). */
static void
follow_counting(copies *c, uint64_t i, const dauys_log_parsed *e, const char *entry, size_t len)
{
    copy_item key, *k = &key, **hit;

    (void) entry;
    (void) len;
    if ((!counts(e->event) && strcmp(e->event, "conflict") != 0) || c->counted == 0) {
        return;
    }
    entry_name(key.c.precinct, sizeof key.c.precinct, e);
    hit = bsearch(&k, c->by_sha, c->counted, sizeof *c->by_sha, by_precinct);
    if (hit == NULL) {
        return;
    }
    while (hit > c->by_sha && by_precinct(hit - 1, &k) == 0) {
        hit--;
    }
    for (; hit < c->by_sha + c->counted && by_precinct(hit, &k) == 0; hit++) {
        (*hit)->c.now = counts(e->event) ? i : UINT64_MAX;
    }
}

/* Between the passes: the copies an entry counted, by precinct, in C->by_sha. */
static void
index_counted(copies *c)
{
    c->counted = 0;
    for (size_t k = 0; k < c->count; k++) {
        if (c->item[k].matched_counting) {
            c->by_sha[c->counted++] = &c->item[k];
        }
    }
    if (c->counted > 0) {
        qsort(c->by_sha, c->counted, sizeof *c->by_sha, by_precinct);
    }
}

/* Classifies each copy from what the two passes found, and counts. */
static void
classify(dauys_follow_copies_summary *s, copies *c, dauys_follow_copy_fn fn, void *ctx)
{
    for (size_t k = 0; k < c->count; k++) {
        dauys_follow_copy *x = &c->item[k].c;
        if (x->status == DAUYS_FOLLOW_COUNTED && x->now != x->entry) {
            x->status = DAUYS_FOLLOW_SUPERSEDED;
            for (size_t j = 0; j < c->count; j++) {
                x->now_held |= x->now != UINT64_MAX && c->item[j].matched_counting &&
                               c->item[j].c.entry == x->now;
            }
        }
        x->fails = x->status == DAUYS_FOLLOW_MISSING || x->status == DAUYS_FOLLOW_UNCOUNTED ||
                   (x->status == DAUYS_FOLLOW_SUPERSEDED && !x->now_held);
        s->copies++;
        s->counted += x->status == DAUYS_FOLLOW_COUNTED;
        s->superseded += x->status == DAUYS_FOLLOW_SUPERSEDED;
        s->uncounted += x->status == DAUYS_FOLLOW_UNCOUNTED;
        s->missing += x->status == DAUYS_FOLLOW_MISSING;
        s->failing += (uint64_t) x->fails;
        if (fn != NULL) {
            fn(x, ctx);
        }
    }
}

int
dauys_follow_copies(dauys_follow_copies_summary *s, dauys_follow *f, const char *dir,
                    dauys_follow_copy_fn fn, void *ctx, dauys_error *err)
{
    copies c = {0};
    int rc = -1;

    memset(s, 0, sizeof *s);
    if (list_copies(&c, dir, err) == 0 && hash_copies(&c, dir, err) == 0 &&
        each_kept(f, &c, match_entry, err) == 0 && (index_counted(&c), 1) &&
        each_kept(f, &c, follow_counting, err) == 0) {
        classify(s, &c, fn, ctx);
        rc = 0;
    }
    for (size_t k = 0; k < c.count; k++) {
        dauys_free(c.item[k].name);
    }
    dauys_free(c.item);
    dauys_free(c.by_sha);
    return rc;
}

/* --- a final bundle against what was followed ----------------------------- */

typedef struct kept_cp {
    uint64_t size;
    uint8_t root[DAUYS_HASH_BYTES];
} kept_cp;

typedef struct kept_list {
    kept_cp *cp;
    size_t count, cap;
} kept_list;

static int
by_size(const void *a, const void *b)
{
    uint64_t x = ((const kept_cp *) a)->size, y = ((const kept_cp *) b)->size;
    return x < y ? -1 : x > y;
}

/* 1 if NAME is a size as keep_seen names it: decimal, no leading zero. */
static int
size_name(const char *name)
{
    size_t n = strspn(name, "0123456789");
    return n > 0 && n <= 19 && name[n] == '\0' && (name[0] != '0' || n == 1);
}

/* Every checkpoint in STATE/checkpoints, verified again, by size. */
static int
list_kept(kept_list *l, dauys_follow *f, dauys_error *err)
{
    char dir[PATH_MAX], path[PATH_MAX + 300], *note = NULL;
    size_t len;
    DIR *d;
    struct dirent *de;
    dauys_checkpoint cp;
    int rc = 0;

    snprintf(dir, sizeof dir, "%s/checkpoints", f->state);
    if ((d = opendir(dir)) == NULL) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", dir, strerror(errno));
    }
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (!size_name(de->d_name)) {
            continue; /* ".", "..", a temporary file left by a crash */
        }
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        rc = dauys_file_read(&note, &len, path, DAUYS_NOTE_MAX, err) != 0 ||
                     dauys_checkpoint_open(&cp, note, len, &f->key, f->kept.origin, path, err) != 0
                 ? -1
                 : 0;
        dauys_free(note);
        note = NULL;
        if (rc == 0 && l->count == l->cap) {
            size_t cap = 2 * l->cap + 16;
            kept_cp *grown = dauys_realloc(l->cp, cap * sizeof *grown);
            rc = grown == NULL ? dauys_error_set(err, DAUYS_E_NOMEM, "out of memory") : 0;
            l->cp = grown != NULL ? grown : l->cp;
            l->cap = grown != NULL ? cap : l->cap;
        }
        if (rc == 0) {
            l->cp[l->count].size = cp.size;
            memcpy(l->cp[l->count].root, cp.root, DAUYS_HASH_BYTES);
            l->count++;
        }
    }
    closedir(d);
    if (l->count > 0) {
        qsort(l->cp, l->count, sizeof *l->cp, by_size);
    }
    return rc;
}

/* Walking a log's leaves, comparing the root at each kept size on the way. */
typedef struct walk {
    dauys_merkle_range range;
    const kept_list *kept;
    size_t next; /* the next kept size to reach */
    uint64_t checked;
    const char *name; /* whose log, for errors */
    dauys_error err;
    int failed;
} walk;

/* Appends one leaf hash; compares the root when a kept size is reached. */
static int
walk_leaf(walk *w, const uint8_t leaf[DAUYS_HASH_BYTES])
{
    uint8_t root[DAUYS_HASH_BYTES];

    if (dauys_merkle_range_append(&w->range, leaf, NULL, NULL, &w->err) != 0) {
        return -1;
    }
    while (w->next < w->kept->count && w->kept->cp[w->next].size == w->range.size) {
        if (dauys_merkle_range_root(root, &w->range) != 0) {
            return dauys_error_set(&w->err, DAUYS_E_CRYPTO, "hashing failed");
        }
        if (sodium_memcmp(root, w->kept->cp[w->next].root, sizeof root) != 0) {
            w->failed = 1;
            return dauys_error_set(&w->err, DAUYS_E_PROOF,
                                   "%s: its first %llu entries do not give the root of the "
                                   "checkpoint of %llu entries the follower kept",
                                   w->name, (unsigned long long) w->range.size,
                                   (unsigned long long) w->range.size);
        }
        w->checked++;
        w->next++;
    }
    return 0;
}

/* audit_entry_fn over the bundle's log/entries.txt. */
static int
walk_entry(void *ctx, const char *text, size_t len)
{
    walk *w = ctx;
    uint8_t leaf[DAUYS_HASH_BYTES];

    if (dauys_merkle_leaf_hash(leaf, text, len) != 0) {
        return dauys_error_set(&w->err, DAUYS_E_CRYPTO, "hashing failed");
    }
    return walk_leaf(w, leaf);
}

/* With witnesses: the bundle's checkpoint NOTE (at PATH) is cosigned by their quorum. */
static int
bundle_cosigned(const dauys_follow *f, const char *note, size_t len, const char *path,
                dauys_error *err)
{
    dauys_audit_cosigned c;
    char missing[1024];

    if (f->witnesses.count == 0) {
        return 0;
    }
    if (dauys_audit_cosigned_check(&c, note, len, &f->witnesses, f->now, path, err) != 0) {
        return -1;
    }
    if (c.valid < f->witnesses.quorum) {
        dauys_audit_cosigned_missing(missing, sizeof missing, &c, &f->witnesses);
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "%s: cosigned by %zu of %zu witnesses, quorum %zu not met: not "
                               "trusted (%s)",
                               path, c.valid, f->witnesses.count, f->witnesses.quorum, missing);
    }
    return 0;
}

/* The bundle's central.pub is the pinned key and its checkpoint opens under
 * the followed origin (and has the witnesses' quorum). */
static int
bundle_identity(dauys_checkpoint *cp, audit_source *src, dauys_follow *f, const char *bundle,
                dauys_error *err)
{
    char *key = NULL, *note = NULL, path[PATH_MAX + 16];
    size_t key_len = 0, len = 0;
    dauys_pubkey pk;
    dauys_status st;
    int rc = -1;

    snprintf(path, sizeof path, "%s/central.pub", bundle);
    if ((st = dauys_audit_source_read(&key, &key_len, src, "central.pub", DAUYS_KEYS_FILE_MAX)) !=
        DAUYS_OK) {
        dauys_error_set(err, st, "%s: missing or unreadable", path);
    } else if (dauys_keys_pubkey_decode(&pk, key, key_len, path, err) != 0) {
        /* ERR says why */
    } else if (sodium_memcmp(pk.pk, f->key.pk, sizeof pk.pk) != 0) {
        dauys_error_set(err, DAUYS_E_PROOF, "%s is not the pinned central key", path);
    } else if (snprintf(path, sizeof path, "%s/checkpoint", bundle) < 0 ||
               (st = dauys_audit_source_read(&note, &len, src, "checkpoint", DAUYS_NOTE_MAX)) !=
                   DAUYS_OK) {
        dauys_error_set(err, st, "%s: missing or unreadable", path);
    } else if ((rc = dauys_checkpoint_open(cp, note, len, &f->key, f->kept.origin, path, err)) ==
               0) {
        rc = bundle_cosigned(f, note, len, path, err);
    }
    dauys_free(key);
    dauys_free(note);
    return rc;
}

/* The followed log's own entries give ROOT at SIZE (the bundle is a prefix of it). */
static int
own_prefix(dauys_follow *f, const dauys_checkpoint *cp, const char *bundle, dauys_error *err)
{
    uint8_t leaf[DAUYS_HASH_BYTES], root[DAUYS_HASH_BYTES];
    dauys_merkle_range r;

    dauys_merkle_range_init(&r);
    for (uint64_t i = 0; i < cp->size; i++) {
        if (read_at(f->leaves_fd, leaf, sizeof leaf, i * DAUYS_HASH_BYTES, f, "leaves", err) != 0 ||
            dauys_merkle_range_append(&r, leaf, NULL, NULL, err) != 0) {
            return -1;
        }
    }
    if (dauys_merkle_range_root(root, &r) != 0) {
        return dauys_error_set(err, DAUYS_E_CRYPTO, "hashing failed");
    }
    if (sodium_memcmp(root, cp->root, sizeof root) != 0) {
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "%s: its log of %llu entries is not the first %llu entries of "
                               "the log followed",
                               bundle, (unsigned long long) cp->size,
                               (unsigned long long) cp->size);
    }
    return 0;
}

int
dauys_follow_check_bundle(dauys_follow_bundle_info *info, dauys_follow *f, const char *bundle,
                          dauys_error *err)
{
    audit_source src;
    audit a = {.dir = bundle, .src = &src};
    kept_list kept = {0};
    walk w = {.kept = &kept, .name = bundle};
    dauys_checkpoint cp;
    uint8_t root[DAUYS_HASH_BYTES];
    int rc = -1;

    memset(info, 0, sizeof *info);
    dauys_merkle_range_init(&w.range);
    if (!f->have_kept) {
        return dauys_error_set(err, DAUYS_E_USAGE,
                               "%s: nothing followed yet to check a bundle against", f->state);
    }
    if (dauys_audit_source_open(&src, bundle, err) != 0 ||
        bundle_identity(&cp, &src, f, bundle, err) != 0 || list_kept(&kept, f, err) != 0) {
        goto done;
    }
    if (dauys_audit_log_stream(&a, walk_entry, &w, err) != 0) {
        if (w.err.status != DAUYS_OK) {
            *err = w.err;
        }
        goto done;
    }
    if (dauys_merkle_range_root(root, &w.range) != 0 || w.range.size != cp.size ||
        sodium_memcmp(root, cp.root, sizeof root) != 0) {
        dauys_error_set(err, DAUYS_E_PROOF,
                        "%s/checkpoint (%llu entries) is not of its log (%llu entries): run "
                        "dauys-audit verify",
                        bundle, (unsigned long long) cp.size, (unsigned long long) w.range.size);
        goto done;
    }
    if (kept.count > 0 && kept.cp[kept.count - 1].size > cp.size &&
        own_prefix(f, &cp, bundle, err) != 0) {
        goto done;
    }
    info->size = cp.size;
    info->checked = w.checked + (kept.count - w.next);
    info->max_kept = kept.count > 0 ? kept.cp[kept.count - 1].size : 0;
    rc = 0;
done:
    dauys_audit_source_close(&src);
    dauys_free(kept.cp);
    return rc;
}
