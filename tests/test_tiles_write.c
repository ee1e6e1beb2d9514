/*
 * test_tiles_write.c: publish/tiles, the log written as C2SP tiles from a
 * workspace: the files a tree has and their bytes (against hashes recomputed
 * here from the entries), written incrementally or from scratch alike, a
 * published size below the log's while another connection appends, an
 * existing tile that differs (refused, the checkpoint untouched), every
 * refused note, a damaged entry, the caller's transaction left alone, and
 * every allocation failing in turn.
 */
#include "tests/support.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/file.h"
#include "core/merkle.h"
#include "core/tile.h"
#include "keys/keys.h"
#include "keys/note.h"
#include "publish/tiles.h"
#include "store/checkpoint.h"
#include "store/workspace.h"

static const char *dir;
static char *ws_dir;
static dauys_seckey *central_sk;

/* A signed manifest with one precinct, and the workspace from it, in DIR. */
static int
setup(void **state)
{
    char text[2048], b64[57], sigtext[DAUYS_KEYS_SIGNATURE_TEXT_MAX],
        pubtext[DAUYS_KEYS_PUBKEY_TEXT_MAX], m[512], c[512];
    uint8_t h[DAUYS_KEYS_PREHASH_BYTES];
    dauys_pubkey central;
    dauys_signature sig;
    dauys_error err;
    int n;

    (void) state;
    dir = support_tmpdir();
    assert_int_equal(dauys_keys_generate(&central, &central_sk, &err), 0);
    support_fake_pubkey(b64, 1);
    n = snprintf(text, sizeof text,
                 "format: dauys-manifest 1\nreferendum: kz-tiles\ntitle: Test\ndate: 2026-03-15\n"
                 "mode: test\nversion: 1\nballot: single\n"
                 "question: q1 kz-constitutional Do you agree?\n"
                 "region: AST capital Astana\ndistrict: AST-01 AST Central\n"
                 "precinct: AST-0001 AST-01 1000 %s School 1\n",
                 b64);
    dauys_keys_prehash(h, text, (size_t) n);
    assert_int_equal(dauys_keys_sign_prehashed(&sig, h, "manifest", central_sk, &err), 0);
    assert_int_equal(dauys_keys_signature_encode(sigtext, sizeof sigtext, &sig, NULL, &err), 0);
    assert_int_equal(dauys_keys_pubkey_encode(pubtext, sizeof pubtext, &central, NULL, &err), 0);
    free(support_write(dir, "manifest.txt", text, (size_t) n, 0644));
    free(support_write(dir, "manifest.txt.minisig", sigtext, strlen(sigtext), 0644));
    free(support_write(dir, "central.pub", pubtext, strlen(pubtext), 0644));
    ws_dir = support_path(dir, "ws");
    snprintf(m, sizeof m, "%s/manifest.txt", dir);
    snprintf(c, sizeof c, "%s/central.pub", dir);
    return dauys_workspace_init(ws_dir, m, c, &err);
}

static int
teardown(void **state)
{
    (void) state;
    dauys_keys_seckey_free(central_sk);
    support_rmdir(dir);
    free(ws_dir);
    return 0;
}

/* Appends COUNT entries (of varied lengths) in one transaction. */
static void
append_events(dauys_workspace *ws, int count)
{
    static const char *reasons[] = {"x", "a longer reason, so that entries differ in length",
                                    "é ü — unicode"};
    dauys_error err;
    uint64_t index;

    assert_int_equal(dauys_workspace_begin(ws, &err), 0);
    for (int i = 0; i < count; i++) {
        dauys_log_event e = {.event = "rejected",
                             .referendum = "kz-tiles",
                             .reason_code = "parse",
                             .reason = reasons[i % 3]};
        e.file_sha256[0] = (uint8_t) i, e.file_sha256[1] = (uint8_t) (i >> 8);
        assert_int_equal(dauys_log_append(ws, &e, &index, &err), 0);
    }
    assert_int_equal(dauys_workspace_commit(ws, &err), 0);
}

/* A checkpoint of the log as it stands, signed, into NOTE; returns its size. */
static uint64_t
checkpoint(char note[DAUYS_CHECKPOINT_NOTE_MAX], dauys_workspace *ws)
{
    dauys_checkpoint cp;
    dauys_error err;

    assert_int_equal(
        dauys_log_checkpoint(note, DAUYS_CHECKPOINT_NOTE_MAX, &cp, ws, central_sk, &err), 0);
    return cp.size;
}

/* The bytes of DIR/PATH (dauys_free them), or NULL if there is no such file. */
static char *
slurp(const char *where, const char *path, size_t *len)
{
    char full[1024], *data = NULL;

    snprintf(full, sizeof full, "%s/%s", where, path);
    if (access(full, F_OK) != 0 || dauys_file_read(&data, len, full, 1 << 20, NULL) != 0) {
        return NULL;
    }
    return data;
}

/* The leaf hashes of the first SIZE entries, from log_entry, hashed here. */
static uint8_t *
leaf_hashes(dauys_workspace *ws, uint64_t size)
{
    uint8_t *leaves = malloc(size * DAUYS_HASH_BYTES + 1);
    sqlite3_stmt *st;
    uint64_t n = 0;

    assert_int_equal(
        sqlite3_prepare_v2(ws->db, "SELECT entry FROM log_entry ORDER BY idx", -1, &st, NULL),
        SQLITE_OK);
    while (n < size && sqlite3_step(st) == SQLITE_ROW) {
        assert_int_equal(dauys_merkle_leaf_hash(leaves + n * DAUYS_HASH_BYTES,
                                                sqlite3_column_blob(st, 0),
                                                (size_t) sqlite3_column_bytes(st, 0)),
                         0);
        n++;
    }
    sqlite3_finalize(st);
    assert_true(n == size);
    return leaves;
}

/* The root of 256 consecutive hashes at H (a perfect tree). */
static void
root256(uint8_t out[32], const uint8_t *h)
{
    uint8_t level[256][32];

    memcpy(level, h, sizeof level);
    for (int n = 256; n > 1; n /= 2) {
        for (int i = 0; i < n / 2; i++) {
            assert_int_equal(dauys_merkle_node_hash(level[i], level[2 * i], level[2 * i + 1]), 0);
        }
    }
    memcpy(out, level[0], 32);
}

/*
 * DIR holds exactly the right bytes for every tile and bundle of the tree of
 * SIZE entries of WS, recomputed here from the entries, and NOTE as its
 * checkpoint.
 */
static void
assert_tiles(const char *where, dauys_workspace *ws, uint64_t size, const char *note)
{
    uint8_t *nodes = leaf_hashes(ws, size), *next;
    uint64_t count = size;
    char path[DAUYS_TILE_PATH_MAX], *data;
    dauys_tile_iter it;
    dauys_tile t;
    size_t len;
    int level = 0;
    dauys_error err;

    data = slurp(where, "checkpoint", &len);
    assert_non_null(data);
    assert_string_equal(data, note);
    dauys_free(data);
    dauys_tile_iter_init(&it, 0, size);
    while (dauys_tile_iter_next(&it, &t) == 1) {
        while (t.level > level) { /* the hashes of the level above, from these */
            next = malloc(count / 256 * 32 + 1);
            for (uint64_t j = 0; j < count / 256; j++) {
                root256(next + j * 32, nodes + j * 256 * 32);
            }
            free(nodes);
            nodes = next;
            count /= 256;
            level++;
        }
        assert_int_equal(dauys_tile_path(path, sizeof path, &t, &err), 0);
        data = slurp(where, path, &len);
        if (data == NULL) {
            fail_msg("%s/%s is missing", where, path);
        }
        assert_int_equal(len, (size_t) t.width * 32);
        assert_memory_equal(data, nodes + t.index * 256 * 32, len);
        dauys_free(data);
        if (t.level == 0) { /* its bundle: each entry's length, then the entry */
            dauys_tile b = {DAUYS_TILE_ENTRIES, t.index, t.width};
            size_t at = 0;
            uint8_t leaf[32];
            assert_int_equal(dauys_tile_path(path, sizeof path, &b, &err), 0);
            data = slurp(where, path, &len);
            assert_non_null(data);
            for (unsigned i = 0; i < t.width; i++) {
                size_t n = (size_t) (uint8_t) data[at] << 8 | (uint8_t) data[at + 1];
                assert_true(at + 2 + n <= len);
                assert_int_equal(dauys_merkle_leaf_hash(leaf, data + at + 2, n), 0);
                assert_memory_equal(leaf, nodes + (t.index * 256 + i) * 32, 32);
                at += 2 + n;
            }
            assert_int_equal(at, len);
            dauys_free(data);
        }
    }
    free(nodes);
}

/* The number of files below WHERE. */
static int
count_files(const char *where)
{
    char cmd[1200];
    FILE *p;
    int n = -1;

    snprintf(cmd, sizeof cmd, "find '%s' -type f | wc -l", where);
    p = popen(cmd, "r");
    assert_non_null(p);
    assert_int_equal(fscanf(p, "%d", &n), 1);
    pclose(p);
    return n;
}

/* From scratch, then incrementally: the same bytes, older partial tiles kept. */
static void
test_write(void **state)
{
    char note[DAUYS_CHECKPOINT_NOTE_MAX], *a = support_path(dir, "a"), *b = support_path(dir, "b");
    char cmd[2048];
    dauys_workspace *ws;
    dauys_error err;
    uint64_t size, old = 7, sizes[4];

    (void) state;
    assert_int_equal(dauys_workspace_open_frame(&ws, ws_dir, &err), 0);
    assert_int_equal(dauys_tiles_published_size(&old, a, &err), 0);
    assert_int_equal(old, 0); /* nothing yet: not even the directory */
    append_events(ws, 200);
    for (int step = 0; step < 4; step++) {
        size = sizes[step] = checkpoint(note, ws);
        assert_int_equal(dauys_tiles_published_size(&old, a, &err), 0);
        assert_int_equal(dauys_tiles_write(ws, a, old, size, note, &err), 0);
        assert_true(sqlite3_get_autocommit(ws->db)); /* its own transaction, ended */
        assert_int_equal(dauys_tiles_published_size(&old, a, &err), 0);
        assert_true(old == size);
        assert_tiles(a, ws, size, note);
        append_events(ws, step == 0 ? 56 : step == 1 ? 300 : 1);
    }
    /* at 201 entries tile/0/000.p/201; at 257 tile/0/000, tile/0/001.p/1,
     * tile/1/000.p/1; at 557 tile/0/001, tile/0/002.p/45, tile/1/000.p/2; at
     * 558 tile/0/002.p/46 (tile/1/000.p/2 is not new); a bundle beside each
     * level-0 tile; and the checkpoint */
    assert_int_equal(count_files(a), (1 + 2 + 2 + 1) * 2 + 1 + 1 + 1);
    assert_int_equal(dauys_tiles_write(ws, b, 0, size, note, &err), 0);
    assert_int_equal(count_files(b), 3 * 2 + 1 + 1);
    /* every file written from scratch is in the incremental directory, the same */
    snprintf(
        cmd, sizeof cmd,
        "cd '%s' && find . -type f | while read -r f; do cmp -s \"$f\" '%s'/\"$f\" || exit 1; done",
        b, a);
    assert_int_equal(system(cmd), 0);
    assert_true(sizes[0] == 201 && sizes[3] == 558);
    dauys_workspace_close(ws);
    free(a);
    free(b);
}

/* Flips the lowest bit of byte AT of file PATH. */
static void
flip_bit(const char *path, long at)
{
    FILE *f = fopen(path, "r+b");
    int c;

    assert_non_null(f);
    assert_int_equal(fseek(f, at, SEEK_SET), 0);
    c = fgetc(f);
    assert_true(c != EOF);
    assert_int_equal(fseek(f, at, SEEK_SET), 0);
    assert_int_equal(fputc(c ^ 1, f), c ^ 1);
    assert_int_equal(fclose(f), 0);
}

/* A file already published is compared, not rewritten; one that differs is refused. */
static void
test_existing(void **state)
{
    char note[DAUYS_CHECKPOINT_NOTE_MAX], *a = support_path(dir, "e"), path[1200], *before;
    dauys_workspace *ws;
    char other[DAUYS_CHECKPOINT_NOTE_MAX];
    struct stat st1, st2;
    dauys_checkpoint cp;
    dauys_error err;
    uint64_t size;
    size_t len;

    (void) state;
    assert_int_equal(dauys_workspace_open_frame(&ws, ws_dir, &err), 0);
    append_events(ws, 300);
    size = checkpoint(note, ws);
    assert_int_equal(dauys_tiles_write(ws, a, 0, size, note, &err), 0);
    snprintf(path, sizeof path, "%s/tile/0/000", a);
    assert_int_equal(stat(path, &st1), 0);
    assert_int_equal(dauys_tiles_write(ws, a, 0, size, note, &err), 0); /* all there already */
    assert_int_equal(stat(path, &st2), 0);
    assert_true(st1.st_ino == st2.st_ino && st1.st_mtime == st2.st_mtime); /* not rewritten */

    append_events(ws, 3);
    size = checkpoint(note, ws);
    before = slurp(a, "checkpoint", &len);
    flip_bit(path, 100); /* one bit of a full tile */
    assert_int_equal(dauys_tiles_write(ws, a, 0, size, note, &err), -1);
    assert_error(&err, DAUYS_E_PROOF, "the log changed under a published tile: ");
    assert_non_null(strstr(err.message, "/tile/0/000"));
    char *after = slurp(a, "checkpoint", &len);
    assert_string_equal(after, before); /* the checkpoint is left as it was */
    dauys_free(after);
    /* from OLD_SIZE, the full tile is not looked at again: what is new is written */
    assert_int_equal(dauys_tiles_write(ws, a, size - 3, size, note, &err), 0);
    flip_bit(path, 100);

    /* a partial bundle that differs is refused too */
    dauys_tile partial = {DAUYS_TILE_ENTRIES, size / 256, (unsigned) (size % 256)};
    char name[DAUYS_TILE_PATH_MAX];
    assert_int_equal(dauys_tile_path(name, sizeof name, &partial, &err), 0);
    snprintf(path, sizeof path, "%s/%s", a, name);
    assert_int_equal(truncate(path, 10), 0);
    assert_int_equal(dauys_tiles_write(ws, a, 0, size, note, &err), -1);
    assert_error(&err, DAUYS_E_PROOF, name);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(dauys_tiles_write(ws, a, 0, size, note, &err), 0); /* written again */
    FILE *f = fopen(path, "ab"); /* the right bytes and one more */
    assert_non_null(f);
    assert_int_equal(fputc('\n', f), '\n');
    assert_int_equal(fclose(f), 0);
    assert_int_equal(dauys_tiles_write(ws, a, 0, size, note, &err), -1);
    assert_error(&err, DAUYS_E_PROOF, name);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(dauys_tiles_write(ws, a, 0, size, note, &err), 0); /* written again */

    /* OLD_SIZE must be what DIR holds, and DIR must hold this log */
    assert_int_equal(dauys_tiles_write(ws, a, size - 1, size, note, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "/checkpoint is of");
    assert_int_equal(
        dauys_checkpoint_parse(&cp, note, (size_t) (strstr(note, "\n\n") + 1 - note), "note", &err),
        0);
    cp.root[5] ^= 1; /* another log of as many entries */
    assert_int_equal(dauys_checkpoint_sign(other, sizeof other, &cp, central_sk, &err), 0);
    free(support_write(a, "checkpoint", other, strlen(other), 0644));
    assert_int_equal(dauys_tiles_write(ws, a, size, size, note, &err), -1);
    assert_error(&err, DAUYS_E_PROOF, "not this log at");
    dauys_free(before);
    dauys_workspace_close(ws);
    free(a);
}

/* Every note that is not the log's checkpoint at SIZE is refused, and nothing is written. */
static void
test_refuses(void **state)
{
    char note[DAUYS_CHECKPOINT_NOTE_MAX], other[DAUYS_CHECKPOINT_NOTE_MAX],
        *a = support_path(dir, "r");
    dauys_workspace *ws;
    dauys_checkpoint cp;
    dauys_pubkey pk;
    dauys_seckey *sk;
    dauys_error err;
    uint64_t size;

    (void) state;
    assert_int_equal(dauys_workspace_open_frame(&ws, ws_dir, &err), 0);
    append_events(ws, 10);
    size = checkpoint(note, ws);
    assert_int_equal(dauys_tiles_write(ws, a, 0, size - 1, note, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "the checkpoint is of");
    assert_int_equal(dauys_tiles_write(ws, a, 0, size + 1, note, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "not the");
    assert_int_equal(dauys_tiles_write(ws, a, size + 1, size, note, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "more than");

    assert_int_equal(
        dauys_checkpoint_parse(&cp, note, (size_t) (strstr(note, "\n\n") + 1 - note), "note", &err),
        0);
    cp.root[0] ^= 1; /* signed by the right key, but not the log's root */
    assert_int_equal(dauys_checkpoint_sign(other, sizeof other, &cp, central_sk, &err), 0);
    assert_int_equal(dauys_tiles_write(ws, a, 0, size, other, &err), -1);
    assert_error(&err, DAUYS_E_PROOF, "not the log's root");
    cp.root[0] ^= 1;
    cp.size = size + 5; /* more entries than the log holds */
    assert_int_equal(dauys_checkpoint_sign(other, sizeof other, &cp, central_sk, &err), 0);
    assert_int_equal(dauys_tiles_write(ws, a, 0, size + 5, other, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "fewer than");
    cp.size = size;
    assert_int_equal(dauys_keys_generate(&pk, &sk, &err), 0); /* another key */
    assert_int_equal(dauys_checkpoint_sign(other, sizeof other, &cp, sk, &err), 0);
    dauys_keys_seckey_free(sk);
    assert_int_equal(dauys_tiles_write(ws, a, 0, size, other, &err), -1);
    assert_error(&err, DAUYS_E_KEY_ID, NULL);
    snprintf(cp.origin, sizeof cp.origin, "dauys/kz-tiles/official"); /* another log */
    assert_int_equal(dauys_checkpoint_sign(other, sizeof other, &cp, central_sk, &err), 0);
    assert_int_equal(dauys_tiles_write(ws, a, 0, size, other, &err), -1);
    assert_error(&err, DAUYS_E_PROOF, "origin");
    assert_int_equal(access(a, F_OK), -1); /* nothing was made */
    assert_true(sqlite3_get_autocommit(ws->db));

    /* the published size of a directory holding something else */
    assert_int_equal(mkdir(a, 0755), 0);
    free(support_write(a, "checkpoint", "not a note\n", 11, 0644));
    assert_int_equal(dauys_tiles_published_size(&size, a, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "/checkpoint");
    dauys_workspace_close(ws);
    free(a);
}

typedef struct appender {
    int count;
    int failed;
} appender;

/* Another connection appending, as ingest does beside dauys serve. */
static void *
append_thread(void *arg)
{
    appender *ap = arg;
    dauys_workspace *ws;
    dauys_error err;
    uint64_t index;

    if (dauys_workspace_open_frame(&ws, ws_dir, &err) != 0) {
        ap->failed = 1;
        return NULL;
    }
    for (int i = 0; i < ap->count && !ap->failed; i++) {
        dauys_log_event e = {.event = "rejected",
                             .referendum = "kz-tiles",
                             .reason_code = "parse",
                             .reason = "late"};
        e.file_sha256[2] = (uint8_t) i;
        if (dauys_workspace_begin(ws, &err) != 0 || dauys_log_append(ws, &e, &index, &err) != 0 ||
            dauys_workspace_commit(ws, &err) != 0) {
            ap->failed = 1;
        }
    }
    dauys_workspace_close(ws);
    return NULL;
}

/* The tiles of an older checkpoint, while the log grows on another connection;
 * and the caller's own read transaction is left open. */
static void
test_smaller_while_appending(void **state)
{
    char note[DAUYS_CHECKPOINT_NOTE_MAX], name[64];
    dauys_workspace *ws, *reader;
    appender ap = {.count = 300};
    pthread_t thread;
    dauys_error err;
    uint64_t size;

    (void) state;
    assert_int_equal(dauys_workspace_open_frame(&ws, ws_dir, &err), 0);
    append_events(ws, 400);
    size = checkpoint(note, ws);
    dauys_workspace_close(ws);
    assert_int_equal(dauys_workspace_open_reader(&reader, ws_dir, &err), 0);
    assert_int_equal(pthread_create(&thread, NULL, append_thread, &ap), 0);
    for (int i = 0; i < 6; i++) {
        char *where;
        snprintf(name, sizeof name, "s%d", i);
        where = support_path(dir, name);
        assert_int_equal(dauys_tiles_write(reader, where, 0, size, note, &err), 0);
        assert_tiles(where, reader, size, note);
        free(where);
    }
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(ap.failed, 0);

    /* inside the caller's transaction: used, not ended */
    assert_int_equal(
        sqlite3_exec(reader->db, "BEGIN; SELECT count(*) FROM log_entry", NULL, NULL, NULL),
        SQLITE_OK);
    char *where = support_path(dir, "s-in-transaction");
    assert_int_equal(dauys_tiles_write(reader, where, 0, size, note, &err), 0);
    assert_false(sqlite3_get_autocommit(reader->db));
    assert_int_equal(sqlite3_exec(reader->db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    free(where);
    dauys_workspace_close(reader);
}

/* Every allocation failing in turn: -1 and a reason, nothing leaked, the checkpoint never half
 * there. */
static void
test_out_of_memory(void **state)
{
    char note[DAUYS_CHECKPOINT_NOTE_MAX], *a = support_path(dir, "oom");
    dauys_workspace *ws;
    dauys_error err;
    uint64_t size;
    int rc = -1;

    (void) state;
    assert_int_equal(dauys_workspace_open_frame(&ws, ws_dir, &err), 0);
    size = checkpoint(note, ws);
    for (long k = 0; rc != 0 && k < 100; k++) {
        support_alloc_install_once(k);
        rc = dauys_tiles_write(ws, a, 0, size, note, &err);
        long left = support_alloc_outstanding();
        support_alloc_restore();
        assert_int_equal(left, 0);
        if (rc != 0) {
            assert_error(&err, DAUYS_E_NOMEM, NULL);
        }
    }
    assert_int_equal(rc, 0);
    assert_tiles(a, ws, size, note);
    dauys_workspace_close(ws);
    free(a);
}

/* An entry altered in the database (its leaf no longer its hash) is not published. */
static void
test_damaged_entry(void **state)
{
    char note[DAUYS_CHECKPOINT_NOTE_MAX], *a = support_path(dir, "d");
    dauys_workspace *ws;
    dauys_error err;
    uint64_t size;

    (void) state;
    assert_int_equal(dauys_workspace_open_frame(&ws, ws_dir, &err), 0);
    size = checkpoint(note, ws);
    assert_int_equal(sqlite3_exec(ws->db,
                                  "UPDATE log_entry SET entry = CAST(replace(CAST(entry AS TEXT), "
                                  "'parse', 'PARSE') AS BLOB) WHERE idx = 300",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(dauys_tiles_write(ws, a, 0, size, note, &err), -1);
    assert_error(&err, DAUYS_E_DATABASE, "log entry 300 does not hash to its stored leaf");
    dauys_workspace_close(ws);
    free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write),
        cmocka_unit_test(test_existing),
        cmocka_unit_test(test_refuses),
        cmocka_unit_test(test_smaller_while_appending),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_damaged_entry), /* last: it damages the workspace */
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
