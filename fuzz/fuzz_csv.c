/* fuzz_csv: the CSV reader of dauys import-csv, every record to the end. */
#include "fuzz/fuzz.h"

#include "core/alloc.h"
#include "core/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size);
    dauys_csv csv;
    dauys_error err;
    int rc;

    dauys_csv_init(&csv, text, size, "results.csv");
    while ((rc = dauys_csv_next(&csv, &err)) > 0) {
        for (size_t i = 0; i < csv.count; i++) {
            if (strlen(csv.field[i]) > size) { /* a field is never longer than the input */
                abort();
            }
        }
        (void) dauys_csv_column(&csv, "comune");
    }
    fuzz_check_error(rc < 0 ? -1 : 0, &err);
    dauys_csv_free(&csv);
    free(text);
    return 0;
}
