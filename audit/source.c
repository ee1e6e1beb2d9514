#define _GNU_SOURCE /* fopencookie */
#include "audit/source.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/bundlename.h"
#include "core/file.h"
#include "keys/keys.h"
#include "referendum/protocol.h"

/* Members outside the run an archive may have before it is called damaged. */
#define MEMBERS_MAX 65536

/* NAME's key if it is a protocol file of protocols/ (dauys_bundle_protocol_key), else UINT64_MAX.
 */
static uint64_t
run_key(const char *name)
{
    return strncmp(name, "protocols/", 10) == 0 ? dauys_bundle_protocol_key(name + 10) : UINT64_MAX;
}

/* 1 if NAME belongs in the protocol run: anything in protocols/ but index.tsv. */
static int
in_run(const char *name)
{
    return strncmp(name, "protocols/", 10) == 0 && strcmp(name + 10, "index.tsv") != 0;
}

static void damaged(audit_source *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Notes the first place where the archive cannot be read further; ends the run. */
static void
damaged(audit_source *s, const char *fmt, ...)
{
    va_list ap;

    if (s->damage[0] == '\0') {
        va_start(ap, fmt);
        vsnprintf(s->damage, sizeof s->damage, fmt, ap);
        va_end(ap);
    }
    s->run_over = 1;
    s->peeked = 0;
}

/* Notes a member of the run (or one tar would not unpack) for I4: "NAME: WHY". */
static void
stray(audit_source *s, const char *name, const char *why)
{
    if (s->stray_count < AUDIT_STRAYS_KEPT) {
        /* every reason is shorter than the 77 bytes a line keeps beside the longest name */
        snprintf(s->stray[s->stray_count], sizeof s->stray[0], "%s: %.77s", name, why);
    }
    s->stray_count++;
}

/* Reads the next member's header into s->peek. 0 at the end of the archive or where it breaks. */
static int
peek_header(audit_source *s)
{
    uint8_t block[DAUYS_TAR_BLOCK];
    dauys_error err;
    int rc;

    if (fread(block, 1, sizeof block, s->run) != sizeof block) {
        damaged(s, "byte %" PRIu64 ": the archive ends without its end blocks (cut short?)",
                s->run_pos);
        return 0;
    }
    s->stream_at += sizeof block;
    if ((rc = dauys_tar_header_parse(&s->peek, block, &err)) < 0) {
        damaged(s, "byte %" PRIu64 ": not a readable member header (%s)", s->run_pos, err.message);
        return 0;
    }
    if (rc == 0) { /* the end is two zero blocks: GNU tar reads on past a lone one */
        if (fread(block, 1, sizeof block, s->run) != sizeof block ||
            dauys_tar_header_parse(&s->peek, block, &err) != 0) {
            damaged(s,
                    "byte %" PRIu64 ": a lone zero block, not the two that end an archive "
                    "(tar may read members after it; the audit does not)",
                    s->run_pos);
        }
        s->run_over = 1;
        return 0;
    }
    return 1;
}

/* Passes over the peeked member's data (or what is left of it). A short gap
 * is read and dropped: a seek costs a system call per member. */
static void
skip(audit_source *s)
{
    uint64_t next = s->run_pos + DAUYS_TAR_BLOCK + dauys_tar_padded(s->peek.size);
    uint64_t gap = next - s->stream_at;
    char drop[4096];

    s->peeked = 0;
    assert(next >= s->stream_at);
    while (gap > 0 && gap <= 65536) {
        size_t n = gap < sizeof drop ? (size_t) gap : sizeof drop;
        if (fread(drop, 1, n, s->run) != n) {
            damaged(s, "byte %" PRIu64 ": the archive ends inside %s", s->run_pos, s->peek.name);
            return;
        }
        gap -= n;
    }
    if (gap > 0 && (next > (uint64_t) INT64_MAX || fseeko(s->run, (off_t) next, SEEK_SET) != 0)) {
        damaged(s, "byte %" PRIu64 ": a member's size runs past the end", s->run_pos);
        return;
    }
    s->run_pos = s->stream_at = next;
}

/*
 * Gives the peeked member the name of the path tar unpacks it to
 * (dauys_tar_extract_path), keeping its stored spelling. 1 if it has one;
 * 0 if tar would not unpack it to a path of its own (a stray, passed over)
 * or would read its data as members (damage: the audit reads no further).
 */
static int
extract_path(audit_source *s)
{
    dauys_error err;
    int rc;

    memcpy(s->stored, s->peek.name, sizeof s->stored);
    if ((rc = dauys_tar_extract_path(&s->peek, &err)) == 0) {
        return 1;
    }
    if (rc == -2) {
        damaged(s, "byte %" PRIu64 ": member %s: %s", s->run_pos, s->stored, err.message);
        return 0;
    }
    stray(s, s->stored, err.message);
    s->peeked = 1; /* so that skip passes over it */
    skip(s);
    return 0;
}

/* The next member's header, read once, named as tar unpacks it (members tar
 * would not unpack are passed over as strays); 0 at the end of the archive
 * or where it breaks. */
static int
peek(audit_source *s)
{
    while (!s->peeked && !s->run_over) {
        if (peek_header(s) && extract_path(s)) {
            s->peeked = 1;
        }
    }
    return s->peeked;
}

/* Reads the peeked member's data (at most MAX bytes) into *OUT, then passes it. */
static dauys_status
take_data(char **out, size_t *len, audit_source *s, size_t max)
{
    size_t size = (size_t) s->peek.size;

    *out = NULL;
    if (s->peek.size > max) {
        skip(s);
        return DAUYS_E_TOO_LARGE;
    }
    if ((*out = dauys_malloc(size + 1)) == NULL) {
        skip(s);
        return DAUYS_E_NOMEM;
    }
    if (fread(*out, 1, size, s->run) != size) {
        dauys_free(*out);
        *out = NULL;
        damaged(s, "byte %" PRIu64 ": the archive ends inside %s", s->run_pos, s->peek.name);
        return DAUYS_E_IO;
    }
    s->stream_at += size;
    (*out)[size] = '\0';
    *len = size;
    skip(s); /* past the padding */
    return DAUYS_OK;
}

/* Indexes the peeked member (outside the run) and passes over it. */
static void
index_member(audit_source *s)
{
    audit_member *m;
    size_t len = strlen(s->peek.name);

    if (s->member_count == MEMBERS_MAX) {
        damaged(s, "byte %" PRIu64 ": more than %d members outside the protocols", s->run_pos,
                MEMBERS_MAX);
        return;
    }
    if (s->member_count == s->member_cap) {
        size_t cap = s->member_cap ? 2 * s->member_cap : 64;
        audit_member *grown = dauys_realloc(s->member, cap * sizeof *grown);
        if (grown == NULL) {
            s->oom = 1;
            skip(s);
            return;
        }
        s->member = grown;
        s->member_cap = cap;
    }
    m = &s->member[s->member_count];
    if ((m->name = dauys_malloc(len + 1)) == NULL) {
        s->oom = 1;
        skip(s);
        return;
    }
    memcpy(m->name, s->peek.name, len + 1);
    m->stored = NULL;
    if (strcmp(s->stored, s->peek.name) != 0 && (m->stored = dauys_strdup(s->stored)) == NULL) {
        dauys_free(m->name);
        s->oom = 1;
        skip(s);
        return;
    }
    m->type = s->peek.type;
    m->data_at = s->run_pos + DAUYS_TAR_BLOCK;
    m->size = s->peek.size;
    /* a second member of the same name keeps the first's place in the map (find) */
    if (dauys_idmap_put(&s->by_name, m->name, len, (uint32_t) s->member_count, NULL) < 0) {
        dauys_free(m->name);
        s->oom = 1;
        skip(s);
        return;
    }
    s->member_count++;
    skip(s);
}

int
dauys_audit_source_open(audit_source *s, const char *path, dauys_error *err)
{
    struct stat st;
    int fd2;

    memset(s, 0, sizeof *s);
    s->fd = -1;
    dauys_idmap_init(&s->by_name);
    pthread_mutex_init(&s->lock, NULL);
    snprintf(s->path, sizeof s->path, "%s", path);
    if (stat(path, &st) != 0) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", path, strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        return 0;
    }
    s->archive = 1;
    if (dauys_file_open_regular(&s->fd, path, err) != 0 ||
        dauys_file_open_regular(&fd2, path, err) != 0) {
        return -1;
    }
    if ((s->run = fdopen(fd2, "r")) == NULL) {
        close(fd2);
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: %s", path, strerror(errno));
    }
    setvbuf(s->run, NULL, _IOFBF, 1u << 20);
    posix_fadvise(fd2, 0, 0, POSIX_FADV_SEQUENTIAL);   /* hints (larger readahead): may fail */
    posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL); /* log/entries.txt is read in order */
    while (peek(s) && !in_run(s->peek.name)) {
        index_member(s); /* everything before the protocol run */
    }
    return s->oom ? dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", path) : 0;
}

void
dauys_audit_source_close(audit_source *s)
{
    for (size_t i = 0; i < s->member_count; i++) {
        dauys_free(s->member[i].name);
        dauys_free(s->member[i].stored);
    }
    dauys_free(s->member);
    dauys_idmap_free(&s->by_name);
    dauys_free(s->protocol_at);
    if (s->run != NULL) {
        fclose(s->run);
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
    pthread_mutex_destroy(&s->lock);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}

/* Records where entry INDEX's protocol header is (under the lock: the main thread reads it). */
static void
note_protocol(audit_source *s, uint64_t index)
{
    pthread_mutex_lock(&s->lock);
    if (index >= s->protocol_cap && index < SIZE_MAX / 16) {
        size_t cap = 2 * (size_t) index + 1024;
        uint64_t *grown = dauys_realloc(s->protocol_at, cap * sizeof *grown);
        if (grown != NULL) {
            memset(grown + s->protocol_cap, 0, (cap - s->protocol_cap) * sizeof *grown);
            s->protocol_at = grown;
            s->protocol_cap = cap;
        }
    }
    if (index < s->protocol_cap) {
        s->protocol_at[index] = s->run_pos + 1;
    } else {
        s->oom = 1;
    }
    pthread_mutex_unlock(&s->lock);
}

dauys_status
dauys_audit_source_take(char **text, size_t *len, char **sig, size_t *sig_len, audit_source *s,
                        uint64_t index, int want_sig)
{
    dauys_status st = DAUYS_OK, got;

    *text = *sig = NULL;
    while (st != DAUYS_E_NOMEM && peek(s) && in_run(s->peek.name)) {
        uint64_t key = run_key(s->peek.name);
        int is_sig = key == 2 * index + 1;
        char **out = is_sig ? sig : text;
        if (key == UINT64_MAX) {
            stray(s, s->stored, "not a protocol file's name");
            skip(s);
            continue;
        }
        if (key > 2 * index + 1) {
            break; /* a later entry's file */
        }
        if (key < 2 * index || s->peek.type != '0' || *out != NULL || (is_sig && !want_sig)) {
            stray(s, s->stored,
                  key < 2 * index       ? "not in log order, or named by no submission"
                  : s->peek.type != '0' ? "not a plain file"
                  : *out != NULL        ? "appears twice"
                                        : "the log records no signature for it");
            skip(s);
            continue;
        }
        if (!is_sig) {
            note_protocol(s, index);
        }
        got = take_data(out, is_sig ? sig_len : len, s,
                        is_sig ? DAUYS_KEYS_FILE_MAX : DAUYS_PROTOCOL_FILE_MAX);
        s->taken++;
        st = got == DAUYS_E_NOMEM ? got : st;
    }
    return s->oom ? DAUYS_E_NOMEM : st;
}

void
dauys_audit_source_finish(audit_source *s)
{
    while (s->archive && peek(s)) {
        if (in_run(s->peek.name)) {
            stray(s, s->stored,
                  "outside the protocols' run in log order, or named by no "
                  "submission");
            skip(s);
        } else {
            index_member(s);
        }
    }
}

/* Writes the directory bundle's path of REL. 0, or -1 if it is too long. */
static int
path_of(char out[PATH_MAX], const audit_source *s, const char *rel)
{
    return snprintf(out, PATH_MAX, "%s/%s", s->path, rel) >= PATH_MAX ? -1 : 0;
}

/* The first member outside the run named REL, or NULL. A hash lookup: the
 * audit asks for each manifest version's files, and there may be thousands. */
static const audit_member *
find(const audit_source *s, const char *rel)
{
    uint32_t i;

    return dauys_idmap_get(&s->by_name, rel, strlen(rel), &i) ? &s->member[i] : NULL;
}

/* Reads LEN bytes at AT of the archive. 0, or -1 (short or failed). */
static int
pread_all(const audit_source *s, void *buf, size_t len, uint64_t at)
{
    char *p = buf;

    while (len > 0) {
        ssize_t n = pread(s->fd, p, len, (off_t) at);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= (size_t) n;
        at += (uint64_t) n;
    }
    return 0;
}

/* Where a taken protocol's data is (*AT, *SIZE). 0, or -1 if it was not taken. */
static int
protocol_place(audit_source *s, uint64_t index, uint64_t *at, uint64_t *size)
{
    uint8_t block[DAUYS_TAR_BLOCK];
    dauys_tar_header h;
    dauys_error err;
    uint64_t header = 0;

    pthread_mutex_lock(&s->lock);
    if (index < s->protocol_cap) {
        header = s->protocol_at[index];
    }
    pthread_mutex_unlock(&s->lock);
    if (header == 0 || pread_all(s, block, sizeof block, header - 1) != 0 ||
        dauys_tar_header_parse(&h, block, &err) != 1) {
        return -1;
    }
    *at = header - 1 + DAUYS_TAR_BLOCK;
    *size = h.size;
    return 0;
}

dauys_status
dauys_audit_source_read(char **out, size_t *len, audit_source *s, const char *rel, size_t max)
{
    char path[PATH_MAX];
    const audit_member *m;
    uint64_t key = run_key(rel), at, size;
    dauys_error err;

    *out = NULL;
    *len = 0;
    if (!s->archive) {
        if (path_of(path, s, rel) != 0) {
            return DAUYS_E_IO;
        }
        return dauys_file_read(out, len, path, max, &err) != 0 ? err.status : DAUYS_OK;
    }
    if (key != UINT64_MAX ? key % 2 != 0 || protocol_place(s, key / 2, &at, &size) != 0
                          : (m = find(s, rel)) == NULL || m->type != '0') {
        return DAUYS_E_IO;
    }
    if (key == UINT64_MAX) {
        at = m->data_at;
        size = m->size;
    }
    if (size > max) {
        return DAUYS_E_TOO_LARGE;
    }
    if ((*out = dauys_malloc((size_t) size + 1)) == NULL) {
        return DAUYS_E_NOMEM;
    }
    if (pread_all(s, *out, (size_t) size, at) != 0) {
        dauys_free(*out);
        *out = NULL;
        return DAUYS_E_IO;
    }
    (*out)[size] = '\0';
    *len = (size_t) size;
    return DAUYS_OK;
}

int
dauys_audit_source_kind(const audit_source *s, const char *rel)
{
    char path[PATH_MAX];
    const audit_member *m;
    struct stat st;

    if (!s->archive) {
        return path_of(path, s, rel) != 0 || lstat(path, &st) != 0 ? 0
               : S_ISREG(st.st_mode)                               ? 1
                                                                   : 2;
    }
    return (m = find(s, rel)) == NULL ? 0 : m->type == '0' ? 1 : 2;
}

/* A member's bytes as a stream: pread from its place, never past its end. */
typedef struct slice {
    int fd;
    uint64_t at, left;
} slice;

static ssize_t
slice_read(void *cookie, char *buf, size_t size)
{
    slice *c = cookie;
    size_t want = size < c->left ? size : (size_t) c->left;
    ssize_t n;

    do {
        n = pread(c->fd, buf, want, (off_t) c->at);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        c->at += (uint64_t) n;
        c->left -= (uint64_t) n;
    }
    return n;
}

static int
slice_close(void *cookie)
{
    dauys_free(cookie);
    return 0;
}

FILE *
dauys_audit_source_fopen(const audit_source *s, const char *rel, dauys_error *err)
{
    static const cookie_io_functions_t io = {.read = slice_read, .close = slice_close};
    char path[PATH_MAX];
    const audit_member *m;
    slice *c;
    FILE *fp;
    int fd;

    if (!s->archive) {
        if (path_of(path, s, rel) != 0) {
            dauys_error_set(err, DAUYS_E_IO, "%s/%s: path too long", s->path, rel);
            return NULL;
        }
        if (dauys_file_open_regular(&fd, path, err) != 0) {
            return NULL;
        }
        if ((fp = fdopen(fd, "r")) == NULL) {
            close(fd);
            dauys_error_set(err, DAUYS_E_NOMEM, "%s: %s", path, strerror(errno));
        }
        return fp;
    }
    if ((m = find(s, rel)) == NULL || m->type != '0') {
        /* Where the archive broke off may be why REL is not there. */
        dauys_error_set(err, DAUYS_E_IO, "%s: %s %s%s%.*s", s->path, rel,
                        m == NULL ? "is not in the archive" : "is not a plain file",
                        s->damage[0] != '\0' ? "; it is unreadable from " : "", 300, s->damage);
        return NULL;
    }
    if ((c = dauys_malloc(sizeof *c)) == NULL) {
        dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", s->path);
        return NULL;
    }
    *c = (slice){s->fd, m->data_at, m->size};
    if ((fp = fopencookie(c, "r", io)) == NULL) {
        dauys_free(c);
        dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", s->path);
    }
    return fp;
}

int
dauys_audit_source_db_uri(char *out, size_t size, const audit_source *s)
{
    const audit_member *m = s->archive ? find(s, "dauys.db") : NULL;
    char path[PATH_MAX];
    int kind = dauys_audit_source_kind(s, "dauys.db");
    size_t n = (size_t) snprintf(out, size, "file:");

    if (kind != 1) {
        return kind;
    }
    if (snprintf(path, sizeof path, s->archive ? "%s" : "%s/dauys.db", s->path) >=
        (int) sizeof path) {
        return 0;
    }
    for (const char *p = path; *p && n + 4 < size; p++) {
        unsigned char c = (unsigned char) *p;
        n += (size_t) (c == '%' || c == '?' || c == '#' || c < 0x20
                           ? snprintf(out + n, size - n, "%%%02X", c)
                           : snprintf(out + n, size - n, "%c", c));
    }
    n += (size_t) snprintf(out + n, size - n, "?mode=ro&immutable=1");
    if (m != NULL && n < size) {
        n += (size_t) snprintf(out + n, size - n,
                               "&vfs=" AUDIT_SLICE_VFS "&slice-offset=%" PRIu64
                               "&slice-size=%" PRIu64,
                               m->data_at, m->size);
    }
    return n < size ? 1 : 2; /* a path too long to name: as if it could not be opened */
}
