/*
 * report.c: dauys report: the result as one self-contained HTML page.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"
#include "core/file.h"
#include "publish/publish.h"
#include "tally/tally.h"

static const char report_usage[] =
    "usage: dauys report [-w DIR] --html FILE\n"
    "\n"
    "Writes the result as one self-contained HTML page (FILE, or - for standard\n"
    "output): the decision with its rules and numbers, turnout and yes by region\n"
    "against the lines the rules draw, a turnout histogram over precincts, the\n"
    "turnout x yes fingerprint, the regions, the forensics flags and the\n"
    "protocols that do not count. No script, no external file: it opens offline\n"
    "and prints. If the log ends with this result signed (dauys publish), the\n"
    "page says so; otherwise it is marked a preview. Every bundle holds the page\n"
    "of its signed result as reports/report.html.\n";

/* Writes the page to OUT: a new version of the file (atomically), or stdout for "-". */
static int
report_save(const char *out, const char *page, size_t len, dauys_error *err)
{
    if (strcmp(out, "-") != 0) {
        return dauys_file_write_atomic(out, page, len, 0644, err);
    }
    if (fwrite(page, 1, len, stdout) != len || fflush(stdout) != 0) {
        return dauys_error_set(err, DAUYS_E_IO, "standard output: write failed");
    }
    return 0;
}

int
cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {{"html", required_argument, NULL, 'H'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *dir = ".", *out = NULL;
    dauys_workspace *ws = NULL;
    dauys_tally t = {0};
    dauys_error err;
    char *page = NULL;
    size_t len = 0;
    int c, rc = CLI_EXIT_FAIL;

    while ((c = getopt_long(argc, argv, "w:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'w': dir = optarg; break;
        case 'H': out = optarg; break;
        case 'h': fputs(report_usage, stdout); return CLI_EXIT_OK;
        default: fputs(report_usage, stderr); return CLI_EXIT_FAIL;
        }
    }
    if (out == NULL || optind != argc) {
        fputs(report_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    if (dauys_workspace_open_reader(&ws, dir, &err) != 0 ||
        dauys_tally_compute(&t, ws, &err) != 0 ||
        dauys_publish_page(&page, &len, ws, &t, &err) != 0 ||
        report_save(out, page, len, &err) != 0) {
        cli_report(&err);
        goto done;
    }
    rc = CLI_EXIT_OK;
done:
    free(page); /* open_memstream's buffer is libc's */
    dauys_tally_free(&t);
    dauys_workspace_close(ws);
    return rc;
}
