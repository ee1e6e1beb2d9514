/*
 * net.h: HTTP(S) clients over libcurl, for dauys submit and dauys-audit
 * follow. Every body read is capped (a server cannot make a client hold more
 * than it asked for), every transfer has timeouts, and nothing is retried
 * here: the caller decides (dauys_net_retryable).
 */
#ifndef DAUYS_NET_NET_H
#define DAUYS_NET_NET_H

#include <stddef.h>

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

#endif
