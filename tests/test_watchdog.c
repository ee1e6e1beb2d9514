/*
 * test_watchdog.c: the header deadline of core/watchdog.c holds whatever the
 * wall clock does. The test interposes clock_gettime: the wall clock reads an
 * hour ahead, as it does just before NTP steps it back. A watchdog that
 * waited for a wall-clock instant slept that hour, and slow clients' sockets
 * were never cut; it must run on the monotonic clock only.
 */
#define _GNU_SOURCE /* syscall */
#include "tests/support.h"

#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/watchdog.h"

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

static void
test_deadline_with_the_wall_clock_ahead(void **state)
{
    dauys_watchdog *w = NULL;
    dauys_watchdog_socket *k;
    dauys_error err;
    int sv[2];
    char c;
    (void) state;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(dauys_watchdog_start(&w, 200, &err), 0);
    assert_non_null(k = dauys_watchdog_watch(w, sv[0]));
    for (int i = 0; i < 40 && dauys_watchdog_cut_count(w) == 0; i++) {
        nanosleep(&(struct timespec){.tv_nsec = 50 * 1000000L}, NULL);
    }
    assert_int_equal(dauys_watchdog_cut_count(w), 1);
    assert_int_equal(read(sv[0], &c, 1), 0); /* shut down */
    dauys_watchdog_forget(w, k);
    dauys_watchdog_stop(w);
    close(sv[0]);
    close(sv[1]);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deadline_with_the_wall_clock_ahead),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
