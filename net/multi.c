/*
 * multi.c: POSTs to several servers at once over libcurl's multi interface
 * (net.h), each capped and timed as a single GET is; the connections stay in
 * the multi handle's cache between calls (HTTP keep-alive).
 */
#include "net/net.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "core/alloc.h"

#include "net/net_internal.h"

struct dauys_net_multi {
    CURLM *m;
    size_t n;
    CURL **h;             /* N easy handles, made on first use */
    dauys_net_sink *sink; /* N */
};

int
dauys_net_multi_new(dauys_net_multi **out, size_t n, dauys_error *err)
{
    dauys_net_multi *m = dauys_malloc(sizeof *m);

    *out = NULL;
    if (m == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for an HTTP client");
    }
    memset(m, 0, sizeof *m);
    m->n = n;
    m->m = curl_multi_init();
    m->h = dauys_malloc((n ? n : 1) * sizeof *m->h);
    m->sink = dauys_malloc((n ? n : 1) * sizeof *m->sink);
    if (m->m == NULL || m->h == NULL || m->sink == NULL) {
        dauys_net_multi_free(m);
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for an HTTP client");
    }
    for (size_t i = 0; i < n; i++) {
        m->h[i] = NULL;
    }
    *out = m;
    return 0;
}

void
dauys_net_multi_free(dauys_net_multi *m)
{
    if (m == NULL) {
        return;
    }
    for (size_t i = 0; m->h != NULL && i < m->n; i++) {
        curl_easy_cleanup(m->h[i]); /* NULL is fine */
    }
    curl_multi_cleanup(m->m);
    dauys_free(m->h);
    dauys_free(m->sink);
    dauys_free(m);
}

/* Sets handle I of M up for P: 0, or -1 with P->ERR (P->RC -1). HEADERS is
 * the shared header list. */
static int
setup_one(dauys_net_multi *m, size_t i, dauys_net_post *p, struct curl_slist *headers, size_t max,
          const dauys_net_options *o)
{
    CURL *h = m->h[i];

    if (h == NULL && (h = m->h[i] = curl_easy_init()) == NULL) {
        memset(&p->r, 0, sizeof p->r);
        return dauys_error_set(&p->err, DAUYS_E_NOMEM, "%s: no libcurl handle", p->url);
    }
    curl_easy_reset(h); /* nothing of the last request; its connection stays in the cache */
    if (dauys_net_handle_setup(h, &m->sink[i], &p->r, p->url, max, o, &p->err) != 0) {
        return -1;
    }
    if (curl_easy_setopt(h, CURLOPT_POST, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, p->body) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) p->len) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_PRIVATE, (void *) p) != CURLE_OK) {
        return dauys_error_set(&p->err, DAUYS_E_NETWORK, "%s: libcurl refused an option", p->url);
    }
    return 0;
}

/* Runs the transfers added to M until none is left, finishing each into its
 * post. Returns 0, or -1 with ERR if the multi interface failed (the posts
 * not finished then get that error). */
static int
run_all(dauys_net_multi *m, dauys_net_post *p, size_t count, dauys_error *err)
{
    int running = 1, left;
    CURLMcode mc = CURLM_OK;
    CURLMsg *msg;

    while (running > 0) {
        if ((mc = curl_multi_perform(m->m, &running)) != CURLM_OK) {
            break;
        }
        while ((msg = curl_multi_info_read(m->m, &left)) != NULL) {
            dauys_net_post *q = NULL;
            if (msg->msg != CURLMSG_DONE) {
                continue;
            }
            if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &q) != CURLE_OK ||
                q == NULL) {
                continue;
            }
            size_t i = (size_t) (q - p);
            assert(i < count);
            q->rc = dauys_net_handle_finish(msg->easy_handle, &m->sink[i], msg->data.result, q->url,
                                            &q->err);
            curl_multi_remove_handle(m->m, msg->easy_handle);
        }
        if (running > 0 && (mc = curl_multi_poll(m->m, NULL, 0, 1000, NULL)) != CURLM_OK) {
            break;
        }
    }
    if (mc == CURLM_OK) {
        return 0;
    }
    dauys_error_set(err, mc == CURLM_OUT_OF_MEMORY ? DAUYS_E_NOMEM : DAUYS_E_NETWORK,
                    "libcurl's multi interface failed: %s", curl_multi_strerror(mc));
    for (size_t i = 0; i < count; i++) {
        if (p[i].rc == 1) { /* still running */
            curl_multi_remove_handle(m->m, m->h[i]);
            p[i].rc = -1;
            p[i].err = *err;
        }
    }
    return -1;
}

int
dauys_net_multi_post(dauys_net_multi *m, dauys_net_post *p, size_t count, const char *content_type,
                     size_t max, const dauys_net_options *o, dauys_error *err)
{
    struct curl_slist *headers = NULL, *more;
    char type[160];
    int rc = -1;

    for (size_t i = 0; i < count; i++) {
        memset(&p[i].r, 0, sizeof p[i].r);
        p[i].rc = -1;
        dauys_error_clear(&p[i].err);
    }
    if (count > m->n) {
        dauys_error_set(err, DAUYS_E_USAGE, "%zu requests for a client of %zu", count, m->n);
        goto failed;
    }
    snprintf(type, sizeof type, "Content-Type: %s", content_type);
    /* no "Expect: 100-continue": a body this small goes at once */
    if ((headers = curl_slist_append(NULL, type)) == NULL ||
        (more = curl_slist_append(headers, "Expect:")) == NULL) {
        dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for a request's headers");
        goto failed;
    }
    headers = more;
    for (size_t i = 0; i < count; i++) {
        if (setup_one(m, i, &p[i], headers, max, o) != 0) {
            continue; /* P[i] has its error */
        }
        CURLMcode mc = curl_multi_add_handle(m->m, m->h[i]);
        if (mc != CURLM_OK) {
            dauys_error_set(&p[i].err, mc == CURLM_OUT_OF_MEMORY ? DAUYS_E_NOMEM : DAUYS_E_NETWORK,
                            "%s: libcurl: %s", p[i].url, curl_multi_strerror(mc));
            continue;
        }
        p[i].rc = 1; /* running */
    }
    rc = run_all(m, p, count, err);
    for (size_t i = 0; i < count; i++) {
        if (p[i].rc == 1) { /* never reported done: cannot happen, but never leave it so */
            curl_multi_remove_handle(m->m, m->h[i]);
            p[i].rc = dauys_error_set(&p[i].err, DAUYS_E_NETWORK, "%s: no end", p[i].url);
        }
    }
    curl_slist_free_all(headers);
    return rc;
failed:
    for (size_t i = 0; i < count; i++) {
        p[i].err = *err;
    }
    curl_slist_free_all(headers);
    return -1;
}
