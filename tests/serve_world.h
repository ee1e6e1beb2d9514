/*
 * serve_world.h: a small referendum for the serve tests (test_snapshot,
 * livepage_fixture): REGIONS regions of one district each, PER_REGION
 * precincts each, one constitutional question, names full of what an
 * escaper must handle, real keys, protocols signed and ingested in batches
 * and checkpoints signed by the central key. Asserts (cmocka) on any failure.
 */
#ifndef DAUYS_TESTS_SERVE_WORLD_H
#define DAUYS_TESTS_SERVE_WORLD_H

#include <stddef.h>

#include "keys/keys.h"
#include "keys/note.h"
#include "store/workspace.h"

#define SERVE_WORLD_REGIONS 4
#define SERVE_WORLD_PER_REGION 3
#define SERVE_WORLD_PRECINCTS (SERVE_WORLD_REGIONS * SERVE_WORLD_PER_REGION)

/* The hostile part of every region's name and of the title: quotes, a
 * backslash, an end of script and a comment, U+0085 (a C1 control), U+202E
 * (a bidirectional override) and U+2028 (a line end to JavaScript). */
#define SERVE_WORLD_HOSTILE "\"q'\\b</script><!--&amp; \xc2\x85|\xe2\x80\xae|\xe2\x80\xa8|"

typedef struct serve_world {
    char *dir;   /* the workspace directory */
    char *files; /* where protocols are written */
    dauys_seckey *central;
    dauys_seckey *sk[SERVE_WORLD_PRECINCTS];
    dauys_pubkey pk[SERVE_WORLD_PRECINCTS];
    char *manifest; /* its text (version 1) */
    int batches;
} serve_world;

/* Makes the referendum's keys, manifest and workspace under BASE. */
void serve_world_make(serve_world *w, const char *base);

/* Signs and ingests, as one batch, the first protocols of precincts FROM..TO-1
 * (YES of 690 each: 1000 on the list, 700 took part), and, if CORRECT >= 0,
 * version 2 of precinct CORRECT and, if REJECT >= 0, a protocol of precinct
 * REJECT whose numbers do not add up. Opens and closes the workspace. */
void serve_world_ingest(serve_world *w, int from, int to, unsigned yes, int correct, int reject);

/* Writes into DIR precinct I's protocol P%03d-vVERSION.txt, signed by its key
 * (.minisig beside it): 1000 on the list, 700 took part, YES yes (BROKEN:
 * ballots in the boxes do not add up). */
void serve_world_write_protocol(serve_world *w, const char *dir, int i, unsigned version,
                                unsigned yes, int broken);

/* Signs a checkpoint of the log as it stands into NOTE (DAUYS_CHECKPOINT_NOTE_MAX bytes). */
void serve_world_checkpoint(serve_world *w, char *note);

/* Accepts version 2 of the manifest (the same but its version), through
 * another connection. */
void serve_world_update_manifest(serve_world *w);

void serve_world_free(serve_world *w);

#endif
