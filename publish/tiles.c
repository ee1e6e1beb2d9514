/*
 * tiles.c: the log published as C2SP tiles (tiles.h). The tiles come
 * straight from the workspace's stored Merkle nodes and log entries: no
 * hashing is needed to publish but the check of each bundle's leaves.
 */
#define _GNU_SOURCE /* renameat2 */
#include "publish/tiles.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/file.h"
#include "core/tile.h"
#include "keys/note.h"
#include "referendum/logentry.h"
#include "store/db.h"

/* The longest log entry (FORMATS 12.1), and so the largest bundle. */
#define ENTRY_MAX (DAUYS_LOG_ENTRY_MAX - 1)
#define BUNDLE_MAX ((size_t) DAUYS_TILE_WIDTH * (2 + ENTRY_MAX))
#define TILE_BYTES ((size_t) DAUYS_TILE_WIDTH * DAUYS_TILE_HASH_BYTES)

/* A directory below DIR that files are being written into; fsynced once,
 * when the writer moves on to another directory or finishes. */
typedef struct open_dir {
    char path[DAUYS_TILE_PATH_MAX]; /* relative to DIR; "" when none is open */
    int fd;                         /* -1 when none is open */
} open_dir;

typedef struct tile_writer {
    dauys_workspace *ws;
    const char *dir; /* as the caller named it, for messages */
    int root;        /* DIR, or -1 */
    sqlite3_stmt *nodes, *entries, *log_size;
    uint8_t hashes[TILE_BYTES]; /* the tile being written */
    uint8_t *bundle;            /* BUNDLE_MAX bytes: the bundle being written */
    uint8_t *existing;          /* BUNDLE_MAX + 1 bytes: a file already there, to compare */
    size_t bundle_len;
    open_dir tiles, bundles; /* where tiles and bundles are being written */
    unsigned long serial;    /* of temporary names */
} tile_writer;

/* --- files ---------------------------------------------------------------- */

/* fsyncs directory PATH (relative to AT), so that names made in it are durable. */
static int
sync_dir_at(int at, const char *path)
{
    int fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

    if (fd < 0) {
        return -1;
    }
    rc = fsync(fd);
    close(fd);
    return rc;
}

/*
 * Makes directory PATH (relative to AT; absolute is fine) and any parent
 * missing, mode 0755 (less the umask); for each one made, fsyncs its parent,
 * so that the new name survives a crash. SHOWN names PATH in errors.
 */
static int
make_dirs(int at, const char *path, const char *shown, dauys_error *err)
{
    char buf[PATH_MAX];
    size_t len = strlen(path);

    if (len == 0 || len >= sizeof buf) {
        return dauys_error_set(err, DAUYS_E_USAGE, "%s: not a usable directory name", shown);
    }
    memcpy(buf, path, len + 1);
    for (char *p = buf + 1;; p++) { /* from 1: a leading '/' is the root */
        char c = *p, *slash;
        if (c != '/' && c != '\0') {
            continue;
        }
        *p = '\0';
        if (mkdirat(at, buf, 0755) == 0) {
            slash = strrchr(buf, '/');
            if (slash != NULL) {
                *slash = '\0';
            }
            if (sync_dir_at(at, slash == NULL ? "." : slash == buf ? "/" : buf) != 0) {
                return dauys_error_set(err, DAUYS_E_IO, "%s: syncing the directory made: %s", shown,
                                       strerror(errno));
            }
            if (slash != NULL) {
                *slash = '/';
            }
        } else if (errno != EEXIST) {
            return dauys_error_set(err, DAUYS_E_IO, "%s: making directory %s: %s", shown, buf,
                                   strerror(errno));
        }
        *p = c;
        if (c == '\0') {
            return 0;
        }
    }
}

/* Syncs and closes the directory D is in, if any. */
static int
leave_dir(tile_writer *w, open_dir *d, dauys_error *err)
{
    int rc = 0;

    if (d->fd >= 0) {
        if (fsync(d->fd) != 0) {
            rc = dauys_error_set(err, DAUYS_E_IO, "%s/%s: syncing the directory: %s", w->dir,
                                 d->path, strerror(errno));
        }
        close(d->fd);
    }
    d->fd = -1;
    d->path[0] = '\0';
    return rc;
}

/* Makes D the directory PATH below DIR (made if missing), leaving the one it was in. */
static int
enter_dir(tile_writer *w, open_dir *d, const char *path, dauys_error *err)
{
    char shown[PATH_MAX];

    if (d->fd >= 0 && strcmp(d->path, path) == 0) {
        return 0;
    }
    if (leave_dir(w, d, err) != 0) {
        return -1;
    }
    snprintf(shown, sizeof shown, "%s/%s", w->dir, path);
    d->fd = openat(w->root, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d->fd < 0 && errno == ENOENT) {
        if (make_dirs(w->root, path, shown, err) != 0) {
            return -1;
        }
        d->fd = openat(w->root, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    if (d->fd < 0) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", shown, strerror(errno));
    }
    snprintf(d->path, sizeof d->path, "%s", path);
    return 0;
}

/*
 * NAME in directory AT already exists as FD: 0 if it holds exactly DATA
 * (LEN bytes), else -1 (DAUYS_E_PROOF: the log changed under it). SHOWN
 * names it. Closes FD.
 */
static int
compare_existing(tile_writer *w, int fd, const uint8_t *data, size_t len, const char *shown,
                 dauys_error *err)
{
    struct stat st;
    size_t got = 0;
    int rc = -1;

    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        dauys_error_set(err, DAUYS_E_IO, "%s: not a regular file", shown);
        goto done;
    }
    while (got <= len) { /* one byte more than DATA: a longer file differs */
        ssize_t n = read(fd, w->existing + got, len + 1 - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            dauys_error_set(err, DAUYS_E_IO, "%s: %s", shown, strerror(errno));
            goto done;
        }
        if (n == 0) {
            break;
        }
        got += (size_t) n;
    }
    if (got != len || memcmp(w->existing, data, len) != 0) {
        dauys_error_set(err, DAUYS_E_PROOF, "the log changed under a published tile: %s", shown);
        goto done;
    }
    rc = 0;
done:
    close(fd);
    return rc;
}

/* Writes DATA to a new temporary file in directory AT, synced; its name into TMP. */
static int
write_temp(tile_writer *w, char *tmp, size_t size, int at, const char *name, const uint8_t *data,
           size_t len, const char *shown, dauys_error *err)
{
    int fd, e;

    do {
        snprintf(tmp, size, ".%s.tmp.%ld.%lu", name, (long) getpid(), w->serial++);
        fd = openat(at, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EEXIST);
    if (fd < 0) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", shown, strerror(errno));
    }
    if (fchmod(fd, 0644) != 0 || dauys_file_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        e = errno;
        close(fd);
        unlinkat(at, tmp, 0);
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", shown, strerror(e));
    }
    if (close(fd) != 0) {
        e = errno;
        unlinkat(at, tmp, 0);
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", shown, strerror(e));
    }
    return 0;
}

/*
 * Puts DATA as file PATH below DIR, which is immutable: a new file (temporary
 * name, fsync, rename without replacing), or, if it exists, one with exactly
 * these bytes. Its directory is fsynced when the writer leaves it (D).
 */
static int
put_immutable(tile_writer *w, open_dir *d, const char *path, const uint8_t *data, size_t len,
              dauys_error *err)
{
    char dirpath[DAUYS_TILE_PATH_MAX], shown[PATH_MAX], tmp[DAUYS_TILE_PATH_MAX + 64];
    const char *slash = strrchr(path, '/'), *name = slash + 1;
    int fd;

    snprintf(shown, sizeof shown, "%s/%s", w->dir, path);
    snprintf(dirpath, sizeof dirpath, "%.*s", (int) (slash - path), path);
    if (enter_dir(w, d, dirpath, err) != 0) {
        return -1;
    }
    fd = openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
        return compare_existing(w, fd, data, len, shown, err);
    }
    if (errno != ENOENT) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", shown,
                               errno == ELOOP ? "refusing a symbolic link" : strerror(errno));
    }
    if (write_temp(w, tmp, sizeof tmp, d->fd, name, data, len, shown, err) != 0) {
        return -1;
    }
    if (renameat2(d->fd, tmp, d->fd, name, RENAME_NOREPLACE) == 0) {
        return 0;
    }
    if (errno == EINVAL) { /* a file system without RENAME_NOREPLACE: the same bytes win */
        if (renameat(d->fd, tmp, d->fd, name) == 0) {
            return 0;
        }
    }
    int e = errno;
    unlinkat(d->fd, tmp, 0);
    if (e == EEXIST) { /* another writer was first: it must have written the same */
        fd = openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
            return compare_existing(w, fd, data, len, shown, err);
        }
        e = errno;
    }
    return dauys_error_set(err, DAUYS_E_IO, "%s: %s", shown, strerror(e));
}

/* Replaces DIR/checkpoint with NOTE: temporary file, fsync, rename, fsync DIR. */
static int
put_checkpoint(tile_writer *w, const char *note, dauys_error *err)
{
    char shown[PATH_MAX], tmp[64];
    int e;

    snprintf(shown, sizeof shown, "%s/%s", w->dir, DAUYS_TILES_CHECKPOINT);
    if (write_temp(w, tmp, sizeof tmp, w->root, DAUYS_TILES_CHECKPOINT, (const uint8_t *) note,
                   strlen(note), shown, err) != 0) {
        return -1;
    }
    if (renameat(w->root, tmp, w->root, DAUYS_TILES_CHECKPOINT) != 0) {
        e = errno;
        unlinkat(w->root, tmp, 0);
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", shown, strerror(e));
    }
    if (fsync(w->root) != 0) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: syncing its directory: %s", shown,
                               strerror(errno));
    }
    return 0;
}

/* --- the workspace -------------------------------------------------------- */

/* The hashes of tile T into W->hashes: stored Merkle nodes, level 8*L. */
static int
read_hashes(tile_writer *w, const dauys_tile *t, dauys_error *err)
{
    uint64_t first = t->index * DAUYS_TILE_WIDTH;
    unsigned level = 8 * (unsigned) t->level, i = 0;
    int rc;

    if (dauys_db_bind_int(w->nodes, 1, level) || dauys_db_bind_int(w->nodes, 2, (int64_t) first) ||
        dauys_db_bind_int(w->nodes, 3, (int64_t) (first + t->width))) {
        return dauys_db_bind_fail(w->nodes, err, "binding a tile's place");
    }
    while ((rc = dauys_db_step_row(w->nodes, err)) > 0) {
        if ((uint64_t) sqlite3_column_int64(w->nodes, 0) != first + i ||
            sqlite3_column_bytes(w->nodes, 1) != DAUYS_TILE_HASH_BYTES) {
            break; /* a gap or a damaged row: node first + i */
        }
        memcpy(w->hashes + (size_t) i * DAUYS_TILE_HASH_BYTES, sqlite3_column_blob(w->nodes, 1),
               DAUYS_TILE_HASH_BYTES);
        i++;
    }
    if (rc > 0) {
        sqlite3_reset(w->nodes);
    }
    if (rc < 0) {
        return -1;
    }
    if (i != t->width) {
        return dauys_error_set(err, DAUYS_E_DATABASE,
                               "Merkle node %u/%llu is missing from the workspace or damaged",
                               level, (unsigned long long) (first + i));
    }
    return 0;
}

/* Appends entry INDEX (its row in W->entries) to W->bundle, checking that
 * its leaf hash is hash I of the level-0 tile in W->hashes. */
static int
append_entry(tile_writer *w, uint64_t index, unsigned i, dauys_error *err)
{
    const void *entry = sqlite3_column_blob(w->entries, 1);
    int len = sqlite3_column_bytes(w->entries, 1);
    uint8_t leaf[DAUYS_HASH_BYTES];

    if (len <= 0 || len > ENTRY_MAX) {
        return dauys_error_set(err, DAUYS_E_DATABASE,
                               "log entry %llu is %d bytes, not 1 to %d: the workspace is damaged",
                               (unsigned long long) index, len, ENTRY_MAX);
    }
    if (dauys_merkle_leaf_hash(leaf, entry, (size_t) len) != 0) {
        return dauys_error_set(err, DAUYS_E_CRYPTO, "hashing log entry %llu",
                               (unsigned long long) index);
    }
    if (memcmp(leaf, w->hashes + (size_t) i * DAUYS_TILE_HASH_BYTES, DAUYS_HASH_BYTES) != 0) {
        return dauys_error_set(err, DAUYS_E_DATABASE,
                               "log entry %llu does not hash to its stored leaf "
                               "(has the database been altered?)",
                               (unsigned long long) index);
    }
    w->bundle[w->bundle_len++] = (uint8_t) (len >> 8);
    w->bundle[w->bundle_len++] = (uint8_t) len;
    memcpy(w->bundle + w->bundle_len, entry, (size_t) len);
    w->bundle_len += (size_t) len;
    return 0;
}

/* The entry bundle of level-0 tile T (whose hashes are in W->hashes) into W->bundle. */
static int
read_bundle(tile_writer *w, const dauys_tile *t, dauys_error *err)
{
    uint64_t first = t->index * DAUYS_TILE_WIDTH;
    unsigned i = 0;
    int rc;

    w->bundle_len = 0;
    if (dauys_db_bind_int(w->entries, 1, (int64_t) first) ||
        dauys_db_bind_int(w->entries, 2, (int64_t) (first + t->width))) {
        return dauys_db_bind_fail(w->entries, err, "binding an entry bundle's place");
    }
    while ((rc = dauys_db_step_row(w->entries, err)) > 0) {
        if ((uint64_t) sqlite3_column_int64(w->entries, 0) != first + i) {
            break; /* a gap: entry first + i is missing */
        }
        if (append_entry(w, first + i, i, err) != 0) {
            sqlite3_reset(w->entries);
            return -1;
        }
        i++;
    }
    if (rc > 0) {
        sqlite3_reset(w->entries);
    }
    if (rc < 0) {
        return -1;
    }
    if (i != t->width) {
        return dauys_error_set(err, DAUYS_E_DATABASE,
                               "log entry %llu is missing from the workspace",
                               (unsigned long long) (first + i));
    }
    return 0;
}

/* The number of entries in the log as this transaction sees it. */
static int
logged_size(tile_writer *w, uint64_t *size, dauys_error *err)
{
    int rc = dauys_db_step_row(w->log_size, err);

    if (rc <= 0) {
        return rc < 0 ? -1 : dauys_error_set(err, DAUYS_E_DATABASE, "counting the log's entries");
    }
    *size = (uint64_t) sqlite3_column_int64(w->log_size, 0);
    sqlite3_reset(w->log_size);
    return 0;
}

/* NOTE is the central key's checkpoint of the log at SIZE entries. */
static int
check_note(tile_writer *w, const char *note, uint64_t size, dauys_error *err)
{
    uint8_t root[DAUYS_HASH_BYTES];
    dauys_checkpoint cp;
    uint64_t logged = 0;

    if (dauys_checkpoint_open(&cp, note, strlen(note), &w->ws->central, w->ws->origin,
                              "the checkpoint to publish", err) != 0) {
        return -1;
    }
    if (cp.size != size) {
        return dauys_error_set(err, DAUYS_E_USAGE,
                               "the checkpoint is of %llu entries, not the %llu to publish",
                               (unsigned long long) cp.size, (unsigned long long) size);
    }
    if (logged_size(w, &logged, err) != 0) {
        return -1;
    }
    if (logged < size) {
        return dauys_error_set(err, DAUYS_E_USAGE,
                               "the log holds %llu entries, fewer than the %llu to publish",
                               (unsigned long long) logged, (unsigned long long) size);
    }
    if (dauys_merkle_root(root, size, dauys_log_node, w->ws, err) != 0) {
        return -1;
    }
    if (memcmp(root, cp.root, sizeof root) != 0) {
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "the checkpoint's root is not the log's root at %llu entries",
                               (unsigned long long) size);
    }
    return 0;
}

/*
 * The checkpoint published in DIR (DIR/checkpoint), parsed, not verified,
 * into *CP; a size of 0 (and a zero root) if there is none.
 */
static int
read_published(dauys_checkpoint *cp, const char *dir, dauys_error *err)
{
    char path[PATH_MAX], *note = NULL;
    size_t len, text_len = 0;
    struct stat st;
    int rc = -1;

    memset(cp, 0, sizeof *cp);
    if ((size_t) snprintf(path, sizeof path, "%s/%s", dir, DAUYS_TILES_CHECKPOINT) >= sizeof path) {
        return dauys_error_set(err, DAUYS_E_USAGE, "%s: directory name too long", dir);
    }
    if (lstat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
        return 0; /* nothing published yet */
    }
    if (dauys_file_read(&note, &len, path, DAUYS_NOTE_MAX, err) != 0) {
        return -1;
    }
    /* the note's text ends at its last blank line (signed-note) */
    for (size_t i = len; i >= 2; i--) {
        if (note[i - 1] == '\n' && note[i - 2] == '\n') {
            text_len = i - 1;
            break;
        }
    }
    if (text_len == 0) {
        dauys_error_set(err, DAUYS_E_FORMAT, "%s: not a signed note (no blank line)", path);
    } else {
        rc = dauys_checkpoint_parse(cp, note, text_len, path, err);
    }
    dauys_free(note);
    return rc;
}

/*
 * What DIR holds is this log at OLD_SIZE: the tiles of the tree of OLD_SIZE
 * are not looked at again, so another log's (or an older workspace's) must
 * not be built upon.
 */
static int
check_published(tile_writer *w, uint64_t old_size, dauys_error *err)
{
    uint8_t root[DAUYS_HASH_BYTES];
    dauys_checkpoint cp;

    if (old_size == 0) {
        return 0; /* every file is compared or new */
    }
    if (read_published(&cp, w->dir, err) != 0) {
        return -1;
    }
    if (cp.size != old_size) {
        return dauys_error_set(err, DAUYS_E_USAGE,
                               "%s/%s is of %llu entries, not the %llu said to be published there",
                               w->dir, DAUYS_TILES_CHECKPOINT, (unsigned long long) cp.size,
                               (unsigned long long) old_size);
    }
    if (dauys_merkle_root(root, old_size, dauys_log_node, w->ws, err) != 0) {
        return -1;
    }
    if (memcmp(root, cp.root, sizeof root) != 0 || strcmp(cp.origin, w->ws->origin) != 0) {
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "%s/%s: not this log at %llu entries (another log's tiles?): "
                               "refusing to build on it",
                               w->dir, DAUYS_TILES_CHECKPOINT, (unsigned long long) old_size);
    }
    return 0;
}

/* --- publishing ------------------------------------------------------------ */

/* Writes tile T (and, at level 0, its entry bundle) from the workspace. */
static int
put_tile(tile_writer *w, const dauys_tile *t, dauys_error *err)
{
    dauys_tile bundle = *t;
    char path[DAUYS_TILE_PATH_MAX];

    if (read_hashes(w, t, err) != 0 || dauys_tile_path(path, sizeof path, t, err) != 0 ||
        put_immutable(w, &w->tiles, path, w->hashes, (size_t) t->width * DAUYS_TILE_HASH_BYTES,
                      err) != 0) {
        return -1;
    }
    if (t->level != 0) {
        return 0;
    }
    bundle.level = DAUYS_TILE_ENTRIES;
    return read_bundle(w, t, err) != 0 || dauys_tile_path(path, sizeof path, &bundle, err) != 0 ||
                   put_immutable(w, &w->bundles, path, w->bundle, w->bundle_len, err) != 0
               ? -1
               : 0;
}

/* Prepares W's statements and checks NOTE, then writes the new tiles. */
static int
put_tiles(tile_writer *w, uint64_t old_size, uint64_t size, const char *note, dauys_error *err)
{
    sqlite3 *db = w->ws->db;
    dauys_tile_iter it;
    dauys_tile t;

    if (dauys_db_prepare(db, &w->nodes,
                         "SELECT idx, hash FROM merkle_node WHERE level = ?1 AND idx >= ?2 "
                         "AND idx < ?3 ORDER BY idx",
                         err) != 0 ||
        dauys_db_prepare(db, &w->entries,
                         "SELECT idx, entry FROM log_entry WHERE idx >= ?1 AND idx < ?2 "
                         "ORDER BY idx",
                         err) != 0 ||
        dauys_db_prepare(db, &w->log_size, "SELECT ifnull(max(idx) + 1, 0) FROM log_entry", err) !=
            0 ||
        check_note(w, note, size, err) != 0 || check_published(w, old_size, err) != 0) {
        return -1;
    }
    if (make_dirs(AT_FDCWD, w->dir, w->dir, err) != 0) {
        return -1;
    }
    w->root = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (w->root < 0) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", w->dir, strerror(errno));
    }
    dauys_tile_iter_init(&it, old_size, size);
    while (dauys_tile_iter_next(&it, &t) == 1) {
        if (put_tile(w, &t, err) != 0) {
            return -1;
        }
    }
    return leave_dir(w, &w->tiles, err) != 0 || leave_dir(w, &w->bundles, err) != 0 ? -1 : 0;
}

int
dauys_tiles_write(dauys_workspace *ws, const char *dir, uint64_t old_size, uint64_t size,
                  const char *note, dauys_error *err)
{
    tile_writer w = {.ws = ws, .dir = dir, .root = -1, .tiles.fd = -1, .bundles.fd = -1};
    int own_transaction = 0, rc = -1;

    if (old_size > size || size > INT64_MAX) {
        return dauys_error_set(err, DAUYS_E_USAGE,
                               "%s holds a checkpoint of %llu entries, more than the %llu to "
                               "publish",
                               dir, (unsigned long long) old_size, (unsigned long long) size);
    }
    w.bundle = dauys_malloc(BUNDLE_MAX);
    w.existing = dauys_malloc(BUNDLE_MAX + 1);
    if (w.bundle == NULL || w.existing == NULL) {
        dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory for the tiles", dir);
        goto done;
    }
    /* one snapshot of the log for every tile, unless the caller holds one */
    if (sqlite3_get_autocommit(ws->db)) {
        if (dauys_db_exec(ws->db, "BEGIN", err) != 0) {
            goto done;
        }
        own_transaction = 1;
    }
    if (put_tiles(&w, old_size, size, note, err) != 0) {
        goto done;
    }
    rc = put_checkpoint(&w, note, err);
done:
    leave_dir(&w, &w.tiles, NULL);
    leave_dir(&w, &w.bundles, NULL);
    if (w.root >= 0) {
        close(w.root);
    }
    sqlite3_finalize(w.nodes);
    sqlite3_finalize(w.entries);
    sqlite3_finalize(w.log_size);
    /* a read transaction: nothing to keep, so it ends the same way either way */
    if (own_transaction && dauys_db_exec(ws->db, "ROLLBACK", rc == 0 ? err : NULL) != 0) {
        rc = -1;
    }
    dauys_free(w.bundle);
    dauys_free(w.existing);
    return rc;
}

int
dauys_tiles_published_size(uint64_t *size, const char *dir, dauys_error *err)
{
    dauys_checkpoint cp;

    if (read_published(&cp, dir, err) != 0) {
        return -1;
    }
    *size = cp.size;
    return 0;
}

/* --- Stale temporary files ------------------------------------------------ */

static size_t stale_removed; /* nftw has no context argument: one walk at a time */
static pthread_mutex_t stale_lock = PTHREAD_MUTEX_INITIALIZER;

/* The writer's PID in a temporary file's NAME (".X.tmp.PID.N"), or 0. */
static long
temp_owner(const char *name)
{
    const char *at = strstr(name, ".tmp.");
    char *end;
    long pid;

    if (name[0] != '.' || at == NULL) {
        return 0;
    }
    pid = strtol(at + 5, &end, 10);
    return pid > 0 && *end == '.' ? pid : 0;
}

static int
remove_if_stale(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    long pid = temp_owner(path + ftw->base);

    (void) st;
    if (type == FTW_F && pid != 0 && pid != (long) getpid() && kill((pid_t) pid, 0) != 0 &&
        errno == ESRCH && unlink(path) == 0) {
        stale_removed++;
    }
    return 0;
}

int
dauys_tiles_remove_stale(size_t *removed, const char *dir, dauys_error *err)
{
    struct stat st;
    int rc;

    *removed = 0;
    if (lstat(dir, &st) != 0 && errno == ENOENT) {
        return 0;
    }
    pthread_mutex_lock(&stale_lock);
    stale_removed = 0;
    rc = nftw(dir, remove_if_stale, 16, FTW_PHYS);
    *removed = stale_removed;
    pthread_mutex_unlock(&stale_lock);
    return rc != 0 ? dauys_error_set(err, DAUYS_E_IO, "%s: %s", dir, strerror(errno)) : 0;
}
