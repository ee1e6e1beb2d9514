#define _GNU_SOURCE
#include "tests/support.h"

#include <sqlite3.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/alloc.h"
#include "keys/keys.h"

static long fail_after = -1;
static int fail_once; /* only allocation fail_after + 1 fails, the later ones succeed */
static long attempts;
static long outstanding;

static int
may_allocate(void)
{
    attempts++;
    return fail_after < 0 || attempts <= fail_after || (fail_once && attempts > fail_after + 1);
}

static void *
counting_malloc(size_t n)
{
    void *p = may_allocate() ? malloc(n == 0 ? 1 : n) : NULL;
    outstanding += p != NULL;
    return p;
}

static void *
counting_realloc(void *ptr, size_t n)
{
    void *p = may_allocate() ? realloc(ptr, n) : NULL;
    outstanding += p != NULL && ptr == NULL;
    return p;
}

static void
counting_free(void *p)
{
    outstanding -= p != NULL;
    free(p);
}

static void *
counting_secure_malloc(size_t n)
{
    void *p = may_allocate() ? sodium_malloc(n) : NULL;
    outstanding += p != NULL;
    return p;
}

static void
counting_secure_free(void *p)
{
    outstanding -= p != NULL;
    sodium_free(p);
}

void
support_alloc_install(long fail)
{
    static const dauys_allocator counting = {
        counting_malloc,        counting_realloc,     counting_free,
        counting_secure_malloc, counting_secure_free,
    };
    fail_after = fail;
    fail_once = 0;
    attempts = 0;
    outstanding = 0;
    dauys_alloc_set(&counting);
}

void
support_alloc_install_once(long k)
{
    support_alloc_install(k);
    fail_once = 1;
}

void
support_alloc_limit(long more)
{
    fail_after = more < 0 ? -1 : attempts + more;
    fail_once = 0;
}

void
support_alloc_restore(void)
{
    dauys_alloc_set(NULL);
}

long
support_alloc_outstanding(void)
{
    return outstanding;
}

long
support_alloc_attempts(void)
{
    return attempts;
}

const char *
support_tmpdir(void)
{
    static char dirs[8][64];
    static unsigned next;
    char *d = dirs[next++ % 8];

    snprintf(d, 64, "/tmp/dauys-test.XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st;
    (void) flag;
    (void) ftw;
    return remove(path);
}

void
support_rmdir(const char *dir)
{
    assert_int_equal(nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

char *
support_path(const char *dir, const char *name)
{
    char *p = NULL;

    assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
    return p;
}

char *
support_write(const char *dir, const char *name, const void *data, size_t len, int mode)
{
    char *p = support_path(dir, name);
    FILE *fp = fopen(p, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(chmod(p, (mode_t) mode), 0);
    return p;
}

void
support_fake_pubkey(char out[57], uint32_t n)
{
    uint8_t bin[42] = {'E', 'd'};
    uint8_t seed[4] = {(uint8_t) n, (uint8_t) (n >> 8), (uint8_t) (n >> 16), (uint8_t) (n >> 24)};

    crypto_generichash(bin + 2, 40, seed, sizeof seed, NULL, 0);
    sodium_bin2base64(out, 57, bin, sizeof bin, sodium_base64_VARIANT_ORIGINAL);
}

void
support_assert_error(const dauys_error *err, dauys_status st, const char *needle, const char *file,
                     int line)
{
    if (err->status != st || (needle != NULL && strstr(err->message, needle) == NULL)) {
        print_error("%s:%d: expected status %s with \"%s\", got %s: \"%s\"\n", file, line,
                    dauys_status_name(st), needle ? needle : "", dauys_status_name(err->status),
                    err->message);
        _fail(file, line);
    }
}

void
support_write_signed(const char *dir, const char *name, const char *text, const dauys_seckey *key)
{
    char sigtext[DAUYS_KEYS_SIGNATURE_TEXT_MAX], signame[256];
    uint8_t h[DAUYS_KEYS_PREHASH_BYTES];
    dauys_signature sig;
    dauys_error err;

    free(support_write(dir, name, text, strlen(text), 0644));
    if (key == NULL) {
        return;
    }
    dauys_keys_prehash(h, text, strlen(text));
    assert_int_equal(dauys_keys_sign_prehashed(&sig, h, "test", key, &err), 0);
    assert_int_equal(dauys_keys_signature_encode(sigtext, sizeof sigtext, &sig, NULL, &err), 0);
    snprintf(signame, sizeof signame, "%s.minisig", name);
    free(support_write(dir, signame, sigtext, strlen(sigtext), 0644));
}

/* --- SQLite's allocations through dauys_malloc (and so the hooks) --------- */

static void *
sq_malloc(int n)
{
    int64_t *p = dauys_malloc((size_t) n + sizeof *p);
    return p == NULL ? NULL : (p[0] = n, p + 1);
}

static void
sq_free(void *p)
{
    if (p != NULL) {
        dauys_free((int64_t *) p - 1);
    }
}

static void *
sq_realloc(void *p, int n)
{
    int64_t *q = dauys_realloc((int64_t *) p - 1, (size_t) n + sizeof *q);
    return q == NULL ? NULL : (q[0] = n, q + 1);
}

static int
sq_size(void *p)
{
    return p == NULL ? 0 : (int) ((int64_t *) p)[-1];
}

static int
sq_roundup(int n)
{
    return (n + 7) & ~7;
}

static int
sq_init(void *ctx)
{
    (void) ctx;
    return SQLITE_OK;
}

static void
sq_shutdown(void *ctx)
{
    (void) ctx;
}

void
support_route_sqlite_allocations(void)
{
    static const sqlite3_mem_methods methods = {sq_malloc,  sq_free, sq_realloc,  sq_size,
                                                sq_roundup, sq_init, sq_shutdown, NULL};
    assert_int_equal(sqlite3_config(SQLITE_CONFIG_MALLOC, &methods), SQLITE_OK);
    assert_int_equal(sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0), SQLITE_OK);
}
