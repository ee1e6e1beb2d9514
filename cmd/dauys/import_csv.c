/*
 * import_csv.c: dauys import-csv: a real referendum replayed from an official CSV.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"
#include "inputs/import.h"
#include "core/textout.h"

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
