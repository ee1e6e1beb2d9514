/*
 * ingest.c: orchestration and the writer stage of an ingest. Files are
 * verified in parallel a chunk at a time; one writer then records the chunk's
 * outcomes, in input order, in one transaction.
 */
#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/pool.h"
#include "store/db.h"
#include "ingest/ingest_internal.h"

/* Files verified and recorded per transaction: two such halves take turns. */
#define HALF 512

typedef enum outcome_e {
    OUT_ACCEPTED,
    OUT_CORRECTION,
    OUT_REJECTED,
    OUT_REPLAY,
    OUT_CONFLICT,
    OUT_STALE,
    OUT_FAILED, /* could not be decided: an error */
} outcome_t;

/* The names the log and the database use. */
static const char *const outcome_name[] = {"accepted", "correction", "rejected",
                                           "replay",   "conflict",   "stale"};

/* 1 if the outcome's numbers count (accepted or correction). */
static int
outcome_counts(outcome_t o)
{
    return o == OUT_ACCEPTED || o == OUT_CORRECTION;
}

typedef struct writer {
    dauys_workspace *ws;
    dauys_ingest_summary *sum;
    const dauys_ingest_hooks *hooks;
    sqlite3_stmt *find_same_files, *find_counted, *insert_submission, *find_latest,
        *supersede_current, *mark_conflict, *count_warnings;
    sqlite3_stmt *insert_protocol, *insert_answer, *insert_warning;
    /* the same for summary protocols, per (level, area) */
    sqlite3_stmt *find_counted_summary, *find_latest_summary, *supersede_summary,
        *mark_summary_conflict, *insert_summary, *insert_summary_item, *insert_summary_answer;
} writer;

/* The subject of a summary whose header was read, or NULL (a protocol, or
 * a file whose header could not be read). */
static const dauys_summary *
item_summary(const ingest_item *it)
{
    return it->header_ok && it->summary != NULL ? it->summary : NULL;
}

/* The precinct a protocol whose header was read names, or NULL. */
static const char *
item_precinct(const ingest_item *it)
{
    return it->header_ok && it->summary == NULL ? it->protocol.precinct : NULL;
}

/* The version the header names (a protocol's or a summary's), or 0. */
static unsigned
item_version(const ingest_item *it)
{
    return !it->header_ok ? 0 : it->summary != NULL ? it->summary->version : it->protocol.version;
}

/* Binds a summary's level and area to ?1 and ?2 of ST. */
static int
bind_area(sqlite3_stmt *st, const dauys_summary *sm)
{
    return dauys_db_bind_text(st, 1, dauys_summary_level_name(sm->level)) ||
           dauys_db_bind_text(st, 2, sm->area);
}

static int
writer_prepare_summary(writer *w, dauys_error *err)
{
    sqlite3 *db = w->ws->db;

    if (dauys_db_prepare(db, &w->find_counted_summary,
                         "SELECT s.seq, s.outcome, s.log_index, l.sha256, s.reason_code, "
                         "s.reason FROM summary p JOIN submission s ON s.seq = p.submission "
                         "JOIN log_entry l ON l.idx = s.log_index WHERE p.level = ?1 AND "
                         "p.area = ?2 AND p.version = ?3 AND s.protocol_sha256 = ?4",
                         err) != 0 ||
        dauys_db_prepare(db, &w->find_latest_summary,
                         "SELECT p.version, s.log_index FROM summary p JOIN submission s "
                         "ON s.seq = p.submission WHERE p.level = ?1 AND p.area = ?2 "
                         "ORDER BY p.version DESC LIMIT 1",
                         err) != 0 ||
        dauys_db_prepare(db, &w->supersede_summary,
                         "UPDATE summary SET state = 'superseded' WHERE level = ?1 AND "
                         "area = ?2 AND state = 'current'",
                         err) != 0 ||
        dauys_db_prepare(db, &w->mark_summary_conflict,
                         "UPDATE summary SET state = 'conflicted' WHERE level = ?1 AND "
                         "area = ?2 AND version = ?3",
                         err) != 0 ||
        dauys_db_prepare(db, &w->insert_summary,
                         "INSERT INTO summary(level, area, version, submission, state, on_list) "
                         "VALUES (?1, ?2, ?3, ?4, 'current', ?5)",
                         err) != 0 ||
        dauys_db_prepare(db, &w->insert_summary_item,
                         "INSERT INTO summary_item(level, area, version, item, item_version) "
                         "VALUES (?1, ?2, ?3, ?4, ?5)",
                         err) != 0 ||
        dauys_db_prepare(db, &w->insert_summary_answer,
                         "INSERT INTO summary_answer(level, area, version, question, received, "
                         "issued, cancelled, in_boxes, yes, no, not_counted, invalid) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                         err) != 0) {
        return -1;
    }
    return 0;
}

static int
writer_prepare(writer *w, dauys_error *err)
{
    sqlite3 *db = w->ws->db;

    /* Both lookups of a duplicate go through a unique key, so that one
     * protocol sent with thousands of signature files costs O(log n) a file,
     * not a scan of its earlier copies: the expression is the one index
     * submission_files is built on, and a protocol that counts is found by
     * the primary key (precinct, version) of its protocol row. */
    if (dauys_db_prepare(db, &w->find_same_files,
                         "SELECT s.seq, s.outcome, s.log_index, l.sha256, s.reason_code, "
                         "s.reason FROM submission s JOIN log_entry l ON l.idx = s.log_index "
                         "WHERE s.protocol_sha256 = ?1 AND "
                         "ifnull(s.signature_sha256, x'') = ifnull(?2, x'') AND "
                         "s.manifest_version = ?3",
                         err) != 0 ||
        dauys_db_prepare(db, &w->find_counted,
                         "SELECT s.seq, s.outcome, s.log_index, l.sha256, s.reason_code, "
                         "s.reason FROM protocol p JOIN submission s ON s.seq = p.submission "
                         "JOIN log_entry l ON l.idx = s.log_index WHERE p.precinct = ?1 AND "
                         "p.version = ?2 AND s.protocol_sha256 = ?3",
                         err) != 0 ||
        dauys_db_prepare(db, &w->insert_submission,
                         "INSERT INTO submission(protocol_sha256, signature_sha256, protocol, "
                         "signature, source, precinct, version, outcome, reason_code, reason, "
                         "manifest_version, log_index, level, area) VALUES (?1, ?2, ?3, ?4, ?5, "
                         "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                         err) != 0 ||
        dauys_db_prepare(db, &w->find_latest,
                         "SELECT p.version, s.log_index FROM protocol p JOIN submission s "
                         "ON s.seq = p.submission WHERE p.precinct = ?1 "
                         "ORDER BY p.version DESC LIMIT 1",
                         err) != 0 ||
        dauys_db_prepare(db, &w->supersede_current,
                         "UPDATE protocol SET state = 'superseded' WHERE precinct = ?1 AND "
                         "state = 'current'",
                         err) != 0 ||
        dauys_db_prepare(db, &w->mark_conflict,
                         "UPDATE protocol SET state = 'conflicted' WHERE precinct = ?1 AND "
                         "version = ?2",
                         err) != 0 ||
        dauys_db_prepare(db, &w->insert_protocol,
                         "INSERT INTO protocol(precinct, version, submission, state, on_list) "
                         "VALUES (?1, ?2, ?3, 'current', ?4)",
                         err) != 0 ||
        dauys_db_prepare(db, &w->insert_answer,
                         "INSERT INTO protocol_answer(precinct, version, question, received, "
                         "issued, cancelled, in_boxes, yes, no, not_counted, invalid) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                         err) != 0 ||
        dauys_db_prepare(db, &w->insert_warning,
                         "INSERT INTO warning(submission, code, message) VALUES (?1, ?2, ?3)",
                         err) != 0 ||
        dauys_db_prepare(db, &w->count_warnings,
                         "SELECT count(*) FROM warning WHERE submission = ?1", err) != 0) {
        return -1;
    }
    return writer_prepare_summary(w, err);
}

static void
writer_finalize(writer *w)
{
    sqlite3_stmt *all[] = {w->find_same_files,     w->find_counted,          w->insert_submission,
                           w->find_latest,         w->supersede_current,     w->mark_conflict,
                           w->insert_protocol,     w->insert_answer,         w->insert_warning,
                           w->count_warnings,      w->find_counted_summary,  w->find_latest_summary,
                           w->supersede_summary,   w->mark_summary_conflict, w->insert_summary,
                           w->insert_summary_item, w->insert_summary_answer};

    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        sqlite3_finalize(all[i]);
    }
}

/* Notes what became of IT, to be reported once its chunk is committed. */
static void
tell(ingest_item *it, const char *outcome, const char *code, const char *reason, size_t warnings)
{
    it->told_outcome = outcome;
    it->told_code = code;
    it->told_reason = reason;
    it->told_warnings = warnings;
}

/* Reports each directory entry skipped as no protocol, with what it is. */
static void
report_skipped(const dauys_filelist *skipped, const dauys_ingest_hooks *hooks)
{
    struct stat st;

    for (size_t i = 0; i < skipped->count && hooks != NULL && hooks->on_report != NULL; i++) {
        int known = lstat(skipped->path[i], &st) == 0;
        dauys_ingest_report r = {
            .path = skipped->path[i],
            .outcome = "skipped",
            .reason = known && S_ISLNK(st.st_mode)   ? "a symbolic link (not followed)"
                      : known && S_ISDIR(st.st_mode) ? "a directory (not searched)"
                                                     : "not a regular file",
        };
        hooks->on_report(&r, hooks->ctx);
    }
}

/* Reports what became of each item of a committed chunk. */
static void
report_chunk(const writer *w, const ingest_item *items, size_t count)
{
    for (size_t i = 0; i < count && w->hooks != NULL && w->hooks->on_report != NULL; i++) {
        const ingest_item *it = &items[i];
        dauys_ingest_report r = {
            .path = it->path,
            .outcome = it->told_outcome,
            .precinct = item_precinct(it),
            .summary_level =
                item_summary(it) ? dauys_summary_level_name(item_summary(it)->level) : NULL,
            .summary_area = item_summary(it) ? item_summary(it)->area : NULL,
            .version = item_version(it),
            .reason_code = it->told_code,
            .reason = it->told_reason,
            .warnings = it->told_warnings,
        };
        w->hooks->on_report(&r, w->hooks->ctx);
    }
}

/* Keeps in IT the answer the submission SEQ got (the row ST is on): its
 * outcome, reason, log entry and warnings, so that the same bytes again get
 * the same answer. */
static int
keep_first_answer(writer *w, sqlite3_stmt *st, ingest_item *it, int64_t seq, dauys_error *err)
{
    const unsigned char *code = sqlite3_column_text(st, 4), *reason = sqlite3_column_text(st, 5);
    int rc;

    snprintf(it->first_outcome, sizeof it->first_outcome, "%s",
             (const char *) sqlite3_column_text(st, 1));
    snprintf(it->first_code, sizeof it->first_code, "%s", code ? (const char *) code : "");
    snprintf(it->first_reason, sizeof it->first_reason, "%s", reason ? (const char *) reason : "");
    it->told_index = (uint64_t) sqlite3_column_int64(st, 2);
    if (sqlite3_column_bytes(st, 3) != 32) {
        return dauys_error_set(err, DAUYS_E_DATABASE, "log entry %llu is damaged",
                               (unsigned long long) it->told_index);
    }
    memcpy(it->told_entry_sha256, sqlite3_column_blob(st, 3), 32);
    it->told_recorded = 1;
    if (dauys_db_bind_int(w->count_warnings, 1, seq)) {
        return dauys_db_bind_fail(w->count_warnings, err, "binding a submission");
    }
    if ((rc = dauys_db_step_row(w->count_warnings, err)) < 0) {
        return -1;
    }
    it->first_warnings = rc > 0 ? (size_t) sqlite3_column_int64(w->count_warnings, 0) : 0;
    sqlite3_reset(w->count_warnings);
    return 0;
}

/* Steps ST, a duplicate lookup: 1 (and tells IT which submission it repeats)
 * for a row, 0 for none, -1 on error. */
static int
found_duplicate(writer *w, sqlite3_stmt *st, ingest_item *it, dauys_error *err)
{
    int64_t seq;
    int rc;

    if ((rc = dauys_db_step_row(st, err)) <= 0) {
        return rc;
    }
    seq = sqlite3_column_int64(st, 0);
    if (keep_first_answer(w, st, it, seq, err) != 0) {
        sqlite3_reset(st);
        return -1;
    }
    /* a duplicate is not recorded: its own reason is no longer needed */
    snprintf(it->reason, sizeof it->reason, "the same bytes as submission #%lld (%s)%s",
             (long long) seq, (const char *) sqlite3_column_text(st, 1),
             it->sig_secret ? "; its signature file is a minisign secret key (refused: nothing "
                              "of it is kept)"
                            : "");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    w->sum->duplicates++;
    tell(it, "duplicate", NULL, it->reason, 0);
    return 1;
}

/*
 * 1 (and tells it) if the item is a duplicate: the same protocol bytes as
 * a version that already counts, or the same protocol and signature files
 * judged under this manifest version. The same bytes after a rejection (say,
 * now with the signature that was missing, or after the roster changed) are a
 * new submission. A protocol that counts had its header read, and the same
 * bytes have the same header: so only an item whose header was read can
 * repeat one, and it names the protocol row to look at.
 */
static int
is_duplicate(writer *w, ingest_item *it, dauys_error *err)
{
    int rc;

    if (item_summary(it) != NULL) {
        if (bind_area(w->find_counted_summary, it->summary) ||
            dauys_db_bind_int(w->find_counted_summary, 3, it->summary->version) ||
            dauys_db_bind_blob(w->find_counted_summary, 4, it->text_sha256, 32)) {
            return dauys_db_bind_fail(w->find_counted_summary, err, "binding a summary's version");
        }
        if ((rc = found_duplicate(w, w->find_counted_summary, it, err)) != 0) {
            return rc;
        }
    } else if (it->header_ok) {
        if (dauys_db_bind_text(w->find_counted, 1, it->protocol.precinct) ||
            dauys_db_bind_int(w->find_counted, 2, it->protocol.version) ||
            dauys_db_bind_blob(w->find_counted, 3, it->text_sha256, 32)) {
            return dauys_db_bind_fail(w->find_counted, err, "binding a protocol's version");
        }
        if ((rc = found_duplicate(w, w->find_counted, it, err)) != 0) {
            return rc;
        }
    }
    if (dauys_db_bind_blob(w->find_same_files, 1, it->text_sha256, 32) ||
        dauys_db_bind_blob(w->find_same_files, 2, it->has_sig ? it->sig_sha256 : NULL, 32) ||
        dauys_db_bind_int(w->find_same_files, 3, w->ws->manifest.version)) {
        return dauys_db_bind_fail(w->find_same_files, err, "binding a submission's files");
    }
    return found_duplicate(w, w->find_same_files, it, err);
}

/*
 * For a valid protocol, compares its version with the latest one received
 * for the precinct: accepted, correction, conflict or stale, with a reason
 * for the last two. *PREVIOUS is the latest version (0: none).
 */
static outcome_t
decide(writer *w, ingest_item *it, int64_t *previous, dauys_error *err)
{
    const dauys_summary *sm = item_summary(it);
    sqlite3_stmt *find = sm != NULL ? w->find_latest_summary : w->find_latest;
    int64_t latest, entry, v = item_version(it);
    int rc;

    if (sm != NULL ? bind_area(find, sm) : dauys_db_bind_text(find, 1, it->protocol.precinct)) {
        dauys_db_bind_fail(find, err, "binding a precinct or area");
        return OUT_FAILED;
    }
    if ((rc = dauys_db_step_row(find, err)) < 0) {
        return OUT_FAILED;
    }
    *previous = 0;
    if (rc == 0) {
        return OUT_ACCEPTED;
    }
    latest = sqlite3_column_int64(find, 0);
    entry = sqlite3_column_int64(find, 1);
    sqlite3_reset(find);
    *previous = latest;
    if (v > latest) {
        return OUT_CORRECTION;
    }
    snprintf(it->reason_code, sizeof it->reason_code, "%s", v == latest ? "conflict" : "stale");
    snprintf(it->reason, sizeof it->reason,
             v == latest ? (sm != NULL ? "version %lld was already received with different "
                                         "content (log entry %lld); neither is the area's "
                                         "summary until a higher version arrives"
                                       : "version %lld was already received with different "
                                         "content (log entry %lld); neither counts until a "
                                         "higher version arrives")
                         : "version %lld is older than version %lld already received",
             (long long) v, v == latest ? (long long) entry : (long long) latest);
    return v == latest ? OUT_CONFLICT : OUT_STALE;
}

/* Appends the log entry and the submission row for IT with OUTCOME; *SEQ its row. */
static int
record_submission(writer *w, ingest_item *it, outcome_t o, int64_t *seq, dauys_error *err)
{
    int has_reason = !outcome_counts(o);
    dauys_log_event e = {
        .event = outcome_name[o],
        .referendum = w->ws->manifest.referendum,
        .precinct = item_precinct(it),
        .summary_level =
            item_summary(it) ? dauys_summary_level_name(item_summary(it)->level) : NULL,
        .summary_area = item_summary(it) ? item_summary(it)->area : NULL,
        .version = item_version(it),
        .has_signature = it->has_sig,
        .reason_code = has_reason ? it->reason_code : NULL,
        .reason = has_reason ? it->reason : NULL,
    };
    sqlite3_stmt *insert = w->insert_submission;
    uint64_t index;

    memcpy(e.file_sha256, it->text_sha256, 32);
    memcpy(e.signature_sha256, it->sig_sha256, 32);
    if (dauys_log_append(w->ws, &e, &index, err) != 0) {
        return -1;
    }
    it->told_index = index;
    memcpy(it->told_entry_sha256, w->ws->head.last, 32); /* the entry just appended */
    it->told_recorded = 1;
    if (dauys_db_bind_blob(insert, 1, it->text_sha256, 32) ||
        dauys_db_bind_blob(insert, 2, it->has_sig ? it->sig_sha256 : NULL, 32) ||
        dauys_db_bind_blob(insert, 3, it->text, it->text_len) ||
        dauys_db_bind_blob(insert, 4, it->sig, it->sig_len) ||
        dauys_db_bind_text(insert, 5, it->path) || dauys_db_bind_text(insert, 6, e.precinct) ||
        (e.version != 0 && dauys_db_bind_int(insert, 7, e.version)) ||
        dauys_db_bind_text(insert, 8, outcome_name[o]) ||
        dauys_db_bind_text(insert, 9, e.reason_code) || dauys_db_bind_text(insert, 10, e.reason) ||
        dauys_db_bind_int(insert, 11, w->ws->manifest.version) ||
        dauys_db_bind_int(insert, 12, (int64_t) index) ||
        dauys_db_bind_text(insert, 13, e.summary_level) ||
        dauys_db_bind_text(insert, 14, e.summary_area)) {
        return dauys_db_bind_fail(insert, err, "binding a submission");
    }
    if (dauys_db_step_done(insert, err) != 0) {
        return -1;
    }
    *seq = sqlite3_last_insert_rowid(w->ws->db);
    return 0;
}

static int record_warnings(writer *w, const ingest_item *it, int64_t seq, dauys_error *err);

/* Binds a protocol's or summary's eight counts of A to ST's ?FIRST... */
static int
bind_answers(sqlite3_stmt *st, int first, const dauys_answers *a)
{
    const int64_t v[] = {(int64_t) a->ballots.received,
                         (int64_t) a->ballots.issued,
                         (int64_t) a->ballots.cancelled,
                         (int64_t) a->ballots.in_boxes,
                         (int64_t) a->yes,
                         (int64_t) a->no,
                         (int64_t) a->not_counted,
                         (int64_t) a->invalid};
    int failed = 0;

    for (int k = 0; k < 8 && !failed; k++) {
        failed = dauys_db_bind_int(st, first + k, v[k]);
    }
    return failed;
}

/* Stores an accepted summary as its area's current one: its items, its
 * numbers per question, its warnings. */
static int
record_summary(writer *w, const ingest_item *it, int64_t seq, dauys_error *err)
{
    const dauys_summary *sm = it->summary;
    const dauys_manifest *m = &w->ws->manifest;

    if (bind_area(w->insert_summary, sm) || dauys_db_bind_int(w->insert_summary, 3, sm->version) ||
        dauys_db_bind_int(w->insert_summary, 4, seq) ||
        dauys_db_bind_int(w->insert_summary, 5, (int64_t) sm->on_list)) {
        return dauys_db_bind_fail(w->insert_summary, err, "binding a summary");
    }
    if (dauys_db_step_done(w->insert_summary, err) != 0) {
        return -1;
    }
    for (size_t i = 0; i < sm->item_count; i++) {
        if (bind_area(w->insert_summary_item, sm) ||
            dauys_db_bind_int(w->insert_summary_item, 3, sm->version) ||
            dauys_db_bind_text(w->insert_summary_item, 4, sm->item[i].id) ||
            dauys_db_bind_int(w->insert_summary_item, 5, sm->item[i].version)) {
            return dauys_db_bind_fail(w->insert_summary_item, err, "binding a summary's item");
        }
        if (dauys_db_step_done(w->insert_summary_item, err) != 0) {
            return -1;
        }
    }
    for (size_t i = 0; i < sm->question_count; i++) {
        if (bind_area(w->insert_summary_answer, sm) ||
            dauys_db_bind_int(w->insert_summary_answer, 3, sm->version) ||
            dauys_db_bind_text(w->insert_summary_answer, 4, m->question[i].id) ||
            bind_answers(w->insert_summary_answer, 5, &sm->answer[i])) {
            return dauys_db_bind_fail(w->insert_summary_answer, err, "binding a summary's answers");
        }
        if (dauys_db_step_done(w->insert_summary_answer, err) != 0) {
            return -1;
        }
    }
    return record_warnings(w, it, seq, err);
}

/* Stores the numbers of an accepted protocol as the precinct's current one. */
static int
record_protocol(writer *w, const ingest_item *it, int64_t seq, dauys_error *err)
{
    const dauys_protocol *p = &it->protocol;
    const dauys_manifest *m = &w->ws->manifest;

    if (dauys_db_bind_text(w->insert_protocol, 1, p->precinct) ||
        dauys_db_bind_int(w->insert_protocol, 2, p->version) ||
        dauys_db_bind_int(w->insert_protocol, 3, seq) ||
        dauys_db_bind_int(w->insert_protocol, 4, (int64_t) p->on_list)) {
        return dauys_db_bind_fail(w->insert_protocol, err, "binding a protocol");
    }
    if (dauys_db_step_done(w->insert_protocol, err) != 0) {
        return -1;
    }
    for (size_t i = 0; i < p->question_count; i++) {
        if (dauys_db_bind_text(w->insert_answer, 1, p->precinct) ||
            dauys_db_bind_int(w->insert_answer, 2, p->version) ||
            dauys_db_bind_text(w->insert_answer, 3, m->question[i].id) ||
            bind_answers(w->insert_answer, 4, &p->answer[i])) {
            return dauys_db_bind_fail(w->insert_answer, err, "binding a protocol's answers");
        }
        if (dauys_db_step_done(w->insert_answer, err) != 0) {
            return -1;
        }
    }
    return record_warnings(w, it, seq, err);
}

/* Stores the W findings of an accepted protocol or summary. */
static int
record_warnings(writer *w, const ingest_item *it, int64_t seq, dauys_error *err)
{
    for (size_t i = 0; i < it->findings.count; i++) {
        if (dauys_db_bind_int(w->insert_warning, 1, seq) ||
            dauys_db_bind_text(w->insert_warning, 2, it->findings.item[i].code) ||
            dauys_db_bind_text(w->insert_warning, 3, it->findings.item[i].message)) {
            return dauys_db_bind_fail(w->insert_warning, err, "binding a warning");
        }
        if (dauys_db_step_done(w->insert_warning, err) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Updates the states of earlier versions for a correction or a conflict. */
static int
update_states(writer *w, const ingest_item *it, outcome_t o, int64_t previous, dauys_error *err)
{
    const dauys_summary *sm = item_summary(it);

    if (sm != NULL && (o == OUT_CORRECTION || o == OUT_CONFLICT)) {
        sqlite3_stmt *st = o == OUT_CORRECTION ? w->supersede_summary : w->mark_summary_conflict;
        if (bind_area(st, sm) || (o == OUT_CONFLICT && dauys_db_bind_int(st, 3, previous))) {
            return dauys_db_bind_fail(st, err, "binding a summary's state");
        }
        return dauys_db_step_done(st, err);
    }
    if (o == OUT_CORRECTION) {
        if (dauys_db_bind_text(w->supersede_current, 1, it->protocol.precinct)) {
            return dauys_db_bind_fail(w->supersede_current, err, "binding a precinct");
        }
        return dauys_db_step_done(w->supersede_current, err);
    }
    if (o == OUT_CONFLICT) {
        if (dauys_db_bind_text(w->mark_conflict, 1, it->protocol.precinct) ||
            dauys_db_bind_int(w->mark_conflict, 2, previous)) {
            return dauys_db_bind_fail(w->mark_conflict, err, "binding a conflict");
        }
        return dauys_db_step_done(w->mark_conflict, err);
    }
    return 0;
}

static void
count_outcome(dauys_ingest_summary *s, outcome_t o)
{
    size_t *counter[] = {&s->accepted, &s->corrections, &s->rejected,
                         &s->replays,  &s->conflicts,   &s->stale};
    (*counter[o])++;
}

/* Records one verified item (inside the chunk's transaction). */
static int
apply(writer *w, ingest_item *it, dauys_error *err)
{
    outcome_t o;
    int64_t seq = 0, previous = 0;
    int dup, counts;

    if (it->verdict == ITEM_FAILED) { /* the chunk is rolled back */
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: %s", it->path, it->reason);
    }
    if (it->verdict == ITEM_UNREADABLE) {
        w->sum->unreadable++;
        tell(it, "unreadable", it->reason_code, it->reason, 0);
        return 0;
    }
    /* A secret key is not a submission: nothing of it is recorded, so that
     * neither its bytes nor their hash reach the log and the bundles. */
    if (it->verdict == ITEM_SECRET) {
        w->sum->secret_keys++;
        tell(it, "refused", it->reason_code, it->reason, 0);
        return 0;
    }
    w->sum->secret_keys += it->sig_secret != 0; /* the protocol goes on, as unsigned */
    if ((dup = is_duplicate(w, it, err)) != 0) {
        return dup < 0 ? -1 : 0;
    }
    o = it->verdict == ITEM_REPLAY     ? OUT_REPLAY
        : it->verdict == ITEM_REJECTED ? OUT_REJECTED
                                       : decide(w, it, &previous, err);
    if (o == OUT_FAILED || record_submission(w, it, o, &seq, err) != 0 ||
        update_states(w, it, o, previous, err) != 0) {
        return -1;
    }
    counts = outcome_counts(o);
    if (counts && (item_summary(it) != NULL ? record_summary(w, it, seq, err)
                                            : record_protocol(w, it, seq, err)) != 0) {
        return -1;
    }
    count_outcome(w->sum, o);
    w->sum->warnings += counts ? it->findings.count : 0;
    tell(it, outcome_name[o], counts ? NULL : it->reason_code, counts ? NULL : it->reason,
         counts ? it->findings.count : 0);
    return 0;
}

/* A chunk being verified on the pool's threads (which hold its address). */
typedef struct verify_job {
    ingest_item *items;
    const dauys_manifest *m;
} verify_job;

typedef struct verifying {
    verify_job job;
    dauys_pool_task task;
    dauys_pool pool;
} verifying;

/* Verifies item I of CTX's chunk (pool hook: a verdict, never a failure). */
static int
verify_item(void *ctx, void *local, size_t i, dauys_error *err)
{
    const verify_job *job = ctx;

    (void) local;
    (void) err;
    dauys_ingest_item_verify(&job->items[i], job->m);
    return 0;
}

/* Starts verifying the COUNT items on THREADS threads, which run while the
 * caller goes on (writing the chunk before); with one thread, they are
 * verified in verify_join. Every start is followed by one verify_join. */
static void
verify_start(verifying *v, ingest_item *items, size_t count, const dauys_manifest *m,
             unsigned threads)
{
    v->job = (verify_job){.items = items, .m = m};
    v->task = (dauys_pool_task){.ctx = &v->job, .count = count, .run = verify_item};
    dauys_pool_start(&v->pool, &v->task, threads > 1 ? threads : 0);
}

static void
verify_join(verifying *v)
{
    /* items fail with verdicts, never the pool */
    int failed = dauys_pool_wait(&v->pool, NULL);

    assert(failed == 0);
    (void) failed;
}

/*
 * Records a verified chunk in one transaction, then reports each item. On
 * failure nothing of the chunk is recorded, reported or counted in the
 * summary: the summary stays true to what the workspace holds.
 */
static int
write_chunk(writer *w, ingest_item *items, size_t count, dauys_error *err)
{
    dauys_ingest_summary before = *w->sum;

    if (dauys_workspace_begin(w->ws, err) != 0) {
        return -1;
    }
    /* The chunk was verified against our roster: if another process has
     * accepted a new manifest version since, nothing of it may be recorded. */
    if (dauys_workspace_check_manifest(w->ws, err) != 0) {
        goto failed;
    }
    for (size_t i = 0; i < count; i++) {
        if (apply(w, &items[i], err) != 0) {
            goto failed;
        }
    }
    if (dauys_workspace_commit(w->ws, err) != 0) { /* rolled back */
        *w->sum = before;
        return -1;
    }
    report_chunk(w, items, count);
    return 0;
failed:
    dauys_workspace_rollback(w->ws);
    *w->sum = before;
    return -1;
}

int
dauys_ingest(dauys_workspace *ws, char *const *paths, size_t count, unsigned threads,
             dauys_ingest_summary *sum, const dauys_ingest_hooks *hooks, dauys_error *err)
{
    writer w = {.ws = ws, .sum = sum, .hooks = hooks};
    dauys_filelist files, skipped;
    ingest_item *items = NULL;
    verifying v[2];
    int rc = -1;

    memset(sum, 0, sizeof *sum);
    if (threads == 0) {
        threads = (unsigned) sysconf(_SC_NPROCESSORS_ONLN);
    }
    if (dauys_filelist_collect(&files, &skipped, paths, count, err) != 0) {
        goto done;
    }
    report_skipped(&skipped, hooks);
    sum->skipped = skipped.count;
    sum->files = files.count;
    if ((items = dauys_malloc_array(2 * HALF, sizeof *items)) == NULL) {
        dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
        goto done;
    }
    if (writer_prepare(&w, err) != 0) {
        goto done;
    }
    /* Two halves take turns: the threads verify one while this thread
     * records the other, so the writer and the verifiers work at once. */
    for (size_t start = 0, half = 0, pending = 0; start < files.count || pending;) {
        ingest_item *cur = items + half * HALF, *prev = items + (1 - half) * HALF;
        size_t n = files.count - start < HALF ? files.count - start : HALF;
        if (pending) {
            verify_join(&v[1 - half]);
        }
        if (n > 0) {
            for (size_t i = 0; i < n; i++) {
                /* the fields before the protocol only: the parser and the
                 * relations fill those (zeroing 30 KB per file cost 6 %) */
                memset(&cur[i], 0, offsetof(ingest_item, protocol));
                cur[i].findings.count = cur[i].findings.errors = 0;
                cur[i].path = files.path[start + i];
            }
            verify_start(&v[half], cur, n, &ws->manifest, threads);
        }
        int failed = pending ? write_chunk(&w, prev, pending, err) : 0;
        for (size_t i = 0; i < pending; i++) {
            dauys_ingest_item_clear(&prev[i]);
        }
        if (failed != 0) {
            if (n > 0) {
                verify_join(&v[half]);
                for (size_t i = 0; i < n; i++) {
                    dauys_ingest_item_clear(&cur[i]);
                }
            }
            goto done;
        }
        if (pending && hooks != NULL && hooks->on_progress != NULL) {
            hooks->on_progress(start, files.count, hooks->ctx);
        }
        pending = n;
        start += n;
        half = 1 - half;
    }
    rc = 0;
done:
    writer_finalize(&w);
    dauys_free(items);
    dauys_filelist_free(&files);
    dauys_filelist_free(&skipped);
    return rc;
}

/* --- Submissions held in memory, recorded by a session (ingest.h) --------- */

struct dauys_ingest_submission {
    ingest_item item;
    char *source;
    /* The verification's verdict: a batch rolled back leaves its decision
     * (conflict, duplicate...) in the item; this is put back. */
    char verified_code[sizeof(((ingest_item *) 0)->reason_code)];
    char verified_reason[sizeof(((ingest_item *) 0)->reason)];
};

struct dauys_ingest_session {
    writer w;
    dauys_ingest_summary sum;
};

int
dauys_ingest_submission_verify(dauys_ingest_submission **out, const dauys_manifest *m,
                               const char *source, const void *text, size_t text_len,
                               const void *sig, size_t sig_len, dauys_error *err)
{
    dauys_ingest_submission *s = dauys_malloc(sizeof *s);

    *out = NULL;
    if (s == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for a submission");
    }
    memset(&s->item, 0, offsetof(ingest_item, protocol));
    s->item.findings.count = s->item.findings.errors = 0;
    if ((s->source = dauys_strdup(source)) == NULL) {
        dauys_free(s);
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for a submission");
    }
    s->item.path = s->source;
    dauys_ingest_item_verify_bytes(&s->item, m, text, text_len, sig, sig_len);
    if (s->item.verdict == ITEM_FAILED) {
        dauys_error_set(err, DAUYS_E_NOMEM, "%s", s->item.reason);
        dauys_ingest_submission_free(s);
        return -1;
    }
    memcpy(s->verified_code, s->item.reason_code, sizeof s->verified_code);
    memcpy(s->verified_reason, s->item.reason, sizeof s->verified_reason);
    *out = s;
    return 0;
}

int
dauys_ingest_submission_signed(const dauys_ingest_submission *s)
{
    return s->item.signed_ok && s->item.verdict != ITEM_FAILED;
}

void
dauys_ingest_submission_answer(dauys_ingest_answer *a, const dauys_ingest_submission *s)
{
    const ingest_item *it = &s->item;
    int duplicate = it->told_outcome != NULL && strcmp(it->told_outcome, "duplicate") == 0;

    memset(a, 0, sizeof *a);
    a->precinct = item_precinct(it);
    a->summary_level = item_summary(it) ? dauys_summary_level_name(item_summary(it)->level) : NULL;
    a->summary_area = item_summary(it) ? item_summary(it)->area : NULL;
    a->version = item_version(it);
    if (!it->told_recorded) {
        a->outcome = "refused";
        a->reason_code = it->reason_code[0] != '\0' ? it->reason_code : "refused";
        a->reason = it->reason[0] != '\0' ? it->reason : "not recorded (yet)";
        return;
    }
    a->recorded = 1;
    a->log_index = it->told_index;
    memcpy(a->entry_sha256, it->told_entry_sha256, 32);
    if (duplicate) { /* the same answer as the first time */
        a->outcome = it->first_outcome;
        a->reason_code = it->first_code[0] != '\0' ? it->first_code : NULL;
        a->reason = it->first_reason[0] != '\0' ? it->first_reason : NULL;
        a->warnings = it->first_warnings;
        return;
    }
    a->outcome = it->told_outcome;
    a->reason_code = it->told_code;
    a->reason = it->told_reason;
    a->warnings = it->told_warnings;
}

void
dauys_ingest_submission_free(dauys_ingest_submission *s)
{
    if (s != NULL) {
        dauys_ingest_item_clear(&s->item);
        dauys_free(s->source);
        dauys_free(s);
    }
}

int
dauys_ingest_session_open(dauys_ingest_session **out, dauys_workspace *ws, dauys_error *err)
{
    dauys_ingest_session *s = dauys_malloc(sizeof *s);

    *out = NULL;
    if (s == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for an ingest session");
    }
    memset(s, 0, sizeof *s);
    s->w = (writer){.ws = ws, .sum = &s->sum};
    if (writer_prepare(&s->w, err) != 0) {
        dauys_ingest_session_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void
dauys_ingest_session_close(dauys_ingest_session *s)
{
    if (s != NULL) {
        writer_finalize(&s->w);
        dauys_free(s);
    }
}

/* Forgets what a batch that was rolled back told its items. */
static void
untell(dauys_ingest_submission *const *subs, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        ingest_item *it = &subs[i]->item;
        it->told_outcome = NULL;
        it->told_recorded = 0;
        it->told_index = 0;
        memset(it->told_entry_sha256, 0, sizeof it->told_entry_sha256);
        memcpy(it->reason_code, subs[i]->verified_code, sizeof it->reason_code);
        memcpy(it->reason, subs[i]->verified_reason, sizeof it->reason);
    }
}

int
dauys_ingest_session_record(dauys_ingest_session *s, dauys_ingest_submission *const *subs,
                            size_t count, dauys_ingest_summary *summary, dauys_error *err)
{
    dauys_ingest_summary before = s->sum;

    if (dauys_workspace_begin(s->w.ws, err) != 0) {
        return -1;
    }
    if (dauys_workspace_check_manifest(s->w.ws, err) != 0) {
        goto failed;
    }
    for (size_t i = 0; i < count; i++) {
        /* Verified against this manifest: anything the log may not take was
         * answered by the caller already. */
        assert(subs[i]->item.verdict != ITEM_UNREADABLE);
        if (apply(&s->w, &subs[i]->item, err) != 0) {
            goto failed;
        }
    }
    if (dauys_workspace_commit(s->w.ws, err) != 0) { /* rolled back */
        s->sum = before;
        untell(subs, count);
        return -1;
    }
    if (summary != NULL) {
        *summary = s->sum;
    }
    return 0;
failed:
    dauys_workspace_rollback(s->w.ws);
    s->sum = before;
    untell(subs, count);
    return -1;
}
