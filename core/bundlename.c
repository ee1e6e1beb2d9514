#include "core/bundlename.h"

#include "core/decimal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
dauys_bundle_protocol_name(char *out, size_t size, uint64_t index, int sig)
{
    snprintf(out, size, "%08llu.txt%s", (unsigned long long) index, sig ? ".minisig" : "");
}

uint64_t
dauys_bundle_protocol_key(const char *name)
{
    char canonical[40];
    size_t digits = dauys_decimal_span(name, strlen(name));
    const char *end = name + digits;
    uint64_t index;

    if (dauys_decimal_read(&index, name, digits, UINT64_MAX, DAUYS_DECIMAL_LEADING_ZEROS) !=
        DAUYS_DECIMAL_OK) {
        return UINT64_MAX;
    }
    dauys_bundle_protocol_name(canonical, sizeof canonical, index, 0);
    if (index >= UINT64_MAX / 2 || (size_t) (end - name) + 4 != strlen(canonical) ||
        strncmp(name, canonical, (size_t) (end - name)) != 0) {
        return UINT64_MAX;
    }
    return strcmp(end, ".txt") == 0           ? 2 * index
           : strcmp(end, ".txt.minisig") == 0 ? 2 * index + 1
                                              : UINT64_MAX;
}
