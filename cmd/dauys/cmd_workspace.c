/*
 * cmd_workspace.c: dauys init, ingest and status.
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
#include "core/textout.h"
#include "store/workspace.h"

/* --- init ---------------------------------------------------------------- */

static const char init_usage[] =
    "usage: dauys init [-w DIR] --manifest FILE --central-key CENTRAL.pub\n"
    "\n"
    "Creates a workspace in DIR (default: the current directory): verifies the\n"
    "manifest's signature (FILE.minisig) with the central commission's public key,\n"
    "then stores the roster and logs the manifest as the log's first entry.\n"
    "exit status: 0 created, 1 the manifest's signature is bad, 2 any other failure\n";

int
cmd_init(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"manifest", required_argument, NULL, 'm'},
        {"central-key", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = ".", *manifest = NULL, *central = NULL;
    dauys_error err;
    int c;

    while ((c = getopt_long(argc, argv, "w:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'w': dir = optarg; break;
        case 'm': manifest = optarg; break;
        case 'c': central = optarg; break;
        case 'h': fputs(init_usage, stdout); return CLI_EXIT_OK;
        default: fputs(init_usage, stderr); return CLI_EXIT_FAIL;
        }
    }
    if (manifest == NULL || central == NULL || optind != argc) {
        fputs(init_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    if (dauys_workspace_init(dir, manifest, central, &err) != 0) {
        cli_report(&err);
        return err.status == DAUYS_E_SIGNATURE ? CLI_EXIT_BAD : CLI_EXIT_FAIL;
    }
    printf("workspace created in %s/ from %s\n", dir, manifest);
    return CLI_EXIT_OK;
}

/* --- ingest -------------------------------------------------------------- */

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

/* --- status -------------------------------------------------------------- */

static const char status_usage[] =
    "usage: dauys status [-w DIR] [--json | --missing]\n"
    "\n"
    "Where the workspace stands: precincts expected, accepted, in conflict and\n"
    "missing, nationally and per region; submissions by outcome; the log's size.\n"
    "  --missing   list the precincts without a counting protocol, one id a line\n";

static void
print_id(const char *id, void *ctx)
{
    (void) ctx;
    puts(id);
}

static void
status_json_place(const dauys_place_status *p, int last)
{
    printf("    {\"id\": ");
    cli_json_string(stdout, p->id);
    printf(", \"name\": ");
    cli_json_string(stdout, p->name);
    printf(", \"expected\": %llu, \"accepted\": %llu, \"conflicted\": %llu, \"missing\": %llu}%s\n",
           (unsigned long long) p->expected, (unsigned long long) p->accepted,
           (unsigned long long) p->conflicted, (unsigned long long) p->missing, last ? "" : ",");
}

static void
status_json(const dauys_workspace_status *r, const dauys_workspace *ws)
{
    printf("{\n  \"referendum\": ");
    cli_json_string(stdout, ws->manifest.referendum);
    printf(",\n  \"origin\": ");
    cli_json_string(stdout, ws->origin);
    printf(",\n  \"final\": %s,\n  \"national\":\n",
           r->national.missing + r->national.conflicted == 0 ? "true" : "false");
    status_json_place(&r->national, 1);
    printf("  ,\"regions\": [\n");
    for (size_t i = 0; i < r->region_count; i++) {
        status_json_place(&r->region[i], i + 1 == r->region_count);
    }
    printf(
        "  ],\n  \"submissions\": {\"accepted\": %llu, \"correction\": %llu, \"rejected\": %llu, "
        "\"replay\": %llu, \"conflict\": %llu, \"stale\": %llu},\n  \"warnings\": %llu,\n"
        "  \"log_size\": %llu\n}\n",
        (unsigned long long) r->accepted, (unsigned long long) r->corrections,
        (unsigned long long) r->rejected, (unsigned long long) r->replays,
        (unsigned long long) r->conflicts, (unsigned long long) r->stale,
        (unsigned long long) r->warnings, (unsigned long long) r->log_size);
}

static void
status_row(const dauys_place_status *p)
{
    dauys_out_column(stdout, p->id, strlen(p->id), 10);
    dauys_out_column(stdout, p->name, strlen(p->name), 34);
    printf("%9llu %9llu %9llu %9llu\n", (unsigned long long) p->expected,
           (unsigned long long) p->accepted, (unsigned long long) p->conflicted,
           (unsigned long long) p->missing);
}

static void
status_text(const dauys_workspace_status *r, const dauys_workspace *ws)
{
    printf("%s (%s), log %s with %llu entries\n", ws->manifest.title, ws->manifest.referendum,
           ws->origin, (unsigned long long) r->log_size);
    printf("%-10s %-34s %9s %9s %9s %9s\n", "region", "name", "expected", "accepted", "conflict",
           "missing");
    for (size_t i = 0; i < r->region_count; i++) {
        status_row(&r->region[i]);
    }
    status_row(&r->national);
    printf("submissions: %llu accepted, %llu corrections, %llu rejected, %llu replays, "
           "%llu conflicts, %llu stale; %llu warnings\n",
           (unsigned long long) r->accepted, (unsigned long long) r->corrections,
           (unsigned long long) r->rejected, (unsigned long long) r->replays,
           (unsigned long long) r->conflicts, (unsigned long long) r->stale,
           (unsigned long long) r->warnings);
    printf("%s\n", r->national.missing + r->national.conflicted == 0
                       ? "every precinct has an accepted protocol"
                       : "PROVISIONAL: some precincts have no accepted protocol");
}

int
cmd_status(int argc, char **argv)
{
    static const struct option longopts[] = {{"json", no_argument, NULL, 'J'},
                                             {"missing", no_argument, NULL, 'M'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    dauys_workspace_status report;
    dauys_workspace *ws = NULL;
    const char *dir = ".";
    dauys_error err;
    int c, json = 0;

    while ((c = getopt_long(argc, argv, "w:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'w': dir = optarg; break;
        case 'J': json = 1; break;
        case 'M': json = 2; break;
        case 'h': fputs(status_usage, stdout); return CLI_EXIT_OK;
        default: fputs(status_usage, stderr); return CLI_EXIT_FAIL;
        }
    }
    if (optind != argc) {
        fputs(status_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    if (json == 2) {
        int rc = dauys_workspace_open_reader(&ws, dir, &err) != 0 ||
                 dauys_workspace_status_missing(ws, print_id, NULL, &err) != 0;
        if (rc) {
            cli_report(&err);
        }
        dauys_workspace_close(ws);
        return rc ? CLI_EXIT_FAIL : CLI_EXIT_OK;
    }
    if (dauys_workspace_open_reader(&ws, dir, &err) != 0 ||
        dauys_workspace_status_read(&report, ws, &err) != 0) {
        cli_report(&err);
        dauys_workspace_close(ws);
        return CLI_EXIT_FAIL;
    }
    json ? status_json(&report, ws) : status_text(&report, ws);
    dauys_workspace_status_free(&report);
    dauys_workspace_close(ws);
    return CLI_EXIT_OK;
}

/* --- update-manifest ----------------------------------------------------- */

static const char update_usage[] =
    "usage: dauys update-manifest [-w DIR] --manifest FILE\n"
    "\n"
    "Accepts a later version of the manifest, signed by the central key\n"
    "(FILE.minisig): rotated or revoked precinct keys, corrected voter numbers or\n"
    "names, new districts and precincts. Questions, regions and the ballot mode\n"
    "must stay, and no precinct may be removed. The version is logged; protocols\n"
    "ingested afterwards are verified against it.\n"
    "exit status: 0 accepted, 1 its signature is bad, 2 any other failure\n";

int
cmd_update_manifest(int argc, char **argv)
{
    static const struct option longopts[] = {{"manifest", required_argument, NULL, 'm'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *dir = ".", *manifest = NULL;
    dauys_workspace *ws = NULL;
    dauys_error err;
    int c;

    while ((c = getopt_long(argc, argv, "w:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'w': dir = optarg; break;
        case 'm': manifest = optarg; break;
        case 'h': fputs(update_usage, stdout); return CLI_EXIT_OK;
        default: fputs(update_usage, stderr); return CLI_EXIT_FAIL;
        }
    }
    if (manifest == NULL || optind != argc) {
        fputs(update_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    if (dauys_workspace_open(&ws, dir, &err) != 0 ||
        dauys_workspace_update_manifest(ws, manifest, &err) != 0) {
        cli_report(&err);
        dauys_workspace_close(ws);
        return err.status == DAUYS_E_SIGNATURE ? CLI_EXIT_BAD : CLI_EXIT_FAIL;
    }
    printf("manifest version %u accepted (%zu precincts)\n", ws->manifest.version,
           ws->manifest.precinct_count);
    dauys_workspace_close(ws);
    return CLI_EXIT_OK;
}
