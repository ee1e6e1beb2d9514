/*
 * dauys: the organisers' tool. Dispatches to a subcommand.
 */
#include <stdio.h>

#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"

/* DAUYS_VERSION: the CMake project VERSION, defined by cmd/CMakeLists.txt. */
#ifndef DAUYS_VERSION
#error "DAUYS_VERSION is defined by cmd/CMakeLists.txt"
#endif

static const cli_command commands[] = {
    {"keygen", cmd_keygen, "make a key pair, or precinct key pairs in bulk"},
    {"sign", cmd_sign, "sign files (writes FILE.minisig, minisign's format)"},
    {"verify", cmd_verify, "verify a file's signature"},
    {"init", cmd_init, "create a workspace from a signed manifest"},
    {"update-manifest", cmd_update_manifest, "accept a later signed manifest (key rotation)"},
    {"ingest", cmd_ingest, "verify and record signed protocols"},
    {"status", cmd_status, "precincts expected, accepted, missing; outcomes"},
    {"tally", cmd_tally, "totals and verdicts under the rules (text, --json, --csv)"},
    {"summarize", cmd_summarize, "the summary protocol a district or region commission signs"},
    {"report", cmd_report, "the result as one self-contained HTML page (--html FILE)"},
    {"publish", cmd_publish, "sign and log the result; write the evidence bundle"},
    {"archive", cmd_archive, "a published bundle as one file that the audit reads in one pass"},
    {"import-csv", cmd_import_csv, "replay a real referendum from an official CSV"},
    {"checkpoint", cmd_checkpoint, "sign the log's size and root (C2SP checkpoint)"},
    {"proof", cmd_proof, "inclusion or consistency proof from the log"},
    {"submit", cmd_submit, "send signed protocols to a dauys server (precinct commissions)"},
    {"serve", cmd_serve, "take signed protocols over HTTP; publish the log as C2SP tiles"},
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
    return cli_main(argc, argv, "dauys", DAUYS_VERSION, commands,
                    sizeof commands / sizeof commands[0], usage);
}
