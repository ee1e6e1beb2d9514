#include "tally/result.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/textbuf.h"
#include "keys/cosig.h"

static void
add_counts(dauys_textbuf *t, const char *key, const dauys_area *a)
{
    const dauys_counts *c = &a->counts;

    int national = strcmp(key, "national") == 0; /* its line names no area id */

    dauys_textbuf_add(
        t,
        "%s: %.*s%seligible %llu took-part %llu yes %llu no %llu not-counted %llu invalid %llu "
        "precincts %llu/%llu\n",
        key, national ? 0 : (int) a->id_len, a->id, national ? "" : " ",
        (unsigned long long) c->eligible, (unsigned long long) c->took_part,
        (unsigned long long) c->yes, (unsigned long long) c->no,
        (unsigned long long) c->not_counted, (unsigned long long) c->invalid,
        (unsigned long long) a->reporting, (unsigned long long) a->expected);
}

static void
add_question(dauys_textbuf *t, const dauys_tally *tally, const dauys_question_tally *q)
{
    static const char *const names[] = {"quorum", "majority", "regions"};
    const dauys_verdict *v = &q->verdict;

    dauys_textbuf_add(t, "question: %s\nprofile: %s\n", q->question->id, q->question->profile);
    add_counts(t, "national", &q->nation);
    for (size_t i = 0; i < tally->manifest->region_count; i++) {
        add_counts(t, "region", &q->region[i]);
    }
    for (size_t i = 0; i < v->rule_count; i++) {
        const dauys_rule_result *r = &v->rule[i];
        dauys_textbuf_add(t, "rule: %s %s needed %llu have %llu of %llu\n", names[r->id],
                          r->passed ? "met" : "not-met", (unsigned long long) r->needed,
                          (unsigned long long) r->have, (unsigned long long) r->of);
    }
    dauys_textbuf_add(t, "valid: %s\nadopted: %s\n", v->valid ? "yes" : "no",
                      v->adopted ? "yes" : "no");
}

/* A version, or "-" for none (0), into OUT. */
static const char *
version_text(char out[12], uint32_t v)
{
    if (v == 0) {
        return "-";
    }
    snprintf(out, 12, "%u", v);
    return out;
}

/* The `crosscheck` lines of CC (FORMATS.md 16.1): none without commissions. */
static void
add_crosscheck(dauys_textbuf *t, const dauys_crosscheck *cc)
{
    char name[DAUYS_CROSSCHECK_FIELD_NAME_MAX + 1], listed[12], counted[12];

    for (size_t i = 0; i < cc->area_count; i++) {
        const dauys_crosscheck_area *a = &cc->area[i];
        dauys_textbuf_add(t, "crosscheck: %s %.*s ",
                          a->level == DAUYS_LEVEL_REGION ? "region" : "district",
                          (int) a->place->id_len, a->place->id);
        if (a->state == DAUYS_CROSSCHECK_NONE) {
            dauys_textbuf_add(t, "none\n");
            continue;
        }
        dauys_textbuf_add(t, "version %u items %zu %s\n", a->version, a->item_count,
                          a->state == DAUYS_CROSSCHECK_AGREES ? "agrees" : "differs");
        for (size_t k = 0; k < a->field_count; k++) {
            dauys_crosscheck_field_name(name, cc->manifest, a->field[k].index);
            dauys_textbuf_add(t, "crosscheck-field: %s summary %llu counted %llu\n", name,
                              (unsigned long long) a->field[k].summary,
                              (unsigned long long) a->field[k].counted);
        }
        for (size_t k = 0; k < a->entry_count; k++) {
            const dauys_crosscheck_item *e = &a->entry[k];
            if (e->listed != e->counted) {
                dauys_textbuf_add(t, "crosscheck-item: %s listed %s counted %s\n", e->id,
                                  version_text(listed, e->listed),
                                  version_text(counted, e->counted));
            }
        }
    }
}

/* In the signature lines SIGS (LEN bytes), the line by witness W: *LINE is its
 * "NAME BASE64" (after the "— ", before the newline), *LINE_LEN its length.
 * 1 found, 0 not. */
static int
witness_line(const char **line, size_t *line_len, const char *sigs, size_t len,
             const dauys_witness_key *w)
{
    static const char dash[] = "\xe2\x80\x94 ";
    size_t name_len = strlen(w->name), head = sizeof dash - 1 + name_len + 1;

    for (size_t at = 0; at < len;) {
        const char *p = sigs + at, *nl = memchr(p, '\n', len - at);
        size_t n = nl != NULL ? (size_t) (nl - p) : len - at;
        uint8_t raw[DAUYS_COSIG_BYTES];
        size_t raw_len = 0;
        if (n == head + DAUYS_COSIG_B64_LEN && memcmp(p, dash, sizeof dash - 1) == 0 &&
            memcmp(p + sizeof dash - 1, w->name, name_len) == 0 && p[head - 1] == ' ' &&
            sodium_base642bin(raw, sizeof raw, p + head, DAUYS_COSIG_B64_LEN, NULL, &raw_len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) == 0 &&
            raw_len == DAUYS_COSIG_BYTES && memcmp(raw, w->id, sizeof w->id) == 0) {
            *line = p + sizeof dash - 1;
            *line_len = n - (sizeof dash - 1);
            return 1;
        }
        at += n + 1;
    }
    return 0;
}

/* The `cosignature` lines: the valid cosignatures of manifest M's witnesses on NOTE. */
static int
add_cosignatures(dauys_textbuf *t, const dauys_manifest *m, const char *note, dauys_error *err)
{
    const dauys_witness_policy *p = &m->witnesses;
    dauys_cosig_found found[DAUYS_WITNESSES_MAX];
    size_t len = note != NULL ? strlen(note) : 0, valid = 0, text_len = 0;
    const char *line;
    size_t line_len;

    if (len == 0 || p->count == 0) {
        return 0;
    }
    if (dauys_cosig_policy_check(&valid, found, note, len, p, "the stored checkpoint", err) != 0 ||
        dauys_note_text_length(&text_len, note, len, "the stored checkpoint", err) != 0) {
        if (err != NULL) {
            err->status = DAUYS_E_DATABASE; /* a note stored by dauys: damaged */
        }
        return -1;
    }
    for (size_t i = 0; i < p->count && valid > 0; i++) {
        if (found[i].valid &&
            witness_line(&line, &line_len, note + text_len + 1, len - text_len - 1, &p->key[i])) {
            dauys_textbuf_add(t, "cosignature: %.*s\n", (int) line_len, line);
        }
    }
    return 0;
}

int
dauys_result_format(char **out, size_t *len, const dauys_tally *tally, uint64_t log_size,
                    const uint8_t log_root[32], const char *checkpoint, dauys_error *err)
{
    const dauys_manifest *m = tally->manifest;
    char root[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    dauys_textbuf t = {.cap = 4096};

    if ((t.buf = dauys_malloc(t.cap)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory writing the result");
    }
    sodium_bin2base64(root, sizeof root, log_root, 32, sodium_base64_VARIANT_ORIGINAL);
    dauys_textbuf_add(&t,
                      "format: dauys-result 1\nreferendum: %s\ntitle: %s\ndate: %s\nmode: %s\n"
                      "manifest-version: %u\nlog-size: %llu\nlog-root: %s\n",
                      m->referendum, m->title, m->date,
                      m->mode == DAUYS_MODE_OFFICIAL ? "official" : "test", m->version,
                      (unsigned long long) log_size, root);
    if (add_cosignatures(&t, m, checkpoint, err) != 0) {
        dauys_free(t.buf);
        return -1;
    }
    dauys_textbuf_add(&t, "status: %s\nprecincts-expected: %llu\nprecincts-reporting: %llu\n",
                      tally->final ? "final" : "provisional", (unsigned long long) tally->expected,
                      (unsigned long long) tally->reporting);
    for (size_t i = 0; i < tally->question_count; i++) {
        add_question(&t, tally, &tally->q[i]);
    }
    add_crosscheck(&t, &tally->crosscheck);
    if (t.failed) {
        dauys_free(t.buf);
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory writing the result");
    }
    *out = t.buf;
    *len = t.len;
    return 0;
}
