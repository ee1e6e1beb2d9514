/* roster.h (internal to tally/): the signed manifest in the workspace. */
#ifndef DAUYS_STORE_ROSTER_H
#define DAUYS_STORE_ROSTER_H

#include <stddef.h>

#include "store/workspace.h"

/* Reads the manifest's signature file SIG_PATH into *SIG (dauys_free). One
 * over the size limit of a signature file is no signature: DAUYS_E_SIGNATURE
 * (exit 1, as for any malformed one), not an I/O failure. */
int dauys_roster_read_signature(char **sig, size_t *len, const char *sig_path,
                                dauys_error *err) DAUYS_WUR;

/* Verifies manifest TEXT against the signature file text SIG_TEXT with
 * CENTRAL (status DAUYS_E_SIGNATURE if it does not hold), then parses it. */
int dauys_roster_verify_parse(dauys_manifest *m, const char *text, size_t len, const char *sig_text,
                              size_t sig_len, const char *name, const dauys_pubkey *central,
                              dauys_error *err) DAUYS_WUR;

/* Stores M's questions, regions, districts and precincts (adding or updating). */
int dauys_roster_store(sqlite3 *db, const dauys_manifest *m, dauys_error *err) DAUYS_WUR;

/* Logs WS->manifest (whose bytes are TEXT, signed by SIG) and stores the version. */
int dauys_roster_record_manifest(dauys_workspace *ws, const char *text, size_t len, const char *sig,
                                 size_t sig_len, dauys_error *err) DAUYS_WUR;

#endif
