#include "core/idmap.h"

#include <string.h>

#include "core/alloc.h"

/* FNV-1a, 64-bit: ids are short and come from signed manifests. */
static uint64_t
hash_key(const char *key, size_t len)
{
    uint64_t h = UINT64_C(14695981039346656037);

    for (size_t i = 0; i < len; i++) {
        h = (h ^ (unsigned char) key[i]) * UINT64_C(1099511628211);
    }
    return h ^ (h >> 29);
}

void
dauys_idmap_init(dauys_idmap *map)
{
    map->slots = NULL;
    map->mask = 0;
    map->count = 0;
}

/* The slot holding KEY, or the empty slot where it would go. */
static dauys_idmap_slot *
find_slot(dauys_idmap_slot *slots, size_t mask, const char *key, size_t len)
{
    for (size_t i = (size_t) hash_key(key, len) & mask;; i = (i + 1) & mask) {
        dauys_idmap_slot *s = &slots[i];
        if (s->key == NULL || (s->len == len && memcmp(s->key, key, len) == 0)) {
            return s;
        }
    }
}

/* Doubles the table (or makes the first one); 0 or -1. */
static int
grow(dauys_idmap *map)
{
    size_t capacity = map->slots == NULL ? 64 : 2 * (map->mask + 1);
    dauys_idmap_slot *slots = dauys_malloc_array(capacity, sizeof *slots);

    if (slots == NULL) {
        return -1;
    }
    memset(slots, 0, capacity * sizeof *slots);
    for (size_t i = 0; map->slots != NULL && i <= map->mask; i++) {
        if (map->slots[i].key != NULL) {
            *find_slot(slots, capacity - 1, map->slots[i].key, map->slots[i].len) = map->slots[i];
        }
    }
    dauys_free(map->slots);
    map->slots = slots;
    map->mask = capacity - 1;
    return 0;
}

int
dauys_idmap_put(dauys_idmap *map, const char *key, size_t len, uint32_t value, uint32_t *existing)
{
    dauys_idmap_slot *s;

    if ((map->slots == NULL || 2 * (map->count + 1) > map->mask + 1) && grow(map) != 0) {
        return -1;
    }
    s = find_slot(map->slots, map->mask, key, len);
    if (s->key != NULL) {
        if (existing != NULL) {
            *existing = s->value;
        }
        return 1;
    }
    s->key = key;
    s->len = (uint32_t) len;
    s->value = value;
    map->count++;
    return 0;
}

int
dauys_idmap_get(const dauys_idmap *map, const char *key, size_t len, uint32_t *value)
{
    const dauys_idmap_slot *s;

    if (map->slots == NULL) {
        return 0;
    }
    s = find_slot(map->slots, map->mask, key, len);
    if (s->key == NULL) {
        return 0;
    }
    *value = s->value;
    return 1;
}

void
dauys_idmap_free(dauys_idmap *map)
{
    dauys_free(map->slots);
    dauys_idmap_init(map);
}
