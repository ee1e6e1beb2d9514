/*
 * bundlename.h: the names of a bundle's protocol files (docs/FORMATS.md
 * section 17.1), shared by the publisher, its archive (17.4) and the audit.
 */
#ifndef DAUYS_CORE_BUNDLENAME_H
#define DAUYS_CORE_BUNDLENAME_H

#include <stddef.h>
#include <stdint.h>

/* Writes "NNNNNNNN.txt" (".txt.minisig" with SIG) for log entry INDEX. */
void dauys_bundle_protocol_name(char *out, size_t size, uint64_t index, int sig);

/*
 * If NAME is a protocol file's name in canonical form, returns its sort key:
 * twice the index, plus one for the signature (so a protocol sorts just
 * before its signature). UINT64_MAX if it is not.
 */
uint64_t dauys_bundle_protocol_key(const char *name);

#endif
