/*
 * verify_signatures.c: dauys-audit verify-signatures, minisign signatures
 * on many files, every failure listed.
 */
#include <getopt.h>
#include <stdio.h>
#include <limits.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/audit/audit_commands.h"
#include "audit/verify.h"

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

int
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
    return counts[CLI_EXIT_BAD]    ? CLI_EXIT_BAD
           : counts[CLI_EXIT_FAIL] ? CLI_EXIT_FAIL
                                   : CLI_EXIT_OK;
}
