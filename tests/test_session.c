/*
 * test_session.c: submissions held in memory and recorded by an ingest
 * session (ingest.h, what dauys serve uses), against dauys_ingest of the
 * same files.
 *
 * The inputs come from a 20-precinct `dauys demo --files-only` (the program
 * is named by $DAUYS): incoming/ and later/ (accepted, correction, rejected
 * for a bad signature and for R4, replay, conflict, stale, duplicate), and
 * more/, made here, with what the demo does not plant: a correction with a
 * warning (W1), a protocol sent unsigned, one signed by another precinct's
 * key, one naming a precinct not in the manifest, one signed by its precinct
 * that does not parse past its header; and a version 2 of the manifest,
 * signed by the demo's central key.
 *
 * What is proved: a session records the same log and rows as dauys_ingest,
 * one by one or in batches; the answers name the log entry that recorded
 * each and repeat themselves for the same bytes; the gate in front of the
 * log (dauys_ingest_submission_signed) opens for what the roster's key
 * signed and for nothing else; a batch that runs out of memory, or that a
 * new manifest version overtook, records nothing and can be recorded again.
 * $DAUYS_OOM_STEP (default 1) takes every STEP-th allocation in the
 * out-of-memory loop, as in test_ingest.
 */
#define _GNU_SOURCE /* memmem */
#include "tests/support.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "core/alloc.h"
#include "core/file.h"
#include "core/sha256.h"
#include "ingest/ingest.h"
#include "referendum/protocol.h"
#include "store/workspace.h"

/* One input file: its bytes and, if it has one, its signature file's. */
typedef struct input {
    char *path;       /* in the byte order of these paths, as dauys_ingest takes them */
    const char *name; /* the part after DIR/in/ */
    char *text, *sig; /* sig NULL: no .minisig beside it */
    size_t text_len, sig_len;
} input;

static const char *dir;
static char *ws_dir, *ws_db, *ref_db, *manifest_v2;
static char *pristine; /* the empty workspace's database, bytes */
static size_t pristine_len;
static input files[64];
static size_t file_count;
static char *secret_key; /* the demo's central secret key file, bytes */
static size_t secret_key_len;
static char *reference_log, *reference_rows; /* dumps of dauys_ingest's workspace */
static dauys_ingest_summary reference_sum;
static long step = 1;

/* --- the workspace's rows, as text ---------------------------------------- */

static sqlite3 *
open_db(const char *path)
{
    sqlite3 *db;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    return db;
}

/* The first column of SQL's first row, as text (sqlite3_free it). */
static char *
query(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    char *out;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    out = sqlite3_mprintf(
        "%s", sqlite3_column_text(st, 0) ? (const char *) sqlite3_column_text(st, 0) : "");
    sqlite3_finalize(st);
    return out;
}

static long
query_long(const char *path, const char *sql)
{
    sqlite3 *db = open_db(path);
    char *text = query(db, sql);
    long n = atol(text);

    sqlite3_free(text);
    sqlite3_close(db);
    return n;
}

/* Appends every row of TABLE to S, each column quoted, ordered by all of
 * them; the column EXCEPT (may be NULL) is left out. */
static void
dump_table(sqlite3_str *s, sqlite3 *db, const char *table, const char *except)
{
    sqlite3_str *sql = sqlite3_str_new(db);
    sqlite3_stmt *st;
    char *text, pragma[128];
    int columns = 0;

    snprintf(pragma, sizeof pragma, "PRAGMA table_info(%s)", table);
    assert_int_equal(sqlite3_prepare_v2(db, pragma, -1, &st, NULL), SQLITE_OK);
    sqlite3_str_appendall(sql, "SELECT ''");
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *) sqlite3_column_text(st, 1);
        if (except == NULL || strcmp(name, except) != 0) {
            sqlite3_str_appendf(sql, " || quote(%w) || '|'", name);
            columns++;
        }
    }
    sqlite3_finalize(st);
    assert_true(columns > 0);
    sqlite3_str_appendf(sql, " FROM %w ORDER BY 1", table);
    text = sqlite3_str_finish(sql);
    assert_int_equal(sqlite3_prepare_v2(db, text, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_str_appendf(s, "%s: %s\n", table, (const char *) sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_free(text);
}

/* The log (every log_entry row and the tree's nodes), or with ROWS the
 * tables an ingest writes besides, submission's source left out (where it
 * came from differs); sqlite3_free it. */
static char *
dump(const char *path, int rows)
{
    sqlite3 *db = open_db(path);
    sqlite3_str *s = sqlite3_str_new(db);
    static const char *const log_tables[] = {"log_entry", "merkle_node"};
    static const char *const row_tables[] = {"submission", "protocol", "protocol_answer", "warning",
                                             "district_total"};

    for (size_t i = 0; !rows && i < sizeof log_tables / sizeof log_tables[0]; i++) {
        dump_table(s, db, log_tables[i], NULL);
    }
    for (size_t i = 0; rows && i < sizeof row_tables / sizeof row_tables[0]; i++) {
        dump_table(s, db, row_tables[i], "source");
    }
    sqlite3_close(db);
    return sqlite3_str_finish(s);
}

/* Writes the N characters at HEX, from an even offset, as text into OUT
 * (CAP bytes): an X'..' blob is read where it differs. */
static void
unhex(char *out, size_t cap, const char *hex, size_t n)
{
    size_t o = 0;

    for (size_t i = 0; i + 1 < n && o + 1 < cap; i += 2) {
        unsigned v;
        if (sscanf(hex + i, "%2x", &v) != 1) {
            break;
        }
        out[o++] = v >= 0x20 && v < 0x7f ? (char) v : v == '\n' ? '/' : '.';
    }
    out[o] = '\0';
}

/* Fails naming the first line where GOT and WANT differ, and the bytes
 * around the first difference (decoded, for a blob). */
static void
assert_same_dump(const char *got, const char *want, const char *what)
{
    size_t i = 0, line = 0, from;
    char g[128], w[128];

    if (strcmp(got, want) == 0) {
        return;
    }
    while (got[i] == want[i]) {
        if (got[i++] == '\n') {
            line = i;
        }
    }
    /* from an even offset into the blob's hex, some way before the difference */
    const char *blob = strstr(got + line, "X'");
    size_t start = blob != NULL && (size_t) (blob - got) < i ? (size_t) (blob - got) + 2 : line;
    from = i > start + 120 ? start + ((i - 120 - start) & ~(size_t) 1) : start;
    unhex(g, sizeof g, got + from, strnlen(got + from, 240));
    unhex(w, sizeof w, want + from, strnlen(want + from, 240));
    fail_msg("%s: differs from dauys_ingest's at this row:\n  got:  %.80s\n  want: %.80s\n"
             "  there, as text: got  ...%s\n                  want ...%s",
             what, got + line, want + line, g, w);
}

static void
assert_same_log_and_rows(const char *what)
{
    char *log = dump(ws_db, 0), *rows = dump(ws_db, 1);

    assert_same_dump(log, reference_log, what);
    assert_same_dump(rows, reference_rows, what);
    sqlite3_free(log);
    sqlite3_free(rows);
}

static void
fresh_workspace(const char *db)
{
    char wal[600], shm[600];
    dauys_error err;

    snprintf(wal, sizeof wal, "%s-wal", db);
    snprintf(shm, sizeof shm, "%s-shm", db);
    unlink(wal), unlink(shm), unlink(db);
    assert_int_equal(dauys_file_write_atomic(db, pristine, pristine_len, 0600, &err), 0);
}

/* --- answers --------------------------------------------------------------- */

/* An answer copied out of its submission, every field, to compare. */
typedef struct told {
    char outcome[32], precinct[64], code[32], reason[600];
    int has_precinct, has_code, has_reason, recorded;
    unsigned version;
    size_t warnings;
    uint64_t log_index;
    uint8_t entry_sha256[32];
} told;

static void
take(told *t, const dauys_ingest_submission *s)
{
    dauys_ingest_answer a;

    memset(t, 0, sizeof *t);
    dauys_ingest_submission_answer(&a, s);
    assert_non_null(a.outcome);
    snprintf(t->outcome, sizeof t->outcome, "%s", a.outcome);
    if ((t->has_precinct = a.precinct != NULL)) {
        snprintf(t->precinct, sizeof t->precinct, "%s", a.precinct);
    }
    if ((t->has_code = a.reason_code != NULL)) {
        snprintf(t->code, sizeof t->code, "%s", a.reason_code);
    }
    if ((t->has_reason = a.reason != NULL)) {
        snprintf(t->reason, sizeof t->reason, "%s", a.reason);
    }
    t->version = a.version;
    t->warnings = a.warnings;
    t->recorded = a.recorded;
    t->log_index = a.log_index;
    memcpy(t->entry_sha256, a.entry_sha256, 32);
}

static void
assert_same_told(const told *got, const told *want, const char *what)
{
    if (memcmp(got, want, sizeof *got) != 0) {
        fail_msg("%s: the answer changed: got %s (%s, v%u) [%s] %s, warnings %zu, recorded %d at "
                 "%llu; was %s (%s, v%u) [%s] %s, warnings %zu, recorded %d at %llu",
                 what, got->outcome, got->precinct, got->version, got->code, got->reason,
                 got->warnings, got->recorded, (unsigned long long) got->log_index, want->outcome,
                 want->precinct, want->version, want->code, want->reason, want->warnings,
                 want->recorded, (unsigned long long) want->log_index);
    }
}

/* --- sessions ---------------------------------------------------------------- */

static const input *
find_input(const char *name)
{
    for (size_t i = 0; i < file_count; i++) {
        if (strcmp(files[i].name, name) == 0) {
            return &files[i];
        }
    }
    fail_msg("no input %s", name);
    return NULL;
}

static size_t
input_index(const char *name)
{
    return (size_t) (find_input(name) - files);
}

static dauys_ingest_submission *
verify(const dauys_workspace *ws, const char *source, const void *text, size_t text_len,
       const void *sig, size_t sig_len)
{
    dauys_ingest_submission *s = NULL;
    dauys_error err;

    if (dauys_ingest_submission_verify(&s, &ws->manifest, source, text, text_len, sig, sig_len,
                                       &err) != 0) {
        fail_msg("verifying %s: %s", source, err.message);
    }
    return s;
}

static dauys_ingest_submission *
verify_input(const dauys_workspace *ws, const input *in)
{
    char source[300];

    snprintf(source, sizeof source, "session:%s", in->name);
    return verify(ws, source, in->text, in->text_len, in->sig, in->sig_len);
}

/* Every input verified against WS's manifest, in path order (free_all). */
static dauys_ingest_submission **
verify_all(const dauys_workspace *ws)
{
    dauys_ingest_submission **subs = calloc(file_count, sizeof *subs);

    assert_non_null(subs);
    for (size_t i = 0; i < file_count; i++) {
        subs[i] = verify_input(ws, &files[i]);
    }
    return subs;
}

static void
free_all(dauys_ingest_submission **subs, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        dauys_ingest_submission_free(subs[i]);
    }
    free(subs);
}

static dauys_workspace *
open_ws(void)
{
    dauys_workspace *ws = NULL;
    dauys_error err;

    if (dauys_workspace_open(&ws, ws_dir, &err) != 0) {
        fail_msg("opening the workspace: %s", err.message);
    }
    return ws;
}

static dauys_ingest_session *
open_session(dauys_workspace *ws)
{
    dauys_ingest_session *s = NULL;
    dauys_error err;

    if (dauys_ingest_session_open(&s, ws, &err) != 0) {
        fail_msg("opening a session: %s", err.message);
    }
    return s;
}

static void
record(dauys_ingest_session *session, dauys_ingest_submission *const *subs, size_t count,
       dauys_ingest_summary *sum)
{
    dauys_error err;

    if (dauys_ingest_session_record(session, subs, count, sum, &err) != 0) {
        fail_msg("recording %zu submissions: %s", count, err.message);
    }
}

/* Records every input into a fresh workspace, BATCH at a time, in path order. */
static void
record_all_in_batches(size_t batch)
{
    dauys_workspace *ws;
    dauys_ingest_session *session;
    dauys_ingest_submission **subs;

    fresh_workspace(ws_db);
    ws = open_ws();
    subs = verify_all(ws);
    session = open_session(ws);
    for (size_t i = 0; i < file_count; i += batch) {
        record(session, subs + i, file_count - i < batch ? file_count - i : batch, NULL);
    }
    dauys_ingest_session_close(session);
    free_all(subs, file_count);
    dauys_workspace_close(ws);
}

/* --- 1, 2: the same decisions as dauys_ingest -------------------------------- */

/* The reference covers every outcome: else the comparisons below prove less. */
static void
test_reference_has_every_outcome(void **state)
{
    static const char *const kinds[] = {
        "accepted:",      "correction:",       "rejected:R4",     "rejected:signature",
        "rejected:parse", "replay:referendum", "replay:precinct", "conflict:conflict",
        "stale:stale",    "warning:W1",        "wrong-key",       "no-signature",
    };
    sqlite3 *db = open_db(ref_db);
    char *got = query(db, "SELECT group_concat(k, ' ') FROM ("
                          "SELECT DISTINCT outcome || ':' || ifnull(reason_code, '') AS k "
                          "FROM submission UNION SELECT 'warning:' || code FROM warning "
                          "UNION SELECT 'no-signature' FROM submission WHERE signature IS NULL "
                          "AND reason_code = 'signature' UNION SELECT 'wrong-key' FROM "
                          "submission WHERE instr(reason, 'ALA-0002''s key') > 0 AND "
                          "signature IS NOT NULL)");

    (void) state;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strstr(got, kinds[i]) == NULL) {
            fail_msg("the reference has no %s (it has %s)", kinds[i], got);
        }
    }
    assert_int_equal(reference_sum.duplicates, 1);
    assert_int_equal(reference_sum.files, file_count);
    sqlite3_free(got);
    sqlite3_close(db);
}

/* One by one, in path order: the log byte for byte, and the rows. */
static void
test_one_by_one_as_ingest(void **state)
{
    sqlite3 *db;
    char *sources;

    (void) state;
    record_all_in_batches(1);
    assert_same_log_and_rows("recorded one by one");
    /* the source column is the one left out: it says where each came from */
    db = open_db(ws_db);
    sources = query(db, "SELECT count(*) FROM submission WHERE source NOT LIKE 'session:%'");
    assert_string_equal(sources, "0");
    sqlite3_free(sources);
    sqlite3_close(db);
}

static void
test_batches_as_ingest(void **state)
{
    const size_t sizes[] = {7, file_count};

    (void) state;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "recorded %zu at a time", sizes[i]);
        record_all_in_batches(sizes[i]);
        assert_same_log_and_rows(what);
    }
}

/* The same bytes twice in one batch: the second is a duplicate, told what
 * the first was told, and adds nothing to the log. */
static void
test_twice_in_one_batch(void **state)
{
    const input *in = find_input("incoming/ABA-0001.txt");
    dauys_workspace *ws;
    dauys_ingest_session *session;
    dauys_ingest_submission *subs[2];
    dauys_ingest_summary sum;
    told first, second;

    (void) state;
    fresh_workspace(ws_db);
    ws = open_ws();
    subs[0] = verify_input(ws, in);
    subs[1] = verify_input(ws, in);
    session = open_session(ws);
    memset(&sum, 0, sizeof sum);
    record(session, subs, 2, &sum);
    assert_int_equal(sum.accepted, 1);
    assert_int_equal(sum.duplicates, 1);
    assert_int_equal(query_long(ws_db, "SELECT count(*) FROM log_entry"), 2); /* manifest + 1 */
    take(&first, subs[0]);
    take(&second, subs[1]);
    assert_string_equal(first.outcome, "accepted");
    assert_int_equal(first.log_index, 1);
    assert_same_told(&second, &first, "the same bytes in the same batch");
    dauys_ingest_session_close(session);
    dauys_ingest_submission_free(subs[0]);
    dauys_ingest_submission_free(subs[1]);
    dauys_workspace_close(ws);
}

/* --- 3: answers ---------------------------------------------------------------- */

/* Checks the answer T of a recorded submission against the workspace: its
 * log entry's hash, and (unless it repeats another) its row's outcome,
 * reason and warnings. */
static void
assert_answer_is_the_row(sqlite3 *db, const told *t, const char *name, int duplicate)
{
    sqlite3_stmt *st;
    uint8_t sha[32];

    assert_true(t->recorded);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT l.entry, l.sha256, s.outcome, s.reason_code, "
                                        "s.reason, (SELECT count(*) FROM warning w WHERE "
                                        "w.submission = s.seq), s.precinct, s.version, s.source "
                                        "FROM log_entry l JOIN submission s ON s.log_index = "
                                        "l.idx WHERE l.idx = ?1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_bind_int64(st, 1, (sqlite3_int64) t->log_index), SQLITE_OK);
    if (sqlite3_step(st) != SQLITE_ROW) {
        fail_msg("%s: no submission at log index %llu", name, (unsigned long long) t->log_index);
    }
    assert_int_equal(
        dauys_sha256(sha, sqlite3_column_blob(st, 0), (size_t) sqlite3_column_bytes(st, 0)), 0);
    if (memcmp(sha, t->entry_sha256, 32) != 0 || sqlite3_column_bytes(st, 1) != 32 ||
        memcmp(sqlite3_column_blob(st, 1), t->entry_sha256, 32) != 0) {
        fail_msg("%s: entry_sha256 is not the SHA-256 of log entry %llu", name,
                 (unsigned long long) t->log_index);
    }
    assert_string_equal(t->outcome, (const char *) sqlite3_column_text(st, 2));
    assert_int_equal(t->has_code, sqlite3_column_type(st, 3) != SQLITE_NULL);
    assert_int_equal(t->has_reason, sqlite3_column_type(st, 4) != SQLITE_NULL);
    if (t->has_code) {
        assert_string_equal(t->code, (const char *) sqlite3_column_text(st, 3));
        assert_string_equal(t->reason, (const char *) sqlite3_column_text(st, 4));
    }
    assert_int_equal(t->warnings, sqlite3_column_int64(st, 5));
    if (t->has_precinct) {
        assert_string_equal(t->precinct, (const char *) sqlite3_column_text(st, 6));
        assert_int_equal(t->version, sqlite3_column_int64(st, 7));
    }
    /* a duplicate is told the row it repeats, not one of its own */
    if (!duplicate) {
        assert_string_equal((const char *) sqlite3_column_text(st, 8) + strlen("session:"), name);
    } else {
        assert_string_not_equal((const char *) sqlite3_column_text(st, 8) + strlen("session:"),
                                name);
    }
    sqlite3_finalize(st);
}

static void
test_answers(void **state)
{
    dauys_workspace *ws;
    dauys_ingest_session *session;
    dauys_ingest_submission **subs, **again;
    told *before = calloc(file_count, sizeof *before), *after = calloc(file_count, sizeof *after),
         t;
    /* "-copy" sorts before ".txt": the copy is the one that counts */
    size_t copy = input_index("incoming/AST-0001.txt"),
           warned = input_index("more/ABA-0001-v2-warning.txt"),
           broken = input_index("later/TUR-0001-v2-broken.txt");
    const input *wrong_key;
    long log_size;
    sqlite3 *db;

    (void) state;
    assert_non_null(before);
    assert_non_null(after);
    fresh_workspace(ws_db);
    ws = open_ws();
    subs = verify_all(ws);
    for (size_t i = 0; i < file_count; i++) { /* before recording: refused, nothing in the log */
        take(&before[i], subs[i]);
        assert_string_equal(before[i].outcome, "refused");
        assert_false(before[i].recorded);
        assert_int_equal(before[i].log_index, 0);
        assert_true(before[i].has_code);
    }
    session = open_session(ws);
    for (size_t i = 0; i < file_count; i += 7) {
        record(session, subs + i, file_count - i < 7 ? file_count - i : 7, NULL);
    }
    db = open_db(ws_db);
    for (size_t i = 0; i < file_count; i++) {
        take(&after[i], subs[i]);
        assert_answer_is_the_row(db, &after[i], files[i].name, i == copy);
        /* what the verification alone decided was the reason before */
        if (strcmp(after[i].outcome, "rejected") == 0 || strcmp(after[i].outcome, "replay") == 0) {
            assert_string_equal(before[i].code, after[i].code);
            assert_string_equal(before[i].reason, after[i].reason);
        }
    }
    sqlite3_close(db);
    assert_same_told(&after[copy], &after[input_index("incoming/AST-0001-copy.txt")],
                     "a duplicate and what it repeats");
    assert_int_equal(after[warned].warnings, 1);
    assert_string_equal(after[warned].outcome, "correction");
    assert_string_equal(after[broken].code, "R4");
    dauys_ingest_session_close(session);

    /* the same bytes again, in another batch of another session: the same
     * answers, every field, and nothing added to the log */
    log_size = query_long(ws_db, "SELECT count(*) FROM log_entry");
    again = verify_all(ws);
    session = open_session(ws);
    record(session, again, file_count, NULL);
    assert_int_equal(query_long(ws_db, "SELECT count(*) FROM log_entry"), log_size);
    for (size_t i = 0; i < file_count; i++) {
        take(&t, again[i]);
        assert_same_told(&t, &after[i], files[i].name);
    }
    dauys_ingest_session_close(session);
    free_all(again, file_count);

    /* one not recorded is refused with the verification's reason: the
     * one it is recorded with */
    again = calloc(1, sizeof *again);
    assert_non_null(again);
    wrong_key = find_input("more/ALA-0002-v2-wrong-key.txt"); /* now without its signature */
    again[0] = verify(ws, "session:unsigned", wrong_key->text, wrong_key->text_len, NULL, 0);
    take(&before[0], again[0]);
    assert_string_equal(before[0].outcome, "refused");
    assert_string_equal(before[0].code, "signature");
    assert_true(before[0].reason[0] != '\0');
    session = open_session(ws);
    record(session, again, 1, NULL);
    take(&t, again[0]);
    assert_string_equal(t.outcome, "rejected");
    assert_string_equal(t.code, before[0].code);
    assert_string_equal(t.reason, before[0].reason);
    dauys_ingest_session_close(session);
    free_all(again, 1);

    free_all(subs, file_count);
    dauys_workspace_close(ws);
    free(before), free(after);
}

/* --- 4: the gate ---------------------------------------------------------------- */

/* Verifies TEXT with SIG (NULL: none) and checks what the gate says. */
static void
assert_gate(const dauys_workspace *ws, const char *what, const void *text, size_t text_len,
            const void *sig, size_t sig_len, int want)
{
    dauys_ingest_submission *s = verify(ws, what, text, text_len, sig, sig_len);
    int got = dauys_ingest_submission_signed(s);

    if (got != want) {
        dauys_ingest_answer a;
        dauys_ingest_submission_answer(&a, s);
        fail_msg("%s: the gate says %d, not %d (%s: %s)", what, got, want,
                 a.reason_code ? a.reason_code : "-", a.reason ? a.reason : "-");
    }
    dauys_ingest_submission_free(s);
}

static void
assert_gate_input(const dauys_workspace *ws, const char *name, int want)
{
    const input *in = find_input(name);
    assert_gate(ws, name, in->text, in->text_len, in->sig, in->sig_len, want);
}

/*
 * Fails if DATA holds anything of the secret key file: its secret seed
 * (bytes 62 to 93 of the decoded key, minisign's layout: algorithms 6, salt
 * 32, limits 16, key id 8, then the seed and the public key, which the
 * roster holds anyway), raw, in hex, or as any 12 characters of the base64
 * that encode it; or the file's SHA-256, raw or in hex.
 */
static void
assert_nothing_of_the_secret(const void *data, size_t len, const char *where)
{
    const char *line = memchr(secret_key, '\n', secret_key_len);
    uint8_t key[158], sha[32];
    char hex[65];
    size_t key_len = 0;

    assert_non_null(line);
    line++;
    assert_int_equal(sodium_base642bin(key, sizeof key, line,
                                       (size_t) (secret_key + secret_key_len - line), "\n",
                                       &key_len, NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(key_len, sizeof key);
    /* characters 84 to 123 encode bytes 63 to 92: the seed's, none of the public key's */
    for (const char *p = line + 84; p + 12 <= line + 124; p++) {
        if (memmem(data, len, p, 12) != NULL) {
            fail_msg("%s holds the secret key's base64: %.12s", where, p);
        }
    }
    sodium_bin2hex(hex, sizeof hex, key + 62, 32);
    if (memmem(data, len, key + 62, 32) != NULL || memmem(data, len, hex, 64) != NULL) {
        fail_msg("%s holds the secret key's seed", where);
    }
    assert_int_equal(dauys_sha256(sha, secret_key, secret_key_len), 0);
    dauys_sha256_hex(hex, sha);
    if (memmem(data, len, sha, 32) != NULL || memmem(data, len, hex, 64) != NULL) {
        fail_msg("%s holds the secret key's SHA-256", where);
    }
    sodium_memzero(key, sizeof key);
}

static void
test_gate(void **state)
{
    const input *valid = find_input("incoming/ABA-0001.txt");
    size_t big_len = DAUYS_PROTOCOL_FILE_MAX + 1;
    char *big = malloc(big_len), *db_bytes;
    static const char garbage[] = "\x89PNG\r\n\x1a\n\x00\xff\xfe not a protocol";
    dauys_ingest_submission *subs[2];
    dauys_ingest_session *session;
    dauys_ingest_answer a;
    dauys_workspace *ws;
    size_t db_len;
    dauys_error err;

    (void) state;
    assert_non_null(big);
    fresh_workspace(ws_db);
    ws = open_ws();
    /* signed by the roster's key: valid, or broken past the signature */
    assert_gate_input(ws, "incoming/ABA-0001.txt", 1);
    assert_gate_input(ws, "later/TUR-0001-v2-broken.txt", 1);
    assert_gate_input(ws, "more/KUS-0001-v2-parse.txt", 1);
    /* not signed by the key the roster gives, or not addressed to us */
    assert_gate(ws, "no signature", valid->text, valid->text_len, NULL, 0, 0);
    assert_gate_input(ws, "more/ALA-0002-v2-wrong-key.txt", 0);
    assert_gate_input(ws, "incoming/ALM-0001-altered.txt", 0);
    assert_gate_input(ws, "more/ZZZ-0001-not-in-manifest.txt", 0);
    assert_gate_input(ws, "incoming/ZHA-0001-kz2022.txt", 0);
    assert_gate(ws, "garbage", garbage, sizeof garbage - 1, valid->sig, valid->sig_len, 0);
    assert_gate(ws, "empty", "", 0, valid->sig, valid->sig_len, 0);
    assert_gate(ws, "empty, unsigned", "", 0, NULL, 0, 0);
    /* a valid protocol padded past the limit with a trailing comment-like tail */
    memset(big, '\n', big_len);
    memcpy(big, valid->text, valid->text_len);
    assert_gate(ws, "over 64 KiB", big, big_len, valid->sig, valid->sig_len, 0);
    assert_gate(ws, "a secret key as protocol", secret_key, secret_key_len, valid->sig,
                valid->sig_len, 0);
    assert_gate(ws, "a secret key as signature", valid->text, valid->text_len, secret_key,
                secret_key_len, 0);

    /* a secret key: nothing of it in the answer, nor in the workspace once
     * recorded (as protocol: refused; as signature: an unsigned protocol) */
    subs[0] = verify(ws, "secret protocol", secret_key, secret_key_len, valid->sig, valid->sig_len);
    subs[1] =
        verify(ws, "secret signature", valid->text, valid->text_len, secret_key, secret_key_len);
    for (int i = 0; i < 2; i++) {
        dauys_ingest_submission_answer(&a, subs[i]);
        assert_string_equal(a.outcome, "refused");
        assert_non_null(a.reason);
        assert_non_null(strstr(a.reason, "secret key"));
        assert_nothing_of_the_secret(a.reason, strlen(a.reason), "the answer's reason");
    }
    session = open_session(ws);
    record(session, subs, 2, NULL);
    dauys_ingest_submission_answer(&a, subs[0]);
    assert_string_equal(a.outcome, "refused");
    assert_false(a.recorded);
    dauys_ingest_submission_answer(&a, subs[1]);
    assert_string_equal(a.outcome, "rejected");
    assert_string_equal(a.reason_code, "signature");
    assert_nothing_of_the_secret(a.reason, strlen(a.reason), "the recorded answer's reason");
    dauys_ingest_session_close(session);
    dauys_ingest_submission_free(subs[0]);
    dauys_ingest_submission_free(subs[1]);
    dauys_workspace_close(ws); /* checkpoints the WAL into the file */
    assert_int_equal(query_long(ws_db, "SELECT count(*) FROM submission WHERE signature IS NULL "
                                       "AND signature_sha256 IS NULL"),
                     1);
    assert_int_equal(dauys_file_read(&db_bytes, &db_len, ws_db, SIZE_MAX, &err), 0);
    assert_nothing_of_the_secret(db_bytes, db_len, "the workspace");
    dauys_free(db_bytes);
    free(big);
}

/* --- 5: out of memory ---------------------------------------------------------- */

/* The inputs before this one are recorded first, with memory; the rest
 * (and two copies: one of a protocol recorded before, one of the rest's
 * first) make the batch that runs out of memory. */
#define OOM_SPLIT "incoming/KAR-0001-second.txt"

/*
 * Records the second batch with allocations failing from the K-th on,
 * counted from the record's start. Returns the record's result; checks
 * that a failure left nothing of the batch and that the batch, recorded
 * again with memory, gives the reference's log; and that nothing leaked.
 */
static int
record_failing_at(long k)
{
    size_t split = input_index(OOM_SPLIT), count = file_count - split + 2;
    dauys_ingest_submission **subs, **batch = calloc(count, sizeof *batch);
    told *before = calloc(count, sizeof *before), t;
    dauys_ingest_session *session;
    dauys_workspace *ws;
    long log_size, leaked;
    dauys_error err;
    int rc;

    assert_non_null(batch);
    assert_non_null(before);
    fresh_workspace(ws_db);
    support_alloc_install(-1);
    ws = open_ws();
    subs = verify_all(ws);
    session = open_session(ws);
    record(session, subs, split, NULL);
    for (size_t i = 0; i < file_count - split; i++) {
        batch[i] = subs[split + i];
    }
    batch[count - 2] = verify_input(ws, &files[0]);     /* recorded before */
    batch[count - 1] = verify_input(ws, &files[split]); /* earlier in this batch */
    for (size_t i = 0; i < count; i++) {
        take(&before[i], batch[i]);
    }
    log_size = query_long(ws_db, "SELECT count(*) FROM log_entry");

    support_alloc_limit(k);
    rc = dauys_ingest_session_record(session, batch, count, NULL, &err);
    support_alloc_limit(-1);

    if (rc != 0) {
        char *check;
        sqlite3 *db;
        if (err.status != DAUYS_E_NOMEM && err.status != DAUYS_E_DATABASE) {
            fail_msg("allocation %ld failed, but the status is %s: %s", k,
                     dauys_status_name(err.status), err.message);
        }
        if (query_long(ws_db, "SELECT count(*) FROM log_entry") != log_size) {
            fail_msg("allocation %ld failed: the log grew", k);
        }
        db = open_db(ws_db);
        check = query(db, "PRAGMA integrity_check");
        assert_string_equal(check, "ok");
        sqlite3_free(check);
        sqlite3_close(db);
        for (size_t i = 0; i < count; i++) {
            char what[128];
            snprintf(what, sizeof what, "allocation %ld failed, submission %zu of the batch", k, i);
            take(&t, batch[i]);
            assert_same_told(&t, &before[i], what);
        }
        /* the connection is out of the transaction: the session goes on */
        if (!sqlite3_get_autocommit(ws->db)) {
            fail_msg("allocation %ld failed: the connection is still inside the batch's "
                     "transaction",
                     k);
        }
        if (dauys_ingest_session_record(session, batch, count, NULL, &err) != 0) {
            fail_msg("allocation %ld failed, and the batch recorded again failed: %s", k,
                     err.message);
        }
    }
    for (size_t i = 0; i < count; i++) {
        take(&t, batch[i]);
        assert_true(t.recorded);
    }
    dauys_ingest_session_close(session);
    dauys_ingest_submission_free(batch[count - 2]);
    dauys_ingest_submission_free(batch[count - 1]);
    free_all(subs, file_count);
    dauys_workspace_close(ws);
    leaked = support_alloc_outstanding();
    support_alloc_restore();
    if (leaked != 0) {
        fail_msg("allocation %ld failed: %ld allocations leaked", k, leaked);
    }
    char *log = dump(ws_db, 0);
    if (strcmp(log, reference_log) != 0) {
        fail_msg("allocation %ld failed: the log differs from dauys_ingest's", k);
    }
    sqlite3_free(log);
    free(batch);
    free(before);
    return rc;
}

static void
test_out_of_memory_from_k_on(void **state)
{
    long k;

    (void) state;
    for (k = 0; k < 1000000 && record_failing_at(k) != 0; k += step) {
    }
    assert_true(k > 0);
    assert_true(k < 1000000);
    print_message("session: %ld allocations until a record succeeds (every %ld-th tried)\n", k,
                  step);
}

/* --- 6: a new manifest version between verify and record ----------------------- */

static void
test_new_manifest_between_verify_and_record(void **state)
{
    dauys_workspace *ws, *other;
    dauys_ingest_session *session;
    dauys_ingest_submission **subs;
    told *before = calloc(file_count, sizeof *before), t;
    dauys_error err;
    long log_size;

    (void) state;
    assert_non_null(before);
    fresh_workspace(ws_db);
    ws = open_ws();
    subs = verify_all(ws);
    session = open_session(ws);
    for (size_t i = 0; i < file_count; i++) {
        take(&before[i], subs[i]);
    }
    other = open_ws();
    if (dauys_workspace_update_manifest(other, manifest_v2, &err) != 0) {
        fail_msg("update-manifest: %s", err.message);
    }
    dauys_workspace_close(other);
    log_size = query_long(ws_db, "SELECT count(*) FROM log_entry");
    assert_int_equal(log_size, 2);

    assert_int_equal(dauys_ingest_session_record(session, subs, file_count, NULL, &err), -1);
    assert_error(&err, DAUYS_E_DATABASE, "manifest");
    assert_int_equal(query_long(ws_db, "SELECT count(*) FROM log_entry"), log_size);
    assert_int_equal(query_long(ws_db, "SELECT count(*) FROM submission"), 0);
    for (size_t i = 0; i < file_count; i++) {
        take(&t, subs[i]);
        assert_same_told(&t, &before[i], files[i].name);
    }
    dauys_ingest_session_close(session);
    free_all(subs, file_count);
    dauys_workspace_close(ws);

    /* reopened and verified again, against version 2, they are recorded */
    ws = open_ws();
    assert_int_equal(ws->manifest.version, 2);
    subs = verify_all(ws);
    session = open_session(ws);
    record(session, subs, file_count, NULL);
    assert_int_equal(query_long(ws_db, "SELECT count(*) FROM submission WHERE "
                                       "manifest_version = 2"),
                     file_count - 1); /* all but the duplicate */
    dauys_ingest_session_close(session);
    free_all(subs, file_count);
    dauys_workspace_close(ws);
    free(before);
}

/* --- fixtures --------------------------------------------------------------- */

static const char *
fast_tmpdir(void)
{
    static char d[64] = "/dev/shm/dauys-test-session.XXXXXX";
    return mkdtemp(d) != NULL ? d : support_tmpdir();
}

static int
compare_inputs(const void *a, const void *b)
{
    return strcmp(((const input *) a)->path, ((const input *) b)->path);
}

/* Reads the protocol files of in/incoming, in/later and in/more. */
static int
read_inputs(void)
{
    static const char *const subdirs[] = {"incoming", "later", "more"};
    size_t in_len = strlen(dir) + strlen("/in/");
    dauys_error err;

    for (size_t k = 0; k < 3; k++) {
        char *d = sqlite3_mprintf("%s/in/%s", dir, subdirs[k]);
        DIR *dp = opendir(d);
        struct dirent *e;
        if (dp == NULL) {
            return -1;
        }
        while ((e = readdir(dp)) != NULL) {
            size_t n = strlen(e->d_name);
            if (e->d_name[0] == '.' || (n > 8 && strcmp(e->d_name + n - 8, ".minisig") == 0)) {
                continue;
            }
            if (file_count == sizeof files / sizeof files[0]) {
                return -1;
            }
            input *in = &files[file_count++];
            char *sig = NULL;
            in->path = support_path(d, e->d_name);
            in->name = in->path + in_len;
            if (dauys_file_read(&in->text, &in->text_len, in->path, SIZE_MAX, &err) != 0) {
                return -1;
            }
            sig = sqlite3_mprintf("%s.minisig", in->path);
            if (access(sig, F_OK) == 0 &&
                dauys_file_read(&in->sig, &in->sig_len, sig, SIZE_MAX, &err) != 0) {
                return -1;
            }
            sqlite3_free(sig);
        }
        closedir(dp);
        sqlite3_free(d);
    }
    qsort(files, file_count, sizeof files[0], compare_inputs);
    return 0;
}

/* The reference: dauys_ingest of the three directories into a fresh workspace. */
static int
ingest_reference(void)
{
    char *paths[3] = {support_path(dir, "in/incoming"), support_path(dir, "in/later"),
                      support_path(dir, "in/more")},
         *ref_dir = support_path(dir, "ref");
    dauys_workspace *ws = NULL;
    dauys_error err;
    int rc = mkdir(ref_dir, 0700);

    ref_db = support_path(ref_dir, "dauys.db");
    fresh_workspace(ref_db);
    rc = rc == 0 && dauys_workspace_open(&ws, ref_dir, &err) == 0 &&
                 dauys_ingest(ws, paths, 3, 1, &reference_sum, NULL, &err) == 0
             ? 0
             : -1;
    if (rc != 0) {
        fprintf(stderr, "test_session: the reference ingest failed: %s\n", err.message);
    }
    dauys_workspace_close(ws);
    for (int i = 0; i < 3; i++) {
        free(paths[i]);
    }
    free(ref_dir);
    return rc;
}

/*
 * The demo's files, and more/: a correction with warning W1 (20 ballots
 * fewer in the boxes, 20 fewer yes), a version 2 sent unsigned, one signed
 * with another precinct's key, one naming a precinct not in the manifest,
 * one whose counts do not parse (signed by its precinct); and manifest
 * version 2, signed by the central key.
 */
static const char make_inputs[] =
    "set -e; D=$1; cd \"$2\"\n"
    "\"$D\" demo --precincts 20 --files-only --out in >/dev/null\n"
    "\"$D\" init -w pristine --manifest in/manifest.txt --central-key in/keys/central.pub "
    ">/dev/null\n"
    "sign() { \"$D\" sign \"$1\" -k \"in/keys/$2.key\" -t test </dev/null >/dev/null; }\n"
    "v2() { awk -v d=\"$2\" '/^version: 1$/ { print \"version: 2\"; print \"reason: recount\"; "
    "next } /^(ballots_in_boxes|q1_yes): / { print $1 \" \" $2 - d; next } { print }' "
    "\"in/incoming/$1.txt\"; }\n"
    "mkdir in/more\n"
    "v2 ABA-0001 20 >in/more/ABA-0001-v2-warning.txt\n"
    "sign in/more/ABA-0001-v2-warning.txt precincts/ABA-0001\n"
    "v2 AKT-0001 0 >in/more/AKT-0001-v2-unsigned.txt\n"
    "v2 ALA-0002 0 >in/more/ALA-0002-v2-wrong-key.txt\n"
    "sign in/more/ALA-0002-v2-wrong-key.txt precincts/AKT-0001\n"
    "sed 's/^precinct: ATY-0001$/precinct: ZZZ-0001/' in/incoming/ATY-0001.txt "
    ">in/more/ZZZ-0001-not-in-manifest.txt\n"
    "sign in/more/ZZZ-0001-not-in-manifest.txt precincts/ATY-0001\n"
    "v2 KUS-0001 0 | sed 's/^q1_yes: .*/q1_yes: many/' >in/more/KUS-0001-v2-parse.txt\n"
    "sign in/more/KUS-0001-v2-parse.txt precincts/KUS-0001\n"
    "sed 's/^version: 1$/version: 2/' in/manifest.txt >manifest-v2.txt\n"
    "sign manifest-v2.txt central\n";

static int
setup(void **state)
{
    const char *dauys = getenv("DAUYS");
    char *script, *cmd, *pristine_db, *key;
    dauys_error err;
    int rc;

    (void) state;
    if (getenv("DAUYS_OOM_STEP") != NULL && (step = atol(getenv("DAUYS_OOM_STEP"))) < 1) {
        step = 1;
    }
    if (dauys == NULL) {
        fprintf(stderr, "test_session: $DAUYS must name the dauys program\n");
        return -1;
    }
    dir = fast_tmpdir();
    script = support_write(dir, "make-inputs.sh", make_inputs, sizeof make_inputs - 1, 0600);
    cmd = sqlite3_mprintf("sh '%s' '%s' '%s'", script, dauys, dir);
    rc = system(cmd);
    sqlite3_free(cmd);
    free(script);
    if (rc != 0) {
        fprintf(stderr, "test_session: making the inputs failed\n");
        return -1;
    }
    pristine_db = support_path(dir, "pristine/dauys.db");
    key = support_path(dir, "in/keys/central.key");
    ws_dir = support_path(dir, "ws");
    ws_db = support_path(dir, "ws/dauys.db");
    manifest_v2 = support_path(dir, "manifest-v2.txt");
    rc = mkdir(ws_dir, 0700) == 0 &&
                 dauys_file_read(&pristine, &pristine_len, pristine_db, SIZE_MAX, &err) == 0 &&
                 dauys_file_read(&secret_key, &secret_key_len, key, SIZE_MAX, &err) == 0 &&
                 read_inputs() == 0 && ingest_reference() == 0
             ? 0
             : -1;
    free(pristine_db);
    free(key);
    if (rc == 0) {
        reference_log = dump(ref_db, 0);
        reference_rows = dump(ref_db, 1);
    }
    return rc;
}

static int
teardown(void **state)
{
    (void) state;
    support_rmdir(dir);
    for (size_t i = 0; i < file_count; i++) {
        dauys_free(files[i].text);
        dauys_free(files[i].sig);
        free(files[i].path);
    }
    sqlite3_free(reference_log);
    sqlite3_free(reference_rows);
    dauys_free(pristine);
    dauys_free(secret_key);
    free(ws_dir), free(ws_db), free(ref_db), free(manifest_v2);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_has_every_outcome),
        cmocka_unit_test(test_one_by_one_as_ingest),
        cmocka_unit_test(test_batches_as_ingest),
        cmocka_unit_test(test_twice_in_one_batch),
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_gate),
        cmocka_unit_test(test_out_of_memory_from_k_on),
        cmocka_unit_test(test_new_manifest_between_verify_and_record),
    };

    support_route_sqlite_allocations();
    if (dauys_core_init() != 0) {
        return 2;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
