/*
 * svg.h: the HTML report's charts as inline SVG (no script, no external
 * resource). Geometry is for drawing only: every value a chart labels is
 * printed from integers (dauys_out_percent, dauys_out_group), and whether a
 * bar meets a rule is decided by the caller with the rules' exact
 * arithmetic. Styling comes from the page's classes (html.c).
 */
#ifndef DAUYS_REPORT_SVG_H
#define DAUYS_REPORT_SVG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One bar: PART of WHOLE, labelled LABEL (LABEL_LEN bytes of UTF-8). */
typedef struct dauys_svg_bar {
    const char *label;
    size_t label_len;
    uint64_t part, whole;
    int marked; /* meets the rule the line stands for (decided exactly by the caller) */
    int total;  /* the national bar: set apart from the regions */
} dauys_svg_bar;

/* The rule line across a bar chart: at NUM/DEN of the axis, labelled LABEL. */
typedef struct dauys_svg_line {
    uint32_t num, den;
    const char *label;
} dauys_svg_line;

/* Horizontal bars, 0 to 100% of each bar's whole: _begin for N rows (the
 * last set apart when it is the total), one _row per bar, then _end, which
 * draws LINE (LINE->den 0: none) over them. TITLE names the chart for
 * screen readers; MARK is shown after the value of a marked bar. */
void dauys_svg_bars_begin(FILE *fp, const char *title, size_t n, int last_is_total);
void dauys_svg_bars_row(FILE *fp, size_t row, const dauys_svg_bar *bar, const char *mark);
void dauys_svg_bars_end(FILE *fp, size_t n, int last_is_total, const dauys_svg_line *line);

/* Turnout histogram bins: BINS of them over 0..100%, bin k centred on
 * k * 100 / (BINS - 1) percent. */
#define DAUYS_SVG_HISTOGRAM_BINS 1001

/* The histogram of COUNT[DAUYS_SVG_HISTOGRAM_BINS] (precincts per bin) with
 * a line at 50%; X_LABEL names the axis. */
void dauys_svg_histogram(FILE *fp, const char *title, const uint64_t *count, const char *x_label);

/* The 2-D histogram's cells per side: whole percents 0..99 (100% in 99). */
#define DAUYS_SVG_GRID 100

/* CELL[x * DAUYS_SVG_GRID + y]: precincts with turnout in percent x and yes
 * share in percent y, shaded on a logarithmic scale. */
void dauys_svg_heatmap(FILE *fp, const char *title, const uint64_t *cell, const char *x_label,
                       const char *y_label);

#endif
