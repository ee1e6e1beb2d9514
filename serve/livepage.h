/*
 * livepage.h: the live results page of `dauys serve` (GET / and GET /live):
 * one self-contained HTML document, like the report (report/html.h), that
 * shows the provisional numbers of a snapshot rendered in the HTML (so it
 * reads with JavaScript off, and a reload shows current numbers) and carries
 * one inline script that, with JavaScript on, polls GET /v1/status every few
 * seconds and updates the numbers in place, as text only.
 *
 * Every number the page shows is marked for machines and for its script
 * (docs/SERVER.md, "The live page"): data-n="PATH" a count (thousands
 * separated by ","), data-p="PART WHOLE" a percentage of two counts (two
 * decimals, half up, "-" when WHOLE is 0), data-b="PATH" a yes/no shown as
 * its data-t or data-f text, data-s="PATH" a string; PATH is a dot-separated
 * path into the /v1/status JSON ("questions.0.regions.3.yes"), and null
 * shows as "none yet".
 */
#ifndef DAUYS_SERVE_LIVEPAGE_H
#define DAUYS_SERVE_LIVEPAGE_H

#include <stddef.h>

#include "serve/snapshot.h"

/* How often the page's script asks for /v1/status, in milliseconds. */
#define DAUYS_SERVE_LIVE_POLL_MS 3000

/*
 * The live page for snapshot S and CHECKPOINT_NOTE (the signed note covering
 * S, checked as dauys_serve_snapshot_json checks it, or NULL when none is
 * signed yet) into *OUT (NUL-terminated, dauys_malloc'ed: the caller frees it
 * with dauys_free) and its length into *LEN. Names from the manifest are
 * HTML-escaped. Provisional says so in the title, a banner, every heading
 * and every table caption. One row per region, never per precinct.
 */
int dauys_serve_live_page(char **out, size_t *len, const dauys_serve_snapshot *s,
                          const char *checkpoint_note, dauys_error *err) DAUYS_WUR;

/*
 * The Content-Security-Policy the server sends with the page (static
 * storage, the same for every page): default-src 'none'; the page's one
 * inline script and one inline style allowed by their SHA-256 hashes (no
 * 'unsafe-inline'); connect-src 'self' (its polls of /v1/status);
 * base-uri, form-action and frame-ancestors 'none'. Computed at first use;
 * thread-safe. The page carries the same policy in a <meta> element, but for
 * frame-ancestors, which only a header can set.
 */
const char *dauys_serve_live_page_csp(void);

#endif
