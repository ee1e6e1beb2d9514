/*
 * archive.h: a published bundle as one sequential file (docs/FORMATS.md
 * section 17.4), a POSIX ustar archive that `tar -xf` unpacks into the
 * bundle's directory and that `dauys-audit verify` reads directly, front to
 * back: first every file but the protocols (sorted by name), then the
 * protocol files in log order, each before its signature, then the rest of
 * protocols/ (index.tsv). Reading a million small files costs more than
 * verifying them when they are not cached; one archive is read in one pass.
 */
#ifndef DAUYS_PUBLISH_ARCHIVE_H
#define DAUYS_PUBLISH_ARCHIVE_H

#include "core/error.h"

/*
 * Writes the bundle in directory BUNDLE into ARCHIVE, a new file. Refuses
 * (DAUYS_E_FORMAT) anything in the bundle that is not a plain file or one of
 * its four directories, naming it. On failure ARCHIVE is removed.
 * The same bundle always gives the same bytes.
 */
int dauys_archive_pack(const char *bundle, const char *archive, dauys_error *err) DAUYS_WUR;

#endif
