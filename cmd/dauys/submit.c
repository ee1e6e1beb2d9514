/*
 * submit.c: dauys submit: a precinct commission's client. Sends signed
 * protocols to a dauys server (POST /v1/protocols, multipart parts
 * "protocol" and "signature", as `curl -F` sends them), retries what may
 * pass, and prints the server's outcome for each file.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"
#include "core/alloc.h"
#include "core/filelist.h"
#include "core/decimal.h"
#include "core/file.h"
#include "core/pool.h"
#include "keys/keys.h"
#include "net/net.h"
#include "referendum/protocol.h"

static const char submit_usage[] =
    "usage: dauys submit --server URL [--retries N] [--timeout SECONDS] [--cacert FILE]\n"
    "                    [-j N] [-q] FILE...\n"
    "\n"
    "Sends signed protocols to a dauys server (POST URL/v1/protocols): each FILE is\n"
    "a protocol file, or a directory whose files are taken (not *.minisig, in the\n"
    "byte order of their paths), each with FILE.minisig beside it. Prints the\n"
    "server's outcome for each: accepted, correction, rejected, conflict, stale\n"
    "(recorded in its log) or refused (not recorded). No answer, HTTP 5xx and 429\n"
    "are retried with growing waits (Retry-After honoured); other 4xx never.\n"
    "  --server URL         the server (http:// or https://)\n"
    "  --retries N          retries of a request after the first try (default 8)\n"
    "  --timeout SECONDS    the longest a request may take (default 60)\n"
    "  --cacert FILE        trust the certificate authorities in FILE (PEM)\n"
    "  -j N                 requests at a time (default 4)\n"
    "  -q                   print only the summary and failures, not each outcome\n"
    "Files of one precinct are sent one after the other, in order, so a correction\n"
    "never overtakes the version it corrects.\n"
    "exit status: 0 all accepted (or corrections), 1 something was rejected,\n"
    "             refused, a conflict or stale, 2 a file unreadable, a request\n"
    "             not answered after its retries, or an answer malformed\n";

/* The cap on an answer's body: a server cannot make the client hold more. */
#define SUBMIT_ANSWER_MAX (64u << 10)
/* The largest file sent (the server refuses protocols over 64 KiB itself). */
#define SUBMIT_FILE_MAX (1u << 20)
#define SUBMIT_RETRIES_MAX 100
#define SUBMIT_JOBS_MAX 64

/* What became of one file. The first six are the server's word; the rest
 * are failures to get it. */
typedef enum submit_kind {
    K_ACCEPTED,
    K_CORRECTION,
    K_REJECTED,
    K_CONFLICT,
    K_STALE,
    K_REFUSED,
    K_UNREADABLE, /* a file could not be read: nothing sent */
    K_SECRET,     /* a file is a minisign secret key: nothing sent */
    K_UNANSWERED, /* no answer (or 5xx, 429) after every retry */
    K_MALFORMED,  /* an answer over its cap or not the JSON agreed */
    K_FAILED,     /* a request refused for what it is (a wrong URL: 404), TLS, a redirect */
    K_UNSENT,     /* not sent: the run stopped before (out of memory) */
    K_COUNT
} submit_kind;

/* The server's outcomes, as its answers name them. */
static const char *const kind_name[K_REFUSED + 1] = {"accepted", "correction", "rejected",
                                                     "conflict", "stale",      "refused"};

/* One file to send and, once done, its outcome. */
typedef struct submit_item {
    char *path;
    char *sig;                       /* PATH.minisig, or NULL: there is none */
    char precinct[DAUYS_ID_MAX + 1]; /* from the header, "" if it does not parse */
    size_t after;                    /* the earlier file of the same precinct, or SIZE_MAX */
    int done;                        /* under the run's lock */
    submit_kind kind;
    char *line; /* what to print (dauys_malloc'ed; untrusted parts already made safe) */
    char reason_code[32];
    int64_t warnings;
} submit_item;

typedef struct submit_run {
    submit_item *item;
    size_t count;
    char *url; /* SERVER/v1/protocols */
    dauys_net_options options;
    unsigned retries;
    int quiet;
    pthread_mutex_t lock;
    pthread_cond_t done; /* an item finished */
    size_t printed;      /* the items before this one are printed */
} submit_run;

/* --- the files --------------------------------------------------------------- */

/* Appends a copy of PATH to RUN's items; 0 or -1 (out of memory, message printed). */
static int
add_item(submit_run *run, const char *path)
{
    run->item[run->count] = (submit_item){.after = SIZE_MAX, .kind = K_UNSENT};
    if ((run->item[run->count].path = dauys_strdup(path)) == NULL) {
        cli_message("out of memory listing the files");
        return -1;
    }
    run->count++;
    return 0;
}

/* The items of PATHS as `dauys ingest` takes them (core/filelist.h), in the
 * byte order of their paths; 0 or -1 (message printed). */
static int
collect(submit_run *run, char *const *paths, size_t count)
{
    dauys_filelist files, skipped;
    dauys_error err;
    int rc = -1;

    if (dauys_filelist_collect(&files, &skipped, paths, count, &err) != 0) {
        cli_report(&err);
        goto done;
    }
    if (files.count > 0 &&
        (run->item = dauys_malloc_array(files.count, sizeof *run->item)) == NULL) {
        cli_message("out of memory listing the files");
        goto done;
    }
    for (size_t i = 0; i < files.count; i++) {
        if (add_item(run, files.path[i]) != 0) {
            goto done;
        }
    }
    rc = 0;
done:
    dauys_filelist_free(&files);
    dauys_filelist_free(&skipped);
    return rc;
}

/* Fills IT's signature path (when there is a file by that name) and precinct
 * (when its header parses: the server decides on everything else). 0 or -1
 * (out of memory). A file that cannot be read is left to load_item. */
static int
look_at(submit_item *it)
{
    size_t n = strlen(it->path) + sizeof ".minisig";
    struct stat st;
    dauys_protocol p;
    dauys_error err;
    char *text = NULL;
    size_t len;

    if ((it->sig = dauys_malloc(n)) == NULL) {
        return -1;
    }
    snprintf(it->sig, n, "%s.minisig", it->path);
    if (lstat(it->sig, &st) != 0) {
        dauys_free(it->sig);
        it->sig = NULL;
    }
    if (dauys_file_read_no_link(&text, &len, it->path, DAUYS_PROTOCOL_FILE_MAX, &err) == 0 &&
        dauys_protocol_parse_header(&p, text, len, it->path, &err) == 0) {
        snprintf(it->precinct, sizeof it->precinct, "%s", p.precinct);
    }
    if (text != NULL) {
        sodium_memzero(text, len); /* it may be a secret key: load_item refuses those */
    }
    dauys_free(text);
    return 0;
}

/* Indexes of items, ordered by precinct then position. */
static const submit_item *sort_items;

static int
compare_by_precinct(const void *a, const void *b)
{
    size_t i = *(const size_t *) a, j = *(const size_t *) b;
    int c = strcmp(sort_items[i].precinct, sort_items[j].precinct);
    return c != 0 ? c : (i > j) - (i < j);
}

/* Sets each item's AFTER: the file of the same precinct before it, whose
 * answer it waits for (a version 2 sent beside its version 1 could arrive
 * first and make it stale). 0 or -1 (out of memory). */
static int
chain_precincts(submit_run *run)
{
    size_t *order = dauys_malloc_array(run->count ? run->count : 1, sizeof *order);

    if (order == NULL) {
        return -1;
    }
    for (size_t i = 0; i < run->count; i++) {
        order[i] = i;
    }
    sort_items = run->item; /* one thread: before any starts */
    qsort(order, run->count, sizeof *order, compare_by_precinct);
    for (size_t k = 1; k < run->count; k++) {
        submit_item *it = &run->item[order[k]];
        if (it->precinct[0] != '\0' &&
            strcmp(it->precinct, run->item[order[k - 1]].precinct) == 0) {
            it->after = order[k - 1];
        }
    }
    dauys_free(order);
    return 0;
}

/* --- one file's outcome ------------------------------------------------------ */

/* A growing line of text; on out of memory it stays NULL and the item says so. */
typedef struct line_buf {
    char *s;
    size_t len, cap;
    int failed;
} line_buf;

static void
line_add(line_buf *b, const char *s, size_t n)
{
    if (b->failed || n > (SIZE_MAX >> 2) - b->len) { /* a size no line has: failed */
        b->failed = 1;
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        char *grown = dauys_realloc(b->s, cap);
        if (grown == NULL) {
            b->failed = 1;
            return;
        }
        b->s = grown;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void __attribute__((format(printf, 2, 3))) line_printf(line_buf *b, const char *fmt, ...)
{
    char chunk[1024];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(chunk, sizeof chunk, fmt, ap);
    va_end(ap);
    if (n > 0) {
        line_add(b, chunk, (size_t) n < sizeof chunk ? (size_t) n : sizeof chunk - 1);
    }
}

/* Appends untrusted S as cli_print_untrusted would show it. */
static void
line_untrusted(line_buf *b, const char *s)
{
    char *shown = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&shown, &size);

    if (fp == NULL) {
        b->failed = 1;
        return;
    }
    cli_print_untrusted(fp, s);
    if (fclose(fp) != 0 || shown == NULL) {
        b->failed = 1;
    } else {
        line_add(b, shown, size);
    }
    free(shown);
}

/* Sets IT's outcome KIND and its line: "PATH: " then what B holds. */
static void
settle(submit_item *it, submit_kind kind, line_buf *b)
{
    line_buf head = {0};

    line_untrusted(&head, it->path);
    line_add(&head, ": ", 2);
    line_add(&head, b->failed ? "(out of memory describing the outcome)" : b->s,
             b->failed ? strlen("(out of memory describing the outcome)") : b->len);
    it->kind = kind;
    it->line = head.failed ? NULL : head.s;
    if (head.failed) {
        dauys_free(head.s);
    }
    dauys_free(b->s);
    *b = (line_buf){0};
}

/* The string field NAME of A: *OUT the string, NULL for null or absent (when
 * NULLABLE). Returns 0, or -1 with a description in B. */
static int
field_string(const char **out, const dauys_net_answer *a, const char *name, int nullable,
             line_buf *b)
{
    const dauys_net_field *f = dauys_net_answer_get(a, name);

    *out = NULL;
    if (f != NULL && f->type == DAUYS_NET_STRING) {
        *out = f->string;
        return 0;
    }
    if (nullable && (f == NULL || f->type == DAUYS_NET_NULL)) {
        return 0;
    }
    line_printf(b, "the field \"%s\" is %s, not a string%s", name,
                f == NULL ? "missing" : "of another type", nullable ? " or null" : "");
    return -1;
}

/* The integer field NAME of A within [0, MAX]: *OUT, or -1 for null or absent
 * (when NULLABLE). Returns 0, or -1 with a description in B. */
static int
field_integer(int64_t *out, const dauys_net_answer *a, const char *name, int nullable, int64_t max,
              line_buf *b)
{
    const dauys_net_field *f = dauys_net_answer_get(a, name);

    *out = -1;
    if (f != NULL && f->type == DAUYS_NET_INTEGER && f->integer >= 0 && f->integer <= max) {
        *out = f->integer;
        return 0;
    }
    if (nullable && (f == NULL || f->type == DAUYS_NET_NULL)) {
        return 0;
    }
    line_printf(b, "the field \"%s\" is %s, not an integer from 0 to %lld%s", name,
                f == NULL ? "missing" : "out of range or of another type", (long long) max,
                nullable ? " or null" : "");
    return -1;
}

static int
is_sha256_hex(const char *s)
{
    size_t i;

    for (i = 0; s[i] != '\0' && i < 65; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return i == 64;
}

/* "[CODE] REASON" (either may be NULL) after ": ", into B. */
static void
add_reason(line_buf *b, const char *code, const char *reason)
{
    if (code == NULL && reason == NULL) {
        return;
    }
    line_add(b, ": ", 2);
    if (code != NULL) {
        line_add(b, "[", 1);
        line_untrusted(b, code);
        line_add(b, reason != NULL ? "] " : "]", reason != NULL ? 2 : 1);
    }
    if (reason != NULL) {
        line_untrusted(b, reason);
    }
}

/* A 200's answer A: the outcome the server recorded. */
static void
read_recorded(submit_item *it, const dauys_net_answer *a, line_buf *b)
{
    const char *outcome, *precinct, *code, *reason, *hash;
    int64_t version, index, warnings;
    submit_kind kind = K_COUNT;

    if (field_string(&outcome, a, "outcome", 0, b) != 0 ||
        field_string(&precinct, a, "precinct", 1, b) != 0 ||
        field_integer(&version, a, "version", 1, UINT32_MAX, b) != 0 ||
        field_string(&code, a, "reason_code", 1, b) != 0 ||
        field_string(&reason, a, "reason", 1, b) != 0 ||
        field_integer(&index, a, "log_index", 0, INT64_MAX, b) != 0 ||
        field_string(&hash, a, "entry_sha256", 0, b) != 0 ||
        field_integer(&warnings, a, "warnings", 1, INT64_MAX, b) != 0) {
        settle(it, K_MALFORMED, b);
        return;
    }
    for (int k = K_ACCEPTED; k <= K_STALE; k++) {
        kind = strcmp(outcome, kind_name[k]) == 0 ? (submit_kind) k : kind;
    }
    if (kind == K_COUNT || !is_sha256_hex(hash) ||
        ((kind == K_ACCEPTED || kind == K_CORRECTION) && (precinct == NULL || version < 0))) {
        line_add(b, "the answer's outcome \"", strlen("the answer's outcome \""));
        line_untrusted(b, outcome);
        line_printf(b, "\" %s",
                    kind == K_COUNT        ? "is none a server records"
                    : !is_sha256_hex(hash) ? "comes with an entry_sha256 that is not 64 hex digits"
                                           : "comes without its precinct and version");
        settle(it, K_MALFORMED, b);
        return;
    }
    line_add(b, outcome, strlen(outcome));
    line_add(b, " (", 2);
    if (precinct != NULL) {
        line_add(b, "precinct ", strlen("precinct "));
        line_untrusted(b, precinct);
        line_add(b, ", ", 2);
    }
    if (version >= 0) {
        line_printf(b, "version %lld, ", (long long) version);
    }
    line_printf(b, "log entry %lld)", (long long) index);
    add_reason(b, code, reason);
    snprintf(it->reason_code, sizeof it->reason_code, "%s", code != NULL ? code : "");
    it->warnings = warnings > 0 ? warnings : 0;
    settle(it, kind, b);
}

/* A 4xx's answer A (or none, if it is not JSON) to status STATUS: a refusal
 * (400, 413, 422: the file is not recorded) or, for another status, a
 * request this client should not have made (a wrong URL): malformed. */
static void
read_refused(submit_item *it, long status, const dauys_net_answer *a, line_buf *b)
{
    const char *code = NULL, *reason = NULL, *outcome = NULL;
    int refusal = status == 400 || status == 413 || status == 422;

    if (a != NULL && (field_string(&outcome, a, "outcome", 1, b) != 0 ||
                      field_string(&code, a, "reason_code", 1, b) != 0 ||
                      field_string(&reason, a, "reason", 1, b) != 0 ||
                      (reason == NULL && field_string(&reason, a, "error", 1, b) != 0))) {
        settle(it, K_MALFORMED, b);
        return;
    }
    if (status == 422 && (a == NULL || outcome == NULL || strcmp(outcome, "refused") != 0)) {
        line_printf(b, "HTTP 422 without the outcome \"refused\"");
        settle(it, K_MALFORMED, b);
        return;
    }
    line_printf(b, refusal ? "refused (HTTP %ld)" : "the server refused the request (HTTP %ld)",
                status);
    if (status == 413 && code == NULL) {
        code = "too-large";
    }
    add_reason(b, code, reason);
    snprintf(it->reason_code, sizeof it->reason_code, "%s",
             code != NULL    ? code
             : status == 400 ? "bad-request"
                             : "");
    settle(it, refusal ? K_REFUSED : K_FAILED, b);
}

/* The server's answer R (status and body) to IT: its outcome. */
static void
read_answer(submit_item *it, const char *url, const dauys_net_response *r, line_buf *b)
{
    dauys_net_answer a;
    dauys_error err;
    int parsed = dauys_net_answer_parse(&a, r->body, r->len, url, &err) == 0;

    if (r->status == 200 && parsed) {
        read_recorded(it, &a, b);
    } else if (r->status >= 400 && r->status <= 499) {
        read_refused(it, r->status, parsed ? &a : NULL, b);
    } else if (r->status == 200) {
        line_add(
            b, "the server's answer is malformed: ", strlen("the server's answer is malformed: "));
        line_untrusted(b, err.message);
        settle(it, K_MALFORMED, b);
    } else {
        line_printf(b, "the server answered HTTP %ld, which it should not", r->status);
        settle(it, K_FAILED, b);
    }
    dauys_net_answer_free(&a);
}

/* --- sending ----------------------------------------------------------------- */

/* Sleeps MS milliseconds (whatever signals interrupt). */
static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Tells (unless quiet) that IT's attempt ATTEMPT failed with WHY and is
 * tried again in MS milliseconds. */
static void
tell_retry(submit_run *run, const submit_item *it, unsigned attempt, const char *why, long ms)
{
    if (run->quiet) {
        return;
    }
    pthread_mutex_lock(&run->lock);
    fprintf(stderr, "%s: ", cli_program);
    cli_print_untrusted(stderr, it->path);
    fprintf(stderr, ": attempt %u of %u: ", attempt, run->retries + 1);
    cli_print_untrusted(stderr, why);
    fprintf(stderr, "; retrying in %.1f s\n", (double) ms / 1000);
    pthread_mutex_unlock(&run->lock);
}

/* Reads IT's protocol and signature (if it has one) into BYTES and LEN
 * without following a symbolic link, as dauys ingest reads them, and refuses
 * a minisign secret key: a secret must never leave the machine. Returns 0;
 * or 1 with IT settled (unreadable, a secret key: nothing sent); or -1 with
 * ERR (out of memory). The caller wipes and frees BYTES[0..1] either way. */
static int
load_item(submit_item *it, char *bytes[2], size_t len[2], dauys_error *err)
{
    const char *path[2] = {it->path, it->sig};
    line_buf b = {0};

    for (int i = 0; i < 2 && path[i] != NULL; i++) {
        dauys_error e;
        if (dauys_file_read_no_link(&bytes[i], &len[i], path[i], SUBMIT_FILE_MAX, &e) != 0) {
            if (e.status == DAUYS_E_NOMEM) {
                *err = e;
                return -1;
            }
            line_add(&b, "not sent: ", strlen("not sent: "));
            line_untrusted(&b, e.message);
            settle(it, K_UNREADABLE, &b);
            return 1;
        }
        int secret = dauys_keys_text_holds_seckey(bytes[i], len[i]);
        if (secret < 0) {
            return dauys_error_set(err, DAUYS_E_NOMEM,
                                   "out of secure memory looking for a secret key");
        }
        if (secret) {
            line_printf(&b, "%s", i == 0 ? "the file" : "its signature file ");
            if (i == 1) {
                line_untrusted(&b, path[i]);
            }
            line_printf(&b, " is a minisign secret key: NOTHING SENT; keep secret keys away from "
                            "the protocols, and find out how it got there");
            settle(it, K_SECRET, &b);
            return 1;
        }
    }
    return 0;
}

/* Sends IT's BYTES on S until it has an answer that is not to be retried or
 * the retries are spent, and settles its outcome. Returns 0, or -1 with ERR
 * only when out of memory. */
static int
post_item(submit_run *run, dauys_net_session *s, submit_item *it, char *const bytes[2],
          const size_t len[2], dauys_error *err)
{
    dauys_net_part parts[2] = {{"protocol", it->path, bytes[0], len[0]},
                               {"signature", it->sig, bytes[1], len[1]}};
    dauys_net_response r = {0};
    line_buf b = {0};
    unsigned attempt;
    int rc = -1;

    for (attempt = 1;; attempt++) {
        char why[DAUYS_ERROR_MESSAGE_MAX];
        dauys_net_response_free(&r);
        rc = dauys_net_post_files(s, &r, run->url, parts, it->sig != NULL ? 2 : 1,
                                  SUBMIT_ANSWER_MAX, &run->options, err);
        if (!dauys_net_retryable(rc, err, &r) || attempt > run->retries) {
            break;
        }
        long ms = dauys_net_backoff_ms(attempt, rc == 0 ? r.retry_after : 0, randombytes_random());
        if (rc == 0) {
            snprintf(why, sizeof why, "HTTP %ld", r.status);
        } else {
            snprintf(why, sizeof why, "%s", err->message);
        }
        tell_retry(run, it, attempt, why, ms);
        sleep_ms(ms);
    }
    if (rc != 0 && err->status == DAUYS_E_NOMEM) {
        dauys_net_response_free(&r);
        return -1;
    }
    if (rc == 0 && !dauys_net_retryable(rc, err, &r)) {
        read_answer(it, run->url, &r, &b);
    } else if (rc != 0 && (err->status == DAUYS_E_TOO_LARGE || !dauys_net_retryable(rc, err, &r))) {
        if (err->status == DAUYS_E_TOO_LARGE) {
            line_add(&b, "the server's answer is malformed: ",
                     strlen("the server's answer is malformed: "));
        }
        line_untrusted(&b, err->message);
        settle(it, err->status == DAUYS_E_TOO_LARGE ? K_MALFORMED : K_FAILED, &b);
    } else { /* retryable, and the retries are spent */
        line_printf(&b, "not recorded: still %s after %u attempt%s: ",
                    rc == 0 ? "busy or failing" : "no answer", attempt, attempt == 1 ? "" : "s");
        if (rc == 0) {
            line_printf(&b, "HTTP %ld", r.status);
        } else {
            line_untrusted(&b, err->message);
        }
        settle(it, K_UNANSWERED, &b);
    }
    dauys_net_response_free(&r);
    return 0;
}

/* Sends IT on S (load_item, post_item); 0, or -1 with ERR (out of memory). */
static int
send_item(submit_run *run, dauys_net_session *s, submit_item *it, dauys_error *err)
{
    char *bytes[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    int rc = load_item(it, bytes, len, err);

    if (rc == 0) {
        rc = post_item(run, s, it, bytes, len, err);
    }
    for (int i = 0; i < 2; i++) {
        if (bytes[i] != NULL) {
            sodium_memzero(bytes[i], len[i]);
        }
        dauys_free(bytes[i]);
    }
    return rc < 0 ? -1 : 0;
}

/* Prints the outcomes of the items done in order from the last printed one;
 * under the run's lock. */
static void
print_ready(submit_run *run)
{
    for (; run->printed < run->count && run->item[run->printed].done; run->printed++) {
        submit_item *it = &run->item[run->printed];
        int failure = it->kind >= K_UNREADABLE;
        if (run->quiet && !failure) {
            continue;
        }
        if (failure) {
            fprintf(stderr, "%s: %s\n", cli_program,
                    it->line != NULL ? it->line : "(out of memory)");
        } else {
            printf("%s\n", it->line != NULL ? it->line : "(out of memory)");
            fflush(stdout);
        }
    }
}

static int
run_item(void *ctx, void *local, size_t i, dauys_error *err)
{
    submit_run *run = ctx;
    submit_item *it = &run->item[i];
    int rc;

    pthread_mutex_lock(&run->lock);
    while (it->after != SIZE_MAX && !run->item[it->after].done) {
        pthread_cond_wait(&run->done, &run->lock);
    }
    pthread_mutex_unlock(&run->lock);

    rc = send_item(run, local, it, err);

    pthread_mutex_lock(&run->lock);
    it->done = 1;
    pthread_cond_broadcast(&run->done);
    print_ready(run);
    pthread_mutex_unlock(&run->lock);
    return rc;
}

static int
start_session(void *ctx, void **local, dauys_error *err)
{
    (void) ctx;
    return dauys_net_session_new((dauys_net_session **) local, err);
}

static void
end_session(void *ctx, void *local)
{
    (void) ctx;
    dauys_net_session_free(local);
}

/* --- the command ------------------------------------------------------------- */

static void
print_summary(const submit_run *run, double dt)
{
    size_t n[K_COUNT] = {0};
    struct {
        char code[32];
        size_t n;
    } code[32];
    size_t codes = 0;
    int64_t warnings = 0;

    for (size_t i = 0; i < run->count; i++) {
        const submit_item *it = &run->item[i];
        size_t c;
        n[it->kind]++;
        warnings += it->warnings;
        if (it->reason_code[0] == '\0') {
            continue;
        }
        for (c = 0; c < codes && strcmp(code[c].code, it->reason_code) != 0; c++) {
        }
        if (c == codes && codes < sizeof code / sizeof code[0]) {
            snprintf(code[codes].code, sizeof code[0].code, "%s", it->reason_code);
            code[codes++].n = 0;
        }
        if (c < codes) {
            code[c].n++;
        }
    }
    printf("%zu files in %.2f s: %zu accepted, %zu corrections, %zu rejected, %zu conflicts, "
           "%zu stale, %zu refused",
           run->count, dt, n[K_ACCEPTED], n[K_CORRECTION], n[K_REJECTED], n[K_CONFLICT], n[K_STALE],
           n[K_REFUSED]);
    if (n[K_UNREADABLE] > 0) {
        printf(", %zu UNREADABLE", n[K_UNREADABLE]);
    }
    if (n[K_SECRET] > 0) {
        printf(", %zu SECRET KEYS NOT SENT", n[K_SECRET]);
    }
    if (n[K_UNANSWERED] > 0) {
        printf(", %zu NOT ANSWERED", n[K_UNANSWERED]);
    }
    if (n[K_MALFORMED] > 0) {
        printf(", %zu MALFORMED ANSWERS", n[K_MALFORMED]);
    }
    if (n[K_FAILED] > 0) {
        printf(", %zu FAILED", n[K_FAILED]);
    }
    if (n[K_UNSENT] > 0) {
        printf(", %zu NOT SENT", n[K_UNSENT]);
    }
    printf("; %lld warnings\n", (long long) warnings);
    if (codes > 0) {
        printf("reasons:");
        for (size_t c = 0; c < codes; c++) {
            printf(" ");
            cli_print_untrusted(stdout, code[c].code);
            printf(" %zu%s", code[c].n, c + 1 < codes ? "," : "");
        }
        printf("\n");
    }
}

/* The exit code of RUN's outcomes (as dauys ingest's). */
static int
exit_code(const submit_run *run)
{
    int bad = 0;

    for (size_t i = 0; i < run->count; i++) {
        if (run->item[i].kind >= K_UNREADABLE) {
            return CLI_EXIT_FAIL;
        }
        bad |= run->item[i].kind >= K_REJECTED;
    }
    return bad ? CLI_EXIT_BAD : CLI_EXIT_OK;
}

/* Parses the number in S (option OPT) from MIN to MAX into *OUT; 0 or -1 (message printed). */
static int
parse_count(uint64_t *out, const char *opt, const char *s, uint64_t min, uint64_t max)
{
    if (dauys_decimal_parse(out, s, strlen(s), max) != 0 || *out < min) {
        cli_message("%s: expected a number from %llu to %llu, not \"%s\"", opt,
                    (unsigned long long) min, (unsigned long long) max, s);
        return -1;
    }
    return 0;
}

/* SERVER/v1/protocols (the server's trailing slashes dropped) into *OUT. */
static int
make_url(char **out, const char *server)
{
    size_t n = strlen(server);

    while (n > 0 && server[n - 1] == '/') {
        n--;
    }
    if ((strncmp(server, "http://", 7) != 0 && strncmp(server, "https://", 8) != 0) ||
        n <= strlen("https://")) {
        cli_message("--server: expected an http:// or https:// URL, not \"%s\"", server);
        return -1;
    }
    if ((*out = dauys_malloc(n + sizeof "/v1/protocols")) == NULL) {
        cli_message("out of memory");
        return -1;
    }
    snprintf(*out, n + sizeof "/v1/protocols", "%.*s/v1/protocols", (int) n, server);
    return 0;
}

/* The options into RUN and *JOBS; returns -1 to go on, or the exit code. */
static int
parse_options(submit_run *run, unsigned *jobs, int argc, char **argv)
{
    enum { OPT_SERVER = 256, OPT_RETRIES, OPT_TIMEOUT, OPT_CACERT };
    static const struct option longopts[] = {{"server", required_argument, NULL, OPT_SERVER},
                                             {"retries", required_argument, NULL, OPT_RETRIES},
                                             {"timeout", required_argument, NULL, OPT_TIMEOUT},
                                             {"cacert", required_argument, NULL, OPT_CACERT},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *server = NULL;
    uint64_t v;
    int c;

    while ((c = getopt_long(argc, argv, "j:qh", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_SERVER: server = optarg; break;
        case OPT_RETRIES:
            if (parse_count(&v, "--retries", optarg, 0, SUBMIT_RETRIES_MAX) != 0) {
                return CLI_EXIT_FAIL;
            }
            run->retries = (unsigned) v;
            break;
        case OPT_TIMEOUT:
            if (parse_count(&v, "--timeout", optarg, 1, 3600) != 0) {
                return CLI_EXIT_FAIL;
            }
            run->options.timeout_ms = (long) v * 1000;
            run->options.connect_timeout_ms = v < 10 ? (long) v * 1000 : 10000;
            break;
        case OPT_CACERT: run->options.ca_file = optarg; break;
        case 'j':
            if (parse_count(&v, "-j", optarg, 1, SUBMIT_JOBS_MAX) != 0) {
                return CLI_EXIT_FAIL;
            }
            *jobs = (unsigned) v;
            break;
        case 'q': run->quiet = 1; break;
        case 'h': fputs(submit_usage, stdout); return CLI_EXIT_OK;
        default: fputs(submit_usage, stderr); return CLI_EXIT_FAIL;
        }
    }
    if (server == NULL || optind >= argc) {
        if (server == NULL) {
            cli_message("--server URL is required");
        }
        fputs(submit_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    return make_url(&run->url, server) == 0 ? -1 : CLI_EXIT_FAIL;
}

/* Sends RUN's items on JOBS concurrent requests; 0 or -1 (message printed). */
static int
send_all(submit_run *run, unsigned jobs)
{
    dauys_pool_task task = {.ctx = run,
                            .count = run->count,
                            .run = run_item,
                            .thread_start = start_session,
                            .thread_end = end_session};
    dauys_error err;

    for (size_t i = 0; i < run->count; i++) {
        if (look_at(&run->item[i]) != 0) {
            cli_message("out of memory");
            return -1;
        }
        if (run->item[i].sig == NULL) {
            cli_message("%s: no signature beside it (%s.minisig): sent without one, the server "
                        "will refuse it",
                        run->item[i].path, run->item[i].path);
        }
    }
    if (chain_precincts(run) != 0) {
        cli_message("out of memory");
        return -1;
    }
    if (jobs > run->count) {
        jobs = run->count > 0 ? (unsigned) run->count : 1;
    }
    if (dauys_pool_run(&task, jobs - 1, &err) != 0) {
        cli_report(&err);
        return -1;
    }
    return 0;
}

int
cmd_submit(int argc, char **argv)
{
    submit_run run = {.retries = 8};
    unsigned jobs = 4;
    dauys_error err;
    double t0;
    int rc;

    if ((rc = parse_options(&run, &jobs, argc, argv)) >= 0) {
        return rc;
    }
    pthread_mutex_init(&run.lock, NULL);
    pthread_cond_init(&run.done, NULL);
    if (collect(&run, argv + optind, (size_t) (argc - optind)) != 0) {
        rc = CLI_EXIT_FAIL;
    } else if (dauys_net_init(&err) != 0) {
        cli_report(&err);
        rc = CLI_EXIT_FAIL;
    } else {
        t0 = cli_now();
        rc = send_all(&run, jobs) != 0 ? CLI_EXIT_FAIL : -1;
        print_summary(&run, cli_now() - t0);
        if (rc < 0) {
            rc = exit_code(&run);
        }
        dauys_net_cleanup();
    }
    for (size_t i = 0; i < run.count; i++) {
        dauys_free(run.item[i].path);
        dauys_free(run.item[i].sig);
        dauys_free(run.item[i].line);
    }
    dauys_free(run.item);
    dauys_free(run.url);
    pthread_cond_destroy(&run.done);
    pthread_mutex_destroy(&run.lock);
    return rc;
}
