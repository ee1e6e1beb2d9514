/*
 * snapshot.c: where the workspace stands, read once per checkpoint (one read
 * transaction, the caller's), and its JSON for GET /v1/status. Every count is
 * the store's (dauys_workspace_status_read) or the tally's
 * (dauys_tally_compute) as they give it; nothing is decided again here.
 */
#include "serve/snapshot.h"

#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/kvtext.h"
#include "serve/snapshot_internal.h"
#include "store/status.h"

const char *const dauys_serve_outcome_name[DAUYS_SERVE_OUTCOMES] = {
    "accepted", "correction", "rejected", "replay", "conflict", "stale"};

/* Copies the N bytes at S into T (NUL-terminated); -1 without memory. */
static int
text_copy(dauys_serve_text *t, const char *s, size_t n)
{
    if ((t->s = dauys_malloc(n + 1)) == NULL) {
        return -1;
    }
    memcpy(t->s, s, n);
    t->s[n] = '\0';
    t->n = n;
    return 0;
}

void
dauys_serve_snapshot_free(dauys_serve_snapshot *s)
{
    if (s == NULL) {
        return;
    }
    dauys_free(s->title.s);
    dauys_free(s->national.id.s);
    dauys_free(s->national.name.s);
    for (size_t i = 0; s->region != NULL && i < s->region_count; i++) {
        dauys_free(s->region[i].id.s);
        dauys_free(s->region[i].name.s);
    }
    dauys_free(s->region);
    for (size_t i = 0; i < DAUYS_QUESTIONS_MAX; i++) {
        dauys_free(s->q[i].text.s);
        dauys_free(s->q[i].region);
    }
    dauys_free(s);
}

uint64_t
dauys_serve_snapshot_log_size(const dauys_serve_snapshot *s)
{
    return s->log_size;
}

/* Copies the manifest's header and the log's keys from WS. */
static int
copy_header(dauys_serve_snapshot *s, const dauys_workspace *ws)
{
    const dauys_manifest *m = &ws->manifest;

    memcpy(s->referendum, m->referendum, sizeof s->referendum);
    memcpy(s->date, m->date, sizeof s->date);
    memcpy(s->origin, ws->origin, sizeof s->origin);
    s->central = ws->central;
    s->official = m->mode == DAUYS_MODE_OFFICIAL;
    s->manifest_version = m->version;
    s->witnesses = m->witnesses;
    return text_copy(&s->title, m->title, strlen(m->title));
}

/* One place's counts from the status, named from the manifest. */
static int
copy_place(dauys_serve_place *to, const dauys_place_status *from, const char *name, size_t name_len)
{
    to->expected = from->expected;
    to->accepted = from->accepted;
    to->conflicted = from->conflicted;
    to->missing = from->missing;
    return text_copy(&to->id, from->id, strlen(from->id)) != 0 ||
                   text_copy(&to->name, name, name_len) != 0
               ? -1
               : 0;
}

/* The status ST's regions (which must be M's, in order), the nation and the outcomes. */
static int
copy_status(dauys_serve_snapshot *s, const dauys_workspace_status *st, const dauys_manifest *m,
            dauys_error *err)
{
    const uint64_t outcomes[DAUYS_SERVE_OUTCOMES] = {st->accepted, st->corrections, st->rejected,
                                                     st->replays,  st->conflicts,   st->stale};

    if (st->region_count != m->region_count) {
        return dauys_error_set(err, DAUYS_E_DATABASE,
                               "the workspace has %zu regions, its manifest %zu", st->region_count,
                               m->region_count);
    }
    if ((s->region = dauys_malloc_array(m->region_count, sizeof *s->region)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory reading the status");
    }
    memset(s->region, 0, m->region_count * sizeof *s->region);
    s->region_count = m->region_count;
    for (size_t i = 0; i < m->region_count; i++) {
        const dauys_place *p = &m->region[i];
        if (strlen(st->region[i].id) != p->id_len ||
            memcmp(st->region[i].id, p->id, p->id_len) != 0) {
            return dauys_error_set(err, DAUYS_E_DATABASE,
                                   "region %zu of the workspace is %s, of its manifest %.*s", i + 1,
                                   st->region[i].id, (int) p->id_len, p->id);
        }
        if (copy_place(&s->region[i], &st->region[i], p->name, p->name_len) != 0) {
            return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory reading the status");
        }
    }
    if (copy_place(&s->national, &st->national, m->title, strlen(m->title)) != 0) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory reading the status");
    }
    memcpy(s->submissions, outcomes, sizeof outcomes);
    s->warnings = st->warnings;
    return 0;
}

/* One area of the tally, with its majority under RULES. */
static dauys_serve_area
copy_area(const dauys_area *a, const dauys_rules *rules)
{
    dauys_serve_area to = {.expected = a->expected, .reporting = a->reporting, .counts = a->counts};

    to.yes_base = dauys_rules_yes_base(rules, &a->counts);
    to.majority_needed = dauys_rules_majority_needed(rules, to.yes_base);
    to.majority = to.yes_base > 0 && a->counts.yes >= to.majority_needed;
    return to;
}

/* The tally T's questions, regions, nation and verdicts, and its missing and warnings. */
static int
copy_tally(dauys_serve_snapshot *s, const dauys_tally *t, dauys_error *err)
{
    s->final = t->final;
    s->missing_count = t->missing_count;
    s->missing_shown = t->missing_shown;
    memcpy(s->missing, t->missing, sizeof s->missing);
    s->warning_codes = t->warning_codes;
    memcpy(s->warning, t->warning, sizeof s->warning);
    s->question_count = t->question_count;
    for (size_t i = 0; i < t->question_count; i++) {
        const dauys_question_tally *from = &t->q[i];
        dauys_serve_question *q = &s->q[i];
        memcpy(q->id, from->question->id, sizeof q->id);
        memcpy(q->profile, from->question->profile, sizeof q->profile);
        q->rules = from->question->rules;
        q->verdict = from->verdict;
        q->nation = copy_area(&from->nation, &q->rules);
        if (text_copy(&q->text, from->question->text, from->question->text_len) != 0 ||
            (q->region = dauys_malloc_array(s->region_count, sizeof *q->region)) == NULL) {
            return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory reading the tally");
        }
        for (size_t r = 0; r < s->region_count; r++) {
            q->region[r] = copy_area(&from->region[r], &q->rules);
        }
    }
    return 0;
}

int
dauys_serve_snapshot_read(dauys_serve_snapshot **out, dauys_workspace *ws, dauys_error *err)
{
    dauys_serve_snapshot *s = dauys_malloc(sizeof *s);
    dauys_workspace_status st;
    dauys_tally t;
    int rc = -1;

    *out = NULL;
    memset(&st, 0, sizeof st);
    memset(&t, 0, sizeof t);
    if (s == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory reading the status");
    }
    memset(s, 0, sizeof *s);
    /* All reads, no BEGIN: the caller's transaction holds them to one state. */
    if (dauys_workspace_check_manifest(ws, err) != 0 || dauys_log_load_head(ws, err) != 0 ||
        dauys_log_root(ws, &s->log_size, s->log_root, err) != 0 ||
        dauys_workspace_status_read(&st, ws, err) != 0 || dauys_tally_compute(&t, ws, err) != 0) {
        goto done;
    }
    if (copy_header(s, ws) != 0) {
        dauys_error_set(err, DAUYS_E_NOMEM, "out of memory reading the status");
        goto done;
    }
    if (copy_status(s, &st, &ws->manifest, err) != 0 || copy_tally(s, &t, err) != 0) {
        goto done;
    }
    *out = s;
    s = NULL;
    rc = 0;
done:
    dauys_workspace_status_free(&st);
    dauys_tally_free(&t);
    dauys_serve_snapshot_free(s);
    return rc;
}

int
dauys_serve_checkpoint_check(dauys_checkpoint *cp, const dauys_serve_snapshot *s, const char *note,
                             dauys_error *err)
{
    if (dauys_checkpoint_open(cp, note, strlen(note), &s->central, s->origin, "checkpoint note",
                              err) != 0) {
        return -1;
    }
    if (cp->size != s->log_size || sodium_memcmp(cp->root, s->log_root, 32) != 0) {
        return dauys_error_set(err, DAUYS_E_PROOF,
                               "checkpoint note: it covers %llu log entries%s, the status was read "
                               "from %llu: read the status in the state the checkpoint signs",
                               (unsigned long long) cp->size,
                               cp->size == s->log_size ? " with another root" : "",
                               (unsigned long long) s->log_size);
    }
    return 0;
}

int
dauys_serve_witnesses_cosigned(size_t *cosigned, const dauys_serve_snapshot *s, const char *note,
                               dauys_error *err)
{
    *cosigned = 0;
    if (note == NULL || s->witnesses.count == 0) {
        return 0;
    }
    return dauys_cosig_policy_check(cosigned, NULL, note, strlen(note), &s->witnesses,
                                    "checkpoint note", err);
}

/* --- JSON ---------------------------------------------------------------- */

/* The \u escape JSON needs for the character of K bytes at S (a valid UTF-8
 * character), or -1 if it may stand as it is. */
static long
json_escape_of(const char *s, size_t k, dauys_char_kind kind)
{
    const unsigned char *u = (const unsigned char *) s;
    uint32_t cp = u[0];

    if (k == 3 && u[0] == 0xe2 && u[1] == 0x80 && (u[2] == 0xa8 || u[2] == 0xa9)) {
        return 0x2000 + (u[2] - 0xa8) + 0x28; /* U+2028, U+2029: line ends to a script */
    }
    if (kind != DAUYS_CHAR_CONTROL) {
        return k == 1 && (cp == '<' || cp == '>' || cp == '&') ? (long) cp : -1;
    }
    if (k == 1) {
        return (long) cp;
    }
    cp = k == 2 ? ((u[0] & 0x1fu) << 6) | (u[1] & 0x3fu)
                : ((u[0] & 0x0fu) << 12) | ((u[1] & 0x3fu) << 6) | (u[2] & 0x3fu);
    return (long) cp; /* C1 controls and bidi controls: all in the BMP */
}

void
dauys_serve_json_string(dauys_textbuf *b, const char *s, size_t n)
{
    size_t run = 0; /* bytes at s + i - run that stand as they are */

    dauys_textbuf_add(b, "\"");
    for (size_t i = 0, k; i < n; i += k) {
        unsigned char c = (unsigned char) s[i];
        dauys_char_kind kind = dauys_utf8_next(s + i, n - i, &k);
        long esc = kind == DAUYS_CHAR_INVALID ? 0xfffd : json_escape_of(s + i, k, kind);
        if (c != '"' && c != '\\' && esc < 0) {
            run += k;
            continue;
        }
        if (run > 0) {
            dauys_textbuf_add(b, "%.*s", (int) run, s + i - run);
            run = 0;
        }
        if (c == '"' || c == '\\') {
            dauys_textbuf_add(b, "\\%c", c);
        } else if (c == '\n' || c == '\t' || c == '\r') {
            dauys_textbuf_add(b, "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
        } else {
            dauys_textbuf_add(b, "\\u%04lx", (unsigned long) esc);
        }
    }
    if (run > 0) {
        dauys_textbuf_add(b, "%.*s", (int) run, s + n - run);
    }
    dauys_textbuf_add(b, "\"");
}

/* "KEY": STRING, */
static void
json_text(dauys_textbuf *b, const char *key, const char *s, size_t n)
{
    dauys_textbuf_add(b, "\"%s\": ", key);
    dauys_serve_json_string(b, s, n);
    dauys_textbuf_add(b, ", ");
}

static const char *
json_bool(int v)
{
    return v ? "true" : "false";
}

/* A 32-byte hash as base64, as checkpoints write it. */
static void
json_base64(dauys_textbuf *b, const char *key, const uint8_t h[32])
{
    char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];

    sodium_bin2base64(b64, sizeof b64, h, 32, sodium_base64_VARIANT_ORIGINAL);
    dauys_textbuf_add(b, "\"%s\": \"%s\"", key, b64);
}

/* The checkpoint the status covers, or null. */
static void
json_checkpoint(dauys_textbuf *b, const dauys_checkpoint *cp, const char *note)
{
    if (note == NULL) {
        dauys_textbuf_add(b, "  \"checkpoint\": null,\n");
        return;
    }
    dauys_textbuf_add(b, "  \"checkpoint\": {");
    json_text(b, "origin", cp->origin, strlen(cp->origin));
    dauys_textbuf_add(b, "\"size\": %llu, ", (unsigned long long) cp->size);
    json_base64(b, "root", cp->root);
    dauys_textbuf_add(b, ", \"note\": ");
    dauys_serve_json_string(b, note, strlen(note));
    dauys_textbuf_add(b, "},\n");
}

/* The witnesses' part, when the manifest names witnesses: how many it names,
 * how many must cosign, how many cosigned NOTE, and whether that is enough. */
static void
json_witnesses(dauys_textbuf *b, const dauys_serve_snapshot *s, size_t cosigned)
{
    const dauys_witness_policy *p = &s->witnesses;

    if (p->count == 0) {
        return;
    }
    dauys_textbuf_add(b,
                      "  \"witnesses\": {\"named\": %zu, \"quorum\": %zu, \"cosigned\": %zu, "
                      "\"quorum_met\": %s},\n",
                      p->count, p->quorum, cosigned, json_bool(cosigned >= p->quorum));
}

/* One place's precincts: {"id", "name", expected, accepted, conflicted, missing}. */
static void
json_place(dauys_textbuf *b, const dauys_serve_place *p)
{
    dauys_textbuf_add(b, "{");
    json_text(b, "id", p->id.s, p->id.n);
    json_text(b, "name", p->name.s, p->name.n);
    dauys_textbuf_add(b,
                      "\"expected\": %llu, \"accepted\": %llu, \"conflicted\": %llu, "
                      "\"missing\": %llu}",
                      (unsigned long long) p->expected, (unsigned long long) p->accepted,
                      (unsigned long long) p->conflicted, (unsigned long long) p->missing);
}

/* The precincts nationally and per region, and the submissions by outcome. */
static void
json_precincts(dauys_textbuf *b, const dauys_serve_snapshot *s)
{
    uint64_t total = 0;

    dauys_textbuf_add(b, "  \"national\": ");
    json_place(b, &s->national);
    dauys_textbuf_add(b, ",\n  \"regions\": [");
    for (size_t i = 0; i < s->region_count; i++) {
        dauys_textbuf_add(b, "%s\n    ", i > 0 ? "," : "");
        json_place(b, &s->region[i]);
    }
    dauys_textbuf_add(b, "\n  ],\n  \"submissions\": {");
    for (size_t i = 0; i < DAUYS_SERVE_OUTCOMES; i++) {
        dauys_textbuf_add(b, "\"%s\": %llu, ", dauys_serve_outcome_name[i],
                          (unsigned long long) s->submissions[i]);
        total += s->submissions[i];
    }
    dauys_textbuf_add(b,
                      "\"total\": %llu},\n  \"warnings\": %llu,\n  \"missing_count\": %llu,\n"
                      "  \"missing_first\": [",
                      (unsigned long long) total, (unsigned long long) s->warnings,
                      (unsigned long long) s->missing_count);
    for (size_t i = 0; i < s->missing_shown; i++) {
        dauys_textbuf_add(b, "%s", i > 0 ? ", " : "");
        dauys_serve_json_string(b, s->missing[i], strlen(s->missing[i]));
    }
    dauys_textbuf_add(b, "],\n  \"warning_codes\": {");
    for (size_t i = 0; i < s->warning_codes; i++) {
        dauys_textbuf_add(b, "%s", i > 0 ? ", " : "");
        dauys_serve_json_string(b, s->warning[i].code, strlen(s->warning[i].code));
        dauys_textbuf_add(b, ": %llu", (unsigned long long) s->warning[i].count);
    }
    dauys_textbuf_add(b, "},\n");
}

/* A threshold as an exact fraction of the whole it is taken of, or null. */
static void
json_threshold(dauys_textbuf *b, const char *key, int has, const dauys_threshold *t, const char *of)
{
    if (!has) {
        dauys_textbuf_add(b, "\"%s\": null", key);
        return;
    }
    dauys_textbuf_add(b, "\"%s\": {\"of\": \"%s\", \"at_least\": %s, \"num\": %u, \"den\": %u}",
                      key, of, json_bool(t->at_least), t->num, t->den);
}

/* One area's tally: {"id", precincts, counts, yes_base, majority_needed, majority}. */
static void
json_area(dauys_textbuf *b, const dauys_serve_text *id, const dauys_serve_area *a)
{
    const dauys_counts *c = &a->counts;

    dauys_textbuf_add(b, "{");
    json_text(b, "id", id->s, id->n);
    dauys_textbuf_add(b,
                      "\"precincts_expected\": %llu, \"precincts_reporting\": %llu, "
                      "\"eligible\": %llu, \"took_part\": %llu, \"yes\": %llu, \"no\": %llu, "
                      "\"not_counted\": %llu, \"invalid\": %llu, \"yes_base\": %llu, "
                      "\"majority_needed\": %llu, \"majority\": %s}",
                      (unsigned long long) a->expected, (unsigned long long) a->reporting,
                      (unsigned long long) c->eligible, (unsigned long long) c->took_part,
                      (unsigned long long) c->yes, (unsigned long long) c->no,
                      (unsigned long long) c->not_counted, (unsigned long long) c->invalid,
                      (unsigned long long) a->yes_base, (unsigned long long) a->majority_needed,
                      json_bool(a->majority));
}

/* The verdict's rules, each with its exact numbers. */
static void
json_rules(dauys_textbuf *b, const dauys_verdict *v)
{
    static const char *const names[] = {"quorum", "majority", "regions"};

    dauys_textbuf_add(b, "      \"rules\": [");
    for (size_t i = 0; i < v->rule_count; i++) {
        const dauys_rule_result *r = &v->rule[i];
        dauys_textbuf_add(b, "%s\n        {\"rule\": \"%s\", ", i > 0 ? "," : "", names[r->id]);
        json_text(b, "clause", r->clause, strlen(r->clause));
        dauys_textbuf_add(b, "\"passed\": %s, \"have\": %llu, \"needed\": %llu, \"of\": %llu, ",
                          json_bool(r->passed), (unsigned long long) r->have,
                          (unsigned long long) r->needed, (unsigned long long) r->of);
        dauys_textbuf_add(b, "\"text\": ");
        dauys_serve_json_string(b, r->text, strlen(r->text));
        dauys_textbuf_add(b, "}");
    }
    dauys_textbuf_add(b, "\n      ],\n");
}

/* One question: its rules' thresholds, verdict, nation and regions. */
static void
json_question(dauys_textbuf *b, const dauys_serve_snapshot *s, const dauys_serve_question *q)
{
    const dauys_rules *r = &q->rules;
    static const dauys_serve_text national = {"national", 8};

    dauys_textbuf_add(b, "    {");
    json_text(b, "id", q->id, strlen(q->id));
    json_text(b, "profile", q->profile, strlen(q->profile));
    json_text(b, "text", q->text.s, q->text.n);
    dauys_textbuf_add(b, "\n      \"thresholds\": {");
    json_threshold(b, "quorum", r->has_quorum, &r->quorum, "eligible");
    dauys_textbuf_add(b, ", ");
    json_threshold(b, "majority", 1, &r->majority, r->majority_of_valid ? "valid" : "took_part");
    dauys_textbuf_add(b, ", ");
    json_threshold(b, "regions", r->has_regions, &r->regions, "regions");
    dauys_textbuf_add(b, "},\n      \"valid\": %s, \"adopted\": %s,\n", json_bool(q->verdict.valid),
                      json_bool(q->verdict.adopted));
    json_rules(b, &q->verdict);
    dauys_textbuf_add(b, "      \"national\": ");
    json_area(b, &national, &q->nation);
    dauys_textbuf_add(b, ",\n      \"regions\": [");
    for (size_t i = 0; i < s->region_count; i++) {
        dauys_textbuf_add(b, "%s\n        ", i > 0 ? "," : "");
        json_area(b, &s->region[i].id, &q->region[i]);
    }
    dauys_textbuf_add(b, "\n      ]}");
}

int
dauys_serve_snapshot_json(char **out, size_t *len, const dauys_serve_snapshot *s,
                          const char *checkpoint_note, dauys_error *err)
{
    dauys_textbuf b = {.cap = 0};
    dauys_checkpoint cp = {.size = 0};
    size_t cosigned = 0;

    *out = NULL;
    *len = 0;
    if ((checkpoint_note != NULL &&
         dauys_serve_checkpoint_check(&cp, s, checkpoint_note, err) != 0) ||
        dauys_serve_witnesses_cosigned(&cosigned, s, checkpoint_note, err) != 0) {
        return -1;
    }
    dauys_textbuf_add(&b, "{\n  \"provisional\": true,\n  \"format\": \"dauys-status 1\",\n  ");
    json_text(&b, "referendum", s->referendum, strlen(s->referendum));
    json_text(&b, "title", s->title.s, s->title.n);
    json_text(&b, "date", s->date, strlen(s->date));
    dauys_textbuf_add(&b, "\"mode\": \"%s\", \"manifest_version\": %u,\n  \"final\": %s,\n",
                      s->official ? "official" : "test", s->manifest_version, json_bool(s->final));
    dauys_textbuf_add(&b, "  \"log_size\": %llu, ", (unsigned long long) s->log_size);
    json_base64(&b, "log_root", s->log_root);
    dauys_textbuf_add(&b, ",\n");
    json_checkpoint(&b, &cp, checkpoint_note);
    json_witnesses(&b, s, cosigned);
    json_precincts(&b, s);
    dauys_textbuf_add(&b, "  \"questions\": [\n");
    for (size_t i = 0; i < s->question_count; i++) {
        dauys_textbuf_add(&b, "%s", i > 0 ? ",\n" : "");
        json_question(&b, s, &s->q[i]);
    }
    dauys_textbuf_add(&b, "\n  ]\n}\n");
    if (b.failed) {
        dauys_free(b.buf);
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory writing the status");
    }
    *out = b.buf;
    *len = b.len;
    return 0;
}
