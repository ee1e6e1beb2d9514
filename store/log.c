/*
 * log.c: the workspace's log: canonical entries chained by SHA-256, each a
 * leaf of the RFC 6962 tree whose complete subtrees are stored, so appends
 * cost O(1) amortised and proofs O(log n) reads, at any size.
 */
#include <string.h>

#include "store/db.h"
#include "store/workspace.h"

int
dauys_log_node(uint8_t out[DAUYS_HASH_BYTES], unsigned level, uint64_t index, void *ctx,
               dauys_error *err)
{
    dauys_workspace *ws = ctx;
    int rc;

    if (dauys_db_bind_int(ws->select_node, 1, level) ||
        dauys_db_bind_int(ws->select_node, 2, (int64_t) index)) {
        return dauys_db_bind_fail(ws->select_node, err, "binding a Merkle node's place");
    }
    if ((rc = dauys_db_step_row(ws->select_node, err)) <= 0) {
        return rc < 0 ? -1
                      : dauys_error_set(err, DAUYS_E_DATABASE,
                                        "Merkle node %u/%llu is missing from the workspace", level,
                                        (unsigned long long) index);
    }
    if (sqlite3_column_bytes(ws->select_node, 0) != DAUYS_HASH_BYTES) {
        sqlite3_reset(ws->select_node);
        return dauys_error_set(err, DAUYS_E_DATABASE, "Merkle node %u/%llu is damaged", level,
                               (unsigned long long) index);
    }
    memcpy(out, sqlite3_column_blob(ws->select_node, 0), DAUYS_HASH_BYTES);
    sqlite3_reset(ws->select_node);
    return 0;
}

/* Rebuilds the in-memory head from the database (after open, or when
 * another process has appended). */
int
dauys_log_load_head(dauys_workspace *ws, dauys_error *err)
{
    dauys_loghead *h = &ws->head;
    uint64_t size = 0, start = 0;
    int rc = dauys_db_step_row(ws->select_last_entry, err);

    if (rc < 0) {
        return -1;
    }
    memset(h, 0, sizeof *h);
    if (rc > 0) {
        size = (uint64_t) sqlite3_column_int64(ws->select_last_entry, 0) + 1;
        if (sqlite3_column_bytes(ws->select_last_entry, 1) == DAUYS_SHA256_BYTES) {
            memcpy(h->last, sqlite3_column_blob(ws->select_last_entry, 1), DAUYS_SHA256_BYTES);
        }
        sqlite3_reset(ws->select_last_entry);
    }
    for (int level = 63; level >= 0; level--) {
        if (size & (UINT64_C(1) << level)) {
            if (dauys_log_node(h->range.hash[h->range.count++], (unsigned) level, start >> level,
                               ws, err) != 0) {
                return -1;
            }
            start += UINT64_C(1) << level;
        }
    }
    h->range.size = size;
    return 0;
}

/* Stores one complete Merkle node (called by the compact range). */
static int
store_node(unsigned level, uint64_t index, const uint8_t hash[DAUYS_HASH_BYTES], void *ctx,
           dauys_error *err)
{
    dauys_workspace *ws = ctx;

    if (dauys_db_bind_int(ws->insert_node, 1, level) ||
        dauys_db_bind_int(ws->insert_node, 2, (int64_t) index) ||
        dauys_db_bind_blob(ws->insert_node, 3, hash, DAUYS_HASH_BYTES)) {
        return dauys_db_bind_fail(ws->insert_node, err, "binding a Merkle node");
    }
    return dauys_db_step_done(ws->insert_node, err);
}

int
dauys_log_append(dauys_workspace *ws, dauys_log_event *e, uint64_t *index, dauys_error *err)
{
    char entry[DAUYS_LOG_ENTRY_MAX];
    uint8_t digest[DAUYS_SHA256_BYTES], leaf[DAUYS_HASH_BYTES];
    size_t len;

    e->index = ws->head.range.size;
    memcpy(e->previous, ws->head.last, sizeof e->previous);
    if (dauys_logentry_format(entry, sizeof entry, &len, e, err) != 0) {
        return -1;
    }
    if (dauys_sha256(digest, entry, len) != 0 || dauys_merkle_leaf_hash(leaf, entry, len) != 0) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "hashing a log entry failed");
    }
    if (dauys_db_bind_int(ws->insert_entry, 1, (int64_t) e->index) ||
        dauys_db_bind_blob(ws->insert_entry, 2, entry, len) ||
        dauys_db_bind_blob(ws->insert_entry, 3, digest, sizeof digest)) {
        return dauys_db_bind_fail(ws->insert_entry, err, "binding a log entry");
    }
    if (dauys_db_step_done(ws->insert_entry, err) != 0 ||
        dauys_merkle_range_append(&ws->head.range, leaf, store_node, ws, err) != 0) {
        return -1;
    }
    memcpy(ws->head.last, digest, sizeof digest);
    *index = e->index;
    return 0;
}

int
dauys_log_root(dauys_workspace *ws, uint64_t *size, uint8_t root[DAUYS_SHA256_BYTES],
               dauys_error *err)
{
    *size = ws->head.range.size;
    if (dauys_merkle_range_root(root, &ws->head.range) != 0) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "hashing the log's root failed");
    }
    return 0;
}
