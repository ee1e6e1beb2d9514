/*
 * demo.c: dauys demo, the main job a new user runs first: the driver. The
 * mock referendum shaped like Kazakhstan's is planned by inputs/demo.h and
 * its files written by inputs/demo_files.h; this file then runs the
 * pipeline as a user would, each step by the real command in its own
 * process (dauys init, ingest, tally, publish; dauys-audit verify), timed,
 * with its peak memory. Exit 0 only if the independent audit passed.
 */
#define _GNU_SOURCE /* wait4 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"
#include "core/decimal.h"
#include "inputs/demo.h"
#include "inputs/demo_files.h"
#include "core/file.h"
#include "core/textout.h"

static const char demo_usage[] =
    "usage: dauys demo [--precincts N] [--seed S] [--profile P] [--out DIR] [--files-only]\n"
    "                  [--stuff REGION[:TURNOUT:YES[:SHARE]]]\n"
    "\n"
    "Runs a mock referendum shaped like Kazakhstan's of 15 March 2026 end to end:\n"
    "20 regions, 10,388 precincts and about 12.48 million citizens on the lists by\n"
    "default, with a handful of planted troubles (an altered count, a replay, a\n"
    "duplicate, a conflict, a correction, a broken relation, a stale version), and\n"
    "every district and region commission's signed summary protocol, one of which\n"
    "moves votes from no to yes. It makes the keys, the signed manifest, the\n"
    "signed protocols and summaries, then runs dauys init, ingest, tally and\n"
    "publish, and dauys-audit verify on the bundle, and prints the decision, what\n"
    "the summaries' crosscheck found, and the time and memory of each step.\n"
    "  --precincts N  20 to 1,000,000 (default 10,388)\n"
    "  --seed S       the same seed gives the same files, byte for byte (default 2026)\n"
    "  --profile P    the question's rules profile (default kz-constitutional)\n"
    "  --out DIR      keep everything in DIR (new or empty): keys/, workspace/ (use\n"
    "                 with -w), bundle/, incoming/, later/, summaries/; default: a\n"
    "                 temporary directory, removed at the end\n"
    "  --timings FILE also write each step's time and peak memory to FILE, tab-separated:\n"
    "                 step, seconds, peak RSS in KiB (0: not measured), protocols\n"
    "  --files-only   make the keys, the signed manifest, the signed protocols\n"
    "                 (incoming/, later/) and summaries (summaries/) and stop: inputs\n"
    "                 for runs of your own\n"
    "  --stuff REGION[:TURNOUT:YES[:SHARE]]\n"
    "                 ballot stuffing for dauys-audit forensics to find: SHARE% of\n"
    "                 REGION's precincts (a region code such as TUR; chosen from the\n"
    "                 seed) report TURNOUT% turnout and YES% yes, each rounded to the\n"
    "                 nearest ballot, as targets written by hand would be (whole\n"
    "                 percents; default 85:90:30). Their protocols are lawful, so they\n"
    "                 are accepted and the audit passes: only the statistics show them\n"
    "exit status: 0 the audit passed, 1 it found a discrepancy, 2 any other failure\n";

typedef struct stage {
    const char *name;
    double seconds;
    long max_rss_kib; /* 0: measured in this process (not shown) */
    uint64_t items;   /* protocols handled, for a per-protocol time */
} stage;

typedef struct demo_run {
    const char *out, *timings;
    char dauys[PATH_MAX], audit[PATH_MAX];
    dauys_demo *d;
    dauys_demo_planted_summary planted; /* the district summary that moves votes */
    stage stage[16];
    size_t stages;
    int files_only;    /* --files-only: stop once the inputs are made */
    const char *stuff; /* --stuff SPEC, or NULL */
} demo_run;

/* out/REL as a path in BUF. */
static const char *
at(const demo_run *r, char *buf, const char *rel)
{
    snprintf(buf, PATH_MAX, "%s/%s", r->out, rel);
    return buf;
}

static void
record(demo_run *r, const char *name, double t0, long rss, uint64_t items)
{
    if (r->stages < sizeof r->stage / sizeof r->stage[0]) {
        r->stage[r->stages++] = (stage){name, cli_now() - t0, rss, items};
    }
}

/* Runs ARGV as a child process and waits; *RC its exit status. Records the
 * step's time and the child's peak memory. -1 if it could not be run. */
static int
run_child(demo_run *r, const char *name, uint64_t items, int *rc, char *const argv[])
{
    double t0 = cli_now();
    struct rusage ru;
    int status;
    pid_t pid;

    fflush(stdout);
    if ((pid = fork()) < 0) {
        cli_message("cannot start %s: %s", argv[0], strerror(errno));
        return -1;
    }
    if (pid == 0) {
        execv(argv[0], argv);
        fprintf(stderr, "dauys demo: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            cli_message("waiting for %s: %s", argv[0], strerror(errno));
            return -1;
        }
    }
    *rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    record(r, name, t0, ru.ru_maxrss, items);
    return *rc == 127 ? -1 : 0;
}

/* Where the programs are: dauys is this process; dauys-audit beside it, or in
 * the build tree's audit/ beside tally/. */
static int
find_programs(demo_run *r)
{
    ssize_t n = readlink("/proc/self/exe", r->dauys, sizeof r->dauys - 1);
    char dir[PATH_MAX - 32];

    if (n <= 0 || (size_t) n >= sizeof dir) {
        cli_message("cannot find this program's own path: %s", strerror(errno));
        return -1;
    }
    r->dauys[n] = '\0';
    snprintf(dir, sizeof dir, "%.*s", (int) (strrchr(r->dauys, '/') - r->dauys), r->dauys);
    snprintf(r->audit, sizeof r->audit, "%s/dauys-audit", dir);
    if (access(r->audit, X_OK) != 0) {
        cli_message("dauys-audit is not beside %s (the build puts both in bin/, an install in one "
                    "directory)",
                    r->dauys);
        return -1;
    }
    return 0;
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st, (void) flag, (void) ftw;
    return remove(path);
}

/* How many regions have a district (and so a commission and a summary). */
static uint32_t
regions_with_districts(const dauys_demo *d)
{
    uint32_t n = 0;

    for (uint32_t r = 0; r < DAUYS_DEMO_REGIONS; r++) {
        n += d->region_district[r] < d->region_district[r + 1];
    }
    return n;
}

/* Writes the keys, the signed manifest and protocols, then the planted
 * trouble (inputs/demo_files.h), saying what each planted file is. */
static int
prepare(demo_run *r)
{
    dauys_demo_planted planted[DAUYS_DEMO_PLANTED];
    double t0 = cli_now();
    char files[PATH_MAX];
    dauys_error err;

    if (dauys_demo_write(r->d, r->out, &err) != 0) {
        cli_report(&err);
        return -1;
    }
    record(r, "keys, manifest, signed protocols", t0, 0, r->d->count);
    printf("%u signed protocols in %s%s; planted trouble:\n", r->d->count,
           at(r, files, "incoming/"),
           r->d->count <= DAUYS_DEMO_KEY_FILES_MAX ? "; precinct keys in keys/precincts/" : "");
    if (dauys_demo_plant(planted, r->d, r->out, &err) != 0) {
        cli_report(&err);
        return -1;
    }
    for (size_t k = 0; k < DAUYS_DEMO_PLANTED; k++) {
        printf("  %-34s %s\n", planted[k].path, planted[k].what);
    }
    t0 = cli_now();
    if (dauys_demo_summaries(&r->planted, r->d, r->out, &err) != 0) {
        cli_report(&err);
        return -1;
    }
    record(r, "signed summary protocols", t0, 0, 0);
    printf("%u district and %u region summary protocols in %s, signed by their commissions%s",
           r->d->district_count, regions_with_districts(r->d), at(r, files, "summaries/"),
           r->d->count <= DAUYS_DEMO_KEY_FILES_MAX ? " (keys in keys/commissions/)" : "");
    if (r->planted.planted) {
        printf("; planted:\n  %-34s district summary %s: %llu votes moved from no to yes between "
               "the precincts and the district: the crosscheck names it\n",
               r->planted.path, r->planted.area, (unsigned long long) r->planted.moved);
    } else {
        printf("; none planted (every district holds planted trouble)\n");
    }
    return 0;
}

/* One step of the pipeline: the real command, with the exit status it must
 * give (ingest exits 1: the planted trouble is rejected). */
static int
step(demo_run *r, int n, const char *title, const char *name, uint64_t items, int want,
     char *const argv[])
{
    int rc;

    printf("\n== %d. %s\n", n, title);
    if (run_child(r, name, items, &rc, argv) != 0) {
        return -1;
    }
    if (rc != want) {
        cli_message("%s exited with %d, not %d", name, rc, want);
        return -1;
    }
    return 0;
}

/* init, ingest (twice), tally, publish: the organisers' side. */
static int
organise(demo_run *r)
{
    char ws[PATH_MAX], mf[PATH_MAX], pub[PATH_MAX], key[PATH_MAX], in[PATH_MAX], later[PATH_MAX],
        sums[PATH_MAX], bundle[PATH_MAX], *d = r->dauys;
    uint32_t summaries = r->d->district_count + regions_with_districts(r->d);

    at(r, ws, "workspace"), at(r, mf, "manifest.txt"), at(r, pub, "keys/central.pub");
    at(r, key, "keys/central.key"), at(r, in, "incoming"), at(r, later, "later");
    at(r, sums, "summaries"), at(r, bundle, "bundle");
    return step(r, 1, "The central commission creates a workspace from the signed manifest",
                "dauys init", 0, 0,
                (char *const[]){d, "init", "-w", ws, "--manifest", mf, "--central-key", pub,
                                NULL}) ||
                   step(r, 2,
                        "Protocols arrive: every one verified, checked and logged (exit 1: some "
                        "are rejected, as planted)",
                        "dauys ingest incoming/", r->d->count + 4, 1,
                        (char *const[]){d, "ingest", "-w", ws, in, NULL}) ||
                   step(r, 3, "Later in the night: corrections, a stale version, a broken relation",
                        "dauys ingest later/", 4, 1,
                        (char *const[]){d, "ingest", "-w", ws, later, NULL}) ||
                   step(r, 4,
                        "The district and region commissions' summary protocols arrive: each is "
                        "checked, never counted",
                        "dauys ingest summaries/", summaries, 0,
                        (char *const[]){d, "ingest", "-w", ws, sums, NULL}) ||
                   step(r, 5, "The tally under the constitution's rules", "dauys tally",
                        r->d->count, 0, (char *const[]){d, "tally", "-w", ws, NULL}) ||
                   step(r, 6, "The result is signed, logged and published with its evidence",
                        "dauys publish", r->d->count, 0,
                        (char *const[]){d, "publish", "-w", ws, "-k", key, bundle, NULL})
               ? -1
               : 0;
}

/* The independent audit of the bundle; its exit status in *RC. */
static int
audit(demo_run *r, int *rc)
{
    char pub[PATH_MAX], bundle[PATH_MAX];

    at(r, pub, "keys/central.pub");
    at(r, bundle, "bundle");
    printf("\n== 7. The independent audit re-derives everything from the bundle alone\n");
    return run_child(r, "dauys-audit verify", r->d->count, rc,
                     (char *const[]){r->audit, "verify", "-p", pub, bundle, NULL});
}

/* The value of KEY's first line in TEXT (up to the LF) into OUT; "" if none. */
static void
line_value(char *out, size_t size, const char *text, const char *key)
{
    size_t n = strlen(key);

    out[0] = '\0';
    for (const char *p = text; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, n) == 0 && p[n] == ':' && p[n + 1] == ' ') {
            snprintf(out, size, "%.*s", (int) strcspn(p + n + 2, "\n"), p + n + 2);
            return;
        }
    }
}

/* One rule line of the result, "NAME met|not-met needed N have N of N", for people. */
static void
print_rule(const char *line)
{
    char name[32], verdict[16], a[32], b[32], c[32];
    unsigned long long needed, have, of;

    if (sscanf(line, "%31s %15s needed %llu have %llu of %llu", name, verdict, &needed, &have,
               &of) != 5) {
        return;
    }
    dauys_out_group(a, sizeof a, have), dauys_out_group(b, sizeof b, of);
    dauys_out_group(c, sizeof c, needed);
    printf("  %-9s %s of %s; needed %s: %s\n", name, a, b, c,
           strcmp(verdict, "met") == 0 ? "met" : "NOT met");
}

/* The status and national line of the result, with separators and shares. */
static void
print_counts(const char *text)
{
    char v[256], a[32], b[32], c[32], share[16], yes_share[16];
    unsigned long long e, t, y, no, nc, inv, rep, exp;

    line_value(v, sizeof v, text, "national");
    if (sscanf(v,
               "eligible %llu took-part %llu yes %llu no %llu not-counted %llu invalid %llu "
               "precincts %llu/%llu",
               &e, &t, &y, &no, &nc, &inv, &rep, &exp) != 8) {
        return;
    }
    line_value(v, sizeof v, text, "status");
    dauys_out_group(a, sizeof a, rep), dauys_out_group(b, sizeof b, exp);
    printf("  %-9s %s of %s precincts reporting (%s)\n", "status", a, b, v);
    dauys_out_group(a, sizeof a, e), dauys_out_group(b, sizeof b, t);
    dauys_out_group(c, sizeof c, y);
    dauys_out_percent(share, sizeof share, t, e);
    dauys_out_percent(yes_share, sizeof yes_share, y, t);
    printf("  %-9s %s on the lists; %s took part (%s); %s yes (%s of those who took part)\n",
           "national", a, b, share, c, yes_share);
}

/* Prints a differing area's findings: the crosscheck-field and -item lines
 * that follow its crosscheck line at P (up to the next crosscheck line). */
static void
print_findings(const char *p)
{
    char field[64], a[32], b[32], listed[16], counted[16];
    unsigned long long x, y;
    const char *sep = ":";

    for (p = strchr(p, '\n'); p != NULL && strncmp(p + 1, "crosscheck-", 11) == 0;
         p = strchr(p + 1, '\n')) {
        if (sscanf(p + 1, "crosscheck-field: %63s summary %llu counted %llu", field, &x, &y) == 3) {
            dauys_out_group(a, sizeof a, x), dauys_out_group(b, sizeof b, y);
            printf("%s %s summary %s counted %s", sep, field, a, b);
            sep = ";";
        } else if (sscanf(p + 1, "crosscheck-item: %63s listed %15s counted %15s", field, listed,
                          counted) == 3) {
            printf("%s %s listed %s counted %s", sep, field, listed, counted);
            sep = ";";
        }
    }
    printf("\n");
}

/* Counts the result's crosscheck lines (FORMATS.md 16.1) in TEXT into N
 * (districts, regions) and AGREE, DIFFER, NONE; with SHOW, prints each
 * area that differs with its findings. */
static void
crosscheck_lines(const char *text, int show, unsigned n[2], unsigned *agree, unsigned *differ,
                 unsigned *none)
{
    char level[16], area[64], rest[64];

    for (const char *p = strstr(text, "\ncrosscheck: "); p != NULL;
         p = strstr(p + 1, "\ncrosscheck: ")) {
        if (sscanf(p + 1, "crosscheck: %15s %63s %63[^\n]", level, area, rest) != 3) {
            continue;
        }
        n[strcmp(level, "region") == 0]++;
        if (strcmp(rest, "none") == 0) {
            (*none)++;
        } else if (strstr(rest, " differs") != NULL) {
            (*differ)++;
            if (show) {
                printf("  %s %s DIFFERS from %s", level, area,
                       strcmp(level, "district") == 0 ? "its precincts' protocols"
                                                      : "its districts' summaries");
                print_findings(p + 1);
            }
        } else {
            (*agree)++;
        }
    }
}

/* What the crosscheck of the summary protocols found, from the result's
 * crosscheck lines: the areas checked, then each that differs. */
static void
print_crosscheck(const char *text)
{
    unsigned n[2] = {0}, agree = 0, differ = 0, none = 0;

    crosscheck_lines(text, 0, n, &agree, &differ, &none);
    if (n[0] + n[1] == 0) {
        printf("  summary protocols: none checked (the result has no crosscheck lines)\n");
        return;
    }
    printf("  summary protocols: %u districts and %u regions checked: %u agree, %u differ%s, %u "
           "with none\n",
           n[0], n[1], agree, differ, differ == 1 ? "s" : "", none);
    crosscheck_lines(text, 1, n, &agree, &differ, &none);
}

/* The decision, read back from the signed result statement. */
static int
print_decision(const demo_run *r)
{
    char path[PATH_MAX], v[256], *text = NULL;
    size_t len;
    dauys_error err;

    if (dauys_file_read(&text, &len, at(r, path, "bundle/result.txt"), 1 << 24, &err) != 0) {
        cli_report(&err);
        return -1;
    }
    printf("\n== The decision, from the signed result (%s)\n", path);
    print_counts(text);
    for (const char *p = strstr(text, "\nrule: "); p != NULL; p = strstr(p + 1, "\nrule: ")) {
        snprintf(v, sizeof v, "%.*s", (int) strcspn(p + 7, "\n"), p + 7);
        print_rule(v);
    }
    line_value(v, sizeof v, text, "valid");
    printf("  VALID: %s", v);
    line_value(v, sizeof v, text, "adopted");
    printf("   ADOPTED: %s\n", v);
    printf("\n== What the crosscheck found, from the signed result: each summary protocol against "
           "what was counted below it\n");
    print_crosscheck(text);
    dauys_free(text);
    return 0;
}

/* Each step's time, peak memory and time per protocol. */
static void
print_timings(const demo_run *r)
{
    printf("\n== Time and memory on this machine (%ld CPUs)\n", sysconf(_SC_NPROCESSORS_ONLN));
    printf("  %-34s %9s %10s %13s\n", "step", "seconds", "peak RSS", "per protocol");
    for (size_t i = 0; i < r->stages; i++) {
        const stage *s = &r->stage[i];
        char rss[32] = "-", per[32] = "";
        if (s->max_rss_kib > 0) {
            snprintf(rss, sizeof rss, "%.1f MiB", s->max_rss_kib / 1024.0);
        }
        if (s->items > 100) {
            snprintf(per, sizeof per, "%.1f us", 1e6 * s->seconds / (double) s->items);
        }
        printf("  %-34s %9.2f %10s %13s\n", s->name, s->seconds, rss, per);
    }
}

/* The timings as a tab-separated file, for scripts/bench.sh. */
static int
write_timings(const demo_run *r)
{
    FILE *fp = fopen(r->timings, "w");

    if (fp == NULL) {
        cli_message("%s: %s", r->timings, strerror(errno));
        return -1;
    }
    fprintf(fp, "step\tseconds\trss_kib\tprotocols\n");
    for (size_t i = 0; i < r->stages; i++) {
        const stage *s = &r->stage[i];
        fprintf(fp, "%s\t%.6f\t%ld\t%llu\n", s->name, s->seconds, s->max_rss_kib,
                (unsigned long long) s->items);
    }
    if (fclose(fp) != 0) {
        cli_message("%s: %s", r->timings, strerror(errno));
        return -1;
    }
    return 0;
}

/* Parses a decimal option value into *OUT (at most MAX); -1 (printed) if not one. */
static int
number(uint64_t *out, const char *s, const char *what, uint64_t max)
{
    if (dauys_decimal_read(out, s, strlen(s), max, DAUYS_DECIMAL_LEADING_ZEROS) !=
        DAUYS_DECIMAL_OK) {
        cli_message("%s: expected a number up to %llu, not \"%s\"", what, (unsigned long long) max,
                    s);
        return -1;
    }
    return 0;
}

/* Options into R and the plan's parameters; 1 for --help, -1 on a usage error. */
static int
options(int argc, char **argv, demo_run *r, uint64_t *count, uint64_t *seed, const char **profile)
{
    static const struct option longopts[] = {{"precincts", required_argument, NULL, 'n'},
                                             {"seed", required_argument, NULL, 's'},
                                             {"profile", required_argument, NULL, 'p'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"timings", required_argument, NULL, 't'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"files-only", no_argument, NULL, 'f'},
                                             {"stuff", required_argument, NULL, 'S'},
                                             {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (number(count, optarg, "--precincts", UINT32_MAX) != 0)
                return -1;
            break;
        case 's':
            if (number(seed, optarg, "--seed", UINT64_MAX) != 0)
                return -1;
            break;
        case 'p': *profile = optarg; break;
        case 'o': r->out = optarg; break;
        case 't': r->timings = optarg; break;
        case 'f': r->files_only = 1; break;
        case 'S': r->stuff = optarg; break;
        case 'h': fputs(demo_usage, stdout); return 1;
        default: fputs(demo_usage, stderr); return -1;
        }
    }
    if (optind != argc) {
        fputs(demo_usage, stderr);
        return -1;
    }
    if (r->files_only && r->out == NULL) {
        cli_message("--files-only needs --out DIR: the files are all it makes");
        return -1;
    }
    return 0;
}

/* What --stuff did, if given: how many of the region's precincts. */
static void
print_stuffing(const dauys_demo *d)
{
    uint32_t stuffed = 0, of = 0;

    if (!d->stuffed) {
        return;
    }
    for (uint32_t i = 0; i < d->count; i++) {
        of += d->precinct[i].region == d->stuff_region;
        stuffed += (uint32_t) dauys_demo_stuffed(d, i);
    }
    printf("   stuffed: %u of %s's %u precincts report %u%% turnout and %u%% yes (--stuff; "
           "dauys-audit forensics should flag %s)\n",
           stuffed, dauys_demo_region_code(d->stuff_region), of, d->stuff_turnout, d->stuff_yes,
           dauys_demo_region_code(d->stuff_region));
}

/* Everything after the options; the exit status. */
static int
demo(demo_run *r, uint64_t count, uint64_t seed, const char *profile)
{
    double t0 = cli_now();
    dauys_error err;
    int audit_rc = CLI_EXIT_FAIL;

    if (dauys_demo_plan(&r->d, (uint32_t) count, seed, profile, &err) != 0 ||
        (r->stuff != NULL && dauys_demo_stuff(r->d, r->stuff, &err) != 0)) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    if (find_programs(r) != 0) {
        return CLI_EXIT_FAIL;
    }
    if (dauys_demo_dirs(r->out, &err) != 0) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    printf("== 0. A mock referendum shaped like Kazakhstan's: %u precincts in %u districts of 20 "
           "regions, %llu citizens on the lists, rules %s, seed %llu\n",
           r->d->count, r->d->district_count, (unsigned long long) r->d->voters_total, profile,
           (unsigned long long) seed);
    record(r, "plan", t0, 0, 0);
    print_stuffing(r->d);
    if (prepare(r) != 0) {
        return CLI_EXIT_FAIL;
    }
    if (r->files_only) {
        return r->timings != NULL && write_timings(r) != 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
    }
    if (organise(r) != 0 || audit(r, &audit_rc) != 0 || print_decision(r) != 0) {
        return CLI_EXIT_FAIL;
    }
    print_timings(r);
    if (r->timings != NULL && write_timings(r) != 0) {
        return CLI_EXIT_FAIL;
    }
    printf("\n%s\n", audit_rc == 0 ? "The audit passed: every check holds."
                                   : "THE AUDIT FOUND DISCREPANCIES (see above).");
    return audit_rc == 0 ? CLI_EXIT_OK : audit_rc == 1 ? CLI_EXIT_BAD : CLI_EXIT_FAIL;
}

int
cmd_demo(int argc, char **argv)
{
    demo_run r = {0};
    uint64_t count = DAUYS_DEMO_PRECINCTS_DEFAULT, seed = 2026;
    const char *profile = "kz-constitutional";
    char tmp[] = "/tmp/dauys-demo-XXXXXX";
    int rc = options(argc, argv, &r, &count, &seed, &profile);

    if (rc != 0) {
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    cli_no_core_dumps(); /* it makes the central and every precinct's secret key */
    if (r.out == NULL && (r.out = mkdtemp(tmp)) == NULL) {
        cli_message("cannot make a temporary directory: %s", strerror(errno));
        return CLI_EXIT_FAIL;
    }
    rc = demo(&r, count, seed, profile);
    if (r.out == tmp) {
        nftw(tmp, remove_one, 64, FTW_DEPTH | FTW_PHYS);
        printf("(everything was in a temporary directory, now removed: --out DIR keeps it)\n");
    } else if (rc != CLI_EXIT_FAIL && r.files_only) {
        printf("The inputs are in %s: keys/, manifest.txt (signed), incoming/, later/, "
               "summaries/\n",
               r.out);
    } else if (rc != CLI_EXIT_FAIL) {
        printf("Everything is in %s: keys/, workspace/ (dauys ... -w %s/workspace), bundle/ "
               "(its reports in bundle/reports/), incoming/, later/, summaries/\n",
               r.out, r.out);
    }
    dauys_demo_free(r.d);
    return rc;
}
