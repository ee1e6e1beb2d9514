/*
 * dauys-audit: the auditors' and observers' tool. Read-only: it never writes
 * a database or a key. It shares parsing and cryptography with dauys (core/,
 * keys/), never the tally.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "cmd/cli.h"
#include "cmd/audit/audit_commands.h"
#include "core/decimal.h"
#include "audit/verify.h"

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
    "  verify-signatures  check minisign signatures on many files, reporting every failure\n"
    "  forensics          statistical flags on a verified bundle's results (not verdicts)\n"
    "\nEvery command that checks the central key's signatures needs that key from a\n"
    "source you trust: -p CENTRAL.pub or -P KEY. Without one, verify, retally, prove\n"
    "and forensics take --trust-bundle-key (the bundle's own central.pub, with a loud\n"
    "warning: it proves nothing about who made the bundle); otherwise they refuse.\n"
    "\noptions:\n"
    "  --help             this list\n"
    "  --version          print the version and exit\n"
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
    return counts[CLI_EXIT_BAD]    ? CLI_EXIT_BAD
           : counts[CLI_EXIT_FAIL] ? CLI_EXIT_FAIL
                                   : CLI_EXIT_OK;
}

static const char verify_usage[] =
    "usage: dauys-audit verify (-p CENTRAL.pub | -P KEY | --trust-bundle-key)\n"
    "                          [--origin dauys/REF/MODE] [--json] [-j N] BUNDLE\n"
    "\n"
    "Audits a bundle published by dauys publish, trusting none of its database,\n"
    "result or software: re-verifies the checkpoint, manifest, protocol and result\n"
    "signatures, the hash chain and the Merkle roots, re-derives every logged\n"
    "outcome from the files and the roster, re-tallies by plain summation against\n"
    "the signed result, checks that no file is unlogged, and compares the bundle's\n"
    "database (read-only). Every failure is listed with its check id and place;\n"
    "the summary names the referendum, mode, origin and key ID checked.\n"
    "BUNDLE is the bundle's directory or its archive (dauys archive), read in one\n"
    "pass.\n"
    "  -p, --central-key FILE  the central commission's public key, from a source you\n"
    "  -P KEY                  trust (pinned): the bundle's central.pub must be it (A5)\n"
    "  --trust-bundle-key      without a trusted key: check with the bundle's own\n"
    "                          central.pub. Proves only that the bundle is consistent,\n"
    "                          not who made it (anyone can): a warning says so\n"
    "  --origin dauys/REF/MODE the log you expect (MODE official or test): another\n"
    "                          referendum's or mode's log fails A5\n"
    "  --json                  machine-readable output\n"
    "  -j N                    threads reading and verifying protocols (default: one\n"
    "                          per CPU)\n"
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
    printf("FAIL %s ", f->check);
    cli_print_untrusted(stdout, f->where); /* a file name from the bundle */
    printf(": ");
    cli_print_untrusted(stdout, f->message);
    putchar('\n');
}

/* What T3 could not compare, for the counts line (text) or as a JSON list. */
static const char *
reports_absent(unsigned absent, int json)
{
    static const char *const text[] = {"",
                                       "; no reports/report.html in the bundle, T3 compared "
                                       "only reports/tally.csv",
                                       "; no reports/tally.csv in the bundle, T3 compared only "
                                       "reports/report.html",
                                       "; no reports/ in the bundle, T3 not run"};
    static const char *const list[] = {"[]", "[\"report.html\"]", "[\"tally.csv\"]",
                                       "[\"report.html\", \"tally.csv\"]"};

    return json ? list[absent & 3] : text[absent & 3];
}

/* The summary after the failures: what was checked, counts per check, then
 * the verdict. */
static void
print_summary(const dauys_audit_summary *s, int json, uint64_t failed)
{
    if (json) {
        printf("\n  ],\n");
        audit_identity_json(stdout, &s->checked);
    } else {
        printf("%s", failed ? "\n" : "");
        audit_identity_print(stdout, &s->checked);
    }
    printf(json ? "  \"entries\": %llu, \"protocols\": %llu, \"counted\": %llu, "
                  "\"expected\": %llu, \"database\": %s, \"reports_absent\": %s,\n"
                  "  \"checks\": {\n"
                : "%llu log entries, %llu protocols, %llu of %llu precincts counted%s%s\n\n"
                  "check  group          passed  failed  unchecked\n",
           (unsigned long long) s->entries, (unsigned long long) s->protocols,
           (unsigned long long) s->counted, (unsigned long long) s->expected,
           json ? (s->database ? "true" : "false")
                : (s->database ? "" : "; no dauys.db in the bundle, C3 not run"),
           reports_absent(s->reports_absent, json));
    for (int i = 0; i < DAUYS_AUDIT_CHECKS; i++) {
        printf(json ? "    \"%s\": {\"group\": \"%s\", \"passed\": %llu, \"failed\": %llu, "
                      "\"unchecked\": %llu, \"title\": \"%s\"}%s\n"
                    : "%-6s %-13s %7llu %7llu %10llu  %s%s\n",
               s->check[i], s->group[i], (unsigned long long) s->passed[i],
               (unsigned long long) s->failed[i], (unsigned long long) s->unchecked[i], s->title[i],
               json ? (i + 1 < DAUYS_AUDIT_CHECKS ? "," : "") : "");
    }
    printf(json ? "  },\n  \"result\": \"%s\"\n}\n" : "\n%s%s\n",
           failed ? (json ? "discrepancies" : "DISCREPANCIES FOUND (exit 1)")
                  : (json ? "pass" : "all checks pass"),
           json || !s->checked.key_from_bundle ? ""
                                               : " (with the bundle's own key: internal "
                                                 "consistency only, not who signed it)");
}

static int
cmd_verify(int argc, char **argv)
{
    static const struct option longopts[] = {
        AUDIT_TRUST_LONGOPTS, {"json", no_argument, NULL, 'J'}, {NULL, 0, NULL, 0}};
    uint64_t threads;
    int json[2] = {0, 0}, c;
    uint64_t failed = 0;
    dauys_audit_summary sum;
    dauys_audit_options opt = {.on_fail = print_failure, .ctx = json};
    audit_trust t = {0};
    dauys_error err;

    while ((c = getopt_long(argc, argv, "p:P:j:h", longopts, NULL)) != -1) {
        if (audit_trust_option(&t, c, optarg)) {
            continue;
        }
        switch (c) {
        case 'j':
            if (dauys_decimal_parse(&threads, optarg, strlen(optarg), 64) != 0 ||
                (opt.threads = (unsigned) threads) == 0) {
                cli_message("-j: expected a number of threads from 1 to 64, not \"%s\"", optarg);
                return CLI_EXIT_FAIL;
            }
            break;
        case 'J': json[0] = 1; break;
        case 'h': fputs(verify_usage, stdout); return CLI_EXIT_OK;
        default: fputs(verify_usage, stderr); return CLI_EXIT_FAIL;
        }
    }
    if (argc - optind != 1) {
        fputs(verify_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    if (audit_trust_load(&t, "verify", 1) != 0) {
        return CLI_EXIT_FAIL;
    }
    opt.central = audit_trust_key(&t);
    opt.trust_bundle_key = t.bundle_key;
    opt.origin = t.origin;
    if (json[0]) {
        printf("{\n  \"bundle\": ");
        cli_json_string(stdout, argv[optind]);
        printf(",\n  \"failures\": [\n");
    }
    if (dauys_audit_verify(&sum, argv[optind], &opt, &err) != 0) {
        if (json[0]) {
            printf("\n  ],\n  \"error\": ");
            cli_json_string(stdout, err.message);
            printf("\n}\n");
        }
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    for (int i = 0; i < DAUYS_AUDIT_CHECKS; i++) {
        failed += sum.failed[i];
    }
    print_summary(&sum, json[0], failed);
    return failed ? CLI_EXIT_BAD : CLI_EXIT_OK;
}

static const char retally_usage[] =
    "usage: dauys-audit retally (-p CENTRAL.pub | -P KEY | --trust-bundle-key) BUNDLE\n"
    "\n"
    "Prints the result statement as the audit derives it from the bundle's signed\n"
    "protocols and log, in the format of result.txt, so that the two can be\n"
    "compared with diff. Lines whose area holds a protocol the audit could not\n"
    "read are printed from what could be read, and the command exits 1.\n"
    "BUNDLE is the bundle's directory or its archive. On stderr: the referendum,\n"
    "mode, origin and key ID checked. It lists no failures: run verify for them.\n"
    "  -p, --central-key FILE  the central commission's public key, from a source you\n"
    "  -P KEY                  trust (pinned)\n"
    "  --trust-bundle-key      check with the bundle's own central.pub (a warning says\n"
    "                          this proves nothing about who made the bundle)\n"
    "exit status: 0 printed, 1 some lines are incomplete, 2 could not run\n";

static int
cmd_retally(int argc, char **argv)
{
    static const struct option longopts[] = {AUDIT_TRUST_LONGOPTS, {NULL, 0, NULL, 0}};
    dauys_audit_summary sum;
    dauys_audit_options opt = {0};
    audit_trust t = {0};
    dauys_error err;
    char *text = NULL;
    size_t len = 0;
    uint64_t unknown = 0;
    int c;

    opt.statement = &text;
    opt.statement_len = &len;
    while ((c = getopt_long(argc, argv, "p:P:h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(retally_usage, stdout);
            return CLI_EXIT_OK;
        }
        if (c == AUDIT_OPT_ORIGIN || !audit_trust_option(&t, c, optarg)) {
            fputs(retally_usage, stderr); /* --origin: retally lists no failures to pin with */
            return CLI_EXIT_FAIL;
        }
    }
    if (argc - optind != 1) {
        fputs(retally_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    if (audit_trust_load(&t, "retally", 1) != 0) {
        return CLI_EXIT_FAIL;
    }
    opt.central = audit_trust_key(&t);
    opt.trust_bundle_key = t.bundle_key;
    if (dauys_audit_verify(&sum, argv[optind], &opt, &err) != 0) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    fwrite(text, 1, len, stdout);
    dauys_free(text);
    audit_identity_print(stderr, &sum.checked);
    unknown = sum.statement_unknown;
    if (unknown > 0) {
        cli_message("%llu lines hold protocols that could not be read (run verify)",
                    (unsigned long long) unknown);
    }
    return unknown ? CLI_EXIT_BAD : CLI_EXIT_OK;
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
    cli_ignore_file_size_signal();
    if (strcmp(argv[1], "verify") == 0) {
        return cmd_verify(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "verify-signatures") == 0) {
        return cmd_verify_signatures(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "retally") == 0) {
        return cmd_retally(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "prove") == 0) {
        return cmd_prove(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "check") == 0) {
        return cmd_check(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "consistency") == 0) {
        return cmd_consistency(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "check-consistency") == 0) {
        return cmd_check_consistency(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "forensics") == 0) {
        return cmd_forensics(argc - 1, argv + 1);
    }
    cli_message("unknown command \"%s\" (try dauys-audit --help)", argv[1]);
    return CLI_EXIT_FAIL;
}
