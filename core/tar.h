/*
 * tar.h: POSIX ustar archives (IEEE Std 1003.1, "pax", the ustar
 * interchange format), the sequential form of a bundle (docs/FORMATS.md
 * section 17.4). Only what a bundle needs: plain files and directories,
 * names up to 255 bytes, sizes below 8 GiB. A reader sees every other
 * member type as it is, so that its caller can refuse it.
 */
#ifndef DAUYS_CORE_TAR_H
#define DAUYS_CORE_TAR_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "core/error.h"

#define DAUYS_TAR_BLOCK 512
#define DAUYS_TAR_NAME_MAX 255
#define DAUYS_TAR_SIZE_MAX 077777777777ULL /* 11 octal digits */

/* One member's header, as stored (the name is prefix "/" name). */
typedef struct dauys_tar_header {
    char name[DAUYS_TAR_NAME_MAX + 1];
    char type; /* '0' plain file ('\0' is read as '0'), '5' directory, or any other flag */
    uint64_t size;
} dauys_tar_header;

/* The bytes a member's data takes in the archive (whole blocks). */
static inline uint64_t
dauys_tar_padded(uint64_t size)
{
    return (size + DAUYS_TAR_BLOCK - 1) / DAUYS_TAR_BLOCK * DAUYS_TAR_BLOCK;
}

/*
 * Reads the header block BLOCK into *H. Returns 1 for a member, 0 for an
 * all-zero block (the end of the archive), -1 if it is not a ustar header
 * (ERR: bad checksum, magic, number or name).
 */
int dauys_tar_header_parse(dauys_tar_header *h, const uint8_t block[DAUYS_TAR_BLOCK],
                           dauys_error *err) DAUYS_WUR;

/*
 * Rewrites H->name as the path GNU tar (1.34, run as `tar -xf`, without -P)
 * extracts the member to, relative to the directory it unpacks into
 * (docs/FORMATS.md section 17.4): leading '/' dropped, "." components and
 * empty ones ("//") dropped, a directory's trailing '/' dropped; "" is that
 * directory itself. Every spelling tar unpacks to one path so becomes one
 * name, and a second copy of a path can be seen as such.
 *
 * Returns 0; or -1 (ERR saying why) if tar would not unpack the member
 * to a path of its own: a ".." component (tar skips the member), a plain file
 * whose name ends in '/' or "/." (tar makes a directory or fails); or -2 (ERR)
 * if tar would read the member's data as further members: a directory with
 * data, or a file that tar makes a directory. H->name is left as stored on
 * failure.
 */
int dauys_tar_extract_path(dauys_tar_header *h, dauys_error *err) DAUYS_WUR;

/*
 * Writes the ustar header of a member NAME of TYPE and SIZE into BLOCK:
 * mode 0644 (0755 for a directory), owner 0, time 0, so that the same files
 * always give the same archive. -1 (ERR) if NAME does not fit or SIZE is
 * too large.
 */
int dauys_tar_header_make(uint8_t block[DAUYS_TAR_BLOCK], const char *name, char type,
                          uint64_t size, dauys_error *err) DAUYS_WUR;

/* Writes the archive into one new file, member by member. */
typedef struct dauys_tar_writer {
    FILE *fp;
    char path[4096];
    dev_t dev; /* the archive's own file: a packer must not put it inside itself */
    ino_t ino;
} dauys_tar_writer;

/* Creates PATH (which must not exist; mode 0644 less the umask). 0, or -1 (ERR). */
int dauys_tar_create(dauys_tar_writer *w, const char *path, dauys_error *err) DAUYS_WUR;

/* Appends a directory member NAME ("dir/"). 0, or -1 (ERR). */
int dauys_tar_add_dir(dauys_tar_writer *w, const char *name, dauys_error *err) DAUYS_WUR;

/* Appends the plain file NAME with the SIZE bytes read from FP. 0, or -1 (ERR). */
int dauys_tar_add_stream(dauys_tar_writer *w, const char *name, FILE *fp, uint64_t size,
                         dauys_error *err) DAUYS_WUR;

/* Ends the archive (two zero blocks), syncs and closes it. 0, or -1 (ERR;
 * the file is then removed). */
int dauys_tar_finish(dauys_tar_writer *w, dauys_error *err) DAUYS_WUR;

/* Closes and removes an unfinished archive. */
void dauys_tar_discard(dauys_tar_writer *w);

#endif
