/*
 * idmap.h: a hash map from identifiers (byte strings the caller keeps alive)
 * to 32-bit indexes, for looking up precincts among a million.
 */
#ifndef DAUYS_CORE_IDMAP_H
#define DAUYS_CORE_IDMAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct dauys_idmap_slot {
    const char *key; /* NULL: empty */
    uint32_t len;
    uint32_t value;
} dauys_idmap_slot;

typedef struct dauys_idmap {
    dauys_idmap_slot *slots;
    size_t mask; /* capacity - 1; capacity a power of two */
    size_t count;
} dauys_idmap;

/* An empty map. Never fails; the first insertion allocates. */
void dauys_idmap_init(dauys_idmap *map);

/*
 * Inserts KEY (LEN bytes, not copied: it must outlive the map) with VALUE.
 * Returns 0, 1 if KEY was present (its value left unchanged, and stored in
 * *EXISTING if not NULL), or -1 when out of memory.
 */
int dauys_idmap_put(dauys_idmap *map, const char *key, size_t len, uint32_t value,
                    uint32_t *existing) DAUYS_WUR;

/* Returns 1 and sets *VALUE if KEY is present, else 0. */
int dauys_idmap_get(const dauys_idmap *map, const char *key, size_t len, uint32_t *value);

/* Frees the map's table (not the keys). */
void dauys_idmap_free(dauys_idmap *map);

#endif
