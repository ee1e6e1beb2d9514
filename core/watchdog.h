/*
 * watchdog.h: a deadline for the requests of accepted sockets, for HTTP
 * servers whose library has none (libmicrohttpd 0.9.75 has only an idle
 * timeout, which a byte now and then resets: a slow-loris client keeps a
 * connection forever). A thread looks every quarter second and shuts down
 * (shutdown(2), never close) each watched socket that has owed its next
 * request's headers for longer than the deadline; the server's library then
 * sees the connection end and closes it as usual. Used by dauys serve and
 * dauys-audit witness, each from its connection notices: watch a socket when
 * accepted, mark it busy while a request is in (its body has a deadline of
 * its own), idle again once answered, forget it before its descriptor is
 * closed (so a reused descriptor is never shut down).
 */
#ifndef DAUYS_CORE_WATCHDOG_H
#define DAUYS_CORE_WATCHDOG_H

#include <stdint.h>

#include "core/error.h"

typedef struct dauys_watchdog dauys_watchdog;
typedef struct dauys_watchdog_socket dauys_watchdog_socket;

/*
 * Starts a watchdog whose sockets may owe a request's headers for at most
 * DEADLINE_MS milliseconds. *OUT is the caller's, stopped and freed with
 * dauys_watchdog_stop. Returns 0, or -1 with ERR (no memory, no thread).
 */
int dauys_watchdog_start(dauys_watchdog **out, uint64_t deadline_ms, dauys_error *err) DAUYS_WUR;

/* Stops W's thread and frees W and every socket still watched (NULL is fine). */
void dauys_watchdog_stop(dauys_watchdog *w);

/*
 * Watches socket FD from now, idle (owing a request). Returns its handle,
 * or NULL when out of memory (the socket is then not watched: the server's
 * idle timeout still applies). Thread-safe.
 */
dauys_watchdog_socket *dauys_watchdog_watch(dauys_watchdog *w, int fd);

/* K's request's headers are in (BUSY 1), or it was answered (0: idle from now). */
void dauys_watchdog_mark(dauys_watchdog *w, dauys_watchdog_socket *k, int busy);

/* Stops watching K and frees it, before its descriptor is closed (NULL is fine). */
void dauys_watchdog_forget(dauys_watchdog *w, dauys_watchdog_socket *k);

/* How many sockets W has shut down so far. */
uint64_t dauys_watchdog_cut_count(dauys_watchdog *w);

#endif
