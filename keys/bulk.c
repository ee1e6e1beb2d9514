/*
 * bulk.c: key pairs for many precincts at once, in parallel, all or nothing.
 */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/file.h"
#include "keys/keys.h"
#include "keys/seckey.h"

typedef struct bulk_job {
    const char *dir;
    char *const *ids;
    size_t count;
    const char *password;
    const dauys_kdf *kdf;
    atomic_size_t next;
    atomic_int stop;
    unsigned char *created; /* created[i]: both files of ids[i] written */
    pthread_mutex_t lock;
    dauys_error first_error; /* under lock */
    int failed;              /* under lock */
} bulk_job;

/* Writes DIR/ID.pub and DIR/ID.key paths; -1 if they would not fit. */
static int
bulk_paths(char pub[PATH_MAX], char sec[PATH_MAX], const char *dir, const char *id)
{
    int a = snprintf(pub, PATH_MAX, "%s/%s.pub", dir, id);
    int b = snprintf(sec, PATH_MAX, "%s/%s.key", dir, id);

    return a < 0 || b < 0 || a >= PATH_MAX || b >= PATH_MAX ? -1 : 0;
}

/* Makes and saves the key pair for ids[I] using the thread's SK and SCRATCH. */
static int
bulk_one(bulk_job *job, size_t i, dauys_seckey *sk, keys_scratch *scratch, dauys_error *err)
{
    char pub[PATH_MAX], sec[PATH_MAX], label[96];
    dauys_pubkey pk;

    if (bulk_paths(pub, sec, job->dir, job->ids[i]) != 0) {
        return dauys_error_set(err, DAUYS_E_USAGE, "%s: path too long", job->dir);
    }
    snprintf(label, sizeof label, "precinct %s", job->ids[i]);
    if (dauys_keys_generate_into(&pk, sk, err) != 0) {
        return -1;
    }
    return dauys_keys_keypair_save_with(scratch, pub, sec, &pk, sk, label, job->password, job->kdf,
                                        0, err);
}

/* Records ERR as the job's failure (the first one wins) and stops the job. */
static void
bulk_fail(bulk_job *job, const dauys_error *err)
{
    atomic_store(&job->stop, 1);
    pthread_mutex_lock(&job->lock);
    if (!job->failed) {
        job->first_error = *err;
        job->failed = 1;
    }
    pthread_mutex_unlock(&job->lock);
}

/* One worker. Secure memory for a key and its encoding is allocated once per
 * thread, not per key: each secure allocation costs a dozen system calls. */
static void *
bulk_worker(void *arg)
{
    bulk_job *job = arg;
    dauys_seckey *sk = dauys_keys_seckey_new();
    keys_scratch *scratch = dauys_secure_malloc(sizeof *scratch);
    dauys_error err;

    if (sk == NULL || scratch == NULL) {
        dauys_error_set(&err, DAUYS_E_NOMEM, "out of secure memory for key generation");
        bulk_fail(job, &err);
    }
    while (!atomic_load(&job->stop)) {
        size_t i = atomic_fetch_add(&job->next, 1);
        if (i >= job->count) {
            break;
        }
        if (bulk_one(job, i, sk, scratch, &err) != 0) {
            bulk_fail(job, &err);
            break;
        }
        job->created[i] = 1;
    }
    dauys_keys_seckey_free(sk);
    dauys_secure_free(scratch);
    return NULL;
}

/* Fails if any file the job would write exists already, before writing any. */
static int
bulk_precheck(const bulk_job *job, dauys_error *err)
{
    char pub[PATH_MAX], sec[PATH_MAX];
    struct stat st;

    for (size_t i = 0; i < job->count; i++) {
        if (bulk_paths(pub, sec, job->dir, job->ids[i]) != 0) {
            return dauys_error_set(err, DAUYS_E_USAGE, "%s: path too long", job->dir);
        }
        if (lstat(sec, &st) == 0 || lstat(pub, &st) == 0) {
            return dauys_error_set(err, DAUYS_E_EXISTS,
                                   "%s: key files for precinct %s already exist; "
                                   "refusing to overwrite",
                                   job->dir, job->ids[i]);
        }
    }
    return 0;
}

/* Removes every key pair the job wrote (after a failure). */
static void
bulk_rollback(const bulk_job *job)
{
    char pub[PATH_MAX], sec[PATH_MAX];

    for (size_t i = 0; i < job->count; i++) {
        if (job->created[i] && bulk_paths(pub, sec, job->dir, job->ids[i]) == 0) {
            unlink(sec);
            unlink(pub);
        }
    }
}

/* Runs the job's workers on THREADS threads (the calling one included). */
static void
bulk_run(bulk_job *job, unsigned threads)
{
    pthread_t tid[64];
    unsigned started = 0;

    if (threads > 64) {
        threads = 64;
    }
    while (started + 1 < threads && pthread_create(&tid[started], NULL, bulk_worker, job) == 0) {
        started++;
    }
    bulk_worker(job);
    for (unsigned t = 0; t < started; t++) {
        pthread_join(tid[t], NULL);
    }
}

int
dauys_keys_generate_bulk(const char *dir, char *const *ids, size_t count, const char *password,
                         const dauys_kdf *kdf, unsigned threads, dauys_error *err)
{
    bulk_job job = {.dir = dir, .ids = ids, .count = count, .password = password, .kdf = kdf};
    int rc = -1;

    atomic_init(&job.next, 0);
    atomic_init(&job.stop, 0);
    if (bulk_precheck(&job, err) != 0) {
        return -1;
    }
    if ((job.created = dauys_malloc(count)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for %zu key pairs", count);
    }
    memset(job.created, 0, count);
    pthread_mutex_init(&job.lock, NULL);
    if (threads == 0) {
        /* scrypt is CPU-bound and scales with cores; without it the work is
         * file creation in one directory, which serialises on the directory
         * (measured: 3,000 pairs in 0.85 s on one thread, 1.12 s on two). */
        threads = password != NULL ? (unsigned) sysconf(_SC_NPROCESSORS_ONLN) : 1;
    }
    bulk_run(&job, threads);
    pthread_mutex_destroy(&job.lock);
    if (job.failed) {
        bulk_rollback(&job);
        if (err != NULL) {
            *err = job.first_error;
        }
    } else {
        rc = dauys_file_sync_fs(dir, err);
    }
    dauys_free(job.created);
    return rc;
}
