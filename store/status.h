/* status.h: where a workspace stands: expected, accepted, conflicted and
 * missing precincts, nationally and per region, and submissions by outcome. */
#ifndef DAUYS_STORE_STATUS_H
#define DAUYS_STORE_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "store/workspace.h"

typedef struct dauys_place_status {
    char id[DAUYS_ID_MAX + 1];
    char name[256];
    uint64_t expected, accepted, conflicted, missing;
} dauys_place_status;

typedef struct dauys_workspace_status {
    dauys_place_status national; /* id "national" */
    size_t region_count;
    dauys_place_status *region; /* owned; free with dauys_workspace_status_free */
    uint64_t accepted, corrections, rejected, replays, conflicts, stale; /* submissions */
    uint64_t warnings, log_size;
    /* summary protocols (counted in the submissions above too): how many were
     * submitted, and how many areas have a current one */
    uint64_t summaries_submitted, summaries_current;
} dauys_workspace_status;

int dauys_workspace_status_read(dauys_workspace_status *out, dauys_workspace *ws,
                                dauys_error *err) DAUYS_WUR;
void dauys_workspace_status_free(dauys_workspace_status *r);

/* Calls EACH(id, CTX) for every precinct without a counting protocol, by id. */
int dauys_workspace_status_missing(dauys_workspace *ws, void (*each)(const char *id, void *ctx),
                                   void *ctx, dauys_error *err) DAUYS_WUR;

#endif
