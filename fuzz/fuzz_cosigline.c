/* fuzz_cosigline: the audit's reading of a result statement's cosignature
 * lines (W1, audit/statement.c and audit/cosigners.h). The input is a
 * result.txt: the "cosignature: " lines after its "log-root: " line are found
 * (they must lie inside the input, back to back, each ending in LF or at the
 * end), and each is verified, as NAME and BASE64, over a fixed checkpoint
 * text against a policy of one witness. No input may verify: the witness
 * never signed anything. */
#include "fuzz/fuzz.h"

#include "audit/audit_internal.h"
#include "audit/cosigners.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char text[] = "dauys/fuzz/test\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
    static dauys_witness_policy p;
    static int ready;
    const char *at, *end;
    size_t first, count, lines = 0, which;
    uint64_t timestamp;
    dauys_error err;
    char *copy;

    if (!ready) {
        uint8_t pk[32];
        fuzz_init();
        memset(pk, 0x5a, sizeof pk);
        pk[31] = 0x11;
        if (dauys_cosig_key_init(&p.key[0], "fuzz.example/w", pk, &err) != 0) {
            abort();
        }
        p.count = p.quorum = 1;
        ready = 1;
    }
    copy = fuzz_copy(data, size);
    dauys_audit_statement_cosignatures(&first, &count, &at, &end, copy, size);
    if (at < copy || end < at || end > copy + size || (count > 0 && first < 2)) {
        abort();
    }
    while (at < end) {
        const char *nl = memchr(at, '\n', (size_t) (end - at)), *stop = nl ? nl : end;
        const char *name = at + 13, *space;
        if (stop - at < 13 || memcmp(at, "cosignature: ", 13) != 0) {
            abort();
        }
        space = memchr(name, ' ', (size_t) (stop - name));
        if (space != NULL) {
            int rc = dauys_audit_cosignature_verify(
                &which, &timestamp, text, sizeof text - 1, name, (size_t) (space - name), space + 1,
                (size_t) (stop - space - 1), &p, 1, "line", &err);
            if (rc == 0) {
                abort();
            }
            fuzz_check_error(rc, &err);
        }
        lines++;
        at = nl ? nl + 1 : end;
    }
    if (lines != count) {
        abort();
    }
    free(copy);
    return 0;
}
