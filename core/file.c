#define _GNU_SOURCE /* syncfs */
#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"

/* Reads exactly up to CAP bytes from FD into BUF; returns the count or -1. */
static ssize_t
read_up_to(int fd, char *buf, size_t cap)
{
    size_t got = 0;

    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -1;
        }
        if (n == 0) {
            break;
        }
        got += (size_t) n;
    }
    return (ssize_t) got;
}

int
dauys_file_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -1;
        }
        p += n;
        len -= (size_t) n;
    }
    return 0;
}

/*
 * Reads the already opened regular file FD (named PATH in errors) into a new
 * buffer from dauys_malloc or, with SECURE, dauys_secure_malloc. Does not
 * close FD.
 */
static int
read_open_file(char **out, size_t *len, int fd, const struct stat *st, const char *path, size_t max,
               int secure, dauys_error *err)
{
    char *buf;
    size_t cap;
    ssize_t got;

    if (!S_ISREG(st->st_mode)) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: not a regular file", path);
    }
    if ((unsigned long long) st->st_size > max) {
        return dauys_error_set(err, DAUYS_E_TOO_LARGE,
                               "%s: file is %lld bytes, over the limit of %zu", path,
                               (long long) st->st_size, max);
    }
    cap = (size_t) st->st_size + 1; /* +1 sees a file that grew, and holds the NUL */
    buf = secure ? dauys_secure_malloc(cap) : dauys_malloc(cap);
    if (buf == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", path);
    }
    got = read_up_to(fd, buf, cap);
    if (got < 0 || (size_t) got == cap) {
        int e = errno;
        secure ? dauys_secure_free(buf) : dauys_free(buf);
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", path,
                               got < 0 ? strerror(e) : "file changed while being read");
    }
    buf[got] = '\0';
    *out = buf;
    *len = (size_t) got;
    return 0;
}

/* How read_file treats PATH: as a secret (no link, owner only, secure
 * memory), as a plain file that may not be a link, or as any file. */
enum { READ_ANY, READ_NO_LINK, READ_SECRET };

static int
read_file(char **out, size_t *len, const char *path, size_t max, int how, dauys_error *err)
{
    struct stat st;
    int secret = how == READ_SECRET;
    /* O_NONBLOCK: opening a FIFO must not hang; it is refused below as not
     * a regular file (for regular files the flag changes nothing). */
    int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (how != READ_ANY ? O_NOFOLLOW : 0);
    int fd = open(path, flags);
    int rc = -1;

    if (fd < 0) {
        if (how != READ_ANY && errno == ELOOP) {
            return dauys_error_set(err, DAUYS_E_PERMISSION,
                                   secret ? "%s: refusing a secret file behind a symbolic link"
                                          : "%s: refusing a symbolic link",
                                   path);
        }
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", path, strerror(errno));
    }
    if (fstat(fd, &st) != 0) {
        dauys_error_set(err, DAUYS_E_IO, "%s: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        dauys_error_set(err, DAUYS_E_IO, "%s: not a regular file", path);
        goto done;
    }
    if (secret && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        dauys_error_set(err, DAUYS_E_PERMISSION,
                        "%s: secret file is accessible by group or others (mode %04o); "
                        "run: chmod 600 %s",
                        path, (unsigned) (st.st_mode & 07777), path);
        goto done;
    }
    rc = read_open_file(out, len, fd, &st, path, max, secret, err);
done:
    close(fd);
    return rc;
}

int
dauys_file_open_regular(int *fd_out, const char *path, dauys_error *err)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), flags;

    if (fd < 0) {
        return dauys_error_set(err, errno == ENOMEM ? DAUYS_E_NOMEM : DAUYS_E_IO, "%s: %s", path,
                               strerror(errno));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (flags = fcntl(fd, F_GETFL)) < 0 ||
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
        int e = errno;
        close(fd);
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", path,
                               S_ISREG(st.st_mode) ? strerror(e) : "not a regular file");
    }
    *fd_out = fd;
    return 0;
}

int
dauys_file_read(char **out, size_t *len, const char *path, size_t max, dauys_error *err)
{
    return read_file(out, len, path, max, READ_ANY, err);
}

int
dauys_file_read_no_link(char **out, size_t *len, const char *path, size_t max, dauys_error *err)
{
    return read_file(out, len, path, max, READ_NO_LINK, err);
}

int
dauys_file_read_secret(char **out, size_t *len, const char *path, size_t max, dauys_error *err)
{
    return read_file(out, len, path, max, READ_SECRET, err);
}

int
dauys_file_write_new(const char *path, const void *data, size_t len, mode_t mode, int sync,
                     dauys_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

    if (fd < 0) {
        return dauys_error_set(err, errno == EEXIST ? DAUYS_E_EXISTS : DAUYS_E_IO, "%s: %s", path,
                               errno == EEXIST ? "already exists; refusing to overwrite it"
                                               : strerror(errno));
    }
    if (fchmod(fd, mode) != 0 || dauys_file_write_all(fd, data, len) != 0 ||
        (sync && fsync(fd) != 0)) {
        int e = errno;
        close(fd);
        unlink(path);
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", path, strerror(e));
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(path);
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", path, strerror(e));
    }
    return 0;
}

/* fsyncs directory DIR, so that a rename in it is durable. */
static int
sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;

    if (fd < 0) {
        return -1;
    }
    rc = fsync(fd);
    close(fd);
    return rc;
}

int
dauys_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                        dauys_error *err)
{
    size_t n = strlen(path) + sizeof ".tmp.XXXXXX";
    char *tmp = dauys_malloc(n);
    char *dir = dauys_strdup(path); /* both allocated before anything changes */
    int fd = -1, e = 0;

    if (tmp == NULL || dir == NULL) {
        dauys_free(tmp);
        dauys_free(dir);
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", path);
    }
    snprintf(tmp, n, "%s.tmp.XXXXXX", path);
    if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
        e = errno;
        tmp[0] = '\0'; /* nothing to remove */
    } else if (fchmod(fd, mode) != 0 || dauys_file_write_all(fd, data, len) != 0 ||
               fsync(fd) != 0) {
        e = errno;
        close(fd);
    } else if (close(fd) != 0 || rename(tmp, path) != 0) {
        e = errno;
    } else if (sync_dir(dirname(dir)) != 0) {
        dauys_error_set(err, DAUYS_E_IO, "%s: syncing its directory: %s", path, strerror(errno));
        e = -1;
        tmp[0] = '\0'; /* renamed: the new content is in place */
    }
    if (e > 0) {
        dauys_error_set(err, DAUYS_E_IO, "%s: %s", path, strerror(e));
    }
    if (e != 0 && tmp[0] != '\0') {
        unlink(tmp);
    }
    dauys_free(tmp);
    dauys_free(dir);
    return e == 0 ? 0 : -1;
}

int
dauys_file_sync_fs(const char *dir, dauys_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;

    if (fd < 0) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", dir, strerror(errno));
    }
    rc = syncfs(fd);
    if (rc != 0) {
        dauys_error_set(err, DAUYS_E_IO, "%s: syncing: %s", dir, strerror(errno));
    }
    close(fd);
    return rc == 0 ? 0 : -1;
}
