/* fuzz_manifest: a whole manifest (shrunk, keeping its precincts and commissions), and its
 * frame (the lines before the first precinct). */
#include "fuzz/fuzz.h"

#include "referendum/manifest.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc, (void) argv;
    return fuzz_init();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size);
    dauys_manifest m;
    dauys_error err;
    int rc;

    rc = dauys_manifest_parse(&m, text, size, "manifest", &err);
    fuzz_check_error(rc, &err);
    if (rc == 0) {
        size_t commissions = 0;
        for (size_t i = 0; i < m.district_count; i++) {
            commissions += m.district[i].has_commission != 0;
        }
        if (dauys_manifest_shrink(&m, &err) == 0) {
            for (size_t i = 0; i < m.district_count; i++) { /* the commissions kept */
                commissions -= m.district[i].has_commission != 0;
            }
            if (commissions != 0) {
                abort();
            }
            for (size_t i = 0; i < m.precinct_count; i++) { /* every id still found */
                uint32_t at;
                if (!dauys_manifest_find_precinct(&m, m.precinct[i].id, m.precinct[i].id_len,
                                                  &at) ||
                    at != i) {
                    abort();
                }
            }
        }
        dauys_manifest_free(&m);
    }
    rc = dauys_manifest_parse_frame(&m, text, size, "manifest", &err);
    fuzz_check_error(rc, &err);
    if (rc == 0) {
        dauys_manifest_free(&m);
    }
    free(text);
    return 0;
}
