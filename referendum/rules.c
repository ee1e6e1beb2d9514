#include "referendum/rules.h"

#include "core/textout.h"

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

uint64_t
dauys_rules_threshold(uint64_t whole, const dauys_threshold *t)
{
    unsigned __int128 product = (unsigned __int128) whole * t->num;
    uint64_t q = (uint64_t) (product / t->den);

    if (t->at_least) {
        q += (product % t->den != 0); /* ceil */
        return q == 0 ? 1 : q;        /* "at least a share of nothing" is not met by nothing */
    }
    return q + 1; /* floor + 1: the least x with x * den > whole * num */
}

/* Parses "q>=N/D" or "m>N/D" (after the letter) into T. */
static int
parse_threshold(dauys_threshold *t, const char *s, size_t n)
{
    unsigned long num = 0, den = 0;
    size_t i = 0;

    t->at_least = n > 1 && s[0] == '>' && s[1] == '=';
    if (n == 0 || s[0] != '>') {
        return -1;
    }
    i = t->at_least ? 2 : 1;
    for (; i < n && s[i] >= '0' && s[i] <= '9' && num <= 1000; i++) {
        num = num * 10 + (unsigned long) (s[i] - '0');
    }
    if (i >= n || s[i++] != '/') {
        return -1;
    }
    for (; i < n && s[i] >= '0' && s[i] <= '9' && den <= 1000; i++) {
        den = den * 10 + (unsigned long) (s[i] - '0');
    }
    if (i != n || num == 0 || den == 0 || num > den || den > 1000) {
        return -1;
    }
    t->num = (uint32_t) num;
    t->den = (uint32_t) den;
    return 0;
}

int
dauys_rules_custom_parse(dauys_custom_profile *out, const char *token, dauys_error *err)
{
    const char *p = token + 7, *part;
    int have_m = 0, have_of = 0;

    memset(out, 0, sizeof *out);
    if (strncmp(token, "custom:", 7) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "\"%s\": not a custom profile", token);
    }
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
            have_of = out->of_valid = 1;
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
    char canonical[80];
    int n = snprintf(canonical, sizeof canonical, "custom:");
    if (out->has_quorum) {
        n += snprintf(canonical + n, sizeof canonical - (size_t) n,
                      "q%s%u/%u:", out->quorum.at_least ? ">=" : ">", out->quorum.num,
                      out->quorum.den);
    }
    snprintf(canonical + n, sizeof canonical - (size_t) n, "m%s%u/%u:of=%s",
             out->majority.at_least ? ">=" : ">", out->majority.num, out->majority.den,
             out->of_valid ? "valid" : "took-part");
    if (strcmp(canonical, token) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "\"%s\": write it as \"%s\"", token, canonical);
    }
    return 0;
}

int
dauys_rules_profile_valid(const char *name)
{
    static const char *const named[] = {"kz-constitutional", "kz-ordinary", "simple-majority",
                                        "quorum-majority"};
    dauys_custom_profile c;

    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        if (strcmp(name, named[i]) == 0) {
            return 1;
        }
    }
    return dauys_rules_custom_parse(&c, name, NULL) == 0;
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

/* A custom profile: the declared fractions, in exact arithmetic. */
static void
decide_custom(dauys_verdict *v, const dauys_custom_profile *c, const dauys_counts *n)
{
    uint64_t base = c->of_valid ? n->yes + n->no : n->took_part;

    if (c->has_quorum) {
        add_rule(v, DAUYS_RULE_QUORUM, "the manifest's custom profile", n->took_part,
                 dauys_rules_threshold(n->eligible, &c->quorum), n->eligible, "took part",
                 "eligible");
    }
    add_rule(v, DAUYS_RULE_MAJORITY, "the manifest's custom profile", n->yes,
             dauys_rules_threshold(base, &c->majority), base, "yes",
             c->of_valid ? "valid votes" : "who took part");
}

/* Regions where more than half of those who took part voted yes. */
static int
count_regional_majorities(dauys_verdict *v, const dauys_counts *region, size_t count,
                          dauys_error *err)
{
    v->regions = count;
    v->regions_with_majority = 0;
    if (count == 0) {
        return dauys_error_set(err, DAUYS_E_USAGE, "the regional test needs at least one region");
    }
    for (size_t i = 0; i < count; i++) {
        if (region[i].yes > region[i].took_part || region[i].took_part > (UINT64_C(1) << 62)) {
            return dauys_error_set(err, DAUYS_E_USAGE,
                                   "region %zu of the regional test: counts out of "
                                   "range",
                                   i + 1);
        }
        /* Constitutional law on the republican referendum: a majority in the region. */
        v->regions_with_majority +=
            region[i].yes >= dauys_rules_more_than_half(region[i].took_part);
    }
    return 0;
}

/* The Kazakh profiles: quorum, national majority, and (constitutional) regions. */
static int
decide_kz(dauys_verdict *v, int constitutional, const dauys_counts *n, const dauys_counts *region,
          size_t region_count, dauys_error *err)
{
    const char *clause = constitutional
                             ? "Constitution of Kazakhstan (1995), Art. 91(1); constitutional law "
                               "on the republican referendum"
                             : "constitutional law on the republican referendum";

    /* Art. 91(1) and the referendum law: valid only if more than half of the
     * eligible took part. */
    add_rule(v, DAUYS_RULE_QUORUM, clause, n->took_part, dauys_rules_more_than_half(n->eligible),
             n->eligible, "took part", "eligible");
    /* Adopted if more than half of those who took part voted yes. */
    add_rule(v, DAUYS_RULE_MAJORITY, clause, n->yes, dauys_rules_more_than_half(n->took_part),
             n->took_part, "yes", "who took part");
    if (constitutional) {
        /* ... and in at least two thirds of the regions (oblasts, cities of
         * republican significance and the capital). */
        if (count_regional_majorities(v, region, region_count, err) != 0) {
            return -1;
        }
        add_rule(v, DAUYS_RULE_REGIONS, "Constitution of Kazakhstan (1995), Art. 91(1)",
                 v->regions_with_majority, dauys_rules_two_thirds(v->regions), v->regions,
                 "regions with a majority", "regions");
    }
    return 0;
}

/* The Italian profiles: a majority of valid votes (yes against no), with or without quorum. */
static void
decide_valid_votes(dauys_verdict *v, int quorum, const dauys_counts *n)
{
    if (quorum) {
        /* Constitution of Italy, Art. 75: more than half of those entitled took part. */
        add_rule(v, DAUYS_RULE_QUORUM, "Constitution of Italy, Art. 75", n->took_part,
                 dauys_rules_more_than_half(n->eligible), n->eligible, "took part", "eligible");
    }
    /* Art. 75 / Art. 138: a majority of the valid votes (yes + no). */
    add_rule(v, DAUYS_RULE_MAJORITY,
             quorum ? "Constitution of Italy, Art. 75" : "Constitution of Italy, Art. 138", n->yes,
             dauys_rules_more_than_half(n->yes + n->no), n->yes + n->no, "yes", "valid votes");
}

int
dauys_rules_decide(dauys_verdict *out, const char *profile, const dauys_counts *nation,
                   const dauys_counts *region, size_t region_count, dauys_error *err)
{
    int kz_const = strcmp(profile, "kz-constitutional") == 0;
    int kz_ord = strcmp(profile, "kz-ordinary") == 0;
    int simple = strcmp(profile, "simple-majority") == 0;
    int quorum = strcmp(profile, "quorum-majority") == 0;

    memset(out, 0, sizeof *out);
    if (nation->yes > nation->took_part || nation->took_part > (UINT64_C(1) << 62) ||
        nation->eligible > (UINT64_C(1) << 62) || nation->no > (UINT64_C(1) << 62)) {
        return dauys_error_set(err, DAUYS_E_USAGE, "counts out of range");
    }
    if (kz_const || kz_ord) {
        if (decide_kz(out, kz_const, nation, region, region_count, err) != 0) {
            return -1;
        }
    } else if (simple || quorum) {
        decide_valid_votes(out, quorum, nation);
    } else if (strncmp(profile, "custom:", 7) == 0) {
        dauys_custom_profile c;
        if (dauys_rules_custom_parse(&c, profile, err) != 0) {
            return -1;
        }
        decide_custom(out, &c, nation);
    } else {
        return dauys_error_set(err, DAUYS_E_USAGE, "unknown rules profile \"%s\"", profile);
    }
    out->known_profile = 1;
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

/* 1 if PROFILE's majority is taken of valid votes (yes + no), 0 if of all
 * who took part. */
static int
by_valid_votes(const char *profile)
{
    dauys_custom_profile c;

    if (strncmp(profile, "custom:", 7) == 0) {
        return dauys_rules_custom_parse(&c, profile, NULL) == 0 && c.of_valid;
    }
    return strcmp(profile, "simple-majority") == 0 || strcmp(profile, "quorum-majority") == 0;
}

uint64_t
dauys_rules_yes_base(const char *profile, const dauys_counts *c)
{
    return by_valid_votes(profile) ? c->yes + c->no : c->took_part;
}

uint64_t
dauys_rules_majority_needed(const char *profile, uint64_t base)
{
    dauys_custom_profile c;

    if (strncmp(profile, "custom:", 7) == 0 && dauys_rules_custom_parse(&c, profile, NULL) == 0) {
        return dauys_rules_threshold(base, &c.majority);
    }
    return dauys_rules_more_than_half(base);
}

void
dauys_rules_majority_fraction(const char *profile, uint32_t *num, uint32_t *den)
{
    dauys_custom_profile c;

    *num = 1, *den = 2;
    if (strncmp(profile, "custom:", 7) == 0 && dauys_rules_custom_parse(&c, profile, NULL) == 0) {
        *num = c.majority.num, *den = c.majority.den;
    }
}
