/*
 * demo.c: the mock referendum of dauys demo (demo.h). All randomness comes
 * from splitmix64 over (seed, precinct, purpose), so any precinct's numbers
 * and key can be made on any thread, in any order, and come out the same.
 */
#include "inputs/demo.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/decimal.h"
#include "referendum/manifest.h"
#include "referendum/rules.h"
#include "core/textbuf.h"

/*
 * Kazakhstan's 20 regions with rounded 2024 populations, used only as
 * weights (../shared/data/kz-regions/regions.csv; its README gives the
 * sources and says the codes are this project's own labels).
 */
static const struct {
    const char *code, *kind, *name;
    uint32_t population;
} regions[DAUYS_DEMO_REGIONS] = {
    {"ABA", "oblast", "Abai Region", 600000},
    {"AKM", "oblast", "Akmola Region", 790000},
    {"AKT", "oblast", "Aktobe Region", 930000},
    {"ALM", "oblast", "Almaty Region", 1530000},
    {"ATY", "oblast", "Atyrau Region", 700000},
    {"EKZ", "oblast", "East Kazakhstan Region", 710000},
    {"ZHA", "oblast", "Jambyl Region", 1220000},
    {"ZHT", "oblast", "Jetisu Region", 700000},
    {"KAR", "oblast", "Karaganda Region", 1130000},
    {"KUS", "oblast", "Kostanay Region", 830000},
    {"KZY", "oblast", "Kyzylorda Region", 830000},
    {"MAN", "oblast", "Mangystau Region", 790000},
    {"NKZ", "oblast", "North Kazakhstan Region", 530000},
    {"PAV", "oblast", "Pavlodar Region", 750000},
    {"TUR", "oblast", "Turkistan Region", 2140000},
    {"ULY", "oblast", "Ulytau Region", 220000},
    {"WKZ", "oblast", "West Kazakhstan Region", 690000},
    {"AST", "capital", "Astana", 1420000},
    {"ALA", "city", "Almaty", 2230000},
    {"SHY", "city", "Shymkent", 1230000},
};

/* Citizens on the lists at the default size: about 12.48 million. */
#define VOTERS_AT_DEFAULT 12480000ull
#define PRECINCTS_PER_DISTRICT 60

enum {
    SALT_SIZE = 1,
    SALT_DAY,
    SALT_KEY,
    SALT_REGION,
    SALT_CENTRAL,
    SALT_STUFF,
    SALT_DISTRICT_KEY,
    SALT_REGION_KEY,
    SALT_PICK
};

/* splitmix64: a good 64-bit mix of its input. */
static uint64_t
mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* The K-th random number for precinct I and PURPOSE, under the demo's seed. */
static uint64_t
rnd(const dauys_demo *d, uint32_t i, unsigned purpose, unsigned k)
{
    return mix(mix(mix(d->seed ^ ((uint64_t) purpose << 56)) ^ i) ^ k);
}

/* A number in [0, 1000) from rnd. */
static uint32_t
permille(const dauys_demo *d, uint32_t i, unsigned purpose, unsigned k)
{
    return (uint32_t) (rnd(d, i, purpose, k) % 1000);
}

/* Precincts per region, in proportion to population, summing to COUNT exactly. */
static void
share_out(uint32_t per_region[DAUYS_DEMO_REGIONS], uint32_t count)
{
    uint64_t total = 0, acc = 0, done = 0;

    for (int r = 0; r < DAUYS_DEMO_REGIONS; r++) {
        total += regions[r].population;
    }
    for (int r = 0; r < DAUYS_DEMO_REGIONS; r++) {
        acc += regions[r].population;
        uint64_t upto = (acc * count + total / 2) / total;
        per_region[r] = (uint32_t) (upto - done);
        done = upto;
    }
}

/* A precinct's size before scaling: cities have larger precincts, and sizes
 * spread from a quarter to nearly twice the mean (sum of two uniforms). */
static uint64_t
raw_size(const dauys_demo *d, uint32_t i, uint32_t region)
{
    uint64_t mean = strcmp(regions[region].kind, "oblast") == 0 ? 1000 : 1700;
    uint64_t spread = 250 + (permille(d, i, SALT_SIZE, 0) + permille(d, i, SALT_SIZE, 1)) * 3 / 4;

    return mean * spread / 1000;
}

/* Ids, regions, districts and voters; the lists scaled to ~12.48 M per 10,388. */
static void
lay_out(dauys_demo *d)
{
    uint32_t per_region[DAUYS_DEMO_REGIONS], i = 0, district = 0, width = 4;
    uint64_t raw_total = 0, target = VOTERS_AT_DEFAULT * d->count / DAUYS_DEMO_PRECINCTS_DEFAULT;

    share_out(per_region, d->count);
    for (int r = 0; r < DAUYS_DEMO_REGIONS; r++) {
        width = per_region[r] > 9999 ? (per_region[r] > 99999 ? 6 : 5) : width;
    }
    for (uint32_t r = 0; r < DAUYS_DEMO_REGIONS; r++) {
        d->region_district[r] = district;
        for (uint32_t k = 0; k < per_region[r]; k++, i++) {
            dauys_demo_precinct *p = &d->precinct[i];
            snprintf(p->id, sizeof p->id, "%s-%0*u", regions[r].code, (int) width, k + 1);
            p->region = r;
            p->district = district + k / PRECINCTS_PER_DISTRICT;
            if (k % PRECINCTS_PER_DISTRICT == 0) {
                d->district_start[p->district] = i;
            }
            raw_total += p->voters = (uint32_t) raw_size(d, i, r);
        }
        district += (per_region[r] + PRECINCTS_PER_DISTRICT - 1) / PRECINCTS_PER_DISTRICT;
        d->turnout_permille[r] = 620 + permille(d, r, SALT_REGION, 0) % 200; /* 62-82 % */
        d->yes_permille[r] = 700 + permille(d, r, SALT_REGION, 1) % 200;     /* 70-90 % */
    }
    d->district_count = district;
    d->region_district[DAUYS_DEMO_REGIONS] = district;
    d->district_start[district] = d->count;
    for (i = 0; i < d->count; i++) {
        dauys_demo_precinct *p = &d->precinct[i];
        p->voters = (uint32_t) ((p->voters * target + raw_total / 2) / raw_total);
        p->voters = p->voters < 40 ? 40 : p->voters;
        d->voters_total += p->voters;
    }
}

int
dauys_demo_plan(dauys_demo **out, uint32_t count, uint64_t seed, const char *profile,
                dauys_error *err)
{
    dauys_demo *d;

    if (count < DAUYS_DEMO_PRECINCTS_MIN || count > DAUYS_DEMO_PRECINCTS_MAX) {
        return dauys_error_set(err, DAUYS_E_USAGE, "--precincts: from %u to %u, not %u",
                               DAUYS_DEMO_PRECINCTS_MIN, DAUYS_DEMO_PRECINCTS_MAX, count);
    }
    if (!dauys_rules_profile_valid(profile) || strlen(profile) >= sizeof d->profile) {
        return dauys_error_set(err, DAUYS_E_USAGE,
                               "--profile: unknown rules profile \"%s\" "
                               "(docs/RULES.md lists them)",
                               profile);
    }
    if ((d = dauys_malloc(sizeof *d)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory planning the demo");
    }
    memset(d, 0, sizeof *d);
    d->seed = seed;
    d->count = count;
    snprintf(d->profile, sizeof d->profile, "%s", profile);
    /* at most one district per precinct, and the end */
    if ((d->precinct = dauys_malloc_array(count, sizeof *d->precinct)) == NULL ||
        (d->district_start = dauys_malloc_array((size_t) count + 1, sizeof *d->district_start)) ==
            NULL) {
        dauys_demo_free(d);
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory planning %u precincts", count);
    }
    lay_out(d);
    *out = d;
    return 0;
}

void
dauys_demo_free(dauys_demo *d)
{
    if (d != NULL) {
        dauys_free(d->precinct);
        dauys_free(d->district_start);
        dauys_free(d);
    }
}

/* A key pair from (seed, N, purpose): the seed is the hash of the three. */
static int
derive_key(dauys_pubkey *pk, dauys_seckey *sk, const dauys_demo *d, uint32_t n, unsigned purpose,
           dauys_error *err)
{
    uint8_t seed[DAUYS_KEYS_SEED_BYTES];
    uint64_t words[4];
    int rc;

    for (unsigned k = 0; k < 4; k++) {
        words[k] = rnd(d, n, purpose, k);
    }
    crypto_generichash(seed, sizeof seed, (const uint8_t *) words, sizeof words, NULL, 0);
    rc = dauys_keys_from_seed(pk, sk, seed, err);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(words, sizeof words);
    return rc;
}

int
dauys_demo_key(dauys_pubkey *pk, dauys_seckey *sk, const dauys_demo *d, uint32_t i,
               dauys_error *err)
{
    return derive_key(pk, sk, d, i, SALT_KEY, err);
}

int
dauys_demo_central_key(dauys_pubkey *pk, dauys_seckey *sk, const dauys_demo *d, dauys_error *err)
{
    return derive_key(pk, sk, d, 0, SALT_CENTRAL, err);
}

int
dauys_demo_commission_key(dauys_pubkey *pk, dauys_seckey *sk, const dauys_demo *d,
                          dauys_level level, uint32_t n, dauys_error *err)
{
    if (level == DAUYS_LEVEL_DISTRICT ? n >= d->district_count : n >= DAUYS_DEMO_REGIONS) {
        return dauys_error_set(err, DAUYS_E_USAGE, "no %s %u in the demo",
                               dauys_summary_level_name(level), n);
    }
    return derive_key(pk, sk, d, n,
                      level == DAUYS_LEVEL_DISTRICT ? SALT_DISTRICT_KEY : SALT_REGION_KEY, err);
}

/* The district id of region R's K-th district. */
static void
district_id(char *out, size_t size, uint32_t r, uint32_t k)
{
    snprintf(out, size, "%s-D%03u", regions[r].code, k + 1);
}

uint32_t
dauys_demo_district_region(const dauys_demo *d, uint32_t k)
{
    return d->precinct[d->district_start[k]].region;
}

void
dauys_demo_district_id(char *out, size_t size, const dauys_demo *d, uint32_t k)
{
    uint32_t r = dauys_demo_district_region(d, k);

    district_id(out, size, r, k - d->region_district[r]);
}

/* One "district:" line per district, in plan order. */
static void
add_districts(dauys_textbuf *t, const dauys_demo *d)
{
    char id[32];
    uint32_t last = UINT32_MAX, first_of_region = 0;

    for (uint32_t i = 0; i < d->count; i++) {
        const dauys_demo_precinct *p = &d->precinct[i];
        if (i == 0 || p->region != d->precinct[i - 1].region) {
            first_of_region = p->district;
        }
        if (p->district != last) {
            district_id(id, sizeof id, p->region, p->district - first_of_region);
            dauys_textbuf_add(t, "district: %s %s District %u of %s\n", id, regions[p->region].code,
                              p->district - first_of_region + 1, regions[p->region].name);
            last = p->district;
        }
    }
}

/* One "commission:" line per district, then per region with districts. */
static void
add_commissions(dauys_textbuf *t, const dauys_demo *d, const dauys_pubkey *keys)
{
    char id[32], key[57];

    for (uint32_t k = 0; k < d->district_count; k++) {
        dauys_demo_district_id(id, sizeof id, d, k);
        dauys_keys_pubkey_to_base64(key, &keys[k]);
        dauys_textbuf_add(t, "commission: district %s %s\n", id, key);
    }
    for (uint32_t r = 0; r < DAUYS_DEMO_REGIONS; r++) {
        if (d->region_district[r] < d->region_district[r + 1]) {
            dauys_keys_pubkey_to_base64(key, &keys[d->district_count + r]);
            dauys_textbuf_add(t, "commission: region %s %s\n", regions[r].code, key);
        }
    }
}

int
dauys_demo_manifest(char **out, size_t *len, const dauys_demo *d, const dauys_pubkey *pks,
                    dauys_error *err)
{
    return dauys_demo_manifest_with_commissions(out, len, d, pks, NULL, err);
}

int
dauys_demo_manifest_with_commissions(char **out, size_t *len, const dauys_demo *d,
                                     const dauys_pubkey *pks, const dauys_pubkey *commissions,
                                     dauys_error *err)
{
    dauys_textbuf t = {0};
    char key[57], id[32];
    uint32_t first_of_region = 0;

    dauys_textbuf_add(&t, "format: dauys-manifest 1\nreferendum: %s\n", DAUYS_DEMO_REFERENDUM);
    dauys_textbuf_add(
        &t, "title: Mock republican referendum on the Constitution (dauys demo, seed %llu)\n",
        (unsigned long long) d->seed);
    dauys_textbuf_add(&t, "date: 2026-03-15\nmode: test\nversion: 1\nballot: single\n");
    dauys_textbuf_add(
        &t, "question: q1 %s Do you accept the new Constitution of the Republic of Kazakhstan?\n",
        d->profile);
    for (int r = 0; r < DAUYS_DEMO_REGIONS; r++) {
        dauys_textbuf_add(&t, "region: %s %s %s\n", regions[r].code, regions[r].kind,
                          regions[r].name);
    }
    add_districts(&t, d);
    if (commissions != NULL) {
        add_commissions(&t, d, commissions);
    }
    for (uint32_t i = 0; i < d->count; i++) {
        const dauys_demo_precinct *p = &d->precinct[i];
        if (i == 0 || p->region != d->precinct[i - 1].region) {
            first_of_region = p->district;
        }
        district_id(id, sizeof id, p->region, p->district - first_of_region);
        dauys_keys_pubkey_to_base64(key, &pks[i]);
        dauys_textbuf_add(&t, "precinct: %s %s %u %s Polling station %s\n", p->id, id, p->voters,
                          key, p->id);
    }
    if (t.failed) {
        dauys_free(t.buf);
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory writing the manifest");
    }
    *out = t.buf;
    *len = t.len;
    return 0;
}

uint32_t
dauys_demo_pick(const dauys_demo *d, uint32_t n)
{
    return n == 0 ? 0 : (uint32_t) (rnd(d, 0, SALT_PICK, 0) % n);
}

const char *
dauys_demo_region_code(uint32_t r)
{
    return r < DAUYS_DEMO_REGIONS ? regions[r].code : NULL;
}

/* Reads ":N" (a whole percent from LO to 100) at *S into *OUT, moving *S on. */
static int
percent(const char **s, uint32_t *out, uint32_t lo)
{
    size_t digits;
    uint64_t v;

    if (**s != ':') {
        return -1;
    }
    (*s)++;
    digits = dauys_decimal_span(*s, 4); /* a digit past the third is looked at, not read */
    *s += digits;
    if (digits == 0 || digits > 3 ||
        dauys_decimal_read(&v, *s - digits, digits, 100, DAUYS_DECIMAL_LEADING_ZEROS) !=
            DAUYS_DECIMAL_OK ||
        v < lo) {
        return -1;
    }
    *out = (uint32_t) v;
    return 0;
}

int
dauys_demo_stuff(dauys_demo *d, const char *spec, dauys_error *err)
{
    size_t n = strcspn(spec, ":");
    const char *s = spec + n;
    uint32_t r;

    for (r = 0; r < DAUYS_DEMO_REGIONS; r++) {
        if (strlen(regions[r].code) == n && strncmp(regions[r].code, spec, n) == 0) {
            break;
        }
    }
    d->stuff_turnout = 85, d->stuff_yes = 90, d->stuff_share = 30;
    if (r == DAUYS_DEMO_REGIONS ||
        (*s != '\0' &&
         (percent(&s, &d->stuff_turnout, 1) != 0 || percent(&s, &d->stuff_yes, 0) != 0 ||
          (*s != '\0' && percent(&s, &d->stuff_share, 1) != 0))) ||
        *s != '\0') {
        return dauys_error_set(err, DAUYS_E_USAGE,
                               "--stuff: expected REGION[:TURNOUT:YES[:SHARE]] "
                               "(a region code such as TUR, then whole percents), not \"%s\"",
                               spec);
    }
    d->stuffed = 1;
    d->stuff_region = r;
    return 0;
}

int
dauys_demo_stuffed(const dauys_demo *d, uint32_t i)
{
    return d->stuffed && i < d->count && d->precinct[i].region == d->stuff_region &&
           rnd(d, i, SALT_STUFF, 0) % 100 < d->stuff_share;
}

typedef dauys_demo_counts counts;

/* A value in [MEAN - SPREAD, MEAN + SPREAD] (permille), clamped to [LO, HI]. */
static uint32_t
around(const dauys_demo *d, uint32_t i, unsigned k, uint32_t mean, uint32_t spread, uint32_t lo,
       uint32_t hi)
{
    int64_t v = (int64_t) mean - spread + (int64_t) (rnd(d, i, SALT_DAY, k) % (2 * spread + 1));

    return v < lo ? lo : v > hi ? hi : (uint32_t) v;
}

/*
 * Precinct I's lawful day: a few citizens added to the list, turnout and yes
 * around its region's, 0-2 ballots taken home, 0.5-2.5 % invalid, up to 1 %
 * with both boxes marked. No control relation breaks, and none of W1-W4 fires.
 */
static void
day(counts *c, const dauys_demo *d, uint32_t i)
{
    const dauys_demo_precinct *p = &d->precinct[i];
    uint32_t turnout = around(d, i, 0, d->turnout_permille[p->region], 90, 200, 960);
    uint32_t yes = around(d, i, 1, d->yes_permille[p->region], 80, 20, 980);
    uint64_t valid;

    c->on_list = p->voters + rnd(d, i, SALT_DAY, 2) % 4;
    c->issued = c->on_list * turnout / 1000;
    c->in_boxes = c->issued - (c->issued > 10 ? rnd(d, i, SALT_DAY, 3) % 3 : 0);
    c->received = (c->on_list * 102 / 100 + 49) / 50 * 50;
    c->cancelled = c->received - c->issued;
    c->invalid = c->in_boxes * (5 + rnd(d, i, SALT_DAY, 4) % 21) / 1000;
    c->not_counted = c->in_boxes * (rnd(d, i, SALT_DAY, 5) % 11) / 1000;
    valid = c->in_boxes - c->invalid - c->not_counted;
    c->yes = valid * yes / 1000;
    c->no = valid - c->yes;
}

/*
 * A stuffed precinct's day (dauys_demo_stuff): the target turnout and yes
 * share, rounded to the nearest ballot; 0-2 ballots still taken home while
 * the list allows; invalid and not counted as on a lawful day but within
 * what yes leaves. Every control relation holds.
 */
static void
stuffed_day(counts *c, const dauys_demo *d, uint32_t i)
{
    uint64_t left;

    c->in_boxes = (c->on_list * d->stuff_turnout + 50) / 100;
    c->issued = c->in_boxes + (c->in_boxes + 2 <= c->on_list ? rnd(d, i, SALT_DAY, 3) % 3 : 0);
    c->cancelled = c->received - c->issued;
    c->yes = (c->in_boxes * d->stuff_yes + 50) / 100;
    left = c->in_boxes - c->yes;
    c->invalid = c->in_boxes * (5 + rnd(d, i, SALT_DAY, 4) % 21) / 1000;
    c->invalid = c->invalid < left ? c->invalid : left;
    c->not_counted = c->in_boxes * (rnd(d, i, SALT_DAY, 5) % 11) / 1000;
    c->not_counted = c->not_counted < left - c->invalid ? c->not_counted : left - c->invalid;
    c->no = left - c->invalid - c->not_counted;
}

/* Applies VARIANT's change to the genuine numbers. */
static void
vary(counts *c, dauys_demo_variant variant)
{
    if ((variant == DAUYS_DEMO_RECOUNT || variant == DAUYS_DEMO_SECOND) && c->no > 0) {
        c->no--; /* one ballot read again: no becomes yes */
        c->yes++;
    } else if (variant == DAUYS_DEMO_BROKEN_R4) {
        c->yes++;
    }
}

void
dauys_demo_counts_of(dauys_demo_counts *out, const dauys_demo *d, uint32_t i,
                     dauys_demo_variant variant)
{
    day(out, d, i);
    if (dauys_demo_stuffed(d, i)) {
        stuffed_day(out, d, i);
    }
    vary(out, variant);
}

int
dauys_demo_protocol(char *out, size_t size, size_t *len, const dauys_demo *d, uint32_t i,
                    uint32_t version, dauys_demo_variant variant, dauys_error *err)
{
    counts c;
    int n;

    if (i >= d->count || version == 0) {
        return dauys_error_set(err, DAUYS_E_USAGE, "no precinct %u, version %u", i, version);
    }
    dauys_demo_counts_of(&c, d, i, variant);
    n = snprintf(
        out, size,
        "format: dauys-protocol 1\nreferendum: %s\nprecinct: %s\nversion: %u\n%s"
        "citizens_on_list: %llu\nballots_received: %llu\nballots_issued: %llu\n"
        "ballots_cancelled: %llu\nballots_in_boxes: %llu\nq1_yes: %llu\nq1_no: %llu\n"
        "q1_not_counted: %llu\nq1_invalid: %llu\n",
        variant == DAUYS_DEMO_OTHER ? "kz-2022-demo" : DAUYS_DEMO_REFERENDUM, d->precinct[i].id,
        version, version > 1 ? "reason: recount ordered by the district commission\n" : "",
        (unsigned long long) c.on_list, (unsigned long long) c.received,
        (unsigned long long) c.issued, (unsigned long long) c.cancelled,
        (unsigned long long) c.in_boxes, (unsigned long long) c.yes, (unsigned long long) c.no,
        (unsigned long long) c.not_counted, (unsigned long long) c.invalid);
    if (n < 0 || (size_t) n >= size) {
        return dauys_error_set(err, DAUYS_E_USAGE, "protocol buffer too small");
    }
    *len = (size_t) n;
    return 0;
}
