#include "core/tar.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Offsets and widths of the ustar header fields used here. */
enum {
    NAME = 0,
    NAME_LEN = 100,
    MODE = 100,
    UID = 108,
    GID = 116,
    SIZE = 124,
    MTIME = 136,
    CHKSUM = 148,
    TYPE = 156,
    MAGIC = 257,
    VERSION = 263,
    PREFIX = 345,
    PREFIX_LEN = 155
};

/* POSIX ustar's magic and version: "ustar", NUL, "00" (GNU tar writes "ustar  \0"). */
static const char POSIX_MAGIC[8] = {'u', 's', 't', 'a', 'r', '\0', '0', '0'};

/* The header's checksum: the sum of its bytes, the checksum field read as spaces. */
static unsigned long
checksum(const uint8_t block[DAUYS_TAR_BLOCK])
{
    unsigned long sum = 0;

    for (size_t i = 0; i < DAUYS_TAR_BLOCK; i++) {
        sum += i >= CHKSUM && i < CHKSUM + 8 ? (unsigned char) ' ' : block[i];
    }
    return sum;
}

/* An octal field: optional leading spaces, digits, then NUL or space. -1 if not. */
static int
octal(uint64_t *out, const uint8_t *field, size_t width)
{
    size_t i = 0, digits = 0;
    uint64_t v = 0;

    while (i < width && field[i] == ' ') {
        i++;
    }
    for (; i < width && field[i] >= '0' && field[i] <= '7'; i++, digits++) {
        if (v > (UINT64_MAX >> 3)) {
            return -1;
        }
        v = v << 3 | (uint64_t) (field[i] - '0');
    }
    if (digits == 0 || (i < width && field[i] != '\0' && field[i] != ' ')) {
        return -1;
    }
    *out = v;
    return 0;
}

static int
all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0) {
            return 0;
        }
    }
    return 1;
}

int
dauys_tar_header_parse(dauys_tar_header *h, const uint8_t block[DAUYS_TAR_BLOCK], dauys_error *err)
{
    uint64_t sum;
    int posix = memcmp(block + MAGIC, POSIX_MAGIC, 8) == 0;
    size_t name_len = strnlen((const char *) block + NAME, NAME_LEN);
    size_t prefix_len = posix ? strnlen((const char *) block + PREFIX, PREFIX_LEN) : 0;

    if (all_zero(block, DAUYS_TAR_BLOCK)) {
        return 0;
    }
    if (!posix && memcmp(block + MAGIC, "ustar  \0", 8) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "not a ustar header (magic)");
    }
    if (octal(&sum, block + CHKSUM, 8) != 0 || sum != checksum(block)) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "header checksum does not match");
    }
    if (octal(&h->size, block + SIZE, 12) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "size field is not an octal number");
    }
    if (name_len == 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "member without a name");
    }
    if (prefix_len + (prefix_len > 0) + name_len > DAUYS_TAR_NAME_MAX) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "name longer than %d bytes",
                               DAUYS_TAR_NAME_MAX);
    }
    h->name[0] = '\0';
    if (prefix_len > 0) {
        memcpy(h->name, block + PREFIX, prefix_len);
        h->name[prefix_len++] = '/';
    }
    memcpy(h->name + prefix_len, block + NAME, name_len);
    h->name[prefix_len + name_len] = '\0';
    h->type = block[TYPE] == '\0' ? '0' : (char) block[TYPE];
    return 1;
}

/* 1 if the component of LEN bytes at P is "..". */
static int
is_dot_dot(const char *p, size_t len)
{
    return len == 2 && p[0] == '.' && p[1] == '.';
}

int
dauys_tar_extract_path(dauys_tar_header *h, dauys_error *err)
{
    char path[DAUYS_TAR_NAME_MAX + 1];
    size_t len = strlen(h->name), out = 0;
    int dir = h->type == '5';
    int trailing_slash = len > 0 && h->name[len - 1] == '/';

    assert(len <= DAUYS_TAR_NAME_MAX);
    if (dir && h->size != 0) { /* tar passes no data after a directory's header */
        dauys_error_set(err, DAUYS_E_FORMAT,
                        "a directory with %llu bytes of data, which "
                        "tar reads as further members",
                        (unsigned long long) h->size);
        return -2;
    }
    if (!dir && trailing_slash) { /* tar makes a directory of it, and reads its data as members */
        dauys_error_set(err, DAUYS_E_FORMAT,
                        "a file whose name ends in '/', which tar "
                        "makes a directory%s",
                        h->size != 0 ? ", reading its data as further members" : "");
        return h->size != 0 ? -2 : -1;
    }
    for (size_t at = 0; at < len;) {
        size_t n = strcspn(h->name + at, "/");
        const char *part = h->name + at;
        if (is_dot_dot(part, n)) {
            return dauys_error_set(err, DAUYS_E_FORMAT,
                                   "a name with a '..' component, which "
                                   "tar refuses");
        }
        if (!dir && at + n == len && n == 1 && part[0] == '.') {
            return dauys_error_set(err, DAUYS_E_FORMAT,
                                   "a file whose name ends in '.', which "
                                   "tar cannot unpack");
        }
        if (n > 0 && !(n == 1 && part[0] == '.')) {
            if (out > 0) {
                path[out++] = '/';
            }
            memcpy(path + out, part, n);
            out += n;
        }
        at += n + (at + n < len);
    }
    if (!dir && out == 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "a file named as the directory tar "
                               "unpacks into");
    }
    assert(out <= len);
    memcpy(h->name, path, out);
    h->name[out] = '\0';
    return 0;
}

/* Splits NAME over the name and prefix fields. -1 if it cannot be. */
static int
put_name(uint8_t block[DAUYS_TAR_BLOCK], const char *name)
{
    size_t len = strlen(name);

    if (len > DAUYS_TAR_NAME_MAX) {
        return -1;
    }
    if (len <= NAME_LEN) {
        memcpy(block + NAME, name, len);
        return 0;
    }
    for (size_t slash = len - 1; slash > 0; slash--) { /* the last split that fits */
        if (name[slash] == '/' && slash <= PREFIX_LEN && len - slash - 1 <= NAME_LEN &&
            len - slash - 1 > 0) {
            memcpy(block + PREFIX, name, slash);
            memcpy(block + NAME, name + slash + 1, len - slash - 1);
            return 0;
        }
    }
    return -1;
}

int
dauys_tar_header_make(uint8_t block[DAUYS_TAR_BLOCK], const char *name, char type, uint64_t size,
                      dauys_error *err)
{
    memset(block, 0, DAUYS_TAR_BLOCK);
    if (name[0] == '\0' || put_name(block, name) != 0) {
        return dauys_error_set(err, DAUYS_E_USAGE, "%s: name too long for an archive", name);
    }
    if (size > DAUYS_TAR_SIZE_MAX) {
        return dauys_error_set(err, DAUYS_E_TOO_LARGE, "%s: too large for an archive", name);
    }
    snprintf((char *) block + MODE, 8, "%07o", type == '5' ? 0755 : 0644);
    snprintf((char *) block + UID, 8, "%07o", 0);
    snprintf((char *) block + GID, 8, "%07o", 0);
    snprintf((char *) block + SIZE, 12, "%011llo", (unsigned long long) size);
    snprintf((char *) block + MTIME, 12, "%011o", 0);
    block[TYPE] = (uint8_t) type;
    memcpy(block + MAGIC, POSIX_MAGIC, 8);
    snprintf((char *) block + CHKSUM, 8, "%06lo", checksum(block));
    block[CHKSUM + 7] = ' ';
    return 0;
}

int
dauys_tar_create(dauys_tar_writer *w, const char *path, dauys_error *err)
{
    struct stat st;
    int fd;

    memset(w, 0, sizeof *w);
    if (snprintf(w->path, sizeof w->path, "%s", path) >= (int) sizeof w->path) {
        return dauys_error_set(err, DAUYS_E_USAGE, "%s: path too long", path);
    }
    if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0) {
        return dauys_error_set(err, errno == EEXIST ? DAUYS_E_EXISTS : DAUYS_E_IO, "%s: %s", path,
                               strerror(errno));
    }
    if (fstat(fd, &st) == 0) {
        w->dev = st.st_dev;
        w->ino = st.st_ino;
    }
    if ((w->fp = fdopen(fd, "w")) == NULL) {
        int e = errno;
        close(fd);
        unlink(path);
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: %s", path, strerror(e));
    }
    return 0;
}

/* Writes a header and returns 0, or -1 (ERR). */
static int
put_header(dauys_tar_writer *w, const char *name, char type, uint64_t size, dauys_error *err)
{
    uint8_t block[DAUYS_TAR_BLOCK];

    if (dauys_tar_header_make(block, name, type, size, err) != 0) {
        return -1;
    }
    if (fwrite(block, 1, sizeof block, w->fp) != sizeof block) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", w->path, strerror(errno));
    }
    return 0;
}

int
dauys_tar_add_dir(dauys_tar_writer *w, const char *name, dauys_error *err)
{
    return put_header(w, name, '5', 0, err);
}

int
dauys_tar_add_stream(dauys_tar_writer *w, const char *name, FILE *fp, uint64_t size,
                     dauys_error *err)
{
    static const uint8_t zeros[DAUYS_TAR_BLOCK];
    char buf[65536];
    uint64_t left = size;

    if (put_header(w, name, '0', size, err) != 0) {
        return -1;
    }
    while (left > 0) {
        size_t want = left < sizeof buf ? (size_t) left : sizeof buf;
        size_t got = fread(buf, 1, want, fp);
        if (got != want) {
            return dauys_error_set(err, DAUYS_E_IO, "%s: %s while archiving", name,
                                   ferror(fp) ? strerror(errno) : "changed size");
        }
        if (fwrite(buf, 1, got, w->fp) != got) {
            return dauys_error_set(err, DAUYS_E_IO, "%s: %s", w->path, strerror(errno));
        }
        left -= got;
    }
    if (fgetc(fp) != EOF) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: changed size while archiving", name);
    }
    size_t pad = (size_t) (dauys_tar_padded(size) - size);
    if (fwrite(zeros, 1, pad, w->fp) != pad) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", w->path, strerror(errno));
    }
    return 0;
}

int
dauys_tar_finish(dauys_tar_writer *w, dauys_error *err)
{
    static const uint8_t zeros[2 * DAUYS_TAR_BLOCK];
    int ok = fwrite(zeros, 1, sizeof zeros, w->fp) == sizeof zeros && fflush(w->fp) == 0 &&
             fsync(fileno(w->fp)) == 0;
    int e = ok ? 0 : errno;

    if (fclose(w->fp) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    w->fp = NULL;
    if (!ok) {
        unlink(w->path);
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", w->path, strerror(e));
    }
    return 0;
}

void
dauys_tar_discard(dauys_tar_writer *w)
{
    if (w->fp != NULL) {
        fclose(w->fp);
        w->fp = NULL;
        unlink(w->path);
    }
}
