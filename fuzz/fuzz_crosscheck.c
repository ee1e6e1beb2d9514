/* fuzz_crosscheck: the audit's comparison of a result statement's crosscheck
 * lines with its own (X1, audit/statement.c; FORMATS.md 19.2). The input is
 * a result.txt, compared with a fixed statement of the audit's: its other
 * lines (T1, I2) and the crosscheck lines of three areas, one of them
 * unknown (its numbers unreadable). Every line is read inside the input;
 * the statement itself gives no failure, and nothing is left allocated. */
#include "fuzz/fuzz.h"

#include "audit/audit_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const mine[][3] = {
    {"T", "", "format: dauys-result 1"},
    {"I", "", "log-root: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
    {"T", "", "adopted: yes"},
    {"X", "", "crosscheck: district D1 version 2 items 3 differs"},
    {"X", "", "crosscheck-field: q1_yes summary 10 counted 9"},
    {"X", "", "crosscheck-item: P2 listed - counted 1"},
    {"X", "", "crosscheck: district D2 none"},
    {"X", "u", "crosscheck: region R1 version 1 items 2 agrees"},
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static audit a;
    static dauys_witness_policy none;
    static dauys_audit_summary sum;
    static int ready;
    char *copy;

    if (!ready) {
        fuzz_init();
        a.sum = &sum;
        a.policy = &none;
        for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++) {
            int ck = mine[i][0][0] == 'T' ? T1 : mine[i][0][0] == 'I' ? I2 : X1;
            dauys_audit_statement_line(&a, ck, mine[i][1][0] == 'u', "%s", mine[i][2]);
        }
        if (a.oom) {
            abort();
        }
        /* the statement itself: every line passes or is unchecked */
        dauys_audit_statement_compare(&a, a.statement, a.statement_len);
        for (int i = 0; i < DAUYS_AUDIT_CHECKS; i++) {
            if (sum.failed[i] != 0) {
                abort();
            }
        }
        ready = 1;
    }
    memset(&sum, 0, sizeof sum);
    copy = fuzz_copy(data, size);
    dauys_audit_statement_compare(&a, copy, size);
    if (a.oom) {
        abort();
    }
    free(copy);
    return 0;
}
