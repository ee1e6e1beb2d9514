/* fuzz_keys: minisign public key, secret key and signature files (unencrypted
 * secret keys only: a password would make every input a key derivation), and
 * the search for a secret key in any text (dauys_keys_text_holds_seckey),
 * which must find every key the decoder reads. */
#include "fuzz/fuzz.h"

#include "keys/keys.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc, (void) argv;
    return fuzz_init();
}

static int
no_password(char *buf, size_t size, const char *name, void *ctx)
{
    (void) buf, (void) size, (void) name, (void) ctx;
    return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size);
    dauys_pubkey pk;
    dauys_signature sig;
    dauys_seckey *sk = NULL;
    dauys_error err;
    int rc, holds;

    rc = dauys_keys_pubkey_decode(&pk, text, size, "k.pub", &err);
    fuzz_check_error(rc, &err);
    rc = dauys_keys_signature_decode(&sig, text, size, "f.minisig", &err);
    fuzz_check_error(rc, &err);
    rc = dauys_keys_seckey_decode(&sk, text, size, "k.key", no_password, NULL, &err);
    fuzz_check_error(rc, &err);
    holds = dauys_keys_text_holds_seckey(text, size);
    if (holds < 0 || (rc == 0 && holds != 1)) {
        abort(); /* a key that dauys reads, which ingest would have kept and published */
    }
    dauys_keys_seckey_free(sk);
    free(text);
    return 0;
}
