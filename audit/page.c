/*
 * page.c: the scanner of page.h. One pass, no allocation: the page is read
 * tag by tag; text between tags matters only right after a data-field tag.
 */
#include "page.h"

#include <stddef.h>
#include <string.h>

#define VALUE_MAX 200

typedef struct scanner {
    const char *p, *end, *name;
    unsigned line;
    audit_page_span decision, section, table; /* question ids of the open contexts */
    int in_areas, in_table;                   /* inside a table of areas; inside any table */
    audit_page_span area;                     /* the open row of areas, len 0 if none */
    unsigned area_line;
    audit_page_fn fn;
    void *ctx;
    dauys_error *err;
} scanner;

/* The attributes of one start tag that the scan reads. */
typedef struct tag {
    audit_page_span name, id, area, field, rule, passed;
} tag;

static int
fail(scanner *s, const char *what)
{
    return dauys_error_set(s->err, DAUYS_E_FORMAT, "%s line %u: %s", s->name, s->line, what);
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

static int
span_is(audit_page_span sp, const char *word)
{
    size_t n = strlen(word);
    return sp.len == n && strncmp(sp.at, word, n) == 0;
}

/* SP with PREFIX taken off, or len 0 if it does not start with it (or is only it). */
static audit_page_span
after_prefix(audit_page_span sp, const char *prefix)
{
    size_t n = strlen(prefix);
    if (sp.len <= n || strncmp(sp.at, prefix, n) != 0) {
        return (audit_page_span){NULL, 0};
    }
    return (audit_page_span){sp.at + n, sp.len - n};
}

static int
name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == ':' || c == '_';
}

/* Keeps the attribute NAME = VALUE if it is one the scan reads. */
static void
keep_attribute(tag *t, audit_page_span name, audit_page_span value)
{
    static const struct {
        const char *name;
        size_t offset;
    } kept[] = {{"id", offsetof(tag, id)},          {"data-area", offsetof(tag, area)},
                {"data-field", offsetof(tag, field)}, {"data-rule", offsetof(tag, rule)},
                {"data-passed", offsetof(tag, passed)}};

    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        if (span_is(name, kept[i].name)) {
            *(audit_page_span *) (void *) ((char *) t + kept[i].offset) = value;
        }
    }
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
        if (q < s->end && *q == '/' && q + 1 < s->end && q[1] == '>') {
            q++;
        }
        if (q >= s->end || !name_char(*q)) {
            if (q >= s->end || *q != '>') {
                return fail(s, q >= s->end ? "a tag is not closed" : "a tag is not the shape dauys writes");
            }
            advance(s, q + 1);
            return 0;
        }
        audit_page_span name = {q, 0}, value = {NULL, 0};
        while (q < s->end && name_char(*q)) {
            q++;
        }
        name.len = (size_t) (q - name.at);
        if (q < s->end && *q == '=') {
            if (q + 1 >= s->end || q[1] != '"') {
                return fail(s, "an attribute value is not in double quotes");
            }
            const char *close = memchr(q + 2, '"', (size_t) (s->end - q - 2));
            if (close == NULL) {
                return fail(s, "an attribute value is not closed");
            }
            value = (audit_page_span){q + 2, (size_t) (close - q - 2)};
            q = close + 1;
        }
        keep_attribute(t, name, value);
        advance(s, q);
    }
}

/* The "-->" at or after P, or NULL. */
static const char *
comment_end(const char *p, const char *end)
{
    while (end - p >= 3 && (p = memchr(p, '-', (size_t) (end - p - 2))) != NULL) {
        if (p[1] == '-' && p[2] == '>') {
            return p;
        }
        p++;
    }
    return NULL;
}

static int
emit(scanner *s, audit_page_kind kind, audit_page_span field, audit_page_span value, unsigned line)
{
    audit_page_item it = {kind, line, s->in_areas ? s->table : s->decision.len ? s->decision : s->section,
                          s->in_areas ? s->area : (audit_page_span){NULL, 0}, field, value};
    return s->fn(&it, s->ctx);
}

/* A closing tag NAME: ends the context it opened. 1 if FN stopped the scan. */
static int
close_tag(scanner *s, audit_page_span name)
{
    if (span_is(name, "tr") && s->area.len > 0) {
        int stop = emit(s, AUDIT_PAGE_ROW_END, (audit_page_span){NULL, 0}, (audit_page_span){NULL, 0},
                        s->area_line);
        s->area.len = 0;
        return stop;
    }
    if (span_is(name, "table")) {
        s->in_areas = s->in_table = 0;
        s->area.len = 0;
    } else if (span_is(name, "div")) {
        s->decision.len = 0;
    } else if (span_is(name, "section")) {
        s->section.len = 0;
    }
    return 0;
}

/* Opens the contexts tag T starts. -1 (ERR) on a row out of place. */
static int
open_contexts(scanner *s, const tag *t)
{
    if (span_is(t->name, "table")) {
        s->in_table = 1;
        s->table = after_prefix(t->id, "areas-");
        s->in_areas = s->table.len > 0;
    } else if (span_is(t->name, "div") && after_prefix(t->id, "decision-").len > 0) {
        s->decision = after_prefix(t->id, "decision-");
    } else if (span_is(t->name, "section") && after_prefix(t->id, "question-").len > 0) {
        s->section = after_prefix(t->id, "question-");
    } else if (span_is(t->name, "tr") && t->area.at != NULL) {
        if (!s->in_table) {
            return fail(s, "a row of an area (data-area) outside a table");
        }
        if (s->in_areas && s->area.len > 0) {
            return fail(s, "a row of an area (data-area) before the last one was closed");
        }
        if (s->in_areas && t->area.len == 0) {
            return fail(s, "an empty data-area");
        }
        s->area = s->in_areas ? t->area : (audit_page_span){NULL, 0};
        s->area_line = s->line;
    }
    return 0;
}

/* The items tag T marks: a data-field and its text, or a rule. 1 if FN stopped. */
static int
tag_items(scanner *s, const tag *t, unsigned line)
{
    if (t->rule.at != NULL) {
        return emit(s, AUDIT_PAGE_RULE, t->rule, t->passed, line);
    }
    if (t->field.at == NULL || t->field.len == 0) {
        return 0;
    }
    const char *lt = memchr(s->p, '<', (size_t) (s->end - s->p));
    const char *stop = lt != NULL ? lt : s->end;
    if (stop - s->p > VALUE_MAX) {
        return fail(s, "a data-field's text is over 200 bytes");
    }
    return emit(s, AUDIT_PAGE_FIELD, t->field, (audit_page_span){s->p, (size_t) (stop - s->p)}, line);
}

/* One markup construct at s->p ('<'). 1 if FN stopped the scan, -1 on error. */
static int
markup(scanner *s)
{
    const char *q = s->p + 1;
    size_t left = (size_t) (s->end - q);
    tag t = {0};
    unsigned line = s->line;

    if (left >= 3 && memcmp(q, "!--", 3) == 0) {
        const char *close = comment_end(q + 3, s->end);
        if (close == NULL) {
            return fail(s, "a comment is not closed");
        }
        advance(s, close + 3);
        return 0;
    }
    int closing = left > 0 && (*q == '/' || *q == '!');
    q += closing;
    t.name.at = q;
    while (q < s->end && name_char(*q)) {
        q++;
    }
    t.name.len = (size_t) (q - t.name.at);
    if (t.name.len == 0) {
        return fail(s, "a '<' that starts no tag");
    }
    advance(s, q);
    if (read_attributes(s, &t) != 0) {
        return -1;
    }
    if (closing) {
        return close_tag(s, t.name);
    }
    if (open_contexts(s, &t) != 0) {
        return -1;
    }
    return tag_items(s, &t, line);
}

int
audit_page_scan(const char *text, size_t len, const char *name, audit_page_fn fn, void *ctx,
                dauys_error *err)
{
    scanner s = {.p = text, .end = text + len, .name = name, .line = 1, .fn = fn, .ctx = ctx, .err = err};

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
        return fail(&s, "the page ends inside a row of an area");
    }
    return 0;
}
