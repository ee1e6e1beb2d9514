/*
 * bench_log: the cost of appending to the workspace's log as it grows, to
 * show appends stay cheap at a million entries (the tree's complete nodes are
 * stored, so nothing is recomputed). Prints the time per append for each
 * block of appends, and the ratio of the last block to the first: measured
 * in one run, since absolute times drift on shared machines.
 *
 * usage: bench_log DIR [ENTRIES]   (DIR: a workspace made by dauys init)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/alloc.h"
#include "store/workspace.h"

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
    long total = argc > 2 ? atol(argv[2]) : 1000000, block = total / 10, done = 0;
    double first = 0, last = 0;
    dauys_workspace *ws;
    dauys_error err;
    uint64_t index;

    if (argc < 2 || dauys_core_init() != 0 || dauys_workspace_open(&ws, argv[1], &err) != 0) {
        fprintf(stderr, "usage: bench_log WORKSPACE_DIR [ENTRIES]\n");
        return 2;
    }
    while (done < total) {
        double t0 = now(), per;
        if (dauys_workspace_begin(ws, &err) != 0) {
            fprintf(stderr, "%s\n", err.message);
            return 2;
        }
        for (long i = 0; i < block; i++) {
            dauys_log_event e = {.event = "rejected",
                                 .referendum = ws->manifest.referendum,
                                 .reason_code = "bench",
                                 .reason = "benchmark entry"};
            e.file_sha256[0] = (uint8_t) i, e.file_sha256[1] = (uint8_t) (i >> 8);
            if (dauys_log_append(ws, &e, &index, &err) != 0) {
                fprintf(stderr, "%s\n", err.message);
                return 2;
            }
        }
        if (dauys_workspace_commit(ws, &err) != 0) {
            fprintf(stderr, "%s\n", err.message);
            return 2;
        }
        done += block;
        per = (now() - t0) / (double) block * 1e6;
        first = first == 0 ? per : first;
        last = per;
        printf("log size %8llu: %.2f us per append\n", (unsigned long long) ws->head.range.size,
               per);
    }
    printf("last block / first block: %.2fx\n", last / first);
    dauys_workspace_close(ws);
    return 0;
}
