/*
 * witness.c: dauys-audit witness, a C2SP tlog-witness that cosigns a log's
 * checkpoints (audit/tlog_witness.h; docs/FORMATS.md section 22).
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/tlog_witness.h"
#include "cmd/audit/audit_commands.h"
#include "cmd/cli.h"
#include "core/decimal.h"
#include "core/file.h"

static const char witness_usage[] =
    "usage: dauys-audit witness --listen ADDRESS:PORT -k WITNESS.key --name NAME\n"
    "                           --log CENTRAL.pub --origin ORIGIN [--log ... --origin ...]\n"
    "                           --state DIR [--port-file FILE] [--password-file F]\n"
    "                           [--max-connections N] [--idle-timeout SECONDS]\n"
    "                           [--request-deadline SECONDS] [-q]\n"
    "\n"
    "A C2SP tlog-witness: answers POST /add-checkpoint (an old size, a consistency\n"
    "proof, a checkpoint signed by the log) with a cosignature (cosignature/v1) only\n"
    "if the checkpoint is signed by the log's key and extends the last checkpoint it\n"
    "cosigned for that log. The new state is on disk (synced) before the answer: a\n"
    "crash never lets it cosign two roots for one size, nor a smaller tree. A fork or\n"
    "a failed proof from a validly signed checkpoint is refused and both checkpoints\n"
    "are kept in DIR/evidence/.\n"
    "  --listen ADDR:PORT   where to listen (port 0: any free)\n"
    "  -k, --key FILE       the witness's secret key (dauys keygen)\n"
    "  --name NAME          the witness's key name (e.g. witness.example.org/w1)\n"
    "  --log FILE           a log's public key (its central.pub); with:\n"
    "  --origin ORIGIN      that log's origin (dauys/REF/MODE); pairs repeat, one each\n"
    "  --state DIR          the witness's state (created if needed, mode 0700)\n"
    "  --port-file FILE     write the port listened on to FILE once listening\n"
    "  --password-file F    the key's password from the first line of F (else\n"
    "                       $DAUYS_PASSWORD, else the terminal)\n"
    "  --max-connections N  open connections at most (default 256)\n"
    "  --idle-timeout SECONDS      close a connection silent this long (default 10)\n"
    "  --request-deadline SECONDS  drop a request whose headers, or then body, are not\n"
    "                       in by then (default 30)\n"
    "  -q                   do not log each request (nor the HTTP library's errors)\n"
    "Prints its verifier key (NAME+KEYID+BASE64) on stderr at start. Runs until\n"
    "SIGTERM or SIGINT.\n"
    "exit status: 0 stopped cleanly, 2 could not start (a state that does not verify\n"
    "included)\n";

enum {
    OPT_LISTEN = 0x200,
    OPT_NAME,
    OPT_LOG,
    OPT_ORIGIN,
    OPT_STATE,
    OPT_PORT_FILE,
    OPT_PASSWORD_FILE,
    OPT_MAX_CONNECTIONS,
    OPT_IDLE_TIMEOUT,
    OPT_REQUEST_DEADLINE,
};

typedef struct witness_args {
    const char *key, *name, *state, *port_file;
    const char *logs[DAUYS_WITNESS_LOGS_MAX], *origins[DAUYS_WITNESS_LOGS_MAX];
    size_t nlogs, norigins;
    cli_password_source pw;
    dauys_witness_http_config http;
    int quiet;
} witness_args;

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* The server's log hook: one line to stderr with the time. */
static void
log_line(void *ctx, const char *line)
{
    int quiet = *(const int *) ctx;
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;

    if (quiet) {
        return;
    }
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "%s dauys-audit witness: ", stamp);
    cli_print_untrusted(stderr, line);
    fputc('\n', stderr);
    pthread_mutex_unlock(&log_lock);
}

/* Takes a repeated option's value into LIST. */
static int
add_repeated(const char **list, size_t *n, const char *value, const char *option)
{
    if (*n == DAUYS_WITNESS_LOGS_MAX) {
        cli_message("witness: %s: at most %d", option, DAUYS_WITNESS_LOGS_MAX);
        return -1;
    }
    list[(*n)++] = value;
    return 0;
}

/* A number option from 1 to MAX into *OUT. */
static int
number(unsigned *out, const char *value, uint64_t max, const char *option)
{
    uint64_t v;

    if (dauys_decimal_parse(&v, value, strlen(value), max) != 0 || v == 0) {
        cli_message("witness: %s %s: not 1 to %llu", option, value, (unsigned long long) max);
        return -1;
    }
    *out = (unsigned) v;
    return 0;
}

/* Parses the options; 1 after --help, 0, or -1 after a usage error. */
static int
parse(witness_args *a, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"key", required_argument, NULL, 'k'},
        {"name", required_argument, NULL, OPT_NAME},
        {"log", required_argument, NULL, OPT_LOG},
        {"origin", required_argument, NULL, OPT_ORIGIN},
        {"state", required_argument, NULL, OPT_STATE},
        {"port-file", required_argument, NULL, OPT_PORT_FILE},
        {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
        {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
        {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
        {"request-deadline", required_argument, NULL, OPT_REQUEST_DEADLINE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    while ((c = getopt_long(argc, argv, "k:qh", longopts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'h': fputs(witness_usage, stdout); return 1;
        case 'k': a->key = optarg; break;
        case 'q': a->quiet = 1; break;
        case OPT_LISTEN: a->http.listen = optarg; break;
        case OPT_NAME: a->name = optarg; break;
        case OPT_STATE: a->state = optarg; break;
        case OPT_PORT_FILE: a->port_file = optarg; break;
        case OPT_PASSWORD_FILE: a->pw.file = optarg; break;
        case OPT_LOG: rc = add_repeated(a->logs, &a->nlogs, optarg, "--log"); break;
        case OPT_ORIGIN: rc = add_repeated(a->origins, &a->norigins, optarg, "--origin"); break;
        case OPT_MAX_CONNECTIONS:
            rc = number(&a->http.max_connections, optarg, 100000, "--max-connections");
            break;
        case OPT_IDLE_TIMEOUT:
            rc = number(&a->http.idle_timeout_s, optarg, 3600, "--idle-timeout");
            break;
        case OPT_REQUEST_DEADLINE:
            rc = number(&a->http.request_deadline_s, optarg, 3600, "--request-deadline");
            break;
        default: fputs(witness_usage, stderr); return -1;
        }
        if (rc != 0) {
            return -1;
        }
    }
    if (optind != argc || a->http.listen == NULL || a->key == NULL || a->name == NULL ||
        a->state == NULL || a->nlogs == 0 || a->nlogs != a->norigins) {
        if (a->nlogs != a->norigins) {
            cli_message("witness: give --log and --origin in pairs (%zu --log, %zu --origin)",
                        a->nlogs, a->norigins);
        }
        fputs(witness_usage, stderr);
        return -1;
    }
    return 0;
}

/* Writes PORT to FILE (atomically: a script polls for it). */
static int
write_port_file(const char *file, unsigned port, dauys_error *err)
{
    char text[16];

    snprintf(text, sizeof text, "%u\n", port);
    return dauys_file_write_atomic(file, text, strlen(text), 0644, err);
}

int
cmd_witness(int argc, char **argv)
{
    witness_args a;
    dauys_witness_config cfg;
    dauys_seckey *sk = NULL;
    dauys_witness *w = NULL;
    dauys_witness_server *server = NULL;
    char vkey[DAUYS_COSIG_VKEY_MAX];
    dauys_error err;
    sigset_t stop;
    int rc = CLI_EXIT_FAIL, sig = 0, parsed;

    memset(&a, 0, sizeof a);
    memset(&cfg, 0, sizeof cfg);
    if ((parsed = parse(&a, argc, argv)) != 0) {
        return parsed > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    cli_no_core_dumps();
    /* Blocked here, so in every thread the server starts: only sigwait takes them. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    signal(SIGPIPE, SIG_IGN);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    a.http.log = log_line;
    a.http.log_ctx = &a.quiet;
    cfg.state_dir = a.state;
    cfg.name = a.name;
    cfg.count = a.nlogs;
    for (size_t i = 0; i < a.nlogs; i++) {
        cfg.log[i].origin = a.origins[i];
        if (dauys_keys_pubkey_load(&cfg.log[i].key, a.logs[i], &err) != 0) {
            goto report;
        }
    }
    if (dauys_keys_seckey_load(&sk, a.key, cli_password_get, &a.pw, &err) != 0) {
        goto report;
    }
    cfg.sk = sk;
    if (dauys_witness_open(&w, &cfg, &err) != 0 ||
        dauys_cosig_vkey_format(vkey, sizeof vkey, dauys_witness_key_of(w), &err) != 0 ||
        dauys_witness_serve(&server, w, &a.http, &err) != 0 ||
        (a.port_file != NULL &&
         write_port_file(a.port_file, dauys_witness_server_port(server), &err) != 0)) {
        goto report;
    }
    fprintf(stderr, "dauys-audit witness: verifier key: %s\n", vkey);
    for (size_t i = 0; i < a.nlogs; i++) {
        fputs("dauys-audit witness: log ", stderr);
        cli_print_untrusted(stderr, a.origins[i]);
        fputc('\n', stderr);
    }
    fprintf(stderr, "dauys-audit witness: listening on http://%.*s:%u/add-checkpoint\n",
            (int) (strrchr(a.http.listen, ':') - a.http.listen), a.http.listen,
            dauys_witness_server_port(server));
    sigwait(&stop, &sig);
    fprintf(stderr, "dauys-audit witness: %s: stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    rc = CLI_EXIT_OK;
    goto done;
report:
    cli_report(&err);
done:
    dauys_witness_server_stop(server);
    dauys_witness_close(w);
    dauys_keys_seckey_free(sk);
    return rc;
}
