/*
 * test_oom.c: out-of-memory paths. Each operation runs with the k-th
 * allocation failing, for k = 0, 1, 2, ... until it succeeds; every failure
 * must be a clean DAUYS_E_NOMEM with nothing leaked and nothing half-written.
 */
#include "tests/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/file.h"
#include "core/idlist.h"
#include "keys/keys.h"

typedef struct world {
    const char *dir;
    char *pub, *sec, *sec_enc, *sig, *msg, *out_pub, *out_sec;
    dauys_pubkey pk;
    dauys_seckey *sk;
} world;

static world w;
static const dauys_kdf cheap_kdf = {1u << 14, 1u << 20};

typedef int (*op_fn)(dauys_error *err);

static int
password(char *buf, size_t size, const char *name, void *ctx)
{
    (void) name, (void) ctx;
    snprintf(buf, size, "pw");
    return 0;
}

/* Runs OP with the k-th allocation failing for every k until it succeeds. */
static void
oom_loop(op_fn op, const char *name)
{
    dauys_error err;
    long k;

    for (k = 0; k < 10000; k++) {
        support_alloc_install(k);
        int rc = op(&err);
        long leaked = support_alloc_outstanding();
        support_alloc_restore();
        if (leaked != 0) {
            fail_msg("%s: %ld allocations leaked when allocation %ld failed", name, leaked, k);
        }
        if (rc == 0) {
            break;
        }
        if (err.status != DAUYS_E_NOMEM) {
            fail_msg("%s: allocation %ld failed but status is %s: %s", name, k,
                     dauys_status_name(err.status), err.message);
        }
    }
    assert_true(k > 0);     /* it allocates, so the loop tested something */
    assert_true(k < 10000); /* and it succeeds once memory is there */
}

static int
op_pubkey_load(dauys_error *err)
{
    dauys_pubkey pk;
    return dauys_keys_pubkey_load(&pk, w.pub, err);
}

static int
op_signature_load_verify(dauys_error *err)
{
    dauys_signature sig;
    return dauys_keys_signature_load(&sig, w.sig, err) != 0 ||
                   dauys_keys_verify_file(&sig, w.msg, &w.pk, err) != 0
               ? -1
               : 0;
}

static int
op_seckey_load(dauys_error *err)
{
    dauys_seckey *sk;

    if (dauys_keys_seckey_load(&sk, w.sec, NULL, NULL, err) != 0) {
        return -1;
    }
    dauys_keys_seckey_free(sk);
    return 0;
}

static int
op_seckey_load_encrypted(dauys_error *err)
{
    dauys_seckey *sk;

    if (dauys_keys_seckey_load(&sk, w.sec_enc, password, NULL, err) != 0) {
        return -1;
    }
    dauys_keys_seckey_free(sk);
    return 0;
}

static int
op_sign(dauys_error *err)
{
    uint8_t h[DAUYS_KEYS_PREHASH_BYTES] = {1};
    dauys_signature sig;
    return dauys_keys_sign_prehashed(&sig, h, "comment", w.sk, err);
}

static int
op_generate(dauys_error *err)
{
    dauys_pubkey pk;
    dauys_seckey *sk;

    if (dauys_keys_generate(&pk, &sk, err) != 0) {
        return -1;
    }
    dauys_keys_seckey_free(sk);
    return 0;
}

static int
op_keypair_save(dauys_error *err)
{
    int rc =
        dauys_keys_keypair_save(w.out_pub, w.out_sec, &w.pk, w.sk, NULL, "pw", &cheap_kdf, 0, err);
    /* All or nothing: a failed save leaves neither file. */
    if (rc != 0 && (access(w.out_pub, F_OK) == 0 || access(w.out_sec, F_OK) == 0)) {
        fail_msg("a failed keypair_save left a file behind");
    }
    if (rc == 0) {
        unlink(w.out_pub);
        unlink(w.out_sec);
    }
    return rc;
}

static int
op_idlist(dauys_error *err)
{
    static const char text[] = "A\nB\n# c\nC\nD\nE\nF\nG\nH\nI\nJ\nK\nL\nM\nN\nO\nP\nQ\nR\n";
    dauys_idlist list;

    if (dauys_idlist_parse(&list, text, strlen(text), "l", err) != 0) {
        return -1;
    }
    dauys_idlist_free(&list);
    return 0;
}

static int
op_write_atomic(dauys_error *err)
{
    return dauys_file_write_atomic(w.out_pub, "data", 4, 0644, err);
}

static void
test_oom_paths(void **state)
{
    (void) state;
    oom_loop(op_pubkey_load, "pubkey_load");
    oom_loop(op_signature_load_verify, "signature_load+verify_file");
    oom_loop(op_seckey_load, "seckey_load");
    oom_loop(op_seckey_load_encrypted, "seckey_load (encrypted)");
    oom_loop(op_sign, "sign_prehashed");
    oom_loop(op_generate, "generate");
    oom_loop(op_keypair_save, "keypair_save");
    oom_loop(op_idlist, "idlist_parse");
    oom_loop(op_write_atomic, "file_write_atomic");
}

static int
setup(void **state)
{
    char text[DAUYS_KEYS_SIGNATURE_TEXT_MAX];
    uint8_t h[DAUYS_KEYS_PREHASH_BYTES];
    dauys_signature sig;
    dauys_seckey *enc;
    dauys_pubkey enc_pk;
    dauys_error err;

    (void) state;
    w.dir = support_tmpdir();
    w.pub = support_path(w.dir, "k.pub");
    w.sec = support_path(w.dir, "k.key");
    w.sec_enc = support_path(w.dir, "e.key");
    w.out_pub = support_path(w.dir, "out.pub");
    w.out_sec = support_path(w.dir, "out.key");
    char *enc_pub = support_path(w.dir, "e.pub");
    w.msg = support_write(w.dir, "m.txt", "protocol\n", 9, 0644);
    if (dauys_keys_generate(&w.pk, &w.sk, &err) != 0 ||
        dauys_keys_keypair_save(w.pub, w.sec, &w.pk, w.sk, NULL, NULL, NULL, 0, &err) != 0 ||
        dauys_keys_generate(&enc_pk, &enc, &err) != 0 ||
        dauys_keys_keypair_save(enc_pub, w.sec_enc, &enc_pk, enc, NULL, "pw", &cheap_kdf, 0,
                                &err) != 0) {
        return -1;
    }
    dauys_keys_seckey_free(enc);
    free(enc_pub);
    dauys_keys_prehash(h, "protocol\n", 9);
    if (dauys_keys_sign_prehashed(&sig, h, "t", w.sk, &err) != 0 ||
        dauys_keys_signature_encode(text, sizeof text, &sig, NULL, &err) != 0) {
        return -1;
    }
    w.sig = support_write(w.dir, "m.txt.minisig", text, strlen(text), 0644);
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    dauys_keys_seckey_free(w.sk);
    support_rmdir(w.dir);
    free(w.pub), free(w.sec), free(w.sec_enc), free(w.sig), free(w.msg);
    free(w.out_pub), free(w.out_sec);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oom_paths),
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
