/*
 * statement.c: the audit's own result statement, written from its sums in the
 * format of docs/FORMATS.md section 16.1 (never from the tally's code or
 * SQL), and compared line by line with the signed result.txt. Each line
 * belongs to a check: the log it covers to I2, completeness to P1, numbers
 * to T1, rule verdicts to T2. A line whose area holds a counted protocol the
 * audit could not read (I3 reported it) is not compared: it is unchecked.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "audit/audit_internal.h"
#include "audit/verdict.h"

#define UNKNOWN_LINE 0x80

static void line(audit *a, int ck, int unknown, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void vline(audit *a, int ck, int unknown, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* Appends one line ("...\n") to the statement, remembering its check. */
static void
vline(audit *a, int ck, int unknown, const char *fmt, va_list ap)
{
    char buf[1024];
    int n;

    n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    n = n < 0 ? 0 : n > (int) sizeof buf - 2 ? (int) sizeof buf - 2 : n;
    buf[n++] = '\n';
    if (a->statement_len + (size_t) n > a->statement_cap || a->line_count % 64 == 0) {
        size_t cap = 2 * (a->statement_len + (size_t) n) + 4096;
        char *text = dauys_realloc(a->statement, cap);
        uint8_t *lc = text ? dauys_realloc(a->line_check, a->line_count + 64) : NULL;
        if (text != NULL) {
            a->statement = text;
            a->statement_cap = cap;
        }
        if (lc == NULL) {
            a->oom = 1;
            return;
        }
        a->line_check = lc;
    }
    memcpy(a->statement + a->statement_len, buf, (size_t) n);
    a->statement_len += (size_t) n;
    a->line_check[a->line_count++] = (uint8_t) (ck | (unknown ? UNKNOWN_LINE : 0));
}

static void
line(audit *a, int ck, int unknown, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vline(a, ck, unknown, fmt, ap);
    va_end(ap);
}

void
dauys_audit_statement_line(audit *a, int ck, int unknown, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vline(a, ck, unknown, fmt, ap);
    va_end(ap);
}

static void
add_sums(audit_sums *to, const audit_sums *s)
{
    to->eligible += s->eligible;
    to->took_part += s->took_part;
    to->yes += s->yes;
    to->no += s->no;
    to->not_counted += s->not_counted;
    to->invalid += s->invalid;
    to->reporting += s->reporting;
    to->unknown += s->unknown;
}

static void
area_line(audit *a, const char *key, const dauys_place *area, const audit_sums *s)
{
    line(a, T1, s->unknown != 0,
         "%s: %.*s%seligible %llu took-part %llu yes %llu no %llu not-counted %llu invalid %llu "
         "precincts %llu/%llu",
         key, area ? (int) area->id_len : 0, area ? area->id : "", area ? " " : "",
         (unsigned long long) s->eligible, (unsigned long long) s->took_part,
         (unsigned long long) s->yes, (unsigned long long) s->no,
         (unsigned long long) s->not_counted, (unsigned long long) s->invalid,
         (unsigned long long) s->reporting, (unsigned long long) s->expected);
}

static dauys_counts
as_counts(const audit_sums *s)
{
    return (dauys_counts){s->eligible, s->took_part, s->yes, s->no, s->not_counted, s->invalid};
}

/* One rule's line of the statement, if the profile has the rule. */
static void
rule_line(audit *a, const char *name, const audit_rule_check *c, int unknown)
{
    if (c->present) {
        line(a, T2, unknown, "rule: %s %s needed %llu have %llu of %llu", name,
             c->met ? "met" : "not-met", (unsigned long long) c->needed,
             (unsigned long long) c->have, (unsigned long long) c->of);
    }
}

/* The rules of RULES.md applied to the audit's own sums (T2), by the audit's
 * own evaluator (audit/verdict.c), never by the tally's rules code. */
static void
verdict_lines(audit *a, size_t q, const audit_sums *nation, const audit_sums *region)
{
    dauys_counts n = as_counts(nation), *regional;
    int unknown = nation->unknown != 0;
    size_t counted = 0;
    audit_verdict v;
    dauys_error err;

    if ((regional = dauys_malloc_array(a->m.region_count, sizeof *regional)) == NULL) {
        a->oom = 1;
        return;
    }
    for (size_t r = 0; r < a->m.region_count; r++) {
        const dauys_place *pl = &a->m.region[r];
        /* IMPLEMENTATION-OF: R-REGIONS-ABROAD */
        if (!(pl->kind_len == 6 && memcmp(pl->kind, "abroad", 6) == 0)) {
            regional[counted++] = as_counts(&region[r]);
        }
    }
    if (dauys_audit_verdict_decide(&v, &a->m.question[q].rules, &n, regional, counted, &err) != 0) {
        line(a, T2, 0, "rule: %s", err.message);
    } else {
        rule_line(a, "quorum", &v.quorum, unknown);
        rule_line(a, "majority", &v.majority, unknown);
        rule_line(a, "regions", &v.regions, unknown);
        line(a, T2, unknown, "valid: %s", v.valid ? "yes" : "no");
        line(a, T2, unknown, "adopted: %s", v.adopted ? "yes" : "no");
    }
    dauys_free(regional);
}

/* Question Q's block: its areas' sums, then the verdict. */
static void
question_lines(audit *a, size_t q, audit_sums *region)
{
    const dauys_manifest *m = &a->m;
    audit_sums nation = {0};

    memset(region, 0, m->region_count * sizeof *region);
    for (size_t i = 0; i < m->precinct_count; i++) {
        region[m->precinct[i].region].expected++;
    }
    for (size_t d = 0; d < m->district_count; d++) {
        add_sums(&region[m->district[d].region], &a->district[d * m->question_count + q]);
    }
    for (size_t r = 0; r < m->region_count; r++) {
        add_sums(&nation, &region[r]);
    }
    nation.expected = m->precinct_count;
    line(a, T1, 0, "question: %s", m->question[q].id);
    line(a, T1, 0, "profile: %s", m->question[q].profile);
    area_line(a, "national", NULL, &nation);
    for (size_t r = 0; r < m->region_count; r++) {
        area_line(a, "region", &m->region[r], &region[r]);
    }
    verdict_lines(a, q, &nation, region);
}

/* Precincts with a counting protocol (the same for every question). */
static uint64_t
reporting(const audit *a)
{
    uint64_t n = 0;

    for (size_t d = 0; d < a->m.district_count; d++) {
        n += a->district[d * a->m.question_count].reporting;
    }
    return n;
}

int
dauys_audit_statement_build(audit *a)
{
    char root[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    const dauys_manifest *m = &a->m;
    uint64_t n = reporting(a);
    audit_sums *region = dauys_malloc_array(m->region_count, sizeof *region);

    if (region == NULL) {
        return -1;
    }
    sodium_bin2base64(root, sizeof root, a->result_root, 32, sodium_base64_VARIANT_ORIGINAL);
    line(a, T1, 0, "format: dauys-result 1");
    line(a, T1, 0, "referendum: %s", m->referendum);
    line(a, T1, 0, "title: %s", m->title);
    line(a, T1, 0, "date: %s", m->date);
    line(a, T1, 0, "mode: %s", m->mode == DAUYS_MODE_OFFICIAL ? "official" : "test");
    line(a, T1, 0, "manifest-version: %u", m->version);
    line(a, I2, 0, "log-size: %llu", (unsigned long long) a->result_size);
    line(a, I2, 0, "log-root: %s", root);
    line(a, P1, 0, "status: %s", n == m->precinct_count ? "final" : "provisional");
    line(a, P1, 0, "precincts-expected: %zu", m->precinct_count);
    line(a, P1, 0, "precincts-reporting: %llu", (unsigned long long) n);
    for (size_t q = 0; q < m->question_count; q++) {
        question_lines(a, q, region);
    }
    dauys_free(region);
    dauys_audit_crosscheck_lines(
        a); /* X1's, after the last question's (none without commissions) */
    return a->oom ? -1 : 0;
}

/* The next line of TEXT (LEN bytes) from *POS: where it starts and its
 * length without the LF, and whether it ended in one. 0 at the end. */
static int
next_span(const char **line, size_t *n, int *lf, const char *text, size_t len, size_t *pos)
{
    const char *nl;

    if (*pos >= len) {
        return 0;
    }
    *line = text + *pos;
    nl = memchr(*line, '\n', len - *pos);
    *n = nl ? (size_t) (nl - *line) : len - *pos;
    *lf = nl != NULL;
    *pos += *n + *lf;
    return 1;
}

/* 1 if the line at P (N bytes) is a cosignature line of the statement (W1's). */
static int
is_cosignature(const char *p, size_t n)
{
    static const char key[] = "cosignature: ";

    return n >= sizeof key - 1 && memcmp(p, key, sizeof key - 1) == 0;
}

/* 1 if the line at P (N bytes) is the statement's log-root line. */
static int
is_log_root(const char *p, size_t n)
{
    static const char key[] = "log-root: ";

    return n >= sizeof key - 1 && memcmp(p, key, sizeof key - 1) == 0;
}

void
dauys_audit_statement_cosignatures(size_t *first, size_t *count, const char **at, const char **end,
                                   const char *text, size_t len)
{
    const char *p;
    size_t pos = 0, n, line = 0;
    int lf, root = 0;

    *first = *count = 0;
    *at = *end = text;
    while (next_span(&p, &n, &lf, text, len, &pos)) {
        line++;
        if (!root) {
            root = is_log_root(p, n);
            *at = *end = text + pos;
            continue;
        }
        if (!is_cosignature(p, n)) {
            break;
        }
        *first = *count == 0 ? line : *first;
        (*count)++;
        *end = text + pos;
    }
}

/* 1 if the line at P (N bytes) is a crosscheck line (X1's, not T1's). */
static int
is_crosscheck(const char *p, size_t n)
{
    static const char key[] = "crosscheck";

    return n >= sizeof key - 1 && memcmp(p, key, sizeof key - 1) == 0;
}

/* One crosscheck line: of result.txt (LINE its number), or of the audit's
 * statement (UNKNOWN: its area holds numbers the audit could not read). */
typedef struct cc_line {
    const char *p;
    size_t n, line;
    int unknown;
} cc_line;

typedef struct cc_lines {
    cc_line *at;
    size_t count, cap;
} cc_lines;

static void
cc_add(audit *a, cc_lines *l, const char *p, size_t n, size_t number, int unknown)
{
    if (l->count == l->cap) {
        size_t cap = 2 * l->cap + 64;
        cc_line *grown = dauys_realloc(l->at, cap * sizeof *grown);
        if (grown == NULL) {
            a->oom = 1;
            return;
        }
        l->at = grown;
        l->cap = cap;
    }
    l->at[l->count++] = (cc_line){p, n, number, unknown};
}

/* result.txt read line by line, its crosscheck lines set aside for X1. */
typedef struct got_walk {
    audit *a;
    const char *text;
    size_t len, pos, line;
    int lf;         /* the last line read ended in LF */
    cc_lines cc;    /* the crosscheck lines met */
    size_t pending; /* crosscheck lines since the last other line: the last of CC */
} got_walk;

/* The next line of result.txt that is not a crosscheck line; 0 at the end.
 * Crosscheck lines come last (FORMATS.md 16.1): one before another line
 * fails X1 there. */
static int
got_next(got_walk *w, const char **p, size_t *n, size_t *number)
{
    const char *q;
    size_t qn;
    int lf;
    char where[64];

    while (next_span(&q, &qn, &lf, w->text, w->len, &w->pos)) {
        w->line++;
        w->lf = lf;
        if (is_crosscheck(q, qn)) {
            size_t before = w->cc.count;
            cc_add(w->a, &w->cc, q, qn, w->line, 0);
            w->pending += w->cc.count > before; /* not when memory failed */
            continue;
        }
        /* crosscheck lines before this one are out of place: each fails
         * here, and is set aside (the area by area comparison is of the
         * lines at the end) */
        for (size_t k = w->cc.count - (w->pending <= w->cc.count ? w->pending : w->cc.count);
             k < w->cc.count; k++) {
            snprintf(where, sizeof where, "result.txt line %zu", w->cc.at[k].line);
            dauys_audit_check(w->a, X1, 0, where,
                              "\"%.*s\" comes before line %zu, which is not a crosscheck line: "
                              "the crosscheck lines come last (FORMATS.md 16.1)",
                              (int) w->cc.at[k].n, w->cc.at[k].p, w->line);
        }
        w->cc.count -= w->pending <= w->cc.count ? w->pending : w->cc.count;
        w->pending = 0;
        *p = q, *n = qn, *number = w->line;
        return 1;
    }
    return 0;
}

/* The key of a crosscheck head line ("crosscheck: LEVEL AREA ..."): LEVEL
 * AREA, in *KEY and *KN; 0 if L is not a head line. */
static int
cc_head(const char **key, size_t *kn, const cc_line *l)
{
    static const char head[] = "crosscheck: ";
    const char *p = l->p + sizeof head - 1, *end = l->p + l->n, *sp;

    if (l->n < sizeof head - 1 || memcmp(l->p, head, sizeof head - 1) != 0) {
        return 0;
    }
    sp = memchr(p, ' ', (size_t) (end - p));
    sp = sp != NULL ? memchr(sp + 1, ' ', (size_t) (end - sp - 1)) : NULL;
    *key = p;
    *kn = (size_t) ((sp != NULL ? sp : end) - p);
    return 1;
}

/* The end of the group of lines that starts at I of L (its head and the
 * field and item lines after it). */
static size_t
cc_group_end(const cc_lines *l, size_t i)
{
    const char *k;
    size_t kn;

    for (i++; i < l->count && !cc_head(&k, &kn, &l->at[i]); i++) {
    }
    return i;
}

/* The group of WANT from *W on whose head has the key K (KN bytes): its
 * start, or WANT->count if none. */
static size_t
cc_find(const cc_lines *want, size_t w, const char *k, size_t kn)
{
    const char *wk;
    size_t wkn;

    for (; w < want->count; w = cc_group_end(want, w)) {
        if (cc_head(&wk, &wkn, &want->at[w]) && wkn == kn && memcmp(wk, k, kn) == 0) {
            return w;
        }
    }
    return want->count;
}

/* Fails X1 for each line of WANT from FROM to TO, which result.txt leaves
 * out (reported at AT: result.txt line AT). */
static void
cc_missing(audit *a, const cc_lines *want, size_t from, size_t to, size_t at)
{
    char where[64];

    snprintf(where, sizeof where, "result.txt line %zu", at);
    for (size_t i = from; i < to; i++) {
        dauys_audit_check(a, X1, 0, where,
                          "the statement leaves out \"%.*s\", which the audit's "
                          "crosscheck gives here",
                          (int) want->at[i].n, want->at[i].p);
    }
}

/* The length of the key of crosscheck line L: its first two words (a head
 * line's "crosscheck: LEVEL", a finding's "crosscheck-field: FIELD" or
 * "crosscheck-item: ID"), which no two lines of one area share. */
static size_t
cc_key(const cc_line *l)
{
    const char *sp = memchr(l->p, ' ', l->n);

    sp = sp != NULL ? memchr(sp + 1, ' ', (size_t) (l->p + l->n - sp - 1)) : NULL;
    return sp != NULL ? (size_t) (sp - l->p) : l->n;
}

/*
 * One area's lines: result.txt's GOT[G..GEND) (its head line first) against
 * the audit's WANT[W..WEND). Each line of result.txt is paired with the
 * audit's line of the same key (the head with the head; a field or item
 * with the same field or item) and compared byte for byte; one without a
 * pair is more than the audit gives, one of the audit's without a pair is
 * left out, and a pair out of the audit's order fails too. MATCHED: one
 * byte per line of WANT.
 */
static void
cc_area(audit *a, const cc_lines *got, size_t g, size_t gend, const cc_lines *want, size_t w,
        size_t wend, uint8_t *matched)
{
    char where[64];
    size_t last = w, missing_at = got->at[gend - 1].line;

    for (size_t i = g; i < gend; i++) {
        const cc_line *gl = &got->at[i];
        size_t k = cc_key(gl), j = w;
        snprintf(where, sizeof where, "result.txt line %zu", gl->line);
        while (j < wend && (matched[j] || cc_key(&want->at[j]) != k ||
                            memcmp(want->at[j].p, gl->p, k) != 0 || (i == g) != (j == w))) {
            j++;
        }
        if (j == wend) {
            dauys_audit_check(a, X1, 0, where,
                              "\"%.*s\" is more than the audit's crosscheck gives for the area",
                              (int) gl->n, gl->p);
            continue;
        }
        matched[j] = 1;
        const cc_line *wl = &want->at[j];
        dauys_audit_check(a, X1, gl->n == wl->n && memcmp(gl->p, wl->p, wl->n) == 0, where,
                          "is \"%.*s\"; the audit's crosscheck gives \"%.*s\"", (int) gl->n, gl->p,
                          (int) wl->n, wl->p);
        if (j < last) { /* counted once, with the line's comparison above */
            dauys_audit_check(a, X1, 0, where,
                              "\"%.*s\" is out of order: the audit's crosscheck gives it before "
                              "\"%.*s\" (fields in file order, then items in id order)",
                              (int) gl->n, gl->p, (int) want->at[last].n, want->at[last].p);
        }
        last = j > last ? j : last;
    }
    for (size_t j = w; j < wend; j++) {
        if (!matched[j]) {
            snprintf(where, sizeof where, "result.txt line %zu", missing_at);
            dauys_audit_check(a, X1, 0, where,
                              "the area's lines, which end here, leave out \"%.*s\", which "
                              "the audit's crosscheck gives",
                              (int) want->at[j].n, want->at[j].p);
        }
    }
}

/*
 * X1: result.txt's crosscheck lines (GOT) against the audit's (WANT), area
 * by area, in the audit's order of areas: an area's group is its head line
 * and the lines after it (cc_area). A group of result.txt for an area the
 * audit has no more of (none, one out of order, or a second one), and lines
 * before any head, are more than the audit gives; an area the statement
 * leaves out fails where it would be. A group whose area holds numbers the
 * audit could not read is unchecked. END: the number of result.txt's last line.
 */
static void
cc_compare(audit *a, const cc_lines *got, const cc_lines *want, size_t end)
{
    const char *k;
    size_t kn, g = 0, w = 0;
    char where[64];
    uint8_t *matched = dauys_malloc(want->count + 1);

    if (matched == NULL) {
        a->oom = 1;
        return;
    }
    memset(matched, 0, want->count + 1);
    while (g < got->count) {
        size_t gend = cc_group_end(got, g), found = want->count;
        if (cc_head(&k, &kn, &got->at[g])) {
            found = cc_find(want, w, k, kn);
        }
        if (found == want->count) {
            for (size_t i = g; i < gend; i++) {
                snprintf(where, sizeof where, "result.txt line %zu", got->at[i].line);
                dauys_audit_check(a, X1, 0, where,
                                  "\"%.*s\" is more than the audit's crosscheck gives%s",
                                  (int) got->at[i].n, got->at[i].p,
                                  i == g ? ": no such area, or one out of order or twice" : "");
            }
        } else {
            size_t wend = cc_group_end(want, found);
            cc_missing(a, want, w, found, got->at[g].line); /* areas it leaves out before */
            if (want->at[found].unknown) {
                for (size_t i = g; i < gend; i++) {
                    dauys_audit_unchecked(a, X1); /* the area's numbers could not be read */
                }
            } else {
                cc_area(a, got, g, gend, want, found, wend, matched);
            }
            w = wend;
        }
        g = gend;
    }
    cc_missing(a, want, w, want->count, end + 1);
    dauys_free(matched);
}

void
dauys_audit_statement_compare(audit *a, const char *text, size_t len)
{
    const char *got = NULL, *want = "";
    size_t wpos = 0, gn = 0, wn = 0, i, number = 0;
    int wlf = 1, have;
    char where[64];
    got_walk w = {.a = a, .text = text, .len = len, .lf = 1};
    cc_lines mine = {0};

    for (i = 0; i < a->line_count; i++) {
        int ck = a->line_check[i] & 0x7f;
        next_span(&want, &wn, &wlf, a->statement, a->statement_len, &wpos);
        if (ck == X1) {
            cc_add(a, &mine, want, wn, 0, (a->line_check[i] & UNKNOWN_LINE) != 0);
            continue;
        }
        have = got_next(&w, &got, &gn, &number);
        snprintf(where, sizeof where, "result.txt line %zu", have ? number : w.line + 1);
        if (have && (a->line_check[i] & UNKNOWN_LINE)) {
            dauys_audit_unchecked(a, ck);
        } else {
            /* compared byte for byte: a NUL or CR in the line makes it differ */
            dauys_audit_check(a, ck, have && gn == wn && memcmp(got, want, wn) == 0, where,
                              have ? "is \"%.*s\"; the audit's re-tally gives \"%.*s\""
                                   : "%.*sthe statement ends; the audit's re-tally gives \"%.*s\"",
                              have ? (int) gn : 0, have ? got : "", (int) wn, want);
        }
        /* the cosignatures after it are W1's; without witnesses W1 checks
         * none, so they are compared (the statement has none: 16.1) */
        if (have && is_log_root(want, wn) && a->policy != NULL && a->policy->count > 0) {
            const char *c;
            size_t cn, after = w.pos;
            int clf;
            while (next_span(&c, &cn, &clf, text, len, &after) && is_cosignature(c, cn)) {
                w.pos = after, w.lf = clf, w.line++;
            }
        }
    }
    if (got_next(&w, &got, &gn, &number)) {
        snprintf(where, sizeof where, "result.txt line %zu", number);
        dauys_audit_check(a, T1, 0, where, "\"%.*s\" is more than the audit's re-tally gives",
                          (int) gn, got);
        while (got_next(&w, &got, &gn, &number)) { /* the crosscheck lines after, for X1 */
        }
    } else {
        dauys_audit_check(a, T1, w.lf, "result.txt", "the last line does not end in a line feed");
    }
    cc_compare(a, &w.cc, &mine, w.line);
    dauys_free(w.cc.at);
    dauys_free(mine.at);
}

uint64_t
dauys_audit_statement_unknown_lines(const audit *a)
{
    uint64_t n = 0;

    for (size_t i = 0; i < a->line_count; i++) {
        n += (a->line_check[i] & UNKNOWN_LINE) != 0;
    }
    return n;
}

void
dauys_audit_result_comment_check(audit *a, const char *sig, size_t sig_len)
{
    char want[DAUYS_KEYS_TRUSTED_COMMENT_MAX + 1];
    dauys_signature s;
    dauys_error err;

    /* the statement's own referendum and log-size lines are T1's and I2's:
     * the comment that minisign -V shows readers must say the same */
    snprintf(want, sizeof want, "dauys result of %s covering log size %llu", a->m.referendum,
             (unsigned long long) a->result_size);
    if (dauys_keys_signature_decode(&s, sig, sig_len, "result.txt.minisig", &err) != 0) {
        a->oom |= err.status == DAUYS_E_NOMEM;
        dauys_audit_check(a, A4, 0, "result.txt.minisig", "%s", err.message);
        return;
    }
    dauys_audit_check(a, A4, strcmp(s.trusted_comment, want) == 0, "result.txt.minisig",
                      "its trusted comment is \"%s\", not \"%s\" (FORMATS.md 16.2)",
                      s.trusted_comment, want);
}
