#include "textout.h"

#include "kvtext.h"

void
dauys_out_json_string(FILE *fp, const char *s, size_t n)
{
    fputc('"', fp);
    for (size_t i = 0, k; i < n; i += k) {
        unsigned char c = (unsigned char) s[i];
        k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2; /* if valid */
        if (c == '"' || c == '\\') {
            fprintf(fp, "\\%c", c);
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(fp, "\\u%04x", c);
        } else if (c < 0x80 || (k <= n - i && dauys_utf8_valid(s + i, k))) {
            fwrite(s + i, 1, k, fp);
        } else {
            fputs("\\ufffd", fp); /* JSON is UTF-8: a stray byte becomes U+FFFD */
            k = 1;
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
        k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2; /* if valid */
        if (ref != NULL) {
            fputs(ref, fp);
        } else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
            fputs("\xef\xbf\xbd", fp);
        } else if (c < 0x80) {
            fputc(c, fp);
        } else if (k > n - i || !dauys_utf8_valid(s + i, k)) {
            fputs("\xef\xbf\xbd", fp); /* U+FFFD for the stray byte */
            k = 1;
        } else if (c == 0xc2 && (unsigned char) s[i + 1] < 0xa0) {
            fputs("\xef\xbf\xbd", fp); /* a C1 control */
        } else {
            fwrite(s + i, 1, k, fp);
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
        size_t start = i++;
        while (i < n && ((unsigned char) s[i] & 0xc0) == 0x80) {
            i++; /* continuation bytes of the same character */
        }
        fwrite(s + start, 1, i - start, fp);
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
