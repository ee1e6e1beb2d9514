/*
 * net.h: HTTP(S) clients over libcurl, for dauys submit and dauys-audit
 * follow. Every body read is capped (a server cannot make a client hold more
 * than it asked for), every transfer has timeouts, and nothing is retried
 * here: the caller decides (dauys_net_retryable).
 */
#ifndef DAUYS_NET_NET_H
#define DAUYS_NET_NET_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct dauys_net_options {
    long connect_timeout_ms; /* 0: 10 s */
    long timeout_ms;         /* the whole transfer; 0: 60 s */
    const char *ca_file;     /* NULL: the system's certificate authorities */
} dauys_net_options;

typedef struct dauys_net_response {
    long status; /* the HTTP status */
    char *body;  /* owned, NUL-terminated (not counted in len) */
    size_t len;
    char content_type[128]; /* "" if none */
    long retry_after;       /* seconds from Retry-After, 0 if none */
    int transient;          /* after -1 with DAUYS_E_NETWORK: no connection, a reset, a timeout
                               or an answer cut short, which may pass (dauys_net_retryable) */
} dauys_net_response;

/* Once per process, before any thread starts (curl_global_init). */
int dauys_net_init(dauys_error *err) DAUYS_WUR;
void dauys_net_cleanup(void);

/*
 * GETs URL (http or https only) into R, with gzip accepted. Returns 0 when
 * the server answered, whatever the status (the caller reads R->status);
 * -1 with ERR: DAUYS_E_NETWORK no answer (connect, timeout, reset),
 * DAUYS_E_TOO_LARGE the body is over MAX bytes (the transfer is cut there),
 * DAUYS_E_USAGE a URL that is not http(s), DAUYS_E_NOMEM. R is freed by
 * dauys_net_response_free, also after a failure. O may be NULL.
 */
int dauys_net_get(dauys_net_response *r, const char *url, size_t max, const dauys_net_options *o,
                  dauys_error *err) DAUYS_WUR;

void dauys_net_response_free(dauys_net_response *r);

/* --- uploads (post.c) ---------------------------------------------------- */

/* A client that keeps its connections between requests: one libcurl easy
 * handle, used by one thread at a time. */
typedef struct dauys_net_session dauys_net_session;

/* Makes a session in *OUT (free with dauys_net_session_free). Returns 0, or
 * -1 with ERR (DAUYS_E_NOMEM). */
int dauys_net_session_new(dauys_net_session **out, dauys_error *err) DAUYS_WUR;
void dauys_net_session_free(dauys_net_session *s);

/* One part of a multipart/form-data body: the form field NAME carrying LEN
 * bytes at DATA (copied when the request is made), or, if DATA is NULL, the
 * bytes of the file PATH as they are when sent; either way the part's
 * filename is PATH's base name (as `curl -F NAME=@PATH` sends it). */
typedef struct dauys_net_part {
    const char *name;
    const char *path;
    const void *data;
    size_t len;
} dauys_net_part;

/*
 * POSTs the COUNT PARTS to URL (http or https only) as multipart/form-data
 * on S, the answer into R as dauys_net_get does (body capped at MAX bytes).
 * Returns 0 when the server answered, whatever the status; -1 with ERR:
 * DAUYS_E_IO a part's file (DATA NULL) cannot be read (nothing sent), or as
 * dauys_net_get (R->transient says whether a DAUYS_E_NETWORK may pass). R is
 * freed by dauys_net_response_free, also after a failure. O may be NULL.
 */
int dauys_net_post_files(dauys_net_session *s, dauys_net_response *r, const char *url,
                         const dauys_net_part *parts, size_t count, size_t max,
                         const dauys_net_options *o, dauys_error *err) DAUYS_WUR;

/* --- parallel POSTs (multi.c) ------------------------------------------- */

/* A client that sends POSTs to several servers at once (libcurl's multi
 * interface), keeping its connections between calls: one thread at a time. */
typedef struct dauys_net_multi dauys_net_multi;

/* Makes in *OUT a client for up to N requests at a time (free with
 * dauys_net_multi_free). Returns 0, or -1 with ERR (DAUYS_E_NOMEM). */
int dauys_net_multi_new(dauys_net_multi **out, size_t n, dauys_error *err) DAUYS_WUR;
void dauys_net_multi_free(dauys_net_multi *m);

/* One POST of a dauys_net_multi_post call: what to send, and its outcome. */
typedef struct dauys_net_post {
    const char *url;      /* in: http or https only */
    const void *body;     /* in: LEN bytes, sent as they are (not copied: kept until the end) */
    size_t len;           /* in */
    int rc;               /* out: 0 the server answered (R), -1 no answer (ERR) */
    dauys_error err;      /* out, when RC is -1: as dauys_net_get says */
    dauys_net_response r; /* out: the answer; freed by dauys_net_response_free */
} dauys_net_post;

/*
 * POSTs each of the COUNT requests of P (COUNT at most the N of M) at once,
 * with the header "Content-Type: CONTENT_TYPE", every answer capped at MAX
 * bytes and under O's timeouts (O may be NULL), and returns when all have
 * ended: each P[i] gets its own RC, ERR and R, as dauys_net_get fills them
 * (R->transient says whether a DAUYS_E_NETWORK may pass). Returns 0 then
 * (whatever each got), or -1 with ERR if no request could be run at all
 * (DAUYS_E_USAGE COUNT over N, DAUYS_E_NOMEM); then every P[i].RC is -1
 * too. Meaning is the caller's: nothing is retried here.
 */
int dauys_net_multi_post(dauys_net_multi *m, dauys_net_post *p, size_t count,
                         const char *content_type, size_t max, const dauys_net_options *o,
                         dauys_error *err) DAUYS_WUR;

/* --- retries (post.c) ---------------------------------------------------- */

/* The backoff: the Nth retry waits between half and all of
 * min(BASE << (N - 1), CAP); a Retry-After is honoured up to its cap. */
#define DAUYS_NET_BACKOFF_BASE_MS 200L
#define DAUYS_NET_BACKOFF_CAP_MS 10000L
#define DAUYS_NET_RETRY_AFTER_MAX_S 120L

/*
 * 1 if a request that ended with RC (0 or -1 with ERR) and R may be tried
 * again: no answer that may pass (R->transient: connection refused or reset,
 * timeout, answer cut short), or HTTP 5xx or 429. Never on other statuses (a
 * 4xx is the server's final word), nor on another failure (a file that cannot
 * be read, an answer over its cap, a URL refused, TLS). 0 otherwise.
 */
int dauys_net_retryable(int rc, const dauys_error *err, const dauys_net_response *r);

/*
 * The milliseconds to wait before retry ATTEMPT (1 for the first retry):
 * exponential backoff with equal jitter, d = min(BASE << (ATTEMPT - 1), CAP)
 * and a wait of d/2 + JITTER % (d/2 + 1), so waits never shrink from one
 * attempt to the next and clients told the same thing spread out. With
 * RETRY_AFTER_S > 0 (the server's Retry-After, seconds) the wait is at least
 * that (at most DAUYS_NET_RETRY_AFTER_MAX_S), plus the same jitter. JITTER is
 * the caller's random number (fixed in tests).
 */
long dauys_net_backoff_ms(unsigned attempt, long retry_after_s, uint32_t jitter);

/* --- the server's answers (answer.c) -------------------------------------- */

/* The most fields an answer may have, and the longest name or string value. */
#define DAUYS_NET_ANSWER_FIELDS_MAX 64
#define DAUYS_NET_ANSWER_STRING_MAX 4096

typedef enum dauys_net_value_type {
    DAUYS_NET_NULL,
    DAUYS_NET_STRING,
    DAUYS_NET_INTEGER,
    DAUYS_NET_BOOL
} dauys_net_value_type;

/* One field of an answer. */
typedef struct dauys_net_field {
    char *name; /* decoded UTF-8, no NUL inside */
    dauys_net_value_type type;
    char *string;    /* with DAUYS_NET_STRING: decoded UTF-8, no NUL inside; else NULL */
    int64_t integer; /* with DAUYS_NET_INTEGER; with DAUYS_NET_BOOL 0 or 1 */
} dauys_net_field;

/* A flat JSON object, its fields in the order they came. */
typedef struct dauys_net_answer {
    dauys_net_field *field;
    size_t count;
} dauys_net_answer;

/*
 * Parses the LEN bytes of TEXT into A: exactly one JSON object (RFC 8259)
 * whose values are strings, integers (no fraction or exponent, within
 * int64), null, true or false, with whitespace around the tokens and nothing
 * else. Refused, with ERR (DAUYS_E_FORMAT, naming SOURCE, the byte offset
 * and the field): nested objects or arrays, numbers that are not integers,
 * a name twice, invalid UTF-8 or escapes (a lone surrogate, \u0000), control
 * characters in strings, more than DAUYS_NET_ANSWER_FIELDS_MAX fields or a
 * string over DAUYS_NET_ANSWER_STRING_MAX bytes, trailing bytes. The caller
 * ignores the fields it does not know. A is freed by dauys_net_answer_free,
 * also after a failure. Returns 0 or -1 (DAUYS_E_NOMEM too).
 */
int dauys_net_answer_parse(dauys_net_answer *a, const char *text, size_t len, const char *source,
                           dauys_error *err) DAUYS_WUR;

void dauys_net_answer_free(dauys_net_answer *a);

/* The field NAME of A, or NULL if A has none. */
const dauys_net_field *dauys_net_answer_get(const dauys_net_answer *a, const char *name);

#endif
