/*
 * rules.c: the rules profiles parsed once into their fractions (shared with
 * the audit), and the tally's decision from them (docs/RULES.md; the audit
 * decides again in audit/verdict.c). Each rule carries its requirement id
 * (IMPLEMENTATION-OF: R-..., docs/RULES.md section 8).
 */
#include "referendum/rules.h"

#include "core/decimal.h"

#include "core/textout.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

uint64_t
dauys_rules_more_than_half(uint64_t whole)
{
    return whole / 2 + 1; /* 2x > whole, without computing 2x */
}

uint64_t
dauys_rules_two_thirds(uint64_t whole)
{
    return whole - whole / 3; /* ceil(2 * whole / 3), without computing 2 * whole */
}

/* IMPLEMENTATION-OF: R-EXACT (the least x with x * den > whole * num, or >=)
 * IMPLEMENTATION-OF: R-EMPTY-WHOLE */
uint64_t
dauys_rules_threshold(uint64_t whole, const dauys_threshold *t)
{
    unsigned __int128 product = (unsigned __int128) whole * t->num;
    uint64_t q;

    assert(t->num > 0 && t->num <= t->den); /* a parsed fraction (dauys_rules_parse) */
    q = (uint64_t) (product / t->den);
    if (t->at_least) {
        q += (product % t->den != 0); /* ceil */
        return q == 0 ? 1 : q;        /* "at least a share of nothing" is not met by nothing */
    }
    return q + 1; /* floor + 1: the least x with x * den > whole * num */
}

/* Reads the digits at S[*I..N) as a number 1..1000 into *OUT, moving *I past
 * them. Leading zeros pass here: the canonical token the caller rebuilds
 * refuses them, naming the one spelling. 0, or -1. */
static int
parse_fraction_part(uint64_t *out, const char *s, size_t n, size_t *i)
{
    size_t digits = dauys_decimal_span(s + *i, n - *i);

    if (dauys_decimal_read(out, s + *i, digits, 1000, DAUYS_DECIMAL_LEADING_ZEROS) !=
            DAUYS_DECIMAL_OK ||
        *out == 0) {
        return -1;
    }
    *i += digits;
    return 0;
}

/* Parses "q>=N/D" or "m>N/D" (after the letter) into T: 0 < N <= D <= 1000. */
static int
parse_threshold(dauys_threshold *t, const char *s, size_t n)
{
    uint64_t num, den;
    size_t i;

    if (n == 0 || s[0] != '>') {
        return -1;
    }
    t->at_least = n > 1 && s[1] == '=';
    i = t->at_least ? 2 : 1;
    if (parse_fraction_part(&num, s, n, &i) != 0 || i >= n || s[i++] != '/' ||
        parse_fraction_part(&den, s, n, &i) != 0 || i != n || num > den) {
        return -1;
    }
    t->num = (uint32_t) num;
    t->den = (uint32_t) den;
    return 0;
}

#define CLAUSE_KZ_CONSTITUTION "Constitution of Kazakhstan (1995), Art. 91(1)"
#define CLAUSE_KZ_LAW "constitutional law on the republican referendum"
#define CLAUSE_CUSTOM "the manifest's custom profile"

/*
 * The named profiles (docs/RULES.md sections 3.1 to 3.4). Kazakhstan: the
 * quorum and the majority are more than half (constitutional law on the
 * republican referendum, Art. 31: R-VALIDITY-QUORUM, R-GENERAL-MAJORITY),
 * the regional test at least two thirds (Constitution, Art. 91(1), last
 * sentence: R-REGIONS-TWO-THIRDS). The clauses are the labels the outputs
 * print.
 */
static const struct named_profile {
    const char *name;
    dauys_rules rules;
} named[] = {
    {"kz-constitutional",
     {.has_quorum = 1,
      .quorum = {.at_least = 0, .num = 1, .den = 2},
      .majority = {.at_least = 0, .num = 1, .den = 2},
      .has_regions = 1,
      .regions = {.at_least = 1, .num = 2, .den = 3},
      .quorum_clause = CLAUSE_KZ_CONSTITUTION "; " CLAUSE_KZ_LAW,
      .majority_clause = CLAUSE_KZ_CONSTITUTION "; " CLAUSE_KZ_LAW,
      .regions_clause = CLAUSE_KZ_CONSTITUTION}},
    {"kz-ordinary",
     {.has_quorum = 1,
      .quorum = {.at_least = 0, .num = 1, .den = 2},
      .majority = {.at_least = 0, .num = 1, .den = 2},
      .quorum_clause = CLAUSE_KZ_LAW,
      .majority_clause = CLAUSE_KZ_LAW}},
    {"simple-majority",
     {.majority = {.at_least = 0, .num = 1, .den = 2},
      .majority_of_valid = 1,
      .majority_clause = "Constitution of Italy, Art. 138"}},
    {"quorum-majority",
     {.has_quorum = 1,
      .quorum = {.at_least = 0, .num = 1, .den = 2},
      .majority = {.at_least = 0, .num = 1, .den = 2},
      .majority_of_valid = 1,
      .quorum_clause = "Constitution of Italy, Art. 75",
      .majority_clause = "Constitution of Italy, Art. 75"}},
};

/* Writes the one spelling of the custom profile R into OUT (SIZE bytes). */
static void
custom_canonical(char *out, size_t size, const dauys_rules *r)
{
    int n = snprintf(out, size, "custom:");

    if (r->has_quorum) {
        n += snprintf(out + n, size - (size_t) n, "q%s%u/%u:", r->quorum.at_least ? ">=" : ">",
                      r->quorum.num, r->quorum.den);
    }
    snprintf(out + n, size - (size_t) n, "m%s%u/%u:of=%s", r->majority.at_least ? ">=" : ">",
             r->majority.num, r->majority.den, r->majority_of_valid ? "valid" : "took-part");
}

/* Parses the parts of a "custom:..." TOKEN into OUT (zeroed by the caller). */
static int
parse_custom(dauys_rules *out, const char *token, dauys_error *err)
{
    const char *p = token + 7, *part;
    int have_m = 0, have_of = 0;
    char canonical[80];

    while (*p != '\0') {
        size_t n = strcspn(p, ":");
        part = p;
        p += n + (p[n] == ':');
        if (n > 1 && part[0] == 'q' && !out->has_quorum &&
            parse_threshold(&out->quorum, part + 1, n - 1) == 0) {
            out->has_quorum = 1;
        } else if (n > 1 && part[0] == 'm' && !have_m &&
                   parse_threshold(&out->majority, part + 1, n - 1) == 0) {
            have_m = 1;
        } else if (!have_of && n == 12 && strncmp(part, "of=took-part", 12) == 0) {
            have_of = 1;
        } else if (!have_of && n == 8 && strncmp(part, "of=valid", 8) == 0) {
            have_of = out->majority_of_valid = 1;
        } else {
            return dauys_error_set(err, DAUYS_E_FORMAT,
                                   "\"%s\": bad part \"%.*s\" (expected q>N/D or q>=N/D, m>N/D "
                                   "or m>=N/D, of=took-part or of=valid)",
                                   token, (int) n, part);
        }
    }
    if (!have_m || !have_of) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "\"%s\": needs a majority (m...) and "
                               "of=took-part or of=valid",
                               token);
    }
    /* One spelling per rule: profiles are compared as text across manifest versions. */
    custom_canonical(canonical, sizeof canonical, out);
    if (strcmp(canonical, token) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "\"%s\": write it as \"%s\"", token, canonical);
    }
    out->quorum_clause = out->has_quorum ? CLAUSE_CUSTOM : NULL;
    out->majority_clause = CLAUSE_CUSTOM;
    return 0;
}

int
dauys_rules_parse(dauys_rules *out, const char *token, dauys_error *err)
{
    int rc;

    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        if (strcmp(token, named[i].name) == 0) {
            *out = named[i].rules;
            return 0;
        }
    }
    if (strncmp(token, "custom:", 7) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "unknown rules profile \"%s\"", token);
    }
    rc = parse_custom(out, token, err);
    if (rc != 0) {
        memset(out, 0, sizeof *out); /* no half-parsed profile to fall back on */
    }
    return rc;
}

int
dauys_rules_profile_valid(const char *name)
{
    dauys_rules r;

    return dauys_rules_parse(&r, name, NULL) == 0;
}

void
dauys_rules_group(char *out, size_t size, uint64_t n)
{
    dauys_out_group(out, size, n);
}

/* Records a threshold rule: passed iff HAVE >= NEEDED. */
static void
add_rule(dauys_verdict *v, dauys_rule_id id, const char *clause, uint64_t have, uint64_t needed,
         uint64_t of, const char *what, const char *whole)
{
    dauys_rule_result *r = &v->rule[v->rule_count++];
    char h[32], n[32], o[32];

    r->id = id;
    r->clause = clause;
    r->have = have;
    r->needed = needed;
    r->of = of;
    r->passed = have >= needed;
    dauys_rules_group(h, sizeof h, have);
    dauys_rules_group(n, sizeof n, needed);
    dauys_rules_group(o, sizeof o, of);
    snprintf(r->text, sizeof r->text, "needed %s %s of %s %s; had %s (%s)", n, what, o, whole, h,
             r->passed ? "met" : "NOT met");
}

/* More than 2^62 is out of range for a count (docs/RULES.md principle 5). */
static int
too_big(uint64_t n)
{
    return n > (UINT64_C(1) << 62);
}

uint64_t
dauys_rules_yes_base(const dauys_rules *rules, const dauys_counts *c)
{
    return rules->majority_of_valid ? c->yes + c->no : c->took_part;
}

uint64_t
dauys_rules_majority_needed(const dauys_rules *rules, uint64_t base)
{
    return dauys_rules_threshold(base, &rules->majority);
}

/* The national majority's threshold. A compile-time mutant, built only into
 * the test programs dauys-mutant-majority and dauys-audit-mutant-majority
 * (tests/CMakeLists.txt, cli_rules_mutant), reads "more than" as "at least",
 * so that the test can show T2 catching a bug in this file. */
static uint64_t
national_majority_needed(const dauys_rules *rules, uint64_t base)
{
    dauys_threshold t = rules->majority;

#ifdef DAUYS_MUTANT_MAJORITY_AT_LEAST
    t.at_least = 1;
#endif
    return dauys_rules_threshold(base, &t);
}

/* Regions whose yes meets the majority over their own base. */
static int
count_regional_majorities(dauys_verdict *v, const dauys_rules *rules, const dauys_counts *region,
                          size_t count, dauys_error *err)
{
    v->regions = count;
    v->regions_with_majority = 0;
    if (count == 0) { /* IMPLEMENTATION-OF: R-REGIONS-NONE */
        return dauys_error_set(err, DAUYS_E_USAGE, "the regional test needs at least one region");
    }
    for (size_t i = 0; i < count; i++) {
        const dauys_counts *r = &region[i];
        if (r->yes > r->took_part || too_big(r->took_part) ||
            (rules->majority_of_valid && too_big(r->no))) {
            return dauys_error_set(err, DAUYS_E_USAGE,
                                   "region %zu of the regional test: counts out of range", i + 1);
        }
        /* IMPLEMENTATION-OF: R-REGION-MAJORITY (the national majority's fraction,
         * over the region's own counts) */
        v->regions_with_majority +=
            r->yes >= dauys_rules_majority_needed(rules, dauys_rules_yes_base(rules, r));
    }
    return 0;
}

int
dauys_rules_decide(dauys_verdict *out, const dauys_rules *rules, const dauys_counts *nation,
                   const dauys_counts *region, size_t region_count, dauys_error *err)
{
    const dauys_counts *n = nation;
    uint64_t base = 0;

    memset(out, 0, sizeof *out);
    /* IMPLEMENTATION-OF: R-COUNTS-RANGE */
    if (n->yes > n->took_part || too_big(n->took_part) || too_big(n->eligible) || too_big(n->no)) {
        return dauys_error_set(err, DAUYS_E_USAGE, "counts out of range");
    }
    if (rules->has_quorum) {
        /* IMPLEMENTATION-OF: R-VALIDITY-QUORUM */
        add_rule(out, DAUYS_RULE_QUORUM, rules->quorum_clause, n->took_part,
                 dauys_rules_threshold(n->eligible, &rules->quorum), n->eligible, "took part",
                 "eligible");
    }
    /* IMPLEMENTATION-OF: R-MAJORITY-BASE */
    base = dauys_rules_yes_base(rules, n);
    /* IMPLEMENTATION-OF: R-GENERAL-MAJORITY */
    add_rule(out, DAUYS_RULE_MAJORITY, rules->majority_clause, n->yes,
             national_majority_needed(rules, base), base, "yes",
             rules->majority_of_valid ? "valid votes" : "who took part");
    if (rules->has_regions) {
        if (count_regional_majorities(out, rules, region, region_count, err) != 0) {
            return -1;
        }
        /* IMPLEMENTATION-OF: R-REGIONS-TWO-THIRDS */
        add_rule(out, DAUYS_RULE_REGIONS, rules->regions_clause, out->regions_with_majority,
                 dauys_rules_threshold(out->regions, &rules->regions), out->regions,
                 "regions with a majority", "regions");
    }
    /* IMPLEMENTATION-OF: R-VALID-ADOPTED */
    out->valid = 1;
    out->adopted = 1;
    for (size_t i = 0; i < out->rule_count; i++) {
        if (!out->rule[i].passed) {
            if (out->rule[i].id == DAUYS_RULE_QUORUM) {
                out->valid = 0;
            }
            out->adopted = 0;
        }
    }
    return 0;
}
