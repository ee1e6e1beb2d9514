/*
 * test_cosigner.c: the log's side of C2SP tlog-witness (publish/witness.c).
 * The add-checkpoint body byte for byte as the spec's example; then the
 * cosigner against three stub witnesses (tests/tools/stub_witness.py, an
 * independent implementation in Python with PyNaCl) on loopback: proofs
 * from the size each cosigned verified there, their cosignatures verified
 * here, a restarted cosigner learning each witness's size from its 409, and
 * every way a witness can fail (5xx, 429, 422, conflicts, sizes beyond the
 * checkpoint or unreadable, garbage, a timeout, another key, a bad
 * signature, nobody listening) reported for that witness alone; a fork
 * (another root for a size cosigned) cosigned by none.
 */
#include "tests/support.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/merkle.h"
#include "keys/cosig.h"
#include "keys/keys.h"
#include "keys/note.h"
#include "net/net.h"
#include "publish/witness.h"

#define EM_DASH "\xE2\x80\x94"
#define ORIGIN "dauys.test/cosigner-log"
#define WITNESSES 3
#define LEAVES 200

/* --- the spec's example ---------------------------------------------------- */

#define SPEC_NOTE                                                                                  \
    "example.com/behind-the-sofa\n"                                                                \
    "20852163\n"                                                                                   \
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"                                               \
    "\n" EM_DASH " example.com/behind-the-sofa "                                                   \
    "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=" \
    "\n" EM_DASH " example.com/behind-the-sofa "                                                   \
    "opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=" \
    "\n"

static const char *const spec_proof[] = {
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=",
    "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=",
    "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=",
    "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=",
};

/* The example request body of C2SP tlog-witness, as the spec prints it. */
static const char spec_body[] = "old 20852014\n"
                                "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
                                "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
                                "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
                                "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
                                "\n" SPEC_NOTE;

static void
spec_example_proof(dauys_merkle_proof *p)
{
    p->count = 4;
    for (size_t i = 0; i < 4; i++) {
        size_t got = 0;
        assert_int_equal(sodium_base642bin(p->hash[i], DAUYS_HASH_BYTES, spec_proof[i],
                                           strlen(spec_proof[i]), NULL, &got, NULL,
                                           sodium_base64_VARIANT_ORIGINAL),
                         0);
        assert_int_equal(got, DAUYS_HASH_BYTES);
    }
}

static void
test_request_spec_example(void **state)
{
    dauys_merkle_proof p;
    char out[2048];
    size_t len = 0;
    dauys_error err;

    (void) state;
    spec_example_proof(&p);
    assert_int_equal(dauys_cosigner_request(out, sizeof out, &len, 20852014, &p, SPEC_NOTE,
                                            strlen(SPEC_NOTE), &err),
                     0);
    assert_int_equal(len, sizeof spec_body - 1);
    assert_memory_equal(out, spec_body, sizeof spec_body); /* the NUL too */
}

static void
test_request_empty_proof_and_limits(void **state)
{
    dauys_merkle_proof p = {.count = 0};
    char out[2048];
    size_t len = 99;
    dauys_error err;
    static const char want[] = "old 0\n\n" SPEC_NOTE;

    (void) state;
    assert_int_equal(
        dauys_cosigner_request(out, sizeof out, &len, 0, &p, SPEC_NOTE, strlen(SPEC_NOTE), &err),
        0);
    assert_string_equal(out, want);
    assert_int_equal(len, sizeof want - 1);
    /* one byte short: refused, nothing half written */
    assert_int_equal(dauys_cosigner_request(out, sizeof want - 1, &len, 0, &p, SPEC_NOTE,
                                            strlen(SPEC_NOTE), &err),
                     -1);
    assert_error(&err, DAUYS_E_TOO_LARGE, "over its buffer");
    assert_int_equal(len, 0);
    assert_string_equal(out, "");
    spec_example_proof(&p);
    assert_int_equal(dauys_cosigner_request(out, sizeof spec_body - 1, &len, 20852014, &p,
                                            SPEC_NOTE, strlen(SPEC_NOTE), &err),
                     -1);
    assert_error(&err, DAUYS_E_TOO_LARGE, NULL);
    /* the spec: at most 63 proof lines */
    p.count = 64;
    assert_int_equal(
        dauys_cosigner_request(out, sizeof out, &len, 1, &p, SPEC_NOTE, strlen(SPEC_NOTE), &err),
        -1);
    assert_error(&err, DAUYS_E_USAGE, "at most 63");
}

static void
test_new_refuses_bad_urls(void **state)
{
    dauys_cosigner *c = (dauys_cosigner *) 1;
    dauys_error err;
    const char *bad[] = {"ftp://w.example",     "http://",  "http:///x", "http://w.example/a b",
                         "http://w.example/?q", "w.example"};
    const char *many[DAUYS_COSIGNER_URLS_MAX + 1];

    (void) state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(dauys_cosigner_new(&c, &bad[i], 1, NULL, NULL, &err), -1);
        assert_error(&err, DAUYS_E_USAGE, bad[i]);
        assert_null(c);
    }
    for (size_t i = 0; i < DAUYS_COSIGNER_URLS_MAX + 1; i++) {
        many[i] = "http://w.example";
    }
    assert_int_equal(dauys_cosigner_new(&c, many, DAUYS_COSIGNER_URLS_MAX + 1, NULL, NULL, &err),
                     -1);
    assert_error(&err, DAUYS_E_USAGE, "at most");
    /* nobody to ask: a round that does nothing */
    assert_int_equal(dauys_cosigner_new(&c, NULL, 0, NULL, NULL, &err), 0);
    dauys_cosigner_free(c);
}

/* --- a log and three stub witnesses ------------------------------------------ */

typedef struct world {
    uint8_t leaf[LEAVES][DAUYS_HASH_BYTES];
    dauys_pubkey pk;
    dauys_seckey *sk;
    dauys_witness_policy policy; /* the three witnesses, quorum 2 */
    pid_t pid[WITNESSES];
    char url[WITNESSES][64];
    const char *dir;
    uint64_t size; /* of the last checkpoint made */
} world;

static world *W;

/* The subtree hash at LEVEL, INDEX of the in-memory log. */
static int
node(uint8_t out[DAUYS_HASH_BYTES], unsigned level, uint64_t index, void *ctx, dauys_error *err)
{
    world *w = ctx;
    uint8_t l[DAUYS_HASH_BYTES], r[DAUYS_HASH_BYTES];

    if (level == 0) {
        if (index >= LEAVES) {
            return dauys_error_set(err, DAUYS_E_PROOF, "no leaf %" PRIu64, index);
        }
        memcpy(out, w->leaf[index], DAUYS_HASH_BYTES);
        return 0;
    }
    if (node(l, level - 1, 2 * index, ctx, err) != 0 ||
        node(r, level - 1, 2 * index + 1, ctx, err) != 0) {
        return -1;
    }
    return dauys_merkle_node_hash(out, l, r);
}

static int calls_to_prove;

static int
prove(dauys_merkle_proof *proof, uint64_t old_size, uint64_t size, void *ctx, dauys_error *err)
{
    calls_to_prove++;
    if (old_size == 0 || old_size == size) {
        proof->count = 0;
        return 0;
    }
    return dauys_merkle_consistency_proof(proof, old_size, size, node, ctx, err);
}

/* Signs the checkpoint of the log's first SIZE leaves into NOTE. */
static void
checkpoint(char *note, size_t note_size, dauys_checkpoint *cp, uint64_t size)
{
    dauys_error err;

    memset(cp, 0, sizeof *cp);
    snprintf(cp->origin, sizeof cp->origin, "%s", ORIGIN);
    cp->size = size;
    assert_int_equal(dauys_merkle_root(cp->root, size, node, W, &err), 0);
    assert_int_equal(dauys_checkpoint_sign(note, note_size, cp, W->sk, &err), 0);
    W->size = size;
}

/* A fresh, larger checkpoint. */
static void
next_checkpoint(char *note, size_t note_size, dauys_checkpoint *cp)
{
    assert_true(W->size + 7 <= LEAVES);
    checkpoint(note, note_size, cp, W->size + 7);
}

static void
hex(char *out, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sprintf(out + 2 * i, "%02x", b[i]);
    }
}

static void
nap_ms(long ms)
{
    struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* Milliseconds on the monotonic clock. */
static long
ms_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Starts stub witness I and waits (10 s at most) for its port. */
static int
start_witness(world *w, size_t i)
{
    char seed_hex[65], pk_hex[65], name[32], *port_file;
    uint8_t seed[32], pk[32], sk[64];
    dauys_error err;
    long deadline = ms_now() + 10000;
    FILE *f;
    unsigned port = 0;

    memset(seed, (int) (0xA0 + i), sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    snprintf(name, sizeof name, "witness-%zu.test", i + 1);
    if (dauys_cosig_key_init(&w->policy.key[i], name, pk, &err) != 0) {
        return -1;
    }
    hex(seed_hex, seed, 32);
    hex(pk_hex, w->pk.pk, 32);
    char file[32];
    snprintf(file, sizeof file, "port%zu", i);
    port_file = support_path(w->dir, file);
    if ((w->pid[i] = fork()) == 0) {
        execl("/usr/bin/python3", "python3", STUB_WITNESS, "--port-file", port_file, "--name", name,
              "--seed", seed_hex, "--origin", ORIGIN, "--log-pk", pk_hex, "--slow", "3",
              (char *) NULL);
        _exit(127);
    }
    while ((f = fopen(port_file, "r")) == NULL && ms_now() < deadline) {
        nap_ms(20);
    }
    free(port_file);
    if (f == NULL) {
        return -1;
    }
    if (fscanf(f, "%u", &port) != 1) {
        port = 0;
    }
    fclose(f);
    snprintf(w->url[i], sizeof w->url[i], "http://127.0.0.1:%u", port);
    return port != 0 ? 0 : -1;
}

static int
setup(void **state)
{
    static world w;
    dauys_error err;
    uint8_t seed[DAUYS_KEYS_SEED_BYTES];

    memset(&w, 0, sizeof w);
    W = &w;
    w.dir = support_tmpdir();
    memset(seed, 0x42, sizeof seed);
    if (dauys_core_init() != 0 || dauys_net_init(&err) != 0 ||
        (w.sk = dauys_keys_seckey_new()) == NULL ||
        dauys_keys_from_seed(&w.pk, w.sk, seed, &err) != 0) {
        return -1;
    }
    for (uint32_t i = 0; i < LEAVES; i++) {
        char entry[32];
        int n = snprintf(entry, sizeof entry, "entry %" PRIu32, i);
        if (dauys_merkle_leaf_hash(w.leaf[i], entry, (size_t) n) != 0) {
            return -1;
        }
    }
    w.policy.count = WITNESSES;
    w.policy.quorum = 2;
    for (size_t i = 0; i < WITNESSES; i++) {
        if (start_witness(&w, i) != 0) {
            return -1;
        }
    }
    *state = &w;
    return 0;
}

static int
teardown(void **state)
{
    world *w = *state;

    for (size_t i = 0; i < WITNESSES; i++) {
        if (w->pid[i] > 0) {
            kill(w->pid[i], SIGTERM);
            waitpid(w->pid[i], NULL, 0);
        }
    }
    dauys_keys_seckey_free(w->sk);
    support_rmdir(w->dir);
    dauys_net_cleanup();
    return 0;
}

/* Sets stub witness I's mode. */
static void
set_mode(size_t i, const char *mode)
{
    dauys_net_multi *m = NULL;
    dauys_net_post p = {.body = mode, .len = strlen(mode)};
    char url[96];
    dauys_error err;

    snprintf(url, sizeof url, "%s/mode", W->url[i]);
    p.url = url;
    assert_int_equal(dauys_net_multi_new(&m, 1, &err), 0);
    assert_int_equal(dauys_net_multi_post(m, &p, 1, "text/plain", 1024, NULL, &err), 0);
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.r.status, 200);
    dauys_net_response_free(&p.r);
    dauys_net_multi_free(m);
}

/* Stub witness I's counters: add-checkpoint requests, its size, the old
 * size of its last request. */
static unsigned last_peer; /* the client port of stats' witness's last request */

static void
stats(size_t i, uint64_t *requests, uint64_t *size, int64_t *old)
{
    dauys_net_response r;
    char url[96];
    dauys_error err;

    snprintf(url, sizeof url, "%s/stats", W->url[i]);
    assert_int_equal(dauys_net_get(&r, url, 1024, NULL, &err), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(sscanf(r.body,
                            "requests %" SCNu64 "\nsize %" SCNu64 "\nold %" SCNd64 "\npeer %u",
                            requests, size, old, &last_peer),
                     4);
    dauys_net_response_free(&r);
}

static size_t
count_lines(const char *note, const char *name)
{
    char needle[DAUYS_NOTE_NAME_MAX + 8];
    size_t n = 0;

    snprintf(needle, sizeof needle, EM_DASH " %s ", name);
    for (const char *p = note; (p = strstr(p, needle)) != NULL; p++) {
        n++;
    }
    return n;
}

/* Three witnesses, all well: each cosigns, the proofs from their sizes
 * verify in Python, their cosignatures here; a restarted cosigner learns
 * each witness's size from a 409 and carries on. */
static void
test_three_witnesses_cosign(void **state)
{
    world *w = *state;
    const char *urls[WITNESSES] = {w->url[0], w->url[1], w->url[2]};
    dauys_cosigner *c = NULL;
    dauys_cosigner_outcome out[WITNESSES];
    char note[DAUYS_COSIGNED_NOTE_MAX];
    dauys_checkpoint cp;
    dauys_error err;
    size_t valid = 99;
    uint64_t requests[WITNESSES], size, before[WITNESSES], ts;
    int64_t old;
    dauys_cosigner_options o = {.timeout_ms = 5000, .retries = 1};

    unsigned peer[3] = {0, 0, 0};

    assert_int_equal(dauys_cosigner_new(&c, urls, WITNESSES, &w->policy, &o, &err), 0);
    for (int round = 0; round < 3; round++) {
        uint64_t prior = w->size;
        for (size_t i = 0; i < WITNESSES; i++) {
            stats(i, &before[i], &size, &old);
        }
        next_checkpoint(note, sizeof note, &cp);
        size_t signed_len = strlen(note);
        assert_int_equal(dauys_cosigner_run(&valid, out, c, note, sizeof note, &cp, prove, w, &err),
                         0);
        assert_int_equal(valid, WITNESSES);
        for (size_t i = 0; i < WITNESSES; i++) {
            assert_string_equal(out[i].url, urls[i]);
            assert_int_equal(out[i].status, 200);
            assert_int_equal(out[i].added, 1);
            assert_int_equal(out[i].witness_size, cp.size);
            assert_int_equal(out[i].why.status, DAUYS_OK);
            stats(i, &requests[i], &size, &old);
            assert_int_equal(size, cp.size);
            assert_int_equal(old, prior); /* a proof from its size, verified in Python */
            assert_int_equal(requests[i], before[i] + 1);
            if (i == 0) {
                peer[round] = last_peer;
            }
            assert_int_equal(count_lines(note, w->policy.key[i].name), 1);
            assert_int_equal(
                dauys_cosig_verify(&ts, note, strlen(note), &w->policy.key[i], "note", &err), 0);
            assert_true(ts > 1700000000u);
        }
        /* the log's own signature and text untouched: only lines appended */
        assert_true(strlen(note) ==
                    signed_len + WITNESSES * (strlen(EM_DASH " ") + strlen("witness-1.test ") +
                                              DAUYS_COSIG_B64_LEN + 1));
    }
    /* one connection to witness 1 kept across the rounds (HTTP keep-alive) */
    assert_true(peer[0] != 0);
    assert_int_equal(peer[1], peer[0]);
    assert_int_equal(peer[2], peer[0]);
    dauys_cosigner_free(c);

    /* a new cosigner (dauys serve restarted) knows no sizes: old 0, then the
     * witness's 409 and its size, then a proof from there, in one run */
    assert_int_equal(dauys_cosigner_new(&c, urls, WITNESSES, &w->policy, &o, &err), 0);
    uint64_t prior = w->size;
    for (size_t i = 0; i < WITNESSES; i++) {
        stats(i, &before[i], &size, &old);
    }
    next_checkpoint(note, sizeof note, &cp);
    assert_int_equal(dauys_cosigner_run(&valid, out, c, note, sizeof note, &cp, prove, w, &err), 0);
    assert_int_equal(valid, WITNESSES);
    for (size_t i = 0; i < WITNESSES; i++) {
        assert_int_equal(out[i].status, 200);
        assert_int_equal(out[i].added, 1);
        stats(i, &requests[i], &size, &old);
        assert_int_equal(requests[i], before[i] + 2);
        assert_int_equal(old, prior);
    }
    /* the same checkpoint again: old equal to its size, no proof, cosigned
     * again; the note already carries those cosignatures: nothing added */
    assert_int_equal(dauys_cosigner_run(&valid, out, c, note, sizeof note, &cp, prove, w, &err), 0);
    assert_int_equal(valid, WITNESSES);
    for (size_t i = 0; i < WITNESSES; i++) {
        assert_int_equal(out[i].status, 200);
        assert_int_equal(out[i].added, 0);
        assert_int_equal(count_lines(note, w->policy.key[i].name), 1);
    }
    dauys_cosigner_free(c);
}

/* What one round with witness 0 in MODE (others well) gives witness 0. */
typedef struct fault {
    const char *mode;
    unsigned retries;
    long timeout_ms;
    long status;        /* witness 0's last status */
    size_t added;       /* its lines added */
    dauys_status why;   /* why none, or OK */
    const char *needle; /* in its message */
    uint64_t requests;  /* requests it saw in the round */
} fault;

static void
run_fault(const fault *f)
{
    world *w = W;
    const char *urls[WITNESSES] = {w->url[0], w->url[1], w->url[2]};
    dauys_cosigner *c = NULL;
    dauys_cosigner_outcome out[WITNESSES];
    char note[DAUYS_COSIGNED_NOTE_MAX];
    dauys_checkpoint cp;
    dauys_error err;
    size_t valid = 99;
    uint64_t before, after, size;
    int64_t old;
    dauys_cosigner_options o = {.timeout_ms = f->timeout_ms ? f->timeout_ms : 5000,
                                .retries = f->retries};

    /* a cosigner that already knows each witness's size (no 409 first) */
    assert_int_equal(dauys_cosigner_new(&c, urls, WITNESSES, &w->policy, &o, &err), 0);
    checkpoint(note, sizeof note, &cp, w->size);
    assert_int_equal(dauys_cosigner_run(&valid, out, c, note, sizeof note, &cp, prove, w, &err), 0);
    assert_int_equal(valid, WITNESSES);
    set_mode(0, f->mode);
    stats(0, &before, &size, &old);
    next_checkpoint(note, sizeof note, &cp);
    long started = ms_now();
    assert_int_equal(dauys_cosigner_run(&valid, out, c, note, sizeof note, &cp, prove, w, &err), 0);
    set_mode(0, "ok");
    stats(0, &after, &size, &old);
    print_message("%s: %ld ms, status %ld: %s\n", f->mode, ms_now() - started, out[0].status,
                  out[0].why.message);
    assert_int_equal(out[0].status, f->status);
    assert_int_equal(out[0].added, f->added);
    assert_int_equal(out[0].why.status, f->why);
    if (f->needle != NULL) {
        assert_non_null(strstr(out[0].why.message, f->needle));
        assert_non_null(strstr(out[0].why.message, urls[0])); /* names the witness */
    }
    assert_int_equal(after - before, f->requests);
    /* the others cosigned all the same */
    assert_int_equal(valid, WITNESSES - (f->added == 0));
    for (size_t i = 1; i < WITNESSES; i++) {
        assert_int_equal(out[i].status, 200);
        assert_int_equal(out[i].added, 1);
    }
    assert_int_equal(count_lines(note, w->policy.key[0].name), f->added);
    dauys_cosigner_free(c);
}

static void
test_witness_answers_500(void **state)
{
    (void) state;
    run_fault(&(fault){"500", 2, 0, 500, 0, DAUYS_E_SIGNATURE, "refused with 500", 3});
    run_fault(&(fault){"500", 0, 0, 500, 0, DAUYS_E_SIGNATURE, "refused with 500", 1});
}

static void
test_witness_flaky_is_retried(void **state)
{
    (void) state;
    /* 500 to every other request: one retry is enough */
    fault f = {"flaky", 3, 0, 200, 1, DAUYS_OK, NULL, 0};
    uint64_t before, size;
    int64_t old;

    stats(0, &before, &size, &old);
    f.requests = before % 2 == 0 ? 2 : 1; /* the next request is odd: a 500 */
    run_fault(&f);
}

static void
test_witness_answers_429(void **state)
{
    (void) state;
    run_fault(&(fault){"429", 0, 0, 429, 0, DAUYS_E_SIGNATURE, "refused with 429", 1});
}

/* A witness that asks to be asked again in 30 s (Retry-After) is not
 * waited for: one witness must not hold the log's checkpoint back longer
 * than a request's timeout (serve asks it again later anyway). */
static void
test_witness_retry_after_not_waited(void **state)
{
    long started = ms_now();
    (void) state;

    run_fault(&(fault){"503-wait", 1, 1000, 503, 0, DAUYS_E_SIGNATURE, "refused with 503", 1});
    assert_true(ms_now() - started < 5000);
}

static void
test_witness_answers_422(void **state)
{
    (void) state;
    /* a 4xx is final: never retried */
    run_fault(&(fault){"422", 3, 0, 422, 0, DAUYS_E_SIGNATURE, "bad proof", 1});
}

static void
test_witness_conflicts(void **state)
{
    (void) state;
    /* its size is the one we sent: asked again once would change nothing */
    run_fault(&(fault){"conflict", 3, 0, 409, 0, DAUYS_E_PROOF, "409 again", 1});
    run_fault(&(fault){"size-big", 3, 0, 409, 0, DAUYS_E_PROOF, "beyond this checkpoint", 1});
    run_fault(&(fault){"size-junk", 3, 0, 409, 0, DAUYS_E_FORMAT, "not a decimal", 1});
}

static void
test_witness_garbage(void **state)
{
    (void) state;
    run_fault(&(fault){"garbage", 3, 0, 200, 0, DAUYS_E_FORMAT, "not cosignature lines", 1});
}

static void
test_witness_slow_times_out(void **state)
{
    (void) state;
    /* the stub sleeps 3 s; the request's timeout is 400 ms, retried once */
    long started = ms_now(), deadline;
    uint64_t requests, size = 0;
    int64_t old;

    run_fault(&(fault){"slow", 1, 400, 0, 0, DAUYS_E_NETWORK, "Timeout", 2});
    assert_true(ms_now() - started < 2500);
    /* the stub ends the requests it slept on (the first cosigns): wait for
     * that, so the next test finds it still */
    for (deadline = ms_now() + 10000; ms_now() < deadline; nap_ms(50)) {
        stats(0, &requests, &size, &old);
        if (size == W->size && old == (int64_t) (W->size - 7)) {
            break;
        }
    }
    assert_int_equal(size, W->size);
}

static void
test_witness_wrong_key(void **state)
{
    (void) state;
    run_fault(
        &(fault){"wrong-key", 0, 0, 200, 0, DAUYS_E_KEY_ID, "no cosignature by a witness", 1});
    run_fault(&(fault){"bad-sig", 0, 0, 200, 0, DAUYS_E_SIGNATURE, "does not verify", 1});
}

/* A witness outside the policy: it cosigns, its lines are ignored; a URL
 * nobody listens on: no answer, and the quorum counted over the rest. */
static void
test_policy_and_silence(void **state)
{
    world *w = *state;
    dauys_witness_policy two = w->policy;
    dauys_cosigner *c = NULL;
    dauys_cosigner_outcome out[WITNESSES + 1];
    char note[DAUYS_COSIGNED_NOTE_MAX], dead[64];
    dauys_checkpoint cp;
    dauys_error err;
    size_t valid = 99;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    dauys_cosigner_options o = {.timeout_ms = 2000, .retries = 1};

    /* a port that was free a moment ago and has no listener now */
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *) &a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *) &a, &alen), 0);
    close(fd);
    snprintf(dead, sizeof dead, "http://127.0.0.1:%u/", (unsigned) ntohs(a.sin_port));
    const char *urls[WITNESSES + 1] = {w->url[0], w->url[1], w->url[2], dead};

    two.count = 2; /* witness 3 is not in it */
    assert_int_equal(dauys_cosigner_new(&c, urls, WITNESSES + 1, &two, &o, &err), 0);
    next_checkpoint(note, sizeof note, &cp);
    assert_int_equal(dauys_cosigner_run(&valid, out, c, note, sizeof note, &cp, prove, w, &err), 0);
    assert_int_equal(valid, 2);
    assert_int_equal(out[0].added, 1);
    assert_int_equal(out[1].added, 1);
    assert_int_equal(out[2].status, 200);
    assert_int_equal(out[2].added, 0);
    assert_error(&out[2].why, DAUYS_E_KEY_ID, "no cosignature by a witness of the policy");
    assert_int_equal(count_lines(note, "witness-3.test"), 0);
    assert_int_equal(out[3].status, 0);
    assert_int_equal(out[3].added, 0);
    assert_int_equal(out[3].why.status, DAUYS_E_NETWORK);
    assert_non_null(strstr(out[3].why.message, "127.0.0.1"));
    dauys_cosigner_free(c);
}

/* The insider's rewrite: a checkpoint of the size the witnesses cosigned,
 * signed by the central key, with another root. No witness cosigns it; each
 * says so, for that witness alone. */
static void
test_fork_refused(void **state)
{
    world *w = *state;
    const char *urls[WITNESSES] = {w->url[0], w->url[1], w->url[2]};
    dauys_cosigner *c = NULL;
    dauys_cosigner_outcome out[WITNESSES];
    char note[DAUYS_COSIGNED_NOTE_MAX];
    dauys_checkpoint cp;
    dauys_error err;
    size_t valid = 99;

    assert_int_equal(dauys_cosigner_new(&c, urls, WITNESSES, &w->policy, NULL, &err), 0);
    checkpoint(note, sizeof note, &cp, w->size);
    assert_int_equal(dauys_cosigner_run(&valid, out, c, note, sizeof note, &cp, prove, w, &err), 0);
    assert_int_equal(valid, WITNESSES);
    cp.root[0] ^= 0x01;
    assert_int_equal(dauys_checkpoint_sign(note, sizeof note, &cp, w->sk, &err), 0);
    assert_int_equal(dauys_cosigner_run(&valid, out, c, note, sizeof note, &cp, prove, w, &err), 0);
    assert_int_equal(valid, 0);
    for (size_t i = 0; i < WITNESSES; i++) {
        assert_int_equal(out[i].status, 409);
        assert_int_equal(out[i].added, 0);
        assert_error(&out[i].why, DAUYS_E_PROOF, "a fork?");
        assert_int_equal(count_lines(note, w->policy.key[i].name), 0);
    }
    dauys_cosigner_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_spec_example),
        cmocka_unit_test(test_request_empty_proof_and_limits),
        cmocka_unit_test(test_new_refuses_bad_urls),
        cmocka_unit_test(test_three_witnesses_cosign),
        cmocka_unit_test(test_witness_answers_500),
        cmocka_unit_test(test_witness_flaky_is_retried),
        cmocka_unit_test(test_witness_answers_429),
        cmocka_unit_test(test_witness_retry_after_not_waited),
        cmocka_unit_test(test_witness_answers_422),
        cmocka_unit_test(test_witness_conflicts),
        cmocka_unit_test(test_witness_garbage),
        cmocka_unit_test(test_witness_slow_times_out),
        cmocka_unit_test(test_witness_wrong_key),
        cmocka_unit_test(test_policy_and_silence),
        cmocka_unit_test(test_fork_refused),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
