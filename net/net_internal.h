/* net_internal.h (internal to net/): one libcurl easy handle's set-up and
 * run, shared by GET (net.c) and the uploads. */
#ifndef DAUYS_NET_INTERNAL_H
#define DAUYS_NET_INTERNAL_H

#include <stddef.h>

#include <curl/curl.h>

#include "net/net.h"

#define DAUYS_NET_VERSION "1"

/* Where a transfer's body goes: R's buffer, capped at MAX bytes. */
typedef struct dauys_net_sink {
    dauys_net_response *r;
    size_t max, cap;
    int too_large, no_memory;
} dauys_net_sink;

/* Clears R and sets H up for URL (http or https only): timeouts from O (NULL:
 * the defaults), gzip accepted, the body into R through SINK capped at MAX.
 * Returns 0, or -1 with ERR (DAUYS_E_USAGE a URL of another scheme). */
int dauys_net_handle_setup(CURL *h, dauys_net_sink *sink, dauys_net_response *r, const char *url,
                           size_t max, const dauys_net_options *o, dauys_error *err) DAUYS_WUR;

/* Runs the transfer set up on H: 0 when the server answered (R->status,
 * R->content_type, R->body filled), -1 with ERR as dauys_net_get says. */
int dauys_net_handle_perform(CURL *h, dauys_net_sink *sink, const char *url,
                             dauys_error *err) DAUYS_WUR;

/* What dauys_net_handle_perform does once the transfer on H ended with RC
 * (for transfers run by a multi handle, multi.c). */
int dauys_net_handle_finish(CURL *h, dauys_net_sink *sink, CURLcode rc, const char *url,
                            dauys_error *err) DAUYS_WUR;

#endif
