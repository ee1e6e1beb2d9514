/*
 * serve.c: dauys serve, election night online (serve/server.h).
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"
#include "core/decimal.h"
#include "core/file.h"
#include "net/net.h"
#include "publish/witness.h"
#include "serve/server.h"

static const char serve_usage[] =
    "usage: dauys serve [-w DIR] -k CENTRAL.key [--password-file F]\n"
    "                   [--listen ADDRESS:PORT] [--interval SECONDS] [--tiles DIR]\n"
    "                   [--threads N] [--max-connections N] [--idle-timeout SECONDS]\n"
    "                   [--request-deadline SECONDS] [--port-file FILE]\n"
    "                   [--witness URL]... [--witness-timeout SECONDS] [-q]\n"
    "\n"
    "Takes signed protocols over HTTP (POST /v1/protocols, multipart parts\n"
    "\"protocol\" and \"signature\": curl -F protocol=@P -F signature=@P.minisig),\n"
    "decides each as dauys ingest does and answers (JSON) once it is durably\n"
    "recorded. Only a protocol signed with the roster's key for its precinct is\n"
    "recorded; anything else is answered 4xx and never enters the log. Every\n"
    "interval, if the log grew, signs a checkpoint and publishes the log as C2SP\n"
    "tlog-tiles in the tiles directory, served at the root (/checkpoint,\n"
    "/tile/...); /v1/status, /v1/receipts/PRECINCT, /v1/checkpoints/SIZE,\n"
    "/v1/manifest, /v1/central.pub; / is the live results page (docs/SERVER.md).\n"
    "  -w DIR               the workspace (default: the current directory)\n"
    "  -k CENTRAL.key       the central commission's secret key (signs checkpoints)\n"
    "  --listen ADDR:PORT   where to listen (default 127.0.0.1:8080; port 0: any free)\n"
    "  --interval SECONDS   between checkpoints (default 1; \"500ms\", \"2s\" too)\n"
    "  --tiles DIR          the tiles directory (default DIR/tiles)\n"
    "  --threads N          HTTP threads (default: one per CPU)\n"
    "  --max-connections N  open connections at most (default 4096)\n"
    "  --idle-timeout SECONDS      close a connection silent this long (default 15)\n"
    "  --request-deadline SECONDS  drop a request whose headers, or then body, are not\n"
    "                       complete by then (default 30)\n"
    "  --port-file FILE     write the port listened on to FILE once listening\n"
    "  --witness URL        a witness (C2SP tlog-witness submission prefix) asked to\n"
    "                       cosign every checkpoint; repeatable. The cosignatures of\n"
    "                       the manifest's witnesses go into the published checkpoint\n"
    "  --witness-timeout SECONDS   per request to a witness (default 5; one retry)\n"
    "  -q                   do not log each publication and its witnesses\n"
    "Runs until SIGTERM or SIGINT: then submissions in flight finish and a last\n"
    "checkpoint is published.\n"
    "exit status: 0 stopped cleanly, 2 could not start or the last publication failed\n";

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* The server's log hook: one line to stderr with the time. */
static void
log_line(void *ctx, const char *line)
{
    int quiet = *(const int *) ctx;
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;

    if (quiet && (strncmp(line, "published", 9) == 0 || strncmp(line, "witnesses:", 10) == 0)) {
        return;
    }
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "%s dauys serve: ", stamp);
    cli_print_untrusted(stderr, line);
    fputc('\n', stderr);
    pthread_mutex_unlock(&log_lock);
}

/* "1", "1s", "500ms", "2.5" (seconds) into milliseconds (1 ms .. 1 hour). */
static int
parse_interval(unsigned *ms, const char *text)
{
    size_t n = strlen(text), digits;
    uint64_t whole = 0, frac = 0, scale = 1000;
    const char *dot;

    if (n > 2 && strcmp(text + n - 2, "ms") == 0) {
        if (dauys_decimal_parse(&whole, text, n - 2, 3600000) != 0 || whole == 0) {
            return -1;
        }
        *ms = (unsigned) whole;
        return 0;
    }
    if (n > 1 && text[n - 1] == 's') {
        n--;
    }
    dot = memchr(text, '.', n);
    digits = dot ? (size_t) (dot - text) : n;
    if (dauys_decimal_read(&whole, text, digits, 3600, DAUYS_DECIMAL_LEADING_ZEROS) != 0) {
        return -1;
    }
    if (dot != NULL) {
        size_t f = n - digits - 1;
        if (f == 0 || f > 3 ||
            dauys_decimal_read(&frac, dot + 1, f, 999, DAUYS_DECIMAL_LEADING_ZEROS) != 0) {
            return -1;
        }
        for (size_t i = f; i < 3; i++) {
            frac *= 10;
        }
    }
    (void) scale;
    if (whole * 1000 + frac == 0) {
        return -1;
    }
    *ms = (unsigned) (whole * 1000 + frac);
    return 0;
}

/* Raises the open-file limit to its hard limit: every connection is a file,
 * and Debian's soft limit of 1024 would refuse a busy night's. */
static void
raise_file_limit(void)
{
    struct rlimit r;

    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        (void) setrlimit(RLIMIT_NOFILE, &r);
    }
}

/* Writes PORT to FILE (atomically: a script polls for it). */
static int
write_port_file(const char *file, unsigned port, dauys_error *err)
{
    char text[16];

    snprintf(text, sizeof text, "%u\n", port);
    return dauys_file_write_atomic(file, text, strlen(text), 0644, err);
}

/* The default of --witness-timeout, and the retries after a request that
 * got no answer, a 5xx or a 429. */
#define WITNESS_TIMEOUT_MS 5000u
#define WITNESS_RETRIES 1u

typedef struct serve_options {
    const char *dir, *key, *port_file;
    const char *witness[DAUYS_COSIGNER_URLS_MAX];
    cli_password_source pw;
    dauys_serve_config cfg;
    int quiet;
} serve_options;

/* Parses the options into O: 0, 1 (--help printed), or -1 (usage printed). */
static int
parse_options(serve_options *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"key", required_argument, NULL, 'k'},
        {"password-file", required_argument, NULL, 'W'},
        {"listen", required_argument, NULL, 'l'},
        {"interval", required_argument, NULL, 'i'},
        {"tiles", required_argument, NULL, 't'},
        {"threads", required_argument, NULL, 'j'},
        {"max-connections", required_argument, NULL, 'c'},
        {"idle-timeout", required_argument, NULL, 'I'},
        {"request-deadline", required_argument, NULL, 'D'},
        {"port-file", required_argument, NULL, 'P'},
        {"witness", required_argument, NULL, 'x'},
        {"witness-timeout", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t v;
    int c;

    while ((c = getopt_long(argc, argv, "w:k:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'w': o->dir = optarg; break;
        case 'k': o->key = optarg; break;
        case 'W': o->pw.file = optarg; break;
        case 'l': o->cfg.listen = optarg; break;
        case 't': o->cfg.tiles = optarg; break;
        case 'P': o->port_file = optarg; break;
        case 'q': o->quiet = 1; break;
        case 'x':
            if (o->cfg.witness_count == DAUYS_COSIGNER_URLS_MAX) {
                fprintf(stderr, "dauys serve: --witness: at most %d witnesses\n",
                        DAUYS_COSIGNER_URLS_MAX);
                return -1;
            }
            o->witness[o->cfg.witness_count++] = optarg;
            break;
        case 'T':
            if (parse_interval(&o->cfg.witness_timeout_ms, optarg) != 0) {
                fprintf(stderr, "dauys serve: --witness-timeout %s: not 1 ms to 3600 s\n", optarg);
                return -1;
            }
            break;
        case 'i':
            if (parse_interval(&o->cfg.interval_ms, optarg) != 0) {
                fprintf(stderr, "dauys serve: --interval %s: not 1 ms to 3600 s\n", optarg);
                return -1;
            }
            break;
        case 'j':
        case 'c':
            if (dauys_decimal_parse(&v, optarg, strlen(optarg), c == 'j' ? 256 : 1000000) != 0 ||
                v == 0) {
                fprintf(stderr, "dauys serve: -%s %s: out of range\n",
                        c == 'j' ? "-threads" : "-max-connections", optarg);
                return -1;
            }
            *(c == 'j' ? &o->cfg.threads : &o->cfg.max_connections) = (unsigned) v;
            break;
        case 'I':
        case 'D':
            /* whole seconds: libmicrohttpd's timeout has no finer unit */
            if (dauys_decimal_parse(&v, optarg, strlen(optarg), 3600) != 0 || v == 0) {
                fprintf(stderr, "dauys serve: -%s %s: not 1 to 3600 seconds\n",
                        c == 'I' ? "-idle-timeout" : "-request-deadline", optarg);
                return -1;
            }
            *(c == 'I' ? &o->cfg.idle_timeout_s : &o->cfg.request_deadline_s) = (unsigned) v;
            break;
        case 'h': fputs(serve_usage, stdout); return 1;
        default: fputs(serve_usage, stderr); return -1;
        }
    }
    if (o->key == NULL || optind != argc) {
        fputs(serve_usage, stderr);
        return -1;
    }
    return 0;
}

int
cmd_serve(int argc, char **argv)
{
    serve_options o = {.dir = ".",
                       .cfg = {.listen = "127.0.0.1:8080",
                               .witness_timeout_ms = WITNESS_TIMEOUT_MS,
                               .witness_retries = WITNESS_RETRIES}};
    dauys_seckey *sk = NULL;
    dauys_server *server = NULL;
    dauys_error err;
    sigset_t stop;
    int rc = CLI_EXIT_FAIL, sig = 0, parsed = parse_options(&o, argc, argv);

    if (parsed != 0) {
        return parsed > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    cli_no_core_dumps();
    raise_file_limit();
    /* Blocked here, so in every thread the server starts: only sigwait takes them. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    signal(SIGPIPE, SIG_IGN);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    o.cfg.workspace = o.dir;
    o.cfg.witness_urls = o.witness;
    if (o.cfg.witness_count > 0 && dauys_net_init(&err) != 0) { /* before any thread */
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    o.cfg.log = log_line;
    o.cfg.log_ctx = &o.quiet;
    if (dauys_keys_seckey_load(&sk, o.key, cli_password_get, &o.pw, &err) != 0) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    o.cfg.central = sk;
    if (dauys_serve_start(&server, &o.cfg, &err) != 0 ||
        (o.port_file != NULL && write_port_file(o.port_file, dauys_serve_port(server), &err))) {
        cli_report(&err);
        goto done;
    }
    fprintf(stderr, "dauys serve: listening on http://%.*s:%u/ (tiles in %s)\n",
            (int) (strrchr(o.cfg.listen, ':') - o.cfg.listen), o.cfg.listen,
            dauys_serve_port(server), dauys_serve_tiles_dir(server));
    sigwait(&stop, &sig);
    fprintf(stderr,
            "dauys serve: %s: finishing the submissions in flight, publishing a last "
            "checkpoint\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    rc = dauys_serve_stop(server, &err) == 0 ? CLI_EXIT_OK : (cli_report(&err), CLI_EXIT_FAIL);
    server = NULL;
done:
    if (server != NULL && dauys_serve_stop(server, &err) != 0) {
        cli_report(&err);
    }
    dauys_keys_seckey_free(sk);
    if (o.cfg.witness_count > 0) {
        dauys_net_cleanup();
    }
    return rc;
}
