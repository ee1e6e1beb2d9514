/*
 * witness_http.c: the witness over HTTP (libmicrohttpd): POST
 * /add-checkpoint, its body collected under a size cap and a deadline, then
 * answered by dauys_witness_add_checkpoint (tlog_witness.h).
 */
#include "audit/tlog_witness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "core/alloc.h"
#include "core/watchdog.h"
#include "core/clock.h"

struct dauys_witness_server {
    struct MHD_Daemon *daemon;
    dauys_witness *witness;
    const dauys_witness_http_config *cfg;
    unsigned port;
    unsigned deadline_s;
    dauys_watchdog *watchdog; /* headers that never end (slow loris) */
};

/* A POST /add-checkpoint between its headers and its answer. */
typedef struct witness_request {
    char *body;
    size_t len;
    int too_large;
    uint64_t started_ms;
} witness_request;

/* --- headers that never end --------------------------------------------- */

/* MHD's connection notices: a socket accepted is watched from then on, and
 * forgotten before MHD closes it (so a reused descriptor is never cut). */
static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
              enum MHD_ConnectionNotificationCode toe)
{
    dauys_witness_server *s = cls;
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

/* C's request began (its headers are in: IN 1) or was answered (0). */
static void
mark_request(dauys_witness_server *s, struct MHD_Connection *c, int in)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    if (info != NULL && info->socket_context != NULL) {
        dauys_watchdog_mark(s->watchdog, info->socket_context, in);
    }
}

static void log_line(const dauys_witness_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
log_line(const dauys_witness_server *s, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    if (s->cfg->log == NULL) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->cfg->log(s->cfg->log_ctx, line);
}

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *type, const char *body, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *) body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc = MHD_NO;

    if (r == NULL) {
        return MHD_NO;
    }
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) == MHD_YES &&
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES &&
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") == MHD_YES &&
        (status != MHD_HTTP_METHOD_NOT_ALLOWED ||
         MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "POST") == MHD_YES)) {
        rc = MHD_queue_response(c, status, r);
    }
    MHD_destroy_response(r);
    return rc;
}

/* Answers a request refused before its body: logged, text/plain. */
static enum MHD_Result
refuse(dauys_witness_server *s, struct MHD_Connection *c, unsigned status, const char *method,
       const char *url, const char *why)
{
    char body[256];
    int n = snprintf(body, sizeof body, "%u: %s\n", status, why);

    log_line(s, "%s %.200s: %u %s", method, url, status, why);
    return reply(c, status, "text/plain; charset=utf-8", body, (size_t) n);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    dauys_witness_server *s = cls;
    witness_request *r = *con_cls;
    unsigned deadline_s = s->deadline_s;

    (void) version;
    if (r == NULL) { /* the headers are in */
        const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        mark_request(s, c, 1);
        if (strcmp(url, "/add-checkpoint") != 0) {
            return refuse(s, c, MHD_HTTP_NOT_FOUND, method, url, "no such resource");
        }
        if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
            return refuse(s, c, MHD_HTTP_METHOD_NOT_ALLOWED, method, url, "POST a checkpoint here");
        }
        if (length != NULL && strtoull(length, NULL, 10) > DAUYS_WITNESS_BODY_MAX) {
            return refuse(s, c, MHD_HTTP_CONTENT_TOO_LARGE, method, url,
                          "the body is over the limit of 64 KiB");
        }
        if ((r = dauys_malloc(sizeof *r)) == NULL ||
            (r->body = dauys_malloc(DAUYS_WITNESS_BODY_MAX)) == NULL) {
            dauys_free(r);
            return MHD_NO;
        }
        r->len = 0;
        r->too_large = 0;
        r->started_ms = dauys_clock_ms();
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        /* A body trickled in to hold a connection (slowloris) is cut off:
         * the idle timeout alone never fires while a byte comes now and then. */
        if (dauys_clock_ms() - r->started_ms > (uint64_t) deadline_s * 1000u) {
            log_line(s, "POST %s: dropped, the body was not in after %u s", url, deadline_s);
            return MHD_NO;
        }
        if (r->too_large || *upload_data_size > DAUYS_WITNESS_BODY_MAX - r->len) {
            r->too_large = 1;
        } else {
            memcpy(r->body + r->len, upload_data, *upload_data_size);
            r->len += *upload_data_size;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->too_large) {
        return refuse(s, c, MHD_HTTP_CONTENT_TOO_LARGE, method, url,
                      "the body is over the limit of 64 KiB");
    }
    {
        dauys_witness_answer a;
        time_t t = time(NULL);
        dauys_witness_add_checkpoint(&a, s->witness, r->body, r->len, t > 0 ? (uint64_t) t : 0);
        log_line(s, "POST %s: %s", url, a.summary);
        return reply(c, a.status, a.content_type, a.body, a.body_len);
    }
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    witness_request *r = *con_cls;

    (void) toe;
    mark_request(cls, c, 0); /* the next request's headers are owed from now */
    if (r != NULL) {
        dauys_free(r->body);
        dauys_free(r);
    }
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];

    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    log_line(cls, "http: %s", line);
}

/* Parses "A.B.C.D:PORT" into SA. */
static int
parse_listen(struct sockaddr_in *sa, const char *listen, dauys_error *err)
{
    char host[64];
    const char *colon = strrchr(listen, ':');
    unsigned long port;
    char *end = NULL;

    memset(sa, 0, sizeof *sa);
    if (colon == NULL || (size_t) (colon - listen) >= sizeof host || colon[1] < '0' ||
        colon[1] > '9') {
        return dauys_error_set(err, DAUYS_E_USAGE, "--listen %s: not ADDRESS:PORT", listen);
    }
    memcpy(host, listen, (size_t) (colon - listen));
    host[colon - listen] = '\0';
    errno = 0;
    port = strtoul(colon + 1, &end, 10);
    if (errno != 0 || *end != '\0' || port > 65535) {
        return dauys_error_set(err, DAUYS_E_USAGE, "--listen %s: the port is not 0..65535", listen);
    }
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
        return dauys_error_set(err, DAUYS_E_USAGE, "--listen %s: not an IPv4 address", listen);
    }
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t) port);
    return 0;
}

/* Stops the watchdog and frees S (its daemon already stopped, or none). */
static void
server_free(dauys_witness_server *s)
{
    dauys_watchdog_stop(s->watchdog);
    dauys_free(s);
}

int
dauys_witness_serve(dauys_witness_server **out, dauys_witness *w,
                    const dauys_witness_http_config *cfg, dauys_error *err)
{
    dauys_witness_server *s;
    struct sockaddr_in sa;
    const union MHD_DaemonInfo *info;

    *out = NULL;
    if (parse_listen(&sa, cfg->listen, err) != 0) {
        return -1;
    }
    if ((s = dauys_malloc(sizeof *s)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    memset(s, 0, sizeof *s);
    s->witness = w;
    s->cfg = cfg;
    s->deadline_s = cfg->request_deadline_s ? cfg->request_deadline_s : 30u;
    if (dauys_watchdog_start(&s->watchdog, (uint64_t) s->deadline_s * 1000u, err) != 0) {
        server_free(s);
        return -1;
    }
    /* Two threads: one request's fsync never holds up the others' reading. */
    s->daemon = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &sa,
        MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_CONNECTION_LIMIT,
        cfg->max_connections ? cfg->max_connections : 256u, MHD_OPTION_CONNECTION_TIMEOUT,
        cfg->idle_timeout_s ? cfg->idle_timeout_s : 10u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t) (32u << 10), MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_END);
    if (s->daemon == NULL) {
        server_free(s);
        return dauys_error_set(err, DAUYS_E_NETWORK, "cannot listen on %s (in use? allowed?)",
                               cfg->listen);
    }
    info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info != NULL ? info->port : ntohs(sa.sin_port);
    *out = s;
    return 0;
}

unsigned
dauys_witness_server_port(const dauys_witness_server *s)
{
    return s->port;
}

void
dauys_witness_server_stop(dauys_witness_server *s)
{
    if (s == NULL) {
        return;
    }
    MHD_stop_daemon(s->daemon); /* every socket's CLOSED notice is given here */
    server_free(s);
}
