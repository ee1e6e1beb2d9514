/*
 * fuzz.h: what the libFuzzer targets share. Each target hands the input to
 * one parser of outside input, in a buffer of exactly its length (so that
 * AddressSanitizer sees any read past it), and checks what the parser
 * promises: 0 with its output, or -1 with an error message.
 */
#ifndef DAUYS_FUZZ_H
#define DAUYS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

/* libsodium made ready, once, before any input (LLVMFuzzerInitialize). */
static inline int
fuzz_init(void)
{
    if (dauys_core_init() != 0) {
        abort();
    }
    return 0;
}

/* DATA copied into a buffer of exactly SIZE bytes (one if empty); free() it. */
static inline char *
fuzz_copy(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);

    if (copy == NULL) {
        abort();
    }
    if (size > 0) {
        memcpy(copy, data, size);
    }
    return copy;
}

/* A failed parse must say why, in a terminated message. */
static inline void
fuzz_check_error(int rc, const dauys_error *err)
{
    if (rc != 0 &&
        (err->status == DAUYS_OK || memchr(err->message, '\0', sizeof err->message) == NULL ||
         err->message[0] == '\0')) {
        abort();
    }
}

#endif
