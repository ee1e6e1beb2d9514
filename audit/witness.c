/*
 * witness.c: the tlog-witness's requests, checks and state (tlog_witness.h);
 * the HTTP glue is witness_http.c.
 */
#include "audit/tlog_witness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/decimal.h"
#include "core/file.h"
#include "core/sha256.h"

/* A proof line: 44 base64 characters and a newline. */
#define HASH_B64_LEN 44

/* --- parsing ------------------------------------------------------------- */

/* Decodes the canonical padded base64 of one 32-byte hash (S, N chars). */
static int
decode_hash(uint8_t out[DAUYS_HASH_BYTES], const char *s, size_t n)
{
    char again[HASH_B64_LEN + 1];
    size_t got = 0;

    if (n != HASH_B64_LEN ||
        sodium_base642bin(out, DAUYS_HASH_BYTES, s, n, NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != DAUYS_HASH_BYTES) {
        return -1;
    }
    sodium_bin2base64(again, sizeof again, out, DAUYS_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
    return memcmp(again, s, n) == 0 ? 0 : -1; /* one value, one spelling */
}

int
dauys_witness_parse(dauys_witness_request *req, const char *body, size_t len, dauys_error *err)
{
    const char *p = body, *end = body + len, *nl;
    unsigned line = 1;

    memset(req, 0, sizeof *req);
    nl = memchr(p, '\n', len);
    if (nl == NULL || nl - p < 4 || memcmp(p, "old ", 4) != 0 ||
        dauys_decimal_parse(&req->old_size, p + 4, (size_t) (nl - p - 4), UINT64_MAX) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "request:1: not an old size line (\"old \" and a decimal size)");
    }
    for (p = nl + 1;; p = nl + 1) {
        line++;
        if (p >= end || (nl = memchr(p, '\n', (size_t) (end - p))) == NULL) {
            return dauys_error_set(err, DAUYS_E_FORMAT,
                                   "request:%u: the body ends before the empty line", line);
        }
        if (nl == p) {
            break;
        }
        if (req->proof.count == DAUYS_WITNESS_PROOF_LINES_MAX) {
            return dauys_error_set(err, DAUYS_E_FORMAT,
                                   "request:%u: more than %d consistency proof lines", line,
                                   DAUYS_WITNESS_PROOF_LINES_MAX);
        }
        if (decode_hash(req->proof.hash[req->proof.count], p, (size_t) (nl - p)) != 0) {
            return dauys_error_set(err, DAUYS_E_FORMAT,
                                   "request:%u: not a hash (canonical base64 of 32 bytes)", line);
        }
        req->proof.count++;
    }
    req->note = nl + 1;
    req->note_len = (size_t) (end - req->note);
    if (req->note_len == 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "request:%u: no checkpoint after the empty line", line + 1);
    }
    return 0;
}

/* --- deciding ------------------------------------------------------------ */

/* Sets V's status and reason. */
static void verdict(dauys_witness_verdict *v, unsigned status, dauys_status why, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));

static void
verdict(dauys_witness_verdict *v, unsigned status, dauys_status why, const char *fmt, ...)
{
    va_list ap;

    v->status = status;
    v->why.status = why;
    va_start(ap, fmt);
    vsnprintf(v->why.message, sizeof v->why.message, fmt, ap);
    va_end(ap);
}

/* The log of LOGS whose origin is the note's first line, or -1. */
static long
find_log(const char *note, size_t len, const dauys_witness_log *logs, size_t count)
{
    const char *nl = memchr(note, '\n', len);
    size_t n = nl != NULL ? (size_t) (nl - note) : len;

    for (size_t i = 0; i < count; i++) {
        if (strlen(logs[i].origin) == n && memcmp(logs[i].origin, note, n) == 0) {
            return (long) i;
        }
    }
    return -1;
}

/* The checks on the state: V's request and checkpoint against LOG. */
static void
decide_state(dauys_witness_verdict *v, const dauys_witness_log *log)
{
    const dauys_witness_request *r = &v->req;
    uint64_t known = log->cosigned ? log->last.size : 0;
    dauys_error e;

    v->known_size = known;
    if (log->cosigned && v->cp.size == known && memcmp(v->cp.root, log->last.root, 32) != 0) {
        v->incident = DAUYS_WITNESS_FORK;
        v->size_conflict = r->old_size != known;
        verdict(v, 409, DAUYS_E_PROOF,
                "fork: a checkpoint of %llu entries was cosigned with another root",
                (unsigned long long) known);
        return;
    }
    if (r->old_size != known) {
        v->size_conflict = 1;
        verdict(v, 409, DAUYS_E_PROOF, "old size %llu is not %llu, the size cosigned last",
                (unsigned long long) r->old_size, (unsigned long long) known);
        return;
    }
    if (r->old_size > 0 && dauys_merkle_verify_consistency(r->old_size, v->cp.size, log->last.root,
                                                           v->cp.root, &r->proof, &e) != 0) {
        v->incident = DAUYS_WITNESS_INCONSISTENT;
        verdict(v, 422, DAUYS_E_PROOF,
                "the consistency proof from %llu to %llu entries does not verify: %s",
                (unsigned long long) r->old_size, (unsigned long long) v->cp.size, e.message);
        return;
    }
    verdict(v, 200, DAUYS_OK, "cosigned");
}

void
dauys_witness_decide(dauys_witness_verdict *v, const char *body, size_t len,
                     const dauys_witness_log *logs, size_t count)
{
    dauys_witness_request *r = &v->req;
    dauys_error e;
    long i;

    memset(v, 0, sizeof *v);
    if (len > DAUYS_WITNESS_BODY_MAX) {
        verdict(v, 413, DAUYS_E_TOO_LARGE, "request: %zu bytes, over the limit of %d", len,
                DAUYS_WITNESS_BODY_MAX);
        return;
    }
    if (dauys_witness_parse(r, body, len, &e) != 0) {
        verdict(v, 400, e.status, "%s", e.message);
        return;
    }
    if ((i = find_log(r->note, r->note_len, logs, count)) < 0) {
        verdict(v, 404, DAUYS_E_KEY_ID, "unknown log (origin not served here)");
        return;
    }
    v->log = (size_t) i;
    v->log_known = 1;
    if (dauys_checkpoint_open_any(&v->cp, &v->text_len, r->note, r->note_len, &logs[i].key,
                                  logs[i].origin, "checkpoint", &e) != 0) {
        int unsigned_by_log = e.status == DAUYS_E_KEY_ID || e.status == DAUYS_E_SIGNATURE;
        memset(&v->cp, 0, sizeof v->cp);
        verdict(v, unsigned_by_log ? 403 : 400, e.status, "%s", e.message);
        return;
    }
    if (v->text_len > DAUYS_COSIG_TEXT_MAX) { /* 4xx: a log must not retry it forever */
        verdict(v, 400, DAUYS_E_TOO_LARGE,
                "checkpoint text of %zu bytes (extension lines included), over the %d a "
                "cosignature covers",
                v->text_len, DAUYS_COSIG_TEXT_MAX);
        return;
    }
    if (r->old_size > v->cp.size) {
        verdict(v, 400, DAUYS_E_FORMAT, "old size %llu is over the checkpoint's size %llu",
                (unsigned long long) r->old_size, (unsigned long long) v->cp.size);
        return;
    }
    if (r->old_size == 0 && r->proof.count > 0) {
        verdict(v, 400, DAUYS_E_FORMAT, "a consistency proof from old size 0 must be empty");
        return;
    }
    decide_state(v, &logs[i]);
}

/* --- the witness --------------------------------------------------------- */

struct dauys_witness {
    pthread_mutex_t lock;
    const dauys_witness_config *cfg;
    dauys_witness_key key;
    size_t count;
    dauys_witness_log log[DAUYS_WITNESS_LOGS_MAX];
    char *note[DAUYS_WITNESS_LOGS_MAX]; /* the state: the latest cosigned note, as received */
    size_t note_len[DAUYS_WITNESS_LOGS_MAX];
    size_t evidence_count;
    uint64_t last_time; /* of the latest cosignature given: none is dated before it */
    int lock_fd;
};

int
dauys_witness_state_path(char *out, size_t size, const char *dir, const char *origin)
{
    uint8_t h[DAUYS_SHA256_BYTES];
    char hex[2 * DAUYS_SHA256_BYTES + 1];
    int n;

    if (dauys_sha256(h, origin, strlen(origin)) != 0) {
        return -1;
    }
    dauys_sha256_hex(hex, h);
    n = snprintf(out, size, "%s/log-%s.checkpoint", dir, hex);
    return n < 0 || (size_t) n >= size ? -1 : 0;
}

const dauys_witness_key *
dauys_witness_key_of(const dauys_witness *w)
{
    return &w->key;
}

/* mkdir DIR (mode 0700) unless it exists as a directory. */
static int
make_dir(const char *dir, dauys_error *err)
{
    struct stat st;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", dir, strerror(errno));
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: not a directory", dir);
    }
    return 0;
}

/* Takes DIR/lock (flock, released by the kernel whatever kills us). */
static int
lock_dir(dauys_witness *w, const char *dir, dauys_error *err)
{
    char path[4096];

    if ((size_t) snprintf(path, sizeof path, "%s/lock", dir) >= sizeof path) {
        return dauys_error_set(err, DAUYS_E_USAGE, "%s: name too long", dir);
    }
    w->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (w->lock_fd < 0) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", path, strerror(errno));
    }
    if (flock(w->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", path,
                               errno == EWOULDBLOCK ? "another witness uses this state directory"
                                                    : strerror(errno));
    }
    return 0;
}

/* Removes the temporary files a crash left in DIR (log-*.tmp.*), and counts
 * the evidence files in DIR/evidence. */
static int
tidy_dir(dauys_witness *w, const char *dir, dauys_error *err)
{
    char path[4096];
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", dir, strerror(errno));
    }
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "log-", 4) == 0 && strstr(e->d_name, ".checkpoint.tmp.") != NULL &&
            (size_t) snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < sizeof path) {
            (void) unlink(path);
        }
    }
    closedir(d);
    if ((size_t) snprintf(path, sizeof path, "%s/evidence", dir) >= sizeof path) {
        return dauys_error_set(err, DAUYS_E_USAGE, "%s: name too long", dir);
    }
    if (make_dir(path, err) != 0) {
        return -1;
    }
    if ((d = opendir(path)) == NULL) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", path, strerror(errno));
    }
    while ((e = readdir(d)) != NULL) {
        w->evidence_count += e->d_name[0] != '.';
    }
    closedir(d);
    return 0;
}

/* Reads log I's state file, if any, into W. */
static int
load_state(dauys_witness *w, size_t i, dauys_error *err)
{
    char path[4096];
    struct stat st;
    dauys_error e;

    if (dauys_witness_state_path(path, sizeof path, w->cfg->state_dir, w->log[i].origin) != 0) {
        return dauys_error_set(err, DAUYS_E_USAGE, "%s: name too long", w->cfg->state_dir);
    }
    if (lstat(path, &st) != 0 && errno == ENOENT) {
        return 0; /* never cosigned */
    }
    if (dauys_file_read_no_link(&w->note[i], &w->note_len[i], path, DAUYS_WITNESS_BODY_MAX, &e) !=
            0 ||
        dauys_checkpoint_open_any(&w->log[i].last, NULL, w->note[i], w->note_len[i], &w->log[i].key,
                                  w->log[i].origin, path, &e) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "the state of log %s is not a checkpoint it signed (%s): refusing "
                               "to start on a state that cannot be trusted",
                               w->log[i].origin, e.message);
    }
    w->log[i].cosigned = 1;
    return 0;
}

static int
open_logs(dauys_witness *w, const dauys_witness_config *cfg, dauys_error *err)
{
    if (cfg->count == 0 || cfg->count > DAUYS_WITNESS_LOGS_MAX) {
        return dauys_error_set(err, DAUYS_E_USAGE, "a witness serves 1 to %d logs, not %zu",
                               DAUYS_WITNESS_LOGS_MAX, cfg->count);
    }
    w->count = cfg->count;
    for (size_t i = 0; i < cfg->count; i++) {
        dauys_witness_key probe; /* the origin is a key name: check it as one */
        if (dauys_cosig_key_init(&probe, cfg->log[i].origin, cfg->log[i].key.pk, err) != 0) {
            return -1;
        }
        snprintf(w->log[i].origin, sizeof w->log[i].origin, "%s", cfg->log[i].origin);
        w->log[i].key = cfg->log[i].key;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(w->log[j].origin, w->log[i].origin) == 0) {
                return dauys_error_set(err, DAUYS_E_USAGE, "log %s given twice", w->log[i].origin);
            }
        }
        if (load_state(w, i, err) != 0) {
            return -1;
        }
    }
    return 0;
}

int
dauys_witness_open(dauys_witness **out, const dauys_witness_config *cfg, dauys_error *err)
{
    dauys_witness *w = dauys_malloc(sizeof *w);
    dauys_pubkey pk;

    *out = NULL;
    if (w == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    memset(w, 0, sizeof *w);
    w->cfg = cfg;
    w->lock_fd = -1;
    pthread_mutex_init(&w->lock, NULL);
    dauys_error_clear(err);
    dauys_keys_seckey_public(&pk, cfg->sk);
    if (dauys_cosig_key_init(&w->key, cfg->name, pk.pk, err) != 0 ||
        make_dir(cfg->state_dir, err) != 0 || lock_dir(w, cfg->state_dir, err) != 0 ||
        tidy_dir(w, cfg->state_dir, err) != 0 || open_logs(w, cfg, err) != 0) {
        dauys_witness_close(w);
        return -1;
    }
    *out = w;
    return 0;
}

void
dauys_witness_close(dauys_witness *w)
{
    if (w == NULL) {
        return;
    }
    for (size_t i = 0; i < DAUYS_WITNESS_LOGS_MAX; i++) {
        dauys_free(w->note[i]);
    }
    if (w->lock_fd >= 0) {
        close(w->lock_fd);
    }
    pthread_mutex_destroy(&w->lock);
    dauys_free(w);
}

/* --- evidence ------------------------------------------------------------ */

/* 1 if DIR/evidence holds a file ending in SUFFIX (the same incident, the
 * same checkpoint: kept once), named in WHERE. */
static int
find_evidence(char *where, size_t where_size, const char *dir, const char *suffix)
{
    char path[4096];
    size_t n = strlen(suffix);
    DIR *d;
    struct dirent *e;
    int found = 0;

    if ((size_t) snprintf(path, sizeof path, "%s/evidence", dir) >= sizeof path ||
        (d = opendir(path)) == NULL) {
        return 0;
    }
    while (!found && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > n && strcmp(e->d_name + len - n, suffix) == 0) {
            snprintf(where, where_size, "evidence already kept in %s/%s", path, e->d_name);
            found = 1;
        }
    }
    closedir(d);
    return found;
}

/* Keeps V's incident: DIR/evidence/TIME-KIND-KNOWN-SIZE-HASH.txt holding the
 * stored checkpoint and the request body (docs/FORMATS.md section 22), once
 * for one kind and checkpoint (HASH: of the request's note text, what the
 * log signed: signature lines by other keys, which anyone can add, do not
 * make another incident). Fills WHERE with the file's name or why it was
 * not kept. */
static void
keep_evidence(dauys_witness *w, const dauys_witness_verdict *v, const char *body, size_t len,
              uint64_t now, char *where, size_t where_size)
{
    const char *kind = v->incident == DAUYS_WITNESS_FORK ? "fork" : "inconsistent";
    const char *stored = w->note[v->log];
    size_t stored_len = w->note_len[v->log];
    time_t t = (time_t) now;
    struct tm tm;
    char stamp[32], hex[2 * DAUYS_SHA256_BYTES + 1], path[4096], suffix[128];
    uint8_t h[DAUYS_SHA256_BYTES];
    char *text = NULL;
    size_t cap = stored_len + len + 1024;
    int n;
    dauys_error e;

    if (w->evidence_count >= DAUYS_WITNESS_EVIDENCE_MAX) {
        snprintf(where, where_size, "not kept: %d evidence files already",
                 DAUYS_WITNESS_EVIDENCE_MAX);
        return;
    }
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime_r(&t, &tm));
    if (dauys_sha256(h, v->req.note, v->text_len) != 0 || (text = dauys_malloc(cap)) == NULL) {
        snprintf(where, where_size, "not kept: out of memory");
        return;
    }
    dauys_sha256_hex(hex, h);
    hex[16] = '\0';
    snprintf(suffix, sizeof suffix, "-%s-%llu-%llu-%s.txt", kind,
             (unsigned long long) v->known_size, (unsigned long long) v->cp.size, hex);
    if (find_evidence(where, where_size, w->cfg->state_dir, suffix)) {
        dauys_free(text);
        return;
    }
    n = snprintf(path, sizeof path, "%s/evidence/%s%s", w->cfg->state_dir, stamp, suffix);
    if (n < 0 || (size_t) n >= sizeof path) {
        snprintf(where, where_size, "not kept: name too long");
        dauys_free(text);
        return;
    }
    n = snprintf(text, cap,
                 "dauys-witness-evidence 1\nkind %s\norigin %s\ntime %s\n"
                 "cosigned %llu\nrequest %llu\ncosigned-checkpoint %zu\n",
                 kind, w->log[v->log].origin, stamp, (unsigned long long) v->known_size,
                 (unsigned long long) v->cp.size, stored_len);
    memcpy(text + n, stored, stored_len);
    n += snprintf(text + n + stored_len, cap - (size_t) n - stored_len, "request-body %zu\n", len);
    memcpy(text + n + stored_len, body, len);
    if (dauys_file_write_new(path, text, (size_t) n + stored_len + len, 0644, 1, &e) == 0) {
        w->evidence_count++;
        snprintf(where, where_size, "evidence kept in %s", path);
    } else if (e.status == DAUYS_E_EXISTS) {
        snprintf(where, where_size, "evidence already kept in %s", path);
    } else {
        snprintf(where, where_size, "evidence NOT kept: %s", e.message);
    }
    dauys_free(text);
}

/* --- answering ----------------------------------------------------------- */

static void
answer_text(dauys_witness_answer *a, unsigned status, const char *type, const char *text)
{
    a->status = status;
    a->content_type = type;
    snprintf(a->body, sizeof a->body, "%s", text);
    a->body_len = strlen(a->body);
}

/* Cosigns V's checkpoint, persists it as log V->log's state: 200, or 500. */
static void
cosign(dauys_witness_answer *a, dauys_witness *w, const dauys_witness_verdict *v, uint64_t now)
{
    char path[4096], line[DAUYS_COSIG_LINE_MAX + 2];
    const dauys_witness_log *log = &w->log[v->log];
    /* The size and root the state holds already (the same checkpoint again,
     * which anyone can replay): cosigned again, the state left as it is, so a
     * replay costs no write nor fsync under the lock. */
    int held = log->cosigned && log->last.size == v->cp.size &&
               memcmp(log->last.root, v->cp.root, sizeof log->last.root) == 0;
    char *copy = held ? NULL : dauys_malloc(v->req.note_len + 1);
    dauys_error e;

    if (held) {
        if (dauys_cosig_sign(line, sizeof line, v->req.note, v->text_len, now, w->key.name,
                             w->cfg->sk, &e) != 0) {
            snprintf(a->summary + strlen(a->summary), sizeof a->summary - strlen(a->summary),
                     ": 500 %s", e.message);
            answer_text(a, 500, "text/plain; charset=utf-8", "the witness failed; try again\n");
            return;
        }
        w->last_time = now;
        answer_text(a, 200, "text/plain; charset=utf-8", line);
        snprintf(a->summary + strlen(a->summary), sizeof a->summary - strlen(a->summary),
                 ": 200 cosigned again");
        return;
    }
    if (copy == NULL) {
        answer_text(a, 500, "text/plain; charset=utf-8", "out of memory\n");
        return;
    }
    memcpy(copy, v->req.note, v->req.note_len);
    copy[v->req.note_len] = '\0';
    if (dauys_cosig_sign(line, sizeof line, v->req.note, v->text_len, now, w->key.name, w->cfg->sk,
                         &e) != 0 ||
        dauys_witness_state_path(path, sizeof path, w->cfg->state_dir, w->log[v->log].origin) !=
            0 ||
        dauys_file_write_atomic(path, v->req.note, v->req.note_len, 0644, &e) != 0) {
        dauys_free(copy);
        snprintf(a->summary + strlen(a->summary), sizeof a->summary - strlen(a->summary),
                 ": 500 %s", e.message);
        answer_text(a, 500, "text/plain; charset=utf-8", "the witness failed; try again\n");
        return;
    }
    /* Durable: now the witness holds it, and may say so. */
    dauys_free(w->note[v->log]);
    w->note[v->log] = copy;
    w->note_len[v->log] = v->req.note_len;
    w->log[v->log].cosigned = 1;
    w->log[v->log].last = v->cp;
    w->last_time = now;
    answer_text(a, 200, "text/plain; charset=utf-8", line);
    snprintf(a->summary + strlen(a->summary), sizeof a->summary - strlen(a->summary),
             ": 200 cosigned");
}

void
dauys_witness_add_checkpoint(dauys_witness_answer *a, dauys_witness *w, const char *body,
                             size_t len, uint64_t now)
{
    dauys_witness_verdict v;
    char where[4400] = "";
    size_t n;

    memset(a, 0, sizeof *a);
    if (now > DAUYS_COSIG_TIME_MAX) {
        now = DAUYS_COSIG_TIME_MAX;
    }
    pthread_mutex_lock(&w->lock);
    if (now < w->last_time) { /* the wall clock set back: never date a larger tree earlier */
        now = w->last_time;
    }
    dauys_witness_decide(&v, body, len, w->log, w->count);
    if (v.log_known && v.text_len > 0) { /* the checkpoint verified */
        snprintf(a->summary, sizeof a->summary, "%s old %llu size %llu", w->log[v.log].origin,
                 (unsigned long long) v.req.old_size, (unsigned long long) v.cp.size);
    } else if (v.log_known) {
        snprintf(a->summary, sizeof a->summary, "%s old %llu", w->log[v.log].origin,
                 (unsigned long long) v.req.old_size);
    } else {
        snprintf(a->summary, sizeof a->summary, "%zu bytes", len);
    }
    if (v.incident != DAUYS_WITNESS_NO_INCIDENT) {
        keep_evidence(w, &v, body, len, now, where, sizeof where);
    }
    if (v.status == 200) {
        cosign(a, w, &v, now);
    }
    pthread_mutex_unlock(&w->lock);
    if (v.status == 200) {
        return;
    }
    if (v.size_conflict) {
        char size[32];
        snprintf(size, sizeof size, "%llu\n", (unsigned long long) v.known_size);
        answer_text(a, 409, DAUYS_WITNESS_SIZE_TYPE, size);
    } else {
        a->status = v.status;
        a->content_type = "text/plain; charset=utf-8";
        a->body_len =
            (size_t) snprintf(a->body, sizeof a->body, "%u: %s\n", v.status, v.why.message);
        a->body_len = a->body_len < sizeof a->body ? a->body_len : sizeof a->body - 1;
    }
    n = strlen(a->summary);
    snprintf(a->summary + n, sizeof a->summary - n, ": %u %s%s%s", v.status, v.why.message,
             where[0] ? "; " : "", where);
}
