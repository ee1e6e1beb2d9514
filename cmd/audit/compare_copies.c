/*
 * compare_copies.c: dauys-audit compare-copies, an observer organisation's
 * copies of precinct protocols (a CSV of transcriptions, or a directory of
 * signed protocol files) against what the bundle counted
 * (docs/FORMATS.md section 23).
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cli.h"
#include "cmd/audit/audit_commands.h"
#include "core/alloc.h"
#include "core/file.h"
#include "audit/copies.h"

#define COPIES_CSV_MAX (256u << 20)
#define COPIES_MAP_MAX (64u << 10)

static const char copies_usage[] =
    "usage: dauys-audit compare-copies (-p CENTRAL.pub | -P KEY | --trust-bundle-key)\n"
    "           [--origin dauys/REF/MODE] BUNDLE COPIES.csv [--map FILE] [--json]\n"
    "           [--signature COPIES.csv.minisig --key OBSERVER.pub]\n"
    "       dauys-audit compare-copies (-p CENTRAL.pub | -P KEY) BUNDLE DIR\n"
    "           [--receipts OUTDIR] [--json]\n"
    "\n"
    "Compares an observer organisation's copies with the protocols the bundle's log\n"
    "counts. COPIES.csv holds one row per precinct protocol transcribed (a header,\n"
    "then precinct, version and the protocol's counts, by their protocol names, or\n"
    "as --map says): each row agrees, differs (each field, both numbers), is\n"
    "superseded (it is an earlier version than the one counting), not-counted,\n"
    "unknown (not in the roster), malformed or a duplicate. DIR holds signed\n"
    "protocol files (FILE and FILE.minisig): each is counted, superseded, logged\n"
    "but not counted, or never logged; with --receipts, each counted one's receipt\n"
    "(as dauys-audit prove prints it) is written to OUTDIR/PRECINCT.receipt.\n"
    "One line per copy that does not agree, then a summary. Format:\n"
    "docs/FORMATS.md, section 23.\n" AUDIT_TRUST_OPTIONS_USAGE
    "  --trust-bundle-key      check with the bundle's own central.pub instead (a loud\n"
    "                          warning: anyone can make a bundle with their own key)\n"
    "  --map FILE              the CSV's columns, as a copies map (FORMATS 23.2)\n"
    "  --signature FILE        the observer organisation's signature of COPIES.csv,\n"
    "  --key FILE              and its public key: checked first\n"
    "  --receipts OUTDIR       DIR: write the counted files' receipts there\n"
    "  --json                  one JSON object instead of lines\n"
    "exit status: 0 every copy agrees (is counted), 1 any does not or a signature\n"
    "or the bundle does not hold up, 2 could not run\n";

enum {
    OPT_MAP = 0x200,
    OPT_JSON,
    OPT_SIGNATURE,
    OPT_KEY,
    OPT_RECEIPTS,
};

typedef struct out {
    const char *copies;
    int json;
    size_t printed;
    const char *receipts;
    int failed; /* a receipt could not be written */
} out;

static void
json_u(FILE *fp, const char *name, unsigned long long v, int comma)
{
    fprintf(fp, "\"%s\": %llu%s", name, v, comma ? ", " : "");
}

static void
row_text(const dauys_copy_row *r, const out *o)
{
    FILE *fp = stdout;

    cli_print_untrusted(fp, o->copies);
    fprintf(fp, ":%u: ", r->line);
    if (r->outcome != DAUYS_COPY_MALFORMED) {
        fprintf(fp, "%s: ", r->precinct);
    }
    fputs(dauys_copy_outcome_name(r->outcome), fp);
    switch (r->outcome) {
    case DAUYS_COPY_DIFFERS: fprintf(fp, " from version %u:", r->matched_version); break;
    case DAUYS_COPY_SUPERSEDED:
        fprintf(fp, ": the copy is version %u, ", r->matched_version);
        if (r->counted_version) {
            fprintf(fp, "version %u counts now", r->counted_version);
        } else {
            fputs("nothing counts now", fp);
        }
        if (r->diff_count > 0) {
            fprintf(fp, "; it differs from version %u:", r->matched_version);
        }
        break;
    default: break;
    }
    for (size_t i = 0; i < r->diff_count; i++) {
        fprintf(fp, "%s %s copy %llu, counted %llu", i ? ";" : "", r->diff[i].field,
                (unsigned long long) r->diff[i].copy, (unsigned long long) r->diff[i].counted);
    }
    if (r->why[0] != '\0') {
        fputs(r->outcome == DAUYS_COPY_DIFFERS ? " (" : ": ", fp);
        cli_print_untrusted(fp, r->why);
        fputs(r->outcome == DAUYS_COPY_DIFFERS ? ")" : "", fp);
    }
    fputc('\n', fp);
}

static void
row_json(const dauys_copy_row *r, out *o)
{
    FILE *fp = stdout;

    fprintf(fp, "%s    {", o->printed ? ",\n" : "");
    json_u(fp, "line", r->line, 1);
    fputs("\"precinct\": ", fp);
    cli_json_string(fp, r->precinct);
    fputs(", \"outcome\": ", fp);
    cli_json_string(fp, dauys_copy_outcome_name(r->outcome));
    fputs(", ", fp);
    json_u(fp, "copy_version", r->copy_version, 1);
    json_u(fp, "counted_version", r->counted_version, 1);
    json_u(fp, "compared_version", r->matched_version, 1);
    fputs("\"fields\": [", fp);
    for (size_t i = 0; i < r->diff_count; i++) {
        fprintf(fp, "%s{\"field\": \"%s\", \"copy\": %llu, \"counted\": %llu}", i ? ", " : "",
                r->diff[i].field, (unsigned long long) r->diff[i].copy,
                (unsigned long long) r->diff[i].counted);
    }
    fputs("], \"why\": ", fp);
    cli_json_string(fp, r->why);
    fputs("}", fp);
}

static void
on_row(const dauys_copy_row *r, void *ctx)
{
    out *o = ctx;

    if (r->outcome == DAUYS_COPY_AGREES) {
        return;
    }
    if (o->json) {
        row_json(r, o);
    } else {
        row_text(r, o);
    }
    o->printed++;
}

static const char *const file_status[] = {"counted", "superseded", "not-counted", "never-logged"};

static void
on_file(const dauys_copy_file *f, void *ctx)
{
    out *o = ctx;
    FILE *fp = stdout;
    char path[PATH_MAX];
    dauys_error err;

    if (f->status == DAUYS_COPY_FILE_COUNTED && o->receipts != NULL && f->receipt != NULL) {
        snprintf(path, sizeof path, "%s/%s.receipt", o->receipts, f->precinct);
        if (dauys_file_write_atomic(path, f->receipt, strlen(f->receipt), 0644, &err) != 0) {
            cli_report(&err);
            o->failed = 1;
        }
    }
    if (o->json) {
        fprintf(fp, "%s    {\"file\": ", o->printed ? ",\n" : "");
        cli_json_string(fp, f->name);
        fprintf(fp, ", \"status\": \"%s\", \"precinct\": ", file_status[f->status]);
        cli_json_string(fp, f->precinct);
        fputs(", ", fp);
        json_u(fp, "version", f->version, 1);
        json_u(fp, "entry", f->status == DAUYS_COPY_FILE_NEVER ? 0 : f->entry, 1);
        json_u(fp, "counting_version", f->now_version, 1);
        fputs("\"event\": ", fp);
        cli_json_string(fp, f->event);
        fputs(", \"reason\": ", fp);
        cli_json_string(fp, f->reason);
        fprintf(fp, ", \"signature\": %s}",
                f->signature < 0 ? "null"
                : f->signature   ? "\"logged\""
                                 : "\"another\"");
        o->printed++;
        return;
    }
    cli_print_untrusted(fp, f->name);
    switch (f->status) {
    case DAUYS_COPY_FILE_COUNTED:
        fputs(": counted: ", fp);
        cli_print_untrusted(fp, f->precinct);
        fprintf(fp, " version %u, log entry %llu", f->version, (unsigned long long) f->entry);
        if (o->receipts != NULL && f->receipt != NULL) {
            fprintf(fp, ", receipt %s.receipt", f->precinct);
        }
        break;
    case DAUYS_COPY_FILE_SUPERSEDED:
        fputs(": superseded: ", fp);
        cli_print_untrusted(fp, f->precinct);
        fprintf(fp, " version %u (log entry %llu); ", f->version, (unsigned long long) f->entry);
        if (f->now_version) {
            fprintf(fp, "version %u counts now", f->now_version);
        } else {
            fputs("nothing counts now (a conflict)", fp);
        }
        break;
    case DAUYS_COPY_FILE_UNCOUNTED:
        fputs(": not-counted: ", fp);
        cli_print_untrusted(fp, f->precinct);
        fprintf(fp, " version %u, log entry %llu: ", f->version, (unsigned long long) f->entry);
        cli_print_untrusted(fp, f->event);
        if (f->reason[0] != '\0') {
            fputs(": ", fp);
            cli_print_untrusted(fp, f->reason);
        }
        break;
    case DAUYS_COPY_FILE_NEVER: fputs(": never-logged: no log entry has this file", fp); break;
    }
    if (f->signature == 0) {
        fputs(" (its .minisig is not the signature logged)", fp);
    }
    fputc('\n', fp);
}

typedef struct file_count {
    out *o;
    unsigned long long n[4];
} file_count;

static void
count_file(const dauys_copy_file *f, void *ctx)
{
    file_count *c = ctx;
    c->n[f->status]++;
    on_file(f, c->o);
}

/* --signature and --key: the observers' signature over the CSV's bytes. */
static int
check_signature(const char *csv, size_t len, const char *sig_path, const char *key_path)
{
    dauys_signature sig;
    dauys_pubkey pk;
    dauys_error err;

    if (cli_load_pubkey(&pk, key_path, NULL) != 0) {
        return CLI_EXIT_FAIL;
    }
    if (dauys_keys_signature_load(&sig, sig_path, &err) != 0) {
        cli_report(&err);
        return err.status == DAUYS_E_IO || err.status == DAUYS_E_NOMEM ? CLI_EXIT_FAIL
                                                                       : CLI_EXIT_BAD;
    }
    if (dauys_keys_verify(&sig, csv, len, &pk, &err) != 0) {
        cli_report(&err);
        return dauys_keys_status_is_bad_signature(err.status) ? CLI_EXIT_BAD : CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

static int
run_files(const dauys_copies_set *set, const char *bundle, const char *dir, out *o)
{
    file_count c = {.o = o};
    dauys_error err;

    if (o->json) {
        fputs("{\n  \"bundle\": ", stdout);
        cli_json_string(stdout, bundle);
        fputs(",\n  \"files\": [\n", stdout);
    }
    if (dauys_copies_files(set, dir, count_file, &c, &err) != 0) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    if (o->json) {
        printf("%s  ],\n  \"summary\": {\"files\": %llu, \"counted\": %llu, \"superseded\": %llu, "
               "\"not_counted\": %llu, \"never_logged\": %llu}\n}\n",
               o->printed ? "\n" : "", c.n[0] + c.n[1] + c.n[2] + c.n[3], c.n[0], c.n[1], c.n[2],
               c.n[3]);
    } else {
        printf("files: %llu: %llu counted, %llu superseded, %llu not counted, %llu never "
               "logged\n",
               c.n[0] + c.n[1] + c.n[2] + c.n[3], c.n[0], c.n[1], c.n[2], c.n[3]);
    }
    if (o->failed) {
        return CLI_EXIT_FAIL;
    }
    return c.n[1] + c.n[2] + c.n[3] > 0 ? CLI_EXIT_BAD : CLI_EXIT_OK;
}

static int
run_csv(const dauys_copies_set *set, const char *bundle, const char *csv, size_t len,
        const char *map_path, const char *map, size_t map_len, out *o)
{
    dauys_copies_summary sum;
    dauys_error err;
    const unsigned long long *n;

    if (o->json) {
        fputs("{\n  \"bundle\": ", stdout);
        cli_json_string(stdout, bundle);
        fputs(",\n  \"copies\": ", stdout);
        cli_json_string(stdout, o->copies);
        fputs(",\n  \"rows\": [\n", stdout);
    }
    if (dauys_copies_compare(&sum, set, csv, len, o->copies, map, map_len, map_path, on_row, o,
                             &err) != 0) {
        if (o->json) {
            fputs("\n", stdout);
        }
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    n = (const unsigned long long *) sum.outcome;
    if (o->json) {
        printf("%s  ],\n  \"summary\": {\"rows\": %llu, \"fields\": %zu, \"agrees\": %llu, "
               "\"differs\": %llu, \"superseded\": %llu, \"not_counted\": %llu, \"unknown\": "
               "%llu, \"malformed\": %llu, \"duplicate\": %llu}\n}\n",
               o->printed ? "\n" : "", (unsigned long long) sum.rows, sum.fields, n[0], n[1], n[2],
               n[3], n[4], n[5], n[6]);
    } else {
        printf("copies: %llu rows, %zu fields compared: %llu agree, %llu differ, %llu superseded, "
               "%llu not counted, %llu unknown, %llu malformed, %llu duplicate\n",
               (unsigned long long) sum.rows, sum.fields, n[0], n[1], n[2], n[3], n[4], n[5], n[6]);
    }
    return sum.outcome[DAUYS_COPY_AGREES] == sum.rows ? CLI_EXIT_OK : CLI_EXIT_BAD;
}

int
cmd_compare_copies(int argc, char **argv)
{
    static const struct option longopts[] = {AUDIT_TRUST_LONGOPTS,
                                             {"map", required_argument, NULL, OPT_MAP},
                                             {"json", no_argument, NULL, OPT_JSON},
                                             {"signature", required_argument, NULL, OPT_SIGNATURE},
                                             {"key", required_argument, NULL, OPT_KEY},
                                             {"receipts", required_argument, NULL, OPT_RECEIPTS},
                                             {NULL, 0, NULL, 0}};
    audit_trust t = {0};
    out o = {0};
    const char *map_path = NULL, *sig_path = NULL, *key_path = NULL;
    char *csv = NULL, *map = NULL;
    size_t csv_len = 0, map_len = 0;
    dauys_copies_set *set = NULL;
    dauys_audit_identity checked;
    dauys_error err;
    struct stat st;
    int c, dir, rc = CLI_EXIT_FAIL;

    while ((c = getopt_long(argc, argv, "p:P:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(copies_usage, stdout); return CLI_EXIT_OK;
        case OPT_MAP: map_path = optarg; break;
        case OPT_JSON: o.json = 1; break;
        case OPT_SIGNATURE: sig_path = optarg; break;
        case OPT_KEY: key_path = optarg; break;
        case OPT_RECEIPTS: o.receipts = optarg; break;
        default:
            if (!audit_trust_option(&t, c, optarg)) {
                fputs(copies_usage, stderr);
                return CLI_EXIT_FAIL;
            }
        }
    }
    if (argc - optind != 2 || (sig_path == NULL) != (key_path == NULL)) {
        if (argc - optind == 2) {
            cli_message("compare-copies: --signature and --key go together");
        }
        fputs(copies_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    o.copies = argv[optind + 1];
    dir = stat(o.copies, &st) == 0 && S_ISDIR(st.st_mode);
    if (dir && (map_path != NULL || sig_path != NULL)) {
        cli_message("compare-copies: --map and --signature are for a CSV, not a directory");
        return CLI_EXIT_FAIL;
    }
    if (!dir && o.receipts != NULL) {
        cli_message("compare-copies: --receipts is for a directory of protocol files");
        return CLI_EXIT_FAIL;
    }
    if (audit_trust_load(&t, "compare-copies", 1) != 0) {
        return CLI_EXIT_FAIL;
    }
    if (!dir) {
        if (dauys_file_read(&csv, &csv_len, o.copies, COPIES_CSV_MAX, &err) != 0 ||
            (map_path != NULL &&
             dauys_file_read(&map, &map_len, map_path, COPIES_MAP_MAX, &err) != 0)) {
            cli_report(&err);
            goto done;
        }
        if (sig_path != NULL && (rc = check_signature(csv, csv_len, sig_path, key_path)) != 0) {
            goto done;
        }
        if (sig_path != NULL) {
            fprintf(stderr, "%s: the observers' signature verifies\n", o.copies);
        }
        rc = CLI_EXIT_FAIL;
    }
    if (dauys_copies_set_open(&set, &checked, argv[optind], audit_trust_key(&t), t.origin, &err) !=
        0) {
        cli_report(&err);
        rc = audit_exit_for(&err);
        goto done;
    }
    audit_identity_print(stderr, &checked);
    rc = dir ? run_files(set, argv[optind], o.copies, &o)
             : run_csv(set, argv[optind], csv, csv_len, map_path, map, map_len, &o);
done:
    dauys_copies_set_free(set);
    dauys_free(csv);
    dauys_free(map);
    return rc;
}
