/* fuzz_summary: a summary protocol's header, then the whole summary against a
 * 20-precinct demo manifest (both levels come from the seeds), its commission
 * key looked up and its control relations checked. */
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_demo.h"

#include "referendum/summary.h"

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
    dauys_summary s;
    dauys_findings findings;
    dauys_error err;
    int rc;

    (void) dauys_summary_is(text, size);
    rc = dauys_summary_parse_header(&s, text, size, "summary", &err);
    fuzz_check_error(rc, &err);
    if (rc == 0) {
        (void) dauys_summary_key(&manifest, s.level, s.area);
    }
    rc = dauys_summary_parse(&s, text, size, "summary", &manifest, &err);
    fuzz_check_error(rc, &err);
    if (rc == 0) {
        if (s.item_count == 0 || s.question_count != manifest.question_count) {
            abort();
        }
        for (size_t i = 1; i < s.item_count; i++) { /* strictly ascending */
            if (strcmp(s.item[i - 1].id, s.item[i].id) >= 0) {
                abort();
            }
        }
        dauys_summary_check(&findings, &s, &manifest);
    }
    dauys_summary_free(&s);
    free(text);
    return 0;
}
