/*
 * error.h: how dauys library code reports failure.
 *
 * Library functions never print or exit. A failing function returns -1 and,
 * when the caller passed a dauys_error, fills it with a status (stable, for
 * programs and tests) and a message (for people) that names the file, line
 * and field involved where there is one.
 */
#ifndef DAUYS_CORE_ERROR_H
#define DAUYS_CORE_ERROR_H

#include <stddef.h>

/* On every function whose result must be checked: verifiers, and anything
 * returning 0/-1 or a status (the compiler then refuses to let it be dropped). */
#define DAUYS_WUR __attribute__((warn_unused_result))

/* Stable status codes; tests and the CLIs' exit codes depend on them. */
typedef enum dauys_status {
    DAUYS_OK = 0,
    DAUYS_E_USAGE,             /* a caller passed an argument out of range */
    DAUYS_E_NOMEM,             /* an allocation failed */
    DAUYS_E_IO,                /* a file could not be opened, read or written */
    DAUYS_E_EXISTS,            /* refusing to overwrite an existing file */
    DAUYS_E_TOO_LARGE,         /* input over its size limit */
    DAUYS_E_FORMAT,            /* malformed text: missing line, bad base64, wrong length */
    DAUYS_E_ALGORITHM,         /* an algorithm tag this build does not know */
    DAUYS_E_PERMISSION,        /* a secret key readable by group/others, or a symlink */
    DAUYS_E_PASSWORD,          /* wrong password, or a corrupted secret key */
    DAUYS_E_KEY_MISMATCH,      /* secret key inconsistent with its own public half */
    DAUYS_E_KEY_ID,            /* signature made by a key other than the one given */
    DAUYS_E_SIGNATURE,         /* the signature over the file does not verify */
    DAUYS_E_COMMENT_SIGNATURE, /* the global signature over the trusted comment fails */
    DAUYS_E_CRYPTO,            /* the crypto library itself failed */
    DAUYS_E_PROOF,             /* a Merkle proof or checkpoint does not hold */
    DAUYS_E_DATABASE,          /* SQLite failed (other than I/O) */
    DAUYS_E_NETWORK,           /* no answer over the network: connect, send, receive, timeout */
    DAUYS_STATUS_COUNT
} dauys_status;

#define DAUYS_ERROR_MESSAGE_MAX 512

typedef struct dauys_error {
    dauys_status status;
    char message[DAUYS_ERROR_MESSAGE_MAX];
} dauys_error;

/*
 * Records STATUS and a printf-style message in ERR (which may be NULL) and
 * returns -1, so that callers can write `return dauys_error_set(...)`.
 * A message longer than the buffer is truncated, never overflowed.
 */
int dauys_error_set(dauys_error *err, dauys_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears ERR (may be NULL) to DAUYS_OK with an empty message. */
void dauys_error_clear(dauys_error *err);

/* A short, stable, lower-case name for STATUS ("signature", "io", ...). */
const char *dauys_status_name(dauys_status status);

#endif
