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
 * frees), its length in *LEN.
 */
int dauys_result_format(char **out, size_t *len, const dauys_tally *t, uint64_t log_size,
                        const uint8_t log_root[32], dauys_error *err) DAUYS_WUR;

#endif
