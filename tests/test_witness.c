/*
 * test_witness.c: the tlog-witness's request parser and its checks
 * (audit/tlog_witness.h): the spec's example body parses; every status the spec
 * names, each for the one reason meant; the state kept across a reopen, a
 * corrupt state refused, a fork kept as evidence; the cosignature checked
 * here with libsodium from the spec's message layout, not with keys/cosig.
 */
#include "tests/support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "audit/follow.h"
#include "audit/tlog_witness.h"
#include "core/alloc.h"
#include "core/file.h"
#include "core/merkle.h"
#include "keys/cosig.h"
#include "keys/note.h"

#define ORIGIN "dauys/kz-2026/test"
#define WNAME "witness.example/w1"
#define EM_DASH "\xE2\x80\x94"
#define LEAVES 40

/* The spec's example request body (c2sp.org/tlog-witness). */
static const char spec_body[] =
    "old 20852014\n"
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
    "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
    "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
    "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
    "\n"
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n" EM_DASH " example.com/behind-the-sofa "
    "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
    "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n" EM_DASH " example.com/behind-the-sofa "
    "opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q="
    "\n";

typedef struct fixture {
    dauys_pubkey log_pk, other_pk, w_pk;
    dauys_seckey *log_sk, *other_sk, *w_sk;
    /* A tree of LEAVES leaves: every complete node, by level and index. */
    uint8_t node[7][LEAVES][DAUYS_HASH_BYTES];
    /* Another tree (a fork from leaf 5 on). */
    uint8_t fork[7][LEAVES][DAUYS_HASH_BYTES];
    dauys_witness_log log;
    char body[DAUYS_WITNESS_BODY_MAX];
    size_t len;
    const char *dir;
} fixture;

static fixture *F;

static int
store_node(unsigned level, uint64_t index, const uint8_t hash[DAUYS_HASH_BYTES], void *ctx,
           dauys_error *err)
{
    uint8_t(*t)[LEAVES][DAUYS_HASH_BYTES] = ctx;

    (void) err;
    memcpy(t[level][index], hash, DAUYS_HASH_BYTES);
    return 0;
}

static int
get_node(uint8_t out[DAUYS_HASH_BYTES], unsigned level, uint64_t index, void *ctx, dauys_error *err)
{
    uint8_t(*t)[LEAVES][DAUYS_HASH_BYTES] = ctx;

    (void) err;
    memcpy(out, t[level][index], DAUYS_HASH_BYTES);
    return 0;
}

static void
build_tree(uint8_t t[7][LEAVES][DAUYS_HASH_BYTES], int fork_at)
{
    dauys_merkle_range r;
    dauys_error err;

    dauys_merkle_range_init(&r);
    for (int i = 0; i < LEAVES; i++) {
        char entry[32];
        uint8_t leaf[DAUYS_HASH_BYTES];
        snprintf(entry, sizeof entry, "%s %d", i >= fork_at ? "forked" : "entry", i);
        assert_int_equal(dauys_merkle_leaf_hash(leaf, entry, strlen(entry)), 0);
        assert_int_equal(dauys_merkle_range_append(&r, leaf, store_node, t, &err), 0);
    }
}

static int
setup(void **state)
{
    uint8_t seed[32] = {7};
    fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    assert_non_null(f->log_sk = dauys_keys_seckey_new());
    assert_non_null(f->other_sk = dauys_keys_seckey_new());
    assert_non_null(f->w_sk = dauys_keys_seckey_new());
    assert_int_equal(dauys_keys_from_seed(&f->log_pk, f->log_sk, seed, NULL), 0);
    seed[0] = 8;
    assert_int_equal(dauys_keys_from_seed(&f->other_pk, f->other_sk, seed, NULL), 0);
    seed[0] = 9;
    assert_int_equal(dauys_keys_from_seed(&f->w_pk, f->w_sk, seed, NULL), 0);
    build_tree(f->node, LEAVES);
    build_tree(f->fork, 5);
    snprintf(f->log.origin, sizeof f->log.origin, "%s", ORIGIN);
    f->log.key = f->log_pk;
    F = f;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;

    dauys_keys_seckey_free(f->log_sk);
    dauys_keys_seckey_free(f->other_sk);
    dauys_keys_seckey_free(f->w_sk);
    free(f);
    return 0;
}

/* The root of the first SIZE leaves of tree T. */
static void
root_of(uint8_t out[DAUYS_HASH_BYTES], uint8_t t[7][LEAVES][DAUYS_HASH_BYTES], uint64_t size)
{
    assert_int_equal(dauys_merkle_root(out, size, get_node, t, NULL), 0);
}

/* A checkpoint note of tree T at SIZE, with EXTRA text lines, signed by SK. */
static void
checkpoint(char *out, size_t cap, uint8_t t[7][LEAVES][DAUYS_HASH_BYTES], uint64_t size,
           const char *extra, const dauys_seckey *sk)
{
    dauys_checkpoint cp = {.origin = ORIGIN, .size = size};
    char text[1024];

    root_of(cp.root, t, size);
    assert_int_equal(dauys_checkpoint_format(text, sizeof text, &cp, NULL), 0);
    strcat(text, extra);
    assert_int_equal(dauys_note_sign(out, cap, text, ORIGIN, sk, NULL), 0);
}

/* F->body: "old OLD", the proof of tree T from OLD to SIZE (none if OLD is 0
 * or PROOF_LINES is 0), the empty line and NOTE. */
static void
body_with(uint64_t old, uint8_t t[7][LEAVES][DAUYS_HASH_BYTES], uint64_t size, int proof_lines,
          const char *note)
{
    dauys_merkle_proof p = {0};
    char *b = F->body;
    size_t n = 0;

    if (old > 0 && old <= size && proof_lines) {
        assert_int_equal(dauys_merkle_consistency_proof(&p, old, size, get_node, t, NULL), 0);
    }
    n += (size_t) snprintf(b + n, sizeof F->body - n, "old %llu\n", (unsigned long long) old);
    for (size_t i = 0; i < p.count; i++) {
        sodium_bin2base64(b + n, sizeof F->body - n, p.hash[i], 32, sodium_base64_VARIANT_ORIGINAL);
        n = strlen(b);
        b[n++] = '\n';
    }
    n += (size_t) snprintf(b + n, sizeof F->body - n, "\n%s", note);
    F->len = n;
}

/* A request from OLD to SIZE of the good tree, signed by the log. */
static void
good_body(uint64_t old, uint64_t size)
{
    char note[1024];

    checkpoint(note, sizeof note, F->node, size, "", F->log_sk);
    body_with(old, F->node, size, 1, note);
}

static void
decide(dauys_witness_verdict *v)
{
    dauys_witness_decide(v, F->body, F->len, &F->log, 1);
}

static void
test_spec_example_parses(void **state)
{
    dauys_witness_request r;
    dauys_witness_verdict v;
    dauys_witness_log sofa = {.origin = "example.com/behind-the-sofa"};
    (void) state;

    assert_int_equal(dauys_witness_parse(&r, spec_body, strlen(spec_body), NULL), 0);
    assert_int_equal(r.old_size, 20852014);
    assert_int_equal(r.proof.count, 4);
    assert_int_equal(r.proof.hash[0][0], 0x3e); /* "PlRN" */
    assert_int_equal(r.proof.hash[3][31], 0xfd);
    assert_true(strncmp(r.note, "example.com/behind-the-sofa\n20852163\n", 37) == 0);
    assert_int_equal(r.note_len, strlen(spec_body) - (size_t) (r.note - spec_body));
    /* A log this witness does not serve: 404; served under another key: 403. */
    dauys_witness_decide(&v, spec_body, strlen(spec_body), &F->log, 1);
    assert_int_equal(v.status, 404);
    sofa.key = F->log_pk;
    dauys_witness_decide(&v, spec_body, strlen(spec_body), &sofa, 1);
    assert_int_equal(v.status, 403);
    assert_int_equal(v.why.status, DAUYS_E_KEY_ID);
}

static void
test_parse_refuses(void **state)
{
    static const char *const bad[] = {
        "",
        "old 5",                           /* no newline */
        "old 05\n\nx\n",                   /* leading zero */
        "old -1\n\nx\n",                   /* sign */
        "old  5\n\nx\n",                   /* two spaces */
        "old 18446744073709551616\n\nx\n", /* over 64 bits */
        "olds 5\n\nx\n",
        "OLD 5\n\nx\n",
        "old 5\r\n\nx\n",
        "old 5\n",                                               /* no empty line */
        "old 5\n\n",                                             /* no checkpoint */
        "old 5\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n", /* ends before the empty line */
        "old 5\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkax=\n\nx\n",  /* not canonical */
        "old 5\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpka=\n\nx\n",   /* short */
        "old 5\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw= \n\nx\n", /* trailing space */
        "old 5\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw\n\nx\n",   /* unpadded */
    };
    dauys_witness_request r;
    dauys_error err;
    char big[64 * 46 + 64];
    size_t n = 0;
    (void) state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dauys_error_clear(&err);
        if (dauys_witness_parse(&r, bad[i], strlen(bad[i]), &err) == 0) {
            fail_msg("parsed: %s", bad[i]);
        }
        assert_int_equal(err.status, DAUYS_E_FORMAT);
    }
    /* 63 proof lines are allowed, 64 are not. */
    n += (size_t) sprintf(big, "old 5\n");
    for (int i = 0; i < 63; i++) {
        n += (size_t) sprintf(big + n, "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n");
    }
    strcpy(big + n, "\nx\n");
    assert_int_equal(dauys_witness_parse(&r, big, strlen(big), NULL), 0);
    assert_int_equal(r.proof.count, 63);
    n += (size_t) sprintf(big + n, "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n\nx\n");
    assert_int_equal(dauys_witness_parse(&r, big, strlen(big), &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "more than 63");
}

static void
test_first_and_growth(void **state)
{
    dauys_witness_verdict v;
    (void) state;

    F->log.cosigned = 0;
    good_body(0, 10); /* never cosigned: old 0, no proof */
    decide(&v);
    assert_int_equal(v.status, 200);
    assert_int_equal(v.cp.size, 10);
    F->log.cosigned = 1;
    F->log.last = v.cp;
    good_body(10, 17);
    decide(&v);
    assert_int_equal(v.status, 200);
    assert_int_equal(v.incident, DAUYS_WITNESS_NO_INCIDENT);
    /* The same checkpoint again, old = size, no proof: cosigned again. */
    good_body(10, 10);
    decide(&v);
    assert_int_equal(v.status, 200);
}

static void
test_every_refusal(void **state)
{
    dauys_witness_verdict v;
    char note[2048];
    (void) state;

    F->log.cosigned = 1;
    root_of(F->log.last.root, F->node, 10);
    F->log.last.size = 10;
    snprintf(F->log.last.origin, sizeof F->log.last.origin, "%s", ORIGIN);

    /* 413: over the cap, whatever it holds. */
    dauys_witness_decide(&v, F->body, DAUYS_WITNESS_BODY_MAX + 1, &F->log, 1);
    assert_int_equal(v.status, 413);
    /* 400: old > size. */
    checkpoint(note, sizeof note, F->node, 17, "", F->log_sk);
    body_with(18, F->node, 17, 0, note);
    decide(&v);
    assert_int_equal(v.status, 400);
    assert_non_null(strstr(v.why.message, "over the checkpoint's size"));
    /* 400: a proof with old 0. */
    {
        char b[8192];
        body_with(10, F->node, 17, 1, note);
        snprintf(b, sizeof b, "old 0\n%s", strchr(F->body, '\n') + 1);
        strcpy(F->body, b);
        F->len = strlen(b);
    }
    decide(&v);
    assert_int_equal(v.status, 400);
    assert_non_null(strstr(v.why.message, "must be empty"));
    /* 404: another origin (signed by the log's key all the same). */
    {
        dauys_checkpoint cp = {.origin = "dauys/kz-2026/official", .size = 17};
        root_of(cp.root, F->node, 17);
        assert_int_equal(dauys_checkpoint_sign(note, sizeof note, &cp, F->log_sk, NULL), 0);
        body_with(10, F->node, 17, 1, note);
        decide(&v);
        assert_int_equal(v.status, 404);
    }
    /* 403: signed by another key only. */
    checkpoint(note, sizeof note, F->node, 17, "", F->other_sk);
    body_with(10, F->node, 17, 1, note);
    decide(&v);
    assert_int_equal(v.status, 403);
    /* 403: the log's signature does not verify (a root byte changed). */
    checkpoint(note, sizeof note, F->node, 17, "", F->log_sk);
    note[strlen(ORIGIN) + 4] ^= 1;
    body_with(10, F->node, 17, 1, note);
    decide(&v);
    assert_true(v.status == 403 || v.status == 400); /* a changed base64 byte may not decode */
    /* 400: a malformed note under a known origin. */
    body_with(10, F->node, 17, 1, ORIGIN "\n17\nnot a root\n");
    decide(&v);
    assert_int_equal(v.status, 400);
    /* 409: old is not the size cosigned last; the body names it. */
    good_body(5, 17);
    decide(&v);
    assert_int_equal(v.status, 409);
    assert_true(v.size_conflict);
    assert_int_equal(v.known_size, 10);
    assert_int_equal(v.incident, DAUYS_WITNESS_NO_INCIDENT);
    good_body(0, 17);
    decide(&v);
    assert_int_equal(v.status, 409);
    assert_true(v.size_conflict);
    /* 422: one bit of the proof flipped; kept as evidence. */
    good_body(10, 17);
    F->body[strlen("old 10\n") + 3] ^= 0x01;
    decide(&v);
    assert_true(v.status == 422 || v.status == 400); /* still canonical base64 or not */
    good_body(10, 17);
    {
        char *h = F->body + strlen("old 10\n");
        h[0] = h[0] == 'A' ? 'B' : 'A'; /* the first character: always canonical */
    }
    decide(&v);
    assert_int_equal(v.status, 422);
    assert_int_equal(v.incident, DAUYS_WITNESS_INCONSISTENT);
    /* 422: a proof line too many, or one too few. */
    good_body(10, 17);
    {
        char b[8192];
        size_t head = strlen("old 10\n");
        snprintf(b, sizeof b, "%.*sPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n%s", (int) head,
                 F->body, F->body + head);
        strcpy(F->body, b);
        F->len = strlen(b);
    }
    decide(&v);
    assert_int_equal(v.status, 422);
    good_body(10, 17);
    {
        char b[8192];
        size_t head = strlen("old 10\n");
        snprintf(b, sizeof b, "%.*s%s", (int) head, F->body, F->body + head + 45);
        strcpy(F->body, b);
        F->len = strlen(b);
    }
    decide(&v);
    assert_int_equal(v.status, 422);
    /* 422: old = size, same root, but a proof given. */
    good_body(10, 10);
    {
        char b[8192];
        snprintf(b, sizeof b, "old 10\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n%s",
                 F->body + strlen("old 10\n"));
        strcpy(F->body, b);
        F->len = strlen(b);
    }
    decide(&v);
    assert_int_equal(v.status, 422);
    /* 422: a proof of the forked tree to a forked checkpoint. */
    checkpoint(note, sizeof note, F->fork, 17, "", F->log_sk);
    body_with(10, F->fork, 17, 1, note);
    decide(&v);
    assert_int_equal(v.status, 422);
    assert_int_equal(v.incident, DAUYS_WITNESS_INCONSISTENT);
}

static void
test_fork_same_size(void **state)
{
    dauys_witness_verdict v;
    char note[1024];
    (void) state;

    F->log.cosigned = 1;
    F->log.last.size = 17;
    root_of(F->log.last.root, F->node, 17);
    checkpoint(note, sizeof note, F->fork, 17, "", F->log_sk);
    body_with(17, F->fork, 17, 0, note);
    decide(&v);
    assert_int_equal(v.status, 409);
    assert_int_equal(v.incident, DAUYS_WITNESS_FORK);
    assert_false(v.size_conflict);
    /* With a wrong old size too: still a fork, the body the size. */
    body_with(3, F->fork, 17, 0, note);
    decide(&v);
    assert_int_equal(v.status, 409);
    assert_int_equal(v.incident, DAUYS_WITNESS_FORK);
    assert_true(v.size_conflict);
    /* Signed by another key: no evidence of anything (403). */
    checkpoint(note, sizeof note, F->fork, 17, "", F->other_sk);
    body_with(17, F->fork, 17, 0, note);
    decide(&v);
    assert_int_equal(v.status, 403);
    assert_int_equal(v.incident, DAUYS_WITNESS_NO_INCIDENT);
}

static void
test_extensions_and_other_signatures(void **state)
{
    dauys_witness_verdict v;
    char note[2048], two[4096];
    const char *sig;
    (void) state;

    F->log.cosigned = 1;
    F->log.last.size = 10;
    root_of(F->log.last.root, F->node, 10);
    checkpoint(note, sizeof note, F->node, 17, "ext line one\nanother: 2\n", F->log_sk);
    body_with(10, F->node, 17, 1, note);
    decide(&v);
    assert_int_equal(v.status, 200);
    /* The cosigned text: the three lines and the extension lines. */
    assert_int_equal(v.text_len, (size_t) (strstr(note, "\n\n") + 1 - note));
    /* A signature by an unknown key before the log's: ignored. */
    sig = strstr(note, "\n\n") + 2;
    snprintf(two, sizeof two, "%.*s" EM_DASH " someone.else/key AAAAAAAAAAAAAAAAAAAAAAAAAAAA\n%s",
             (int) (sig - note), note, sig);
    body_with(10, F->node, 17, 1, two);
    decide(&v);
    assert_int_equal(v.status, 200);
    /* Extension lines beyond what a cosignature covers: 400, not a 500 a log
     * would retry forever. */
    {
        static char text[DAUYS_COSIG_TEXT_MAX + 256], big[DAUYS_COSIG_TEXT_MAX + 512];
        dauys_checkpoint cp = {.origin = ORIGIN, .size = 17};
        size_t n;

        root_of(cp.root, F->node, 17);
        assert_int_equal(dauys_checkpoint_format(text, sizeof text, &cp, NULL), 0);
        n = strlen(text);
        memset(text + n, 'x', DAUYS_COSIG_TEXT_MAX);
        text[n + DAUYS_COSIG_TEXT_MAX] = '\n';
        text[n + DAUYS_COSIG_TEXT_MAX + 1] = '\0';
        assert_int_equal(dauys_note_sign(big, sizeof big, text, ORIGIN, F->log_sk, NULL), 0);
        body_with(10, F->node, 17, 1, big);
        decide(&v);
        assert_int_equal(v.status, 400);
        assert_non_null(strstr(v.why.message, "over the 8192 a cosignature covers"));
    }
}

static void
test_two_logs(void **state)
{
    dauys_witness_log logs[2];
    dauys_witness_verdict v;
    dauys_checkpoint cp = {.origin = "example.org/second", .size = 3};
    char note[1024];
    (void) state;

    memset(logs, 0, sizeof logs);
    logs[0] = F->log;
    logs[0].cosigned = 0;
    snprintf(logs[1].origin, sizeof logs[1].origin, "%s", "example.org/second");
    logs[1].key = F->other_pk;
    root_of(cp.root, F->node, 3);
    assert_int_equal(dauys_checkpoint_sign(note, sizeof note, &cp, F->other_sk, NULL), 0);
    body_with(0, F->node, 3, 0, note);
    dauys_witness_decide(&v, F->body, F->len, logs, 2);
    assert_int_equal(v.status, 200);
    assert_int_equal(v.log, 1);
    /* The first log's key does not sign for the second. */
    assert_int_equal(dauys_checkpoint_sign(note, sizeof note, &cp, F->log_sk, NULL), 0);
    body_with(0, F->node, 3, 0, note);
    dauys_witness_decide(&v, F->body, F->len, logs, 2);
    assert_int_equal(v.status, 403);
    /* Only the first log served: 404. */
    dauys_witness_decide(&v, F->body, F->len, logs, 1);
    assert_int_equal(v.status, 404);
}

/* Checks cosignature LINE on NOTE's text by the witness, at a time in [LO, HI],
 * from the spec's layout: key id, timestamp, Ed25519 over the message. */
static void
check_cosignature(const char *line, const char *note, uint64_t lo, uint64_t hi)
{
    uint8_t bin[76], kid[32];
    size_t got = 0, text_len = (size_t) (strstr(note, "\n\n") + 1 - note);
    const char *b64 = line + strlen(EM_DASH " " WNAME " ");
    char msg[4096];
    uint64_t t = 0;
    int n;
    crypto_hash_sha256_state h;

    assert_true(strncmp(line, EM_DASH " " WNAME " ", strlen(EM_DASH " " WNAME " ")) == 0);
    assert_int_equal(strlen(b64), 104 + 1);
    assert_int_equal(b64[104], '\n');
    assert_int_equal(sodium_base642bin(bin, sizeof bin, b64, 104, NULL, &got, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(got, 76);
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const uint8_t *) WNAME "\n\x04", strlen(WNAME) + 2);
    crypto_hash_sha256_update(&h, F->w_pk.pk, 32);
    crypto_hash_sha256_final(&h, kid);
    assert_memory_equal(bin, kid, 4);
    for (int i = 0; i < 8; i++) {
        t = t << 8 | bin[4 + i];
    }
    assert_true(t >= lo && t <= hi);
    n = snprintf(msg, sizeof msg, "cosignature/v1\ntime %llu\n%.*s", (unsigned long long) t,
                 (int) text_len, note);
    assert_int_equal(
        crypto_sign_verify_detached(bin + 12, (const uint8_t *) msg, (size_t) n, F->w_pk.pk), 0);
}

/* The number of files in DIR. */
static int
count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

static void
open_witness(dauys_witness **w, dauys_witness_config *cfg, const char *dir)
{
    dauys_error err;

    memset(cfg, 0, sizeof *cfg);
    cfg->state_dir = dir;
    cfg->name = WNAME;
    cfg->sk = F->w_sk;
    cfg->count = 1;
    cfg->log[0].origin = ORIGIN;
    cfg->log[0].key = F->log_pk;
    if (dauys_witness_open(w, cfg, &err) != 0) {
        fail_msg("open: %s", err.message);
    }
}

static void
test_witness_state(void **state)
{
    const char *dir = support_tmpdir();
    char state_dir[2048], evidence[2100], path[4400], note[1024];
    dauys_witness_config cfg, cfg2;
    dauys_witness *w = NULL, *w2 = NULL;
    dauys_witness_answer a;
    dauys_error err;
    char *text;
    size_t len;
    (void) state;

    snprintf(state_dir, sizeof state_dir, "%s/state", dir);
    snprintf(evidence, sizeof evidence, "%s/evidence", state_dir);
    open_witness(&w, &cfg, state_dir);
    /* A second witness on the same state is refused. */
    memset(&cfg2, 0, sizeof cfg2);
    cfg2 = cfg;
    assert_int_equal(dauys_witness_open(&w2, &cfg2, &err), -1);
    assert_error(&err, DAUYS_E_IO, "another witness");

    checkpoint(note, sizeof note, F->node, 10, "", F->log_sk);
    body_with(0, F->node, 10, 0, note);
    dauys_witness_add_checkpoint(&a, w, F->body, F->len, 1700000000);
    assert_int_equal(a.status, 200);
    assert_string_equal(a.content_type, "text/plain; charset=utf-8");
    assert_int_equal(a.body_len, strlen(a.body));
    check_cosignature(a.body, note, 1700000000, 1700000000);
    { /* keys/cosig agrees: the answer appended to the note is a cosigned checkpoint */
        char cosigned[2048];
        uint64_t t = 0;
        snprintf(cosigned, sizeof cosigned, "%s%s", note, a.body);
        assert_int_equal(dauys_cosig_verify(&t, cosigned, strlen(cosigned), dauys_witness_key_of(w),
                                            "cosigned", &err),
                         0);
        assert_int_equal(t, 1700000000);
    }
    /* On disk before the answer: the note as received. */
    assert_int_equal(dauys_witness_state_path(path, sizeof path, state_dir, ORIGIN), 0);
    assert_int_equal(dauys_file_read(&text, &len, path, 1 << 20, NULL), 0);
    assert_int_equal(len, strlen(note));
    assert_memory_equal(text, note, len);
    dauys_free(text);

    good_body(10, 17);
    dauys_witness_add_checkpoint(&a, w, F->body, F->len, 1700000001);
    assert_int_equal(a.status, 200);
    dauys_witness_close(w);

    /* Reopened: it remembers 17; the size answer as the spec says. */
    open_witness(&w, &cfg, state_dir);
    good_body(10, 20);
    dauys_witness_add_checkpoint(&a, w, F->body, F->len, 1700000002);
    assert_int_equal(a.status, 409);
    assert_string_equal(a.content_type, "text/x.tlog.size");
    assert_string_equal(a.body, "17\n");
    assert_int_equal(count_files(evidence), 0);
    /* A fork of size 17: refused, both checkpoints kept in one new file. */
    checkpoint(note, sizeof note, F->fork, 17, "", F->log_sk);
    body_with(17, F->fork, 17, 0, note);
    dauys_witness_add_checkpoint(&a, w, F->body, F->len, 1700000003);
    assert_int_equal(a.status, 409);
    assert_non_null(strstr(a.summary, "evidence kept"));
    assert_int_equal(count_files(evidence), 1);
    {
        DIR *d = opendir(evidence);
        struct dirent *e;
        while ((e = readdir(d)) != NULL && e->d_name[0] == '.') {
        }
        assert_non_null(e);
        assert_non_null(strstr(e->d_name, "-fork-17-17-"));
        snprintf(path, sizeof path, "%s/%s", evidence, e->d_name);
        closedir(d);
    }
    assert_int_equal(dauys_file_read(&text, &len, path, 1 << 20, NULL), 0);
    assert_non_null(strstr(text, "kind fork\n"));
    assert_non_null(strstr(text, F->body)); /* the request as received */
    {
        char good[1024];
        checkpoint(good, sizeof good, F->node, 17, "", F->log_sk);
        assert_non_null(strstr(text, good)); /* the stored checkpoint */
    }
    dauys_free(text);
    /* The state did not move: 17 still. */
    good_body(17, 20);
    dauys_witness_add_checkpoint(&a, w, F->body, F->len, 1700000004);
    assert_int_equal(a.status, 200);
    dauys_witness_close(w);

    /* A state file that does not verify: the witness refuses to start. */
    assert_int_equal(dauys_witness_state_path(path, sizeof path, state_dir, ORIGIN), 0);
    assert_int_equal(dauys_file_read(&text, &len, path, 1 << 20, NULL), 0);
    text[strlen(ORIGIN) + 1] = '9'; /* the size */
    assert_int_equal(dauys_file_write_atomic(path, text, len, 0644, NULL), 0);
    dauys_free(text);
    assert_int_equal(dauys_witness_open(&w, &cfg, &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "log-");
    assert_non_null(strstr(err.message, "refusing to start"));
    support_rmdir(dir);
}

/* Evidence is kept once per checkpoint the log signed: the same signed
 * checkpoint sent again with other signature lines (by keys the witness
 * ignores, which anyone can add) is the same incident, so a third party
 * replaying one public checkpoint cannot fill the evidence directory (and so
 * have a real fork later go unkept). */
static void
test_evidence_once_per_signed_checkpoint(void **state)
{
    const char *dir = support_tmpdir();
    char state_dir[2048], evidence[2100], note[1024], more[2048];
    dauys_witness_config cfg;
    dauys_witness *w = NULL;
    dauys_witness_answer a;
    const char *sig;
    (void) state;

    snprintf(state_dir, sizeof state_dir, "%s/state", dir);
    snprintf(evidence, sizeof evidence, "%s/evidence", state_dir);
    open_witness(&w, &cfg, state_dir);
    good_body(0, 10);
    dauys_witness_add_checkpoint(&a, w, F->body, F->len, 1700000000);
    assert_int_equal(a.status, 200);
    /* A fork of 10, three times, each with one more line by an unknown key. */
    checkpoint(note, sizeof note, F->fork, 10, "", F->log_sk);
    sig = strstr(note, "\n\n") + 2;
    for (int i = 0; i < 3; i++) {
        snprintf(more, sizeof more,
                 "%.*s" EM_DASH " junk.example/%d AAAAAAAAAAAAAAAAAAAAAAAAAAAA\n%s",
                 (int) (sig - note), note, i, sig);
        body_with(10, F->fork, 10, 0, i == 0 ? note : more);
        dauys_witness_add_checkpoint(&a, w, F->body, F->len, 1700000001 + (uint64_t) i);
        assert_int_equal(a.status, 409);
    }
    assert_int_equal(count_files(evidence), 1);
    /* A signed checkpoint of 17 with a bad proof, likewise. */
    checkpoint(note, sizeof note, F->node, 17, "", F->log_sk);
    sig = strstr(note, "\n\n") + 2;
    for (int i = 0; i < 3; i++) {
        snprintf(more, sizeof more,
                 "%.*s" EM_DASH " junk.example/%d AAAAAAAAAAAAAAAAAAAAAAAAAAAA\n%s",
                 (int) (sig - note), note, i, sig);
        body_with(10, F->node, 17, 1, i == 0 ? note : more);
        F->body[strlen("old 10\n")] = F->body[strlen("old 10\n")] == 'A' ? 'B' : 'A';
        dauys_witness_add_checkpoint(&a, w, F->body, F->len, 1700000010 + (uint64_t) i);
        assert_int_equal(a.status, 422);
    }
    assert_int_equal(count_files(evidence), 2);
    dauys_witness_close(w);
    support_rmdir(dir);
}

/* The wall clock set back: a cosignature is never dated before one the
 * witness gave already. Otherwise it would say that at T it had seen 17
 * entries while an earlier-dated one says it had seen no more than 10 at a
 * later T (the cosignature's statement: the largest tree as of its time). */
static void
test_time_never_goes_back(void **state)
{
    const char *dir = support_tmpdir();
    char state_dir[2048], note[1024], cosigned[2048];
    dauys_witness_config cfg;
    dauys_witness *w = NULL;
    dauys_witness_answer a;
    dauys_error err;
    uint64_t t = 0;
    (void) state;

    snprintf(state_dir, sizeof state_dir, "%s/state", dir);
    open_witness(&w, &cfg, state_dir);
    good_body(0, 10);
    dauys_witness_add_checkpoint(&a, w, F->body, F->len, 1700000100);
    assert_int_equal(a.status, 200);
    checkpoint(note, sizeof note, F->node, 17, "", F->log_sk);
    body_with(10, F->node, 17, 1, note);
    dauys_witness_add_checkpoint(&a, w, F->body, F->len, 1700000000); /* 100 s back */
    assert_int_equal(a.status, 200);
    snprintf(cosigned, sizeof cosigned, "%s%s", note, a.body);
    assert_int_equal(dauys_cosig_verify(&t, cosigned, strlen(cosigned), dauys_witness_key_of(w),
                                        "cosigned", &err),
                     0);
    assert_true(t >= 1700000100);
    dauys_witness_close(w);
    support_rmdir(dir);
}

/* The checkpoint cosigned last, sent again (by anyone: it is public), is
 * cosigned again without rewriting the state: a replay costs no write and no
 * fsync under the witness's one lock, which the log's requests wait on. */
static void
test_replay_does_not_rewrite_state(void **state)
{
    const char *dir = support_tmpdir();
    char state_dir[2048], path[4400], linked[4500], note[1024], more[2048];
    dauys_witness_config cfg;
    dauys_witness *w = NULL;
    dauys_witness_answer a;
    struct stat before, after;
    const char *sig;
    (void) state;

    snprintf(state_dir, sizeof state_dir, "%s/state", dir);
    open_witness(&w, &cfg, state_dir);
    checkpoint(note, sizeof note, F->node, 10, "", F->log_sk);
    body_with(0, F->node, 10, 0, note);
    dauys_witness_add_checkpoint(&a, w, F->body, F->len, 1700000000);
    assert_int_equal(a.status, 200);
    assert_int_equal(dauys_witness_state_path(path, sizeof path, state_dir, ORIGIN), 0);
    snprintf(linked, sizeof linked, "%s.link", path);
    assert_int_equal(link(path, linked), 0); /* a second name: a new file would not have it */
    assert_int_equal(stat(path, &before), 0);
    assert_int_equal(before.st_nlink, 2);
    sig = strstr(note, "\n\n") + 2;
    snprintf(more, sizeof more, "%.*s" EM_DASH " junk.example/1 AAAAAAAAAAAAAAAAAAAAAAAAAAAA\n%s",
             (int) (sig - note), note, sig);
    for (int i = 0; i < 2; i++) {
        body_with(10, F->node, 10, 0, i == 0 ? note : more);
        dauys_witness_add_checkpoint(&a, w, F->body, F->len, 1700000001 + (uint64_t) i);
        assert_int_equal(a.status, 200);
        check_cosignature(a.body, note, 1700000001 + (uint64_t) i, 1700000001 + (uint64_t) i);
    }
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(after.st_nlink, 2); /* not replaced */
    assert_int_equal(before.st_ino, after.st_ino);
    /* and it still grows from there */
    good_body(10, 17);
    dauys_witness_add_checkpoint(&a, w, F->body, F->len, 1700000003);
    assert_int_equal(a.status, 200);
    dauys_witness_close(w);
    open_witness(&w, &cfg, state_dir);
    good_body(10, 20);
    dauys_witness_add_checkpoint(&a, w, F->body, F->len, 1700000004);
    assert_int_equal(a.status, 409);
    assert_string_equal(a.body, "17\n");
    dauys_witness_close(w);
    support_rmdir(dir);
}

/* follow --cosign, its witness sharing the state of the witness the log
 * asks: the kept checkpoint already carries that witness's cosignature (the
 * log published it). STATE/cosigned must still be a note any client reads:
 * one line by the witness, not two (two lines by one key make a note whose
 * cosignature by it counts for nothing). */
static void
test_follow_cosign_already_cosigned(void **state)
{
    const char *dir = support_tmpdir();
    char state_dir[2048], path[2200], note[1024], cosigned[2048];
    dauys_witness_config cfg;
    dauys_witness *w = NULL;
    dauys_witness_answer a;
    dauys_follow *f = calloc(1, sizeof *f);
    dauys_error err;
    uint64_t ahead = 9, t = 0;
    char *text;
    size_t len;
    (void) state;

    assert_non_null(f);
    snprintf(state_dir, sizeof state_dir, "%s/state", dir);
    open_witness(&w, &cfg, state_dir);
    checkpoint(note, sizeof note, F->node, 10, "", F->log_sk);
    body_with(0, F->node, 10, 0, note);
    dauys_witness_add_checkpoint(&a, w, F->body, F->len, 1700000000);
    assert_int_equal(a.status, 200);
    snprintf(cosigned, sizeof cosigned, "%s%s", note, a.body); /* as the log publishes it */
    /* the follower keeps that cosigned checkpoint */
    snprintf(f->state, sizeof f->state, "%s", dir);
    f->have_kept = 1;
    assert_int_equal(
        dauys_checkpoint_open(&f->kept, note, strlen(note), &F->log_pk, ORIGIN, "kept", &err), 0);
    f->kept_note = cosigned;
    f->kept_len = strlen(cosigned);
    f->leaves_fd = -1;
    assert_int_equal(dauys_follow_cosign(&a, &ahead, f, w, 1700000005, &err), 0);
    assert_int_equal(ahead, 0);
    assert_int_equal(a.status, 200);
    snprintf(path, sizeof path, "%s/%s", dir, DAUYS_FOLLOW_COSIGNED);
    assert_int_equal(dauys_file_read(&text, &len, path, 1 << 20, NULL), 0);
    if (dauys_cosig_verify(&t, text, len, dauys_witness_key_of(w), "cosigned", &err) != 0) {
        fail_msg("%s", err.message);
    }
    dauys_free(text);
    dauys_witness_close(w);
    free(f);
    support_rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_example_parses),
        cmocka_unit_test(test_parse_refuses),
        cmocka_unit_test(test_first_and_growth),
        cmocka_unit_test(test_every_refusal),
        cmocka_unit_test(test_fork_same_size),
        cmocka_unit_test(test_extensions_and_other_signatures),
        cmocka_unit_test(test_two_logs),
        cmocka_unit_test(test_witness_state),
        cmocka_unit_test(test_evidence_once_per_signed_checkpoint),
        cmocka_unit_test(test_time_never_goes_back),
        cmocka_unit_test(test_replay_does_not_rewrite_state),
        cmocka_unit_test(test_follow_cosign_already_cosigned),
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
