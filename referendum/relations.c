/*
 * relations.c: the control relations of a protocol (docs/FORMATS.md,
 * "Control relations"). Identities that must hold are errors (R*): the
 * protocol is rejected and must come back corrected. Lawful but odd numbers
 * are warnings (W*). Exact integer arithmetic: every count is at most 10^12,
 * so no sum here can overflow.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "referendum/protocol.h"

static void add(dauys_findings *out, const char *code, int is_error, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
add(dauys_findings *out, const char *code, int is_error, const char *fmt, ...)
{
    dauys_finding *f;
    va_list ap;

    if (out->count == DAUYS_FINDINGS_MAX) {
        return;
    }
    f = &out->item[out->count++];
    snprintf(f->code, sizeof f->code, "%s", code);
    f->is_error = is_error;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
    out->errors += is_error != 0;
}

/* The roster's bound on a protocol (R5, R6): its voters before the day and
 * what the manifest allows on top (RULES.md 2.4); MAX is UINT64_MAX without a
 * precinct. */
typedef struct list_bound {
    uint64_t max, voters;
    uint32_t percent, add;
} list_bound;

/* R1-R3, R6 and W1, W4 for one set of ballot papers; WHO prefixes messages. */
static void
check_ballots(dauys_findings *out, const char *who, const dauys_ballots *b, uint64_t on_list,
              const list_bound *bound)
{
    unsigned long long rec = b->received, iss = b->issued, can = b->cancelled, box = b->in_boxes;

    if (rec != iss + can) {
        add(out, "R1", 1, "%sballots received %llu != issued %llu + cancelled %llu (= %llu)", who,
            rec, iss, can, iss + can);
    }
    if (box > iss) {
        add(out, "R2", 1, "%sballots in the boxes %llu > ballots issued %llu", who, box, iss);
    }
    if (iss > on_list) {
        add(out, "R3", 1, "%sballots issued %llu > citizens on the list %llu", who, iss,
            (unsigned long long) on_list);
    }
    if (rec > bound->max) { /* REQ: RULES 2.4, the roster bounds the ballots too */
        add(out, "R6", 1,
            "%sballots received %llu > %llu, the most the roster allows (voters "
            "%llu + %u%% + %u)",
            who, rec, (unsigned long long) bound->max, (unsigned long long) bound->voters,
            bound->percent, bound->add);
    }
    if (box <= iss && iss - box > 5 && (iss - box) * 100 > iss) {
        add(out, "W1", 0,
            "%s%llu ballots issued but not found in the boxes (%llu issued, %llu in "
            "the boxes)",
            who, iss - box, iss, box);
    }
    if (on_list >= 100 && box * 100 >= on_list * 98) {
        add(out, "W4", 0, "%sturnout of 98%% or more: %llu of %llu citizens on the list", who, box,
            (unsigned long long) on_list);
    }
}

/* R4: every ballot in the boxes is yes, no, not counted or invalid. */
static void
check_answers(dauys_findings *out, const char *qid, const dauys_answers *a)
{
    unsigned long long sum = a->yes + a->no + a->not_counted + a->invalid;

    if (sum != a->ballots.in_boxes) {
        add(out, "R4", 1,
            "%s: yes %llu + no %llu + not counted %llu + invalid %llu = %llu != "
            "ballots in the boxes %llu",
            qid, (unsigned long long) a->yes, (unsigned long long) a->no,
            (unsigned long long) a->not_counted, (unsigned long long) a->invalid, sum,
            (unsigned long long) a->ballots.in_boxes);
    }
}

/* R5: the list at close within what the roster allows (REQ: RULES 2.4: the
 * day adds citizens to a list, within an allowance the manifest states). */
static void
check_list_bound(dauys_findings *out, uint64_t on_list, const list_bound *bound)
{
    if (on_list > bound->max) {
        add(out, "R5", 1,
            "citizens on the list %llu > %llu, the most the roster allows (voters "
            "%llu before the day + %u%% + %u)",
            (unsigned long long) on_list, (unsigned long long) bound->max,
            (unsigned long long) bound->voters, bound->percent, bound->add);
    }
}

/* W2, W3: the list at close against the list before the day (within R5). */
static void
check_list(dauys_findings *out, uint64_t on_list, const list_bound *bound)
{
    unsigned long long now = on_list, was = bound->voters;

    if (now > bound->max) {
        return; /* R5 said it */
    } else if (now > was + was / 10 + 10) {
        add(out, "W2", 0, "the list grew from %llu before the day to %llu at close (over 10%%)",
            was, now);
    } else if (now + was / 10 + 10 < was) {
        add(out, "W3", 0, "the list shrank from %llu before the day to %llu at close (over 10%%)",
            was, now);
    }
}

void
dauys_protocol_check(dauys_findings *out, const dauys_protocol *p, const dauys_manifest *m,
                     const dauys_precinct *precinct)
{
    char who[DAUYS_QUESTION_ID_MAX + 3];
    list_bound bound = {UINT64_MAX, 0, m->allowance_percent, m->allowance_add};

    out->count = out->errors = 0;
    if (precinct != NULL) {
        bound.voters = precinct->voters;
        bound.max = dauys_manifest_list_bound(m, precinct->voters);
        check_list_bound(out, p->on_list, &bound); /* first: the reason a rejection names */
    }
    if (m->ballot == DAUYS_BALLOT_SINGLE) {
        check_ballots(out, "", &p->ballots, p->on_list, &bound);
    }
    for (size_t i = 0; i < p->question_count; i++) {
        if (m->ballot == DAUYS_BALLOT_SEPARATE) {
            snprintf(who, sizeof who, "%s: ", m->question[i].id);
            check_ballots(out, who, &p->answer[i].ballots, p->on_list, &bound);
        }
        check_answers(out, m->question[i].id, &p->answer[i]);
    }
    if (precinct != NULL) {
        check_list(out, p->on_list, &bound);
    }
}
