/*
 * database.c: C3. The bundle's dauys.db is the organisers' store of record,
 * not evidence; the audit compares it with what it re-derived, so that an
 * edited row shows. Opened read-only and immutable (SQLite never writes,
 * locks or recovers a journal), queried with the audit's own SQL, never the
 * tally's. Every table and column a dauys command reads is compared
 * (FORMATS.md section 19.2, "The bundle's database"): the schema with the
 * one dauys creates; meta and the roster tables with the manifest in force;
 * each manifest version and submission with its log entry and the bytes it
 * names; each accepted protocol's rows with its bytes, parsed and checked
 * again under the roster in force at its entry; the states a correction or a
 * conflict leaves; the log, every Merkle node and every checkpoint's root
 * with the log; the sums per district with the audit's. Only
 * submission.source (the organisers' path), precinct.name and
 * checkpoint.note, which no command reads, are not compared.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/alloc.h"
#include "audit/audit_internal.h"
#include "core/sha256.h"
#include "sql/sql.h"

/* The state a protocol row must have, per log entry (0: the entry has none). */
enum { ROW_NONE, ROW_CURRENT, ROW_SUPERSEDED, ROW_CONFLICTED };
static const char *const row_state[] = {"none", "current", "superseded", "conflicted"};

typedef struct db_walk {
    audit *a;
    sqlite3 *db;
    /* the tables walked in log order, and the rows looked up by key */
    sqlite3_stmt *log_rows, *submission_rows, *manifest_rows, *checkpoint_rows;
    sqlite3_stmt *find_node, *find_protocol, *find_answers, *find_warnings;
    sqlite3_stmt *find_summary, *find_summary_items, *find_summary_answers;
    uint64_t n;              /* entries so far */
    int64_t seq;             /* submissions so far: the next one's seq - 1 */
    uint32_t in_force;       /* the manifest version in force at this entry */
    const dauys_manifest *m; /* its roster: a->m, or own */
    dauys_manifest own;
    int have_own;
    dauys_merkle_range range;
    uint64_t nodes;  /* complete subtrees so far */
    int64_t next_cp; /* the next checkpoint row's size; -1: none left */
    uint8_t *state;  /* ROW_* per entry */
    size_t state_cap;
    uint64_t *last_row; /* per precinct of a->m: 1 + entry of its latest protocol row */
    uint64_t *last_district, *last_region; /* the same per area of a->m, for summaries */
    uint64_t protocols, answers, warnings; /* the rows the log makes */
    uint64_t summaries, summary_items, summary_answers;
    dauys_protocol *p; /* scratch */
    dauys_findings *f; /* scratch */
} db_walk;

/* The first differing columns of a row, for the message: "profile, text". */
typedef struct db_diff {
    char cols[200];
} db_diff;

static void
differs(db_diff *d, int same, const char *col)
{
    size_t n = strlen(d->cols);

    if (!same && n + strlen(col) + 3 < sizeof d->cols) {
        snprintf(d->cols + n, sizeof d->cols - n, "%s%s", n ? ", " : "", col);
    }
}

/* 1 if column COL of ST is text of exactly LEN bytes WANT. */
static int
col_text(sqlite3_stmt *st, int col, const char *want, size_t len)
{
    return sqlite3_column_type(st, col) == SQLITE_TEXT &&
           (size_t) sqlite3_column_bytes(st, col) == len &&
           (len == 0 || memcmp(sqlite3_column_text(st, col), want, len) == 0);
}

static int
col_str(sqlite3_stmt *st, int col, const char *want)
{
    return col_text(st, col, want, strlen(want));
}

static int
col_int(sqlite3_stmt *st, int col, int64_t want)
{
    return sqlite3_column_type(st, col) == SQLITE_INTEGER && sqlite3_column_int64(st, col) == want;
}

/* 1 if column COL of ST is a blob of exactly LEN bytes WANT. */
static int
col_blob(sqlite3_stmt *st, int col, const void *want, size_t len)
{
    return sqlite3_column_type(st, col) == SQLITE_BLOB &&
           (size_t) sqlite3_column_bytes(st, col) == len &&
           (len == 0 || memcmp(sqlite3_column_blob(st, col), want, len) == 0);
}

/* 1 if column COL of ST is a blob whose SHA-256 is WANT. */
static int
col_hashes_to(sqlite3_stmt *st, int col, const uint8_t want[32])
{
    uint8_t h[32];

    if (sqlite3_column_type(st, col) != SQLITE_BLOB) { /* asked first: reading may convert */
        return 0;
    }
    const void *data = sqlite3_column_blob(st, col);
    int len = sqlite3_column_bytes(st, col);
    return dauys_sha256(h, data, (size_t) len) == 0 && memcmp(h, want, 32) == 0;
}

/* Reports D for table row WHERE, if it holds a difference. */
static void
db_report(audit *a, const db_diff *d, const char *where, const char *source)
{
    dauys_audit_check(a, C3, d->cols[0] == '\0', where, "column %s: not what %s gives", d->cols,
                      source);
}

/* --- the log, row by row ---------------------------------------------------- */

/* OK: 1 if every bind of ST's key went through; else ST's bindings are
 * cleared and C3 counts as not made (SQLite refused a value: nothing the
 * row says can be judged). Returns OK. */
static int
key_bound(audit *a, sqlite3_stmt *st, int ok)
{
    if (!ok) {
        sqlite3_clear_bindings(st);
        dauys_audit_unchecked(a, C3);
    }
    return ok;
}

/* Merkle node (LEVEL, INDEX), just completed by the audit's own tree: the
 * merkle_node row must hold HASH. */
static int
db_node(unsigned level, uint64_t index, const uint8_t hash[DAUYS_HASH_BYTES], void *ctx,
        dauys_error *err)
{
    db_walk *w = ctx;
    char where[96];

    (void) err;
    w->nodes++;
    if (!key_bound(w->a, w->find_node,
                   sqlite3_bind_int64(w->find_node, 1, level) == SQLITE_OK &&
                       sqlite3_bind_int64(w->find_node, 2, (sqlite3_int64) index) == SQLITE_OK)) {
        return 0;
    }
    int have = sqlite3_step(w->find_node) == SQLITE_ROW;
    snprintf(where, sizeof where, "dauys.db merkle_node level %u idx %llu", level,
             (unsigned long long) index);
    dauys_audit_check(w->a, C3, have && col_blob(w->find_node, 0, hash, DAUYS_HASH_BYTES), where,
                      "column hash: missing, or not the hash of the log's subtree");
    sqlite3_reset(w->find_node);
    return 0;
}

/* Every checkpoint row of the size the walk has reached: its root must be
 * the log's root at that size. */
static void
db_checkpoints(db_walk *w)
{
    uint8_t root[32];
    char where[64];

    while (w->next_cp >= 0 && (uint64_t) w->next_cp <= w->n) {
        snprintf(where, sizeof where, "dauys.db checkpoint size %lld", (long long) w->next_cp);
        dauys_audit_check(w->a, C3,
                          (uint64_t) w->next_cp == w->n &&
                              dauys_merkle_range_root(root, &w->range) == 0 &&
                              col_blob(w->checkpoint_rows, 1, root, 32),
                          where, "column root: not the root of the log's first %lld entries",
                          (long long) w->next_cp);
        w->next_cp = sqlite3_step(w->checkpoint_rows) == SQLITE_ROW
                         ? sqlite3_column_int64(w->checkpoint_rows, 0)
                         : -1;
    }
}

/* The manifest row of manifest entry E, and the roster that is in force from it on. */
static void
db_manifest(db_walk *w, const dauys_log_parsed *e)
{
    char where[64];
    db_diff d = {""};
    dauys_error err;
    int have = sqlite3_step(w->manifest_rows) == SQLITE_ROW;

    snprintf(where, sizeof where, "dauys.db manifest of entry %llu", (unsigned long long) w->n);
    if (!have) {
        dauys_audit_check(w->a, C3, 0, where, "missing");
        return;
    }
    differs(&d, col_int(w->manifest_rows, 0, e->version), "version");
    differs(&d, col_int(w->manifest_rows, 1, (int64_t) w->n), "log_index");
    differs(&d, col_hashes_to(w->manifest_rows, 2, e->file_sha256), "text");
    differs(&d, col_hashes_to(w->manifest_rows, 3, e->signature_sha256), "signature");
    differs(&d, col_blob(w->manifest_rows, 4, e->file_sha256, 32), "text_sha256");
    differs(&d, col_blob(w->manifest_rows, 5, e->signature_sha256, 32), "signature_sha256");
    db_report(w->a, &d, where, "the log entry and the files it names");
    w->in_force = e->version;
    if (e->version == w->a->m.version || d.cols[0] != '\0') {
        w->m = &w->a->m; /* the last version, already parsed by the audit */
        return;
    }
    if (w->have_own) {
        dauys_manifest_free(&w->own);
        w->have_own = 0;
    }
    w->have_own = dauys_manifest_parse(&w->own, sqlite3_column_blob(w->manifest_rows, 2),
                                       (size_t) sqlite3_column_bytes(w->manifest_rows, 2),
                                       "manifest", &err) == 0;
    if (!w->have_own && err.status == DAUYS_E_NOMEM) {
        w->a->oom = 1;
    }
    w->m = w->have_own ? &w->own : &w->a->m;
}

/* COUNT zeroed items of SIZE bytes (dauys_malloc'ed; the caller frees), or NULL. */
static void *
zeroed(size_t count, size_t size)
{
    void *p = dauys_malloc_array(count ? count : 1, size);

    if (p != NULL) {
        memset(p, 0, (count ? count : 1) * size);
    }
    return p;
}

/* Grows W->state to hold entry W->n; 0, or -1 out of memory. */
static int
state_room(db_walk *w)
{
    if (w->n < w->state_cap) {
        return 0;
    }
    size_t cap = w->state_cap ? 2 * w->state_cap : 4096;
    uint8_t *grown = dauys_realloc(w->state, cap);
    if (grown == NULL) {
        return -1;
    }
    memset(grown + w->state_cap, ROW_NONE, cap - w->state_cap);
    w->state = grown, w->state_cap = cap;
    return 0;
}

/* The answer rows FIND gives (question first, then the eight numbers:
 * protocol_answer or summary_answer, bound to one version of TABLE's NAME)
 * against ANSWER, the numbers of that version's bytes. */
static void
db_answer_rows(db_walk *w, sqlite3_stmt *find, const dauys_answers *answer, const char *table,
               const char *name, uint32_t version, const char *where)
{
    uint8_t seen[DAUYS_QUESTIONS_MAX] = {0};
    size_t rows = 0;
    char at[200];

    while (sqlite3_step(find) == SQLITE_ROW) {
        const char *qid = (const char *) sqlite3_column_text(find, 0);
        size_t q = 0;
        db_diff d = {""};
        rows++;
        while (q < w->m->question_count &&
               (qid == NULL || strcmp(w->m->question[q].id, qid) != 0)) {
            q++;
        }
        snprintf(at, sizeof at, "dauys.db %s %s version %u question %s", table, name, version,
                 qid ? qid : "NULL");
        if (q == w->m->question_count || seen[q]++) {
            dauys_audit_check(w->a, C3, 0, at,
                              "column question: not a question of the manifest, or twice");
            continue;
        }
        const dauys_answers *x = &answer[q];
        static const char *const col[] = {"received", "issued", "cancelled",   "in_boxes",
                                          "yes",      "no",     "not_counted", "invalid"};
        const uint64_t want[] = {x->ballots.received,
                                 x->ballots.issued,
                                 x->ballots.cancelled,
                                 x->ballots.in_boxes,
                                 x->yes,
                                 x->no,
                                 x->not_counted,
                                 x->invalid};
        for (int k = 0; k < 8; k++) {
            differs(&d, col_int(find, 1 + k, (int64_t) want[k]), col[k]);
        }
        db_report(w->a, &d, at, "the file's numbers");
    }
    sqlite3_reset(find);
    dauys_audit_check(w->a, C3, rows == w->m->question_count, where,
                      "has %zu %s rows; the manifest has %zu questions", rows, table,
                      w->m->question_count);
}

/* The protocol_answer rows of P (the protocol of submission WHERE) against its numbers. */
static void
db_answers(db_walk *w, const dauys_protocol *p, const char *where)
{
    sqlite3_stmt *find = w->find_answers;

    if (!key_bound(w->a, find,
                   sqlite3_bind_text(find, 1, p->precinct, -1, SQLITE_STATIC) == SQLITE_OK &&
                       sqlite3_bind_int64(find, 2, p->version) == SQLITE_OK)) {
        return;
    }
    db_answer_rows(w, find, p->answer, "protocol_answer", p->precinct, p->version, where);
}

static void db_warning_rows(db_walk *w, const char *where);

/* The warning rows of the walk's submission (W->seq) against the W findings of P, checked
 * again under the roster in force at its entry. */
static void
db_warnings(db_walk *w, const dauys_protocol *p, const char *where)
{
    uint32_t mpi;

    if (!dauys_manifest_find_precinct(w->m, p->precinct, strlen(p->precinct), &mpi)) {
        dauys_audit_unchecked(w->a, C3); /* not in the roster: C1 reports the entry */
        return;
    }
    dauys_protocol_check(w->f, p, w->m, &w->m->precinct[mpi]);
    db_warning_rows(w, where);
}

/* The warning rows of the walk's submission (W->seq) against W->f. */
static void
db_warning_rows(db_walk *w, const char *where)
{
    sqlite3_stmt *find = w->find_warnings;
    size_t i = 0;

    w->warnings += w->f->count;
    if (!key_bound(w->a, find, sqlite3_bind_int64(find, 1, w->seq) == SQLITE_OK)) {
        return;
    }
    while (sqlite3_step(find) == SQLITE_ROW) {
        int same = i < w->f->count && col_str(find, 0, w->f->item[i].code) &&
                   col_str(find, 1, w->f->item[i].message);
        dauys_audit_check(w->a, C3, same, where,
                          "warning %zu (columns code, message): not the "
                          "finding %s the file's numbers give",
                          i + 1, i < w->f->count ? w->f->item[i].code : "(none)");
        i++;
    }
    sqlite3_reset(find);
    dauys_audit_check(w->a, C3, i == w->f->count, where,
                      "has %zu warning rows; its numbers give %zu", i, w->f->count);
}

/* The rows of an accepted protocol (BLOB, LEN: its verified bytes) against
 * the protocol parsed again: protocol, protocol_answer, warning. */
static void
db_protocol_rows(db_walk *w, const void *blob, size_t len)
{
    sqlite3_stmt *find = w->find_protocol;
    char where[96];
    dauys_error err;

    w->protocols++;
    w->answers += w->m->question_count;
    snprintf(where, sizeof where, "dauys.db protocol of entry %llu", (unsigned long long) w->n);
    if (dauys_protocol_parse(w->p, blob, len, "protocol", w->m, &err) != 0) {
        dauys_audit_unchecked(w->a, C3); /* counted, but not a protocol: C1 reports it */
        return;
    }
    if (!key_bound(w->a, find, sqlite3_bind_int64(find, 1, w->seq) == SQLITE_OK)) {
        return;
    }
    int have = sqlite3_step(find) == SQLITE_ROW;
    db_diff d = {""};
    if (have) {
        differs(&d, col_str(find, 0, w->p->precinct), "precinct");
        differs(&d, col_int(find, 1, w->p->version), "version");
        differs(&d, col_int(find, 2, (int64_t) w->p->on_list), "on_list");
        have = sqlite3_step(find) == SQLITE_DONE;
    }
    sqlite3_reset(find);
    if (!have) {
        dauys_audit_check(w->a, C3, 0, where, "missing, or twice");
        return;
    }
    db_report(w->a, &d, where, "the protocol's bytes");
    db_answers(w, w->p, where);
    db_warnings(w, w->p, where);
}

/* The summary_item rows of S (summary WHERE) against its `sums:` lines, in
 * id order. */
static void
db_summary_items(db_walk *w, const dauys_summary *s, const char *level, const char *where)
{
    sqlite3_stmt *find = w->find_summary_items;
    size_t i = 0;
    char at[200];

    if (!key_bound(w->a, find,
                   sqlite3_bind_text(find, 1, level, -1, SQLITE_STATIC) == SQLITE_OK &&
                       sqlite3_bind_text(find, 2, s->area, -1, SQLITE_STATIC) == SQLITE_OK &&
                       sqlite3_bind_int64(find, 3, s->version) == SQLITE_OK)) {
        return;
    }
    while (sqlite3_step(find) == SQLITE_ROW) {
        const char *item = (const char *) sqlite3_column_text(find, 0);
        db_diff d = {""};
        snprintf(at, sizeof at, "dauys.db summary_item %s %s version %u item %.64s", level, s->area,
                 s->version, item ? item : "NULL");
        if (i >= s->item_count) {
            dauys_audit_check(w->a, C3, 0, at, "not a sums line of the summary");
            continue;
        }
        differs(&d, col_str(find, 0, s->item[i].id), "item");
        differs(&d, col_int(find, 1, s->item[i].version), "item_version");
        db_report(w->a, &d, at, "the summary's sums lines");
        i++;
    }
    sqlite3_reset(find);
    dauys_audit_check(w->a, C3, i == s->item_count, where,
                      "has %zu summary_item rows; the summary has %zu sums lines", i,
                      s->item_count);
}

/* The rows of an accepted summary (BLOB, LEN: its verified bytes) against
 * the summary parsed again under the roster in force at its entry: summary,
 * summary_item, summary_answer, warning (the W findings of
 * dauys_summary_check). */
static void
db_summary_rows(db_walk *w, const void *blob, size_t len)
{
    sqlite3_stmt *find = w->find_summary;
    char where[96];
    dauys_summary s;
    dauys_error err;
    const char *level;

    memset(&s, 0, sizeof s);
    w->summaries++;
    w->summary_answers += w->m->question_count;
    snprintf(where, sizeof where, "dauys.db summary of entry %llu", (unsigned long long) w->n);
    if (dauys_summary_parse(&s, blob, len, "summary", w->m, &err) != 0) {
        w->a->oom |= err.status == DAUYS_E_NOMEM;
        dauys_audit_unchecked(w->a, C3); /* counted, but not a summary: C1 reports it */
        goto done;
    }
    level = s.level == DAUYS_LEVEL_REGION ? "region" : "district";
    w->summary_items += s.item_count;
    if (!key_bound(w->a, find, sqlite3_bind_int64(find, 1, w->seq) == SQLITE_OK)) {
        goto done;
    }
    int have = sqlite3_step(find) == SQLITE_ROW;
    db_diff d = {""};
    if (have) {
        differs(&d, col_str(find, 0, level), "level");
        differs(&d, col_str(find, 1, s.area), "area");
        differs(&d, col_int(find, 2, s.version), "version");
        differs(&d, col_int(find, 3, (int64_t) s.on_list), "on_list");
        have = sqlite3_step(find) == SQLITE_DONE;
    }
    sqlite3_reset(find);
    if (!have) {
        dauys_audit_check(w->a, C3, 0, where, "missing, or twice");
        goto done;
    }
    db_report(w->a, &d, where, "the summary's bytes");
    db_summary_items(w, &s, level, where);
    find = w->find_summary_answers;
    if (key_bound(w->a, find,
                  sqlite3_bind_text(find, 1, level, -1, SQLITE_STATIC) == SQLITE_OK &&
                      sqlite3_bind_text(find, 2, s.area, -1, SQLITE_STATIC) == SQLITE_OK &&
                      sqlite3_bind_int64(find, 3, s.version) == SQLITE_OK)) {
        char name[96];
        snprintf(name, sizeof name, "%s %s", level, s.area);
        db_answer_rows(w, find, s.answer, "summary_answer", name, s.version, where);
    }
    dauys_summary_check(w->f, &s, w->m);
    db_warning_rows(w, where);
done:
    dauys_summary_free(&s);
}

/* The summary rows' states, as db_follow_states for protocols: by the area
 * entry E names (in a->m, where every area of an earlier version still is). */
static void
db_follow_summary_states(db_walk *w, const dauys_log_parsed *e)
{
    uint32_t i;
    uint64_t *last = NULL;
    size_t n = strlen(e->summary_area);

    if (strcmp(e->summary_level, "district") == 0 &&
        dauys_idmap_get(&w->a->m.district_map, e->summary_area, n, &i)) {
        last = &w->last_district[i];
    } else if (strcmp(e->summary_level, "region") == 0 &&
               dauys_idmap_get(&w->a->m.region_map, e->summary_area, n, &i)) {
        last = &w->last_region[i];
    }
    if (last == NULL) {
        return;
    }
    if (strcmp(e->event, "correction") == 0 && *last > 0 && w->state[*last - 1] == ROW_CURRENT) {
        w->state[*last - 1] = ROW_SUPERSEDED;
    } else if (strcmp(e->event, "conflict") == 0 && *last > 0) {
        w->state[*last - 1] = ROW_CONFLICTED;
    }
    if (strcmp(e->event, "accepted") == 0 || strcmp(e->event, "correction") == 0) {
        w->state[w->n] = ROW_CURRENT;
        *last = w->n + 1;
    }
}

/* What entry E does to the states of its precinct's protocol rows, as an
 * ingest does it (FORMATS.md 11.3): a correction supersedes the current
 * one, a conflict marks the latest version conflicted. */
static void
db_follow_states(db_walk *w, const dauys_log_parsed *e)
{
    uint32_t pi;
    int counts = strcmp(e->event, "accepted") == 0 || strcmp(e->event, "correction") == 0;

    if (e->summary_level[0] != '\0') {
        db_follow_summary_states(w, e);
        return;
    }
    if (!dauys_manifest_find_precinct(&w->a->m, e->precinct, strlen(e->precinct), &pi)) {
        return;
    }
    uint64_t last = w->last_row[pi];
    if (strcmp(e->event, "correction") == 0 && last > 0 && w->state[last - 1] == ROW_CURRENT) {
        w->state[last - 1] = ROW_SUPERSEDED;
    } else if (strcmp(e->event, "conflict") == 0 && last > 0) {
        w->state[last - 1] = ROW_CONFLICTED;
    }
    if (counts) {
        w->state[w->n] = ROW_CURRENT;
        w->last_row[pi] = w->n + 1;
    }
}

/* The submission row of entry E (its row of the walk's cursor), column by column. */
static void
db_submission(db_walk *w, const dauys_log_parsed *e, const char *text, size_t len)
{
    sqlite3_stmt *row = w->submission_rows;
    char where[64], reason[DAUYS_LOG_REASON_MAX + 2];
    db_diff d = {""};
    int has_reason = dauys_logentry_reason_text(text, len, reason, sizeof reason);
    int too_large = strcmp(e->reason_code, "too-large") == 0;
    int counts = strcmp(e->event, "accepted") == 0 || strcmp(e->event, "correction") == 0;

    w->seq++;
    snprintf(where, sizeof where, "dauys.db submission of entry %llu", (unsigned long long) w->n);
    if (sqlite3_step(row) != SQLITE_ROW) {
        dauys_audit_check(w->a, C3, 0, where, "missing");
        return;
    }
    differs(&d, col_int(row, 0, w->seq), "seq");
    differs(&d, col_int(row, 1, (int64_t) w->n), "log_index");
    differs(&d, col_str(row, 2, e->event), "outcome");
    differs(&d, col_blob(row, 3, e->file_sha256, 32), "protocol_sha256");
    differs(&d,
            e->has_signature ? col_blob(row, 4, e->signature_sha256, 32)
                             : sqlite3_column_type(row, 4) == SQLITE_NULL,
            "signature_sha256");
    int bytes = col_hashes_to(row, 5, e->file_sha256);
    differs(&d,
            bytes || (too_large && sqlite3_column_type(row, 5) == SQLITE_BLOB &&
                      sqlite3_column_bytes(row, 5) == 0),
            "protocol");
    differs(&d,
            e->has_signature ? col_hashes_to(row, 6, e->signature_sha256)
                             : sqlite3_column_type(row, 6) == SQLITE_NULL,
            "signature");
    differs(&d,
            e->precinct[0] ? col_str(row, 7, e->precinct)
                           : sqlite3_column_type(row, 7) == SQLITE_NULL,
            "precinct");
    differs(&d,
            e->version ? col_int(row, 8, e->version) : sqlite3_column_type(row, 8) == SQLITE_NULL,
            "version");
    differs(&d,
            e->reason_code[0] ? col_str(row, 9, e->reason_code)
                              : sqlite3_column_type(row, 9) == SQLITE_NULL,
            "reason_code");
    differs(&d, has_reason ? col_str(row, 10, reason) : sqlite3_column_type(row, 10) == SQLITE_NULL,
            "reason");
    differs(&d, col_int(row, 11, w->in_force), "manifest_version");
    differs(&d,
            e->summary_level[0] ? col_str(row, 12, e->summary_level)
                                : sqlite3_column_type(row, 12) == SQLITE_NULL,
            "level");
    differs(&d,
            e->summary_level[0] ? col_str(row, 13, e->summary_area)
                                : sqlite3_column_type(row, 13) == SQLITE_NULL,
            "area");
    db_report(w->a, &d, where, "its log entry and the files it names");
    const char *blob = bytes ? sqlite3_column_blob(row, 5) : NULL;
    size_t blob_len = bytes ? (size_t) sqlite3_column_bytes(row, 5) : 0;
    if (counts && bytes && dauys_summary_is(blob, blob_len)) {
        db_summary_rows(w, blob, blob_len);
    } else if (counts && bytes) {
        db_protocol_rows(w, blob, blob_len);
    } else if (counts) {
        if (e->summary_level[0] != '\0') {
            w->summaries++;
            w->summary_answers += w->m->question_count;
        } else {
            w->protocols++;
        }
        w->answers += e->summary_level[0] != '\0' ? 0 : w->m->question_count;
        dauys_audit_unchecked(
            w->a, C3); /* its rows cannot be derived from bytes that are not the protocol */
    }
}

/* One log entry of the bundle against its log_entry row, the rows it makes,
 * and the Merkle nodes and checkpoints it completes. */
static int
db_entry(void *ctx, const char *text, size_t len)
{
    db_walk *w = ctx;
    char where[64];
    uint8_t digest[32], leaf[DAUYS_HASH_BYTES];
    dauys_log_parsed e;
    dauys_error err;
    int have = sqlite3_step(w->log_rows) == SQLITE_ROW;

    if (state_room(w) != 0 || dauys_sha256(digest, text, len) != 0 ||
        dauys_merkle_leaf_hash(leaf, text, len) != 0) {
        w->a->oom = 1;
        return -1;
    }
    snprintf(where, sizeof where, "dauys.db log_entry %llu", (unsigned long long) w->n);
    db_diff d = {""};
    differs(&d, have && col_int(w->log_rows, 0, (int64_t) w->n), "idx");
    differs(&d, have && col_blob(w->log_rows, 1, text, len), "entry");
    differs(&d, have && col_blob(w->log_rows, 2, digest, 32), "sha256");
    dauys_audit_check(w->a, C3, d.cols[0] == '\0', where,
                      "%s, or not the bundle's log entry %llu (column %s)",
                      have ? "differs" : "missing", (unsigned long long) w->n, d.cols);
    if (dauys_logentry_parse(&e, text, len, "entry", &err) == 0) {
        if (strcmp(e.event, "manifest") == 0) {
            db_manifest(w, &e);
        } else if (strcmp(e.event, "result") != 0) {
            db_submission(w, &e, text, len);
            db_follow_states(w, &e);
        }
    }
    if (dauys_merkle_range_append(&w->range, leaf, db_node, w, &err) != 0) {
        w->a->oom = 1;
        return -1;
    }
    w->n++;
    db_checkpoints(w);
    return 0;
}

/* Compares one row of per-district numbers (columns FIRST..) with the audit's;
 * SEEN marks each district and question, which may have one row only. */
static void
db_sums(audit *a, sqlite3_stmt *sums, int first, const char *table, uint8_t *seen)
{
    const char *did = (const char *) sqlite3_column_text(sums, 0);
    const char *qid = (const char *) sqlite3_column_text(sums, 1);
    char where[200];
    uint32_t d;
    size_t q = 0;

    while (q < a->m.question_count && strcmp(a->m.question[q].id, qid ? qid : "") != 0) {
        q++;
    }
    snprintf(where, sizeof where, "dauys.db %s, district %s, question %s", table,
             did ? did : "NULL", qid ? qid : "NULL");
    if (did == NULL || q == a->m.question_count ||
        !dauys_idmap_get(&a->m.district_map, did, strlen(did), &d)) {
        dauys_audit_check(a, C3, 0, where, "names a district or question not in the manifest");
        return;
    }
    size_t slot = (size_t) d * a->m.question_count + q;
    const audit_sums *s = &a->district[slot];
    if (seen[slot]++) {
        dauys_audit_check(a, C3, 0, where, "a second row for the same district and question");
        return;
    }
    uint64_t want[7] = {s->reporting, s->eligible,    s->took_part, s->yes,
                        s->no,        s->not_counted, s->invalid};
    int same = 1;
    for (int i = 0; i < 7; i++) {
        same &= (uint64_t) sqlite3_column_int64(sums, first + i) == want[i];
    }
    if (s->unknown != 0) {
        dauys_audit_unchecked(a, C3);
        return;
    }
    dauys_audit_check(
        a, C3, same, where,
        "has reporting %lld eligible %lld took-part %lld yes %lld no "
        "%lld not-counted %lld invalid %lld; the re-tally gives %llu %llu %llu %llu %llu "
        "%llu %llu",
        sqlite3_column_int64(sums, first), sqlite3_column_int64(sums, first + 1),
        sqlite3_column_int64(sums, first + 2), sqlite3_column_int64(sums, first + 3),
        sqlite3_column_int64(sums, first + 4), sqlite3_column_int64(sums, first + 5),
        sqlite3_column_int64(sums, first + 6), (unsigned long long) want[0],
        (unsigned long long) want[1], (unsigned long long) want[2], (unsigned long long) want[3],
        (unsigned long long) want[4], (unsigned long long) want[5], (unsigned long long) want[6]);
}

/* The district rows of the query SQL against the audit's sums; every district
 * and question with a counted protocol must have a row. */
static int
db_districts(audit *a, sqlite3 *db, const char *sql, const char *table)
{
    size_t slots = a->m.district_count * a->m.question_count;
    uint8_t *seen = dauys_malloc(slots ? slots : 1);
    sqlite3_stmt *select_sums;
    uint64_t rows = 0, want = 0;

    if (seen == NULL) {
        a->oom = 1;
        return 0;
    }
    memset(seen, 0, slots);
    if (sqlite3_prepare_v2(db, sql, -1, &select_sums, NULL) != SQLITE_OK) {
        dauys_free(seen);
        return -1;
    }
    while (sqlite3_step(select_sums) == SQLITE_ROW) {
        rows += sqlite3_column_int64(select_sums, 2) > 0;
        db_sums(a, select_sums, 2, table, seen);
    }
    dauys_free(seen);
    for (size_t i = 0; i < a->m.district_count * a->m.question_count; i++) {
        want += a->district[i].reporting > 0;
    }
    dauys_audit_check(a, C3, rows == want, table,
                      "%llu districts and questions with counted protocols; "
                      "the re-tally has %llu",
                      (unsigned long long) rows, (unsigned long long) want);
    return sqlite3_finalize(select_sums) == SQLITE_OK ? 0 : -1;
}

/* Each precinct's counting protocol, as the database records it. */
static int
db_current(audit *a, sqlite3 *db)
{
    static const char sql[] =
        "SELECT p.precinct, s.log_index FROM protocol p JOIN submission s ON s.seq = p.submission"
        " WHERE p.state = 'current'";
    sqlite3_stmt *select_current = NULL;
    uint64_t rows = 0, counted = 0;
    char where[128];
    uint32_t pi;
    /* the precincts seen, here and not in a->ps: C3 runs beside the main
     * thread, which reads a->ps meanwhile */
    uint8_t *seen = zeroed(a->m.precinct_count, 1);
    int rc = -1;

    if (seen == NULL) {
        a->oom = 1;
        return 0; /* reported as out of memory, not as a finding */
    }
    if (sqlite3_prepare_v2(db, sql, -1, &select_current, NULL) != SQLITE_OK) {
        goto done;
    }
    while (sqlite3_step(select_current) == SQLITE_ROW) {
        const char *id = (const char *) sqlite3_column_text(select_current, 0);
        uint64_t entry = (uint64_t) sqlite3_column_int64(select_current, 1);
        int found = id != NULL && dauys_manifest_find_precinct(&a->m, id, strlen(id), &pi);
        snprintf(where, sizeof where, "dauys.db protocol, precinct %s", id ? id : "NULL");
        int once = found && !seen[pi]; /* a precinct may count once */
        dauys_audit_check(a, C3, once && a->ps[pi].current && a->ps[pi].entry == entry, where,
                          "counts the protocol of entry %llu; the log makes it %s",
                          (unsigned long long) entry,
                          found && a->ps[pi].current ? "another" : "none");
        if (found) {
            seen[pi] = 1;
        }
        rows++;
    }
    for (size_t i = 0; i < a->m.precinct_count; i++) {
        counted += a->ps[i].current != 0;
    }
    dauys_audit_check(a, C3, rows == counted, "dauys.db protocol",
                      "%llu precincts count; the log makes "
                      "it %llu",
                      (unsigned long long) rows, (unsigned long long) counted);
    rc = 0;
done:
    dauys_free(seen);
    return sqlite3_finalize(select_current) == SQLITE_OK ? rc : -1;
}

static const char sums_sql[] =
    "SELECT pr.district, a.question, count(*), sum(p.on_list), sum(a.in_boxes), sum(a.yes),"
    " sum(a.no), sum(a.not_counted), sum(a.invalid) FROM protocol p"
    " JOIN protocol_answer a ON a.precinct = p.precinct AND a.version = p.version"
    " JOIN precinct pr ON pr.id = p.precinct WHERE p.state = 'current'"
    " GROUP BY pr.district, a.question";
static const char totals_sql[] =
    "SELECT district, question, reporting, eligible, took_part, yes, no, not_counted, invalid"
    " FROM district_total";

/* 1 if SQL (a count) gives WANT on DB; the count found in *GOT. */
static int
db_count(sqlite3 *db, const char *sql, uint64_t want, uint64_t *got)
{
    sqlite3_stmt *count;

    *got = UINT64_MAX;
    if (sqlite3_prepare_v2(db, sql, -1, &count, NULL) == SQLITE_OK &&
        sqlite3_step(count) == SQLITE_ROW) {
        *got = (uint64_t) sqlite3_column_int64(count, 0);
    }
    sqlite3_finalize(count);
    return *got == want;
}

/* After the walk: no rows beyond the log's, and each protocol row in the
 * state the log leaves it in. 0, or -1 if SQLite failed. */
static int
db_walk_end(db_walk *w)
{
    static const struct {
        const char *table, *sql;
    } counts[] = {{"protocol", "SELECT count(*) FROM protocol"},
                  {"protocol_answer", "SELECT count(*) FROM protocol_answer"},
                  {"warning", "SELECT count(*) FROM warning"},
                  {"merkle_node", "SELECT count(*) FROM merkle_node"},
                  {"summary", "SELECT count(*) FROM summary"},
                  {"summary_item", "SELECT count(*) FROM summary_item"},
                  {"summary_answer", "SELECT count(*) FROM summary_answer"}};
    const uint64_t want[] = {w->protocols, w->answers,       w->warnings,       w->nodes,
                             w->summaries, w->summary_items, w->summary_answers};
    sqlite3_stmt *select_states;
    uint64_t got = 0;
    char where[192];

    dauys_audit_check(w->a, C3, sqlite3_step(w->log_rows) == SQLITE_DONE, "dauys.db log_entry",
                      "has more entries than the bundle's log");
    dauys_audit_check(w->a, C3, sqlite3_step(w->submission_rows) == SQLITE_DONE,
                      "dauys.db submission", "has submissions the bundle's log does not have");
    dauys_audit_check(w->a, C3, sqlite3_step(w->manifest_rows) == SQLITE_DONE, "dauys.db manifest",
                      "has versions the bundle's log does not have");
    dauys_audit_check(w->a, C3, w->next_cp < 0, "dauys.db checkpoint",
                      "has a checkpoint of %lld entries; the log has %llu", (long long) w->next_cp,
                      (unsigned long long) w->n);
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        dauys_audit_check(w->a, C3, db_count(w->db, counts[i].sql, want[i], &got), counts[i].table,
                          "dauys.db %s has %llu rows; the log makes %llu", counts[i].table,
                          (unsigned long long) got, (unsigned long long) want[i]);
    }
    if (sqlite3_prepare_v2(w->db,
                           "SELECT s.log_index, p.state, p.precinct, p.version FROM protocol p"
                           " JOIN submission s ON s.seq = p.submission",
                           -1, &select_states, NULL) != SQLITE_OK) {
        return -1;
    }
    while (sqlite3_step(select_states) == SQLITE_ROW) {
        int64_t entry = sqlite3_column_int64(select_states, 0);
        int want_state = entry >= 0 && (uint64_t) entry < w->n ? w->state[entry] : ROW_NONE;
        const char *precinct = (const char *) sqlite3_column_text(select_states, 2);
        snprintf(where, sizeof where, "dauys.db protocol %s version %lld",
                 precinct ? precinct : "NULL", sqlite3_column_int64(select_states, 3));
        dauys_audit_check(
            w->a, C3, want_state != ROW_NONE && col_str(select_states, 1, row_state[want_state]),
            where, "column state: the log leaves the protocol of entry %lld %s", (long long) entry,
            row_state[want_state]);
    }
    if (sqlite3_finalize(select_states) != SQLITE_OK ||
        sqlite3_prepare_v2(w->db,
                           "SELECT s.log_index, m.state, m.level, m.area, m.version FROM summary m"
                           " JOIN submission s ON s.seq = m.submission",
                           -1, &select_states, NULL) != SQLITE_OK) {
        return -1;
    }
    while (sqlite3_step(select_states) == SQLITE_ROW) {
        int64_t entry = sqlite3_column_int64(select_states, 0);
        int want_state = entry >= 0 && (uint64_t) entry < w->n ? w->state[entry] : ROW_NONE;
        const char *level = (const char *) sqlite3_column_text(select_states, 2);
        const char *area = (const char *) sqlite3_column_text(select_states, 3);
        snprintf(where, sizeof where, "dauys.db summary %.16s %.64s version %lld",
                 level ? level : "NULL", area ? area : "NULL",
                 sqlite3_column_int64(select_states, 4));
        dauys_audit_check(
            w->a, C3, want_state != ROW_NONE && col_str(select_states, 1, row_state[want_state]),
            where, "column state: the log leaves the summary of entry %lld %s", (long long) entry,
            row_state[want_state]);
    }
    return sqlite3_finalize(select_states) == SQLITE_OK ? 0 : -1;
}

/* The log and every row it makes, streamed beside the bundle's log. */
static int
db_log(audit *a, sqlite3 *db)
{
    static const char *const sql[] = {
        "SELECT idx, entry, sha256 FROM log_entry ORDER BY idx",
        "SELECT seq, log_index, outcome, protocol_sha256, signature_sha256, protocol, signature,"
        " precinct, version, reason_code, reason, manifest_version, level, area FROM submission"
        " ORDER BY log_index",
        "SELECT version, log_index, text, signature, text_sha256, signature_sha256 FROM manifest"
        " ORDER BY log_index",
        "SELECT hash FROM merkle_node WHERE level = ?1 AND idx = ?2",
        "SELECT size, root FROM checkpoint ORDER BY size",
        "SELECT precinct, version, on_list FROM protocol WHERE submission = ?1",
        "SELECT question, received, issued, cancelled, in_boxes, yes, no, not_counted, invalid"
        " FROM protocol_answer WHERE precinct = ?1 AND version = ?2",
        "SELECT code, message FROM warning WHERE submission = ?1 ORDER BY rowid",
        "SELECT level, area, version, on_list FROM summary WHERE submission = ?1",
        "SELECT item, item_version FROM summary_item WHERE level = ?1 AND area = ?2"
        " AND version = ?3 ORDER BY item",
        "SELECT question, received, issued, cancelled, in_boxes, yes, no, not_counted, invalid"
        " FROM summary_answer WHERE level = ?1 AND area = ?2 AND version = ?3"};
    db_walk w = {.a = a, .db = db, .m = &a->m, .next_cp = -1};
    sqlite3_stmt **statements[] = {&w.log_rows,           &w.submission_rows,     &w.manifest_rows,
                                   &w.find_node,          &w.checkpoint_rows,     &w.find_protocol,
                                   &w.find_answers,       &w.find_warnings,       &w.find_summary,
                                   &w.find_summary_items, &w.find_summary_answers};
    dauys_error err = {0};
    int rc = -1, ready = 1;

    dauys_merkle_range_init(&w.range);
    w.p = dauys_malloc(sizeof *w.p);
    w.f = dauys_malloc(sizeof *w.f);
    w.last_row = zeroed(a->m.precinct_count, sizeof *w.last_row);
    w.last_district = zeroed(a->m.district_count, sizeof *w.last_district);
    w.last_region = zeroed(a->m.region_count, sizeof *w.last_region);
    if (w.p == NULL || w.f == NULL || w.last_row == NULL || w.last_district == NULL ||
        w.last_region == NULL) {
        a->oom = 1;
        rc = 0; /* the audit stops as out of memory, not with a finding */
        goto done;
    }
    for (size_t i = 0; i < sizeof statements / sizeof statements[0]; i++) {
        ready &= sqlite3_prepare_v2(db, sql[i], -1, statements[i], NULL) == SQLITE_OK;
    }
    if (ready) {
        w.next_cp = sqlite3_step(w.checkpoint_rows) == SQLITE_ROW
                        ? sqlite3_column_int64(w.checkpoint_rows, 0)
                        : -1;
        db_checkpoints(&w);
    }
    if (ready && dauys_audit_log_stream(a, db_entry, &w, &err) == 0 && !a->oom) {
        rc = db_walk_end(&w);
    } else if (err.status == DAUYS_E_NOMEM || a->oom) {
        a->oom = 1;
        rc = 0;
    }
done:
    for (size_t i = 0; i < sizeof statements / sizeof statements[0]; i++) {
        sqlite3_finalize(*statements[i]);
    }
    if (w.have_own) {
        dauys_manifest_free(&w.own);
    }
    dauys_free(w.p);
    dauys_free(w.f);
    dauys_free(w.last_row);
    dauys_free(w.last_district);
    dauys_free(w.last_region);
    dauys_free(w.state);
    return rc;
}

/* --- what the manifest in force gives --------------------------------------- */

/* meta: exactly the five keys dauys init writes, with the manifest's values
 * and a central key that is the trusted one or the bundle's central.pub: a
 * central.pub that is not the pinned key is A5's one report, whichever of
 * the two the database then agrees with; a third key is C3's. */
static int
db_meta(audit *a, sqlite3 *db)
{
    char origin[160], key[57], own[57];
    sqlite3_stmt *select_meta;
    size_t rows = 0;

    dauys_manifest_origin(origin, sizeof origin, &a->m);
    dauys_keys_pubkey_to_base64(key, &a->central);
    dauys_keys_pubkey_to_base64(own, a->have_bundle_central ? &a->bundle_central : &a->central);
    const char *const want[][2] = {{"central_public_key", key},
                                   {"mode", a->m.mode == DAUYS_MODE_OFFICIAL ? "official" : "test"},
                                   {"origin", origin},
                                   {"referendum", a->m.referendum},
                                   {"schema_version", DAUYS_SQL_SCHEMA_VERSION}};
    if (sqlite3_prepare_v2(db, "SELECT key, value FROM meta ORDER BY key", -1, &select_meta,
                           NULL) != SQLITE_OK) {
        return -1;
    }
    while (sqlite3_step(select_meta) == SQLITE_ROW) {
        const char *k = (const char *) sqlite3_column_text(select_meta, 0);
        char where[96];
        snprintf(where, sizeof where, "dauys.db meta %s", k ? k : "NULL");
        int same =
            rows < 5 && col_str(select_meta, 0, want[rows][0]) &&
            (col_str(select_meta, 1, want[rows][1]) || (rows == 0 && col_str(select_meta, 1, own)));
        dauys_audit_check(a, C3, same, where, "column value: not %s",
                          rows < 5 ? want[rows][1] : "a key dauys writes");
        rows++;
    }
    dauys_audit_check(a, C3, rows == 5, "dauys.db meta", "has %zu rows; dauys init writes 5", rows);
    return sqlite3_finalize(select_meta) == SQLITE_OK ? 0 : -1;
}

/* The rows of one roster table (SQL: id first) against the manifest in
 * force: ROW compares one, given the item FIND found for its id. */
typedef struct roster_table {
    const char *name, *sql;
    size_t count;
    int (*find)(const dauys_manifest *m, const char *id, size_t len, uint32_t *at);
    void (*row)(const dauys_manifest *m, uint32_t at, sqlite3_stmt *st, db_diff *d);
} roster_table;

static int
find_question(const dauys_manifest *m, const char *id, size_t len, uint32_t *at)
{
    for (uint32_t q = 0; q < m->question_count; q++) {
        if (strlen(m->question[q].id) == len && memcmp(m->question[q].id, id, len) == 0) {
            *at = q;
            return 1;
        }
    }
    return 0;
}

static int
find_region(const dauys_manifest *m, const char *id, size_t len, uint32_t *at)
{
    return dauys_idmap_get(&m->region_map, id, len, at);
}

static int
find_district(const dauys_manifest *m, const char *id, size_t len, uint32_t *at)
{
    return dauys_idmap_get(&m->district_map, id, len, at);
}

static int
find_precinct(const dauys_manifest *m, const char *id, size_t len, uint32_t *at)
{
    return dauys_manifest_find_precinct(m, id, len, at);
}

static void
row_question(const dauys_manifest *m, uint32_t q, sqlite3_stmt *st, db_diff *d)
{
    const dauys_question *x = &m->question[q];
    differs(d, col_int(st, 1, q), "position");
    differs(d, col_str(st, 2, x->profile), "profile");
    differs(d, col_text(st, 3, x->text, x->text_len), "text");
}

static void
row_region(const dauys_manifest *m, uint32_t r, sqlite3_stmt *st, db_diff *d)
{
    const dauys_place *x = &m->region[r];
    differs(d, col_int(st, 1, r), "position");
    differs(d, col_text(st, 2, x->kind, x->kind_len), "kind");
    differs(d, col_text(st, 3, x->name, x->name_len), "name");
}

static void
row_district(const dauys_manifest *m, uint32_t i, sqlite3_stmt *st, db_diff *d)
{
    const dauys_place *x = &m->district[i], *r = &m->region[x->region];
    differs(d, col_text(st, 1, r->id, r->id_len), "region");
    differs(d, col_text(st, 2, x->name, x->name_len), "name");
    differs(d, col_int(st, 3, m->district_precincts[i]), "precincts");
}

static void
row_precinct(const dauys_manifest *m, uint32_t i, sqlite3_stmt *st, db_diff *d)
{
    const dauys_precinct *x = &m->precinct[i];
    const dauys_place *dis = &m->district[x->district], *r = &m->region[x->region];
    char key[57];

    dauys_keys_pubkey_to_base64(key, &x->key);
    differs(d, col_text(st, 1, dis->id, dis->id_len), "district");
    differs(d, col_text(st, 2, r->id, r->id_len), "region");
    differs(d, col_int(st, 3, (int64_t) x->voters), "voters");
    differs(d, col_str(st, 4, key), "public_key");
    /* name: the audit keeps no precinct names (a million of them), and no
     * dauys command reads this column */
}

/* One roster table: every row the manifest's item of its id, each item once. */
static int
db_roster_table(audit *a, sqlite3 *db, const roster_table *t)
{
    uint8_t *seen = zeroed(t->count, 1);
    sqlite3_stmt *select_rows = NULL;
    size_t rows = 0;
    char where[200];
    int rc = -1;

    if (seen == NULL) {
        a->oom = 1;
        return 0;
    }
    if (sqlite3_prepare_v2(db, t->sql, -1, &select_rows, NULL) != SQLITE_OK) {
        goto done;
    }
    while (sqlite3_step(select_rows) == SQLITE_ROW) {
        const char *id = (const char *) sqlite3_column_text(select_rows, 0);
        size_t len = (size_t) sqlite3_column_bytes(select_rows, 0);
        uint32_t at;
        db_diff d = {""};
        rows++;
        snprintf(where, sizeof where, "dauys.db %s %.*s", t->name, (int) (len < 100 ? len : 100),
                 id ? id : "NULL");
        if (id == NULL || !t->find(&a->m, id, len, &at) || seen[at]++) {
            dauys_audit_check(a, C3, 0, where, "column id: not in the manifest in force, or twice");
            continue;
        }
        t->row(&a->m, at, select_rows, &d);
        db_report(a, &d, where, "the manifest in force");
    }
    snprintf(where, sizeof where, "dauys.db %s", t->name);
    dauys_audit_check(a, C3, rows == t->count, where, "has %zu rows; the manifest in force has %zu",
                      rows, t->count);
    rc = sqlite3_finalize(select_rows) == SQLITE_OK ? 0 : -1;
done:
    dauys_free(seen);
    return rc;
}

/* question, region, district, precinct: the manifest in force (the tables
 * keep every version's latest values, and no version may remove a row). */
static int
db_roster(audit *a, sqlite3 *db)
{
    const roster_table tables[] = {{"question", "SELECT id, position, profile, text FROM question",
                                    a->m.question_count, find_question, row_question},
                                   {"region", "SELECT id, position, kind, name FROM region",
                                    a->m.region_count, find_region, row_region},
                                   {"district", "SELECT id, region, name, precincts FROM district",
                                    a->m.district_count, find_district, row_district},
                                   {"precinct",
                                    "SELECT id, district, region, voters, public_key FROM precinct",
                                    a->m.precinct_count, find_precinct, row_precinct}};

    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        if (db_roster_table(a, db, &tables[i]) != 0) {
            return -1;
        }
    }
    return 0;
}

/* --- the schema ----------------------------------------------------------- */

static const char schema_sql[] =
    "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name";

/* 1 if column C of the rows of A and B are the same value. */
static int
schema_same(sqlite3_stmt *a, sqlite3_stmt *b, int c)
{
    const void *pa = sqlite3_column_blob(a, c), *pb = sqlite3_column_blob(b, c);
    int la = sqlite3_column_bytes(a, c), lb = sqlite3_column_bytes(b, c);

    return sqlite3_column_type(a, c) == sqlite3_column_type(b, c) && la == lb &&
           (la == 0 || memcmp(pa, pb, (size_t) la) == 0);
}

/* The order of two schema rows by (type, name), as schema_sql sorts them
 * (SQLite's BINARY collation: memcmp, then length). */
static int
schema_order(sqlite3_stmt *a, sqlite3_stmt *b)
{
    for (int c = 0; c < 2; c++) {
        const void *pa = sqlite3_column_text(a, c), *pb = sqlite3_column_text(b, c);
        int la = sqlite3_column_bytes(a, c), lb = sqlite3_column_bytes(b, c);
        int r = la && lb ? memcmp(pa, pb, (size_t) (la < lb ? la : lb)) : 0;
        if (r != 0 || la != lb) {
            return r != 0 ? (r < 0 ? -1 : 1) : (la < lb ? -1 : 1);
        }
    }
    return 0;
}

/*
 * The database comes with the bundle, so it may be hostile: no schema code
 * may run (no views or virtual tables under the names queried, untrusted
 * schema, defensive mode), so reading it does only what the queries say.
 * Its schema must be the one dauys creates (sql/schema.sql), object by
 * object, or dauys reading or writing a copy could run the bundle's own
 * triggers or views: each difference is a finding. 0; 1 if the tables
 * queried are not all there as tables; -1 if SQLite failed.
 */
static int
harden(audit *a, sqlite3 *db)
{
    static const char tables_sql[] =
        "SELECT count(*) FROM sqlite_schema WHERE name IN ('meta', 'manifest', 'question',"
        " 'region', 'district', 'precinct', 'submission', 'protocol', 'protocol_answer', 'warning',"
        " 'log_entry', 'merkle_node', 'checkpoint', 'district_total', 'summary', 'summary_item',"
        " 'summary_answer') AND type = 'table'"
        " AND sql NOT LIKE 'CREATE VIRTUAL%'";
    sqlite3 *ref = NULL;
    sqlite3_stmt *have = NULL, *want = NULL, *count_tables = NULL;
    int rc = -1, ok;

    if (sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL) != SQLITE_OK ||
        sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL) != SQLITE_OK ||
        sqlite3_open_v2(":memory:", &ref, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_exec(ref, dauys_sql_schema, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, schema_sql, -1, &have, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(ref, schema_sql, -1, &want, NULL) != SQLITE_OK) {
        goto done;
    }
    /* both sorted by (type, name): merged, so each object is judged once */
    int h = sqlite3_step(have) == SQLITE_ROW, w = sqlite3_step(want) == SQLITE_ROW;
    while (h || w) {
        int order = !h ? 1 : !w ? -1 : schema_order(have, want);
        sqlite3_stmt *at = order <= 0 ? have : want;
        const char *name = (const char *) sqlite3_column_text(at, 1);
        char where[160];
        snprintf(where, sizeof where, "dauys.db schema %s %.100s",
                 (const char *) sqlite3_column_text(at, 0), name ? name : "NULL");
        int same = order == 0;
        for (int c = 2; same && c < 4; c++) {
            same = schema_same(have, want, c);
        }
        dauys_audit_check(a, C3, same, where, "%s",
                          order < 0   ? "not one dauys creates"
                          : order > 0 ? "missing: dauys creates it"
                                      : "not as dauys creates it (sql/schema.sql)");
        h = order <= 0 ? sqlite3_step(have) == SQLITE_ROW : h;
        w = order >= 0 ? sqlite3_step(want) == SQLITE_ROW : w;
    }
    if (sqlite3_prepare_v2(db, tables_sql, -1, &count_tables, NULL) != SQLITE_OK) {
        goto done;
    }
    ok = sqlite3_step(count_tables) == SQLITE_ROW && sqlite3_column_int(count_tables, 0) == 17;
    rc = ok ? 0 : 1;
done:
    sqlite3_finalize(count_tables);
    sqlite3_finalize(have);
    sqlite3_finalize(want);
    sqlite3_close(ref);
    return rc;
}

void
dauys_audit_database(audit *a)
{
    char uri[3 * PATH_MAX + 128];
    sqlite3 *db = NULL;
    int kind = dauys_audit_source_db_uri(uri, sizeof uri, a->src), tables = 0;

    if (kind == 0) {
        return; /* no database to compare: C3 is not run (the summary says so) */
    }
    a->sum->database = 1;
    if (kind != 1) {
        dauys_audit_check(a, C3, 0, "dauys.db", "is not a plain file");
        return;
    }
    if ((a->src->archive && dauys_audit_slice_vfs_register() != 0) ||
        sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK ||
        (tables = harden(a, db)) != 0 || db_meta(a, db) != 0 || db_roster(a, db) != 0 ||
        db_log(a, db) != 0 || db_current(a, db) != 0 ||
        db_districts(a, db, sums_sql, "protocol_answer") != 0 ||
        db_districts(a, db, totals_sql, "district_total") != 0) {
        dauys_audit_check(a, C3, 0, "dauys.db", "cannot be read as a dauys database: %s",
                          db == NULL   ? "out of memory"
                          : tables > 0 ? "it lacks the tables of a workspace"
                                       : sqlite3_errmsg(db));
    }
    sqlite3_close(db);
}
