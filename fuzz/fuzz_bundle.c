/* fuzz_bundle: the follower's splitting of a C2SP entry bundle (audit/follow.h)
 * into its entries: the first input byte is the number of entries the tile
 * should hold, the rest the bundle. Every entry handed out is 1 to 1023
 * bytes inside the input, in order and back to back; on success they and
 * their length prefixes are the whole bundle. Each entry then goes to the
 * entry parser, as the follower's would. */
#include "fuzz/fuzz.h"

#include "audit/follow.h"
#include "referendum/logentry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct seen {
    const char *bundle, *next; /* where the next entry's length prefix must be */
    size_t size;
    unsigned count;
} seen;

static int
on_entry(void *ctx, unsigned k, const char *entry, size_t len, dauys_error *err)
{
    seen *s = ctx;
    dauys_log_parsed e;
    dauys_error parse_err;

    (void) err;
    if (k != s->count || entry != s->next + 2 || len == 0 || len > DAUYS_LOG_ENTRY_MAX - 1 ||
        entry + len > s->bundle + s->size) {
        abort();
    }
    s->next = entry + len;
    s->count++;
    fuzz_check_error(dauys_logentry_parse(&e, entry, len, "entry", &parse_err), &parse_err);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    char *bundle;
    seen s = {0};
    dauys_error err;
    unsigned count;
    int rc;

    if (!ready) {
        ready = fuzz_init() == 0;
    }
    if (size == 0) {
        return 0;
    }
    count = data[0] == 0 ? 256 : data[0];
    bundle = fuzz_copy(data + 1, size - 1);
    s = (seen){.bundle = bundle, .next = bundle, .size = size - 1};
    rc = dauys_follow_bundle_split(bundle, size - 1, count, "bundle", on_entry, &s, &err);
    fuzz_check_error(rc, &err);
    if (rc == 0 && (s.count != count || s.next != bundle + size - 1)) {
        abort();
    }
    free(bundle);
    return 0;
}
