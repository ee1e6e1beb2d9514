/*
 * net.c: HTTP(S) GET over libcurl with a capped body and timeouts (net.h).
 */
#include "net/net.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/alloc.h"

#include "net/net_internal.h"

int
dauys_net_init(dauys_error *err)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return dauys_error_set(err, DAUYS_E_NETWORK, "libcurl could not be initialised");
    }
    return 0;
}

void
dauys_net_cleanup(void)
{
    curl_global_cleanup();
}

void
dauys_net_response_free(dauys_net_response *r)
{
    if (r != NULL) {
        dauys_free(r->body);
        memset(r, 0, sizeof *r);
    }
}

/* CURLOPT_WRITEFUNCTION: appends to the body, refusing (which aborts the
 * transfer) past the cap: curl 7.88 enforces CURLOPT_MAXFILESIZE only when the
 * size is known in advance, and these bytes are after decompression, so a
 * gzip bomb is cut at the cap too. */
static size_t
on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    dauys_net_sink *s = ctx;
    size_t n = size * nmemb;

    if (n > s->max - s->r->len) {
        s->too_large = 1;
        return 0;
    }
    if (s->r->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->r->len + n + 1) {
            cap *= 2;
        }
        char *grown = dauys_realloc(s->r->body, cap);
        if (grown == NULL) {
            s->no_memory = 1;
            return 0;
        }
        s->r->body = grown;
        s->cap = cap;
    }
    memcpy(s->r->body + s->r->len, data, n);
    s->r->len += n;
    s->r->body[s->r->len] = '\0';
    return n;
}

/* CURLOPT_HEADERFUNCTION: only Retry-After is of interest (the status and
 * the content type come from curl_easy_getinfo). */
static size_t
on_header(char *data, size_t size, size_t nmemb, void *ctx)
{
    dauys_net_sink *s = ctx;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";

    if (n > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
        long v = 0;
        for (size_t i = sizeof name - 1; i < n && v < 86400; i++) {
            if (data[i] >= '0' && data[i] <= '9') {
                v = v * 10 + (data[i] - '0');
            } else if (data[i] != ' ' && data[i] != '\t') {
                break;
            }
        }
        s->r->retry_after = v;
    }
    return n;
}

int
dauys_net_handle_setup(CURL *h, dauys_net_sink *sink, dauys_net_response *r, const char *url,
                       size_t max, const dauys_net_options *o, dauys_error *err)
{
    long connect_ms = o != NULL && o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000;
    long total_ms = o != NULL && o->timeout_ms > 0 ? o->timeout_ms : 60000;

    memset(r, 0, sizeof *r);
    *sink = (dauys_net_sink){.r = r, .max = max};
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        return dauys_error_set(err, DAUYS_E_USAGE, "%s: not an http:// or https:// URL", url);
    }
    if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total_ms) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEDATA, sink) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_HEADERDATA, sink) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_USERAGENT, "dauys/" DAUYS_NET_VERSION) != CURLE_OK ||
        (o != NULL && o->ca_file != NULL &&
         curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file) != CURLE_OK)) {
        return dauys_error_set(err, DAUYS_E_NETWORK, "%s: libcurl refused an option", url);
    }
    return 0;
}

/* 1 for the failures that may pass by themselves (no connection yet, a
 * reset, a timeout, an answer cut short), where a retry can succeed; 0 for
 * those that will not (a URL, a certificate, an option refused). */
static int
transient_failure(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return 1;
    default: return 0;
    }
}

int
dauys_net_handle_perform(CURL *h, dauys_net_sink *sink, const char *url, dauys_error *err)
{
    return dauys_net_handle_finish(h, sink, curl_easy_perform(h), url, err);
}

int
dauys_net_handle_finish(CURL *h, dauys_net_sink *sink, CURLcode rc, const char *url,
                        dauys_error *err)
{
    dauys_net_response *r = sink->r;
    const char *type = NULL;

    if (sink->too_large) {
        return dauys_error_set(err, DAUYS_E_TOO_LARGE, "%s: the answer is over %zu bytes", url,
                               sink->max);
    }
    if (sink->no_memory) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", url);
    }
    if (rc != CURLE_OK) {
        r->transient = transient_failure(rc);
        return dauys_error_set(err, DAUYS_E_NETWORK, "%s: %s", url, curl_easy_strerror(rc));
    }
    if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status) != CURLE_OK ||
        curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &type) != CURLE_OK) {
        return dauys_error_set(err, DAUYS_E_NETWORK, "%s: no status in the answer", url);
    }
    snprintf(r->content_type, sizeof r->content_type, "%s", type != NULL ? type : "");
    if (r->body == NULL && (r->body = dauys_malloc(1)) != NULL) {
        r->body[0] = '\0';
    }
    return r->body == NULL ? dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", url) : 0;
}

int
dauys_net_get(dauys_net_response *r, const char *url, size_t max, const dauys_net_options *o,
              dauys_error *err)
{
    CURL *h = curl_easy_init();
    dauys_net_sink sink;
    int rc = -1;

    if (h == NULL) {
        memset(r, 0, sizeof *r);
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: no libcurl handle", url);
    }
    if (dauys_net_handle_setup(h, &sink, r, url, max, o, err) == 0 &&
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) == CURLE_OK) {
        rc = dauys_net_handle_perform(h, &sink, url, err);
    }
    curl_easy_cleanup(h);
    return rc;
}
