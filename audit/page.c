/*
 * page.c: the scanner of page.h. One pass, no allocation: the page is read
 * tag by tag, keeping the open contexts (a decision, a question's section,
 * a table, an area's row) by the depth of their elements; text between tags
 * matters only right after a data-field tag.
 */
#include "audit/page.h"

#include <stddef.h>
#include <string.h>

/* An open element that gives a context, closed at its own depth. */
typedef struct context {
    audit_page_span question; /* empty: not open */
    unsigned depth;           /* of its element among the elements of its name */
} context;

typedef struct scanner {
    const char *p, *end;
    unsigned line, tag_line;
    unsigned divs, sections; /* open <div> and <section> elements */
    context decision, section;
    int in_table, in_areas; /* inside a table; a table of areas */
    audit_page_span table;  /* the question of the table of areas */
    audit_page_span area;   /* the open area's row, empty if none */
    unsigned area_line;
    audit_page_fn fn;
    void *ctx;
    unsigned *bad_line;
    dauys_error *err;
} scanner;

/* The attributes of one start tag that the scan reads. */
typedef struct tag {
    audit_page_span name, id, area, field, rule, passed;
    unsigned seen; /* which of the kept attributes were given, to refuse a second */
} tag;

/* -1, with ERR saying WHAT and the scan's bad line set to LINE. */
static int
fail_at(scanner *s, unsigned line, const char *what)
{
    *s->bad_line = line;
    return dauys_error_set(s->err, DAUYS_E_FORMAT, "%s", what);
}

/* fail_at the current tag's line. */
static int
fail(scanner *s, const char *what)
{
    return fail_at(s, s->tag_line, what);
}

/* An empty span at P (never NULL). */
static audit_page_span
empty_at(const char *p)
{
    return (audit_page_span){p, 0};
}

/* Moves to END (within the page), counting the lines passed. */
static void
advance(scanner *s, const char *end)
{
    for (const char *q = s->p; q < end; q++) {
        s->line += *q == '\n';
    }
    s->p = end;
}

/* 1 if SP is exactly WORD. */
static int
span_is(audit_page_span sp, const char *word)
{
    size_t n = strlen(word);
    return sp.len == n && memcmp(sp.at, word, n) == 0;
}

/* SP with PREFIX taken off, or empty if it does not start with it (or is only it). */
static audit_page_span
after_prefix(audit_page_span sp, const char *prefix)
{
    size_t n = strlen(prefix);
    if (sp.len <= n || memcmp(sp.at, prefix, n) != 0) {
        return empty_at(sp.at);
    }
    return (audit_page_span){sp.at + n, sp.len - n};
}

/* 1 for the bytes of tag and attribute names. */
static int
name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == ':' || c == '_';
}

/* 1 if SP has an upper-case letter. */
static int
has_upper(audit_page_span sp)
{
    for (size_t i = 0; i < sp.len; i++) {
        if (sp.at[i] >= 'A' && sp.at[i] <= 'Z') {
            return 1;
        }
    }
    return 0;
}

/* Keeps the attribute NAME = VALUE if it is one the scan reads; -1 on a
 * second one, or a value an HTML parser would read otherwise. */
static int
keep_attribute(scanner *s, tag *t, audit_page_span name, audit_page_span value)
{
    static const char *const kept[] = {"id", "data-area", "data-field", "data-rule", "data-passed"};
    audit_page_span *slot[] = {&t->id, &t->area, &t->field, &t->rule, &t->passed};

    if (has_upper(name) && !span_is(name, "viewBox")) { /* SVG's one mixed-case name */
        return fail(s, "an attribute name in upper case");
    }
    if (span_is(name, "hidden")) { /* a browser shows nothing of the element, styles or not */
        return fail(s, "the hidden attribute (dauys writes none; a browser does not show the "
                       "element)");
    }
    for (unsigned i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        if (!span_is(name, kept[i])) {
            continue;
        }
        if (t->seen >> i & 1) {
            return fail(s, "an attribute given twice");
        }
        if (value.len > AUDIT_PAGE_VALUE_MAX || memchr(value.at, '&', value.len) != NULL) {
            return fail(s, "a marking attribute's value over 200 bytes or with '&'");
        }
        t->seen |= 1u << i;
        *slot[i] = value;
    }
    return 0;
}

/* The value of the attribute whose '=' is at Q: its span, and the position
 * after it in *NEXT. -1 if it is not in double quotes. */
static int
attribute_value(scanner *s, const char *q, audit_page_span *value, const char **next)
{
    if (q + 1 >= s->end || q[1] != '"') {
        return fail(s, "an attribute value is not in double quotes");
    }
    const char *close = memchr(q + 2, '"', (size_t) (s->end - q - 2));
    if (close == NULL) {
        return fail(s, "an attribute value is not closed");
    }
    *value = (audit_page_span){q + 2, (size_t) (close - q - 2)};
    *next = close + 1;
    return 0;
}

/* Reads the attributes of the tag whose name ends at s->p, up to its '>'. */
static int
read_attributes(scanner *s, tag *t)
{
    for (;;) {
        const char *q = s->p;
        while (q < s->end && (*q == ' ' || *q == '\n' || *q == '\t' || *q == '\r')) {
            q++;
        }
        advance(s, q);
        if (q + 1 < s->end && q[0] == '/' && q[1] == '>') {
            q++;
        }
        if (q >= s->end) {
            return fail(s, "a tag is not closed");
        }
        if (!name_char(*q)) {
            if (*q != '>') {
                return fail(s, "a tag is not the shape dauys writes");
            }
            advance(s, q + 1);
            return 0;
        }
        audit_page_span name = {q, 0}, value = empty_at(q);
        while (q < s->end && name_char(*q)) {
            q++;
        }
        name.len = (size_t) (q - name.at);
        if (q < s->end && *q == '=' && attribute_value(s, q, &value, &q) != 0) {
            return -1;
        }
        if (keep_attribute(s, t, name, value) != 0) {
            return -1;
        }
        advance(s, q);
    }
}

/* Hands FN one item, in the innermost open context. 1 if FN stopped the scan. */
static int
emit(scanner *s, audit_page_kind kind, audit_page_span field, audit_page_span value, unsigned line)
{
    audit_page_item it = {kind, AUDIT_PAGE_BANNER, line, empty_at(s->p), empty_at(s->p), field,
                          value};

    if (s->in_areas && s->area.len > 0) {
        it.context = AUDIT_PAGE_AREA_ROW, it.question = s->table, it.area = s->area;
    } else if (s->in_table) {
        it.context = AUDIT_PAGE_OTHER_TABLE;
        it.question = s->section.question.len ? s->section.question : it.question;
    } else if (s->decision.question.len > 0) {
        it.context = AUDIT_PAGE_DECISION, it.question = s->decision.question;
    } else if (s->section.question.len > 0) {
        it.context = AUDIT_PAGE_SECTION, it.question = s->section.question;
    }
    return s->fn(&it, s->ctx) != 0;
}

/* The end tag NAME: closes the context it opened. 1 if FN stopped the scan, -1 on error. */
static int
close_tag(scanner *s, audit_page_span name)
{
    if (span_is(name, "tr") && s->area.len > 0) {
        int stop = emit(s, AUDIT_PAGE_ROW_END, empty_at(s->p), empty_at(s->p), s->area_line);
        s->area = empty_at(s->p);
        return stop;
    }
    if (span_is(name, "table")) {
        if (s->area.len > 0) {
            return fail_at(s, s->area_line, "a row of an area not closed before its table ends");
        }
        s->in_areas = s->in_table = 0;
    } else if (span_is(name, "div")) {
        if (s->decision.question.len > 0 && s->divs == s->decision.depth) {
            s->decision.question.len = 0;
        }
        s->divs -= s->divs > 0;
    } else if (span_is(name, "section")) {
        if (s->section.question.len > 0 && s->sections == s->section.depth) {
            s->section.question.len = 0;
        }
        s->sections -= s->sections > 0;
    }
    return 0;
}

/* Opens what a <table> starts. */
static int
open_table(scanner *s, const tag *t)
{
    if (s->in_table) {
        return fail(s, "a table inside a table");
    }
    s->in_table = 1;
    s->table = after_prefix(t->id, "areas-");
    s->in_areas = s->table.len > 0;
    return 0;
}

/* Opens what a <tr> starts: an area's row in a table of areas. */
static int
open_row(scanner *s, const tag *t)
{
    if (s->in_areas && s->area.len > 0) {
        return fail(s, "a row of an area (data-area) before the last one was closed");
    }
    if (!(t->seen >> 1 & 1)) {
        return 0; /* no data-area: a header row */
    }
    if (!s->in_table) {
        return fail(s, "a row of an area (data-area) outside a table");
    }
    if (s->in_areas && t->area.len == 0) {
        return fail(s, "an empty data-area");
    }
    if (s->in_areas) {
        s->area = t->area;
        s->area_line = s->tag_line;
    }
    return 0;
}

/* Opens the context the element T opens, if any. -1 (ERR) if it is out of place. */
static int
open_contexts(scanner *s, const tag *t)
{
    audit_page_span q;

    if (span_is(t->name, "table")) {
        return open_table(s, t);
    }
    if (span_is(t->name, "tr")) {
        return open_row(s, t);
    }
    if (span_is(t->name, "div")) {
        s->divs++;
        if ((q = after_prefix(t->id, "decision-")).len > 0) {
            if (s->decision.question.len > 0) {
                return fail(s, "a decision inside a decision");
            }
            s->decision = (context){q, s->divs};
        }
    } else if (span_is(t->name, "section")) {
        s->sections++;
        if ((q = after_prefix(t->id, "question-")).len > 0) {
            if (s->section.question.len > 0) {
                return fail(s, "a question's section inside another");
            }
            s->section = (context){q, s->sections};
        }
    }
    return 0;
}

/* The text of the data-field element T, which starts at s->p: up to its own
 * end tag, which must come next. */
static int
field_text(scanner *s, const tag *t, audit_page_span *value)
{
    const char *lt = memchr(s->p, '<', (size_t) (s->end - s->p));
    size_t left;

    if (lt == NULL || lt - s->p > AUDIT_PAGE_VALUE_MAX) {
        return fail(s, lt == NULL ? "a data-field's text is not closed by its own end tag"
                                  : "a data-field's text is over 200 bytes");
    }
    left = (size_t) (s->end - lt);
    if (left < t->name.len + 3 || lt[1] != '/' || memcmp(lt + 2, t->name.at, t->name.len) != 0 ||
        lt[2 + t->name.len] != '>') {
        return fail(s, "a data-field's text is not closed by its own end tag");
    }
    *value = (audit_page_span){s->p, (size_t) (lt - s->p)};
    return 0;
}

/* The items tag T marks: a data-field and its text, or a rule. 1 if FN stopped, -1 on error. */
static int
tag_items(scanner *s, const tag *t)
{
    int field = t->seen >> 2 & 1, rule = t->seen >> 3 & 1;
    audit_page_span value;

    if (field && rule) {
        return fail(s, "both a data-field and a data-rule on one element");
    }
    if ((field && t->field.len == 0) || (rule && t->rule.len == 0)) {
        return fail(s, "an empty data-field or data-rule");
    }
    if (rule) {
        return emit(s, AUDIT_PAGE_RULE, t->rule, (t->seen >> 4 & 1) ? t->passed : empty_at(s->p),
                    s->tag_line);
    }
    if (!field) {
        return 0;
    }
    if (s->in_areas && s->area.len == 0) {
        return fail(s, "a data-field in a table of areas outside an area's row");
    }
    if (field_text(s, t, &value) != 0) {
        return -1;
    }
    return emit(s, AUDIT_PAGE_FIELD, t->field, value, s->tag_line);
}

/* The name of the tag starting at Q; empty if none. */
static audit_page_span
tag_name(const scanner *s, const char *q)
{
    const char *e = q;
    while (e < s->end && name_char(*e)) {
        e++;
    }
    return (audit_page_span){q, (size_t) (e - q)};
}

/* 1 if NAME is an element dauys never writes whose content a browser does not
 * show as the page's text: not rendered at all, or hidden until opened. */
static int
unshown_element(audit_page_span name)
{
    static const char *const names[] = {"template", "script",    "noscript", "textarea", "details",
                                        "dialog",   "iframe",    "object",   "noembed",  "noframes",
                                        "xmp",      "plaintext", "select",   NULL};

    for (const char *const *n = names; *n != NULL; n++) {
        if (span_is(name, *n)) {
            return 1;
        }
    }
    return 0;
}

/* An element T whose content a browser reads as text it does not show in the
 * page (the document's or a drawing's title, a style sheet, a drawing's
 * description): nothing but text may follow up to its own end tag, so no mark
 * hides inside it. -1 (ERR) if a tag does. */
static int
text_only(scanner *s, const tag *t)
{
    const char *lt;

    if (!span_is(t->name, "title") && !span_is(t->name, "style") && !span_is(t->name, "desc")) {
        return 0;
    }
    lt = memchr(s->p, '<', (size_t) (s->end - s->p));
    if (lt == NULL || (size_t) (s->end - lt) < t->name.len + 3 || lt[1] != '/' ||
        memcmp(lt + 2, t->name.at, t->name.len) != 0 || lt[2 + t->name.len] != '>') {
        return fail(s, "a tag inside a <title>, <style> or <desc> (a browser shows none of it)");
    }
    return 0;
}

/* One tag at s->p ('<'). 1 if FN stopped the scan, -1 on error. */
static int
markup(scanner *s)
{
    const char *q = s->p + 1;
    int declaration = q < s->end && *q == '!', closing = q < s->end && *q == '/';
    tag t = {0};

    s->tag_line = s->line;
    q += declaration || closing;
    t.name = tag_name(s, q);
    if (declaration && !span_is(t.name, "DOCTYPE")) {
        return fail(s, "a comment or declaration (dauys writes none)");
    }
    if (t.name.len == 0) {
        return fail(s, "a '<' that starts no tag");
    }
    if (!declaration && has_upper(t.name)) {
        return fail(s, "a tag name in upper case");
    }
    if (!declaration && !closing && unshown_element(t.name)) {
        return fail(s, "an element whose content a browser does not show as text (dauys writes "
                       "none)");
    }
    advance(s, q + t.name.len);
    if (read_attributes(s, &t) != 0) {
        return -1;
    }
    if (declaration) {
        return 0;
    }
    if (closing) {
        return close_tag(s, t.name);
    }
    return open_contexts(s, &t) != 0 || text_only(s, &t) != 0 ? -1 : tag_items(s, &t);
}

int
dauys_audit_page_scan(const char *text, size_t len, audit_page_fn fn, void *ctx, unsigned *line,
                      dauys_error *err)
{
    scanner s = {.p = text,
                 .end = text + len,
                 .line = 1,
                 .fn = fn,
                 .ctx = ctx,
                 .bad_line = line,
                 .err = err};

    s.area = s.table = s.decision.question = s.section.question = empty_at(text);
    while (s.p < s.end) {
        const char *lt = memchr(s.p, '<', (size_t) (s.end - s.p));
        if (lt == NULL) {
            break;
        }
        advance(&s, lt);
        int rc = markup(&s);
        if (rc != 0) {
            return rc < 0 ? -1 : 0;
        }
    }
    if (s.area.len > 0) {
        return fail_at(&s, s.area_line, "the page ends inside a row of an area");
    }
    return 0;
}
