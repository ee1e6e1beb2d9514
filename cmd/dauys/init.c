/*
 * init.c: dauys init: a workspace from a signed manifest.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"
#include "store/workspace.h"

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
