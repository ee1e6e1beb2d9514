/* fuzz_importmap: a column map of dauys import-csv --map, then (after the
 * first empty line, if any) a table read and checked with it. */
#include "fuzz/fuzz.h"

#include "inputs/import.h"

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
    const uint8_t *blank = NULL;
    size_t map_len;
    char *map_text, *csv;
    dauys_import_map_file map;
    dauys_error err;
    size_t rows;
    int rc;

    for (size_t i = 0; i + 1 < size && blank == NULL; i++) {
        blank = data[i] == '\n' && data[i + 1] == '\n' ? data + i : NULL;
    }
    map_len = blank != NULL ? (size_t) (blank - data) + 1 : size;
    map_text = dauys_malloc(map_len ? map_len : 1);
    if (map_text == NULL) {
        abort();
    }
    if (map_len > 0) {
        memcpy(map_text, data, map_len);
    }
    rc = dauys_import_map_parse(&map, map_text, map_len, "fuzz.map", &err); /* takes MAP_TEXT */
    fuzz_check_error(rc, &err);
    if (rc == 0 && blank != NULL) {
        csv = fuzz_copy(blank + 2, size - map_len - 1);
        rc = dauys_import_check(&rows, csv, size - map_len - 1, "fuzz.csv", &map.map, &err);
        fuzz_check_error(rc, &err);
        free(csv);
    }
    dauys_import_map_free(&map);
    return 0;
}
