/*
 * outcome.c: follows the log's manifest and submission entries in order.
 * For each submission it re-derives, from the files and the roster in force,
 * the outcome ingestion must have logged (docs/FORMATS.md, section 11) and
 * compares it with the one logged (C1, C2, A3). The counting state then
 * follows what was *logged*, so that one wrong decision is reported once, at
 * its entry, and the re-tally checks the result's arithmetic against the
 * organisers' own decisions rather than failing again for the same cause.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/decimal.h"
#include "audit/audit_internal.h"
#include "core/sha256.h"

/* A reason code as logged (FORMATS.md 12.1), with its NUL. */
#define AUDIT_CODE_MAX 16

int
dauys_audit_signature_valid(int *oom, const char *data, size_t len, const char *sig, size_t sig_len,
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
dauys_audit_signed_by(audit *a, const char *data, size_t len, const char *sig, size_t sig_len,
                      const dauys_pubkey *key)
{
    return dauys_audit_signature_valid(&a->oom, data, len, sig, sig_len, key);
}

/* I3 from what was found: the file REL is PRESENT and MATCHES the log's hash. */
static int
file_found(audit *a, const char *rel, int present, int matches, const char *where)
{
    if (!present) {
        dauys_audit_check(a, I3, 0, where, "%s is missing from the bundle", rel);
        return 0;
    }
    if (matches != 1) {
        a->oom |= matches < 0;
        dauys_audit_check(a, I3, 0, where, "%s does not hash to what the log recorded", rel);
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
    return file_found(a, rel, data != NULL,
                      data == NULL ? 0 : dauys_audit_hashes_to(data, len, want), where);
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

    dauys_audit_protocol_name(rel, sizeof rel, index);
    dauys_audit_read(&text, &len, a, rel, DAUYS_PROTOCOL_FILE_MAX);
    if (text != NULL && (sha == NULL || dauys_sha256(sha, text, len) == 0) &&
        (p == NULL || dauys_protocol_parse(p, text, len, rel, &a->m, &err) == 0)) {
        rc = 0;
    }
    dauys_free(text);
    return rc;
}

int
dauys_audit_protocol_reread(audit *a, uint64_t index, dauys_protocol *p)
{
    return reread(a, index, p, NULL);
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

/* Copies CODE, a reason code of FORMATS.md 11.2 or 11.3, into OUT (AUDIT_CODE_MAX bytes). */
static void
set_code(char *out, const char *code)
{
    snprintf(out, AUDIT_CODE_MAX, "%s", code);
}

/* The reason code of the first broken relation among F (an R code). */
static const char *
first_error(const dauys_findings *f)
{
    for (size_t i = 0; i < f->count; i++) {
        if (f->item[i].is_error) {
            return f->item[i].code;
        }
    }
    return "";
}

/*
 * The outcome ingestion must have given this protocol (FORMATS.md 11.2, 11.3),
 * from the files, entry E and the state before it: the event is returned,
 * its reason code ("" for none) written to CODE (AUDIT_CODE_MAX bytes). The
 * checks run in ingestion's order (tally/ingest_verify.c), since the first
 * that fails decides the reason. *P is parsed when *PARSED; *PI is the
 * precinct the header names in the roster, UINT32_MAX if none.
 */
static const char *
derive(audit *a, const audit_prepared *prep, const dauys_log_parsed *e, dauys_protocol *p,
       uint32_t *pi, int *parsed, int *bad_signature, char *code)
{
    const char *text = prep->text, *sig = e->has_signature ? prep->sig : NULL;
    size_t len = prep->len;
    dauys_findings f;
    dauys_error err;
    uint8_t old[32];

    set_code(code, "");
    if (strcmp(e->reason_code, "too-large") == 0 && len == 0) {
        set_code(code, "too-large"); /* not kept: an empty file is all that can be seen (17.1) */
        return "rejected";
    }
    if (dauys_protocol_parse_header(p, text, len, "protocol", &err) != 0) {
        set_code(code, "parse");
        return "rejected";
    }
    int on_roster = dauys_manifest_find_precinct(&a->m, p->precinct, strlen(p->precinct), pi);
    if (!on_roster) {
        *pi = UINT32_MAX;
    } else { /* a replay's numbers are still read: if it was counted, they were counted */
        *parsed = dauys_protocol_parse(p, text, len, "protocol", &a->m, &err) == 0;
    }
    if (strcmp(p->referendum, a->m.referendum) != 0 || !on_roster) {
        set_code(code, strcmp(p->referendum, a->m.referendum) != 0 ? "referendum" : "precinct");
        return "replay";
    }
    *bad_signature = *pi == prep->pi ? !prep->sig_valid
                                     : !dauys_audit_signed_by(a, text, len, sig, prep->sig_len,
                                                              &a->m.precinct[*pi].key);
    if (*bad_signature || !*parsed) {
        set_code(code, *bad_signature ? "signature" : "parse");
        return "rejected";
    }
    dauys_protocol_check(&f, p, &a->m, &a->m.precinct[*pi]);
    if (f.errors > 0) {
        set_code(code, first_error(&f));
        return "rejected";
    }
    const precinct_state *s = &a->ps[*pi];
    if (s->latest == 0) {
        return "accepted";
    }
    if (p->version != s->latest) {
        set_code(code, p->version > s->latest ? "" : "stale");
        return p->version > s->latest ? "correction" : "stale";
    }
    if (reread(a, s->entry, NULL, old) == 0 && memcmp(old, e->file_sha256, 32) == 0) {
        return "duplicate";
    }
    set_code(code, "conflict");
    return "conflict";
}

/* 1 if EVENT is one that ingestion logs for a submission (FORMATS.md 12.1). */
static int
logged_by_ingest(const char *event)
{
    static const char *const events[] = {"accepted", "correction", "rejected",
                                         "replay",   "conflict",   "stale"};

    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        if (strcmp(event, events[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* C1: the logged event and reason code of entry E (at WHERE) are WANT and
 * CODE, what the files and the roster give. */
static void
compare_outcome(audit *a, const dauys_log_parsed *e, const char *where, const char *want,
                const char *code)
{
    if (strcmp(want, e->event) != 0) {
        dauys_audit_check(a, C1, 0, where, "logged as %s, but the files and the roster make it %s",
                          e->event, want);
        return;
    }
    dauys_audit_check(a, C1, strcmp(code, e->reason_code) == 0, where,
                      "logged as %s with reason "
                      "code %s, but the files and the roster give %s",
                      e->event, e->reason_code[0] ? e->reason_code : "(none)",
                      code[0] ? code : "none");
}

/* C1, C2, A3 for one submission whose files are as logged; PI its precinct,
 * WANT and CODE the outcome derive() gave. */
static void
judge(audit *a, const dauys_log_parsed *e, const char *want, const char *code, int bad_signature,
      uint32_t pi, const char *where)
{
    int counts = strcmp(e->event, "accepted") == 0 || strcmp(e->event, "correction") == 0;

    if (!logged_by_ingest(e->event)) { /* "duplicate" above all: ingestion never logs one */
        dauys_audit_check(a, C1, 0, where,
                          "logged as %s, an event ingestion never writes for a "
                          "protocol (the files and the roster make it %s)",
                          e->event, want);
        return;
    }
    if (counts && strcmp(want, "replay") == 0) {
        dauys_audit_check(a, C1, 0, where,
                          "counted, but it is a protocol of another referendum or of a "
                          "precinct not on the roster (%s)",
                          e->precinct[0] ? e->precinct : "unnamed");
        return;
    }
    if (counts && pi == UINT32_MAX) {
        dauys_audit_check(a, C1, 0, where, "counted, but its header cannot be read");
        return;
    }
    if (counts) {
        int twice = strcmp(want, "duplicate") == 0 ||
                    (strcmp(e->event, "accepted") == 0 && a->ps[pi].latest != 0);
        dauys_audit_check(a, A3, !bad_signature, where,
                          "counted, but not signed by the key the roster gives precinct %s",
                          e->precinct);
        dauys_audit_check(
            a, C2, !twice, where,
            "logged as %s, but precinct %s already counted the protocol of entry %llu", e->event,
            e->precinct, (unsigned long long) a->ps[pi].entry);
        if (bad_signature || twice) {
            return;
        }
    }
    compare_outcome(a, e, where, want, code);
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
dauys_audit_on_submission(audit *a, const dauys_log_parsed *e, const char *where,
                          const audit_prepared *prep)
{
    char rel[64], srel[80];
    dauys_protocol p;
    uint32_t pi = UINT32_MAX;
    int bad_signature = 0, parsed = 0, files_ok;

    dauys_audit_protocol_name(rel, sizeof rel, e->index);
    snprintf(srel, sizeof srel, "%s.minisig", rel);
    a->oom |= prep->oom;
    files_ok =
        file_found(a, rel, prep->text != NULL, prep->text_matches, where) &&
        (!e->has_signature || file_found(a, srel, prep->sig != NULL, prep->sig_matches, where));
    /* a summary is told by its file's first line, or by its entry when the
     * file cannot be trusted (FORMATS.md 9A, 12.1) */
    if (files_ok ? dauys_summary_is(prep->text, prep->len) : e->summary_level[0] != '\0') {
        a->sum->summaries++;
        dauys_audit_on_summary(a, e, where, prep, files_ok);
        return;
    }
    a->sum->protocols++;
    if (!a->have_manifest) {
        dauys_audit_check(a, C1, 0, where, "a protocol before any manifest");
    } else if (files_ok) {
        char code[AUDIT_CODE_MAX];
        const char *want = derive(a, prep, e, &p, &pi, &parsed, &bad_signature, code);
        int named = pi == UINT32_MAX || (strcmp(p.precinct, e->precinct) == 0 &&
                                         p.version == e->version && e->summary_level[0] == '\0');
        if (!named) {
            dauys_audit_check(a, C1, 0, where,
                              "the entry names %s %s%s%s version %u, the file "
                              "precinct %s version %u",
                              e->summary_level[0] ? "the summary of" : "precinct",
                              e->summary_level[0] ? e->summary_level : "",
                              e->summary_level[0] ? " " : "",
                              e->summary_level[0] ? e->summary_area
                              : e->precinct[0]    ? e->precinct
                                                  : "none",
                              e->version, p.precinct, p.version);
        } else {
            judge(a, e, want, code, bad_signature, pi, where);
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

/* --- summary protocols (FORMATS.md 9A; SPEC: ingestion steps 1-8) --------- */

static const char *
level_name(dauys_level level)
{
    return level == DAUYS_LEVEL_REGION ? "region" : "district";
}

/* The summaries' state of the area LEVEL ("district" or "region") AREA in the
 * manifest in force, or NULL if it has no such area. */
static precinct_state *
area_state(audit *a, const char *level, const char *area)
{
    uint32_t i;
    size_t n = strlen(area);

    if (strcmp(level, "district") == 0 && dauys_idmap_get(&a->m.district_map, area, n, &i)) {
        return &a->dsum[i];
    }
    if (strcmp(level, "region") == 0 && dauys_idmap_get(&a->m.region_map, area, n, &i)) {
        return &a->rsum[i];
    }
    return NULL;
}

int
dauys_audit_summary_reread(audit *a, uint64_t index, dauys_summary *s)
{
    char rel[64], *text;
    size_t len;
    dauys_error err;
    int rc = -1;

    memset(s, 0, sizeof *s);
    dauys_audit_protocol_name(rel, sizeof rel, index);
    dauys_audit_read(&text, &len, a, rel, DAUYS_SUMMARY_FILE_MAX);
    if (text != NULL) {
        rc = dauys_summary_parse(s, text, len, rel, &a->m, &err);
        a->oom |= rc != 0 && err.status == DAUYS_E_NOMEM;
    }
    dauys_free(text);
    return rc;
}

/*
 * The outcome ingestion must have given this summary (its steps 2-8: the
 * header, the referendum, an area of the roster in force with a commission
 * (else replay, reason "area"), that commission's signature, the whole
 * file, the relations R1-R4, then versions per area as protocols per
 * precinct), as derive() does for a protocol. *ST is the area's state when
 * the roster has the area (with or without a commission); *HEADER and
 * *PARSED say how far S was read.
 */
static const char *
derive_summary(audit *a, const audit_prepared *prep, const dauys_log_parsed *e, dauys_summary *s,
               precinct_state **st, int *header, int *bad_signature, char *code)
{
    const char *text = prep->text, *sig = e->has_signature ? prep->sig : NULL;
    size_t len = prep->len;
    const dauys_pubkey *key;
    dauys_findings f;
    dauys_error err;
    uint8_t old[32];

    set_code(code, "");
    if (dauys_summary_parse_header(s, text, len, "summary", &err) != 0) {
        set_code(code, "parse");
        return "rejected";
    }
    *header = 1;
    *st = area_state(a, level_name(s->level), s->area);
    key = dauys_summary_key(&a->m, s->level, s->area);
    if (strcmp(s->referendum, a->m.referendum) != 0 || key == NULL) {
        set_code(code, strcmp(s->referendum, a->m.referendum) != 0 ? "referendum" : "area");
        return "replay";
    }
    if ((*bad_signature = !dauys_audit_signed_by(a, text, len, sig, prep->sig_len, key))) {
        set_code(code, "signature");
        return "rejected";
    }
    if (dauys_summary_parse(s, text, len, "summary", &a->m, &err) != 0) {
        a->oom |= err.status == DAUYS_E_NOMEM;
        set_code(code, "parse");
        return "rejected";
    }
    dauys_summary_check(&f, s, &a->m);
    if (f.errors > 0) {
        set_code(code, first_error(&f));
        return "rejected";
    }
    if ((*st)->latest == 0) {
        return "accepted";
    }
    if (s->version != (*st)->latest) {
        set_code(code, s->version > (*st)->latest ? "" : "stale");
        return s->version > (*st)->latest ? "correction" : "stale";
    }
    if (reread(a, (*st)->entry, NULL, old) == 0 && memcmp(old, e->file_sha256, 32) == 0) {
        return "duplicate";
    }
    set_code(code, "conflict");
    return "conflict";
}

/* C1, C2, A3 for one summary whose files are as logged (judge() for a
 * protocol): ST the area's state, WANT and CODE what derive_summary gave. */
static void
judge_summary(audit *a, const dauys_log_parsed *e, const char *want, const char *code,
              int bad_signature, int header, const precinct_state *st, const char *where)
{
    int counts = strcmp(e->event, "accepted") == 0 || strcmp(e->event, "correction") == 0;

    if (!logged_by_ingest(e->event)) {
        dauys_audit_check(a, C1, 0, where,
                          "logged as %s, an event ingestion never writes for a "
                          "summary (the files and the roster make it %s)",
                          e->event, want);
        return;
    }
    if (counts && strcmp(want, "replay") == 0) {
        dauys_audit_check(a, C1, 0, where,
                          "counted, but it is a summary of another referendum or of an area "
                          "without a commission in the roster (%s %s)",
                          e->summary_level[0] ? e->summary_level : "unnamed", e->summary_area);
        return;
    }
    if (counts && !header) {
        dauys_audit_check(a, C1, 0, where, "counted, but its header cannot be read");
        return;
    }
    if (counts) {
        int twice =
            strcmp(want, "duplicate") == 0 || (strcmp(e->event, "accepted") == 0 && st->latest);
        dauys_audit_check(a, A3, !bad_signature, where,
                          "counted, but not signed by the key the roster gives the %s "
                          "commission of %s",
                          e->summary_level, e->summary_area);
        dauys_audit_check(a, C2, !twice, where,
                          "logged as %s, but the %s %s already counted the summary of entry %llu",
                          e->event, e->summary_level, e->summary_area,
                          (unsigned long long) st->entry);
        if (bad_signature || twice) {
            return;
        }
    }
    compare_outcome(a, e, where, want, code);
}

/* Applies the LOGGED event of entry E to the area state ST: what counts
 * follows the log, as for protocols (KNOWN: its files are as logged). */
static void
apply_logged_summary(const dauys_log_parsed *e, precinct_state *st, uint32_t version, int known)
{
    if (strcmp(e->event, "conflict") == 0) {
        st->current = 0;
    } else if (strcmp(e->event, "accepted") == 0 || strcmp(e->event, "correction") == 0) {
        st->entry = e->index;
        st->latest = version;
        st->current = 1;
        st->known = (uint8_t) known;
    }
}

void
dauys_audit_on_summary(audit *a, const dauys_log_parsed *e, const char *where,
                       const audit_prepared *prep, int files_ok)
{
    dauys_summary s;
    precinct_state *st = NULL;
    int header = 0, bad_signature = 0;
    uint32_t version = e->version;

    memset(&s, 0, sizeof s);
    if (!a->have_manifest) {
        dauys_audit_check(a, C1, 0, where, "a summary protocol before any manifest");
        return;
    }
    if (files_ok) {
        char code[AUDIT_CODE_MAX];
        const char *want = derive_summary(a, prep, e, &s, &st, &header, &bad_signature, code);
        int named = !header ||
                    (e->precinct[0] == '\0' && strcmp(e->summary_level, level_name(s.level)) == 0 &&
                     strcmp(e->summary_area, s.area) == 0 && e->version == s.version);
        if (!named) {
            dauys_audit_check(a, C1, 0, where,
                              "the entry names %s%s%s version %u, the file the summary of %s %s "
                              "version %u",
                              e->summary_level[0] ? e->summary_level : "precinct ",
                              e->summary_level[0] ? " " : "",
                              e->summary_level[0] ? e->summary_area
                              : e->precinct[0]    ? e->precinct
                                                  : "none",
                              e->version, level_name(s.level), s.area, s.version);
            header = 0;
        } else {
            judge_summary(a, e, want, code, bad_signature, header, st, where);
        }
        version = header ? s.version : version;
    }
    if (!header) { /* followed as logged, by the area the entry names */
        st = area_state(a, e->summary_level, e->summary_area);
    }
    if (st != NULL) {
        apply_logged_summary(e, st, version, files_ok);
    }
    dauys_summary_free(&s);
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

/* Frees what belongs to the manifest in force (the precincts' state, the
 * district sums, the manifest), when the next one takes its place or the
 * audit ends. */
static void
manifest_state_free(audit *a)
{
    dauys_free(a->ps);
    dauys_free(a->district);
    dauys_free(a->dsum);
    dauys_free(a->rsum);
    dauys_manifest_free(&a->m);
    a->ps = NULL;
    a->district = NULL;
    a->dsum = a->rsum = NULL;
}

/* The summaries' state carried over to the roster NEXT: districts by id,
 * regions by position (which no manifest version changes). 0, or -1. */
static int
carry_summaries(precinct_state **dsum, precinct_state **rsum, const audit *a,
                const dauys_manifest *next)
{
    uint32_t old;

    *dsum = dauys_malloc_array(next->district_count + 1, sizeof **dsum);
    *rsum = dauys_malloc_array(next->region_count + 1, sizeof **rsum);
    if (*dsum == NULL || *rsum == NULL) {
        dauys_free(*dsum);
        dauys_free(*rsum);
        return -1;
    }
    memset(*dsum, 0, (next->district_count + 1) * sizeof **dsum);
    memset(*rsum, 0, (next->region_count + 1) * sizeof **rsum);
    for (size_t i = 0; a->have_manifest && i < next->district_count; i++) {
        const dauys_place *p = &next->district[i];
        if (dauys_idmap_get(&a->m.district_map, p->id, p->id_len, &old)) {
            (*dsum)[i] = a->dsum[old];
        }
    }
    for (size_t i = 0; a->have_manifest && i < next->region_count && i < a->m.region_count; i++) {
        (*rsum)[i] = a->rsum[i];
    }
    return 0;
}

/* Makes NEXT the roster in force, carrying each precinct's state over by id. */
static int
adopt_manifest(audit *a, dauys_manifest *next)
{
    precinct_state *ps = dauys_malloc_array(next->precinct_count, sizeof *ps), *dsum, *rsum;
    audit_sums *d = carry_districts(a, next);
    uint32_t old;

    if (ps == NULL || d == NULL || carry_summaries(&dsum, &rsum, a, next) != 0) {
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
    manifest_state_free(a);
    a->ps = ps;
    a->district = d;
    a->dsum = dsum;
    a->rsum = rsum;
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
    int ok = strcmp(new->referendum, old->referendum) == 0 &&
             new->mode == old->mode &&new->ballot == old->ballot &&new->question_count ==
                 old->question_count &&new->region_count == old->region_count;

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
 * What NEXT changes of what update-manifest keeps (FORMATS.md 8.4, the
 * checks of store/roster.c): NULL if nothing, else which. A later version
 * may change keys, voters and names and add precincts, districts and
 * commissions (but not remove a commission); the
 * referendum and mode, ballots, questions (id, profile, text) and regions
 * (id, kind) stay by position, the witnesses and their quorum as they are,
 * every district in the region of the same position, every precinct in a
 * district of the same id. Else the re-tally could not follow it: the sums
 * are carried over by district id, and the witness check would not know
 * which witnesses to ask for.
 */
static const char *
shape_change(const audit *a, const dauys_manifest *next)
{
    uint32_t i2;

    if (next->version <= a->m.version) {
        return "its version is not higher";
    }
    if (!same_frame(&a->m, next)) {
        return "the referendum, mode, ballots, questions or regions differ";
    }
    if (!dauys_manifest_same_witnesses(&a->m, next)) {
        return "the witnesses and their quorum may not change during a referendum";
    }
    for (size_t i = 0; i < a->m.district_count; i++) {
        const dauys_place *d = &a->m.district[i];
        if (!dauys_idmap_get(&next->district_map, d->id, d->id_len, &i2) ||
            next->district[i2].region != d->region) {
            return "a district is dropped or moved to another region";
        }
    }
    for (size_t i = 0; i < a->m.region_count + a->m.district_count; i++) {
        int is_region = i < a->m.region_count;
        const dauys_place *c = is_region ? &a->m.region[i] : &a->m.district[i - a->m.region_count];
        i2 = (uint32_t) i; /* regions keep their positions (same_frame) */
        if (c->has_commission &&
            ((!is_region && !dauys_idmap_get(&next->district_map, c->id, c->id_len, &i2)) ||
             !(is_region ? &next->region[i2] : &next->district[i2])->has_commission)) {
            return "a district or region commission is removed (commissions cannot be removed; "
                   "revoke a key by replacing it)";
        }
    }
    for (size_t i = 0; i < a->m.precinct_count; i++) {
        const dauys_precinct *p = &a->m.precinct[i];
        if (!dauys_manifest_find_precinct(next, p->id, p->id_len, &i2) ||
            !same_place(&a->m.district[p->district], &next->district[next->precinct[i2].district],
                        0)) {
            return "a precinct is dropped or moved to another district";
        }
    }
    return NULL;
}

/* C1 for manifest version NEXT: 1 if it keeps what update-manifest keeps. */
static int
keeps_shape(audit *a, const dauys_manifest *next, const char *where)
{
    const char *change = shape_change(a, next);

    dauys_audit_check(a, C1, change == NULL, where,
                      "manifest version %u changes what update-manifest "
                      "keeps: %s (version %u is in force)",
                      next->version, change ? change : "", a->m.version);
    return change == NULL;
}

static int
compare_versions(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *) x, b = *(const uint32_t *) y;

    return (a > b) - (a < b);
}

void
dauys_audit_manifest_versions_sort(audit *a)
{
    if (a->manifest_version_count > 1) {
        qsort(a->manifest_versions_logged, a->manifest_version_count,
              sizeof *a->manifest_versions_logged, compare_versions);
    }
}

int
dauys_audit_manifest_file_logged(const audit *a, const char *name)
{
    char canonical[64];
    uint64_t v;
    size_t n;

    if (a->manifest_version_count == 0 || name[0] != 'v' ||
        dauys_decimal_read(&v, name + 1, dauys_decimal_span(name + 1, strlen(name + 1)), UINT32_MAX,
                           DAUYS_DECIMAL_LEADING_ZEROS) != DAUYS_DECIMAL_OK) {
        return 0;
    }
    n = (size_t) snprintf(canonical, sizeof canonical, "v%" PRIu64 ".txt", v);
    if (strncmp(name, canonical, n) != 0 ||
        (name[n] != '\0' && strcmp(name + n, ".minisig") != 0)) {
        return 0; /* not how dauys names version V: "v007.txt", "v7.txtx" */
    }
    uint32_t want = (uint32_t) v;
    return bsearch(&want, a->manifest_versions_logged, a->manifest_version_count, sizeof want,
                   compare_versions) != NULL;
}

void
dauys_audit_on_manifest(audit *a, const dauys_log_parsed *e, const char *where)
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
    dauys_audit_read(&text, &len, a, rel, DAUYS_MANIFEST_FILE_MAX);
    dauys_audit_read(&sig, &sig_len, a, srel, DAUYS_KEYS_FILE_MAX);
    if (file_matches(a, rel, text, len, e->file_sha256, where) &&
        file_matches(a, srel, sig, sig_len, e->signature_sha256, where)) {
        dauys_audit_check(a, A2, dauys_audit_signed_by(a, text, len, sig, sig_len, &a->central),
                          where, "%s is not signed by the central key", rel);
        /* Followed even when unsigned (A2 says so), so the rest can be checked.
         * The roster is parsed in place: at a million precincts it is 100 MB. */
        int parsed = dauys_manifest_parse_owned(&next, text, len, rel, &err);
        text = NULL;
        if (parsed == 0 && dauys_manifest_shrink(&next, &err) != 0) { /* keep ids, not 100 MB */
            dauys_manifest_free(&next);
            parsed = -1;
        }
        if (parsed == 0 && next.weak_key_count > 0) { /* reported, and the roster followed */
            dauys_audit_check(a, C1, 0, where, "%s (%zu weak key%s in all)",
                              next.weak_key_problem.message, next.weak_key_count,
                              next.weak_key_count == 1 ? "" : "s");
        }
        if (parsed != 0) {
            if (err.status == DAUYS_E_NOMEM) {
                a->oom = 1;
            } else {
                dauys_audit_check(a, C1, 0, where, "%s", err.message);
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
dauys_audit_counting_each(audit *a, const dauys_audit_counting *c, dauys_error *err)
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
dauys_audit_state_free(audit *a)
{
    manifest_state_free(a);
    dauys_free(a->logged);
    dauys_free(a->manifest_versions_logged);
    dauys_free(a->statement);
    dauys_free(a->line_check);
    a->logged = NULL;
    a->manifest_versions_logged = NULL;
    a->statement = NULL;
    a->line_check = NULL;
}
