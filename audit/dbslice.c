/*
 * dbslice.c: SQLite reads the bundle's dauys.db where it lies in an archive
 * (source.h). The main database file is opened read-only: the audit opens
 * it immutable, so there is no journal, no lock and no write; every method
 * that would change it refuses. The temporary files a large query sorts in
 * are SQLite's own, from the default VFS.
 */
#include <pthread.h>
#include <string.h>

#include <sqlite3.h>

#include "audit/source.h"

typedef struct slice_file {
    sqlite3_file base;
    sqlite3_int64 offset, size;
    sqlite3_file *inner; /* the default VFS's file, just after this struct */
} slice_file;

static sqlite3_vfs slice_vfs;
static sqlite3_vfs *default_vfs;

static int
slice_close(sqlite3_file *f)
{
    slice_file *s = (slice_file *) f;
    return s->inner->pMethods != NULL ? s->inner->pMethods->xClose(s->inner) : SQLITE_OK;
}

static int
slice_read(sqlite3_file *f, void *buf, int amount, sqlite3_int64 at)
{
    slice_file *s = (slice_file *) f;

    if (at < 0 || amount < 0 || at + amount > s->size) { /* past the slice: as past a file's end */
        sqlite3_int64 have = at >= 0 && at < s->size ? s->size - at : 0;
        int rc = have > 0 ? s->inner->pMethods->xRead(s->inner, buf, (int) have, s->offset + at)
                          : SQLITE_OK;
        memset((char *) buf + have, 0, (size_t) (amount - have));
        return rc == SQLITE_OK ? SQLITE_IOERR_SHORT_READ : rc;
    }
    return s->inner->pMethods->xRead(s->inner, buf, amount, s->offset + at);
}

static int
slice_write(sqlite3_file *f, const void *buf, int amount, sqlite3_int64 at)
{
    (void) f, (void) buf, (void) amount, (void) at;
    return SQLITE_READONLY;
}

static int
slice_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    (void) f, (void) size;
    return SQLITE_READONLY;
}

static int
slice_sync(sqlite3_file *f, int flags)
{
    (void) f, (void) flags;
    return SQLITE_OK;
}

static int
slice_size(sqlite3_file *f, sqlite3_int64 *size)
{
    *size = ((slice_file *) f)->size;
    return SQLITE_OK;
}

static int
slice_lock(sqlite3_file *f, int level)
{
    (void) f, (void) level;
    return SQLITE_OK;
}

static int
slice_reserved(sqlite3_file *f, int *out)
{
    (void) f;
    *out = 0;
    return SQLITE_OK;
}

static int
slice_control(sqlite3_file *f, int op, void *arg)
{
    (void) f, (void) op, (void) arg;
    return SQLITE_NOTFOUND;
}

static int
slice_sector(sqlite3_file *f)
{
    (void) f;
    return 4096;
}

static int
slice_device(sqlite3_file *f)
{
    (void) f;
    return SQLITE_IOCAP_IMMUTABLE;
}

static const sqlite3_io_methods slice_methods = {.iVersion = 1,
                                                 .xClose = slice_close,
                                                 .xRead = slice_read,
                                                 .xWrite = slice_write,
                                                 .xTruncate = slice_truncate,
                                                 .xSync = slice_sync,
                                                 .xFileSize = slice_size,
                                                 .xLock = slice_lock,
                                                 .xUnlock = slice_lock,
                                                 .xCheckReservedLock = slice_reserved,
                                                 .xFileControl = slice_control,
                                                 .xSectorSize = slice_sector,
                                                 .xDeviceCharacteristics = slice_device};

static int
slice_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *out_flags)
{
    slice_file *s = (slice_file *) f;
    int rc;

    (void) vfs;
    if (!(flags & SQLITE_OPEN_MAIN_DB)) { /* a query's temporary files: SQLite's own */
        return default_vfs->xOpen(default_vfs, name, f, flags, out_flags);
    }
    s->base.pMethods = NULL;
    s->inner = (sqlite3_file *) (s + 1);
    s->inner->pMethods = NULL;
    if (name == NULL || !(flags & SQLITE_OPEN_READONLY)) {
        return SQLITE_CANTOPEN;
    }
    s->offset = sqlite3_uri_int64(name, "slice-offset", -1);
    s->size = sqlite3_uri_int64(name, "slice-size", -1);
    if (s->offset < 0 || s->size < 0) {
        return SQLITE_CANTOPEN;
    }
    if ((rc = default_vfs->xOpen(default_vfs, name, s->inner, flags, out_flags)) != SQLITE_OK) {
        return rc;
    }
    s->base.pMethods = &slice_methods;
    return SQLITE_OK;
}

static int registered = -1;

static void
register_once(void)
{
    if ((default_vfs = sqlite3_vfs_find(NULL)) == NULL) {
        return;
    }
    slice_vfs = *default_vfs;
    slice_vfs.zName = AUDIT_SLICE_VFS;
    slice_vfs.szOsFile = (int) sizeof(slice_file) + default_vfs->szOsFile;
    slice_vfs.xOpen = slice_open;
    slice_vfs.pNext = NULL;
    registered = sqlite3_vfs_register(&slice_vfs, 0) == SQLITE_OK ? 0 : -1;
}

int
dauys_audit_slice_vfs_register(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, register_once);
    return registered;
}
