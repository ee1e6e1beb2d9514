#include "import.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "alloc.h"
#include "textbuf.h"
#include "csv.h"
#include "file.h"
#include "keys.h"
#include "kvtext.h"
#include "protocol.h"

/* Italy, Ministry of the Interior (Eligendo) results by municipality, as
 * collected by ondata/referendum-download: one row per comune, plus one
 * national row for the votes cast abroad (no region). Blank, void and
 * contested ballots are counted as invalid. */
static const dauys_import_map it_eligendo = {
    .name = "it-eligendo",
    .precinct = "cod", .precinct_name = "desc_com",
    .region = "cod_reg", .region_name = "desc_reg",
    .district = "cod_prov", .district_name = "desc_prov",
    .eligible = "elettori_t", .took_part = "votanti_t", .yes = "voti_si", .no = "voti_no",
    .invalid = {"sk_bianche", "sk_nulle", "sk_contestate", NULL},
    .abroad_id = "ESTERO", .abroad_name = "Estero (votes cast abroad)",
    .referendum = "it-2026-constitutional",
    .title = "Referendum costituzionale del 22-23 marzo 2026 (replay)",
    .date = "2026-03-22", .profile = "simple-majority",
    .question = "Approvate il testo della legge costituzionale concernente \"Norme in materia di "
                "ordinamento giurisdizionale e di istituzione della Corte disciplinare\"?",
};

const dauys_import_map *
dauys_import_preset(const char *name)
{
    return strcmp(name, it_eligendo.name) == 0 ? &it_eligendo : NULL;
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
dauys_import_map_load(dauys_import_map_file *out, const char *path, dauys_error *err)
{
    static const char *const keys[] = {
        "precinct", "precinct-name", "region", "region-name", "district", "district-name",
        "eligible", "took-part", "yes", "no", "invalid", "abroad-id", "abroad-name",
        "referendum", "title", "date", "profile", "question"};
    dauys_import_map *m = &out->map;
    const char **slots[] = {&m->precinct, &m->precinct_name, &m->region, &m->region_name,
                            &m->district, &m->district_name, &m->eligible, &m->took_part,
                            &m->yes, &m->no, NULL, &m->abroad_id, &m->abroad_name,
                            &m->referendum, &m->title, &m->date, &m->profile, &m->question};
    size_t len;
    dauys_kv kv;

    memset(out, 0, sizeof *out);
    if (dauys_file_read(&out->text, &len, path, 1u << 16, err) != 0) {
        return -1;
    }
    m->name = path;
    dauys_kv_init(&kv, out->text, len, path);
    if (dauys_kv_expect(&kv, "format", err) != 0 ||
        (strcmp(take_value(&kv), "dauys-csv-map 1") != 0 &&
         dauys_kv_fail(&kv, err, "expected \"dauys-csv-map 1\"") != 0)) {
        goto fail;
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (dauys_kv_expect(&kv, keys[i], err) != 0) {
            goto fail;
        }
        if (slots[i] != NULL) {
            *slots[i] = take_value(&kv);
            continue;
        }
        /* invalid: up to four column names, separated by single spaces, summed */
        char *v = (char *) take_value(&kv);
        for (int k = 0; k < 4 && v != NULL && *v != '\0'; k++) {
            m->invalid[k] = v;
            v = strchr(v, ' ');
            if (v != NULL) {
                *v++ = '\0';
            }
        }
        if (v != NULL && *v != '\0') {
            dauys_kv_fail(&kv, err, "at most four columns");
            goto fail;
        }
    }
    if (!dauys_kv_done(&kv)) {
        dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: unexpected line after \"question\"", path,
                        kv.line + 1);
        goto fail;
    }
    return 0;
fail:
    dauys_import_map_free(out);
    return -1;
}

void
dauys_import_map_free(dauys_import_map_file *m)
{
    dauys_free(m->text);
    memset(m, 0, sizeof *m);
}

/* One row, as the manifest and its protocol need it. */
typedef struct row {
    char id[DAUYS_ID_MAX + 1], region[DAUYS_ID_MAX + 1], district[DAUYS_ID_MAX + 1];
    char name[128], region_name[128], district_name[128];
    uint64_t eligible, took_part, yes, no, invalid;
    unsigned line;
} row;

typedef struct columns {
    int precinct, precinct_name, region, region_name, district, district_name;
    int eligible, took_part, yes, no, invalid[4];
} columns;

/* Finds the map's columns in the header; fails naming a missing one. */
static int
find_columns(columns *c, const dauys_csv *csv, const dauys_import_map *m, dauys_error *err)
{
    const char *names[] = {m->precinct, m->precinct_name, m->region, m->region_name, m->district,
                           m->district_name, m->eligible, m->took_part, m->yes, m->no};
    int *slots[] = {&c->precinct, &c->precinct_name, &c->region, &c->region_name, &c->district,
                    &c->district_name, &c->eligible, &c->took_part, &c->yes, &c->no};

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if ((*slots[i] = dauys_csv_column(csv, names[i])) < 0) {
            return dauys_error_set(err, DAUYS_E_FORMAT, "%s:1: no column \"%s\" (preset %s)",
                                   csv->name, names[i], m->name);
        }
    }
    for (int i = 0; i < 4; i++) {
        c->invalid[i] = m->invalid[i] == NULL ? -1 : dauys_csv_column(csv, m->invalid[i]);
        if (m->invalid[i] != NULL && c->invalid[i] < 0) {
            return dauys_error_set(err, DAUYS_E_FORMAT, "%s:1: no column \"%s\"", csv->name,
                                   m->invalid[i]);
        }
    }
    return 0;
}

/* Field COL of the current record as a count into *OUT. */
static int
count_field(const dauys_csv *csv, int col, const char *what, uint64_t *out, dauys_error *err)
{
    const char *s = (size_t) col < csv->count ? csv->field[col] : NULL;

    if (s == NULL || dauys_parse_count(out, s, strlen(s)) != 0) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: %s: \"%s\" is not a count", csv->name,
                               csv->line, what, s != NULL ? s : "(missing)");
    }
    return 0;
}

/* Copies field COL (an id) into OUT, or fails. */
static int
id_field(const dauys_csv *csv, int col, const char *what, char *out, dauys_error *err)
{
    const char *s = (size_t) col < csv->count ? csv->field[col] : "";
    const char *problem = dauys_id_problem(s, strlen(s));

    if (problem != NULL) {
        return dauys_error_set(err, DAUYS_E_FORMAT, "%s:%u: %s \"%s\": %s", csv->name, csv->line,
                               what, s, problem);
    }
    snprintf(out, DAUYS_ID_MAX + 1, "%s", s);
    return 0;
}

/* Copies the text field COL into OUT (SIZE bytes): control bytes become
 * spaces, and spaces at either end go (the manifest's names are trimmed). */
static void
name_field(const dauys_csv *csv, int col, char *out, size_t size)
{
    const char *s = (size_t) col < csv->count ? csv->field[col] : "";
    size_t n = 0;

    while (*s == ' ') {
        s++;
    }
    for (; *s != '\0' && n + 1 < size; s++) {
        out[n++] = (unsigned char) *s < 0x20 ? ' ' : *s;
    }
    while (n > 0 && (out[n - 1] == ' ' || ((unsigned char) out[n - 1] & 0xc0) == 0xc0)) {
        n--; /* trailing spaces, or a lead byte cut from its character */
    }
    out[n] = '\0';
    if (n == 0) {
        snprintf(out, size, "-");
    }
}

/* Reads the current record into R. A row with no region holds votes cast abroad. */
static int
read_row(row *r, const dauys_csv *csv, const columns *c, const dauys_import_map *m,
         dauys_error *err)
{
    const char *region = (size_t) c->region < csv->count ? csv->field[c->region] : "";
    char district[DAUYS_ID_MAX + 1];
    uint64_t part;

    memset(r, 0, sizeof *r);
    r->line = csv->line;
    if (region[0] == '\0') {
        snprintf(r->id, sizeof r->id, "%s", m->abroad_id);
        snprintf(r->region, sizeof r->region, "%s", m->abroad_id);
        snprintf(r->district, sizeof r->district, "%s", m->abroad_id);
        snprintf(r->name, sizeof r->name, "%s", m->abroad_name);
        snprintf(r->region_name, sizeof r->region_name, "%s", m->abroad_name);
        snprintf(r->district_name, sizeof r->district_name, "%s", m->abroad_name);
    } else if (id_field(csv, c->precinct, m->precinct, r->id, err) != 0 ||
               id_field(csv, c->region, m->region, r->region, err) != 0 ||
               id_field(csv, c->district, m->district, district, err) != 0) {
        return -1;
    } else {
        snprintf(r->district, sizeof r->district, "%.31s-%.31s", r->region, district);
        name_field(csv, c->precinct_name, r->name, sizeof r->name);
        name_field(csv, c->region_name, r->region_name, sizeof r->region_name);
        name_field(csv, c->district_name, r->district_name, sizeof r->district_name);
    }
    if (count_field(csv, c->eligible, m->eligible, &r->eligible, err) != 0 ||
        count_field(csv, c->took_part, m->took_part, &r->took_part, err) != 0 ||
        count_field(csv, c->yes, m->yes, &r->yes, err) != 0 ||
        count_field(csv, c->no, m->no, &r->no, err) != 0) {
        return -1;
    }
    for (int i = 0; i < 4 && c->invalid[i] >= 0; i++) {
        if (count_field(csv, c->invalid[i], m->invalid[i], &part, err) != 0) {
            return -1;
        }
        r->invalid += part;
    }
    return 0;
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

/* The manifest for ROWS, each precinct with its public key PK[i]. */
static int
manifest_text(dauys_textbuf *b, const row *rows, size_t n, const dauys_pubkey *pk,
              const dauys_import_map *m, dauys_import_report *rep, dauys_error *err)
{
    dauys_idmap seen;
    char b64[57];
    uint32_t dummy;

    dauys_textbuf_add(b, "format: dauys-manifest 1\nreferendum: %s\ntitle: %s\ndate: %s\nmode: test\n"
              "version: 1\nballot: single\nquestion: q1 %s %s\n",
           m->referendum, m->title, m->date, m->profile, m->question);
    dauys_idmap_init(&seen);
    for (size_t i = 0; i < n; i++) {
        int abroad = strcmp(rows[i].region, m->abroad_id) == 0;
        if (dauys_idmap_put(&seen, rows[i].region, strlen(rows[i].region), 0, &dummy) == 0) {
            dauys_textbuf_add(b, "region: %s %s %s\n", rows[i].region, abroad ? "abroad" : "region",
                   rows[i].region_name);
            rep->regions++;
        }
    }
    dauys_idmap_free(&seen);
    for (size_t i = 0; i < n; i++) {
        if (dauys_idmap_put(&seen, rows[i].district, strlen(rows[i].district), 0, &dummy) == 0) {
            dauys_textbuf_add(b, "district: %s %s %s\n", rows[i].district, rows[i].region,
                   rows[i].district_name);
            rep->districts++;
        }
    }
    dauys_idmap_free(&seen);
    for (size_t i = 0; i < n; i++) {
        dauys_keys_pubkey_to_base64(b64, &pk[i]);
        dauys_textbuf_add(b, "precinct: %s %s %llu %s %s\n", rows[i].id, rows[i].district,
               (unsigned long long) rows[i].eligible, b64, rows[i].name);
    }
    return b->failed ? dauys_error_set(err, DAUYS_E_NOMEM, "out of memory") : 0;
}

/* The protocol for row R: every ballot found in the boxes was issued. */
static int
protocol_text(char *out, size_t size, const row *r, const dauys_import_map *m)
{
    return snprintf(out, size,
                    "format: dauys-protocol 1\nreferendum: %s\nprecinct: %s\nversion: 1\n"
                    "citizens_on_list: %llu\nballots_received: %llu\nballots_issued: %llu\n"
                    "ballots_cancelled: 0\nballots_in_boxes: %llu\nq1_yes: %llu\nq1_no: %llu\n"
                    "q1_not_counted: 0\nq1_invalid: %llu\n",
                    m->referendum, r->id, (unsigned long long) r->eligible,
                    (unsigned long long) r->took_part, (unsigned long long) r->took_part,
                    (unsigned long long) r->took_part, (unsigned long long) r->yes,
                    (unsigned long long) r->no, (unsigned long long) r->invalid);
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
precinct_key(dauys_pubkey *pk, dauys_seckey *sk, const uint8_t *master, size_t i,
             dauys_error *err)
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
        if (len < 0 || (size_t) len >= sizeof text ||
            precinct_key(&pk, sk, master, i, err) != 0 ||
            write_signed(outdir, rel, text, (size_t) len, sk, err) != 0) {
            return len < 0 ? dauys_error_set(err, DAUYS_E_USAGE, "protocol too long") : -1;
        }
        flag_row(&rows[i], text, (size_t) len, m, csv_path, rep, on_flag, ctx);
        rep->eligible += rows[i].eligible;
        rep->took_part += rows[i].took_part;
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
        read_rows(&rows, &n, csv, csv_len, csv_path, map, err) != 0) {
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
        dauys_manifest_parse(&m, text.buf, text.len, "manifest.txt", err) != 0 ||
        make_outdir(outdir, err) != 0 ||
        dauys_keys_keypair_save(pub, sec, &cpk, central, "central commission (replay)", NULL, NULL,
                                0, err) != 0 ||
        write_signed(outdir, "manifest.txt", text.buf, text.len, central, err) != 0 ||
        write_protocols(rows, n, master, sk, &m, map, csv_path, outdir, rep, on_flag, ctx,
                        err) != 0 ||
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
