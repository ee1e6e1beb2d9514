/*
 * demo_files.h: the files of the mock referendum that dauys demo runs
 * (inputs/demo.h plans it): under a directory OUT, the keys (keys/central.pub
 * and .key; keys/precincts/ID.pub and .key for demos of up to
 * DAUYS_DEMO_KEY_FILES_MAX precincts; keys/commissions/LEVEL-AREA.pub and
 * .key likewise), the signed manifest (manifest.txt), every precinct's
 * genuine signed protocol (incoming/ID.txt), the planted trouble (in
 * incoming/ and later/), and the district and region commissions' signed
 * summary protocols (summaries/), one of them planted. Every key derives
 * from the seed: the same plan gives the same files, byte for byte. Nothing
 * here prints.
 */
#ifndef DAUYS_INPUTS_DEMO_FILES_H
#define DAUYS_INPUTS_DEMO_FILES_H

#include "core/error.h"
#include "inputs/demo.h"

/* Precinct key files are written up to this many precincts (two files each). */
#define DAUYS_DEMO_KEY_FILES_MAX 20000

/* The planted files: seven made from the plan, and one copy (a duplicate). */
#define DAUYS_DEMO_PLANTED 8

/* One planted file: its path under OUT, and the outcome ingestion must give it. */
typedef struct dauys_demo_planted {
    char path[96];
    const char *what; /* static text */
} dauys_demo_planted;

/* The planted summary: the district whose commission moved votes from no
 * to yes (dauys_demo_summaries). */
typedef struct dauys_demo_planted_summary {
    int planted;               /* 0: no district could take it (all hold planted trouble) */
    uint32_t district;         /* its index */
    char area[32];             /* its id */
    char path[96];             /* summaries/district-ID.txt */
    uint64_t moved;            /* votes moved from q1_no to q1_yes */
    dauys_demo_counts genuine; /* the true sums of its precincts' protocols */
} dauys_demo_planted_summary;

/*
 * The version and variant of precinct I's protocol that counts once
 * incoming/ and later/ are ingested: version 2 (DAUYS_DEMO_RECOUNT) for the
 * conflict resolved and the recount, else the genuine version 1.
 */
void dauys_demo_final(uint32_t *version, dauys_demo_variant *variant, const dauys_demo *d,
                      uint32_t i);

/*
 * Makes OUT (new, or an existing empty directory) and its subdirectories
 * keys/, keys/precincts/, keys/commissions/, incoming/, later/ and
 * summaries/. Returns 0, or -1 with ERR
 * (DAUYS_E_EXISTS: OUT holds something; DAUYS_E_IO otherwise).
 */
int dauys_demo_dirs(const char *out, dauys_error *err) DAUYS_WUR;

/*
 * Writes D's keys, every precinct's genuine signed protocol (on every core)
 * and the signed manifest under OUT (made by dauys_demo_dirs), then syncs
 * the file system. Returns 0, or -1 with ERR.
 */
int dauys_demo_write(const dauys_demo *d, const char *out, dauys_error *err) DAUYS_WUR;

/*
 * Writes the planted trouble under OUT, after dauys_demo_write: a count
 * altered after signing, a replay, a conflict and its resolution, a
 * correction, a stale version, a broken relation, and a byte-for-byte copy
 * of a protocol. Fills PLANTED (in the order written). Returns 0, or -1
 * with ERR.
 */
int dauys_demo_plant(dauys_demo_planted planted[DAUYS_DEMO_PLANTED], const dauys_demo *d,
                     const char *out, dauys_error *err) DAUYS_WUR;

/*
 * Writes the summary protocols (FORMATS.md 9A) under OUT/summaries/, after
 * dauys_demo_write: for every district, district-ID.txt signed by its
 * commission, the sums of its precincts' counting protocols
 * (dauys_demo_final), each listed in a `sums` line with its version; for
 * every region with districts, region-ID.txt signed by its commission, the
 * sums of its districts' summaries as signed (version 1 each). One district
 * chosen from the seed, holding no planted trouble and at least one no
 * vote, is planted: its commission signs min(250, no / 10) votes (at least
 * 1) moved from q1_no to q1_yes, and its region's summary sums those
 * numbers. Fills *PLANTED. Returns 0, or -1 with ERR.
 */
int dauys_demo_summaries(dauys_demo_planted_summary *planted, const dauys_demo *d, const char *out,
                         dauys_error *err) DAUYS_WUR;

#endif
