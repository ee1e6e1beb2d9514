/*
 * livepage.c: the live results page (livepage.h). The numbers are written
 * into the HTML as the report writes them (core/textout.h: thousands
 * separators, percentages in integer arithmetic), each marked with the path
 * of its value in the /v1/status JSON; the inline script formats a newer
 * status the same way and sets the marked elements' text. The script and the
 * style are constants, so their hashes, which the Content-Security-Policy
 * allows, are the same for every page.
 */
#include "serve/livepage.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/kvtext.h"
#include "core/textout.h"
#include "serve/snapshot_internal.h"

static const char live_style[] =
    "body{font-family:system-ui,\"DejaVu Sans\",\"Liberation Sans\",Arial,sans-serif;"
    "margin:0 auto;max-width:62rem;padding:1rem 1.5rem;color:#111;line-height:1.4}\n"
    "h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.3rem;margin-top:2rem;"
    "border-bottom:2px solid #333}\n"
    ".banner{border:3px solid #a06000;background:#fff3d6;padding:.6rem 1rem;margin:1rem 0}\n"
    ".decision{font-size:1.25rem;font-weight:bold}.yes{color:#1a6b1a}.no{color:#a01010}\n"
    ".test{background:#fff3b0;border:1px dashed #a08000;padding:.2rem .5rem}\n"
    "code,pre{font-family:\"DejaVu Sans Mono\",monospace;font-size:.85em;word-break:break-all}\n"
    "pre{white-space:pre-wrap;background:#f4f4f4;padding:.5rem}\n"
    "table{border-collapse:collapse;margin:.5rem 0;font-size:.85rem}\n"
    "caption{text-align:left;font-weight:bold;padding:.2rem 0}\n"
    "th,td{border:1px solid #bbb;padding:.15rem .4rem}th{background:#eee}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "tr.total td{font-weight:bold;border-top:2px solid #333}\n"
    ".wide{overflow-x:auto}#live-state[data-state=error]{color:#a01010}\n";

#define DAUYS_SERVE_STR(x) #x
#define DAUYS_SERVE_STRINGIFY(x) DAUYS_SERVE_STR(x)

/* Polls v1/status (relative: the page is at the server's root) and sets the
 * text of every marked element; never goes back to an older checkpoint (a
 * cache or a slow answer); numbers beyond 2^53, which JSON.parse would round,
 * are left as the page has them. No "</" may appear in it. */
static const char live_script[] =
    "(function () {\n"
    "  \"use strict\";\n"
    "  var POLL_MS = " DAUYS_SERVE_STRINGIFY(
        DAUYS_SERVE_LIVE_POLL_MS) ";\n"
                                  "  var root = document.documentElement;\n"
                                  "  var state = document.getElementById(\"live-state\");\n"
                                  "  var polls = 0;\n"
                                  "  var last = root.getAttribute(\"data-checkpoint-size\");\n"
                                  "  last = last === \"\" ? -1 : Number(last);\n"
                                  "  function get(obj, path) {\n"
                                  "    var parts = path.split(\".\");\n"
                                  "    for (var i = 0; i < parts.length; i++) {\n"
                                  "      if (obj === null || typeof obj !== \"object\" ||\n"
                                  "          !Object.prototype.hasOwnProperty.call(obj, parts[i])) "
                                  "{\n"
                                  "        return undefined;\n"
                                  "      }\n"
                                  "      obj = obj[parts[i]];\n"
                                  "    }\n"
                                  "    return obj;\n"
                                  "  }\n"
                                  "  function count(v) {\n"
                                  "    return typeof v === \"number\" && Number.isSafeInteger(v) "
                                  "&& v >= 0;\n"
                                  "  }\n"
                                  "  function group(v) {\n"
                                  "    var s = String(v), out = \"\";\n"
                                  "    for (var i = 0; i < s.length; i++) {\n"
                                  "      if (i > 0 && (s.length - i) % 3 === 0) {\n"
                                  "        out += \",\";\n"
                                  "      }\n"
                                  "      out += s.charAt(i);\n"
                                  "    }\n"
                                  "    return out;\n"
                                  "  }\n"
                                  "  function percent(part, whole) {\n"
                                  "    if (whole === 0) {\n"
                                  "      return \"-\";\n"
                                  "    }\n"
                                  "    var p = BigInt(part), w = BigInt(whole);\n"
                                  "    var h = (p * BigInt(20000) + w) / (w * BigInt(2));\n"
                                  "    var f = String(h % BigInt(100));\n"
                                  "    return String(h / BigInt(100)) + \".\" + (f.length < 2 ? "
                                  "\"0\" + f : f) + \"%\";\n"
                                  "  }\n"
                                  "  function set(el, text) {\n"
                                  "    if (el.textContent !== text) {\n"
                                  "      el.textContent = text;\n"
                                  "    }\n"
                                  "  }\n"
                                  "  function each(attr, fn) {\n"
                                  "    var all = document.querySelectorAll(\"[\" + attr + \"]\");\n"
                                  "    for (var i = 0; i < all.length; i++) {\n"
                                  "      fn(all[i], all[i].getAttribute(attr));\n"
                                  "    }\n"
                                  "  }\n"
                                  "  function apply(data) {\n"
                                  "    var size = get(data, \"checkpoint.size\");\n"
                                  "    size = count(size) ? size : -1;\n"
                                  "    if (data.provisional !== true || size < last) {\n"
                                  "      return false;\n"
                                  "    }\n"
                                  "    last = size;\n"
                                  "    each(\"data-n\", function (el, path) {\n"
                                  "      var v = get(data, path);\n"
                                  "      if (v === null) {\n"
                                  "        set(el, \"none yet\");\n"
                                  "      } else if (count(v)) {\n"
                                  "        set(el, group(v));\n"
                                  "      }\n"
                                  "    });\n"
                                  "    each(\"data-p\", function (el, paths) {\n"
                                  "      var two = paths.split(\" \"), a = get(data, two[0]), b = "
                                  "get(data, two[1]);\n"
                                  "      if (count(a) && count(b)) {\n"
                                  "        set(el, percent(a, b));\n"
                                  "      }\n"
                                  "    });\n"
                                  "    each(\"data-b\", function (el, path) {\n"
                                  "      var v = get(data, path);\n"
                                  "      if (typeof v === \"boolean\") {\n"
                                  "        set(el, el.getAttribute(v ? \"data-t\" : \"data-f\"));\n"
                                  "        el.className = v ? \"yes\" : \"no\";\n"
                                  "      }\n"
                                  "    });\n"
                                  "    each(\"data-s\", function (el, path) {\n"
                                  "      var v = get(data, path);\n"
                                  "      if (v === null) {\n"
                                  "        set(el, \"none yet\");\n"
                                  "      } else if (typeof v === \"string\") {\n"
                                  "        set(el, v);\n"
                                  "      }\n"
                                  "    });\n"
                                  "    root.setAttribute(\"data-checkpoint-size\", size < 0 ? \"\" "
                                  ": String(size));\n"
                                  "    return true;\n"
                                  "  }\n"
                                  "  function poll() {\n"
                                  "    fetch(\"v1/status\", {cache: \"no-store\", credentials: "
                                  "\"same-origin\"})\n"
                                  "      .then(function (r) {\n"
                                  "        if (!r.ok) {\n"
                                  "          throw new Error(\"the server answered \" + "
                                  "r.status);\n"
                                  "        }\n"
                                  "        return r.json();\n"
                                  "      })\n"
                                  "      .then(function (data) {\n"
                                  "        if (apply(data)) {\n"
                                  "          polls++;\n"
                                  "          root.setAttribute(\"data-polls\", String(polls));\n"
                                  "          state.setAttribute(\"data-state\", \"live\");\n"
                                  "          set(state, \"Live: these numbers update by themselves "
                                  "every few seconds (last \" +\n"
                                  "              new Date().toLocaleTimeString() + \").\");\n"
                                  "        }\n"
                                  "      })\n"
                                  "      .catch(function (e) {\n"
                                  "        state.setAttribute(\"data-state\", \"error\");\n"
                                  "        set(state, \"Live updates paused (\" + String(e && "
                                  "e.message ? e.message : e) +\n"
                                  "            \"); trying again.\");\n"
                                  "      })\n"
                                  "      .then(function () {\n"
                                  "        setTimeout(poll, POLL_MS);\n"
                                  "      });\n"
                                  "  }\n"
                                  "  poll();\n"
                                  "})();\n";

/* --- the Content-Security-Policy ------------------------------------------ */

#define DAUYS_SERVE_CSP_HASH_MAX sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)

static pthread_once_t csp_once = PTHREAD_ONCE_INIT;
static char csp_meta[400], csp_header[sizeof csp_meta + 32];

/* "'sha256-BASE64'" of the N bytes at S into OUT. */
static void
csp_hash(char out[DAUYS_SERVE_CSP_HASH_MAX], const char *s, size_t n)
{
    unsigned char h[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(h, (const unsigned char *) s, n); /* cannot fail */
    sodium_bin2base64(out, DAUYS_SERVE_CSP_HASH_MAX, h, sizeof h, sodium_base64_VARIANT_ORIGINAL);
}

static void
csp_init(void)
{
    char script[DAUYS_SERVE_CSP_HASH_MAX], style[DAUYS_SERVE_CSP_HASH_MAX];

    csp_hash(script, live_script, sizeof live_script - 1);
    csp_hash(style, live_style, sizeof live_style - 1);
    snprintf(csp_meta, sizeof csp_meta,
             "default-src 'none'; script-src 'sha256-%s'; style-src 'sha256-%s'; "
             "connect-src 'self'; base-uri 'none'; form-action 'none'",
             script, style);
    snprintf(csp_header, sizeof csp_header, "%s; frame-ancestors 'none'", csp_meta);
}

const char *
dauys_serve_live_page_csp(void)
{
    (void) pthread_once(&csp_once, csp_init);
    return csp_header;
}

/* --- writing ----------------------------------------------------------------- */

#define add dauys_textbuf_add

/* The N bytes at S as HTML text (as dauys_out_html_text): & < > " ' as
 * references; controls and bytes that are not UTF-8 as U+FFFD. */
static void
html(dauys_textbuf *b, const char *s, size_t n)
{
    size_t run = 0;

    for (size_t i = 0, k; i < n; i += k) {
        unsigned char c = (unsigned char) s[i];
        const char *ref = c == '&'    ? "&amp;"
                          : c == '<'  ? "&lt;"
                          : c == '>'  ? "&gt;"
                          : c == '"'  ? "&quot;"
                          : c == '\'' ? "&#39;"
                                      : NULL;
        dauys_char_kind kind = dauys_utf8_next(s + i, n - i, &k);
        if (ref == NULL && (kind == DAUYS_CHAR_TEXT || c == '\t' || c == '\n')) {
            run += k;
            continue;
        }
        if (run > 0) {
            add(b, "%.*s", (int) run, s + i - run);
            run = 0;
        }
        add(b, "%s", ref != NULL ? ref : "\xef\xbf\xbd");
    }
    if (run > 0) {
        add(b, "%.*s", (int) run, s + n - run);
    }
}

static void
html_z(dauys_textbuf *b, const char *s)
{
    html(b, s, strlen(s));
}

/* An element TAG marked data-n="PATH..." showing N with thousands separators. */
static void num(dauys_textbuf *b, const char *tag, uint64_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
num(dauys_textbuf *b, const char *tag, uint64_t n, const char *fmt, ...)
{
    char path[128], g[32];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    dauys_out_group(g, sizeof g, n);
    add(b, "<%s%s data-n=\"%s\">%s</%s>", tag, strcmp(tag, "td") == 0 ? " class=\"n\"" : "", path,
        g, tag);
}

/* A cell marked data-p="PREFIX.PART PREFIX.WHOLE" with PART of WHOLE as a percentage. */
static void
pct(dauys_textbuf *b, const char *prefix, const char *part_key, uint64_t part,
    const char *whole_key, uint64_t whole)
{
    char p[16];

    dauys_out_percent(p, sizeof p, part, whole);
    add(b, "<td class=\"n\" data-p=\"%s.%s %s.%s\">%s</td>", prefix, part_key, prefix, whole_key,
        p);
}

/* An element TAG marked data-b=PATH showing YES or NO (and classed so). */
static void
yesno(dauys_textbuf *b, const char *tag, int v, const char *yes, const char *no, const char *path)
{
    add(b, "<%s class=\"%s\" data-b=\"%s\" data-t=\"%s\" data-f=\"%s\">%s</%s>", tag,
        v ? "yes" : "no", path, yes, no, v ? yes : no, tag);
}

static void
head(dauys_textbuf *b, const dauys_serve_snapshot *s, const dauys_checkpoint *cp, int has_cp)
{
    add(b, "<!DOCTYPE html>\n<html lang=\"en\" data-checkpoint-size=\"");
    if (has_cp) {
        add(b, "%llu", (unsigned long long) cp->size);
    }
    add(b,
        "\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"generator\" content=\"dauys\">\n<title>PROVISIONAL results: ",
        csp_meta);
    html(b, s->title.s, s->title.n);
    add(b, "</title>\n<style>%s</style>\n</head>\n<body>\n", live_style);
}

/* When the manifest names witnesses: how many cosigned the checkpoint, and
 * whether they are its quorum (a checkpoint without is published all the
 * same, and says so). */
static void
witnesses(dauys_textbuf *b, const dauys_serve_snapshot *s, size_t cosigned)
{
    const dauys_witness_policy *p = &s->witnesses;

    if (p->count == 0) {
        return;
    }
    add(b, "<p id=\"witnesses\">Witnesses: the checkpoint is cosigned by ");
    num(b, "span", cosigned, "witnesses.cosigned");
    add(b, " of the ");
    num(b, "span", p->count, "witnesses.named");
    add(b, " witnesses the manifest names, ");
    num(b, "span", p->quorum, "witnesses.quorum");
    add(b, " needed: ");
    yesno(b, "strong", cosigned >= p->quorum, "quorum met",
          "NO QUORUM: the witnesses have not confirmed this checkpoint", "witnesses.quorum_met");
    add(b, ".</p>\n");
}

/* The banner: provisional, which checkpoint, and whether the page is live. */
static void
banner(dauys_textbuf *b, const dauys_serve_snapshot *s, const dauys_checkpoint *cp, int has_cp,
       size_t cosigned)
{
    add(b, "<section class=\"banner\" id=\"banner\">\n<p><strong>PROVISIONAL RESULTS</strong>: "
           "counted as the precincts' protocols arrive, not the final result. The final result "
           "is the result statement the central commission signs when the count ends "
           "(<code>dauys publish</code>).</p>\n<p>These numbers cover the first ");
    if (has_cp) {
        num(b, "span", cp->size, "checkpoint.size");
    } else {
        add(b, "<span data-n=\"checkpoint.size\">none yet</span>");
    }
    add(b, " entries of the log, as the signed checkpoint below states. "
           "<span id=\"live-state\" data-state=\"static\">They are as of when this page was "
           "made: reload it for newer ones.</span></p>\n");
    witnesses(b, s, cosigned);
    if (!s->official) {
        add(b, "<p><span class=\"test\">TEST: a mock referendum, not an official "
               "result</span></p>\n");
    }
    add(b, "</section>\n");
}

static void
masthead(dauys_textbuf *b, const dauys_serve_snapshot *s)
{
    add(b, "<header>\n<h1>");
    html(b, s->title.s, s->title.n);
    add(b, " (provisional)</h1>\n<p>Referendum <code>");
    html_z(b, s->referendum);
    add(b, "</code>, ");
    html_z(b, s->date);
    add(b, ", manifest version %u.</p>\n</header>\n", s->manifest_version);
}

/* One row of the precincts table (INDEX -1: the nation). */
static void
place_row(dauys_textbuf *b, const dauys_serve_place *p, long index)
{
    char prefix[40];

    if (index < 0) {
        snprintf(prefix, sizeof prefix, "national");
    } else {
        snprintf(prefix, sizeof prefix, "regions.%ld", index);
    }
    add(b, "<tr%s data-area=\"", index < 0 ? " class=\"total\"" : "");
    html(b, p->id.s, p->id.n);
    add(b, "\"><td>");
    html(b, p->id.s, p->id.n);
    add(b, "</td><td>");
    if (index < 0) {
        add(b, "whole country");
    } else {
        html(b, p->name.s, p->name.n);
    }
    add(b, "</td>");
    num(b, "td", p->expected, "%s.expected", prefix);
    num(b, "td", p->accepted, "%s.accepted", prefix);
    num(b, "td", p->conflicted, "%s.conflicted", prefix);
    num(b, "td", p->missing, "%s.missing", prefix);
    pct(b, prefix, "accepted", p->accepted, "expected", p->expected);
    add(b, "</tr>\n");
}

/* Precincts reporting per region, and the submissions by outcome. */
static void
progress(dauys_textbuf *b, const dauys_serve_snapshot *s)
{
    uint64_t total = 0;

    add(b, "<section id=\"progress\">\n<h2>Precincts reporting (provisional)</h2>\n<p>");
    num(b, "strong", s->national.accepted, "national.accepted");
    add(b, " of ");
    num(b, "span", s->national.expected, "national.expected");
    add(b, " precincts have an accepted protocol; ");
    num(b, "span", s->national.missing, "national.missing");
    add(b, " are missing and ");
    num(b, "span", s->national.conflicted, "national.conflicted");
    add(b, " in conflict.</p>\n<div class=\"wide\"><table id=\"precincts\">\n"
           "<caption>Provisional: precincts reporting by region</caption>\n"
           "<thead><tr><th>id</th><th>region</th><th>expected</th><th>accepted</th>"
           "<th>conflicted</th><th>missing</th><th>reporting</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < s->region_count; i++) {
        place_row(b, &s->region[i], (long) i);
    }
    place_row(b, &s->national, -1);
    add(b, "</tbody>\n</table></div>\n<div class=\"wide\"><table id=\"submissions\">\n"
           "<caption>Provisional: submissions by outcome</caption>\n<thead><tr>");
    for (size_t i = 0; i < DAUYS_SERVE_OUTCOMES; i++) {
        add(b, "<th>%s</th>", dauys_serve_outcome_name[i]);
        total += s->submissions[i];
    }
    add(b, "<th>total</th><th>warnings</th></tr></thead>\n<tbody><tr>");
    for (size_t i = 0; i < DAUYS_SERVE_OUTCOMES; i++) {
        num(b, "td", s->submissions[i], "submissions.%s", dauys_serve_outcome_name[i]);
    }
    num(b, "td", total, "submissions.total");
    num(b, "td", s->warnings, "warnings");
    add(b, "</tr></tbody>\n</table></div>\n</section>\n");
}

/* A threshold in words: "more than 1/2 of the eligible". */
static void
threshold(dauys_textbuf *b, const char *what, const dauys_threshold *t, const char *of)
{
    add(b, "<li>%s: %s %u/%u of %s</li>\n", what, t->at_least ? "at least" : "more than", t->num,
        t->den, of);
}

/* Question QI's provisional verdict, its rules with their numbers, and its thresholds. */
static void
verdict(dauys_textbuf *b, const dauys_serve_question *q, size_t qi)
{
    static const char *const names[] = {"quorum", "majority", "regions"};
    const dauys_verdict *v = &q->verdict;
    const dauys_rules *r = &q->rules;
    char path[96];

    add(b, "<p class=\"decision\">Provisional verdict: ");
    snprintf(path, sizeof path, "questions.%zu.valid", qi);
    yesno(b, "span", v->valid, "VALID", "NOT VALID", path);
    add(b, ", ");
    snprintf(path, sizeof path, "questions.%zu.adopted", qi);
    yesno(b, "span", v->adopted, "ADOPTED", "NOT ADOPTED", path);
    add(b, " (if the count stopped here)</p>\n<ul class=\"rules\">\n");
    for (size_t i = 0; i < v->rule_count; i++) {
        const dauys_rule_result *rr = &v->rule[i];
        add(b, "<li data-rule=\"%s\"><strong>%s</strong> ", names[rr->id], names[rr->id]);
        snprintf(path, sizeof path, "questions.%zu.rules.%zu.passed", qi, i);
        yesno(b, "span", rr->passed, "met", "NOT met", path);
        add(b, ": have ");
        num(b, "span", rr->have, "questions.%zu.rules.%zu.have", qi, i);
        add(b, ", needed ");
        num(b, "span", rr->needed, "questions.%zu.rules.%zu.needed", qi, i);
        add(b, ", of ");
        num(b, "span", rr->of, "questions.%zu.rules.%zu.of", qi, i);
        add(b, " <em>[");
        html_z(b, rr->clause);
        add(b, "]</em></li>\n");
    }
    add(b, "</ul>\n<p>Thresholds of the profile <code>");
    html_z(b, q->profile);
    add(b, "</code>:</p>\n<ul class=\"thresholds\">\n");
    if (r->has_quorum) {
        threshold(b, "quorum (took part)", &r->quorum, "the eligible");
    }
    threshold(b, "majority (yes)", &r->majority,
              r->majority_of_valid ? "the valid votes (yes + no)" : "those who took part");
    if (r->has_regions) {
        threshold(b, "regions with a majority", &r->regions, "the regions counted (not abroad)");
    }
    add(b, "</ul>\n");
}

/* One area's row of question QI's table (REGION -1: the nation). */
static void
area_row(dauys_textbuf *b, const dauys_serve_snapshot *s, size_t qi, long region)
{
    const dauys_serve_question *q = &s->q[qi];
    const dauys_serve_area *a = region < 0 ? &q->nation : &q->region[region];
    const dauys_counts *c = &a->counts;
    char prefix[64], path[96];

    if (region < 0) {
        snprintf(prefix, sizeof prefix, "questions.%zu.national", qi);
        add(b, "<tr class=\"total\" data-area=\"national\"><td>national</td><td>whole country"
               "</td>");
    } else {
        const dauys_serve_place *p = &s->region[region];
        snprintf(prefix, sizeof prefix, "questions.%zu.regions.%ld", qi, region);
        add(b, "<tr data-area=\"");
        html(b, p->id.s, p->id.n);
        add(b, "\"><td>");
        html(b, p->id.s, p->id.n);
        add(b, "</td><td>");
        html(b, p->name.s, p->name.n);
        add(b, "</td>");
    }
    num(b, "td", a->reporting, "%s.precincts_reporting", prefix);
    num(b, "td", a->expected, "%s.precincts_expected", prefix);
    num(b, "td", c->eligible, "%s.eligible", prefix);
    num(b, "td", c->took_part, "%s.took_part", prefix);
    pct(b, prefix, "took_part", c->took_part, "eligible", c->eligible);
    num(b, "td", c->yes, "%s.yes", prefix);
    num(b, "td", c->no, "%s.no", prefix);
    num(b, "td", c->not_counted, "%s.not_counted", prefix);
    num(b, "td", c->invalid, "%s.invalid", prefix);
    pct(b, prefix, "yes", c->yes, "yes_base", a->yes_base);
    snprintf(path, sizeof path, "%s.majority", prefix);
    yesno(b, "td", a->majority, "yes", "no", path);
    add(b, "</tr>\n");
}

/* Question QI: its verdict and its table of regions. */
static void
question(dauys_textbuf *b, const dauys_serve_snapshot *s, size_t qi)
{
    const dauys_serve_question *q = &s->q[qi];

    add(b, "<section id=\"question-%s\">\n<h2>Question ", q->id);
    html_z(b, q->id);
    add(b, " (provisional): ");
    html(b, q->text.s, q->text.n);
    add(b, "</h2>\n");
    verdict(b, q, qi);
    add(b,
        "<div class=\"wide\"><table id=\"areas-%s\">\n<caption>Provisional: question %s by "
        "region</caption>\n<thead><tr><th>id</th><th>region</th><th>reporting</th>"
        "<th>expected</th><th>eligible</th><th>took part</th><th>turnout</th><th>yes</th>"
        "<th>no</th><th>not counted</th><th>invalid</th><th>yes (of %s)</th>"
        "<th>majority</th></tr></thead>\n<tbody>\n",
        q->id, q->id, q->rules.majority_of_valid ? "valid votes" : "took part");
    for (size_t i = 0; i < s->region_count; i++) {
        area_row(b, s, qi, (long) i);
    }
    area_row(b, s, qi, -1);
    add(b, "</tbody>\n</table></div>\n</section>\n");
}

/* The signed checkpoint the numbers cover, and how to check the log. */
static void
checkpoint(dauys_textbuf *b, const dauys_checkpoint *cp, const char *note)
{
    char root[DAUYS_SERVE_CSP_HASH_MAX];

    add(b, "<section id=\"checkpoint\">\n<h2>The signed checkpoint these provisional numbers "
           "cover</h2>\n");
    if (note == NULL) {
        add(b, "<p>Log size <span data-n=\"checkpoint.size\">none yet</span>, root <code "
               "data-s=\"checkpoint.root\">none yet</code>.</p>\n<pre data-s=\"checkpoint.note\">"
               "none yet</pre>\n");
    } else {
        sodium_bin2base64(root, sizeof root, cp->root, 32, sodium_base64_VARIANT_ORIGINAL);
        add(b, "<p>Log size ");
        num(b, "span", cp->size, "checkpoint.size");
        add(b,
            ", root <code data-s=\"checkpoint.root\">%s</code>.</p>\n"
            "<pre data-s=\"checkpoint.note\">",
            root);
        html_z(b, note);
        add(b, "</pre>\n");
    }
    add(b, "<p>Observers follow the log as it grows and check that it only grows: "
           "<code>dauys-audit follow URL -p central.pub --state DIR</code>. These numbers are "
           "also at <code>/v1/status</code> (JSON).</p>\n</section>\n");
}

int
dauys_serve_live_page(char **out, size_t *len, const dauys_serve_snapshot *s,
                      const char *checkpoint_note, dauys_error *err)
{
    dauys_textbuf b = {.cap = 0};
    dauys_checkpoint cp = {.size = 0};
    int has_cp = checkpoint_note != NULL;
    size_t cosigned = 0;

    *out = NULL;
    *len = 0;
    if ((has_cp && dauys_serve_checkpoint_check(&cp, s, checkpoint_note, err) != 0) ||
        dauys_serve_witnesses_cosigned(&cosigned, s, checkpoint_note, err) != 0) {
        return -1;
    }
    (void) dauys_serve_live_page_csp(); /* csp_meta */
    head(&b, s, &cp, has_cp);
    banner(&b, s, &cp, has_cp, cosigned);
    masthead(&b, s);
    progress(&b, s);
    for (size_t i = 0; i < s->question_count; i++) {
        question(&b, s, i);
    }
    checkpoint(&b, &cp, checkpoint_note);
    add(&b,
        "<footer>\n<p>Made by dauys. Provisional numbers, counted from the signed protocols "
        "accepted so far.</p>\n</footer>\n<script>%s</script>\n</body>\n</html>\n",
        live_script);
    if (b.failed) {
        dauys_free(b.buf);
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory writing the live page");
    }
    *out = b.buf;
    *len = b.len;
    return 0;
}
