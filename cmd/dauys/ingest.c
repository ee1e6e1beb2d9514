/*
 * ingest.c: dauys ingest: verifies and records signed protocols.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"
#include "core/decimal.h"
#include "ingest/ingest.h"
#include "store/status.h"
#include "store/workspace.h"

static const char ingest_usage[] =
    "usage: dauys ingest [-w DIR] [-j N] [-q] PATH...\n"
    "\n"
    "Ingests signed protocols: each PATH is a protocol file, or a directory whose\n"
    "files are taken (FILE.minisig beside each). Every file gets an outcome,\n"
    "recorded in the database and the log: accepted, correction, rejected,\n"
    "replay, conflict or stale; the same bytes again are a duplicate (a no-op).\n"
    "  -w DIR   the workspace (default: the current directory)\n"
    "  -j N     verification threads (default: one per CPU)\n"
    "  -q       print only the summary, not each rejection\n"
    "A file that is a minisign secret key is refused: nothing of it is recorded.\n"
    "exit status: 0 all recorded and none rejected, 1 something was rejected,\n"
    "             2 an unreadable file, a secret key refused, or an operational\n"
    "             failure (what was committed stays)\n";

#define CODES_MAX 32

typedef struct ingest_view {
    int quiet, tty;
    size_t code_count;
    struct {
        char code[16];
        size_t n;
    } code[CODES_MAX];
} ingest_view;

static void
count_code(ingest_view *v, const char *code)
{
    size_t i;

    for (i = 0; i < v->code_count && strcmp(v->code[i].code, code) != 0; i++) {
    }
    if (i == v->code_count && v->code_count < CODES_MAX) {
        snprintf(v->code[v->code_count++].code, sizeof v->code[0].code, "%s", code);
    }
    if (i < v->code_count) {
        v->code[i].n++;
    }
}

static void
on_report(const dauys_ingest_report *r, void *ctx)
{
    ingest_view *v = ctx;

    if (r->reason_code != NULL) {
        count_code(v, r->reason_code);
    }
    if (v->quiet || strcmp(r->outcome, "accepted") == 0 || strcmp(r->outcome, "correction") == 0) {
        return;
    }
    if (v->tty) {
        fputs("\r\033[K", stderr);
    }
    fprintf(stderr, "%s: ", r->outcome);
    cli_print_untrusted(stderr, r->path);
    if (r->precinct != NULL) {
        fprintf(stderr, " (precinct %s, version %u)", r->precinct, r->version);
    } else if (r->summary_level != NULL) {
        fprintf(stderr, " (summary of %s %s, version %u)", r->summary_level, r->summary_area,
                r->version);
    }
    fprintf(stderr, "%s%s%s", r->reason_code ? ": [" : "", r->reason_code ? r->reason_code : "",
            r->reason_code ? "] " : "");
    if (r->reason != NULL) {
        fputs(r->reason_code ? "" : ": ", stderr);
        cli_print_untrusted(stderr, r->reason);
    }
    fputc('\n', stderr);
}

static void
on_progress(size_t done, size_t total, void *ctx)
{
    ingest_view *v = ctx;
    int width = 40, filled = total ? (int) (done * (size_t) width / total) : width;

    if (!v->tty || v->quiet) {
        return;
    }
    fprintf(stderr, "\r\033[Kingest [%.*s%*s] %3zu%% %zu/%zu", filled,
            "########################################", width - filled, "",
            total ? done * 100 / total : 100, done, total);
    if (done == total) {
        fputc('\n', stderr);
    }
}

static void
print_summary(const dauys_ingest_summary *s, const ingest_view *v, uint64_t log_size, double dt)
{
    printf("%zu files in %.2f s: %zu accepted, %zu corrections, %zu rejected, %zu replays, "
           "%zu conflicts, %zu stale, %zu duplicates",
           s->files, dt, s->accepted, s->corrections, s->rejected, s->replays, s->conflicts,
           s->stale, s->duplicates);
    if (s->unreadable > 0) {
        printf(", %zu UNREADABLE", s->unreadable);
    }
    if (s->secret_keys > 0) {
        printf(", %zu SECRET KEYS REFUSED", s->secret_keys);
    }
    printf("; %zu warnings\n", s->warnings);
    if (v->code_count > 0) {
        printf("reasons:");
        for (size_t i = 0; i < v->code_count; i++) {
            printf(" %s %zu%s", v->code[i].code, v->code[i].n, i + 1 < v->code_count ? "," : "");
        }
        printf("\n");
    }
    if (s->skipped > 0) {
        printf("%zu directory entries skipped (not regular files)\n", s->skipped);
    }
    printf("the log now has %llu entries\n", (unsigned long long) log_size);
}

int
cmd_ingest(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    ingest_view view = {.tty = isatty(STDERR_FILENO)};
    dauys_ingest_hooks hooks = {on_report, on_progress, &view};
    dauys_ingest_summary sum;
    dauys_workspace *ws = NULL;
    const char *dir = ".";
    unsigned jobs = 0;
    uint64_t jobs64;
    dauys_error err;
    double t0;
    int c, rc;

    while ((c = getopt_long(argc, argv, "w:j:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'w': dir = optarg; break;
        case 'j':
            if (strlen(optarg) > 2 ||
                dauys_decimal_read(&jobs64, optarg, strlen(optarg), 64,
                                   DAUYS_DECIMAL_LEADING_ZEROS) != DAUYS_DECIMAL_OK ||
                (jobs = (unsigned) jobs64) == 0) {
                cli_message("-j: expected a number of threads from 1 to 64, not \"%s\"", optarg);
                return CLI_EXIT_FAIL;
            }
            break;
        case 'q': view.quiet = 1; break;
        case 'h': fputs(ingest_usage, stdout); return CLI_EXIT_OK;
        default: fputs(ingest_usage, stderr); return CLI_EXIT_FAIL;
        }
    }
    if (optind >= argc) {
        fputs(ingest_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    if (dauys_workspace_open(&ws, dir, &err) != 0) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    t0 = cli_now();
    rc = dauys_ingest(ws, argv + optind, (size_t) (argc - optind), jobs, &sum, &hooks, &err);
    if (rc == 0 || sum.files > 0) {
        print_summary(&sum, &view, ws->head.range.size, cli_now() - t0);
    }
    dauys_workspace_close(ws);
    if (rc != 0) {
        cli_report(&err);
        if (sum.files > 0) {
            cli_message("stopped before the end: the outcomes counted above are all that was "
                        "recorded; run the same command again to go on (what was recorded "
                        "comes back as duplicates)");
        }
        return CLI_EXIT_FAIL;
    }
    if (sum.secret_keys > 0) {
        cli_message("%zu minisign secret key file%s refused (as protocols or signature files): "
                    "nothing of %s was recorded; move secret keys out of the protocols' "
                    "directories, and find out how %s got there",
                    sum.secret_keys, sum.secret_keys == 1 ? "" : "s",
                    sum.secret_keys == 1 ? "it" : "them", sum.secret_keys == 1 ? "it" : "they");
    }
    if (sum.unreadable + sum.secret_keys > 0) {
        return CLI_EXIT_FAIL;
    }
    return sum.rejected + sum.replays + sum.conflicts + sum.stale > 0 ? CLI_EXIT_BAD : CLI_EXIT_OK;
}
