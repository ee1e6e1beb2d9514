/*
 * server.h: dauys serve, election night online. An HTTP server
 * (libmicrohttpd) that takes signed protocols (POST /v1/protocols),
 * records them through ingest's session, one transaction per group of
 * concurrent requests, answers each only once it is durably committed, and
 * every interval signs a checkpoint and publishes the log as C2SP
 * tlog-tiles, the provisional status and the live page (docs/SERVER.md).
 */
#ifndef DAUYS_SERVE_SERVER_H
#define DAUYS_SERVE_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "keys/keys.h"

typedef struct dauys_serve_config {
    const char *workspace;       /* the workspace directory */
    const char *tiles;           /* where the tiles are written (NULL: WORKSPACE/tiles) */
    const char *listen;          /* "ADDRESS:PORT" (an IPv4 address; port 0: any free port) */
    unsigned interval_ms;        /* between publications (0: 1000) */
    unsigned threads;            /* HTTP threads (0: one per CPU) */
    unsigned max_connections;    /* 0: 4096 */
    unsigned idle_timeout_s;     /* a connection silent this long is closed (0: 15) */
    unsigned request_deadline_s; /* headers (from the connection's start or its last
                                    answer) or a body (from its headers) not complete
                                    by then: the connection is dropped (0: 30) */
    size_t max_pending;          /* submissions waiting to be recorded (0: 20000): then 503 */
    const dauys_seckey *central; /* the central key, owned by the caller, kept while serving */
    /* Witnesses asked to cosign every checkpoint (C2SP tlog-witness; their
     * submission prefixes, publish/witness.h), whose cosignatures by the
     * manifest's witnesses go into the published checkpoint; none: 0. */
    const char *const *witness_urls;
    size_t witness_count;
    unsigned witness_timeout_ms; /* per request, connect included (0: 10,000) */
    unsigned witness_retries;    /* on no answer, 5xx or 429, with backoff (0: none) */
    /* Called from the server's threads, one line at a time (no newline),
     * for the command to print; may be NULL. */
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
} dauys_serve_config;

typedef struct dauys_server dauys_server;

/*
 * Opens the workspace, publishes what the log holds beyond the tiles already
 * there, and starts serving with CFG (which must outlive the server). Returns
 * 0 with *OUT running (stop it with dauys_serve_stop), or -1 with ERR.
 */
int dauys_serve_start(dauys_server **out, const dauys_serve_config *cfg,
                      dauys_error *err) DAUYS_WUR;

/* The port the server listens on (the one chosen when 0 was asked). */
unsigned dauys_serve_port(const dauys_server *s);

/* The tiles directory the server writes. */
const char *dauys_serve_tiles_dir(const dauys_server *s);

/*
 * Stops accepting connections, lets the submissions in flight finish (each
 * answered), publishes a last checkpoint, and frees S. Returns 0, or -1 with
 * ERR when the last publication failed (S is freed all the same).
 */
int dauys_serve_stop(dauys_server *s, dauys_error *err) DAUYS_WUR;

#endif
