/*
 * describe.c: the forensics in words: each flag's name, the sentence that
 * says what it found, the caveat that says why it may be innocent, and the
 * text and JSON writers that put them with the numbers. Writes only to the
 * FILE given.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "forensics/forensics.h"
#include "core/kvtext.h"
#include "core/textout.h"

static const struct {
    unsigned flag;
    const char *name, *caveat;
} flags[DAUYS_FORENSICS_FLAG_COUNT] = {
    {DAUYS_FORENSICS_INTEGER_TURNOUT, "integer-turnout",
     "Whole percentages also come innocently: from small precincts and fractions with small "
     "denominators such as 1/2 or 3/4 (Rozenas 2017; the resamples allow for precinct size), "
     "and with many areas tested about one clean area in a thousand is flagged by chance."},
    {DAUYS_FORENSICS_INTEGER_YES, "integer-yes",
     "Whole percentages also come innocently: from small precincts and fractions with small "
     "denominators such as 1/2 or 3/4 (Rozenas 2017; the resamples allow for precinct size), "
     "and with many areas tested about one clean area in a thousand is flagged by chance."},
    {DAUYS_FORENSICS_LAST_DIGIT, "last-digit",
     "Last digits are even only when counts vary over many tens, so many similar small "
     "precincts or honest rounding can fail the test, and over thousands of counts even a "
     "slight harmless unevenness is significant (Beber and Scacco 2012)."},
    {DAUYS_FORENSICS_HIGH_HIGH, "high-turnout-high-yes",
     "Some communities do vote almost unanimously at very high turnout (small, closed or "
     "close-knit ones: hospitals, barracks, remote villages), so a cluster above 90% and 90% "
     "is a reason to look, not proof (Klimek et al. 2012)."},
    {DAUYS_FORENSICS_CORRELATION, "correlation",
     "Turnout and yes rise together honestly when the question's supporters are also the "
     "likelier to vote (towns and countryside often differ in both), so the correlation says "
     "where to look, not why (Klimek et al. 2012)."},
};

/* The index of FLAG in the table, or -1. */
static int
find(unsigned flag)
{
    for (int i = 0; i < DAUYS_FORENSICS_FLAG_COUNT; i++) {
        if (flags[i].flag == flag) {
            return i;
        }
    }
    return -1;
}

const char *
dauys_forensics_flag_name(unsigned flag)
{
    int i = find(flag);

    return i < 0 ? NULL : flags[i].name;
}

const char *
dauys_forensics_caveat(unsigned flag)
{
    int i = find(flag);

    return i < 0 ? NULL : flags[i].caveat;
}

/* The integer test T's sentence ("turnout" or "yes share" as WHAT). */
static int
explain_integer(char *buf, size_t size, const dauys_forensics_area *a,
                const dauys_forensics_integer *t, const char *what)
{
    return snprintf(buf, size,
                    "%llu of the %llu precincts with enough ballots have a %s within "
                    "0.05 points of a whole percent, against %.1f on average in binomial "
                    "resamples, whose 99.9th percentile is %llu (p = %.3g).",
                    (unsigned long long) t->observed, (unsigned long long) a->considered, what,
                    t->expected, (unsigned long long) t->p999, t->p_value);
}

/* The last-digit sentence, naming the digit furthest above its share. */
static int
explain_digits(char *buf, size_t size, const dauys_forensics_digits *d)
{
    int top = 0;

    for (int i = 1; i < 10; i++) {
        top = d->digit[i] > d->digit[top] ? i : top;
    }
    return snprintf(buf, size,
                    "The last digits of %llu yes and no counts of at least 100 are "
                    "uneven (chi-square %.1f with 9 degrees of freedom, p = %.3g): %llu end in "
                    "%d where an even spread gives %.1f.",
                    (unsigned long long) d->n, d->chi2, d->p_value,
                    (unsigned long long) d->digit[top], top, (double) d->n / 10);
}

int
dauys_forensics_explain(char *buf, size_t size, const dauys_forensics_area *a, unsigned flag)
{
    switch (flag) {
    case DAUYS_FORENSICS_INTEGER_TURNOUT:
        return explain_integer(buf, size, a, &a->turnout, "turnout");
    case DAUYS_FORENSICS_INTEGER_YES: return explain_integer(buf, size, a, &a->yes, "yes share");
    case DAUYS_FORENSICS_LAST_DIGIT: return explain_digits(buf, size, &a->digits);
    case DAUYS_FORENSICS_HIGH_HIGH:
        return snprintf(buf, size,
                        "%.1f%% of the ballots (%llu of %llu) were cast in precincts "
                        "where both turnout and the yes share are above 90%%.",
                        a->ballots ? 100.0 * (double) a->high_high_ballots / (double) a->ballots
                                   : 0,
                        (unsigned long long) a->high_high_ballots, (unsigned long long) a->ballots);
    case DAUYS_FORENSICS_CORRELATION:
        if (!a->correlation_defined) {
            return snprintf(buf, size,
                            "Across %llu precincts the correlation of turnout and yes "
                            "share is not defined (fewer than 3, or no variation).",
                            (unsigned long long) a->considered);
        }
        return snprintf(buf, size,
                        "Across %llu precincts turnout and the yes share go together "
                        "(Pearson correlation %.2f): where more people voted, more of them voted "
                        "yes.",
                        (unsigned long long) a->considered, a->correlation);
    default:
        if (size > 0) {
            buf[0] = '\0';
        }
        return -1;
    }
}

/* --- text ------------------------------------------------------------------ */

/*
 * Writes S, a name from the manifest, for a terminal: control characters (C0,
 * DEL, C1 and bidi controls, dauys_utf8_next) and bytes that are not UTF-8
 * become '?'. The manifest's lines already refuse C0 and invalid UTF-8, but
 * not C1 or bidi controls.
 */
static void
put_label(FILE *fp, const char *s)
{
    size_t n = strlen(s);

    for (size_t i = 0, k; i < n; i += k) {
        if (dauys_utf8_next(s + i, n - i, &k) == DAUYS_CHAR_TEXT) {
            fwrite(s + i, 1, k, fp);
        } else {
            fputc('?', fp); /* a control: one '?' for all its bytes; a stray byte: each */
        }
    }
}

/* The names of A's flags, comma-separated, or "-". */
static void
flag_list(FILE *fp, unsigned set)
{
    int any = 0;

    for (int i = 0; i < DAUYS_FORENSICS_FLAG_COUNT; i++) {
        if (set & flags[i].flag) {
            fprintf(fp, "%s%s", any++ ? "," : "", flags[i].name);
        }
    }
    fputs(any ? "\n" : "-\n", fp);
}

/* ID in a column WIDTH characters wide, then a space (dauys_out_column, made safe). */
static void
put_column(FILE *fp, const char *id, int width)
{
    char safe[256];
    size_t n = 0;

    for (const unsigned char *c = (const unsigned char *) id; *c && n + 4 < sizeof safe; c++) {
        /* ids are [A-Za-z0-9._-] in the manifest; anything else is shown as '?' */
        safe[n++] = *c < 0x80 && *c >= 0x20 && *c != 0x7f ? (char) *c : '?';
    }
    dauys_out_column(fp, safe, n, width);
}

static void
text_row(FILE *fp, const char *id, const dauys_forensics_area *a)
{
    const dauys_forensics_digits *d = &a->digits;
    char r[16] = "-";

    if (a->correlation_defined) {
        snprintf(r, sizeof r, "%.2f", a->correlation);
    }
    put_column(fp, id, 10);
    fprintf(fp, "%9llu %10llu %6llu %8.1f %5llu %6llu %8.1f %5llu %7llu %7.1f %8.2g %6s %7.2f%%  ",
            (unsigned long long) a->precincts, (unsigned long long) a->considered,
            (unsigned long long) a->turnout.observed, a->turnout.expected,
            (unsigned long long) a->turnout.p999, (unsigned long long) a->yes.observed,
            a->yes.expected, (unsigned long long) a->yes.p999, (unsigned long long) d->n, d->chi2,
            d->p_value, r,
            a->ballots ? 100.0 * (double) a->high_high_ballots / (double) a->ballots : 0.0);
    flag_list(fp, a->flags);
}

/* Area A's flags, each as its sentence and caveat, under the area's name. */
static size_t
text_flags(FILE *fp, const dauys_forensics_area *a, const char *id, const char *name)
{
    char sentence[512];
    size_t n = 0;

    for (int i = 0; i < DAUYS_FORENSICS_FLAG_COUNT; i++) {
        if (!(a->flags & flags[i].flag)) {
            continue;
        }
        dauys_forensics_explain(sentence, sizeof sentence, a, flags[i].flag);
        fputs("  ", fp);
        put_label(fp, id);
        if (name != NULL) {
            fputs(" (", fp);
            put_label(fp, name);
            fputs(")", fp);
        }
        fprintf(fp, ": %s\n    %s\n    caveat: %s\n", flags[i].name, sentence, flags[i].caveat);
        n++;
    }
    return n;
}

int
dauys_forensics_write_text(FILE *fp, const dauys_forensics *f, const dauys_forensics_labels *l)
{
    const dauys_forensics_options *o = &f->options;
    size_t n;

    fprintf(fp,
            "question %s: %llu precincts, %llu with at least %llu ballots; seed %llu, %u "
            "resamples\n",
            l->question, (unsigned long long) f->nation.precincts,
            (unsigned long long) f->nation.considered, (unsigned long long) o->min_voters,
            (unsigned long long) o->seed, o->resamples);
    fprintf(fp, "%-10s %9s %10s %21s %21s %24s %6s %8s\n", "", "", "", "turnout at a whole %",
            "yes at a whole %", "last digits (yes, no)", "", ">90/>90");
    fprintf(fp, "%-10s %9s %10s %6s %8s %5s %6s %8s %5s %7s %7s %8s %6s %8s  %s\n", "area",
            "precincts", "considered", "seen", "expected", "p99.9", "seen", "expected", "p99.9",
            "counts", "chi2", "p", "r", "ballots", "flags");
    text_row(fp, "national", &f->nation);
    for (size_t i = 0; i < f->region_count; i++) {
        text_row(fp, l->region_id[i], &f->region[i]);
    }
    fprintf(fp, "flags (statistical signals for a person to look at, not verdicts):\n");
    n = text_flags(fp, &f->nation, "national", NULL);
    for (size_t i = 0; i < f->region_count; i++) {
        n += text_flags(fp, &f->region[i], l->region_id[i],
                        l->region_name ? l->region_name[i] : NULL);
    }
    if (n == 0) {
        fprintf(fp, "  none: no test reaches its threshold in any area\n");
    }
    return ferror(fp) ? -1 : 0;
}

/* --- JSON ------------------------------------------------------------------ */

/* A finite double as JSON (6 significant digits); non-finite ones cannot arise, but
 * would be null rather than invalid JSON. */
static void
json_number(FILE *fp, double x)
{
    if (isfinite(x)) {
        fprintf(fp, "%.6g", x);
    } else {
        fputs("null", fp);
    }
}

static void
json_string(FILE *fp, const char *s)
{
    dauys_out_json_string(fp, s, strlen(s));
}

static void
json_integer(FILE *fp, const char *key, const dauys_forensics_integer *t, int flagged)
{
    fprintf(fp, "\"%s\": {\"observed\": %llu, \"expected\": ", key,
            (unsigned long long) t->observed);
    json_number(fp, t->expected);
    fprintf(fp, ", \"p999\": %llu, \"p_value\": ", (unsigned long long) t->p999);
    json_number(fp, t->p_value);
    fprintf(fp, ", \"flagged\": %s}", flagged ? "true" : "false");
}

static void
json_digits(FILE *fp, const dauys_forensics_digits *d, int flagged)
{
    fprintf(fp, "\"last_digit\": {\"counts\": %llu, \"digits\": [", (unsigned long long) d->n);
    for (int i = 0; i < 10; i++) {
        fprintf(fp, "%s%llu", i ? ", " : "", (unsigned long long) d->digit[i]);
    }
    fprintf(fp, "], \"chi2\": ");
    json_number(fp, d->chi2);
    fprintf(fp, ", \"p_value\": ");
    json_number(fp, d->p_value);
    fprintf(fp, ", \"flagged\": %s}", flagged ? "true" : "false");
}

/* One area's object; ID and NAME NULL for the nation. */
static void
json_area(FILE *fp, const dauys_forensics_area *a, const char *id, const char *name, const char *in)
{
    unsigned g = a->flags;

    fprintf(fp, "{\"id\": ");
    id ? json_string(fp, id) : (void) fputs("null", fp);
    fprintf(fp, ", \"name\": ");
    name ? json_string(fp, name) : (void) fputs("null", fp);
    fprintf(fp, ", \"precincts\": %llu, \"considered\": %llu, \"ballots\": %llu,\n%s  ",
            (unsigned long long) a->precincts, (unsigned long long) a->considered,
            (unsigned long long) a->ballots, in);
    json_integer(fp, "integer_turnout", &a->turnout, g & DAUYS_FORENSICS_INTEGER_TURNOUT);
    fprintf(fp, ",\n%s  ", in);
    json_integer(fp, "integer_yes", &a->yes, g & DAUYS_FORENSICS_INTEGER_YES);
    fprintf(fp, ",\n%s  ", in);
    json_digits(fp, &a->digits, g & DAUYS_FORENSICS_LAST_DIGIT);
    fprintf(fp, ",\n%s  \"correlation\": {\"r\": ", in);
    a->correlation_defined ? json_number(fp, a->correlation) : (void) fputs("null", fp);
    fprintf(fp, ", \"flagged\": %s}, \"high_high\": {\"ballots\": %llu, \"share\": ",
            g & DAUYS_FORENSICS_CORRELATION ? "true" : "false",
            (unsigned long long) a->high_high_ballots);
    json_number(fp, a->ballots ? (double) a->high_high_ballots / (double) a->ballots : 0);
    fprintf(fp, ", \"flagged\": %s},\n%s  \"flags\": [",
            g & DAUYS_FORENSICS_HIGH_HIGH ? "true" : "false", in);
    for (int i = 0, any = 0; i < DAUYS_FORENSICS_FLAG_COUNT; i++) {
        if (g & flags[i].flag) {
            fprintf(fp, "%s\"%s\"", any++ ? ", " : "", flags[i].name);
        }
    }
    fprintf(fp, "]}");
}

/* Area A's flags as objects in the question's "flags" list; *N counts them. */
static void
json_flags(FILE *fp, const dauys_forensics_area *a, const char *id, const char *in, size_t *n)
{
    char sentence[512];

    for (int i = 0; i < DAUYS_FORENSICS_FLAG_COUNT; i++) {
        if (!(a->flags & flags[i].flag)) {
            continue;
        }
        dauys_forensics_explain(sentence, sizeof sentence, a, flags[i].flag);
        fprintf(fp, "%s\n%s    {\"area\": ", (*n)++ ? "," : "", in);
        id ? json_string(fp, id) : (void) fputs("null", fp);
        fprintf(fp, ", \"flag\": \"%s\", \"explanation\": ", flags[i].name);
        json_string(fp, sentence);
        fprintf(fp, ", \"caveat\": ");
        json_string(fp, flags[i].caveat);
        fprintf(fp, "}");
    }
}

int
dauys_forensics_write_json(FILE *fp, const dauys_forensics *f, const dauys_forensics_labels *l,
                           const char *in)
{
    char inner[128];
    size_t n = 0;

    fprintf(fp, "{\"question\": ");
    json_string(fp, l->question);
    fprintf(fp, ",\n%s  \"national\": ", in);
    json_area(fp, &f->nation, NULL, NULL, in);
    fprintf(fp, ",\n%s  \"regions\": [", in);
    snprintf(inner, sizeof inner, "%s    ", in); /* a region's lines, inside the list */
    for (size_t i = 0; i < f->region_count; i++) {
        fprintf(fp, "%s\n%s", i ? "," : "", inner);
        json_area(fp, &f->region[i], l->region_id[i], l->region_name ? l->region_name[i] : NULL,
                  inner);
    }
    fprintf(fp, "\n%s  ],\n%s  \"flags\": [", in, in);
    json_flags(fp, &f->nation, NULL, in, &n);
    for (size_t i = 0; i < f->region_count; i++) {
        json_flags(fp, &f->region[i], l->region_id[i], in, &n);
    }
    if (n > 0) {
        fprintf(fp, "\n%s  ", in);
    }
    fprintf(fp, "]\n%s}", in);
    return ferror(fp) ? -1 : 0;
}
