/* fuzz_logentry: one log entry (section 12.1 of docs/FORMATS.md). */
#include "fuzz/fuzz.h"

#include "referendum/logentry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size);
    dauys_log_parsed e;
    dauys_error err;

    fuzz_check_error(dauys_logentry_parse(&e, text, size, "entry", &err), &err);
    free(text);
    return 0;
}
