/*
 * bundle.c: I4. Every file in the bundle is either evidence the log names
 * (a manifest version, a submission, the result, with their signatures) or
 * one of the derived files of docs/FORMATS.md section 17.1; anything else,
 * and anything that is not a plain file, is reported. The copies the
 * bundle derives from the log (manifest.txt, protocols/index.tsv) must agree
 * with it. reports/ holds the tally's own renderings: named here; the page
 * and the CSV are compared with the re-tally by reports.c (T3).
 */
#define _GNU_SOURCE /* qsort_r */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <unistd.h>

#include "core/alloc.h"
#include "core/decimal.h"
#include "core/file.h"
#include "audit/audit_internal.h"
#include "core/sha256.h"

/* 1 if NAME is one of the NULL-terminated NAMES. */
static int
one_of(const char *name, const char *const *names)
{
    for (; *names != NULL; names++) {
        if (strcmp(name, *names) == 0) {
            return 1;
        }
    }
    return 0;
}

/* 1 if NAME is the file of a logged submission (protocols/). */
static int
logged_protocol_file(const audit *a, const char *name)
{
    char canonical[64];
    const char *dot = strchr(name, '.');
    uint64_t index;
    int sig;

    if (dot == NULL || dot == name ||
        dauys_decimal_read(&index, name, dauys_decimal_span(name, strlen(name)), UINT64_MAX,
                           DAUYS_DECIMAL_LEADING_ZEROS) != DAUYS_DECIMAL_OK) {
        return 0;
    }
    sig = strcmp(dot, ".txt.minisig") == 0;
    dauys_audit_protocol_name(canonical, sizeof canonical, index);
    if (strncmp(canonical + 10, name, (size_t) (dot - name)) != 0 ||
        strlen(canonical + 10) != (size_t) (dot - name) + 4 || !(sig || strcmp(dot, ".txt") == 0)) {
        return 0;
    }
    return index < a->logged_cap &&
           (a->logged[index] & (sig ? LOGGED_SIGNATURE : LOGGED_PROTOCOL)) != 0;
}

/* Whether DIR/NAME (DIR "" for the top) is a file the bundle may hold. */
static int
allowed(const audit *a, const char *dir, const char *name)
{
    static const char *const top[] = {"central.pub", "manifest.txt", "manifest.txt.minisig",
                                      "checkpoint",  "dauys.db",     NULL};
    static const char *const reports[] = {"tally.txt", "tally.json", "tally.csv", "report.html",
                                          NULL};

    if (dir[0] == '\0') {
        return one_of(name, top) || (a->result_seen && (strcmp(name, "result.txt") == 0 ||
                                                        strcmp(name, "result.txt.minisig") == 0));
    }
    if (strcmp(dir, "protocols") == 0) {
        return strcmp(name, "index.tsv") == 0 || logged_protocol_file(a, name);
    }
    if (strcmp(dir, "manifests") == 0) {
        return dauys_audit_manifest_file_logged(a, name);
    }
    if (strcmp(dir, "log") == 0) {
        return strcmp(name, "entries.txt") == 0;
    }
    return strcmp(dir, "reports") == 0 && one_of(name, reports);
}

/* Checks every name in the bundle's directory SUB ("" for the top). */
static void
scan(audit *a, const char *sub)
{
    static const char *const dirs[] = {"manifests", "protocols", "log", "reports", NULL};
    char path[PATH_MAX], rel[PATH_MAX];
    struct dirent *d;
    struct stat st;
    DIR *dp;

    snprintf(path, sizeof path, "%s%s%s", a->dir, sub[0] ? "/" : "", sub);
    if ((dp = opendir(path)) == NULL) {
        dauys_audit_check(a, I4, 0, sub[0] ? sub : a->dir, "cannot be listed");
        return;
    }
    while ((d = readdir(dp)) != NULL) {
        if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0) {
            continue;
        }
        snprintf(rel, sizeof rel, "%s%s%s", sub, sub[0] ? "/" : "", d->d_name);
        if (snprintf(path, sizeof path, "%s/%s", a->dir, rel) >= (int) sizeof path ||
            lstat(path, &st) != 0) {
            dauys_audit_check(a, I4, 0, rel, "cannot be examined");
        } else if (sub[0] == '\0' && one_of(d->d_name, dirs) && S_ISDIR(st.st_mode)) {
            scan(a, d->d_name);
        } else {
            int ok = allowed(a, sub, d->d_name);
            dauys_audit_check(a, I4, ok && S_ISREG(st.st_mode), rel,
                              ok ? "is not a plain file (a link, directory or device)"
                                 : "is not named by the log nor one of the bundle's derived files");
        }
    }
    closedir(dp);
}

/* The SHA-256 of the bundle file REL, read as a stream. 0, or -1 (and
 * a->oom set if memory, not the file, failed). */
static int
hash_file(uint8_t out[DAUYS_SHA256_BYTES], audit *a, const char *rel)
{
    dauys_error err;
    FILE *fp = dauys_audit_source_fopen(a->src, rel, &err);
    int rc = -1;

    if (fp != NULL) {
        rc = dauys_sha256_stream(out, fp, rel, &err);
        fclose(fp);
    }
    a->oom |= rc != 0 && err.status == DAUYS_E_NOMEM;
    return rc;
}

/* manifest.txt (and its signature) is the copy of the version in force;
 * compared by hash, so a large roster is not held twice. */
static void
check_manifest_copy(audit *a, const char *suffix)
{
    char rel[64], copy[64];
    uint8_t x[DAUYS_SHA256_BYTES], y[DAUYS_SHA256_BYTES];

    snprintf(rel, sizeof rel, "manifests/v%u.txt%s", a->m.version, suffix);
    snprintf(copy, sizeof copy, "manifest.txt%s", suffix);
    if (dauys_audit_source_kind(a->src, copy) == 0) {
        return; /* a derived copy: it may be left out */
    }
    dauys_audit_check(a, I4,
                      hash_file(x, a, rel) == 0 && hash_file(y, a, copy) == 0 &&
                          memcmp(x, y, sizeof x) == 0,
                      copy, "differs from %s, the version in force", rel);
}

/* protocols/index.tsv read line by line beside the log's submission entries. */
typedef struct index_walk {
    audit *a;
    FILE *fp;
    char line[512];
    size_t number;
} index_walk;

/* The line protocols/index.tsv must have for the submission entry E. */
static void
index_line(char *out, size_t size, const dauys_log_parsed *e)
{
    char version[16], named[96];

    /* a summary's entry is named LEVEL:AREA (ids cannot hold ':'), FORMATS.md 17.1 */
    if (e->summary_level[0]) {
        snprintf(named, sizeof named, "%s:%s", e->summary_level, e->summary_area);
    } else {
        snprintf(named, sizeof named, "%s", e->precinct[0] ? e->precinct : "-");
    }
    snprintf(version, sizeof version, "%u", e->version);
    snprintf(out, size, "%08llu\t%s\t%s\t%s\t%s\n", (unsigned long long) e->index, named,
             e->version ? version : "-", e->event, e->reason_code[0] ? e->reason_code : "-");
}

/* The next line of the index into W->line; 0 at the end. A line longer
 * than the buffer is kept cut (it cannot match) and the rest skipped. */
static int
next_index_line(index_walk *w)
{
    int c;

    if (fgets(w->line, sizeof w->line, w->fp) == NULL) {
        return 0;
    }
    if (strchr(w->line, '\n') == NULL) {
        while ((c = getc(w->fp)) != EOF && c != '\n') {
        }
    }
    return 1;
}

static int
index_entry(void *ctx, const char *text, size_t len)
{
    index_walk *w = ctx;
    char want[256], where[64];
    dauys_log_parsed e;
    dauys_error err;

    if (dauys_logentry_parse(&e, text, len, "entry", &err) != 0 ||
        strcmp(e.event, "manifest") == 0 || strcmp(e.event, "result") == 0) {
        return 0; /* I1 reports a malformed entry; these have no line */
    }
    index_line(want, sizeof want, &e);
    int have = next_index_line(w);
    snprintf(where, sizeof where, "protocols/index.tsv line %zu", ++w->number);
    dauys_audit_check(w->a, I4, have && strcmp(w->line, want) == 0, where,
                      "is \"%.*s\"; log entry %llu gives \"%.*s\"",
                      have ? (int) strcspn(w->line, "\n") : 0, have ? w->line : "",
                      (unsigned long long) e.index, (int) strlen(want) - 1, want);
    return 0;
}

/* protocols/index.tsv lists the log's submissions (FORMATS.md 17.1), no more. */
static void
check_index(audit *a)
{
    static const char header[] = "log_index\tprecinct\tversion\toutcome\treason_code\n";
    index_walk w = {.a = a, .number = 1};
    dauys_error err;

    if ((w.fp = dauys_audit_source_fopen(a->src, "protocols/index.tsv", &err)) == NULL) {
        a->oom |= err.status == DAUYS_E_NOMEM;
        return; /* a derived copy: it may be left out (scan names what is not a file) */
    }
    dauys_audit_check(a, I4, next_index_line(&w) && strcmp(w.line, header) == 0,
                      "protocols/index.tsv line 1", "is not the header line");
    if (dauys_audit_log_stream(a, index_entry, &w, &err) != 0) {
        a->oom |= err.status == DAUYS_E_NOMEM;
        dauys_audit_check(a, I4, err.status == DAUYS_E_NOMEM, "protocols/index.tsv",
                          "cannot be compared: %s", err.message);
    }
    dauys_audit_check(a, I4, !next_index_line(&w), "protocols/index.tsv",
                      "has lines after the log's last submission");
    fclose(w.fp);
}

/* Orders member indexes by name, then by place (qsort_r; CTX: the members). */
static int
by_name(const void *x, const void *y, void *ctx)
{
    const audit_member *members = ctx;
    uint32_t i = *(const uint32_t *) x, k = *(const uint32_t *) y;
    int c = strcmp(members[i].name, members[k].name);

    return c != 0 ? c : (i > k) - (i < k);
}

/* For each member, 1 + the index of the member before it that tar unpacks to
 * the same path (0 if none), found by sorting: a hostile archive has up to
 * 65,536 names. NULL if out of memory (dauys_free the result). */
static uint32_t *
earlier_copies(const audit_source *s)
{
    uint32_t *order = dauys_malloc_array(s->member_count + 1, sizeof *order);
    uint32_t *earlier = dauys_malloc_array(s->member_count + 1, sizeof *earlier);

    if (order == NULL || earlier == NULL) {
        dauys_free(order);
        dauys_free(earlier);
        return NULL;
    }
    for (size_t i = 0; i < s->member_count; i++) {
        order[i] = (uint32_t) i;
        earlier[i] = 0;
    }
    qsort_r(order, s->member_count, sizeof *order, by_name, s->member);
    for (size_t i = 1; i < s->member_count; i++) {
        if (strcmp(s->member[order[i]].name, s->member[order[i - 1]].name) == 0) {
            earlier[order[i]] = order[i - 1] + 1;
        }
    }
    dauys_free(order);
    return earlier;
}

/* Member M's name as the archive spells it. */
static const char *
spelled(const audit_member *m)
{
    return m->stored != NULL ? m->stored : m->name[0] != '\0' ? m->name : ".";
}

/* I4 fails for member M, a second copy of EARLIER's path: tar -x keeps the last. */
static void
second_copy(audit *a, const audit_member *m, const audit_member *earlier)
{
    dauys_audit_check(a, I4, 0, m->name[0] ? m->name : ".",
                      "appears twice in the archive, as \"%s\" and \"%s\" (tar -x unpacks both to "
                      "this path and keeps the last)",
                      spelled(earlier), spelled(m));
}

/* An archive's members (FORMATS.md 17.4): as the directory's files, plus its
 * own faults: names twice, members out of the protocols' run, damage. */
static void
scan_archive(audit *a)
{
    static const char *const dirs[] = {"", "manifests", "protocols", "log", "reports", NULL};
    const audit_source *s = a->src;
    char dir[DAUYS_TAR_NAME_MAX + 1];
    uint32_t *earlier = earlier_copies(s);

    if (earlier == NULL) {
        a->oom = 1;
        return;
    }
    for (size_t i = 0; i < s->member_count; i++) {
        const audit_member *m = &s->member[i];
        const char *slash = strrchr(m->name, '/');
        size_t dir_len = slash != NULL ? (size_t) (slash - m->name) : 0;
        memcpy(dir, m->name, dir_len);
        dir[dir_len] = '\0';
        if (earlier[i] != 0) { /* directories too: each is one in a directory bundle */
            second_copy(a, m, &s->member[earlier[i] - 1]);
            continue;
        }
        if (m->type == '5' && one_of(m->name, dirs)) {
            continue;
        }
        int ok = one_of(dir, dirs) && allowed(a, dir, slash != NULL ? slash + 1 : m->name);
        dauys_audit_check(a, I4, ok && m->type == '0', m->name[0] ? m->name : ".", "%s%s%s%s",
                          !ok ? "is not named by the log nor one of the bundle's derived files"
                              : "is not a plain file (a link, directory or device)",
                          m->stored != NULL ? " (spelled \"" : "",
                          m->stored != NULL ? m->stored : "",
                          m->stored != NULL ? "\" in the archive)" : "");
    }
    a->sum->passed[I4] += s->taken; /* each in its place in the run, as the log names it */
    for (uint64_t i = 0; i < s->stray_count && i < AUDIT_STRAYS_KEPT; i++) {
        dauys_audit_check(a, I4, 0, a->dir, "member %s", s->stray[i]);
    }
    if (s->stray_count > AUDIT_STRAYS_KEPT) {
        dauys_audit_check(a, I4, 0, a->dir, "%llu more members out of place",
                          (unsigned long long) (s->stray_count - AUDIT_STRAYS_KEPT));
    }
    if (s->damage[0] != '\0') {
        dauys_audit_check(a, I4, 0, a->dir, "%s", s->damage);
    }
    dauys_free(earlier);
}

void
dauys_audit_bundle_files(audit *a)
{
    if (a->src->archive) {
        scan_archive(a);
    } else {
        scan(a, "");
    }
    check_manifest_copy(a, "");
    check_manifest_copy(a, ".minisig");
    check_index(a);
}
