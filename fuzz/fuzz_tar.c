/* fuzz_tar: ustar headers as a bundle archive's reader sees them (every
 * 512-byte block of the input). */
#include "fuzz.h"

#include "tar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dauys_tar_header h;
    dauys_error err;

    for (size_t at = 0; at + DAUYS_TAR_BLOCK <= size; at += DAUYS_TAR_BLOCK) {
        uint8_t *block = (uint8_t *) fuzz_copy(data + at, DAUYS_TAR_BLOCK);
        int rc = dauys_tar_header_parse(&h, block, &err);
        if (rc < 0) {
            fuzz_check_error(rc, &err);
        } else if (rc == 1 && (strlen(h.name) == 0 || strlen(h.name) > DAUYS_TAR_NAME_MAX)) {
            abort();
        }
        free(block);
    }
    return 0;
}
