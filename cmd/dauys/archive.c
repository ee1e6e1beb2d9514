/*
 * archive.c: dauys archive: a published bundle as one ustar file.
 */
#include <stdio.h>
#include <string.h>

#include "publish/archive.h"
#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"

static const char archive_usage[] =
    "usage: dauys archive BUNDLE FILE\n"
    "\n"
    "Writes the published bundle in directory BUNDLE as one archive FILE (a new\n"
    "file, POSIX ustar): the files other than the protocols, then the protocols\n"
    "in log order, then protocols/index.tsv. dauys-audit verify FILE audits it in\n"
    "one sequential read; tar -xf FILE unpacks the bundle. docs/FORMATS.md 17.4.\n";

int
cmd_archive(int argc, char **argv)
{
    dauys_error err;

    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(archive_usage, stdout);
        return CLI_EXIT_OK;
    }
    if (argc != 3) {
        fputs(archive_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    if (dauys_archive_pack(argv[1], argv[2], &err) != 0) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    printf("archived %s to %s\n", argv[1], argv[2]);
    return CLI_EXIT_OK;
}
