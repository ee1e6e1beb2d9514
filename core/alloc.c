#include "core/alloc.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static void *
default_malloc(size_t size)
{
    return malloc(size == 0 ? 1 : size);
}

static dauys_allocator current = {
    .malloc_fn = default_malloc,
    .realloc_fn = realloc,
    .free_fn = free,
    .secure_malloc_fn = sodium_malloc,
    .secure_free_fn = sodium_free,
};

int
dauys_core_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

void
dauys_alloc_set(const dauys_allocator *allocator)
{
    static const dauys_allocator defaults = {
        .malloc_fn = default_malloc,
        .realloc_fn = realloc,
        .free_fn = free,
        .secure_malloc_fn = sodium_malloc,
        .secure_free_fn = sodium_free,
    };

    if (allocator == NULL) {
        allocator = &defaults;
    }
    assert(allocator->malloc_fn && allocator->realloc_fn && allocator->free_fn);
    assert(allocator->secure_malloc_fn && allocator->secure_free_fn);
    current = *allocator;
}

void *
dauys_malloc(size_t size)
{
    return current.malloc_fn(size);
}

void *
dauys_realloc(void *ptr, size_t size)
{
    return current.realloc_fn(ptr, size == 0 ? 1 : size);
}

void
dauys_free(void *ptr)
{
    if (ptr != NULL) {
        current.free_fn(ptr);
    }
}

void *
dauys_malloc_array(size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size) {
        return NULL;
    }
    return dauys_malloc(count * size);
}

void *
dauys_secure_malloc(size_t size)
{
    return current.secure_malloc_fn(size);
}

void
dauys_secure_free(void *ptr)
{
    if (ptr != NULL) {
        current.secure_free_fn(ptr);
    }
}

char *
dauys_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = dauys_malloc(n);

    if (copy != NULL) {
        memcpy(copy, s, n);
    }
    return copy;
}
