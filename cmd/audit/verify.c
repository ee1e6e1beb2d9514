/*
 * verify.c: dauys-audit verify, the audit of a published bundle.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/audit/audit_commands.h"
#include "core/alloc.h"
#include "core/decimal.h"
#include "audit/verify.h"

static const char verify_usage[] =
    "usage: dauys-audit verify (-p CENTRAL.pub | -P KEY | --trust-bundle-key)\n"
    "                          [--origin dauys/REF/MODE] [--witness VKEY]...\n"
    "                          [--witness-quorum K] [--json] [-j N] BUNDLE\n"
    "\n"
    "Audits a bundle published by dauys publish, trusting none of its database,\n"
    "result or software: re-verifies the checkpoint, manifest, protocol and result\n"
    "signatures, the hash chain and the Merkle roots, re-derives every logged\n"
    "outcome from the files and the roster, re-tallies by plain summation against\n"
    "the signed result, checks that no file is unlogged, and compares the bundle's\n"
    "database (read-only), and checks that the checkpoint is cosigned by a quorum\n"
    "of the manifest's witnesses (W1), and re-derives the crosscheck of every\n"
    "district and region summary protocol against the signed result's (X1). Every\n"
    "failure is listed with its check id and place;\n"
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
    "  --witness VKEY          a witness whose cosignature the checkpoint must carry\n"
    "                          (NAME+KEYID+BASE64; repeatable): these witnesses,\n"
    "                          whatever the manifest names, fail W1 if they did not\n"
    "                          cosign\n"
    "  --witness-quorum K      how many of the --witness ones must cosign (default all)\n"
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

/* The witness line of the summary (W1's policy and what the checkpoint had). */
static void
print_witnesses(const dauys_audit_witnessing *w, int json)
{
    const char *from = w->from_manifest ? "manifest" : "options";

    if (json) {
        printf("  \"witnesses\": {\"count\": %zu, \"quorum\": %zu, \"cosigned\": %zu, "
               "\"from\": \"%s\", \"checked\": %s, \"witnessed\": %s},\n",
               w->count, w->quorum, w->cosigned, from, w->checked ? "true" : "false",
               w->count > 0 && w->checked && w->cosigned >= w->quorum ? "true" : "false");
    } else if (w->count == 0) {
        printf("witnesses: the manifest names none: the checkpoint is not witnessed (W1 not "
               "counted)\n");
    } else if (!w->checked) {
        printf("witnesses: %zu (quorum %zu, %s): the checkpoint's cosignatures could not be "
               "checked\n",
               w->count, w->quorum, w->from_manifest ? "the manifest's" : "given with --witness");
    } else {
        printf("witnesses: the checkpoint is cosigned by %zu of %zu witnesses (quorum %zu, %s)%s\n",
               w->cosigned, w->count, w->quorum,
               w->from_manifest ? "the manifest's" : "given with --witness",
               w->cosigned >= w->quorum ? "" : ": quorum not met, not trusted");
    }
}

/* The crosscheck line of the summary (the audit's own, X1): only with commissions. */
static void
print_crosscheck(const dauys_audit_crosscheck *c, int json)
{
    if (c->areas == 0) {
        return;
    }
    printf(json ? "  \"crosscheck\": {\"areas\": %llu, \"agree\": %llu, \"differ\": %llu, "
                  "\"none\": %llu, \"unknown\": %llu, \"differing\": ["
                : "crosscheck: %llu areas with a commission: %llu agree, %llu differ, %llu without "
                  "a current summary, %llu not readable",
           (unsigned long long) c->areas, (unsigned long long) c->agree,
           (unsigned long long) c->differ, (unsigned long long) c->none,
           (unsigned long long) c->unknown);
    for (size_t i = 0; i < c->named; i++) {
        if (json) {
            printf("%s", i ? ", " : "");
            cli_json_string(stdout, c->name[i]);
        } else {
            printf("%s", i ? ", " : "; differing: ");
            cli_print_untrusted(stdout, c->name[i]);
        }
    }
    fputs(json ? "]},\n" : c->differ > c->named ? ", ...\n" : "\n", stdout);
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
    char summaries[64] = "";
    if (s->summaries > 0) { /* summary protocols (issue 19): said only when there are some */
        snprintf(summaries, sizeof summaries, json ? " \"summaries\": %llu," : ", %llu summaries",
                 (unsigned long long) s->summaries);
    }
    printf(json ? "  \"entries\": %llu, \"protocols\": %llu,%s \"counted\": %llu, "
                  "\"expected\": %llu, \"database\": %s, \"reports_absent\": %s,\n"
                : "%llu log entries, %llu protocols%s, %llu of %llu precincts counted%s%s\n",
           (unsigned long long) s->entries, (unsigned long long) s->protocols, summaries,
           (unsigned long long) s->counted, (unsigned long long) s->expected,
           json ? (s->database ? "true" : "false")
                : (s->database ? "" : "; no dauys.db in the bundle, C3 not run"),
           reports_absent(s->reports_absent, json));
    print_witnesses(&s->witnesses, json);
    print_crosscheck(&s->crosscheck, json);
    printf(json ? "  \"checks\": {\n" : "\ncheck  group          passed  failed  unchecked\n");
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

int
cmd_verify(int argc, char **argv)
{
    static const struct option longopts[] = {AUDIT_TRUST_LONGOPTS,
                                             AUDIT_WITNESS_LONGOPTS,
                                             {"json", no_argument, NULL, 'J'},
                                             {NULL, 0, NULL, 0}};
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
    opt.witnesses = audit_trust_witnesses(&t);
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
