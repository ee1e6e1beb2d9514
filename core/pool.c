/*
 * pool.c: the worker pool (pool.h). Items are handed out by an atomic
 * counter, or under the lock when the task has a claim hook; the lock also
 * orders failures, so the first one recorded is the one the wait returns.
 */
#include <assert.h>
#include <string.h>

#include "core/pool.h"

/* Records ERR as the pool's failure unless one came first, and stops the pool. */
static void
pool_fail(dauys_pool *pool, const dauys_error *err)
{
    pthread_mutex_lock(&pool->lock);
    if (!atomic_load(&pool->stop)) {
        pool->first_error = *err;
        atomic_store(&pool->stop, 1);
    }
    pthread_mutex_unlock(&pool->lock);
}

/* Hands out the next item in *I: 1, or 0 when none is left or the pool stopped. */
static int
pool_claim(dauys_pool *pool, size_t *i)
{
    const dauys_pool_task *task = pool->task;
    int claimed;

    if (atomic_load(&pool->stop)) {
        return 0;
    }
    if (task->claim == NULL) {
        *i = atomic_fetch_add(&pool->next, 1);
        return *i < task->count;
    }
    pthread_mutex_lock(&pool->lock);
    *i = atomic_load(&pool->next);
    claimed = !atomic_load(&pool->stop) && *i < task->count;
    if (claimed) {
        atomic_store(&pool->next, *i + 1);
        task->claim(task->ctx, *i);
    }
    pthread_mutex_unlock(&pool->lock);
    return claimed;
}

/* One thread's work (the caller's too, in the wait): items until none is left. */
static void *
pool_worker(void *arg)
{
    dauys_pool *pool = arg;
    const dauys_pool_task *task = pool->task;
    void *local = NULL;
    dauys_error err;
    size_t i;

    if (task->thread_start != NULL && task->thread_start(task->ctx, &local, &err) != 0) {
        pool_fail(pool, &err);
        return NULL;
    }
    while (pool_claim(pool, &i)) {
        if (task->run(task->ctx, local, i, &err) != 0) {
            pool_fail(pool, &err);
            break;
        }
    }
    if (task->thread_end != NULL) {
        task->thread_end(task->ctx, local);
    }
    return NULL;
}

unsigned
dauys_pool_start(dauys_pool *pool, const dauys_pool_task *task, unsigned workers)
{
    assert(task->run != NULL);
    memset(&pool->first_error, 0, sizeof pool->first_error);
    pool->task = task;
    pool->started = 0;
    atomic_init(&pool->next, 0);
    atomic_init(&pool->stop, 0);
    pthread_mutex_init(&pool->lock, NULL);
    if (workers > DAUYS_POOL_THREADS_MAX) {
        workers = DAUYS_POOL_THREADS_MAX;
    }
    if (workers > task->count) { /* a thread with no item to do is a wasted start */
        workers = (unsigned) task->count;
    }
    while (pool->started < workers &&
           pthread_create(&pool->tid[pool->started], NULL, pool_worker, pool) == 0) {
        pool->started++;
    }
    return pool->started;
}

int
dauys_pool_wait(dauys_pool *pool, dauys_error *err)
{
    pool_worker(pool);
    for (unsigned t = 0; t < pool->started; t++) {
        pthread_join(pool->tid[t], NULL);
    }
    pool->started = 0;
    pthread_mutex_destroy(&pool->lock);
    if (atomic_load(&pool->stop)) {
        if (err != NULL) {
            *err = pool->first_error;
        }
        return -1;
    }
    return 0;
}

int
dauys_pool_run(const dauys_pool_task *task, unsigned workers, dauys_error *err)
{
    dauys_pool pool;

    dauys_pool_start(&pool, task, workers);
    return dauys_pool_wait(&pool, err);
}
