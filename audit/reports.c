/*
 * reports.c: T3, the bundle's renderings show the signed result.
 * reports/report.html (docs/FORMATS.md section 20.3, read by page.c) and
 * reports/tally.csv (section 17.1) are not signed, and are what most people
 * read: every number they mark for machines is compared with the signed
 * result.txt (whose own numbers are T1's to check against the re-tally, so
 * that one wrong number is reported once), or, for the CSV's districts,
 * which the statement does not hold, with the audit's own sums per
 * district; every area of every question must be shown exactly once.
 * Percentages and the majority column are recomputed here in integers, with
 * the audit's own evaluator (audit/verdict.c), never with the tally's code.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/csv.h"
#include "core/decimal.h"
#include "audit/audit_internal.h"
#include "audit/page.h"
#include "audit/verdict.h"
#include "referendum/rules.h"

#define FIELDS 8

/* The parts of a rendering whose size a constant bounds (the head and style,
 * the banner, at most DAUYS_HTML_REFUSALS_SHOWN refusals and
 * DAUYS_TALLY_MISSING_SHOWN missing precincts), with room to spare. */
#define REPORT_FIXED_MAX ((uint64_t) 64 << 20)
/* Per area (national, region, district) and question: its rows in the table,
 * charts, forensics table and flags, and the CSV, without the names. */
#define REPORT_AREA_MAX ((uint64_t) 16 << 10)
/* Each byte of a name becomes at most 6 on the page ('"' is "&quot;"), and
 * a name is written at most 16 times per question (in the table, each chart,
 * the forensics table, each of its flags and the CSV). */
#define REPORT_NAME_COPIES (6 * 16)
/* The summary protocols' section (FORMATS.md 20.2), when the manifest has
 * commissions: per area with a commission, its heading, fields and name;
 * per precinct and district, its line among the items off and its entry
 * among what was counted (a summary lists only its own area's items, so
 * each precinct and district shows in one area's lists). */
#define REPORT_SUMMARY_FIXED_MAX ((uint64_t) 4 << 10)
#define REPORT_SUMMARY_AREA_MAX ((uint64_t) 32 << 10)
#define REPORT_SUMMARY_ITEM_MAX ((uint64_t) 512)

static const char *const html_field[FIELDS] = {
    "eligible",          "took-part", "yes", "no", "not-counted", "invalid", "precincts-reporting",
    "precincts-expected"};
static const char *const csv_field[FIELDS] = {
    "eligible",          "took_part", "yes", "no", "not_counted", "invalid", "precincts_reporting",
    "precincts_expected"};
static const char *const rule_name[] = {"quorum", "majority", "regions"};

/* One area of one question as result.txt (or the re-tally, for a district)
 * gives it, and whether a rendering showed it. */
typedef struct want_area {
    uint64_t v[FIELDS];
    int listed;  /* result.txt has its line (districts: always) */
    int unknown; /* a district holding a protocol the audit could not read */
    int seen;
} want_area;

typedef struct want_question {
    int valid, adopted;
    int rule[3];                       /* -1 absent, 0 not met, 1 met */
    int regions_known;                 /* result.txt gives the next two, or every region's line */
    uint64_t regions_have, regions_of; /* regions with a majority, of how many */
} want_question;

/* The signed result statement, parsed (FORMATS 16.1). */
typedef struct wanted {
    want_area *area; /* [q * areas_per_question + r]: the regions, the nation, the districts */
    want_question q[DAUYS_QUESTIONS_MAX];
    uint64_t log_size, reporting, expected;
    char log_root[64];
} wanted;

/* The row a rendering shows for one area. */
typedef struct shown_row {
    size_t q, area;
    unsigned line, have; /* HAVE: the counts that parsed */
    unsigned shown;      /* the row's data-fields met so far (row_field_index bits) */
    uint64_t v[FIELDS];
    const char *raw[FIELDS]; /* the page's text of each field, for messages */
    size_t raw_len[FIELDS];
    audit_page_span turnout, share, majority;
} shown_row;

typedef struct check_ctx {
    audit *a;
    wanted *w;
    const char *file;
    char where[96];
    shown_row row;
    int in_row;
} check_ctx;

/* The areas of one question: the regions, the nation (at region_count), the districts. */
static size_t
areas_per_question(const audit *a)
{
    return a->m.region_count + 1 + a->m.district_count;
}

/* The area named ID (LEN bytes) at LEVEL ("national", "region", "district";
 * NULL: the nation or a region, as the page's table of areas has them): its
 * index among areas_per_question, or SIZE_MAX. */
static size_t
area_index(const audit *a, const char *level, const char *id, size_t len)
{
    int national = len == 8 && memcmp(id, "national", 8) == 0;
    int district = level != NULL && strcmp(level, "district") == 0;

    if (level != NULL && national != (strcmp(level, "national") == 0)) {
        return SIZE_MAX;
    }
    if (national) {
        return a->m.region_count;
    }
    if (level != NULL && !district && strcmp(level, "region") != 0) {
        return SIZE_MAX;
    }
    size_t count = district ? a->m.district_count : a->m.region_count;
    const dauys_place *pl = district ? a->m.district : a->m.region;
    for (size_t i = 0; i < count; i++) {
        if (pl[i].id_len == len && memcmp(pl[i].id, id, len) == 0) {
            return district ? a->m.region_count + 1 + i : i;
        }
    }
    return SIZE_MAX;
}

/* The place of area R (NULL for the nation). */
static const dauys_place *
area_place(const audit *a, size_t r)
{
    return r < a->m.region_count    ? &a->m.region[r]
           : r == a->m.region_count ? NULL
                                    : &a->m.district[r - a->m.region_count - 1];
}

/* The districts' sums, which the statement does not hold. */
static void
want_districts(wanted *w, const audit *a)
{
    for (size_t q = 0; q < a->m.question_count; q++) {
        for (size_t d = 0; d < a->m.district_count; d++) {
            const audit_sums *s = &a->district[d * a->m.question_count + q];
            want_area *wa = &w->area[q * areas_per_question(a) + a->m.region_count + 1 + d];
            uint64_t v[FIELDS] = {
                s->eligible,    s->took_part, s->yes,       s->no,
                s->not_counted, s->invalid,   s->reporting, a->m.district_precincts[d]};
            memcpy(wa->v, v, sizeof v);
            wa->listed = 1;
            wa->unknown = s->unknown != 0;
        }
    }
}

/* The index of the question whose id is ID (LEN bytes), or SIZE_MAX. */
static size_t
question_index(const audit *a, const char *id, size_t len)
{
    for (size_t q = 0; q < a->m.question_count; q++) {
        if (strlen(a->m.question[q].id) == len && memcmp(a->m.question[q].id, id, len) == 0) {
            return q;
        }
    }
    return SIZE_MAX;
}

/* A header line of the statement (NUL-terminated S): the log and the precincts. */
static void
parse_header_line(wanted *w, const char *s)
{
    unsigned long long n;

    if (sscanf(s, "log-size: %llu", &n) == 1) {
        w->log_size = n;
    } else if (sscanf(s, "precincts-expected: %llu", &n) == 1) {
        w->expected = n;
    } else if (sscanf(s, "precincts-reporting: %llu", &n) == 1) {
        w->reporting = n;
    } else {
        (void) sscanf(s, "log-root: %63s", w->log_root);
    }
}

/* An area line of question Q (NUL-terminated S); 0 if S is not one. */
static int
parse_area_line(const audit *a, wanted *w, size_t q, const char *s)
{
    unsigned long long v[FIELDS];
    char id[80];
    size_t r;

    if (sscanf(s,
               "region: %79s eligible %llu took-part %llu yes %llu no %llu not-counted %llu "
               "invalid %llu precincts %llu/%llu",
               id, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 9) {
        r = area_index(a, "region", id, strlen(id));
    } else if (sscanf(s,
                      "national: eligible %llu took-part %llu yes %llu no %llu not-counted %llu "
                      "invalid %llu precincts %llu/%llu",
                      &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
        r = a->m.region_count;
    } else {
        return 0;
    }
    if (q < a->m.question_count && r != SIZE_MAX) {
        want_area *wa = &w->area[q * areas_per_question(a) + r];
        for (int f = 0; f < FIELDS; f++) {
            wa->v[f] = v[f];
        }
        wa->listed = 1;
    }
    return 1;
}

/* A rule or decision line of question WQ (NUL-terminated S). */
static void
parse_decision_line(want_question *wq, const char *s)
{
    unsigned long long needed, have, of;
    char name[16], met[16];

    if (sscanf(s, "rule: %15s %15s needed %llu have %llu of %llu", name, met, &needed, &have,
               &of) == 5) {
        for (int i = 0; i < 3; i++) {
            if (strcmp(name, rule_name[i]) == 0) {
                wq->rule[i] = strcmp(met, "met") == 0;
            }
        }
        if (strcmp(name, "regions") == 0) {
            wq->regions_have = have, wq->regions_of = of, wq->regions_known = 1;
        }
    } else if (strncmp(s, "valid: ", 7) == 0) {
        wq->valid = strcmp(s + 7, "yes") == 0;
    } else if (strncmp(s, "adopted: ", 9) == 0) {
        wq->adopted = strcmp(s + 9, "yes") == 0;
    }
}

/* One line of the statement (NUL-terminated S) into W, under question *Q
 * (SIZE_MAX until the first; a question the manifest lacks: its lines are T1's). */
static void
parse_result_line(const audit *a, wanted *w, size_t *q, int *in_question, const char *s)
{
    if (strncmp(s, "question: ", 10) == 0) {
        *q = question_index(a, s + 10, strlen(s + 10));
        *in_question = 1;
    } else if (!*in_question) {
        parse_header_line(w, s);
    } else if (!parse_area_line(a, w, *q, s) && *q < a->m.question_count) {
        parse_decision_line(&w->q[*q], s);
    }
}

/* For question Q without a regions rule, the regions with a majority as the
 * page counts them (every region, abroad too, with yes at least the
 * profile's majority of a base above 0), from result.txt's region lines. */
static void
count_regions(wanted *w, const audit *a, size_t q)
{
    want_question *wq = &w->q[q];
    const dauys_rules *rules = &a->m.question[q].rules;

    wq->regions_have = 0, wq->regions_of = a->m.region_count, wq->regions_known = 1;
    for (size_t r = 0; r < a->m.region_count; r++) {
        const want_area *wa = &w->area[q * areas_per_question(a) + r];
        dauys_counts k = {wa->v[0], wa->v[1], wa->v[2], wa->v[3], wa->v[4], wa->v[5]};
        wq->regions_known &= wa->listed;
        wq->regions_have +=
            dauys_audit_verdict_base(rules, &k) > 0 && dauys_audit_verdict_has_majority(rules, &k);
    }
}

/* Parses the signed statement RESULT (LEN bytes) into *W, with the re-tally's
 * districts (w->area allocated: dauys_free). -1 if memory ran out. */
static int
wanted_build(wanted *w, const audit *a, const char *result, size_t len)
{
    size_t q = SIZE_MAX, pos = 0;
    int in_question = 0;
    char line[1100];

    memset(w, 0, sizeof *w);
    w->area = dauys_malloc_array(a->m.question_count * areas_per_question(a), sizeof *w->area);
    if (w->area == NULL) {
        return -1;
    }
    memset(w->area, 0, a->m.question_count * areas_per_question(a) * sizeof *w->area);
    for (size_t i = 0; i < DAUYS_QUESTIONS_MAX; i++) {
        w->q[i].rule[0] = w->q[i].rule[1] = w->q[i].rule[2] = -1;
    }
    while (pos < len) {
        const char *nl = memchr(result + pos, '\n', len - pos);
        size_t n = nl ? (size_t) (nl - (result + pos)) : len - pos;
        snprintf(line, sizeof line, "%.*s", (int) (n < sizeof line ? n : sizeof line - 1),
                 result + pos);
        parse_result_line(a, w, &q, &in_question, line);
        pos += n + 1;
    }
    for (q = 0; q < a->m.question_count; q++) {
        if (w->q[q].rule[2] < 0) {
            count_regions(w, a, q);
        }
    }
    want_districts(w, a);
    return 0;
}

/* "12,495,720" (GROUPED) or "12495720" as a count; 0, or -1 if it is not one. */
static int
parse_count(uint64_t *out, const char *s, size_t len, int grouped)
{
    char digits[26];
    size_t n = 0;

    /* a comma before every third digit from the end, none first */
    if (len == 0 || len > sizeof digits || (grouped && len % 4 == 0)) {
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if (grouped && (len - i) % 4 == 0) {
            if (s[i] != ',') {
                return -1;
            }
        } else {
            digits[n++] = s[i];
        }
    }
    /* The limit this reader has always had: 2^64 - 7, the largest value
     * whose digits never pass (2^64 - 1 - 9) / 10 on the way. */
    return dauys_decimal_parse(out, digits, n, UINT64_MAX - 6);
}

/* PART of WHOLE as the pages show it: two decimals, half up, "-" of nothing. */
static void
percent_text(char *out, size_t size, uint64_t part, uint64_t whole)
{
    if (whole == 0) {
        snprintf(out, size, "-");
        return;
    }
    unsigned __int128 h =
        ((unsigned __int128) part * 20000 + whole) / ((unsigned __int128) whole * 2);
    snprintf(out, size, "%llu.%02llu%%", (unsigned long long) (h / 100),
             (unsigned long long) (h % 100));
}

/* 1 if SP is exactly S. */
static int
span_equals(audit_page_span sp, const char *s)
{
    return sp.at != NULL && sp.len == strlen(s) && memcmp(sp.at, s, sp.len) == 0;
}

/* Where WA's numbers come from, for messages. */
static const char *
source_of(const check_ctx *c, const shown_row *row)
{
    return row->area > c->a->m.region_count ? "the re-tally" : "result.txt";
}

/* The page's turnout, yes share and majority for a row whose counts are WA's. */
static void
check_shares(check_ctx *c, const shown_row *row, const want_area *wa, const char *area)
{
    const char *from = source_of(c, row);
    const dauys_rules *rules = &c->a->m.question[row->q].rules;
    const char *qid = c->a->m.question[row->q].id;
    dauys_counts k = {wa->v[0], wa->v[1], wa->v[2], wa->v[3], wa->v[4], wa->v[5]};
    uint64_t base = dauys_audit_verdict_base(rules, &k);
    const char *majority = dauys_audit_verdict_has_majority(rules, &k) ? "yes" : "no";
    char turnout[32], share[32];

    percent_text(turnout, sizeof turnout, k.took_part, k.eligible);
    percent_text(share, sizeof share, k.yes, base);
    dauys_audit_check(c->a, T3, span_equals(row->turnout, turnout), c->where,
                      "%s (question %s): turnout is \"%.*s\"; %s gives %s", area, qid,
                      (int) row->turnout.len, row->turnout.at ? row->turnout.at : "", from,
                      turnout);
    dauys_audit_check(c->a, T3, span_equals(row->share, share), c->where,
                      "%s (question %s): yes share is \"%.*s\"; %s gives %s", area, qid,
                      (int) row->share.len, row->share.at ? row->share.at : "", from, share);
    dauys_audit_check(c->a, T3, span_equals(row->majority, majority), c->where,
                      "%s (question %s): majority is \"%.*s\"; %s gives %s", area, qid,
                      (int) row->majority.len, row->majority.at ? row->majority.at : "", from,
                      majority);
}

/* A whole row shown for area row->area of question row->q, against the statement. */
static void
check_row(check_ctx *c, const shown_row *row, int html)
{
    want_area *wa = &c->w->area[row->q * areas_per_question(c->a) + row->area];
    const dauys_place *pl = area_place(c->a, row->area);
    const char *area = pl ? pl->id : "national", *qid = c->a->m.question[row->q].id;
    const char *const *names = html ? html_field : csv_field;
    int n = pl ? (int) pl->id_len : 8;

    snprintf(c->where, sizeof c->where, "reports/%s line %u", c->file, row->line);
    if (wa->seen) {
        dauys_audit_check(c->a, T3, 0, c->where, "%.*s (question %s) is shown a second time", n,
                          area, qid);
        return;
    }
    wa->seen = 1;
    if (wa->unknown ||
        !wa->listed) { /* an unreadable protocol (I3), or a line result.txt lacks (T1) */
        dauys_audit_unchecked(c->a, T3);
        return;
    }
    for (int f = 0; f < FIELDS; f++) {
        char want[32];
        if (html) {
            dauys_rules_group(want, sizeof want, wa->v[f]);
        } else {
            snprintf(want, sizeof want, "%llu", (unsigned long long) wa->v[f]);
        }
        dauys_audit_check(c->a, T3, (row->have >> f & 1) && row->v[f] == wa->v[f], c->where,
                          "%.*s (question %s): %s is \"%.*s\"; %s gives %s", n, area, qid, names[f],
                          (int) row->raw_len[f], row->raw[f] ? row->raw[f] : "", source_of(c, row),
                          want);
    }
    if (html) {
        char id[80];
        snprintf(id, sizeof id, "%.*s", n, area);
        check_shares(c, row, wa, id);
    }
}

/* Every area of every question a rendering must show and did not: the
 * regions and the nation, and with DISTRICTS the districts too. */
static void
check_all_shown(check_ctx *c, int districts)
{
    size_t shown = districts ? areas_per_question(c->a) : c->a->m.region_count + 1;

    for (size_t q = 0; q < c->a->m.question_count; q++) {
        for (size_t r = 0; r < shown; r++) {
            want_area *wa = &c->w->area[q * areas_per_question(c->a) + r];
            const dauys_place *pl = area_place(c->a, r);
            snprintf(c->where, sizeof c->where, "reports/%s", c->file);
            dauys_audit_check(c->a, T3, wa->seen, c->where, "does not show %.*s (question %s)",
                              pl ? (int) pl->id_len : 8, pl ? pl->id : "national",
                              c->a->m.question[q].id);
        }
    }
}

/* --- reports/report.html ---------------------------------------------------- */

/* What a page showed: the banner's fields, and per question its decision. */
enum {
    SHOWN_VALID = 1,
    SHOWN_ADOPTED = 2,
    SHOWN_RULE = 4,
    SHOWN_REGIONS = 32,
    SHOWN_WITH_MAJORITY = 64
};

typedef struct page_ctx {
    check_ctx c;
    unsigned header_shown;
    unsigned question_shown[DAUYS_QUESTIONS_MAX];
} page_ctx;

/* The data-fields of an area's row: the counts, then these. */
static const char *const share_field[] = {"turnout", "yes-share", "majority"};

/* T3 fails at IT: it is marked where dauys writes no such mark. */
static void
unexpected(check_ctx *c, const audit_page_item *it)
{
    dauys_audit_check(
        c->a, T3, 0, c->where, "an unexpected data-%s \"%.*s\" here (dauys writes none)",
        it->kind == AUDIT_PAGE_RULE ? "rule" : "field", (int) it->field.len, it->field.at);
}

/* T3 fails at IT: WHAT is shown a second time. */
static void
shown_twice(check_ctx *c, const audit_page_item *it)
{
    dauys_audit_check(c->a, T3, 0, c->where, "%.*s is shown a second time", (int) it->field.len,
                      it->field.at);
}

/* The index of FIELD among the row's data-fields (counts, then shares), or -1. */
static int
row_field_index(audit_page_span field)
{
    for (int f = 0; f < FIELDS + 3; f++) {
        if (span_equals(field, f < FIELDS ? html_field[f] : share_field[f - FIELDS])) {
            return f;
        }
    }
    return -1;
}

/* Opens the row IT belongs to, unless it is the one open. */
static void
row_open(check_ctx *c, const audit_page_item *it)
{
    shown_row *row = &c->row;
    size_t q = question_index(c->a, it->question.at, it->question.len);
    size_t area = area_index(c->a, NULL, it->area.at, it->area.len);

    if (c->in_row && row->q == q && row->area == area) {
        return;
    }
    memset(row, 0, sizeof *row);
    row->q = q, row->area = area;
    c->in_row = 1;
}

/* One cell of an area's row. */
static void
row_field(check_ctx *c, const audit_page_item *it)
{
    shown_row *row = &c->row;
    int f = row_field_index(it->field);

    row_open(c, it);
    if (f < 0) {
        unexpected(c, it);
    } else if (row->shown >> f & 1) {
        shown_twice(c, it);
    } else if (f < FIELDS) {
        row->shown |= 1u << f;
        row->raw[f] = it->value.at, row->raw_len[f] = it->value.len;
        row->have |= (unsigned) (parse_count(&row->v[f], it->value.at, it->value.len, 1) == 0) << f;
    } else {
        row->shown |= 1u << f;
        *(f == FIELDS ? &row->turnout : f == FIELDS + 1 ? &row->share : &row->majority) = it->value;
    }
}

/* The end of an area's row: the whole row against the statement. */
static void
row_end(check_ctx *c, const audit_page_item *it)
{
    shown_row *row = &c->row;

    row_open(c, it); /* a row without a cell opens here */
    row->line = it->line;
    c->in_row = 0;
    if (row->q == SIZE_MAX) {
        dauys_audit_check(c->a, T3, 0, c->where,
                          "a row of question \"%.*s\", which the manifest does not have",
                          (int) it->question.len, it->question.at);
    } else if (row->area == SIZE_MAX) {
        dauys_audit_check(c->a, T3, 0, c->where,
                          "a row for \"%.*s\" (question %s), which is not a region of "
                          "the manifest",
                          (int) it->area.len, it->area.at, c->a->m.question[row->q].id);
    } else {
        check_row(c, row, 1);
    }
}

/* A count or root the banner shows for the whole result (the checkpoint's are A1's). */
static void
header_field(page_ctx *p, const audit_page_item *it)
{
    static const char *const names[] = {"log-size", "log-root", "precincts-reporting",
                                        "precincts-expected"};
    check_ctx *c = &p->c;
    char want_text[64];
    uint64_t v = 0;
    unsigned i = 0;

    while (i < 4 && !span_equals(it->field, names[i])) {
        i++;
    }
    if (i == 4) {
        if (!span_equals(it->field, "checkpoint-size") &&
            !span_equals(it->field, "checkpoint-root")) {
            unexpected(c, it);
        }
        return;
    }
    if (p->header_shown >> i & 1) {
        shown_twice(c, it);
        return;
    }
    p->header_shown |= 1u << i;
    uint64_t want = i == 0 ? c->w->log_size : i == 2 ? c->w->reporting : c->w->expected;
    int ok = i == 1 ? span_equals(it->value, c->w->log_root)
                    : parse_count(&v, it->value.at, it->value.len, 1) == 0 && v == want;
    if (i == 1) {
        snprintf(want_text, sizeof want_text, "%s", c->w->log_root);
    } else {
        dauys_rules_group(want_text, sizeof want_text, want);
    }
    dauys_audit_check(c->a, T3, ok, c->where, "%s is \"%.*s\"; result.txt gives %s", names[i],
                      (int) it->value.len, it->value.at, want_text);
}

/* What IT (in question Q's decision or section) shows, as BIT of
 * SHOWN_*, and what result.txt gives in WANT; 0 if it is no such thing. */
static unsigned
question_mark(const check_ctx *c, const audit_page_item *it, size_t q, char want[40])
{
    const want_question *wq = &c->w->q[q];

    if (it->context == AUDIT_PAGE_DECISION && it->kind == AUDIT_PAGE_RULE) {
        for (int i = 0; i < 3; i++) {
            if (span_equals(it->field, rule_name[i]) && wq->rule[i] >= 0) {
                snprintf(want, 40, "%d", wq->rule[i]);
                return SHOWN_RULE << i;
            }
        }
    } else if (it->context == AUDIT_PAGE_DECISION &&
               (span_equals(it->field, "valid") || span_equals(it->field, "adopted"))) {
        int v = it->field.at[0] == 'v';
        snprintf(want, 40, "%s%s", (v ? wq->valid : wq->adopted) ? "" : "NOT ",
                 v ? "VALID" : "ADOPTED");
        return v ? SHOWN_VALID : SHOWN_ADOPTED;
    } else if (it->context == AUDIT_PAGE_SECTION && it->kind == AUDIT_PAGE_FIELD &&
               (span_equals(it->field, "regions") ||
                span_equals(it->field, "regions-with-majority"))) {
        int all = it->field.len == 7;
        dauys_rules_group(want, 40, all ? wq->regions_of : wq->regions_have);
        return all ? SHOWN_REGIONS : SHOWN_WITH_MAJORITY;
    }
    return 0;
}

/* A question's decision, rule or regional count as the page shows it. */
static void
question_item(page_ctx *p, const audit_page_item *it)
{
    check_ctx *c = &p->c;
    size_t q = question_index(c->a, it->question.at, it->question.len);
    char want[40];
    unsigned bit;

    if (q == SIZE_MAX) {
        dauys_audit_check(c->a, T3, 0, c->where,
                          "shows question \"%.*s\", which the manifest does not have",
                          (int) it->question.len, it->question.at);
    } else if ((bit = question_mark(c, it, q, want)) == 0) {
        unexpected(c, it);
    } else if (p->question_shown[q] & bit) {
        shown_twice(c, it);
    } else if ((p->question_shown[q] |= bit, bit >= SHOWN_REGIONS) && !c->w->q[q].regions_known) {
        dauys_audit_unchecked(c->a, T3); /* result.txt lacks a region's line: T1 reports it */
    } else {
        dauys_audit_check(c->a, T3, span_equals(it->value, want), c->where,
                          "question %s: %s%.*s is \"%.*s\"; result.txt gives %s",
                          c->a->m.question[q].id, it->kind == AUDIT_PAGE_RULE ? "rule " : "",
                          (int) it->field.len, it->field.at, (int) it->value.len, it->value.at,
                          want);
    }
}

/* page.h's callback: each marked item to its check. */
static int
on_page_item(const audit_page_item *it, void *ctx)
{
    page_ctx *p = ctx;

    snprintf(p->c.where, sizeof p->c.where, "reports/report.html line %u", it->line);
    switch (it->context) {
    case AUDIT_PAGE_OTHER_TABLE: /* the forensics and the refusals: not the result */ break;
    case AUDIT_PAGE_AREA_ROW:
        if (it->kind == AUDIT_PAGE_ROW_END) {
            row_end(&p->c, it);
        } else if (it->kind == AUDIT_PAGE_FIELD) {
            row_field(&p->c, it);
        } else {
            unexpected(&p->c, it);
        }
        break;
    case AUDIT_PAGE_BANNER:
        if (it->kind == AUDIT_PAGE_FIELD) {
            header_field(p, it);
        } else {
            unexpected(&p->c, it);
        }
        break;
    default: question_item(p, it);
    }
    return p->c.a->oom;
}

/* What the page must show and did not: the banner's fields, each question's
 * decision, every rule result.txt has, and the regional counts. */
static void
check_page_complete(page_ctx *p)
{
    static const char *const header[] = {"the log size", "the log root", "the precincts reporting",
                                         "the precincts expected"};
    static const char *const part[] = {
        "valid",        "adopted", "rule quorum",          "rule majority",
        "rule regions", "regions", "regions-with-majority"};
    audit *a = p->c.a;

    snprintf(p->c.where, sizeof p->c.where, "reports/report.html");
    for (unsigned i = 0; i < 4; i++) {
        dauys_audit_check(a, T3, p->header_shown >> i & 1, p->c.where, "does not show %s",
                          header[i]);
    }
    for (size_t q = 0; q < a->m.question_count; q++) {
        const want_question *wq = &p->c.w->q[q];
        unsigned need = SHOWN_VALID | SHOWN_ADOPTED | SHOWN_REGIONS | SHOWN_WITH_MAJORITY;
        for (int i = 0; i < 3; i++) {
            need |= wq->rule[i] >= 0 ? SHOWN_RULE << i : 0;
        }
        for (unsigned k = 0; k < 7; k++) {
            dauys_audit_check(a, T3, !(need >> k & 1) || (p->question_shown[q] >> k & 1),
                              p->c.where, "does not show question %s's %s", a->m.question[q].id,
                              part[k]);
        }
    }
    check_all_shown(&p->c, 0);
}

/* T3 for reports/report.html (TEXT, LEN bytes). */
static void
check_html(audit *a, wanted *w, const char *text, size_t len)
{
    page_ctx p = {.c = {.a = a, .w = w, .file = "report.html"}};
    unsigned line = 0;
    dauys_error err;

    if (dauys_audit_page_scan(text, len, on_page_item, &p, &line, &err) != 0) {
        snprintf(p.c.where, sizeof p.c.where, "reports/report.html line %u", line);
        dauys_audit_check(a, T3, 0, p.c.where, "%s", err.message);
        return;
    }
    check_page_complete(&p);
}

/* --- reports/tally.csv ------------------------------------------------------ */

/* The columns the CSV must have, by header name; -1 (T3 failed) if one is missing. */
static int
csv_columns(check_ctx *c, const dauys_csv *csv, int col[FIELDS + 3])
{
    static const char *const fixed[] = {"level", "question", "id"};

    for (int i = 0; i < FIELDS + 3; i++) {
        const char *name = i < 3 ? fixed[i] : csv_field[i - 3];
        int twice = 0;
        col[i] = dauys_csv_column(csv, name);
        for (size_t k = (size_t) col[i] + 1; col[i] >= 0 && k < csv->count; k++) {
            twice |= strcmp(csv->field[k], name) == 0; /* readers differ on which one counts */
        }
        if (col[i] < 0 || twice) {
            dauys_audit_check(c->a, T3, 0, "reports/tally.csv line 1",
                              "the header has %s column %s", twice ? "more than one" : "no", name);
            return -1;
        }
    }
    return 0;
}

/* One data record of the CSV, as a row, against result.txt or the re-tally. */
static void
csv_record(check_ctx *c, const dauys_csv *csv, const int col[FIELDS + 3])
{
    shown_row *row = &c->row;
    const char *id = (size_t) col[2] < csv->count ? csv->field[col[2]] : "";
    const char *qid = (size_t) col[1] < csv->count ? csv->field[col[1]] : "";
    const char *level = (size_t) col[0] < csv->count ? csv->field[col[0]] : "";

    memset(row, 0, sizeof *row);
    row->line = csv->line;
    row->q = question_index(c->a, qid, strlen(qid));
    row->area = area_index(c->a, level, id, strlen(id));
    for (int f = 0; f < FIELDS; f++) {
        if ((size_t) col[f + 3] < csv->count) {
            const char *s = csv->field[col[f + 3]];
            row->raw[f] = s, row->raw_len[f] = strlen(s);
            row->have |= (unsigned) (parse_count(&row->v[f], s, strlen(s), 0) == 0) << f;
        }
    }
    if (row->q == SIZE_MAX || row->area == SIZE_MAX) {
        snprintf(c->where, sizeof c->where, "reports/tally.csv line %u", csv->line);
        dauys_audit_check(c->a, T3, 0, c->where,
                          "a row for %s \"%s\" (question \"%s\"), which the manifest "
                          "does not have",
                          level, id, qid);
        return;
    }
    check_row(c, row, 0);
}

/* T3 for reports/tally.csv (TEXT, LEN bytes): the header, then every row. */
static void
check_csv(audit *a, wanted *w, const char *text, size_t len)
{
    check_ctx c = {.a = a, .w = w, .file = "tally.csv"};
    int col[FIELDS + 3], rc;
    dauys_csv csv;
    dauys_error err;

    dauys_csv_init(&csv, text, len, "reports/tally.csv");
    if ((rc = dauys_csv_next(&csv, &err)) > 0 && csv_columns(&c, &csv, col) == 0) {
        while ((rc = dauys_csv_next(&csv, &err)) > 0 && !a->oom) {
            csv_record(&c, &csv, col);
        }
        if (rc == 0) {
            check_all_shown(&c, 1);
        }
    }
    if (rc < 0) {
        /* the reader's "NAME:LINE:BYTE: what" as "NAME line LINE: what (byte BYTE)" */
        unsigned line = 0;
        size_t byte = 0;
        int at = 0;
        a->oom |= err.status == DAUYS_E_NOMEM;
        if (sscanf(err.message, "reports/tally.csv:%u:%zu: %n", &line, &byte, &at) == 2 && at > 0) {
            snprintf(c.where, sizeof c.where, "reports/tally.csv line %u", line);
            dauys_audit_check(a, T3, 0, c.where, "%s (byte %zu)", err.message + at, byte);
        } else {
            dauys_audit_check(a, T3, 0, "reports/tally.csv", "%s", err.message);
        }
    } else if (csv.line == 0) {
        dauys_audit_check(a, T3, 0, "reports/tally.csv", "is empty");
    }
    dauys_csv_free(&csv);
}

/* --- both ------------------------------------------------------------------- */

/* The bytes of PLACES' ids, kinds and names. */
static uint64_t
place_bytes(const dauys_place *places, size_t count)
{
    uint64_t n = 0;

    for (size_t i = 0; i < count; i++) {
        n += (uint64_t) places[i].id_len + places[i].kind_len + places[i].name_len;
    }
    return n;
}

/* The most bytes of the summary protocols' section for M: 0 without commissions. */
static uint64_t
summary_section_max(const dauys_manifest *m)
{
    uint64_t n = 0;
    int any = 0;

    for (int level = 0; level < 2; level++) {
        const dauys_place *p = level == 0 ? m->district : m->region;
        size_t count = level == 0 ? m->district_count : m->region_count;
        for (size_t i = 0; i < count; i++) {
            if (p[i].has_commission) {
                any = 1;
                n += REPORT_SUMMARY_AREA_MAX +
                     REPORT_NAME_COPIES * ((uint64_t) p[i].id_len + p[i].name_len);
            }
        }
    }
    return any ? n + REPORT_SUMMARY_FIXED_MAX +
                     REPORT_SUMMARY_ITEM_MAX * ((uint64_t) m->precinct_count + m->district_count)
               : 0;
}

/*
 * The most bytes a rendering dauys writes for the manifest in force can
 * take (tally/html.c, the CSV writer): a constant part, then per question a
 * part per area and each name's copies. Sized from the manifest, so that no
 * genuine page passes it however long its lawful names, and a hostile one
 * is still not read without end. At most SIZE_MAX - 1.
 */
static size_t
report_max(const audit *a)
{
    const dauys_manifest *m = &a->m;
    uint64_t areas = 1 + (uint64_t) m->region_count + m->district_count;
    uint64_t names = place_bytes(m->region, m->region_count) +
                     place_bytes(m->district, m->district_count) + sizeof m->title;
    uint64_t texts = 0, max;

    for (size_t i = 0; i < m->question_count; i++) {
        texts += m->question[i].text_len;
    }
    /* No overflow: a manifest is at most DAUYS_MANIFEST_FILE_MAX (2^29) bytes,
     * so areas and names are below 2^29, and there are at most 16 questions. */
    max = REPORT_FIXED_MAX + REPORT_NAME_COPIES * texts +
          (uint64_t) m->question_count * (areas * REPORT_AREA_MAX + REPORT_NAME_COPIES * names) +
          summary_section_max(m);
    return max < (uint64_t) SIZE_MAX ? (size_t) max : SIZE_MAX - 1;
}

typedef void (*report_checker)(audit *a, wanted *w, const char *text, size_t len);

/* Reads reports/NAME, if the bundle has it, and hands it to CHECK; if it
 * does not, notes ABSENT_BIT in the summary (which says so). */
static void
check_file(audit *a, wanted *w, const char *name, unsigned absent_bit, report_checker check)
{
    char rel[64], *text;
    size_t len;
    dauys_status st;
    int kind;

    snprintf(rel, sizeof rel, "reports/%s", name);
    if ((kind = dauys_audit_source_kind(a->src, rel)) != 1) {
        a->sum->reports_absent |= kind == 0 ? absent_bit : 0; /* not a plain file: I4's */
        return;
    }
    size_t max = report_max(a);
    if ((st = dauys_audit_source_read(&text, &len, a->src, rel, max)) != DAUYS_OK) {
        a->oom |= st == DAUYS_E_NOMEM;
        if (st == DAUYS_E_TOO_LARGE) {
            dauys_audit_check(a, T3, 0, rel,
                              "is over %zu bytes, more than dauys writes for this "
                              "manifest",
                              max);
        } else {
            dauys_audit_check(a, T3, 0, rel, "cannot be read");
        }
        return;
    }
    for (size_t i = 0; i < a->m.question_count * areas_per_question(a); i++) {
        w->area[i].seen = 0; /* what another rendering showed */
    }
    check(a, w, text, len);
    dauys_free(text);
}

void
dauys_audit_reports_check(audit *a, const char *result, size_t len)
{
    wanted w;

    if (wanted_build(&w, a, result, len) != 0) {
        a->oom = 1;
        return;
    }
    check_file(a, &w, "report.html", 1, check_html);
    check_file(a, &w, "tally.csv", 2, check_csv);
    dauys_free(w.area);
}
