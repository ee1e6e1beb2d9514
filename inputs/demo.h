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
    uint32_t turnout_permille[DAUYS_DEMO_REGIONS], yes_permille[DAUYS_DEMO_REGIONS];
    uint64_t voters_total;
    /* --stuff (dauys_demo_stuff): 0 for none */
    int stuffed;
    uint32_t stuff_region, stuff_turnout, stuff_yes, stuff_share; /* whole percents */
} dauys_demo;

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
 * The manifest (docs/FORMATS.md section 8) with the precincts' public keys
 * PKS (COUNT of them, in plan order) into *TEXT (dauys_malloc'ed) and *LEN.
 */
int dauys_demo_manifest(char **text, size_t *len, const dauys_demo *d, const dauys_pubkey *pks,
                        dauys_error *err) DAUYS_WUR;

/* Precinct I's protocol (FORMATS.md section 9) of VERSION and VARIANT into
 * OUT (SIZE >= 1024 suffices); its length in *LEN. */
int dauys_demo_protocol(char *out, size_t size, size_t *len, const dauys_demo *d, uint32_t i,
                        uint32_t version, dauys_demo_variant variant, dauys_error *err) DAUYS_WUR;

#endif
