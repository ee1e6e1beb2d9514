/*
 * dauys-audit: the auditors' and observers' tool. Read-only: it never writes
 * a database or a key. It shares parsing and cryptography with dauys (core/,
 * keys/), never the tally.
 */
#include <stdio.h>

#include "cmd/cli.h"
#include "cmd/audit/audit_commands.h"

/* DAUYS_VERSION: the CMake project VERSION, defined by cmd/CMakeLists.txt. */
#ifndef DAUYS_VERSION
#error "DAUYS_VERSION is defined by cmd/CMakeLists.txt"
#endif

static const char main_usage[] =
    "usage: dauys-audit COMMAND [OPTIONS]   (dauys-audit COMMAND --help for more)\n"
    "\n"
    "Independent verification of published referendum evidence.\n"
    "\ncommands:\n"
    "  verify             audit a published bundle: signatures, log, outcomes, re-tally\n"
    "  retally            print the result statement as the audit derives it\n"
    "  prove              print a precinct's receipt: its protocol's place in the log\n"
    "  check              check a protocol and its receipt against a signed checkpoint\n"
    "  consistency        check that a bundle's log extends a checkpoint you hold\n"
    "  check-consistency  check a consistency proof between two checkpoints\n"
    "  compare-copies     observers' copies of protocols against what was counted\n"
    "  verify-signatures  check minisign signatures on many files, reporting every failure\n"
    "  forensics          statistical flags on a verified bundle's results (not verdicts)\n"
    "  follow             follow a live log (C2SP tlog-tiles): it only grows, entries chain\n"
    "  witness            cosign a log's checkpoints (C2SP tlog-witness), only as it grows\n"
    "\nEvery command that checks the central key's signatures needs that key from a\n"
    "source you trust: -p CENTRAL.pub or -P KEY. Without one, verify, retally, prove\n"
    "and forensics take --trust-bundle-key (the bundle's own central.pub, with a loud\n"
    "warning: it proves nothing about who made the bundle); otherwise they refuse.\n"
    "\noptions:\n"
    "  --help             this list\n"
    "  --version          print the version and exit\n"
    "\nexit status: 0 all checks pass, 1 a discrepancy, 2 could not run\n";

static void
usage(FILE *fp)
{
    fputs(main_usage, fp);
}

/* The subcommands, each in its own file; main_usage lists them for people. */
static const cli_command commands[] = {
    {"verify", cmd_verify, NULL},
    {"verify-signatures", cmd_verify_signatures, NULL},
    {"retally", cmd_retally, NULL},
    {"prove", cmd_prove, NULL},
    {"check", cmd_check, NULL},
    {"consistency", cmd_consistency, NULL},
    {"check-consistency", cmd_check_consistency, NULL},
    {"forensics", cmd_forensics, NULL},
    {"follow", cmd_follow, NULL},
    {"witness", cmd_witness, NULL},
    {"compare-copies", cmd_compare_copies, NULL},
};

int
main(int argc, char **argv)
{
    return cli_main(argc, argv, "dauys-audit", DAUYS_VERSION, commands,
                    sizeof commands / sizeof commands[0], usage);
}
