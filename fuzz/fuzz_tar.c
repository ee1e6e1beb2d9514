/* fuzz_tar: ustar headers as a bundle archive's reader sees them (every
 * 512-byte block of the input), and the paths tar unpacks their names to. */
#include "fuzz/fuzz.h"

#include "core/tar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The path tar unpacks H to: no '/' at either end, no empty, "." or ".."
 * component, never longer than the name stored; or an error. */
static void
check_extract_path(dauys_tar_header *h)
{
    size_t stored = strlen(h->name);
    dauys_error err;
    int rc = dauys_tar_extract_path(h, &err);
    size_t len = strlen(h->name);

    if (rc < 0) {
        fuzz_check_error(-1, &err);
        return;
    }
    if (rc != 0 || len > stored || (len > 0 && (h->name[0] == '/' || h->name[len - 1] == '/')) ||
        strstr(h->name, "//") != NULL || (len == 0 && h->type != '5')) {
        abort();
    }
    for (const char *p = h->name; len > 0 && *p != '\0'; p += strcspn(p, "/"), p += *p == '/') {
        size_t n = strcspn(p, "/");
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
            abort();
        }
    }
}

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
        } else if (rc == 1) {
            check_extract_path(&h);
        }
        free(block);
    }
    return 0;
}
