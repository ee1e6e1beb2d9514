/*
 * manifest.h: the referendum manifest, signed by the central commission: what
 * is asked, under which rules, and the roster of regions, districts and
 * precincts with each precinct's public key. Only a key the manifest names
 * can sign a protocol that counts. Format: docs/FORMATS.md, "Manifest".
 */
#ifndef DAUYS_REFERENDUM_MANIFEST_H
#define DAUYS_REFERENDUM_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/idlist.h"
#include "core/idmap.h"
#include "keys/cosig.h"
#include "keys/keys.h"
#include "referendum/rules.h"

#define DAUYS_QUESTIONS_MAX 16
#define DAUYS_QUESTION_ID_MAX 16
#define DAUYS_PROFILE_MAX 48
#define DAUYS_MANIFEST_FILE_MAX (512u << 20)
/* The longest name of a region, district or precinct, and question text. */
#define DAUYS_NAME_MAX 1000
#define DAUYS_QUESTION_TEXT_MAX 10000

/* The list allowance when the manifest states none (`list-allowance: 25% + 500`,
 * docs/RULES.md section 2.4), and the most a manifest may state. */
#define DAUYS_ALLOWANCE_PERCENT_DEFAULT 25
#define DAUYS_ALLOWANCE_ADD_DEFAULT 500
#define DAUYS_ALLOWANCE_PERCENT_MAX 100
#define DAUYS_ALLOWANCE_ADD_MAX 100000

typedef enum dauys_mode { DAUYS_MODE_TEST, DAUYS_MODE_OFFICIAL } dauys_mode;
typedef enum dauys_ballot_mode { DAUYS_BALLOT_SINGLE, DAUYS_BALLOT_SEPARATE } dauys_ballot_mode;

typedef struct dauys_question {
    char id[DAUYS_QUESTION_ID_MAX + 1];
    char profile[DAUYS_PROFILE_MAX + 1];
    dauys_rules rules; /* the profile, parsed: what the tally and the audit decide from */
    const char *text;  /* into the manifest's text */
    uint32_t text_len;
} dauys_question;

/* A region or a district; strings point into the manifest's text. */
typedef struct dauys_place {
    const char *id, *kind, *name;
    uint32_t id_len, kind_len, name_len;
    uint32_t region; /* districts: index of their region */
    /* The key of the area's commission (`commission:` line, FORMATS.md 8.2),
     * which signs its summary protocols; has_commission 0 when none. */
    int has_commission;
    dauys_pubkey commission;
} dauys_place;

typedef struct dauys_precinct {
    const char *id, *name; /* into the manifest's text */
    uint32_t id_len, name_len;
    uint32_t district, region; /* indexes */
    uint64_t voters;           /* on the list before the day */
    dauys_pubkey key;
} dauys_precinct;

typedef struct dauys_manifest {
    char *text; /* the manifest's bytes, owned; everything points into it (after
                 * dauys_manifest_shrink, only the strings kept) */
    size_t text_len;
    char referendum[DAUYS_ID_MAX + 1];
    char title[256];
    char date[11];
    dauys_mode mode;
    uint32_t version;
    dauys_ballot_mode ballot;
    /* How far a precinct's list at close may exceed its voters before the
     * day: VOTERS * allowance_percent / 100 + allowance_add (R5, R6). */
    uint32_t allowance_percent, allowance_add;
    int allowance_stated; /* the manifest has a list-allowance line */
    /* The witnesses whose cosignatures make a checkpoint trusted, and how many
     * of them must cosign (`witness-quorum` and `witness` lines, FORMATS.md
     * section 8.1); count 0 when the manifest names none. Fixed for the whole
     * referendum: a later version may not change them. */
    dauys_witness_policy witnesses;
    /* Weak public keys (dauys_keys_pubkey_weakness) in the roster: only
     * dauys_manifest_parse_owned gets this far with one; the first's place
     * and reason, as an error message. */
    size_t weak_key_count;
    dauys_error weak_key_problem;
    size_t question_count, region_count, district_count, precinct_count;
    dauys_question question[DAUYS_QUESTIONS_MAX];
    dauys_place *region, *district;
    dauys_precinct *precinct;     /* NULL in a frame */
    uint32_t *district_precincts; /* precincts per district */
    int frame;                    /* only the frame was parsed (no precincts) */
    int refuse_weak_keys;         /* set by dauys_manifest_parse: a weak key fails */
    dauys_idmap region_map, district_map, precinct_map;
} dauys_manifest;

/*
 * Parses manifest TEXT (LEN bytes; copied) strictly into M, which the caller
 * frees with dauys_manifest_free. NAME labels errors. Rejects unknown rules
 * profiles, duplicate ids, a public key shared by two precincts or
 * commissions (or a precinct and a commission), two commissions for one
 * area, dangling references and empty sections.
 */
int dauys_manifest_parse(dauys_manifest *m, const char *text, size_t len, const char *name,
                         dauys_error *err) DAUYS_WUR;

/*
 * Parses a manifest's FRAME: TEXT holds its lines up to, not including, the
 * first precinct line (header, questions, regions, districts, commissions). Enough to
 * tally from stored counts without reading a large roster: M has no
 * precinct array (M->frame is 1); the caller fills district_precincts and
 * precinct_count from its own records. Freed with dauys_manifest_free.
 */
int dauys_manifest_parse_frame(dauys_manifest *m, const char *text, size_t len, const char *name,
                               dauys_error *err) DAUYS_WUR;

/*
 * As dauys_manifest_parse, but takes TEXT itself (dauys_malloc'ed, at least
 * LEN + 1 bytes) instead of a copy, so a large roster is held once; TEXT
 * belongs to M from the call on, and is freed even when parsing fails. And
 * a weak public key (small order, not canonical) does not fail the parse:
 * it is counted in M->weak_key_count, the first described in weak_key_problem,
 * for a reader that reports it and goes on (the audit). dauys_manifest_parse
 * refuses a weak key at its line, so no workspace ever trusts one.
 */
int dauys_manifest_parse_owned(dauys_manifest *m, char *text, size_t len, const char *name,
                               dauys_error *err) DAUYS_WUR;

/*
 * Frees M's text after copying what the parsed manifest still points to
 * into one smaller buffer: the questions' texts, the ids, kinds and names
 * of regions and districts, and the precincts' ids. Precinct names are
 * dropped (name_len 0). For a reader that holds a large roster while it
 * works (the audit: a million precincts, 110 MB of text, keep about 10 MB).
 * The maps are re-pointed. 0, or -1 (ERR) when out of memory, M unchanged.
 */
int dauys_manifest_shrink(dauys_manifest *m, dauys_error *err) DAUYS_WUR;

/* Frees what M holds. Safe on a zeroed or already freed manifest. */
void dauys_manifest_free(dauys_manifest *m);

/*
 * 1 if A and B name the same witnesses (names and public keys) in the same
 * order with the same quorum, else 0: what no later manifest version may
 * change (FORMATS.md 8.4).
 */
int dauys_manifest_same_witnesses(const dauys_manifest *a, const dauys_manifest *b);

/* The index of precinct ID (LEN bytes) in *INDEX: 1 if found, else 0. */
int dauys_manifest_find_precinct(const dauys_manifest *m, const char *id, size_t len,
                                 uint32_t *index);

/*
 * The log origin for M: "dauys/REFERENDUM/MODE", so that a test log can never
 * verify as an official one. Writes at most SIZE bytes.
 */
void dauys_manifest_origin(char *out, size_t size, const dauys_manifest *m);

/*
 * The most citizens a protocol of a precinct with VOTERS on its list before
 * the day may give on its list at close, and the most ballots it may have
 * received, under M's list allowance: VOTERS + VOTERS * P / 100 + K. No
 * overflow: VOTERS is at most 10^12 and P at most 100.
 */
uint64_t dauys_manifest_list_bound(const dauys_manifest *m, uint64_t voters);

#endif
