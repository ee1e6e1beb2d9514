/* fuzz_copies: an observers' copies CSV (dauys-audit compare-copies),
 * compared with a small counted set; a copies map first if the input starts
 * with "format: " (the map runs to the first empty line). */
#include "fuzz/fuzz.h"

#include <sodium.h>

#include "audit/copies.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

static dauys_copies_set *set;

/* A key of the roster (nobody signs here), distinct for each N. */
static void
fake_pubkey(char out[57], uint8_t n)
{
    uint8_t bin[42] = {'E', 'd'};

    crypto_generichash(bin + 2, 40, &n, 1, NULL, 0);
    sodium_bin2base64(out, 57, bin, sizeof bin, sodium_base64_VARIANT_ORIGINAL);
}

static void
add(const char *event, int i, unsigned version, unsigned yes)
{
    char text[1024];
    dauys_error err;
    int len = snprintf(text, sizeof text,
                       "format: dauys-protocol 1\nreferendum: kz-fuzz\nprecinct: P-%d\n"
                       "version: %u\n%scitizens_on_list: 1000\nballots_received: 1000\n"
                       "ballots_issued: 950\nballots_cancelled: 50\nballots_in_boxes: 950\n"
                       "q1_yes: %u\nq1_no: %u\nq1_not_counted: 10\nq1_invalid: 40\n",
                       i, version, version > 1 ? "reason: recount\n" : "", yes, 900 - yes);

    if (dauys_copies_set_add(set, event, NULL, text, (size_t) len, &err) != 0) {
        abort();
    }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char m[2048], key[57];
    size_t off;
    dauys_error err;

    (void) argc, (void) argv;
    if (fuzz_init() != 0) {
        return -1;
    }
    off = (size_t) snprintf(m, sizeof m,
                            "format: dauys-manifest 1\nreferendum: kz-fuzz\ntitle: fuzz\n"
                            "date: 2026-03-15\nmode: test\nversion: 1\nballot: single\n"
                            "question: q1 kz-ordinary Q?\nregion: R oblast R\n"
                            "district: R-1 R D\n");
    for (uint8_t i = 1; i <= 4; i++) {
        fake_pubkey(key, i);
        off += (size_t) snprintf(m + off, sizeof m - off, "precinct: P-%u R-1 1000 %s P\n", i, key);
    }
    if (dauys_copies_set_new(&set, m, off, &err) != 0) {
        abort();
    }
    add("accepted", 1, 1, 600);
    add("accepted", 2, 1, 500);
    add("correction", 2, 2, 510);
    add("rejected", 3, 1, 700);
    add("accepted", 4, 1, 400);
    add("conflict", 4, 1, 401);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *blank = NULL;
    size_t map_len = 0;
    char *map = NULL, *csv;
    dauys_copies_summary sum;
    dauys_error err;
    int rc;

    if (size >= 8 && memcmp(data, "format: ", 8) == 0) {
        for (size_t i = 0; i + 1 < size && blank == NULL; i++) {
            blank = data[i] == '\n' && data[i + 1] == '\n' ? data + i : NULL;
        }
        if (blank == NULL) {
            return 0;
        }
        map_len = (size_t) (blank - data) + 1;
        map = fuzz_copy(data, map_len);
        data += map_len + 1;
        size -= map_len + 1;
    }
    csv = fuzz_copy(data, size);
    rc = dauys_copies_compare(&sum, set, csv, size, "fuzz.csv", map, map_len, "fuzz.map", NULL,
                              NULL, &err);
    fuzz_check_error(rc, &err);
    if (rc == 0) {
        uint64_t total = 0;
        for (int o = 0; o < DAUYS_COPY_OUTCOMES; o++) {
            total += sum.outcome[o];
        }
        if (total != sum.rows) {
            abort();
        }
    }
    free(csv);
    free(map);
    return 0;
}
