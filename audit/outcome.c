/*
 * outcome.c: follows the log's manifest and submission entries in order.
 * For each submission it re-derives, from the files and the roster in force,
 * the outcome ingestion must have logged (docs/FORMATS.md, section 11) and
 * compares it with the one logged (C1, C2, A3). The counting state then
 * follows what was *logged*, so that one wrong decision is reported once, at
 * its entry, and the re-tally checks the result's arithmetic against the
 * organisers' own decisions rather than failing again for the same cause.
 */
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "internal.h"
#include "sha256.h"

int
audit_signature_valid(int *oom, const char *data, size_t len, const char *sig, size_t sig_len,
                      const dauys_pubkey *key)
{
    dauys_signature s;
    dauys_error err = {0};

    if (sig != NULL && dauys_keys_signature_decode(&s, sig, sig_len, "signature", &err) == 0 &&
        dauys_keys_verify(&s, data, len, key, &err) == 0) {
        return 1;
    }
    /* running out of memory says nothing about the signature: the audit stops */
    *oom |= err.status == DAUYS_E_NOMEM || err.status == DAUYS_E_CRYPTO;
    return 0;
}

int
audit_signed_by(audit *a, const char *data, size_t len, const char *sig, size_t sig_len,
                const dauys_pubkey *key)
{
    return audit_signature_valid(&a->oom, data, len, sig, sig_len, key);
}

/* I3 from what was found: the file REL is PRESENT and MATCHES the log's hash. */
static int
file_found(audit *a, const char *rel, int present, int matches, const char *where)
{
    if (!present) {
        audit_check(a, I3, 0, where, "%s is missing from the bundle", rel);
        return 0;
    }
    if (matches != 1) {
        a->oom |= matches < 0;
        audit_check(a, I3, 0, where, "%s does not hash to what the log recorded", rel);
        return 0;
    }
    a->sum->passed[I3]++;
    return 1;
}

/* I3: the file REL exists and hashes to WANT (the log's record of it). */
static int
file_matches(audit *a, const char *rel, const char *data, size_t len, const uint8_t want[32],
             const char *where)
{
    return file_found(a, rel, data != NULL, data == NULL ? 0 : audit_hashes_to(data, len, want),
                      where);
}

/* Adds (SIGN 1) or takes back (SIGN -1) precinct PI's protocol P in its district. */
static void
add_numbers(audit *a, uint32_t pi, const dauys_protocol *p, int sign)
{
    audit_sums *s = &a->district[(size_t) a->m.precinct[pi].district * a->m.question_count];

    for (size_t q = 0; q < a->m.question_count; q++, s++) {
        uint64_t k = sign > 0 ? 1 : (uint64_t) -1;
        if (p == NULL) {
            s->unknown += k;
            continue;
        }
        s->eligible += k * p->on_list;
        s->took_part += k * p->answer[q].ballots.in_boxes;
        s->yes += k * p->answer[q].yes;
        s->no += k * p->answer[q].no;
        s->not_counted += k * p->answer[q].not_counted;
        s->invalid += k * p->answer[q].invalid;
    }
}

/*
 * Reads and parses the protocol of entry INDEX again (to take its numbers
 * back, or to compare bytes). Returns 0, or -1 if it cannot be read.
 */
static int
reread(audit *a, uint64_t index, dauys_protocol *p, uint8_t sha[32])
{
    char rel[64], *text;
    size_t len;
    dauys_error err;
    int rc = -1;

    audit_protocol_name(rel, sizeof rel, index);
    audit_read(a, rel, DAUYS_PROTOCOL_FILE_MAX, &text, &len);
    if (text != NULL && (sha == NULL || dauys_sha256(sha, text, len) == 0) &&
        (p == NULL || dauys_protocol_parse(p, text, len, rel, &a->m, &err) == 0)) {
        rc = 0;
    }
    dauys_free(text);
    return rc;
}

/* Precinct PI stops counting: its numbers come out of its district. */
static void
stop_counting(audit *a, uint32_t pi)
{
    precinct_state *s = &a->ps[pi];
    dauys_protocol old;
    audit_sums *d = &a->district[(size_t) a->m.precinct[pi].district * a->m.question_count];

    if (!s->current) {
        return;
    }
    for (size_t q = 0; q < a->m.question_count; q++) {
        d[q].reporting--;
    }
    if (!s->known) {
        add_numbers(a, pi, NULL, -1); /* it was counted as unknown: no longer */
    } else if (reread(a, s->entry, &old, NULL) == 0) {
        add_numbers(a, pi, &old, -1);
    } else {
        add_numbers(a, pi, NULL, 1); /* its numbers stay in the sums, unreadable now:
                                       * the district cannot be checked any more */
    }
    s->current = 0;
}

/* Applies the LOGGED event of entry E to precinct PI (P: its numbers, or NULL). */
static void
apply_logged(audit *a, const dauys_log_parsed *e, uint32_t pi, const dauys_protocol *p)
{
    precinct_state *s = &a->ps[pi];
    audit_sums *d = &a->district[(size_t) a->m.precinct[pi].district * a->m.question_count];

    if (strcmp(e->event, "conflict") == 0) {
        stop_counting(a, pi);
        return;
    }
    if (strcmp(e->event, "accepted") != 0 && strcmp(e->event, "correction") != 0) {
        return;
    }
    stop_counting(a, pi);
    s->entry = e->index;
    s->latest = p != NULL ? p->version : e->version;
    s->current = 1;
    s->known = p != NULL;
    for (size_t q = 0; q < a->m.question_count; q++) {
        d[q].reporting++;
    }
    add_numbers(a, pi, p, 1);
}

/*
 * The outcome ingestion must have given this protocol (FORMATS.md 11.2, 11.3),
 * from the files and the state before it. *P is parsed when *PARSED.
 */
static const char *
derive(audit *a, const audit_prepared *prep, const char *sig, const uint8_t sha[32],
       dauys_protocol *p, uint32_t *pi, int *parsed, int *bad_signature)
{
    const char *text = prep->text;
    size_t len = prep->len;

    dauys_findings f;
    dauys_error err;
    uint8_t old[32];

    if (dauys_protocol_parse_header(p, text, len, "protocol", &err) != 0) {
        return "rejected";
    }
    if (!dauys_manifest_find_precinct(&a->m, p->precinct, strlen(p->precinct), pi)) {
        *pi = UINT32_MAX;
        return "replay";
    }
    /* a replay's numbers are still read: if it was counted, they were counted */
    *parsed = dauys_protocol_parse(p, text, len, "protocol", &a->m, &err) == 0;
    if (strcmp(p->referendum, a->m.referendum) != 0) {
        return "replay";
    }
    *bad_signature = *pi == prep->pi ? !prep->sig_valid
                                     : !audit_signed_by(a, text, len, sig, prep->sig_len,
                                                        &a->m.precinct[*pi].key);
    if (*bad_signature || !*parsed) {
        return "rejected";
    }
    dauys_protocol_check(&f, p, &a->m, &a->m.precinct[*pi]);
    if (f.errors > 0) {
        return "rejected";
    }
    const precinct_state *s = &a->ps[*pi];
    if (s->latest == 0) {
        return "accepted";
    }
    if (p->version != s->latest) {
        return p->version > s->latest ? "correction" : "stale";
    }
    return reread(a, s->entry, NULL, old) == 0 && memcmp(old, sha, 32) == 0 ? "duplicate"
                                                                            : "conflict";
}

/* C1, C2, A3 for one submission whose files are as logged; PI its precinct. */
static void
judge(audit *a, const dauys_log_parsed *e, const char *want, int bad_signature, uint32_t pi,
      const char *where)
{
    int counts = strcmp(e->event, "accepted") == 0 || strcmp(e->event, "correction") == 0;

    if (counts && strcmp(want, "replay") == 0) {
        audit_check(a, C1, 0, where, "counted, but it is a protocol of another referendum or of a "
                    "precinct not on the roster (%s)", e->precinct[0] ? e->precinct : "unnamed");
        return;
    }
    if (counts && pi == UINT32_MAX) {
        audit_check(a, C1, 0, where, "counted, but its header cannot be read");
        return;
    }
    if (counts) {
        int twice = strcmp(want, "duplicate") == 0 ||
                    (strcmp(e->event, "accepted") == 0 && a->ps[pi].latest != 0);
        audit_check(a, A3, !bad_signature, where,
                    "counted, but not signed by the key the roster gives precinct %s", e->precinct);
        audit_check(a, C2, !twice, where,
                    "logged as %s, but precinct %s already counted the protocol of entry %llu",
                    e->event, e->precinct, (unsigned long long) a->ps[pi].entry);
        if (bad_signature || twice) {
            return;
        }
    }
    audit_check(a, C1, strcmp(want, e->event) == 0, where,
                "logged as %s, but the files and the roster make it %s", e->event, want);
}

/* The precinct an entry names, when the roster has it; UINT32_MAX if not. */
static uint32_t
named_precinct(const audit *a, const dauys_log_parsed *e)
{
    uint32_t pi;

    return dauys_manifest_find_precinct(&a->m, e->precinct, strlen(e->precinct), &pi) ? pi
                                                                                      : UINT32_MAX;
}

void
audit_on_submission(audit *a, const dauys_log_parsed *e, const char *where,
                    const audit_prepared *prep)
{
    char rel[64], srel[80];
    dauys_protocol p;
    uint32_t pi = UINT32_MAX;
    int bad_signature = 0, parsed = 0, files_ok;

    audit_protocol_name(rel, sizeof rel, e->index);
    snprintf(srel, sizeof srel, "%s.minisig", rel);
    a->sum->protocols++;
    a->oom |= prep->oom;
    files_ok = file_found(a, rel, prep->text != NULL, prep->text_matches, where) &&
               (!e->has_signature ||
                file_found(a, srel, prep->sig != NULL, prep->sig_matches, where));
    if (!a->have_manifest) {
        audit_check(a, C1, 0, where, "a protocol before any manifest");
    } else if (files_ok) {
        const char *want = derive(a, prep, e->has_signature ? prep->sig : NULL, e->file_sha256,
                                  &p, &pi, &parsed, &bad_signature);
        int named = pi == UINT32_MAX || (strcmp(p.precinct, e->precinct) == 0 &&
                                         p.version == e->version);
        if (!named) {
            audit_check(a, C1, 0, where, "the entry names precinct %s version %u, the file "
                        "precinct %s version %u", e->precinct[0] ? e->precinct : "none",
                        e->version, p.precinct, p.version);
        } else {
            judge(a, e, want, bad_signature, pi, where);
        }
        if (!named || pi == UINT32_MAX) {
            pi = named_precinct(a, e);
            parsed = 0;
        }
        if (pi != UINT32_MAX) {
            apply_logged(a, e, pi, parsed ? &p : NULL);
        }
    } else if ((pi = named_precinct(a, e)) != UINT32_MAX) {
        apply_logged(a, e, pi, NULL); /* I3 reported; its numbers are unknown */
    }
}

/* Carries the districts' sums over to the roster NEXT, by district id. */
static audit_sums *
carry_districts(const audit *a, const dauys_manifest *next)
{
    size_t nq = next->question_count;
    audit_sums *d = dauys_malloc_array(next->district_count * nq, sizeof *d);
    uint32_t old;

    if (d == NULL) {
        return NULL;
    }
    memset(d, 0, next->district_count * nq * sizeof *d);
    for (size_t i = 0; a->have_manifest && i < next->district_count; i++) {
        const dauys_place *p = &next->district[i];
        if (dauys_idmap_get(&a->m.district_map, p->id, p->id_len, &old)) {
            memcpy(&d[i * nq], &a->district[(size_t) old * nq], nq * sizeof *d);
        }
    }
    return d;
}

/* Makes NEXT the roster in force, carrying each precinct's state over by id. */
static int
adopt_manifest(audit *a, dauys_manifest *next)
{
    precinct_state *ps = dauys_malloc_array(next->precinct_count, sizeof *ps);
    audit_sums *d = carry_districts(a, next);
    uint32_t old;

    if (ps == NULL || d == NULL) {
        dauys_free(ps);
        dauys_free(d);
        return -1;
    }
    memset(ps, 0, next->precinct_count * sizeof *ps);
    for (size_t i = 0; a->have_manifest && i < next->precinct_count; i++) {
        const dauys_precinct *p = &next->precinct[i];
        if (dauys_manifest_find_precinct(&a->m, p->id, p->id_len, &old)) {
            ps[i] = a->ps[old];
        }
    }
    audit_state_free(a);
    a->ps = ps;
    a->district = d;
    a->m = *next;
    a->have_manifest = 1;
    return 0;
}

/* 1 if the places A and B have the same id (and kind, when KIND). */
static int
same_place(const dauys_place *a, const dauys_place *b, int kind)
{
    return a->id_len == b->id_len && memcmp(a->id, b->id, a->id_len) == 0 &&
           (!kind || (a->kind_len == b->kind_len && memcmp(a->kind, b->kind, a->kind_len) == 0));
}

/* The questions, ballots, regions and referendum of OLD and NEW are the same. */
static int
same_frame(const dauys_manifest *old, const dauys_manifest *new)
{
    int ok = strcmp(new->referendum, old->referendum) == 0 && new->mode == old->mode &&
             new->ballot == old->ballot && new->question_count == old->question_count &&
             new->region_count == old->region_count;

    for (size_t q = 0; ok && q < old->question_count; q++) {
        const dauys_question *a = &old->question[q], *b = &new->question[q];
        ok = strcmp(a->id, b->id) == 0 && strcmp(a->profile, b->profile) == 0 &&
             a->text_len == b->text_len && memcmp(a->text, b->text, a->text_len) == 0;
    }
    for (size_t r = 0; ok && r < old->region_count; r++) {
        ok = same_place(&old->region[r], &new->region[r], 1);
    }
    return ok;
}

/*
 * A later version may change keys, voters and names and add precincts and
 * districts; everything else of FORMATS.md 8.4 stays: the referendum and
 * mode, ballots, questions (id, profile, text) and regions (id, kind) by
 * position, every precinct, in a district of the same id. Else the re-tally
 * could not follow it. Returns 1 if NEXT keeps the shape.
 */
static int
keeps_shape(audit *a, const dauys_manifest *next, const char *where)
{
    uint32_t pi;
    int ok = next->version > a->m.version && same_frame(&a->m, next);

    for (size_t i = 0; ok && i < a->m.precinct_count; i++) {
        const dauys_precinct *p = &a->m.precinct[i];
        ok = dauys_manifest_find_precinct(next, p->id, p->id_len, &pi) &&
             same_place(&a->m.district[p->district], &next->district[next->precinct[pi].district],
                        0);
    }
    audit_check(a, C1, ok, where, "manifest version %u changes what update-manifest keeps (the "
                "referendum, mode, ballots, questions, regions, a precinct or its district), or "
                "is not after version %u", next->version, a->m.version);
    return ok;
}

void
audit_on_manifest(audit *a, const dauys_log_parsed *e, const char *where)
{
    char rel[64], srel[80], *text, *sig;
    size_t len, sig_len;
    dauys_manifest next;
    dauys_error err;

    snprintf(rel, sizeof rel, "manifests/v%u.txt", e->version);
    snprintf(srel, sizeof srel, "%s.minisig", rel);
    if (a->manifest_version_count == a->manifest_version_cap) {
        size_t cap = 2 * a->manifest_version_cap + 8;
        uint32_t *grown = dauys_realloc(a->manifest_versions_logged, cap * sizeof *grown);
        if (grown == NULL) {
            a->oom = 1;
            return;
        }
        a->manifest_versions_logged = grown;
        a->manifest_version_cap = cap;
    }
    a->manifest_versions_logged[a->manifest_version_count++] = e->version;
    audit_read(a, rel, DAUYS_MANIFEST_FILE_MAX, &text, &len);
    audit_read(a, srel, DAUYS_KEYS_FILE_MAX, &sig, &sig_len);
    if (file_matches(a, rel, text, len, e->file_sha256, where) &&
        file_matches(a, srel, sig, sig_len, e->signature_sha256, where)) {
        audit_check(a, A2, audit_signed_by(a, text, len, sig, sig_len, &a->central), where,
                    "%s is not signed by the central key", rel);
        /* Followed even when unsigned (A2 says so), so the rest can be checked.
         * The roster is parsed in place: at a million precincts it is 100 MB. */
        int parsed = dauys_manifest_parse_owned(&next, text, len, rel, &err);
        text = NULL;
        if (parsed == 0 && dauys_manifest_shrink(&next, &err) != 0) { /* keep ids, not 100 MB */
            dauys_manifest_free(&next);
            parsed = -1;
        }
        if (parsed == 0 && next.weak_key_count > 0) { /* reported, and the roster followed */
            audit_check(a, C1, 0, where, "%s (%zu weak key%s in all)",
                        next.weak_key_problem.message, next.weak_key_count,
                        next.weak_key_count == 1 ? "" : "s");
        }
        if (parsed != 0) {
            if (err.status == DAUYS_E_NOMEM) {
                a->oom = 1;
            } else {
                audit_check(a, C1, 0, where, "%s", err.message);
            }
        } else if (a->have_manifest && !keeps_shape(a, &next, where)) {
            dauys_manifest_free(&next);
        } else if (adopt_manifest(a, &next) != 0) {
            dauys_manifest_free(&next);
            a->oom = 1;
        }
    }
    dauys_free(text);
    dauys_free(sig);
}

int
audit_counting_each(audit *a, const dauys_audit_counting *c, dauys_error *err)
{
    dauys_protocol p;

    if (c->begin != NULL && c->begin(c->ctx, &a->m, err) != 0) {
        return -1;
    }
    for (uint32_t i = 0; i < a->m.precinct_count && c->precinct != NULL; i++) {
        const precinct_state *s = &a->ps[i];
        if (!s->current) {
            continue;
        }
        /* the file the log pass judged, by the same path (its numbers were summed) */
        int known = s->known && reread(a, s->entry, &p, NULL) == 0;
        if (a->oom) {
            return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory auditing %s", a->dir);
        }
        if (c->precinct(c->ctx, &a->m, i, known ? &p : NULL, err) != 0) {
            return -1;
        }
    }
    return 0;
}

void
audit_state_free(audit *a)
{
    dauys_free(a->ps);
    dauys_free(a->district);
    dauys_manifest_free(&a->m);
    a->ps = NULL;
    a->district = NULL;
}
