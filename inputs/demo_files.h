/*
 * demo_files.h: the files of the mock referendum that dauys demo runs
 * (inputs/demo.h plans it): under a directory OUT, the keys (keys/central.pub
 * and .key; keys/precincts/ID.pub and .key for demos of up to
 * DAUYS_DEMO_KEY_FILES_MAX precincts), the signed manifest (manifest.txt),
 * every precinct's genuine signed protocol (incoming/ID.txt), and the planted
 * trouble (in incoming/ and later/). Every key derives from the seed: the same
 * plan gives the same files, byte for byte. Nothing here prints.
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

/*
 * Makes OUT (new, or an existing empty directory) and its subdirectories
 * keys/, keys/precincts/, incoming/ and later/. Returns 0, or -1 with ERR
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

#endif
