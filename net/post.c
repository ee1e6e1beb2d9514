/*
 * post.c: multipart/form-data uploads of files over a kept libcurl handle,
 * and the retry policy and backoff schedule their callers follow (net.h).
 */
#include "net/net.h"

#include <assert.h>
#include <string.h>

#include <curl/curl.h>

#include "core/alloc.h"

#include "net/net_internal.h"

struct dauys_net_session {
    CURL *h; /* reset before each request; its connections stay open */
};

int
dauys_net_session_new(dauys_net_session **out, dauys_error *err)
{
    dauys_net_session *s = dauys_malloc(sizeof *s);

    *out = NULL;
    if (s == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for an HTTP session");
    }
    if ((s->h = curl_easy_init()) == NULL) {
        dauys_free(s);
        return dauys_error_set(err, DAUYS_E_NOMEM, "no libcurl handle");
    }
    *out = s;
    return 0;
}

void
dauys_net_session_free(dauys_net_session *s)
{
    if (s != NULL) {
        curl_easy_cleanup(s->h);
        dauys_free(s);
    }
}

/* Sets PART's content to P's bytes in memory, its filename to P's path's
 * base name. */
static CURLcode
data_part(curl_mimepart *part, const dauys_net_part *p)
{
    const char *slash = strrchr(p->path, '/');
    CURLcode rc = curl_mime_data(part, p->data, p->len);

    return rc != CURLE_OK ? rc : curl_mime_filename(part, slash != NULL ? slash + 1 : p->path);
}

/* Makes in *OUT the multipart body of the COUNT PARTS for H. Returns 0, or
 * -1 with ERR: DAUYS_E_IO a file that cannot be read (curl_mime_filedata
 * stats it and checks access), DAUYS_E_NOMEM. The caller frees *OUT with
 * curl_mime_free (NULL is fine), also after a failure. */
static int
make_form(curl_mime **out, CURL *h, const dauys_net_part *parts, size_t count, dauys_error *err)
{
    curl_mime *form = curl_mime_init(h);

    *out = form;
    if (form == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for a form");
    }
    for (size_t i = 0; i < count; i++) {
        curl_mimepart *part = curl_mime_addpart(form);
        if (part == NULL || curl_mime_name(part, parts[i].name) != CURLE_OK) {
            return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for a form");
        }
        CURLcode rc = parts[i].data == NULL ? curl_mime_filedata(part, parts[i].path)
                                            : data_part(part, &parts[i]);
        if (rc != CURLE_OK) {
            return dauys_error_set(err, rc == CURLE_OUT_OF_MEMORY ? DAUYS_E_NOMEM : DAUYS_E_IO,
                                   "%s: cannot be read (%s)", parts[i].path,
                                   curl_easy_strerror(rc));
        }
    }
    return 0;
}

int
dauys_net_post_files(dauys_net_session *s, dauys_net_response *r, const char *url,
                     const dauys_net_part *parts, size_t count, size_t max,
                     const dauys_net_options *o, dauys_error *err)
{
    curl_mime *form = NULL;
    dauys_net_sink sink;
    int rc = -1;

    assert(s != NULL && (parts != NULL || count == 0));
    curl_easy_reset(s->h); /* nothing of the last request but its connection */
    if (dauys_net_handle_setup(s->h, &sink, r, url, max, o, err) == 0 &&
        make_form(&form, s->h, parts, count, err) == 0) {
        if (curl_easy_setopt(s->h, CURLOPT_MIMEPOST, form) != CURLE_OK) {
            dauys_error_set(err, DAUYS_E_NETWORK, "%s: libcurl refused the form", url);
        } else {
            rc = dauys_net_handle_perform(s->h, &sink, url, err);
        }
    }
    /* the handle keeps the form's address until the next reset: forget it
     * before the form goes */
    curl_easy_setopt(s->h, CURLOPT_MIMEPOST, NULL);
    curl_mime_free(form);
    return rc;
}

int
dauys_net_retryable(int rc, const dauys_error *err, const dauys_net_response *r)
{
    if (rc != 0) {
        return err != NULL && err->status == DAUYS_E_NETWORK && r->transient;
    }
    return (r->status >= 500 && r->status <= 599) || r->status == 429;
}

long
dauys_net_backoff_ms(unsigned attempt, long retry_after_s, uint32_t jitter)
{
    long d = DAUYS_NET_BACKOFF_BASE_MS, floor;

    for (unsigned k = 1; k < attempt && d < DAUYS_NET_BACKOFF_CAP_MS; k++) {
        d *= 2;
    }
    if (d > DAUYS_NET_BACKOFF_CAP_MS) {
        d = DAUYS_NET_BACKOFF_CAP_MS;
    }
    floor = d / 2;
    if (retry_after_s > 0) {
        long told = retry_after_s < DAUYS_NET_RETRY_AFTER_MAX_S ? retry_after_s
                                                                : DAUYS_NET_RETRY_AFTER_MAX_S;
        if (told * 1000 > floor) {
            floor = told * 1000;
        }
    }
    return floor + (long) (jitter % (uint32_t) (d / 2 + 1));
}
