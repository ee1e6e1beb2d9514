/*
 * livepage_fixture.c: the files the live page's browser test serves
 * (tests/cli/livepage_cli.sh), and the snapshot's timing on a real workspace.
 *
 *   livepage_fixture render OUTDIR
 *       makes the test referendum (tests/serve_world.h) under OUTDIR/world;
 *       after a first batch of protocols and its checkpoint writes
 *       OUTDIR/page1.html and OUTDIR/status1.json, after a second batch and
 *       its checkpoint OUTDIR/page2.html and OUTDIR/status2.json (larger
 *       numbers), and the Content-Security-Policy to OUTDIR/csp.txt.
 *   livepage_fixture time WSDIR [ROUNDS]
 *       reads a snapshot of the workspace in WSDIR ROUNDS times (default 5),
 *       each in a read transaction on a connection of its own as the server
 *       does, and renders the JSON and the page; prints the best and the
 *       median time of each step and the sizes.
 */
#include "tests/support.h"
#include "tests/serve_world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/alloc.h"
#include "serve/livepage.h"
#include "serve/snapshot.h"
#include "store/db.h"
#include "store/status.h"
#include "tally/tally.h"

/* Writes LEN bytes of DATA to DIR/NAME; exits 2 on failure. */
static void
put(const char *dir, const char *name, const char *data, size_t len)
{
    free(support_write(dir, name, data, len, 0644));
}

/* Reads a snapshot of the workspace in DIR in a read transaction. */
static dauys_serve_snapshot *
snapshot_of(const char *dir)
{
    dauys_workspace *ws = NULL;
    dauys_serve_snapshot *s = NULL;
    dauys_error err;

    if (dauys_workspace_open_frame(&ws, dir, &err) != 0 ||
        dauys_db_exec(ws->db, "BEGIN", &err) != 0 || dauys_serve_snapshot_read(&s, ws, &err) != 0 ||
        dauys_db_exec(ws->db, "COMMIT", &err) != 0) {
        fprintf(stderr, "livepage_fixture: %s\n", err.message);
        exit(2);
    }
    dauys_workspace_close(ws);
    return s;
}

/* Writes OUTDIR/pageN.html and OUTDIR/statusN.json for the world as it stands. */
static void
render(serve_world *w, const char *outdir, int n)
{
    char note[DAUYS_CHECKPOINT_NOTE_MAX], name[32], *json = NULL, *page = NULL;
    size_t json_len, page_len;
    dauys_serve_snapshot *s;
    dauys_error err;

    serve_world_checkpoint(w, note);
    s = snapshot_of(w->dir);
    if (dauys_serve_snapshot_json(&json, &json_len, s, note, &err) != 0 ||
        dauys_serve_live_page(&page, &page_len, s, note, &err) != 0) {
        fprintf(stderr, "livepage_fixture: %s\n", err.message);
        exit(2);
    }
    snprintf(name, sizeof name, "status%d.json", n);
    put(outdir, name, json, json_len);
    snprintf(name, sizeof name, "page%d.html", n);
    put(outdir, name, page, page_len);
    dauys_free(json);
    dauys_free(page);
    dauys_serve_snapshot_free(s);
}

static int
render_main(const char *outdir)
{
    const char *csp = dauys_serve_live_page_csp();
    char *base = support_path(outdir, "world");
    serve_world w;

    if (mkdir(base, 0700) != 0) {
        perror(base);
        return 2;
    }
    serve_world_make(&w, base);
    serve_world_ingest(&w, 0, 5, 351, -1, -1);
    render(&w, outdir, 1);
    serve_world_ingest(&w, 5, SERVE_WORLD_PRECINCTS, 360, 0, 1);
    render(&w, outdir, 2);
    put(outdir, "csp.txt", csp, strlen(csp));
    serve_world_free(&w);
    free(base);
    return 0;
}

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int
by_value(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* Best and median of the N times T (sorted in place), in milliseconds. */
static void
report(const char *what, double *t, int n)
{
    qsort(t, (size_t) n, sizeof *t, by_value);
    printf("%-22s best %8.2f ms  median %8.2f ms\n", what, t[0] * 1e3, t[n / 2] * 1e3);
}

static int
time_main(const char *dir, int rounds)
{
    double t_read[64], t_json[64], t_page[64], t_status[64], t_tally[64], t_open;
    size_t json_len = 0, page_len = 0;
    dauys_workspace *ws = NULL;
    dauys_error err;

    t_open = now();
    if (dauys_workspace_open_frame(&ws, dir, &err) != 0) {
        fprintf(stderr, "livepage_fixture: %s\n", err.message);
        return 2;
    }
    t_open = now() - t_open;
    for (int i = 0; i < rounds; i++) {
        dauys_serve_snapshot *s = NULL;
        char *json = NULL, *page = NULL;
        double t0 = now();
        if (dauys_db_exec(ws->db, "BEGIN", &err) != 0 ||
            dauys_serve_snapshot_read(&s, ws, &err) != 0 ||
            dauys_db_exec(ws->db, "COMMIT", &err) != 0) {
            fprintf(stderr, "livepage_fixture: %s\n", err.message);
            return 2;
        }
        double t1 = now();
        if (dauys_serve_snapshot_json(&json, &json_len, s, NULL, &err) != 0) {
            fprintf(stderr, "livepage_fixture: %s\n", err.message);
            return 2;
        }
        double t2 = now();
        if (dauys_serve_live_page(&page, &page_len, s, NULL, &err) != 0) {
            fprintf(stderr, "livepage_fixture: %s\n", err.message);
            return 2;
        }
        double t3 = now();
        t_read[i] = t1 - t0, t_json[i] = t2 - t1, t_page[i] = t3 - t2;
        /* the two parts of the read, alone: where its time goes */
        dauys_workspace_status st;
        dauys_tally t;
        if (dauys_workspace_status_read(&st, ws, &err) != 0) {
            fprintf(stderr, "livepage_fixture: %s\n", err.message);
            return 2;
        }
        double t4 = now();
        if (dauys_tally_compute(&t, ws, &err) != 0) {
            fprintf(stderr, "livepage_fixture: %s\n", err.message);
            return 2;
        }
        t_status[i] = t4 - t3, t_tally[i] = now() - t4;
        dauys_workspace_status_free(&st);
        dauys_tally_free(&t);
        if (i == 0) {
            printf("%llu log entries, %llu precincts expected\n",
                   (unsigned long long) dauys_serve_snapshot_log_size(s),
                   (unsigned long long) ws->manifest.precinct_count);
        }
        dauys_free(json);
        dauys_free(page);
        dauys_serve_snapshot_free(s);
    }
    printf("%-22s %8.2f ms (once, not per snapshot)\n", "open (frame)", t_open * 1e3);
    report("snapshot read", t_read, rounds);
    report("  of which status", t_status, rounds);
    report("  of which tally", t_tally, rounds);
    report("status JSON", t_json, rounds);
    report("live page", t_page, rounds);
    printf("JSON %zu bytes, page %zu bytes, %d rounds\n", json_len, page_len, rounds);
    dauys_workspace_close(ws);
    return 0;
}

int
main(int argc, char **argv)
{
    if (dauys_core_init() != 0) {
        return 2;
    }
    if (argc == 3 && strcmp(argv[1], "render") == 0) {
        return render_main(argv[2]);
    }
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "time") == 0) {
        int rounds = argc == 4 ? atoi(argv[3]) : 5;
        return time_main(argv[2], rounds < 1 ? 1 : rounds > 64 ? 64 : rounds);
    }
    fprintf(stderr, "usage: livepage_fixture render OUTDIR | time WSDIR [ROUNDS]\n");
    return 2;
}
