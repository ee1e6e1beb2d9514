/*
 * crosscheck.c: each commission's current summary against what counts below
 * it (crosscheck.h). The summaries, their items and answers are read once;
 * each district with a commission then reads its precincts' current
 * protocols (one indexed query), and each area is a merge of two lists in
 * id byte order: what the summary lists, and what is current in the area.
 * Every summary's numbers are kept as one vector of its fields in file
 * order, so summing and comparing are loops over that vector.
 */
#include "tally/crosscheck.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/kvtext.h"
#include "core/textbuf.h"
#include "store/db.h"
#include "sql/sql.h"

/* A protocol or summary version that is current: its id, version and field
 * values (file order) at VALUE_AT in its set's value array. */
typedef struct record {
    dauys_level level; /* summaries only */
    char id[DAUYS_ID_MAX + 1];
    uint32_t version;
    size_t value_at;
    size_t item_at, item_count; /* summaries only: their items in the item set */
} record;

/* Records read from rows grouped by record, each with FIELDS values. */
typedef struct record_set {
    size_t count, cap, fields;
    record *rec;
    uint64_t *value; /* count * fields */
} record_set;

/* The `sums` lines of the current summaries. */
typedef struct item_set {
    size_t count, cap;
    struct listed {
        dauys_level level;
        char area[DAUYS_ID_MAX + 1];
        dauys_crosscheck_item item; /* counted unused */
    } * it;
} item_set;

/* What an area is compared with: current records, in id byte order. */
typedef struct below {
    size_t count;
    const record **rec;
} below;

size_t
dauys_crosscheck_field_total(const dauys_manifest *m)
{
    return m->ballot == DAUYS_BALLOT_SINGLE ? 5 + 4 * m->question_count : 1 + 8 * m->question_count;
}

void
dauys_crosscheck_field_name(char out[DAUYS_CROSSCHECK_FIELD_NAME_MAX + 1], const dauys_manifest *m,
                            size_t index)
{
    static const char *const ballots[] = {"ballots_received", "ballots_issued", "ballots_cancelled",
                                          "ballots_in_boxes"};
    static const char *const answers[] = {"yes", "no", "not_counted", "invalid"};
    const size_t size = DAUYS_CROSSCHECK_FIELD_NAME_MAX + 1;

    if (index == 0) {
        snprintf(out, size, "citizens_on_list");
    } else if (m->ballot == DAUYS_BALLOT_SINGLE && index < 5) {
        snprintf(out, size, "%s", ballots[index - 1]);
    } else if (m->ballot == DAUYS_BALLOT_SINGLE) {
        size_t q = (index - 5) / 4, k = (index - 5) % 4;
        snprintf(out, size, "%s_%s", q < m->question_count ? m->question[q].id : "?", answers[k]);
    } else {
        size_t q = (index - 1) / 8, k = (index - 1) % 8;
        snprintf(out, size, "%s_%s", q < m->question_count ? m->question[q].id : "?",
                 k < 4 ? ballots[k] : answers[k - 4]);
    }
}

const char *
dauys_crosscheck_item_problem(const dauys_crosscheck_item *it)
{
    if (it->listed == it->counted) {
        return NULL;
    }
    return it->listed == 0            ? "omitted"
           : it->counted == 0         ? "missing"
           : it->counted > it->listed ? "superseded"
                                      : "not-counted";
}

static void
record_set_free(record_set *s)
{
    dauys_free(s->rec);
    dauys_free(s->value);
    memset(s, 0, sizeof *s);
}

/* Appends a record with zeroed values to S: its index in *AT. */
static int
record_add(record_set *s, size_t *at, dauys_error *err)
{
    if (s->count == s->cap) {
        size_t n = s->cap == 0 ? 64 : 2 * s->cap;
        record *r = n > SIZE_MAX / s->fields / sizeof *s->value
                        ? NULL
                        : dauys_realloc(s->rec, n * sizeof *s->rec);
        if (r == NULL) {
            return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
        }
        s->rec = r;
        uint64_t *v = dauys_realloc(s->value, n * s->fields * sizeof *s->value);
        if (v == NULL) {
            return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
        }
        s->value = v;
        s->cap = n;
    }
    memset(&s->rec[s->count], 0, sizeof *s->rec);
    s->rec[s->count].value_at = s->count * s->fields;
    memset(&s->value[s->count * s->fields], 0, s->fields * sizeof *s->value);
    *at = s->count++;
    return 0;
}

/* The column I of ST as a count (the schema keeps them >= 0). */
static uint64_t
column_count(sqlite3_stmt *st, int i)
{
    sqlite3_int64 v = sqlite3_column_int64(st, i);
    return v < 0 ? 0 : (uint64_t) v;
}

/* The index of question ID among M's questions, or -1. */
static int
question_index(const dauys_manifest *m, const char *id)
{
    for (size_t i = 0; id != NULL && i < m->question_count; i++) {
        if (strcmp(m->question[i].id, id) == 0) {
            return (int) i;
        }
    }
    return -1;
}

/*
 * Copies one answer row of ST (question at column AT, then received, issued,
 * cancelled, in_boxes, yes, no, not_counted, invalid) into V, the values of
 * a record under M. With single ballots each question's row repeats the
 * ballot counts; the first question's are taken.
 */
static int
read_answer(uint64_t *v, sqlite3_stmt *st, int at, const dauys_manifest *m, dauys_error *err)
{
    int q = question_index(m, (const char *) sqlite3_column_text(st, at));

    if (q < 0) {
        return dauys_error_set(err, DAUYS_E_DATABASE,
                               "a stored answer names a question not in the manifest");
    }
    if (m->ballot == DAUYS_BALLOT_SINGLE) {
        if (q == 0) {
            for (int k = 0; k < 4; k++) {
                v[1 + k] = column_count(st, at + 1 + k);
            }
        }
        for (int k = 0; k < 4; k++) {
            v[5 + 4 * q + k] = column_count(st, at + 5 + k);
        }
    } else {
        for (int k = 0; k < 8; k++) {
            v[1 + 8 * q + k] = column_count(st, at + 1 + k);
        }
    }
    return 0;
}

/* Levels as the schema spells them. */
static const char *
level_name(dauys_level level)
{
    return level == DAUYS_LEVEL_REGION ? "region" : "district";
}

static int
level_of(dauys_level *level, const char *s, dauys_error *err)
{
    if (s != NULL && strcmp(s, "district") == 0) {
        *level = DAUYS_LEVEL_DISTRICT;
    } else if (s != NULL && strcmp(s, "region") == 0) {
        *level = DAUYS_LEVEL_REGION;
    } else {
        return dauys_error_set(err, DAUYS_E_DATABASE, "a stored summary has no level");
    }
    return 0;
}

/* Copies text column I of ST, an id, into OUT; a NULL or too long one fails. */
static int
column_id(char out[DAUYS_ID_MAX + 1], sqlite3_stmt *st, int i, dauys_error *err)
{
    const char *s = (const char *) sqlite3_column_text(st, i);
    size_t n = s != NULL ? strlen(s) : 0;

    if (n == 0 || n > DAUYS_ID_MAX) {
        return dauys_error_set(err, DAUYS_E_DATABASE, "a stored id is empty or too long");
    }
    memcpy(out, s, n + 1);
    return 0;
}

/* Orders records by level, then id in byte order. */
static int
record_cmp(dauys_level level, const char *id, const record *r)
{
    if (level != r->level) {
        return level < r->level ? -1 : 1;
    }
    return strcmp(id, r->id);
}

/*
 * Reads ST's rows into S: each row a record's answer row, the record's key
 * (LEVEL_COL: its level, or -1 for none; then the id, version and on_list
 * columns from ID_COL on) repeated on each of its rows, which come together.
 */
static int
read_records(record_set *s, sqlite3_stmt *st, int level_col, int id_col, const dauys_manifest *m,
             dauys_error *err)
{
    char id[DAUYS_ID_MAX + 1];
    dauys_level level = DAUYS_LEVEL_DISTRICT;
    size_t at = 0;
    int rc;

    while ((rc = dauys_db_step_row(st, err)) > 0) {
        if ((level_col >= 0 &&
             level_of(&level, (const char *) sqlite3_column_text(st, level_col), err) != 0) ||
            column_id(id, st, id_col, err) != 0) {
            rc = -1;
            break;
        }
        if (s->count == 0 || record_cmp(level, id, &s->rec[at]) != 0) {
            if (record_add(s, &at, err) != 0) {
                rc = -1;
                break;
            }
            record *r = &s->rec[at];
            r->level = level;
            memcpy(r->id, id, sizeof id);
            r->version = (uint32_t) column_count(st, id_col + 1);
            s->value[r->value_at] = column_count(st, id_col + 2);
        }
        if (read_answer(&s->value[s->rec[at].value_at], st, id_col + 3, m, err) != 0) {
            rc = -1;
            break;
        }
    }
    if (rc < 0) {
        sqlite3_reset(st);
    }
    return rc < 0 ? -1 : 0;
}

/* Reads the items of the current summaries into ITEMS, and gives each
 * summary of SUMMARIES its range of them (both are in level, area order). */
static int
read_items(item_set *items, record_set *summaries, sqlite3 *db, dauys_error *err)
{
    sqlite3_stmt *select_items = NULL;
    int rc;

    if (dauys_db_prepare(db, &select_items, dauys_sql_crosscheck_items, err) != 0) {
        return -1;
    }
    while ((rc = dauys_db_step_row(select_items, err)) > 0) {
        struct listed *l;
        if (items->count == items->cap) {
            size_t n = items->cap == 0 ? 256 : 2 * items->cap;
            void *p = dauys_realloc(items->it, n * sizeof *items->it);
            if (p == NULL) {
                rc = dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
                break;
            }
            items->it = p;
            items->cap = n;
        }
        l = &items->it[items->count];
        memset(l, 0, sizeof *l);
        if (level_of(&l->level, (const char *) sqlite3_column_text(select_items, 0), err) != 0 ||
            column_id(l->area, select_items, 1, err) != 0 ||
            column_id(l->item.id, select_items, 2, err) != 0) {
            rc = -1;
            break;
        }
        l->item.listed = (uint32_t) column_count(select_items, 3);
        items->count++;
    }
    sqlite3_finalize(select_items);
    if (rc < 0) {
        return -1;
    }
    /* both lists sorted by (level, area): one pass gives each summary its items */
    for (size_t i = 0, k = 0; i < summaries->count; i++) {
        record *r = &summaries->rec[i];
        while (k < items->count && record_cmp(items->it[k].level, items->it[k].area, r) < 0) {
            k++;
        }
        r->item_at = k;
        while (k < items->count && record_cmp(items->it[k].level, items->it[k].area, r) == 0) {
            k++;
        }
        r->item_count = k - r->item_at;
    }
    return 0;
}

/* The current summaries (with their answers and items) of WS under M. */
static int
read_summaries(record_set *summaries, item_set *items, sqlite3 *db, const dauys_manifest *m,
               dauys_error *err)
{
    sqlite3_stmt *select_summaries = NULL;
    int rc;

    if (dauys_db_prepare(db, &select_summaries, dauys_sql_crosscheck_summaries, err) != 0) {
        return -1;
    }
    rc = read_records(summaries, select_summaries, 0, 1, m, err);
    sqlite3_finalize(select_summaries);
    return rc != 0 ? -1 : read_items(items, summaries, db, err);
}

/* The record of LEVEL and ID in the sorted set S, or NULL. */
static const record *
find_record(const record_set *s, dauys_level level, const char *id)
{
    size_t lo = 0, hi = s->count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = record_cmp(level, id, &s->rec[mid]);
        if (c == 0) {
            return &s->rec[mid];
        }
        if (c < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

/* The current protocols of district D's precincts into PROTOCOLS (cleared). */
static int
read_district(record_set *protocols, sqlite3_stmt *select_district, const dauys_place *d,
              const dauys_manifest *m, dauys_error *err)
{
    protocols->count = 0;
    if (dauys_db_bind_text_n(select_district, 1, d->id, d->id_len)) {
        return dauys_db_bind_fail(select_district, err, "binding a district");
    }
    return read_records(protocols, select_district, -1, 0, m, err);
}

/* Points B at every record of S (all one level): B->rec has room for S->count. */
static void
below_all(below *b, const record_set *s)
{
    b->count = 0;
    for (size_t i = 0; i < s->count; i++) {
        b->rec[b->count++] = &s->rec[i];
    }
}

/* Points B at the district summaries of SUMMARIES whose district is in region R of M. */
static void
below_region(below *b, const record_set *summaries, const dauys_manifest *m, uint32_t r)
{
    uint32_t d;

    b->count = 0;
    for (size_t i = 0; i < summaries->count; i++) {
        const record *s = &summaries->rec[i];
        if (s->level == DAUYS_LEVEL_DISTRICT &&
            dauys_idmap_get(&m->district_map, s->id, strlen(s->id), &d) &&
            m->district[d].region == r) {
            b->rec[b->count++] = s;
        }
    }
}

/*
 * Compares summary S (its values SV, items ITEMS) with MEMBERS, the current
 * records of SET in its area, into A. A listed item not among them is looked
 * up among all of SET when LOOK_UP (a region's: a district summary is
 * current wherever the manifest in force puts the district), else it is not
 * counted. SUM (FIELDS values) gets the counted sums.
 */
static int
compare(dauys_crosscheck_area *a, const record *s, const uint64_t *sv, const struct listed *items,
        const below *members, const record_set *set, int look_up, uint64_t *sum, size_t fields,
        dauys_error *err)
{
    size_t i = 0, j = 0, n = 0;

    a->version = s->version;
    a->item_count = s->item_count;
    a->entry = dauys_malloc_array(s->item_count + members->count + 1, sizeof *a->entry);
    a->field = dauys_malloc_array(fields, sizeof *a->field);
    if (a->entry == NULL || a->field == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    memset(sum, 0, fields * sizeof *sum);
    while (i < s->item_count || j < members->count) {
        int c = i == s->item_count    ? 1
                : j == members->count ? -1
                                      : strcmp(items[i].item.id, members->rec[j]->id);
        dauys_crosscheck_item *e = &a->entry[n++];
        const record *counted = NULL;
        if (c <= 0) {
            counted = c == 0 ? members->rec[j++] : NULL;
            if (counted == NULL && look_up) {
                counted = find_record(set, DAUYS_LEVEL_DISTRICT, items[i].item.id);
            }
            memcpy(e->id, items[i].item.id, sizeof e->id);
            e->listed = items[i++].item.listed;
            e->counted = counted != NULL ? counted->version : 0;
        } else {
            memcpy(e->id, members->rec[j]->id, sizeof e->id);
            e->listed = 0;
            e->counted = members->rec[j++]->version;
        }
        if (counted != NULL) {
            const uint64_t *v = &set->value[counted->value_at];
            for (size_t k = 0; k < fields; k++) {
                sum[k] += v[k];
            }
            a->summed_count++;
        }
        a->off_count += e->listed != e->counted;
    }
    a->entry_count = n;
    for (size_t k = 0; k < fields; k++) {
        if (sv[k] != sum[k]) {
            a->field[a->field_count++] = (dauys_crosscheck_field){
                .index = (uint32_t) k, .summary = sv[k], .counted = sum[k]};
        }
    }
    a->state = a->field_count == 0 && a->off_count == 0 ? DAUYS_CROSSCHECK_AGREES
                                                        : DAUYS_CROSSCHECK_DIFFERS;
    return 0;
}

void
dauys_crosscheck_free(dauys_crosscheck *cc)
{
    for (size_t i = 0; i < cc->area_count; i++) {
        dauys_free(cc->area[i].field);
        dauys_free(cc->area[i].entry);
    }
    dauys_free(cc->area);
    memset(cc, 0, sizeof *cc);
}

/* Everything one computation holds. */
typedef struct work {
    const dauys_manifest *m;
    size_t fields;
    record_set summaries, protocols;
    item_set items;
    below members;
    uint64_t *sum;
    sqlite3_stmt *select_district;
} work;

static void
work_free(work *w)
{
    record_set_free(&w->summaries);
    record_set_free(&w->protocols);
    dauys_free(w->items.it);
    dauys_free(w->members.rec);
    dauys_free(w->sum);
    sqlite3_finalize(w->select_district);
    memset(w, 0, sizeof *w);
}

/* Reads the summaries and prepares the district query, for M in WS. */
static int
work_start(work *w, dauys_workspace *ws, const dauys_manifest *m, dauys_error *err)
{
    memset(w, 0, sizeof *w);
    w->m = m;
    w->fields = dauys_crosscheck_field_total(m);
    w->summaries.fields = w->protocols.fields = w->fields;
    w->sum = dauys_malloc_array(w->fields, sizeof *w->sum);
    if (w->sum == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    if (read_summaries(&w->summaries, &w->items, ws->db, m, err) != 0) {
        return -1;
    }
    return dauys_db_prepare(ws->db, &w->select_district, dauys_sql_crosscheck_district, err);
}

/* Points W->members at what is current in area INDEX at LEVEL (for a district,
 * read into W->protocols), growing the pointer array as needed. */
static int
work_members(work *w, dauys_level level, uint32_t index, dauys_error *err)
{
    const record_set *from;

    if (level == DAUYS_LEVEL_DISTRICT &&
        read_district(&w->protocols, w->select_district, &w->m->district[index], w->m, err) != 0) {
        return -1;
    }
    from = level == DAUYS_LEVEL_DISTRICT ? &w->protocols : &w->summaries;
    dauys_free(w->members.rec);
    w->members.rec = dauys_malloc_array(from->count + 1, sizeof *w->members.rec);
    if (w->members.rec == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    if (level == DAUYS_LEVEL_DISTRICT) {
        below_all(&w->members, from);
    } else {
        below_region(&w->members, from, w->m, index);
    }
    return 0;
}

/* The crosscheck of area INDEX at LEVEL into A. */
static int
check_area(dauys_crosscheck_area *a, work *w, dauys_level level, uint32_t index, dauys_error *err)
{
    const dauys_place *p =
        level == DAUYS_LEVEL_DISTRICT ? &w->m->district[index] : &w->m->region[index];
    char id[DAUYS_ID_MAX + 1];
    const record *s;

    memset(a, 0, sizeof *a);
    a->level = level;
    a->place = p;
    a->state = DAUYS_CROSSCHECK_NONE;
    snprintf(id, sizeof id, "%.*s", (int) p->id_len, p->id);
    if ((s = find_record(&w->summaries, level, id)) == NULL) {
        return 0;
    }
    if (work_members(w, level, index, err) != 0) {
        return -1;
    }
    return compare(a, s, &w->summaries.value[s->value_at], &w->items.it[s->item_at], &w->members,
                   level == DAUYS_LEVEL_DISTRICT ? &w->protocols : &w->summaries,
                   level == DAUYS_LEVEL_REGION, w->sum, w->fields, err);
}

int
dauys_crosscheck_compute(dauys_crosscheck *cc, dauys_workspace *ws, const dauys_manifest *m,
                         dauys_error *err)
{
    size_t n = 0;
    work w;
    int rc = 0;

    memset(cc, 0, sizeof *cc);
    cc->manifest = m;
    for (size_t i = 0; i < m->district_count; i++) {
        n += m->district[i].has_commission != 0;
    }
    for (size_t i = 0; i < m->region_count; i++) {
        n += m->region[i].has_commission != 0;
    }
    if (n == 0) {
        return 0; /* no commission: nothing read */
    }
    if ((cc->area = dauys_malloc_array(n, sizeof *cc->area)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    if (work_start(&w, ws, m, err) != 0) {
        work_free(&w);
        return -1;
    }
    for (int pass = 0; rc == 0 && pass < 2; pass++) {
        dauys_level level = pass == 0 ? DAUYS_LEVEL_DISTRICT : DAUYS_LEVEL_REGION;
        const dauys_place *places = pass == 0 ? m->district : m->region;
        size_t count = pass == 0 ? m->district_count : m->region_count;
        for (size_t i = 0; rc == 0 && i < count; i++) {
            if (!places[i].has_commission) {
                continue;
            }
            dauys_crosscheck_area *a = &cc->area[cc->area_count++];
            rc = check_area(a, &w, level, (uint32_t) i, err);
            cc->none += rc == 0 && a->state == DAUYS_CROSSCHECK_NONE;
            cc->agrees += rc == 0 && a->state == DAUYS_CROSSCHECK_AGREES;
            cc->differs += rc == 0 && a->state == DAUYS_CROSSCHECK_DIFFERS;
        }
    }
    work_free(&w);
    return rc;
}

/* Finds AREA at LEVEL in M with a commission: its index in *INDEX. */
static int
summarize_area(uint32_t *index, const dauys_manifest *m, dauys_level level, const char *area,
               dauys_error *err)
{
    const dauys_idmap *map = level == DAUYS_LEVEL_DISTRICT ? &m->district_map : &m->region_map;
    const dauys_place *places = level == DAUYS_LEVEL_DISTRICT ? m->district : m->region;

    if (!dauys_idmap_get(map, area, strlen(area), index)) {
        return dauys_error_set(err, DAUYS_E_USAGE, "no %s \"%s\" in the manifest in force",
                               level_name(level), area);
    }
    if (!places[*index].has_commission) {
        return dauys_error_set(err, DAUYS_E_USAGE,
                               "the %s %s has no commission in the manifest in force (no "
                               "\"commission: %s %s\" line): no key could sign its summary",
                               level_name(level), area, level_name(level), area);
    }
    return 0;
}

/* The summary text of W->members, summed, into T. */
static int
summarize_write(dauys_textbuf *t, const work *w, const record_set *from, dauys_level level,
                const char *area, uint32_t version, const char *reason, dauys_error *err)
{
    char name[DAUYS_CROSSCHECK_FIELD_NAME_MAX + 1];

    memset(w->sum, 0, w->fields * sizeof *w->sum);
    dauys_textbuf_add(t,
                      "format: dauys-summary 1\nreferendum: %s\nlevel: %s\narea: %s\nversion: "
                      "%u\n",
                      w->m->referendum, level_name(level), area, version);
    if (version > 1) {
        dauys_textbuf_add(t, "reason: %s\n", reason);
    }
    for (size_t i = 0; i < w->members.count; i++) {
        const record *r = w->members.rec[i];
        dauys_textbuf_add(t, "sums: %s %u\n", r->id, r->version);
        for (size_t k = 0; k < w->fields; k++) {
            w->sum[k] += from->value[r->value_at + k];
        }
    }
    for (size_t k = 0; k < w->fields; k++) {
        dauys_crosscheck_field_name(name, w->m, k);
        if (w->sum[k] > DAUYS_COUNT_MAX) {
            return dauys_error_set(err, DAUYS_E_FORMAT,
                                   "%s %s: %s sums to %llu, over the largest count a summary may "
                                   "hold (%llu)",
                                   level_name(level), area, name, (unsigned long long) w->sum[k],
                                   (unsigned long long) DAUYS_COUNT_MAX);
        }
        dauys_textbuf_add(t, "%s: %llu\n", name, (unsigned long long) w->sum[k]);
    }
    return 0;
}

/* Fails unless every line of TEXT is a canonical line (a reason may break one). */
static int
summarize_lines(const char *text, size_t len, dauys_error *err)
{
    dauys_kv kv;

    dauys_kv_init(&kv, text, len, "the summary");
    while (!dauys_kv_done(&kv)) {
        if (dauys_kv_next(&kv, err) != 0) {
            return -1;
        }
    }
    return 0;
}

int
dauys_crosscheck_summarize(char **out, size_t *len, dauys_workspace *ws, dauys_level level,
                           const char *area, uint32_t version, const char *reason, dauys_error *err)
{
    const dauys_manifest *m = &ws->manifest;
    dauys_textbuf t = {.cap = 4096};
    uint32_t index;
    work w;
    int rc;

    *out = NULL;
    *len = 0;
    if (reason == NULL) {
        reason = "";
    }
    if (version == 0 || (version == 1) != (reason[0] == '\0')) {
        return dauys_error_set(err, DAUYS_E_USAGE,
                               version == 0  ? "version: must be from 1 to %u"
                               : version > 1 ? "version %u needs a reason (why it corrects the "
                                               "last)"
                                             : "version %u takes no reason",
                               version == 0 ? UINT32_MAX : version);
    }
    if (strlen(reason) > DAUYS_REASON_MAX) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "reason: %zu bytes, longer than %d",
                               strlen(reason), DAUYS_REASON_MAX);
    }
    if (summarize_area(&index, m, level, area, err) != 0) {
        return -1;
    }
    if ((rc = work_start(&w, ws, m, err)) == 0 && (rc = work_members(&w, level, index, err)) == 0 &&
        w.members.count == 0) {
        rc = dauys_error_set(err, DAUYS_E_USAGE,
                             level == DAUYS_LEVEL_DISTRICT
                                 ? "district %s: no precinct of it has a current protocol: nothing "
                                   "to summarize"
                                 : "region %s: no district of it has a current summary: nothing "
                                   "to summarize (its districts' summaries come first)",
                             area);
    }
    if (rc == 0 && (t.buf = dauys_malloc(t.cap)) == NULL) {
        rc = dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    if (rc == 0) {
        rc = summarize_write(&t, &w, level == DAUYS_LEVEL_DISTRICT ? &w.protocols : &w.summaries,
                             level, area, version, reason, err);
    }
    if (rc == 0 && t.failed) {
        rc = dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
    }
    if (rc == 0) {
        rc = summarize_lines(t.buf, t.len, err);
    }
    work_free(&w);
    if (rc != 0) {
        dauys_free(t.buf);
        return -1;
    }
    *out = t.buf;
    *len = t.len;
    return 0;
}
