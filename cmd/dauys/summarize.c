/*
 * summarize.c: dauys summarize: the summary protocol (docs/FORMATS.md 9A)
 * a district or region commission would sign, made from the workspace's
 * current protocols (or district summaries): what dauys counts, summed as
 * the crosscheck sums it (tally/crosscheck.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"
#include "core/alloc.h"
#include "core/decimal.h"
#include "core/file.h"
#include "tally/crosscheck.h"

static const char summarize_usage[] =
    "usage: dauys summarize [-w DIR] (--district D | --region R) [-o FILE]\n"
    "                       [--version N --reason TEXT]\n"
    "\n"
    "Writes the summary protocol (dauys-summary 1) the commission of district D\n"
    "or region R would sign, to FILE (replaced) or standard output: a district's\n"
    "sums every precinct of it with a current protocol, at that protocol's\n"
    "version; a region's every district of it with a current summary. The\n"
    "commission signs it (dauys sign FILE -k COMMISSION.key) and it is ingested\n"
    "like a protocol; its numbers are then what the crosscheck counts, so it\n"
    "agrees. --version N (default 1) with --reason TEXT (required after 1)\n"
    "writes a correction. Refused when the area has no commission in the\n"
    "manifest in force, or nothing below it is current.\n";

enum { OPT_DISTRICT = 256, OPT_REGION, OPT_VERSION, OPT_REASON };

/* Writes TEXT (LEN bytes) to OUT, a file replaced atomically, or stdout for NULL or "-". */
static int
summarize_save(const char *out, const char *text, size_t len, dauys_error *err)
{
    if (out != NULL && strcmp(out, "-") != 0) {
        return dauys_file_write_atomic(out, text, len, 0644, err);
    }
    if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
        return dauys_error_set(err, DAUYS_E_IO, "standard output: write failed");
    }
    return 0;
}

int
cmd_summarize(int argc, char **argv)
{
    static const struct option longopts[] = {{"district", required_argument, NULL, OPT_DISTRICT},
                                             {"region", required_argument, NULL, OPT_REGION},
                                             {"version", required_argument, NULL, OPT_VERSION},
                                             {"reason", required_argument, NULL, OPT_REASON},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *dir = ".", *out = NULL, *area = NULL, *reason = NULL;
    dauys_level level = DAUYS_LEVEL_DISTRICT;
    dauys_workspace *ws = NULL;
    dauys_error err;
    uint64_t version = 1;
    char *text = NULL;
    size_t len = 0;
    int c, areas = 0, rc = CLI_EXIT_FAIL;

    while ((c = getopt_long(argc, argv, "w:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'w': dir = optarg; break;
        case 'o': out = optarg; break;
        case OPT_DISTRICT:
        case OPT_REGION:
            level = c == OPT_DISTRICT ? DAUYS_LEVEL_DISTRICT : DAUYS_LEVEL_REGION;
            area = optarg;
            areas++;
            break;
        case OPT_VERSION:
            if (dauys_decimal_parse(&version, optarg, strlen(optarg), UINT32_MAX) != 0 ||
                version == 0) {
                cli_message("--version: expected a number from 1 to %u, not \"%s\"", UINT32_MAX,
                            optarg);
                return CLI_EXIT_FAIL;
            }
            break;
        case OPT_REASON: reason = optarg; break;
        case 'h': fputs(summarize_usage, stdout); return CLI_EXIT_OK;
        default: fputs(summarize_usage, stderr); return CLI_EXIT_FAIL;
        }
    }
    if (optind != argc || areas != 1) {
        if (areas > 1) {
            cli_message("give one area: --district D or --region R, once");
        }
        fputs(summarize_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    if (dauys_workspace_open_reader(&ws, dir, &err) != 0 ||
        dauys_crosscheck_summarize(&text, &len, ws, level, area, (uint32_t) version, reason,
                                   &err) != 0 ||
        summarize_save(out, text, len, &err) != 0) {
        cli_report(&err);
        goto done;
    }
    rc = CLI_EXIT_OK;
done:
    dauys_free(text);
    dauys_workspace_close(ws);
    return rc;
}
