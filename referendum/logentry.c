#include "logentry.h"

#include <stdio.h>
#include <string.h>

#include "kvtext.h"

/* Copies S into OUT (SIZE bytes) as one safe line of valid UTF-8. */
static void
one_line(char *out, size_t size, const char *s)
{
    size_t n = 0;

    for (size_t i = 0; s[i] != '\0' && n + 4 < size;) {
        unsigned char c = (unsigned char) s[i];
        size_t seq = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && (strnlen(s + i, seq) < seq ||
                                                    !dauys_utf8_valid(s + i, seq)))) {
            out[n++] = '?';
            i++;
            continue;
        }
        memcpy(out + n, s + i, seq);
        n += seq;
        i += seq;
    }
    while (n > 0 && out[n - 1] == ' ') {
        n--; /* canonical lines have no trailing space */
    }
    out[n] = '\0';
}

int
dauys_log_entry_format(char *out, size_t size, size_t *len, const dauys_log_event *e,
                       dauys_error *err)
{
    char file[65], sig[65], prev[65], reason[DAUYS_LOG_REASON_MAX + 1], opt[160] = "";
    int n;

    dauys_sha256_hex(file, e->file_sha256);
    dauys_sha256_hex(prev, e->previous);
    if (e->has_signature) {
        dauys_sha256_hex(sig, e->signature_sha256);
    } else {
        snprintf(sig, sizeof sig, "none");
    }
    if (e->precinct != NULL && e->version != 0) {
        snprintf(opt, sizeof opt, "precinct: %s\nversion: %u\n", e->precinct, e->version);
    } else if (e->precinct != NULL) {
        snprintf(opt, sizeof opt, "precinct: %s\n", e->precinct);
    } else if (e->version != 0) {
        snprintf(opt, sizeof opt, "version: %u\n", e->version);
    }
    one_line(reason, sizeof reason, e->reason != NULL ? e->reason : "");
    n = snprintf(out, size,
                 "format: dauys-log 1\nindex: %llu\nevent: %s\nreferendum: %s\n%s"
                 "file-sha256: %s\nsignature-sha256: %s\n%s%s%s%s%sprevious: %s\n",
                 (unsigned long long) e->index, e->event, e->referendum, opt, file, sig,
                 e->reason_code != NULL ? "reason: " : "",
                 e->reason_code != NULL ? e->reason_code : "",
                 e->reason_code != NULL && reason[0] != '\0' ? " " : "",
                 e->reason_code != NULL ? reason : "", e->reason_code != NULL ? "\n" : "", prev);
    if (n < 0 || (size_t) n >= size) {
        return dauys_error_set(err, DAUYS_E_USAGE, "log entry %llu does not fit %zu bytes",
                               (unsigned long long) e->index, size);
    }
    *len = (size_t) n;
    return 0;
}
