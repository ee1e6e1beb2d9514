/*
 * test_snapshot.c: serve/snapshot.c and serve/livepage.c, what `dauys serve`
 * shows as results arrive. A small referendum with hostile names is
 * ingested in batches; a snapshot read inside a read transaction on a
 * connection of its own gives the JSON of GET /v1/status, which Python's
 * json module parses back and compares with dauys_workspace_status_read and
 * dauys_tally_compute; names come out escaped in the JSON and the page; the
 * CSP allows exactly the page's script and style; a checkpoint of another
 * state of the log is refused; the witnesses' quorum, when the manifest
 * names witnesses, counted from the cosignatures that verify; out of memory
 * is clean.
 */
#include "tests/support.h"
#include "tests/serve_world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "keys/cosig.h"
#include "serve/livepage.h"
#include "serve/snapshot.h"
#include "serve/snapshot_internal.h"
#include "store/db.h"
#include "store/status.h"
#include "tally/tally.h"

static const char *base;
static serve_world world;
static char note1[DAUYS_CHECKPOINT_NOTE_MAX]; /* after batch 1 */
static char note2[DAUYS_CHECKPOINT_NOTE_MAX]; /* after batch 2 */

/* Parses JSON_PATH with Python's json module (no float, no NaN anywhere;
 * "provisional": true first) and compares the values at the paths of
 * WANT_PATH ("path<TAB>json" or "x<TAB>path<TAB>hex of a string"). */
static const char json_check_py[] =
    "import json, sys\n"
    "def refuse(s): raise ValueError('not an exact integer: ' + s)\n"
    "doc = json.load(open(sys.argv[1], encoding='utf-8'), parse_float=refuse, "
    "parse_constant=refuse)\n"
    "assert list(doc)[0] == 'provisional' and doc['provisional'] is True, 'provisional first'\n"
    "bad = 0\n"
    "for line in open(sys.argv[2], encoding='utf-8'):\n"
    "    f = line.rstrip('\\n').split('\\t')\n"
    "    path, want = (f[1], bytes.fromhex(f[2]).decode()) if f[0] == 'x' else (f[0], f[1])\n"
    "    v = doc\n"
    "    for p in path.split('.'):\n"
    "        v = v[int(p)] if isinstance(v, list) else v[p]\n"
    "    got = v if f[0] == 'x' else json.dumps(v)\n"
    "    if got != want:\n"
    "        print('%s: %r, want %r' % (path, got, want)); bad = 1\n"
    "sys.exit(bad)\n";

/* The expectations file being written. */
static FILE *want_fp;

static void
want_n(const char *path, unsigned long long v)
{
    fprintf(want_fp, "%s\t%llu\n", path, v);
}

static void
want_b(const char *path, int v)
{
    fprintf(want_fp, "%s\t%s\n", path, v ? "true" : "false");
}

static void
want_s(const char *path, const char *s, size_t n)
{
    fprintf(want_fp, "x\t%s\t", path);
    for (size_t i = 0; i < n; i++) {
        fprintf(want_fp, "%02x", (unsigned char) s[i]);
    }
    fputc('\n', want_fp);
}

/* Runs the Python check of JSON against the expectations written; its exit status. */
static int
python_check(const char *json, size_t len, const char *want_path)
{
    char *json_path = support_write(base, "status.json", json, len, 0644);
    char *py = support_write(base, "check.py", json_check_py, strlen(json_check_py), 0644);
    char cmd[4096];

    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s %s", py, json_path, want_path);
    int rc = system(cmd);
    free(json_path), free(py);
    return rc;
}

/* A read transaction on a connection of its own, as the server's publisher
 * has, around dauys_serve_snapshot_read. */
static dauys_serve_snapshot *
read_snapshot(dauys_workspace **reader)
{
    dauys_serve_snapshot *s = NULL;
    dauys_error err;

    assert_int_equal(dauys_workspace_open_frame(reader, world.dir, &err), 0);
    assert_int_equal(dauys_db_exec((*reader)->db, "BEGIN", &err), 0);
    if (dauys_serve_snapshot_read(&s, *reader, &err) != 0) {
        fail_msg("snapshot: %s", err.message);
    }
    /* still in the caller's transaction: nothing inside began or ended one */
    assert_int_equal(sqlite3_get_autocommit((*reader)->db), 0);
    assert_int_equal(dauys_db_exec((*reader)->db, "COMMIT", &err), 0);
    return s;
}

/* Writes the expected value of every number of the status and the tally of WS. */
static void
write_expectations(dauys_workspace *ws, const char *note)
{
    static const char *const names[] = {"quorum", "majority", "regions"};
    dauys_workspace_status st;
    dauys_tally t;
    dauys_error err;
    dauys_checkpoint cp;
    char path[128];

    assert_int_equal(dauys_workspace_status_read(&st, ws, &err), 0);
    assert_int_equal(dauys_tally_compute(&t, ws, &err), 0);
    assert_int_equal(dauys_checkpoint_parse(&cp, note, strcspn(note, "\xe2") - 1, "note", &err), 0);
    want_n("checkpoint.size", cp.size);
    want_n("log_size", st.log_size);
    want_s("checkpoint.note", note, strlen(note));
    want_b("final", t.final);
    want_s("title", ws->manifest.title, strlen(ws->manifest.title));
    const dauys_place_status *n = &st.national;
    want_n("national.expected", n->expected), want_n("national.accepted", n->accepted);
    want_n("national.conflicted", n->conflicted), want_n("national.missing", n->missing);
    for (size_t i = 0; i < st.region_count; i++) {
        const dauys_place_status *r = &st.region[i];
        const dauys_place *m = &ws->manifest.region[i];
        snprintf(path, sizeof path, "regions.%zu.", i);
        char *end = path + strlen(path);
        strcpy(end, "id"), want_s(path, r->id, strlen(r->id));
        strcpy(end, "name"), want_s(path, m->name, m->name_len);
        strcpy(end, "expected"), want_n(path, r->expected);
        strcpy(end, "accepted"), want_n(path, r->accepted);
        strcpy(end, "conflicted"), want_n(path, r->conflicted);
        strcpy(end, "missing"), want_n(path, r->missing);
    }
    want_n("submissions.accepted", st.accepted), want_n("submissions.correction", st.corrections);
    want_n("submissions.rejected", st.rejected), want_n("submissions.replay", st.replays);
    want_n("submissions.conflict", st.conflicts), want_n("submissions.stale", st.stale);
    want_n("warnings", st.warnings);
    want_n("missing_count", t.missing_count);
    for (size_t q = 0; q < t.question_count; q++) {
        const dauys_question_tally *qt = &t.q[q];
        for (size_t r = 0; r <= ws->manifest.region_count; r++) {
            const dauys_area *a = r < ws->manifest.region_count ? &qt->region[r] : &qt->nation;
            char *end =
                path +
                (r < ws->manifest.region_count
                     ? (size_t) snprintf(path, sizeof path, "questions.%zu.regions.%zu.", q, r)
                     : (size_t) snprintf(path, sizeof path, "questions.%zu.national.", q));
            strcpy(end, "precincts_expected"), want_n(path, a->expected);
            strcpy(end, "precincts_reporting"), want_n(path, a->reporting);
            strcpy(end, "eligible"), want_n(path, a->counts.eligible);
            strcpy(end, "took_part"), want_n(path, a->counts.took_part);
            strcpy(end, "yes"), want_n(path, a->counts.yes);
            strcpy(end, "no"), want_n(path, a->counts.no);
            strcpy(end, "not_counted"), want_n(path, a->counts.not_counted);
            strcpy(end, "invalid"), want_n(path, a->counts.invalid);
        }
        snprintf(path, sizeof path, "questions.%zu.valid", q), want_b(path, qt->verdict.valid);
        snprintf(path, sizeof path, "questions.%zu.adopted", q), want_b(path, qt->verdict.adopted);
        for (size_t i = 0; i < qt->verdict.rule_count; i++) {
            const dauys_rule_result *rr = &qt->verdict.rule[i];
            char *end = path + snprintf(path, sizeof path, "questions.%zu.rules.%zu.", q, i);
            strcpy(end, "rule"), want_s(path, names[rr->id], strlen(names[rr->id]));
            strcpy(end, "passed"), want_b(path, rr->passed);
            strcpy(end, "have"), want_n(path, rr->have);
            strcpy(end, "needed"), want_n(path, rr->needed);
            strcpy(end, "of"), want_n(path, rr->of);
        }
    }
    dauys_workspace_status_free(&st);
    dauys_tally_free(&t);
}

/* The JSON's numbers are the store's and the tally's, parsed back by Python. */
static void
test_json_numbers(void **state)
{
    dauys_workspace *reader = NULL;
    dauys_serve_snapshot *s = read_snapshot(&reader);
    char *json = NULL, *want_path = support_path(base, "want.txt");
    size_t len;
    dauys_error err;

    (void) state;
    if (dauys_serve_snapshot_json(&json, &len, s, note2, &err) != 0) {
        fail_msg("json: %s", err.message);
    }
    assert_int_equal(strlen(json), len);
    assert_non_null(want_fp = fopen(want_path, "w"));
    write_expectations(reader, note2);
    assert_int_equal(fclose(want_fp), 0);
    assert_int_equal(python_check(json, len, want_path), 0);
    /* the check can fail: one number off is caught */
    assert_non_null(want_fp = fopen(want_path, "a"));
    want_n("national.accepted", s->national.accepted + 1);
    assert_int_equal(fclose(want_fp), 0);
    assert_int_not_equal(python_check(json, len, want_path), 0);
    dauys_free(json);
    dauys_serve_snapshot_free(s);
    dauys_workspace_close(reader);
    free(want_path);
}

/* Numbers of the test world: 12 precincts in 4 regions; batch 1 gave 6
 * precincts, batch 2 four more, a correction and a rejection. */
static void
test_counts_of_the_world(void **state)
{
    dauys_workspace *reader = NULL;
    dauys_serve_snapshot *s = read_snapshot(&reader);

    (void) state;
    assert_int_equal(s->national.expected, SERVE_WORLD_PRECINCTS);
    assert_int_equal(s->national.accepted, 10);
    assert_int_equal(s->national.missing, 2);
    assert_int_equal(s->submissions[DAUYS_SERVE_ACCEPTED], 10);
    assert_int_equal(s->submissions[DAUYS_SERVE_CORRECTION], 1);
    assert_int_equal(s->submissions[DAUYS_SERVE_REJECTED], 1);
    assert_int_equal(s->q[0].nation.reporting, 10);
    assert_int_equal(s->q[0].nation.counts.took_part, 7000);
    assert_int_equal(s->q[0].nation.counts.yes, 10 * 351 + 1);
    assert_false(s->final);
    assert_int_equal(s->log_size, 1 + 10 + 1 + 1); /* the manifest and 12 submissions */
    dauys_serve_snapshot_free(s);
    dauys_workspace_close(reader);
}

/* The read transaction holds the snapshot to one state: what another
 * connection commits after it began is not in it, and its checkpoint is
 * not the one that covers the snapshot. */
static void
test_read_transaction(void **state)
{
    dauys_workspace *reader = NULL;
    dauys_serve_snapshot *s = NULL, *later = NULL;
    char *json = NULL, note3[DAUYS_CHECKPOINT_NOTE_MAX];
    size_t len;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_workspace_open_frame(&reader, world.dir, &err), 0);
    assert_int_equal(dauys_db_exec(reader->db, "BEGIN; SELECT count(*) FROM log_entry", &err), 0);
    serve_world_ingest(&world, 10, 11, 351, -1, -1); /* another connection commits */
    serve_world_checkpoint(&world, note3);
    assert_int_equal(dauys_serve_snapshot_read(&s, reader, &err), 0);
    assert_int_equal(dauys_db_exec(reader->db, "COMMIT", &err), 0);
    assert_int_equal(s->national.accepted, 10);
    assert_int_equal(dauys_serve_snapshot_json(&json, &len, s, note2, &err), 0);
    dauys_free(json);
    /* a checkpoint of a later state is refused, in the JSON and the page */
    assert_int_equal(dauys_serve_snapshot_json(&json, &len, s, note3, &err), -1);
    assert_error(&err, DAUYS_E_PROOF, "covers 14 log entries, the status was read from 13");
    assert_null(json);
    assert_int_equal(dauys_serve_live_page(&json, &len, s, note3, &err), -1);
    assert_error(&err, DAUYS_E_PROOF, "covers 14 log entries");
    /* read again, it is the later state, which note3 covers */
    dauys_workspace_close(reader);
    later = read_snapshot(&reader);
    assert_int_equal(later->national.accepted, 11);
    assert_int_equal(dauys_serve_snapshot_json(&json, &len, later, note3, &err), 0);
    dauys_free(json);
    assert_int_equal(dauys_serve_snapshot_json(&json, &len, later, note2, &err), -1);
    assert_error(&err, DAUYS_E_PROOF, "covers 13 log entries, the status was read from 14");
    dauys_serve_snapshot_free(s);
    dauys_serve_snapshot_free(later);
    dauys_workspace_close(reader);
}

/* A note that is not the workspace's checkpoint is refused; none is "null". */
static void
test_checkpoint_note(void **state)
{
    dauys_workspace *reader = NULL;
    dauys_serve_snapshot *s = read_snapshot(&reader);
    char *json = NULL, forged[DAUYS_CHECKPOINT_NOTE_MAX];
    dauys_seckey *other;
    dauys_pubkey other_pk;
    dauys_checkpoint cp;
    size_t len;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_checkpoint_parse(&cp, note2, strcspn(note2, "\xe2") - 1, "n", &err), 0);
    cp.size = s->log_size;
    memcpy(cp.root, s->log_root, 32);
    assert_int_equal(dauys_keys_generate(&other_pk, &other, &err), 0);
    assert_int_equal(dauys_checkpoint_sign(forged, sizeof forged, &cp, other, &err), 0);
    dauys_keys_seckey_free(other);
    assert_int_equal(dauys_serve_snapshot_json(&json, &len, s, forged, &err), -1);
    assert_int_equal(dauys_serve_live_page(&json, &len, s, forged, &err), -1);
    assert_null(json);
    assert_int_equal(dauys_serve_snapshot_json(&json, &len, s, NULL, &err), 0);
    assert_non_null(strstr(json, "\n  \"checkpoint\": null,\n"));
    dauys_free(json);
    assert_int_equal(dauys_serve_live_page(&json, &len, s, NULL, &err), 0);
    assert_non_null(strstr(json, "<html lang=\"en\" data-checkpoint-size=\"\">"));
    assert_non_null(strstr(json, "<span data-n=\"checkpoint.size\">none yet</span>"));
    dauys_free(json);
    dauys_serve_snapshot_free(s);
    dauys_workspace_close(reader);
}

/* Cosigns the checkpoint NOTE (in a buffer of SIZE) as witness NAME with SK:
 * its line appended. */
static void
cosign_note(char *note, size_t size, const char *name, const dauys_seckey *sk)
{
    char line[DAUYS_COSIG_LINE_MAX + 1];
    size_t text_len;
    dauys_error err;

    assert_int_equal(dauys_note_text_length(&text_len, note, strlen(note), "n", &err), 0);
    assert_int_equal(
        dauys_cosig_sign(line, sizeof line, note, text_len, 1765000000u, name, sk, &err), 0);
    assert_true(strlen(note) + strlen(line) < size);
    strcat(note, line);
}

/* The status and the page of a checkpoint cosigned by 0 to 2 of the
 * manifest's 3 witnesses (quorum 2): named, quorum, cosigned, met or not;
 * a line that does not verify is not counted; with no witnesses in the
 * manifest neither says a word of them. */
static void
test_witnesses(void **state)
{
    dauys_workspace *reader = NULL;
    dauys_serve_snapshot *s = read_snapshot(&reader);
    char note[DAUYS_COSIGNED_NOTE_MAX], *json = NULL, *page = NULL, name[32];
    dauys_seckey *sk[3];
    dauys_pubkey pk;
    size_t len;
    dauys_error err;
    static const char *const want[] = {
        "\"witnesses\": {\"named\": 3, \"quorum\": 2, \"cosigned\": 0, \"quorum_met\": false},",
        "\"witnesses\": {\"named\": 3, \"quorum\": 2, \"cosigned\": 1, \"quorum_met\": false},",
        "\"witnesses\": {\"named\": 3, \"quorum\": 2, \"cosigned\": 2, \"quorum_met\": true},",
    };

    (void) state;
    /* the world's manifest names none: nothing said */
    assert_int_equal(s->witnesses.count, 0);
    assert_int_equal(dauys_serve_snapshot_json(&json, &len, s, note2, &err), 0);
    assert_int_equal(dauys_serve_live_page(&page, &len, s, note2, &err), 0);
    assert_null(strstr(json, "witnesses"));
    assert_null(strstr(page, "witnesses"));
    dauys_free(json);
    dauys_free(page);

    s->witnesses.count = 3;
    s->witnesses.quorum = 2;
    for (size_t i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "witness-%zu.example", i);
        assert_int_equal(dauys_keys_generate(&pk, &sk[i], &err), 0);
        assert_int_equal(dauys_cosig_key_init(&s->witnesses.key[i], name, pk.pk, &err), 0);
    }
    snprintf(note, sizeof note, "%s", note2);
    for (size_t k = 0; k <= 2; k++) {
        if (k > 0) {
            snprintf(name, sizeof name, "witness-%zu.example", k);
            cosign_note(note, sizeof note, name, sk[k]);
        }
        assert_int_equal(dauys_serve_snapshot_json(&json, &len, s, note, &err), 0);
        assert_int_equal(dauys_serve_live_page(&page, &len, s, note, &err), 0);
        assert_non_null(strstr(json, want[k]));
        assert_non_null(strstr(page, k < 2 ? "data-f=\"NO QUORUM: the witnesses have not "
                                             "confirmed this checkpoint\">NO QUORUM"
                                           : "data-t=\"quorum met\" data-f"));
        assert_non_null(strstr(page, k < 2 ? "class=\"no\" data-b=\"witnesses.quorum_met\""
                                           : "class=\"yes\" data-b=\"witnesses.quorum_met\""));
        char n[64];
        snprintf(n, sizeof n, "<span data-n=\"witnesses.cosigned\">%zu</span>", k);
        assert_non_null(strstr(page, n));
        dauys_free(json);
        dauys_free(page);
    }
    /* a third line by witness 0 whose signature is damaged: not counted */
    cosign_note(note, sizeof note, "witness-0.example", sk[0]);
    char *c = note + strlen(note) - 10; /* within the signature's base64 */
    *c = *c == 'A' ? 'B' : 'A';
    assert_int_equal(dauys_serve_snapshot_json(&json, &len, s, note, &err), 0);
    assert_non_null(strstr(json, want[2]));
    dauys_free(json);
    /* no checkpoint yet: none cosigned */
    assert_int_equal(dauys_serve_snapshot_json(&json, &len, s, NULL, &err), 0);
    assert_non_null(strstr(json, want[0]));
    dauys_free(json);
    for (size_t i = 0; i < 3; i++) {
        dauys_keys_seckey_free(sk[i]);
    }
    dauys_serve_snapshot_free(s);
    dauys_workspace_close(reader);
}

/* dauys_serve_json_string: every escape, byte for byte. */
static void
test_json_string(void **state)
{
    static const struct {
        const char *in;
        size_t n;
        const char *out;
    } cases[] = {
        {"plain", 5, "\"plain\""},
        {"a\"b\\c", 5, "\"a\\\"b\\\\c\""},
        {"</script>", 9, "\"\\u003c/script\\u003e\""},
        {"<!--&", 5, "\"\\u003c!--\\u0026\""},
        {"\n\t\r\x01\x1f\x7f", 6, "\"\\n\\t\\r\\u0001\\u001f\\u007f\""},
        {"\0x", 2, "\"\\u0000x\""},
        {"\xc2\x85\xe2\x80\xae", 5, "\"\\u0085\\u202e\""},     /* C1, bidi override */
        {"\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\\u2028\\u2029\""}, /* JS line ends */
        {"\xff\xc3(\xe2\x80", 5, "\"\\ufffd\\ufffd(\\ufffd\\ufffd\""},
        {"\xd0\x90\xe2\x80\x94", 5, "\"\xd0\x90\xe2\x80\x94\""}, /* Cyrillic A, em dash */
    };

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dauys_textbuf b = {.cap = 0};
        dauys_serve_json_string(&b, cases[i].in, cases[i].n);
        assert_false(b.failed);
        assert_string_equal(b.buf, cases[i].out);
        dauys_free(b.buf);
    }
}

/* How many times NEEDLE occurs in HAY. */
static int
occurrences(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++) {
        n++;
    }
    return n;
}

/* The hostile names come out escaped in the JSON and the page. */
static void
test_names_escaped(void **state)
{
    dauys_workspace *reader = NULL;
    dauys_serve_snapshot *s = read_snapshot(&reader);
    char *json = NULL, *page = NULL;
    size_t len;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_serve_snapshot_json(&json, &len, s, note2, &err), 0);
    assert_int_equal(dauys_serve_live_page(&page, &len, s, note2, &err), 0);
    /* JSON: the names' text escaped (and Python reads it back whole: test_json_numbers) */
    assert_null(strstr(json, "</"));
    assert_null(strstr(json, "<!--"));
    assert_null(strstr(json, "\xc2\x85"));
    assert_null(strstr(json, "\xe2\x80\xa8"));
    assert_null(strstr(json, "\xe2\x80\xae"));
    assert_int_equal(occurrences(json, "\"name\": \"Region 1 \\\"q'\\\\b\\u003c/script\\u003e"
                                       "\\u003c!--\\u0026amp; \\u0085|\\u202e|\\u2028|\""),
                     1);
    /* the page: markup characters as references, controls as U+FFFD */
    assert_int_equal(occurrences(page, "</script>"), 1); /* the script's own end */
    assert_int_equal(occurrences(page, "<script>"), 1);
    assert_null(strstr(page, "<!--"));
    assert_null(strstr(page, "\xc2\x85"));
    assert_null(strstr(page, "\xe2\x80\xae"));
    assert_int_equal(occurrences(page, "<td>Region 2 &quot;q&#39;\\b&lt;/script&gt;&lt;!--&amp;amp;"
                                       " \xef\xbf\xbd|\xef\xbf\xbd|\xe2\x80\xa8|</td>"),
                     2); /* the precincts' table and q1's */
    assert_non_null(strstr(page, "<title>PROVISIONAL results: Live &quot;q&#39;\\b&lt;/script"));
    dauys_free(json);
    dauys_free(page);
    dauys_serve_snapshot_free(s);
    dauys_workspace_close(reader);
}

/* The text between OPEN and CLOSE in PAGE (malloc'ed), asserting there is one. */
static char *
between(const char *page, const char *open, const char *close)
{
    const char *a = strstr(page, open), *b;

    assert_non_null(a);
    a += strlen(open);
    assert_non_null(b = strstr(a, close));
    char *s = strndup(a, (size_t) (b - a));
    assert_non_null(s);
    return s;
}

/* "'sha256-BASE64'" of S. */
static void
source_hash(char *out, size_t size, const char *s)
{
    unsigned char h[32];
    char b64[64];

    crypto_hash_sha256(h, (const unsigned char *) s, strlen(s));
    sodium_bin2base64(b64, sizeof b64, h, 32, sodium_base64_VARIANT_ORIGINAL);
    snprintf(out, size, "'sha256-%s'", b64);
}

/* The CSP allows exactly the page's inline script and style, by hash. */
static void
test_csp(void **state)
{
    dauys_workspace *reader = NULL;
    dauys_serve_snapshot *s = read_snapshot(&reader);
    const char *csp = dauys_serve_live_page_csp();
    char *page = NULL, *script, *style, *meta, want[128], header[512];
    size_t len;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_serve_live_page(&page, &len, s, note2, &err), 0);
    script = between(page, "<script>", "</script>");
    style = between(page, "<style>", "</style>");
    source_hash(want, sizeof want, script);
    assert_non_null(strstr(csp, want));
    assert_non_null(strstr(csp, "script-src "));
    source_hash(want, sizeof want, style);
    assert_non_null(strstr(csp, want));
    assert_int_equal(strncmp(csp, "default-src 'none'; ", 20), 0);
    assert_non_null(strstr(csp, "; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                                "frame-ancestors 'none'"));
    assert_null(strstr(csp, "unsafe"));
    assert_int_equal(occurrences(csp, "sha256-"), 2);
    /* the page's own policy is the header's but frame-ancestors */
    meta = between(page, "<meta http-equiv=\"Content-Security-Policy\" content=\"", "\">");
    snprintf(header, sizeof header, "%s; frame-ancestors 'none'", meta);
    assert_string_equal(header, csp);
    /* no style attribute (a hash does not allow one), no external resource */
    assert_null(strstr(page, " style=\""));
    assert_null(strstr(page, " src="));
    assert_null(strstr(page, "href="));
    free(script), free(style), free(meta);
    dauys_free(page);
    dauys_serve_snapshot_free(s);
    dauys_workspace_close(reader);
}

/* Provisional says so: the title, the banner, every heading and caption;
 * numbers are marked with their paths; one row per region. */
static void
test_page_provisional(void **state)
{
    dauys_workspace *reader = NULL;
    dauys_serve_snapshot *s = read_snapshot(&reader);
    char *page = NULL;
    size_t len;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_serve_live_page(&page, &len, s, note2, &err), 0);
    assert_non_null(strstr(page, "<title>PROVISIONAL results: "));
    assert_non_null(strstr(page, "<strong>PROVISIONAL RESULTS</strong>"));
    assert_int_equal(occurrences(page, "<caption>"), 3);
    assert_int_equal(occurrences(page, "<caption>Provisional: "), 3);
    assert_int_equal(occurrences(page, "<h2>"), 3);
    assert_int_equal(occurrences(page, "(provisional)</h2>"), 1);
    assert_int_equal(occurrences(page, "<h2>Precincts reporting (provisional)</h2>"), 1);
    assert_int_equal(occurrences(page, "<h2>Question q1 (provisional): "), 1);
    assert_int_equal(occurrences(page, "<tr data-area="), 2 * SERVE_WORLD_REGIONS);
    assert_non_null(strstr(page, "<td class=\"n\" data-n=\"regions.0.accepted\">3</td>"));
    assert_non_null(strstr(page, "<td class=\"n\" data-n=\"questions.0.national.took_part\">"
                                 "7,000</td>"));
    assert_non_null(strstr(page, "<td class=\"n\" data-p=\"questions.0.national.took_part "
                                 "questions.0.national.eligible\">70.00%</td>"));
    assert_non_null(strstr(page, "<html lang=\"en\" data-checkpoint-size=\"13\">"));
    dauys_free(page);
    dauys_serve_snapshot_free(s);
    dauys_workspace_close(reader);
}

/* Out of memory at every allocation: a clean DAUYS_E_NOMEM, nothing leaked. */
static void
test_out_of_memory(void **state)
{
    dauys_workspace *reader = NULL;
    dauys_error err;
    long k;

    (void) state;
    assert_int_equal(dauys_workspace_open_frame(&reader, world.dir, &err), 0);
    for (k = 0; k < 100000; k++) {
        dauys_serve_snapshot *s = NULL;
        char *json = NULL, *page = NULL;
        size_t len;
        support_alloc_install(k);
        int rc = dauys_serve_snapshot_read(&s, reader, &err) != 0 ||
                         dauys_serve_snapshot_json(&json, &len, s, note2, &err) != 0 ||
                         dauys_serve_live_page(&page, &len, s, note2, &err) != 0
                     ? -1
                     : 0;
        dauys_free(json);
        dauys_free(page);
        dauys_serve_snapshot_free(s);
        long leaked = support_alloc_outstanding();
        support_alloc_restore();
        if (leaked != 0) {
            fail_msg("%ld allocations leaked when allocation %ld failed", leaked, k);
        }
        if (rc == 0) {
            break;
        }
        if (err.status != DAUYS_E_NOMEM) {
            fail_msg("allocation %ld failed but status is %s: %s", k, dauys_status_name(err.status),
                     err.message);
        }
    }
    assert_true(k > 10);
    assert_true(k < 100000);
    dauys_workspace_close(reader);
}

/* A reader opened before another process accepted a newer manifest refuses
 * to read (its frame's expected counts would be the old ones); reopened, it
 * reads. The regions of the database in another order than the manifest's
 * are refused too. */
static void
test_stale_manifest_and_regions(void **state)
{
    dauys_workspace *reader = NULL;
    dauys_serve_snapshot *s = NULL;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_workspace_open_frame(&reader, world.dir, &err), 0);
    serve_world_update_manifest(&world);
    assert_int_equal(dauys_db_exec(reader->db, "BEGIN", &err), 0);
    assert_int_equal(dauys_serve_snapshot_read(&s, reader, &err), -1);
    assert_error(&err, DAUYS_E_DATABASE, "the manifest is now version 2, not 1");
    assert_null(s);
    assert_int_equal(dauys_db_exec(reader->db, "COMMIT", &err), 0);
    dauys_workspace_close(reader);
    s = read_snapshot(&reader);
    assert_int_equal(s->manifest_version, 2);
    dauys_serve_snapshot_free(s);
    s = NULL;
    /* the regions' order in the database is no longer the manifest's */
    assert_int_equal(dauys_db_exec(reader->db, "UPDATE region SET position = -position", &err), 0);
    assert_int_equal(dauys_db_exec(reader->db, "BEGIN", &err), 0);
    assert_int_equal(dauys_serve_snapshot_read(&s, reader, &err), -1);
    assert_error(&err, DAUYS_E_DATABASE, "region 1 of the workspace is R03, of its manifest R00");
    assert_int_equal(dauys_db_exec(reader->db, "COMMIT", &err), 0);
    dauys_workspace_close(reader);
}

static int
setup(void **state)
{
    (void) state;
    base = support_tmpdir();
    serve_world_make(&world, base);
    serve_world_ingest(&world, 0, 6, 351, -1, -1);
    serve_world_checkpoint(&world, note1);
    serve_world_ingest(&world, 6, 10, 351, 0, 1);
    serve_world_checkpoint(&world, note2);
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    serve_world_free(&world);
    support_rmdir(base);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_string),
        cmocka_unit_test(test_counts_of_the_world),
        cmocka_unit_test(test_json_numbers),
        cmocka_unit_test(test_names_escaped),
        cmocka_unit_test(test_csp),
        cmocka_unit_test(test_page_provisional),
        cmocka_unit_test(test_checkpoint_note),
        cmocka_unit_test(test_witnesses),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_read_transaction),           /* it ingests more */
        cmocka_unit_test(test_stale_manifest_and_regions), /* last: it alters the workspace */
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
