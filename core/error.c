#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>

int
dauys_error_set(dauys_error *err, dauys_status status, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL) {
        return -1;
    }
    err->status = status;
    va_start(ap, fmt);
    (void) vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

void
dauys_error_clear(dauys_error *err)
{
    if (err != NULL) {
        err->status = DAUYS_OK;
        err->message[0] = '\0';
    }
}

const char *
dauys_status_name(dauys_status status)
{
    static const char *const names[DAUYS_STATUS_COUNT] = {
        [DAUYS_OK] = "ok",
        [DAUYS_E_USAGE] = "usage",
        [DAUYS_E_NOMEM] = "out-of-memory",
        [DAUYS_E_IO] = "io",
        [DAUYS_E_EXISTS] = "exists",
        [DAUYS_E_TOO_LARGE] = "too-large",
        [DAUYS_E_FORMAT] = "format",
        [DAUYS_E_ALGORITHM] = "algorithm",
        [DAUYS_E_PERMISSION] = "permission",
        [DAUYS_E_PASSWORD] = "password",
        [DAUYS_E_KEY_MISMATCH] = "key-mismatch",
        [DAUYS_E_KEY_ID] = "key-id",
        [DAUYS_E_SIGNATURE] = "signature",
        [DAUYS_E_COMMENT_SIGNATURE] = "comment-signature",
        [DAUYS_E_CRYPTO] = "crypto",
        [DAUYS_E_PROOF] = "proof",
        [DAUYS_E_DATABASE] = "database",
        [DAUYS_E_NETWORK] = "network",
    };

    if ((unsigned) status >= DAUYS_STATUS_COUNT) {
        return "unknown";
    }
    return names[status];
}
