/*
 * bench_floor.c: the physical floor for checking N signed protocols: what
 * libsodium alone needs to verify their minisign signatures on every core,
 * with nothing else. The protocols, their signatures (decoded) and their
 * precincts' keys are loaded into memory first, untimed; then the threads
 * do, per protocol, exactly what any minisign-compatible verifier must:
 * BLAKE2b-512 of the file (the "ED" prehash), Ed25519 over it, and Ed25519
 * over the signature and trusted comment (the global signature).
 *
 *   usage: bench_floor DIR THREADS
 *
 * DIR is a dauys demo --out directory (manifest.txt and incoming/). Prints
 * "floor N THREADS SECONDS" and exits 1 if any signature fails.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/file.h"
#include "keys/keys.h"
#include "referendum/manifest.h"

typedef struct item {
    char *text;
    size_t len;
    dauys_signature sig;
    const dauys_pubkey *pk;
} item;

typedef struct work {
    item *items;
    size_t count, next;
    pthread_mutex_t lock;
    int bad;
} work;

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* The libsodium calls of one minisign "ED" verification, nothing else. */
static int
verify_one(const item *it)
{
    uint8_t h[crypto_generichash_BYTES_MAX],
        msg[DAUYS_KEYS_SIG_BYTES + DAUYS_KEYS_TRUSTED_COMMENT_MAX];
    size_t tc = strlen(it->sig.trusted_comment);

    crypto_generichash(h, sizeof h, (const uint8_t *) it->text, it->len, NULL, 0);
    memcpy(msg, it->sig.sig, DAUYS_KEYS_SIG_BYTES);
    memcpy(msg + DAUYS_KEYS_SIG_BYTES, it->sig.trusted_comment, tc);
    return crypto_sign_verify_detached(it->sig.sig, h, sizeof h, it->pk->pk) |
           crypto_sign_verify_detached(it->sig.global_sig, msg, DAUYS_KEYS_SIG_BYTES + tc,
                                       it->pk->pk);
}

static void *
worker(void *arg)
{
    work *w = arg;
    int bad = 0;

    for (;;) {
        pthread_mutex_lock(&w->lock);
        size_t from = w->next, to = w->next = from + 64 > w->count ? w->count : from + 64;
        w->bad += bad;
        bad = 0;
        pthread_mutex_unlock(&w->lock);
        if (from == to) {
            return NULL;
        }
        for (size_t i = from; i < to; i++) {
            bad += verify_one(&w->items[i]) != 0;
        }
    }
}

/* Loads DIR/incoming/ID.txt and its signature for every precinct of the manifest. */
static item *
load(const char *dir, dauys_manifest *m, size_t *count)
{
    char path[4096], *text, *sig;
    size_t len, sig_len;
    dauys_error err;
    item *items;

    snprintf(path, sizeof path, "%s/manifest.txt", dir);
    if (dauys_file_read(&text, &len, path, DAUYS_MANIFEST_FILE_MAX, &err) != 0 ||
        dauys_manifest_parse(m, text, len, path, &err) != 0 ||
        (items = calloc(m->precinct_count, sizeof *items)) == NULL) {
        fprintf(stderr, "bench_floor: %s\n", err.message);
        exit(2);
    }
    dauys_free(text);
    for (size_t i = 0; i < m->precinct_count; i++) {
        const dauys_precinct *p = &m->precinct[i];
        snprintf(path, sizeof path, "%s/incoming/%.*s.txt", dir, (int) p->id_len, p->id);
        if (dauys_file_read(&items[i].text, &items[i].len, path, 1 << 16, &err) != 0) {
            fprintf(stderr, "bench_floor: %s\n", err.message);
            exit(2);
        }
        strncat(path, ".minisig", sizeof path - strlen(path) - 1);
        if (dauys_file_read(&sig, &sig_len, path, DAUYS_KEYS_FILE_MAX, &err) != 0 ||
            dauys_keys_signature_decode(&items[i].sig, sig, sig_len, path, &err) != 0) {
            fprintf(stderr, "bench_floor: %s\n", err.message);
            exit(2);
        }
        dauys_free(sig);
        items[i].pk = &p->key;
    }
    *count = m->precinct_count;
    return items;
}

int
main(int argc, char **argv)
{
    dauys_manifest m;
    work w = {.lock = PTHREAD_MUTEX_INITIALIZER};
    pthread_t tid[64];
    int threads = argc == 3 ? atoi(argv[2]) : 0;
    double t0;

    if (threads < 1 || threads > 64 || dauys_core_init() != 0) {
        fprintf(stderr, "usage: bench_floor DIR THREADS (1-64)\n");
        return 2;
    }
    w.items = load(argv[1], &m, &w.count);
    t0 = now();
    for (int t = 0; t < threads; t++) {
        if (pthread_create(&tid[t], NULL, worker, &w) != 0) {
            return 2;
        }
    }
    for (int t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
    }
    printf("floor %zu %d %.3f\n", w.count, threads, now() - t0);
    for (size_t i = 0; i < w.count; i++) {
        dauys_free(w.items[i].text);
    }
    free(w.items);
    dauys_manifest_free(&m);
    return w.bad ? 1 : 0;
}
