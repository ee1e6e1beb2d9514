/*
 * test_serve_clock.c: dauys serve publishes on time whatever the wall clock
 * does. The test interposes clock_gettime: the wall clock reads an hour
 * ahead, as it does just before NTP steps it back. A publisher that waited
 * for a wall-clock instant slept that hour (no checkpoint, no status, no
 * cosignatures), and a stop waited as long for submissions in flight; both
 * must wait on the monotonic clock only (found by the issue-18 review, after
 * the same fault in core/watchdog.c).
 */
#define _GNU_SOURCE /* syscall */
#include "tests/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/file.h"
#include "net/net.h"
#include "serve/server.h"
#include "tests/serve_world.h"

/* The wall clock an hour ahead; the monotonic clock as it is. */
int
clock_gettime(clockid_t id, struct timespec *t)
{
    long rc = syscall(SYS_clock_gettime, id, t);

    if (rc == 0 && id == CLOCK_REALTIME) {
        t->tv_sec += 3600;
    }
    return (int) rc;
}

/* The tree size of the checkpoint in TILES (0 if none yet). */
static unsigned long
published_size(const char *tiles)
{
    char *path = support_path(tiles, "checkpoint"), *note = NULL, *nl;
    unsigned long size = 0;
    size_t len = 0;
    dauys_error err;

    if (dauys_file_read(&note, &len, path, 1 << 16, &err) == 0 && (nl = strchr(note, '\n'))) {
        size = strtoul(nl + 1, NULL, 10);
    }
    free(note);
    free(path);
    return size;
}

static void
test_publishes_with_the_wall_clock_ahead(void **state)
{
    const char *base = support_tmpdir();
    serve_world w;
    dauys_serve_config cfg = {.listen = "127.0.0.1:0", .interval_ms = 200, .threads = 1};
    dauys_server *s = NULL;
    dauys_net_session *session = NULL;
    dauys_net_response r;
    dauys_error err;
    char url[64], *proto, *sig;
    unsigned long size = 0;
    struct timespec t0, t1;
    (void) state;

    serve_world_make(&w, base);
    serve_world_write_protocol(&w, w.files, 0, 1, 400, 0);
    proto = support_path(w.files, "P000-v1.txt");
    sig = support_path(w.files, "P000-v1.txt.minisig");
    cfg.workspace = w.dir;
    cfg.central = w.central;
    if (dauys_serve_start(&s, &cfg, &err) != 0) {
        fail_msg("serve: %s", err.message);
    }
    assert_int_equal(published_size(dauys_serve_tiles_dir(s)), 1); /* the manifest */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/v1/protocols", dauys_serve_port(s));
    dauys_net_part parts[2] = {{.name = "protocol", .path = proto},
                               {.name = "signature", .path = sig}};
    assert_int_equal(dauys_net_session_new(&session, &err), 0);
    assert_int_equal(dauys_net_post_files(session, &r, url, parts, 2, 1 << 16, NULL, &err), 0);
    assert_int_equal(r.status, 200);
    dauys_net_response_free(&r);
    /* Published within a few intervals (200 ms), not an hour later. */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 100 && (size = published_size(dauys_serve_tiles_dir(s))) < 2; i++) {
        nanosleep(&(struct timespec){.tv_nsec = 50 * 1000000L}, NULL);
    }
    assert_int_equal(size, 2);
    dauys_net_session_free(session);
    assert_int_equal(dauys_serve_stop(s, &err), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 30); /* and the stop did not wait for the wall clock */
    free(proto);
    free(sig);
    serve_world_free(&w);
    support_rmdir(base);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_publishes_with_the_wall_clock_ahead),
    };
    dauys_error err;

    if (dauys_core_init() != 0 || dauys_net_init(&err) != 0) {
        return 1;
    }
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    dauys_net_cleanup();
    return rc;
}
