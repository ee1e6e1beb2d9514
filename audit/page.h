/*
 * page.h: reads the numbers a dauys HTML report marks for machines
 * (docs/FORMATS.md sections 19.7 and 20.3): every element with a data-field,
 * the rules' data-rule and data-passed, and the rows of each question's table
 * of areas. It is a scanner for the page dauys writes, not an HTML parser, so
 * it refuses what dauys never writes and an HTML parser would read otherwise:
 * comments, upper-case tag or attribute names, a marking attribute given
 * twice or holding '&', a marked text not closed by its own end tag, nested
 * tables, a row left open; and what HTML itself hides from a browser: the
 * hidden attribute, elements whose content is not shown as text (template,
 * script, noscript, textarea, details, dialog, ...), tags inside a title,
 * style or desc. It knows nothing of CSS. Not installed.
 */
#ifndef DAUYS_AUDIT_PAGE_H
#define DAUYS_AUDIT_PAGE_H

#include <stddef.h>

#include "core/error.h"

/* The longest marked value or marking attribute value read. */
#define AUDIT_PAGE_VALUE_MAX 200

typedef enum audit_page_kind {
    AUDIT_PAGE_FIELD,  /* data-field FIELD with text VALUE (up to its end tag) */
    AUDIT_PAGE_RULE,   /* data-rule FIELD with data-passed VALUE */
    AUDIT_PAGE_ROW_END /* the end of AREA's row of QUESTION's table of areas */
} audit_page_kind;

/* Where an item is. */
typedef enum audit_page_context {
    AUDIT_PAGE_BANNER,     /* outside any question: the result as a whole */
    AUDIT_PAGE_DECISION,   /* in <div id="decision-Q"> */
    AUDIT_PAGE_SECTION,    /* in <section id="question-Q">, outside its tables */
    AUDIT_PAGE_AREA_ROW,   /* in <tr data-area="A"> of <table id="areas-Q"> */
    AUDIT_PAGE_OTHER_TABLE /* in another table (forensics, refusals) */
} audit_page_context;

/* A span of the page; AT is never NULL (an empty span points into the page). */
typedef struct audit_page_span {
    const char *at;
    size_t len;
} audit_page_span;

typedef struct audit_page_item {
    audit_page_kind kind;
    audit_page_context context;
    unsigned line;            /* of the element's tag (ROW_END: of the row's), from 1 */
    audit_page_span question; /* Q, empty in the banner (and outside questions) */
    audit_page_span area;     /* A in an area's row, else empty */
    audit_page_span field;    /* not empty, except for ROW_END */
    audit_page_span value;    /* at most AUDIT_PAGE_VALUE_MAX bytes; may be empty */
} audit_page_item;

/* Called for each item in page order; a non-zero return stops the scan. */
typedef int (*audit_page_fn)(const audit_page_item *item, void *ctx);

/*
 * Scans the page TEXT (LEN bytes, NUL bytes allowed) and calls FN for each
 * item. 0 when the page was read to its end (or FN stopped it); -1 when it
 * is not the shape dauys writes, with ERR (DAUYS_E_FORMAT) saying what and
 * *LINE where (from 1).
 */
int dauys_audit_page_scan(const char *text, size_t len, audit_page_fn fn, void *ctx, unsigned *line,
                          dauys_error *err) DAUYS_WUR;

#endif
