/*
 * prepare.c: the part of checking a submission that does not depend on the
 * log's state, done for a batch of entries on every core before the entries
 * are followed in order (verify.c): reading its files, hashing them against
 * the log, and verifying the signature with the key the roster in force
 * gives the precinct its header names. Reads the audit, never writes it.
 */
#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/file.h"
#include "audit/audit_internal.h"
#include "core/sha256.h"

int
dauys_audit_hashes_to(const char *data, size_t len, const uint8_t want[32])
{
    uint8_t got[32];

    if (dauys_sha256(got, data, len) != 0) {
        return -1;
    }
    return sodium_memcmp(got, want, 32) == 0;
}

/* Reads the submission's files from the bundle's directory. */
static void
read_files(const audit *a, const dauys_log_parsed *e, audit_prepared *p)
{
    char rel[64], srel[80];

    dauys_audit_protocol_name(rel, sizeof rel, e->index);
    snprintf(srel, sizeof srel, "%s.minisig", rel);
    p->oom |= dauys_audit_source_read(&p->text, &p->len, a->src, rel, DAUYS_PROTOCOL_FILE_MAX) ==
              DAUYS_E_NOMEM;
    p->oom |= dauys_audit_source_read(&p->sig, &p->sig_len, a->src, srel, DAUYS_KEYS_FILE_MAX) ==
              DAUYS_E_NOMEM;
}

/* Takes the submission's files from an archive's protocol run, in log order
 * (the caller holds the batch's lock). */
static void
take_files(const audit *a, const dauys_log_parsed *e, audit_prepared *p)
{
    p->oom |= dauys_audit_source_take(&p->text, &p->len, &p->sig, &p->sig_len, a->src, e->index,
                                      e->has_signature) == DAUYS_E_NOMEM;
}

/* With P's files read: their hashes against the log, then the signature. */
static void
check_files(const audit *a, const dauys_log_parsed *e, audit_prepared *p)
{
    dauys_protocol header;
    dauys_error err;
    p->text_matches = p->text != NULL ? dauys_audit_hashes_to(p->text, p->len, e->file_sha256) : 0;
    if (strcmp(e->reason_code, "too-large") == 0 && p->text != NULL) {
        p->text_matches = p->len == 0; /* not kept: the bundle has an empty file (17.1) */
    }
    p->sig_matches =
        !e->has_signature ||
        (p->sig != NULL ? dauys_audit_hashes_to(p->sig, p->sig_len, e->signature_sha256) : 0);
    p->oom |= p->text_matches < 0 || p->sig_matches < 0;
    if (p->text_matches != 1 || p->sig_matches != 1 || !a->have_manifest ||
        dauys_protocol_parse_header(&header, p->text, p->len, "protocol", &err) != 0 ||
        !dauys_manifest_find_precinct(&a->m, header.precinct, strlen(header.precinct), &p->pi)) {
        return;
    }
    p->sig_valid =
        dauys_audit_signature_valid(&p->oom, p->text, p->len, e->has_signature ? p->sig : NULL,
                                    p->sig_len, &a->m.precinct[p->pi].key);
}

void
dauys_audit_prepared_free(audit_prepared *p)
{
    dauys_free(p->text);
    dauys_free(p->sig);
    p->text = p->sig = NULL;
}

/* Item I is handed out (pool hook, under the pool's lock, in order). The
 * archive is read in log order: an entry whose index is not its place (I1
 * reports it) takes nothing, since a wild index would pass over every file
 * after it, and size the table by it. */
static void
claim_item(void *ctx, size_t i)
{
    audit_prep_job *j = ctx;
    audit_batch_item *it = &j->items[i];

    if (it->is_submission) {
        memset(&it->p, 0, sizeof it->p);
        it->p.pi = UINT32_MAX;
        if (j->a->src->archive && it->e.index == it->position) {
            take_files(j->a, &it->e, &it->p);
        }
    }
}

/* Prepares item I (pool hook: findings and oom go into the item, never a failure). */
static int
prepare_item(void *ctx, void *local, size_t i, dauys_error *err)
{
    audit_prep_job *j = ctx;
    audit_batch_item *it = &j->items[i];

    (void) local;
    (void) err;
    if (it->is_submission) {
        if (!j->a->src->archive) {
            read_files(j->a, &it->e, &it->p);
        }
        check_files(j->a, &it->e, &it->p);
    }
    return 0;
}

void
dauys_audit_prepare_start(audit_prep_job *j, const audit *a, audit_batch_item *items, size_t count)
{
    j->a = a;
    j->items = items;
    j->task = (dauys_pool_task){.ctx = j, .count = count, .claim = claim_item, .run = prepare_item};
    dauys_pool_start(&j->pool, &j->task, a->threads > 1 ? a->threads : 0);
}

void
dauys_audit_prepare_join(audit_prep_job *j)
{
    int failed = dauys_pool_wait(&j->pool, NULL); /* items never fail the pool */

    assert(failed == 0);
    (void) failed;
}
