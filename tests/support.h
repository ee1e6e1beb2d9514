/*
 * support.h: helpers shared by the cmocka unit tests: a counting allocator
 * that can fail the k-th allocation, temporary directories, and small file
 * utilities.
 */
#ifndef DAUYS_TESTS_SUPPORT_H
#define DAUYS_TESTS_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/error.h"

/* Installs the counting allocator; after FAIL_AFTER successful allocations
 * every further one fails (-1: never fail). */
void support_alloc_install(long fail_after);
/* Like support_alloc_install, but only allocation K + 1 fails: the code
 * must notice one failure even when everything after it succeeds. */
void support_alloc_install_once(long k);
/* With the counting allocator installed, keeps its counts and, from now
 * on, lets MORE further allocations succeed and fails every one after them
 * (-1: never fail again): for a failure inside one call of a longer run. */
void support_alloc_limit(long more);
/* Restores the default allocator. */
void support_alloc_restore(void);
/* Routes SQLite's own allocations through dauys_malloc, so the hooks above
 * fail them too (call before SQLite is first used; lookaside off, since its
 * slots would hide allocations). */
void support_route_sqlite_allocations(void);
/* Allocations (ordinary + secure) not yet freed. */
long support_alloc_outstanding(void);
/* Allocations attempted since the last install. */
long support_alloc_attempts(void);

/* Makes a fresh temporary directory; returns its path (static storage per call slot). */
const char *support_tmpdir(void);
/* Removes the directory made by support_tmpdir and all it holds. */
void support_rmdir(const char *dir);
/* Writes LEN bytes to DIR/NAME with MODE; returns the path (malloc'ed). */
char *support_write(const char *dir, const char *name, const void *data, size_t len, int mode);
/* Joins DIR and NAME into a malloc'ed path. */
char *support_path(const char *dir, const char *name);

struct dauys_seckey;

/* Writes TEXT to DIR/NAME and, if KEY, its minisign signature by KEY to
 * DIR/NAME.minisig (trusted comment "test"); asserts on any failure. */
void support_write_signed(const char *dir, const char *name, const char *text,
                          const struct dauys_seckey *key);

/* A well-formed minisign public key in base64 ("Ed", key id and key bytes
 * derived from N), distinct for every N: for rosters where no one signs. */
void support_fake_pubkey(char out[57], uint32_t n);

/* Asserts ERR holds STATUS and its message contains NEEDLE (may be NULL). */
#define assert_error(err, st, needle)                                                              \
    support_assert_error((err), (st), (needle), __FILE__, __LINE__)
void support_assert_error(const dauys_error *err, dauys_status st, const char *needle,
                          const char *file, int line);

#endif
