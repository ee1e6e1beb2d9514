/*
 * html.c: the report page (html.h). One file, no script, no external
 * resource: a Content-Security-Policy in the page forbids loading any, so
 * a reader's browser fetches nothing while showing it. Counts are printed
 * with thousands separators and percentages with two decimals, both from
 * integers; decisions are the tally's (referendum/rules.c), never re-made
 * here. Text from outside (the manifest's names, refusal reasons) is
 * escaped (dauys_out_html_text). The summary protocols' section (only with
 * commissions in the manifest) shows the tally's crosscheck and carries no
 * data-field mark: the audit's T3 neither reads nor refuses it.
 */
#include "report/html.h"

#include <string.h>

#include <sodium.h>

#include "report/report.h"
#include "report/svg.h"
#include "core/textout.h"

static const char page_style[] =
    "body{font-family:system-ui,\"DejaVu Sans\",\"Liberation Sans\",Arial,sans-serif;"
    "margin:0 auto;max-width:62rem;padding:1rem 1.5rem;color:#111;line-height:1.4}\n"
    "h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.3rem;margin-top:2rem;"
    "border-bottom:2px solid #333}h3{font-size:1.05rem;margin-top:1.5rem}\n"
    ".banner{border:3px solid #333;padding:.6rem 1rem;margin:1rem 0}\n"
    ".decision{font-size:1.35rem;font-weight:bold}.yes{color:#1a6b1a}.no{color:#a01010}\n"
    ".test{background:#fff3b0;border:1px dashed #a08000;padding:.2rem .5rem}\n"
    "code{font-family:\"DejaVu Sans Mono\",monospace;font-size:.85em;word-break:break-all}\n"
    "table{border-collapse:collapse;margin:.5rem 0;font-size:.85rem}\n"
    "th,td{border:1px solid #bbb;padding:.15rem .4rem}th{background:#eee}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "tr.total td{font-weight:bold;border-top:2px solid #333}tr.flag td{background:#fde0c5}\n"
    "svg.chart{width:100%;height:auto;display:block;margin:.5rem 0}\n"
    "svg text{font-size:11px;fill:#111}svg .label{text-anchor:end}svg .total{font-weight:bold}\n"
    "svg .tick{text-anchor:middle;fill:#444}svg .tick-left{fill:#444}\n"
    "svg .axis{text-anchor:middle}svg .value{fill:#111}\n"
    "svg .grid{stroke:#ddd}svg .frame{fill:none;stroke:#999}\n"
    "svg .bar.met{fill:#2166ac}svg .bar.unmet{fill:#f4a582}svg .hist{fill:#2166ac}\n"
    "svg .rule{stroke:#b2182b;stroke-width:1.5;stroke-dasharray:5 3}"
    "svg .rule-label{fill:#b2182b;text-anchor:middle}\n"
    "p.caption{font-size:.85rem;color:#333;margin-top:0}\n"
    ".wide{overflow-x:auto}\n"
    ".caveat{color:#555;font-style:italic}\n"
    "@media print{body{max-width:none;padding:0}h2{break-before:page}.wide{overflow:visible}"
    "svg.chart,table,.banner{break-inside:avoid}a{color:inherit;text-decoration:none}}\n";

/* Writes the NUL-terminated S escaped. */
static void
text(FILE *fp, const char *s)
{
    dauys_out_html_text(fp, s, strlen(s));
}

/* N with thousands separators. */
static void
count(FILE *fp, uint64_t n)
{
    char g[32];
    dauys_out_group(g, sizeof g, n);
    fputs(g, fp);
}

/* PART of WHOLE as a percentage with two decimals. */
static void
percent(FILE *fp, uint64_t part, uint64_t whole)
{
    char p[16];
    dauys_out_percent(p, sizeof p, part, whole);
    fputs(p, fp);
}

/* A Merkle root in base64, as the result statement and checkpoints write it. */
static void
root(FILE *fp, const uint8_t r[32], const char *field)
{
    char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, r, 32, sodium_base64_VARIANT_ORIGINAL);
    fprintf(fp, "<code data-field=\"%s\">%s</code>", field, b64);
}

static void
head(FILE *fp, const dauys_manifest *m)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"dauys\">\n<title>",
          fp);
    text(fp, m->title);
    fprintf(fp, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", page_style);
}

/* Title, referendum, date and mode. */
static void
masthead(FILE *fp, const dauys_manifest *m)
{
    fputs("<header>\n<h1>", fp);
    text(fp, m->title);
    fputs("</h1>\n<p>Referendum <code>", fp);
    text(fp, m->referendum);
    fputs("</code>, ", fp);
    text(fp, m->date);
    fprintf(fp, ", manifest version %u", m->version);
    if (m->mode == DAUYS_MODE_TEST) {
        fputs(" <span class=\"test\">TEST: a mock referendum, not an official result</span>", fp);
    }
    fputs("</p>\n</header>\n", fp);
}

/* Precincts reporting, and the first few missing. */
static void
reporting(FILE *fp, const dauys_tally *t)
{
    fprintf(fp, "<p id=\"status\"><strong>%s</strong>: <span data-field=\"precincts-reporting\">",
            t->final ? "FINAL" : "PROVISIONAL");
    count(fp, t->reporting);
    fputs("</span> of <span data-field=\"precincts-expected\">", fp);
    count(fp, t->expected);
    fputs("</span> precincts reporting (", fp);
    percent(fp, t->reporting, t->expected);
    fputs(")", fp);
    if (t->missing_shown > 0) {
        fputs("; without an accepted protocol:", fp);
        for (size_t i = 0; i < t->missing_shown; i++) {
            fputs(i == 0 ? " " : ", ", fp);
            text(fp, t->missing[i]);
        }
        if (t->missing_count > t->missing_shown) {
            fputs(" and ", fp);
            count(fp, t->missing_count - t->missing_shown);
            fputs(" more (<code>dauys status --missing</code> lists all)", fp);
        }
    }
    fputs(".</p>\n", fp);
}

/* What log state the result covers, whether it is signed, and the checkpoint. */
static void
coverage(FILE *fp, const dauys_html_page *page)
{
    fputs("<p id=\"log\">This result covers the first <span data-field=\"log-size\">", fp);
    count(fp, page->covered);
    fputs("</span> entries of the log, Merkle root ", fp);
    root(fp, page->covered_root, "log-root");
    if (page->published) {
        fputs(". It is the signed result statement (<code>result.txt</code>, signed by the central "
              "commission: <code>minisign -Vm result.txt -p central.pub</code>), logged as entry ",
              fp);
        count(fp, page->covered);
        fputs(".", fp);
    } else {
        fputs(". <strong>A preview:</strong> not yet signed or logged "
              "(<code>dauys publish</code> does both).",
              fp);
    }
    if (page->has_checkpoint) {
        fputs(" Signed checkpoint: size <span data-field=\"checkpoint-size\">", fp);
        count(fp, page->checkpoint_size);
        fputs("</span>", fp);
        fputs(", root ", fp);
        root(fp, page->checkpoint_root, "checkpoint-root");
        fputs(".", fp);
    }
    fputs("</p>\n", fp);
}

/* The decision for question Q and the rules behind it, with their numbers. */
static void
decision(FILE *fp, const dauys_tally *t, const dauys_question_tally *q)
{
    const dauys_verdict *v = &q->verdict;
    static const char *const names[] = {"quorum", "majority", "regions"};

    fprintf(fp, "<div id=\"decision-%s\">\n<p class=\"decision\">Question ", q->question->id);
    text(fp, q->question->id);
    fprintf(fp,
            ": <span class=\"%s\" data-field=\"valid\">%s</span>, "
            "<span class=\"%s\" data-field=\"adopted\">%s</span>%s</p>\n<ul>\n",
            v->valid ? "yes" : "no", v->valid ? "VALID" : "NOT VALID", v->adopted ? "yes" : "no",
            v->adopted ? "ADOPTED" : "NOT ADOPTED", t->final ? "" : " (provisional)");
    for (size_t i = 0; i < v->rule_count; i++) {
        const dauys_rule_result *r = &v->rule[i];
        fprintf(fp,
                "<li data-rule=\"%s\" data-passed=\"%d\"><strong>%s</strong> %s: ", names[r->id],
                r->passed, names[r->id], r->passed ? "met" : "NOT met");
        text(fp, r->text);
        fputs(" <em>[", fp);
        text(fp, r->clause);
        fputs("]</em></li>\n", fp);
    }
    fputs("</ul>\n</div>\n", fp);
}

/* The banner: status, log coverage and each question's decision. */
static void
banner(FILE *fp, const dauys_html_page *page)
{
    const dauys_tally *t = page->tally;

    fputs("<section class=\"banner\" id=\"banner\">\n", fp);
    for (size_t i = 0; i < t->question_count; i++) {
        decision(fp, t, &t->q[i]);
    }
    reporting(fp, t);
    coverage(fp, page);
    if (t->warning_codes > 0) {
        fputs("<p>Warnings on counting protocols (lawful but worth a look):", fp);
        for (size_t i = 0; i < t->warning_codes; i++) {
            fprintf(fp, " %s ", t->warning[i].code);
            count(fp, t->warning[i].count);
        }
        fputs(".</p>\n", fp);
    }
    fputs("</section>\n", fp);
}

/* The clause of Q's rule ID, or NULL if its profile has no such rule. */
static const dauys_rule_result *
find_rule(const dauys_question_tally *q, dauys_rule_id id)
{
    for (size_t i = 0; i < q->verdict.rule_count; i++) {
        if (q->verdict.rule[i].id == id) {
            return &q->verdict.rule[i];
        }
    }
    return NULL;
}

/* One table cell with a count, named FIELD for machines. */
static void
cell(FILE *fp, const char *field, uint64_t n)
{
    fprintf(fp, "<td class=\"n\" data-field=\"%s\">", field);
    count(fp, n);
    fputs("</td>", fp);
}

/* One area's row of the regions table. */
static void
area_row(FILE *fp, const dauys_area *a, const dauys_rules *rules, int total)
{
    const dauys_counts *c = &a->counts;
    uint64_t base = dauys_rules_yes_base(rules, c);
    int majority = c->yes >= dauys_rules_majority_needed(rules, base);

    fprintf(fp, "<tr%s data-area=\"", total ? " class=\"total\"" : "");
    dauys_out_html_text(fp, a->id, a->id_len);
    fputs("\"><td>", fp);
    dauys_out_html_text(fp, a->id, a->id_len);
    fputs("</td><td>", fp);
    if (total) {
        fputs("whole country", fp); /* the area's name is the referendum's title */
    } else {
        dauys_out_html_text(fp, a->name, a->name_len);
    }
    fputs("</td>", fp);
    cell(fp, "precincts-reporting", a->reporting), cell(fp, "precincts-expected", a->expected);
    cell(fp, "eligible", c->eligible), cell(fp, "took-part", c->took_part);
    fputs("<td class=\"n\" data-field=\"turnout\">", fp), percent(fp, c->took_part, c->eligible);
    fputs("</td>", fp);
    cell(fp, "yes", c->yes), cell(fp, "no", c->no), cell(fp, "not-counted", c->not_counted);
    cell(fp, "invalid", c->invalid);
    fputs("<td class=\"n\" data-field=\"yes-share\">", fp), percent(fp, c->yes, base);
    fprintf(fp, "</td><td data-field=\"majority\">%s</td></tr>\n", majority ? "yes" : "no");
}

/* What RULES take yes as a share of, in words. */
static const char *
base_name(const dauys_rules *rules)
{
    return rules->majority_of_valid ? "valid votes" : "took part";
}

/* The table of regions and the nation for question Q. */
static void
area_table(FILE *fp, const dauys_tally *t, const dauys_question_tally *q)
{
    fprintf(fp,
            "<div class=\"wide\"><table id=\"areas-%s\">\n<thead><tr><th>id</th><th>region</th>"
            "<th>reporting</th><th>expected</th><th>eligible</th><th>took part</th>"
            "<th>turnout</th><th>yes</th><th>no</th><th>not counted</th><th>invalid</th>"
            "<th>yes (of %s)</th><th>majority</th></tr></thead>\n<tbody>\n",
            q->question->id, base_name(&q->question->rules));
    for (size_t i = 0; i < t->manifest->region_count; i++) {
        area_row(fp, &q->region[i], &q->question->rules, 0);
    }
    area_row(fp, &q->nation, &q->question->rules, 1);
    fputs("</tbody>\n</table></div>\n", fp);
}

/* Turnout by region against the 50% line. */
static void
turnout_chart(FILE *fp, const dauys_tally *t, const dauys_question_tally *q)
{
    const dauys_rule_result *quorum = find_rule(q, DAUYS_RULE_QUORUM);
    size_t n = t->manifest->region_count;
    char label[200];

    snprintf(label, sizeof label, "50%%: %s",
             quorum != NULL ? quorum->clause : "no quorum under this profile");
    fputs("<h3>Turnout by region</h3>\n", fp);
    dauys_svg_bars_begin(fp, "Turnout by region (took part of eligible) against 50%", n + 1, 1);
    for (size_t i = 0; i <= n; i++) {
        const dauys_area *a = i < n ? &q->region[i] : &q->nation;
        dauys_svg_bar b = {.label = i < n ? a->name : "whole country",
                           .label_len = i < n ? a->name_len : 13,
                           .part = a->counts.took_part,
                           .whole = a->counts.eligible,
                           .total = i == n,
                           .marked = a->counts.took_part >=
                                         dauys_rules_more_than_half(a->counts.eligible) &&
                                     a->counts.eligible > 0};
        dauys_svg_bars_row(fp, i, &b, "\xe2\x9c\x93 over half"); /* U+2713 check mark */
    }
    dauys_svg_bars_end(fp, n + 1, 1, &(dauys_svg_line){.num = 1, .den = 2, .label = label});
    fputs("<p class=\"caption\">Dark bars: more than half of the eligible took part "
          "(exactly: 2 &times; took part &gt; eligible); light bars: not.</p>\n",
          fp);
}

/* The caption under the yes chart: regions with a majority and two thirds. */
static void
regions_caption(FILE *fp, const dauys_question_tally *q, uint64_t with_majority, uint64_t regions)
{
    const dauys_rule_result *r = find_rule(q, DAUYS_RULE_REGIONS);

    fputs("<p class=\"caption\" id=\"regions-", fp);
    text(fp, q->question->id);
    fputs("\">Dark bars (&#x2713;): a majority of yes. <strong><span "
          "data-field=\"regions-with-majority\">",
          fp);
    count(fp, r != NULL ? r->have : with_majority);
    fputs("</span> of <span data-field=\"regions\">", fp);
    count(fp, r != NULL ? r->of : regions);
    fputs("</span> regions</strong> have a majority; at least two thirds is ", fp);
    count(fp, r != NULL ? r->needed : dauys_rules_two_thirds(regions));
    if (r != NULL) {
        fprintf(fp, ", required by %s: %s.</p>\n", r->clause, r->passed ? "met" : "NOT met");
    } else {
        fputs(" (not required under this profile).</p>\n", fp);
    }
}

/* Yes share by region against the majority line, regions with a majority marked. */
static void
yes_chart(FILE *fp, const dauys_tally *t, const dauys_question_tally *q)
{
    const dauys_rules *rules = &q->question->rules;
    const dauys_rule_result *majority = find_rule(q, DAUYS_RULE_MAJORITY);
    size_t n = t->manifest->region_count;
    uint64_t with_majority = 0;
    dauys_svg_line line = {.num = rules->majority.num, .den = rules->majority.den, .label = NULL};
    char label[200], title[120];

    snprintf(label, sizeof label, "majority (%u/%u): %s", line.num, line.den,
             majority != NULL ? majority->clause : q->question->profile);
    snprintf(title, sizeof title, "Yes by region (of %s) against the majority line",
             base_name(rules));
    line.label = label;
    fprintf(fp, "<h3>Yes by region (share of %s)</h3>\n", base_name(rules));
    dauys_svg_bars_begin(fp, title, n + 1, 1);
    for (size_t i = 0; i <= n; i++) {
        const dauys_area *a = i < n ? &q->region[i] : &q->nation;
        uint64_t base = dauys_rules_yes_base(rules, &a->counts);
        dauys_svg_bar b = {.label = i < n ? a->name : "whole country",
                           .label_len = i < n ? a->name_len : 13,
                           .part = a->counts.yes,
                           .whole = base,
                           .total = i == n,
                           .marked = base > 0 &&
                                     a->counts.yes >= dauys_rules_majority_needed(rules, base)};
        with_majority += i < n && b.marked;
        dauys_svg_bars_row(fp, i, &b, "\xe2\x9c\x93 majority");
    }
    dauys_svg_bars_end(fp, n + 1, 1, &line);
    regions_caption(fp, q, with_majority, n);
}

/* Ends a chart's caption, saying how many precincts it LEFT_OUT and why. */
static void
caption_end(FILE *fp, uint64_t left_out, const char *why)
{
    if (left_out > 0) {
        fputs(" Left out: ", fp);
        count(fp, left_out);
        fprintf(fp, " %s.", why);
    }
    fputs("</p>\n", fp);
}

/* The turnout histogram over precincts. */
static void
histogram(FILE *fp, const dauys_html_page *page, size_t qi)
{
    fputs("<h3>Turnout over precincts</h3>\n", fp);
    dauys_svg_histogram(fp, "Histogram of precinct turnout in bins of 0.1 percentage points",
                        page->histogram[qi], "turnout (took part of eligible), bins of 0.1 points");
    fputs("<p class=\"caption\">Precincts by turnout, to the nearest 0.1%. A clean count gives a "
          "smooth hill; tall spikes at whole percents (50%, 60%, 70%...) are what Kobak et al. "
          "(2016) found where results were written rather than counted.",
          fp);
    caption_end(fp, page->no_list[qi], "precincts with an empty list");
}

/* The turnout x yes share 2-D histogram ("election fingerprint"). */
static void
fingerprint(FILE *fp, const dauys_html_page *page, size_t qi)
{
    char y_label[64];

    snprintf(y_label, sizeof y_label, "yes (of %s)",
             base_name(&page->tally->q[qi].question->rules));
    fputs("<h3>Turnout against yes: the election fingerprint</h3>\n", fp);
    dauys_svg_heatmap(fp, "Two-dimensional histogram of precincts by turnout and yes share",
                      page->grid[qi], "turnout", y_label);
    fputs("<p class=\"caption\">Precincts by whole percent of turnout and of yes (Klimek et al., "
          "PNAS 2012). A clean count gives one compact cloud; a smear or a second cluster towards "
          "100% turnout and 100% yes is the pattern ballot stuffing leaves.",
          fp);
    caption_end(fp, page->no_base[qi], "precincts with no votes to take a share of");
}

/* An integer-percentage result: observed, and what resampling expects. */
static void
integer_cells(FILE *fp, const dauys_forensics_integer *x, int flagged, const char *field)
{
    fprintf(fp, "<td class=\"n\" data-field=\"%s\"%s>", field,
            flagged ? " style=\"font-weight:bold\"" : "");
    count(fp, x->observed);
    fprintf(fp, "</td><td class=\"n\" data-field=\"%s-expected\">%.1f (", field, x->expected);
    count(fp, x->p999);
    fputs(")</td>", fp);
}

/* One area's row of the forensics table. */
static void
forensics_row(FILE *fp, const char *id, size_t id_len, const dauys_forensics_area *a)
{
    fprintf(fp, "<tr%s data-area=\"", a->flags ? " class=\"flag\"" : "");
    dauys_out_html_text(fp, id, id_len);
    fputs("\"><td>", fp);
    dauys_out_html_text(fp, id, id_len);
    fputs("</td>", fp);
    cell(fp, "considered", a->considered);
    integer_cells(fp, &a->turnout, (a->flags & DAUYS_FORENSICS_INTEGER_TURNOUT) != 0,
                  "integer-turnout");
    integer_cells(fp, &a->yes, (a->flags & DAUYS_FORENSICS_INTEGER_YES) != 0, "integer-yes");
    cell(fp, "digits", a->digits.n);
    fprintf(fp, "<td class=\"n\">%.2f</td><td class=\"n\">%.4f</td>", a->digits.chi2,
            a->digits.p_value);
    if (a->correlation_defined) {
        fprintf(fp, "<td class=\"n\">%.2f</td>", a->correlation);
    } else {
        fputs("<td class=\"n\">-</td>", fp);
    }
    fputs("<td class=\"n\">", fp);
    percent(fp, a->high_high_ballots, a->ballots);
    fputs("</td></tr>\n", fp);
}

/* Each flag of area A (named NAME) as a sentence and its caveat. */
static void
forensics_flags(FILE *fp, const char *name, size_t name_len, const dauys_forensics_area *a)
{
    char sentence[512];

    for (unsigned f = 1; f < (1u << DAUYS_FORENSICS_FLAG_COUNT); f <<= 1) {
        if ((a->flags & f) == 0) {
            continue;
        }
        dauys_forensics_explain(sentence, sizeof sentence, a, f);
        fprintf(fp, "<li data-flag=\"%s\"><strong>", dauys_forensics_flag_name(f));
        dauys_out_html_text(fp, name, name_len);
        fprintf(fp, ": %s.</strong> ", dauys_forensics_flag_name(f));
        text(fp, sentence);
        fputs(" <span class=\"caveat\">Caveat: ", fp);
        text(fp, dauys_forensics_caveat(f));
        fputs("</span></li>\n", fp);
    }
}

/* The list of every flag raised for question QI, or a line saying none was. */
static void
forensics_flag_list(FILE *fp, const dauys_html_page *page, size_t qi)
{
    const dauys_forensics *f = &page->forensics[qi];
    const dauys_question_tally *q = &page->tally->q[qi];
    unsigned any = f->nation.flags;

    for (size_t i = 0; i < f->region_count; i++) {
        any |= f->region[i].flags;
    }
    if (any == 0) {
        fputs("<p id=\"flags-none\">No flag raised.</p>\n", fp);
        return;
    }
    fputs("<ul class=\"flags\">\n", fp);
    forensics_flags(fp, "national", 8, &f->nation);
    for (size_t i = 0; i < f->region_count; i++) {
        forensics_flags(fp, q->region[i].name, q->region[i].name_len, &f->region[i]);
    }
    fputs("</ul>\n", fp);
}

/* Question QI's forensics: the table, then the flags. */
static void
forensics(FILE *fp, const dauys_html_page *page, size_t qi)
{
    const dauys_forensics *f = &page->forensics[qi];
    const dauys_question_tally *q = &page->tally->q[qi];

    fputs("<h3>Forensics: flags for a human, not verdicts</h3>\n<p class=\"caption\">Statistical "
          "patterns that falsified counts have left elsewhere. A flag says where to look, not "
          "that anything is wrong: each names its caveat. Precincts with at least ",
          fp);
    count(fp, f->options.min_voters);
    fprintf(fp,
            " ballots; integer percentages within &plusmn;0.05 points, against %u binomial "
            "resamples (seed %llu); last digits of yes and no counts of at least 100 "
            "(&chi;&sup2;, 9 degrees of freedom). <code>dauys-audit forensics</code> gives the "
            "same from the bundle; docs/FORENSICS.md explains each test.</p>\n",
            f->options.resamples, (unsigned long long) f->options.seed);
    fprintf(fp,
            "<div class=\"wide\"><table "
            "id=\"forensics-%s\">\n<thead><tr><th>area</th><th>precincts</th>"
            "<th>whole-%% turnout</th><th>expected (99.9th pct)</th><th>whole-%% yes</th>"
            "<th>expected (99.9th pct)</th><th>last digits</th><th>&chi;&sup2;</th><th>p</th>"
            "<th>r(turnout, yes)</th><th>ballots in 90/90 precincts</th></tr></thead>\n<tbody>\n",
            q->question->id);
    for (size_t i = 0; i < f->region_count; i++) {
        forensics_row(fp, q->region[i].id, q->region[i].id_len, &f->region[i]);
    }
    forensics_row(fp, "national", 8, &f->nation);
    fputs("</tbody>\n</table></div>\n", fp);
    forensics_flag_list(fp, page, qi);
}

/* Question QI: its table, charts and forensics. */
static void
question(FILE *fp, const dauys_html_page *page, size_t qi)
{
    const dauys_tally *t = page->tally;
    const dauys_question_tally *q = &t->q[qi];

    fprintf(fp, "<section id=\"question-%s\">\n<h2>Question ", q->question->id);
    text(fp, q->question->id);
    fputs(": ", fp);
    dauys_out_html_text(fp, q->question->text, q->question->text_len);
    fputs("</h2>\n<p>Rules profile <code>", fp);
    text(fp, q->question->profile);
    fputs("</code>.</p>\n", fp);
    area_table(fp, t, q);
    turnout_chart(fp, t, q);
    yes_chart(fp, t, q);
    histogram(fp, page, qi);
    fingerprint(fp, page, qi);
    forensics(fp, page, qi);
    fputs("</section>\n", fp);
}

/* The level of area A, as the statement spells it. */
static const char *
level_text(const dauys_crosscheck_area *a)
{
    return a->level == DAUYS_LEVEL_REGION ? "region" : "district";
}

/* Area A's level, id and name. */
static void
summary_area_name(FILE *fp, const dauys_crosscheck_area *a)
{
    fprintf(fp, "%s <code>", level_text(a));
    dauys_out_html_text(fp, a->place->id, a->place->id_len);
    fputs("</code> (", fp);
    dauys_out_html_text(fp, a->place->name, a->place->name_len);
    fputs(")", fp);
}

/* One row of the table of areas: agrees, differs or none. */
static void
summary_row(FILE *fp, const dauys_crosscheck_area *a)
{
    fprintf(fp, "<tr%s><td>%s</td><td><code>",
            a->state == DAUYS_CROSSCHECK_DIFFERS ? " class=\"flag\"" : "", level_text(a));
    dauys_out_html_text(fp, a->place->id, a->place->id_len);
    fputs("</code></td><td>", fp);
    dauys_out_html_text(fp, a->place->name, a->place->name_len);
    if (a->state == DAUYS_CROSSCHECK_NONE) {
        fputs("</td><td>-</td><td class=\"n\">-</td><td>none: no current summary</td></tr>\n", fp);
        return;
    }
    fprintf(fp, "</td><td class=\"n\">%u</td><td class=\"n\">", a->version);
    count(fp, a->item_count);
    fprintf(fp, "</td><td class=\"%s\">%s</td></tr>\n",
            a->state == DAUYS_CROSSCHECK_AGREES ? "yes" : "no",
            a->state == DAUYS_CROSSCHECK_AGREES ? "agrees" : "DIFFERS");
}

/* An off item in words. */
static void
summary_item(FILE *fp, const dauys_crosscheck_item *e, dauys_level level)
{
    const char *problem = dauys_crosscheck_item_problem(e);
    const char *below = level == DAUYS_LEVEL_DISTRICT ? "protocol" : "summary";

    fputs("<li><code>", fp);
    text(fp, e->id);
    fputs("</code>: ", fp);
    if (e->listed == 0) {
        fprintf(fp, "not listed, its %s version %u counts (omitted)", below, e->counted);
    } else if (e->counted == 0) {
        fprintf(fp, "listed version %u, no %s of it counts (missing)", e->listed, below);
    } else {
        fprintf(fp, "listed version %u, version %u counts (%s)", e->listed, e->counted,
                strcmp(problem, "superseded") == 0 ? "superseded since"
                                                   : "the listed version does not count");
    }
    fputs("</li>\n", fp);
}

/* One disagreement: the fields with both numbers, the items off, and what was summed. */
static void
summary_disagreement(FILE *fp, const dauys_crosscheck *cc, const dauys_crosscheck_area *a)
{
    char name[DAUYS_CROSSCHECK_FIELD_NAME_MAX + 1];
    size_t shown = 0;

    fputs("<h3>", fp);
    summary_area_name(fp, a);
    fprintf(fp, ": summary version %u differs</h3>\n", a->version);
    if (a->field_count > 0) {
        fputs("<table>\n<thead><tr><th>field</th><th>summary</th><th>counted</th>"
              "<th>difference</th></tr></thead>\n<tbody>\n",
              fp);
        for (size_t k = 0; k < a->field_count; k++) {
            const dauys_crosscheck_field *f = &a->field[k];
            dauys_crosscheck_field_name(name, cc->manifest, f->index);
            fputs("<tr><td><code>", fp);
            text(fp, name);
            fputs("</code></td><td class=\"n\">", fp);
            count(fp, f->summary);
            fputs("</td><td class=\"n\">", fp);
            count(fp, f->counted);
            fprintf(fp, "</td><td class=\"n\">%s", f->summary > f->counted ? "+" : "-");
            count(fp, f->summary > f->counted ? f->summary - f->counted : f->counted - f->summary);
            fputs("</td></tr>\n", fp);
        }
        fputs("</tbody>\n</table>\n", fp);
    }
    if (a->off_count > 0) {
        fprintf(fp, "<p>%s the summary lists that do not match what counts:</p>\n<ul>\n",
                a->level == DAUYS_LEVEL_DISTRICT ? "Precincts" : "Districts");
        for (size_t k = 0; k < a->entry_count; k++) {
            if (a->entry[k].listed != a->entry[k].counted) {
                summary_item(fp, &a->entry[k], a->level);
            }
        }
        fputs("</ul>\n", fp);
    }
    fprintf(fp, "<p class=\"caption\">Counted from %zu %s (id and the version that counts):",
            a->summed_count,
            a->level == DAUYS_LEVEL_DISTRICT ? "precincts' protocols" : "districts' summaries");
    for (size_t k = 0; k < a->entry_count; k++) {
        const dauys_crosscheck_item *e = &a->entry[k];
        if (e->listed != 0 && e->counted != 0) {
            fprintf(fp, "%s <code>", shown++ > 0 ? "," : "");
            text(fp, e->id);
            fprintf(fp, "</code> v%u", e->counted);
        }
    }
    fputs(shown > 0 ? ".</p>\n" : " none.</p>\n", fp);
}

/* The summary protocols against what counts below them: nothing without commissions. */
static void
summaries(FILE *fp, const dauys_html_page *page)
{
    const dauys_crosscheck *cc = &page->tally->crosscheck;

    if (cc->area_count == 0) {
        return;
    }
    fputs("<section id=\"summaries\">\n<h2>Summary protocols</h2>\n<p>Each district and region "
          "commission signs a summary of the results below it. The count is always the "
          "precincts' own protocols: each summary is checked against the protocols that count "
          "in its district (a region's, against its districts' summaries), never counted itself. ",
          fp);
    count(fp, cc->agrees);
    fputs(" agree, ", fp);
    count(fp, cc->differs);
    fputs(" differ, ", fp);
    count(fp, cc->none);
    fputs(" have no current summary.</p>\n<div class=\"wide\"><table>\n<thead><tr><th>level</th>"
          "<th>area</th><th>name</th><th>version</th><th>items</th><th>check</th></tr></thead>\n"
          "<tbody>\n",
          fp);
    for (size_t i = 0; i < cc->area_count; i++) {
        summary_row(fp, &cc->area[i]);
    }
    fputs("</tbody>\n</table></div>\n", fp);
    if (cc->differs > 0) {
        fputs("<p>Every disagreement, with the summary's number and the sum of what counts:</p>\n",
              fp);
    }
    for (size_t i = 0; i < cc->area_count; i++) {
        if (cc->area[i].state == DAUYS_CROSSCHECK_DIFFERS) {
            summary_disagreement(fp, cc, &cc->area[i]);
        }
    }
    fputs("</section>\n", fp);
}

/* One refusal's row. */
static void
refusal_row(FILE *fp, const dauys_html_refusal *r)
{
    fputs("<tr><td class=\"n\">", fp);
    count(fp, r->log_index);
    fputs("</td><td>", fp);
    text(fp, r->precinct[0] != '\0' ? r->precinct : "-");
    if (r->version >= 0) {
        fprintf(fp, "</td><td class=\"n\">%lld</td><td>", (long long) r->version);
    } else {
        fputs("</td><td class=\"n\">-</td><td>", fp);
    }
    text(fp, r->outcome);
    fputs("</td><td>", fp);
    text(fp, r->code[0] != '\0' ? r->code : "-");
    fputs("</td><td>", fp);
    text(fp, r->reason);
    fputs("</td></tr>\n", fp);
}

/* The submissions that do not count, with their reasons. */
static void
refusals(FILE *fp, const dauys_html_page *page)
{
    fputs("<section id=\"refusals\">\n<h2>Protocols that do not count</h2>\n<p>", fp);
    count(fp, page->refusal_total);
    fputs(" submissions were recorded but not counted: rejected (a control relation broken, a bad "
          "signature...), replays, conflicts and stale versions. Each is in the log with its "
          "reason.",
          fp);
    if (page->refusal_total > page->refusal_count) {
        fputs(" The first ", fp);
        count(fp, page->refusal_count);
        fputs(" by log entry are listed; <code>protocols/index.tsv</code> in the bundle lists all.",
              fp);
    }
    fputs("</p>\n", fp);
    if (page->refusal_count > 0) {
        fputs(
            "<div class=\"wide\"><table id=\"refusal-table\">\n<thead><tr><th>log "
            "entry</th><th>precinct</th>"
            "<th>version</th><th>outcome</th><th>code</th><th>reason</th></tr></thead>\n<tbody>\n",
            fp);
        for (size_t i = 0; i < page->refusal_count; i++) {
            refusal_row(fp, &page->refusal[i]);
        }
        fputs("</tbody>\n</table></div>\n", fp);
    }
    fputs("</section>\n", fp);
}

/* How to check the page's numbers against the signed evidence. */
static void
footer(FILE *fp)
{
    fputs("<footer>\n<h2>Checking this page</h2>\n<p>Every count here is the signed result "
          "statement's (<code>result.txt</code>). Verify its signature with stock minisign "
          "(<code>minisign -Vm result.txt -p central.pub</code>), and re-derive everything from "
          "the signed protocols with <code>dauys-audit verify BUNDLE</code>. The charts are drawn "
          "from the counting protocols; the page loads nothing from anywhere.</p>\n"
          "<p>Made by dauys.</p>\n</footer>\n</body>\n</html>\n",
          fp);
}

void
dauys_html_write(FILE *fp, const dauys_html_page *page)
{
    const dauys_tally *t = page->tally;

    head(fp, t->manifest);
    masthead(fp, t->manifest);
    banner(fp, page);
    for (size_t i = 0; i < t->question_count; i++) {
        question(fp, page, i);
    }
    summaries(fp, page);
    refusals(fp, page);
    footer(fp);
}
