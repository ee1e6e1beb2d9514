/*
 * import.h: replaying a real referendum. An official results table (CSV)
 * becomes a manifest and one signed protocol per row, with freshly generated
 * keys, so the whole pipeline (init, ingest, tally, publish, audit) can run
 * on real numbers. Rows that break control relations are reported, never
 * fixed: they are written as they are, and ingestion rejects them.
 */
#ifndef DAUYS_INPUTS_IMPORT_H
#define DAUYS_INPUTS_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/*
 * Which columns mean what (docs/FORMATS.md, 18.6). Every value but the
 * literal ones is a template: column names in braces. An id or a name is
 * text with columns in it ("{cod_reg}-{cod_prov}"; an id's own characters
 * are those of an id); a count is one column or a sum ("{a} + {b}"), and
 * the optional counts are "-" where the table lacks them. One preset
 * exists: "it-eligendo".
 */
typedef struct dauys_import_map {
    const char *origin, *name; /* "preset" or "map", and its name: for messages */
    const char *precinct, *precinct_name, *region, *region_name, *district, *district_name;
    const char *eligible, *received, *issued, *cancelled, *took_part, *yes, *no, *not_counted,
        *invalid;
    /* the rows whose region columns are all empty: votes cast abroad */
    const char *abroad_id, *abroad_name, *abroad_precinct;
    const char *referendum, *title, *date, *profile, *question;
} dauys_import_map;

/* The preset called NAME, or NULL. */
const dauys_import_map *dauys_import_preset(const char *name);

/*
 * A column mapping read from a map file: the map's strings point into the
 * file's text, which the loaded map owns; free with dauys_import_map_free.
 */
typedef struct dauys_import_map_file {
    dauys_import_map map;
    char *text;
} dauys_import_map_file;

/* Reads the map file PATH (at most 64 KiB) into *OUT, or fails naming its
 * line and key. */
int dauys_import_map_load(dauys_import_map_file *out, const char *path, dauys_error *err) DAUYS_WUR;

/*
 * Parses the map in TEXT (LEN bytes, allocated with dauys_malloc; the map
 * takes it over whether or not the parse succeeds), named NAME in errors,
 * into *OUT. Every template is checked here, so a bad one is named at its
 * line of the map.
 */
int dauys_import_map_parse(dauys_import_map_file *out, char *text, size_t len, const char *name,
                           dauys_error *err) DAUYS_WUR;
void dauys_import_map_free(dauys_import_map_file *m);

/*
 * Reads and checks the table CSV (LEN bytes, named NAME in errors) with MAP
 * as dauys_import_csv does before it writes anything: every row has the
 * header's fields, every id and count is valid, and no two rows share a
 * precinct id nor two regions or districts an id. *ROWS gets the number of
 * data rows. Nothing is written and no key is made.
 */
int dauys_import_check(size_t *rows, const char *csv, size_t len, const char *name,
                       const dauys_import_map *map, dauys_error *err) DAUYS_WUR;

typedef struct dauys_import_report {
    size_t rows, regions, districts, breaking; /* rows breaking a control relation */
    uint64_t eligible, took_part, yes, no, invalid;
} dauys_import_report;

/* Called for each row that breaks a relation (CODE, MESSAGE), to be shown. */
typedef void (*dauys_import_flag_fn)(const char *where, const char *code, const char *message,
                                     void *ctx);

/*
 * Reads CSV_PATH with MAP and writes into OUTDIR (new or empty): central.pub
 * and central.key (unencrypted: a replay key), manifest.txt (+ .minisig) and
 * protocols/ID.txt (+ .minisig) for every row. Precinct keys live only in
 * memory. Totals over all rows go into REPORT.
 */
int dauys_import_csv(dauys_import_report *report, const char *csv_path, const dauys_import_map *map,
                     const char *outdir, dauys_import_flag_fn on_flag, void *ctx,
                     dauys_error *err) DAUYS_WUR;

#endif
