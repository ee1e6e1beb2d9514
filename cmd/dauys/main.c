/*
 * dauys: the organisers' tool. Dispatches to a subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"

/* DAUYS_VERSION: the CMake project VERSION, defined by cmd/CMakeLists.txt. */
#ifndef DAUYS_VERSION
#error "DAUYS_VERSION is defined by cmd/CMakeLists.txt"
#endif

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"keygen", cmd_keygen, "make a key pair, or precinct key pairs in bulk"},
    {"sign", cmd_sign, "sign files (writes FILE.minisig, minisign's format)"},
    {"verify", cmd_verify, "verify a file's signature"},
    {"init", cmd_init, "create a workspace from a signed manifest"},
    {"update-manifest", cmd_update_manifest, "accept a later signed manifest (key rotation)"},
    {"ingest", cmd_ingest, "verify and record signed protocols"},
    {"status", cmd_status, "precincts expected, accepted, missing; outcomes"},
    {"tally", cmd_tally, "totals and verdicts under the rules (text, --json, --csv)"},
    {"report", cmd_report, "the result as one self-contained HTML page (--html FILE)"},
    {"publish", cmd_publish, "sign and log the result; write the evidence bundle"},
    {"archive", cmd_archive, "a published bundle as one file that the audit reads in one pass"},
    {"import-csv", cmd_import_csv, "replay a real referendum from an official CSV"},
    {"checkpoint", cmd_checkpoint, "sign the log's size and root (C2SP checkpoint)"},
    {"proof", cmd_proof, "inclusion or consistency proof from the log"},
    {"demo", cmd_demo, "a mock referendum end to end, audited (the first thing to run)"},
};

static void
usage(FILE *fp)
{
    fprintf(fp, "usage: dauys COMMAND [OPTIONS]   (dauys COMMAND --help for more)\n\n"
                "Referendum vote tallying: keys, signed protocols, tally.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        fprintf(fp, "  %-16s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(fp, "\noptions:\n"
                "  --help           this list\n"
                "  --version        print the version and exit\n"
                "\nexit status: 0 success, 1 a bad signature, 2 any other failure\n");
}

int
main(int argc, char **argv)
{
    cli_program = "dauys";
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_FAIL;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("dauys %s\n", DAUYS_VERSION);
        return CLI_EXIT_OK;
    }
    if (dauys_core_init() != 0) {
        cli_message("libsodium could not be initialised");
        return CLI_EXIT_FAIL;
    }
    cli_ignore_file_size_signal();
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    cli_message("unknown command \"%s\" (try dauys --help)", argv[1]);
    return CLI_EXIT_FAIL;
}
