#include "inputs/import.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/textbuf.h"
#include "core/csv.h"
#include "core/file.h"
#include "keys/keys.h"
#include "core/kvtext.h"
#include "referendum/protocol.h"

/* Italy, Ministry of the Interior (Eligendo) results by municipality, as
 * collected by ondata/referendum-download: one row per comune, plus one
 * national row for the votes cast abroad (no region). Blank, void and
 * contested ballots are counted as invalid. The table has no ballots
 * received, issued or cancelled, nor ballots with both boxes marked. */
static const dauys_import_map it_eligendo = {
    .origin = "preset",
    .name = "it-eligendo",
    .precinct = "{cod}",
    .precinct_name = "{desc_com}",
    .region = "{cod_reg}",
    .region_name = "{desc_reg}",
    .district = "{cod_reg}-{cod_prov}",
    .district_name = "{desc_prov}",
    .eligible = "{elettori_t}",
    .received = "-",
    .issued = "-",
    .cancelled = "-",
    .took_part = "{votanti_t}",
    .yes = "{voti_si}",
    .no = "{voti_no}",
    .not_counted = "-",
    .invalid = "{sk_bianche} + {sk_nulle} + {sk_contestate}",
    .abroad_id = "ESTERO",
    .abroad_name = "Estero (votes cast abroad)",
    .abroad_precinct = "ESTERO",
    .referendum = "it-2026-constitutional",
    .title = "Referendum costituzionale del 22-23 marzo 2026 (replay)",
    .date = "2026-03-22",
    .profile = "simple-majority",
    .question = "Approvate il testo della legge costituzionale concernente \"Norme in materia di "
                "ordinamento giurisdizionale e di istituzione della Corte disciplinare\"?",
};

const dauys_import_map *
dauys_import_preset(const char *name)
{
    return strcmp(name, it_eligendo.name) == 0 ? &it_eligendo : NULL;
}

/* What a map value is. */
typedef enum value_kind {
    ID_TEMPLATE,   /* an id with columns in it: "{cod_reg}-{cod_prov}" */
    TEXT_TEMPLATE, /* a name with columns in it: "{desc_com}" */
    SUM,           /* "{a}" or "{a} + {b} ..." */
    SUM_OR_NONE,   /* a sum, or "-": the table lacks it */
    ID,            /* a literal id */
    NAME,          /* a literal name, at most NAME_SIZE - 1 bytes */
    TEXT           /* literal text (the manifest's parser checks it) */
} value_kind;

/* A name's size in the manifest, with its NUL. */
#define NAME_SIZE 128

/* The templates, by their index in the resolved columns. */
enum {
    T_PRECINCT,
    T_PRECINCT_NAME,
    T_REGION,
    T_REGION_NAME,
    T_DISTRICT,
    T_DISTRICT_NAME,
    T_ELIGIBLE,
    T_RECEIVED,
    T_ISSUED,
    T_CANCELLED,
    T_TOOK_PART,
    T_YES,
    T_NO,
    T_NOT_COUNTED,
    T_INVALID,
    T_ABROAD_PRECINCT,
    T_COUNT
};

/* The keys of a map file, in their order, with their slot in the map and
 * (for a template) in the resolved columns. */
static const struct map_key {
    const char *key;
    size_t offset;
    value_kind kind;
    int template_index; /* -1: not a template */
} map_keys[] = {
    {"precinct", offsetof(dauys_import_map, precinct), ID_TEMPLATE, T_PRECINCT},
    {"precinct-name", offsetof(dauys_import_map, precinct_name), TEXT_TEMPLATE, T_PRECINCT_NAME},
    {"region", offsetof(dauys_import_map, region), ID_TEMPLATE, T_REGION},
    {"region-name", offsetof(dauys_import_map, region_name), TEXT_TEMPLATE, T_REGION_NAME},
    {"district", offsetof(dauys_import_map, district), ID_TEMPLATE, T_DISTRICT},
    {"district-name", offsetof(dauys_import_map, district_name), TEXT_TEMPLATE, T_DISTRICT_NAME},
    {"eligible", offsetof(dauys_import_map, eligible), SUM, T_ELIGIBLE},
    {"received", offsetof(dauys_import_map, received), SUM_OR_NONE, T_RECEIVED},
    {"issued", offsetof(dauys_import_map, issued), SUM_OR_NONE, T_ISSUED},
    {"cancelled", offsetof(dauys_import_map, cancelled), SUM_OR_NONE, T_CANCELLED},
    {"took-part", offsetof(dauys_import_map, took_part), SUM, T_TOOK_PART},
    {"yes", offsetof(dauys_import_map, yes), SUM, T_YES},
    {"no", offsetof(dauys_import_map, no), SUM, T_NO},
    {"not-counted", offsetof(dauys_import_map, not_counted), SUM_OR_NONE, T_NOT_COUNTED},
    {"invalid", offsetof(dauys_import_map, invalid), SUM, T_INVALID},
    {"abroad-id", offsetof(dauys_import_map, abroad_id), ID, -1},
    {"abroad-name", offsetof(dauys_import_map, abroad_name), NAME, -1},
    {"abroad-precinct", offsetof(dauys_import_map, abroad_precinct), ID_TEMPLATE,
     T_ABROAD_PRECINCT},
    {"referendum", offsetof(dauys_import_map, referendum), ID, -1},
    {"title", offsetof(dauys_import_map, title), TEXT, -1},
    {"date", offsetof(dauys_import_map, date), TEXT, -1},
    {"profile", offsetof(dauys_import_map, profile), TEXT, -1},
    {"question", offsetof(dauys_import_map, question), TEXT, -1},
};

#define MAP_KEYS (sizeof map_keys / sizeof map_keys[0])

/* The value of KEY in M. */
static const char *
map_value(const dauys_import_map *m, const struct map_key *key)
{
    return *(const char *const *) (const void *) ((const char *) m + key->offset);
}

/* The most columns one template may name. */
#define TEMPLATE_COLUMNS_MAX 8

/* A template's column references ("{NAME}"), and once the header is read,
 * each one's field index. COUNT is 0 for "-" (none) and for a literal. */
typedef struct tmpl {
    const char *text;
    size_t count;
    const char *ref[TEMPLATE_COLUMNS_MAX]; /* each NAME, inside TEXT */
    size_t ref_len[TEMPLATE_COLUMNS_MAX];
    int column[TEMPLATE_COLUMNS_MAX];
} tmpl;

/* 1 if C may be in an id (FORMATS.md, section 7). */
static int
is_id_byte(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

/* Why the N bytes at S are not an id, or NULL: a letter of another script
 * is named as such, since "may hold only letters" would not explain it. */
static const char *
id_problem(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char) s[i] >= 0x80) {
            return "holds a character that is not ASCII";
        }
    }
    return dauys_id_problem(s, n);
}

/* Parses the value TEXT, of kind KIND, into *T (its columns unresolved).
 * Returns NULL, or why TEXT is not a value of that kind. A column's name is
 * anything between the braces but a brace: spaces, commas, any script. */
static const char *
template_parse(tmpl *t, const char *text, value_kind kind)
{
    int sum = kind == SUM || kind == SUM_OR_NONE;

    memset(t, 0, sizeof *t);
    t->text = text;
    if (kind == ID) {
        return id_problem(text, strlen(text));
    }
    if (kind == NAME) {
        return strlen(text) >= NAME_SIZE ? "a name is at most 127 bytes" : NULL;
    }
    if (kind == TEXT || (kind == SUM_OR_NONE && strcmp(text, "-") == 0)) {
        return NULL;
    }
    for (const char *p = text; *p != '\0';) {
        if (*p == '{') {
            const char *close = strchr(p + 1, '}'), *open = strchr(p + 1, '{');
            if (close == NULL) {
                return "a \"{\" is never closed";
            }
            if (open != NULL && open < close) {
                return "a \"{\" inside a column name (braces only enclose column names)";
            }
            if (close == p + 1) {
                return "an empty column name \"{}\"";
            }
            if (t->count == TEMPLATE_COLUMNS_MAX) {
                return "more than 8 columns";
            }
            t->ref[t->count] = p + 1;
            t->ref_len[t->count++] = (size_t) (close - p - 1);
            p = close + 1;
            if (sum && *p != '\0') {
                if (strncmp(p, " + {", 4) != 0) {
                    return "a sum is \"{COLUMN}\" or \"{COLUMN} + {COLUMN}\"...";
                }
                p += 3;
            }
            continue;
        }
        if (*p == '}') {
            return "a \"}\" outside a column name (braces only enclose column names)";
        }
        if (sum) {
            return kind == SUM ? "a sum is \"{COLUMN}\" or \"{COLUMN} + {COLUMN}\"..."
                               : "a sum is \"{COLUMN}\" or \"{COLUMN} + {COLUMN}\"..., or \"-\"";
        }
        if (kind == ID_TEMPLATE && !is_id_byte(*p)) {
            return "outside the braces an id may hold only ASCII letters, digits, '.', '_' and '-'";
        }
        p++;
    }
    return NULL;
}

/* Splits the kv value last read into a NUL-terminated copy inside the map
 * file's own text (values are written back in place: the line's LF becomes
 * the NUL). */
static const char *
take_value(dauys_kv *kv)
{
    char *v = (char *) kv->value;

    v[kv->value_len] = '\0';
    return v;
}

int
dauys_import_map_parse(dauys_import_map_file *out, char *text, size_t len, const char *name,
                       dauys_error *err)
{
    dauys_import_map *m = &out->map;
    dauys_kv kv;
    tmpl t;

    memset(out, 0, sizeof *out);
    out->text = text;
    m->origin = "map";
    m->name = name;
    dauys_kv_init(&kv, out->text, len, name);
    if (dauys_kv_expect(&kv, "format", err) != 0) {
        goto fail;
    }
    if (strcmp(take_value(&kv), "dauys-csv-map 2") != 0) {
        dauys_kv_fail(&kv, err, "expected \"dauys-csv-map 2\"%s",
                      strcmp(kv.value, "dauys-csv-map 1") == 0
                          ? " (version 2 puts every column name in braces: docs/FORMATS.md, 18.6)"
                          : "");
        goto fail;
    }
    for (size_t i = 0; i < MAP_KEYS; i++) {
        const char *problem;
        if (dauys_kv_expect(&kv, map_keys[i].key, err) != 0) {
            goto fail;
        }
        *(const char **) (void *) ((char *) m + map_keys[i].offset) = take_value(&kv);
        if ((problem = template_parse(&t, kv.value, map_keys[i].kind)) != NULL) {
            dauys_kv_fail(&kv, err, "%s", problem);
            goto fail;
        }
    }
    if (!dauys_kv_done(&kv)) {
        dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: unexpected line after \"question\"", name,
                        kv.line + 1);
        goto fail;
    }
    return 0;
fail:
    dauys_import_map_free(out);
    return -1;
}

int
dauys_import_map_load(dauys_import_map_file *out, const char *path, dauys_error *err)
{
    char *text;
    size_t len;

    memset(out, 0, sizeof *out);
    if (dauys_file_read(&text, &len, path, 1u << 16, err) != 0) {
        return -1;
    }
    return dauys_import_map_parse(out, text, len, path, err);
}

void
dauys_import_map_free(dauys_import_map_file *m)
{
    dauys_free(m->text);
    memset(m, 0, sizeof *m);
}

/* The column values an id was made of, each quoted ("R01" "X-1"): two rows
 * whose ids are equal but whose values differ are two things under one id.
 * The values of a valid id are id bytes, so the quotes are unambiguous, and
 * they fit: at most 64 bytes plus the quotes and spaces of 8 columns. */
#define FROM_SIZE (DAUYS_ID_MAX + 3 * TEMPLATE_COLUMNS_MAX + 1)

/* One row, as the manifest and its protocol need it. */
typedef struct row {
    char id[DAUYS_ID_MAX + 1], region[DAUYS_ID_MAX + 1], district[DAUYS_ID_MAX + 1];
    char region_from[FROM_SIZE], district_from[FROM_SIZE];
    char name[NAME_SIZE], region_name[NAME_SIZE], district_name[NAME_SIZE];
    uint64_t eligible, received, issued, cancelled, in_boxes, yes, no, not_counted, invalid;
    unsigned line;
    int abroad; /* its region's columns are all empty */
} row;

/* Every template of the map, resolved against the header. */
typedef struct columns {
    tmpl t[T_COUNT];
    size_t fields; /* the header's */
} columns;

/* Finds column NAME (LEN bytes) in the header, the record CSV last read:
 * its index, or -1 if it is missing, or -2 if the header has it twice
 * (*SECOND then the other index). */
static int
find_column(const dauys_csv *csv, const char *name, size_t len, int *second)
{
    int found = -1;

    for (size_t i = 0; i < csv->count; i++) {
        if (strlen(csv->field[i]) == len && memcmp(csv->field[i], name, len) == 0) {
            if (found >= 0) {
                *second = (int) i;
                return -2;
            }
            found = (int) i;
        }
    }
    return found;
}

/* Resolves the map's templates against the header; fails naming a missing
 * or repeated column. */
static int
find_columns(columns *c, const dauys_csv *csv, const dauys_import_map *m, dauys_error *err)
{
    memset(c, 0, sizeof *c);
    c->fields = csv->count;
    for (size_t i = 0; i < MAP_KEYS; i++) {
        const struct map_key *key = &map_keys[i];
        tmpl *t;
        const char *problem;
        if (key->template_index < 0) {
            continue;
        }
        t = &c->t[key->template_index];
        if ((problem = template_parse(t, map_value(m, key), key->kind)) != NULL) {
            return dauys_error_set(err, DAUYS_E_FORMAT, "%s %s: %s: %s", m->origin, m->name,
                                   key->key, problem);
        }
        for (size_t k = 0; k < t->count; k++) {
            int second = -1;
            t->column[k] = find_column(csv, t->ref[k], t->ref_len[k], &second);
            if (t->column[k] == -1) {
                return dauys_error_set(err, DAUYS_E_FORMAT, "%s:1: no column \"%.*s\" (%s %s)",
                                       csv->name, (int) t->ref_len[k], t->ref[k], m->origin,
                                       m->name);
            }
            if (t->column[k] == -2) {
                return dauys_error_set(err, DAUYS_E_FORMAT,
                                       "%s:1: column \"%.*s\" is in the header twice (field %d "
                                       "and an earlier one): the %s cannot tell which",
                                       csv->name, (int) t->ref_len[k], t->ref[k], second + 1,
                                       m->origin);
            }
        }
    }
    return 0;
}

/* Appends the LEN bytes at S to OUT (SIZE bytes) at *N, as far as they fit;
 * *N counts every byte, so the caller sees what did not fit. */
static void
put_bytes(char *out, size_t size, size_t *n, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++, (*n)++) {
        if (*n + 1 < size) {
            out[*n] = s[i];
        }
    }
    out[*n + 1 < size ? *n : size - 1] = '\0';
}

/* Writes template T, filled from the current record, into OUT (SIZE
 * bytes, NUL-terminated, cut if need be). Returns its full length. */
static size_t
template_fill(const tmpl *t, const dauys_csv *csv, char *out, size_t size)
{
    const char *p = t->text;
    size_t n = 0;

    assert(size > 0);
    out[0] = '\0';
    for (size_t k = 0; k <= t->count; k++) {
        const char *lit_end = k < t->count ? t->ref[k] - 1 : p + strlen(p);
        put_bytes(out, size, &n, p, (size_t) (lit_end - p));
        if (k < t->count) {
            const char *v = csv->field[t->column[k]];
            put_bytes(out, size, &n, v, strlen(v));
            p = t->ref[k] + t->ref_len[k] + 1;
        }
    }
    return n;
}

/* Writes the values of T's columns in the current record into OUT (FROM_SIZE
 * bytes), each quoted; returns 1 if every one is empty (and T has any). */
static int
template_values(const tmpl *t, const dauys_csv *csv, char *out)
{
    size_t n = 0;
    int empty = t->count > 0;

    out[0] = '\0';
    for (size_t k = 0; k < t->count; k++) {
        const char *v = csv->field[t->column[k]];
        put_bytes(out, FROM_SIZE, &n, k > 0 ? " \"" : "\"", k > 0 ? 2 : 1);
        put_bytes(out, FROM_SIZE, &n, v, strlen(v));
        put_bytes(out, FROM_SIZE, &n, "\"", 1);
        empty = empty && v[0] == '\0';
    }
    return empty;
}

/* The id WHAT made by template T from the current record, into OUT
 * (DAUYS_ID_MAX + 1 bytes), or an error that says what an id may hold.
 * Nothing is cut: a longer id is refused. */
static int
id_from(char *out, const tmpl *t, const dauys_csv *csv, const char *what, dauys_error *err)
{
    char id[4 * DAUYS_ID_MAX];
    size_t n = template_fill(t, csv, id, sizeof id);
    const char *problem = n > DAUYS_ID_MAX ? "longer than 64 bytes" : id_problem(id, n);

    if (problem != NULL) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s:%u: %s \"%.80s%s\" (from %s): %s; an id is 1 to 64 bytes of "
                               "ASCII letters, digits, '.', '_' and '-', starting with a letter "
                               "or digit: make it from columns that hold codes or numbers "
                               "(docs/FORMATS.md, 18.6)",
                               csv->name, csv->line, what, id, n > 80 ? "..." : "", t->text,
                               problem);
    }
    memcpy(out, id, n + 1);
    return 0;
}

/* The name WHAT made by template T from the current record, into OUT
 * (NAME_SIZE bytes): control bytes and DEL become spaces, spaces at either end
 * go, and a longer name is cut at a character's start; FALLBACK if it
 * comes out empty. Fails if the text is not UTF-8, naming the line. */
static int
name_from(char *out, const tmpl *t, const dauys_csv *csv, const char *what, const char *fallback,
          dauys_error *err)
{
    char text[1024];
    size_t n = template_fill(t, csv, text, sizeof text), start = 0, end;

    if (n >= sizeof text) { /* cut at a character's start; the name keeps far less anyway */
        for (n = sizeof text - 1; n > 0 && ((unsigned char) text[n] & 0xc0) == 0x80; n--) {
        }
    }
    if (!dauys_utf8_valid(text, n)) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: %s (from %s): not valid UTF-8",
                               csv->name, csv->line, what, t->text);
    }
    for (size_t i = 0; i < n; i++) {
        text[i] = (unsigned char) text[i] < 0x20 || text[i] == 0x7f ? ' ' : text[i];
    }
    while (start < n && text[start] == ' ') {
        start++;
    }
    end = n - start < NAME_SIZE - 1 ? n : start + NAME_SIZE - 1;
    while (end < n && end > start && ((unsigned char) text[end] & 0xc0) == 0x80) {
        end--; /* not in the middle of a character */
    }
    while (end > start && text[end - 1] == ' ') {
        end--;
    }
    snprintf(out, NAME_SIZE, "%.*s", (int) (end - start), text + start);
    if (end == start) {
        snprintf(out, NAME_SIZE, "%s", fallback);
    }
    return 0;
}

/* The sum WHAT of T's columns in the current record into *OUT; fails
 * naming the column that is not a count, or a sum past a count's bound. */
static int
sum_from(uint64_t *out, const tmpl *t, const dauys_csv *csv, const char *what, dauys_error *err)
{
    *out = 0;
    for (size_t k = 0; k < t->count; k++) {
        const char *s = csv->field[t->column[k]];
        uint64_t v;
        if (dauys_parse_count(&v, s, strlen(s)) != 0) {
            return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: %.*s: \"%.80s\" is not a count",
                                   csv->name, csv->line, (int) t->ref_len[k], t->ref[k], s);
        }
        *out += v; /* at most 8 counts of at most 10^12 */
    }
    if (*out > DAUYS_COUNT_MAX) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: %s: %s is %llu, more than %llu",
                               csv->name, csv->line, what, t->text, (unsigned long long) *out,
                               (unsigned long long) DAUYS_COUNT_MAX);
    }
    return 0;
}

/* The ballot counts of the current record into R. What the table lacks
 * follows from what it has: ballots issued are those in the boxes, none
 * are cancelled (or those received and not issued), all received were
 * issued or cancelled, and none had both boxes marked. */
static int
read_counts(row *r, const dauys_csv *csv, const columns *c, dauys_error *err)
{
    const tmpl *t = c->t;

    if (sum_from(&r->eligible, &t[T_ELIGIBLE], csv, "eligible", err) != 0 ||
        sum_from(&r->in_boxes, &t[T_TOOK_PART], csv, "took-part", err) != 0 ||
        sum_from(&r->issued, &t[T_ISSUED], csv, "issued", err) != 0 ||
        sum_from(&r->received, &t[T_RECEIVED], csv, "received", err) != 0 ||
        sum_from(&r->cancelled, &t[T_CANCELLED], csv, "cancelled", err) != 0 ||
        sum_from(&r->yes, &t[T_YES], csv, "yes", err) != 0 ||
        sum_from(&r->no, &t[T_NO], csv, "no", err) != 0 ||
        sum_from(&r->not_counted, &t[T_NOT_COUNTED], csv, "not-counted", err) != 0 ||
        sum_from(&r->invalid, &t[T_INVALID], csv, "invalid", err) != 0) {
        return -1;
    }
    if (t[T_ISSUED].count == 0) {
        r->issued = r->in_boxes;
    }
    if (t[T_CANCELLED].count == 0 && t[T_RECEIVED].count > 0 && r->received >= r->issued) {
        r->cancelled = r->received - r->issued;
    }
    if (t[T_RECEIVED].count == 0) {
        r->received = r->issued + r->cancelled;
    }
    return 0;
}

/* Reads the current record into R. A row whose region columns are all
 * empty holds votes cast abroad: its region and district are the map's
 * abroad-id, and its precinct id comes from abroad-precinct. */
static int
read_row(row *r, const dauys_csv *csv, const columns *c, const dauys_import_map *m,
         dauys_error *err)
{
    const tmpl *t = c->t;

    memset(r, 0, sizeof *r);
    r->line = csv->line;
    if (csv->count != c->fields) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: %zu fields, but the header has %zu",
                               csv->name, csv->line, csv->count, c->fields);
    }
    r->abroad = template_values(&t[T_REGION], csv, r->region_from);
    if (r->abroad) {
        assert(strlen(m->abroad_id) <= DAUYS_ID_MAX && strlen(m->abroad_name) < NAME_SIZE);
        snprintf(r->region, sizeof r->region, "%s", m->abroad_id);
        snprintf(r->district, sizeof r->district, "%s", m->abroad_id);
        snprintf(r->region_name, sizeof r->region_name, "%s", m->abroad_name);
        snprintf(r->district_name, sizeof r->district_name, "%s", m->abroad_name);
        if (id_from(r->id, &t[T_ABROAD_PRECINCT], csv, "abroad-precinct", err) != 0 ||
            name_from(r->name, &t[T_PRECINCT_NAME], csv, "precinct-name", m->abroad_name, err) !=
                0) {
            return -1;
        }
    } else {
        (void) template_values(&t[T_DISTRICT], csv, r->district_from);
        if (id_from(r->id, &t[T_PRECINCT], csv, "precinct", err) != 0 ||
            id_from(r->region, &t[T_REGION], csv, "region", err) != 0 ||
            id_from(r->district, &t[T_DISTRICT], csv, "district", err) != 0 ||
            name_from(r->name, &t[T_PRECINCT_NAME], csv, "precinct-name", "-", err) != 0 ||
            name_from(r->region_name, &t[T_REGION_NAME], csv, "region-name", "-", err) != 0 ||
            name_from(r->district_name, &t[T_DISTRICT_NAME], csv, "district-name", "-", err) != 0) {
            return -1;
        }
    }
    return read_counts(r, csv, c, err);
}

/* Reads every data row of the CSV file into *ROWS (the caller frees). */
static int
read_rows(row **rows, size_t *count, const char *text, size_t len, const char *path,
          const dauys_import_map *m, dauys_error *err)
{
    dauys_csv csv;
    columns c;
    size_t cap = 0;
    int rc;

    *rows = NULL;
    *count = 0;
    dauys_csv_init(&csv, text, len, path);
    if ((rc = dauys_csv_next(&csv, err)) <= 0) {
        dauys_csv_free(&csv);
        return rc < 0 ? -1 : dauys_error_set(err, DAUYS_E_FORMAT, "%s: empty", path);
    }
    if (find_columns(&c, &csv, m, err) != 0) {
        dauys_csv_free(&csv);
        return -1;
    }
    while ((rc = dauys_csv_next(&csv, err)) > 0) {
        if (*count == cap) {
            cap = cap == 0 ? 1024 : 2 * cap;
            row *grown = dauys_realloc(*rows, cap * sizeof **rows);
            if (grown == NULL) {
                rc = dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
                break;
            }
            *rows = grown;
        }
        if ((rc = read_row(&(*rows)[*count], &csv, &c, m, err)) != 0) {
            break;
        }
        (*count)++;
    }
    dauys_csv_free(&csv);
    return rc < 0 ? -1 : 0;
}

/* Fails if region R (a later row) and FIRST, the first row of the same
 * region id, are not the same region. */
static int
region_clash(const row *r, const row *first, const char *path, dauys_error *err)
{
    if (r->abroad != first->abroad) {
        const row *abroad = r->abroad ? r : first, *other = r->abroad ? first : r;
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s:%u: region \"%s\" (from %s) is also the abroad-id of the vote "
                               "abroad at %s:%u: two regions would become one",
                               path, other->line, other->region, other->region_from, path,
                               abroad->line);
    }
    if (strcmp(r->region_from, first->region_from) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s:%u: region \"%s\" is made from %s here and from %s at %s:%u: "
                               "two regions would become one",
                               path, r->line, r->region, r->region_from, first->region_from, path,
                               first->line);
    }
    if (strcmp(r->region_name, first->region_name) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s:%u: region \"%s\" is named \"%s\" here and \"%s\" at %s:%u: "
                               "two regions would become one",
                               path, r->line, r->region, r->region_name, first->region_name, path,
                               first->line);
    }
    return 0;
}

/* Fails if district R (a later row) and FIRST, the first row of the same
 * district id, are not the same district. */
static int
district_clash(const row *r, const row *first, const char *path, dauys_error *err)
{
    if (strcmp(r->region, first->region) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s:%u: district \"%s\" is in region \"%s\" here and in region "
                               "\"%s\" at %s:%u: two districts would become one (make the "
                               "district id from the region's columns too)",
                               path, r->line, r->district, r->region, first->region, path,
                               first->line);
    }
    if (strcmp(r->district_from, first->district_from) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s:%u: district \"%s\" is made from %s here and from %s at %s:%u: "
                               "two districts would become one",
                               path, r->line, r->district, r->district_from, first->district_from,
                               path, first->line);
    }
    if (strcmp(r->district_name, first->district_name) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s:%u: district \"%s\" is named \"%s\" here and \"%s\" at %s:%u: "
                               "two districts would become one",
                               path, r->line, r->district, r->district_name, first->district_name,
                               path, first->line);
    }
    return 0;
}

/* Puts ID into MAP for row I: 0 if new, 1 if an earlier row has it (its
 * index in *FIRST), -1 out of memory (ERR set). */
static int
first_row(dauys_idmap *map, const char *id, size_t i, uint32_t *first, dauys_error *err)
{
    int rc = dauys_idmap_put(map, id, strlen(id), (uint32_t) i, first);

    return rc < 0 ? dauys_error_set(err, DAUYS_E_NOMEM, "out of memory") : rc;
}

/* Refuses two rows with one precinct id, and two regions or districts
 * under one id (made from other values, in another region, or named
 * otherwise), naming both lines of PATH: a silent merge would add one's
 * votes to the other's. */
static int
check_ids(const row *rows, size_t n, const char *path, dauys_error *err)
{
    dauys_idmap precincts, regions, districts;
    uint32_t j;
    int rc = 0;

    assert(n <= UINT32_MAX);
    dauys_idmap_init(&precincts);
    dauys_idmap_init(&regions);
    dauys_idmap_init(&districts);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const row *r = &rows[i];
        if ((rc = first_row(&precincts, r->id, i, &j, err)) > 0) {
            rc = dauys_error_set(err, DAUYS_E_FORMAT,
                                 "%s:%u: precinct \"%s\" is also the precinct at %s:%u: two "
                                 "precincts would become one (each row needs an id of its own)",
                                 path, r->line, r->id, path, rows[j].line);
        } else if (rc == 0 && (rc = first_row(&regions, r->region, i, &j, err)) > 0) {
            rc = region_clash(r, &rows[j], path, err);
        }
        if (rc == 0 && (rc = first_row(&districts, r->district, i, &j, err)) > 0) {
            rc = district_clash(r, &rows[j], path, err);
        }
    }
    dauys_idmap_free(&precincts);
    dauys_idmap_free(&regions);
    dauys_idmap_free(&districts);
    return rc;
}

/* Adds a region or district record for each id of KIND (1 region, 2
 * district) in order of its first row. */
static int
add_areas(dauys_textbuf *b, const row *rows, size_t n, int kind, size_t *added, dauys_error *err)
{
    dauys_idmap seen;
    uint32_t first;
    int rc = 0;

    dauys_idmap_init(&seen);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const row *r = &rows[i];
        const char *id = kind == 1 ? r->region : r->district;
        if ((rc = first_row(&seen, id, i, &first, err)) == 0) {
            if (kind == 1) {
                dauys_textbuf_add(b, "region: %s %s %s\n", r->region,
                                  r->abroad ? "abroad" : "region", r->region_name);
            } else {
                dauys_textbuf_add(b, "district: %s %s %s\n", r->district, r->region,
                                  r->district_name);
            }
            (*added)++;
        }
        rc = rc > 0 ? 0 : rc;
    }
    dauys_idmap_free(&seen);
    return rc;
}

int
dauys_import_check(size_t *rows, const char *csv, size_t len, const char *name,
                   const dauys_import_map *map, dauys_error *err)
{
    row *read;
    int rc;

    *rows = 0;
    rc = read_rows(&read, rows, csv, len, name, map, err) != 0 ||
                 check_ids(read, *rows, name, err) != 0
             ? -1
             : 0;
    dauys_free(read);
    return rc;
}

/* The manifest for ROWS, each precinct with its public key PK[i]. */
static int
manifest_text(dauys_textbuf *b, const row *rows, size_t n, const dauys_pubkey *pk,
              const dauys_import_map *m, dauys_import_report *rep, dauys_error *err)
{
    char b64[57];

    dauys_textbuf_add(b,
                      "format: dauys-manifest 1\nreferendum: %s\ntitle: %s\ndate: %s\nmode: test\n"
                      "version: 1\nballot: single\nquestion: q1 %s %s\n",
                      m->referendum, m->title, m->date, m->profile, m->question);
    if (add_areas(b, rows, n, 1, &rep->regions, err) != 0 ||
        add_areas(b, rows, n, 2, &rep->districts, err) != 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        dauys_keys_pubkey_to_base64(b64, &pk[i]);
        dauys_textbuf_add(b, "precinct: %s %s %llu %s %s\n", rows[i].id, rows[i].district,
                          (unsigned long long) rows[i].eligible, b64, rows[i].name);
    }
    return b->failed ? dauys_error_set(err, DAUYS_E_NOMEM, "out of memory") : 0;
}

/* The protocol for row R. */
static int
protocol_text(char *out, size_t size, const row *r, const dauys_import_map *m)
{
    return snprintf(out, size,
                    "format: dauys-protocol 1\nreferendum: %s\nprecinct: %s\nversion: 1\n"
                    "citizens_on_list: %llu\nballots_received: %llu\nballots_issued: %llu\n"
                    "ballots_cancelled: %llu\nballots_in_boxes: %llu\nq1_yes: %llu\nq1_no: %llu\n"
                    "q1_not_counted: %llu\nq1_invalid: %llu\n",
                    m->referendum, r->id, (unsigned long long) r->eligible,
                    (unsigned long long) r->received, (unsigned long long) r->issued,
                    (unsigned long long) r->cancelled, (unsigned long long) r->in_boxes,
                    (unsigned long long) r->yes, (unsigned long long) r->no,
                    (unsigned long long) r->not_counted, (unsigned long long) r->invalid);
}

/* Writes TEXT to OUTDIR/REL and its minisign signature by SK beside it. */
static int
write_signed(const char *outdir, const char *rel, const char *text, size_t len,
             const dauys_seckey *sk, dauys_error *err)
{
    char path[PATH_MAX], sigtext[DAUYS_KEYS_SIGNATURE_TEXT_MAX];
    uint8_t h[DAUYS_KEYS_PREHASH_BYTES];
    dauys_signature sig;

    snprintf(path, sizeof path, "%s/%s", outdir, rel);
    dauys_keys_prehash(h, text, len);
    if (dauys_keys_sign_prehashed(&sig, h, "dauys import-csv replay", sk, err) != 0 ||
        dauys_keys_signature_encode(sigtext, sizeof sigtext, &sig, NULL, err) != 0 ||
        dauys_file_write_new(path, text, len, 0644, 0, err) != 0) {
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s.minisig", outdir, rel);
    return dauys_file_write_new(path, sigtext, strlen(sigtext), 0644, 0, err);
}

/* OUTDIR must not exist (it is made, with protocols/) or be empty. */
static int
make_outdir(const char *outdir, dauys_error *err)
{
    char path[PATH_MAX];

    if (mkdir(outdir, 0755) != 0) {
        int e = errno;
        /* an existing directory is fine if empty: rmdir succeeds only then */
        if (e != EEXIST || rmdir(outdir) != 0 || mkdir(outdir, 0755) != 0) {
            return dauys_error_set(err, e == EEXIST ? DAUYS_E_EXISTS : DAUYS_E_IO, "%s: %s", outdir,
                                   e == EEXIST ? "must be a new or empty directory" : strerror(e));
        }
    }
    snprintf(path, sizeof path, "%s/protocols", outdir);
    if (mkdir(path, 0755) != 0) {
        return dauys_error_set(err, DAUYS_E_IO, "%s: %s", path, strerror(errno));
    }
    return 0;
}

/* Checks row I's protocol against the manifest's relations and reports breaks. */
static void
flag_row(const row *r, const char *text, size_t len, const dauys_manifest *m, const char *csv_path,
         dauys_import_report *rep, dauys_import_flag_fn on_flag, void *ctx)
{
    dauys_protocol p;
    dauys_findings f;
    dauys_error err;
    uint32_t index;
    char where[512];

    snprintf(where, sizeof where, "%s:%u (%s, %s)", csv_path, r->line, r->id, r->name);
    if (dauys_protocol_parse(&p, text, len, "protocol", m, &err) != 0 ||
        !dauys_manifest_find_precinct(m, r->id, strlen(r->id), &index)) {
        rep->breaking++;
        if (on_flag != NULL) {
            on_flag(where, "parse", err.message, ctx);
        }
        return;
    }
    dauys_protocol_check(&f, &p, m, &m->precinct[index]);
    rep->breaking += f.errors > 0;
    for (size_t i = 0; i < f.count && on_flag != NULL; i++) {
        if (f.item[i].is_error) {
            on_flag(where, f.item[i].code, f.item[i].message, ctx);
        }
    }
}

/* The precinct keys' secret (bytes). */
#define MASTER_BYTES 32

/* Row I's key pair: its Ed25519 seed is BLAKE2b, keyed with MASTER (a fresh
 * random secret), of I. One secret in secure memory for every row: a secret
 * key of its own each, in locked pages of their own, runs out of mappings
 * past about 20,000 rows ("out of secure memory"). */
static int
precinct_key(dauys_pubkey *pk, dauys_seckey *sk, const uint8_t *master, size_t i, dauys_error *err)
{
    uint8_t seed[DAUYS_KEYS_SEED_BYTES], index[8];
    int rc;

    for (unsigned b = 0; b < sizeof index; b++) {
        index[b] = (uint8_t) ((uint64_t) i >> (8 * b));
    }
    crypto_generichash(seed, sizeof seed, index, sizeof index, master, MASTER_BYTES);
    rc = dauys_keys_from_seed(pk, sk, seed, err);
    sodium_memzero(seed, sizeof seed);
    return rc;
}

/* Writes every row's protocol, signed by its precinct's key (SK, scratch),
 * and flags breaks. */
static int
write_protocols(const row *rows, size_t n, const uint8_t *master, dauys_seckey *sk,
                const dauys_manifest *m, const dauys_import_map *map, const char *csv_path,
                const char *outdir, dauys_import_report *rep, dauys_import_flag_fn on_flag,
                void *ctx, dauys_error *err)
{
    char text[2048], rel[128];
    dauys_pubkey pk;

    for (size_t i = 0; i < n; i++) {
        int len = protocol_text(text, sizeof text, &rows[i], map);
        snprintf(rel, sizeof rel, "protocols/%s.txt", rows[i].id);
        if (len < 0 || (size_t) len >= sizeof text || precinct_key(&pk, sk, master, i, err) != 0 ||
            write_signed(outdir, rel, text, (size_t) len, sk, err) != 0) {
            return len < 0 ? dauys_error_set(err, DAUYS_E_USAGE, "protocol too long") : -1;
        }
        flag_row(&rows[i], text, (size_t) len, m, csv_path, rep, on_flag, ctx);
        rep->eligible += rows[i].eligible;
        rep->took_part += rows[i].in_boxes;
        rep->yes += rows[i].yes;
        rep->no += rows[i].no;
        rep->invalid += rows[i].invalid;
    }
    return 0;
}

/* Keys for the centre (CENTRAL, CPK), and MASTER and the public keys PK of
 * the N precincts (SK: scratch). */
static int
make_keys(dauys_seckey **central, dauys_pubkey *cpk, uint8_t *master, dauys_seckey *sk,
          dauys_pubkey *pk, size_t n, dauys_error *err)
{
    if (dauys_keys_generate(cpk, central, err) != 0) {
        return -1;
    }
    randombytes_buf(master, MASTER_BYTES);
    for (size_t i = 0; i < n; i++) {
        if (precinct_key(&pk[i], sk, master, i, err) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Parses the manifest built in TEXT into *M. The rows were checked as they
 * were read, so what fails here is the map's own header values (title,
 * date, profile, question): the error says so. */
static int
manifest_check(dauys_manifest *m, const dauys_textbuf *text, const dauys_import_map *map,
               dauys_error *err)
{
    char why[DAUYS_ERROR_MESSAGE_MAX];

    if (dauys_manifest_parse(m, text->buf, text->len, "manifest.txt", err) == 0) {
        return 0;
    }
    snprintf(why, sizeof why, "%s", err->message);
    return dauys_error_set(err, err->status, "the manifest made with the %s %s: %s", map->origin,
                           map->name, why);
}

int
dauys_import_csv(dauys_import_report *rep, const char *csv_path, const dauys_import_map *map,
                 const char *outdir, dauys_import_flag_fn on_flag, void *ctx, dauys_error *err)
{
    char *csv = NULL, pub[PATH_MAX], sec[PATH_MAX];
    size_t csv_len, n = 0;
    row *rows = NULL;
    dauys_seckey *central = NULL, *sk = NULL;
    dauys_pubkey cpk, *pk = NULL;
    uint8_t *master = NULL;
    dauys_manifest m;
    dauys_textbuf text = {0};
    int rc = -1;

    memset(rep, 0, sizeof *rep);
    memset(&m, 0, sizeof m);
    if (dauys_file_read(&csv, &csv_len, csv_path, 512u << 20, err) != 0 ||
        read_rows(&rows, &n, csv, csv_len, csv_path, map, err) != 0 ||
        check_ids(rows, n, csv_path, err) != 0) {
        goto done;
    }
    if (n == 0) {
        dauys_error_set(err, DAUYS_E_FORMAT, "%s: no data rows", csv_path);
        goto done;
    }
    rep->rows = n;
    pk = dauys_malloc_array(n, sizeof *pk);
    if (pk == NULL) {
        dauys_error_set(err, DAUYS_E_NOMEM, "out of memory");
        goto done;
    }
    sk = dauys_keys_seckey_new();
    master = dauys_secure_malloc(MASTER_BYTES);
    if (sk == NULL || master == NULL) {
        dauys_error_set(err, DAUYS_E_NOMEM, "out of secure memory for the keys");
        goto done;
    }
    snprintf(pub, sizeof pub, "%s/central.pub", outdir);
    snprintf(sec, sizeof sec, "%s/central.key", outdir);
    /* Everything that can fail on the data (duplicate ids, bad names) fails
     * here, before OUTDIR is touched. */
    if (make_keys(&central, &cpk, master, sk, pk, n, err) != 0 ||
        manifest_text(&text, rows, n, pk, map, rep, err) != 0 ||
        manifest_check(&m, &text, map, err) != 0 || make_outdir(outdir, err) != 0 ||
        dauys_keys_keypair_save(pub, sec, &cpk, central, "central commission (replay)", NULL, NULL,
                                0, err) != 0 ||
        write_signed(outdir, "manifest.txt", text.buf, text.len, central, err) != 0 ||
        write_protocols(rows, n, master, sk, &m, map, csv_path, outdir, rep, on_flag, ctx, err) !=
            0 ||
        dauys_file_sync_fs(outdir, err) != 0) {
        goto done;
    }
    rc = 0;
done:
    dauys_keys_seckey_free(sk);
    dauys_keys_seckey_free(central);
    dauys_secure_free(master);
    dauys_manifest_free(&m);
    dauys_free(pk);
    dauys_free(text.buf);
    dauys_free(rows);
    dauys_free(csv);
    return rc;
}
