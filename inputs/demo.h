/*
 * demo.h: a mock referendum shaped like Kazakhstan's of 15 March 2026, made
 * deterministically from a seed (dauys demo): 20 regions (17 oblasts, the
 * capital and two cities of republican significance) weighted by population,
 * districts of about 60 precincts, voters per precinct spread around city or
 * rural sizes so the lists total about 12.48 million at 10,388 precincts, and
 * turnout and yes shares that vary by region and precinct. Every precinct's
 * key pair is derived from the seed, so the same seed gives the same files,
 * byte for byte. Nothing here prints or writes files.
 */
#ifndef DAUYS_INPUTS_DEMO_H
#define DAUYS_INPUTS_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "keys/keys.h"
#include "referendum/summary.h"

#define DAUYS_DEMO_PRECINCTS_DEFAULT 10388
#define DAUYS_DEMO_PRECINCTS_MIN 20
#define DAUYS_DEMO_PRECINCTS_MAX 1000000
#define DAUYS_DEMO_REGIONS 20
#define DAUYS_DEMO_REFERENDUM "kz-2026-demo"

typedef struct dauys_demo_precinct {
    char id[16];       /* "AST-0001" */
    uint32_t region;   /* index into the region table */
    uint32_t district; /* index among all districts */
    uint32_t voters;   /* on the list before the day */
} dauys_demo_precinct;

typedef struct dauys_demo {
    uint64_t seed;
    char profile[64];
    uint32_t count, district_count;
    dauys_demo_precinct *precinct;
    /* district K's precincts are precinct[district_start[K]] up to (not
     * including) precinct[district_start[K + 1]]; district_count + 1 entries */
    uint32_t *district_start;
    /* region R's districts are district_start-indexed from region_district[R]
     * up to region_district[R + 1] (none when equal: a small demo's region
     * may have no precinct) */
    uint32_t region_district[DAUYS_DEMO_REGIONS + 1];
    uint32_t turnout_permille[DAUYS_DEMO_REGIONS], yes_permille[DAUYS_DEMO_REGIONS];
    uint64_t voters_total;
    /* --stuff (dauys_demo_stuff): 0 for none */
    int stuffed;
    uint32_t stuff_region, stuff_turnout, stuff_yes, stuff_share; /* whole percents */
} dauys_demo;

/* The numbers of one protocol (and of a sum of them). */
typedef struct dauys_demo_counts {
    uint64_t on_list, received, issued, cancelled, in_boxes, yes, no, not_counted, invalid;
} dauys_demo_counts;

/* Kinds of protocol the demo writes: the genuine one, and planted trouble. */
typedef enum dauys_demo_variant {
    DAUYS_DEMO_GENUINE,   /* lawful numbers, version V */
    DAUYS_DEMO_RECOUNT,   /* a correction: one vote moved from no to yes */
    DAUYS_DEMO_OTHER,     /* the same numbers under another referendum's id */
    DAUYS_DEMO_BROKEN_R4, /* one yes more than the ballots in the boxes allow */
    DAUYS_DEMO_SECOND,    /* a different protocol under the same version */
} dauys_demo_variant;

/*
 * Plans COUNT precincts (DAUYS_DEMO_PRECINCTS_MIN..MAX) under the rules
 * PROFILE from SEED into *OUT (freed with dauys_demo_free).
 */
int dauys_demo_plan(dauys_demo **out, uint32_t count, uint64_t seed, const char *profile,
                    dauys_error *err) DAUYS_WUR;

void dauys_demo_free(dauys_demo *d);

/*
 * Ballot stuffing for dauys-audit forensics to find (dauys demo --stuff):
 * SPEC is "REGION[:TURNOUT:YES[:SHARE]]", REGION a region's code (TUR), the
 * rest whole percents (default 85:90:30). SHARE% of REGION's precincts,
 * chosen from the seed, then report TURNOUT% turnout and YES% of their
 * ballots yes, each rounded to the nearest whole ballot, as an organiser
 * writing target numbers would (Kobak et al. 2016). Their protocols stay
 * lawful: every control relation holds, and they are accepted. Returns 0,
 * or -1 (ERR: DAUYS_E_USAGE) if SPEC is not one.
 */
int dauys_demo_stuff(dauys_demo *d, const char *spec, dauys_error *err) DAUYS_WUR;

/* 1 if precinct I's protocol is stuffed. */
int dauys_demo_stuffed(const dauys_demo *d, uint32_t i);

/* A number below N (N > 0) chosen from the seed: where the search for the
 * district whose summary is planted starts (dauys_demo_summaries). */
uint32_t dauys_demo_pick(const dauys_demo *d, uint32_t n);

/* The code of region R ("TUR"). */
const char *dauys_demo_region_code(uint32_t r);

/* Precinct I's key pair, derived from the demo's seed into SK (see
 * dauys_keys_seckey_new) and PK. */
int dauys_demo_key(dauys_pubkey *pk, dauys_seckey *sk, const dauys_demo *d, uint32_t i,
                   dauys_error *err) DAUYS_WUR;

/* The central commission's key pair, derived from the seed likewise. */
int dauys_demo_central_key(dauys_pubkey *pk, dauys_seckey *sk, const dauys_demo *d,
                           dauys_error *err) DAUYS_WUR;

/*
 * The key pair of a commission, derived from the seed likewise: LEVEL
 * DAUYS_LEVEL_DISTRICT with N a district's index (0 to district_count - 1),
 * or DAUYS_LEVEL_REGION with N a region's (0 to DAUYS_DEMO_REGIONS - 1).
 * Each level has its own derivation, apart from the precincts' and the
 * central commission's, so no two keys of the demo are equal.
 */
int dauys_demo_commission_key(dauys_pubkey *pk, dauys_seckey *sk, const dauys_demo *d,
                              dauys_level level, uint32_t n, dauys_error *err) DAUYS_WUR;

/* District K's id ("AST-D001") into OUT (SIZE >= 32). */
void dauys_demo_district_id(char *out, size_t size, const dauys_demo *d, uint32_t k);

/* The region (index) of district K. */
uint32_t dauys_demo_district_region(const dauys_demo *d, uint32_t k);

/*
 * The manifest (docs/FORMATS.md section 8) with the precincts' public keys
 * PKS (COUNT of them, in plan order) into *TEXT (dauys_malloc'ed) and *LEN.
 * No commission lines (dauys_demo_manifest_with_commissions has them).
 */
int dauys_demo_manifest(char **text, size_t *len, const dauys_demo *d, const dauys_pubkey *pks,
                        dauys_error *err) DAUYS_WUR;

/*
 * As dauys_demo_manifest, with a `commission` line (FORMATS.md 8.2) for
 * every district and then every region that has a district, their keys
 * from COMMISSIONS: district_count district keys in district order, then
 * DAUYS_DEMO_REGIONS region keys (a region without districts: unused).
 * The manifest `dauys demo` signs.
 */
int dauys_demo_manifest_with_commissions(char **text, size_t *len, const dauys_demo *d,
                                         const dauys_pubkey *pks, const dauys_pubkey *commissions,
                                         dauys_error *err) DAUYS_WUR;

/* Precinct I's numbers in its protocol of VARIANT (any version) into OUT. */
void dauys_demo_counts_of(dauys_demo_counts *out, const dauys_demo *d, uint32_t i,
                          dauys_demo_variant variant);

/* Precinct I's protocol (FORMATS.md section 9) of VERSION and VARIANT into
 * OUT (SIZE >= 1024 suffices); its length in *LEN. */
int dauys_demo_protocol(char *out, size_t size, size_t *len, const dauys_demo *d, uint32_t i,
                        uint32_t version, dauys_demo_variant variant, dauys_error *err) DAUYS_WUR;

#endif
