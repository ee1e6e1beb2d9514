/*
 * pool.h: the one worker pool of dauys. A fixed number of threads work
 * through COUNT items by index, each item once, with the caller's function
 * and context. The calling thread works too, in dauys_pool_wait, so a pool
 * whose threads could not start still does every item.
 *
 *   dauys_pool p;
 *   dauys_pool_start(&p, &task, workers);  threads start on the items
 *   ... the caller may do other work here ...
 *   dauys_pool_wait(&p, err);              the caller helps, then joins
 *
 * Each start is followed by exactly one wait. The pool allocates nothing
 * (its threads' ids live in the struct), so it has no out-of-memory path of
 * its own; the caller's hooks allocate through core/alloc.h.
 *
 * Items are handed out in index order. Results belong in the caller's
 * array at the item's index, so they come out in input order whatever
 * thread did them. The first failure (by time) is kept with its error, and
 * no item is started after it.
 */
#ifndef DAUYS_CORE_POOL_H
#define DAUYS_CORE_POOL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "core/error.h"

/* The most threads a pool starts (beside the caller's). */
#define DAUYS_POOL_THREADS_MAX 64

typedef struct dauys_pool_task {
    void *ctx;    /* handed to every hook */
    size_t count; /* items 0 .. count - 1 */
    /* Does item I with the thread's LOCAL state (NULL without thread_start).
     * Returns 0, or -1 with ERR filled: the pool then stops. Required. */
    int (*run)(void *ctx, void *local, size_t i, dauys_error *err);
    /* Optional: called as item I is handed out, under the pool's lock, so
     * calls come one at a time and in index order (for input that must be
     * read in order). */
    void (*claim)(void *ctx, size_t i);
    /* Optional: makes a thread's state in *LOCAL before its first item.
     * Returns 0, or -1 with ERR filled (a failure like an item's; then
     * thread_end is not called). */
    int (*thread_start)(void *ctx, void **local, dauys_error *err);
    /* Optional: frees what thread_start made, after the thread's last item. */
    void (*thread_end)(void *ctx, void *local);
} dauys_pool_task;

/* Caller-owned (its threads hold its address until the wait). */
typedef struct dauys_pool {
    const dauys_pool_task *task; /* not copied: it must outlive the wait */
    atomic_size_t next;          /* the next item to hand out */
    atomic_int stop;             /* a failure happened: hand out nothing more */
    pthread_mutex_t lock;        /* guards claim calls and first_error */
    dauys_error first_error;     /* under lock */
    pthread_t tid[DAUYS_POOL_THREADS_MAX];
    unsigned started;
} dauys_pool;

/*
 * Starts up to WORKERS threads (at most DAUYS_POOL_THREADS_MAX; fewer if the
 * system refuses some) on TASK's items and returns at once; with 0 workers
 * the items are all done in dauys_pool_wait. TASK must stay valid until the
 * wait. Returns the number of threads started.
 */
unsigned dauys_pool_start(dauys_pool *pool, const dauys_pool_task *task, unsigned workers);

/*
 * Works through the items still waiting on the calling thread, then joins
 * the pool's threads. Returns 0 if every item succeeded, or -1 with ERR (if
 * not NULL) set to the first failure.
 */
int dauys_pool_wait(dauys_pool *pool, dauys_error *err) DAUYS_WUR;

/* dauys_pool_start then dauys_pool_wait: TASK on WORKERS threads and the caller's. */
int dauys_pool_run(const dauys_pool_task *task, unsigned workers, dauys_error *err) DAUYS_WUR;

#endif
