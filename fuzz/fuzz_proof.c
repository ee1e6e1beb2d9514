/* fuzz_proof: an inclusion or consistency proof's text (section 13). */
#include "fuzz/fuzz.h"

#include "core/proof.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size);
    dauys_proof_text p;
    dauys_error err;

    fuzz_check_error(dauys_proof_parse(&p, text, size, "proof", &err), &err);
    free(text);
    return 0;
}
