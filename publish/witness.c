/*
 * witness.c: the log's side of C2SP tlog-witness (witness.h): one
 * add-checkpoint request per witness, all at once (net/'s multi client),
 * proofs from the size each witness last cosigned, a 409 with that size
 * asked again at once, no answer, 5xx and 429 retried with backoff, and the
 * cosignatures of the policy's witnesses merged into the note.
 */
#include "publish/witness.h"
#include "core/clock.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "core/alloc.h"
#include "net/net.h"

/* The path appended to a witness's submission prefix. */
#define ADD_CHECKPOINT "/add-checkpoint"
/* The longest URL accepted, the path included (NUL excluded). */
#define URL_MAX 2048
/* The most bytes a witness's answer may have: its cosignature lines (a
 * witness may have several keys), or its size, or a short refusal. */
#define ANSWER_MAX (16u << 10)
/* The spec's limit on proof lines. */
#define PROOF_LINES_MAX 63
/* How often one witness's 409 is followed in one round: its size changing
 * under us more than that is its problem. */
#define CONFLICTS_MAX 2
/* The Content-Type of a request body (the spec names none). */
#define REQUEST_TYPE "text/plain; charset=utf-8"
/* The Content-Type of a 409's size. */
#define SIZE_TYPE "text/x.tlog.size"

struct dauys_cosigner {
    size_t n;
    char *prefix[DAUYS_COSIGNER_URLS_MAX];  /* as given: for outcomes and messages */
    char *url[DAUYS_COSIGNER_URLS_MAX];     /* PREFIX "/add-checkpoint" */
    uint64_t size[DAUYS_COSIGNER_URLS_MAX]; /* what each last cosigned, as far as we know */
    dauys_witness_policy policy;
    dauys_cosigner_options o;
    dauys_net_multi *multi;
};

/* 1 if URL is an http(s) URL of printable ASCII with a host, 0 if not. */
static int
url_ok(const char *url)
{
    size_t skip = strncmp(url, "http://", 7) == 0 ? 7 : strncmp(url, "https://", 8) == 0 ? 8 : 0;

    if (skip == 0 || url[skip] == '\0' || url[skip] == '/' ||
        strlen(url) + sizeof ADD_CHECKPOINT > URL_MAX) {
        return 0;
    }
    for (const char *c = url; *c != '\0'; c++) {
        if (*c <= ' ' || *c > '~' || *c == '?' || *c == '#') {
            return 0;
        }
    }
    return 1;
}

int
dauys_cosigner_new(dauys_cosigner **out, const char *const *urls, size_t n,
                   const dauys_witness_policy *policy, const dauys_cosigner_options *o,
                   dauys_error *err)
{
    dauys_cosigner *c;

    *out = NULL;
    if (n > DAUYS_COSIGNER_URLS_MAX) {
        return dauys_error_set(err, DAUYS_E_USAGE, "%zu witness URLs: at most %d", n,
                               DAUYS_COSIGNER_URLS_MAX);
    }
    for (size_t i = 0; i < n; i++) {
        if (!url_ok(urls[i])) {
            return dauys_error_set(err, DAUYS_E_USAGE,
                                   "witness URL %s: not an http:// or https:// URL without a "
                                   "query (printable ASCII, at most %d bytes)",
                                   urls[i], URL_MAX - (int) sizeof ADD_CHECKPOINT);
        }
    }
    if ((c = dauys_malloc(sizeof *c)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for the cosigner");
    }
    memset(c, 0, sizeof *c);
    if (policy != NULL) {
        c->policy = *policy;
    }
    if (o != NULL) {
        c->o = *o;
    }
    if (c->o.timeout_ms <= 0) {
        c->o.timeout_ms = 10000;
    }
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(urls[i]);
        c->prefix[i] = dauys_malloc(len + 1);
        c->url[i] = dauys_malloc(len + sizeof ADD_CHECKPOINT);
        c->n = i + 1;
        if (c->prefix[i] == NULL || c->url[i] == NULL) {
            dauys_cosigner_free(c);
            return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for the cosigner");
        }
        memcpy(c->prefix[i], urls[i], len + 1);
        if (len > 0 && urls[i][len - 1] == '/') { /* "http://w/" and "http://w" alike */
            len--;
        }
        memcpy(c->url[i], urls[i], len);
        memcpy(c->url[i] + len, ADD_CHECKPOINT, sizeof ADD_CHECKPOINT);
    }
    if (dauys_net_multi_new(&c->multi, n, err) != 0) {
        dauys_cosigner_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

void
dauys_cosigner_free(dauys_cosigner *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->n; i++) {
        dauys_free(c->prefix[i]);
        dauys_free(c->url[i]);
    }
    dauys_net_multi_free(c->multi);
    dauys_free(c);
}

int
dauys_cosigner_request(char *out, size_t size, size_t *out_len, uint64_t old_size,
                       const dauys_merkle_proof *proof, const char *note, size_t len,
                       dauys_error *err)
{
    char b64[sodium_base64_ENCODED_LEN(DAUYS_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    size_t n;
    int k;

    *out_len = 0;
    if (proof->count > PROOF_LINES_MAX) {
        return dauys_error_set(err, DAUYS_E_USAGE, "a proof of %zu hashes: at most %d",
                               proof->count, PROOF_LINES_MAX);
    }
    k = snprintf(out, size, "old %" PRIu64 "\n", old_size);
    if (k < 0 || (size_t) k >= size) {
        goto too_large;
    }
    n = (size_t) k;
    for (size_t i = 0; i < proof->count; i++) {
        sodium_bin2base64(b64, sizeof b64, proof->hash[i], DAUYS_HASH_BYTES,
                          sodium_base64_VARIANT_ORIGINAL);
        k = snprintf(out + n, size - n, "%s\n", b64);
        if (k < 0 || (size_t) k >= size - n) {
            goto too_large;
        }
        n += (size_t) k;
    }
    if (size - n < len + 2) { /* the blank line, the note, the NUL */
        goto too_large;
    }
    out[n++] = '\n';
    memcpy(out + n, note, len);
    n += len;
    out[n] = '\0';
    *out_len = n;
    return 0;
too_large:
    if (size > 0) {
        out[0] = '\0';
    }
    return dauys_error_set(err, DAUYS_E_TOO_LARGE,
                           "an add-checkpoint request is over its buffer of %zu bytes", size);
}

static void
sleep_ms(uint64_t ms)
{
    struct timespec t = {.tv_sec = (time_t) (ms / 1000u),
                         .tv_nsec = (long) (ms % 1000u) * 1000000L};

    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

/* Writes into OUT (SIZE > 0) at most 120 bytes of the answer R, printable
 * ASCII only (others as '?'), for a message. */
static void
excerpt(char *out, size_t size, const dauys_net_response *r)
{
    size_t n = 0;

    for (size_t i = 0; i < r->len && n + 4 < size && i < 120; i++) {
        unsigned char ch = (unsigned char) r->body[i];
        out[n++] = ch == '\n' ? ' ' : (ch >= ' ' && ch <= '~' ? (char) ch : '?');
    }
    while (n > 0 && out[n - 1] == ' ') {
        n--;
    }
    if (r->len > 120 && n + 4 < size) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

/* Parses a 409's body: a decimal size with no leading zero and a newline.
 * Returns 0, or -1. */
static int
parse_size(uint64_t *size, const dauys_net_response *r)
{
    uint64_t v = 0;
    size_t i = 0;

    if (r->len < 2 || r->body[r->len - 1] != '\n' || (r->body[0] == '0' && r->len != 2)) {
        return -1;
    }
    for (; i + 1 < r->len; i++) {
        unsigned d = (unsigned) (unsigned char) r->body[i] - '0';
        if (d > 9 || v > (UINT64_MAX - d) / 10) {
            return -1;
        }
        v = v * 10 + d;
    }
    *size = v;
    return 0;
}

/* 1 if R's Content-Type is text/x.tlog.size (parameters allowed). */
static int
is_size_answer(const dauys_net_response *r)
{
    size_t n = sizeof SIZE_TYPE - 1;

    return strncasecmp(r->content_type, SIZE_TYPE, n) == 0 &&
           (r->content_type[n] == '\0' || r->content_type[n] == ';' || r->content_type[n] == ' ');
}

/* Where each witness is in a round. */
typedef struct slot {
    int done;
    unsigned retries, conflicts;
    uint64_t due; /* dauys_clock_ms() after which it is asked (again) */
    char *body;   /* its request */
    size_t body_len;
} slot;

/* Builds the request of witness I into S->body (BODY_SIZE bytes) for the
 * original note NOTE (LEN bytes) of CP. Returns 0, or -1 with ERR. */
static int
build(dauys_cosigner *c, size_t i, slot *s, size_t body_size, const char *note, size_t len,
      const dauys_checkpoint *cp, dauys_cosigner_prove_fn prove, void *ctx, dauys_error *err)
{
    dauys_merkle_proof proof = {.count = 0};
    uint64_t old = c->size[i];

    if (old > cp->size) {
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "%s: cosigned a checkpoint of %" PRIu64
                               " entries, this one has %" PRIu64,
                               c->prefix[i], old, cp->size);
    }
    if (old > 0 && old < cp->size && prove(&proof, old, cp->size, ctx, err) != 0) {
        return -1;
    }
    return dauys_cosigner_request(s->body, body_size, &s->body_len, old, &proof, note, len, err);
}

/* Schedules a retry of S after an answer (or none) that may pass, if any is
 * left: 1 then, 0 if none. A witness that asks to be asked again later than
 * a request's timeout (Retry-After) is not waited for in this round: one
 * witness must not hold the others' cosigned checkpoint back for minutes. */
static int
retry_later(const dauys_cosigner *c, slot *s, const dauys_net_post *p)
{
    if (s->retries >= c->o.retries ||
        (p->rc == 0 && p->r.retry_after > 0 && p->r.retry_after * 1000 > c->o.timeout_ms)) {
        return 0;
    }
    s->retries++;
    s->due = dauys_clock_ms() + (uint64_t) dauys_net_backoff_ms(s->retries,
                                                                p->rc == 0 ? p->r.retry_after : 0,
                                                                randombytes_random());
    return 1;
}

/* Handles witness I's answer P to its request. Fills OUT, may merge into NOTE. */
static int
handle(dauys_cosigner *c, size_t i, slot *s, const dauys_net_post *p, dauys_cosigner_outcome *out,
       char *note, size_t note_size, const dauys_checkpoint *cp, dauys_error *err)
{
    char what[160];
    size_t added = 0, rejected = 0;
    uint64_t told;

    out->status = p->rc == 0 ? p->r.status : 0;
    if (dauys_net_retryable(p->rc, &p->err, &p->r) && retry_later(c, s, p)) {
        return 0;
    }
    s->done = 1;
    if (p->rc != 0) {
        out->why = p->err;
        return 0;
    }
    excerpt(what, sizeof what, &p->r);
    if (p->r.status == 200) {
        c->size[i] = cp->size; /* it cosigned, with whatever key */
        out->witness_size = cp->size;
        if (dauys_cosig_merge(note, note_size, &added, &rejected, p->r.body, p->r.len, &c->policy,
                              &out->why) != 0) {
            if (out->why.status == DAUYS_E_TOO_LARGE) {
                *err = out->why;
                return -1;
            }
            dauys_error why = out->why;
            dauys_error_set(&out->why, DAUYS_E_FORMAT,
                            "%s: its answer is not cosignature lines: %s", c->prefix[i],
                            why.message);
            return 0;
        }
        out->added = added;
        if (added == 0) {
            dauys_error_set(&out->why, rejected > 0 ? DAUYS_E_SIGNATURE : DAUYS_E_KEY_ID,
                            rejected > 0 ? "%s: its cosignature does not verify"
                                         : "%s: no cosignature by a witness of the policy",
                            c->prefix[i]);
        }
        return 0;
    }
    if (p->r.status == 409 && is_size_answer(&p->r)) {
        if (parse_size(&told, &p->r) != 0) {
            dauys_error_set(&out->why, DAUYS_E_FORMAT,
                            "%s: 409 with a size that is not a decimal and a newline: \"%s\"",
                            c->prefix[i], what);
            return 0;
        }
        out->witness_size = told;
        if (told > cp->size) {
            dauys_error_set(&out->why, DAUYS_E_PROOF,
                            "%s: says it cosigned %" PRIu64
                            " entries, beyond this checkpoint's %" PRIu64
                            ": another log's, or a fork",
                            c->prefix[i], told, cp->size);
            return 0;
        }
        if (told == c->size[i] && told == cp->size) {
            dauys_error_set(&out->why, DAUYS_E_PROOF,
                            "%s: 409: it cosigned another root for size %" PRIu64 " (a fork?)",
                            c->prefix[i], told);
            return 0;
        }
        if (told == c->size[i] || s->conflicts >= CONFLICTS_MAX) {
            dauys_error_set(&out->why, DAUYS_E_PROOF,
                            "%s: 409 again, with its size %" PRIu64 " as asked", c->prefix[i],
                            told);
            return 0;
        }
        c->size[i] = told;
        s->conflicts++;
        s->done = 0;
        s->due = 0; /* at once, with a proof from its size */
        return 0;
    }
    dauys_error_set(&out->why, p->r.status == 409 ? DAUYS_E_PROOF : DAUYS_E_SIGNATURE,
                    "%s: refused with %ld%s: \"%s\"", c->prefix[i], p->r.status,
                    p->r.status == 409 ? " (another root for a size it cosigned: a fork?)" : "",
                    what);
    return 0;
}

int
dauys_cosigner_run(size_t *valid, dauys_cosigner_outcome *outcome, dauys_cosigner *c, char *note,
                   size_t note_size, const dauys_checkpoint *cp, dauys_cosigner_prove_fn prove,
                   void *ctx, dauys_error *err)
{
    slot s[DAUYS_COSIGNER_URLS_MAX];
    dauys_cosigner_outcome local[DAUYS_COSIGNER_URLS_MAX];
    dauys_net_post post[DAUYS_COSIGNER_URLS_MAX];
    size_t which[DAUYS_COSIGNER_URLS_MAX];
    dauys_net_options net = {.connect_timeout_ms = c->o.timeout_ms,
                             .timeout_ms = c->o.timeout_ms,
                             .ca_file = c->o.cacert};
    size_t len = strnlen(note, note_size), body_size;
    char *original = NULL;
    int rc = -1;

    *valid = 0;
    if (outcome == NULL) {
        outcome = local;
    }
    memset(s, 0, sizeof s);
    if (len >= note_size) {
        return dauys_error_set(err, DAUYS_E_USAGE, "the checkpoint note has no end");
    }
    /* every request carries the note as the log signed it, not as others cosigned it */
    body_size = 32 + PROOF_LINES_MAX * 46 + 1 + len + 1;
    if ((original = dauys_malloc(len + 1 + c->n * body_size)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for the witnesses' requests");
    }
    memcpy(original, note, len + 1);
    for (size_t i = 0; i < c->n; i++) {
        s[i].body = original + len + 1 + i * body_size;
        outcome[i] = (dauys_cosigner_outcome){.url = c->prefix[i], .witness_size = c->size[i]};
    }
    for (;;) {
        size_t count = 0, pending = 0;
        uint64_t now = dauys_clock_ms(), first = UINT64_MAX;
        for (size_t i = 0; i < c->n; i++) {
            if (s[i].done) {
                continue;
            }
            pending++;
            if (s[i].due > now) {
                first = s[i].due < first ? s[i].due : first;
                continue;
            }
            if (build(c, i, &s[i], body_size, original, len, cp, prove, ctx, &outcome[i].why) !=
                0) {
                s[i].done = 1;
                continue;
            }
            post[count] =
                (dauys_net_post){.url = c->url[i], .body = s[i].body, .len = s[i].body_len};
            which[count++] = i;
        }
        if (pending == 0) {
            break;
        }
        if (count == 0) {
            if (first != UINT64_MAX) {
                sleep_ms(first - now);
            }
            continue;
        }
        if (dauys_net_multi_post(c->multi, post, count, REQUEST_TYPE, ANSWER_MAX, &net, err) != 0 &&
            err->status == DAUYS_E_NOMEM) {
            for (size_t k = 0; k < count; k++) {
                dauys_net_response_free(&post[k].r);
            }
            goto done;
        }
        int failed = 0;
        for (size_t k = 0; k < count; k++) {
            size_t i = which[k];
            if (!failed &&
                handle(c, i, &s[i], &post[k], &outcome[i], note, note_size, cp, err) != 0) {
                failed = 1;
            }
            dauys_net_response_free(&post[k].r);
        }
        if (failed) {
            goto done;
        }
    }
    if (c->policy.count > 0 && dauys_cosig_policy_check(valid, NULL, note, strlen(note), &c->policy,
                                                        "the checkpoint", err) != 0) {
        goto done;
    }
    rc = 0;
done:
    dauys_free(original);
    return rc;
}
