#include "referendum/manifest.h"

#include <sodium.h>

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/decimal.h"
#include "core/kvtext.h"
#include "referendum/rules.h"

/* Sections in the order they must appear. */
enum section { SEC_HEADER, SEC_QUESTION, SEC_REGION, SEC_DISTRICT, SEC_COMMISSION, SEC_PRECINCT };

typedef struct cursor {
    const char *s;
    size_t n;
} cursor;

/* Takes the next space-separated token from C into *TOK; -1 if none. */
static int
take_token(cursor *c, cursor *tok)
{
    const char *sp = memchr(c->s, ' ', c->n);
    size_t len = sp != NULL ? (size_t) (sp - c->s) : c->n;

    if (len == 0) {
        return -1;
    }
    tok->s = c->s;
    tok->n = len;
    c->s += len + (sp != NULL);
    c->n -= len + (sp != NULL);
    return 0;
}

/* Takes an id token ([A-Za-z0-9][A-Za-z0-9._-]*, at most 64) as FIELD. */
static int
take_id(const dauys_kv *kv, cursor *c, cursor *tok, const char *field, dauys_error *err)
{
    const char *problem;

    if (take_token(c, tok) != 0) {
        return dauys_kv_fail(kv, err, "%s: missing", field);
    }
    if ((problem = dauys_id_problem(tok->s, tok->n)) != NULL) {
        return dauys_kv_fail(kv, err, "%s \"%.*s\": %s", field, (int) (tok->n > 64 ? 64 : tok->n),
                             tok->s, problem);
    }
    return 0;
}

/* The rest of the line as a free-text name; must be non-empty and at most
 * DAUYS_NAME_MAX bytes (question text: DAUYS_QUESTION_TEXT_MAX), so that no
 * lawful manifest makes a report too large to audit. */
static int
take_rest(const dauys_kv *kv, cursor *c, cursor *rest, const char *field, dauys_error *err)
{
    size_t max = strcmp(field, "question text") == 0 ? DAUYS_QUESTION_TEXT_MAX : DAUYS_NAME_MAX;

    if (c->n == 0 || c->s[0] == ' ') {
        return dauys_kv_fail(kv, err, "%s: missing (or a double space before it)", field);
    }
    if (c->n > max) {
        return dauys_kv_fail(kv, err, "%s: %zu bytes, longer than %zu", field, c->n, max);
    }
    *rest = *c;
    return 0;
}

static int
valid_date(const char *s, size_t n)
{
    static const unsigned char days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    uint64_t y, m, d;

    if (n != 10 || s[4] != '-' || s[7] != '-' ||
        dauys_decimal_read(&y, s, 4, 9999, DAUYS_DECIMAL_LEADING_ZEROS) != DAUYS_DECIMAL_OK ||
        dauys_decimal_read(&m, s + 5, 2, 99, DAUYS_DECIMAL_LEADING_ZEROS) != DAUYS_DECIMAL_OK ||
        dauys_decimal_read(&d, s + 8, 2, 99, DAUYS_DECIMAL_LEADING_ZEROS) != DAUYS_DECIMAL_OK) {
        return 0;
    }
    if (m < 1 || m > 12 || d < 1 || d > days[m - 1]) {
        return 0;
    }
    return m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

/* Reads the value of the next line, which must be KEY, equal to one of the
 * NUL-separated CHOICES; stores the choice's position in *WHICH. */
static int
expect_choice(dauys_kv *kv, const char *key, const char *const *choices, size_t count, int *which,
              dauys_error *err)
{
    if (dauys_kv_expect(kv, key, err) != 0) {
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        if (strlen(choices[i]) == kv->value_len &&
            memcmp(kv->value, choices[i], kv->value_len) == 0) {
            *which = (int) i;
            return 0;
        }
    }
    return dauys_kv_fail(kv, err, "\"%.*s\" is not one of the allowed values (%s%s%s)",
                         (int) (kv->value_len > 32 ? 32 : kv->value_len), kv->value, choices[0],
                         count > 1 ? ", " : "", count > 1 ? choices[1] : "");
}

/* Parses N bytes at S, all digits (no leading zero but "0"), up to MAX. */
static int
small_number(uint32_t *out, const char *s, size_t n, uint32_t max)
{
    uint64_t v;

    if (dauys_parse_count(&v, s, n) != 0 || v > max) {
        return -1;
    }
    *out = (uint32_t) v;
    return 0;
}

/*
 * The optional line after `ballot`: `list-allowance: P% + K` (RULES.md 2.4).
 * Absent, the allowance is 25% + 500. Read ahead on a copy of KV, so that a
 * manifest without it goes on with its first record.
 */
static int
parse_allowance(dauys_manifest *m, dauys_kv *kv, dauys_error *err)
{
    dauys_kv ahead = *kv;
    const char *v;
    size_t digits = 0, n;

    m->allowance_percent = DAUYS_ALLOWANCE_PERCENT_DEFAULT;
    m->allowance_add = DAUYS_ALLOWANCE_ADD_DEFAULT;
    if (dauys_kv_done(&ahead) || dauys_kv_next(&ahead, err) != 0 ||
        !dauys_kv_is(&ahead, "list-allowance")) {
        return 0; /* no such line: the records' parser reads (and judges) it */
    }
    *kv = ahead;
    v = kv->value, n = kv->value_len;
    while (digits < n && v[digits] >= '0' && v[digits] <= '9') {
        digits++;
    }
    if (n < digits + 5 || memcmp(v + digits, "% + ", 4) != 0 ||
        small_number(&m->allowance_percent, v, digits, DAUYS_ALLOWANCE_PERCENT_MAX) != 0 ||
        small_number(&m->allowance_add, v + digits + 4, n - digits - 4, DAUYS_ALLOWANCE_ADD_MAX) !=
            0) {
        return dauys_kv_fail(kv, err,
                             "expected \"P%% + K\" with P from 0 to %d and K from 0 to "
                             "%d (for example \"25%% + 500\")",
                             DAUYS_ALLOWANCE_PERCENT_MAX, DAUYS_ALLOWANCE_ADD_MAX);
    }
    m->allowance_stated = 1;
    return 0;
}

/* 1 if the line after KV has key KEY; then KV is moved onto it. A line that
 * cannot be read is left for the records' parser to judge (0). */
static int
next_is(dauys_kv *kv, const char *key)
{
    dauys_kv ahead = *kv;
    dauys_error ignored;

    if (dauys_kv_done(&ahead) || dauys_kv_next(&ahead, &ignored) != 0 ||
        !dauys_kv_is(&ahead, key)) {
        return 0;
    }
    *kv = ahead;
    return 1;
}

/* One `witness: VKEY` line (FORMATS.md 8.1), added to M->witnesses unless
 * it names a witness or a key listed before; LINES[i] is the line of
 * witness i. */
static int
parse_witness(dauys_manifest *m, const dauys_kv *kv, unsigned lines[], dauys_error *err)
{
    dauys_witness_policy *p = &m->witnesses;
    dauys_witness_key *w = &p->key[p->count];
    char label[DAUYS_ERROR_MESSAGE_MAX];

    if (p->count == DAUYS_WITNESSES_MAX) {
        return dauys_kv_fail(kv, err, "more than %d witnesses", DAUYS_WITNESSES_MAX);
    }
    snprintf(label, sizeof label, "%s:%u: witness", kv->name, kv->line);
    if (dauys_cosig_vkey_parse(w, kv->value, kv->value_len, label, err) != 0) {
        dauys_error why = *err;
        /* at its line, whatever the reason names */
        return strncmp(why.message, label, strlen(label)) == 0
                   ? -1
                   : dauys_kv_fail(kv, err, "verifier key: %s", why.message);
    }
    for (size_t i = 0; i < p->count; i++) {
        if (strcmp(p->key[i].name, w->name) == 0) {
            return dauys_kv_fail(kv, err, "the name \"%s\" is listed twice (first on line %u)",
                                 w->name, lines[i]);
        }
        if (sodium_memcmp(p->key[i].pk, w->pk, sizeof w->pk) == 0) {
            return dauys_kv_fail(kv, err,
                                 "witness \"%s\" has the public key of witness \"%s\" (line %u); "
                                 "each witness needs its own",
                                 w->name, p->key[i].name, lines[i]);
        }
    }
    lines[p->count++] = kv->line;
    return 0;
}

/*
 * The optional witness lines after `ballot` and `list-allowance`:
 * `witness-quorum: K`, then one `witness: VKEY` line per witness, at least
 * K of them. Absent, the manifest names no witnesses (count and quorum 0).
 */
static int
parse_witnesses(dauys_manifest *m, dauys_kv *kv, dauys_error *err)
{
    dauys_witness_policy *p = &m->witnesses;
    unsigned lines[DAUYS_WITNESSES_MAX];
    dauys_kv quorum_line = *kv;
    uint32_t k = 0;
    int stated = next_is(kv, "witness-quorum");

    if (stated) {
        quorum_line = *kv;
        if (small_number(&k, kv->value, kv->value_len, UINT32_MAX) != 0 || k == 0) {
            return dauys_kv_fail(kv, err,
                                 "\"%.*s\" is not a number of witnesses (1 to their number, "
                                 "without leading zeros)",
                                 (int) (kv->value_len > 32 ? 32 : kv->value_len), kv->value);
        }
    }
    while (next_is(kv, "witness")) {
        if (!stated) {
            return dauys_kv_fail(kv, err,
                                 "no witness-quorum line before the witnesses (how many of them "
                                 "must cosign a checkpoint)");
        }
        if (parse_witness(m, kv, lines, err) != 0) {
            return -1;
        }
    }
    if (stated && p->count == 0) {
        return dauys_kv_fail(&quorum_line, err, "no witness lines follow it");
    }
    if (k > p->count) {
        return dauys_kv_fail(&quorum_line, err, "%u is more than the %zu witness%s listed", k,
                             p->count, p->count == 1 ? "" : "es");
    }
    p->quorum = k;
    return 0;
}

static int
parse_header(dauys_manifest *m, dauys_kv *kv, dauys_error *err)
{
    static const char *const format[] = {"dauys-manifest 1"};
    static const char *const modes[] = {"test", "official"};
    static const char *const ballots[] = {"single", "separate"};
    uint64_t version;
    int which;

    if (expect_choice(kv, "format", format, 1, &which, err) != 0 ||
        dauys_kv_expect(kv, "referendum", err) != 0) {
        return -1;
    }
    if (dauys_id_problem(kv->value, kv->value_len) != NULL) {
        return dauys_kv_fail(kv, err, "%s", dauys_id_problem(kv->value, kv->value_len));
    }
    if (dauys_kv_copy(kv, m->referendum, sizeof m->referendum, err) != 0 ||
        dauys_kv_expect(kv, "title", err) != 0 ||
        dauys_kv_copy(kv, m->title, sizeof m->title, err) != 0 ||
        dauys_kv_expect(kv, "date", err) != 0) {
        return -1;
    }
    if (!valid_date(kv->value, kv->value_len)) {
        return dauys_kv_fail(kv, err, "not a calendar date written YYYY-MM-DD");
    }
    memcpy(m->date, kv->value, 10);
    m->date[10] = '\0';
    if (expect_choice(kv, "mode", modes, 2, &which, err) != 0) {
        return -1;
    }
    m->mode = which == 0 ? DAUYS_MODE_TEST : DAUYS_MODE_OFFICIAL;
    if (dauys_kv_expect(kv, "version", err) != 0 || dauys_kv_count(kv, &version, err) != 0) {
        return -1;
    }
    if (version == 0 || version > UINT32_MAX) {
        return dauys_kv_fail(kv, err, "must be from 1 to %u", UINT32_MAX);
    }
    m->version = (uint32_t) version;
    if (expect_choice(kv, "ballot", ballots, 2, &which, err) != 0) {
        return -1;
    }
    m->ballot = which == 0 ? DAUYS_BALLOT_SINGLE : DAUYS_BALLOT_SEPARATE;
    return parse_allowance(m, kv, err) != 0 ? -1 : parse_witnesses(m, kv, err);
}

/* question: QID PROFILE TEXT */
static int
parse_question(dauys_manifest *m, const dauys_kv *kv, dauys_error *err)
{
    cursor c = {kv->value, kv->value_len}, id = {0}, profile = {0}, text = {0};
    dauys_question *q = &m->question[m->question_count];
    dauys_error why;

    if (m->question_count == DAUYS_QUESTIONS_MAX) {
        return dauys_kv_fail(kv, err, "more than %d questions", DAUYS_QUESTIONS_MAX);
    }
    if (take_token(&c, &id) != 0 || id.n > DAUYS_QUESTION_ID_MAX ||
        strspn(id.s, "abcdefghijklmnopqrstuvwxyz0123456789") < id.n || id.s[0] < 'a') {
        return dauys_kv_fail(kv, err,
                             "question id: 1 to %d lower-case letters and digits, "
                             "starting with a letter",
                             DAUYS_QUESTION_ID_MAX);
    }
    memcpy(q->id, id.s, id.n);
    q->id[id.n] = '\0';
    for (size_t i = 0; i < m->question_count; i++) {
        if (strcmp(m->question[i].id, q->id) == 0) {
            return dauys_kv_fail(kv, err, "question id \"%s\" is used twice", q->id);
        }
    }
    if (take_token(&c, &profile) != 0) {
        return dauys_kv_fail(kv, err, "rules profile: missing");
    }
    if (profile.n > DAUYS_PROFILE_MAX) {
        return dauys_kv_fail(kv, err, "rules profile \"%.*s\" is not known", (int) profile.n,
                             profile.s);
    }
    memcpy(q->profile, profile.s, profile.n);
    q->profile[profile.n] = '\0';
    /* Parsed once, here: nothing downstream reads the token to decide. */
    if (dauys_rules_parse(&q->rules, q->profile, &why) != 0) {
        if (strncmp(q->profile, "custom:", 7) == 0) {
            return dauys_kv_fail(kv, err, "rules profile %s", why.message);
        }
        return dauys_kv_fail(kv, err,
                             "rules profile \"%s\" is not known (kz-constitutional, "
                             "kz-ordinary, simple-majority, quorum-majority, or "
                             "custom:q>=N/D:m>N/D:of=valid)",
                             q->profile);
    }
    if (take_rest(kv, &c, &text, "question text", err) != 0) {
        return -1;
    }
    q->text = text.s;
    q->text_len = (uint32_t) text.n;
    m->question_count++;
    return 0;
}

/* Makes room for one more element in *ARR (COUNT used, *CAP allocated). */
static int
reserve(void **arr, size_t *cap, size_t count, size_t elem)
{
    void *grown;
    size_t new_cap;

    if (count < *cap) {
        return 0;
    }
    new_cap = *cap == 0 ? 64 : 2 * *cap;
    if ((grown = dauys_realloc(*arr, new_cap * elem)) == NULL) {
        return -1;
    }
    *arr = grown;
    *cap = new_cap;
    return 0;
}

/* Registers ID (cursor) as index INDEX in MAP, failing on a duplicate. */
static int
register_id(dauys_idmap *map, const dauys_kv *kv, cursor id, size_t index, const char *what,
            dauys_error *err)
{
    uint32_t first;
    int rc = dauys_idmap_put(map, id.s, id.n, (uint32_t) index, &first);

    if (rc < 0) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", kv->name);
    }
    if (rc > 0) {
        return dauys_kv_fail(kv, err, "%s id \"%.*s\" is listed twice", what, (int) id.n, id.s);
    }
    return 0;
}

/* Looks up the parent id (cursor) in MAP into *INDEX, or fails naming WHAT. */
static int
resolve(const dauys_idmap *map, const dauys_kv *kv, cursor id, uint32_t *index, const char *what,
        dauys_error *err)
{
    if (!dauys_idmap_get(map, id.s, id.n, index)) {
        return dauys_kv_fail(kv, err, "%s \"%.*s\" is not defined above", what, (int) id.n, id.s);
    }
    return 0;
}

/* region: RID KIND NAME   and   district: DID RID NAME */
static int
parse_place(dauys_manifest *m, const dauys_kv *kv, int is_region, size_t *cap, dauys_error *err)
{
    cursor c = {kv->value, kv->value_len}, id = {0}, mid = {0}, rest = {0};
    dauys_place **arr = is_region ? &m->region : &m->district;
    size_t *count = is_region ? &m->region_count : &m->district_count;
    dauys_place *p;

    if (take_id(kv, &c, &id, is_region ? "region id" : "district id", err) != 0) {
        return -1;
    }
    if (id.n == 8 && memcmp(id.s, "national", 8) == 0) { /* the nation's row in every report */
        return dauys_kv_fail(kv, err, "%s \"national\": reserved for the whole country",
                             is_region ? "region id" : "district id");
    }
    if (take_token(&c, &mid) != 0) {
        return dauys_kv_fail(kv, err, "%s: missing", is_region ? "region kind" : "region id");
    }
    if (take_rest(kv, &c, &rest, "name", err) != 0) {
        return -1;
    }
    if (reserve((void **) arr, cap, *count, sizeof **arr) != 0) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", kv->name);
    }
    p = &(*arr)[*count];
    memset(p, 0, sizeof *p);
    p->id = id.s, p->id_len = (uint32_t) id.n;
    p->name = rest.s, p->name_len = (uint32_t) rest.n;
    if (is_region) {
        if (mid.n > 32 || strspn(mid.s, "abcdefghijklmnopqrstuvwxyz-") < mid.n) {
            return dauys_kv_fail(kv, err, "region kind: 1 to 32 lower-case letters and '-' only");
        }
        p->kind = mid.s, p->kind_len = (uint32_t) mid.n;
    } else if (resolve(&m->region_map, kv, mid, &p->region, "region", err) != 0) {
        return -1;
    }
    if (register_id(is_region ? &m->region_map : &m->district_map, kv, id, *count,
                    is_region ? "region" : "district", err) != 0) {
        return -1;
    }
    (*count)++;
    return 0;
}

/* The key parser's MESSAGE without its own place ("(public key string):1:
 * public key: "): the manifest's line is the place. */
static const char *
key_problem(const char *message)
{
    const char *at = strstr(message, ": public key: ");
    return at != NULL ? at + strlen(": public key: ") : message;
}

/* Reads public key KEY of a line into *OUT, as for precincts: a weak key
 * fails when M refuses them, else is counted (dauys_manifest_parse_owned). */
static int
take_pubkey(dauys_manifest *m, const dauys_kv *kv, cursor key, dauys_pubkey *out, dauys_error *err)
{
    dauys_error key_err;
    const char *weak;

    if (dauys_keys_pubkey_from_base64_any(out, key.s, key.n, &key_err) != 0) {
        return dauys_kv_fail(kv, err, "public key: %s", key_problem(key_err.message));
    }
    if ((weak = dauys_keys_pubkey_weakness(out->pk)) != NULL) {
        dauys_kv_fail(kv, &key_err, "public key: the Ed25519 key %s", weak);
        if (m->refuse_weak_keys) {
            *err = key_err;
            return -1;
        }
        if (m->weak_key_count++ == 0) {
            m->weak_key_problem = key_err;
        }
    }
    return 0;
}

/* commission: LEVEL AREA PUBKEY, LEVEL "district" or "region": one per area,
 * each key its own (precincts' keys are compared in keys_unique). */
static int
parse_commission(dauys_manifest *m, const dauys_kv *kv, dauys_error *err)
{
    cursor c = {kv->value, kv->value_len}, level = {0}, area = {0}, key = {0};
    int is_region;
    uint32_t index;
    dauys_place *p;
    dauys_pubkey pk;

    if (take_token(&c, &level) != 0 || take_token(&c, &area) != 0 || take_token(&c, &key) != 0 ||
        c.n != 0) {
        return dauys_kv_fail(kv, err, "expected \"LEVEL AREA PUBLIC_KEY\"");
    }
    if (level.n == 6 && memcmp(level.s, "region", 6) == 0) {
        is_region = 1;
    } else if (level.n == 8 && memcmp(level.s, "district", 8) == 0) {
        is_region = 0;
    } else {
        return dauys_kv_fail(kv, err, "level \"%.*s\" is not district or region",
                             (int) (level.n > 32 ? 32 : level.n), level.s);
    }
    if (resolve(is_region ? &m->region_map : &m->district_map, kv, area, &index,
                is_region ? "region" : "district", err) != 0) {
        return -1;
    }
    p = is_region ? &m->region[index] : &m->district[index];
    if (p->has_commission) {
        return dauys_kv_fail(kv, err, "the %s %.*s has a commission already",
                             is_region ? "region" : "district", (int) area.n, area.s);
    }
    if (take_pubkey(m, kv, key, &pk, err) != 0) {
        return -1;
    }
    for (size_t i = 0; i < m->region_count + m->district_count; i++) {
        const dauys_place *q =
            i < m->region_count ? &m->region[i] : &m->district[i - m->region_count];
        if (q->has_commission && memcmp(q->commission.pk, pk.pk, sizeof pk.pk) == 0) {
            return dauys_kv_fail(kv, err,
                                 "the key of the %s commission of %.*s; each commission needs "
                                 "its own",
                                 i < m->region_count ? "region" : "district", (int) q->id_len,
                                 q->id);
        }
    }
    p->commission = pk;
    p->has_commission = 1;
    return 0;
}

/* precinct: PID DID VOTERS PUBKEY NAME */
static int
parse_precinct(dauys_manifest *m, const dauys_kv *kv, size_t *cap, dauys_error *err)
{
    cursor c = {kv->value, kv->value_len}, id = {0}, district = {0}, voters = {0}, key = {0},
           rest = {0};
    dauys_precinct *p;

    if (take_id(kv, &c, &id, "precinct id", err) != 0) {
        return -1;
    }
    if (take_token(&c, &district) != 0 || take_token(&c, &voters) != 0 ||
        take_token(&c, &key) != 0) {
        return dauys_kv_fail(kv, err, "expected \"PRECINCT DISTRICT VOTERS PUBLIC_KEY NAME\"");
    }
    if (take_rest(kv, &c, &rest, "name", err) != 0) {
        return -1;
    }
    if (reserve((void **) &m->precinct, cap, m->precinct_count, sizeof *m->precinct) != 0) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", kv->name);
    }
    p = &m->precinct[m->precinct_count];
    p->id = id.s, p->id_len = (uint32_t) id.n;
    p->name = rest.s, p->name_len = (uint32_t) rest.n;
    if (resolve(&m->district_map, kv, district, &p->district, "district", err) != 0) {
        return -1;
    }
    p->region = m->district[p->district].region;
    if (dauys_parse_count(&p->voters, voters.s, voters.n) != 0) {
        return dauys_kv_fail(kv, err, "voters \"%.*s\" is not a count",
                             (int) (voters.n > 20 ? 20 : voters.n), voters.s);
    }
    if (take_pubkey(m, kv, key, &p->key, err) != 0) {
        return -1;
    }
    if (register_id(&m->precinct_map, kv, id, m->precinct_count, "precinct", err) != 0) {
        return -1;
    }
    m->precinct_count++;
    return 0;
}

/* Which section a record line belongs to, or SEC_HEADER if its key is unknown. */
static enum section
section_of(const dauys_kv *kv)
{
    return dauys_kv_is(kv, "question")     ? SEC_QUESTION
           : dauys_kv_is(kv, "region")     ? SEC_REGION
           : dauys_kv_is(kv, "district")   ? SEC_DISTRICT
           : dauys_kv_is(kv, "commission") ? SEC_COMMISSION
           : dauys_kv_is(kv, "precinct")   ? SEC_PRECINCT
                                           : SEC_HEADER;
}

/* The precinct lines in TEXT, counted ahead so that a large roster is
 * allocated once (no doubling, which costs half as much again at its peak). */
static size_t
count_precinct_lines(const char *text, size_t len)
{
    size_t n = 0;

    /* line by line with memchr: strstr in a loop rescans the rest of a
     * 100 MB text on every call under some sanitizers */
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t) (end - p));
        n += (size_t) (end - p) >= 10 && memcmp(p, "precinct: ", 10) == 0;
        p = nl != NULL ? nl + 1 : end;
    }
    return n;
}

static int
parse_records(dauys_manifest *m, dauys_kv *kv, int frame, dauys_error *err)
{
    size_t region_cap = 0, district_cap = 0, precinct_cap = 0;
    enum section at = SEC_QUESTION, s;
    int rc = 0;

    if (!frame && (precinct_cap = count_precinct_lines(m->text, m->text_len)) > 0 &&
        (m->precinct = dauys_malloc_array(precinct_cap + 1, sizeof *m->precinct)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", kv->name);
    }
    precinct_cap += precinct_cap > 0;

    while (rc == 0 && !dauys_kv_done(kv)) {
        if (dauys_kv_next(kv, err) != 0) {
            return -1;
        }
        if (dauys_kv_is(kv, "witness") || dauys_kv_is(kv, "witness-quorum")) {
            return dauys_kv_fail(kv, err,
                                 "out of order: the witness-quorum line and then the witness "
                                 "lines come right after ballot (and list-allowance), before the "
                                 "first question line");
        }
        if ((s = section_of(kv)) == SEC_HEADER) {
            return dauys_kv_fail(kv, err,
                                 "unknown key (expected question, region, district, "
                                 "commission or precinct)");
        }
        if (s < at) {
            return dauys_kv_fail(kv, err,
                                 "out of order: all question lines come first, then "
                                 "region, district, commission and precinct lines");
        }
        if (frame && s == SEC_PRECINCT) {
            return dauys_kv_fail(kv, err, "a manifest's frame ends before its precincts");
        }
        at = s;
        rc = s == SEC_QUESTION     ? parse_question(m, kv, err)
             : s == SEC_REGION     ? parse_place(m, kv, 1, &region_cap, err)
             : s == SEC_DISTRICT   ? parse_place(m, kv, 0, &district_cap, err)
             : s == SEC_COMMISSION ? parse_commission(m, kv, err)
                                   : parse_precinct(m, kv, &precinct_cap, err);
    }
    if (rc == 0 && (m->question_count == 0 || m->region_count == 0 || m->district_count == 0 ||
                    (m->precinct_count == 0 && !frame))) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s: a manifest needs at least one question, region, district "
                               "and precinct line",
                               kv->name);
    }
    return rc;
}

/*
 * Fails if two precincts share a public key: a key signs for one precinct
 * only, or a commission could sign another's protocol; or if a district or
 * region commission has a precinct's key (it could sign a summary). The set holds only
 * 4-byte precinct indexes (a million precincts: 8 MB, not a copy of the
 * keys), placed by a keyed SipHash of the key, so a roster made to collide
 * cannot slow it down.
 */
static int
keys_unique(const dauys_manifest *m, const char *name, dauys_error *err)
{
    unsigned char hash_key[crypto_shorthash_KEYBYTES], h[crypto_shorthash_BYTES];
    size_t cap = 16, mask;
    uint32_t *slot;
    int rc = 0;

    while (cap < 2 * m->precinct_count) {
        cap *= 2;
    }
    if ((slot = dauys_malloc_array(cap, sizeof *slot)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", name);
    }
    memset(slot, 0xff, cap * sizeof *slot); /* UINT32_MAX: empty */
    mask = cap - 1;
    randombytes_buf(hash_key, sizeof hash_key);
    for (size_t i = 0; i < m->precinct_count && rc == 0; i++) {
        const dauys_precinct *p = &m->precinct[i];
        uint64_t at;
        crypto_shorthash(h, p->key.pk, sizeof p->key.pk, hash_key);
        memcpy(&at, h, sizeof at);
        for (at &= mask; slot[at] != UINT32_MAX; at = (at + 1) & mask) {
            const dauys_precinct *q = &m->precinct[slot[at]];
            if (memcmp(q->key.pk, p->key.pk, sizeof p->key.pk) == 0) {
                rc = dauys_error_set(err, DAUYS_E_FORMAT,
                                     "%s: precincts %.*s and %.*s have the same public key; each "
                                     "precinct needs its own",
                                     name, (int) q->id_len, q->id, (int) p->id_len, p->id);
                break;
            }
        }
        slot[at] = (uint32_t) i;
    }
    /* and no commission signs with a precinct's key */
    for (size_t i = 0; i < m->region_count + m->district_count && rc == 0; i++) {
        const dauys_place *c =
            i < m->region_count ? &m->region[i] : &m->district[i - m->region_count];
        uint64_t at;
        if (!c->has_commission) {
            continue;
        }
        crypto_shorthash(h, c->commission.pk, sizeof c->commission.pk, hash_key);
        memcpy(&at, h, sizeof at);
        for (at &= mask; slot[at] != UINT32_MAX; at = (at + 1) & mask) {
            const dauys_precinct *q = &m->precinct[slot[at]];
            if (memcmp(q->key.pk, c->commission.pk, sizeof q->key.pk) == 0) {
                rc = dauys_error_set(err, DAUYS_E_FORMAT,
                                     "%s: the %s commission of %.*s has the public key of "
                                     "precinct %.*s; a commission's key must be its own",
                                     name, i < m->region_count ? "region" : "district",
                                     (int) c->id_len, c->id, (int) q->id_len, q->id);
                break;
            }
        }
    }
    dauys_free(slot);
    return rc;
}

/* Parses M->text (M->text_len bytes, NUL-terminated, owned by M; a frame:
 * no precinct lines). Frees everything on failure. */
static int
parse_own_text(dauys_manifest *m, const char *name, int frame, dauys_error *err)
{
    dauys_kv kv;
    size_t len = m->text_len;

    m->district_precincts = dauys_malloc(1); /* replaced once the districts are known */
    dauys_kv_init(&kv, m->text, len, name);
    if (m->district_precincts == NULL || parse_header(m, &kv, err) != 0 ||
        parse_records(m, &kv, frame, err) != 0 || (!frame && keys_unique(m, name, err) != 0)) {
        if (m->district_precincts == NULL) {
            dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", name);
        }
        dauys_manifest_free(m);
        return -1;
    }
    dauys_free(m->district_precincts);
    if ((m->district_precincts = dauys_malloc_array(m->district_count, sizeof(uint32_t))) == NULL) {
        dauys_manifest_free(m);
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", name);
    }
    memset(m->district_precincts, 0, m->district_count * sizeof(uint32_t));
    for (size_t i = 0; i < m->precinct_count; i++) {
        m->district_precincts[m->precinct[i].district]++;
    }
    return 0;
}

/* Copies TEXT into M and parses it. */
static int
parse_text(dauys_manifest *m, const char *text, size_t len, const char *name, int frame,
           dauys_error *err)
{
    memset(m, 0, sizeof *m);
    if ((m->text = dauys_malloc(len + 1)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", name);
    }
    memcpy(m->text, text, len);
    m->text[len] = '\0';
    m->text_len = len;
    m->refuse_weak_keys = 1;
    return parse_own_text(m, name, frame, err);
}

int
dauys_manifest_parse(dauys_manifest *m, const char *text, size_t len, const char *name,
                     dauys_error *err)
{
    return parse_text(m, text, len, name, 0, err);
}

int
dauys_manifest_parse_owned(dauys_manifest *m, char *text, size_t len, const char *name,
                           dauys_error *err)
{
    memset(m, 0, sizeof *m);
    m->text = text;
    m->text_len = len;
    text[len] = '\0';
    return parse_own_text(m, name, 0, err);
}

int
dauys_manifest_parse_frame(dauys_manifest *m, const char *text, size_t len, const char *name,
                           dauys_error *err)
{
    if (parse_text(m, text, len, name, 1, err) != 0) {
        return -1;
    }
    m->frame = 1;
    return 0;
}

void
dauys_manifest_free(dauys_manifest *m)
{
    dauys_free(m->text);
    dauys_free(m->region);
    dauys_free(m->district);
    dauys_free(m->precinct);
    dauys_free(m->district_precincts);
    dauys_idmap_free(&m->region_map);
    dauys_idmap_free(&m->district_map);
    dauys_idmap_free(&m->precinct_map);
    memset(m, 0, sizeof *m);
}

int
dauys_manifest_find_precinct(const dauys_manifest *m, const char *id, size_t len, uint32_t *index)
{
    return dauys_idmap_get(&m->precinct_map, id, len, index);
}

int
dauys_manifest_same_witnesses(const dauys_manifest *a, const dauys_manifest *b)
{
    const dauys_witness_policy *x = &a->witnesses, *y = &b->witnesses;

    if (x->count != y->count || x->quorum != y->quorum) {
        return 0;
    }
    for (size_t i = 0; i < x->count; i++) {
        if (strcmp(x->key[i].name, y->key[i].name) != 0 ||
            memcmp(x->key[i].pk, y->key[i].pk, sizeof x->key[i].pk) != 0) {
            return 0;
        }
    }
    return 1;
}

uint64_t
dauys_manifest_list_bound(const dauys_manifest *m, uint64_t voters)
{
    assert(voters <= DAUYS_COUNT_MAX && m->allowance_percent <= DAUYS_ALLOWANCE_PERCENT_MAX);
    return voters + voters * m->allowance_percent / 100 + m->allowance_add;
}

void
dauys_manifest_origin(char *out, size_t size, const dauys_manifest *m)
{
    snprintf(out, size, "dauys/%s/%s", m->referendum,
             m->mode == DAUYS_MODE_OFFICIAL ? "official" : "test");
}

/* Copies LEN bytes at *S to *AT and points *S there. */
static void
move_string(const char **s, uint32_t len, char **at)
{
    if (len > 0) { /* an absent string may be NULL */
        memcpy(*at, *s, len);
    }
    *s = *at;
    *at += len;
}

/* Points the keys of MAP at the ids as they now are (the values are indexes into PLACES or M's
 * precincts). */
static void
repoint(dauys_idmap *map, const dauys_place *places, const dauys_precinct *precincts)
{
    for (size_t i = 0; map->slots != NULL && i <= map->mask; i++) {
        dauys_idmap_slot *slot = &map->slots[i];
        if (slot->key != NULL) {
            slot->key = places != NULL ? places[slot->value].id : precincts[slot->value].id;
        }
    }
}

int
dauys_manifest_shrink(dauys_manifest *m, dauys_error *err)
{
    size_t size = 1;
    char *kept, *at;

    for (size_t i = 0; i < m->question_count; i++) {
        size += m->question[i].text_len;
    }
    for (size_t i = 0; i < m->region_count + m->district_count; i++) {
        const dauys_place *p =
            i < m->region_count ? &m->region[i] : &m->district[i - m->region_count];
        size += (size_t) p->id_len + p->kind_len + p->name_len;
    }
    for (size_t i = 0; m->precinct != NULL && i < m->precinct_count; i++) {
        size += m->precinct[i].id_len;
    }
    if ((kept = at = dauys_malloc(size)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < m->question_count; i++) {
        move_string(&m->question[i].text, m->question[i].text_len, &at);
    }
    for (size_t i = 0; i < m->region_count + m->district_count; i++) {
        dauys_place *p = i < m->region_count ? &m->region[i] : &m->district[i - m->region_count];
        move_string(&p->id, p->id_len, &at);
        move_string(&p->kind, p->kind_len, &at);
        move_string(&p->name, p->name_len, &at);
    }
    for (size_t i = 0; m->precinct != NULL && i < m->precinct_count; i++) {
        move_string(&m->precinct[i].id, m->precinct[i].id_len, &at);
        m->precinct[i].name = m->precinct[i].id; /* dropped */
        m->precinct[i].name_len = 0;
    }
    *at = '\0';
    assert((size_t) (at - kept) + 1 == size);
    repoint(&m->region_map, m->region, NULL);
    repoint(&m->district_map, m->district, NULL);
    repoint(&m->precinct_map, NULL, m->precinct);
    dauys_free(m->text);
    m->text = kept;
    m->text_len = size - 1;
    return 0;
}
