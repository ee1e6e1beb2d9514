/*
 * result.h: the result statement: canonical text (docs/FORMATS.md, "Result")
 * that names the log state it covers (size and root), precincts expected and
 * reporting, the totals per question nationally and per region, each rule
 * with its exact numbers and verdict, and the decision. The central
 * commission signs it (minisign format) and it is appended to the log.
 */
#ifndef DAUYS_TALLY_RESULT_H
#define DAUYS_TALLY_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "tally/tally.h"

/*
 * Writes the statement for tally T covering the log's first LOG_SIZE entries
 * with root LOG_ROOT into *OUT (dauys_malloc'ed, NUL-terminated; the caller
 * frees), its length in *LEN. CHECKPOINT (NULL or empty: none) is the note
 * stored for the checkpoint of LOG_SIZE entries: right after `log-root:`
 * the statement gets one line `cosignature: NAME BASE64` for each witness of
 * the manifest (T's manifest's witnesses, in their order) whose cosignature
 * on it verifies, NAME BASE64 being that signature line without its "— "
 * (FORMATS.md 16.1). A CHECKPOINT that is not a well-formed signed note
 * fails (DAUYS_E_DATABASE: the stored note is damaged). After the last
 * question, the `crosscheck` lines of T's crosscheck (FORMATS.md 16.1):
 * none when the manifest has no commission.
 */
int dauys_result_format(char **out, size_t *len, const dauys_tally *t, uint64_t log_size,
                        const uint8_t log_root[32], const char *checkpoint,
                        dauys_error *err) DAUYS_WUR;

#endif
