/*
 * test_ingest.c: an ingest that runs out of memory, at every allocation in
 * turn, in dauys's own code and in SQLite's (whose allocations are routed
 * through the same hook here). Each failure must be a clean DAUYS_E_NOMEM
 * with nothing leaked; the workspace must keep every protocol wholly in or
 * absent; and the same ingest run again with memory must complete with the
 * same log as an ingest that never failed. Two modes: every allocation from
 * the k-th on fails, and only the k-th fails. $DAUYS_OOM_STEP (default 1)
 * takes every STEP-th k: the sanitizer build, several times slower, sets 5;
 * the gcc build runs every k.
 *
 * The inputs come from a 20-precinct `dauys demo --files-only` (the program
 * is named by $DAUYS): the files of the precincts it plants trouble on, and
 * later/ (12 files, every outcome and a duplicate), so that the thousands of
 * runs stay quick under the sanitizers.
 *
 * Then the cost of hostile inputs, counted rather than timed: one protocol
 * sent with thousands of signature files (SQLite's steps per copy must not
 * grow with the copies before it), and a sparse file of a gigabyte (the
 * bytes read must stay those of the limit, /proc/self/io's rchar).
 */
#include "tests/support.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/alloc.h"
#include "core/file.h"
#include "ingest/ingest.h"
#include "referendum/protocol.h"
#include "core/sha256.h"
#include "store/workspace.h"

static const char *dir;
static char *pristine_db, *ws_dir, *ws_db, *inputs[16];
static size_t input_count;
static char *pristine; /* the empty workspace's database, bytes */
static size_t pristine_len;
static char *reference_log; /* the log of an ingest that never failed */
static long step = 1;       /* every STEP-th allocation is made to fail */

/* --- the workspace, as the rows say ------------------------------------- */

/* The first column of SQL's first row in DB, as text (malloc'ed). */
static char *
query(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    char *out;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    out = strdup(sqlite3_column_text(st, 0) ? (const char *) sqlite3_column_text(st, 0) : "");
    sqlite3_finalize(st);
    return out;
}

static sqlite3 *
open_ws_db(void)
{
    sqlite3 *db;

    assert_int_equal(sqlite3_open_v2(ws_db, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    return db;
}

/* The queries of assert_whole: each gives "0" (or "ok") when all is well. */
static const char *const whole[][2] = {
    {"PRAGMA integrity_check", "ok"},
    {"SELECT (SELECT count(*) FROM log_entry) - (SELECT count(*) FROM submission) - "
     "(SELECT count(*) FROM manifest)",
     "0"},
    {"SELECT (SELECT count(*) FROM log_entry) - "
     "(SELECT count(*) FROM merkle_node WHERE level = 0)",
     "0"},
    {"SELECT count(*) FROM submission s LEFT JOIN protocol p ON p.submission = s.seq "
     "WHERE s.outcome IN ('accepted', 'correction') AND p.submission IS NULL",
     "0"},
    {"SELECT count(*) FROM protocol p WHERE (SELECT count(*) FROM protocol_answer a "
     "WHERE a.precinct = p.precinct AND a.version = p.version) != "
     "(SELECT count(*) FROM question)",
     "0"},
};

/* Every protocol wholly in or absent, the log and the rows agreeing. */
static void
assert_whole(long k)
{
    sqlite3 *db = open_ws_db();

    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++) {
        char *got = query(db, whole[i][0]);
        if (strcmp(got, whole[i][1]) != 0) {
            fail_msg("allocation %ld failed: %s gave %s, not %s", k, whole[i][0], got, whole[i][1]);
        }
        free(got);
    }
    sqlite3_close(db);
}

static char *
log_hashes(void)
{
    sqlite3 *db = open_ws_db();
    char *log = query(db, "SELECT group_concat(h, ',') FROM "
                          "(SELECT hex(sha256) AS h FROM log_entry ORDER BY idx)");
    sqlite3_close(db);
    return log;
}

/* --- the ingest ------------------------------------------------------------ */

static void
fresh_workspace(void)
{
    char wal[600], shm[600];
    dauys_error err;

    snprintf(wal, sizeof wal, "%s-wal", ws_db);
    snprintf(shm, sizeof shm, "%s-shm", ws_db);
    unlink(wal), unlink(shm), unlink(ws_db);
    assert_int_equal(dauys_file_write_atomic(ws_db, pristine, pristine_len, 0600, &err), 0);
}

/* Opens the workspace and ingests both input directories on one thread (so
 * that allocations come in the same order every time). */
static int
ingest(dauys_error *err)
{
    dauys_workspace *ws = NULL;
    dauys_ingest_summary sum;
    int rc = dauys_workspace_open(&ws, ws_dir, err);

    if (rc == 0) {
        rc = dauys_ingest(ws, inputs, input_count, 1, &sum, NULL, err);
        dauys_workspace_close(ws);
    }
    return rc;
}

/* Runs the ingest into a fresh workspace with allocation K failing (ONCE: K
 * alone, else K and every later one); checks what it left. 0 if it
 * succeeded. */
static int
ingest_failing_at(long k, int once)
{
    dauys_error err;
    long leaked;
    int rc;

    fresh_workspace();
    once ? support_alloc_install_once(k) : support_alloc_install(k);
    rc = ingest(&err);
    leaked = support_alloc_outstanding();
    support_alloc_restore();
    if (leaked != 0) {
        fail_msg("allocation %ld failed%s: %ld allocations leaked", k, once ? " alone" : "",
                 leaked);
    }
    if (rc != 0 && err.status != DAUYS_E_NOMEM) {
        fail_msg("allocation %ld failed%s, but the status is %s: %s", k, once ? " alone" : "",
                 dauys_status_name(err.status), err.message);
    }
    assert_whole(k);
    if (rc != 0) { /* run again with memory: it completes as if nothing had failed */
        assert_int_equal(ingest(&err), 0);
        assert_whole(k);
    }
    char *log = log_hashes();
    if (strcmp(log, reference_log) != 0) {
        fail_msg("allocation %ld failed%s: the log differs from the reference", k,
                 once ? " alone" : "");
    }
    free(log);
    return rc;
}

static void
test_ingest_out_of_memory_from_k_on(void **state)
{
    long k;

    (void) state;
    for (k = 0; k < 1000000 && ingest_failing_at(k, 0) != 0; k += step) {
    }
    assert_true(k > 0);
    assert_true(k < 1000000);
    print_message("ingest: %ld allocations until it succeeds\n", k);
}

static void
test_ingest_out_of_memory_at_k_alone(void **state)
{
    dauys_error err;
    long total, failed = 0, tried = 0;

    (void) state;
    fresh_workspace();
    support_alloc_install(-1);
    assert_int_equal(ingest(&err), 0);
    total = support_alloc_attempts();
    support_alloc_restore();
    for (long k = 0; k < total; k += step, tried++) {
        failed += ingest_failing_at(k, 1) != 0;
    }
    /* SQLite survives some failures by design (benign allocations); most
     * failures must still stop the ingest. */
    assert_true(failed > tried / 2);
    print_message("ingest: %ld of %ld single failures (every %ld of %ld) stopped it cleanly\n",
                  failed, tried, step, total);
}

/* --- the cost of hostile inputs ---------------------------------------------- */

static uint64_t vm_steps; /* SQLite's virtual-machine steps, summed over statements */

/* SQLITE_TRACE_PROFILE: adds the steps of the statement that just finished. */
static int
count_steps(unsigned type, void *ctx, void *stmt, void *x)
{
    (void) type, (void) ctx, (void) x;
    vm_steps += (uint64_t) sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_VM_STEP, 1);
    return 0;
}

/* Ingests the files PATHS on one thread into the workspace, counting SQLite's
 * steps; returns them. */
static uint64_t
steps_to_ingest(char **paths, size_t count, dauys_ingest_summary *sum)
{
    dauys_workspace *ws = NULL;
    dauys_error err;

    assert_int_equal(dauys_workspace_open(&ws, ws_dir, &err), 0);
    vm_steps = 0;
    assert_int_equal(sqlite3_trace_v2(ws->db, SQLITE_TRACE_PROFILE, count_steps, NULL), SQLITE_OK);
    assert_int_equal(dauys_ingest(ws, paths, count, 1, sum, NULL, &err), 0);
    dauys_workspace_close(ws);
    return vm_steps;
}

/* Writes copies FROM .. FROM + COUNT - 1 of TEXT into the directory D (made
 * here), each beside a signature file of its own (not a valid one). */
static void
write_copies(const char *d, const char *text, size_t len, long from, long count)
{
    char name[512], sig[64];
    dauys_error err;

    assert_true(strlen(d) + 32 < sizeof name);
    assert_int_equal(mkdir(d, 0700), 0);
    for (long i = from; i < from + count; i++) {
        snprintf(name, sizeof name, "%s/copy-%06ld.txt", d, i);
        assert_int_equal(dauys_file_write_new(name, text, len, 0600, 0, &err), 0);
        int n = snprintf(sig, sizeof sig, "untrusted comment: signature file %ld\n", i);
        strcat(name, ".minisig");
        assert_int_equal(dauys_file_write_new(name, sig, (size_t) n, 0600, 0, &err), 0);
    }
}

/*
 * One protocol sent again with thousands of different signature files: each
 * copy is a new submission (rejected), and deciding that it is no duplicate
 * must not read every earlier copy. Measured in SQLite's steps, not in time:
 * ingesting 100 copies after 3,000 takes no more steps than the first 100
 * (give or take the log's Merkle tree, one node per level). On the lookup
 * that scanned the earlier copies it took 30 times as many.
 */
static void
test_ingest_resubmissions_cost_log_n(void **state)
{
    char *early = support_path(dir, "copies-early"), *bulk = support_path(dir, "copies-bulk"),
         *late = support_path(dir, "copies-late"), *text;
    dauys_ingest_summary sum;
    uint64_t first, last;
    size_t len;
    dauys_error err;

    (void) state;
    fresh_workspace();
    assert_int_equal(dauys_file_read(&text, &len, inputs[0], SIZE_MAX, &err), 0);
    write_copies(early, text, len, 0, 100);
    write_copies(bulk, text, len, 100, 3000);
    write_copies(late, text, len, 3100, 100);
    first = steps_to_ingest(&early, 1, &sum);
    assert_int_equal(sum.duplicates, 0);
    (void) steps_to_ingest(&bulk, 1, &sum);
    assert_int_equal(sum.duplicates, 0);
    last = steps_to_ingest(&late, 1, &sum);
    assert_int_equal(sum.files, 100);
    assert_int_equal(sum.duplicates, 0);
    print_message("ingest: 100 copies of one protocol took %llu SQLite steps first, %llu after "
                  "3,100 copies\n",
                  (unsigned long long) first, (unsigned long long) last);
    assert_true(last < 2 * first);
    dauys_free(text);
    free(early), free(bulk), free(late);
}

/* The bytes this process has read so far (rchar of /proc/self/io). */
static uint64_t
bytes_read(void)
{
    char line[128];
    unsigned long long n = 0;
    FILE *f = fopen("/proc/self/io", "r");
    int found = 0;

    if (f == NULL) {
        fail_msg("/proc/self/io cannot be read: this test counts the bytes ingest reads with it");
    }
    while (!found && fgets(line, sizeof line, f) != NULL) {
        found = sscanf(line, "rchar: %llu", &n) == 1;
    }
    fclose(f);
    assert_true(found);
    return n;
}

/*
 * A file over the protocol limit is read only as far as the limit and one
 * byte: a sparse file of a gigabyte costs what a small one does, and the log
 * records the hash of those 65,537 bytes, which the reason says. Counted in
 * bytes read (deterministic), not in time; hashing it whole read the
 * gigabyte.
 */
static void
test_ingest_reads_a_huge_file_only_to_the_limit(void **state)
{
    char *huge_dir = support_path(dir, "huge"), *huge = support_path(dir, "huge/protocol.txt");
    char *zeros = calloc(DAUYS_PROTOCOL_FILE_MAX + 1, 1), want[65], *got, sql[320];
    dauys_ingest_summary sum;
    uint8_t sha[32];
    uint64_t before, used;
    sqlite3 *db;
    int fd;

    (void) state;
    assert_non_null(zeros);
    fresh_workspace();
    assert_int_equal(mkdir(huge_dir, 0700), 0);
    assert_true((fd = open(huge, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0);
    assert_int_equal(ftruncate(fd, (off_t) 1 << 30), 0);
    close(fd);
    before = bytes_read();
    (void) steps_to_ingest(&huge, 1, &sum);
    used = bytes_read() - before;
    print_message("ingest: a 1 GiB file over the limit: %llu bytes read in all\n",
                  (unsigned long long) used);
    assert_int_equal(sum.rejected, 1);
    assert_true(used < 16u << 20);
    /* the log's file-sha256 is that of the first 65,537 bytes (all zeros) */
    assert_int_equal(dauys_sha256(sha, zeros, DAUYS_PROTOCOL_FILE_MAX + 1), 0);
    for (int i = 0; i < 32; i++) {
        snprintf(want + 2 * i, 3, "%02x", sha[i]);
    }
    db = open_ws_db();
    snprintf(sql, sizeof sql,
             "SELECT instr(entry, 'file-sha256: %s') > 0 AND reason_code = "
             "'too-large' AND instr(reason, '65537 bytes') > 0 FROM submission JOIN log_entry "
             "ON idx = log_index",
             want);
    got = query(db, sql);
    assert_string_equal(got, "1");
    free(got);
    sqlite3_close(db);
    free(zeros), free(huge), free(huge_dir);
}

/* --- fixtures --------------------------------------------------------------- */

/* A new directory on /dev/shm when there is one (thousands of synced
 * commits cost nothing there), else in /tmp. */
static const char *
fast_tmpdir(void)
{
    static char d[64] = "/dev/shm/dauys-test-ingest.XXXXXX";
    return mkdtemp(d) != NULL ? d : support_tmpdir();
}

static int
compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The incoming files of the precincts with planted trouble (a name longer
 * than "ABC-0001.txt", or a later version in later/), in name order, then
 * later/ itself. */
static int
pick_inputs(void)
{
    char trouble[16][9], *later = support_path(dir, "in/later"),
                         *incoming = support_path(dir, "in/incoming");
    size_t n = 0;
    struct dirent *e;
    DIR *d;

    for (int pass = 0; pass < 2; pass++) {
        if ((d = opendir(pass == 0 ? later : incoming)) == NULL) {
            return -1;
        }
        while ((e = readdir(d)) != NULL && n < 16) {
            if (strstr(e->d_name, ".minisig") == NULL && strlen(e->d_name) > 12) {
                snprintf(trouble[n++], sizeof trouble[0], "%.8s", e->d_name);
            }
        }
        closedir(d);
    }
    if ((d = opendir(incoming)) == NULL) {
        return -1;
    }
    while ((e = readdir(d)) != NULL && input_count < 15) {
        for (size_t i = 0; i < n && strstr(e->d_name, ".minisig") == NULL; i++) {
            if (strncmp(e->d_name, trouble[i], 8) == 0) {
                inputs[input_count++] = support_path(incoming, e->d_name);
                break;
            }
        }
    }
    closedir(d);
    qsort(inputs, input_count, sizeof inputs[0], compare_names);
    inputs[input_count++] = later;
    free(incoming);
    return input_count > 8 ? 0 : -1;
}

static int
setup(void **state)
{
    const char *dauys = getenv("DAUYS");
    char cmd[4096];
    dauys_error err;

    (void) state;
    if (getenv("DAUYS_OOM_STEP") != NULL && (step = atol(getenv("DAUYS_OOM_STEP"))) < 1) {
        step = 1;
    }
    if (dauys == NULL) {
        fprintf(stderr, "test_ingest: $DAUYS must name the dauys program\n");
        return -1;
    }
    dir = fast_tmpdir();
    snprintf(cmd, sizeof cmd,
             "'%s' demo --precincts 20 --files-only --out '%s/in' >/dev/null && "
             "'%s' init -w '%s/pristine' --manifest '%s/in/manifest.txt' "
             "--central-key '%s/in/keys/central.pub' >/dev/null",
             dauys, dir, dauys, dir, dir, dir);
    if (system(cmd) != 0) {
        return -1;
    }
    pristine_db = support_path(dir, "pristine/dauys.db");
    ws_dir = support_path(dir, "ws");
    ws_db = support_path(dir, "ws/dauys.db");
    if (pick_inputs() != 0 || mkdir(ws_dir, 0700) != 0 ||
        dauys_file_read(&pristine, &pristine_len, pristine_db, SIZE_MAX, &err) != 0) {
        return -1;
    }
    fresh_workspace(); /* the reference, with memory */
    if (ingest(&err) != 0) {
        fprintf(stderr, "test_ingest: the reference ingest failed: %s\n", err.message);
        return -1;
    }
    reference_log = log_hashes();
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    support_rmdir(dir);
    dauys_free(pristine);
    free(reference_log), free(pristine_db), free(ws_dir), free(ws_db);
    for (size_t i = 0; i < input_count; i++) {
        free(inputs[i]);
    }
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ingest_out_of_memory_from_k_on),
        cmocka_unit_test(test_ingest_out_of_memory_at_k_alone),
        cmocka_unit_test(test_ingest_resubmissions_cost_log_n),
        cmocka_unit_test(test_ingest_reads_a_huge_file_only_to_the_limit),
    };

    support_route_sqlite_allocations();
    if (dauys_core_init() != 0) {
        return 2;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
