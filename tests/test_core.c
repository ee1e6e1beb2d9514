/*
 * test_core.c: core/: error reporting, bounded and safe file I/O, SHA-256.
 */
#include "tests/support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/file.h"
#include "core/sha256.h"
#include "core/watchdog.h"

static void
hex_of(char out[65], const void *data, size_t len)
{
    uint8_t d[DAUYS_SHA256_BYTES];

    assert_int_equal(dauys_sha256(d, data, len), 0);
    dauys_sha256_hex(out, d);
}

/* FIPS 180-2 known answers. */
static void
test_sha256_known_answers(void **state)
{
    char hex[65];
    char *million = malloc(1000000);

    (void) state;
    hex_of(hex, "", 0);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hex_of(hex, "abc", 3);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hex_of(hex, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    memset(million, 'a', 1000000);
    hex_of(hex, million, 1000000);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);
}

static void
test_sha256_parts(void **state)
{
    const void *parts[] = {"\x00", "ab", "c"};
    const size_t lens[] = {1, 2, 1};
    uint8_t a[32], b[32];

    (void) state;
    assert_int_equal(dauys_sha256_parts(a, parts, lens, 3), 0);
    assert_int_equal(dauys_sha256(b,
                                  "\x00"
                                  "abc",
                                  4),
                     0);
    assert_memory_equal(a, b, 32);
}

static void
test_error_messages(void **state)
{
    dauys_error err;
    char longer[2000];

    (void) state;
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    assert_int_equal(dauys_error_set(&err, DAUYS_E_IO, "%s", longer), -1);
    assert_int_equal(strlen(err.message), DAUYS_ERROR_MESSAGE_MAX - 1);
    assert_int_equal(dauys_error_set(NULL, DAUYS_E_IO, "ignored"), -1);
    dauys_error_clear(&err);
    assert_int_equal(err.status, DAUYS_OK);
    for (int i = 0; i < DAUYS_STATUS_COUNT; i++) {
        assert_string_not_equal(dauys_status_name((dauys_status) i), "unknown");
        for (int j = 0; j < i; j++) {
            assert_string_not_equal(dauys_status_name((dauys_status) i),
                                    dauys_status_name((dauys_status) j));
        }
    }
    assert_string_equal(dauys_status_name(DAUYS_STATUS_COUNT), "unknown");
}

static void
test_file_read_limits(void **state)
{
    const char *dir = support_tmpdir();
    char *path = support_write(dir, "f.txt", "hello", 5, 0644);
    char *missing = support_path(dir, "nope");
    char *text;
    size_t len;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_file_read(&text, &len, path, 5, &err), 0);
    assert_int_equal(len, 5);
    assert_string_equal(text, "hello");
    dauys_free(text);
    assert_int_equal(dauys_file_read(&text, &len, path, 4, &err), -1);
    assert_error(&err, DAUYS_E_TOO_LARGE, "f.txt: file is 5 bytes, over the limit of 4");
    assert_int_equal(dauys_file_read(&text, &len, missing, 10, &err), -1);
    assert_error(&err, DAUYS_E_IO, "nope: No such file");
    assert_int_equal(dauys_file_read(&text, &len, dir, 10, &err), -1);
    assert_error(&err, DAUYS_E_IO, "not a regular file");
    free(path);
    free(missing);
    support_rmdir(dir);
}

static void
test_file_read_secret(void **state)
{
    const char *dir = support_tmpdir();
    char *ok = support_write(dir, "s", "secret", 6, 0600);
    char *open_to_all = support_write(dir, "o", "secret", 6, 0604);
    char *link = support_path(dir, "l");
    char *text;
    size_t len;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_file_read_secret(&text, &len, ok, 100, &err), 0);
    assert_string_equal(text, "secret");
    dauys_secure_free(text);
    assert_int_equal(dauys_file_read_secret(&text, &len, open_to_all, 100, &err), -1);
    assert_error(&err, DAUYS_E_PERMISSION, "mode 0604");
    assert_int_equal(symlink(ok, link), 0);
    assert_int_equal(dauys_file_read_secret(&text, &len, link, 100, &err), -1);
    assert_error(&err, DAUYS_E_PERMISSION, "symbolic link");
    free(ok), free(open_to_all), free(link);
    support_rmdir(dir);
}

static int
count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

static void
test_file_write(void **state)
{
    const char *dir = support_tmpdir();
    char *path = support_path(dir, "new");
    char *link = support_path(dir, "link");
    char *text;
    size_t len;
    dauys_error err;
    struct stat st;

    (void) state;
    assert_int_equal(dauys_file_write_new(path, "one", 3, 0600, 1, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(dauys_file_write_new(path, "two", 3, 0600, 0, &err), -1);
    assert_error(&err, DAUYS_E_EXISTS, "already exists");
    /* A symbolic link counts as existing, even a dangling one. */
    assert_int_equal(symlink("/nonexistent/target", link), 0);
    assert_int_equal(dauys_file_write_new(link, "two", 3, 0600, 0, &err), -1);
    assert_error(&err, DAUYS_E_EXISTS, NULL);

    assert_int_equal(dauys_file_write_atomic(path, "replaced", 8, 0644, &err), 0);
    assert_int_equal(dauys_file_read(&text, &len, path, 100, &err), 0);
    assert_string_equal(text, "replaced");
    dauys_free(text);
    assert_int_equal(count_entries(dir), 2); /* no temporary file left behind */
    assert_int_equal(dauys_file_sync_fs(dir, &err), 0);
    free(path);
    free(link);
    support_rmdir(dir);
}

/* 1 if FD sees its peer shut down (EOF) within MS milliseconds, else 0. */
static int
peer_shut_within(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char c;

    return poll(&p, 1, ms) == 1 && recv(fd, &c, 1, MSG_DONTWAIT) == 0;
}

/* The watchdog shuts down an idle socket past its deadline, never a busy or forgotten one. */
static void
test_watchdog(void **state)
{
    int late[2], busy[2], gone[2], answered[2];
    dauys_watchdog_socket *k_busy, *k_gone, *k_answered;
    dauys_watchdog *w = NULL;
    dauys_error err;
    struct timespec t0, t1;

    (void) state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, late), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, busy), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, gone), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, answered), 0);
    assert_int_equal(dauys_watchdog_start(&w, 300, &err), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_non_null(dauys_watchdog_watch(w, late[0]));
    assert_non_null(k_busy = dauys_watchdog_watch(w, busy[0]));
    assert_non_null(k_gone = dauys_watchdog_watch(w, gone[0]));
    assert_non_null(k_answered = dauys_watchdog_watch(w, answered[0]));
    dauys_watchdog_mark(w, k_busy, 1);
    dauys_watchdog_mark(w, k_answered, 1);
    dauys_watchdog_forget(w, k_gone);
    /* Cut after the deadline (300 ms), and not long after (it looks every 250 ms). */
    assert_true(peer_shut_within(late[1], 3000));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 300);
    /* A request answered restarts the clock: idle again, cut a deadline later. */
    dauys_watchdog_mark(w, k_answered, 0);
    assert_false(peer_shut_within(answered[1], 150));
    assert_true(peer_shut_within(answered[1], 3000));
    assert_false(peer_shut_within(busy[1], 10));
    assert_false(peer_shut_within(gone[1], 10));
    assert_int_equal(dauys_watchdog_cut_count(w), 2);
    dauys_watchdog_stop(w); /* frees the sockets still watched */
    for (int i = 0; i < 2; i++) {
        close(late[i]);
        close(busy[i]);
        close(gone[i]);
        close(answered[i]);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_known_answers),
        cmocka_unit_test(test_sha256_parts),
        cmocka_unit_test(test_error_messages),
        cmocka_unit_test(test_file_read_limits),
        cmocka_unit_test(test_file_read_secret),
        cmocka_unit_test(test_file_write),
        cmocka_unit_test(test_watchdog),
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
