/*
 * update_manifest.c: dauys update-manifest: a later signed manifest (key rotation).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"
#include "store/workspace.h"

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
