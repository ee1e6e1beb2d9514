/*
 * cmd_tally.c: dauys tally: the totals and the verdicts, as a text table,
 * JSON or CSV. Percentages are for people and computed in integers; every
 * decision comes from referendum/rules.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "publish/archive.h"
#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"
#include "core/file.h"
#include "report/html.h"
#include "inputs/import.h"
#include "publish/publish.h"
#include "report/report.h"
#include "tally/tally.h"
#include "core/textout.h"

static const char tally_usage[] =
    "usage: dauys tally [-w DIR] [--json | --csv]\n"
    "\n"
    "Totals of the counting protocols per question, nationally, per region and\n"
    "(in --json and --csv) per district, and each question's verdict under its\n"
    "rules profile with the exact numbers. PROVISIONAL until every precinct in\n"
    "the manifest has an accepted protocol; the missing are counted.\n";

int
cmd_tally(int argc, char **argv)
{
    static const struct option longopts[] = {{"json", no_argument, NULL, 'J'},
                                             {"csv", no_argument, NULL, 'C'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    dauys_workspace *ws = NULL;
    const char *dir = ".";
    dauys_tally t;
    dauys_error err;
    int c, format = 0;

    while ((c = getopt_long(argc, argv, "w:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'w': dir = optarg; break;
        case 'J': format = 'J'; break;
        case 'C': format = 'C'; break;
        case 'h': fputs(tally_usage, stdout); return CLI_EXIT_OK;
        default: fputs(tally_usage, stderr); return CLI_EXIT_FAIL;
        }
    }
    if (optind != argc) {
        fputs(tally_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    if (dauys_workspace_open_reader(&ws, dir, &err) != 0 ||
        dauys_tally_compute(&t, ws, &err) != 0) {
        cli_report(&err);
        dauys_workspace_close(ws);
        return CLI_EXIT_FAIL;
    }
    format == 'J'   ? dauys_report_json(stdout, &t)
    : format == 'C' ? dauys_report_csv(stdout, &t)
                    : dauys_report_text(stdout, &t);
    dauys_tally_free(&t);
    dauys_workspace_close(ws);
    return CLI_EXIT_OK;
}

static const char report_usage[] =
    "usage: dauys report [-w DIR] --html FILE\n"
    "\n"
    "Writes the result as one self-contained HTML page (FILE, or - for standard\n"
    "output): the decision with its rules and numbers, turnout and yes by region\n"
    "against the lines the rules draw, a turnout histogram over precincts, the\n"
    "turnout x yes fingerprint, the regions, the forensics flags and the\n"
    "protocols that do not count. No script, no external file: it opens offline\n"
    "and prints. If the log ends with this result signed (dauys publish), the\n"
    "page says so; otherwise it is marked a preview. Every bundle holds the page\n"
    "of its signed result as reports/report.html.\n";

/* Renders the page of WS's tally into *BUF (a memory stream; the caller frees). */
static int
report_render(char **buf, size_t *len, dauys_workspace *ws, const dauys_tally *t, dauys_error *err)
{
    dauys_html_page page;
    char *statement = NULL;
    size_t statement_len;
    FILE *fp = NULL;
    int rc = -1;

    *buf = NULL;
    if (dauys_html_page_load(&page, ws, t, err) != 0 ||
        dauys_publish_statement(&statement, &statement_len, &page.covered, page.covered_root,
                                &page.published, ws, t, err) != 0) {
        goto done;
    }
    if ((fp = open_memstream(buf, len)) == NULL) {
        dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
        goto done;
    }
    dauys_html_write(fp, &page);
    rc = ferror(fp) | fclose(fp) ? dauys_error_set(err, DAUYS_E_NOMEM, "out of memory") : 0;
done:
    dauys_free(statement);
    dauys_html_page_free(&page);
    return rc;
}

/* Writes the page to OUT: a new version of the file (atomically), or stdout for "-". */
static int
report_save(const char *out, const char *page, size_t len, dauys_error *err)
{
    if (strcmp(out, "-") != 0) {
        return dauys_file_write_atomic(out, page, len, 0644, err);
    }
    if (fwrite(page, 1, len, stdout) != len || fflush(stdout) != 0) {
        return dauys_error_set(err, DAUYS_E_IO, "standard output: write failed");
    }
    return 0;
}

int
cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {{"html", required_argument, NULL, 'H'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *dir = ".", *out = NULL;
    dauys_workspace *ws = NULL;
    dauys_tally t = {0};
    dauys_error err;
    char *page = NULL;
    size_t len = 0;
    int c, rc = CLI_EXIT_FAIL;

    while ((c = getopt_long(argc, argv, "w:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'w': dir = optarg; break;
        case 'H': out = optarg; break;
        case 'h': fputs(report_usage, stdout); return CLI_EXIT_OK;
        default: fputs(report_usage, stderr); return CLI_EXIT_FAIL;
        }
    }
    if (out == NULL || optind != argc) {
        fputs(report_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    if (dauys_workspace_open_reader(&ws, dir, &err) != 0 ||
        dauys_tally_compute(&t, ws, &err) != 0 || report_render(&page, &len, ws, &t, &err) != 0 ||
        report_save(out, page, len, &err) != 0) {
        cli_report(&err);
        goto done;
    }
    rc = CLI_EXIT_OK;
done:
    free(page); /* open_memstream's buffer is libc's */
    dauys_tally_free(&t);
    dauys_workspace_close(ws);
    return rc;
}

static const char publish_usage[] =
    "usage: dauys publish [-w DIR] -k CENTRAL.key [--password-file F] [--archive FILE] OUTDIR\n"
    "\n"
    "Tallies the workspace, signs the result statement with the central key\n"
    "(minisign format: minisign -Vm OUTDIR/result.txt -p OUTDIR/central.pub\n"
    "verifies it), appends it to the log, signs a checkpoint covering it, and\n"
    "writes the evidence bundle into OUTDIR (new or empty). Publishing again with\n"
    "nothing new gives byte-identical files. Layout: docs/FORMATS.md, \"Bundle\".\n"
    "--archive FILE: also write the bundle as one archive (ustar, new file) that\n"
    "dauys-audit verify reads directly and tar -xf unpacks (dauys archive).\n";

int
cmd_publish(int argc, char **argv)
{
    static const struct option longopts[] = {{"key", required_argument, NULL, 'k'},
                                             {"password-file", required_argument, NULL, 'W'},
                                             {"archive", required_argument, NULL, 'A'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *dir = ".", *key = NULL, *archive = NULL;
    cli_password_source pw = {0};
    dauys_workspace *ws = NULL;
    dauys_seckey *sk = NULL;
    dauys_publication pub;
    dauys_error err;
    char latest[4200];
    int c, rc = CLI_EXIT_FAIL;

    while ((c = getopt_long(argc, argv, "w:k:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'w': dir = optarg; break;
        case 'k': key = optarg; break;
        case 'W': pw.file = optarg; break;
        case 'A': archive = optarg; break;
        case 'h': fputs(publish_usage, stdout); return CLI_EXIT_OK;
        default: fputs(publish_usage, stderr); return CLI_EXIT_FAIL;
        }
    }
    if (key == NULL || argc - optind != 1) {
        fputs(publish_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    cli_no_core_dumps();
    if (archive != NULL && access(archive, F_OK) == 0) { /* refused before anything is logged */
        cli_message("%s: exists; the archive is written as a new file", archive);
        return CLI_EXIT_FAIL;
    }
    if (dauys_workspace_open_frame(&ws, dir, &err) != 0 ||
        dauys_keys_seckey_load(&sk, key, cli_password_get, &pw, &err) != 0 ||
        dauys_publish(&pub, ws, sk, argv[optind], &err) != 0) {
        cli_report(&err);
        goto done;
    }
    snprintf(latest, sizeof latest, "%s/checkpoint.txt", dir);
    if (dauys_file_write_atomic(latest, pub.checkpoint, strlen(pub.checkpoint), 0644, &err) != 0 ||
        (archive != NULL && dauys_archive_pack(argv[optind], archive, &err) != 0)) {
        cli_report(&err);
        goto done;
    }
    printf("published to %s/: result covering %llu log entries (%s, %s), checkpoint of %llu "
           "entries%s\n",
           argv[optind], (unsigned long long) pub.covered, pub.final ? "final" : "PROVISIONAL",
           pub.adopted_all ? "adopted"
           : pub.valid_all ? "valid, not adopted"
                           : "not valid",
           (unsigned long long) pub.log_size,
           pub.appended ? "" : " (unchanged since the last publication)");
    if (archive != NULL) {
        printf("archived to %s\n", archive);
    }
    rc = CLI_EXIT_OK;
done:
    dauys_keys_seckey_free(sk);
    dauys_workspace_close(ws);
    return rc;
}

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

static const char import_usage[] =
    "usage: dauys import-csv (--preset NAME | --map FILE) CSV -o OUTDIR\n"
    "\n"
    "Replays a real referendum: turns an official results table into a manifest\n"
    "and one protocol per row, signed with freshly generated keys, in OUTDIR (new\n"
    "or empty): central.pub, central.key (unencrypted replay key), manifest.txt\n"
    "and protocols/. Rows that break a control relation are listed and written\n"
    "as they are: ingestion will reject them. Then:\n"
    "  dauys init -w WS --manifest OUTDIR/manifest.txt --central-key OUTDIR/central.pub\n"
    "  dauys ingest -w WS OUTDIR/protocols; dauys tally -w WS\n"
    "  (ingest exits 1 when it rejects the flagged rows, as it should)\n"
    "presets: it-eligendo (Italy, results by municipality from the Ministry of the\n"
    "         Interior's Eligendo, as collected by ondata/referendum-download)\n"
    "--map FILE: a column map of your own, \"dauys-csv-map 2\" (docs/FORMATS.md, 18.6;\n"
    "         tests/data/it-2026/it-eligendo.map is the preset written out): column\n"
    "         names in braces, ids composed from several columns (\"{region}-{number}\"),\n"
    "         sums (\"{a} + {b}\"), ballots received, issued and cancelled, any number\n"
    "         of precincts abroad. Two rows with one precinct id, or two regions or\n"
    "         districts under one id, are refused at both CSV lines.\n";

static void
on_flag(const char *where, const char *code, const char *message, void *ctx)
{
    (void) ctx;
    printf("breaks %s: %s: ", code, where);
    cli_print_untrusted(stdout, message);
    putchar('\n');
}

int
cmd_import_csv(int argc, char **argv)
{
    static const struct option longopts[] = {{"preset", required_argument, NULL, 'P'},
                                             {"map", required_argument, NULL, 'M'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const dauys_import_map *map = NULL;
    dauys_import_map_file file = {0};
    int rc;
    const char *out = NULL;
    dauys_import_report rep;
    dauys_error err;
    char e[32], t[32], y[32], n[32];
    int c;

    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'P':
            if (map != NULL || (map = dauys_import_preset(optarg)) == NULL) {
                cli_message("--preset: no preset \"%s\" (it-eligendo)", optarg);
                return CLI_EXIT_FAIL;
            }
            break;
        case 'M':
            if (map != NULL || dauys_import_map_load(&file, optarg, &err) != 0) {
                cli_message("%s", map != NULL ? "give one of --preset and --map" : err.message);
                dauys_import_map_free(&file);
                return CLI_EXIT_FAIL;
            }
            map = &file.map;
            break;
        case 'h': fputs(import_usage, stdout); return CLI_EXIT_OK;
        default:
            fputs(import_usage, stderr);
            dauys_import_map_free(&file);
            return CLI_EXIT_FAIL;
        }
    }
    if (map == NULL || out == NULL || argc - optind != 1) {
        fputs(import_usage, stderr);
        dauys_import_map_free(&file);
        return CLI_EXIT_FAIL;
    }
    cli_no_core_dumps(); /* it makes every precinct's secret key */
    rc = dauys_import_csv(&rep, argv[optind], map, out, on_flag, NULL, &err);
    dauys_import_map_free(&file);
    if (rc != 0) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    dauys_out_group(e, sizeof e, rep.eligible), dauys_out_group(t, sizeof t, rep.took_part);
    dauys_out_group(y, sizeof y, rep.yes), dauys_out_group(n, sizeof n, rep.no);
    printf("%zu rows (%zu regions, %zu districts) written to %s/; totals of the file: eligible %s, "
           "took part %s, yes %s, no %s; %zu rows break a control relation\n",
           rep.rows, rep.regions, rep.districts, out, e, t, y, n, rep.breaking);
    return CLI_EXIT_OK;
}
