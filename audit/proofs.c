/*
 * proofs.c: receipts (inclusion proofs with their entry) and consistency
 * between checkpoints, made from a bundle's log and checked offline. Proofs
 * are computed and verified by core/merkle.c (RFC 9162 2.1.3, 2.1.4).
 */
#include "audit/proofs.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/file.h"
#include "audit/audit_internal.h"
#include "referendum/logentry.h"
#include "referendum/protocol.h"
#include "core/sha256.h"

/* The first NEEDLE (N bytes) in HAY (LEN bytes), or NULL (memmem is not POSIX). */
static const char *
find(const char *hay, size_t len, const char *needle, size_t n)
{
    for (size_t i = 0; i + n <= len; i++) {
        if (memcmp(hay + i, needle, n) == 0) {
            return hay + i;
        }
    }
    return NULL;
}

/* The bundle's log as leaf hashes, and the entry counting one precinct. */
typedef struct leaves {
    uint8_t (*hash)[DAUYS_HASH_BYTES];
    uint64_t count, cap;
    const char *precinct; /* NULL: none sought */
    uint64_t counting;    /* UINT64_MAX: none */
    char entry[DAUYS_LOG_ENTRY_MAX];
    size_t entry_len;
} leaves;

static int
collect(void *ctx, const char *text, size_t len)
{
    leaves *l = ctx;
    dauys_log_parsed e;
    dauys_error err;

    if (l->count == l->cap) {
        uint64_t cap = 2 * l->cap + 1024;
        void *grown = dauys_realloc(l->hash, cap * DAUYS_HASH_BYTES);
        if (grown == NULL) {
            return -1;
        }
        l->hash = grown;
        l->cap = cap;
    }
    if (dauys_merkle_leaf_hash(l->hash[l->count], text, len) != 0) {
        return -1;
    }
    if (l->precinct != NULL && dauys_logentry_parse(&e, text, len, "entry", &err) == 0 &&
        strcmp(e.precinct, l->precinct) == 0) {
        if (strcmp(e.event, "accepted") == 0 || strcmp(e.event, "correction") == 0) {
            l->counting = l->count;
            memcpy(l->entry, text, len < sizeof l->entry ? len : sizeof l->entry);
            l->entry_len = len < sizeof l->entry ? len : 0;
        } else if (strcmp(e.event, "conflict") == 0) {
            l->counting = UINT64_MAX;
        }
    }
    l->count++;
    return 0;
}

/* Reads BUNDLE's log (a directory or an archive) into L; -1 with ERR. */
static int
read_leaves(leaves *l, const char *bundle, dauys_error *err)
{
    audit_source src;
    audit a = {.dir = bundle, .src = &src};
    int rc = -1;

    if (dauys_audit_source_open(&src, bundle, err) == 0 &&
        (rc = dauys_audit_log_stream(&a, collect, l, err)) != 0 && err->status == DAUYS_OK) {
        dauys_error_set(err, DAUYS_E_NOMEM, "out of memory reading %s/log", bundle);
    }
    dauys_audit_source_close(&src);
    return rc;
}

/*
 * Reads the bundle's checkpoint and opens it with CENTRAL, or when CENTRAL
 * is NULL with the bundle's own central.pub; the key used in *USED. ORIGIN,
 * if not NULL, is the origin it must have. Returns 0, or -1 with ERR
 * (DAUYS_E_SIGNATURE, DAUYS_E_KEY_ID or DAUYS_E_PROOF: it does not hold).
 */
static int
bundle_checkpoint(dauys_checkpoint *cp, dauys_pubkey *used, const char *bundle,
                  const dauys_pubkey *central, const char *origin, dauys_error *err)
{
    char path[PATH_MAX], *note = NULL, *key = NULL;
    audit_source src;
    dauys_status st = DAUYS_OK;
    const char *failed = "checkpoint";
    size_t len, key_len = 0;
    int rc = -1;

    snprintf(path, sizeof path, "%s/checkpoint", bundle);
    if (dauys_audit_source_open(&src, bundle, err) != 0) {
        dauys_audit_source_close(&src);
        return -1;
    }
    if (central == NULL) {
        st = dauys_audit_source_read(&key, &key_len, &src, "central.pub", DAUYS_KEYS_FILE_MAX);
        failed = "central.pub";
    }
    if (st == DAUYS_OK) {
        st = dauys_audit_source_read(&note, &len, &src, "checkpoint", DAUYS_NOTE_MAX);
        failed = "checkpoint";
    }
    dauys_audit_source_close(&src);
    if (st != DAUYS_OK) {
        dauys_error_set(err, st, "%s/%s: %s", bundle, failed,
                        st == DAUYS_E_NOMEM ? "out of memory" : "missing or unreadable");
    } else if (central != NULL) {
        *used = *central;
        rc = dauys_checkpoint_open(cp, note, len, used, origin, path, err);
    } else if (dauys_keys_pubkey_decode(used, key, key_len, "central.pub", err) == 0) {
        rc = dauys_checkpoint_open(cp, note, len, used, origin, path, err);
    }
    dauys_free(note);
    dauys_free(key);
    return rc;
}

/* The bundle's checkpoint must be of exactly the log it holds. */
static int
covers(const dauys_checkpoint *cp, leaves *l, dauys_error *err)
{
    uint8_t root[DAUYS_HASH_BYTES];
    dauys_merkle_array leaves_of = {(const uint8_t(*)[DAUYS_HASH_BYTES]) l->hash, l->count};

    if (dauys_merkle_root(root, l->count, dauys_merkle_array_node, &leaves_of, err) != 0) {
        return -1;
    }
    if (cp->size != l->count || sodium_memcmp(root, cp->root, DAUYS_HASH_BYTES) != 0) {
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "the bundle's checkpoint (%llu entries) is not "
                               "of its log (%llu entries): run dauys-audit verify",
                               (unsigned long long) cp->size, (unsigned long long) l->count);
    }
    return 0;
}

int
dauys_audit_prove(char *out, size_t size, uint64_t *entry, dauys_audit_identity *checked,
                  const char *bundle, const char *precinct, const dauys_pubkey *central,
                  const char *origin, dauys_error *err)
{
    leaves l = {.precinct = precinct, .counting = UINT64_MAX};
    dauys_checkpoint cp;
    dauys_pubkey used;
    dauys_proof_text p = {.type = DAUYS_PROOF_INCLUSION};
    size_t n;
    int rc = -1;

    if (bundle_checkpoint(&cp, &used, bundle, central, origin, err) != 0 ||
        read_leaves(&l, bundle, err) != 0 || covers(&cp, &l, err) != 0) {
        goto done;
    }
    if (checked != NULL) {
        dauys_audit_identity_set(checked, cp.origin, &used, central == NULL);
    }
    if (l.counting == UINT64_MAX || l.entry_len == 0) {
        dauys_error_set(err, DAUYS_E_PROOF, "precinct %s has no counted protocol in the log of %s",
                        precinct, bundle);
        goto done;
    }
    p.index = l.counting;
    p.size = l.count;
    dauys_merkle_array leaves_of = {(const uint8_t(*)[DAUYS_HASH_BYTES]) l.hash, l.count};
    if (dauys_merkle_inclusion_proof(&p.proof, p.index, p.size, dauys_merkle_array_node, &leaves_of,
                                     err) != 0 ||
        dauys_proof_format(out, size, &p, err) != 0) {
        goto done;
    }
    n = strlen(out);
    if (n + l.entry_len + 1 > size) {
        dauys_error_set(err, DAUYS_E_USAGE, "receipt buffer too small");
        goto done;
    }
    memcpy(out + n, l.entry, l.entry_len);
    out[n + l.entry_len] = '\0';
    *entry = l.counting;
    rc = 0;
done:
    dauys_free(l.hash);
    return rc;
}

/* Splits RECEIPT into its proof and its entry (which starts with its format line). */
static int
split_receipt(dauys_proof_text *p, dauys_log_parsed *e, const char **entry, size_t *entry_len,
              const char *receipt, size_t len, dauys_error *err)
{
    static const char mark[] = "\nformat: dauys-log 1\n";
    const char *at = find(receipt, len, mark, sizeof mark - 1);

    if (at == NULL) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "receipt: no log entry after the proof");
    }
    *entry = at + 1;
    *entry_len = len - (size_t) (*entry - receipt);
    if (dauys_proof_parse(p, receipt, (size_t) (*entry - receipt), "receipt", err) != 0 ||
        dauys_logentry_parse(e, *entry, *entry_len, "receipt entry", err) != 0) {
        return -1;
    }
    if (p->type != DAUYS_PROOF_INCLUSION) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "receipt: not an inclusion proof");
    }
    return 0;
}

/* The protocol is the receipt entry's file, and the entry counted it. */
static int
names_protocol(const dauys_log_parsed *e, const char *protocol, size_t len, dauys_error *err)
{
    uint8_t sha[DAUYS_SHA256_BYTES];
    dauys_protocol p;

    if (dauys_sha256(sha, protocol, len) != 0) {
        return dauys_error_set(err, DAUYS_E_CRYPTO, "hashing failed");
    }
    if (sodium_memcmp(sha, e->file_sha256, sizeof sha) != 0) {
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "this protocol is not the file log entry %llu "
                               "recorded: its bytes differ",
                               (unsigned long long) e->index);
    }
    if (strcmp(e->event, "accepted") != 0 && strcmp(e->event, "correction") != 0) {
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "log entry %llu recorded this protocol as %s: "
                               "it does not count",
                               (unsigned long long) e->index, e->event);
    }
    if (dauys_protocol_parse_header(&p, protocol, len, "protocol", err) != 0) {
        return -1;
    }
    if (strcmp(p.precinct, e->precinct) != 0 || p.version != e->version) {
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "log entry %llu names precinct %s version %u, "
                               "the protocol %s version %u",
                               (unsigned long long) e->index, e->precinct, e->version, p.precinct,
                               p.version);
    }
    return 0;
}

/* A checkpoint of the referendum the entry names: origin "dauys/REF/MODE". */
static int
same_referendum(const dauys_checkpoint *cp, const char *referendum, dauys_error *err)
{
    size_t n = strlen(referendum);

    if (strncmp(cp->origin, "dauys/", 6) != 0 || strncmp(cp->origin + 6, referendum, n) != 0 ||
        cp->origin[6 + n] != '/') {
        return dauys_error_set(err, DAUYS_E_PROOF, "the checkpoint is for %s, not referendum %s",
                               cp->origin, referendum);
    }
    return 0;
}

int
dauys_audit_check_receipt(dauys_receipt_info *info, const char *protocol, size_t protocol_len,
                          const char *receipt, size_t receipt_len, const char *checkpoint,
                          size_t checkpoint_len, const dauys_pubkey *central, dauys_error *err)
{
    dauys_proof_text p;
    dauys_log_parsed e;
    dauys_checkpoint cp;
    const char *entry = NULL;
    size_t entry_len = 0;
    uint8_t leaf[DAUYS_HASH_BYTES];

    if (split_receipt(&p, &e, &entry, &entry_len, receipt, receipt_len, err) != 0 ||
        names_protocol(&e, protocol, protocol_len, err) != 0 ||
        dauys_checkpoint_open(&cp, checkpoint, checkpoint_len, central, NULL, "checkpoint", err) !=
            0 ||
        same_referendum(&cp, e.referendum, err) != 0) {
        return -1;
    }
    if (e.index != p.index || p.size != cp.size) {
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "the receipt proves entry %llu in a log of %llu "
                               "entries; its entry is %llu and the checkpoint has %llu",
                               (unsigned long long) p.index, (unsigned long long) p.size,
                               (unsigned long long) e.index, (unsigned long long) cp.size);
    }
    if (dauys_merkle_leaf_hash(leaf, entry, entry_len) != 0 ||
        dauys_merkle_verify_inclusion(leaf, p.index, p.size, &p.proof, cp.root, err) != 0) {
        return -1;
    }
    *info = (dauys_receipt_info){.index = e.index, .size = cp.size, .version = e.version};
    snprintf(info->event, sizeof info->event, "%s", e.event);
    snprintf(info->precinct, sizeof info->precinct, "%s", e.precinct);
    snprintf(info->origin, sizeof info->origin, "%s", cp.origin);
    return 0;
}

/* OLD is a prefix of NEW by PROOF, both signed; -1 (DAUYS_E_PROOF) if not. */
static int
consistent(const dauys_checkpoint *old_cp, const dauys_checkpoint *new_cp,
           const dauys_merkle_proof *proof, dauys_error *err)
{
    if (strcmp(old_cp->origin, new_cp->origin) != 0) {
        return dauys_error_set(err, DAUYS_E_PROOF, "the checkpoints are of two logs, %s and %s",
                               old_cp->origin, new_cp->origin);
    }
    if (old_cp->size > new_cp->size) {
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "rolled back: the newer log has %llu entries, "
                               "fewer than the %llu the older checkpoint covers",
                               (unsigned long long) new_cp->size,
                               (unsigned long long) old_cp->size);
    }
    if (old_cp->size == 0) {
        return 0; /* the empty log is a prefix of every log */
    }
    if (dauys_merkle_verify_consistency(old_cp->size, new_cp->size, old_cp->root, new_cp->root,
                                        proof, err) != 0) {
        char why[DAUYS_ERROR_MESSAGE_MAX];
        snprintf(why, sizeof why, "%s", err->message);
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "history rewritten: the log of %llu entries is "
                               "not a prefix of the log of %llu entries (%s)",
                               (unsigned long long) old_cp->size, (unsigned long long) new_cp->size,
                               why);
    }
    return 0;
}

int
dauys_audit_consistency(dauys_proof_text *proof, dauys_checkpoint *old_cp, dauys_checkpoint *new_cp,
                        const char *old_note, size_t old_len, const char *bundle,
                        const dauys_pubkey *central, dauys_error *err)
{
    leaves l = {.counting = UINT64_MAX};
    dauys_pubkey used;
    int rc = -1;

    memset(proof, 0, sizeof *proof);
    proof->type = DAUYS_PROOF_CONSISTENCY;
    if (dauys_checkpoint_open(old_cp, old_note, old_len, central, NULL, "old checkpoint", err) !=
            0 ||
        bundle_checkpoint(new_cp, &used, bundle, central, old_cp->origin, err) != 0 ||
        read_leaves(&l, bundle, err) != 0 || covers(new_cp, &l, err) != 0) {
        goto done;
    }
    proof->index = old_cp->size;
    proof->size = new_cp->size;
    dauys_merkle_array leaves_of = {(const uint8_t(*)[DAUYS_HASH_BYTES]) l.hash, l.count};
    if (old_cp->size > 0 && old_cp->size <= new_cp->size &&
        dauys_merkle_consistency_proof(&proof->proof, old_cp->size, new_cp->size,
                                       dauys_merkle_array_node, &leaves_of, err) != 0) {
        goto done;
    }
    rc = consistent(old_cp, new_cp, &proof->proof, err);
done:
    dauys_free(l.hash);
    return rc;
}

int
dauys_audit_check_consistency(const char *old_note, size_t old_len, const char *new_note,
                              size_t new_len, const char *proof, size_t proof_len,
                              const dauys_pubkey *central, dauys_error *err)
{
    dauys_checkpoint old_cp, new_cp;
    dauys_proof_text p;

    if (dauys_checkpoint_open(&old_cp, old_note, old_len, central, NULL, "old checkpoint", err) ||
        dauys_checkpoint_open(&new_cp, new_note, new_len, central, old_cp.origin, "new checkpoint",
                              err) ||
        dauys_proof_parse(&p, proof, proof_len, "proof", err) != 0) {
        return -1;
    }
    if (p.type != DAUYS_PROOF_CONSISTENCY || p.index != old_cp.size || p.size != new_cp.size) {
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "the proof is not a consistency proof from %llu "
                               "to %llu entries",
                               (unsigned long long) old_cp.size, (unsigned long long) new_cp.size);
    }
    return consistent(&old_cp, &new_cp, &p.proof, err);
}
