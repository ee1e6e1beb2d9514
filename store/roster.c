/*
 * roster.c: the signed manifest in the workspace: verifying a version,
 * storing its roster, logging it, and accepting a later version (key
 * rotation or revocation, new precincts) that keeps the referendum's shape.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "store/db.h"
#include "core/file.h"
#include "store/roster.h"

int
dauys_roster_read_signature(char **sig, size_t *len, const char *sig_path, dauys_error *err)
{
    if (dauys_file_read(sig, len, sig_path, DAUYS_KEYS_FILE_MAX, err) != 0) {
        return err->status == DAUYS_E_TOO_LARGE
                   ? dauys_error_set(err, DAUYS_E_SIGNATURE,
                                     "%s: over %d bytes, the limit of a signature file: not a "
                                     "signature",
                                     sig_path, DAUYS_KEYS_FILE_MAX)
                   : -1;
    }
    return 0;
}

/* Verifies the manifest TEXT against its signature SIG_TEXT with CENTRAL, then parses it. */
int
dauys_roster_verify_parse(dauys_manifest *m, const char *text, size_t len, const char *sig_text,
                          size_t sig_len, const char *name, const dauys_pubkey *central,
                          dauys_error *err)
{
    char sig_name[4200];
    dauys_signature sig;
    dauys_error why;

    /* A fault in the signature file is named in it, not in the manifest. */
    snprintf(sig_name, sizeof sig_name, "%s.minisig", name);
    if (dauys_keys_signature_decode(&sig, sig_text, sig_len, sig_name, &why) != 0 ||
        dauys_keys_verify(&sig, text, len, central, &why) != 0) {
        return dauys_error_set(err, why.status == DAUYS_E_NOMEM ? DAUYS_E_NOMEM : DAUYS_E_SIGNATURE,
                               "%s: the manifest's signature does not verify with the central "
                               "key: %s",
                               name, why.message);
    }
    if (dauys_manifest_parse(m, text, len, name, err) != 0) {
        return -1;
    }
    for (size_t i = 0; i < m->precinct_count; i++) {
        if (sodium_memcmp(m->precinct[i].key.pk, central->pk, sizeof central->pk) == 0) {
            int n = (int) m->precinct[i].id_len;
            const char *id = m->precinct[i].id;
            dauys_manifest_free(m);
            return dauys_error_set(err, DAUYS_E_FORMAT,
                                   "%s: precinct %.*s has the central "
                                   "commission's key; precincts need keys of their own",
                                   name, n, id);
        }
    }
    /* nor a district or region commission: the central key signing an
     * area's summary would make the check between levels no check */
    for (size_t i = 0; i < m->region_count + m->district_count; i++) {
        int is_region = i < m->region_count;
        const dauys_place *c = is_region ? &m->region[i] : &m->district[i - m->region_count];
        if (c->has_commission &&
            sodium_memcmp(c->commission.pk, central->pk, sizeof central->pk) == 0) {
            int n = (int) c->id_len;
            const char *id = c->id;
            dauys_error_set(err, DAUYS_E_FORMAT,
                            "%s: the %s commission of %.*s has the central commission's key; "
                            "commissions need keys of their own",
                            name, is_region ? "region" : "district", n, id);
            dauys_manifest_free(m);
            return -1;
        }
    }
    return 0;
}

/* Inserts the manifest's questions, regions, districts and precincts; for a
 * later version, adds what is new and updates precincts' keys, voters, names. */
int
dauys_roster_store(sqlite3 *db, const dauys_manifest *m, dauys_error *err)
{
    sqlite3_stmt *insert_question = NULL, *upsert_region = NULL, *upsert_district = NULL,
                 *upsert_precinct = NULL;
    char b64[57];
    int rc = -1;

    if (dauys_db_prepare(db, &insert_question,
                         "INSERT OR IGNORE INTO question(id, position, profile, text) "
                         "VALUES (?1, ?2, ?3, ?4)",
                         err) ||
        dauys_db_prepare(db, &upsert_region,
                         "INSERT INTO region(id, position, kind, name) VALUES (?1, ?2, ?3, ?4) "
                         "ON CONFLICT (id) DO UPDATE SET name = excluded.name",
                         err) ||
        dauys_db_prepare(db, &upsert_district,
                         "INSERT INTO district(id, region, name, precincts) "
                         "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO "
                         "UPDATE SET name = excluded.name, precincts = excluded.precincts",
                         err) ||
        dauys_db_prepare(db, &upsert_precinct,
                         "INSERT INTO precinct(id, district, region, voters, public_key, name) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO "
                         "UPDATE SET voters = excluded.voters, public_key = excluded.public_key, "
                         "name = excluded.name",
                         err)) {
        goto done;
    }
    for (size_t i = 0; i < m->question_count; i++) {
        const dauys_question *x = &m->question[i];
        if (dauys_db_bind_text(insert_question, 1, x->id) ||
            dauys_db_bind_int(insert_question, 2, (int64_t) i) ||
            dauys_db_bind_text(insert_question, 3, x->profile) ||
            dauys_db_bind_text_n(insert_question, 4, x->text, x->text_len)) {
            dauys_db_bind_fail(insert_question, err, "binding a question");
            goto done;
        }
        if (dauys_db_step_done(insert_question, err) != 0)
            goto done;
    }
    for (size_t i = 0; i < m->region_count; i++) {
        const dauys_place *x = &m->region[i];
        if (dauys_db_bind_text_n(upsert_region, 1, x->id, x->id_len) ||
            dauys_db_bind_int(upsert_region, 2, (int64_t) i) ||
            dauys_db_bind_text_n(upsert_region, 3, x->kind, x->kind_len) ||
            dauys_db_bind_text_n(upsert_region, 4, x->name, x->name_len)) {
            dauys_db_bind_fail(upsert_region, err, "binding a region");
            goto done;
        }
        if (dauys_db_step_done(upsert_region, err) != 0)
            goto done;
    }
    for (size_t i = 0; i < m->district_count; i++) {
        const dauys_place *x = &m->district[i], *reg = &m->region[x->region];
        if (dauys_db_bind_text_n(upsert_district, 1, x->id, x->id_len) ||
            dauys_db_bind_text_n(upsert_district, 2, reg->id, reg->id_len) ||
            dauys_db_bind_text_n(upsert_district, 3, x->name, x->name_len) ||
            dauys_db_bind_int(upsert_district, 4, (int64_t) m->district_precincts[i])) {
            dauys_db_bind_fail(upsert_district, err, "binding a district");
            goto done;
        }
        if (dauys_db_step_done(upsert_district, err) != 0)
            goto done;
    }
    for (size_t i = 0; i < m->precinct_count; i++) {
        const dauys_precinct *x = &m->precinct[i];
        const dauys_place *dis = &m->district[x->district], *reg = &m->region[x->region];
        dauys_keys_pubkey_to_base64(b64, &x->key);
        if (dauys_db_bind_text_n(upsert_precinct, 1, x->id, x->id_len) ||
            dauys_db_bind_text_n(upsert_precinct, 2, dis->id, dis->id_len) ||
            dauys_db_bind_text_n(upsert_precinct, 3, reg->id, reg->id_len) ||
            dauys_db_bind_int(upsert_precinct, 4, (int64_t) x->voters) ||
            dauys_db_bind_text(upsert_precinct, 5, b64) ||
            dauys_db_bind_text_n(upsert_precinct, 6, x->name, x->name_len)) {
            dauys_db_bind_fail(upsert_precinct, err, "binding a precinct");
            goto done;
        }
        if (dauys_db_step_done(upsert_precinct, err) != 0)
            goto done;
    }
    rc = 0;
done:
    sqlite3_finalize(insert_question);
    sqlite3_finalize(upsert_region);
    sqlite3_finalize(upsert_district);
    sqlite3_finalize(upsert_precinct);
    return rc;
}

int
dauys_roster_record_manifest(dauys_workspace *ws, const char *text, size_t len, const char *sig,
                             size_t sig_len, dauys_error *err)
{
    dauys_log_event e = {.event = "manifest",
                         .referendum = ws->manifest.referendum,
                         .version = ws->manifest.version,
                         .has_signature = 1};
    sqlite3_stmt *insert_manifest = NULL;
    uint64_t index;
    int rc;

    if (dauys_sha256(e.file_sha256, text, len) != 0 ||
        dauys_sha256(e.signature_sha256, sig, sig_len) != 0) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "hashing the manifest failed");
    }
    if (dauys_log_append(ws, &e, &index, err) != 0 ||
        dauys_db_prepare(ws->db, &insert_manifest,
                         "INSERT INTO manifest(version, text, signature, text_sha256, "
                         "signature_sha256, log_index) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                         err) != 0) {
        return -1;
    }
    if (dauys_db_bind_int(insert_manifest, 1, ws->manifest.version) ||
        dauys_db_bind_blob(insert_manifest, 2, text, len) ||
        dauys_db_bind_blob(insert_manifest, 3, sig, sig_len) ||
        dauys_db_bind_blob(insert_manifest, 4, e.file_sha256, 32) ||
        dauys_db_bind_blob(insert_manifest, 5, e.signature_sha256, 32) ||
        dauys_db_bind_int(insert_manifest, 6, (int64_t) index)) {
        rc = dauys_db_bind_fail(insert_manifest, err, "binding a manifest version");
    } else {
        rc = dauys_db_step_done(insert_manifest, err);
    }
    sqlite3_finalize(insert_manifest);
    return rc;
}

/* 1 if the two places have the same id (and, with KIND, kind). */
static int
same_place(const dauys_place *a, const dauys_place *b)
{
    return a->id_len == b->id_len && memcmp(a->id, b->id, a->id_len) == 0 &&
           a->kind_len == b->kind_len &&
           (a->kind_len == 0 || memcmp(a->kind, b->kind, a->kind_len) == 0);
}

/* Checks questions, ballot mode and regions are unchanged. */
static int
same_shape(const dauys_manifest *old, const dauys_manifest *new, const char *name, dauys_error *err)
{
    if (strcmp(old->referendum, new->referendum) != 0 || old->mode != new->mode) {
        return dauys_error_set(err, DAUYS_E_USAGE,
                               "%s: is for referendum %s in %s mode; this workspace is %s in %s "
                               "mode",
                               name, new->referendum, new->mode ? "official" : "test",
                               old->referendum, old->mode ? "official" : "test");
    }
    if (new->version <= old->version) {
        return dauys_error_set(err, DAUYS_E_USAGE, "%s: version %u is not after version %u", name,
                               new->version, old->version);
    }
    if (old->ballot != new->ballot || old->question_count != new->question_count ||
        old->region_count != new->region_count) {
        return dauys_error_set(err, DAUYS_E_USAGE,
                               "%s: the questions, ballot mode and regions "
                               "may not change during a referendum",
                               name);
    }
    for (size_t i = 0; i < old->question_count; i++) {
        const dauys_question *a = &old->question[i], *b = &new->question[i];
        if (strcmp(a->id, b->id) != 0 || strcmp(a->profile, b->profile) != 0 ||
            a->text_len != b->text_len || memcmp(a->text, b->text, a->text_len) != 0) {
            return dauys_error_set(err, DAUYS_E_USAGE, "%s: question %s changed", name, a->id);
        }
    }
    for (size_t i = 0; i < old->region_count; i++) {
        if (!same_place(&old->region[i], &new->region[i])) {
            return dauys_error_set(err, DAUYS_E_USAGE, "%s: region %.*s changed", name,
                                   (int) old->region[i].id_len, old->region[i].id);
        }
    }
    if (!dauys_manifest_same_witnesses(old, new)) {
        return dauys_error_set(err, DAUYS_E_USAGE,
                               "%s: the witnesses and their quorum may not change during a "
                               "referendum",
                               name);
    }
    return 0;
}

/* Every old district stays in its region; every commission stays (its key
 * may change); every old precinct stays, in the same district (so tallies
 * stay comparable). */
static int
keeps_precincts(const dauys_manifest *old, const dauys_manifest *new, const char *name,
                dauys_error *err)
{
    for (size_t i = 0; i < old->district_count; i++) {
        const dauys_place *a = &old->district[i];
        uint32_t j;
        if (!dauys_idmap_get(&new->district_map, a->id, a->id_len, &j) ||
            new->district[j].region != a->region) {
            return dauys_error_set(err, DAUYS_E_USAGE,
                                   "%s: district %.*s is missing or moved to "
                                   "another region",
                                   name, (int) a->id_len, a->id);
        }
    }
    for (size_t i = 0; i < old->region_count + old->district_count; i++) {
        int is_region = i < old->region_count;
        const dauys_place *a = is_region ? &old->region[i] : &old->district[i - old->region_count];
        uint32_t j = (uint32_t) i; /* regions keep their positions (same_shape) */
        if (a->has_commission &&
            ((!is_region && !dauys_idmap_get(&new->district_map, a->id, a->id_len, &j)) ||
             !(is_region ? &new->region[j] : &new->district[j])->has_commission)) {
            return dauys_error_set(err, DAUYS_E_USAGE,
                                   "%s: the %s commission of %.*s is missing; commissions "
                                   "cannot be removed (revoke a key by replacing it)",
                                   name, is_region ? "region" : "district", (int) a->id_len, a->id);
        }
    }
    for (size_t i = 0; i < old->precinct_count; i++) {
        const dauys_precinct *a = &old->precinct[i];
        uint32_t j;
        if (!dauys_manifest_find_precinct(new, a->id, a->id_len, &j)) {
            return dauys_error_set(err, DAUYS_E_USAGE,
                                   "%s: precinct %.*s is missing; precincts "
                                   "cannot be removed (revoke a key by replacing it)",
                                   name, (int) a->id_len, a->id);
        }
        const dauys_place *da = &old->district[a->district],
                          *db = &new->district[new->precinct[j].district];
        if (da->id_len != db->id_len || memcmp(da->id, db->id, da->id_len) != 0) {
            return dauys_error_set(err, DAUYS_E_USAGE,
                                   "%s: precinct %.*s moved to another district", name,
                                   (int) a->id_len, a->id);
        }
    }
    return 0;
}

int
dauys_workspace_update_manifest(dauys_workspace *ws, const char *manifest_path, dauys_error *err)
{
    char sig_path[4200], *text = NULL, *sig = NULL;
    size_t len = 0, sig_len = 0;
    dauys_manifest next, old;
    int rc = -1;

    memset(&next, 0, sizeof next);
    snprintf(sig_path, sizeof sig_path, "%s.minisig", manifest_path);
    if (dauys_file_read(&text, &len, manifest_path, DAUYS_MANIFEST_FILE_MAX, err) != 0 ||
        dauys_roster_read_signature(&sig, &sig_len, sig_path, err) != 0 ||
        dauys_roster_verify_parse(&next, text, len, sig, sig_len, manifest_path, &ws->central,
                                  err) != 0 ||
        same_shape(&ws->manifest, &next, manifest_path, err) != 0 ||
        keeps_precincts(&ws->manifest, &next, manifest_path, err) != 0 ||
        dauys_workspace_begin(ws, err) != 0) {
        goto done;
    }
    if (dauys_workspace_check_manifest(ws, err) != 0) { /* another process got there first */
        dauys_workspace_rollback(ws);
        goto done;
    }
    old = ws->manifest;
    ws->manifest = next;
    if (dauys_roster_store(ws->db, &ws->manifest, err) != 0 ||
        dauys_roster_record_manifest(ws, text, len, sig, sig_len, err) != 0 ||
        dauys_workspace_commit(ws, err) != 0) {
        if (sqlite3_get_autocommit(ws->db) == 0) {
            dauys_workspace_rollback(ws);
        }
        next = ws->manifest;
        ws->manifest = old;
        goto done;
    }
    next = old; /* the old version is freed below */
    rc = 0;
done:
    dauys_manifest_free(&next);
    dauys_free(text);
    dauys_free(sig);
    return rc;
}
