/*
 * dauys-audit: the auditors' and observers' tool. Read-only: it never writes
 * a database or a key. It shares parsing and cryptography with dauys (core/,
 * keys/), never the tally.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cli.h"

#define DAUYS_VERSION "0.1.0"

static const char main_usage[] =
    "usage: dauys-audit COMMAND [OPTIONS]   (dauys-audit COMMAND --help for more)\n"
    "\n"
    "Independent verification of published referendum evidence.\n"
    "\ncommands:\n"
    "  verify-signatures  check minisign signatures on many files, reporting every failure\n"
    "\nexit status: 0 all checks pass, 1 a discrepancy, 2 could not run\n";

static const char sigs_usage[] =
    "usage: dauys-audit verify-signatures (-p PUBKEY_FILE | -P PUBKEY) FILE...\n"
    "\n"
    "Verifies each FILE against FILE.minisig with one public key and lists every\n"
    "file whose signature is missing, malformed or wrong, not just the first.\n"
    "exit status: 0 all good, 1 any bad or missing signature, 2 could not run\n";

/* Checks one FILE; returns CLI_EXIT_OK, CLI_EXIT_BAD or CLI_EXIT_FAIL. */
static int
check_one(const char *file, const dauys_pubkey *pk)
{
    static dauys_signature sig;
    char sig_path[PATH_MAX];
    dauys_error err;
    int rc;

    if (snprintf(sig_path, sizeof sig_path, "%s.minisig", file) >= (int) sizeof sig_path) {
        printf("FAIL %s: path too long\n", file);
        return CLI_EXIT_FAIL;
    }
    if (access(sig_path, F_OK) != 0) {
        printf("BAD  %s: no signature file %s\n", file, sig_path);
        return CLI_EXIT_BAD;
    }
    rc = cli_verify_one(&sig, file, sig_path, pk, &err);
    if (rc == CLI_EXIT_OK) {
        printf("ok   %s\n", file);
    } else {
        printf("%s %s: [%s] %s\n", rc == CLI_EXIT_BAD ? "BAD " : "FAIL", file,
               dauys_status_name(err.status), err.message);
    }
    return rc;
}

static int
cmd_verify_signatures(int argc, char **argv)
{
    const char *pub_file = NULL, *pub_b64 = NULL;
    size_t counts[3] = {0};
    dauys_pubkey pk;
    int c;

    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};

    while ((c = getopt_long(argc, argv, "p:P:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': pub_file = optarg; break;
        case 'P': pub_b64 = optarg; break;
        case 'h': fputs(sigs_usage, stdout); return CLI_EXIT_OK;
        default: fputs(sigs_usage, stderr); return CLI_EXIT_FAIL;
        }
    }
    if (optind >= argc) {
        fputs(sigs_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    if (cli_load_pubkey(&pk, pub_file, pub_b64) != 0) {
        return CLI_EXIT_FAIL;
    }
    for (int i = optind; i < argc; i++) {
        counts[check_one(argv[i], &pk)]++;
    }
    printf("%zu verified, %zu bad, %zu could not be checked\n", counts[CLI_EXIT_OK],
           counts[CLI_EXIT_BAD], counts[CLI_EXIT_FAIL]);
    return counts[CLI_EXIT_BAD] ? CLI_EXIT_BAD : counts[CLI_EXIT_FAIL] ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

int
main(int argc, char **argv)
{
    cli_program = "dauys-audit";
    if (argc < 2) {
        fputs(main_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(main_usage, stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("dauys-audit %s\n", DAUYS_VERSION);
        return CLI_EXIT_OK;
    }
    if (dauys_core_init() != 0) {
        cli_message("libsodium could not be initialised");
        return CLI_EXIT_FAIL;
    }
    if (strcmp(argv[1], "verify-signatures") == 0) {
        return cmd_verify_signatures(argc - 1, argv + 1);
    }
    cli_message("unknown command \"%s\" (try dauys-audit --help)", argv[1]);
    return CLI_EXIT_FAIL;
}
