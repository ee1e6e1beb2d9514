/*
 * routes.c: what dauys serve answers to GET (and HEAD): the C2SP tiles at
 * the root exactly as tlog-tiles names them, and under /v1/ the status,
 * receipts, checkpoints, the manifest and the central key; / is the live page.
 * Static paths are parsed strictly (core/tiles.h) and the file name is
 * rebuilt from the parsed numbers, never from the request's text.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/alloc.h"
#include "core/decimal.h"
#include "core/proof.h"
#include "core/tile.h"
#include "serve/livepage.h"
#include "serve/serve_internal.h"
#include "store/checkpoint.h"
#include "store/db.h"

#define CACHE_IMMUTABLE "public, max-age=31536000, immutable"
#define CACHE_SHORT "no-cache"

/*
 * Opens REL (a relative path made by dauys_tile_path: names separated by
 * '/', none empty, "." or "..") under the directory ROOT, following no
 * symbolic link in any of REL's names: O_NOFOLLOW alone guards only the
 * last, and a link planted for a level directory would be followed. The
 * last open does not block (a FIFO planted there would hold the thread).
 * Returns a descriptor the caller closes, or -1 with errno set.
 */
static int
open_beneath(const char *root, const char *rel)
{
    char name[DAUYS_TILE_PATH_MAX];
    int dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd = -1, saved;

    if (dir < 0) {
        return -1;
    }
    for (const char *p = rel;;) {
        size_t n = strcspn(p, "/");
        int next;

        if (n == 0 || n >= sizeof name) {
            errno = ENOENT;
            break;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        if (p[n] == '\0') {
            fd = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
            break;
        }
        if ((next = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_DIRECTORY)) < 0) {
            break;
        }
        close(dir);
        dir = next;
        p += n + 1;
    }
    saved = errno;
    close(dir);
    errno = saved;
    return fd;
}

/* GET /tile/...: the file named by the parsed tile, never by the URL. */
static enum MHD_Result
serve_tile(struct dauys_server *s, struct MHD_Connection *c, const char *url)
{
    char rel[DAUYS_TILE_PATH_MAX];
    struct MHD_Response *r;
    enum MHD_Result rc = MHD_NO;
    dauys_tile t;
    dauys_error err;
    struct stat st;
    int fd;

    if (dauys_tile_path_parse(&t, url + 1, strlen(url + 1), &err) != 0 ||
        dauys_tile_path(rel, sizeof rel, &t, &err) != 0) {
        return dauys_serve_reply_error(c, MHD_HTTP_NOT_FOUND, err.message, 0);
    }
    if ((fd = open_beneath(s->tiles, rel)) < 0) {
        return dauys_serve_reply_error(
            c, MHD_HTTP_NOT_FOUND, errno == ENOENT ? "no such tile (yet)" : "unreadable tile", 0);
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return dauys_serve_reply_error(c, MHD_HTTP_NOT_FOUND, "not a tile", 0);
    }
    if ((r = MHD_create_response_from_fd((size_t) st.st_size, fd)) == NULL) { /* owns fd */
        close(fd);
        return MHD_NO;
    }
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream") ==
            MHD_YES &&
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, CACHE_IMMUTABLE) == MHD_YES &&
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") == MHD_YES &&
        MHD_add_response_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*") == MHD_YES) {
        rc = MHD_queue_response(c, MHD_HTTP_OK, r);
    }
    MHD_destroy_response(r);
    return rc;
}

/* 1 if ID looks like a manifest id (letters, digits, '-', '_', '.'). */
static int
plausible_id(const char *id)
{
    size_t n = strlen(id);

    if (n == 0 || n > DAUYS_ID_MAX) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = id[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.')) {
            return 0;
        }
    }
    return 1;
}

/* The one value SQL (one ?1 parameter, bound to KEY) selects in WS, copied
 * into OUT (CAP bytes): its length, 0 if there is no row, -1 on error (a
 * value of CAP bytes or more is DAUYS_E_TOO_LARGE, naming WHAT). */
static long
select_value(char *out, size_t cap, dauys_workspace *ws, const char *sql, uint64_t key,
             const char *what, dauys_error *err)
{
    sqlite3_stmt *st = NULL;
    long len = -1;
    int rc;

    if (dauys_db_prepare(ws->db, &st, sql, err) != 0) {
        return -1;
    }
    if (dauys_db_bind_int(st, 1, (int64_t) key)) {
        dauys_db_bind_fail(st, err, "binding a key");
    } else if ((rc = dauys_db_step_row(st, err)) == 0) {
        len = 0;
    } else if (rc > 0) {
        int n = sqlite3_column_bytes(st, 0);
        if ((size_t) n >= cap) {
            dauys_error_set(err, DAUYS_E_TOO_LARGE, "%s %" PRIu64 " is too long", what, key);
        } else {
            memcpy(out, sqlite3_column_blob(st, 0), (size_t) n);
            len = n;
        }
    }
    sqlite3_finalize(st);
    return len;
}

/* The receipt text (dauys-audit prove's format, FORMATS 13.1) of PRECINCT
 * against the published checkpoint of SIZE entries: its length; 0 when the
 * precinct has no counting entry under SIZE (*LATER 1: it has one after it);
 * -1 on error. */
static long
make_receipt(char *out, size_t cap, int *later, struct dauys_server *s, const char *precinct,
             uint64_t size, dauys_error *err)
{
    dauys_proof_text p;
    uint64_t index;
    size_t n;
    long entry_len;
    int found;

    *later = 0;
    /* The reader's log head is as it was read last: the proof is bounded by it. */
    if (dauys_log_load_head(s->reader, err) != 0) {
        return -1;
    }
    if ((found = dauys_log_index_of_precinct(&index, s->reader, precinct, err)) <= 0) {
        return found;
    }
    if (index >= size) {
        *later = 1;
        return 0;
    }
    if (dauys_log_prove_inclusion(&p, s->reader, index, size, err) != 0 ||
        dauys_proof_format(out, cap, &p, err) != 0) {
        return -1;
    }
    n = strlen(out);
    if ((entry_len =
             select_value(out + n, cap - n, s->reader, "SELECT entry FROM log_entry WHERE idx = ?1",
                          index, "log entry", err)) <= 0) {
        return entry_len < 0 ? -1
                             : dauys_error_set(err, DAUYS_E_DATABASE,
                                               "log entry %" PRIu64 " is missing", index);
    }
    return (long) (n + (size_t) entry_len);
}

/* GET /v1/receipts/PRECINCT */
static enum MHD_Result
serve_receipt(struct dauys_server *s, struct MHD_Connection *c, const char *precinct)
{
    char *receipt;
    uint64_t size;
    dauys_error err;
    long len;
    int later = 0;
    enum MHD_Result rc;
    const size_t cap = DAUYS_PROOF_TEXT_MAX + 4096;

    if (!plausible_id(precinct)) {
        return dauys_serve_reply_error(c, MHD_HTTP_NOT_FOUND, "not a precinct id", 0);
    }
    if ((receipt = dauys_malloc(cap)) == NULL) {
        return MHD_NO;
    }
    pthread_mutex_lock(&s->lock);
    size = s->published_size;
    pthread_mutex_unlock(&s->lock);
    pthread_mutex_lock(&s->reader_lock);
    if (sqlite3_exec(s->reader->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        len = dauys_error_set(&err, DAUYS_E_DATABASE, "%s", sqlite3_errmsg(s->reader->db));
    } else {
        len = make_receipt(receipt, cap, &later, s, precinct, size, &err);
        if (sqlite3_exec(s->reader->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK && len > 0) {
            len = dauys_error_set(&err, DAUYS_E_DATABASE, "%s", sqlite3_errmsg(s->reader->db));
        }
    }
    pthread_mutex_unlock(&s->reader_lock);
    if (len > 0) {
        rc = dauys_serve_reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", CACHE_SHORT, receipt,
                               (size_t) len);
    } else if (len == 0) {
        rc =
            dauys_serve_reply_error(c, MHD_HTTP_NOT_FOUND,
                                    later ? "its counted protocol is not in a published checkpoint "
                                            "yet: ask again after the next one"
                                          : "the precinct has no counted protocol",
                                    later ? 1 : 0);
    } else {
        rc = dauys_serve_reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, err.message, 0);
    }
    dauys_free(receipt);
    return rc;
}

/* GET /v1/checkpoints/SIZE: every checkpoint signed stays available. */
static enum MHD_Result
serve_old_checkpoint(struct dauys_server *s, struct MHD_Connection *c, const char *text)
{
    char note[16384];
    uint64_t size;
    dauys_error err;
    long len;

    if (dauys_decimal_parse(&size, text, strlen(text), INT64_MAX) != 0) {
        return dauys_serve_reply_error(c, MHD_HTTP_NOT_FOUND, "not a tree size", 0);
    }
    pthread_mutex_lock(&s->reader_lock);
    len = select_value(note, sizeof note, s->reader, "SELECT note FROM checkpoint WHERE size = ?1",
                       size, "checkpoint", &err);
    pthread_mutex_unlock(&s->reader_lock);
    if (len < 0) {
        return dauys_serve_reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, err.message, 0);
    }
    if (len == 0) {
        return dauys_serve_reply_error(c, MHD_HTTP_NOT_FOUND, "no checkpoint of that size", 0);
    }
    return dauys_serve_reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", CACHE_IMMUTABLE, note,
                             (size_t) len);
}

static enum MHD_Result
serve_live_page(struct dauys_server *s, struct MHD_Connection *c)
{
    struct MHD_Response *r = NULL;
    enum MHD_Result rc = MHD_NO;

    pthread_mutex_lock(&s->lock);
    if (s->live_page.data != NULL) {
        r = MHD_create_response_from_buffer(s->live_page.len, s->live_page.data,
                                            MHD_RESPMEM_MUST_COPY);
    }
    pthread_mutex_unlock(&s->lock);
    if (r == NULL) {
        return dauys_serve_reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "not published yet", 1);
    }
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8") ==
            MHD_YES &&
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, CACHE_SHORT) == MHD_YES &&
        MHD_add_response_header(r, "Content-Security-Policy", dauys_serve_live_page_csp()) ==
            MHD_YES &&
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") == MHD_YES &&
        MHD_add_response_header(r, "Referrer-Policy", "no-referrer") == MHD_YES) {
        rc = MHD_queue_response(c, MHD_HTTP_OK, r);
    }
    MHD_destroy_response(r);
    return rc;
}

enum MHD_Result
dauys_serve_route_get(struct dauys_server *s, struct MHD_Connection *c, const char *url)
{
    static const char text[] = "text/plain; charset=utf-8";

    if (strcmp(url, "/checkpoint") == 0) {
        return dauys_serve_reply_doc(s, c, &s->checkpoint, text, CACHE_SHORT);
    }
    if (strncmp(url, "/tile/", 6) == 0) {
        return serve_tile(s, c, url);
    }
    if (strcmp(url, "/") == 0 || strcmp(url, "/live") == 0) {
        return serve_live_page(s, c);
    }
    if (strcmp(url, "/v1/status") == 0) {
        return dauys_serve_reply_doc(s, c, &s->status_json, "application/json", CACHE_SHORT);
    }
    if (strcmp(url, "/v1/manifest") == 0) {
        return dauys_serve_reply_doc(s, c, &s->manifest, text, CACHE_SHORT);
    }
    if (strcmp(url, "/v1/manifest.minisig") == 0) {
        return dauys_serve_reply_doc(s, c, &s->manifest_sig, text, CACHE_SHORT);
    }
    if (strcmp(url, "/v1/central.pub") == 0) {
        return dauys_serve_reply_doc(s, c, &s->central_pub, text, CACHE_SHORT);
    }
    if (strncmp(url, "/v1/receipts/", 13) == 0) {
        return serve_receipt(s, c, url + 13);
    }
    if (strncmp(url, "/v1/checkpoints/", 16) == 0) {
        return serve_old_checkpoint(s, c, url + 16);
    }
    return dauys_serve_reply_error(c, MHD_HTTP_NOT_FOUND, "no such resource", 0);
}
