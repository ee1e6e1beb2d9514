/*
 * page.h: reads the numbers a dauys HTML report marks for machines
 * (docs/FORMATS.md section 20.3): every element with a data-field, the
 * rules' data-rule and data-passed, and the rows of each question's table of
 * areas. It is a scanner for the page dauys writes, not an HTML parser: it
 * knows tags, double-quoted attributes and comments, and nothing of CSS or
 * of what a browser would show. Not installed.
 */
#ifndef DAUYS_AUDIT_PAGE_H
#define DAUYS_AUDIT_PAGE_H

#include <stddef.h>

#include "error.h"

/* Something the page marks. Spans point into the page; none is empty
 * except VALUE. */
typedef enum audit_page_kind {
    AUDIT_PAGE_FIELD,   /* data-field FIELD with text VALUE (to the next tag) */
    AUDIT_PAGE_RULE,    /* data-rule FIELD with data-passed VALUE */
    AUDIT_PAGE_ROW_END  /* the end of AREA's row of QUESTION's table of areas */
} audit_page_kind;

typedef struct audit_page_span {
    const char *at;
    size_t len;
} audit_page_span;

typedef struct audit_page_item {
    audit_page_kind kind;
    unsigned line;             /* of the element's tag, from 1 */
    audit_page_span question;  /* the innermost decision-Q, question-Q or areas-Q; len 0 outside */
    audit_page_span area;      /* the data-area of the row, in a table of areas; len 0 outside */
    audit_page_span field, value;
} audit_page_item;

/* Called for each item in page order; a non-zero return stops the scan. */
typedef int (*audit_page_fn)(const audit_page_item *item, void *ctx);

/*
 * Scans the page TEXT (LEN bytes, NUL bytes allowed) and calls FN for each
 * item. 0 when the page was read to its end (or FN stopped it), -1 (ERR
 * naming NAME and the line) when it is not the shape dauys writes: a tag or
 * comment not closed, an attribute value not quoted, a data-field value
 * over 200 bytes, a row of areas outside a table of areas, or a row not
 * closed before the next one.
 */
int audit_page_scan(const char *text, size_t len, const char *name, audit_page_fn fn, void *ctx,
                    dauys_error *err) __attribute__((warn_unused_result));

#endif
