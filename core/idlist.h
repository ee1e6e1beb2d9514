/*
 * idlist.h: identifiers (precinct ids and the like) and lists of them.
 *
 * An id becomes a file name (keys/ID.pub), so it is restricted to a safe
 * alphabet: 1 to 64 bytes of A-Z a-z 0-9 . _ -, starting with a letter or
 * digit. No path separators, no "..", nothing a shell or SQL would mind.
 */
#ifndef DAUYS_CORE_IDLIST_H
#define DAUYS_CORE_IDLIST_H

#include <stddef.h>

#include "core/error.h"

#define DAUYS_ID_MAX 64

/* Returns NULL if the N bytes at S form a valid id, else why not. */
const char *dauys_id_problem(const char *s, size_t n);

typedef struct dauys_idlist {
    char **ids; /* COUNT NUL-terminated ids, in file order */
    size_t count;
} dauys_idlist;

/*
 * Parses TEXT (LEN bytes, NAME for errors): one id per line; blank lines and
 * lines starting with '#' are skipped; a CR before LF is tolerated. Errors
 * name the line: "NAME:LINE: precinct id: ...", including a duplicate (with
 * the line that first had it) and an empty list. On success LIST is the
 * caller's, freed with dauys_idlist_free.
 */
int dauys_idlist_parse(dauys_idlist *list, const char *text, size_t len, const char *name,
                       dauys_error *err) DAUYS_WUR;

/* Reads the file PATH (at most 64 MiB) and parses it as dauys_idlist_parse. */
int dauys_idlist_load(dauys_idlist *list, const char *path, dauys_error *err) DAUYS_WUR;

/* Frees what LIST holds and empties it. */
void dauys_idlist_free(dauys_idlist *list);

#endif
