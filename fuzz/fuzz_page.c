/* fuzz_page: the audit's scanner of an HTML report's marked numbers (T3),
 * every item to the end; every span it hands out lies inside the page. */
#include "fuzz.h"

#include "page.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct bounds {
    const char *start, *end;
} bounds;

static void
assert_inside(const bounds *b, audit_page_span sp)
{
    if (sp.len > 0 && (sp.at < b->start || sp.at + sp.len > b->end)) {
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
    if (it->line == 0 || it->value.len > 200 ||
        (it->kind == AUDIT_PAGE_FIELD && it->field.len == 0)) {
        abort();
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size);
    bounds b = {text, text + size};
    dauys_error err;

    fuzz_check_error(audit_page_scan(text, size, "report.html", on_item, &b, &err), &err);
    free(text);
    return 0;
}
