#include "publish/archive.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/bundlename.h"
#include "core/file.h"
#include "core/tar.h"

/* A directory's names, sorted, "." and ".." left out. */
typedef struct names {
    char **name;
    size_t count, cap;
} names;

static void
names_free(names *n)
{
    for (size_t i = 0; i < n->count; i++) {
        dauys_free(n->name[i]);
    }
    dauys_free(n->name);
    n->name = NULL;
    n->count = n->cap = 0;
}

static int
names_add(names *n, const char *name)
{
    if (n->count == n->cap) {
        size_t cap = n->cap ? 2 * n->cap : 32;
        char **grown = dauys_realloc(n->name, cap * sizeof *grown);
        if (grown == NULL) {
            return -1;
        }
        n->name = grown;
        n->cap = cap;
    }
    size_t len = strlen(name);
    if ((n->name[n->count] = dauys_malloc(len + 1)) == NULL) {
        return -1;
    }
    memcpy(n->name[n->count++], name, len + 1);
    return 0;
}

static int
by_name(const void *x, const void *y)
{
    return strcmp(*(char *const *) x, *(char *const *) y);
}

/* Lists DIR into *OTHER (sorted) and, with KEYS, its protocol files into *KEYS. */
static int
list_dir(names *other, uint64_t **keys, size_t *key_count, const char *dir, dauys_error *err)
{
    size_t cap = 0;
    struct dirent *d;
    DIR *dp = opendir(dir);
    int rc = 0;

    if (dp == NULL) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", dir, strerror(errno));
    }
    while (rc == 0 && (d = readdir(dp)) != NULL) {
        uint64_t key = keys != NULL ? dauys_bundle_protocol_key(d->d_name) : UINT64_MAX;
        if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0) {
            continue;
        }
        if (key == UINT64_MAX) {
            rc = names_add(other, d->d_name);
        } else if (*key_count == cap) {
            cap = cap ? 2 * cap : 4096;
            uint64_t *grown = dauys_realloc(*keys, cap * sizeof *grown);
            rc = grown == NULL ? -1 : 0;
            *keys = grown != NULL ? grown : *keys;
        }
        if (rc == 0 && key != UINT64_MAX) {
            (*keys)[(*key_count)++] = key;
        }
    }
    closedir(dp);
    if (rc != 0) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory listing it", dir);
    }
    if (other->count > 1) {
        qsort(other->name, other->count, sizeof *other->name, by_name);
    }
    return 0;
}

static int
by_key(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *) x, b = *(const uint64_t *) y;
    return (a > b) - (a < b);
}

/* Appends the plain file BUNDLE/REL as the member REL. */
static int
add_file(dauys_tar_writer *w, const char *bundle, const char *rel, dauys_error *err)
{
    char path[PATH_MAX];
    struct stat st;
    FILE *fp;
    int fd, rc;

    if (snprintf(path, sizeof path, "%s/%s", bundle, rel) >= (int) sizeof path) {
        return dauys_error_set(err, DAUYS_E_USAGE, "%s/%s: path too long", bundle, rel);
    }
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s: not a plain file; a bundle holds only "
                               "files and its four directories",
                               path);
    }
    if (dauys_file_open_regular(&fd, path, err) != 0) {
        return -1;
    }
    if (fstat(fd, &st) != 0 || (fp = fdopen(fd, "r")) == NULL) {
        close(fd);
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", path, strerror(errno));
    }
    if (st.st_dev == w->dev && st.st_ino == w->ino) {
        fclose(fp);
        return dauys_error_set(err, DAUYS_E_USAGE,
                               "%s: the archive itself; write it outside "
                               "the bundle",
                               path);
    }
    rc = dauys_tar_add_stream(w, rel, fp, (uint64_t) st.st_size, err);
    fclose(fp);
    return rc;
}

/* SUB/ and the sorted files in it (none of them protocol files). */
static int
add_dir(dauys_tar_writer *w, const char *bundle, const char *sub, const names *files,
        dauys_error *err)
{
    char rel[PATH_MAX];

    snprintf(rel, sizeof rel, "%s/", sub);
    if (dauys_tar_add_dir(w, rel, err) != 0) {
        return -1;
    }
    for (size_t i = 0; i < files->count; i++) {
        snprintf(rel, sizeof rel, "%s/%s", sub, files->name[i]);
        if (add_file(w, bundle, rel, err) != 0) {
            return -1;
        }
    }
    return 0;
}

/* protocols/: the protocol files in log order, each before its signature,
 * then the directory's other files (index.tsv). */
static int
add_protocols(dauys_tar_writer *w, const char *bundle, dauys_error *err)
{
    char dir[PATH_MAX], rel[64];
    names other = {0};
    uint64_t *keys = NULL;
    size_t count = 0;
    int rc = -1;

    snprintf(dir, sizeof dir, "%s/protocols", bundle);
    if (list_dir(&other, &keys, &count, dir, err) != 0 ||
        dauys_tar_add_dir(w, "protocols/", err) != 0) {
        goto done;
    }
    if (count > 1) { /* keys is NULL when there are none: qsort may not take it */
        qsort(keys, count, sizeof *keys, by_key);
    }
    for (size_t i = 0; i < count; i++) {
        memcpy(rel, "protocols/", 10);
        dauys_bundle_protocol_name(rel + 10, sizeof rel - 10, keys[i] / 2, (int) (keys[i] % 2));
        if (add_file(w, bundle, rel, err) != 0) {
            goto done;
        }
    }
    for (size_t i = 0; i < other.count; i++) {
        snprintf(dir, sizeof dir, "protocols/%s", other.name[i]);
        if (add_file(w, bundle, dir, err) != 0) {
            goto done;
        }
    }
    rc = 0;
done:
    dauys_free(keys);
    names_free(&other);
    return rc;
}

/* Every top-level entry of the bundle but protocols/, sorted by name. */
static int
add_head(dauys_tar_writer *w, const char *bundle, const names *top, dauys_error *err)
{
    static const char *const dirs[] = {"manifests", "log", "reports"};
    char path[PATH_MAX];
    struct stat st;

    for (size_t i = 0; i < top->count; i++) {
        const char *name = top->name[i];
        int is_dir = 0;
        snprintf(path, sizeof path, "%s/%s", bundle, name);
        for (size_t k = 0; k < sizeof dirs / sizeof dirs[0]; k++) {
            is_dir |= strcmp(name, dirs[k]) == 0 && lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
        }
        if (strcmp(name, "protocols") == 0) {
            continue;
        }
        names files = {0};
        int rc = is_dir ? (list_dir(&files, NULL, NULL, path, err) != 0
                               ? -1
                               : add_dir(w, bundle, name, &files, err))
                        : add_file(w, bundle, name, err);
        names_free(&files);
        if (rc != 0) {
            return -1;
        }
    }
    return 0;
}

int
dauys_archive_pack(const char *bundle, const char *archive, dauys_error *err)
{
    dauys_tar_writer w;
    names top = {0};
    char path[PATH_MAX];
    struct stat st;

    snprintf(path, sizeof path, "%s/protocols", bundle);
    if (stat(bundle, &st) != 0) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", bundle, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: not a directory", bundle);
    }
    if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s: not a bundle (no protocols/ directory)",
                               bundle);
    }
    if (list_dir(&top, NULL, NULL, bundle, err) != 0) {
        return -1;
    }
    if (dauys_tar_create(&w, archive, err) != 0) {
        names_free(&top);
        return -1;
    }
    int rc = add_head(&w, bundle, &top, err) != 0 || add_protocols(&w, bundle, err) != 0 ||
             dauys_tar_finish(&w, err) != 0;
    names_free(&top);
    if (rc) {
        dauys_tar_discard(&w);
        return -1;
    }
    return 0;
}
