/*
 * verify.c: the audit's driver. One streaming pass over the bundle's log, in
 * order (I1, I2, and each entry's files and outcome through outcome.c), then
 * the pins (A5), the checkpoint (A1, I2), the result statement against the
 * audit's own (A4, I2, P1, T1, T2), the renderings in reports/ against the result (T3),
 * the bundle's other files (I4) and its database (C3).
 */
#include "audit/verify.h"

#include <errno.h>
#include <limits.h>
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/file.h"
#include "audit/audit_internal.h"
#include "audit/cosigners.h"
#include "keys/note.h"
#include "core/sha256.h"

static const struct {
    const char *id, *group, *title;
} checks[DAUYS_AUDIT_CHECKS] = {
    {"A1", "authenticity", "the checkpoint is signed by the central key"},
    {"A2", "authenticity", "every manifest version is signed by the central key"},
    {"A3", "authenticity",
     "every counted protocol (summary) is signed by its precinct's (commission's) key in the "
     "roster"},
    {"A4", "authenticity", "the result statement is signed by the central key"},
    {"A5", "authenticity",
     "the bundle is the one pinned: its central.pub is the trusted key, "
     "its origin the expected one"},
    {"I1", "integrity", "log entries are well formed, numbered and hash-chained"},
    {"I2", "integrity", "the Merkle roots match the checkpoint and the result"},
    {"I3", "integrity", "every file the log names is present with the logged hash"},
    {"I4", "integrity", "no file in the bundle is unlogged; copies agree with the log"},
    {"C1", "consistency", "every logged outcome is the one the files and roster give"},
    {"C2", "consistency", "no precinct is counted twice"},
    {"C3", "consistency", "the database agrees with the log and the re-tally"},
    {"P1", "completeness", "the result's status and precinct counts are right"},
    {"T1", "consistency", "the result's numbers equal an independent re-tally"},
    {"T2", "consistency", "the rule verdicts follow from the re-tally"},
    {"T3", "consistency", "the published HTML page and CSV show the signed result"},
    {"W1", "witnesses",
     "the checkpoint is cosigned by a quorum of the witnesses; the result's cosignatures verify"},
    {"X1", "crosscheck",
     "the result's crosscheck lines: each summary against the protocols (summaries) below it"},
};

void
dauys_audit_check(audit *a, int ck, int ok, const char *where, const char *fmt, ...)
{
    char message[700];
    va_list ap;

    if (ok) {
        a->sum->passed[ck]++;
        return;
    }
    a->sum->failed[ck]++;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (a->on_fail != NULL) {
        dauys_audit_finding f = {checks[ck].id, where, message};
        a->on_fail(&f, a->ctx);
    }
}

void
dauys_audit_unchecked(audit *a, int ck)
{
    a->sum->unchecked[ck]++;
}

void
dauys_audit_read(char **out, size_t *len, audit *a, const char *rel, size_t max)
{
    a->oom |= dauys_audit_source_read(out, len, a->src, rel, max) == DAUYS_E_NOMEM;
}

void
dauys_audit_protocol_name(char *out, size_t size, uint64_t index)
{
    snprintf(out, size, "protocols/%08llu.txt", (unsigned long long) index);
}

/* Notes which files entry E names, for I4. */
static void
note_logged(audit *a, const dauys_log_parsed *e)
{
    if (e->index > a->range.size + (1u << 20)) {
        return; /* a wild index (I1 says so) names no file */
    }
    if (e->index >= a->logged_cap) {
        size_t cap = 2 * e->index + 1024;
        uint8_t *grown = dauys_realloc(a->logged, cap);
        if (grown == NULL) {
            a->oom = 1;
            return;
        }
        memset(grown + a->logged_cap, 0, cap - a->logged_cap);
        a->logged = grown;
        a->logged_cap = cap;
    }
    a->logged[e->index] = LOGGED_PROTOCOL | (e->has_signature ? LOGGED_SIGNATURE : 0);
}

/* The result entry: the statement covers the entries before it. */
static void
on_result(audit *a, const dauys_log_parsed *e)
{
    a->result_seen = 1;
    a->after_result = 0;
    a->result_size = e->index;
    memcpy(a->result_sha, e->file_sha256, 32);
    memcpy(a->result_sig_sha, e->signature_sha256, 32);
    if (dauys_merkle_range_root(a->result_root, &a->range) != 0) {
        a->oom = 1;
    }
}

/* One log entry, in order: I1 (form, index, chain, referendum), its event,
 * then its leaf. A submission's files were prepared ahead (prepare.c). */
static void
on_entry(audit *a, audit_batch_item *it)
{
    uint64_t n = a->range.size;
    char where[64];
    dauys_log_parsed *e = &it->e;
    dauys_error err;
    uint8_t leaf[DAUYS_HASH_BYTES];

    snprintf(where, sizeof where, "log entry %llu", (unsigned long long) n);
    a->sum->entries++;
    a->after_result++;
    if (!it->parsed) { /* parsed again for its message: the parser is deterministic */
        int again = dauys_logentry_parse(e, it->text, it->len, "entry", &err);
        dauys_audit_check(a, I1, again == 0, where, "malformed: %s", err.message);
    } else {
        dauys_audit_check(a, I1,
                          e->index == n && sodium_memcmp(e->previous, a->prev, 32) == 0 &&
                              (!a->have_manifest || strcmp(e->referendum, a->m.referendum) == 0),
                          where,
                          "index %llu, its previous hash or its referendum %s does not continue "
                          "the chain",
                          (unsigned long long) e->index, e->referendum);
        if (strcmp(e->event, "manifest") == 0) {
            dauys_audit_on_manifest(a, e, where);
        } else if (strcmp(e->event, "result") == 0) {
            on_result(a, e);
        } else {
            note_logged(a, e);
            dauys_audit_on_submission(a, e, where, &it->p); /* a summary's too (outcome.c) */
        }
    }
    if (dauys_sha256(a->prev, it->text, it->len) != 0 ||
        dauys_merkle_leaf_hash(leaf, it->text, it->len) != 0 ||
        dauys_merkle_range_append(&a->range, leaf, NULL, NULL, &err) != 0) {
        a->oom = 1;
    }
}

/*
 * Entries wait in batches so that their files are read and their signatures
 * checked on every core. Two batches take turns: while the threads prepare
 * one, this thread follows the entries of the other, in order. A manifest
 * entry drains both (the roster changes) and is followed alone.
 */
#define BATCH 512

typedef struct batcher {
    audit *a;
    audit_batch_item item[2][BATCH];
    size_t count[2];
    int cur;               /* the batch being filled */
    int pending;           /* the other one is being prepared */
    uint64_t seen;         /* entries read so far */
    audit_prep_job job[2]; /* job[k] prepares batch k (the threads hold its address) */
} batcher;

/* Follows batch K's entries in order, then frees them. */
static void
follow(batcher *b, int k)
{
    for (size_t i = 0; i < b->count[k]; i++) {
        if (!b->a->oom) {
            on_entry(b->a, &b->item[k][i]);
        }
        dauys_audit_prepared_free(&b->item[k][i].p);
        dauys_free(b->item[k][i].text);
    }
    b->count[k] = 0;
}

/* The current batch is full: it starts being prepared, the one before is followed. */
static void
turn(batcher *b)
{
    int k = b->cur, other = 1 - b->cur;

    if (b->pending) {
        dauys_audit_prepare_join(&b->job[other]);
    }
    dauys_audit_prepare_start(&b->job[k], b->a, b->item[k], b->count[k]);
    if (b->pending) {
        follow(b, other);
    }
    b->pending = 1;
    b->cur = other;
}

/* Prepares and follows everything waiting, in order. */
static void
drain(batcher *b)
{
    int k = b->cur, other = 1 - b->cur;

    if (b->pending) {
        dauys_audit_prepare_join(&b->job[other]);
        follow(b, other);
        b->pending = 0;
    }
    if (b->count[k] > 0) {
        dauys_audit_prepare_start(&b->job[k], b->a, b->item[k], b->count[k]);
        dauys_audit_prepare_join(&b->job[k]);
        follow(b, k);
    }
}

static int
entry_fn(void *ctx, const char *text, size_t len)
{
    batcher *b = ctx;
    audit_batch_item *it = &b->item[b->cur][b->count[b->cur]];
    dauys_error err;

    memset(it, 0, sizeof *it);
    if ((it->text = dauys_malloc(len + 1)) == NULL) {
        b->a->oom = 1;
        return -1;
    }
    memcpy(it->text, text, len);
    it->text[len] = '\0';
    it->len = len;
    it->position = b->seen++;
    it->parsed = dauys_logentry_parse(&it->e, text, len, "entry", &err) == 0;
    int manifest = it->parsed && strcmp(it->e.event, "manifest") == 0;
    it->is_submission = it->parsed && !manifest && strcmp(it->e.event, "result") != 0;
    if (manifest) { /* the entries before it are judged under the old roster */
        audit_batch_item held = *it;
        drain(b);
        b->item[b->cur][0] = held;
        b->count[b->cur] = 1;
        drain(b);
    } else if (++b->count[b->cur] == BATCH) {
        turn(b);
    }
    return b->a->oom ? -1 : 0;
}

/* The log is read in pieces of this many bytes; an entry and a line are kept
 * up to ENTRY_KEEP bytes (the format allows 1023: a longer one is malformed,
 * I1, and only its first bytes are kept). */
#define PIECE 16384
#define ENTRY_KEEP (2 * DAUYS_LOG_ENTRY_MAX)

/* Where dauys_audit_log_stream_strays is in the log. */
typedef struct log_reader {
    audit_entry_fn fn;
    audit_stray_fn stray;
    void *ctx;
    int rc;       /* FN's first non-zero return */
    int in_entry; /* ENTRY holds an entry's first lines */
    char entry[ENTRY_KEEP];
    size_t len;
    char line[ENTRY_KEEP]; /* the line being read: its first bytes */
    size_t line_kept;
    uint64_t line_len;            /* all its bytes */
    uint64_t offset;              /* of the line in the log */
    uint64_t entries;             /* handed to FN */
    uint64_t stray_at, stray_len; /* the run of bytes outside entries, not yet reported */
} log_reader;

/* Hands the entry read so far to FN. */
static void
entry_done(log_reader *r)
{
    if (r->in_entry && r->rc == 0) {
        r->rc = r->fn(r->ctx, r->entry, r->len);
        r->entries++;
    }
    r->in_entry = 0;
    r->len = 0;
}

/* Reports the run of bytes outside entries read so far. */
static void
stray_done(log_reader *r)
{
    if (r->stray_len > 0 && r->stray != NULL && r->rc == 0) {
        r->stray(r->ctx, r->stray_at, r->stray_len, r->entries);
    }
    r->stray_len = 0;
}

/* The line read is complete (ENDED: with its LF): it starts an entry, is
 * part of one (and may end it), or lies outside any. */
static void
line_done(log_reader *r, int ended)
{
    static const char first[] = "format: dauys-log 1\n", last[] = "previous: ";

    if (ended && r->line_len == sizeof first - 1 && memcmp(r->line, first, r->line_len) == 0) {
        entry_done(r); /* an entry without its last line ends here: malformed (I1) */
        stray_done(r);
        r->in_entry = 1;
    }
    if (r->in_entry) {
        size_t keep =
            r->line_kept < sizeof r->entry - r->len ? r->line_kept : sizeof r->entry - r->len;
        memcpy(r->entry + r->len, r->line, keep);
        r->len += keep;
        if (ended && r->line_kept >= sizeof last - 1 &&
            memcmp(r->line, last, sizeof last - 1) == 0) {
            entry_done(r);
        }
    } else {
        r->stray_at = r->stray_len == 0 ? r->offset : r->stray_at;
        r->stray_len += r->line_len;
    }
    r->offset += r->line_len;
    r->line_kept = 0;
    r->line_len = 0;
}

/* Takes N bytes of the log at P, line by line. */
static void
read_bytes(log_reader *r, const char *p, size_t n)
{
    while (n > 0 && r->rc == 0) {
        const char *lf = memchr(p, '\n', n);
        size_t take = lf != NULL ? (size_t) (lf - p) + 1 : n;
        size_t keep = take < sizeof r->line - r->line_kept ? take : sizeof r->line - r->line_kept;
        memcpy(r->line + r->line_kept, p, keep);
        r->line_kept += keep;
        r->line_len += take;
        if (lf != NULL) {
            line_done(r, 1);
        }
        p += take;
        n -= take;
    }
}

int
dauys_audit_log_split(FILE *fp, audit_entry_fn fn, audit_stray_fn stray, void *ctx)
{
    log_reader r = {.fn = fn, .stray = stray, .ctx = ctx};
    char piece[PIECE];
    size_t n;

    while (r.rc == 0 && (n = fread(piece, 1, sizeof piece, fp)) > 0) {
        read_bytes(&r, piece, n);
    }
    if (r.rc == 0 && ferror(fp)) {
        return 0; /* the caller reports it */
    }
    if (r.line_len > 0) {
        line_done(&r, 0); /* the last line has no LF */
    }
    entry_done(&r);
    stray_done(&r);
    return r.rc;
}

int
dauys_audit_log_stream_strays(const audit *a, audit_entry_fn fn, audit_stray_fn stray, void *ctx,
                              dauys_error *err)
{
    FILE *fp;
    int rc;

    err->status = DAUYS_OK;
    if ((fp = dauys_audit_source_fopen(a->src, "log/entries.txt", err)) == NULL) {
        return -1;
    }
    rc = dauys_audit_log_split(fp, fn, stray, ctx);
    if (rc == 0 && ferror(fp)) {
        rc = dauys_error_set(err, DAUYS_E_IO, "%s: log/entries.txt: read error", a->dir);
    }
    fclose(fp);
    return rc;
}

int
dauys_audit_log_stream(const audit *a, audit_entry_fn fn, void *ctx, dauys_error *err)
{
    return dauys_audit_log_stream_strays(a, fn, NULL, ctx, err);
}

/* I1: bytes of the log that belong to no entry. */
static void
stray_bytes(void *ctx, uint64_t offset, uint64_t len, uint64_t entries)
{
    batcher *b = ctx;
    char after[64] = "before the first entry";

    if (entries > 0) {
        snprintf(after, sizeof after, "after log entry %llu", (unsigned long long) entries - 1);
    }
    dauys_audit_check(
        b->a, I1, 0, "log/entries.txt",
        "byte %llu: %llu bytes %s that are part of no "
        "entry (an entry runs from \"format: dauys-log 1\" to its \"previous:\" line)",
        (unsigned long long) offset, (unsigned long long) len, after);
}

/* The value of the line "KEY: VALUE" of TEXT (LEN bytes) in *AT, *N; 0 if none. */
static int
statement_value(const char **at, size_t *n, const char *text, size_t len, const char *key)
{
    size_t klen = strlen(key), pos = 0;

    while (pos < len) {
        const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
        size_t ln = nl != NULL ? (size_t) (nl - line) : len - pos;
        if (ln > klen && memcmp(line, key, klen) == 0) {
            *at = line + klen;
            *n = ln - klen;
            return 1;
        }
        pos += ln + 1;
    }
    return 0;
}

/*
 * W1 for result.txt (TEXT, LEN bytes): each "cosignature: NAME BASE64" line
 * after its log-root line is a cosignature by a witness of the policy over
 * the checkpoint the statement names ("ORIGIN\nLOG-SIZE\nLOG-ROOT\n", the
 * statement's own values), each witness once. Not counted without witnesses.
 */
static void
check_statement_cosignatures(audit *a, const char *text, size_t len)
{
    char origin[DAUYS_NOTE_NAME_MAX + 1], cp[DAUYS_CHECKPOINT_TEXT_MAX + 1], where[64];
    const char *at, *end, *size = NULL, *root = NULL;
    size_t first, count, size_len = 0, root_len = 0, cp_len = 0, line;
    int seen[DAUYS_WITNESSES_MAX] = {0};
    dauys_witness_policy known;
    dauys_error err;

    if (a->policy->count == 0) {
        return;
    }
    /* the witnesses required, and the manifest's: a statement cosigned by
     * the manifest's witnesses is not forged when others are required */
    known = *a->policy;
    for (size_t i = 0; i < a->m.witnesses.count && known.count < DAUYS_WITNESSES_MAX; i++) {
        size_t j = 0;
        while (j < known.count &&
               memcmp(known.key[j].pk, a->m.witnesses.key[i].pk, sizeof known.key[j].pk) != 0) {
            j++;
        }
        if (j == known.count) {
            known.key[known.count++] = a->m.witnesses.key[i];
        }
    }
    dauys_audit_statement_cosignatures(&first, &count, &at, &end, text, len);
    dauys_manifest_origin(origin, sizeof origin, &a->m);
    if (statement_value(&size, &size_len, text, len, "log-size: ") &&
        statement_value(&root, &root_len, text, len, "log-root: ") &&
        strlen(origin) + size_len + root_len + 3 < sizeof cp) {
        cp_len = (size_t) snprintf(cp, sizeof cp, "%s\n%.*s\n%.*s\n", origin, (int) size_len, size,
                                   (int) root_len, root);
    }
    for (line = first; at < end; line++) {
        const char *nl = memchr(at, '\n', (size_t) (end - at));
        const char *name = at + strlen("cosignature: ");
        const char *stop = nl != NULL ? nl : end;
        const char *space = memchr(name, ' ', (size_t) (stop - name));
        size_t which;
        uint64_t timestamp;

        snprintf(where, sizeof where, "result.txt line %zu", line);
        if (cp_len == 0) {
            dauys_audit_check(a, W1, 0, where,
                              "a cosignature, but the statement has no log-size and log-root "
                              "lines it could be of");
        } else if (space == NULL) {
            dauys_audit_check(a, W1, 0, where, "not \"cosignature: NAME BASE64\"");
        } else if (dauys_audit_cosignature_verify(
                       &which, &timestamp, cp, cp_len, name, (size_t) (space - name), space + 1,
                       (size_t) (stop - space - 1), &known, a->now, "cosignature", &err) != 0) {
            dauys_audit_check(a, W1, 0, where, "%s", err.message);
        } else {
            dauys_audit_check(a, W1, !seen[which], where, "a second cosignature by witness %s",
                              known.key[which].name);
            seen[which] = 1;
        }
        at = nl != NULL ? nl + 1 : end;
    }
}

/* The bundle's result.txt: the last result the log records, signed, re-tallied. */
static void
check_result(audit *a)
{
    char *text, *sig;
    size_t len, sig_len;

    dauys_audit_check(a, P1, a->after_result == 0, "log",
                      "%llu entries after the last result entry: the result does not cover them",
                      (unsigned long long) a->after_result);
    if (!a->result_seen) {
        return; /* I4 reports an unlogged result.txt; there is nothing to compare */
    }
    dauys_audit_read(&text, &len, a, "result.txt", 1u << 24);
    dauys_audit_read(&sig, &sig_len, a, "result.txt.minisig", DAUYS_KEYS_FILE_MAX);
    if (text == NULL || sig == NULL) {
        dauys_audit_check(a, I3, 0, "result.txt", "the logged result%s is missing from the bundle",
                          text == NULL ? "" : "'s signature");
    } else if (dauys_audit_hashes_to(text, len, a->result_sha) != 1 ||
               dauys_audit_hashes_to(sig, sig_len, a->result_sig_sha) != 1) {
        dauys_audit_check(a, I3, 0, "result.txt",
                          "the statement or its signature does not hash to what "
                          "the log recorded");
    } else {
        a->sum->passed[I3]++;
        if (dauys_audit_signed_by(a, text, len, sig, sig_len, &a->central)) {
            dauys_audit_result_comment_check(a, sig, sig_len);
        } else {
            dauys_audit_check(a, A4, 0, "result.txt", "not signed by the central key");
        }
        dauys_audit_statement_compare(a, text, len);
        check_statement_cosignatures(a, text, len);
        dauys_audit_reports_check(a, text, len);
    }
    dauys_free(text);
    dauys_free(sig);
}

/*
 * W1 for the bundle's checkpoint NOTE (LEN bytes; OPENED: A1 passed): at
 * least the quorum of the policy's witnesses cosigned it, and no cosignature
 * by one of them is bad or dated a day ahead. Not counted without witnesses;
 * unchecked when the checkpoint is not the log's (A1).
 */
static void
check_cosignatures(audit *a, const char *note, size_t len, int opened)
{
    const dauys_witness_policy *p = a->policy;
    dauys_audit_witnessing *w = &a->sum->witnesses;
    dauys_audit_cosigned c;
    dauys_error err;
    char missing[2048], one[400];

    w->count = p->count;
    w->quorum = p->quorum;
    w->from_manifest = p == &a->m.witnesses;
    if (p->count == 0) {
        return; /* the checkpoint is not witnessed: the summary says so */
    }
    if (!opened) {
        dauys_audit_unchecked(a, W1);
        return;
    }
    if (dauys_audit_cosigned_check(&c, note, len, p, a->now, "checkpoint", &err) != 0) {
        dauys_audit_check(a, W1, 0, "checkpoint", "%s", err.message);
        return;
    }
    w->checked = 1;
    w->cosigned = c.valid;
    for (size_t i = 0; i < p->count; i++) {
        dauys_status st = c.found[i].why.status;
        if (!c.found[i].valid && st != DAUYS_OK && st != DAUYS_E_KEY_ID) {
            dauys_audit_cosigned_describe(one, sizeof one, &c, p, i);
            dauys_audit_check(a, W1, 0, "checkpoint", "witness %s", one);
        }
    }
    dauys_audit_cosigned_missing(missing, sizeof missing, &c, p);
    dauys_audit_check(a, W1, c.valid >= p->quorum, "checkpoint",
                      "cosigned by %zu of %zu witnesses, quorum %zu not met: %s", c.valid, p->count,
                      p->quorum, missing);
}

/* The signed checkpoint covers exactly the log the bundle holds (A1, I2). */
static void
check_checkpoint(audit *a)
{
    char *note, origin[128];
    size_t len;
    dauys_checkpoint cp;
    dauys_error err;
    uint8_t root[DAUYS_HASH_BYTES];

    dauys_audit_read(&note, &len, a, "checkpoint", DAUYS_NOTE_MAX);
    dauys_manifest_origin(origin, sizeof origin, &a->m);
    if (note == NULL) {
        dauys_audit_check(a, A1, 0, "checkpoint", "the bundle has no checkpoint");
        dauys_audit_unchecked(a, I2);
        check_cosignatures(a, NULL, 0, 0);
    } else if (dauys_checkpoint_open(&cp, note, len, &a->central, origin, "checkpoint", &err) !=
               0) {
        dauys_audit_check(a, A1, 0, "checkpoint", "%s", err.message);
        dauys_audit_unchecked(a, I2);
        check_cosignatures(a, NULL, 0, 0);
    } else {
        check_cosignatures(a, note, len, 1);
        a->sum->passed[A1]++;
        dauys_audit_check(a, I2,
                          dauys_merkle_range_root(root, &a->range) == 0 &&
                              cp.size == a->range.size && sodium_memcmp(root, cp.root, 32) == 0,
                          "checkpoint",
                          "signed for %llu entries and a root that the bundle's %llu log "
                          "entries do not give",
                          (unsigned long long) cp.size, (unsigned long long) a->range.size);
    }
    dauys_free(note);
}

/*
 * C3 reads the organisers' database, a pass as long as the log's, needing
 * only what the log pass left. With more than one thread it runs beside the
 * rest of the checks, on a copy of the audit whose findings wait here (the
 * first DEFERRED_KEPT, then a count) and are reported after those checks:
 * in the same order as on one thread.
 */
#define DEFERRED_KEPT 1000

typedef struct deferred_finding {
    char check[4], where[160], message[700];
} deferred_finding;

typedef struct deferred {
    audit copy;
    dauys_audit_summary sum;
    deferred_finding *kept;
    size_t count;
    uint64_t dropped;
    dauys_pool_task task;
    dauys_pool pool;
    int on_copy; /* C3 runs on the copy, on the pool (else in database_finish) */
} deferred;

static void
keep_finding(const dauys_audit_finding *f, void *ctx)
{
    deferred *d = ctx;

    if (d->count == DEFERRED_KEPT) {
        d->dropped++;
        return;
    }
    deferred_finding *k = &d->kept[d->count++];
    snprintf(k->check, sizeof k->check, "%s", f->check);
    snprintf(k->where, sizeof k->where, "%s", f->where);
    snprintf(k->message, sizeof k->message, "%s", f->message);
}

/* C3 on the copy (pool hook, one item: the audit's findings are its result). */
static int
database_item(void *ctx, void *local, size_t i, dauys_error *err)
{
    deferred *d = ctx;

    (void) local;
    (void) i;
    (void) err;
    dauys_audit_database(&d->copy);
    return 0;
}

/* Starts C3 on a thread of its own if the audit has more than one; if its
 * thread cannot start, it runs on the copy in database_finish. */
static void
database_start(deferred *d, audit *a)
{
    memset(d, 0, sizeof *d);
    if (a->threads < 2 || (d->kept = dauys_malloc_array(DEFERRED_KEPT, sizeof *d->kept)) == NULL) {
        return;
    }
    d->copy = *a;
    d->copy.sum = &d->sum;
    d->copy.on_fail = keep_finding;
    d->copy.ctx = d;
    d->task = (dauys_pool_task){.ctx = d, .count = 1, .run = database_item};
    dauys_pool_start(&d->pool, &d->task, 1);
    d->on_copy = 1;
}

/* Waits for C3, then reports what it found and adds its counts. */
static void
database_finish(deferred *d, audit *a)
{
    if (!d->on_copy) {
        dauys_audit_database(a);
        dauys_free(d->kept);
        return;
    }
    int failed = dauys_pool_wait(&d->pool, NULL); /* C3's findings are not a failure */
    assert(failed == 0);
    (void) failed;
    for (int i = 0; i < DAUYS_AUDIT_CHECKS; i++) {
        a->sum->passed[i] += d->sum.passed[i];
        a->sum->failed[i] += d->sum.failed[i];
        a->sum->unchecked[i] += d->sum.unchecked[i];
    }
    a->sum->database |= d->sum.database;
    a->oom |= d->copy.oom;
    for (size_t i = 0; i < d->count && a->on_fail != NULL; i++) {
        dauys_audit_finding f = {d->kept[i].check, d->kept[i].where, d->kept[i].message};
        a->on_fail(&f, a->ctx);
    }
    if (d->dropped > 0 && a->on_fail != NULL) {
        char message[100];
        snprintf(message, sizeof message, "%llu more discrepancies, not listed",
                 (unsigned long long) d->dropped);
        dauys_audit_finding f = {"C3", "dauys.db", message};
        a->on_fail(&f, a->ctx);
    }
    dauys_free(d->kept);
}

/* The origin the caller pinned (A5; nothing if none was) against the logged
 * manifest's, which the checkpoint and every entry must carry (A1, I1). */
static void
check_origin(audit *a, const char *pinned)
{
    char origin[DAUYS_NOTE_NAME_MAX + 1];

    if (pinned == NULL) {
        return;
    }
    dauys_manifest_origin(origin, sizeof origin, &a->m);
    dauys_audit_check(a, A5, strcmp(origin, pinned) == 0, "manifest",
                      "the bundle is the log of %s, "
                      "not the pinned %s",
                      origin, pinned);
}

/* The parts after the log pass; -1 if memory ran out. */
static int
after_log(audit *a, const dauys_audit_options *opt)
{
    char origin[DAUYS_NOTE_NAME_MAX + 1];
    deferred d;

    a->policy = opt->witnesses != NULL ? opt->witnesses : &a->m.witnesses;
    database_start(&d, a);
    check_origin(a, opt->origin);
    dauys_manifest_origin(origin, sizeof origin, &a->m);
    dauys_audit_identity_set(&a->sum->checked, origin, &a->central, opt->central == NULL);
    check_checkpoint(a);
    int built = dauys_audit_statement_build(a);
    if (built == 0) {
        check_result(a);
        dauys_audit_bundle_files(a);
    }
    database_finish(&d, a);
    if (built != 0) {
        return -1;
    }
    for (size_t i = 0; i < a->m.precinct_count; i++) {
        a->sum->counted += a->ps[i].current != 0;
    }
    a->sum->expected = a->m.precinct_count;
    a->sum->statement_unknown = dauys_audit_statement_unknown_lines(a);
    if (a->oom) {
        return -1;
    }
    if (opt->statement != NULL) { /* handed out only with a complete audit */
        *opt->statement = a->statement;
        *opt->statement_len = a->statement_len;
        a->statement = NULL;
    }
    return 0;
}

/*
 * The bundle's central.pub, decoded into *KEY. Returns DAUYS_OK, or the
 * status of what failed with ERR filled (its message names the file).
 */
static dauys_status
bundle_key(dauys_pubkey *key, audit *a, dauys_error *err)
{
    char *text;
    size_t len;
    dauys_status st;

    if ((st = dauys_audit_source_read(&text, &len, a->src, "central.pub", DAUYS_KEYS_FILE_MAX)) !=
        DAUYS_OK) {
        dauys_error_set(err, st, "%s: central.pub: %s", a->dir,
                        st == DAUYS_E_NOMEM ? "out of memory" : "missing or unreadable");
        return st;
    }
    int rc = dauys_keys_pubkey_decode(key, text, len, "central.pub", err);
    dauys_free(text);
    return rc == 0 ? DAUYS_OK : err->status;
}

/*
 * The central key. Pinned (the caller's): the bundle's central.pub must be
 * that very key, for readers who unpack the bundle check with it (A5). Not
 * pinned: the bundle's own central.pub, only when the caller said so
 * (trust_bundle_key); A5 is then not made. Returns 0, or -1 with ERR when
 * the audit cannot run.
 */
static int
central_key(audit *a, const dauys_audit_options *opt, dauys_error *err)
{
    char want[2 * DAUYS_KEYS_ID_BYTES + 1], got[2 * DAUYS_KEYS_ID_BYTES + 1];
    dauys_pubkey found;
    dauys_error why;
    dauys_status st;

    if (opt->central == NULL) {
        if (!opt->trust_bundle_key) {
            return dauys_error_set(err, DAUYS_E_USAGE,
                                   "%s: no trusted central key given: anyone "
                                   "can make a bundle and sign it with their own central.pub",
                                   a->dir);
        }
        dauys_audit_unchecked(a, A5);
        if (bundle_key(&a->central, a, err) != DAUYS_OK) {
            return -1;
        }
        a->bundle_central = a->central, a->have_bundle_central = 1;
        return 0;
    }
    a->central = *opt->central;
    if ((st = bundle_key(&found, a, &why)) == DAUYS_E_NOMEM) {
        *err = why;
        return -1;
    }
    dauys_keys_id_hex(want, a->central.id);
    if (st != DAUYS_OK) { /* FOUND holds nothing */
        dauys_audit_check(a, A5, 0, "central.pub", "not the trusted key %s: %s", want, why.message);
    } else {
        dauys_keys_id_hex(got, found.id);
        a->bundle_central = found, a->have_bundle_central = 1;
        dauys_audit_check(
            a, A5, sodium_memcmp(&found, &a->central, sizeof found) == 0, "central.pub",
            "is key ID %s%s, not the trusted key ID %s: readers who check the unpacked "
            "bundle with it are misled",
            got,
            memcmp(found.id, a->central.id, sizeof found.id) == 0 ? " with other key bytes" : "",
            want);
    }
    return 0;
}

void
dauys_audit_identity_set(dauys_audit_identity *id, const char *origin, const dauys_pubkey *key,
                         int key_from_bundle)
{
    const char *first = strchr(origin, '/'), *last = strrchr(origin, '/');

    memset(id, 0, sizeof *id);
    snprintf(id->origin, sizeof id->origin, "%s", origin);
    if (first != NULL && last > first + 1) {
        snprintf(id->referendum, sizeof id->referendum, "%.*s", (int) (last - first - 1),
                 first + 1);
        snprintf(id->mode, sizeof id->mode, "%s", last + 1);
    }
    dauys_keys_id_hex(id->key_id, key->id);
    id->key_from_bundle = key_from_bundle;
}

int
dauys_audit_origin_valid(const char *origin)
{
    const char *ref = origin + 6, *slash;

    if (strncmp(origin, "dauys/", 6) != 0 || (slash = strchr(ref, '/')) == NULL || slash == ref) {
        return 0;
    }
    return strcmp(slash + 1, "official") == 0 || strcmp(slash + 1, "test") == 0;
}

int
dauys_audit_verify(dauys_audit_summary *summary, const char *bundle, const dauys_audit_options *opt,
                   dauys_error *err)
{
    audit_source src;
    audit a = {.dir = bundle,
               .src = &src,
               .sum = summary,
               .on_fail = opt->on_fail,
               .ctx = opt->ctx,
               .threads = opt->threads,
               .now = opt->now};
    batcher *b = NULL;
    int rc = -1;

    memset(summary, 0, sizeof *summary);
    if (a.threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        a.threads = cpus < 1 ? 1 : cpus > 64 ? 64 : (unsigned) cpus;
    }
    for (int i = 0; i < DAUYS_AUDIT_CHECKS; i++) {
        summary->check[i] = checks[i].id;
        summary->group[i] = checks[i].group;
        summary->title[i] = checks[i].title;
    }
    dauys_merkle_range_init(&a.range);
    if (dauys_audit_source_open(&src, bundle, err) != 0 || central_key(&a, opt, err) != 0) {
        goto done;
    }
    if ((b = dauys_malloc(sizeof *b)) == NULL) {
        dauys_error_set(err, DAUYS_E_NOMEM, "out of memory auditing %s", bundle);
        goto done;
    }
    b->a = &a;
    b->count[0] = b->count[1] = 0;
    b->cur = b->pending = 0;
    b->seen = 0;
    int streamed = dauys_audit_log_stream_strays(&a, entry_fn, stray_bytes, b, err);
    drain(b);                               /* whatever happened: no thread may outlive the audit */
    dauys_audit_manifest_versions_sort(&a); /* for I4, after the log */
    if (streamed != 0 && !a.oom) {
        goto done;
    }
    dauys_audit_source_finish(&src);
    a.oom |= src.oom;
    if (a.oom) {
        dauys_error_set(err, DAUYS_E_NOMEM, "out of memory auditing %s", bundle);
        goto done;
    }
    if (!a.have_manifest) {
        dauys_error_set(err, DAUYS_E_FORMAT,
                        "%s/log/entries.txt: no usable manifest is logged: "
                        "nothing can be checked",
                        bundle);
        goto done;
    }
    if (after_log(&a, opt) != 0) {
        dauys_error_set(err, DAUYS_E_NOMEM, "out of memory auditing %s", bundle);
        goto done;
    }
    if (opt->counting != NULL && dauys_audit_counting_each(&a, opt->counting, err) != 0) {
        if (opt->statement != NULL) { /* handed out by after_log: the audit failed after all */
            dauys_free(*opt->statement);
            *opt->statement = NULL;
        }
        goto done;
    }
    rc = 0;
done:
    dauys_audit_source_close(&src);
    dauys_free(b);
    dauys_audit_state_free(&a);
    return rc;
}
