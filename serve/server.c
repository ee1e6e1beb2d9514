/*
 * server.c: dauys serve's daemon: start and stop, the request life cycle,
 * replies. Submissions are in intake.c, the committer too; GETs in
 * routes.c; the publisher in publisher.c.
 */
#include "serve/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/watchdog.h"
#include "serve/serve_internal.h"
#include "serve/snapshot.h"
#include "store/db.h"

void
dauys_serve_log(const struct dauys_server *s, const char *fmt, ...)
{
    char line[768];
    va_list ap;

    if (s->cfg->log == NULL) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->cfg->log(s->cfg->log_ctx, line);
}

/* Headers every answer carries. */
static int
add_common_headers(struct MHD_Response *r, const char *type, const char *cache)
{
    return MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) == MHD_YES &&
                   MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache) == MHD_YES &&
                   MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") == MHD_YES &&
                   MHD_add_response_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*") ==
                       MHD_YES
               ? 0
               : -1;
}

enum MHD_Result
dauys_serve_reply(struct MHD_Connection *c, unsigned status, const char *type, const char *cache,
                  const void *data, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *) data, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc = MHD_NO;

    if (r == NULL) {
        return MHD_NO;
    }
    if (add_common_headers(r, type, cache) == 0) {
        rc = MHD_queue_response(c, status, r);
    }
    MHD_destroy_response(r);
    return rc;
}

/* Appends V to B as a JSON string, or null. */
void
dauys_serve_json_value(dauys_textbuf *b, const char *v)
{
    if (v == NULL) {
        dauys_textbuf_add(b, "null");
    } else {
        dauys_serve_json_string(b, v, strlen(v));
    }
}

enum MHD_Result
dauys_serve_reply_json(struct MHD_Connection *c, unsigned status, dauys_textbuf *b,
                       unsigned retry_after)
{
    struct MHD_Response *r;
    enum MHD_Result rc = MHD_NO;
    char seconds[16];

    if (b->failed || b->buf == NULL) {
        dauys_free(b->buf);
        return MHD_NO; /* out of memory: the connection is closed */
    }
    r = MHD_create_response_from_buffer(b->len, b->buf, MHD_RESPMEM_MUST_COPY);
    dauys_free(b->buf);
    b->buf = NULL;
    if (r == NULL) {
        return MHD_NO;
    }
    snprintf(seconds, sizeof seconds, "%u", retry_after);
    if (add_common_headers(r, "application/json", "no-store") == 0 &&
        (retry_after == 0 ||
         MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, seconds) == MHD_YES)) {
        rc = MHD_queue_response(c, status, r);
    }
    MHD_destroy_response(r);
    return rc;
}

enum MHD_Result
dauys_serve_reply_error(struct MHD_Connection *c, unsigned status, const char *why,
                        unsigned retry_after)
{
    dauys_textbuf b = {0};

    dauys_textbuf_add(&b, "{\"error\": ");
    dauys_serve_json_value(&b, why);
    dauys_textbuf_add(&b, "}\n");
    return dauys_serve_reply_json(c, status, &b, retry_after);
}

enum MHD_Result
dauys_serve_reply_doc(struct dauys_server *s, struct MHD_Connection *c, const serve_doc *doc,
                      const char *type, const char *cache)
{
    struct MHD_Response *r = NULL;
    enum MHD_Result rc = MHD_NO;

    pthread_mutex_lock(&s->lock);
    if (doc->data != NULL) {
        r = MHD_create_response_from_buffer(doc->len, doc->data, MHD_RESPMEM_MUST_COPY);
    }
    pthread_mutex_unlock(&s->lock);
    if (r == NULL) {
        return doc->data == NULL ? dauys_serve_reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
                                                           "not published yet", 1)
                                 : MHD_NO;
    }
    if (add_common_headers(r, type, cache) == 0) {
        rc = MHD_queue_response(c, MHD_HTTP_OK, r);
    }
    MHD_destroy_response(r);
    return rc;
}

/* --- The header watchdog (core/watchdog.h) ------------------------------- */

/* MHD's connection notice: a socket accepted (watched from now) or closed
 * (forgotten before MHD closes its descriptor, so the watchdog never shuts
 * down a descriptor that was reused). */
static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
              enum MHD_ConnectionNotificationCode toe)
{
    struct dauys_server *s = cls;
    const union MHD_ConnectionInfo *info;

    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        /* NULL when not watched (out of memory): the idle timeout still applies */
        *socket_context = info != NULL ? dauys_watchdog_watch(s->watchdog, info->connect_fd) : NULL;
        return;
    }
    dauys_watchdog_forget(s->watchdog, *socket_context);
    *socket_context = NULL;
}

/* A request of C began (BUSY 1: its headers are in) or ended (0). */
static void
socket_mark(struct dauys_server *s, struct MHD_Connection *c, int busy)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    if (info != NULL && info->socket_context != NULL) {
        dauys_watchdog_mark(s->watchdog, info->socket_context, busy);
    }
}

/* The con_cls of a GET or HEAD between its first call and its answer. */
static char get_pending;

/* 1 if the request announces a body (a GET should not). */
static int
has_body(struct MHD_Connection *c)
{
    const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");

    return (length != NULL && strcmp(length, "0") != 0) ||
           MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding") != NULL;
}

/* MHD's access handler: every call of every request. */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    struct dauys_server *s = cls;
    serve_request *r = *con_cls;

    (void) version;
    if (*con_cls == &get_pending) { /* the request is complete: answer it */
        return *upload_data_size == 0 ? dauys_serve_route_get(s, c, url) : MHD_NO;
    }
    if (r == NULL) { /* the headers are in: route */
        socket_mark(s, c, 1);
        int get =
            strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
        if (get && has_body(c)) { /* answered now: MHD then closes the connection */
            return dauys_serve_route_get(s, c, url);
        }
        if (get) {
            /* Answered on the next call: MHD closes the connection of a request
             * answered before it is complete, and readers keep theirs alive. */
            *con_cls = &get_pending;
            return MHD_YES;
        }
        if (strcmp(url, "/v1/protocols") != 0) {
            return dauys_serve_reply_error(c, MHD_HTTP_NOT_FOUND, "no such resource", 0);
        }
        if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
            return dauys_serve_reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "POST a protocol here",
                                           0);
        }
        if ((r = dauys_malloc(sizeof *r)) == NULL) {
            return MHD_NO;
        }
        memset(r, 0, sizeof *r);
        r->server = s;
        r->conn = c;
        r->is_submission = 1;
        r->started_ms = dauys_clock_ms();
        *con_cls = r;
        return dauys_serve_intake_begin(r, c);
    }
    if (*upload_data_size > 0) {
        return dauys_serve_intake_body(r, upload_data, upload_data_size);
    }
    return dauys_serve_intake_end(r);
}

/* MHD's completion notice: the request is over (answered or aborted). */
static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    serve_request *r = *con_cls;

    (void) toe;
    socket_mark(cls, c, 0); /* the next request's headers are owed from now */
    if (r != NULL && *con_cls != &get_pending) {
        dauys_serve_intake_free(r);
    }
    *con_cls = NULL;
}

/* MHD's own error messages, to the log. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct dauys_server *s = cls;
    char line[512];

    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    dauys_serve_log(s, "http: %s", line);
}

/* Parses "A.B.C.D:PORT" into SA. */
static int
parse_listen(struct sockaddr_in *sa, const char *listen, dauys_error *err)
{
    char host[64];
    const char *colon = strrchr(listen, ':');
    unsigned long port = 0;
    char *end = NULL;

    memset(sa, 0, sizeof *sa);
    if (colon == NULL || (size_t) (colon - listen) >= sizeof host || colon[1] == '\0') {
        return dauys_error_set(err, DAUYS_E_USAGE, "--listen %s: not ADDRESS:PORT", listen);
    }
    memcpy(host, listen, (size_t) (colon - listen));
    host[colon - listen] = '\0';
    errno = 0;
    port = strtoul(colon + 1, &end, 10);
    if (errno != 0 || *end != '\0' || port > 65535 || colon[1] < '0' || colon[1] > '9') {
        return dauys_error_set(err, DAUYS_E_USAGE, "--listen %s: the port is not 0..65535", listen);
    }
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
        return dauys_error_set(err, DAUYS_E_USAGE, "--listen %s: not an IPv4 address", listen);
    }
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t) port);
    return 0;
}

static int
start_daemon(struct dauys_server *s, dauys_error *err)
{
    const dauys_serve_config *cfg = s->cfg;
    struct sockaddr_in sa;
    unsigned threads = cfg->threads ? cfg->threads : (unsigned) sysconf(_SC_NPROCESSORS_ONLN);
    const union MHD_DaemonInfo *info;

    if (parse_listen(&sa, cfg->listen, err) != 0) {
        return -1;
    }
    s->daemon = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL,
        on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *) &sa, MHD_OPTION_THREAD_POOL_SIZE, threads > 1 ? threads : 1,
        MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections ? cfg->max_connections : 4096u,
        MHD_OPTION_CONNECTION_TIMEOUT, cfg->idle_timeout_s ? cfg->idle_timeout_s : 15u,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) (64u << 10), MHD_OPTION_LISTEN_BACKLOG_SIZE,
        1024u, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, s, MHD_OPTION_END);
    if (s->daemon == NULL) {
        return dauys_error_set(err, DAUYS_E_NETWORK, "cannot listen on %s (in use? allowed?)",
                               cfg->listen);
    }
    info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info != NULL ? info->port : ntohs(sa.sin_port);
    return 0;
}

int
dauys_serve_manifest_changed(dauys_workspace *ws, dauys_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (dauys_db_prepare(ws->db, &st, "SELECT max(version) FROM manifest", err) != 0) {
        return -1;
    }
    if ((rc = dauys_db_step_row(st, err)) > 0) {
        rc = sqlite3_column_int64(st, 0) != (int64_t) ws->manifest.version;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Frees what start made; S itself too. */
static void
server_free(struct dauys_server *s)
{
    dauys_cosigner_free(s->cosigner);
    dauys_ingest_session_close(s->session);
    dauys_workspace_close(s->ws);
    dauys_workspace_close(s->pub);
    dauys_workspace_close(s->signer);
    dauys_workspace_close(s->reader);
    serve_doc *docs[] = {&s->status_json, &s->live_page,    &s->checkpoint,
                         &s->manifest,    &s->manifest_sig, &s->central_pub};
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        dauys_free(docs[i]->data);
    }
    pthread_cond_destroy(&s->committer_wake);
    pthread_cond_destroy(&s->publisher_wake);
    pthread_cond_destroy(&s->idle);
    pthread_cond_destroy(&s->signed_cond);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->reader_lock);
    pthread_rwlock_destroy(&s->roster_lock);
    dauys_watchdog_stop(
        s->watchdog); /* already stopped by dauys_serve_stop, but for a failed start */
    dauys_free(s);
}

static int
open_workspaces(struct dauys_server *s, dauys_error *err)
{
    const dauys_serve_config *cfg = s->cfg;
    int n;

    n = cfg->tiles != NULL ? snprintf(s->tiles, sizeof s->tiles, "%s", cfg->tiles)
                           : snprintf(s->tiles, sizeof s->tiles, "%s/tiles", cfg->workspace);
    if (n < 0 || (size_t) n >= sizeof s->tiles) {
        return dauys_error_set(err, DAUYS_E_USAGE, "the tiles directory's name is too long");
    }
    if (dauys_workspace_open(&s->ws, cfg->workspace, err) != 0 ||
        dauys_ingest_session_open(&s->session, s->ws, err) != 0 ||
        dauys_workspace_open_frame(&s->pub, cfg->workspace, err) != 0 ||
        dauys_workspace_open_frame(&s->signer, cfg->workspace, err) != 0 ||
        dauys_workspace_open_frame(&s->reader, cfg->workspace, err) != 0) {
        return -1;
    }
    s->log_size = s->ws->head.range.size;
    return 0;
}

/* The witnesses' cosigner, when witness URLs are given, keeping the
 * cosignatures of the manifest's witnesses (fixed for the referendum). */
static int
make_cosigner(struct dauys_server *s, dauys_error *err)
{
    const dauys_serve_config *cfg = s->cfg;
    const dauys_witness_policy *p = &s->pub->manifest.witnesses;
    dauys_cosigner_options o = {.timeout_ms = cfg->witness_timeout_ms,
                                .retries = cfg->witness_retries};

    if (cfg->witness_count == 0) {
        if (p->count > 0) {
            dauys_serve_log(s,
                            "the manifest names %zu witnesses (quorum %zu) but no witness is "
                            "asked: every checkpoint goes out without its quorum",
                            p->count, p->quorum);
        }
        return 0;
    }
    if (p->count == 0) {
        dauys_serve_log(s,
                        "the manifest names no witnesses: the %zu asked see every checkpoint, "
                        "but their cosignatures are not kept",
                        cfg->witness_count);
    }
    return dauys_cosigner_new(&s->cosigner, cfg->witness_urls, cfg->witness_count, p, &o, err);
}

static void stop_after_failed_start(struct dauys_server *s);

int
dauys_serve_start(dauys_server **out, const dauys_serve_config *cfg, dauys_error *err)
{
    struct dauys_server *s = dauys_malloc(sizeof *s);

    *out = NULL;
    if (s == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    s->interval_ms = cfg->interval_ms ? cfg->interval_ms : 1000u;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->reader_lock, NULL);
    pthread_rwlock_init(&s->roster_lock, NULL);
    /* Every timed wait is on the monotonic clock: a wall clock stepped back
     * (NTP) must not stall the publisher or a stop. */
    pthread_condattr_t monotonic;
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    pthread_cond_init(&s->committer_wake, &monotonic);
    pthread_cond_init(&s->publisher_wake, &monotonic);
    pthread_cond_init(&s->idle, &monotonic);
    pthread_cond_init(&s->signed_cond, &monotonic);
    pthread_condattr_destroy(&monotonic);
    if (open_workspaces(s, err) != 0 || make_cosigner(s, err) != 0 ||
        dauys_serve_publisher_load_static(s, err) != 0 || dauys_serve_publish_round(s, err) != 0) {
        server_free(s);
        return -1;
    }
    s->committer_running = 1;
    if (pthread_create(&s->committer, NULL, dauys_serve_committer_main, s) != 0) {
        s->committer_running = 0;
        server_free(s);
        return dauys_error_set(err, DAUYS_E_NOMEM, "cannot start the committer thread");
    }
    s->committer_started = 1;
    if (pthread_create(&s->publisher, NULL, dauys_serve_publisher_main, s) != 0) {
        dauys_error_set(err, DAUYS_E_NOMEM, "cannot start the publisher thread");
        goto failed;
    }
    s->publisher_started = 1;
    if (dauys_watchdog_start(&s->watchdog,
                             (uint64_t) (cfg->request_deadline_s ? cfg->request_deadline_s : 30u) *
                                 1000u,
                             err) != 0) {
        goto failed;
    }
    if (start_daemon(s, err) != 0) {
        goto failed;
    }
    *out = s;
    return 0;
failed:
    stop_after_failed_start(s);
    return -1;
}

/* Stops what a failed start began: ERR already says why it failed. */
static void
stop_after_failed_start(struct dauys_server *s)
{
    dauys_error ignored;

    if (dauys_serve_stop(s, &ignored) != 0) {
        return; /* the last publication failed too; S is freed all the same */
    }
}

unsigned
dauys_serve_port(const dauys_server *s)
{
    return s->port;
}

const char *
dauys_serve_tiles_dir(const dauys_server *s)
{
    return s->tiles;
}

/* Waits until every submission received has been answered, or DEADLINE. */
static void
wait_in_flight(struct dauys_server *s, uint64_t deadline_ms)
{
    pthread_mutex_lock(&s->lock);
    while (s->in_flight > 0 && dauys_clock_ms() < deadline_ms) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t); /* idle is made with that clock */
        t.tv_nsec += 50 * 1000000L;
        if (t.tv_nsec >= 1000000000L) {
            t.tv_sec++;
            t.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->idle, &s->lock, &t);
    }
    pthread_mutex_unlock(&s->lock);
}

int
dauys_serve_stop(dauys_server *s, dauys_error *err)
{
    int rc = 0;

    if (s->daemon != NULL) { /* no new connections; those open finish */
        MHD_socket fd = MHD_quiesce_daemon(s->daemon);
        if (fd != MHD_INVALID_SOCKET) {
            close(fd);
        }
        wait_in_flight(s, dauys_clock_ms() + 10000u);
    }
    pthread_mutex_lock(&s->lock);
    s->closing = 1; /* what arrives now is answered 503: the client retries elsewhere */
    s->stop_committer = 1;
    pthread_cond_signal(&s->committer_wake);
    pthread_mutex_unlock(&s->lock);
    if (s->committer_started) {
        pthread_join(s->committer, NULL); /* it answered and resumed all it had */
    }
    pthread_mutex_lock(&s->lock);
    s->stop_publisher = 1;
    pthread_cond_signal(&s->publisher_wake);
    pthread_mutex_unlock(&s->lock);
    if (s->publisher_started) {
        pthread_join(s->publisher, NULL); /* after its last round */
    }
    if (s->daemon != NULL) {
        MHD_stop_daemon(s->daemon); /* every socket's CLOSED notice is given here */
    }
    dauys_watchdog_stop(s->watchdog);
    s->watchdog = NULL;
    if (s->publish_failed) {
        *err = s->publish_error;
        rc = -1;
    }
    server_free(s);
    return rc;
}
