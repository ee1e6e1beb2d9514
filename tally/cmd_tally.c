/*
 * cmd_tally.c: dauys tally: the totals and the verdicts, as a text table,
 * JSON or CSV. Percentages are for people and computed in integers; every
 * decision comes from referendum/rules.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "tally.h"

static const char tally_usage[] =
    "usage: dauys tally [-w DIR] [--json | --csv]\n"
    "\n"
    "Totals of the counting protocols per question, nationally, per region and\n"
    "(in --json and --csv) per district, and each question's verdict under its\n"
    "rules profile with the exact numbers. PROVISIONAL until every precinct in\n"
    "the manifest has an accepted protocol; the missing are counted.\n";

/* PART of WHOLE as a percentage with two decimals, rounded half up, in integers. */
static void
percent(char *out, size_t size, uint64_t part, uint64_t whole)
{
    unsigned __int128 hundredths;

    if (whole == 0) {
        snprintf(out, size, "-");
        return;
    }
    hundredths = ((unsigned __int128) part * 20000 + whole) / ((unsigned __int128) whole * 2);
    snprintf(out, size, "%llu.%02llu%%", (unsigned long long) (hundredths / 100),
             (unsigned long long) (hundredths % 100));
}

static void
text_row(const dauys_area *a)
{
    char e[32], t[32], y[32], tp[16], yp[16];

    dauys_rules_group(e, sizeof e, a->counts.eligible);
    dauys_rules_group(t, sizeof t, a->counts.took_part);
    dauys_rules_group(y, sizeof y, a->counts.yes);
    percent(tp, sizeof tp, a->counts.took_part, a->counts.eligible);
    percent(yp, sizeof yp, a->counts.yes, a->counts.took_part);
    cli_print_column(a->id, a->id_len, 10);
    cli_print_column(a->name, a->name_len, 26);
    printf("%6llu/%-6llu %13s %13s %8s %13s %8s %s\n", (unsigned long long) a->reporting,
           (unsigned long long) a->expected, e, t, tp, y, yp,
           a->counts.yes >= dauys_rules_more_than_half(a->counts.took_part) ? "yes" : "no");
}

static void
text_question(const dauys_tally *t, const dauys_question_tally *q)
{
    const dauys_verdict *v = &q->verdict;

    printf("\nquestion %s (%s): %.*s\n", q->question->id, q->question->profile,
           (int) q->question->text_len, q->question->text);
    printf("%-10s %-26s %13s %13s %13s %8s %13s %8s %s\n", "area", "name", "precincts",
           "eligible", "took part", "turnout", "yes", "yes", "majority");
    for (size_t i = 0; i < t->manifest->region_count; i++) {
        text_row(&q->region[i]);
    }
    text_row(&q->nation);
    for (size_t i = 0; i < v->rule_count; i++) {
        static const char *const names[] = {"quorum", "majority", "regions"};
        printf("  %-8s %s [%s]\n", names[v->rule[i].id], v->rule[i].text, v->rule[i].clause);
    }
    printf("  decision: %s, %s%s\n", v->valid ? "VALID" : "NOT VALID",
           v->adopted ? "ADOPTED" : "NOT ADOPTED", t->final ? "" : " (provisional)");
}

static void
print_text(const dauys_tally *t)
{
    char e[32], r[32];

    dauys_rules_group(e, sizeof e, t->expected);
    dauys_rules_group(r, sizeof r, t->reporting);
    printf("%s (%s, %s)\n%s: %s of %s precincts reporting", t->manifest->title,
           t->manifest->referendum, t->manifest->date, t->final ? "FINAL" : "PROVISIONAL", r, e);
    if (!t->final) {
        dauys_rules_group(e, sizeof e, t->expected - t->reporting);
        printf(" (%s without an accepted protocol)", e);
    }
    printf("\n");
    for (size_t i = 0; i < t->question_count; i++) {
        text_question(t, &t->q[i]);
    }
}

static void
json_area(const dauys_area *a, const char *indent, int last)
{
    const dauys_counts *c = &a->counts;

    printf("%s{\"id\": ", indent);
    cli_json_string_n(stdout, a->id, a->id_len);
    printf(", \"name\": ");
    cli_json_string_n(stdout, a->name, a->name_len);
    printf(", \"precincts_expected\": %llu, \"precincts_reporting\": %llu, \"eligible\": %llu, "
           "\"took_part\": %llu, \"yes\": %llu, \"no\": %llu, \"not_counted\": %llu, "
           "\"invalid\": %llu}%s\n",
           (unsigned long long) a->expected, (unsigned long long) a->reporting,
           (unsigned long long) c->eligible, (unsigned long long) c->took_part,
           (unsigned long long) c->yes, (unsigned long long) c->no,
           (unsigned long long) c->not_counted, (unsigned long long) c->invalid, last ? "" : ",");
}

static void
json_areas(const char *key, const dauys_area *a, size_t n)
{
    printf("      \"%s\": [\n", key);
    for (size_t i = 0; i < n; i++) {
        json_area(&a[i], "        ", i + 1 == n);
    }
    printf("      ],\n");
}

static void
json_verdict(const dauys_verdict *v)
{
    static const char *const names[] = {"quorum", "majority", "regions"};

    printf("      \"valid\": %s, \"adopted\": %s,\n      \"rules\": [\n", v->valid ? "true" : "false",
           v->adopted ? "true" : "false");
    for (size_t i = 0; i < v->rule_count; i++) {
        const dauys_rule_result *r = &v->rule[i];
        printf("        {\"rule\": \"%s\", \"clause\": ", names[r->id]);
        cli_json_string(stdout, r->clause);
        printf(", \"passed\": %s, \"have\": %llu, \"needed\": %llu, \"of\": %llu, \"text\": ",
               r->passed ? "true" : "false", (unsigned long long) r->have,
               (unsigned long long) r->needed, (unsigned long long) r->of);
        cli_json_string(stdout, r->text);
        printf("}%s\n", i + 1 == v->rule_count ? "" : ",");
    }
    printf("      ]\n");
}

static void
print_json(const dauys_tally *t)
{
    const dauys_manifest *m = t->manifest;

    printf("{\n  \"referendum\": ");
    cli_json_string(stdout, m->referendum);
    printf(",\n  \"title\": ");
    cli_json_string(stdout, m->title);
    printf(",\n  \"date\": \"%s\",\n  \"mode\": \"%s\",\n  \"final\": %s,\n"
           "  \"precincts_expected\": %llu,\n  \"precincts_reporting\": %llu,\n  \"questions\": [\n",
           m->date, m->mode == DAUYS_MODE_OFFICIAL ? "official" : "test", t->final ? "true" : "false",
           (unsigned long long) t->expected, (unsigned long long) t->reporting);
    for (size_t i = 0; i < t->question_count; i++) {
        const dauys_question_tally *q = &t->q[i];
        printf("    {\n      \"id\": \"%s\", \"profile\": \"%s\", \"text\": ", q->question->id,
               q->question->profile);
        cli_json_string_n(stdout, q->question->text, q->question->text_len);
        printf(",\n      \"national\":\n");
        json_area(&q->nation, "        ", 0);
        json_areas("regions", q->region, m->region_count);
        json_areas("districts", q->district, m->district_count);
        json_verdict(&q->verdict);
        printf("    }%s\n", i + 1 == t->question_count ? "" : ",");
    }
    printf("  ]\n}\n");
}

static void
csv_row(const char *level, const char *question, const dauys_area *a)
{
    const dauys_counts *c = &a->counts;

    printf("%s,%s,", level, question);
    cli_csv_field(stdout, a->id, a->id_len);
    putchar(',');
    cli_csv_field(stdout, a->name, a->name_len);
    printf(",%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu\r\n", (unsigned long long) a->expected,
           (unsigned long long) a->reporting, (unsigned long long) c->eligible,
           (unsigned long long) c->took_part, (unsigned long long) c->yes,
           (unsigned long long) c->no, (unsigned long long) c->not_counted,
           (unsigned long long) c->invalid);
}

static void
print_csv(const dauys_tally *t)
{
    printf("level,question,id,name,precincts_expected,precincts_reporting,eligible,took_part,"
           "yes,no,not_counted,invalid\r\n");
    for (size_t i = 0; i < t->question_count; i++) {
        const dauys_question_tally *q = &t->q[i];
        csv_row("national", q->question->id, &q->nation);
        for (size_t k = 0; k < t->manifest->region_count; k++) {
            csv_row("region", q->question->id, &q->region[k]);
        }
        for (size_t k = 0; k < t->manifest->district_count; k++) {
            csv_row("district", q->question->id, &q->district[k]);
        }
    }
}

int
cmd_tally(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'J'}, {"csv", no_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    dauys_workspace *ws = NULL;
    const char *dir = ".";
    dauys_tally t;
    dauys_error err;
    int c, format = 0;

    while ((c = getopt_long(argc, argv, "w:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'w': dir = optarg; break;
        case 'J': format = 'J'; break;
        case 'C': format = 'C'; break;
        case 'h': fputs(tally_usage, stdout); return CLI_EXIT_OK;
        default: fputs(tally_usage, stderr); return CLI_EXIT_FAIL;
        }
    }
    if (optind != argc) {
        fputs(tally_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    if (dauys_workspace_open(&ws, dir, &err) != 0 || dauys_tally_compute(&t, ws, &err) != 0) {
        cli_report(&err);
        dauys_workspace_close(ws);
        return CLI_EXIT_FAIL;
    }
    format == 'J' ? print_json(&t) : format == 'C' ? print_csv(&t) : print_text(&t);
    dauys_tally_free(&t);
    dauys_workspace_close(ws);
    return CLI_EXIT_OK;
}
