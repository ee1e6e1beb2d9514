/*
 * test_workspace.c: the workspace's log: entries appended inside
 * transactions, Merkle nodes stored so that roots and proofs made from the
 * database agree with an independent recomputation, rollback restoring the
 * head, and a reopened workspace continuing where it stopped.
 */
#include "tests/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/alloc.h"
#include "core/file.h"
#include "keys/keys.h"
#include "core/merkle.h"
#include "sql/sql.h"
#include "store/checkpoint.h"
#include "store/db.h"
#include "store/workspace.h"

static const char *dir;
static char *ws_dir;

/* Writes a signed manifest with N precincts under DIR; returns nothing, asserts. */
static void
make_manifest(const char *where, int n)
{
    char *text = malloc(4096 + (size_t) n * 200), *p = text, b64[57], path[512];
    char sigtext[DAUYS_KEYS_SIGNATURE_TEXT_MAX];
    uint8_t h[DAUYS_KEYS_PREHASH_BYTES];
    dauys_pubkey central, pk;
    dauys_seckey *csk, *sk;
    dauys_signature sig;
    dauys_error err;

    assert_int_equal(dauys_keys_generate(&central, &csk, &err), 0);
    assert_int_equal(dauys_keys_generate(&pk, &sk, &err), 0);
    dauys_keys_pubkey_to_base64(b64, &pk);
    p += sprintf(p, "format: dauys-manifest 1\nreferendum: kz-test\ntitle: Test\ndate: 2026-03-15\n"
                    "mode: test\nversion: 1\nballot: single\n"
                    "question: q1 kz-constitutional Do you agree?\n"
                    "region: AST capital Astana\ndistrict: AST-01 AST Central\n");
    for (int i = 0; i < n; i++) {
        support_fake_pubkey(b64, (uint32_t) i);
        p += sprintf(p, "precinct: AST-%04d AST-01 1000 %s School %d\n", i, b64, i);
    }
    dauys_keys_prehash(h, text, (size_t) (p - text));
    assert_int_equal(dauys_keys_sign_prehashed(&sig, h, "manifest", csk, &err), 0);
    assert_int_equal(dauys_keys_signature_encode(sigtext, sizeof sigtext, &sig, NULL, &err), 0);
    free(support_write(where, "manifest.txt", text, (size_t) (p - text), 0644));
    free(support_write(where, "manifest.txt.minisig", sigtext, strlen(sigtext), 0644));
    snprintf(path, sizeof path, "%s/central.pub", where);
    char pubtext[DAUYS_KEYS_PUBKEY_TEXT_MAX];
    assert_int_equal(dauys_keys_pubkey_encode(pubtext, sizeof pubtext, &central, NULL, &err), 0);
    free(support_write(where, "central.pub", pubtext, strlen(pubtext), 0644));
    dauys_keys_seckey_free(csk);
    dauys_keys_seckey_free(sk);
    free(text);
}

static int
setup(void **state)
{
    char m[512], c[512];
    dauys_error err;

    (void) state;
    dir = support_tmpdir();
    make_manifest(dir, 3);
    ws_dir = support_path(dir, "ws");
    snprintf(m, sizeof m, "%s/manifest.txt", dir);
    snprintf(c, sizeof c, "%s/central.pub", dir);
    return dauys_workspace_init(ws_dir, m, c, &err);
}

static int
teardown(void **state)
{
    (void) state;
    support_rmdir(dir);
    free(ws_dir);
    return 0;
}

/* Appends COUNT rejected-looking events in one transaction. */
static void
append_events(dauys_workspace *ws, int count)
{
    dauys_error err;
    uint64_t index;

    assert_int_equal(dauys_workspace_begin(ws, &err), 0);
    for (int i = 0; i < count; i++) {
        dauys_log_event e = {
            .event = "rejected", .referendum = "kz-test", .reason_code = "parse", .reason = "test"};
        e.file_sha256[0] = (uint8_t) i;
        assert_int_equal(dauys_log_append(ws, &e, &index, &err), 0);
    }
    assert_int_equal(dauys_workspace_commit(ws, &err), 0);
}

/* Recomputes the root from the stored entries alone, as an auditor would. */
static void
recompute_root(sqlite3 *db, uint64_t size, uint8_t root[32])
{
    dauys_merkle_range range;
    sqlite3_stmt *st;
    dauys_error err;
    uint8_t leaf[32];
    uint64_t n = 0;

    dauys_merkle_range_init(&range);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT entry FROM log_entry ORDER BY idx", -1, &st, NULL),
        SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW && n < size) {
        assert_int_equal(dauys_merkle_leaf_hash(leaf, sqlite3_column_blob(st, 0),
                                                (size_t) sqlite3_column_bytes(st, 0)),
                         0);
        assert_int_equal(dauys_merkle_range_append(&range, leaf, NULL, NULL, &err), 0);
        n++;
    }
    sqlite3_finalize(st);
    assert_int_equal(n, size);
    assert_int_equal(dauys_merkle_range_root(root, &range), 0);
}

static void
test_log_roots_and_proofs(void **state)
{
    dauys_workspace *ws;
    dauys_error err;
    uint8_t root[32], stored[32], again[32], leaf[32], old_root[32];
    dauys_merkle_proof proof;
    uint64_t size;

    (void) state;
    assert_int_equal(dauys_workspace_open(&ws, ws_dir, &err), 0);
    assert_int_equal(ws->head.range.size, 1); /* the manifest entry */
    append_events(ws, 40);
    assert_int_equal(dauys_log_root(ws, &size, root, &err), 0);
    assert_int_equal(size, 41);
    assert_int_equal(dauys_merkle_root(stored, size, dauys_log_node, ws, &err), 0);
    assert_memory_equal(root, stored, 32);
    recompute_root(ws->db, size, again);
    assert_memory_equal(root, again, 32);
    for (uint64_t i = 0; i < size; i++) {
        assert_int_equal(dauys_log_node(leaf, 0, i, ws, &err), 0);
        assert_int_equal(dauys_merkle_inclusion_proof(&proof, i, size, dauys_log_node, ws, &err),
                         0);
        assert_int_equal(dauys_merkle_verify_inclusion(leaf, i, size, &proof, root, &err), 0);
    }
    for (uint64_t m = 1; m < size; m += 7) {
        recompute_root(ws->db, m, old_root);
        assert_int_equal(dauys_merkle_consistency_proof(&proof, m, size, dauys_log_node, ws, &err),
                         0);
        assert_int_equal(dauys_merkle_verify_consistency(m, size, old_root, root, &proof, &err), 0);
    }
    dauys_workspace_close(ws);
}

static void
test_rollback_restores_head(void **state)
{
    dauys_workspace *ws;
    dauys_error err;
    dauys_loghead before;
    uint64_t index;
    uint8_t root[32], again[32];
    uint64_t size;

    (void) state;
    assert_int_equal(dauys_workspace_open(&ws, ws_dir, &err), 0);
    before = ws->head;
    assert_int_equal(dauys_workspace_begin(ws, &err), 0);
    dauys_log_event e = {.event = "rejected", .referendum = "kz-test"};
    assert_int_equal(dauys_log_append(ws, &e, &index, &err), 0);
    assert_int_equal(ws->head.range.size, before.range.size + 1);
    dauys_workspace_rollback(ws);
    assert_memory_equal(&ws->head, &before, sizeof before);
    append_events(ws, 3); /* appending after a rollback continues cleanly */
    assert_int_equal(dauys_log_root(ws, &size, root, &err), 0);
    recompute_root(ws->db, size, again);
    assert_memory_equal(root, again, 32);
    dauys_workspace_close(ws);
}

/* A second handle sees the first one's appends when it begins a transaction. */
static void
test_two_handles_share_the_log(void **state)
{
    dauys_workspace *a, *b;
    dauys_error err;
    uint8_t ra[32], rb[32];
    uint64_t sa, sb;

    (void) state;
    assert_int_equal(dauys_workspace_open(&a, ws_dir, &err), 0);
    assert_int_equal(dauys_workspace_open(&b, ws_dir, &err), 0);
    append_events(a, 5);
    append_events(b, 5); /* b's begin re-reads the head a moved */
    assert_int_equal(dauys_workspace_begin(a, &err), 0);
    assert_int_equal(dauys_workspace_commit(a, &err), 0);
    assert_int_equal(dauys_log_root(a, &sa, ra, &err), 0);
    assert_int_equal(dauys_log_root(b, &sb, rb, &err), 0);
    assert_int_equal(sa, sb);
    assert_memory_equal(ra, rb, 32);
    dauys_workspace_close(a);
    dauys_workspace_close(b);
}

/* A workspace of another schema version is refused by name, and left as it was. */
static void
test_other_schema_version_refused(void **state)
{
    dauys_workspace *ws;
    dauys_error err;
    char *path = support_path(ws_dir, "dauys.db"), want[1024];
    sqlite3 *db;

    (void) state;
    assert_non_null(path);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        dauys_db_exec(db, "UPDATE meta SET value = '3' WHERE key = 'schema_version'", &err), 0);
    assert_int_equal(dauys_workspace_open(&ws, ws_dir, &err), -1);
    snprintf(want, sizeof want, "schema version 3, this build reads %s", DAUYS_SQL_SCHEMA_VERSION);
    assert_error(&err, DAUYS_E_DATABASE, want);
    assert_int_equal(dauys_db_exec(db,
                                   "UPDATE meta SET value = '" DAUYS_SQL_SCHEMA_VERSION
                                   "' WHERE key = 'schema_version'",
                                   &err),
                     0);
    sqlite3_close(db);
    assert_int_equal(dauys_workspace_open(&ws, ws_dir, &err), 0);
    dauys_workspace_close(ws);
    free(path);
}

static void
test_init_refuses_bad_manifest(void **state)
{
    char m[512], c[512], *other = support_path(dir, "other");
    dauys_error err;
    char *text;
    size_t len;

    (void) state;
    snprintf(m, sizeof m, "%s/manifest.txt", dir);
    snprintf(c, sizeof c, "%s/central.pub", dir);
    assert_int_equal(dauys_workspace_init(ws_dir, m, c, &err), -1);
    assert_error(&err, DAUYS_E_EXISTS, "a workspace exists here already");
    /* One changed byte in the manifest: its signature no longer holds. */
    assert_int_equal(dauys_file_read(&text, &len, m, 1 << 20, &err), 0);
    text[len - 3] ^= 1;
    free(support_write(dir, "manifest-altered.txt", text, len, 0644));
    dauys_free(text);
    snprintf(m, sizeof m, "%s/manifest-altered.txt", dir);
    char sig_src[512];
    snprintf(sig_src, sizeof sig_src, "%s/manifest.txt.minisig", dir);
    assert_int_equal(dauys_file_read(&text, &len, sig_src, 1 << 20, &err), 0);
    free(support_write(dir, "manifest-altered.txt.minisig", text, len, 0644));
    dauys_free(text);
    assert_int_equal(dauys_workspace_init(other, m, c, &err), -1);
    assert_error(&err, DAUYS_E_SIGNATURE, "does not verify with the central key");
    char db[600];
    snprintf(db, sizeof db, "%s/dauys.db", other);
    assert_int_equal(access(db, F_OK), -1); /* nothing left behind */
    free(other);
}

/*
 * A bind SQLite refuses (a value over the connection's length limit, an
 * index out of range) is -1, and dauys_db_bind_fail names it and clears the
 * statement's bindings: no value of the failed attempt reaches its next use.
 */
static void
test_refused_bind_is_reported(void **state)
{
    char big[200];
    sqlite3 *db;
    sqlite3_stmt *insert_row, *select_row;
    dauys_error err;

    (void) state;
    memset(big, 'x', sizeof big);
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(dauys_db_exec(db, "CREATE TABLE t(a, b)", &err), 0);
    assert_int_equal(dauys_db_prepare(db, &insert_row, "INSERT INTO t(a, b) VALUES (?1, ?2)", &err),
                     0);
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 100);
    assert_int_equal(dauys_db_bind_int(insert_row, 3, 1), -1); /* no parameter 3 */
    assert_int_equal(dauys_db_bind_int(insert_row, 1, 7), 0);
    assert_int_equal(dauys_db_bind_text_n(insert_row, 2, big, sizeof big), -1);
    assert_int_equal(dauys_db_bind_blob(insert_row, 2, big, sizeof big), -1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(dauys_db_bind_text(insert_row, 2, big), -1);
    assert_int_equal(dauys_db_bind_fail(insert_row, &err, "binding a row"), -1);
    assert_error(&err, DAUYS_E_DATABASE, "binding a row: string or blob too big");
    /* the statement's next use: the 7 bound above is gone */
    assert_int_equal(dauys_db_step_done(insert_row, &err), 0);
    assert_int_equal(dauys_db_prepare(db, &select_row, "SELECT a IS NULL, b IS NULL FROM t", &err),
                     0);
    assert_int_equal(dauys_db_step_row(select_row, &err), 1);
    assert_int_equal(sqlite3_column_int(select_row, 0), 1);
    assert_int_equal(sqlite3_column_int(select_row, 1), 1);
    sqlite3_finalize(select_row);
    sqlite3_finalize(insert_row);
    sqlite3_close(db);
}

/* The latest checkpoint's file: DIR/checkpoint.txt, mode 0644, replaced whole;
 * a directory that is not there leaves nothing; a path too long is refused. */
static void
test_checkpoint_save(void **state)
{
    char path[512], longdir[600];
    char *text = NULL, *want = support_path(ws_dir, "checkpoint.txt");
    size_t len;
    struct stat st;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_log_checkpoint_save(path, sizeof path, ws_dir, "first note\n", &err), 0);
    assert_int_equal(dauys_log_checkpoint_save(path, sizeof path, ws_dir, "second\n", &err), 0);
    assert_string_equal(path, want);
    assert_int_equal(dauys_file_read(&text, &len, want, 1024, &err), 0);
    assert_int_equal(len, 7);
    assert_memory_equal(text, "second\n", 7);
    assert_int_equal(stat(want, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    dauys_free(text);

    assert_int_equal(
        dauys_log_checkpoint_save(path, sizeof path, "/nonexistent-dauys", "x\n", &err), -1);
    assert_error(&err, DAUYS_E_IO, "/nonexistent-dauys/checkpoint.txt");
    memset(longdir, 'd', sizeof longdir - 1);
    longdir[sizeof longdir - 1] = '\0';
    assert_int_equal(dauys_log_checkpoint_save(path, sizeof path, longdir, "x\n", &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "path too long");
    free(want);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_bind_is_reported),
        cmocka_unit_test(test_log_roots_and_proofs),
        cmocka_unit_test(test_rollback_restores_head),
        cmocka_unit_test(test_two_handles_share_the_log),
        cmocka_unit_test(test_other_schema_version_refused),
        cmocka_unit_test(test_init_refuses_bad_manifest),
        cmocka_unit_test(test_checkpoint_save),
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
