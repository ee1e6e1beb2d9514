/* fuzz_page: the audit's scanner of an HTML report's marked values (T3),
 * every item to the end; every span it hands out lies inside the page, and
 * a refusal names a line of it. */
#include "fuzz/fuzz.h"

#include "audit/page.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct bounds {
    const char *start, *end;
    unsigned lines;
} bounds;

static void
assert_inside(const bounds *b, audit_page_span sp)
{
    if (sp.at == NULL || sp.at < b->start || sp.at + sp.len > b->end) {
        abort();
    }
}

static int
on_item(const audit_page_item *it, void *ctx)
{
    const bounds *b = ctx;

    assert_inside(b, it->question);
    assert_inside(b, it->area);
    assert_inside(b, it->field);
    assert_inside(b, it->value);
    if (it->line == 0 || it->line > b->lines || it->value.len > AUDIT_PAGE_VALUE_MAX ||
        (it->kind != AUDIT_PAGE_ROW_END && it->field.len == 0) ||
        (it->context == AUDIT_PAGE_AREA_ROW) != (it->area.len > 0)) {
        abort();
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size);
    bounds b = {text, text + size, 1};
    unsigned line = 0;
    dauys_error err;
    int rc;

    for (size_t i = 0; i < size; i++) {
        b.lines += text[i] == '\n';
    }
    rc = dauys_audit_page_scan(text, size, on_item, &b, &line, &err);
    fuzz_check_error(rc, &err);
    if (rc != 0 && (line == 0 || line > b.lines)) {
        abort();
    }
    free(text);
    return 0;
}
