/*
 * file.h: reading and writing whole small files safely.
 *
 * Readers are bounded (a hostile file cannot make us allocate without limit)
 * and name the file in every error. Writers never leave a half-written file
 * behind: new files are created exclusively and removed again on failure;
 * replaced files are written to a temporary name, synced and renamed.
 */
#ifndef DAUYS_CORE_FILE_H
#define DAUYS_CORE_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"

/*
 * Reads the regular file PATH into *OUT (dauys_malloc'ed, NUL-terminated; the
 * caller frees with dauys_free) and its length into *LEN. Fails with
 * DAUYS_E_TOO_LARGE over MAX bytes, DAUYS_E_IO otherwise.
 */
int dauys_file_read(char **out, size_t *len, const char *path, size_t max,
                    dauys_error *err) DAUYS_WUR;

/*
 * Opens PATH for reading into *FD (the caller closes it) if it is a regular
 * file; a FIFO, device or directory is refused without blocking
 * (DAUYS_E_IO, "not a regular file").
 */
int dauys_file_open_regular(int *fd, const char *path, dauys_error *err) DAUYS_WUR;

/*
 * Like dauys_file_read, but refuses a symbolic link (DAUYS_E_PERMISSION,
 * "refusing a symbolic link"): for a file found by its name beside another
 * in a directory that others write to, whose link could point anywhere the
 * reader may read (a secret key), and whose bytes are then kept.
 */
int dauys_file_read_no_link(char **out, size_t *len, const char *path, size_t max,
                            dauys_error *err) DAUYS_WUR;

/*
 * Like dauys_file_read for a file holding a secret: refuses a symbolic link
 * and a file that group or others may read (DAUYS_E_PERMISSION), and reads
 * into secure memory that the caller frees with dauys_secure_free.
 */
int dauys_file_read_secret(char **out, size_t *len, const char *path, size_t max,
                           dauys_error *err) DAUYS_WUR;

/* Writes the LEN bytes at DATA to FD, again after a short write or EINTR:
 * 0, or -1 with errno set. */
int dauys_file_write_all(int fd, const void *data, size_t len);

/*
 * Creates PATH, which must not exist (DAUYS_E_EXISTS; a symbolic link counts as
 * existing), with permission bits MODE, and writes DATA. With SYNC, fsyncs the
 * file before returning. On any failure the new file is removed.
 */
int dauys_file_write_new(const char *path, const void *data, size_t len, mode_t mode, int sync,
                         dauys_error *err) DAUYS_WUR;

/*
 * Replaces PATH (or creates it) atomically: a reader sees the old content or
 * the new, never a mix. Writes a temporary file beside it, fsyncs it, renames
 * it over PATH and fsyncs the directory.
 */
int dauys_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                            dauys_error *err) DAUYS_WUR;

/* Flushes every file system write under directory DIR to disk (syncfs). */
int dauys_file_sync_fs(const char *dir, dauys_error *err) DAUYS_WUR;

#endif
