/*
 * filelist.c: the files named on a command line, directories expanded, in
 * one stable order (filelist.h).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/filelist.h"

static int
push_path(dauys_filelist *f, const char *path, dauys_error *err)
{
    if (f->count == f->cap) {
        size_t cap = f->cap == 0 ? 256 : 2 * f->cap;
        char **grown = dauys_realloc(f->path, cap * sizeof *grown);
        if (grown == NULL) {
            return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory listing the files");
        }
        f->path = grown;
        f->cap = cap;
    }
    if ((f->path[f->count] = dauys_strdup(path)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory listing the files");
    }
    f->count++;
    return 0;
}

static int
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int
compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Adds DIR's regular files (not hidden, not signatures) to F, the other
 * entries to SKIPPED, each as DIR/NAME: one slash between, however many DIR
 * ends with, so that "in" and "in/" name a file the same way. */
static int
add_dir(dauys_filelist *f, dauys_filelist *skipped, const char *dir, dauys_error *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[PATH_MAX];
    struct stat st;
    size_t dir_len = strlen(dir);
    int rc = 0;

    while (dir_len > 1 && dir[dir_len - 1] == '/') { /* "/" itself stays "/" */
        dir_len--;
    }

    if (d == NULL) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", dir, strerror(errno));
    }
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || ends_with(e->d_name, ".minisig")) {
            continue;
        }
        if (snprintf(path, sizeof path, "%.*s%s%s", (int) dir_len, dir,
                     dir[dir_len - 1] == '/' ? "" : "/", e->d_name) >= (int) sizeof path ||
            lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            rc = push_path(skipped, path, err); /* links, subdirectories, devices */
            continue;
        }
        rc = push_path(f, path, err);
    }
    closedir(d);
    return rc;
}

/* Sorts F's paths in byte order (qsort of NULL is undefined: none yet). */
static void
sort_paths(dauys_filelist *f)
{
    if (f->count > 1) {
        qsort(f->path, f->count, sizeof *f->path, compare_paths);
    }
}

int
dauys_filelist_collect(dauys_filelist *f, dauys_filelist *skipped, char *const *paths, size_t count,
                       dauys_error *err)
{
    struct stat st;

    memset(f, 0, sizeof *f);
    memset(skipped, 0, sizeof *skipped);
    for (size_t i = 0; i < count; i++) {
        if (stat(paths[i], &st) != 0) {
            return dauys_error_set(err, DAUYS_E_IO, "%s: %s", paths[i], strerror(errno));
        }
        if ((S_ISDIR(st.st_mode) ? add_dir(f, skipped, paths[i], err)
                                 : push_path(f, paths[i], err)) != 0) {
            return -1;
        }
    }
    /* All the files in one byte order, whatever order the arguments came in
     * (readdir's order is the disk's): the log must not depend on either. */
    sort_paths(f);
    sort_paths(skipped);
    return 0;
}

void
dauys_filelist_free(dauys_filelist *f)
{
    for (size_t i = 0; i < f->count; i++) {
        dauys_free(f->path[i]);
    }
    dauys_free(f->path);
    memset(f, 0, sizeof *f);
}
