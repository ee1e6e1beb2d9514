/* fuzz_note: a signed note (C2SP signed-note) checked with a key, and a
 * checkpoint's text. */
#include "fuzz/fuzz.h"

#include "keys/note.h"

static dauys_pubkey key;

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
    dauys_keys_seckey_free(sk);
    return 0;
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
    free(text);
    return 0;
}
