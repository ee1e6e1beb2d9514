/*
 * source.h: where the audit reads a bundle from: its directory, or its
 * archive (docs/FORMATS.md section 17.4) read front to back. The rest of the
 * audit asks for files by their bundle names and does not care which.
 *
 * An archive is read in one pass: at opening, every member before the
 * protocol run is indexed (name, place, size); the run is then taken in log
 * order as the log's submissions are prepared (dauys_audit_source_take); after the
 * log, the members after the run are indexed (dauys_audit_source_finish). Members
 * of the run that are out of log order, twice, not plain files, or named by
 * no submission are kept as "strays" for I4. Every member is named by the
 * path GNU tar unpacks it to (dauys_tar_extract_path); one tar would not
 * unpack to a path of its own is a stray too, and one tar would read
 * otherwise than by its size is damage. Not installed.
 */
#ifndef DAUYS_AUDIT_SOURCE_H
#define DAUYS_AUDIT_SOURCE_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "core/idmap.h"
#include "core/tar.h"

/* A member of an archive outside the protocol run. */
typedef struct audit_member {
    char *name;   /* the path tar unpacks it to (dauys_tar_extract_path); "" the top */
    char *stored; /* its spelling in the archive, if not NAME; else NULL */
    char type;    /* '0' plain file, '5' directory, other: refused by I4 */
    uint64_t data_at, size;
} audit_member;

#define AUDIT_STRAYS_KEPT 64

typedef struct audit_source {
    char path[4096];
    int archive;          /* 0: a directory */
    int fd;               /* archive: read with pread, from any thread */
    audit_member *member; /* outside the run, in archive order */
    size_t member_count, member_cap;
    dauys_idmap by_name; /* member name -> index of the first member so named */
    FILE *run;           /* the archive read front to back */
    uint64_t run_pos;    /* offset of the next header */
    uint64_t stream_at;  /* offset RUN reads at */
    int peeked, run_over;
    dauys_tar_header peek;               /* named as tar unpacks it */
    char stored[DAUYS_TAR_NAME_MAX + 1]; /* the peeked member's name as stored */
    pthread_mutex_t lock;  /* guards protocol_at (read by the main thread, grown by takers) */
    uint64_t *protocol_at; /* per log index: 1 + the offset of its protocol's header */
    size_t protocol_cap;
    char stray[AUDIT_STRAYS_KEPT][DAUYS_TAR_NAME_MAX + 80]; /* "NAME: why" */
    uint64_t stray_count;
    uint64_t taken; /* protocol and signature members taken in their place */
    char damage[DAUYS_ERROR_MESSAGE_MAX + 64]; /* "" or where the archive stops being readable */
    int oom;
} audit_source;

/*
 * Opens PATH, a bundle directory or archive file, into *S (closed with
 * dauys_audit_source_close whatever this returns). 0, or -1 (ERR) if PATH cannot
 * be opened. A damaged archive opens: its damage is for I4 to report.
 */
int dauys_audit_source_open(audit_source *s, const char *path, dauys_error *err) DAUYS_WUR;
void dauys_audit_source_close(audit_source *s);

/*
 * Reads the bundle file REL (at most MAX bytes) into *OUT (dauys_free; NUL
 * after the data). DAUYS_OK, DAUYS_E_NOMEM, DAUYS_E_TOO_LARGE, or DAUYS_E_IO
 * if it is absent or not a plain file. Thread-safe. In an archive a
 * protocol file can be read again once taken.
 */
dauys_status dauys_audit_source_read(char **out, size_t *len, audit_source *s, const char *rel,
                                     size_t max);

/* 1 if REL is there as a plain file, 2 if there but not a plain file, 0 if absent. */
int dauys_audit_source_kind(const audit_source *s, const char *rel);

/* A stream of exactly REL's bytes (fclose it), or NULL (ERR) if absent or unreadable. */
FILE *dauys_audit_source_fopen(const audit_source *s, const char *rel, dauys_error *err);

/*
 * Archive only, called in log order for each submission INDEX (one caller
 * at a time): its protocol and, with WANT_SIG, signature from the run, each
 * NULL if not there. DAUYS_OK or DAUYS_E_NOMEM.
 */
dauys_status dauys_audit_source_take(char **text, size_t *len, char **sig, size_t *sig_len,
                                     audit_source *s, uint64_t index, int want_sig);

/* Archive only, after the log: the rest of the run are strays; what follows is indexed. */
void dauys_audit_source_finish(audit_source *s);

/*
 * Writes a URI that opens the bundle's dauys.db read-only (for an archive,
 * through the read-only VFS of dbslice.c). Returns dauys_audit_source_kind's value
 * for "dauys.db"; the URI is written only for 1.
 */
int dauys_audit_source_db_uri(char *out, size_t size, const audit_source *s);

/*
 * dbslice.c: a read-only SQLite VFS that opens a database stored inside
 * another file, from the URI parameters slice-offset and slice-size (both
 * in bytes), so that dauys.db is compared in place in an archive. Registered
 * once, process-wide. 0, or -1 if SQLite refused it.
 */
#define AUDIT_SLICE_VFS "dauys-slice"
int dauys_audit_slice_vfs_register(void) DAUYS_WUR;

#endif
