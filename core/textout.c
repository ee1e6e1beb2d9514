#include "core/textout.h"

#include "core/kvtext.h"

/* The code point of the valid UTF-8 character of K bytes at S. */
static uint32_t
code_point(const char *s, size_t k)
{
    static const unsigned char lead_mask[5] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    uint32_t cp = (unsigned char) s[0] & lead_mask[k];

    for (size_t i = 1; i < k; i++) {
        cp = (cp << 6) | ((unsigned char) s[i] & 0x3f);
    }
    return cp;
}

void
dauys_out_json_string(FILE *fp, const char *s, size_t n)
{
    fputc('"', fp);
    for (size_t i = 0, k; i < n; i += k) {
        unsigned char c = (unsigned char) s[i];
        dauys_char_kind kind = dauys_utf8_next(s + i, n - i, &k);
        if (c == '"' || c == '\\') {
            fprintf(fp, "\\%c", c);
        } else if (kind == DAUYS_CHAR_TEXT) {
            fwrite(s + i, 1, k, fp);
        } else if (kind == DAUYS_CHAR_CONTROL) {
            fprintf(fp, "\\u%04x", (unsigned) code_point(s + i, k)); /* same text, escaped */
        } else {
            fputs("\\ufffd", fp); /* JSON is UTF-8: a stray byte becomes U+FFFD */
        }
    }
    fputc('"', fp);
}

/* The HTML reference for C, or NULL if C needs none. */
static const char *
html_reference(unsigned char c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    default: return NULL;
    }
}

void
dauys_out_html_text(FILE *fp, const char *s, size_t n)
{
    for (size_t i = 0, k; i < n; i += k) {
        unsigned char c = (unsigned char) s[i];
        const char *ref = html_reference(c);
        dauys_char_kind kind = dauys_utf8_next(s + i, n - i, &k);
        if (ref != NULL) {
            fputs(ref, fp);
        } else if (kind == DAUYS_CHAR_TEXT || c == '\t' || c == '\n') {
            fwrite(s + i, 1, k, fp);
        } else {
            fputs("\xef\xbf\xbd", fp); /* U+FFFD for a control or a stray byte */
        }
    }
}

void
dauys_out_csv_field(FILE *fp, const char *s, size_t n)
{
    fputc('"', fp);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') {
            fputc('"', fp);
        }
        fputc(s[i], fp);
    }
    fputc('"', fp);
}

void
dauys_out_column(FILE *fp, const char *s, size_t n, int width)
{
    int chars = 0;
    size_t i = 0;

    while (i < n && chars < width) {
        size_t k;
        if (dauys_utf8_next(s + i, n - i, &k) == DAUYS_CHAR_TEXT) {
            fwrite(s + i, 1, k, fp);
        } else {
            fputc('?', fp); /* a terminal would obey it */
        }
        i += k;
        chars++;
    }
    fprintf(fp, "%*s", width - chars + 1, "");
}

void
dauys_out_percent(char *out, size_t size, uint64_t part, uint64_t whole)
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

void
dauys_out_group(char *out, size_t size, uint64_t n)
{
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long) n);
    size_t o = 0;

    for (int i = 0; i < len && o + 2 < size; i++) {
        if (i > 0 && (len - i) % 3 == 0) {
            out[o++] = ',';
        }
        out[o++] = digits[i];
    }
    out[o] = '\0';
}
