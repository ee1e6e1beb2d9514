#define _GNU_SOURCE /* memmem */
#include "referendum/logentry.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/kvtext.h"

/* Copies S into OUT (SIZE bytes) as one safe line of valid UTF-8: control
 * characters (C0, DEL, C1 and bidi controls, which terminals and renderers
 * obey; dauys_utf8_next) and bytes of invalid UTF-8 become '?'. */
static void
one_line(char *out, size_t size, const char *s)
{
    size_t n = 0, left = strlen(s), k;

    for (size_t i = 0; i < left && n + 4 < size; i += k) {
        if (dauys_utf8_next(s + i, left - i, &k) == DAUYS_CHAR_TEXT) {
            memcpy(out + n, s + i, k);
            n += k;
        } else {
            out[n++] = '?'; /* a control: one '?' for all its bytes; a stray byte: each */
        }
    }
    while (n > 0 && out[n - 1] == ' ') {
        n--; /* canonical lines have no trailing space */
    }
    out[n] = '\0';
}

int
dauys_logentry_format(char *out, size_t size, size_t *len, const dauys_log_event *e,
                      dauys_error *err)
{
    char file[65], sig[65], prev[65], reason[DAUYS_LOG_REASON_MAX + 1], opt[200] = "";
    char subject[120] = "";
    int n;

    dauys_sha256_hex(file, e->file_sha256);
    dauys_sha256_hex(prev, e->previous);
    if (e->has_signature) {
        dauys_sha256_hex(sig, e->signature_sha256);
    } else {
        snprintf(sig, sizeof sig, "none");
    }
    assert(e->precinct == NULL || e->summary_level == NULL);
    if (e->precinct != NULL) {
        snprintf(subject, sizeof subject, "precinct: %s\n", e->precinct);
    } else if (e->summary_level != NULL) {
        snprintf(subject, sizeof subject, "summary: %s %s\n", e->summary_level, e->summary_area);
    }
    if (e->version != 0) {
        snprintf(opt, sizeof opt, "%sversion: %u\n", subject, e->version);
    } else {
        snprintf(opt, sizeof opt, "%s", subject);
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

/* Decodes 64 lower-case hex digits into OUT. */
static int
parse_hex(uint8_t out[DAUYS_SHA256_BYTES], const char *s, size_t n)
{
    if (n != 2 * DAUYS_SHA256_BYTES) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) {
            return -1;
        }
        if (i % 2 == 0) {
            out[i / 2] = (uint8_t) (v << 4);
        } else {
            out[i / 2] |= (uint8_t) v;
        }
    }
    return 0;
}

/* The `summary: LEVEL AREA` line KV is on, into OUT. */
static int
parse_summary_line(dauys_log_parsed *out, dauys_kv *kv, dauys_error *err)
{
    const char *space = memchr(kv->value, ' ', kv->value_len);
    size_t level_len = space != NULL ? (size_t) (space - kv->value) : 0;
    size_t area_len = space != NULL ? kv->value_len - level_len - 1 : 0;

    if (space == NULL || !((level_len == 8 && memcmp(kv->value, "district", 8) == 0) ||
                           (level_len == 6 && memcmp(kv->value, "region", 6) == 0))) {
        return dauys_kv_fail(kv, err, "expected \"district AREA\" or \"region AREA\"");
    }
    if (area_len == 0 || area_len >= sizeof out->summary_area ||
        memchr(space + 1, ' ', area_len) != NULL) {
        return dauys_kv_fail(kv, err, "the area is not one id of 1 to 64 bytes");
    }
    memcpy(out->summary_level, kv->value, level_len);
    memcpy(out->summary_area, space + 1, area_len);
    return 0;
}

int
dauys_logentry_parse(dauys_log_parsed *out, const char *text, size_t len, const char *name,
                     dauys_error *err)
{
    dauys_kv kv;
    uint64_t v;

    memset(out, 0, sizeof *out);
    dauys_kv_init(&kv, text, len, name);
    if (dauys_kv_expect(&kv, "format", err) != 0) {
        return -1;
    }
    if (kv.value_len != 11 || memcmp(kv.value, "dauys-log 1", 11) != 0) {
        return dauys_kv_fail(&kv, err, "expected \"dauys-log 1\"");
    }
    if (dauys_kv_expect(&kv, "index", err) != 0 || dauys_kv_count(&kv, &out->index, err) != 0 ||
        dauys_kv_expect(&kv, "event", err) != 0 ||
        dauys_kv_copy(&kv, out->event, sizeof out->event, err) != 0 ||
        dauys_kv_expect(&kv, "referendum", err) != 0 ||
        dauys_kv_copy(&kv, out->referendum, sizeof out->referendum, err) != 0 ||
        dauys_kv_next(&kv, err) != 0) {
        return -1;
    }
    if (dauys_kv_is(&kv, "precinct")) {
        if (dauys_kv_copy(&kv, out->precinct, sizeof out->precinct, err) != 0 ||
            dauys_kv_next(&kv, err) != 0) {
            return -1;
        }
    } else if (dauys_kv_is(&kv, "summary")) {
        if (parse_summary_line(out, &kv, err) != 0 || dauys_kv_next(&kv, err) != 0) {
            return -1;
        }
    }
    if (dauys_kv_is(&kv, "version")) {
        if (dauys_kv_count(&kv, &v, err) != 0 || v == 0 || v > UINT32_MAX) {
            return v == 0 || v > UINT32_MAX ? dauys_kv_fail(&kv, err, "out of range") : -1;
        }
        out->version = (uint32_t) v;
        if (dauys_kv_next(&kv, err) != 0) {
            return -1;
        }
    }
    if (!dauys_kv_is(&kv, "file-sha256") ||
        parse_hex(out->file_sha256, kv.value, kv.value_len) != 0) {
        return dauys_kv_fail(&kv, err, "expected file-sha256 with 64 hex digits");
    }
    if (dauys_kv_expect(&kv, "signature-sha256", err) != 0) {
        return -1;
    }
    out->has_signature = !(kv.value_len == 4 && memcmp(kv.value, "none", 4) == 0);
    if (out->has_signature && parse_hex(out->signature_sha256, kv.value, kv.value_len) != 0) {
        return dauys_kv_fail(&kv, err, "not 64 lower-case hex digits or \"none\"");
    }
    if (dauys_kv_next(&kv, err) != 0) {
        return -1;
    }
    if (dauys_kv_is(&kv, "reason")) {
        /* the code is the value's first word; the value is not NUL-terminated */
        const char *space = memchr(kv.value, ' ', kv.value_len);
        size_t n = space != NULL ? (size_t) (space - kv.value) : kv.value_len;
        snprintf(out->reason_code, sizeof out->reason_code, "%.*s", (int) n, kv.value);
        if (dauys_kv_next(&kv, err) != 0) {
            return -1;
        }
    }
    if (!dauys_kv_is(&kv, "previous") || parse_hex(out->previous, kv.value, kv.value_len) != 0) {
        return dauys_kv_fail(&kv, err, "expected previous with 64 hex digits");
    }
    if (!dauys_kv_done(&kv)) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: unexpected line after previous", name,
                               kv.line + 1);
    }
    return 0;
}

int
dauys_logentry_reason_text(const char *entry, size_t len, char *out, size_t size)
{
    static const char key[] = "\nreason: ";
    const char *at = memmem(entry, len, key, sizeof key - 1), *end, *text;

    if (at == NULL) {
        return 0;
    }
    at += sizeof key - 1;
    end = memchr(at, '\n', len - (size_t) (at - entry));
    end = end != NULL ? end : entry + len;
    text = memchr(at, ' ', (size_t) (end - at));
    text = text != NULL ? text + 1 : end;
    snprintf(out, size, "%.*s", (int) (end - text), text);
    return 1;
}
