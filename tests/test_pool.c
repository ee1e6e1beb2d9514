/*
 * test_pool.c: core/pool: every item done once on one thread or many, none
 * for zero items, the first failure kept and nothing started after it,
 * claims in index order, thread states made and freed in pairs, and every
 * allocation of a task's hooks failing in turn without a leak.
 */
#include "tests/support.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/pool.h"

enum { MANY = 5000 };

/* What a test task saw. */
typedef struct tally {
    atomic_int done[MANY];     /* run calls per item */
    atomic_int claimed[MANY];  /* claim calls per item */
    atomic_size_t next_claim;  /* the index the next claim must have */
    atomic_int out_of_order;   /* a claim came out of order, or a run before its claim */
    atomic_int starts, ends;   /* thread_start successes, thread_end calls */
    atomic_int runs_with_null; /* runs without the thread's state */
    size_t fail_at[2];         /* items that fail (MANY: none) */
    int fail_thread_start;     /* thread_start fails */
    int allocate;              /* the hooks allocate, as bulk keygen's do */
} tally;

static tally *
tally_new(void)
{
    tally *t = calloc(1, sizeof *t);

    assert_non_null(t);
    t->fail_at[0] = t->fail_at[1] = MANY;
    return t;
}

static int
run_item(void *ctx, void *local, size_t i, dauys_error *err)
{
    tally *t = ctx;

    assert_true(i < MANY);
    atomic_fetch_add(&t->done[i], 1);
    if ((t->fail_thread_start || t->allocate) && local == NULL) {
        atomic_fetch_add(&t->runs_with_null, 1);
    }
    if (t->allocate) {
        void *scratch = dauys_malloc(16);
        if (scratch == NULL) {
            return dauys_error_set(err, DAUYS_E_NOMEM, "item %zu: out of memory", i);
        }
        dauys_free(scratch);
    }
    if (i == t->fail_at[0] || i == t->fail_at[1]) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "item %zu failed", i);
    }
    return 0;
}

static void
claim_item(void *ctx, size_t i)
{
    tally *t = ctx;

    if (atomic_load(&t->next_claim) != i || atomic_load(&t->done[i]) != 0) {
        atomic_store(&t->out_of_order, 1);
    }
    atomic_store(&t->next_claim, i + 1);
    atomic_fetch_add(&t->claimed[i], 1);
}

static int
thread_start(void *ctx, void **local, dauys_error *err)
{
    tally *t = ctx;

    if (t->fail_thread_start) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "no state for this thread");
    }
    *local = t->allocate ? dauys_malloc(64) : (void *) t;
    if (*local == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "thread state: out of memory");
    }
    atomic_fetch_add(&t->starts, 1);
    return 0;
}

static void
thread_end(void *ctx, void *local)
{
    tally *t = ctx;

    assert_non_null(local);
    atomic_fetch_add(&t->ends, 1);
    if (t->allocate) {
        dauys_free(local);
    }
}

static dauys_pool_task
task_of(tally *t, size_t count, int hooks)
{
    dauys_pool_task task = {.ctx = t, .count = count, .run = run_item};

    if (hooks) {
        task.claim = claim_item;
        task.thread_start = thread_start;
        task.thread_end = thread_end;
    }
    return task;
}

static void
assert_each_done(const tally *t, size_t count, int times)
{
    for (size_t i = 0; i < MANY; i++) {
        assert_int_equal(atomic_load(&t->done[i]), i < count ? times : 0);
    }
}

/* Every item once, with and without hooks, on 0 to more than the cap of threads. */
static void
test_every_item_once(void **state)
{
    static const unsigned workers[] = {0, 1, 2, 7, DAUYS_POOL_THREADS_MAX + 10};

    (void) state;
    for (size_t w = 0; w < sizeof workers / sizeof *workers; w++) {
        for (int hooks = 0; hooks < 2; hooks++) {
            tally *t = tally_new();
            dauys_pool_task task = task_of(t, MANY, hooks);
            dauys_error err;

            assert_int_equal(dauys_pool_run(&task, workers[w], &err), 0);
            assert_each_done(t, MANY, 1);
            assert_int_equal(atomic_load(&t->out_of_order), 0);
            assert_int_equal(atomic_load(&t->starts), atomic_load(&t->ends));
            if (hooks) {
                assert_true(atomic_load(&t->starts) >= 1); /* the caller's, at least */
                for (size_t i = 0; i < MANY; i++) {
                    assert_int_equal(atomic_load(&t->claimed[i]), 1);
                }
            }
            free(t);
        }
    }
}

/* Threads start, at most the cap, never more than the items; none with 0 workers. */
static void
test_thread_counts(void **state)
{
    tally *t = tally_new();
    dauys_pool_task task = task_of(t, MANY, 1);
    dauys_pool pool;

    (void) state;
    assert_int_equal(dauys_pool_start(&pool, &task, 0), 0);
    assert_each_done(t, 0, 0); /* nothing runs before the wait on one thread */
    assert_int_equal(dauys_pool_wait(&pool, NULL), 0);
    assert_each_done(t, MANY, 1);
    assert_int_equal(atomic_load(&t->starts), 1);

    memset(t, 0, sizeof *t);
    t->fail_at[0] = t->fail_at[1] = MANY;
    assert_int_equal(dauys_pool_start(&pool, &task, DAUYS_POOL_THREADS_MAX + 1),
                     DAUYS_POOL_THREADS_MAX);
    assert_int_equal(dauys_pool_wait(&pool, NULL), 0);
    assert_each_done(t, MANY, 1);

    memset(t, 0, sizeof *t);
    t->fail_at[0] = t->fail_at[1] = MANY;
    task.count = 3;
    assert_int_equal(dauys_pool_start(&pool, &task, 8), 3);
    assert_int_equal(dauys_pool_wait(&pool, NULL), 0);
    assert_each_done(t, 3, 1);
    free(t);
}

/* Zero items: no run, no claim, and the thread states still come in pairs. */
static void
test_zero_items(void **state)
{
    (void) state;
    for (unsigned workers = 0; workers < 3; workers++) {
        tally *t = tally_new();
        dauys_pool_task task = task_of(t, 0, 1);

        assert_int_equal(dauys_pool_run(&task, workers, NULL), 0);
        assert_each_done(t, 0, 0);
        assert_int_equal(atomic_load(&t->next_claim), 0);
        assert_int_equal(atomic_load(&t->starts), atomic_load(&t->ends));
        free(t);
    }
}

/* On one thread the first failing item's error is kept and no later item starts. */
static void
test_first_failure_one_thread(void **state)
{
    tally *t = tally_new();
    dauys_pool_task task = task_of(t, MANY, 1);
    dauys_error err;

    (void) state;
    t->fail_at[0] = 17;
    t->fail_at[1] = 40;
    assert_int_equal(dauys_pool_run(&task, 0, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "item 17 failed");
    for (size_t i = 0; i < MANY; i++) {
        assert_int_equal(atomic_load(&t->done[i]), i <= 17);
    }
    assert_int_equal(atomic_load(&t->starts), 1);
    assert_int_equal(atomic_load(&t->ends), 1);
    assert_int_equal(dauys_pool_run(&task, 0, NULL), -1); /* ERR may be NULL */
    free(t);
}

/* On many threads: the failure is one of the failing items', each item runs
 * at most once, and the failing one did run. */
static void
test_failure_many_threads(void **state)
{
    (void) state;
    for (int round = 0; round < 20; round++) {
        tally *t = tally_new();
        dauys_pool_task task = task_of(t, MANY, round % 2);
        dauys_error err;

        t->fail_at[0] = 100;
        assert_int_equal(dauys_pool_run(&task, 8, &err), -1);
        assert_error(&err, DAUYS_E_FORMAT, "item 100 failed");
        assert_int_equal(atomic_load(&t->done[100]), 1);
        for (size_t i = 0; i < MANY; i++) {
            assert_true(atomic_load(&t->done[i]) <= 1);
        }
        assert_int_equal(atomic_load(&t->starts), atomic_load(&t->ends));
        free(t);
    }
}

/* A thread whose state cannot be made fails the pool, runs nothing, and is not ended. */
static void
test_thread_start_failure(void **state)
{
    (void) state;
    for (unsigned workers = 0; workers < 5; workers += 4) {
        tally *t = tally_new();
        dauys_pool_task task = task_of(t, MANY, 1);
        dauys_error err;

        t->fail_thread_start = 1;
        assert_int_equal(dauys_pool_run(&task, workers, &err), -1);
        assert_error(&err, DAUYS_E_NOMEM, "no state for this thread");
        assert_int_equal(atomic_load(&t->runs_with_null), 0);
        assert_int_equal(atomic_load(&t->ends), 0);
        assert_each_done(t, 0, 0);
        free(t);
    }
}

/* The pool itself allocates nothing: it works with every allocation failing. */
static void
test_pool_allocates_nothing(void **state)
{
    tally *t = tally_new();
    dauys_pool_task task = task_of(t, MANY, 1);

    (void) state;
    support_alloc_install(0);
    assert_int_equal(dauys_pool_run(&task, 4, NULL), 0);
    assert_int_equal(support_alloc_attempts(), 0);
    support_alloc_restore();
    assert_each_done(t, MANY, 1);
    free(t);
}

/* Each allocation of the hooks fails in turn (one thread: the counting
 * allocator is not thread-safe): an out-of-memory error, nothing leaked,
 * no item after the failure. */
static void
test_each_allocation_fails(void **state)
{
    long k = 0;

    (void) state;
    for (;; k++) {
        tally *t = tally_new();
        dauys_pool_task task = task_of(t, 50, 1);
        dauys_error err;
        int rc;

        t->allocate = 1;
        support_alloc_install_once(k);
        rc = dauys_pool_run(&task, 0, &err);
        long attempts = support_alloc_attempts();
        long outstanding = support_alloc_outstanding();
        support_alloc_restore();
        assert_int_equal(outstanding, 0);
        assert_int_equal(atomic_load(&t->runs_with_null), 0);
        if (k >= attempts) { /* nothing failed: the run is whole */
            assert_int_equal(rc, 0);
            assert_each_done(t, 50, 1);
            free(t);
            break;
        }
        assert_int_equal(rc, -1);
        assert_int_equal(err.status, DAUYS_E_NOMEM);
        /* allocation 0 is the thread's state; then one per item */
        for (size_t i = 0; i < MANY; i++) {
            assert_int_equal(atomic_load(&t->done[i]), k > 0 && (long) i < k);
        }
        free(t);
    }
    assert_int_equal(k, 51);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_item_once),
        cmocka_unit_test(test_thread_counts),
        cmocka_unit_test(test_zero_items),
        cmocka_unit_test(test_first_failure_one_thread),
        cmocka_unit_test(test_failure_many_threads),
        cmocka_unit_test(test_thread_start_failure),
        cmocka_unit_test(test_pool_allocates_nothing),
        cmocka_unit_test(test_each_allocation_fails),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
