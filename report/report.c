/*
 * report.c: the tally for people and programs: an aligned text table, JSON
 * and CSV. Percentages are for display and computed in integers; every
 * decision comes from referendum/rules.c. Writes only to the FILE given.
 */
#include <string.h>

#include "report/report.h"
#include "core/textout.h"

static void
text_row(FILE *fp, const dauys_area *a, const dauys_rules *rules)
{
    char e[32], t[32], y[32], tp[16], yp[16];

    dauys_rules_group(e, sizeof e, a->counts.eligible);
    dauys_rules_group(t, sizeof t, a->counts.took_part);
    dauys_rules_group(y, sizeof y, a->counts.yes);
    dauys_out_percent(tp, sizeof tp, a->counts.took_part, a->counts.eligible);
    /* yes as a share of what the profile's majority is taken of */
    uint64_t base = dauys_rules_yes_base(rules, &a->counts);
    dauys_out_percent(yp, sizeof yp, a->counts.yes, base);
    dauys_out_column(fp, a->id, a->id_len, 10);
    dauys_out_column(fp, a->name, a->name_len, 26);
    fprintf(fp, "%6llu/%-6llu %13s %13s %8s %13s %8s %s\n", (unsigned long long) a->reporting,
            (unsigned long long) a->expected, e, t, tp, y, yp,
            a->counts.yes >= dauys_rules_majority_needed(rules, base) ? "yes" : "no");
}

static void
text_question(FILE *fp, const dauys_tally *t, const dauys_question_tally *q)
{
    const dauys_verdict *v = &q->verdict;

    fprintf(fp, "\nquestion %s (%s): %.*s\n", q->question->id, q->question->profile,
            (int) q->question->text_len, q->question->text);
    fprintf(fp, "%-10s %-26s %13s %13s %13s %8s %13s %8s %s\n", "area", "name", "precincts",
            "eligible", "took part", "turnout", "yes", "yes", "majority");
    for (size_t i = 0; i < t->manifest->region_count; i++) {
        text_row(fp, &q->region[i], &q->question->rules);
    }
    text_row(fp, &q->nation, &q->question->rules);
    for (size_t i = 0; i < v->rule_count; i++) {
        static const char *const names[] = {"quorum", "majority", "regions"};
        fprintf(fp, "  %-8s %s [%s]\n", names[v->rule[i].id], v->rule[i].text, v->rule[i].clause);
    }
    fprintf(fp, "  decision: %s, %s%s\n", v->valid ? "VALID" : "NOT VALID",
            v->adopted ? "ADOPTED" : "NOT ADOPTED", t->final ? "" : " (provisional)");
}

/* An item's versions in words, for people. */
static void
text_item(FILE *fp, const dauys_crosscheck_item *e, dauys_level level)
{
    const char *problem = dauys_crosscheck_item_problem(e);
    const char *below = level == DAUYS_LEVEL_DISTRICT ? "protocol" : "summary";

    fprintf(fp, "    item %s: ", e->id);
    if (e->listed == 0) {
        fprintf(fp, "not listed, its %s version %u counts (omitted)\n", below, e->counted);
    } else if (e->counted == 0) {
        fprintf(fp, "listed version %u, no %s of it counts (missing)\n", e->listed, below);
    } else {
        fprintf(fp, "listed version %u, version %u counts (%s)\n", e->listed, e->counted,
                strcmp(problem, "superseded") == 0 ? "superseded since"
                                                   : "the listed version does not count");
    }
}

/* One area of the crosscheck: its state, and what differs. */
static void
text_crosscheck_area(FILE *fp, const dauys_crosscheck *cc, const dauys_crosscheck_area *a)
{
    char name[DAUYS_CROSSCHECK_FIELD_NAME_MAX + 1], sv[32], cv[32];
    size_t shown = 0;

    fprintf(fp, "  %-8s ", a->level == DAUYS_LEVEL_REGION ? "region" : "district");
    dauys_out_column(fp, a->place->id, a->place->id_len, 10);
    dauys_out_column(fp, a->place->name, a->place->name_len, 26);
    if (a->state == DAUYS_CROSSCHECK_NONE) {
        fprintf(fp, "none: no current summary\n");
        return;
    }
    fprintf(fp, "version %u, %zu items: %s\n", a->version, a->item_count,
            a->state == DAUYS_CROSSCHECK_AGREES ? "agrees" : "DIFFERS");
    for (size_t k = 0; k < a->field_count; k++) {
        const dauys_crosscheck_field *f = &a->field[k];
        dauys_crosscheck_field_name(name, cc->manifest, f->index);
        dauys_rules_group(sv, sizeof sv, f->summary);
        dauys_rules_group(cv, sizeof cv, f->counted);
        fprintf(fp, "    %s: summary %s, counted %s (%s%llu)\n", name, sv, cv,
                f->summary > f->counted ? "+" : "-",
                (unsigned long long) (f->summary > f->counted ? f->summary - f->counted
                                                              : f->counted - f->summary));
    }
    for (size_t k = 0; k < a->entry_count; k++) {
        if (a->entry[k].listed != a->entry[k].counted) {
            text_item(fp, &a->entry[k], a->level);
        }
    }
    if (a->state != DAUYS_CROSSCHECK_DIFFERS) {
        return;
    }
    fprintf(fp, "    counted from %zu %s:", a->summed_count,
            a->level == DAUYS_LEVEL_DISTRICT ? "precincts" : "districts");
    for (size_t k = 0; k < a->entry_count; k++) {
        const dauys_crosscheck_item *e = &a->entry[k];
        if (e->listed != 0 && e->counted != 0) {
            fprintf(fp, "%s %s v%u", shown % 8 == 0 ? "\n     " : ",", e->id, e->counted);
            shown++;
        }
    }
    fprintf(fp, "\n");
}

/* The summary protocols' crosscheck: nothing when the manifest has no commission. */
static void
text_crosscheck(FILE *fp, const dauys_crosscheck *cc)
{
    if (cc->area_count == 0) {
        return;
    }
    fprintf(fp,
            "\nsummary protocols (district and region commissions): %zu agree, %zu differ, "
            "%zu none\n",
            cc->agrees, cc->differs, cc->none);
    for (size_t i = 0; i < cc->area_count; i++) {
        text_crosscheck_area(fp, cc, &cc->area[i]);
    }
}

void
dauys_report_text(FILE *fp, const dauys_tally *t)
{
    char e[32], r[32];

    dauys_rules_group(e, sizeof e, t->expected);
    dauys_rules_group(r, sizeof r, t->reporting);
    fprintf(fp, "%s (%s, %s)\n%s: %s of %s precincts reporting", t->manifest->title,
            t->manifest->referendum, t->manifest->date, t->final ? "FINAL" : "PROVISIONAL", r, e);
    if (!t->final) {
        dauys_rules_group(e, sizeof e, t->expected - t->reporting);
        fprintf(fp, " (%s without an accepted protocol)", e);
    }
    fprintf(fp, "\n");
    if (t->missing_shown > 0) {
        fprintf(fp, "missing:");
        for (size_t i = 0; i < t->missing_shown; i++) {
            fprintf(fp, " %s", t->missing[i]);
        }
        fprintf(fp, "%s\n",
                t->missing_count > t->missing_shown ? " ... (dauys status --missing lists all)"
                                                    : "");
    }
    if (t->warning_codes > 0) {
        fprintf(fp, "warnings on counting protocols:");
        for (size_t i = 0; i < t->warning_codes; i++) {
            fprintf(fp, " %s %llu", t->warning[i].code, (unsigned long long) t->warning[i].count);
        }
        fprintf(fp, "\n");
    }
    for (size_t i = 0; i < t->question_count; i++) {
        text_question(fp, t, &t->q[i]);
    }
    text_crosscheck(fp, &t->crosscheck);
}

static void
json_area(FILE *fp, const dauys_area *a, const char *indent, int last)
{
    const dauys_counts *c = &a->counts;

    fprintf(fp, "%s{\"id\": ", indent);
    dauys_out_json_string(fp, a->id, a->id_len);
    fprintf(fp, ", \"name\": ");
    dauys_out_json_string(fp, a->name, a->name_len);
    fprintf(fp,
            ", \"precincts_expected\": %llu, \"precincts_reporting\": %llu, \"eligible\": %llu, "
            "\"took_part\": %llu, \"yes\": %llu, \"no\": %llu, \"not_counted\": %llu, "
            "\"invalid\": %llu}%s\n",
            (unsigned long long) a->expected, (unsigned long long) a->reporting,
            (unsigned long long) c->eligible, (unsigned long long) c->took_part,
            (unsigned long long) c->yes, (unsigned long long) c->no,
            (unsigned long long) c->not_counted, (unsigned long long) c->invalid, last ? "" : ",");
}

static void
json_areas(FILE *fp, const char *key, const dauys_area *a, size_t n)
{
    fprintf(fp, "      \"%s\": [\n", key);
    for (size_t i = 0; i < n; i++) {
        json_area(fp, &a[i], "        ", i + 1 == n);
    }
    fprintf(fp, "      ],\n");
}

static void
json_verdict(FILE *fp, const dauys_verdict *v)
{
    static const char *const names[] = {"quorum", "majority", "regions"};

    fprintf(fp, "      \"valid\": %s, \"adopted\": %s,\n      \"rules\": [\n",
            v->valid ? "true" : "false", v->adopted ? "true" : "false");
    for (size_t i = 0; i < v->rule_count; i++) {
        const dauys_rule_result *r = &v->rule[i];
        fprintf(fp, "        {\"rule\": \"%s\", \"clause\": ", names[r->id]);
        dauys_out_json_string(fp, r->clause, strlen(r->clause));
        fprintf(fp, ", \"passed\": %s, \"have\": %llu, \"needed\": %llu, \"of\": %llu, \"text\": ",
                r->passed ? "true" : "false", (unsigned long long) r->have,
                (unsigned long long) r->needed, (unsigned long long) r->of);
        dauys_out_json_string(fp, r->text, strlen(r->text));
        fprintf(fp, "}%s\n", i + 1 == v->rule_count ? "" : ",");
    }
    fprintf(fp, "      ]\n");
}

/* A version, or null for none, in JSON. */
static void
json_version(FILE *fp, uint32_t v)
{
    if (v == 0) {
        fputs("null", fp);
    } else {
        fprintf(fp, "%u", v);
    }
}

/* One area of the crosscheck as a JSON object. */
static void
json_crosscheck_area(FILE *fp, const dauys_crosscheck *cc, const dauys_crosscheck_area *a, int last)
{
    static const char *const states[] = {"none", "agrees", "differs"};
    char name[DAUYS_CROSSCHECK_FIELD_NAME_MAX + 1];
    size_t n = 0;

    fprintf(fp, "    {\"level\": \"%s\", \"id\": ",
            a->level == DAUYS_LEVEL_REGION ? "region" : "district");
    dauys_out_json_string(fp, a->place->id, a->place->id_len);
    fprintf(fp, ", \"name\": ");
    dauys_out_json_string(fp, a->place->name, a->place->name_len);
    fprintf(fp, ", \"state\": \"%s\"", states[a->state]);
    if (a->state == DAUYS_CROSSCHECK_NONE) {
        fprintf(fp, "}%s\n", last ? "" : ",");
        return;
    }
    fprintf(fp, ", \"version\": %u, \"items\": %zu,\n      \"fields\": [", a->version,
            a->item_count);
    for (size_t k = 0; k < a->field_count; k++) {
        dauys_crosscheck_field_name(name, cc->manifest, a->field[k].index);
        fprintf(fp, "%s{\"field\": \"%s\", \"summary\": %llu, \"counted\": %llu}", k ? ", " : "",
                name, (unsigned long long) a->field[k].summary,
                (unsigned long long) a->field[k].counted);
    }
    fprintf(fp, "],\n      \"off_items\": [");
    for (size_t k = 0; k < a->entry_count; k++) {
        const dauys_crosscheck_item *e = &a->entry[k];
        if (e->listed != e->counted) {
            fprintf(fp, "%s{\"id\": \"%s\", \"listed\": ", n++ ? ", " : "", e->id);
            json_version(fp, e->listed);
            fprintf(fp, ", \"counted\": ");
            json_version(fp, e->counted);
            fprintf(fp, ", \"problem\": \"%s\"}", dauys_crosscheck_item_problem(e));
        }
    }
    fprintf(fp, "]");
    if (a->state == DAUYS_CROSSCHECK_DIFFERS) {
        n = 0;
        fprintf(fp, ",\n      \"summed\": [");
        for (size_t k = 0; k < a->entry_count; k++) {
            const dauys_crosscheck_item *e = &a->entry[k];
            if (e->listed != 0 && e->counted != 0) {
                fprintf(fp, "%s{\"id\": \"%s\", \"version\": %u}", n++ ? ", " : "", e->id,
                        e->counted);
            }
        }
        fprintf(fp, "]");
    }
    fprintf(fp, "}%s\n", last ? "" : ",");
}

/* The crosscheck as the "crosscheck" member (after a comma): none without commissions. */
static void
json_crosscheck(FILE *fp, const dauys_crosscheck *cc)
{
    if (cc->area_count == 0) {
        return;
    }
    fprintf(fp,
            ",\n  \"crosscheck\": {\"agrees\": %zu, \"differs\": %zu, \"none\": %zu, \"areas\": "
            "[\n",
            cc->agrees, cc->differs, cc->none);
    for (size_t i = 0; i < cc->area_count; i++) {
        json_crosscheck_area(fp, cc, &cc->area[i], i + 1 == cc->area_count);
    }
    fprintf(fp, "  ]}");
}

void
dauys_report_json(FILE *fp, const dauys_tally *t)
{
    const dauys_manifest *m = t->manifest;

    fprintf(fp, "{\n  \"referendum\": ");
    dauys_out_json_string(fp, m->referendum, strlen(m->referendum));
    fprintf(fp, ",\n  \"title\": ");
    dauys_out_json_string(fp, m->title, strlen(m->title));
    fprintf(fp,
            ",\n  \"date\": \"%s\",\n  \"mode\": \"%s\",\n  \"final\": %s,\n"
            "  \"precincts_expected\": %llu,\n  \"precincts_reporting\": %llu,\n",
            m->date, m->mode == DAUYS_MODE_OFFICIAL ? "official" : "test",
            t->final ? "true" : "false", (unsigned long long) t->expected,
            (unsigned long long) t->reporting);
    fprintf(fp, "  \"missing_count\": %llu,\n  \"missing_first\": [",
            (unsigned long long) t->missing_count);
    for (size_t i = 0; i < t->missing_shown; i++) {
        fprintf(fp, "%s\"%s\"", i ? ", " : "", t->missing[i]); /* ids: no escaping needed */
    }
    fprintf(fp, "],\n  \"warnings\": {");
    for (size_t i = 0; i < t->warning_codes; i++) {
        fprintf(fp, "%s\"%s\": %llu", i ? ", " : "", t->warning[i].code,
                (unsigned long long) t->warning[i].count);
    }
    fprintf(fp, "},\n  \"questions\": [\n");
    for (size_t i = 0; i < t->question_count; i++) {
        const dauys_question_tally *q = &t->q[i];
        fprintf(fp, "    {\n      \"id\": \"%s\", \"profile\": \"%s\", \"text\": ", q->question->id,
                q->question->profile);
        dauys_out_json_string(fp, q->question->text, q->question->text_len);
        fprintf(fp, ",\n      \"national\":\n");
        json_area(fp, &q->nation, "        ", 0);
        json_areas(fp, "regions", q->region, m->region_count);
        json_areas(fp, "districts", q->district, m->district_count);
        json_verdict(fp, &q->verdict);
        fprintf(fp, "    }%s\n", i + 1 == t->question_count ? "" : ",");
    }
    fprintf(fp, "  ]");
    json_crosscheck(fp, &t->crosscheck);
    fprintf(fp, "\n}\n");
}

static void
csv_row(FILE *fp, const char *level, const char *question, const dauys_area *a)
{
    const dauys_counts *c = &a->counts;

    fprintf(fp, "%s,%s,", level, question);
    dauys_out_csv_field(fp, a->id, a->id_len);
    fputc(',', fp);
    dauys_out_csv_field(fp, a->name, a->name_len);
    fprintf(fp, ",%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu\r\n", (unsigned long long) a->expected,
            (unsigned long long) a->reporting, (unsigned long long) c->eligible,
            (unsigned long long) c->took_part, (unsigned long long) c->yes,
            (unsigned long long) c->no, (unsigned long long) c->not_counted,
            (unsigned long long) c->invalid);
}

void
dauys_report_csv(FILE *fp, const dauys_tally *t)
{
    fprintf(fp, "level,question,id,name,precincts_expected,precincts_reporting,eligible,took_part,"
                "yes,no,not_counted,invalid\r\n");
    for (size_t i = 0; i < t->question_count; i++) {
        const dauys_question_tally *q = &t->q[i];
        csv_row(fp, "national", q->question->id, &q->nation);
        for (size_t k = 0; k < t->manifest->region_count; k++) {
            csv_row(fp, "region", q->question->id, &q->region[k]);
        }
        for (size_t k = 0; k < t->manifest->district_count; k++) {
            csv_row(fp, "district", q->question->id, &q->district[k]);
        }
    }
}
