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
#include "verify.h"

#define DAUYS_VERSION "0.1.0"

static const char main_usage[] =
    "usage: dauys-audit COMMAND [OPTIONS]   (dauys-audit COMMAND --help for more)\n"
    "\n"
    "Independent verification of published referendum evidence.\n"
    "\ncommands:\n"
    "  verify             audit a published bundle: signatures, log, outcomes, re-tally\n"
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

static const char verify_usage[] =
    "usage: dauys-audit verify [--central-key PUB] [--json] BUNDLE\n"
    "\n"
    "Audits a bundle published by dauys publish, trusting none of its database or\n"
    "results: re-verifies the checkpoint, manifest, protocol and result signatures,\n"
    "the hash chain and the Merkle root, re-derives every logged outcome from the\n"
    "files and the roster, and re-tallies by plain summation against the result.\n"
    "Every failure is listed with its check id and place.\n"
    "  --central-key PUB  the central commission's public key from a source you trust\n"
    "                     (default: the bundle's own central.pub, which proves less)\n"
    "exit status: 0 all checks pass, 1 a discrepancy, 2 could not run\n";

static void
print_failure(const dauys_audit_finding *f, void *ctx)
{
    int *json = ctx;

    if (*json) {
        printf("%s    {\"check\": \"%s\", \"where\": ", json[1]++ ? ",\n" : "", f->check);
        cli_json_string(stdout, f->where);
        printf(", \"message\": ");
        cli_json_string(stdout, f->message);
        printf("}");
        return;
    }
    printf("FAIL %s %s: ", f->check, f->where);
    cli_print_untrusted(stdout, f->message);
    putchar('\n');
}

static int
cmd_verify(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"central-key", required_argument, NULL, 'c'}, {"json", no_argument, NULL, 'J'},
        {"help", no_argument, NULL, 'h'},              {NULL, 0, NULL, 0}};
    const char *central_path = NULL;
    int json[2] = {0, 0}, c;
    uint64_t failed = 0;
    dauys_audit_summary sum;
    dauys_pubkey central;
    dauys_error err;

    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': central_path = optarg; break;
        case 'J': json[0] = 1; break;
        case 'h': fputs(verify_usage, stdout); return CLI_EXIT_OK;
        default: fputs(verify_usage, stderr); return CLI_EXIT_FAIL;
        }
    }
    if (argc - optind != 1) {
        fputs(verify_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    if (central_path != NULL && dauys_keys_pubkey_load(&central, central_path, &err) != 0) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    if (json[0]) {
        printf("{\n  \"failures\": [\n");
    }
    if (dauys_audit_verify(&sum, argv[optind], central_path ? &central : NULL, print_failure, json,
                           &err) != 0) {
        if (json[0]) {
            printf("\n  ]\n}\n");
        }
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    printf(json[0] ? "\n  ],\n  \"entries\": %llu, \"protocols\": %llu, \"counted\": %llu,\n  \"checks\": {"
                   : "%llu log entries, %llu protocols, %llu precincts counted\n",
           (unsigned long long) sum.entries, (unsigned long long) sum.protocols,
           (unsigned long long) sum.counted);
    for (int i = 0; i < DAUYS_AUDIT_CHECKS; i++) {
        failed += sum.failed[i];
        printf(json[0] ? "%s\"%s\": {\"passed\": %llu, \"failed\": %llu}" : "%s%s %llu passed, %llu failed\n",
               json[0] && i ? ", " : "", sum.check[i], (unsigned long long) sum.passed[i],
               (unsigned long long) sum.failed[i]);
    }
    printf(json[0] ? "},\n  \"result\": \"%s\"\n}\n" : "%s\n",
           failed ? (json[0] ? "discrepancies" : "DISCREPANCIES FOUND") : (json[0] ? "pass" : "all checks pass"));
    return failed ? CLI_EXIT_BAD : CLI_EXIT_OK;
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
    if (strcmp(argv[1], "verify") == 0) {
        return cmd_verify(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "verify-signatures") == 0) {
        return cmd_verify_signatures(argc - 1, argv + 1);
    }
    cli_message("unknown command \"%s\" (try dauys-audit --help)", argv[1]);
    return CLI_EXIT_FAIL;
}
