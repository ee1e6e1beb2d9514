/*
 * test_audit.c: the independent audit (audit/) inside the library. A small
 * referendum (3 regions, 4 districts, 10 precincts, one kz-constitutional
 * question) is built with real keys and ingested by the tally library in two
 * rounds, each published as a bundle: bundle0 (provisional: 6 counted, one
 * unsigned protocol rejected) and bundle (final: all 10 counted, with a
 * correction and a protocol signed by the wrong key). The tests then prove:
 * the clean bundles pass every check and the audit rewrites result.txt byte
 * for byte; tampered copies fail exactly the checks they break, reported
 * through the callback with their place; a wrong central key is caught; out
 * of memory is a clean DAUYS_E_NOMEM with nothing leaked, never a finding;
 * receipts and consistency proofs hold, and their corruptions do not.
 */
#include "tests/support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/alloc.h"
#include "publish/archive.h"
#include "ingest/ingest.h"
#include "keys/keys.h"
#include "keys/note.h"
#include "core/proof.h"
#include "audit/proofs.h"
#include "audit/source.h"
#include "publish/publish.h"
#include "audit/verify.h"
#include "keys/cosig.h"
#include "store/workspace.h"

#define PRECINCTS 10
#define REFERENDUM "kz-audit-unit"
#define OOM_CAP 20000L

/* The checks in the summary's order (audit/internal.h). */
enum {
    CK_A1,
    CK_A2,
    CK_A3,
    CK_A4,
    CK_A5,
    CK_I1,
    CK_I2,
    CK_I3,
    CK_I4,
    CK_C1,
    CK_C2,
    CK_C3,
    CK_P1,
    CK_T1,
    CK_T2,
    CK_T3,
    CK_W1,
    CK_X1
};
static const char *const check_ids[DAUYS_AUDIT_CHECKS] = {
    "A1", "A2", "A3", "A4", "A5", "I1", "I2", "I3", "I4",
    "C1", "C2", "C3", "P1", "T1", "T2", "T3", "W1", "X1",
};
#define BIT(ck) (1u << (ck))
#define UNKNOWN_ID_BIT (1u << 31)

/* Precinct i: its id, district, and the district's region. */
static const char *const district_of[PRECINCTS] = {
    "AST-D1", "AST-D1", "AST-D1", "ALA-D1", "ALA-D1",
    "ALA-D1", "KAR-D1", "KAR-D1", "KAR-D2", "KAR-D2",
};

static struct {
    const char *dir; /* the temporary root of everything below */
    dauys_pubkey central_pk, attacker_pk, pk[PRECINCTS];
    dauys_seckey *central_sk, *attacker_sk, *sk[PRECINCTS];
    char *bundle0, *bundle; /* first (provisional) and second (final) publication */
    char *archive;          /* the final bundle as one archive (FORMATS.md 17.4) */
    dauys_publication pub0, pub;
    char proto[PRECINCTS][512]; /* each precinct's version 1 */
    char p00_v2[512];           /* P00's correction */
    uint64_t entries0, entries; /* log sizes of the two bundles */
} fx;

/* --- files ------------------------------------------------------------------------------ */

/* The whole of PATH (malloc'ed, NUL-terminated; plain libc so the counting
 * allocator never sees it); its length in *LEN. */
static char *
slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    assert_true(n >= 0);
    assert_int_equal(fseek(fp, 0, SEEK_SET), 0);
    buf = malloc((size_t) n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t) n, fp), (size_t) n);
    buf[n] = '\0';
    fclose(fp);
    *len = (size_t) n;
    return buf;
}

/* DIR/REL, read whole (see slurp). */
static char *
slurp_in(const char *dir, const char *rel, size_t *len)
{
    char *path = support_path(dir, rel), *text = slurp(path, len);

    free(path);
    return text;
}

/* Copies the directory tree FROM to TO (which must not exist). */
static void
copy_tree(const char *from, const char *to)
{
    DIR *dp = opendir(from);
    struct dirent *d;
    struct stat st;

    assert_non_null(dp);
    assert_int_equal(mkdir(to, 0755), 0);
    while ((d = readdir(dp)) != NULL) {
        if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0) {
            continue;
        }
        char *src = support_path(from, d->d_name), *dst = support_path(to, d->d_name);
        assert_int_equal(lstat(src, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            copy_tree(src, dst);
        } else {
            size_t len;
            char *data = slurp(src, &len);
            free(support_write(to, d->d_name, data, len, 0644));
            free(data);
        }
        free(src);
        free(dst);
    }
    closedir(dp);
}

/* A fresh copy of the clean final bundle, named NAME under the temp root. */
static char *
copy_bundle(const char *name)
{
    char *to = support_path(fx.dir, name);

    copy_tree(fx.bundle, to);
    return to;
}

/* --- building the referendum ---------------------------------------------------------- */

/* Precinct I's protocol, version VERSION (2: with a reason), YES of 690 valid
 * on q1; q2 the other way round. */
static void
protocol_text(char *out, size_t size, int i, unsigned version, unsigned yes)
{
    snprintf(out, size,
             "format: dauys-protocol 1\nreferendum: " REFERENDUM "\nprecinct: P%02d\n"
             "version: %u\n%scitizens_on_list: 1000\nballots_received: 800\n"
             "ballots_issued: 700\nballots_cancelled: 100\nballots_in_boxes: 700\n"
             "q1_yes: %u\nq1_no: %u\nq1_not_counted: 5\nq1_invalid: 5\n"
             "q2_yes: %u\nq2_no: %u\nq2_not_counted: 5\nq2_invalid: 5\n",
             i, version, version > 1 ? "reason: recount ordered by the district commission\n" : "",
             yes, 690 - yes, 690 - yes, yes);
}

/* The signed manifest and central.pub under the temp root; the workspace WS made from them. */
static void
make_workspace(const char *ws)
{
    char text[8192], *p = text, b64[57], pub[200];
    dauys_error err;

    p += sprintf(p, "format: dauys-manifest 1\nreferendum: " REFERENDUM "\n"
                    "title: Audit unit test\ndate: 2026-03-15\nmode: test\nversion: 1\n"
                    "ballot: single\nquestion: q1 kz-constitutional Do you approve?\n"
                    "question: q2 simple-majority Do you approve of the other?\n"
                    "region: AST capital Astana\nregion: ALA city Almaty\n"
                    "region: KAR oblast Karaganda region\n"
                    "district: AST-D1 AST Esil\ndistrict: ALA-D1 ALA Almaly\n"
                    "district: KAR-D1 KAR Karaganda\ndistrict: KAR-D2 KAR Temirtau\n");
    for (int i = 0; i < PRECINCTS; i++) {
        dauys_keys_pubkey_to_base64(b64, &fx.pk[i]);
        p += sprintf(p, "precinct: P%02d %s 1000 %s School %d\n", i, district_of[i], b64, i);
    }
    support_write_signed(fx.dir, "manifest.txt", text, fx.central_sk);
    assert_int_equal(dauys_keys_pubkey_encode(pub, sizeof pub, &fx.central_pk, NULL, &err), 0);
    free(support_write(fx.dir, "central.pub", pub, strlen(pub), 0644));
    char *mp = support_path(fx.dir, "manifest.txt"), *cp = support_path(fx.dir, "central.pub");
    assert_int_equal(dauys_workspace_init(ws, mp, cp, &err), 0);
    free(mp);
    free(cp);
}

/* Ingests the files of directory NAME (under the temp root) into WS. */
static void
ingest(dauys_workspace *ws, const char *name, dauys_ingest_summary *sum)
{
    char *in = support_path(fx.dir, name);
    dauys_error err;

    assert_int_equal(dauys_ingest(ws, &in, 1, 2, sum, NULL, &err), 0);
    free(in);
}

/* Publishes WS into NAME under the temp root; checks the checkpoint written is the one signed. */
static char *
publish(dauys_publication *pub, dauys_workspace *ws, const char *name)
{
    char *out = support_path(fx.dir, name), *note;
    size_t len;
    dauys_error err;

    assert_int_equal(dauys_publish(pub, ws, fx.central_sk, out, &err), 0);
    note = slurp_in(out, "checkpoint", &len);
    assert_int_equal(len, strlen(pub->checkpoint));
    assert_memory_equal(note, pub->checkpoint, len);
    free(note);
    return out;
}

/* Round 1: P00-P05 signed, P06 unsigned (rejected). Round 2: P06-P09 signed,
 * P00's correction, and a version 2 of P03 signed by the attacker (rejected). */
static void
build_referendum(void)
{
    char *ws_dir = support_path(fx.dir, "ws"), *in1 = support_path(fx.dir, "in1"),
         *in2 = support_path(fx.dir, "in2"), name[64], text[512];
    dauys_workspace *ws;
    dauys_ingest_summary sum;
    dauys_error err;

    make_workspace(ws_dir);
    assert_int_equal(mkdir(in1, 0700), 0);
    assert_int_equal(mkdir(in2, 0700), 0);
    for (int i = 0; i < PRECINCTS; i++) {
        protocol_text(fx.proto[i], sizeof fx.proto[i], i, 1, 300 + 10 * (unsigned) i);
        snprintf(name, sizeof name, "P%02d.txt", i);
        support_write_signed(i < 6 ? in1 : in2, name, fx.proto[i], fx.sk[i]);
    }
    support_write_signed(in1, "P06-unsigned.txt", fx.proto[6], NULL);
    protocol_text(fx.p00_v2, sizeof fx.p00_v2, 0, 2, 333);
    support_write_signed(in2, "P00-v2.txt", fx.p00_v2, fx.sk[0]);
    protocol_text(text, sizeof text, 3, 2, 100);
    support_write_signed(in2, "P03-v2-forged.txt", text, fx.attacker_sk);

    assert_int_equal(dauys_workspace_open(&ws, ws_dir, &err), 0);
    ingest(ws, "in1", &sum);
    assert_int_equal(sum.accepted, 6);
    assert_int_equal(sum.rejected, 1);
    fx.bundle0 = publish(&fx.pub0, ws, "bundle0");
    assert_false(fx.pub0.final);
    fx.entries0 = fx.pub0.log_size; /* manifest, 7 submissions, result */
    assert_int_equal(fx.entries0, 9);
    ingest(ws, "in2", &sum);
    assert_int_equal(sum.accepted, 4);
    assert_int_equal(sum.corrections, 1);
    assert_int_equal(sum.rejected, 1);
    fx.bundle = publish(&fx.pub, ws, "bundle");
    assert_true(fx.pub.final);
    fx.entries = fx.pub.log_size; /* + 6 submissions + result */
    assert_int_equal(fx.entries, 16);
    fx.archive = support_path(fx.dir, "bundle.tar");
    assert_int_equal(dauys_archive_pack(fx.bundle, fx.archive, &err), 0);
    dauys_workspace_close(ws);
    free(ws_dir);
    free(in1);
    free(in2);
}

/* --- running the audit ------------------------------------------------------------------ */

/* What the on_fail callback saw. */
typedef struct findings {
    unsigned ids; /* BIT(check) for each check reported */
    uint64_t count;
    char where[8][128], check[8][4], message[8][256];
} findings;

static int
check_index(const char *id)
{
    for (int i = 0; i < DAUYS_AUDIT_CHECKS; i++) {
        if (strcmp(id, check_ids[i]) == 0) {
            return i;
        }
    }
    return -1;
}

static void
on_fail(const dauys_audit_finding *f, void *ctx)
{
    findings *fs = ctx;
    int ck = check_index(f->check);

    fs->ids |= ck < 0 ? UNKNOWN_ID_BIT : BIT(ck);
    if (fs->count < 8) {
        snprintf(fs->check[fs->count], sizeof fs->check[0], "%s", f->check);
        snprintf(fs->where[fs->count], sizeof fs->where[0], "%s", f->where ? f->where : "(null)");
        snprintf(fs->message[fs->count], sizeof fs->message[0], "%s",
                 f->message ? f->message : "(null)");
    }
    fs->count++;
}

/* The checks with failures according to the summary. */
static unsigned
failed_mask(const dauys_audit_summary *s)
{
    unsigned m = 0;

    for (int i = 0; i < DAUYS_AUDIT_CHECKS; i++) {
        m |= s->failed[i] ? BIT(i) : 0;
    }
    return m;
}

/* The set of checks as "A1 I3 ..." for messages. */
static const char *
mask_text(unsigned m, char *out, size_t size)
{
    size_t n = 0;

    out[0] = '\0';
    for (int i = 0; i < DAUYS_AUDIT_CHECKS && n < size; i++) {
        if (m & BIT(i)) {
            n += (size_t) snprintf(out + n, size - n, "%s%s", n ? " " : "", check_ids[i]);
        }
    }
    if ((m & UNKNOWN_ID_BIT) && n < size) {
        snprintf(out + n, size - n, "%s(unknown id)", n ? " " : "");
    }
    return out;
}

/* Audits BUNDLE with CENTRAL (NULL: the bundle's own); the run must complete,
 * and the callback and the summary must agree on what failed. */
static void
audit(const char *bundle, const dauys_pubkey *central, dauys_audit_summary *sum, findings *fs)
{
    dauys_audit_options opt = {
        .central = central, .trust_bundle_key = central == NULL, .on_fail = on_fail, .ctx = fs};
    dauys_error err;
    uint64_t failures = 0;

    memset(fs, 0, sizeof *fs);
    if (dauys_audit_verify(sum, bundle, &opt, &err) != 0) {
        fail_msg("dauys_audit_verify(%s) could not run: %s: %s", bundle,
                 dauys_status_name(err.status), err.message);
    }
    for (int i = 0; i < DAUYS_AUDIT_CHECKS; i++) {
        failures += sum->failed[i];
    }
    assert_int_equal(fs->ids, failed_mask(sum));
    assert_int_equal(fs->count, failures);
}

/* Asserts that exactly the checks WANT failed. */
static void
assert_fails(const findings *fs, const dauys_audit_summary *sum, unsigned want)
{
    char a[128], b[128];

    if (failed_mask(sum) != want) {
        for (uint64_t i = 0; i < fs->count && i < 8; i++) {
            print_message("  FAIL %s %s: %s\n", fs->check[i], fs->where[i], fs->message[i]);
        }
        fail_msg("expected exactly {%s} to fail, got {%s}", mask_text(want, a, sizeof a),
                 mask_text(failed_mask(sum), b, sizeof b));
    }
}

/* The index of the log entry that counts PRECINCT in BUNDLE (through prove). */
static uint64_t
counting_entry(const char *bundle, const char *precinct)
{
    static char receipt[DAUYS_RECEIPT_MAX];
    uint64_t entry = UINT64_MAX;
    dauys_error err;

    assert_int_equal(dauys_audit_prove(receipt, sizeof receipt, &entry, NULL, bundle, precinct,
                                       &fx.central_pk, NULL, &err),
                     0);
    return entry;
}

/* --- witnesses (W1) --------------------------------------------------------------------- */

#define COSIG_TIME 1773600000u /* 2026-03-15 */

/* Appends to BUNDLE's checkpoint the cosignatures of the witnesses whose bit
 * is set in WHO, made with the C API at COSIG_TIME; fills P with all three. */
static void
cosign_checkpoint(const char *bundle, unsigned who, dauys_witness_policy *p)
{
    static const char *const names[3] = {"observers.example/a", "party.example/b",
                                         "press.example/c"};
    char *note, line[DAUYS_COSIG_LINE_MAX + 1], out[DAUYS_COSIGNED_NOTE_MAX];
    size_t len, text_len, n;
    dauys_error err;

    memset(p, 0, sizeof *p);
    note = slurp_in(bundle, "checkpoint", &len);
    assert_int_equal(dauys_note_text_length(&text_len, note, len, "checkpoint", &err), 0);
    memcpy(out, note, len);
    n = len;
    for (int i = 0; i < 3; i++) {
        dauys_pubkey pk;
        dauys_seckey *sk;
        uint8_t seed[DAUYS_KEYS_SEED_BYTES];
        memset(seed, 0x40 + i, sizeof seed);
        assert_int_equal(dauys_keys_generate(&pk, &sk, &err), 0);
        assert_int_equal(dauys_keys_from_seed(&pk, sk, seed, &err), 0);
        assert_int_equal(dauys_cosig_key_init(&p->key[i], names[i], pk.pk, &err), 0);
        if (who >> i & 1) {
            assert_int_equal(
                dauys_cosig_sign(line, sizeof line, note, text_len, COSIG_TIME, names[i], sk, &err),
                0);
            memcpy(out + n, line, strlen(line));
            n += strlen(line);
        }
        dauys_keys_seckey_free(sk);
    }
    p->count = 3;
    p->quorum = 2;
    free(support_write(bundle, "checkpoint", out, n, 0644));
    free(note);
}

/* W1 with the caller's witnesses: a quorum passes, one short fails, and a
 * cosignature dated more than a day after the auditor's clock does not count;
 * nothing else is affected. */
static void
test_witnesses(void **state)
{
    char *dir = copy_bundle("witnessed");
    dauys_witness_policy p;
    dauys_audit_summary sum;
    dauys_audit_options opt = {.central = &fx.central_pk, .witnesses = &p, .now = COSIG_TIME};
    dauys_error err;

    (void) state;
    cosign_checkpoint(dir, 3, &p); /* a and b */
    assert_int_equal(dauys_audit_verify(&sum, dir, &opt, &err), 0);
    assert_int_equal(failed_mask(&sum), 0);
    assert_int_equal(sum.passed[CK_W1], 1);
    assert_int_equal(sum.witnesses.cosigned, 2);
    assert_int_equal(sum.witnesses.from_manifest, 0);

    p.quorum = 3; /* c did not cosign */
    assert_int_equal(dauys_audit_verify(&sum, dir, &opt, &err), 0);
    assert_int_equal(failed_mask(&sum), BIT(CK_W1));
    assert_int_equal(sum.failed[CK_W1], 1);

    p.quorum = 2; /* the clock two days behind the cosignatures: none counts */
    opt.now = COSIG_TIME - 2 * 86400;
    assert_int_equal(dauys_audit_verify(&sum, dir, &opt, &err), 0);
    assert_int_equal(failed_mask(&sum), BIT(CK_W1));
    assert_int_equal(sum.failed[CK_W1], 3); /* a's and b's, and the quorum */
    assert_int_equal(sum.witnesses.cosigned, 0);
    opt.now = COSIG_TIME - 86400; /* a day behind: they count */
    assert_int_equal(dauys_audit_verify(&sum, dir, &opt, &err), 0);
    assert_int_equal(failed_mask(&sum), 0);
    free(dir);
}

/* --- the clean bundles ------------------------------------------------------------------ */

/* The check ids come in the documented order: the indexes used below are right. */
static void
test_check_order(void **state)
{
    dauys_audit_summary sum;
    findings fs;

    (void) state;
    audit(fx.bundle, &fx.central_pk, &sum, &fs);
    for (int i = 0; i < DAUYS_AUDIT_CHECKS; i++) {
        assert_string_equal(sum.check[i], check_ids[i]);
        assert_non_null(sum.group[i]);
        assert_non_null(sum.title[i]);
    }
    assert_string_equal(sum.group[CK_A1], "authenticity");
    assert_string_equal(sum.group[CK_T2], "consistency");
    assert_string_equal(sum.group[CK_T3], "consistency");
    assert_string_equal(sum.group[CK_W1], "witnesses");
}

/* The clean final bundle: every check runs and passes, all 10 precincts are
 * counted, the database was compared, and the audit's own statement is
 * byte-identical to the signed result.txt. */
static void
test_clean_bundle_passes(void **state)
{
    dauys_audit_options opt = {.central = &fx.central_pk};
    dauys_audit_summary sum;
    dauys_error err;
    char *statement = NULL, *result;
    size_t statement_len = 0, result_len;

    (void) state;
    opt.statement = &statement;
    opt.statement_len = &statement_len;
    assert_int_equal(dauys_audit_verify(&sum, fx.bundle, &opt, &err), 0);
    /* the manifest names no witnesses: W1 is not counted, the summary says so */
    assert_int_equal(sum.witnesses.count, 0);
    assert_int_equal(sum.passed[CK_W1] + sum.failed[CK_W1] + sum.unchecked[CK_W1], 0);
    /* nor commissions: X1 is not counted either */
    assert_int_equal(sum.passed[CK_X1] + sum.failed[CK_X1] + sum.unchecked[CK_X1], 0);
    for (int i = 0; i < DAUYS_AUDIT_CHECKS; i++) {
        if (i != CK_W1 && i != CK_X1 &&
            (sum.failed[i] != 0 || sum.unchecked[i] != 0 || sum.passed[i] == 0)) {
            fail_msg("check %s: passed %llu failed %llu unchecked %llu", check_ids[i],
                     (unsigned long long) sum.passed[i], (unsigned long long) sum.failed[i],
                     (unsigned long long) sum.unchecked[i]);
        }
    }
    assert_int_equal(sum.counted, PRECINCTS);
    assert_int_equal(sum.expected, PRECINCTS);
    assert_int_equal(sum.entries, fx.entries);
    assert_int_equal(sum.protocols, 13); /* 7 + 6 submissions */
    assert_int_equal(sum.database, 1);
    result = slurp_in(fx.bundle, "result.txt", &result_len);
    assert_non_null(statement);
    assert_int_equal(statement_len, result_len);
    assert_memory_equal(statement, result, result_len);
    assert_non_null(strstr(result, "\nstatus: final\n"));
    free(result);
    dauys_free(statement);
}

/* The archive of the final bundle audits exactly as the directory does: the
 * same counts for every check, and the same statement, on 1 and 4 threads. */
static void
test_archive_same_as_directory(void **state)
{
    dauys_audit_options opt = {.central = &fx.central_pk};
    dauys_audit_summary dir_sum, tar_sum;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_audit_verify(&dir_sum, fx.bundle, &opt, &err), 0);
    for (unsigned threads = 1; threads <= 4; threads += 3) {
        opt.threads = threads;
        assert_int_equal(dauys_audit_verify(&tar_sum, fx.archive, &opt, &err), 0);
        for (int i = 0; i < DAUYS_AUDIT_CHECKS; i++) {
            assert_int_equal(tar_sum.failed[i], 0);
            assert_int_equal(tar_sum.unchecked[i], 0);
            if (tar_sum.passed[i] != dir_sum.passed[i]) {
                fail_msg("check %s: %llu passes in the archive, %llu in the directory",
                         check_ids[i], (unsigned long long) tar_sum.passed[i],
                         (unsigned long long) dir_sum.passed[i]);
            }
        }
        assert_int_equal(tar_sum.entries, dir_sum.entries);
        assert_int_equal(tar_sum.protocols, dir_sum.protocols);
        assert_int_equal(tar_sum.counted, PRECINCTS);
        assert_int_equal(tar_sum.database, 1);
    }
}

/* Counts the rows of log_entry through URI, copying them into a temporary
 * table first (so SQLite opens a temporary file through the VFS). */
static long long
count_through_temp_file(const char *uri)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long long n = -1;

    assert_int_equal(sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL),
                     SQLITE_OK);
    /* a temporary table far larger than its cache of 2 pages must spill to a file */
    assert_int_equal(sqlite3_exec(db,
                                  "PRAGMA temp_store=FILE; PRAGMA temp.cache_size=2; "
                                  "CREATE TEMP TABLE t AS SELECT a.entry FROM log_entry a, "
                                  "log_entry b",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    /* the database itself cannot be changed through the VFS */
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM log_entry", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    return n;
}

/* dauys.db read in place in the archive: what the directory's copy holds,
 * temporary files for large queries work, and nothing can be written. */
static void
test_archive_database_in_place(void **state)
{
    audit_source dir, tar;
    char dir_uri[8192], tar_uri[8192];
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_audit_slice_vfs_register(), 0);
    assert_int_equal(dauys_audit_source_open(&dir, fx.bundle, &err), 0);
    assert_int_equal(dauys_audit_source_open(&tar, fx.archive, &err), 0);
    assert_int_equal(dauys_audit_source_db_uri(dir_uri, sizeof dir_uri, &dir), 1);
    assert_int_equal(dauys_audit_source_db_uri(tar_uri, sizeof tar_uri, &tar), 1);
    assert_non_null(strstr(tar_uri, "vfs=" AUDIT_SLICE_VFS "&slice-offset="));
    assert_int_equal(count_through_temp_file(tar_uri), (long long) (fx.entries * fx.entries));
    assert_int_equal(count_through_temp_file(dir_uri), (long long) (fx.entries * fx.entries));
    dauys_audit_source_close(&dir);
    dauys_audit_source_close(&tar);
}

/* The first, provisional bundle passes too (with the bundle's own central.pub),
 * and counts the 6 precincts of round 1. */
static void
test_provisional_bundle_passes(void **state)
{
    dauys_audit_summary sum;
    findings fs;

    (void) state;
    audit(fx.bundle0, NULL, &sum, &fs);
    assert_fails(&fs, &sum, 0);
    assert_int_equal(sum.counted, 6);
    assert_int_equal(sum.expected, PRECINCTS);
    assert_int_equal(sum.entries, fx.entries0);
    assert_int_equal(sum.database, 1);
}

/* --- tampering ---------------------------------------------------------------------------- */

/* One byte of a counted protocol changed: only I3 fails, at that entry and
 * naming the file; the areas holding it can no longer be re-tallied (T1
 * unchecked, not failed). */
static void
test_protocol_byte_changed(void **state)
{
    char *copy = copy_bundle("t-byte"), rel[64], where[64], *text, *yes;
    uint64_t entry = counting_entry(fx.bundle, "P04");
    dauys_audit_summary sum;
    findings fs;
    size_t len;

    (void) state;
    snprintf(rel, sizeof rel, "protocols/%08llu.txt", (unsigned long long) entry);
    text = slurp_in(copy, rel, &len);
    yes = strstr(text, "q1_yes: ");
    assert_non_null(yes);
    yes[8] = yes[8] == '9' ? '8' : (char) (yes[8] + 1); /* 340 -> 440: plausible, not signed */
    free(support_write(copy, rel, text, len, 0644));
    free(text);

    audit(copy, &fx.central_pk, &sum, &fs);
    assert_fails(&fs, &sum, BIT(CK_I3));
    assert_int_equal(sum.failed[CK_I3], 1);
    assert_true(sum.unchecked[CK_T1] > 0);
    assert_int_equal(sum.failed[CK_T1], 0);
    assert_true(sum.unchecked[CK_T3] > 0); /* the page's rows of those areas, too */
    snprintf(where, sizeof where, "log entry %llu", (unsigned long long) entry);
    assert_string_equal(fs.check[0], "I3");
    assert_string_equal(fs.where[0], where);
    assert_non_null(strstr(fs.message[0], rel));
    support_rmdir(copy);
    free(copy);
}

/* Every finding, in order, as one text. */
static void
append_finding(const dauys_audit_finding *f, void *ctx)
{
    char **all = ctx, line[1200];
    size_t had = *all != NULL ? strlen(*all) : 0;

    snprintf(line, sizeof line, "%s %s: %s\n", f->check, f->where, f->message);
    *all = realloc(*all, had + strlen(line) + 1);
    assert_non_null(*all);
    memcpy(*all + had, line, strlen(line) + 1);
}

/* C3 runs on its own thread when there are several: the findings, their
 * order and the counts are those of a run on one thread. */
static void
test_database_findings_same_on_threads(void **state)
{
    char *copy = copy_bundle("t-db"), *path = support_path(copy, "dauys.db"), *one = NULL,
         *four = NULL;
    dauys_audit_options opt = {.central = &fx.central_pk, .on_fail = append_finding};
    dauys_audit_summary sum1, sum4;
    dauys_error err;
    sqlite3 *db;

    (void) state;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "UPDATE submission SET outcome = 'rejected' WHERE log_index = 2; "
                                  "DELETE FROM log_entry WHERE idx = 5",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    free(support_write(copy, "protocols/notes.txt", "x", 1, 0644)); /* and an I4 failure */
    opt.ctx = &one;
    opt.threads = 1;
    assert_int_equal(dauys_audit_verify(&sum1, copy, &opt, &err), 0);
    opt.ctx = &four;
    opt.threads = 4;
    assert_int_equal(dauys_audit_verify(&sum4, copy, &opt, &err), 0);
    assert_non_null(one);
    assert_non_null(strstr(one, "\nC3 dauys.db"));
    assert_non_null(strstr(one, "I4 protocols/notes.txt"));
    assert_true(strstr(one, "I4 protocols/notes.txt") < strstr(one, "C3 "));
    assert_string_equal(four, one);
    for (int i = 0; i < DAUYS_AUDIT_CHECKS; i++) {
        assert_int_equal(sum4.passed[i], sum1.passed[i]);
        assert_int_equal(sum4.failed[i], sum1.failed[i]);
        assert_int_equal(sum4.unchecked[i], sum1.unchecked[i]);
    }
    assert_true(sum1.failed[CK_C3] >= 2);
    free(one);
    free(four);
    free(path);
    support_rmdir(copy);
    free(copy);
}

/* An unlogged file in protocols/: only I4 fails, naming the file. */
static void
test_extra_file(void **state)
{
    char *copy = copy_bundle("t-extra");
    dauys_audit_summary sum;
    findings fs;

    (void) state;
    free(support_write(copy, "protocols/99999999.txt", "extra\n", 6, 0644));
    audit(copy, &fx.central_pk, &sum, &fs);
    assert_fails(&fs, &sum, BIT(CK_I4));
    assert_int_equal(sum.failed[CK_I4], 1);
    assert_int_equal(fs.count, 1);
    assert_string_equal(fs.check[0], "I4");
    assert_string_equal(fs.where[0], "protocols/99999999.txt");
    assert_int_equal(sum.counted, PRECINCTS);
    support_rmdir(copy);
    free(copy);
}

/* --- the renderings in reports/ (T3) ------------------------------------------------------- */

/* In a copy of the bundle, FILE under reports/ with its first FROM replaced
 * by TO (FROM must be there), or with the line holding FROM removed when TO
 * is NULL; audited: exactly T3 fails, and the first finding is at WHERE (a
 * prefix) and says SAYS. */
static void
assert_report_tamper_fails(const char *file, const char *from, const char *to, const char *where,
                           const char *says)
{
    static unsigned copies;
    char name[32], rel[64], *copy, *text, *at, *edited;
    dauys_audit_summary sum;
    findings fs;
    size_t len, cut, put;

    snprintf(name, sizeof name, "t-report-%u", copies++);
    copy = copy_bundle(name);
    snprintf(rel, sizeof rel, "reports/%s", file);
    text = slurp_in(copy, rel, &len);
    if ((at = strstr(text, from)) == NULL) {
        fail_msg("%s has no \"%s\"", rel, from);
    }
    cut = strlen(from), put = to ? strlen(to) : 0;
    if (to == NULL) { /* the whole line */
        while (at > text && at[-1] != '\n') {
            at--;
        }
        cut = (size_t) (strchr(at, '\n') + 1 - at);
    }
    edited = malloc(len - cut + put + 1);
    assert_non_null(edited);
    memcpy(edited, text, (size_t) (at - text));
    memcpy(edited + (at - text), to ? to : "", put);
    memcpy(edited + (at - text) + put, at + cut, len - (size_t) (at - text) - cut);
    free(support_write(copy, rel, edited, len - cut + put, 0644));

    audit(copy, &fx.central_pk, &sum, &fs);
    assert_fails(&fs, &sum, BIT(CK_T3));
    assert_int_equal(strncmp(fs.where[0], where, strlen(where)), 0);
    if (strstr(fs.message[0], says) == NULL) {
        fail_msg("finding \"%s: %s\" does not say \"%s\"", fs.where[0], fs.message[0], says);
    }
    free(edited);
    free(text);
    support_rmdir(copy);
    free(copy);
}

/* The clean bundle's page and CSV are compared, number by number. */
static void
test_reports_compared(void **state)
{
    dauys_audit_summary sum;
    findings fs;

    (void) state;
    audit(fx.bundle, &fx.central_pk, &sum, &fs);
    assert_int_equal(sum.failed[CK_T3], 0);
    /* for each of the 2 questions: 3 regions + the nation on the page (8
     * counts, turnout, share, majority) and in the CSV with 4 districts (8
     * counts), at least */
    assert_true(sum.passed[CK_T3] >= 2 * (4 * 11 + 8 * 8));
}

/* A count, a percentage or a decision altered on the page after publishing. */
static void
test_report_page_altered(void **state)
{
    (void) state;
    assert_report_tamper_fails("report.html", "data-field=\"yes\">", "data-field=\"yes\">9",
                               "reports/report.html line ", "yes is \"9");
    assert_report_tamper_fails("report.html", "data-field=\"turnout\">", "data-field=\"turnout\">1",
                               "reports/report.html line ", "turnout is \"1");
    assert_report_tamper_fails("report.html", "data-field=\"adopted\">", "data-field=\"adopted\">X",
                               "reports/report.html line ", "adopted is \"X");
    assert_report_tamper_fails("report.html", "data-passed=\"1\"", "data-passed=\"0\"",
                               "reports/report.html line ", "rule quorum is \"0\"");
    assert_report_tamper_fails("report.html", "data-field=\"log-size\">",
                               "data-field=\"log-size\">1", "reports/report.html line ",
                               "log-size is \"1");
}

/* A row of the page or the CSV removed, or shown twice, or for no such area. */
static void
test_report_rows(void **state)
{
    (void) state;
    assert_report_tamper_fails("report.html", "<tr data-area=\"ALA\"", NULL, "reports/report.html",
                               "does not show ALA (question q1)");
    assert_report_tamper_fails("report.html", "<tr data-area=\"ALA\"", "<tr data-area=\"AST\"",
                               "reports/report.html line ",
                               "AST (question q1) is shown a second time");
    assert_report_tamper_fails("report.html", "<tr data-area=\"ALA\"", "<tr data-area=\"XXX\"",
                               "reports/report.html line ", "a row for \"XXX\"");
    assert_report_tamper_fails("tally.csv", "\"KAR-D2\"", NULL, "reports/tally.csv",
                               "does not show KAR-D2 (question q1)");
    assert_report_tamper_fails("tally.csv", "region,q2,\"ALA\"", NULL, "reports/tally.csv",
                               "does not show ALA (question q2)");
    assert_report_tamper_fails("report.html", "<table id=\"areas-q2\">", "<table id=\"areas-q3\">",
                               "reports/report.html line ", "a row of question \"q3\"");
    /* a second cell for one field (a DOM reader takes the first) */
    assert_report_tamper_fails(
        "report.html", "<td class=\"n\" data-field=\"yes\">",
        "<td class=\"n\" data-field=\"yes\">9,999</td><td class=\"n\" data-field=\"yes\">",
        "reports/report.html line ", "yes is shown a second time");
    /* a row left open: browsers close it, and the next one would merge with it */
    assert_report_tamper_fails("report.html", "</td></tr>\n<tr data-area", "</td>\n<tr data-area",
                               "reports/report.html line ", "before the last one was closed");
    /* a mark where dauys writes none */
    assert_report_tamper_fails("report.html", "<section id=\"question-q1\">",
                               "<section id=\"question-q1\"><p data-field=\"yes\">1</p>",
                               "reports/report.html line ", "an unexpected data-field \"yes\"");
    /* a decision's rule or regional count no longer marked */
    assert_report_tamper_fails("report.html", "data-rule=\"quorum\" ", "", "reports/report.html",
                               "does not show question q1's rule quorum");
    assert_report_tamper_fails("report.html", "data-field=\"regions-with-majority\"", "",
                               "reports/report.html",
                               "does not show question q1's regions-with-majority");
    assert_report_tamper_fails("tally.csv", ",invalid", ",invalid,yes", "reports/tally.csv line 1",
                               "the header has more than one column yes");
    assert_report_tamper_fails("tally.csv", "district,q1,\"KAR-D2\"", "region,q1,\"KAR-D2\"",
                               "reports/tally.csv line ", "a row for region \"KAR-D2\"");
    assert_report_tamper_fails("tally.csv", ",invalid", ",spoilt", "reports/tally.csv line 1",
                               "the header has no column invalid");
}

/* A page that is not the shape dauys writes is reported where it breaks. */
static void
test_report_page_unreadable(void **state)
{
    (void) state;
    assert_report_tamper_fails("report.html", "<table id=\"areas-q1\">", "<table id=areas-q1>",
                               "reports/report.html line ", "not in double quotes");
    assert_report_tamper_fails("report.html", "</html>", "<!-- </html>",
                               "reports/report.html line ",
                               "a comment or declaration (dauys writes none)");
    assert_report_tamper_fails("report.html", "data-field=\"yes\">", "data-field=\"yes\"><!---->",
                               "reports/report.html line ",
                               "a data-field's text is not closed by its own end tag");
}

/* A bundle without reports/ has nothing for T3 to compare: it is not made. */
static void
test_reports_absent(void **state)
{
    char *copy = copy_bundle("t-noreports");
    dauys_audit_summary sum;
    findings fs;

    (void) state;
    char *reports = support_path(copy, "reports");
    support_rmdir(reports);
    free(reports);
    audit(copy, &fx.central_pk, &sum, &fs);
    assert_fails(&fs, &sum, 0);
    assert_int_equal(sum.passed[CK_T3], 0);
    support_rmdir(copy);
    free(copy);
}

/* Audited against another central key, the checkpoint (A1), the manifest
 * (A2) and the result (A4) are not its signatures, and the bundle's
 * central.pub is not that key (A5); nothing else fails. */
static void
test_wrong_central_key(void **state)
{
    dauys_audit_summary sum;
    findings fs;

    (void) state;
    audit(fx.bundle, &fx.attacker_pk, &sum, &fs);
    /* A5: the bundle's central.pub is not the pinned key; the database
     * records central.pub, as it should (C3 passes: one fault, one report) */
    assert_fails(&fs, &sum, BIT(CK_A1) | BIT(CK_A2) | BIT(CK_A4) | BIT(CK_A5));
    for (uint64_t i = 0; i < fs.count && i < 8; i++) {
        if (strcmp(fs.check[i], "A5") == 0) {
            assert_string_equal(fs.where[i], "central.pub");
        } else if (strcmp(fs.check[i], "A1") == 0) {
            assert_string_equal(fs.where[i], "checkpoint");
        } else if (strcmp(fs.check[i], "A2") == 0) {
            assert_string_equal(fs.where[i], "log entry 0");
        } else {
            assert_string_equal(fs.where[i], "result.txt");
        }
    }
}

/* The trust pins (issue 15): no key and no trust_bundle_key cannot run; a
 * pinned origin other than the manifest's fails A5 alone; the summary names
 * the referendum, mode, origin and the key used. */
static void
test_trust_pins(void **state)
{
    dauys_audit_options bare = {0};
    dauys_audit_options opt = {.central = &fx.central_pk, .on_fail = on_fail};
    dauys_audit_summary sum;
    findings fs = {0};
    char want_id[2 * DAUYS_KEYS_ID_BYTES + 1];
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_audit_verify(&sum, fx.bundle, &bare, &err), -1);
    assert_error(&err, DAUYS_E_USAGE, "no trusted central key");

    opt.ctx = &fs;
    opt.origin = "dauys/" REFERENDUM "/official";
    assert_int_equal(dauys_audit_verify(&sum, fx.bundle, &opt, &err), 0);
    assert_fails(&fs, &sum, BIT(CK_A5));
    assert_int_equal(sum.passed[CK_A5], 1); /* its central.pub is the pinned key */
    assert_string_equal(fs.where[0], "manifest");
    assert_string_equal(sum.checked.referendum, REFERENDUM);
    assert_string_equal(sum.checked.mode, "test");
    assert_string_equal(sum.checked.origin, "dauys/" REFERENDUM "/test");
    dauys_keys_id_hex(want_id, fx.central_pk.id);
    assert_string_equal(sum.checked.key_id, want_id);
    assert_int_equal(sum.checked.key_from_bundle, 0);

    memset(&fs, 0, sizeof fs);
    opt.origin = "dauys/" REFERENDUM "/test";
    assert_int_equal(dauys_audit_verify(&sum, fx.bundle, &opt, &err), 0);
    assert_fails(&fs, &sum, 0);
    assert_int_equal(sum.passed[CK_A5], 2);
}

/* --- out of memory ---------------------------------------------------------------------- */

/* What one run under the failing allocator did. */
typedef struct oom_run {
    int rc;
    dauys_error err;
    char bad[512]; /* set by the operation when its own contract broke */
} oom_run;

typedef void (*oom_op)(oom_run *r);

/* dauys_audit_verify on the clean bundle, the statement requested. Done:
 * rc 0 with no finding, or rc -1; the statement is the caller's only on 0. */
static void
verify_under_oom(oom_run *r, const char *bundle)
{
    findings fs = {0};
    dauys_audit_summary sum;
    /* one thread: the counting allocator is not thread-safe */
    dauys_audit_options opt = {
        .central = &fx.central_pk, .on_fail = on_fail, .ctx = &fs, .threads = 1};
    char *statement = NULL;
    size_t statement_len = 0;

    opt.statement = &statement;
    opt.statement_len = &statement_len;
    r->rc = dauys_audit_verify(&sum, bundle, &opt, &r->err);
    if (r->rc == 0 && fs.count > 0) {
        snprintf(r->bad, sizeof r->bad, "rc 0 but %llu finding(s), first: %s %s: %s",
                 (unsigned long long) fs.count, fs.check[0], fs.where[0], fs.message[0]);
    } else if (r->rc == 0 && statement == NULL) {
        snprintf(r->bad, sizeof r->bad, "rc 0 but no statement");
    } else if (r->rc != 0 && statement != NULL) {
        snprintf(r->bad, sizeof r->bad, "rc -1 (%s) but the statement was handed out",
                 dauys_status_name(r->err.status));
    }
    dauys_free(statement);
}

static void
op_verify(oom_run *r)
{
    verify_under_oom(r, fx.bundle);
}

static void
op_verify_archive(oom_run *r)
{
    verify_under_oom(r, fx.archive);
}

/* The counting set handed to the caller (dauys-audit forensics' way in):
 * each counted precinct's yes, in an array made when the set begins. */
typedef struct counted {
    uint64_t *yes;
    size_t cap, n;
} counted;

static int
counted_begin(void *ctx, const dauys_manifest *m, dauys_error *err)
{
    counted *c = ctx;

    c->cap = m->precinct_count;
    c->yes = dauys_malloc_array(c->cap > 0 ? c->cap : 1, sizeof *c->yes);
    return c->yes == NULL ? dauys_error_set(err, DAUYS_E_NOMEM, "out of memory") : 0;
}

static int
counted_precinct(void *ctx, const dauys_manifest *m, uint32_t index, const dauys_protocol *p,
                 dauys_error *err)
{
    counted *c = ctx;

    (void) m, (void) index, (void) err;
    if (p != NULL && c->n < c->cap) {
        c->yes[c->n++] = p->answer[0].yes;
    }
    return 0;
}

/* dauys_audit_verify handing over the counting set: done, every counted
 * precinct was handed over, readable. */
static void
op_verify_counting(oom_run *r)
{
    counted c = {0};
    const dauys_audit_counting counting = {counted_begin, counted_precinct, &c};
    findings fs = {0};
    dauys_audit_summary sum;
    dauys_audit_options opt = {.central = &fx.central_pk,
                               .on_fail = on_fail,
                               .ctx = &fs,
                               .threads = 1,
                               .counting = &counting};

    r->rc = dauys_audit_verify(&sum, fx.bundle, &opt, &r->err);
    if (r->rc == 0 && (fs.count > 0 || c.n != sum.counted || c.n == 0)) {
        snprintf(r->bad, sizeof r->bad,
                 "rc 0 but %llu finding(s) and %zu of %llu precincts handed over",
                 (unsigned long long) fs.count, c.n, (unsigned long long) sum.counted);
    }
    dauys_free(c.yes);
}

static char oom_receipt[DAUYS_RECEIPT_MAX];

static void
op_prove(oom_run *r)
{
    static char out[DAUYS_RECEIPT_MAX];
    uint64_t entry;

    r->rc = dauys_audit_prove(out, sizeof out, &entry, NULL, fx.bundle, "P00", &fx.central_pk, NULL,
                              &r->err);
    if (r->rc == 0 && strcmp(out, oom_receipt) != 0) {
        snprintf(r->bad, sizeof r->bad, "rc 0 but another receipt");
    }
}

static char *oom_checkpoint;
static size_t oom_checkpoint_len;

static void
op_check_receipt(oom_run *r)
{
    dauys_receipt_info info;

    r->rc = dauys_audit_check_receipt(&info, fx.p00_v2, strlen(fx.p00_v2), oom_receipt,
                                      strlen(oom_receipt), oom_checkpoint, oom_checkpoint_len,
                                      &fx.central_pk, &r->err);
}

/*
 * Runs OP with allocation k failing, k = 0, 1, ... until a run has no failed
 * allocation. Each run must end with rc 0 and a clean result, or rc -1 and
 * DAUYS_E_NOMEM, and free all it allocated. Every broken run is printed
 * (with k, to reproduce it) before the test fails.
 */
static void
oom_loop_mode(oom_op op, const char *name, int once)
{
    long k, problems = 0;

    for (k = 0; k < OOM_CAP; k++) {
        oom_run r = {0};
        if (once) {
            support_alloc_install_once(k);
        } else {
            support_alloc_install(k);
        }
        long before = support_alloc_outstanding();
        op(&r);
        long leaked = support_alloc_outstanding() - before, attempts = support_alloc_attempts();
        support_alloc_restore();
        int done = attempts <= k; /* no allocation failed */
        char why[600] = "";
        if (r.bad[0]) {
            snprintf(why, sizeof why, "%s", r.bad);
        } else if (r.rc != 0 && (done || r.err.status != DAUYS_E_NOMEM)) {
            snprintf(why, sizeof why, "rc -1 with status %s: %s", dauys_status_name(r.err.status),
                     r.err.message);
        } else if (leaked != 0) {
            snprintf(why, sizeof why, "%ld allocation(s) leaked", leaked);
        }
        if (why[0]) {
            if (problems++ < 40) {
                print_message("%s: allocation %ld failing%s (of %ld attempted): %s\n", name, k + 1,
                              once ? " alone" : " and all after it", attempts, why);
            }
        }
        if (done) {
            break;
        }
    }
    if (k == OOM_CAP) {
        fail_msg("%s: still failing allocations after %ld runs", name, OOM_CAP);
    }
    if (problems > 0) {
        fail_msg("%s: %ld of %ld runs broke the out-of-memory contract", name, problems, k + 1);
    }
}

/* Both ways: every allocation from the k-th on failing, and the k-th alone. */
static void
oom_loop(oom_op op, const char *name)
{
    oom_loop_mode(op, name, 0);
    oom_loop_mode(op, name, 1);
}

/* Out of memory anywhere in the audit is a clean DAUYS_E_NOMEM, never a finding or a leak. */
static void
test_oom_verify(void **state)
{
    (void) state;
    oom_loop(op_verify, "dauys_audit_verify");
}

/* The same for the archive: its index, its protocol run and the database inside. */
static void
test_oom_verify_archive(void **state)
{
    (void) state;
    oom_loop(op_verify_archive, "dauys_audit_verify (archive)");
}

/* The same with the counting set handed over (dauys-audit forensics). */
static void
test_oom_verify_counting(void **state)
{
    (void) state;
    oom_loop(op_verify_counting, "dauys_audit_verify (counting set)");
}

/* Out of memory in prove: clean DAUYS_E_NOMEM, nothing leaked. */
static void
test_oom_prove(void **state)
{
    uint64_t entry;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_audit_prove(oom_receipt, sizeof oom_receipt, &entry, NULL, fx.bundle,
                                       "P00", &fx.central_pk, NULL, &err),
                     0);
    oom_loop(op_prove, "dauys_audit_prove");
}

/* Out of memory in check_receipt: clean DAUYS_E_NOMEM, nothing leaked. */
static void
test_oom_check_receipt(void **state)
{
    uint64_t entry;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_audit_prove(oom_receipt, sizeof oom_receipt, &entry, NULL, fx.bundle,
                                       "P00", &fx.central_pk, NULL, &err),
                     0);
    oom_checkpoint = slurp_in(fx.bundle, "checkpoint", &oom_checkpoint_len);
    oom_loop(op_check_receipt, "dauys_audit_check_receipt");
    free(oom_checkpoint);
}

/* --- receipts ---------------------------------------------------------------------------- */

/* P00's receipt (its correction counts) checks out with the observer's copy
 * of the correction and the bundle's checkpoint, and says what it proved. */
static void
test_receipt_checks(void **state)
{
    char receipt[DAUYS_RECEIPT_MAX], *cp;
    size_t cp_len;
    uint64_t entry;
    dauys_receipt_info info;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_audit_prove(receipt, sizeof receipt, &entry, NULL, fx.bundle, "P00",
                                       &fx.central_pk, NULL, &err),
                     0);
    assert_non_null(strstr(receipt, "\nevent: correction\n"));
    cp = slurp_in(fx.bundle, "checkpoint", &cp_len);
    memset(&info, 0, sizeof info);
    assert_int_equal(dauys_audit_check_receipt(&info, fx.p00_v2, strlen(fx.p00_v2), receipt,
                                               strlen(receipt), cp, cp_len, &fx.central_pk, &err),
                     0);
    assert_string_equal(info.precinct, "P00");
    assert_int_equal(info.version, 2);
    assert_string_equal(info.event, "correction");
    assert_int_equal(info.index, entry);
    assert_int_equal(info.size, fx.entries);
    free(cp);
}

/* The receipt proves one file: another precinct's protocol, and P00's own
 * superseded version 1, are refused (DAUYS_E_PROOF). */
static void
test_receipt_other_protocol(void **state)
{
    char receipt[DAUYS_RECEIPT_MAX], *cp;
    size_t cp_len;
    uint64_t entry;
    dauys_receipt_info info;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_audit_prove(receipt, sizeof receipt, &entry, NULL, fx.bundle, "P00",
                                       &fx.central_pk, NULL, &err),
                     0);
    cp = slurp_in(fx.bundle, "checkpoint", &cp_len);
    assert_int_equal(dauys_audit_check_receipt(&info, fx.proto[1], strlen(fx.proto[1]), receipt,
                                               strlen(receipt), cp, cp_len, &fx.central_pk, &err),
                     -1);
    assert_error(&err, DAUYS_E_PROOF, "its bytes differ");
    assert_int_equal(dauys_audit_check_receipt(&info, fx.proto[0], strlen(fx.proto[0]), receipt,
                                               strlen(receipt), cp, cp_len, &fx.central_pk, &err),
                     -1);
    assert_error(&err, DAUYS_E_PROOF, "its bytes differ");
    free(cp);
}

/* Every bit of every byte of the receipt's proof part (before its log entry)
 * flipped, one at a time: each altered receipt is refused. */
static void
test_receipt_flips_rejected(void **state)
{
    char receipt[DAUYS_RECEIPT_MAX], bad[DAUYS_RECEIPT_MAX], *cp;
    const char *entry_at;
    size_t cp_len, len, proof_len, tried = 0;
    uint64_t entry;
    dauys_receipt_info info;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_audit_prove(receipt, sizeof receipt, &entry, NULL, fx.bundle, "P05",
                                       &fx.central_pk, NULL, &err),
                     0);
    cp = slurp_in(fx.bundle, "checkpoint", &cp_len);
    len = strlen(receipt);
    entry_at = strstr(receipt, "format: dauys-log 1\n");
    assert_non_null(entry_at);
    proof_len = (size_t) (entry_at - receipt);
    assert_non_null(strstr(receipt, "hash: ")); /* there is a path to corrupt */
    assert_true(strstr(receipt, "hash: ") < entry_at);
    assert_int_equal(dauys_audit_check_receipt(&info, fx.proto[5], strlen(fx.proto[5]), receipt,
                                               len, cp, cp_len, &fx.central_pk, &err),
                     0);
    for (size_t i = 0; i < proof_len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(bad, receipt, len + 1);
            bad[i] = (char) (bad[i] ^ (1 << bit));
            if (memcmp(bad, receipt, len) == 0) {
                continue;
            }
            tried++;
            if (dauys_audit_check_receipt(&info, fx.proto[5], strlen(fx.proto[5]), bad, len, cp,
                                          cp_len, &fx.central_pk, &err) != -1) {
                fail_msg("receipt with byte %zu ('%c') xor 0x%02x accepted", i, receipt[i],
                         1 << bit);
            }
        }
    }
    assert_int_equal(tried, 8 * proof_len);
    free(cp);
}

/* A precinct with no counted protocol has no receipt: P06 in bundle0 (its
 * only protocol was rejected), P07 in bundle0 (none yet), and one not on
 * the roster. */
static void
test_prove_uncounted(void **state)
{
    char receipt[DAUYS_RECEIPT_MAX];
    uint64_t entry = 77;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_audit_prove(receipt, sizeof receipt, &entry, NULL, fx.bundle0, "P06",
                                       &fx.central_pk, NULL, &err),
                     -1);
    assert_error(&err, DAUYS_E_PROOF, "has no counted protocol");
    assert_int_equal(dauys_audit_prove(receipt, sizeof receipt, &entry, NULL, fx.bundle0, "P07",
                                       &fx.central_pk, NULL, &err),
                     -1);
    assert_error(&err, DAUYS_E_PROOF, "has no counted protocol");
    assert_int_equal(dauys_audit_prove(receipt, sizeof receipt, &entry, NULL, fx.bundle, "P99",
                                       &fx.central_pk, NULL, &err),
                     -1);
    assert_error(&err, DAUYS_E_PROOF, "has no counted protocol");
    assert_int_equal(entry, 77); /* untouched on failure */
}

/* --- consistency --------------------------------------------------------------------------- */

/* The final bundle extends bundle0's checkpoint; the proof it gives checks
 * offline between the two signed checkpoints. */
static void
test_consistency_holds(void **state)
{
    dauys_proof_text proof;
    dauys_checkpoint old_cp, new_cp;
    char text[DAUYS_PROOF_TEXT_MAX], *old_note, *new_note;
    size_t old_len, new_len;
    dauys_error err;

    (void) state;
    old_note = slurp_in(fx.bundle0, "checkpoint", &old_len);
    new_note = slurp_in(fx.bundle, "checkpoint", &new_len);
    assert_int_equal(dauys_audit_consistency(&proof, &old_cp, &new_cp, old_note, old_len, fx.bundle,
                                             &fx.central_pk, &err),
                     0);
    assert_int_equal(old_cp.size, fx.entries0);
    assert_int_equal(new_cp.size, fx.entries);
    assert_string_equal(old_cp.origin, "dauys/" REFERENDUM "/test");
    assert_int_equal(proof.type, DAUYS_PROOF_CONSISTENCY);
    assert_int_equal(proof.index, fx.entries0);
    assert_int_equal(proof.size, fx.entries);
    assert_int_equal(dauys_proof_format(text, sizeof text, &proof, &err), 0);
    assert_int_equal(dauys_audit_check_consistency(old_note, old_len, new_note, new_len, text,
                                                   strlen(text), &fx.central_pk, &err),
                     0);
    /* another key signed neither checkpoint */
    assert_int_equal(dauys_audit_check_consistency(old_note, old_len, new_note, new_len, text,
                                                   strlen(text), &fx.attacker_pk, &err),
                     -1);
    free(old_note);
    free(new_note);
}

/* Serving bundle0 to someone who holds the newer checkpoint: rolled back. */
static void
test_consistency_rolled_back(void **state)
{
    dauys_proof_text proof;
    dauys_checkpoint old_cp, new_cp;
    char *note;
    size_t len;
    dauys_error err;

    (void) state;
    note = slurp_in(fx.bundle, "checkpoint", &len);
    assert_int_equal(dauys_audit_consistency(&proof, &old_cp, &new_cp, note, len, fx.bundle0,
                                             &fx.central_pk, &err),
                     -1);
    assert_error(&err, DAUYS_E_PROOF, "rolled back");
    free(note);
}

/* The consistency proof with its first hash corrupted is refused. */
static void
test_consistency_corrupted(void **state)
{
    dauys_proof_text proof;
    dauys_checkpoint old_cp, new_cp;
    char text[DAUYS_PROOF_TEXT_MAX], *old_note, *new_note, *hash;
    size_t old_len, new_len;
    dauys_error err;

    (void) state;
    old_note = slurp_in(fx.bundle0, "checkpoint", &old_len);
    new_note = slurp_in(fx.bundle, "checkpoint", &new_len);
    assert_int_equal(dauys_audit_consistency(&proof, &old_cp, &new_cp, old_note, old_len, fx.bundle,
                                             &fx.central_pk, &err),
                     0);
    assert_int_equal(dauys_proof_format(text, sizeof text, &proof, &err), 0);
    hash = strstr(text, "\nhash: ");
    assert_non_null(hash);
    hash += 7; /* its first base64 character: another valid one changes the high bits */
    *hash = *hash == 'A' ? 'B' : 'A';
    assert_int_equal(dauys_audit_check_consistency(old_note, old_len, new_note, new_len, text,
                                                   strlen(text), &fx.central_pk, &err),
                     -1);
    assert_error(&err, DAUYS_E_PROOF, NULL);
    free(old_note);
    free(new_note);
}

/* --- bytes outside the log's entries (issue 15, item 6) ------------------------------------ */

/* Appends LEN bytes of DATA to DIR/REL. */
static void
append_to(const char *dir, const char *rel, const char *data, size_t len)
{
    char *path = support_path(dir, rel);
    FILE *fp = fopen(path, "ab");

    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
    free(path);
}

/* NUL-led bytes after the last entry belong to no entry: I1 says so, and
 * nothing else fails (the entries, and so the roots and the database, are
 * unchanged), in the directory and in its archive. */
static void
test_log_stray_bytes(void **state)
{
    static const char garbage[] = "\0status: final\n";
    char *dir = copy_bundle("stray"), *tar = support_path(fx.dir, "stray.tar");
    dauys_audit_summary sum;
    dauys_error err;
    findings fs;

    (void) state;
    append_to(dir, "log/entries.txt", garbage, sizeof garbage - 1);
    assert_int_equal(dauys_archive_pack(dir, tar, &err), 0);
    for (int k = 0; k < 2; k++) {
        audit(k == 0 ? dir : tar, &fx.central_pk, &sum, &fs);
        assert_fails(&fs, &sum, BIT(CK_I1));
        assert_int_equal(fs.count, 1);
        assert_string_equal(fs.where[0], "log/entries.txt");
        assert_non_null(strstr(fs.message[0], "15 bytes after log entry 15"));
        assert_int_equal(sum.entries, fx.entries);
        assert_int_equal(sum.database, 1); /* C3 ran, and passed */
    }
    free(dir);
    free(tar);
}

/* --- cost in manifest versions (issue 15, item 8) ---------------------------------------- */

/* Writes the one-precinct manifest of version V, signed, as DIR/mv.txt. */
static void
write_small_manifest(const char *dir, unsigned v)
{
    char text[1024], b64[57];

    dauys_keys_pubkey_to_base64(b64, &fx.pk[0]);
    snprintf(text, sizeof text,
             "format: dauys-manifest 1\nreferendum: " REFERENDUM "\ntitle: Versions\n"
             "date: 2026-03-15\nmode: test\nversion: %u\nballot: single\n"
             "question: q1 kz-constitutional Do you approve?\n"
             "question: q2 simple-majority Do you approve of the other?\n"
             "region: AST capital Astana\ndistrict: AST-D1 AST Esil\n"
             "precinct: P00 AST-D1 1000 %s School\n",
             v, b64);
    support_write_signed(dir, "mv.txt", text, fx.central_sk);
}

/* A bundle ROOT/NAME (and ROOT/NAME.tar) of a workspace whose manifest has
 * VERSIONS versions, then P00's protocol; the caller frees both names. */
static void
versions_bundle(const char *root, const char *name, unsigned versions, char **bundle, char **tar)
{
    char sub[64], *ws_dir, *mv, *cp = support_path(fx.dir, "central.pub");
    dauys_workspace *ws;
    dauys_publication pub;
    dauys_error err;

    snprintf(sub, sizeof sub, "%s-ws", name);
    ws_dir = support_path(root, sub);
    mv = support_path(ws_dir, "mv.txt");
    assert_int_equal(mkdir(ws_dir, 0700), 0);
    write_small_manifest(ws_dir, 1);
    assert_int_equal(dauys_workspace_init(ws_dir, mv, cp, &err), 0);
    assert_int_equal(dauys_workspace_open(&ws, ws_dir, &err), 0);
    for (unsigned v = 2; v <= versions; v++) {
        write_small_manifest(ws_dir, v);
        if (dauys_workspace_update_manifest(ws, mv, &err) != 0) {
            fail_msg("version %u: %s", v, err.message);
        }
    }
    char *in = support_path(ws_dir, "in");
    dauys_ingest_summary sum;
    assert_int_equal(mkdir(in, 0700), 0);
    support_write_signed(in, "P00.txt", fx.proto[0], fx.sk[0]);
    assert_int_equal(dauys_ingest(ws, &in, 1, 1, &sum, NULL, &err), 0);
    assert_int_equal(sum.accepted, 1);
    free(in);
    *bundle = support_path(root, name);
    assert_int_equal(dauys_publish(&pub, ws, fx.central_sk, *bundle, &err), 0);
    snprintf(sub, sizeof sub, "%s.tar", name);
    *tar = support_path(root, sub);
    assert_int_equal(dauys_archive_pack(*bundle, *tar, &err), 0);
    dauys_workspace_close(ws);
    free(ws_dir);
    free(mv);
    free(cp);
}

/* The least CPU time (seconds) of three audits of BUNDLE on one thread, which must pass. */
static double
audit_cpu_seconds(const char *bundle, unsigned versions)
{
    dauys_audit_options opt = {.central = &fx.central_pk, .threads = 1};
    dauys_audit_summary sum;
    dauys_error err;
    double best = 1e9;

    for (int run = 0; run < 3; run++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
        assert_int_equal(dauys_audit_verify(&sum, bundle, &opt, &err), 0);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
        double t = (double) (t1.tv_sec - t0.tv_sec) + 1e-9 * (double) (t1.tv_nsec - t0.tv_nsec);
        best = t < best ? t : best;
        for (int i = 0; i < DAUYS_AUDIT_CHECKS; i++) {
            assert_int_equal(sum.failed[i], 0);
        }
        assert_int_equal(sum.entries, versions + 2); /* the versions, P00 and the result */
        assert_int_equal(sum.counted, 1);
    }
    return best;
}

/* The audit's cost grows linearly (or n log n) with the manifest versions,
 * not with their square: sixteen times the versions cost at most 24 times
 * the CPU time (linear: 16 at most, fixed costs make it less), in a
 * directory and in an archive. Measured as a ratio of two sizes in one run,
 * on one thread, as CPU time, the least of three: the machine's speed and
 * load cancel out. Quadratic, as it was, the ratio was over 30. */
static void
test_manifest_versions_linear(void **state)
{
    enum { SMALL = 125, LARGE = 16 * SMALL };
    char shm[] = "/dev/shm/dauys-versions.XXXXXX", *root = mkdtemp(shm), *fallback = NULL;
    char *small_dir, *small_tar, *large_dir, *large_tar;

    (void) state;
    if (root == NULL) { /* no tmpfs: the same test, slower (a commit per version syncs) */
        root = fallback = support_path(fx.dir, "versions");
        assert_int_equal(mkdir(root, 0700), 0);
    }
    versions_bundle(root, "small", SMALL, &small_dir, &small_tar);
    versions_bundle(root, "large", LARGE, &large_dir, &large_tar);
    for (int k = 0; k < 2; k++) {
        double small = audit_cpu_seconds(k == 0 ? small_dir : small_tar, SMALL);
        double large = audit_cpu_seconds(k == 0 ? large_dir : large_tar, LARGE);
        print_message("  %s: %u versions %.3f s, %u versions %.3f s, ratio %.1f\n",
                      k == 0 ? "directory" : "archive", SMALL, small, LARGE, large, large / small);
        if (large > 24 * small) {
            fail_msg("%s: %u manifest versions cost %.1f times the CPU time of %u",
                     k == 0 ? "directory" : "archive", LARGE, large / small, SMALL);
        }
    }
    free(small_dir);
    free(small_tar);
    free(large_dir);
    free(large_tar);
    if (fallback == NULL) {
        support_rmdir(root);
    }
    free(fallback);
}

/* --- fixture ----------------------------------------------------------------------------- */

static int
setup(void **state)
{
    dauys_error err;

    (void) state;
    fx.dir = support_tmpdir();
    if (dauys_keys_generate(&fx.central_pk, &fx.central_sk, &err) != 0 ||
        dauys_keys_generate(&fx.attacker_pk, &fx.attacker_sk, &err) != 0) {
        return -1;
    }
    for (int i = 0; i < PRECINCTS; i++) {
        if (dauys_keys_generate(&fx.pk[i], &fx.sk[i], &err) != 0) {
            return -1;
        }
    }
    build_referendum();
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    for (int i = 0; i < PRECINCTS; i++) {
        dauys_keys_seckey_free(fx.sk[i]);
    }
    dauys_keys_seckey_free(fx.central_sk);
    dauys_keys_seckey_free(fx.attacker_sk);
    free(fx.bundle0);
    free(fx.bundle);
    free(fx.archive);
    support_rmdir(fx.dir);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_order),
        cmocka_unit_test(test_clean_bundle_passes),
        cmocka_unit_test(test_provisional_bundle_passes),
        cmocka_unit_test(test_protocol_byte_changed),
        cmocka_unit_test(test_extra_file),
        cmocka_unit_test(test_database_findings_same_on_threads),
        cmocka_unit_test(test_wrong_central_key),
        cmocka_unit_test(test_trust_pins),
        cmocka_unit_test(test_reports_compared),
        cmocka_unit_test(test_report_page_altered),
        cmocka_unit_test(test_report_rows),
        cmocka_unit_test(test_report_page_unreadable),
        cmocka_unit_test(test_reports_absent),
        cmocka_unit_test(test_archive_same_as_directory),
        cmocka_unit_test(test_archive_database_in_place),
        cmocka_unit_test(test_oom_verify),
        cmocka_unit_test(test_oom_verify_archive),
        cmocka_unit_test(test_oom_verify_counting),
        cmocka_unit_test(test_oom_prove),
        cmocka_unit_test(test_oom_check_receipt),
        cmocka_unit_test(test_receipt_checks),
        cmocka_unit_test(test_receipt_other_protocol),
        cmocka_unit_test(test_receipt_flips_rejected),
        cmocka_unit_test(test_prove_uncounted),
        cmocka_unit_test(test_consistency_holds),
        cmocka_unit_test(test_consistency_rolled_back),
        cmocka_unit_test(test_consistency_corrupted),
        cmocka_unit_test(test_log_stray_bytes),
        cmocka_unit_test(test_witnesses),
        cmocka_unit_test(test_manifest_versions_linear),
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
