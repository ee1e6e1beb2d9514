/*
 * demo_files.c: writes the mock referendum's files (inputs/demo_files.h):
 * keys, signed manifest, signed protocols and the planted trouble, from the
 * plan of inputs/demo.c.
 */
#include "inputs/demo_files.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/file.h"
#include "core/pool.h"
#include "core/textbuf.h"
#include "keys/keys.h"

/* Where the files go, and what they hold. */
typedef struct demo_files {
    const dauys_demo *d;
    const char *out;
} demo_files;

/* out/REL as a path in BUF (PATH_MAX bytes). */
static const char *
at(const demo_files *r, char *buf, const char *rel)
{
    snprintf(buf, PATH_MAX, "%s/%s", r->out, rel);
    return buf;
}

/* The trouble whose genuine protocol is sent twice (dauys_demo_plant). */
#define COPIED 5

/* The precinct (plan index) that gets planted trouble K (0..6): spread over the plan. */
static uint32_t
trouble_precinct(const dauys_demo *d, int k)
{
    return (uint32_t) ((uint64_t) (k + 1) * d->count / 8);
}

int
dauys_demo_dirs(const char *out, dauys_error *err)
{
    static const char *const sub[] = {"keys",     "keys/precincts", "keys/commissions",
                                      "incoming", "later",          "summaries"};
    demo_files f = {.out = out};
    char path[PATH_MAX];

    if (mkdir(out, 0755) != 0) {
        int e = errno;
        /* an existing directory is fine if empty: rmdir succeeds only then */
        if (e != EEXIST || rmdir(out) != 0 || mkdir(out, 0755) != 0) {
            return dauys_error_set(err, e == EEXIST ? DAUYS_E_EXISTS : DAUYS_E_IO, "%s: %s", out,
                                   e == EEXIST   ? "must be a new or empty directory"
                                   : e == ENOENT ? "its parent directory does not exist"
                                                 : strerror(e));
        }
    }
    for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
        if (mkdir(at(&f, path, sub[i]), 0755) != 0) {
            return dauys_error_set(err, DAUYS_E_IO, "%s: %s", path, strerror(errno));
        }
    }
    return 0;
}

/* Signs TEXT (LEN bytes) with SK into the signature file text SIG. */
static int
sign_text(char sig[DAUYS_KEYS_SIGNATURE_TEXT_MAX], const char *text, size_t len,
          const dauys_seckey *sk, const char *comment, dauys_error *err)
{
    uint8_t h[DAUYS_KEYS_PREHASH_BYTES];
    dauys_signature s;

    dauys_keys_prehash(h, text, len);
    return dauys_keys_sign_prehashed(&s, h, comment, sk, err) != 0 ||
                   dauys_keys_signature_encode(sig, DAUYS_KEYS_SIGNATURE_TEXT_MAX, &s, NULL, err) !=
                       0
               ? -1
               : 0;
}

/* Writes out/REL and out/REL.minisig: TEXT signed by SK (or the signature
 * SIG_TEXT as given, for a file altered after signing). */
static int
write_signed(const demo_files *r, const char *rel, const char *text, size_t len,
             const dauys_seckey *sk, const char *sig_text, dauys_error *err)
{
    char path[PATH_MAX], sig[DAUYS_KEYS_SIGNATURE_TEXT_MAX], comment[128];

    snprintf(comment, sizeof comment, "dauys demo: %.80s", strrchr(rel, '/') + 1);
    if (sig_text == NULL && sign_text(sig, text, len, sk, comment, err) != 0) {
        return -1;
    }
    if (dauys_file_write_new(at(r, path, rel), text, len, 0644, 0, err) != 0) {
        return -1;
    }
    strncat(path, ".minisig", sizeof path - strlen(path) - 1);
    sig_text = sig_text ? sig_text : sig;
    return dauys_file_write_new(path, sig_text, strlen(sig_text), 0644, 0, err);
}

/* Precinct I's key files (small demos only) and genuine protocol. */
static int
make_precinct(const demo_files *r, uint32_t i, dauys_pubkey *pk, dauys_seckey *sk, dauys_error *err)
{
    const dauys_demo_precinct *p = &r->d->precinct[i];
    char text[1024], rel[64], pub[PATH_MAX], sec[PATH_MAX];
    size_t len;

    if (dauys_demo_key(pk, sk, r->d, i, err) != 0) {
        return -1;
    }
    if (r->d->count <= DAUYS_DEMO_KEY_FILES_MAX) {
        snprintf(rel, sizeof rel, "keys/precincts/%s.pub", p->id);
        at(r, pub, rel);
        snprintf(rel, sizeof rel, "keys/precincts/%s.key", p->id);
        if (dauys_keys_keypair_save(pub, at(r, sec, rel), pk, sk, p->id, NULL, NULL, 0, err) != 0) {
            return -1;
        }
    }
    snprintf(rel, sizeof rel, "incoming/%s.txt", p->id);
    return dauys_demo_protocol(text, sizeof text, &len, r->d, i, 1, DAUYS_DEMO_GENUINE, err) != 0
               ? -1
               : write_signed(r, rel, text, len, sk, NULL, err);
}

/* The precincts, shared out among threads. */
typedef struct signing {
    const demo_files *r;
    dauys_pubkey *pks;
} signing;

/* A thread's secret key, made once (pool hook). */
static int
sign_thread_start(void *ctx, void **local, dauys_error *err)
{
    (void) ctx;
    if ((*local = dauys_keys_seckey_new()) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of secure memory");
    }
    return 0;
}

static void
sign_thread_end(void *ctx, void *local)
{
    (void) ctx;
    dauys_keys_seckey_free(local);
}

/* Precinct I's key and genuine signed protocol (pool hook). */
static int
sign_precinct(void *ctx, void *local, size_t i, dauys_error *err)
{
    signing *s = ctx;

    return make_precinct(s->r, (uint32_t) i, &s->pks[i], local, err);
}

/* Every precinct's key and genuine signed protocol, on every core. */
static int
sign_all(const demo_files *r, dauys_pubkey *pks, dauys_error *err)
{
    signing s = {.r = r, .pks = pks};
    dauys_pool_task task = {.ctx = &s,
                            .count = r->d->count,
                            .run = sign_precinct,
                            .thread_start = sign_thread_start,
                            .thread_end = sign_thread_end};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    /* the calling thread works too */
    return dauys_pool_run(&task, cpus > 1 ? (unsigned) cpus - 1 : 0, err);
}

/* Writes precinct I's protocol of VERSION and VARIANT as out/REL, signed by
 * its key, or carrying ITS GENUINE signature when STOLEN_SIG (altered). */
static int
plant(const demo_files *r, uint32_t i, const char *rel, uint32_t version,
      dauys_demo_variant variant, int stolen_sig, dauys_seckey *sk, dauys_error *err)
{
    char text[1024], genuine[1024], sig[DAUYS_KEYS_SIGNATURE_TEXT_MAX], comment[128];
    size_t len, glen;
    dauys_pubkey pk;

    if (dauys_demo_key(&pk, sk, r->d, i, err) != 0 ||
        dauys_demo_protocol(text, sizeof text, &len, r->d, i, version, variant, err) != 0) {
        return -1;
    }
    if (stolen_sig) { /* the signature made for the genuine bytes */
        snprintf(comment, sizeof comment, "dauys demo: %s.txt", r->d->precinct[i].id);
        if (dauys_demo_protocol(genuine, sizeof genuine, &glen, r->d, i, 1, DAUYS_DEMO_GENUINE,
                                err) != 0 ||
            sign_text(sig, genuine, glen, sk, comment, err) != 0) {
            return -1;
        }
    }
    return write_signed(r, rel, text, len, sk, stolen_sig ? sig : NULL, err);
}

/* One planted trouble: precinct trouble_precinct(WHICH), named ID + SUFFIX in DIR. */
typedef struct demo_trouble {
    int which;
    const char *dir, *suffix;
    uint32_t version;
    dauys_demo_variant variant;
    int stolen_sig;
    const char *what;
} demo_trouble;

/*
 * The troubles, and the outcome each must get (FORMATS.md 11): incoming/
 * is ingested first, later/ after it, each in path order ("-" sorts before
 * ".", so ID-second.txt comes before ID.txt; ID-v2 before ID-x-stale-v1).
 */
static const demo_trouble troubles[] = {
    {0, "incoming", "-altered.txt", 1, DAUYS_DEMO_RECOUNT, 1,
     "a count altered after signing: rejected (signature)"},
    {1, "incoming", "-kz2022.txt", 1, DAUYS_DEMO_OTHER, 0, "signed for another referendum: replay"},
    {2, "incoming", "-second.txt", 1, DAUYS_DEMO_SECOND, 0,
     "two different protocols as version 1: conflict, nothing counts"},
    {2, "later", "-v2.txt", 2, DAUYS_DEMO_RECOUNT, 0,
     "version 2 resolves the conflict: correction"},
    {3, "later", "-v2.txt", 2, DAUYS_DEMO_RECOUNT, 0, "a recount: correction"},
    {3, "later", "-x-stale-v1.txt", 1, DAUYS_DEMO_SECOND, 0,
     "an older version arriving late: stale"},
    {4, "later", "-v2-broken.txt", 2, DAUYS_DEMO_BROKEN_R4, 0,
     "one yes too many: rejected (R4), version 1 still counts"},
};

/* Copies out/FROM and its .minisig to out/TO and its .minisig. */
static int
copy_pair(const demo_files *r, const char *from, const char *to, dauys_error *err)
{
    char src[PATH_MAX], dst[PATH_MAX], *data = NULL;
    size_t len;
    int rc = 0;

    for (int sig = 0; rc == 0 && sig < 2; sig++) {
        snprintf(src, sizeof src, "%s/%s%s", r->out, from, sig ? ".minisig" : "");
        snprintf(dst, sizeof dst, "%s/%s%s", r->out, to, sig ? ".minisig" : "");
        rc = dauys_file_read(&data, &len, src, DAUYS_KEYS_FILE_MAX, err) != 0 ||
                     dauys_file_write_new(dst, data, len, 0644, 0, err) != 0
                 ? -1
                 : 0;
        dauys_free(data);
        data = NULL;
    }
    return rc;
}

int
dauys_demo_plant(dauys_demo_planted planted[DAUYS_DEMO_PLANTED], const dauys_demo *d,
                 const char *out, dauys_error *err)
{
    const demo_files f = {.d = d, .out = out}, *r = &f;
    dauys_seckey *sk = dauys_keys_seckey_new();
    const char *id = d->precinct[trouble_precinct(d, COPIED)].id;
    char from[96];
    size_t k;
    int rc = sk == NULL ? dauys_error_set(err, DAUYS_E_NOMEM, "out of secure memory") : 0;

    static_assert(sizeof troubles / sizeof troubles[0] + 1 == DAUYS_DEMO_PLANTED,
                  "the troubles and the copy");
    for (k = 0; rc == 0 && k < sizeof troubles / sizeof troubles[0]; k++) {
        const demo_trouble *t = &troubles[k];
        uint32_t i = trouble_precinct(d, t->which);
        snprintf(planted[k].path, sizeof planted[k].path, "%s/%s%s", t->dir, d->precinct[i].id,
                 t->suffix);
        planted[k].what = t->what;
        rc = plant(r, i, planted[k].path, t->version, t->variant, t->stolen_sig, sk, err);
    }
    if (rc == 0) { /* the duplicate: a byte-for-byte copy of one genuine protocol */
        snprintf(from, sizeof from, "incoming/%s.txt", id);
        snprintf(planted[k].path, sizeof planted[k].path, "incoming/%s-copy.txt", id);
        planted[k].what = "the same file sent twice: duplicate";
        rc = copy_pair(r, from, planted[k].path, err);
    }
    dauys_keys_seckey_free(sk);
    return rc;
}

/* Commission N's key pair: the districts', then the regions'. */
static int
commission_key(dauys_pubkey *pk, dauys_seckey *sk, const dauys_demo *d, uint32_t n,
               dauys_error *err)
{
    return n < d->district_count
               ? dauys_demo_commission_key(pk, sk, d, DAUYS_LEVEL_DISTRICT, n, err)
               : dauys_demo_commission_key(pk, sk, d, DAUYS_LEVEL_REGION, n - d->district_count,
                                           err);
}

/* Commission N's file name without extension ("district-AST-D001") into OUT. */
static void
commission_name(char out[64], const dauys_demo *d, uint32_t n)
{
    char id[32];

    if (n < d->district_count) {
        dauys_demo_district_id(id, sizeof id, d, n);
        snprintf(out, 64, "district-%s", id);
    } else {
        snprintf(out, 64, "region-%s", dauys_demo_region_code(n - d->district_count));
    }
}

/* Whether region commission N (counted after the districts') has a district. */
static int
commission_exists(const dauys_demo *d, uint32_t n)
{
    uint32_t r = n - d->district_count;

    return n < d->district_count || d->region_district[r] < d->region_district[r + 1];
}

/* Every commission's public key into KEYS (district_count + DAUYS_DEMO_REGIONS),
 * and its key files in keys/commissions/ for demos of up to
 * DAUYS_DEMO_KEY_FILES_MAX precincts, as the precincts'. */
static int
make_commissions(const demo_files *r, dauys_pubkey *keys, dauys_error *err)
{
    char name[64], rel[96], pub[PATH_MAX], sec[PATH_MAX];
    dauys_seckey *sk = dauys_keys_seckey_new();
    int rc = sk == NULL ? dauys_error_set(err, DAUYS_E_NOMEM, "out of secure memory") : 0;

    for (uint32_t n = 0; rc == 0 && n < r->d->district_count + DAUYS_DEMO_REGIONS; n++) {
        memset(&keys[n], 0, sizeof keys[n]);
        if (!commission_exists(r->d, n)) {
            continue;
        }
        commission_name(name, r->d, n);
        rc = commission_key(&keys[n], sk, r->d, n, err);
        if (rc == 0 && r->d->count <= DAUYS_DEMO_KEY_FILES_MAX) {
            snprintf(rel, sizeof rel, "keys/commissions/%s.pub", name);
            at(r, pub, rel);
            snprintf(rel, sizeof rel, "keys/commissions/%s.key", name);
            rc = dauys_keys_keypair_save(pub, at(r, sec, rel), &keys[n], sk, name, NULL, NULL, 0,
                                         err);
        }
    }
    dauys_keys_seckey_free(sk);
    return rc;
}

/* The central key (derived from the seed: the demo is reproducible), the
 * manifest with the commissions' keys COMMISSIONS, and its signature. */
static int
make_manifest(const demo_files *r, const dauys_pubkey *pks, const dauys_pubkey *commissions,
              dauys_error *err)
{
    char path[PATH_MAX], sec[PATH_MAX], sig[DAUYS_KEYS_SIGNATURE_TEXT_MAX], *text = NULL;
    dauys_seckey *central = dauys_keys_seckey_new();
    dauys_pubkey central_pk;
    size_t len;
    int rc;

    if (central == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of secure memory");
    }
    rc = dauys_demo_central_key(&central_pk, central, r->d, err) != 0 ||
                 dauys_keys_keypair_save(at(r, path, "keys/central.pub"),
                                         at(r, sec, "keys/central.key"), &central_pk, central,
                                         "central commission", NULL, NULL, 1, err) != 0 ||
                 dauys_demo_manifest_with_commissions(&text, &len, r->d, pks, commissions, err) !=
                     0 ||
                 sign_text(sig, text, len, central, "dauys demo manifest version 1", err) != 0 ||
                 dauys_file_write_new(at(r, path, "manifest.txt"), text, len, 0644, 1, err) != 0 ||
                 dauys_file_write_new(at(r, path, "manifest.txt.minisig"), sig, strlen(sig), 0644,
                                      1, err) != 0
             ? -1
             : 0;
    dauys_free(text);
    dauys_keys_seckey_free(central);
    return rc;
}

int
dauys_demo_write(const dauys_demo *d, const char *out, dauys_error *err)
{
    const demo_files f = {.d = d, .out = out};
    dauys_pubkey *pks = dauys_malloc_array(d->count, sizeof *pks);
    dauys_pubkey *commissions =
        dauys_malloc_array((size_t) d->district_count + DAUYS_DEMO_REGIONS, sizeof *commissions);
    int rc;

    if (pks == NULL || commissions == NULL) {
        dauys_free(pks);
        dauys_free(commissions);
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for %u keys", d->count);
    }
    rc = sign_all(&f, pks, err) == 0 && make_commissions(&f, commissions, err) == 0 &&
                 make_manifest(&f, pks, commissions, err) == 0 && dauys_file_sync_fs(out, err) == 0
             ? 0
             : -1;
    dauys_free(pks);
    dauys_free(commissions);
    return rc;
}

void
dauys_demo_final(uint32_t *version, dauys_demo_variant *variant, const dauys_demo *d, uint32_t i)
{
    *version = 1;
    *variant = DAUYS_DEMO_GENUINE;
    /* a recount signed by the precinct's own key, of a higher version, is a
     * correction; the rest of the troubles leave what counted before */
    for (size_t k = 0; k < sizeof troubles / sizeof troubles[0]; k++) {
        const demo_trouble *t = &troubles[k];
        if (trouble_precinct(d, t->which) == i && t->variant == DAUYS_DEMO_RECOUNT &&
            !t->stolen_sig && t->version > *version) {
            *version = t->version;
            *variant = DAUYS_DEMO_RECOUNT;
        }
    }
}

/* Adds B's numbers to A. */
static void
add_counts(dauys_demo_counts *a, const dauys_demo_counts *b)
{
    a->on_list += b->on_list, a->received += b->received, a->issued += b->issued;
    a->cancelled += b->cancelled, a->in_boxes += b->in_boxes, a->yes += b->yes, a->no += b->no;
    a->not_counted += b->not_counted, a->invalid += b->invalid;
}

/* A summary's lines down to the first `sums` line (FORMATS.md 9A). */
static void
summary_head(dauys_textbuf *t, dauys_level level, const char *area)
{
    dauys_textbuf_add(t,
                      "format: dauys-summary 1\nreferendum: %s\nlevel: %s\narea: %s\nversion: 1\n",
                      DAUYS_DEMO_REFERENDUM, dauys_summary_level_name(level), area);
}

/* A summary's lines from citizens_on_list: C's numbers. */
static void
summary_counts(dauys_textbuf *t, const dauys_demo_counts *c)
{
    dauys_textbuf_add(t,
                      "citizens_on_list: %llu\nballots_received: %llu\nballots_issued: %llu\n"
                      "ballots_cancelled: %llu\nballots_in_boxes: %llu\nq1_yes: %llu\n"
                      "q1_no: %llu\nq1_not_counted: %llu\nq1_invalid: %llu\n",
                      (unsigned long long) c->on_list, (unsigned long long) c->received,
                      (unsigned long long) c->issued, (unsigned long long) c->cancelled,
                      (unsigned long long) c->in_boxes, (unsigned long long) c->yes,
                      (unsigned long long) c->no, (unsigned long long) c->not_counted,
                      (unsigned long long) c->invalid);
}

/* 1 if district K holds a precinct with planted trouble (or the copy). */
static int
troubled(const dauys_demo *d, uint32_t k)
{
    for (size_t t = 0; t < sizeof troubles / sizeof troubles[0]; t++) {
        if (d->precinct[trouble_precinct(d, troubles[t].which)].district == k) {
            return 1;
        }
    }
    return d->precinct[trouble_precinct(d, COPIED)].district == k;
}

/* Chooses the district whose summary is planted into *P, from the sums
 * SUMS: the first from a place picked from the seed that holds no planted
 * trouble and a no vote. */
static void
choose_planted(dauys_demo_planted_summary *p, const dauys_demo *d, const dauys_demo_counts *sums)
{
    uint32_t start = dauys_demo_pick(d, d->district_count);

    memset(p, 0, sizeof *p);
    for (uint32_t n = 0; n < d->district_count; n++) {
        uint32_t k = (start + n) % d->district_count;
        if (!troubled(d, k) && sums[k].no > 0) {
            p->planted = 1;
            p->district = k;
            p->genuine = sums[k];
            p->moved = sums[k].no / 10 > 250 ? 250 : sums[k].no / 10 < 1 ? 1 : sums[k].no / 10;
            dauys_demo_district_id(p->area, sizeof p->area, d, k);
            snprintf(p->path, sizeof p->path, "summaries/district-%s.txt", p->area);
            return;
        }
    }
}

/* Writes TEXT as out/summaries/NAME.txt signed by commission N's key (SK). */
static int
write_summary(const demo_files *r, dauys_textbuf *t, uint32_t n, dauys_seckey *sk, dauys_error *err)
{
    char name[64], rel[96];
    dauys_pubkey pk;

    if (t->failed) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory writing a summary");
    }
    commission_name(name, r->d, n);
    snprintf(rel, sizeof rel, "summaries/%s.txt", name);
    return commission_key(&pk, sk, r->d, n, err) != 0 ||
                   write_signed(r, rel, t->buf, t->len, sk, NULL, err) != 0
               ? -1
               : 0;
}

/* District K's summary (sums[K] its numbers as signed), signed. */
static int
district_summary(const demo_files *r, uint32_t k, const dauys_demo_counts *sums, dauys_seckey *sk,
                 dauys_error *err)
{
    const dauys_demo *d = r->d;
    dauys_textbuf t = {0};
    dauys_demo_variant variant;
    uint32_t version;
    char id[32];
    int rc;

    dauys_demo_district_id(id, sizeof id, d, k);
    summary_head(&t, DAUYS_LEVEL_DISTRICT, id);
    for (uint32_t i = d->district_start[k]; i < d->district_start[k + 1]; i++) {
        dauys_demo_final(&version, &variant, d, i);
        dauys_textbuf_add(&t, "sums: %s %u\n", d->precinct[i].id, version);
    }
    summary_counts(&t, &sums[k]);
    rc = write_summary(r, &t, k, sk, err);
    dauys_free(t.buf);
    return rc;
}

/* Region R's summary over its districts' summaries SUMS as signed. */
static int
region_summary(const demo_files *r, uint32_t region, const dauys_demo_counts *sums,
               dauys_seckey *sk, dauys_error *err)
{
    const dauys_demo *d = r->d;
    dauys_demo_counts c = {0};
    dauys_textbuf t = {0};
    char id[32];
    int rc;

    summary_head(&t, DAUYS_LEVEL_REGION, dauys_demo_region_code(region));
    for (uint32_t k = d->region_district[region]; k < d->region_district[region + 1]; k++) {
        dauys_demo_district_id(id, sizeof id, d, k);
        dauys_textbuf_add(&t, "sums: %s 1\n", id);
        add_counts(&c, &sums[k]);
    }
    summary_counts(&t, &c);
    rc = write_summary(r, &t, d->district_count + region, sk, err);
    dauys_free(t.buf);
    return rc;
}

int
dauys_demo_summaries(dauys_demo_planted_summary *planted, const dauys_demo *d, const char *out,
                     dauys_error *err)
{
    const demo_files f = {.d = d, .out = out};
    dauys_demo_counts *sums = dauys_malloc_array(d->district_count, sizeof *sums), c;
    dauys_seckey *sk = dauys_keys_seckey_new();
    dauys_demo_variant variant;
    uint32_t version;
    int rc = 0;

    if (sums == NULL || sk == NULL) {
        rc = dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for %u district summaries",
                             d->district_count);
        goto done;
    }
    memset(sums, 0, d->district_count * sizeof *sums);
    for (uint32_t i = 0; i < d->count; i++) {
        dauys_demo_final(&version, &variant, d, i);
        dauys_demo_counts_of(&c, d, i, variant);
        add_counts(&sums[d->precinct[i].district], &c);
    }
    choose_planted(planted, d, sums);
    if (planted->planted) { /* the commission moves votes between the levels */
        sums[planted->district].no -= planted->moved;
        sums[planted->district].yes += planted->moved;
    }
    for (uint32_t k = 0; rc == 0 && k < d->district_count; k++) {
        rc = district_summary(&f, k, sums, sk, err);
    }
    for (uint32_t region = 0; rc == 0 && region < DAUYS_DEMO_REGIONS; region++) {
        if (d->region_district[region] < d->region_district[region + 1]) {
            rc = region_summary(&f, region, sums, sk, err);
        }
    }
    rc = rc == 0 ? dauys_file_sync_fs(out, err) : rc;
done:
    dauys_keys_seckey_free(sk);
    dauys_free(sums);
    return rc;
}
