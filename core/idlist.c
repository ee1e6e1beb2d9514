#include "core/idlist.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/file.h"

#define IDLIST_FILE_MAX (64u << 20)

const char *
dauys_id_problem(const char *s, size_t n)
{
    if (n == 0) {
        return "empty";
    }
    if (n > DAUYS_ID_MAX) {
        return "longer than 64 bytes";
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (i == 0 && !alnum) {
            return "must start with a letter or digit";
        }
        if (!alnum && c != '.' && c != '_' && c != '-') {
            return "may hold only letters, digits, '.', '_' and '-'";
        }
    }
    return NULL;
}

/* Appends a copy of the N bytes at S to LIST; 0 or -1 (out of memory). */
static int
idlist_push(dauys_idlist *list, size_t *cap, const char *s, size_t n)
{
    char *copy;

    if (list->count == *cap) {
        size_t new_cap = *cap == 0 ? 64 : *cap * 2;
        char **grown = dauys_realloc(list->ids, new_cap * sizeof *grown);
        if (grown == NULL) {
            return -1;
        }
        list->ids = grown;
        *cap = new_cap;
    }
    if ((copy = dauys_malloc(n + 1)) == NULL) {
        return -1;
    }
    memcpy(copy, s, n);
    copy[n] = '\0';
    list->ids[list->count++] = copy;
    return 0;
}

typedef struct id_entry {
    const char *id;
    size_t index;
} id_entry;

static int
compare_entries(const void *a, const void *b)
{
    const id_entry *x = a, *y = b;
    int c = strcmp(x->id, y->id);

    return c != 0 ? c : (x->index > y->index) - (x->index < y->index);
}

/*
 * Fails if an id occurs twice, naming both places. LINES[i] is the line on
 * which LIST->ids[i] stood. Sorting a copy keeps this O(n log n) at 1 M ids.
 */
static int
idlist_check_unique(const dauys_idlist *list, const unsigned *lines, const char *name,
                    dauys_error *err)
{
    id_entry *sorted = dauys_malloc_array(list->count, sizeof *sorted);
    int rc = 0;

    if (sorted == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", name);
    }
    for (size_t i = 0; i < list->count; i++) {
        sorted[i] = (id_entry){list->ids[i], i};
    }
    qsort(sorted, list->count, sizeof *sorted, compare_entries);
    for (size_t i = 1; i < list->count && rc == 0; i++) {
        if (strcmp(sorted[i - 1].id, sorted[i].id) == 0) {
            rc = dauys_error_set(err, DAUYS_E_FORMAT,
                                 "%s:%u: precinct id: \"%s\" is listed twice (first on line %u)",
                                 name, lines[sorted[i].index], sorted[i].id,
                                 lines[sorted[i - 1].index]);
        }
    }
    dauys_free(sorted);
    return rc;
}

/* Parses the lines of TEXT into LIST, recording each id's line in *LINES. */
static int
idlist_scan(dauys_idlist *list, unsigned **lines, const char *text, size_t len, const char *name,
            dauys_error *err)
{
    size_t cap = 0, lines_cap = 0;
    unsigned line = 0;

    for (const char *p = text, *end = text + len; p < end;) {
        const char *lf = memchr(p, '\n', (size_t) (end - p));
        size_t n = lf != NULL ? (size_t) (lf - p) : (size_t) (end - p);
        const char *problem, *s = p;

        line++;
        p += n + (lf != NULL);
        if (n > 0 && s[n - 1] == '\r') {
            n--;
        }
        if (n == 0 || s[0] == '#') {
            continue;
        }
        if ((problem = dauys_id_problem(s, n)) != NULL) {
            return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: precinct id: %s", name, line,
                                   problem);
        }
        if (lines_cap == list->count) {
            lines_cap = lines_cap == 0 ? 64 : 2 * lines_cap;
            unsigned *grown = dauys_realloc(*lines, lines_cap * sizeof *grown);
            if (grown == NULL) {
                return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", name);
            }
            *lines = grown;
        }
        (*lines)[list->count] = line;
        if (idlist_push(list, &cap, s, n) != 0) {
            return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", name);
        }
    }
    return 0;
}

int
dauys_idlist_parse(dauys_idlist *list, const char *text, size_t len, const char *name,
                   dauys_error *err)
{
    unsigned *lines = NULL;
    int rc;

    list->ids = NULL;
    list->count = 0;
    rc = idlist_scan(list, &lines, text, len, name, err);
    if (rc == 0 && list->count == 0) {
        rc = dauys_error_set(err, DAUYS_E_FORMAT, "%s: no precinct ids in the list", name);
    }
    if (rc == 0) {
        rc = idlist_check_unique(list, lines, name, err);
    }
    dauys_free(lines);
    if (rc != 0) {
        dauys_idlist_free(list);
    }
    return rc;
}

int
dauys_idlist_load(dauys_idlist *list, const char *path, dauys_error *err)
{
    char *text;
    size_t len;
    int rc;

    if (dauys_file_read(&text, &len, path, IDLIST_FILE_MAX, err) != 0) {
        return -1;
    }
    rc = dauys_idlist_parse(list, text, len, path, err);
    dauys_free(text);
    return rc;
}

void
dauys_idlist_free(dauys_idlist *list)
{
    for (size_t i = 0; i < list->count; i++) {
        dauys_free(list->ids[i]);
    }
    dauys_free(list->ids);
    list->ids = NULL;
    list->count = 0;
}
