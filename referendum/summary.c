#include "referendum/summary.h"

#include <string.h>

#include "core/alloc.h"
#include "core/kvtext.h"

#define SUMMARY_FORMAT "dauys-summary 1"

int
dauys_summary_is(const char *text, size_t len)
{
    static const char start[] = "format: " SUMMARY_FORMAT "\n";

    return len >= sizeof start - 1 && memcmp(text, start, sizeof start - 1) == 0;
}

static int
too_large(size_t len, const char *name, dauys_error *err)
{
    if (len > DAUYS_SUMMARY_FILE_MAX) {
        return dauys_error_set(err, DAUYS_E_TOO_LARGE, "%s: %zu bytes, over the limit of %u", name,
                               len, DAUYS_SUMMARY_FILE_MAX);
    }
    return 0;
}

/* format, referendum, level, area, version; *AREA_LINE: the area line. */
static int
parse_header(dauys_summary *s, dauys_kv *kv, dauys_kv *area_line, dauys_error *err)
{
    uint64_t version;

    memset(s, 0, sizeof *s);
    if (dauys_kv_expect(kv, "format", err) != 0) {
        return -1;
    }
    if (kv->value_len != strlen(SUMMARY_FORMAT) ||
        memcmp(kv->value, SUMMARY_FORMAT, kv->value_len) != 0) {
        return dauys_kv_fail(kv, err, "expected \"" SUMMARY_FORMAT "\"");
    }
    if (dauys_protocol_expect_id(kv, "referendum", s->referendum, err) != 0 ||
        dauys_kv_expect(kv, "level", err) != 0) {
        return -1;
    }
    if (kv->value_len == 8 && memcmp(kv->value, "district", 8) == 0) {
        s->level = DAUYS_LEVEL_DISTRICT;
    } else if (kv->value_len == 6 && memcmp(kv->value, "region", 6) == 0) {
        s->level = DAUYS_LEVEL_REGION;
    } else {
        return dauys_kv_fail(kv, err, "\"%.*s\" is not district or region",
                             (int) (kv->value_len > 32 ? 32 : kv->value_len), kv->value);
    }
    if (dauys_protocol_expect_id(kv, "area", s->area, err) != 0) {
        return -1;
    }
    *area_line = *kv;
    if (dauys_kv_expect(kv, "version", err) != 0 || dauys_kv_count(kv, &version, err) != 0) {
        return -1;
    }
    if (version == 0 || version > UINT32_MAX) {
        return dauys_kv_fail(kv, err, "must be from 1 to %u", UINT32_MAX);
    }
    s->version = (uint32_t) version;
    return 0;
}

const char *
dauys_summary_level_name(dauys_level level)
{
    return level == DAUYS_LEVEL_REGION ? "region" : "district";
}

int
dauys_summary_parse_header(dauys_summary *s, const char *text, size_t len, const char *name,
                           dauys_error *err)
{
    dauys_kv kv, area_line;

    memset(s, 0, sizeof *s);
    if (too_large(len, name, err) != 0) {
        return -1;
    }
    dauys_kv_init(&kv, text, len, name);
    return parse_header(s, &kv, &area_line, err);
}

/* The index of AREA at S's level in M, or fails at the area line (KV). */
static int
find_area(const dauys_summary *s, const dauys_manifest *m, const dauys_kv *kv, uint32_t *index,
          dauys_error *err)
{
    int region = s->level == DAUYS_LEVEL_REGION;

    if (!dauys_idmap_get(region ? &m->region_map : &m->district_map, s->area, strlen(s->area),
                         index)) {
        return dauys_kv_fail(kv, err, "no %s \"%s\" in the manifest",
                             region ? "region" : "district", s->area);
    }
    return 0;
}

/* The district index of the item id ID in M at the level below S's. */
static int
check_item(const dauys_summary *s, const dauys_manifest *m, uint32_t area, const dauys_kv *kv,
           const char *id, dauys_error *err)
{
    size_t len = strlen(id);
    uint32_t i, parent;
    const dauys_place *a;

    if (s->level == DAUYS_LEVEL_DISTRICT) {
        if (!dauys_manifest_find_precinct(m, id, len, &i)) {
            return dauys_kv_fail(kv, err, "no precinct \"%s\" in the manifest", id);
        }
        parent = m->precinct[i].district;
        a = &m->district[parent];
        if (parent != area) {
            return dauys_kv_fail(kv, err, "precinct %s is in district %.*s, not in %s", id,
                                 (int) a->id_len, a->id, s->area);
        }
    } else {
        if (!dauys_idmap_get(&m->district_map, id, len, &i)) {
            return dauys_kv_fail(kv, err, "no district \"%s\" in the manifest", id);
        }
        parent = m->district[i].region;
        a = &m->region[parent];
        if (parent != area) {
            return dauys_kv_fail(kv, err, "district %s is in region %.*s, not in %s", id,
                                 (int) a->id_len, a->id, s->area);
        }
    }
    return 0;
}

/* One `sums: ID VERSION` line (KV), appended to S's items (*CAP allocated). */
static int
parse_item(dauys_summary *s, const dauys_manifest *m, uint32_t area, const dauys_kv *kv,
           size_t *cap, dauys_error *err)
{
    const char *sp = memchr(kv->value, ' ', kv->value_len), *problem;
    size_t id_len = sp != NULL ? (size_t) (sp - kv->value) : 0;
    dauys_summary_item *it;
    uint64_t version;

    if (sp == NULL || memchr(sp + 1, ' ', kv->value_len - id_len - 1) != NULL) {
        return dauys_kv_fail(kv, err, "expected \"ID VERSION\"");
    }
    if ((problem = dauys_id_problem(kv->value, id_len)) != NULL) {
        return dauys_kv_fail(kv, err, "id \"%.*s\": %s", (int) (id_len > 64 ? 64 : id_len),
                             kv->value, problem);
    }
    if (dauys_parse_count(&version, sp + 1, kv->value_len - id_len - 1) != 0 || version == 0 ||
        version > UINT32_MAX) {
        return dauys_kv_fail(kv, err, "version: not a number from 1 to %u", UINT32_MAX);
    }
    if (s->item_count == *cap) {
        size_t grown = *cap == 0 ? 16 : 2 * *cap;
        void *more = dauys_realloc(s->item, grown * sizeof *s->item);
        if (more == NULL) {
            return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", kv->name);
        }
        s->item = more;
        *cap = grown;
    }
    it = &s->item[s->item_count];
    memcpy(it->id, kv->value, id_len);
    it->id[id_len] = '\0';
    it->version = (uint32_t) version;
    if (s->item_count > 0 && strcmp(s->item[s->item_count - 1].id, it->id) >= 0) {
        return dauys_kv_fail(kv, err,
                             "\"%s\" does not come after \"%s\" (ids strictly ascending in byte "
                             "order, each once)",
                             it->id, s->item[s->item_count - 1].id);
    }
    if (check_item(s, m, area, kv, it->id, err) != 0) {
        return -1;
    }
    s->item_count++;
    return 0;
}

/* reason (only after version > 1), the sums lines, then the counts. */
static int
parse_body(dauys_summary *s, dauys_kv *kv, const dauys_manifest *m, uint32_t area, dauys_error *err)
{
    size_t cap = 0;
    dauys_kv ahead;
    dauys_error ignored;
    int more = 1;

    if (s->version > 1 && (dauys_kv_expect(kv, "reason", err) != 0 ||
                           dauys_kv_copy(kv, s->reason, sizeof s->reason, err) != 0)) {
        return -1;
    }
    if (dauys_kv_expect(kv, "sums", err) != 0) {
        return -1;
    }
    /* one item a line, as long as the next line is a sums line (whatever
     * else it is, the counts' parser judges it) */
    while (more) {
        if (parse_item(s, m, area, kv, &cap, err) != 0) {
            return -1;
        }
        ahead = *kv;
        more = dauys_kv_next(&ahead, &ignored) == 0 && dauys_kv_is(&ahead, "sums");
        *kv = more ? ahead : *kv;
    }
    return dauys_protocol_parse_counts(kv, m, &s->on_list, &s->ballots, &s->question_count,
                                       s->answer, err);
}

int
dauys_summary_parse(dauys_summary *s, const char *text, size_t len, const char *name,
                    const dauys_manifest *m, dauys_error *err)
{
    dauys_kv kv, area_line;
    uint32_t area;

    memset(s, 0, sizeof *s);
    if (too_large(len, name, err) != 0) {
        return -1;
    }
    dauys_kv_init(&kv, text, len, name);
    if (parse_header(s, &kv, &area_line, err) != 0 ||
        find_area(s, m, &area_line, &area, err) != 0 || parse_body(s, &kv, m, area, err) != 0) {
        dauys_summary_free(s);
        return -1;
    }
    return 0;
}

void
dauys_summary_free(dauys_summary *s)
{
    dauys_free(s->item);
    s->item = NULL;
    s->item_count = 0;
}

const dauys_pubkey *
dauys_summary_key(const dauys_manifest *m, dauys_level level, const char *area)
{
    const dauys_place *p;
    uint32_t i;

    if (level == DAUYS_LEVEL_DISTRICT &&
        dauys_idmap_get(&m->district_map, area, strlen(area), &i)) {
        p = &m->district[i];
    } else if (level == DAUYS_LEVEL_REGION &&
               dauys_idmap_get(&m->region_map, area, strlen(area), &i)) {
        p = &m->region[i];
    } else {
        return NULL;
    }
    return p->has_commission ? &p->commission : NULL;
}

void
dauys_summary_check(dauys_findings *out, const dauys_summary *s, const dauys_manifest *m)
{
    dauys_protocol p;

    memset(&p, 0, sizeof p);
    p.version = s->version;
    p.on_list = s->on_list;
    p.ballots = s->ballots;
    p.question_count = s->question_count;
    memcpy(p.answer, s->answer, sizeof p.answer);
    dauys_protocol_check(out, &p, m, NULL);
}
