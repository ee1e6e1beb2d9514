/* fuzz_protocol: a protocol's header, then the whole protocol against a
 * 20-precinct demo manifest (both ballot modes come from the seed). */
#include "fuzz/fuzz.h"

#include "inputs/demo.h"
#include "referendum/manifest.h"
#include "referendum/protocol.h"

static dauys_manifest manifest;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    dauys_pubkey pks[20];
    dauys_seckey *sk;
    dauys_demo *d;
    dauys_error err;
    char *text;
    size_t len;

    (void) argc, (void) argv;
    fuzz_init();
    if ((sk = dauys_keys_seckey_new()) == NULL ||
        dauys_demo_plan(&d, 20, 1, "kz-constitutional", &err) != 0) {
        abort();
    }
    for (uint32_t i = 0; i < 20; i++) {
        if (dauys_demo_key(&pks[i], sk, d, i, &err) != 0) {
            abort();
        }
    }
    if (dauys_demo_manifest(&text, &len, d, pks, &err) != 0 ||
        dauys_manifest_parse_owned(&manifest, text, len, "manifest", &err) != 0) {
        abort();
    }
    dauys_demo_free(d);
    dauys_keys_seckey_free(sk);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size);
    dauys_protocol p;
    dauys_error err;
    int rc;

    rc = dauys_protocol_parse_header(&p, text, size, "protocol", &err);
    fuzz_check_error(rc, &err);
    rc = dauys_protocol_parse(&p, text, size, "protocol", &manifest, &err);
    fuzz_check_error(rc, &err);
    free(text);
    return 0;
}
