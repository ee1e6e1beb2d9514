/*
 * svg.c: the report's charts (svg.h). Each chart is one <svg> with a
 * viewBox, so it scales to the page and to paper; a <title> and <desc>
 * say what it shows for readers that cannot see it, and the same numbers
 * are in the page's tables.
 */
#include "report/svg.h"

#include <math.h>
#include <string.h>

#include "core/textout.h"

/* Bar chart geometry (SVG user units). */
enum { BAR_ROW = 20, BAR_TOP = 30, BAR_LABEL = 220, BAR_PLOT = 420, BAR_WIDTH = 780 };

/* Opens an <svg> of WIDTH x HEIGHT with its accessible name. */
static void
svg_open(FILE *fp, unsigned width, unsigned height, const char *title)
{
    fprintf(fp,
            "<svg class=\"chart\" viewBox=\"0 0 %u %u\" role=\"img\" "
            "xmlns=\"http://www.w3.org/2000/svg\">\n<title>",
            width, height);
    dauys_out_html_text(fp, title, strlen(title));
    fputs("</title>\n", fp);
}

/* The share PART/WHOLE of LENGTH (0 for an empty whole). */
static double
scale(uint64_t part, uint64_t whole, double length)
{
    return whole == 0 ? 0.0 : length * ((double) part / (double) whole);
}

/* Percent gridlines and labels under a plot at X0 of WIDTH, from Y0 to Y1. */
static void
percent_axis(FILE *fp, double x0, double width, double y0, double y1, unsigned step)
{
    for (unsigned p = 0; p <= 100; p += step) {
        double x = x0 + width * p / 100.0;
        fprintf(fp,
                "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">%u%%</text>\n",
                x, y0, x, y1, x, y1 + 13, p);
    }
}

/* The y of row ROW: the total's row is set 8 units apart. */
static double
row_y(size_t row, int total)
{
    return BAR_TOP + (double) row * BAR_ROW + (total ? 8 : 0);
}

void
dauys_svg_bars_begin(FILE *fp, const char *title, size_t n, int last_is_total)
{
    double bottom = row_y(n, last_is_total);

    svg_open(fp, BAR_WIDTH, (unsigned) bottom + 22, title);
    percent_axis(fp, BAR_LABEL, BAR_PLOT, BAR_TOP - 4, bottom, 25);
}

void
dauys_svg_bars_row(FILE *fp, size_t row, const dauys_svg_bar *b, const char *mark)
{
    double y = row_y(row, b->total);
    char pct[16];

    dauys_out_percent(pct, sizeof pct, b->part, b->whole);
    fprintf(fp, "<text class=\"label%s\" x=\"%d\" y=\"%.1f\">", b->total ? " total" : "",
            BAR_LABEL - 6, y + 12);
    dauys_out_html_text(fp, b->label, b->label_len);
    fprintf(fp,
            "</text><rect class=\"%s\" x=\"%d\" y=\"%.1f\" width=\"%.2f\" height=\"14\"/>"
            "<text class=\"value\" x=\"%d\" y=\"%.1f\">%s%s%s</text>\n",
            b->marked ? "bar met" : "bar unmet", BAR_LABEL, y + 1,
            scale(b->part, b->whole, BAR_PLOT), BAR_LABEL + BAR_PLOT + 6, y + 12, pct,
            b->marked ? " " : "", b->marked ? mark : "");
}

void
dauys_svg_bars_end(FILE *fp, size_t n, int last_is_total, const dauys_svg_line *line)
{
    double bottom = row_y(n, last_is_total);

    if (line != NULL && line->den != 0) {
        double x = BAR_LABEL + scale(line->num, line->den, BAR_PLOT);
        fprintf(fp,
                "<line class=\"rule\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"rule-label\" x=\"%.1f\" y=\"%d\">",
                x, BAR_TOP - 12, x, bottom, x, BAR_TOP - 16);
        dauys_out_html_text(fp, line->label, strlen(line->label));
        fputs("</text>\n", fp);
    }
    fputs("</svg>\n", fp);
}

/* Histogram geometry. */
enum { HIST_X = 60, HIST_Y = 16, HIST_W = 700, HIST_H = 220, HIST_WIDTH = 780 };

void
dauys_svg_histogram(FILE *fp, const char *title, const uint64_t *count, const char *x_label)
{
    const double bin_w = (double) HIST_W / DAUYS_SVG_HISTOGRAM_BINS;
    uint64_t max = 0;
    char top[32];

    for (size_t k = 0; k < DAUYS_SVG_HISTOGRAM_BINS; k++) {
        max = count[k] > max ? count[k] : max;
    }
    svg_open(fp, HIST_WIDTH, HIST_Y + HIST_H + 40, title);
    percent_axis(fp, HIST_X, HIST_W, HIST_Y, HIST_Y + HIST_H, 10);
    for (size_t k = 0; k < DAUYS_SVG_HISTOGRAM_BINS; k++) {
        if (count[k] > 0) {
            double h = scale(count[k], max, HIST_H);
            fprintf(fp,
                    "<rect class=\"hist\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>\n",
                    HIST_X + (double) k * bin_w, HIST_Y + HIST_H - h, bin_w < 1 ? 1.0 : bin_w, h);
        }
    }
    dauys_out_group(top, sizeof top, max);
    fprintf(fp,
            "<line class=\"rule\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
            "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>"
            "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>"
            "<text class=\"axis\" x=\"%d\" y=\"%d\">",
            HIST_X + HIST_W / 2.0, HIST_Y, HIST_X + HIST_W / 2.0, HIST_Y + HIST_H, HIST_X - 6,
            HIST_Y + 10, top, HIST_X - 6, HIST_Y + HIST_H, HIST_X + HIST_W / 2,
            HIST_Y + HIST_H + 34);
    dauys_out_html_text(fp, x_label, strlen(x_label));
    fputs("</text>\n</svg>\n", fp);
}

/* Heat map geometry: one cell per whole percent. */
enum { HEAT_X = 60, HEAT_Y = 12, HEAT_CELL = 5, HEAT_LEGEND = 600, HEAT_WIDTH = 700 };

/* The fill of a cell holding C of at most MAX precincts: light to dark blue
 * on a logarithmic scale, so single precincts stay visible beside peaks. */
static void
heat_colour(char *out, size_t size, uint64_t c, uint64_t max)
{
    double t = max <= 1 ? 1.0 : log1p((double) c) / log1p((double) max);
    int r = (int) lround(222 - 214 * t), g = (int) lround(235 - 187 * t),
        b = (int) lround(247 - 140 * t);
    snprintf(out, size, "#%02x%02x%02x", r, g, b);
}

/* The grid's axes: percent ticks on both, and their names. */
static void
heat_axes(FILE *fp, const char *x_label, const char *y_label)
{
    const int side = DAUYS_SVG_GRID * HEAT_CELL, bottom = HEAT_Y + side;

    fprintf(fp, "<rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n", HEAT_X,
            HEAT_Y, side, side);
    for (int p = 0; p <= 100; p += 10) {
        fprintf(fp,
                "<text class=\"tick\" x=\"%d\" y=\"%d\">%d%%</text>"
                "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%d%%</text>\n",
                HEAT_X + p * HEAT_CELL, bottom + 13, p, HEAT_X - 4, bottom - p * HEAT_CELL + 4, p);
    }
    fprintf(fp, "<text class=\"axis\" x=\"%d\" y=\"%d\">", HEAT_X + side / 2, bottom + 32);
    dauys_out_html_text(fp, x_label, strlen(x_label));
    fprintf(fp, "</text><text class=\"axis\" transform=\"translate(16 %d) rotate(-90)\">",
            HEAT_Y + side / 2);
    dauys_out_html_text(fp, y_label, strlen(y_label));
    fputs("</text>\n", fp);
}

/* The legend: the scale from 1 to MAX precincts. */
static void
heat_legend(FILE *fp, uint64_t max)
{
    char colour[8], top[32];

    for (int i = 0; i < 10; i++) {
        uint64_t c = (uint64_t) llround(expm1(log1p((double) max) * (i + 1) / 10.0));
        heat_colour(colour, sizeof colour, c < 1 ? 1 : c, max);
        fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"16\" height=\"20\" fill=\"%s\"/>\n",
                HEAT_LEGEND, HEAT_Y + 200 - 20 * i, colour);
    }
    dauys_out_group(top, sizeof top, max);
    fprintf(fp,
            "<text class=\"tick-left\" x=\"%d\" y=\"%d\">%s</text>"
            "<text class=\"tick-left\" x=\"%d\" y=\"%d\">1</text>"
            "<text class=\"tick-left\" x=\"%d\" y=\"%d\">precincts</text>"
            "<text class=\"tick-left\" x=\"%d\" y=\"%d\">(log scale)</text>\n",
            HEAT_LEGEND + 22, HEAT_Y + 14, top, HEAT_LEGEND + 22, HEAT_Y + 214, HEAT_LEGEND,
            HEAT_Y + 238, HEAT_LEGEND, HEAT_Y + 252);
}

void
dauys_svg_heatmap(FILE *fp, const char *title, const uint64_t *cell, const char *x_label,
                  const char *y_label)
{
    const int side = DAUYS_SVG_GRID * HEAT_CELL;
    uint64_t max = 0;
    char colour[8];

    for (size_t i = 0; i < (size_t) DAUYS_SVG_GRID * DAUYS_SVG_GRID; i++) {
        max = cell[i] > max ? cell[i] : max;
    }
    svg_open(fp, HEAT_WIDTH, HEAT_Y + side + 40, title);
    for (int x = 0; x < DAUYS_SVG_GRID; x++) {
        for (int y = 0; y < DAUYS_SVG_GRID; y++) {
            uint64_t c = cell[x * DAUYS_SVG_GRID + y];
            if (c > 0) {
                heat_colour(colour, sizeof colour, c, max);
                fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n",
                        HEAT_X + x * HEAT_CELL, HEAT_Y + side - (y + 1) * HEAT_CELL, HEAT_CELL,
                        HEAT_CELL, colour);
            }
        }
    }
    heat_axes(fp, x_label, y_label);
    if (max > 0) {
        heat_legend(fp, max);
    }
    fputs("</svg>\n", fp);
}
