/*
 * forensics.c: dauys-audit forensics, statistical flags on a bundle's
 * precinct results for a person to look at, never verdicts
 * (docs/FORENSICS.md). The bundle is audited exactly as by verify; the
 * tests run on the counting set that audit establishes (the protocols the
 * log makes count, re-verified), handed over by dauys_audit_verify, and only
 * when every check passed: numbers that fail the audit support no statistics.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "cmd/cli.h"
#include "cmd/audit/audit_commands.h"
#include "core/decimal.h"
#include "forensics/forensics.h"
#include "audit/verify.h"

static const char forensics_usage[] =
    "usage: dauys-audit forensics (-p CENTRAL.pub | -P KEY | --trust-bundle-key)\n"
    "                             [--json] [--seed N] [--question ID] BUNDLE\n"
    "\n"
    "Statistical flags on a published bundle's precinct results, for a person to look\n"
    "at: never verdicts. The bundle is first audited as by dauys-audit verify; the\n"
    "tests then run on the protocols its log counts, only if every check passed.\n"
    "For each question, nationally and per region: turnouts and yes shares at whole\n"
    "percents against seeded binomial resamples (Kobak et al. 2016), the last digits\n"
    "of the yes and no counts (Beber and Scacco 2012), and turnout against yes share\n"
    "(their correlation; the ballots in precincts above 90% turnout and 90% yes).\n"
    "Each flag comes with a sentence and a caveat. docs/FORENSICS.md gives every\n"
    "test's definition, threshold, false-positive rate and caveats.\n"
    "BUNDLE is the bundle's directory or its archive (dauys archive).\n"
    "  -p, --central-key FILE  the central commission's public key from a source you\n"
    "  -P KEY                  trust (pinned, as verify)\n"
    "  --trust-bundle-key      check with the bundle's own central.pub (a warning says\n"
    "                          this proves nothing about who made the bundle)\n"
    "  --origin dauys/REF/MODE the log you expect, as verify\n"
    "  --json                  machine-readable output (fields: docs/FORENSICS.md)\n"
    "  --seed N                the resamples' seed (default 1): the same seed gives\n"
    "                          the same numbers and flags on every machine\n"
    "  --question ID           only this question (default: each in turn)\n"
    "exit status: 0 the tests ran, whether or not they raised flags (a flag is not a\n"
    "verdict); 1 the bundle fails its audit, so no test is given (dauys-audit verify\n"
    "lists what fails); 2 could not run (usage, a bundle that cannot be read)\n";

/* The counting set as the audit hands it over: per question, one row per precinct. */
typedef struct collected {
    size_t questions, regions, cap, n;
    dauys_forensics_precinct *rows;  /* [question * cap + i] */
    char **region_id, **region_name; /* regions of each, NUL-terminated copies */
    char question[DAUYS_QUESTIONS_MAX][DAUYS_QUESTION_ID_MAX + 1];
    uint64_t unreadable; /* counting precincts whose protocol could not be read */
    uint64_t expected;   /* precincts in the roster */
} collected;

static void
collected_free(collected *c)
{
    for (size_t i = 0; i < c->regions; i++) {
        dauys_free(c->region_id != NULL ? c->region_id[i] : NULL);
        dauys_free(c->region_name != NULL ? c->region_name[i] : NULL);
    }
    dauys_free(c->region_id);
    dauys_free(c->region_name);
    dauys_free(c->rows);
}

/* A NUL-terminated copy of the N bytes at S, or NULL. */
static char *
copy(const char *s, size_t n)
{
    char *out = dauys_malloc(n + 1);

    if (out != NULL) {
        memcpy(out, s, n);
        out[n] = '\0';
    }
    return out;
}

/* The manifest in force: room for every precinct, and the names to print. */
static int
on_begin(void *ctx, const dauys_manifest *m, dauys_error *err)
{
    collected *c = ctx;

    c->questions = m->question_count;
    c->cap = m->precinct_count;
    c->expected = m->precinct_count;
    c->rows = dauys_malloc_array(c->questions * (c->cap ? c->cap : 1), sizeof *c->rows);
    c->region_id = dauys_malloc_array(m->region_count, sizeof *c->region_id);
    c->region_name = dauys_malloc_array(m->region_count, sizeof *c->region_name);
    if (c->rows == NULL || c->region_id == NULL || c->region_name == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for %zu precincts' counts",
                               c->cap);
    }
    memset(c->region_id, 0, m->region_count * sizeof *c->region_id);
    memset(c->region_name, 0, m->region_count * sizeof *c->region_name);
    c->regions = m->region_count; /* from here on, collected_free frees them */
    for (size_t r = 0; r < m->region_count; r++) {
        const dauys_place *pl = &m->region[r];
        c->region_id[r] = copy(pl->id, pl->id_len);
        c->region_name[r] = copy(pl->name, pl->name_len);
        if (c->region_id[r] == NULL || c->region_name[r] == NULL) {
            return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for the forensics");
        }
    }
    for (size_t q = 0; q < m->question_count; q++) {
        snprintf(c->question[q], sizeof c->question[q], "%s", m->question[q].id);
    }
    return 0;
}

/* One counting precinct: its counts for each question. */
static int
on_precinct(void *ctx, const dauys_manifest *m, uint32_t index, const dauys_protocol *p,
            dauys_error *err)
{
    collected *c = ctx;

    (void) err;
    if (p == NULL || c->n == c->cap) {
        c->unreadable++; /* I3 failed for it: the audit fails, nothing is computed */
        return 0;
    }
    for (size_t q = 0; q < c->questions; q++) {
        const dauys_answers *a = &p->answer[q];
        c->rows[q * c->cap + c->n] = (dauys_forensics_precinct){
            m->precinct[index].region, p->on_list, a->ballots.in_boxes, a->yes, a->no};
    }
    c->n++;
    return 0;
}

static void
count_failure(const dauys_audit_finding *f, void *ctx)
{
    (void) f;
    (*(uint64_t *) ctx)++;
}

/* The command's options. */
typedef struct forensics_run {
    const char *bundle, *question;
    audit_trust trust;
    int json;
    dauys_forensics_options opt;
} forensics_run;

/* Parses the options into R; 1 for --help, -1 (the usage or the reason printed) on an error. */
static int
parse_options(int argc, char **argv, forensics_run *r)
{
    static const struct option longopts[] = {AUDIT_TRUST_LONGOPTS,
                                             {"json", no_argument, NULL, 'J'},
                                             {"seed", required_argument, NULL, 's'},
                                             {"question", required_argument, NULL, 'q'},
                                             {NULL, 0, NULL, 0}};
    uint64_t seed;
    int c;

    while ((c = getopt_long(argc, argv, "p:P:h", longopts, NULL)) != -1) {
        if (audit_trust_option(&r->trust, c, optarg)) {
            continue;
        }
        switch (c) {
        case 'J': r->json = 1; break;
        case 'q': r->question = optarg; break;
        case 's':
            if (dauys_decimal_read(&seed, optarg, strlen(optarg), UINT64_MAX,
                                   DAUYS_DECIMAL_LEADING_ZEROS) != DAUYS_DECIMAL_OK) {
                cli_message("--seed: expected a number from 0 to 2^64 - 1, not \"%s\"", optarg);
                return -1;
            }
            r->opt.seed = seed;
            break;
        case 'h': fputs(forensics_usage, stdout); return 1;
        default: fputs(forensics_usage, stderr); return -1;
        }
    }
    if (argc - optind != 1) {
        fputs(forensics_usage, stderr);
        return -1;
    }
    r->bundle = argv[optind];
    return audit_trust_load(&r->trust, "forensics", 1);
}

/* The index of the question --question names, or -1 (printed) if none. Every
 * question when not given (*ALL set). */
static int
pick_question(const forensics_run *r, const collected *c, int *all)
{
    char ids[DAUYS_QUESTIONS_MAX * (DAUYS_QUESTION_ID_MAX + 2) + 1] = "";

    *all = r->question == NULL;
    for (size_t q = 0; q < c->questions && !*all; q++) {
        if (strcmp(c->question[q], r->question) == 0) {
            return (int) q;
        }
    }
    if (*all) {
        return 0;
    }
    for (size_t q = 0; q < c->questions; q++) {
        strcat(ids, q ? ", " : "");
        strcat(ids, c->question[q]);
    }
    cli_message("--question: %s has no question \"%s\" (its questions: %s)", r->bundle, r->question,
                ids);
    return -1;
}

/* The end of the output when the tests cannot be given: JSON says why too. */
static int
refuse(const forensics_run *r, int code, const char *audit, const char *why)
{
    if (r->json) {
        printf("{\n  \"bundle\": ");
        cli_json_string(stdout, r->bundle);
        printf(",\n  \"audit\": \"%s\",\n  \"error\": ", audit);
        cli_json_string(stdout, why);
        printf("\n}\n");
    }
    return code;
}

/* The header before the questions. */
static void
print_head(const forensics_run *r, const collected *c)
{
    const dauys_forensics_options *o = &r->opt;

    if (!r->json) {
        printf("forensics of ");
        cli_print_untrusted(stdout, r->bundle);
        printf(": the audit passed; the tests run on the %zu counting protocols (%llu precincts "
               "in the roster)\n\n",
               c->n, (unsigned long long) c->expected);
        return;
    }
    printf("{\n  \"bundle\": ");
    cli_json_string(stdout, r->bundle);
    printf(",\n  \"audit\": \"pass\", \"counted\": %zu, \"expected\": %llu,\n  \"seed\": %llu, "
           "\"resamples\": %u, \"min_voters\": %llu, \"high_share_flag\": %g, "
           "\"correlation_flag\": %g,\n  \"questions\": [\n",
           c->n, (unsigned long long) c->expected, (unsigned long long) o->seed, o->resamples,
           (unsigned long long) o->min_voters, o->high_share_flag, o->correlation_flag);
}

/* Question Q's tests and their output; *FLAGS counts the flags raised. */
static int
one_question(const forensics_run *r, const collected *c, size_t q, int first, size_t *flags)
{
    dauys_forensics_labels labels = {c->question[q], (const char *const *) c->region_id,
                                     (const char *const *) c->region_name};
    dauys_forensics f;
    dauys_error err;
    int rc;

    if (dauys_forensics_compute(&f, c->rows + q * c->cap, c->n, c->regions, &r->opt, &err) != 0) {
        dauys_forensics_free(&f);
        cli_report(&err);
        return -1;
    }
    for (size_t i = 0; i <= c->regions; i++) {
        unsigned g = i < c->regions ? f.region[i].flags : f.nation.flags;
        for (; g != 0; g &= g - 1) {
            (*flags)++;
        }
    }
    if (r->json) {
        printf("%s    ", first ? "" : ",\n");
        rc = dauys_forensics_write_json(stdout, &f, &labels, "    ");
    } else {
        printf("%s", first ? "" : "\n");
        rc = dauys_forensics_write_text(stdout, &f, &labels);
    }
    dauys_forensics_free(&f);
    return rc;
}

/* Every question asked for, then the closing words; the exit status. */
static int
report(const forensics_run *r, const collected *c)
{
    size_t flags = 0;
    int all, q = pick_question(r, c, &all);

    if (q < 0) {
        return refuse(r, CLI_EXIT_FAIL, "pass", "no such question");
    }
    print_head(r, c);
    for (size_t i = all ? 0 : (size_t) q; i < (all ? c->questions : (size_t) q + 1); i++) {
        if (one_question(r, c, i, i == (all ? 0 : (size_t) q), &flags) != 0) {
            return CLI_EXIT_FAIL;
        }
    }
    if (r->json) {
        printf("\n  ],\n  \"flag_count\": %zu\n}\n", flags);
    } else {
        printf("\n%zu flag%s. A flag is a statistical signal for a person to look at, not a "
               "verdict: it says where numbers are unusual, and its caveat why that may be "
               "innocent (docs/FORENSICS.md).\n",
               flags, flags == 1 ? "" : "s");
    }
    return fflush(stdout) != 0 || ferror(stdout) ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

int
cmd_forensics(int argc, char **argv)
{
    forensics_run r = {0};
    collected c = {0};
    uint64_t failed = 0;
    dauys_audit_counting counting = {on_begin, on_precinct, &c};
    dauys_audit_options opt = {.on_fail = count_failure, .ctx = &failed, .counting = &counting};
    dauys_audit_summary sum;
    dauys_error err;
    int rc;

    dauys_forensics_options_default(&r.opt);
    if ((rc = parse_options(argc, argv, &r)) != 0) {
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    opt.central = audit_trust_key(&r.trust);
    opt.trust_bundle_key = r.trust.bundle_key;
    opt.origin = r.trust.origin;
    if (dauys_audit_verify(&sum, r.bundle, &opt, &err) != 0) {
        cli_report(&err);
        rc = refuse(&r, CLI_EXIT_FAIL, "could not run", err.message);
    } else if (failed > 0 || c.unreadable > 0) {
        cli_message("%s fails its audit (%llu failed checks; dauys-audit verify lists them): "
                    "its numbers cannot be trusted, so no forensics are given",
                    r.bundle, (unsigned long long) failed);
        rc = refuse(&r, CLI_EXIT_BAD, "discrepancies", "the bundle fails its audit");
    } else {
        rc = report(&r, &c);
    }
    collected_free(&c);
    return rc;
}
