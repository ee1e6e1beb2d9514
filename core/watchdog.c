/*
 * watchdog.c: shuts down sockets whose request headers are late (see
 * watchdog.h). One mutex guards the list of watched sockets; the thread
 * waits on a condition variable so that stopping is immediate.
 */
#include "core/watchdog.h"

#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/alloc.h"
#include "core/clock.h"

struct dauys_watchdog_socket {
    int fd;
    uint64_t since_ms; /* accepted, or its last request answered */
    int busy;          /* its headers are in: the body's deadline rules instead */
    int cut;           /* shut down already */
    struct dauys_watchdog_socket *prev, *next;
};

struct dauys_watchdog {
    uint64_t deadline_ms;
    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t wake;
    dauys_watchdog_socket *sockets;
    uint64_t cut;
    int stop;
    pthread_t thread;
};

/* Shuts down W's late sockets; W's lock held. */
static void
cut_late(dauys_watchdog *w)
{
    uint64_t now = dauys_clock_ms();

    for (dauys_watchdog_socket *k = w->sockets; k != NULL; k = k->next) {
        if (!k->busy && !k->cut && now - k->since_ms > w->deadline_ms) {
            (void) shutdown(k->fd, SHUT_RDWR);
            k->cut = 1;
            w->cut++;
        }
    }
}

static void *
watchdog_main(void *arg)
{
    dauys_watchdog *w = arg;

    pthread_mutex_lock(&w->lock);
    while (!w->stop) {
        /* monotonic (the condition's clock): a wall clock set back never stalls it */
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        t.tv_nsec += 250 * 1000000L; /* a quarter of a second: deadlines are whole seconds */
        if (t.tv_nsec >= 1000000000L) {
            t.tv_sec++;
            t.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->wake, &w->lock, &t);
        cut_late(w);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int
dauys_watchdog_start(dauys_watchdog **out, uint64_t deadline_ms, dauys_error *err)
{
    dauys_watchdog *w;

    *out = NULL;
    if ((w = dauys_malloc(sizeof *w)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for the header watchdog");
    }
    memset(w, 0, sizeof *w);
    w->deadline_ms = deadline_ms;
    pthread_condattr_t attr;
    pthread_mutex_init(&w->lock, NULL);
    if (pthread_condattr_init(&attr) != 0 ||
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
        pthread_cond_init(&w->wake, &attr) != 0) {
        pthread_mutex_destroy(&w->lock);
        dauys_free(w);
        return dauys_error_set(err, DAUYS_E_NOMEM, "cannot start the header watchdog");
    }
    pthread_condattr_destroy(&attr);
    if (pthread_create(&w->thread, NULL, watchdog_main, w) != 0) {
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        dauys_free(w);
        return dauys_error_set(err, DAUYS_E_NOMEM, "cannot start the header watchdog");
    }
    *out = w;
    return 0;
}

void
dauys_watchdog_stop(dauys_watchdog *w)
{
    if (w == NULL) {
        return;
    }
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    while (w->sockets != NULL) {
        dauys_watchdog_socket *next = w->sockets->next;
        dauys_free(w->sockets);
        w->sockets = next;
    }
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    dauys_free(w);
}

dauys_watchdog_socket *
dauys_watchdog_watch(dauys_watchdog *w, int fd)
{
    dauys_watchdog_socket *k = dauys_malloc(sizeof *k);

    if (k == NULL) {
        return NULL;
    }
    *k = (dauys_watchdog_socket){.fd = fd, .since_ms = dauys_clock_ms()};
    pthread_mutex_lock(&w->lock);
    k->next = w->sockets;
    if (w->sockets != NULL) {
        w->sockets->prev = k;
    }
    w->sockets = k;
    pthread_mutex_unlock(&w->lock);
    return k;
}

void
dauys_watchdog_mark(dauys_watchdog *w, dauys_watchdog_socket *k, int busy)
{
    pthread_mutex_lock(&w->lock);
    k->busy = busy;
    k->since_ms = dauys_clock_ms();
    pthread_mutex_unlock(&w->lock);
}

void
dauys_watchdog_forget(dauys_watchdog *w, dauys_watchdog_socket *k)
{
    if (k == NULL) {
        return;
    }
    pthread_mutex_lock(&w->lock);
    if (k->prev != NULL) {
        k->prev->next = k->next;
    } else {
        w->sockets = k->next;
    }
    if (k->next != NULL) {
        k->next->prev = k->prev;
    }
    pthread_mutex_unlock(&w->lock);
    dauys_free(k);
}

uint64_t
dauys_watchdog_cut_count(dauys_watchdog *w)
{
    uint64_t n;

    pthread_mutex_lock(&w->lock);
    n = w->cut;
    pthread_mutex_unlock(&w->lock);
    return n;
}
