/* fuzz_logstream: the audit's reading of a whole log/entries.txt (I1): how
 * it splits the file into entries and bytes outside any entry. Every entry
 * starts with the first line of the format and is kept whole or cut at its
 * limit; the runs outside entries lie inside the file, in order, apart from
 * each other; with no line over the limit, entries and runs together are
 * the file, every byte once. Each entry then goes to the entry parser. */
#include "fuzz/fuzz.h"

#include <stdio.h>

#include "audit/audit_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every entry and run handed out so far. */
typedef struct tally {
    size_t size; /* of the input */
    uint64_t entry_bytes, stray_bytes, next_stray;
    int cut; /* an entry was cut at its limit */
} tally;

static int
on_entry(void *ctx, const char *text, size_t len)
{
    static const char first[] = "format: dauys-log 1\n";
    tally *t = ctx;
    dauys_log_parsed e;
    dauys_error err;

    if (len < sizeof first - 1 || memcmp(text, first, sizeof first - 1) != 0 ||
        len > 2 * DAUYS_LOG_ENTRY_MAX) {
        abort();
    }
    t->cut |= len == 2 * DAUYS_LOG_ENTRY_MAX;
    t->entry_bytes += len;
    fuzz_check_error(dauys_logentry_parse(&e, text, len, "entry", &err), &err);
    return 0;
}

static void
on_stray(void *ctx, uint64_t offset, uint64_t len, uint64_t entries)
{
    tally *t = ctx;

    (void) entries;
    if (len == 0 || offset < t->next_stray || offset + len > t->size) {
        abort();
    }
    t->next_stray = offset + len + 1; /* two runs are never adjacent: one would have been made */
    t->stray_bytes += len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size);
    tally t = {.size = size};
    FILE *fp = fmemopen(text, size ? size : 1, "rb");

    if (fp == NULL) {
        abort();
    }
    if (size > 0 && dauys_audit_log_split(fp, on_entry, on_stray, &t) != 0) {
        abort(); /* the callbacks never stop it */
    }
    if (size > 0 && !t.cut && t.entry_bytes + t.stray_bytes != size) {
        abort();
    }
    fclose(fp);
    free(text);
    return 0;
}
