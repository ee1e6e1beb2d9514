/*
 * copies.c: observers' copies against what a bundle counted (copies.h,
 * docs/FORMATS.md section 23). The counted set is read by the audit's own
 * route (the log split by log.c's reader, the checkpoint opened with the
 * trusted key and recomputed over that log, protocols hashed against their
 * entries); nothing of the tally is used.
 */
#include "audit/copies.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/csv.h"
#include "core/file.h"
#include "core/idmap.h"
#include "core/kvtext.h"
#include "core/merkle.h"
#include "core/proof.h"
#include "core/sha256.h"
#include "audit/audit_internal.h"
#include "audit/proofs.h"
#include "referendum/logentry.h"
#include "referendum/manifest.h"
#include "referendum/protocol.h"

enum { EV_OTHER, EV_ACCEPTED, EV_CORRECTION, EV_CONFLICT };

#define NONE ((size_t) -1)

/* One logged submission. */
typedef struct sub {
    uint64_t entry;
    uint32_t pi; /* roster index; UINT32_MAX: not in the roster. A summary's
                  * entry has its area's slot after the precincts (districts,
                  * then regions): never a precinct's */
    uint32_t version;
    int event;
    char event_name[16];
    size_t values; /* offset of its counts in set->values; NONE: not read (never counted) */
    size_t prev;   /* the precinct's previous submission; NONE */
    size_t reason_at, reason_len; /* its reason text in set->text */
    uint8_t sha[DAUYS_SHA256_BYTES], sig[DAUYS_SHA256_BYTES];
    int has_sig;
    int summary;       /* a summary protocol's entry (FORMATS.md 12.1) */
    char precinct[80]; /* the precinct, or a summary's LEVEL:AREA */
} sub;

struct dauys_copies_set {
    dauys_manifest m;
    int have_m;
    size_t nfields;
    char field[DAUYS_COPIES_FIELDS_MAX][DAUYS_QUESTION_ID_MAX + 24];
    sub *sub;
    size_t nsub, capsub;
    uint64_t *values;
    size_t nvalues, capvalues;
    size_t *last;     /* per roster precinct (then district and region, for
                       * summaries): its latest submission; NONE */
    size_t *counting; /* per roster precinct (then area): the submission counting now; NONE */
    /* the log, for receipts: leaf hashes and every entry's bytes */
    uint8_t (*leaf)[DAUYS_HASH_BYTES];
    uint64_t count, capleaf;
    size_t *entry_at;
    char *text;
    size_t text_len, text_cap;
    int oom;
};

const char *
dauys_copy_outcome_name(dauys_copy_outcome o)
{
    static const char *const names[DAUYS_COPY_OUTCOMES] = {
        "agrees", "differs", "superseded", "not-counted", "unknown", "malformed", "duplicate"};
    return (unsigned) o < DAUYS_COPY_OUTCOMES ? names[o] : "?";
}

/* N zeroed bytes, or NULL. */
static void *
zalloc(size_t n)
{
    void *p = dauys_malloc(n);
    if (p != NULL) {
        memset(p, 0, n);
    }
    return p;
}

static int
oom(dauys_error *err)
{
    return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
}

/* The protocol's count fields for M, in protocol order. */
static void
name_fields(dauys_copies_set *s)
{
    static const char *const ballots[] = {"ballots_received", "ballots_issued", "ballots_cancelled",
                                          "ballots_in_boxes"};
    static const char *const answers[] = {"yes", "no", "not_counted", "invalid"};
    const dauys_manifest *m = &s->m;
    size_t n = 0;

    snprintf(s->field[n++], sizeof s->field[0], "citizens_on_list");
    if (m->ballot == DAUYS_BALLOT_SINGLE) {
        for (size_t b = 0; b < 4; b++) {
            snprintf(s->field[n++], sizeof s->field[0], "%s", ballots[b]);
        }
    }
    for (size_t q = 0; q < m->question_count; q++) {
        if (m->ballot == DAUYS_BALLOT_SEPARATE) {
            for (size_t b = 0; b < 4; b++) {
                snprintf(s->field[n++], sizeof s->field[0], "%s_%s", m->question[q].id, ballots[b]);
            }
        }
        for (size_t k = 0; k < 4; k++) {
            snprintf(s->field[n++], sizeof s->field[0], "%s_%s", m->question[q].id, answers[k]);
        }
    }
    s->nfields = n;
}

/* P's counts in the order of name_fields. */
static void
protocol_values(uint64_t *v, const dauys_manifest *m, const dauys_protocol *p)
{
    size_t n = 0;

    v[n++] = p->on_list;
    if (m->ballot == DAUYS_BALLOT_SINGLE) {
        v[n++] = p->ballots.received;
        v[n++] = p->ballots.issued;
        v[n++] = p->ballots.cancelled;
        v[n++] = p->ballots.in_boxes;
    }
    for (size_t q = 0; q < m->question_count; q++) {
        const dauys_answers *a = &p->answer[q];
        if (m->ballot == DAUYS_BALLOT_SEPARATE) {
            v[n++] = a->ballots.received;
            v[n++] = a->ballots.issued;
            v[n++] = a->ballots.cancelled;
            v[n++] = a->ballots.in_boxes;
        }
        v[n++] = a->yes;
        v[n++] = a->no;
        v[n++] = a->not_counted;
        v[n++] = a->invalid;
    }
}

static int
event_code(const char *event)
{
    if (strcmp(event, "accepted") == 0) {
        return EV_ACCEPTED;
    }
    if (strcmp(event, "correction") == 0) {
        return EV_CORRECTION;
    }
    return strcmp(event, "conflict") == 0 ? EV_CONFLICT : EV_OTHER;
}

/* Appends N bytes to S->text; its offset in *AT. */
static int
keep_text(dauys_copies_set *s, size_t *at, const char *data, size_t n)
{
    if (s->text_len + n + 1 > s->text_cap) {
        size_t cap = 2 * s->text_cap + n + 65536;
        char *grown = dauys_realloc(s->text, cap);
        if (grown == NULL) {
            return -1;
        }
        s->text = grown;
        s->text_cap = cap;
    }
    memcpy(s->text + s->text_len, data, n);
    *at = s->text_len;
    s->text_len += n;
    s->text[s->text_len] = '\0';
    return 0;
}

static int
setup_precincts(dauys_copies_set *s, dauys_error *err)
{
    size_t n = s->m.precinct_count + s->m.district_count + s->m.region_count;

    s->last = dauys_malloc((n + 1) * sizeof *s->last);
    s->counting = dauys_malloc((n + 1) * sizeof *s->counting);
    if (s->last == NULL || s->counting == NULL) {
        return oom(err);
    }
    for (size_t i = 0; i < n; i++) {
        s->last[i] = s->counting[i] = NONE;
    }
    name_fields(s);
    return 0;
}

/* A summary's submission X (entry E): what counts for its area, in the
 * area's slot after the precincts, so that no precinct's copy is compared
 * with a summary (a summary is never a copy of a precinct's protocol). */
static int
add_summary_sub(dauys_copies_set *s, sub *x, const dauys_log_parsed *e)
{
    size_t n = strlen(e->summary_area);
    uint32_t at, slot = UINT32_MAX;

    if (strcmp(e->summary_level, "district") == 0 &&
        dauys_idmap_get(&s->m.district_map, e->summary_area, n, &at)) {
        slot = (uint32_t) s->m.precinct_count + at;
    } else if (strcmp(e->summary_level, "region") == 0 &&
               dauys_idmap_get(&s->m.region_map, e->summary_area, n, &at)) {
        slot = (uint32_t) (s->m.precinct_count + s->m.district_count) + at;
    }
    x->pi = slot;
    if (slot != UINT32_MAX) {
        x->prev = s->last[slot];
        s->last[slot] = s->nsub;
        if (x->event == EV_ACCEPTED || x->event == EV_CORRECTION) {
            s->counting[slot] = s->nsub;
        } else if (x->event == EV_CONFLICT) {
            s->counting[slot] = NONE;
        }
    }
    s->nsub++;
    return 0;
}

/*
 * One submission: EVENT, precinct, version; the protocol's bytes TEXT
 * (NULL: not needed, it never counted) parsed for its counts.
 */
static int
add_sub(dauys_copies_set *s, const dauys_log_parsed *e, const char *reason, size_t reason_len,
        const char *text, size_t len, const char *name, dauys_error *err)
{
    sub *x;
    uint32_t pi = UINT32_MAX;

    if (s->nsub == s->capsub) {
        size_t cap = 2 * s->capsub + 1024;
        sub *grown = dauys_realloc(s->sub, cap * sizeof *grown);
        if (grown == NULL) {
            return oom(err);
        }
        s->sub = grown;
        s->capsub = cap;
    }
    x = &s->sub[s->nsub];
    memset(x, 0, sizeof *x);
    x->entry = e->index;
    x->version = e->version;
    x->event = event_code(e->event);
    snprintf(x->event_name, sizeof x->event_name, "%s", e->event);
    snprintf(x->precinct, sizeof x->precinct, "%s", e->precinct);
    if (e->summary_level[0] != '\0') { /* ids hold no ':': never a precinct's name */
        x->summary = 1;
        snprintf(x->precinct, sizeof x->precinct, "%.8s:%.64s", e->summary_level, e->summary_area);
    }
    memcpy(x->sha, e->file_sha256, sizeof x->sha);
    memcpy(x->sig, e->signature_sha256, sizeof x->sig);
    x->has_sig = e->has_signature;
    x->values = NONE;
    x->prev = NONE;
    if (keep_text(s, &x->reason_at, reason, reason_len) != 0) {
        return oom(err);
    }
    x->reason_len = reason_len;
    if (x->summary) {
        return add_summary_sub(s, x, e);
    }
    if (e->precinct[0] != '\0' &&
        dauys_manifest_find_precinct(&s->m, e->precinct, strlen(e->precinct), &pi)) {
        x->pi = pi;
        x->prev = s->last[pi];
        s->last[pi] = s->nsub;
    }
    x->pi = pi;
    if (text != NULL && pi != UINT32_MAX) {
        dauys_protocol p;
        if (dauys_protocol_parse(&p, text, len, name, &s->m, err) != 0) {
            return -1;
        }
        if (s->nvalues + s->nfields > s->capvalues) {
            size_t cap = 2 * s->capvalues + 64 * s->nfields;
            uint64_t *grown = dauys_realloc(s->values, cap * sizeof *grown);
            if (grown == NULL) {
                return oom(err);
            }
            s->values = grown;
            s->capvalues = cap;
        }
        protocol_values(s->values + s->nvalues, &s->m, &p);
        x->values = s->nvalues;
        s->nvalues += s->nfields;
    }
    if (pi != UINT32_MAX) {
        if (x->event == EV_ACCEPTED || x->event == EV_CORRECTION) {
            s->counting[pi] = x->values != NONE ? s->nsub : NONE;
        } else if (x->event == EV_CONFLICT) {
            s->counting[pi] = NONE;
        }
    }
    s->nsub++;
    return 0;
}

int
dauys_copies_set_new(dauys_copies_set **out, const char *manifest, size_t len, dauys_error *err)
{
    dauys_copies_set *s = zalloc(sizeof *s);

    *out = NULL;
    if (s == NULL) {
        return oom(err);
    }
    if (dauys_manifest_parse(&s->m, manifest, len, "manifest", err) != 0) {
        dauys_free(s);
        return -1;
    }
    s->have_m = 1;
    if (setup_precincts(s, err) != 0) {
        dauys_copies_set_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

int
dauys_copies_set_add(dauys_copies_set *s, const char *event, const char *reason,
                     const char *protocol, size_t len, dauys_error *err)
{
    dauys_log_parsed e = {.index = s->nsub};
    dauys_protocol p;
    int code = event_code(event);

    if (dauys_protocol_parse_header(&p, protocol, len, "protocol", err) != 0) {
        return -1;
    }
    snprintf(e.event, sizeof e.event, "%s", event);
    snprintf(e.precinct, sizeof e.precinct, "%s", p.precinct);
    e.version = p.version;
    if (dauys_sha256(e.file_sha256, protocol, len) != 0) {
        return dauys_error_set(err, DAUYS_E_CRYPTO, "hashing failed");
    }
    reason = reason != NULL ? reason : "";
    return add_sub(s, &e, reason, strlen(reason),
                   code == EV_ACCEPTED || code == EV_CORRECTION ? protocol : NULL, len, "protocol",
                   err);
}

void
dauys_copies_set_free(dauys_copies_set *s)
{
    if (s == NULL) {
        return;
    }
    if (s->have_m) {
        dauys_manifest_free(&s->m);
    }
    dauys_free(s->sub);
    dauys_free(s->values);
    dauys_free(s->last);
    dauys_free(s->counting);
    dauys_free(s->leaf);
    dauys_free(s->entry_at);
    dauys_free(s->text);
    dauys_free(s);
}

/* --- the bundle ----------------------------------------------------------- */

/* Collects each log entry: its leaf hash and bytes. */
static int
collect(void *ctx, const char *text, size_t len)
{
    dauys_copies_set *s = ctx;

    if (s->count == s->capleaf) {
        uint64_t cap = 2 * s->capleaf + 4096;
        void *grown = dauys_realloc(s->leaf, cap * DAUYS_HASH_BYTES);
        void *at = dauys_realloc(s->entry_at, (cap + 1) * sizeof *s->entry_at);
        if (grown != NULL) {
            s->leaf = grown;
        }
        if (at != NULL) {
            s->entry_at = at;
        }
        if (grown == NULL || at == NULL) {
            s->oom = 1;
            return -1;
        }
        s->capleaf = cap;
    }
    if (dauys_merkle_leaf_hash(s->leaf[s->count], text, len) != 0 ||
        keep_text(s, &s->entry_at[s->count], text, len) != 0) {
        s->oom = 1;
        return -1;
    }
    s->count++;
    s->entry_at[s->count] = s->text_len;
    return 0;
}

/* TEXT (LEN bytes; NULL: absent), bundle file REL, must hash to WANT (the log's). */
static int
check_logged(const char *text, size_t len, const char *bundle, const char *rel,
             const uint8_t want[DAUYS_SHA256_BYTES], dauys_error *err)
{
    uint8_t sha[DAUYS_SHA256_BYTES];

    if (text == NULL) {
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "%s/%s: missing or unreadable: run dauys-audit verify", bundle, rel);
    }
    if (dauys_sha256(sha, text, len) != 0) {
        return dauys_error_set(err, DAUYS_E_CRYPTO, "hashing failed");
    }
    if (sodium_memcmp(sha, want, sizeof sha) != 0) {
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "%s/%s: not the file its log entry names (its SHA-256 differs): "
                               "run dauys-audit verify",
                               bundle, rel);
    }
    return 0;
}

/* Reads bundle file REL into *OUT, which must hash to WANT (the log's). */
static int
read_logged(char **out, size_t *len, audit_source *src, const char *bundle, const char *rel,
            size_t max, const uint8_t want[DAUYS_SHA256_BYTES], dauys_error *err)
{
    dauys_status st = dauys_audit_source_read(out, len, src, rel, max);

    if (st != DAUYS_OK) {
        return dauys_error_set(
            err, st == DAUYS_E_NOMEM ? DAUYS_E_NOMEM : DAUYS_E_PROOF, "%s/%s: %s", bundle, rel,
            st == DAUYS_E_NOMEM ? "out of memory"
                                : "missing or unreadable: run dauys-audit verify");
    }
    return check_logged(*out, *len, bundle, rel, want, err);
}

/* The checkpoint, opened with CENTRAL or the bundle's central.pub, must be of the log read. */
static int
open_checkpoint(dauys_copies_set *s, dauys_audit_identity *checked, audit_source *src,
                const char *bundle, const dauys_pubkey *central, const char *origin,
                dauys_error *err)
{
    char path[PATH_MAX], *note = NULL, *key = NULL;
    size_t len = 0, key_len = 0;
    dauys_checkpoint cp;
    dauys_pubkey used;
    uint8_t root[DAUYS_HASH_BYTES];
    int rc = -1;

    snprintf(path, sizeof path, "%s/checkpoint", bundle);
    if (central == NULL) {
        if (dauys_audit_source_read(&key, &key_len, src, "central.pub", DAUYS_KEYS_FILE_MAX) !=
            DAUYS_OK) {
            dauys_error_set(err, DAUYS_E_IO, "%s/central.pub: missing or unreadable", bundle);
            goto done;
        }
        if (dauys_keys_pubkey_decode(&used, key, key_len, "central.pub", err) != 0) {
            goto done;
        }
    } else {
        used = *central;
    }
    if (dauys_audit_source_read(&note, &len, src, "checkpoint", DAUYS_NOTE_MAX) != DAUYS_OK) {
        dauys_error_set(err, DAUYS_E_PROOF, "%s: missing or unreadable", path);
        goto done;
    }
    if (dauys_checkpoint_open(&cp, note, len, &used, origin, path, err) != 0) {
        goto done;
    }
    dauys_merkle_array leaves_of = {(const uint8_t(*)[DAUYS_HASH_BYTES]) s->leaf, s->count};
    if (dauys_merkle_root(root, s->count, dauys_merkle_array_node, &leaves_of, err) != 0) {
        goto done;
    }
    if (cp.size != s->count || sodium_memcmp(root, cp.root, DAUYS_HASH_BYTES) != 0) {
        dauys_error_set(err, DAUYS_E_PROOF,
                        "the bundle's checkpoint (%llu entries) is not of its log (%llu "
                        "entries): run dauys-audit verify",
                        (unsigned long long) cp.size, (unsigned long long) s->count);
        goto done;
    }
    if (checked != NULL) {
        dauys_audit_identity_set(checked, cp.origin, &used, central == NULL);
    }
    rc = 0;
done:
    dauys_free(note);
    dauys_free(key);
    return rc;
}

/* Parses every entry; the last manifest entry's file becomes S->m. */
static int
read_manifest(dauys_copies_set *s, audit_source *src, const char *bundle, dauys_error *err)
{
    char where[64], rel[64], *text = NULL;
    size_t len = 0;
    dauys_log_parsed e, last = {0};
    int found = 0, rc;

    for (uint64_t i = 0; i < s->count; i++) {
        snprintf(where, sizeof where, "log entry %llu", (unsigned long long) i);
        if (dauys_logentry_parse(&e, s->text + s->entry_at[i], s->entry_at[i + 1] - s->entry_at[i],
                                 where, err) != 0) {
            return -1;
        }
        if (strcmp(e.event, "manifest") == 0) {
            last = e;
            found = 1;
        }
    }
    if (!found) {
        return dauys_error_set(err, DAUYS_E_PROOF, "%s: the log has no manifest entry", bundle);
    }
    snprintf(rel, sizeof rel, "manifests/v%u.txt", last.version);
    if (read_logged(&text, &len, src, bundle, rel, DAUYS_MANIFEST_FILE_MAX, last.file_sha256,
                    err) != 0) {
        dauys_free(text);
        return -1;
    }
    rc = dauys_manifest_parse(&s->m, text, len, rel, err);
    dauys_free(text);
    if (rc != 0) {
        return -1;
    }
    s->have_m = 1;
    return setup_precincts(s, err);
}

/* Every submission entry, with the protocols that counted at some time. */
static int
read_submissions(dauys_copies_set *s, audit_source *src, const char *bundle, dauys_error *err)
{
    char where[64], rel[64], reason[DAUYS_LOG_REASON_MAX + 1], *text = NULL;
    size_t len = 0;
    dauys_log_parsed e;

    for (uint64_t i = 0; i < s->count; i++) {
        const char *entry = s->text + s->entry_at[i];
        size_t entry_len = s->entry_at[i + 1] - s->entry_at[i];
        int code, rc;

        snprintf(where, sizeof where, "log entry %llu", (unsigned long long) i);
        if (dauys_logentry_parse(&e, entry, entry_len, where, err) != 0) {
            return -1;
        }
        if (strcmp(e.event, "manifest") == 0 || strcmp(e.event, "result") == 0) {
            continue;
        }
        reason[0] = '\0';
        (void) dauys_logentry_reason_text(entry, entry_len, reason, sizeof reason);
        code = event_code(e.event);
        text = NULL;
        dauys_audit_protocol_name(rel, sizeof rel, i);
        if (src->archive && (code == EV_ACCEPTED || code == EV_CORRECTION)) {
            /* the archive's protocol run, taken in log order */
            char *sig = NULL;
            size_t sig_len = 0;
            dauys_status st =
                dauys_audit_source_take(&text, &len, &sig, &sig_len, src, i, e.has_signature);
            dauys_free(sig);
            if (st == DAUYS_E_NOMEM) {
                dauys_free(text);
                return oom(err);
            }
            if (check_logged(text, len, bundle, rel, e.file_sha256, err) != 0) {
                dauys_free(text);
                return -1;
            }
        } else if (code == EV_ACCEPTED || code == EV_CORRECTION) {
            if (read_logged(&text, &len, src, bundle, rel, DAUYS_PROTOCOL_FILE_MAX, e.file_sha256,
                            err) != 0) {
                dauys_free(text);
                return -1;
            }
        }
        rc = add_sub(s, &e, reason, strlen(reason), text, len, rel, err);
        dauys_free(text);
        if (rc != 0) {
            return -1;
        }
    }
    return 0;
}

int
dauys_copies_set_open(dauys_copies_set **out, dauys_audit_identity *checked, const char *bundle,
                      const dauys_pubkey *central, const char *origin, dauys_error *err)
{
    dauys_copies_set *s = zalloc(sizeof *s);
    audit_source src;
    audit a = {.dir = bundle, .src = &src};
    int rc = -1;

    *out = NULL;
    if (s == NULL) {
        return oom(err);
    }
    if (dauys_audit_source_open(&src, bundle, err) != 0) {
        goto done;
    }
    if (dauys_audit_log_stream(&a, collect, s, err) != 0) {
        if (s->oom || err->status == DAUYS_OK) {
            oom(err);
        }
        goto done;
    }
    if (open_checkpoint(s, checked, &src, bundle, central, origin, err) != 0 ||
        read_manifest(s, &src, bundle, err) != 0 || read_submissions(s, &src, bundle, err) != 0) {
        goto done;
    }
    if (src.archive) {
        dauys_audit_source_finish(&src);
    }
    rc = 0;
done:
    dauys_audit_source_close(&src);
    if (rc == 0) {
        *out = s;
    } else {
        dauys_copies_set_free(s);
    }
    return rc;
}

/* --- the columns ---------------------------------------------------------- */

#define TEMPLATE_PARTS 16

/* One column, or several summed, or a template of literal text and columns. */
typedef struct spec {
    int given;
    size_t parts;
    int column[TEMPLATE_PARTS]; /* -1: the literal LIT[i] */
    char lit[TEMPLATE_PARTS][72];
} spec;

typedef struct layout {
    char *header[DAUYS_CSV_FIELDS_MAX]; /* the header's names (owned) */
    spec precinct, version;
    spec field[DAUYS_COPIES_FIELDS_MAX];
    size_t given;
} layout;

/* The header's column NAME (N bytes) into *COL; -1 (ERR) if absent or twice. */
static int
find_column(int *col, const dauys_csv *csv, const char *name, size_t n, const char *map_name,
            dauys_error *err)
{
    *col = -1;
    for (size_t i = 0; i < csv->count; i++) {
        if (strlen(csv->field[i]) == n && memcmp(csv->field[i], name, n) == 0) {
            if (*col >= 0) {
                return dauys_error_set(err, DAUYS_E_FORMAT,
                                       "%s:1: column \"%.*s\" is in the header twice", csv->name,
                                       (int) n, name);
            }
            *col = (int) i;
        }
    }
    if (*col < 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:1: no column \"%.*s\"%s%s%s", csv->name,
                               (int) n, name, map_name ? " (map " : "", map_name ? map_name : "",
                               map_name ? ")" : "");
    }
    return 0;
}

/* The default layout: columns named as the protocol's keys. */
static int
default_layout(layout *l, const dauys_copies_set *s, const dauys_csv *csv, dauys_error *err)
{
    int col;

    if (find_column(&col, csv, "precinct", 8, NULL, err) != 0) {
        return -1;
    }
    l->precinct = (spec){.given = 1, .parts = 1, .column = {col}};
    col = dauys_csv_column(csv, "version");
    if (col >= 0) {
        l->version = (spec){.given = 1, .parts = 1, .column = {col}};
    }
    for (size_t f = 0; f < s->nfields; f++) {
        col = dauys_csv_column(csv, s->field[f]);
        if (col >= 0) {
            l->field[f] = (spec){.given = 1, .parts = 1, .column = {col}};
            l->given++;
        }
    }
    for (size_t i = 0; i < csv->count; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(csv->field[i], csv->field[j]) == 0) {
                return dauys_error_set(err, DAUYS_E_FORMAT,
                                       "%s:1: column \"%s\" is in the header twice", csv->name,
                                       csv->field[i]);
            }
        }
    }
    return 0;
}

/* Parses a map value (VALUE, N bytes) into SP: "{COL}" parts, " + " between them
 * for a SUM (IS_SUM), literal text between them for a template. */
static int
parse_spec(spec *sp, const dauys_kv *kv, const dauys_csv *csv, int is_sum, const char *map_name,
           dauys_error *err)
{
    const char *v = kv->value, *end = kv->value + kv->value_len;

    memset(sp, 0, sizeof *sp);
    sp->given = 1;
    if (kv->value_len == 1 && v[0] == '-') {
        sp->given = 0;
        return 0;
    }
    while (v < end) {
        if (sp->parts == TEMPLATE_PARTS) {
            return dauys_kv_fail(kv, err, "at most %d parts", TEMPLATE_PARTS);
        }
        if (*v == '{') {
            const char *close = memchr(v, '}', (size_t) (end - v));
            if (close == NULL) {
                return dauys_kv_fail(kv, err, "a \"{\" is never closed");
            }
            if (find_column(&sp->column[sp->parts], csv, v + 1, (size_t) (close - v - 1), map_name,
                            err) != 0) {
                return -1;
            }
            sp->parts++;
            v = close + 1;
            if (is_sum && v < end) {
                if (end - v < 4 || memcmp(v, " + {", 4) != 0) {
                    return dauys_kv_fail(kv, err,
                                         "a sum is \"{COLUMN}\" or \"{COLUMN} + {COLUMN}\"...");
                }
                v += 3;
            }
        } else if (is_sum) {
            return dauys_kv_fail(kv, err, "a sum is \"{COLUMN}\" or \"{COLUMN} + {COLUMN}\"...");
        } else {
            const char *open = memchr(v, '{', (size_t) (end - v));
            size_t n = (size_t) ((open ? open : end) - v);
            if (n >= sizeof sp->lit[0] || memchr(v, '}', n) != NULL) {
                return dauys_kv_fail(kv, err, "a literal part is at most %zu bytes, without \"}\"",
                                     sizeof sp->lit[0] - 1);
            }
            sp->column[sp->parts] = -1;
            memcpy(sp->lit[sp->parts], v, n);
            sp->lit[sp->parts][n] = '\0';
            sp->parts++;
            v += n;
        }
    }
    return 0;
}

/* A copies map (section 23.2): format, precinct, version, then count fields. */
static int
map_layout(layout *l, const dauys_copies_set *s, const dauys_csv *csv, const char *map,
           size_t map_len, const char *map_name, dauys_error *err)
{
    dauys_kv kv;

    dauys_kv_init(&kv, map, map_len, map_name);
    if (dauys_kv_expect(&kv, "format", err) != 0) {
        return -1;
    }
    if (kv.value_len != 18 || memcmp(kv.value, "dauys-copies-map 1", 18) != 0) {
        return dauys_kv_fail(&kv, err, "expected \"dauys-copies-map 1\"");
    }
    if (dauys_kv_expect(&kv, "precinct", err) != 0 ||
        parse_spec(&l->precinct, &kv, csv, 0, map_name, err) != 0) {
        return -1;
    }
    if (!l->precinct.given || l->precinct.parts == 0) {
        return dauys_kv_fail(&kv, err, "the precinct id must be given");
    }
    if (dauys_kv_expect(&kv, "version", err) != 0 ||
        parse_spec(&l->version, &kv, csv, 1, map_name, err) != 0) {
        return -1;
    }
    if (l->version.parts > 1) {
        return dauys_kv_fail(&kv, err, "one column or -");
    }
    while (!dauys_kv_done(&kv)) {
        size_t f;
        if (dauys_kv_next(&kv, err) != 0) {
            return -1;
        }
        for (f = 0; f < s->nfields; f++) {
            if (strlen(s->field[f]) == kv.key_len && memcmp(s->field[f], kv.key, kv.key_len) == 0) {
                break;
            }
        }
        if (f == s->nfields) {
            return dauys_kv_fail(&kv, err, "not a count field of this referendum's protocol");
        }
        if (l->field[f].given || l->field[f].parts > 0 || l->field[f].column[0] == -2) {
            return dauys_kv_fail(&kv, err, "given twice");
        }
        if (parse_spec(&l->field[f], &kv, csv, 1, map_name, err) != 0) {
            return -1;
        }
        if (!l->field[f].given) {
            l->field[f].column[0] = -2; /* "-": named, not compared */
        }
        l->given += l->field[f].given;
    }
    return 0;
}

/* --- the rows ------------------------------------------------------------- */

typedef struct rows {
    const dauys_copies_set *s;
    dauys_copies_summary *sum;
    dauys_copy_row_fn fn;
    void *ctx;
    dauys_idmap seen;
    char **keys;
    size_t nkeys, capkeys;
} rows;

static void
emit(rows *r, dauys_copy_row *row)
{
    r->sum->rows++;
    r->sum->outcome[row->outcome]++;
    if (r->fn != NULL) {
        r->fn(row, r->ctx);
    }
}

static int
id_valid(const char *id)
{
    size_t n = strlen(id);

    if (n == 0 || n > 64 ||
        !((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z') ||
          (id[0] >= '0' && id[0] <= '9'))) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-')) {
            return 0;
        }
    }
    return 1;
}

/* Reads SP's value from the record: *GIVEN 0 when every column is empty. 0, or -1 with WHY. */
static int
read_count(uint64_t *out, int *given, const spec *sp, const dauys_csv *csv, const layout *l,
           const char *field, char *why, size_t why_size)
{
    uint64_t total = 0, v;
    int empty = 0, full = 0;

    *given = 0;
    for (size_t i = 0; i < sp->parts; i++) {
        const char *text = csv->field[sp->column[i]];
        if (text[0] == '\0') {
            empty++;
            continue;
        }
        full++;
        if (dauys_parse_count(&v, text, strlen(text)) != 0) {
            snprintf(why, why_size, "%s:%u:%d: %s (column \"%s\"): \"%.40s\" is not a count",
                     csv->name, csv->line, sp->column[i] + 1, field, l->header[sp->column[i]],
                     text);
            return -1;
        }
        total += v;
    }
    if (full > 0 && empty > 0) {
        snprintf(why, why_size, "%s:%u: %s: some of its columns are empty, some not", csv->name,
                 csv->line, field);
        return -1;
    }
    if (total > DAUYS_COUNT_MAX) {
        snprintf(why, why_size, "%s:%u: %s: the sum is over 10^12", csv->name, csv->line, field);
        return -1;
    }
    *out = total;
    *given = full > 0;
    return 0;
}

/* Differences of the row's counts from those at V; their number. */
static size_t
diff_with(dauys_copy_row *row, const dauys_copies_set *s, const uint64_t *copy, const int *given,
          const uint64_t *v)
{
    row->diff_count = 0;
    for (size_t f = 0; f < s->nfields; f++) {
        if (given[f] && copy[f] != v[f]) {
            row->diff[row->diff_count++] =
                (dauys_copy_diff){.field = s->field[f], .copy = copy[f], .counted = v[f]};
        }
    }
    return row->diff_count;
}

static void
not_counted(dauys_copy_row *row, const dauys_copies_set *s, uint32_t pi)
{
    size_t last = s->last[pi];
    const sub *x;

    row->outcome = DAUYS_COPY_NOT_COUNTED;
    if (last == NONE) {
        snprintf(row->why, sizeof row->why, "no protocol of this precinct is in the log");
        return;
    }
    x = &s->sub[last];
    snprintf(row->why, sizeof row->why, "its last log entry, %llu (version %u), is %s%s%.*s",
             (unsigned long long) x->entry, x->version, x->event_name,
             x->reason_len > 0 ? ": " : "", (int) x->reason_len, s->text + x->reason_at);
}

/* One data record, precinct id read: the comparison. */
static void
compare_row(dauys_copy_row *row, const dauys_copies_set *s, uint32_t pi, const uint64_t *copy,
            const int *given)
{
    size_t c = s->counting[pi];
    const sub *now;

    if (c == NONE) {
        not_counted(row, s, pi);
        return;
    }
    now = &s->sub[c];
    row->counted_version = now->version;
    row->matched_version = now->version;
    if (row->copy_version != 0 && row->copy_version != now->version) {
        for (size_t k = s->last[pi]; k != NONE; k = s->sub[k].prev) {
            if (s->sub[k].version == row->copy_version && s->sub[k].values != NONE) {
                row->outcome = DAUYS_COPY_SUPERSEDED;
                row->matched_version = row->copy_version;
                (void) diff_with(row, s, copy, given, s->values + s->sub[k].values);
                return;
            }
        }
        row->outcome = DAUYS_COPY_DIFFERS;
        snprintf(row->why, sizeof row->why, "version %u was never counted for this precinct",
                 row->copy_version);
        (void) diff_with(row, s, copy, given, s->values + now->values);
        return;
    }
    if (diff_with(row, s, copy, given, s->values + now->values) == 0) {
        row->outcome = DAUYS_COPY_AGREES;
        return;
    }
    row->outcome = DAUYS_COPY_DIFFERS;
    if (row->copy_version != 0) {
        return;
    }
    for (size_t k = s->last[pi]; k != NONE; k = s->sub[k].prev) {
        const uint64_t *v;
        size_t f;
        if (k == c || s->sub[k].values == NONE) {
            continue;
        }
        v = s->values + s->sub[k].values;
        for (f = 0; f < s->nfields && (!given[f] || copy[f] == v[f]); f++) {
        }
        if (f == s->nfields) {
            row->outcome = DAUYS_COPY_SUPERSEDED;
            row->matched_version = s->sub[k].version;
            row->diff_count = 0;
            return;
        }
    }
}

/* Remembers the row's precinct; 1 if an earlier row named it (its line in *FIRST). */
static int
seen_before(rows *r, const char *id, unsigned line, uint32_t *first)
{
    char *key;
    int rc;

    if (dauys_idmap_get(&r->seen, id, strlen(id), first)) {
        return 1;
    }
    if (r->nkeys == r->capkeys) {
        size_t cap = 2 * r->capkeys + 256;
        char **grown = dauys_realloc(r->keys, cap * sizeof *grown);
        if (grown == NULL) {
            return -1;
        }
        r->keys = grown;
        r->capkeys = cap;
    }
    if ((key = dauys_strdup(id)) == NULL) {
        return -1;
    }
    r->keys[r->nkeys++] = key;
    rc = dauys_idmap_put(&r->seen, key, strlen(key), line, NULL);
    return rc < 0 ? -1 : 0;
}

static int
one_row(rows *r, const layout *l, const dauys_csv *csv, size_t header_count, dauys_copy_row *row,
        dauys_error *err)
{
    const dauys_copies_set *s = r->s;
    char id[DAUYS_ID_MAX + 80];
    uint64_t copy[DAUYS_COPIES_FIELDS_MAX], version = 0;
    int given[DAUYS_COPIES_FIELDS_MAX] = {0}, vgiven = 0;
    uint32_t pi, first;
    size_t n = 0;
    int dup;

    memset(row, 0, offsetof(dauys_copy_row, diff));
    row->why[0] = '\0';
    row->line = csv->line;
    row->precinct = "";
    row->outcome = DAUYS_COPY_MALFORMED;
    if (csv->count != header_count) {
        snprintf(row->why, sizeof row->why, "%s:%u: %zu fields, but the header has %zu", csv->name,
                 csv->line, csv->count, header_count);
        emit(r, row);
        return 0;
    }
    for (size_t i = 0; i < l->precinct.parts; i++) {
        const char *part =
            l->precinct.column[i] < 0 ? l->precinct.lit[i] : csv->field[l->precinct.column[i]];
        n += (size_t) snprintf(id + n, sizeof id - n, "%s", part);
        if (n >= sizeof id) {
            n = sizeof id - 1;
        }
    }
    if (!id_valid(id)) {
        snprintf(row->why, sizeof row->why,
                 "%s:%u:%d: precinct \"%.70s\": an id is 1 to 64 bytes of ASCII letters, digits, "
                 "'.', '_' and '-', starting with a letter or digit",
                 csv->name, csv->line, l->precinct.column[0] + 1, id);
        emit(r, row);
        return 0;
    }
    row->precinct = id;
    if (l->version.given && l->version.parts == 1 &&
        (read_count(&version, &vgiven, &l->version, csv, l, "version", row->why, sizeof row->why) !=
             0 ||
         (vgiven && (version == 0 || version > UINT32_MAX)))) {
        if (row->why[0] == '\0') {
            snprintf(row->why, sizeof row->why, "%s:%u:%d: version: 1 to 4294967295", csv->name,
                     csv->line, l->version.column[0] + 1);
        }
        emit(r, row);
        return 0;
    }
    row->copy_version = (uint32_t) version;
    for (size_t f = 0; f < s->nfields; f++) {
        if (l->field[f].given && read_count(&copy[f], &given[f], &l->field[f], csv, l, s->field[f],
                                            row->why, sizeof row->why) != 0) {
            emit(r, row);
            return 0;
        }
    }
    dup = seen_before(r, id, csv->line, &first);
    if (dup < 0) {
        return oom(err);
    }
    if (dup) {
        row->outcome = DAUYS_COPY_DUPLICATE;
        row->first_line = first;
        snprintf(row->why, sizeof row->why, "another row of this precinct is at line %u", first);
    } else if (!dauys_manifest_find_precinct(&s->m, id, strlen(id), &pi)) {
        row->outcome = DAUYS_COPY_UNKNOWN;
        snprintf(row->why, sizeof row->why, "not in the roster of manifest version %u",
                 s->m.version);
    } else {
        compare_row(row, s, pi, copy, given);
    }
    emit(r, row);
    return 0;
}

int
dauys_copies_compare(dauys_copies_summary *sum, const dauys_copies_set *s, const char *text,
                     size_t len, const char *name, const char *map, size_t map_len,
                     const char *map_name, dauys_copy_row_fn fn, void *ctx, dauys_error *err)
{
    dauys_csv csv;
    layout *l = zalloc(sizeof *l);
    dauys_copy_row *row = dauys_malloc(sizeof *row);
    rows r = {.s = s, .sum = sum, .fn = fn, .ctx = ctx};
    size_t header_count;
    int got, rc = -1;

    memset(sum, 0, sizeof *sum);
    dauys_idmap_init(&r.seen);
    dauys_csv_init(&csv, text, len, name);
    if (l == NULL || row == NULL) {
        oom(err);
        goto done;
    }
    got = dauys_csv_next(&csv, err);
    if (got == 0) {
        dauys_error_set(err, DAUYS_E_FORMAT, "%s: empty", name);
    }
    if (got <= 0) {
        goto done;
    }
    header_count = csv.count;
    for (size_t i = 0; i < header_count; i++) {
        if ((l->header[i] = dauys_strdup(csv.field[i])) == NULL) {
            oom(err);
            goto done;
        }
    }
    if ((map == NULL ? default_layout(l, s, &csv, err)
                     : map_layout(l, s, &csv, map, map_len, map_name, err)) != 0) {
        goto done;
    }
    if (l->given == 0) {
        dauys_error_set(err, DAUYS_E_FORMAT, "%s:1: no count column (%s, ... %s)", name,
                        s->field[0], s->field[s->nfields - 1]);
        goto done;
    }
    sum->fields = l->given;
    while ((got = dauys_csv_next(&csv, err)) != 0) {
        if (got < 0) {
            if (err->status == DAUYS_E_NOMEM) {
                goto done;
            }
            memset(row, 0, offsetof(dauys_copy_row, diff));
            row->line = csv.line + 1;
            row->precinct = "";
            row->outcome = DAUYS_COPY_MALFORMED;
            snprintf(row->why, sizeof row->why, "%.400s (the rest of the file is not read)",
                     err->message);
            emit(&r, row);
            break;
        }
        if (csv.count == 1 && csv.field[0][0] == '\0') {
            continue; /* an empty line */
        }
        if (one_row(&r, l, &csv, header_count, row, err) != 0) {
            goto done;
        }
    }
    rc = 0;
done:
    for (size_t i = 0; i < r.nkeys; i++) {
        dauys_free(r.keys[i]);
    }
    dauys_free(r.keys);
    dauys_idmap_free(&r.seen);
    dauys_csv_free(&csv);
    for (size_t i = 0; l != NULL && i < DAUYS_CSV_FIELDS_MAX; i++) {
        dauys_free(l->header[i]);
    }
    dauys_free(l);
    dauys_free(row);
    return rc;
}

/* --- signed protocol files ------------------------------------------------ */

static int
ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

static int
by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The receipt of entry I, as dauys_audit_prove writes it. */
static int
receipt(char *out, size_t size, const dauys_copies_set *s, uint64_t i, dauys_error *err)
{
    dauys_proof_text p = {.type = DAUYS_PROOF_INCLUSION, .index = i, .size = s->count};
    size_t n, len = s->entry_at[i + 1] - s->entry_at[i];

    dauys_merkle_array leaves_of = {(const uint8_t(*)[DAUYS_HASH_BYTES]) s->leaf, s->count};

    if (dauys_merkle_inclusion_proof(&p.proof, i, s->count, dauys_merkle_array_node, &leaves_of,
                                     err) != 0 ||
        dauys_proof_format(out, size, &p, err) != 0) {
        return -1;
    }
    n = strlen(out);
    if (n + len + 1 > size) {
        return dauys_error_set(err, DAUYS_E_USAGE, "receipt buffer too small");
    }
    memcpy(out + n, s->text + s->entry_at[i], len);
    out[n + len] = '\0';
    return 0;
}

/* FILE (hash SHA, signature hash SIG if HAS_SIG) against the log. */
static int
classify_file(dauys_copy_file *c, char *rcpt, const dauys_copies_set *s, const uint8_t *sha,
              const uint8_t *sig, int has_sig, dauys_error *err)
{
    const sub *hit = NULL;

    c->status = DAUYS_COPY_FILE_NEVER;
    c->signature = -1;
    c->receipt = NULL;
    for (size_t k = 0; k < s->nsub; k++) {
        const sub *x = &s->sub[k];
        if (sodium_memcmp(x->sha, sha, DAUYS_SHA256_BYTES) != 0) {
            continue;
        }
        if (hit == NULL || x->event == EV_ACCEPTED || x->event == EV_CORRECTION ||
            !(hit->event == EV_ACCEPTED || hit->event == EV_CORRECTION)) {
            hit = x;
        }
    }
    if (hit == NULL) {
        return 0;
    }
    c->entry = hit->entry;
    c->version = hit->version;
    snprintf(c->precinct, sizeof c->precinct, "%s", hit->precinct);
    snprintf(c->event, sizeof c->event, "%s", hit->event_name);
    snprintf(c->reason, sizeof c->reason, "%.*s", (int) hit->reason_len, s->text + hit->reason_at);
    c->signature =
        has_sig && hit->has_sig ? sodium_memcmp(sig, hit->sig, DAUYS_SHA256_BYTES) == 0 : -1;
    if (!(hit->event == EV_ACCEPTED || hit->event == EV_CORRECTION)) {
        c->status = DAUYS_COPY_FILE_UNCOUNTED;
        return 0;
    }
    c->summary = hit->summary;
    if (hit->pi != UINT32_MAX && s->counting[hit->pi] == (size_t) (hit - s->sub)) {
        c->status = DAUYS_COPY_FILE_COUNTED;
        if (hit->summary) {
            return 0; /* no receipt: prove and check are for precincts' protocols */
        }
        if (receipt(rcpt, DAUYS_RECEIPT_MAX, s, hit->entry, err) != 0) {
            return -1;
        }
        c->receipt = rcpt;
        return 0;
    }
    c->status = DAUYS_COPY_FILE_SUPERSEDED;
    c->now_version = hit->pi != UINT32_MAX && s->counting[hit->pi] != NONE
                         ? s->sub[s->counting[hit->pi]].version
                         : 0;
    return 0;
}

int
dauys_copies_files(const dauys_copies_set *s, const char *dir, dauys_copy_file_fn fn, void *ctx,
                   dauys_error *err)
{
    char path[PATH_MAX + 16], **names = NULL;
    char *rcpt = dauys_malloc(DAUYS_RECEIPT_MAX);
    size_t count = 0, cap = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    struct stat st;
    int rc = -1;

    if (rcpt == NULL) {
        oom(err);
        goto done;
    }
    if (d == NULL) {
        dauys_error_set(err, DAUYS_E_IO, "%s: %s", dir, strerror(errno));
        goto done;
    }
    while ((de = readdir(d)) != NULL) {
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (ends_with(de->d_name, ".minisig") || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            continue;
        }
        if (count == cap) {
            size_t grown_cap = 2 * cap + 64;
            char **grown = dauys_realloc(names, grown_cap * sizeof *grown);
            if (grown == NULL) {
                oom(err);
                goto done;
            }
            names = grown;
            cap = grown_cap;
        }
        if ((names[count] = dauys_strdup(de->d_name)) == NULL) {
            oom(err);
            goto done;
        }
        count++;
    }
    if (count > 0) {
        qsort(names, count, sizeof *names, by_name);
    }
    for (size_t i = 0; i < count; i++) {
        uint8_t sha[DAUYS_SHA256_BYTES], sig[DAUYS_SHA256_BYTES];
        int has_sig = 0;
        dauys_copy_file c = {.name = names[i]};

        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (dauys_sha256_file(sha, path, err) != 0) {
            goto done;
        }
        snprintf(path, sizeof path, "%s/%s.minisig", dir, names[i]);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            if (dauys_sha256_file(sig, path, err) != 0) {
                goto done;
            }
            has_sig = 1;
        }
        if (classify_file(&c, rcpt, s, sha, sig, has_sig, err) != 0) {
            goto done;
        }
        if (fn != NULL) {
            fn(&c, ctx);
        }
    }
    rc = 0;
done:
    if (d != NULL) {
        closedir(d);
    }
    for (size_t i = 0; i < count; i++) {
        dauys_free(names[i]);
    }
    dauys_free(names);
    dauys_free(rcpt);
    return rc;
}
