/*
 * alloc.h: every allocation in dauys library code goes through here, so that
 * tests can make the k-th allocation fail and prove each out-of-memory path
 * returns a clean error without leaking (the libcbor approach).
 *
 * Two kinds of memory:
 *  - ordinary memory (dauys_malloc / dauys_free);
 *  - secure memory for secrets (dauys_secure_malloc / dauys_secure_free):
 *    sodium_malloc by default, i.e. guarded, mlock'ed where possible, and
 *    wiped on free.
 */
#ifndef DAUYS_CORE_ALLOC_H
#define DAUYS_CORE_ALLOC_H

#include <stddef.h>

#include "core/error.h"

/*
 * Initialises the libraries dauys builds on (libsodium: secure memory and
 * randomness). Call once, before any other dauys function; safe to repeat.
 * Returns 0, or -1 if libsodium cannot start (no randomness source).
 */
int dauys_core_init(void) DAUYS_WUR;

typedef struct dauys_allocator {
    void *(*malloc_fn)(size_t size);
    void *(*realloc_fn)(void *ptr, size_t size);
    void (*free_fn)(void *ptr);
    void *(*secure_malloc_fn)(size_t size);
    void (*secure_free_fn)(void *ptr);
} dauys_allocator;

/*
 * Installs ALLOCATOR (copied), or the defaults (libc + libsodium) when NULL.
 * Not thread-safe: call it before any other dauys function, as tests do.
 * Every member must be set.
 */
void dauys_alloc_set(const dauys_allocator *allocator);

/* Like malloc/realloc/free. dauys_malloc(0) returns a unique pointer. */
void *dauys_malloc(size_t size);
void *dauys_realloc(void *ptr, size_t size);
void dauys_free(void *ptr);

/* Allocates SIZE bytes with overflow-checked COUNT * SIZE; NULL on overflow. */
void *dauys_malloc_array(size_t count, size_t size);

/* Secure memory for secrets: freed (and wiped) only by dauys_secure_free. */
void *dauys_secure_malloc(size_t size);
void dauys_secure_free(void *ptr);

/* Returns a dauys_malloc'ed copy of the NUL-terminated S, or NULL. */
char *dauys_strdup(const char *s);

#endif
