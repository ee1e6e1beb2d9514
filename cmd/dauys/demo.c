/*
 * demo.c: dauys demo, the main job a new user runs first. It makes a
 * mock referendum shaped like Kazakhstan's (tally/demo.h), then runs the
 * pipeline as a user would, each step by the real command in its own
 * process (dauys init, ingest, tally, publish; dauys-audit verify), timed,
 * with its peak memory. Exit 0 only if the independent audit passed.
 */
#define _GNU_SOURCE /* wait4 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"
#include "core/decimal.h"
#include "inputs/demo.h"
#include "core/file.h"
#include "core/kvtext.h"
#include "core/pool.h"
#include "core/textout.h"

static const char demo_usage[] =
    "usage: dauys demo [--precincts N] [--seed S] [--profile P] [--out DIR] [--files-only]\n"
    "                  [--stuff REGION[:TURNOUT:YES[:SHARE]]]\n"
    "\n"
    "Runs a mock referendum shaped like Kazakhstan's of 15 March 2026 end to end:\n"
    "20 regions, 10,388 precincts and about 12.48 million citizens on the lists by\n"
    "default, with a handful of planted troubles (an altered count, a replay, a\n"
    "duplicate, a conflict, a correction, a broken relation, a stale version). It\n"
    "makes the keys, the signed manifest and the signed protocols, then runs\n"
    "dauys init, ingest, tally and publish, and dauys-audit verify on the bundle,\n"
    "and prints the decision and the time and memory of each step.\n"
    "  --precincts N  20 to 1,000,000 (default 10,388)\n"
    "  --seed S       the same seed gives the same files, byte for byte (default 2026)\n"
    "  --profile P    the question's rules profile (default kz-constitutional)\n"
    "  --out DIR      keep everything in DIR (new or empty): keys/, workspace/ (use\n"
    "                 with -w), bundle/, incoming/, later/; default: a temporary\n"
    "                 directory, removed at the end\n"
    "  --timings FILE also write each step's time and peak memory to FILE, tab-separated:\n"
    "                 step, seconds, peak RSS in KiB (0: not measured), protocols\n"
    "  --files-only   make the keys, the signed manifest and the signed protocols\n"
    "                 (incoming/, later/) and stop: inputs for runs of your own\n"
    "  --stuff REGION[:TURNOUT:YES[:SHARE]]\n"
    "                 ballot stuffing for dauys-audit forensics to find: SHARE% of\n"
    "                 REGION's precincts (a region code such as TUR; chosen from the\n"
    "                 seed) report TURNOUT% turnout and YES% yes, each rounded to the\n"
    "                 nearest ballot, as targets written by hand would be (whole\n"
    "                 percents; default 85:90:30). Their protocols are lawful, so they\n"
    "                 are accepted and the audit passes: only the statistics show them\n"
    "exit status: 0 the audit passed, 1 it found a discrepancy, 2 any other failure\n";

/* Precinct key files are written up to this size (two files per precinct). */
#define KEY_FILES_MAX 20000

typedef struct stage {
    const char *name;
    double seconds;
    long max_rss_kib; /* 0: measured in this process (not shown) */
    uint64_t items;   /* protocols handled, for a per-protocol time */
} stage;

typedef struct demo_run {
    const char *out, *timings;
    char dauys[PATH_MAX], audit[PATH_MAX];
    dauys_demo *d;
    dauys_seckey *central;
    dauys_pubkey central_pk;
    stage stage[16];
    size_t stages;
    uint32_t trouble[7]; /* the precincts that get planted trouble */
    int files_only;      /* --files-only: stop once the inputs are made */
    const char *stuff;   /* --stuff SPEC, or NULL */
} demo_run;

/* out/REL as a path in BUF. */
static const char *
at(const demo_run *r, char *buf, const char *rel)
{
    snprintf(buf, PATH_MAX, "%s/%s", r->out, rel);
    return buf;
}

static void
record(demo_run *r, const char *name, double t0, long rss, uint64_t items)
{
    if (r->stages < sizeof r->stage / sizeof r->stage[0]) {
        r->stage[r->stages++] = (stage){name, cli_now() - t0, rss, items};
    }
}

/* Runs ARGV as a child process and waits; *RC its exit status. Records the
 * step's time and the child's peak memory. -1 if it could not be run. */
static int
run_child(demo_run *r, const char *name, uint64_t items, int *rc, char *const argv[])
{
    double t0 = cli_now();
    struct rusage ru;
    int status;
    pid_t pid;

    fflush(stdout);
    if ((pid = fork()) < 0) {
        cli_message("cannot start %s: %s", argv[0], strerror(errno));
        return -1;
    }
    if (pid == 0) {
        execv(argv[0], argv);
        fprintf(stderr, "dauys demo: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            cli_message("waiting for %s: %s", argv[0], strerror(errno));
            return -1;
        }
    }
    *rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    record(r, name, t0, ru.ru_maxrss, items);
    return *rc == 127 ? -1 : 0;
}

/* Where the programs are: dauys is this process; dauys-audit beside it, or in
 * the build tree's audit/ beside tally/. */
static int
find_programs(demo_run *r)
{
    ssize_t n = readlink("/proc/self/exe", r->dauys, sizeof r->dauys - 1);
    char dir[PATH_MAX - 32];

    if (n <= 0 || (size_t) n >= sizeof dir) {
        cli_message("cannot find this program's own path: %s", strerror(errno));
        return -1;
    }
    r->dauys[n] = '\0';
    snprintf(dir, sizeof dir, "%.*s", (int) (strrchr(r->dauys, '/') - r->dauys), r->dauys);
    snprintf(r->audit, sizeof r->audit, "%s/dauys-audit", dir);
    if (access(r->audit, X_OK) != 0) {
        cli_message("dauys-audit is not beside %s (the build puts both in bin/, an install in one "
                    "directory)",
                    r->dauys);
        return -1;
    }
    return 0;
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st, (void) flag, (void) ftw;
    return remove(path);
}

/* Makes OUT (new, or an existing empty directory) and its subdirectories. */
static int
make_dirs(const demo_run *r)
{
    static const char *const sub[] = {"keys", "keys/precincts", "incoming", "later"};
    char path[PATH_MAX];

    if (mkdir(r->out, 0755) != 0) {
        int e = errno;
        /* an existing directory is fine if empty: rmdir succeeds only then */
        if (e != EEXIST || rmdir(r->out) != 0 || mkdir(r->out, 0755) != 0) {
            cli_message("%s: %s", r->out,
                        e == EEXIST   ? "must be a new or empty directory"
                        : e == ENOENT ? "its parent directory does not exist"
                                      : strerror(e));
            return -1;
        }
    }
    for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
        if (mkdir(at(r, path, sub[i]), 0755) != 0) {
            cli_message("%s: %s", path, strerror(errno));
            return -1;
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
write_signed(const demo_run *r, const char *rel, const char *text, size_t len,
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
make_precinct(const demo_run *r, uint32_t i, dauys_pubkey *pk, dauys_seckey *sk, dauys_error *err)
{
    const dauys_demo_precinct *p = &r->d->precinct[i];
    char text[1024], rel[64], pub[PATH_MAX], sec[PATH_MAX];
    size_t len;

    if (dauys_demo_key(pk, sk, r->d, i, err) != 0) {
        return -1;
    }
    if (r->d->count <= KEY_FILES_MAX) {
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
    const demo_run *r;
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
sign_all(const demo_run *r, dauys_pubkey *pks, dauys_error *err)
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
plant(const demo_run *r, uint32_t i, const char *rel, uint32_t version, dauys_demo_variant variant,
      int stolen_sig, dauys_seckey *sk, dauys_error *err)
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

/* One planted file: precinct TROUBLE[WHICH], named ID + SUFFIX in DIR. */
typedef struct planted {
    int which;
    const char *dir, *suffix;
    uint32_t version;
    dauys_demo_variant variant;
    int stolen_sig;
    const char *what;
} planted;

/*
 * The troubles, and the outcome each must get (FORMATS.md 11): incoming/
 * is ingested first, later/ after it, each in path order ("-" sorts before
 * ".", so ID-second.txt comes before ID.txt; ID-v2 before ID-x-stale-v1).
 */
static const planted troubles[] = {
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
copy_pair(const demo_run *r, const char *from, const char *to, dauys_error *err)
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

/* The planted files, and a byte-for-byte copy of one protocol (duplicate). */
static int
plant_all(demo_run *r, dauys_error *err)
{
    dauys_seckey *sk = dauys_keys_seckey_new();
    char rel[96], from[96], to[96];
    int rc = sk == NULL ? dauys_error_set(err, DAUYS_E_NOMEM, "out of secure memory") : 0;

    for (size_t k = 0; rc == 0 && k < sizeof troubles / sizeof troubles[0]; k++) {
        const planted *t = &troubles[k];
        snprintf(rel, sizeof rel, "%s/%s%s", t->dir, r->d->precinct[r->trouble[t->which]].id,
                 t->suffix);
        rc = plant(r, r->trouble[t->which], rel, t->version, t->variant, t->stolen_sig, sk, err);
        if (rc == 0) {
            printf("  %-34s %s\n", rel, t->what);
        }
    }
    if (rc == 0) {
        const char *id = r->d->precinct[r->trouble[5]].id;
        snprintf(from, sizeof from, "incoming/%s.txt", id);
        snprintf(to, sizeof to, "incoming/%s-copy.txt", id);
        rc = copy_pair(r, from, to, err);
    }
    if (rc == 0) {
        snprintf(rel, sizeof rel, "incoming/%s-copy.txt", r->d->precinct[r->trouble[5]].id);
        printf("  %-34s %s\n", rel, "the same file sent twice: duplicate");
    }
    dauys_keys_seckey_free(sk);
    return rc;
}

/* The central key (derived from the seed: the demo is reproducible), the
 * manifest and its signature. */
static int
make_manifest(demo_run *r, const dauys_pubkey *pks, dauys_error *err)
{
    char path[PATH_MAX], sec[PATH_MAX], sig[DAUYS_KEYS_SIGNATURE_TEXT_MAX], *text = NULL;
    size_t len;
    int rc;

    if ((r->central = dauys_keys_seckey_new()) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of secure memory");
    }
    rc = dauys_demo_central_key(&r->central_pk, r->central, r->d, err) != 0 ||
                 dauys_keys_keypair_save(at(r, path, "keys/central.pub"),
                                         at(r, sec, "keys/central.key"), &r->central_pk, r->central,
                                         "central commission", NULL, NULL, 1, err) != 0 ||
                 dauys_demo_manifest(&text, &len, r->d, pks, err) != 0 ||
                 sign_text(sig, text, len, r->central, "dauys demo manifest version 1", err) != 0 ||
                 dauys_file_write_new(at(r, path, "manifest.txt"), text, len, 0644, 1, err) != 0 ||
                 dauys_file_write_new(at(r, path, "manifest.txt.minisig"), sig, strlen(sig), 0644,
                                      1, err) != 0
             ? -1
             : 0;
    dauys_free(text);
    return rc;
}

/* Plans the referendum, then writes keys, protocols, troubles and manifest. */
static int
prepare(demo_run *r)
{
    dauys_pubkey *pks = dauys_malloc_array(r->d->count, sizeof *pks);
    double t0 = cli_now();
    char files[PATH_MAX];
    dauys_error err;
    int rc = -1;

    for (int k = 0; k < 7; k++) {
        r->trouble[k] = (uint32_t) ((uint64_t) (k + 1) * r->d->count / 8);
    }
    if (pks == NULL) {
        dauys_error_set(&err, DAUYS_E_NOMEM, "out of memory for %u keys", r->d->count);
    } else if (sign_all(r, pks, &err) == 0 && make_manifest(r, pks, &err) == 0 &&
               dauys_file_sync_fs(r->out, &err) == 0) {
        record(r, "keys, manifest, signed protocols", t0, 0, r->d->count);
        printf("%u signed protocols in %s%s; planted trouble:\n", r->d->count,
               at(r, files, "incoming/"),
               r->d->count <= KEY_FILES_MAX ? "; precinct keys in keys/precincts/" : "");
        rc = plant_all(r, &err);
    }
    if (rc != 0) {
        cli_report(&err);
    }
    dauys_free(pks);
    return rc;
}

/* One step of the pipeline: the real command, with the exit status it must
 * give (ingest exits 1: the planted trouble is rejected). */
static int
step(demo_run *r, int n, const char *title, const char *name, uint64_t items, int want,
     char *const argv[])
{
    int rc;

    printf("\n== %d. %s\n", n, title);
    if (run_child(r, name, items, &rc, argv) != 0) {
        return -1;
    }
    if (rc != want) {
        cli_message("%s exited with %d, not %d", name, rc, want);
        return -1;
    }
    return 0;
}

/* init, ingest (twice), tally, publish: the organisers' side. */
static int
organise(demo_run *r)
{
    char ws[PATH_MAX], mf[PATH_MAX], pub[PATH_MAX], key[PATH_MAX], in[PATH_MAX], later[PATH_MAX],
        bundle[PATH_MAX], *d = r->dauys;

    at(r, ws, "workspace"), at(r, mf, "manifest.txt"), at(r, pub, "keys/central.pub");
    at(r, key, "keys/central.key"), at(r, in, "incoming"), at(r, later, "later");
    at(r, bundle, "bundle");
    return step(r, 1, "The central commission creates a workspace from the signed manifest",
                "dauys init", 0, 0,
                (char *const[]){d, "init", "-w", ws, "--manifest", mf, "--central-key", pub,
                                NULL}) ||
                   step(r, 2,
                        "Protocols arrive: every one verified, checked and logged (exit 1: some "
                        "are rejected, as planted)",
                        "dauys ingest incoming/", r->d->count + 4, 1,
                        (char *const[]){d, "ingest", "-w", ws, in, NULL}) ||
                   step(r, 3, "Later in the night: corrections, a stale version, a broken relation",
                        "dauys ingest later/", 4, 1,
                        (char *const[]){d, "ingest", "-w", ws, later, NULL}) ||
                   step(r, 4, "The tally under the constitution's rules", "dauys tally",
                        r->d->count, 0, (char *const[]){d, "tally", "-w", ws, NULL}) ||
                   step(r, 5, "The result is signed, logged and published with its evidence",
                        "dauys publish", r->d->count, 0,
                        (char *const[]){d, "publish", "-w", ws, "-k", key, bundle, NULL})
               ? -1
               : 0;
}

/* The independent audit of the bundle; its exit status in *RC. */
static int
audit(demo_run *r, int *rc)
{
    char pub[PATH_MAX], bundle[PATH_MAX];

    at(r, pub, "keys/central.pub");
    at(r, bundle, "bundle");
    printf("\n== 6. The independent audit re-derives everything from the bundle alone\n");
    return run_child(r, "dauys-audit verify", r->d->count, rc,
                     (char *const[]){r->audit, "verify", "-p", pub, bundle, NULL});
}

/* The value of KEY's first line in TEXT (up to the LF) into OUT; "" if none. */
static void
line_value(char *out, size_t size, const char *text, const char *key)
{
    size_t n = strlen(key);

    out[0] = '\0';
    for (const char *p = text; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, n) == 0 && p[n] == ':' && p[n + 1] == ' ') {
            snprintf(out, size, "%.*s", (int) strcspn(p + n + 2, "\n"), p + n + 2);
            return;
        }
    }
}

/* One rule line of the result, "NAME met|not-met needed N have N of N", for people. */
static void
print_rule(const char *line)
{
    char name[32], verdict[16], a[32], b[32], c[32];
    unsigned long long needed, have, of;

    if (sscanf(line, "%31s %15s needed %llu have %llu of %llu", name, verdict, &needed, &have,
               &of) != 5) {
        return;
    }
    dauys_out_group(a, sizeof a, have), dauys_out_group(b, sizeof b, of);
    dauys_out_group(c, sizeof c, needed);
    printf("  %-9s %s of %s; needed %s: %s\n", name, a, b, c,
           strcmp(verdict, "met") == 0 ? "met" : "NOT met");
}

/* The status and national line of the result, with separators and shares. */
static void
print_counts(const char *text)
{
    char v[256], a[32], b[32], c[32], share[16], yes_share[16];
    unsigned long long e, t, y, no, nc, inv, rep, exp;

    line_value(v, sizeof v, text, "national");
    if (sscanf(v,
               "eligible %llu took-part %llu yes %llu no %llu not-counted %llu invalid %llu "
               "precincts %llu/%llu",
               &e, &t, &y, &no, &nc, &inv, &rep, &exp) != 8) {
        return;
    }
    line_value(v, sizeof v, text, "status");
    dauys_out_group(a, sizeof a, rep), dauys_out_group(b, sizeof b, exp);
    printf("  %-9s %s of %s precincts reporting (%s)\n", "status", a, b, v);
    dauys_out_group(a, sizeof a, e), dauys_out_group(b, sizeof b, t);
    dauys_out_group(c, sizeof c, y);
    dauys_out_percent(share, sizeof share, t, e);
    dauys_out_percent(yes_share, sizeof yes_share, y, t);
    printf("  %-9s %s on the lists; %s took part (%s); %s yes (%s of those who took part)\n",
           "national", a, b, share, c, yes_share);
}

/* The decision, read back from the signed result statement. */
static int
print_decision(const demo_run *r)
{
    char path[PATH_MAX], v[256], *text = NULL;
    size_t len;
    dauys_error err;

    if (dauys_file_read(&text, &len, at(r, path, "bundle/result.txt"), 1 << 24, &err) != 0) {
        cli_report(&err);
        return -1;
    }
    printf("\n== The decision, from the signed result (%s)\n", path);
    print_counts(text);
    for (const char *p = strstr(text, "\nrule: "); p != NULL; p = strstr(p + 1, "\nrule: ")) {
        snprintf(v, sizeof v, "%.*s", (int) strcspn(p + 7, "\n"), p + 7);
        print_rule(v);
    }
    line_value(v, sizeof v, text, "valid");
    printf("  VALID: %s", v);
    line_value(v, sizeof v, text, "adopted");
    printf("   ADOPTED: %s\n", v);
    dauys_free(text);
    return 0;
}

/* Each step's time, peak memory and time per protocol. */
static void
print_timings(const demo_run *r)
{
    printf("\n== Time and memory on this machine (%ld CPUs)\n", sysconf(_SC_NPROCESSORS_ONLN));
    printf("  %-34s %9s %10s %13s\n", "step", "seconds", "peak RSS", "per protocol");
    for (size_t i = 0; i < r->stages; i++) {
        const stage *s = &r->stage[i];
        char rss[32] = "-", per[32] = "";
        if (s->max_rss_kib > 0) {
            snprintf(rss, sizeof rss, "%.1f MiB", s->max_rss_kib / 1024.0);
        }
        if (s->items > 100) {
            snprintf(per, sizeof per, "%.1f us", 1e6 * s->seconds / (double) s->items);
        }
        printf("  %-34s %9.2f %10s %13s\n", s->name, s->seconds, rss, per);
    }
}

/* The timings as a tab-separated file, for scripts/bench.sh. */
static int
write_timings(const demo_run *r)
{
    FILE *fp = fopen(r->timings, "w");

    if (fp == NULL) {
        cli_message("%s: %s", r->timings, strerror(errno));
        return -1;
    }
    fprintf(fp, "step\tseconds\trss_kib\tprotocols\n");
    for (size_t i = 0; i < r->stages; i++) {
        const stage *s = &r->stage[i];
        fprintf(fp, "%s\t%.6f\t%ld\t%llu\n", s->name, s->seconds, s->max_rss_kib,
                (unsigned long long) s->items);
    }
    if (fclose(fp) != 0) {
        cli_message("%s: %s", r->timings, strerror(errno));
        return -1;
    }
    return 0;
}

/* Parses a decimal option value into *OUT (at most MAX); -1 (printed) if not one. */
static int
number(uint64_t *out, const char *s, const char *what, uint64_t max)
{
    if (dauys_decimal_read(out, s, strlen(s), max, DAUYS_DECIMAL_LEADING_ZEROS) !=
        DAUYS_DECIMAL_OK) {
        cli_message("%s: expected a number up to %llu, not \"%s\"", what, (unsigned long long) max,
                    s);
        return -1;
    }
    return 0;
}

/* Options into R and the plan's parameters; 1 for --help, -1 on a usage error. */
static int
options(int argc, char **argv, demo_run *r, uint64_t *count, uint64_t *seed, const char **profile)
{
    static const struct option longopts[] = {{"precincts", required_argument, NULL, 'n'},
                                             {"seed", required_argument, NULL, 's'},
                                             {"profile", required_argument, NULL, 'p'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"timings", required_argument, NULL, 't'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"files-only", no_argument, NULL, 'f'},
                                             {"stuff", required_argument, NULL, 'S'},
                                             {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (number(count, optarg, "--precincts", UINT32_MAX) != 0)
                return -1;
            break;
        case 's':
            if (number(seed, optarg, "--seed", UINT64_MAX) != 0)
                return -1;
            break;
        case 'p': *profile = optarg; break;
        case 'o': r->out = optarg; break;
        case 't': r->timings = optarg; break;
        case 'f': r->files_only = 1; break;
        case 'S': r->stuff = optarg; break;
        case 'h': fputs(demo_usage, stdout); return 1;
        default: fputs(demo_usage, stderr); return -1;
        }
    }
    if (optind != argc) {
        fputs(demo_usage, stderr);
        return -1;
    }
    if (r->files_only && r->out == NULL) {
        cli_message("--files-only needs --out DIR: the files are all it makes");
        return -1;
    }
    return 0;
}

/* What --stuff did, if given: how many of the region's precincts. */
static void
print_stuffing(const dauys_demo *d)
{
    uint32_t stuffed = 0, of = 0;

    if (!d->stuffed) {
        return;
    }
    for (uint32_t i = 0; i < d->count; i++) {
        of += d->precinct[i].region == d->stuff_region;
        stuffed += (uint32_t) dauys_demo_stuffed(d, i);
    }
    printf("   stuffed: %u of %s's %u precincts report %u%% turnout and %u%% yes (--stuff; "
           "dauys-audit forensics should flag %s)\n",
           stuffed, dauys_demo_region_code(d->stuff_region), of, d->stuff_turnout, d->stuff_yes,
           dauys_demo_region_code(d->stuff_region));
}

/* Everything after the options; the exit status. */
static int
demo(demo_run *r, uint64_t count, uint64_t seed, const char *profile)
{
    double t0 = cli_now();
    dauys_error err;
    int audit_rc = CLI_EXIT_FAIL;

    if (dauys_demo_plan(&r->d, (uint32_t) count, seed, profile, &err) != 0 ||
        (r->stuff != NULL && dauys_demo_stuff(r->d, r->stuff, &err) != 0)) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    if (find_programs(r) != 0 || make_dirs(r) != 0) {
        return CLI_EXIT_FAIL;
    }
    printf("== 0. A mock referendum shaped like Kazakhstan's: %u precincts in %u districts of 20 "
           "regions, %llu citizens on the lists, rules %s, seed %llu\n",
           r->d->count, r->d->district_count, (unsigned long long) r->d->voters_total, profile,
           (unsigned long long) seed);
    record(r, "plan", t0, 0, 0);
    print_stuffing(r->d);
    if (prepare(r) != 0) {
        return CLI_EXIT_FAIL;
    }
    if (r->files_only) {
        return r->timings != NULL && write_timings(r) != 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
    }
    if (organise(r) != 0 || audit(r, &audit_rc) != 0 || print_decision(r) != 0) {
        return CLI_EXIT_FAIL;
    }
    print_timings(r);
    if (r->timings != NULL && write_timings(r) != 0) {
        return CLI_EXIT_FAIL;
    }
    printf("\n%s\n", audit_rc == 0 ? "The audit passed: every check holds."
                                   : "THE AUDIT FOUND DISCREPANCIES (see above).");
    return audit_rc == 0 ? CLI_EXIT_OK : audit_rc == 1 ? CLI_EXIT_BAD : CLI_EXIT_FAIL;
}

int
cmd_demo(int argc, char **argv)
{
    demo_run r = {0};
    uint64_t count = DAUYS_DEMO_PRECINCTS_DEFAULT, seed = 2026;
    const char *profile = "kz-constitutional";
    char tmp[] = "/tmp/dauys-demo-XXXXXX";
    int rc = options(argc, argv, &r, &count, &seed, &profile);

    if (rc != 0) {
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    cli_no_core_dumps(); /* it makes the central and every precinct's secret key */
    if (r.out == NULL && (r.out = mkdtemp(tmp)) == NULL) {
        cli_message("cannot make a temporary directory: %s", strerror(errno));
        return CLI_EXIT_FAIL;
    }
    rc = demo(&r, count, seed, profile);
    if (r.out == tmp) {
        nftw(tmp, remove_one, 64, FTW_DEPTH | FTW_PHYS);
        printf("(everything was in a temporary directory, now removed: --out DIR keeps it)\n");
    } else if (rc != CLI_EXIT_FAIL && r.files_only) {
        printf("The inputs are in %s: keys/, manifest.txt (signed), incoming/, later/\n", r.out);
    } else if (rc != CLI_EXIT_FAIL) {
        printf("Everything is in %s: keys/, workspace/ (dauys ... -w %s/workspace), bundle/ "
               "(its reports in bundle/reports/), incoming/, later/\n",
               r.out, r.out);
    }
    dauys_keys_seckey_free(r.central);
    dauys_demo_free(r.d);
    return rc;
}
