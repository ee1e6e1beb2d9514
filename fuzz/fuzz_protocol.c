/* fuzz_protocol: a protocol's header, then the whole protocol against a
 * 20-precinct demo manifest (both ballot modes come from the seed). */
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_demo.h"

#include "referendum/protocol.h"

static dauys_manifest manifest;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc, (void) argv;
    fuzz_init();
    fuzz_demo_manifest(&manifest);
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
