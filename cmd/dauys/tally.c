/*
 * tally.c: dauys tally: the totals and the verdicts, as a text table,
 * JSON or CSV. Percentages are for people and computed in integers; every
 * decision comes from referendum/rules.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"
#include "report/report.h"
#include "tally/tally.h"

static const char tally_usage[] =
    "usage: dauys tally [-w DIR] [--json | --csv]\n"
    "\n"
    "Totals of the counting protocols per question, nationally, per region and\n"
    "(in --json and --csv) per district, and each question's verdict under its\n"
    "rules profile with the exact numbers. PROVISIONAL until every precinct in\n"
    "the manifest has an accepted protocol; the missing are counted.\n";

int
cmd_tally(int argc, char **argv)
{
    static const struct option longopts[] = {{"json", no_argument, NULL, 'J'},
                                             {"csv", no_argument, NULL, 'C'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    dauys_workspace *ws = NULL;
    const char *dir = ".";
    dauys_tally t;
    dauys_error err;
    int c, format = 0;

    while ((c = getopt_long(argc, argv, "w:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'w': dir = optarg; break;
        case 'J': format = 'J'; break;
        case 'C': format = 'C'; break;
        case 'h': fputs(tally_usage, stdout); return CLI_EXIT_OK;
        default: fputs(tally_usage, stderr); return CLI_EXIT_FAIL;
        }
    }
    if (optind != argc) {
        fputs(tally_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    if (dauys_workspace_open_reader(&ws, dir, &err) != 0 ||
        dauys_tally_compute(&t, ws, &err) != 0) {
        cli_report(&err);
        dauys_workspace_close(ws);
        return CLI_EXIT_FAIL;
    }
    format == 'J'   ? dauys_report_json(stdout, &t)
    : format == 'C' ? dauys_report_csv(stdout, &t)
                    : dauys_report_text(stdout, &t);
    dauys_tally_free(&t);
    dauys_workspace_close(ws);
    return CLI_EXIT_OK;
}
