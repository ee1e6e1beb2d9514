#include "tally/result.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/textbuf.h"

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

int
dauys_result_format(char **out, size_t *len, const dauys_tally *tally, uint64_t log_size,
                    const uint8_t log_root[32], dauys_error *err)
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
                      "manifest-version: %u\nlog-size: %llu\nlog-root: %s\nstatus: %s\n"
                      "precincts-expected: %llu\nprecincts-reporting: %llu\n",
                      m->referendum, m->title, m->date,
                      m->mode == DAUYS_MODE_OFFICIAL ? "official" : "test", m->version,
                      (unsigned long long) log_size, root, tally->final ? "final" : "provisional",
                      (unsigned long long) tally->expected, (unsigned long long) tally->reporting);
    for (size_t i = 0; i < tally->question_count; i++) {
        add_question(&t, tally, &tally->q[i]);
    }
    if (t.failed) {
        dauys_free(t.buf);
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory writing the result");
    }
    *out = t.buf;
    *len = t.len;
    return 0;
}
