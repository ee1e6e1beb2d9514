/*
 * crosscheck.c: X1, the audit's own crosscheck of the summary protocols
 * (docs/FORMATS.md 16.1 and 19.2), by its own route: from what the log made
 * current (outcome.c follows the logged outcomes per precinct and per area)
 * and the bundle's files, read again here, never from the tally's code.
 *
 * For each area with a commission in the manifest in force (districts, then
 * regions, in manifest order) its current summary S is set against what was
 * counted below it: for each precinct of a district (district of a region)
 * the version of its current protocol (summary); an item is off when the
 * version S lists is not the one counted, or when S leaves out one that is
 * counted; each field of S is compared with the sum, over S's listed items
 * that have a counted version, of the counted numbers. The lines go into the
 * audit's statement (check X1), which statement.c compares with result.txt.
 * An area whose summary or counted numbers cannot be read (I3) is unknown:
 * its lines are not compared.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "audit/audit_internal.h"

/* citizens_on_list, the ballots and the answers of every question */
#define XC_FIELDS (1 + 8 * DAUYS_QUESTIONS_MAX)

typedef struct xc_counts {
    uint64_t v[XC_FIELDS];
} xc_counts;

/* How many count fields a protocol (summary) of M has, in file order. */
static size_t
field_count(const dauys_manifest *m)
{
    return m->ballot == DAUYS_BALLOT_SEPARATE ? 1 + 8 * m->question_count
                                              : 5 + 4 * m->question_count;
}

/* Adds the counts ON_LIST, B (single ballots) and ANS of M's questions to
 * SUM, in file order (FORMATS.md 9). */
static void
counts_add(xc_counts *sum, const dauys_manifest *m, uint64_t on_list, const dauys_ballots *b,
           const dauys_answers *ans)
{
    int separate = m->ballot == DAUYS_BALLOT_SEPARATE;
    size_t k = 0;

    sum->v[k++] += on_list;
    for (size_t q = 0; q <= m->question_count; q++) {
        const dauys_ballots *bb = q == 0 ? b : &ans[q - 1].ballots;
        if ((q == 0) != separate) {
            sum->v[k++] += bb->received;
            sum->v[k++] += bb->issued;
            sum->v[k++] += bb->cancelled;
            sum->v[k++] += bb->in_boxes;
        }
        if (q > 0) {
            sum->v[k++] += ans[q - 1].yes;
            sum->v[k++] += ans[q - 1].no;
            sum->v[k++] += ans[q - 1].not_counted;
            sum->v[k++] += ans[q - 1].invalid;
        }
    }
}

/* The name of field K of M's protocols (summaries) into OUT: the key of its line. */
static void
field_name(char *out, size_t size, const dauys_manifest *m, size_t k)
{
    static const char *const ballots[] = {"ballots_received", "ballots_issued", "ballots_cancelled",
                                          "ballots_in_boxes"};
    static const char *const answers[] = {"yes", "no", "not_counted", "invalid"};
    size_t per = m->ballot == DAUYS_BALLOT_SEPARATE ? 8 : 4;

    if (k == 0) {
        snprintf(out, size, "citizens_on_list");
    } else if (per == 4 && k < 5) {
        snprintf(out, size, "%s", ballots[k - 1]);
    } else {
        size_t r = per == 4 ? k - 5 : k - 1, q = r / per, j = r % per;
        snprintf(out, size, "%s_%s", m->question[q].id,
                 per == 8 && j < 4 ? ballots[j] : answers[per == 8 ? j - 4 : j]);
    }
}

/* Byte order of two ids (as the `sums:` lines are ordered). */
static int
id_compare(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);

    return c != 0 ? c : (an > bn) - (an < bn);
}

/* A child of an area (a precinct of a district, a district of a region),
 * sorted by its area, then by id. */
typedef struct xc_child {
    const char *id;
    uint32_t id_len, area, index;
} xc_child;

static int
child_order(const void *x, const void *y)
{
    const xc_child *a = x, *b = y;

    if (a->area != b->area) {
        return a->area < b->area ? -1 : 1;
    }
    return id_compare(a->id, a->id_len, b->id, b->id_len);
}

/* The children of every area in one array (COUNT of them), sorted; FIRST[A]
 * (AREAS + 1 entries) where area A's begin. 0, or -1 out of memory. */
static int
children_sort(xc_child **out, size_t **first, size_t count, size_t areas)
{
    qsort(*out, count, sizeof **out, child_order);
    if ((*first = dauys_malloc_array(areas + 1, sizeof **first)) == NULL) {
        return -1;
    }
    for (size_t k = 0, i = 0; k <= areas; k++) {
        while (i < count && (*out)[i].area < k) {
            i++;
        }
        (*first)[k] = i;
    }
    return 0;
}

/* What one area's comparison found. */
typedef struct xc_area {
    const dauys_summary *s;
    xc_counts counted;
    int unknown; /* a number it needs could not be read */
    char *items; /* its crosscheck-item lines, LF-separated */
    size_t items_len, items_cap;
} xc_area;

/* Notes an off item: ID listed LISTED, counted COUNTED (0: "-"). */
static void
off_item(audit *a, xc_area *x, const char *id, size_t id_len, uint32_t listed, uint32_t counted)
{
    char one[160], l[16] = "-", c[16] = "-";
    int n;

    if (listed) {
        snprintf(l, sizeof l, "%u", listed);
    }
    if (counted) {
        snprintf(c, sizeof c, "%u", counted);
    }
    n = snprintf(one, sizeof one, "crosscheck-item: %.*s listed %s counted %s\n", (int) id_len, id,
                 l, c);
    if (x->items_len + (size_t) n + 1 > x->items_cap) {
        size_t cap = 2 * (x->items_len + (size_t) n) + 256;
        char *grown = dauys_realloc(x->items, cap);
        if (grown == NULL) {
            a->oom = 1;
            return;
        }
        x->items = grown;
        x->items_cap = cap;
    }
    memcpy(x->items + x->items_len, one, (size_t) n + 1);
    x->items_len += (size_t) n;
}

/* The counted version of a child whose state is ST (a precinct's protocol,
 * or a district's summary); 0 when none counts. */
static uint32_t
counted_version(const precinct_state *st)
{
    return st->current ? st->latest : 0;
}

/* Adds the counted numbers of precinct PI to X. */
static void
add_precinct(audit *a, xc_area *x, uint32_t pi)
{
    const precinct_state *st = &a->ps[pi];
    dauys_protocol p;

    if (!st->known || dauys_audit_protocol_reread(a, st->entry, &p) != 0) {
        x->unknown = 1;
        return;
    }
    counts_add(&x->counted, &a->m, p.on_list, &p.ballots, p.answer);
}

/* Adds the counted numbers of district D's current summary to X. */
static void
add_district(audit *a, xc_area *x, uint32_t d)
{
    const precinct_state *st = &a->dsum[d];
    dauys_summary s;

    memset(&s, 0, sizeof s);
    if (!st->known || dauys_audit_summary_reread(a, st->entry, &s) != 0) {
        x->unknown = 1;
    } else {
        counts_add(&x->counted, &a->m, s.on_list, &s.ballots, s.answer);
    }
    dauys_summary_free(&s);
}

/*
 * Walks the area's children (CHILDREN: COUNT indexes, in id order) beside
 * S's items (in id order too): the off items, and the counted sums over the
 * listed items that have a counted version. REGION: the children are
 * districts, else precincts.
 */
static void
compare_items(audit *a, xc_area *x, const xc_child *children, size_t count, int region)
{
    const dauys_summary *s = x->s;
    size_t i = 0;

    for (size_t c = 0; c < count; c++) {
        uint32_t k = children[c].index, listed = 0, counted;
        const char *id = children[c].id;
        size_t id_len = children[c].id_len;
        /* the parser keeps only children of the area: an item not met here is none */
        while (i < s->item_count &&
               id_compare(s->item[i].id, strlen(s->item[i].id), id, id_len) < 0) {
            i++;
        }
        if (i < s->item_count &&
            id_compare(s->item[i].id, strlen(s->item[i].id), id, id_len) == 0) {
            listed = s->item[i++].version;
        }
        counted = counted_version(region ? &a->dsum[k] : &a->ps[k]);
        if (listed != counted) {
            off_item(a, x, id, id_len, listed, counted);
        }
        if (listed && counted) {
            if (region) {
                add_district(a, x, k);
            } else {
                add_precinct(a, x, k);
            }
        }
    }
}

/* The lines of one area (LEVEL, PLACE) whose summaries' state is ST; its
 * children are CHILDREN (COUNT, in id order). */
static void
area_lines(audit *a, const char *level, const dauys_place *place, const precinct_state *st,
           const xc_child *children, size_t count, int region)
{
    xc_area x;
    dauys_summary s;
    xc_counts mine;
    size_t fields = field_count(&a->m), diff = 0;
    char name[DAUYS_QUESTION_ID_MAX + 32];
    int id_len = (int) place->id_len;

    memset(&s, 0, sizeof s);
    dauys_audit_crosscheck *cc = &a->sum->crosscheck;
    cc->areas++;
    if (!st->current) {
        cc->none++;
        dauys_audit_statement_line(a, X1, 0, "crosscheck: %s %.*s none", level, id_len, place->id);
        return;
    }
    if (!st->known || dauys_audit_summary_reread(a, st->entry, &s) != 0) {
        cc->unknown++;
        dauys_summary_free(&s);
        dauys_audit_statement_line(a, X1, 1, "crosscheck: %s %.*s version %u", level, id_len,
                                   place->id, st->latest);
        return;
    }
    memset(&x, 0, sizeof x);
    memset(&mine, 0, sizeof mine);
    x.s = &s;
    counts_add(&mine, &a->m, s.on_list, &s.ballots, s.answer);
    compare_items(a, &x, children, count, region);
    for (size_t k = 0; k < fields; k++) {
        diff += mine.v[k] != x.counted.v[k];
    }
    if (x.unknown) {
        cc->unknown++;
    } else if (diff == 0 && x.items_len == 0) {
        cc->agree++;
    } else {
        if (cc->named < DAUYS_AUDIT_DIFFER_NAMED) {
            snprintf(cc->name[cc->named++], sizeof cc->name[0], "%s %.*s", level, id_len,
                     place->id);
        }
        cc->differ++;
    }
    dauys_audit_statement_line(a, X1, x.unknown, "crosscheck: %s %.*s version %u items %zu %s",
                               level, id_len, place->id, s.version, s.item_count,
                               diff == 0 && x.items_len == 0 ? "agrees" : "differs");
    for (size_t k = 0; k < fields; k++) {
        if (mine.v[k] != x.counted.v[k]) {
            field_name(name, sizeof name, &a->m, k);
            dauys_audit_statement_line(
                a, X1, x.unknown, "crosscheck-field: %s summary %llu counted %llu", name,
                (unsigned long long) mine.v[k], (unsigned long long) x.counted.v[k]);
        }
    }
    for (size_t at = 0; at < x.items_len;) {
        size_t n = strcspn(x.items + at, "\n");
        dauys_audit_statement_line(a, X1, x.unknown, "%.*s", (int) n, x.items + at);
        at += n + 1;
    }
    dauys_free(x.items);
    dauys_summary_free(&s);
}

void
dauys_audit_crosscheck_lines(audit *a)
{
    const dauys_manifest *m = &a->m;
    xc_child *precincts = NULL, *districts = NULL;
    size_t *first = NULL, *dfirst = NULL;
    int any = 0;

    for (size_t i = 0; i < m->district_count + m->region_count; i++) {
        any |= i < m->district_count ? m->district[i].has_commission
                                     : m->region[i - m->district_count].has_commission;
    }
    if (!any) {
        return; /* no commissions: no lines, the statement as before issue 19 */
    }
    precincts = dauys_malloc_array(m->precinct_count + 1, sizeof *precincts);
    districts = dauys_malloc_array(m->district_count + 1, sizeof *districts);
    if (precincts == NULL || districts == NULL) {
        a->oom = 1;
        goto done;
    }
    for (uint32_t i = 0; i < m->precinct_count; i++) {
        const dauys_precinct *p = &m->precinct[i];
        precincts[i] = (xc_child){p->id, p->id_len, p->district, i};
    }
    for (uint32_t i = 0; i < m->district_count; i++) {
        const dauys_place *d = &m->district[i];
        districts[i] = (xc_child){d->id, d->id_len, d->region, i};
    }
    if (children_sort(&precincts, &first, m->precinct_count, m->district_count) != 0 ||
        children_sort(&districts, &dfirst, m->district_count, m->region_count) != 0) {
        a->oom = 1;
        goto done;
    }
    for (size_t d = 0; d < m->district_count && !a->oom; d++) {
        if (m->district[d].has_commission) {
            area_lines(a, "district", &m->district[d], &a->dsum[d], precincts + first[d],
                       first[d + 1] - first[d], 0);
        }
    }
    for (size_t r = 0; r < m->region_count && !a->oom; r++) {
        if (m->region[r].has_commission) {
            area_lines(a, "region", &m->region[r], &a->rsum[r], districts + dfirst[r],
                       dfirst[r + 1] - dfirst[r], 1);
        }
    }
done:
    dauys_free(precincts);
    dauys_free(districts);
    dauys_free(first);
    dauys_free(dfirst);
}
