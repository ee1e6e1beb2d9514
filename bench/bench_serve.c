/*
 * bench_serve.c: the load generator of the dauys serve benchmark
 * (bench/serve_bench.sh, docs/PERFORMANCE.md). libcurl's multi interface on
 * one thread, keep-alive connections; nothing of dauys is linked, so it
 * measures the server from outside as any client would.
 *
 *   bench_serve submit URL LIST CONCURRENCY OUT [SERVER_PID]
 *   bench_serve read URL CONCURRENCY SECONDS
 *
 * submit: POSTs every protocol named in LIST (one path a line, its
 * signature beside it as PATH.minisig; all read into memory first, untimed)
 * to URL/v1/protocols as multipart parts "protocol" and "signature",
 * CONCURRENCY at once, and records for each the time of its answer and, for
 * a 2xx, its log_index. No answer or a 5xx is retried (up to 20 times), as
 * dauys submit would. Meanwhile a watcher thread polls URL/checkpoint every
 * 20 ms and records (time, size) whenever the size changes, until the
 * checkpoint covers every 2xx answer. A submission's delay is from its 2xx
 * answer to the first checkpoint seen whose size > its log_index (0 if that
 * checkpoint was seen first: published between the commit and the answer's
 * arrival). With SERVER_PID: the server's VmRSS at 25, 50, 75 and 100 % of
 * the submissions answered, its VmHWM at the end, its CPU seconds during the
 * submissions (and each thread's since it started: "thread_cpu_s TID NAME
 * SECONDS"), and this process's own. Writes OUT.subs.tsv
 * (index, seconds sent, seconds answered, status, log_index) and
 * OUT.checkpoints.tsv (seconds, size), then prints "key value" lines.
 *
 * read: fetches URL/checkpoint and, for SECONDS, keeps CONCURRENCY GETs in
 * flight of random tiles the checkpoint names: half Merkle tree tiles (any
 * level, full or partial), half entry bundles (full or partial), each
 * chosen uniformly within its kind. Checks every answer is 200 with the
 * size a tile of its width has (32 bytes a hash); prints "key value" lines.
 *
 * Exit status: 0 done, 1 some request failed for good, 2 could not run.
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define ANSWER_MAX 4096
#define WATCH_EVERY_MS 20
#define RETRIES_MAX 20

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000u, .tv_nsec = (long) (ms % 1000u) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL) {
        fprintf(stderr, "bench_serve: out of memory\n");
        exit(2);
    }
    return p;
}

/* An answer's bytes, kept up to ANSWER_MAX - 1 (the rest counted only). */
typedef struct answer {
    char text[ANSWER_MAX];
    size_t len;
    uint64_t bytes;
} answer;

static size_t
on_data(char *data, size_t size, size_t count, void *arg)
{
    answer *a = arg;
    size_t n = size * count, room = sizeof a->text - 1 - a->len;

    memcpy(a->text + a->len, data, n < room ? n : room);
    a->len += n < room ? n : room;
    a->text[a->len] = '\0';
    a->bytes += n;
    return n;
}

/* Reads PATH whole into *OUT (malloc'ed, NUL-terminated). */
static size_t
read_file(char **out, const char *path)
{
    FILE *f = fopen(path, "rb");
    size_t len = 0, cap = 4096, n;
    char *buf = xmalloc(cap);

    if (f == NULL) {
        fprintf(stderr, "bench_serve: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            char *bigger = realloc(buf, cap *= 2);
            if (bigger == NULL) {
                fprintf(stderr, "bench_serve: out of memory\n");
                exit(2);
            }
            buf = bigger;
        }
    }
    if (ferror(f)) {
        fprintf(stderr, "bench_serve: %s: read error\n", path);
        exit(2);
    }
    fclose(f);
    buf[len] = '\0';
    *out = buf;
    return len;
}

/* The size a checkpoint names (its second line), or -1. */
static long long
checkpoint_size(const char *text)
{
    const char *nl = strchr(text, '\n');
    char *end;
    long long size;

    if (nl == NULL || nl[1] < '0' || nl[1] > '9') {
        return -1;
    }
    size = strtoll(nl + 1, &end, 10);
    return *end == '\n' ? size : -1;
}

/* GETs URL on H into A: the HTTP status, or -1 on no answer. */
static long
get(CURL *h, const char *url, answer *a)
{
    long status = -1;

    a->len = 0;
    a->bytes = 0;
    a->text[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    if (curl_easy_perform(h) != CURLE_OK ||
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK) {
        return -1;
    }
    return status;
}

/* ------------------------------------------------------------------ submit */

typedef struct protocol {
    char *text, *sig;
    size_t text_len, sig_len;
} protocol;

typedef struct submission {
    double sent, answered;
    long status;
    long long log_index; /* -1: none */
} submission;

typedef struct observation {
    double at;
    long long size;
} observation;

/* What the watcher shares with the submitters. */
typedef struct watch {
    const char *url;
    pthread_mutex_t lock;
    int submitted;     /* every submission is answered */
    long long need;    /* then: stop once a checkpoint's size > need */
    observation *seen; /* every change of the checkpoint's size */
    size_t seen_count, seen_cap;
    unsigned failures;
} watch;

static void
observe(watch *w, double at, long long size)
{
    if (w->seen_count == w->seen_cap) {
        w->seen_cap = w->seen_cap ? 2 * w->seen_cap : 1024;
        w->seen = realloc(w->seen, w->seen_cap * sizeof *w->seen);
        if (w->seen == NULL) {
            fprintf(stderr, "bench_serve: out of memory\n");
            exit(2);
        }
    }
    w->seen[w->seen_count].at = at;
    w->seen[w->seen_count].size = size;
    w->seen_count++;
}

/* The watcher: GET /checkpoint every WATCH_EVERY_MS on one kept connection. */
static void *
watcher(void *arg)
{
    watch *w = arg;
    char url[1024];
    CURL *h = curl_easy_init();
    answer *a = xmalloc(sizeof *a);
    long long last = -1;
    double give_up = 0;

    snprintf(url, sizeof url, "%s/checkpoint", w->url);
    for (;;) {
        double tick = now();
        long status = get(h, url, a);
        long long size = status == 200 ? checkpoint_size(a->text) : -1;
        int done;

        pthread_mutex_lock(&w->lock);
        if (size < 0) {
            w->failures++;
        } else if (size != last) {
            observe(w, now(), size);
            last = size;
        }
        if (w->submitted && give_up == 0) {
            give_up = now() + 120.0;
        }
        done = w->submitted && (last > w->need || now() > give_up);
        pthread_mutex_unlock(&w->lock);
        if (done) {
            break;
        }
        double spent = (now() - tick) * 1000.0;
        if (spent < WATCH_EVERY_MS) {
            sleep_ms((unsigned) (WATCH_EVERY_MS - spent));
        }
    }
    curl_easy_cleanup(h);
    free(a);
    return NULL;
}

/* One submitter: an easy handle, kept with its connection, and its answer. */
typedef struct slot {
    CURL *h;
    curl_mime *mime;
    size_t file;
    unsigned tries;
    answer a;
} slot;

/* Loads the protocols LIST names. */
static protocol *
load_list(const char *list, size_t *count)
{
    char *text, *line, *save = NULL, sig[4096];
    size_t cap = 1024, n = 0;
    protocol *p = xmalloc(cap * sizeof *p);

    read_file(&text, list);
    for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        if (n == cap) {
            protocol *bigger = realloc(p, (cap *= 2) * sizeof *p);
            if (bigger == NULL) {
                fprintf(stderr, "bench_serve: out of memory\n");
                exit(2);
            }
            p = bigger;
        }
        snprintf(sig, sizeof sig, "%s.minisig", line);
        p[n].text_len = read_file(&p[n].text, line);
        p[n].sig_len = read_file(&p[n].sig, sig);
        n++;
    }
    free(text);
    *count = n;
    return p;
}

/* Puts SLOT's submission (its file's protocol and signature) on M. */
static void
submit_start(CURLM *m, slot *sl, const protocol *p, submission *sub, const char *url,
             struct curl_slist *headers)
{
    curl_mimepart *part;

    curl_mime_free(sl->mime);
    sl->mime = curl_mime_init(sl->h);
    part = curl_mime_addpart(sl->mime);
    curl_mime_name(part, "protocol");
    curl_mime_filename(part, "protocol.txt");
    curl_mime_data(part, p->text, p->text_len);
    part = curl_mime_addpart(sl->mime);
    curl_mime_name(part, "signature");
    curl_mime_filename(part, "protocol.txt.minisig");
    curl_mime_data(part, p->sig, p->sig_len);
    sl->a.len = 0;
    sl->a.bytes = 0;
    sl->a.text[0] = '\0';
    curl_easy_setopt(sl->h, CURLOPT_URL, url);
    curl_easy_setopt(sl->h, CURLOPT_MIMEPOST, sl->mime);
    curl_easy_setopt(sl->h, CURLOPT_HTTPHEADER, headers); /* no "Expect: 100-continue" */
    curl_easy_setopt(sl->h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(sl->h, CURLOPT_WRITEDATA, &sl->a);
    curl_easy_setopt(sl->h, CURLOPT_PRIVATE, sl);
    curl_easy_setopt(sl->h, CURLOPT_TIMEOUT, 120L);
    if (sl->tries == 0) {
        sub->sent = now();
    }
    curl_multi_add_handle(m, sl->h);
}

/* The server's "VmRSS" or "VmHWM" in KiB, from /proc/PID/status; -1 if unknown. */
static long
server_memory(long pid, const char *field)
{
    char path[64], line[256];
    FILE *f;
    long kib = -1;

    if (pid <= 0) {
        return -1;
    }
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    if ((f = fopen(path, "r")) == NULL) {
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, field, strlen(field)) == 0 && line[strlen(field)] == ':') {
            kib = strtol(line + strlen(field) + 1, NULL, 10);
        }
    }
    fclose(f);
    return kib;
}

/* The CPU seconds (user + system) of /proc/PID/stat or of /proc/PID/task/TID/stat
 * (PATH), and its thread name into COMM; -1 if unknown. */
static double
cpu_seconds(const char *path, char *comm, size_t comm_size)
{
    char line[1024], *close;
    unsigned long utime = 0, stime = 0;
    FILE *f = fopen(path, "r");
    int ok;

    if (f == NULL) {
        return -1;
    }
    ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    /* "pid (comm) state ..." with utime and stime the 14th and 15th fields */
    if (!ok || (close = strrchr(line, ')')) == NULL ||
        sscanf(close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) !=
            2) {
        return -1;
    }
    if (comm != NULL) {
        char *open = strchr(line, '(');
        size_t n = open != NULL ? (size_t) (close - open - 1) : 0;
        snprintf(comm, comm_size, "%.*s", (int) n, open != NULL ? open + 1 : "");
    }
    return (double) (utime + stime) / (double) sysconf(_SC_CLK_TCK);
}

/* The server's CPU seconds (every thread), or -1. */
static double
server_cpu(long pid)
{
    char path[64];

    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    return pid > 0 ? cpu_seconds(path, NULL, 0) : -1;
}

/* Prints "thread_cpu_s TID NAME SECONDS" for each of the server's threads, by TID. */
static void
print_thread_cpu(long pid)
{
    char path[128], comm[64];
    long tids[256];
    size_t n = 0;
    DIR *d;
    struct dirent *e;

    snprintf(path, sizeof path, "/proc/%ld/task", pid);
    if (pid <= 0 || (d = opendir(path)) == NULL) {
        return;
    }
    while ((e = readdir(d)) != NULL && n < sizeof tids / sizeof tids[0]) {
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9') {
            tids[n++] = strtol(e->d_name, NULL, 10);
        }
    }
    closedir(d);
    for (size_t i = 1; i < n; i++) { /* few threads: insertion sort */
        for (size_t j = i; j > 0 && tids[j - 1] > tids[j]; j--) {
            long t = tids[j];
            tids[j] = tids[j - 1];
            tids[j - 1] = t;
        }
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "/proc/%ld/task/%ld/stat", pid, tids[i]);
        double s = cpu_seconds(path, comm, sizeof comm);
        printf("thread_cpu_s %ld %s %.2f\n", tids[i], comm, s);
    }
}

/* This process's CPU seconds (user + system). */
static double
own_cpu(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6 +
           (double) ru.ru_stime.tv_sec + (double) ru.ru_stime.tv_usec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return x < y ? -1 : x > y;
}

/* The first observation whose size > INDEX (sizes only grow), or NULL. */
static const observation *
first_covering(const watch *w, long long index)
{
    size_t lo = 0, hi = w->seen_count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->seen[mid].size > index) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo < w->seen_count ? &w->seen[lo] : NULL;
}

/* The Q-quantile (0..1) of the N sorted values V, by the nearest rank. */
static double
quantile(const double *v, size_t n, double q)
{
    size_t rank = (size_t) (q * (double) n + 0.999999);

    return n == 0 ? 0 : v[rank == 0 ? 0 : rank - 1];
}

/* Prints the delays from each 2xx answer to the checkpoint covering it. */
static void
report_delays(const watch *w, const submission *subs, size_t n, const char *out, double t0)
{
    double *delay = xmalloc(n * sizeof *delay);
    size_t count = 0, uncovered = 0;
    char path[4096];
    FILE *f;

    for (size_t i = 0; i < n; i++) {
        const observation *o;
        if (subs[i].status < 200 || subs[i].status > 299 || subs[i].log_index < 0) {
            continue;
        }
        if ((o = first_covering(w, subs[i].log_index)) == NULL) {
            uncovered++;
            continue;
        }
        delay[count++] = o->at > subs[i].answered ? o->at - subs[i].answered : 0;
    }
    qsort(delay, count, sizeof *delay, cmp_double);
    printf("delay_count %zu\nuncovered %zu\n", count, uncovered);
    printf("delay_median_ms %.1f\ndelay_p99_ms %.1f\ndelay_max_ms %.1f\n",
           quantile(delay, count, 0.5) * 1000, quantile(delay, count, 0.99) * 1000,
           count ? delay[count - 1] * 1000 : 0);
    free(delay);
    snprintf(path, sizeof path, "%s.checkpoints.tsv", out);
    if ((f = fopen(path, "w")) != NULL) {
        for (size_t i = 0; i < w->seen_count; i++) {
            fprintf(f, "%.6f\t%lld\n", w->seen[i].at - t0, w->seen[i].size);
        }
        fclose(f);
    }
    printf("checkpoints_seen %zu\nfinal_checkpoint %lld\nwatch_failures %u\n", w->seen_count,
           w->seen_count ? w->seen[w->seen_count - 1].size : -1, w->failures);
}

static void
write_submissions(const submission *subs, size_t n, const char *out, double t0)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof path, "%s.subs.tsv", out);
    if ((f = fopen(path, "w")) == NULL) {
        fprintf(stderr, "bench_serve: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%zu\t%.6f\t%.6f\t%ld\t%lld\n", i, subs[i].sent - t0, subs[i].answered - t0,
                subs[i].status, subs[i].log_index);
    }
    fclose(f);
}

/* A finished transfer of SL: 1 to try it again, 0 when SUB is its answer. */
static int
submit_done(slot *sl, CURLcode result, submission *sub, unsigned long *retries)
{
    long status = -1;
    const char *at;

    curl_easy_getinfo(sl->h, CURLINFO_RESPONSE_CODE, &status);
    if ((result != CURLE_OK || status >= 500) && ++sl->tries < RETRIES_MAX) {
        (*retries)++;
        return 1;
    }
    sub->answered = now();
    sub->status = result == CURLE_OK ? status : -1;
    sub->log_index = -1;
    if ((at = strstr(sl->a.text, "\"log_index\": ")) != NULL && at[13] >= '0' && at[13] <= '9') {
        sub->log_index = strtoll(at + 13, NULL, 10);
    }
    return 0;
}

static int
run_submit(const char *url, const char *list, int concurrency, const char *out, long pid)
{
    char post_url[1024];
    size_t n, next = 0, answered = 0, quarter = 1, ok = 0, refused = 0, failed = 0;
    unsigned long retries = 0;
    long rss[5] = {-1, -1, -1, -1, -1};
    protocol *files = load_list(list, &n);
    submission *subs = xmalloc((n ? n : 1) * sizeof *subs);
    slot *slots = xmalloc((size_t) concurrency * sizeof *slots);
    struct curl_slist *headers = curl_slist_append(NULL, "Expect:");
    CURLM *m = curl_multi_init();
    watch w = {.url = url, .lock = PTHREAD_MUTEX_INITIALIZER};
    pthread_t watch_thread;
    long long max_index = -1;
    double t0, t_end, cpu0, cpu1, own0, own1;
    int active = 0;

    snprintf(post_url, sizeof post_url, "%s/v1/protocols", url);
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long) concurrency);
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long) concurrency * 2);
    if (pthread_create(&watch_thread, NULL, watcher, &w) != 0) {
        return 2;
    }
    t0 = now();
    cpu0 = server_cpu(pid);
    own0 = own_cpu();
    rss[0] = server_memory(pid, "VmRSS");
    for (int i = 0; i < concurrency; i++) {
        memset(&slots[i], 0, sizeof slots[i]);
        slots[i].h = curl_easy_init();
        if (next < n) {
            slots[i].file = next++;
            submit_start(m, &slots[i], &files[slots[i].file], &subs[slots[i].file], post_url,
                         headers);
            active++;
        }
    }
    while (active > 0) {
        int running, left;
        CURLMsg *msg;
        curl_multi_perform(m, &running);
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            slot *sl;
            if (msg->msg != CURLMSG_DONE) {
                continue;
            }
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &sl);
            CURLcode result = msg->data.result;
            curl_multi_remove_handle(m, sl->h);
            if (submit_done(sl, result, &subs[sl->file], &retries)) {
                submit_start(m, sl, &files[sl->file], &subs[sl->file], post_url, headers);
                continue;
            }
            submission *sub = &subs[sl->file];
            ok += sub->status >= 200 && sub->status <= 299;
            refused += sub->status >= 400 && sub->status <= 499;
            failed += sub->status < 200 || sub->status >= 500;
            if (sub->log_index > max_index && sub->status >= 200 && sub->status <= 299) {
                max_index = sub->log_index;
            }
            answered++;
            while (quarter <= 4 && answered * 4 >= quarter * n) {
                rss[quarter++] = server_memory(pid, "VmRSS");
            }
            sl->tries = 0;
            if (next < n) {
                sl->file = next++;
                submit_start(m, sl, &files[sl->file], &subs[sl->file], post_url, headers);
            } else {
                active--;
            }
        }
        if (active > 0) {
            curl_multi_poll(m, NULL, 0, 100, NULL);
        }
    }
    t_end = now();
    cpu1 = server_cpu(pid);
    own1 = own_cpu();
    pthread_mutex_lock(&w.lock);
    w.submitted = 1;
    w.need = max_index;
    pthread_mutex_unlock(&w.lock);
    pthread_join(watch_thread, NULL);

    printf("submissions %zu\nconcurrency %d\nanswered_2xx %zu\nanswered_4xx %zu\n", n, concurrency,
           ok, refused);
    printf("failed %zu\nretries %lu\nmax_log_index %lld\n", failed, retries, max_index);
    printf("submit_wall_s %.3f\nsubmit_per_s %.1f\n", t_end - t0,
           (double) n / (t_end - t0 > 0 ? t_end - t0 : 1));
    printf("covered_after_s %.3f\n", w.seen_count ? w.seen[w.seen_count - 1].at - t0 : -1.0);
    report_delays(&w, subs, n, out, t0);
    printf("rss_0_kib %ld\nrss_25_kib %ld\nrss_50_kib %ld\nrss_75_kib %ld\nrss_100_kib %ld\n",
           rss[0], rss[1], rss[2], rss[3], rss[4]);
    printf("hwm_kib %ld\n", server_memory(pid, "VmHWM"));
    printf("server_cpu_s %.2f\nclient_cpu_s %.2f\n", cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1,
           own1 - own0);
    print_thread_cpu(pid);
    write_submissions(subs, n, out, t0);

    for (int i = 0; i < concurrency; i++) {
        curl_mime_free(slots[i].mime);
        curl_easy_cleanup(slots[i].h);
    }
    for (size_t i = 0; i < n; i++) {
        free(files[i].text);
        free(files[i].sig);
    }
    curl_multi_cleanup(m);
    curl_slist_free_all(headers);
    free(files);
    free(subs);
    free(slots);
    free(w.seen);
    return failed ? 1 : 0;
}

/* -------------------------------------------------------------------- read */

/* A tile the checkpoint names: LEVEL -1 is an entry bundle; WIDTH 256 is full. */
typedef struct tile {
    int level;
    uint64_t index;
    unsigned width;
} tile;

/* The tiles of a tree of SIZE leaves: hash tiles in *HASHES, bundles in *ENTRIES. */
static void
list_tiles(tile **hashes, size_t *hash_count, tile **entries, size_t *entry_count, uint64_t size)
{
    size_t cap = 16, n = 0;

    for (uint64_t width = size; width > 0; width >>= 8) {
        cap += (size_t) (width / 256) + 1;
    }
    *hashes = xmalloc(cap * sizeof **hashes);
    for (int level = 0; (size >> (8 * level)) > 0; level++) {
        uint64_t count = size >> (8 * level);
        for (uint64_t i = 0; i < count / 256; i++) {
            (*hashes)[n++] = (tile){level, i, 256};
        }
        if (count % 256) {
            (*hashes)[n++] = (tile){level, count / 256, (unsigned) (count % 256)};
        }
    }
    *hash_count = n;
    *entries = xmalloc((size / 256 + 1) * sizeof **entries);
    n = 0;
    for (uint64_t i = 0; i < size / 256; i++) {
        (*entries)[n++] = (tile){-1, i, 256};
    }
    if (size % 256) {
        (*entries)[n++] = (tile){-1, size / 256, (unsigned) (size % 256)};
    }
    *entry_count = n;
}

/* T's URL under BASE (C2SP tlog-tiles: x-prefixed groups of three digits). */
static void
tile_url(char *out, size_t size, const char *base, const tile *t)
{
    char digits[64] = "";
    unsigned group[8];
    int groups = 0;
    uint64_t n = t->index;
    size_t at;

    do {
        group[groups++] = (unsigned) (n % 1000);
        n /= 1000;
    } while (n > 0 && groups < 8);
    at = 0;
    for (int g = groups - 1; g >= 0; g--) {
        at +=
            (size_t) snprintf(digits + at, sizeof digits - at, g > 0 ? "x%03u/" : "%03u", group[g]);
    }
    if (t->level < 0) {
        snprintf(out, size, "%s/tile/entries/%s", base, digits);
    } else {
        snprintf(out, size, "%s/tile/%d/%s", base, t->level, digits);
    }
    if (t->width < 256) {
        at = strlen(out);
        snprintf(out + at, size - at, ".p/%u", t->width);
    }
}

static uint64_t
next_random(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

typedef struct reader {
    CURL *h;
    const tile *t;
    answer a;
    char url[1024];
} reader;

/* What the readers pick from, and what they got. */
typedef struct reading {
    const char *base;
    const tile *hashes, *entries;
    size_t hash_count, entry_count;
    uint64_t rng, reads, bytes, bad, kinds[2];
} reading;

/* Puts R's next GET on M: a random hash tile or entry bundle, half and half. */
static void
read_start(CURLM *m, reader *r, reading *g)
{
    if (next_random(&g->rng) & 1) {
        r->t = &g->hashes[next_random(&g->rng) % g->hash_count];
    } else {
        r->t = &g->entries[next_random(&g->rng) % g->entry_count];
    }
    tile_url(r->url, sizeof r->url, g->base, r->t);
    r->a.len = 0;
    r->a.bytes = 0;
    curl_easy_setopt(r->h, CURLOPT_URL, r->url);
    curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(r->h, CURLOPT_WRITEDATA, &r->a);
    curl_easy_setopt(r->h, CURLOPT_PRIVATE, r);
    curl_easy_setopt(r->h, CURLOPT_TIMEOUT, 30L);
    curl_multi_add_handle(m, r->h);
}

/* Counts R's finished GET: 200 with a tile's size (32 bytes a hash), or bad. */
static void
read_done(reader *r, CURLcode result, reading *g)
{
    long status = -1;

    curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &status);
    if (result != CURLE_OK || status != 200 ||
        (r->t->level >= 0 && r->a.bytes != 32u * r->t->width) ||
        (r->t->level < 0 && r->a.bytes == 0)) {
        if (g->bad++ < 5) {
            fprintf(stderr, "bench_serve: %s: status %ld, %" PRIu64 " bytes\n", r->url, status,
                    r->a.bytes);
        }
        return;
    }
    g->reads++;
    g->bytes += r->a.bytes;
    g->kinds[r->t->level < 0]++;
}

static int
run_read(const char *url, int concurrency, double seconds)
{
    char cp_url[1024];
    CURL *h = curl_easy_init();
    answer *a = xmalloc(sizeof *a);
    long long size;
    tile *hashes, *entries;
    reading g = {.base = url, .rng = 0x9e3779b97f4a7c15u};
    reader *readers = xmalloc((size_t) concurrency * sizeof *readers);
    CURLM *m = curl_multi_init();
    double t0, end, t_end;
    int active = 0;

    snprintf(cp_url, sizeof cp_url, "%s/checkpoint", url);
    if (get(h, cp_url, a) != 200 || (size = checkpoint_size(a->text)) <= 0) {
        fprintf(stderr, "bench_serve: %s: no checkpoint naming a tree\n", cp_url);
        return 2;
    }
    curl_easy_cleanup(h);
    free(a);
    list_tiles(&hashes, &g.hash_count, &entries, &g.entry_count, (uint64_t) size);
    g.hashes = hashes;
    g.entries = entries;
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long) concurrency);
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long) concurrency * 2);
    t0 = now();
    end = t0 + seconds;
    for (int i = 0; i < concurrency; i++) {
        memset(&readers[i], 0, sizeof readers[i]);
        readers[i].h = curl_easy_init();
        read_start(m, &readers[i], &g);
        active++;
    }
    while (active > 0) {
        int running, left;
        CURLMsg *msg;
        curl_multi_perform(m, &running);
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            reader *r;
            if (msg->msg != CURLMSG_DONE) {
                continue;
            }
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &r);
            CURLcode result = msg->data.result;
            curl_multi_remove_handle(m, r->h);
            read_done(r, result, &g);
            if (now() < end) {
                read_start(m, r, &g); /* this reader fetches another */
            } else {
                active--;
            }
        }
        if (active > 0) {
            curl_multi_poll(m, NULL, 0, 100, NULL);
        }
    }
    t_end = now();
    printf("tree_size %lld\nhash_tiles %zu\nentry_bundles %zu\nconcurrency %d\n", size,
           g.hash_count, g.entry_count, concurrency);
    printf("read_s %.3f\nreads %" PRIu64 "\nreads_hash %" PRIu64 "\nreads_entries %" PRIu64
           "\nread_bad %" PRIu64 "\n",
           t_end - t0, g.reads, g.kinds[0], g.kinds[1], g.bad);
    printf("reads_per_s %.1f\nread_mib_per_s %.1f\n", (double) g.reads / (t_end - t0),
           (double) g.bytes / (t_end - t0) / 1048576.0);
    for (int i = 0; i < concurrency; i++) {
        curl_easy_cleanup(readers[i].h);
    }
    curl_multi_cleanup(m);
    free(readers);
    free(hashes);
    free(entries);
    return g.bad ? 1 : 0;
}

int
main(int argc, char **argv)
{
    int rc = 2;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return 2;
    }
    if (argc >= 6 && argc <= 7 && strcmp(argv[1], "submit") == 0 && atoi(argv[4]) > 0) {
        rc = run_submit(argv[2], argv[3], atoi(argv[4]), argv[5],
                        argc == 7 ? strtol(argv[6], NULL, 10) : 0);
    } else if (argc == 5 && strcmp(argv[1], "read") == 0 && atoi(argv[3]) > 0 &&
               atof(argv[4]) > 0) {
        rc = run_read(argv[2], atoi(argv[3]), atof(argv[4]));
    } else {
        fprintf(stderr, "usage: bench_serve submit URL LIST CONCURRENCY OUT [SERVER_PID]\n"
                        "       bench_serve read URL CONCURRENCY SECONDS\n");
    }
    curl_global_cleanup();
    return rc;
}
