/*
 * test_checkpoint_cosign.c: the stored note of a checkpoint read back, and
 * replaced by a cosigned version of it (store/checkpoint.c, issue 18): a
 * note with more cosignatures is stored; one whose text differs, one that
 * drops a signature line, one not signed by the central key and one of a
 * size never signed are each refused by its own check, leaving the stored
 * note as it was.
 */
#include "tests/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "keys/cosig.h"
#include "keys/keys.h"
#include "keys/note.h"
#include "store/checkpoint.h"
#include "store/workspace.h"

enum { W = 2 };

typedef struct fixture {
    const char *dir;
    dauys_workspace *ws;
    dauys_pubkey central, other, wpk[W];
    dauys_seckey *csk, *osk, *wsk[W];
    dauys_checkpoint cp;                /* the checkpoint signed in setup */
    char note[DAUYS_COSIGNED_NOTE_MAX]; /* its note as signed */
    size_t text_len;
} fixture;

static const char *const names[W] = {"observers.kz/w", "press.kz/w1"};

static void
make_key(dauys_pubkey *pk, dauys_seckey **sk, uint8_t fill)
{
    uint8_t seed[DAUYS_KEYS_SEED_BYTES];
    dauys_error err;

    memset(seed, fill, sizeof seed);
    assert_non_null(*sk = dauys_keys_seckey_new());
    assert_int_equal(dauys_keys_from_seed(pk, *sk, seed, &err), 0);
}

static int
setup(void **state)
{
    static fixture f;
    char b64[57], pubtext[DAUYS_KEYS_PUBKEY_TEXT_MAX], *m, *c, *ws_dir;
    dauys_error err;

    memset(&f, 0, sizeof f);
    f.dir = support_tmpdir();
    make_key(&f.central, &f.csk, 1);
    make_key(&f.other, &f.osk, 2);
    for (int i = 0; i < W; i++) {
        make_key(&f.wpk[i], &f.wsk[i], (uint8_t) (10 + i));
    }
    support_fake_pubkey(b64, 1);
    char text[1024];
    snprintf(text, sizeof text,
             "format: dauys-manifest 1\nreferendum: kz-test\ntitle: Test\ndate: 2026-03-15\n"
             "mode: test\nversion: 1\nballot: single\n"
             "question: q1 kz-constitutional Do you agree?\n"
             "region: AST capital Astana\ndistrict: AST-01 AST Central\n"
             "precinct: AST-0001 AST-01 1000 %s School 1\n",
             b64);
    support_write_signed(f.dir, "manifest.txt", text, f.csk);
    assert_int_equal(dauys_keys_pubkey_encode(pubtext, sizeof pubtext, &f.central, NULL, &err), 0);
    free(support_write(f.dir, "central.pub", pubtext, strlen(pubtext), 0644));
    m = support_path(f.dir, "manifest.txt");
    c = support_path(f.dir, "central.pub");
    ws_dir = support_path(f.dir, "ws");
    assert_int_equal(dauys_workspace_init(ws_dir, m, c, &err), 0);
    assert_int_equal(dauys_workspace_open_frame(&f.ws, ws_dir, &err), 0);
    assert_int_equal(dauys_log_checkpoint(f.note, sizeof f.note, &f.cp, f.ws, f.csk, &err), 0);
    assert_int_equal(dauys_note_text_length(&f.text_len, f.note, strlen(f.note), "note", &err), 0);
    free(m);
    free(c);
    free(ws_dir);
    *state = &f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;

    dauys_workspace_close(f->ws);
    dauys_keys_seckey_free(f->csk);
    dauys_keys_seckey_free(f->osk);
    for (int i = 0; i < W; i++) {
        dauys_keys_seckey_free(f->wsk[i]);
    }
    support_rmdir(f->dir);
    return 0;
}

/* OUT = BASE (a signed note) with the cosignature of witness I appended. */
static void
cosign(char *out, size_t size, const fixture *f, const char *base, int i)
{
    char line[DAUYS_COSIG_LINE_MAX + 1];
    dauys_error err;

    assert_int_equal(dauys_cosig_sign(line, sizeof line, f->note, f->text_len,
                                      1700000000u + (unsigned) i, names[i], f->wsk[i], &err),
                     0);
    assert_true((size_t) snprintf(out, size, "%s%s", base, line) < size);
}

/* Fails unless the note stored for F's checkpoint is WANT. */
static void
assert_stored(const fixture *f, const char *want)
{
    char got[DAUYS_COSIGNED_NOTE_MAX];
    dauys_error err;

    assert_int_equal(dauys_log_checkpoint_note(got, sizeof got, f->ws, f->cp.size, &err), 1);
    assert_string_equal(got, want);
}

static void
test_note_read(void **state)
{
    fixture *f = *state;
    char got[DAUYS_COSIGNED_NOTE_MAX] = "x", small[16];
    dauys_error err;

    assert_stored(f, f->note);
    assert_int_equal(dauys_log_checkpoint_note(got, sizeof got, f->ws, f->cp.size + 5, &err), 0);
    assert_string_equal(got, "");
    assert_int_equal(dauys_log_checkpoint_note(small, sizeof small, f->ws, f->cp.size, &err), -1);
    assert_error(&err, DAUYS_E_DATABASE, "is damaged");
}

static void
test_cosigned_stored(void **state)
{
    fixture *f = *state;
    char one[DAUYS_COSIGNED_NOTE_MAX], two[DAUYS_COSIGNED_NOTE_MAX];
    dauys_error err;

    cosign(one, sizeof one, f, f->note, 0);
    cosign(two, sizeof two, f, one, 1);
    assert_int_equal(dauys_log_checkpoint_cosigned(f->ws, one, &err), 0);
    assert_stored(f, one);
    assert_int_equal(dauys_log_checkpoint_cosigned(f->ws, two, &err), 0);
    assert_stored(f, two);
    assert_int_equal(dauys_log_checkpoint_cosigned(f->ws, two, &err), 0); /* the same: no change */
    assert_stored(f, two);
    /* one fewer line: refused */
    assert_int_equal(dauys_log_checkpoint_cosigned(f->ws, one, &err), -1);
    assert_error(&err, DAUYS_E_PROOF, "lacks a signature line of the one stored");
    assert_stored(f, two);
    /* the central signature alone: refused too */
    assert_int_equal(dauys_log_checkpoint_cosigned(f->ws, f->note, &err), -1);
    assert_error(&err, DAUYS_E_PROOF, "lacks a signature line");
    assert_stored(f, two);
}

static void
test_refusals(void **state)
{
    fixture *f = *state;
    char note[DAUYS_COSIGNED_NOTE_MAX], want[DAUYS_COSIGNED_NOTE_MAX];
    dauys_checkpoint cp = f->cp;
    dauys_error err;

    assert_int_equal(dauys_log_checkpoint_note(want, sizeof want, f->ws, f->cp.size, &err), 1);
    /* the same size, another root, signed by the central key: the text differs */
    cp.root[0] ^= 1;
    assert_int_equal(dauys_checkpoint_sign(note, sizeof note, &cp, f->csk, &err), 0);
    assert_int_equal(dauys_log_checkpoint_cosigned(f->ws, note, &err), -1);
    assert_error(&err, DAUYS_E_PROOF, "its text differs");
    assert_stored(f, want);
    /* the checkpoint as stored, signed by another key under the origin */
    assert_int_equal(dauys_checkpoint_sign(note, sizeof note, &f->cp, f->osk, &err), 0);
    assert_int_equal(dauys_log_checkpoint_cosigned(f->ws, note, &err), -1);
    assert_error(&err, DAUYS_E_KEY_ID, NULL);
    assert_stored(f, want);
    /* a size never signed */
    cp = f->cp;
    cp.size += 7;
    assert_int_equal(dauys_checkpoint_sign(note, sizeof note, &cp, f->csk, &err), 0);
    assert_int_equal(dauys_log_checkpoint_cosigned(f->ws, note, &err), -1);
    assert_error(&err, DAUYS_E_PROOF, "no checkpoint of");
    assert_stored(f, want);
    /* not a note */
    assert_int_equal(dauys_log_checkpoint_cosigned(f->ws, "hello\n", &err), -1);
    assert_stored(f, want);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_note_read),
        cmocka_unit_test(test_cosigned_stored),
        cmocka_unit_test(test_refusals),
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
