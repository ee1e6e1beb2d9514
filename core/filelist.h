/*
 * filelist.h: the files a command is given (dauys ingest, dauys submit):
 * each PATH a file, or a directory standing for its regular files that are
 * not hidden and not signatures (*.minisig), all in the byte order of their
 * paths whatever order they came in, so that what is recorded never depends
 * on the arguments' or the disk's order.
 */
#ifndef DAUYS_CORE_FILELIST_H
#define DAUYS_CORE_FILELIST_H

#include <stddef.h>

#include "core/error.h"

typedef struct dauys_filelist {
    char **path; /* owned, each dauys_malloc'ed */
    size_t count, cap;
} dauys_filelist;

/* Lists the files to take into F and, sorted too, into SKIPPED the
 * directories' entries that are not regular files (links, subdirectories,
 * devices): each as DIR/NAME, one slash between. The caller frees both with
 * dauys_filelist_free, also on failure (-1 with ERR: DAUYS_E_IO a path that
 * cannot be read, DAUYS_E_NOMEM). */
int dauys_filelist_collect(dauys_filelist *f, dauys_filelist *skipped, char *const *paths,
                           size_t count, dauys_error *err) DAUYS_WUR;
void dauys_filelist_free(dauys_filelist *f);

#endif
