/*
 * verify.c: the audit: one pass over the log, in order, re-deriving every
 * outcome from the signed files with the roster in force at that point, then
 * a re-tally by plain summation compared with the signed result.
 */
#include "verify.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "alloc.h"
#include "file.h"
#include "logentry.h"
#include "manifest.h"
#include "merkle.h"
#include "note.h"
#include "kvtext.h"
#include "protocol.h"
#include "rules.h"
#include "sha256.h"

enum { A1, A2, A3, A4, I1, I2, I3, C1, P1, T1, T2 };
static const char *const check_name[DAUYS_AUDIT_CHECKS] = {"A1", "A2", "A3", "A4", "I1", "I2",
                                                           "I3", "C1", "P1", "T1", "T2"};

/* What the log says about one precinct so far. */
typedef struct precinct_state {
    char id[DAUYS_ID_MAX + 1];
    uint32_t version; /* latest version received (0: none) */
    int current;      /* its protocol counts */
    uint64_t on_list;
    uint64_t took_part[DAUYS_QUESTIONS_MAX], yes[DAUYS_QUESTIONS_MAX], no[DAUYS_QUESTIONS_MAX];
    uint64_t not_counted[DAUYS_QUESTIONS_MAX], invalid[DAUYS_QUESTIONS_MAX];
} precinct_state;

typedef struct audit {
    const char *dir;
    dauys_pubkey central;
    dauys_audit_summary *sum;
    dauys_audit_fn on_fail;
    void *ctx;
    dauys_manifest m;
    int have_manifest;
    precinct_state *ps; /* indexed like m.precinct */
    dauys_merkle_range range;
    uint8_t prev[DAUYS_SHA256_BYTES];
    int result_seen;
    uint64_t result_size;
    uint8_t result_root[DAUYS_HASH_BYTES];
    uint8_t result_sha[DAUYS_SHA256_BYTES], result_sig_sha[DAUYS_SHA256_BYTES];
} audit;

static void check(audit *a, int ck, int ok, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Records one check's outcome; a failure is reported with its place. */
static void
check(audit *a, int ck, int ok, const char *where, const char *fmt, ...)
{
    char message[600];
    va_list ap;

    if (ok) {
        a->sum->passed[ck]++;
        return;
    }
    a->sum->failed[ck]++;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (a->on_fail != NULL) {
        dauys_audit_finding f = {check_name[ck], where, message};
        a->on_fail(&f, a->ctx);
    }
}

/* Reads DIR/REL (at most MAX bytes) into *OUT; NULL *OUT if absent. */
static void
read_rel(audit *a, const char *rel, size_t max, char **out, size_t *len)
{
    char path[PATH_MAX];
    dauys_error err;

    *out = NULL;
    *len = 0;
    snprintf(path, sizeof path, "%s/%s", a->dir, rel);
    if (dauys_file_read(out, len, path, max, &err) != 0) {
        *out = NULL;
    }
}

/* I3: the file REL exists and hashes to WANT (the log's record of it). */
static int
file_matches(audit *a, const char *rel, const char *data, size_t len, const uint8_t want[32],
             const char *where)
{
    uint8_t got[32];

    if (data == NULL) {
        check(a, I3, 0, where, "%s is missing from the bundle", rel);
        return 0;
    }
    if (dauys_sha256(got, data, len) != 0 || sodium_memcmp(got, want, 32) != 0) {
        check(a, I3, 0, where, "%s does not hash to what the log recorded", rel);
        return 0;
    }
    a->sum->passed[I3]++;
    return 1;
}

/* 1 if SIG (text) is a valid signature of DATA by KEY. */
static int
signed_by(const char *data, size_t len, const char *sig, size_t sig_len, const dauys_pubkey *key)
{
    dauys_signature s;
    dauys_error err;

    return sig != NULL && dauys_keys_signature_decode(&s, sig, sig_len, "signature", &err) == 0 &&
           dauys_keys_verify(&s, data, len, key, &err) == 0;
}

/*
 * The outcome the organisers should have logged for this protocol, derived
 * here from the files and the roster in force, as ingestion defines it
 * (docs/FORMATS.md, "Ingestion outcomes"). Fills *P for counting outcomes.
 */
static const char *
derive_outcome(audit *a, const char *text, size_t len, const char *sig, size_t sig_len,
               dauys_protocol *p, uint32_t *index, int *bad_signature)
{
    dauys_findings f;
    dauys_error err;
    precinct_state *s;

    if (dauys_protocol_parse_header(p, text, len, "protocol", &err) != 0) {
        return "rejected";
    }
    if (strcmp(p->referendum, a->m.referendum) != 0 ||
        !dauys_manifest_find_precinct(&a->m, p->precinct, strlen(p->precinct), index)) {
        return "replay";
    }
    if (!signed_by(text, len, sig, sig_len, &a->m.precinct[*index].key)) {
        *bad_signature = 1;
        return "rejected";
    }
    if (dauys_protocol_parse(p, text, len, "protocol", &a->m, &err) != 0) {
        return "rejected";
    }
    dauys_protocol_check(&f, p, &a->m, &a->m.precinct[*index]);
    if (f.errors > 0) {
        return "rejected";
    }
    s = &a->ps[*index];
    return s->version == 0           ? "accepted"
           : p->version > s->version ? "correction"
           : p->version == s->version ? "conflict"
                                      : "stale";
}

/* Applies a counting or conflicting outcome to the precinct's state. */
static void
apply_outcome(audit *a, const char *outcome, const dauys_protocol *p, uint32_t index)
{
    precinct_state *s = &a->ps[index];

    if (strcmp(outcome, "conflict") == 0) {
        s->current = 0; /* neither counts until a higher version */
        return;
    }
    if (strcmp(outcome, "accepted") != 0 && strcmp(outcome, "correction") != 0) {
        return;
    }
    s->version = p->version;
    s->current = 1;
    s->on_list = p->on_list;
    for (size_t q = 0; q < p->question_count; q++) {
        s->took_part[q] = p->answer[q].ballots.in_boxes;
        s->yes[q] = p->answer[q].yes;
        s->no[q] = p->answer[q].no;
        s->not_counted[q] = p->answer[q].not_counted;
        s->invalid[q] = p->answer[q].invalid;
    }
}

/* A submission entry: its files present and unchanged, its outcome right. */
static void
on_submission(audit *a, const dauys_log_parsed *e, const char *where)
{
    char rel[64], srel[80], *text, *sig;
    size_t len, sig_len;
    dauys_protocol p;
    uint32_t index = 0;
    int bad_signature = 0, counts;
    const char *want;

    snprintf(rel, sizeof rel, "protocols/%08llu.txt", (unsigned long long) e->index);
    snprintf(srel, sizeof srel, "%s.minisig", rel);
    read_rel(a, rel, DAUYS_PROTOCOL_FILE_MAX, &text, &len);
    read_rel(a, srel, DAUYS_KEYS_FILE_MAX, &sig, &sig_len);
    a->sum->protocols++;
    if (file_matches(a, rel, text, len, e->file_sha256, where) &&
        (!e->has_signature || file_matches(a, srel, sig, sig_len, e->signature_sha256, where)) &&
        a->have_manifest) {
        want = derive_outcome(a, text, len, e->has_signature ? sig : NULL, sig_len, &p, &index,
                              &bad_signature);
        counts = strcmp(e->event, "accepted") == 0 || strcmp(e->event, "correction") == 0;
        if (counts && bad_signature) {
            check(a, A3, 0, where, "counted, but not signed by the key the roster gives precinct %s",
                  e->precinct);
        } else {
            check(a, counts ? A3 : C1, counts ? 1 : strcmp(want, e->event) == 0, where,
                  "logged as %s, but the files and the roster make it %s", e->event, want);
            if (counts) {
                check(a, C1, strcmp(want, e->event) == 0, where,
                      "logged as %s, but the files and the roster make it %s", e->event, want);
            }
        }
        apply_outcome(a, want, &p, index);
    }
    dauys_free(text);
    dauys_free(sig);
}

/* Carries the precincts' state over to a new roster, by id. */
static int
adopt_manifest(audit *a, dauys_manifest *next)
{
    precinct_state *ps = dauys_malloc_array(next->precinct_count, sizeof *ps);
    uint32_t old;

    if (ps == NULL) {
        return -1;
    }
    memset(ps, 0, next->precinct_count * sizeof *ps);
    for (size_t i = 0; i < next->precinct_count; i++) {
        const dauys_precinct *p = &next->precinct[i];
        if (a->have_manifest && dauys_manifest_find_precinct(&a->m, p->id, p->id_len, &old)) {
            ps[i] = a->ps[old];
        }
        snprintf(ps[i].id, sizeof ps[i].id, "%.*s", (int) p->id_len, p->id);
    }
    dauys_free(a->ps);
    dauys_manifest_free(&a->m);
    a->ps = ps;
    a->m = *next;
    a->have_manifest = 1;
    return 0;
}

/* A manifest entry: the file present and signed by the centre, then in force. */
static void
on_manifest(audit *a, const dauys_log_parsed *e, const char *where)
{
    char rel[64], srel[80], *text, *sig;
    size_t len, sig_len;
    dauys_manifest next;
    dauys_error err;

    snprintf(rel, sizeof rel, "manifests/v%u.txt", e->version);
    snprintf(srel, sizeof srel, "%s.minisig", rel);
    read_rel(a, rel, DAUYS_MANIFEST_FILE_MAX, &text, &len);
    read_rel(a, srel, DAUYS_KEYS_FILE_MAX, &sig, &sig_len);
    if (file_matches(a, rel, text, len, e->file_sha256, where) &&
        file_matches(a, srel, sig, sig_len, e->signature_sha256, where)) {
        int ok = signed_by(text, len, sig, sig_len, &a->central);
        check(a, A2, ok, where, "%s is not signed by the central key", rel);
        if (ok && dauys_manifest_parse(&next, text, len, rel, &err) == 0 &&
            adopt_manifest(a, &next) != 0) {
            dauys_manifest_free(&next);
        }
    }
    dauys_free(text);
    dauys_free(sig);
}

/* The result entry: remembered; the bundle holds only the last result, which
 * is checked once the log has been read. */
static void
on_result(audit *a, const dauys_log_parsed *e)
{
    a->result_seen = 1;
    a->result_size = e->index; /* the result covers the entries before it */
    memcpy(a->result_sha, e->file_sha256, 32);
    memcpy(a->result_sig_sha, e->signature_sha256, 32);
    if (dauys_merkle_range_root(a->result_root, &a->range) != 0) {
        a->result_seen = 0;
    }
}

/* One log entry: I1 (index and chain), then what its event asks for, then I2's leaf. */
static void
on_entry(audit *a, const char *text, size_t len)
{
    uint64_t n = a->range.size;
    char where[64];
    dauys_log_parsed e;
    dauys_error err;
    uint8_t leaf[DAUYS_HASH_BYTES];

    snprintf(where, sizeof where, "log entry %llu", (unsigned long long) n);
    a->sum->entries++;
    if (dauys_log_entry_parse(&e, text, len, "entry", &err) != 0) {
        check(a, I1, 0, where, "malformed: %s", err.message);
    } else {
        check(a, I1, e.index == n && sodium_memcmp(e.previous, a->prev, 32) == 0, where,
              "index %llu or its previous hash does not continue the chain",
              (unsigned long long) e.index);
        if (strcmp(e.event, "manifest") == 0) {
            on_manifest(a, &e, where);
        } else if (strcmp(e.event, "result") == 0) {
            on_result(a, &e);
        } else {
            on_submission(a, &e, where);
        }
    }
    if (dauys_sha256(a->prev, text, len) != 0 || dauys_merkle_leaf_hash(leaf, text, len) != 0 ||
        dauys_merkle_range_append(&a->range, leaf, NULL, NULL, &err) != 0) {
        check(a, I2, 0, where, "hashing failed");
    }
}

/* Streams log/entries.txt: each entry begins with its format line. */
static int
read_log(audit *a, dauys_error *err)
{
    static const char first[] = "format: dauys-log 1\n";
    char path[PATH_MAX], *line = NULL, *buf = NULL;
    size_t line_cap = 0, cap = 0, len = 0;
    ssize_t n;
    FILE *fp;

    snprintf(path, sizeof path, "%s/log/entries.txt", a->dir);
    if ((fp = fopen(path, "r")) == NULL) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: cannot read the log", path);
    }
    while ((n = getline(&line, &line_cap, fp)) >= 0) {
        if (n > 0 && strcmp(line, first) == 0 && len > 0) {
            on_entry(a, buf, len);
            len = 0;
        }
        if (len + (size_t) n + 1 > cap) {
            cap = 2 * (len + (size_t) n + 1);
            char *grown = dauys_realloc(buf, cap);
            if (grown == NULL) {
                break;
            }
            buf = grown;
        }
        memcpy(buf + len, line, (size_t) n);
        len += (size_t) n;
    }
    if (len > 0) {
        on_entry(a, buf, len);
    }
    free(line); /* getline's own allocation */
    dauys_free(buf);
    fclose(fp);
    return 0;
}

/* Counts of one area for one question, summed here from the precinct states. */
typedef struct sums {
    uint64_t eligible, took_part, yes, no, not_counted, invalid, reporting, expected;
} sums;

static void
add_precinct(sums *s, const precinct_state *p, size_t q)
{
    s->expected++;
    if (!p->current) {
        return;
    }
    s->reporting++;
    s->eligible += p->on_list;
    s->took_part += p->took_part[q];
    s->yes += p->yes[q];
    s->no += p->no[q];
    s->not_counted += p->not_counted[q];
    s->invalid += p->invalid[q];
}

/* The result line for an area, in the statement's own format. */
static void
area_line(char *out, size_t size, const char *key, const char *id, const sums *s)
{
    snprintf(out, size, "%s: %s%seligible %llu took-part %llu yes %llu no %llu not-counted %llu "
                        "invalid %llu precincts %llu/%llu", key, id, id[0] ? " " : "",
             (unsigned long long) s->eligible, (unsigned long long) s->took_part,
             (unsigned long long) s->yes, (unsigned long long) s->no,
             (unsigned long long) s->not_counted, (unsigned long long) s->invalid,
             (unsigned long long) s->reporting, (unsigned long long) s->expected);
}

/* The next line of the result, which must equal WANT (T1). */
static void
expect_line(audit *a, dauys_kv *kv, const char *want, int ck)
{
    dauys_error err;
    char got[600];

    if (dauys_kv_next(kv, &err) != 0) {
        check(a, ck, 0, "result.txt", "%s (expected \"%s\")", err.message, want);
        return;
    }
    snprintf(got, sizeof got, "%.*s: %.*s", (int) kv->key_len, kv->key, (int) kv->value_len,
             kv->value);
    check(a, ck, strcmp(got, want) == 0, "result.txt", "line %u is \"%s\"; the re-tally gives \"%s\"",
          kv->line, got, want);
}

/* The re-tally of question Q, checked line by line against the result (T1, T2). */
static void
check_question(audit *a, dauys_kv *kv, size_t q)
{
    static const char *const names[] = {"quorum", "majority", "regions"};
    const dauys_manifest *m = &a->m;
    sums nation = {0}, *region = dauys_malloc_array(m->region_count, sizeof *region);
    dauys_counts *regional = dauys_malloc_array(m->region_count, sizeof *regional);
    char want[600], id[DAUYS_ID_MAX + 1];
    dauys_verdict v;
    dauys_error err;
    size_t counted = 0;

    if (region == NULL || regional == NULL) {
        check(a, T1, 0, "result.txt", "out of memory");
        goto done;
    }
    memset(region, 0, m->region_count * sizeof *region);
    for (size_t i = 0; i < m->precinct_count; i++) {
        add_precinct(&region[m->precinct[i].region], &a->ps[i], q);
        add_precinct(&nation, &a->ps[i], q);
    }
    snprintf(want, sizeof want, "question: %s", m->question[q].id);
    expect_line(a, kv, want, T1);
    snprintf(want, sizeof want, "profile: %s", m->question[q].profile);
    expect_line(a, kv, want, T1);
    area_line(want, sizeof want, "national", "", &nation);
    expect_line(a, kv, want, T1);
    for (size_t r = 0; r < m->region_count; r++) {
        const dauys_place *pl = &m->region[r];
        snprintf(id, sizeof id, "%.*s", (int) pl->id_len, pl->id);
        area_line(want, sizeof want, "region", id, &region[r]);
        expect_line(a, kv, want, T1);
        if (!(pl->kind_len == 6 && memcmp(pl->kind, "abroad", 6) == 0)) {
            regional[counted++] = (dauys_counts){region[r].eligible, region[r].took_part,
                                                 region[r].yes, region[r].no,
                                                 region[r].not_counted, region[r].invalid};
        }
    }
    dauys_counts n = {nation.eligible, nation.took_part, nation.yes, nation.no,
                      nation.not_counted, nation.invalid};
    if (dauys_rules_decide(&v, m->question[q].profile, &n, regional, counted, &err) != 0) {
        check(a, T2, 0, "result.txt", "the rules cannot be applied: %s", err.message);
        goto done;
    }
    for (size_t i = 0; i < v.rule_count; i++) {
        const dauys_rule_result *r = &v.rule[i];
        snprintf(want, sizeof want, "rule: %s %s needed %llu have %llu of %llu", names[r->id],
                 r->passed ? "met" : "not-met", (unsigned long long) r->needed,
                 (unsigned long long) r->have, (unsigned long long) r->of);
        expect_line(a, kv, want, T2);
    }
    expect_line(a, kv, v.valid ? "valid: yes" : "valid: no", T2);
    expect_line(a, kv, v.adopted ? "adopted: yes" : "adopted: no", T2);
done:
    dauys_free(region);
    dauys_free(regional);
}

/* The header of the result: what it covers (I2) and how complete it is (P1). */
static void
check_result_header(audit *a, dauys_kv *kv)
{
    char want[600], root[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    uint64_t reporting = 0;

    for (size_t i = 0; i < a->m.precinct_count; i++) {
        reporting += a->ps[i].current != 0;
    }
    static const char *const fixed[] = {"format", "referendum", "title", "date", "mode",
                                        "manifest-version"};
    dauys_error err;
    for (size_t i = 0; i < 6; i++) {
        if (dauys_kv_expect(kv, fixed[i], &err) != 0) {
            check(a, T1, 0, "result.txt", "%s", err.message);
            return;
        }
    }
    sodium_bin2base64(root, sizeof root, a->result_root, 32, sodium_base64_VARIANT_ORIGINAL);
    snprintf(want, sizeof want, "log-size: %llu", (unsigned long long) a->result_size);
    expect_line(a, kv, want, I2);
    snprintf(want, sizeof want, "log-root: %s", root);
    expect_line(a, kv, want, I2);
    expect_line(a, kv, reporting == a->m.precinct_count ? "status: final" : "status: provisional", P1);
    snprintf(want, sizeof want, "precincts-expected: %zu", a->m.precinct_count);
    expect_line(a, kv, want, P1);
    snprintf(want, sizeof want, "precincts-reporting: %llu", (unsigned long long) reporting);
    expect_line(a, kv, want, P1);
}

/* The bundle's result.txt: the last result the log records, signed, re-tallied. */
static void
check_result(audit *a)
{
    char *text, *sig;
    size_t len, sig_len;
    dauys_kv kv;

    if (!a->result_seen || !a->have_manifest) {
        check(a, T1, 0, "log", "the log records no result");
        return;
    }
    read_rel(a, "result.txt", 1u << 24, &text, &len);
    read_rel(a, "result.txt.minisig", DAUYS_KEYS_FILE_MAX, &sig, &sig_len);
    if (file_matches(a, "result.txt", text, len, a->result_sha, "result.txt") &&
        file_matches(a, "result.txt.minisig", sig, sig_len, a->result_sig_sha, "result.txt")) {
        check(a, A4, signed_by(text, len, sig, sig_len, &a->central), "result.txt",
              "not signed by the central key");
        dauys_kv_init(&kv, text, len, "result.txt");
        check_result_header(a, &kv);
        for (size_t q = 0; q < a->m.question_count; q++) {
            check_question(a, &kv, q);
        }
    }
    dauys_free(text);
    dauys_free(sig);
}

/* The signed checkpoint covers exactly the log the bundle holds (A1, I2). */
static void
check_checkpoint(audit *a)
{
    char *note, origin[128];
    size_t len;
    dauys_checkpoint cp;
    dauys_error err;
    uint8_t root[DAUYS_HASH_BYTES];

    read_rel(a, "checkpoint", DAUYS_NOTE_MAX, &note, &len);
    if (note == NULL || !a->have_manifest) {
        check(a, A1, 0, "checkpoint", "missing, or no manifest to name its origin");
        dauys_free(note);
        return;
    }
    dauys_manifest_origin(origin, sizeof origin, &a->m);
    if (dauys_checkpoint_open(&cp, note, len, &a->central, origin, "checkpoint", &err) != 0) {
        check(a, A1, 0, "checkpoint", "%s", err.message);
    } else {
        a->sum->passed[A1]++;
        check(a, I2, dauys_merkle_range_root(root, &a->range) == 0 && cp.size == a->range.size &&
                         sodium_memcmp(root, cp.root, 32) == 0,
              "checkpoint", "signed for %llu entries and a root that the bundle's %llu log "
              "entries do not give", (unsigned long long) cp.size,
              (unsigned long long) a->range.size);
    }
    dauys_free(note);
}

int
dauys_audit_verify(dauys_audit_summary *summary, const char *bundle, const dauys_pubkey *central,
                   dauys_audit_fn on_fail, void *ctx, dauys_error *err)
{
    audit a = {.dir = bundle, .sum = summary, .on_fail = on_fail, .ctx = ctx};
    char path[PATH_MAX];

    memset(summary, 0, sizeof *summary);
    for (int i = 0; i < DAUYS_AUDIT_CHECKS; i++) {
        summary->check[i] = check_name[i];
    }
    snprintf(path, sizeof path, "%s/central.pub", bundle);
    if (central != NULL) {
        a.central = *central;
    } else if (dauys_keys_pubkey_load(&a.central, path, err) != 0) {
        return -1;
    }
    dauys_merkle_range_init(&a.range);
    if (read_log(&a, err) != 0) {
        return -1;
    }
    check_checkpoint(&a);
    check_result(&a);
    for (size_t i = 0; a.have_manifest && i < a.m.precinct_count; i++) {
        summary->counted += a.ps[i].current != 0;
    }
    dauys_free(a.ps);
    dauys_manifest_free(&a.m);
    return 0;
}
