/* status.h: where a workspace stands: expected, accepted, conflicted and
 * missing precincts, nationally and per region, and submissions by outcome. */
#ifndef DAUYS_TALLY_STATUS_H
#define DAUYS_TALLY_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "store/workspace.h"

typedef struct dauys_place_status {
    char id[DAUYS_ID_MAX + 1];
    char name[256];
    uint64_t expected, accepted, conflicted, missing;
} dauys_place_status;

typedef struct dauys_status_report {
    dauys_place_status national; /* id "national" */
    size_t region_count;
    dauys_place_status *region; /* owned; free with dauys_status_free */
    uint64_t accepted, corrections, rejected, replays, conflicts, stale; /* submissions */
    uint64_t warnings, log_size;
} dauys_status_report;

int dauys_status_read(dauys_status_report *out, dauys_workspace *ws, dauys_error *err)
    __attribute__((warn_unused_result));
void dauys_status_free(dauys_status_report *r);

/* Calls EACH(id, CTX) for every precinct without a counting protocol, by id. */
int dauys_status_missing(dauys_workspace *ws, void (*each)(const char *id, void *ctx), void *ctx,
                         dauys_error *err) __attribute__((warn_unused_result));

#endif
