#include "referendum/protocol.h"

#include <stdio.h>
#include <string.h>

#include "core/kvtext.h"

int
dauys_protocol_expect_id(dauys_kv *kv, const char *key, char out[DAUYS_ID_MAX + 1],
                         dauys_error *err)
{
    const char *problem;

    if (dauys_kv_expect(kv, key, err) != 0) {
        return -1;
    }
    if ((problem = dauys_id_problem(kv->value, kv->value_len)) != NULL) {
        return dauys_kv_fail(kv, err, "%s", problem);
    }
    return dauys_kv_copy(kv, out, DAUYS_ID_MAX + 1, err);
}

static int
expect_count(dauys_kv *kv, const char *key, uint64_t *out, dauys_error *err)
{
    return dauys_kv_expect(kv, key, err) != 0 || dauys_kv_count(kv, out, err) != 0 ? -1 : 0;
}

/* format, referendum, precinct, version, and reason when version > 1. */
static int
parse_header(dauys_protocol *p, dauys_kv *kv, dauys_error *err)
{
    uint64_t version;

    memset(p, 0, sizeof *p);
    if (dauys_kv_expect(kv, "format", err) != 0) {
        return -1;
    }
    if (kv->value_len != 16 || memcmp(kv->value, "dauys-protocol 1", 16) != 0) {
        return dauys_kv_fail(kv, err, "expected \"dauys-protocol 1\"");
    }
    if (dauys_protocol_expect_id(kv, "referendum", p->referendum, err) != 0 ||
        dauys_protocol_expect_id(kv, "precinct", p->precinct, err) != 0 ||
        expect_count(kv, "version", &version, err) != 0) {
        return -1;
    }
    if (version == 0 || version > UINT32_MAX) {
        return dauys_kv_fail(kv, err, "must be from 1 to %u", UINT32_MAX);
    }
    p->version = (uint32_t) version;
    return 0;
}

int
dauys_protocol_parse_header(dauys_protocol *p, const char *text, size_t len, const char *name,
                            dauys_error *err)
{
    dauys_kv kv;

    if (len > DAUYS_PROTOCOL_FILE_MAX) {
        return dauys_error_set(err, DAUYS_E_TOO_LARGE, "%s: %zu bytes, over the limit of %u", name,
                               len, DAUYS_PROTOCOL_FILE_MAX);
    }
    dauys_kv_init(&kv, text, len, name);
    return parse_header(p, &kv, err);
}

/* Reads the four ballot lines PREFIX_{received,issued,cancelled,in_boxes}. */
static int
parse_ballots(dauys_kv *kv, const char *prefix, dauys_ballots *b, dauys_error *err)
{
    static const char *const names[] = {"received", "issued", "cancelled", "in_boxes"};
    uint64_t *fields[] = {&b->received, &b->issued, &b->cancelled, &b->in_boxes};
    char key[64];

    for (int i = 0; i < 4; i++) {
        snprintf(key, sizeof key, "%.*sballots_%s", DAUYS_QUESTION_ID_MAX + 1, prefix, names[i]);
        if (expect_count(kv, key, fields[i], err) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Reads question Q's lines (its ballots first, when separate). */
static int
parse_answers(dauys_kv *kv, const dauys_question *q, int separate, dauys_answers *a,
              dauys_error *err)
{
    static const char *const names[] = {"yes", "no", "not_counted", "invalid"};
    uint64_t *fields[] = {&a->yes, &a->no, &a->not_counted, &a->invalid};
    char key[64], prefix[DAUYS_QUESTION_ID_MAX + 2];

    snprintf(prefix, sizeof prefix, "%s_", q->id);
    if (separate && parse_ballots(kv, prefix, &a->ballots, err) != 0) {
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        snprintf(key, sizeof key, "%.*s_%s", DAUYS_QUESTION_ID_MAX, q->id, names[i]);
        if (expect_count(kv, key, fields[i], err) != 0) {
            return -1;
        }
    }
    return 0;
}

int
dauys_protocol_parse_counts(dauys_kv *kv, const dauys_manifest *m, uint64_t *on_list,
                            dauys_ballots *ballots, size_t *question_count,
                            dauys_answers answer[DAUYS_QUESTIONS_MAX], dauys_error *err)
{
    int separate = m->ballot == DAUYS_BALLOT_SEPARATE;

    if (expect_count(kv, "citizens_on_list", on_list, err) != 0 ||
        (!separate && parse_ballots(kv, "", ballots, err) != 0)) {
        return -1;
    }
    *question_count = m->question_count;
    for (size_t i = 0; i < m->question_count; i++) {
        if (parse_answers(kv, &m->question[i], separate, &answer[i], err) != 0) {
            return -1;
        }
        if (!separate) {
            answer[i].ballots = *ballots;
        }
    }
    if (!dauys_kv_done(kv)) {
        kv->line++;
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: unexpected line after the last count",
                               kv->name, kv->line);
    }
    return 0;
}

/* reason (only after version > 1), citizens_on_list, ballots, answers. */
static int
parse_body(dauys_protocol *p, dauys_kv *kv, const dauys_manifest *m, dauys_error *err)
{
    if (p->version > 1 && (dauys_kv_expect(kv, "reason", err) != 0 ||
                           dauys_kv_copy(kv, p->reason, sizeof p->reason, err) != 0)) {
        return -1;
    }
    return dauys_protocol_parse_counts(kv, m, &p->on_list, &p->ballots, &p->question_count,
                                       p->answer, err);
}

int
dauys_protocol_parse(dauys_protocol *p, const char *text, size_t len, const char *name,
                     const dauys_manifest *m, dauys_error *err)
{
    dauys_kv kv;

    if (len > DAUYS_PROTOCOL_FILE_MAX) {
        return dauys_error_set(err, DAUYS_E_TOO_LARGE, "%s: %zu bytes, over the limit of %u", name,
                               len, DAUYS_PROTOCOL_FILE_MAX);
    }
    dauys_kv_init(&kv, text, len, name);
    return parse_header(p, &kv, err) != 0 || parse_body(p, &kv, m, err) != 0 ? -1 : 0;
}
