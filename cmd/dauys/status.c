/*
 * status.c: dauys status: where the workspace stands.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"
#include "ingest/ingest.h"
#include "store/status.h"
#include "core/textout.h"
#include "store/workspace.h"

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
        "  \"summaries\": {\"submitted\": %llu, \"current\": %llu},\n"
        "  \"log_size\": %llu\n}\n",
        (unsigned long long) r->accepted, (unsigned long long) r->corrections,
        (unsigned long long) r->rejected, (unsigned long long) r->replays,
        (unsigned long long) r->conflicts, (unsigned long long) r->stale,
        (unsigned long long) r->warnings, (unsigned long long) r->summaries_submitted,
        (unsigned long long) r->summaries_current, (unsigned long long) r->log_size);
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
    if (r->summaries_submitted > 0) { /* FORMATS 9A: checked, never counted */
        printf("summary protocols: %llu submitted (in the submissions above), %llu areas with "
               "a current one\n",
               (unsigned long long) r->summaries_submitted,
               (unsigned long long) r->summaries_current);
    }
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
