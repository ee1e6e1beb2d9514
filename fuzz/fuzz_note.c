/* fuzz_note: a signed note (C2SP signed-note) checked with a key, a
 * checkpoint's text, cosignatures checked by a witness policy, a witness's
 * answer merged into a signed note, and a verifier key. */
#include "fuzz/fuzz.h"

#include "keys/cosig.h"
#include "keys/note.h"

static dauys_pubkey key;
static dauys_witness_policy policy;
static char signed_note[DAUYS_COSIGNED_NOTE_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    dauys_seckey *sk;
    dauys_error err;
    uint8_t seed[32] = {1};

    (void) argc, (void) argv;
    fuzz_init();
    if ((sk = dauys_keys_seckey_new()) == NULL || dauys_keys_from_seed(&key, sk, seed, &err) != 0) {
        abort();
    }
    {
        dauys_checkpoint cp = {.origin = "dauys/test/example", .size = 3};

        if (dauys_checkpoint_sign(signed_note, sizeof signed_note, &cp, sk, &err) != 0) {
            abort();
        }
    }
    dauys_keys_seckey_free(sk);
    /* The fuzzed bytes may hold lines by the log key or by these witnesses. */
    policy.count = 2;
    policy.quorum = 1;
    if (dauys_cosig_key_init(&policy.key[0], "dauys/test/example", key.pk, &err) != 0) {
        abort();
    }
    seed[0] = 2;
    if ((sk = dauys_keys_seckey_new()) == NULL) {
        abort();
    }
    {
        dauys_pubkey w;

        if (dauys_keys_from_seed(&w, sk, seed, &err) != 0 ||
            dauys_cosig_key_init(&policy.key[1], "w.example/1", w.pk, &err) != 0) {
            abort();
        }
    }
    dauys_keys_seckey_free(sk);
    return 0;
}

/* Cosignature checks and merges over TEXT (SIZE bytes): never a crash, valid counts. */
static void
fuzz_cosig(const char *text, size_t size)
{
    char note[DAUYS_COSIGNED_NOTE_MAX];
    dauys_cosig_found found[2];
    dauys_witness_key w;
    dauys_error err;
    size_t valid = 0, added = 0, rejected = 0, before;
    int rc;

    rc = dauys_cosig_policy_check(&valid, found, text, size, &policy, "note", &err);
    fuzz_check_error(rc, &err);
    if (rc == 0 && (valid > policy.count || valid != (size_t) (found[0].valid + found[1].valid))) {
        abort();
    }
    memcpy(note, signed_note, sizeof note);
    before = strlen(note);
    rc = dauys_cosig_merge(note, sizeof note, &added, &rejected, text, size, &policy, &err);
    fuzz_check_error(rc, &err);
    if ((rc != 0 && strlen(note) != before) || (rc == 0 && added > policy.count)) {
        abort();
    }
    rc = dauys_cosig_vkey_parse(&w, text, size, "vkey", &err);
    fuzz_check_error(rc, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size);
    dauys_checkpoint cp;
    dauys_error err;
    size_t text_len;
    int rc;

    rc = dauys_note_verify(&text_len, text, size, "dauys/test/example", &key, "note", &err);
    fuzz_check_error(rc, &err);
    if (rc == 0 && text_len > size) {
        abort();
    }
    rc = dauys_checkpoint_parse(&cp, text, size, "checkpoint", &err);
    fuzz_check_error(rc, &err);
    rc = dauys_checkpoint_open_any(&cp, &text_len, text, size, &key, NULL, "checkpoint", &err);
    fuzz_check_error(rc, &err);
    fuzz_cosig(text, size);
    free(text);
    return 0;
}
