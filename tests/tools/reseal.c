/*
 * reseal.c: a forger's tool for the tamper suite (tests/cli/audit_cli.sh),
 * never installed. It plays an insider who holds the central key and
 * rewrites a published bundle after changing its files: each log entry gets
 * its position as index, the hashes of the files now in the bundle and a
 * fresh hash chain; the checkpoint is signed again over the new root. With
 * --sign-result the result statement's log-size and log-root lines are set
 * to the rewritten log and the statement is signed again by the central key.
 * protocols/index.tsv is rewritten to list the log's submissions, as the
 * insider's own publishing would.
 * Each attack in the suite is applied with no more of this than it needs, so
 * that the check under test is the only one the forgery cannot get past.
 *
 *   usage: reseal BUNDLE CENTRAL.key [--sign-result]
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/file.h"
#include "keys/keys.h"
#include "core/merkle.h"
#include "keys/note.h"
#include "core/sha256.h"

typedef struct forge {
    const char *dir;
    dauys_seckey *sk;
    int sign_result;
    char *out; /* the rewritten log */
    size_t out_len, out_cap;
    dauys_merkle_range range;
    uint8_t prev[32];
    char *index; /* protocols/index.tsv, rewritten to match */
    size_t index_len, index_cap;
} forge;

static void
die(const char *what)
{
    fprintf(stderr, "reseal: %s\n", what);
    exit(2);
}

/* Reads DIR/REL; NULL if absent. */
static char *
slurp(const forge *f, const char *rel, size_t *len)
{
    char path[PATH_MAX], *data = NULL;
    dauys_error err;

    snprintf(path, sizeof path, "%s/%s", f->dir, rel);
    return dauys_file_read(&data, len, path, 1u << 28, &err) == 0 ? data : NULL;
}

static void
spit(const forge *f, const char *rel, const char *data, size_t len)
{
    char path[PATH_MAX];
    FILE *fp;

    snprintf(path, sizeof path, "%s/%s", f->dir, rel);
    if ((fp = fopen(path, "wb")) == NULL || fwrite(data, 1, len, fp) != len || fclose(fp) != 0) {
        die(path);
    }
}

/* The hex SHA-256 of DIR/REL, or "none" if it is absent. */
static void
hash_file(char out[65], const forge *f, const char *rel)
{
    size_t len;
    char *data = slurp(f, rel, &len);
    uint8_t h[32];

    if (data == NULL) {
        snprintf(out, 65, "none");
        return;
    }
    if (dauys_sha256(h, data, len) != 0) {
        die("hashing");
    }
    sodium_bin2hex(out, 65, h, 32);
    dauys_free(data);
}

/* The value of KEY in the entry TEXT, copied to OUT. */
static void
field(char *out, size_t size, const char *text, const char *key)
{
    const char *at = strstr(text, key), *end;

    out[0] = '\0';
    if (at != NULL && (end = strchr(at + strlen(key), '\n')) != NULL) {
        at += strlen(key);
        snprintf(out, size, "%.*s", (int) (end - at), at);
    }
}

/* Sets the result statement's log lines to SIZE entries and ROOT, and signs it. */
static void
sign_result(forge *f, uint64_t size)
{
    char root64[64], comment[200], sig_text[1024], ref[80];
    size_t len, pos = 0, n = 0;
    char *text = slurp(f, "result.txt", &len), *out;
    uint8_t root[32], h[DAUYS_KEYS_PREHASH_BYTES];
    dauys_signature sig;
    dauys_error err;

    if (text == NULL || (out = malloc(len + 256)) == NULL ||
        dauys_merkle_range_root(root, &f->range) != 0) {
        die("result.txt");
    }
    sodium_bin2base64(root64, sizeof root64, root, 32, sodium_base64_VARIANT_ORIGINAL);
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t l = nl ? (size_t) (nl - text - pos) + 1 : len - pos;
        if (strncmp(text + pos, "log-size: ", 10) == 0) {
            n += (size_t) sprintf(out + n, "log-size: %llu\n", (unsigned long long) size);
        } else if (strncmp(text + pos, "log-root: ", 10) == 0) {
            n += (size_t) sprintf(out + n, "log-root: %s\n", root64);
        } else {
            memcpy(out + n, text + pos, l);
            n += l;
        }
        pos += l;
    }
    out[n] = '\0';
    field(ref, sizeof ref, out, "referendum: ");
    snprintf(comment, sizeof comment, "dauys result of %s covering log size %llu", ref,
             (unsigned long long) size);
    dauys_keys_prehash(h, out, n);
    if (dauys_keys_sign_prehashed(&sig, h, comment, f->sk, &err) != 0 ||
        dauys_keys_signature_encode(sig_text, sizeof sig_text, &sig,
                                    "result signed by the central commission", &err) != 0) {
        die(err.message);
    }
    spit(f, "result.txt", out, n);
    spit(f, "result.txt.minisig", sig_text, strlen(sig_text));
    free(out);
    dauys_free(text);
}

/* The files entry number N names, by its event. */
static void
entry_files(char rel[64], char srel[80], const char *text, uint64_t n)
{
    char event[32], version[32];

    field(event, sizeof event, text, "\nevent: ");
    field(version, sizeof version, text, "\nversion: ");
    if (strcmp(event, "manifest") == 0) {
        snprintf(rel, 64, "manifests/v%.20s.txt", version);
    } else if (strcmp(event, "result") == 0) {
        snprintf(rel, 64, "result.txt");
    } else {
        snprintf(rel, 64, "protocols/%08llu.txt", (unsigned long long) n);
    }
    snprintf(srel, 80, "%s.minisig", rel);
}

/* Appends text to a growing buffer. */
static void
append(char **buf, size_t *len, size_t *cap, const char *text, size_t n)
{
    if (*len + n > *cap) {
        *cap = 2 * (*len + n);
        if ((*buf = realloc(*buf, *cap)) == NULL) {
            die("out of memory");
        }
    }
    memcpy(*buf + *len, text, n);
    *len += n;
}

/* The line of protocols/index.tsv for a submission entry (FORMATS.md 17.1). */
static void
index_line(forge *f, const char *text, uint64_t n)
{
    char event[32], precinct[80], version[32], reason[64], line[300];
    int len;

    field(event, sizeof event, text, "\nevent: ");
    if (strcmp(event, "manifest") == 0 || strcmp(event, "result") == 0) {
        return;
    }
    field(precinct, sizeof precinct, text, "\nprecinct: ");
    if (precinct[0] == '\0') { /* a summary's entry: LEVEL:AREA (FORMATS.md 17.1) */
        field(precinct, sizeof precinct, text, "\nsummary: ");
        char *space = strchr(precinct, ' ');
        if (space != NULL) {
            *space = ':';
        }
    }
    field(version, sizeof version, text, "\nversion: ");
    field(reason, sizeof reason, text, "\nreason: ");
    reason[strcspn(reason, " ")] = '\0';
    len = snprintf(line, sizeof line, "%08llu\t%s\t%s\t%s\t%s\n", (unsigned long long) n,
                   precinct[0] ? precinct : "-", version[0] ? version : "-", event,
                   reason[0] ? reason : "-");
    append(&f->index, &f->index_len, &f->index_cap, line, (size_t) len);
}

/* Rewrites one entry (its index, file hashes and chain) and appends it. */
static void
reseal_entry(forge *f, const char *text, int last)
{
    char rel[64], srel[80], fh[65], sh[65], prev[65], buf[2048], line[1200];
    uint64_t n = f->range.size;
    size_t len = 0;
    const char *p = text;
    uint8_t leaf[32];
    dauys_error err;

    entry_files(rel, srel, text, n);
    if (strcmp(rel, "result.txt") == 0 && f->sign_result && last) {
        sign_result(f, n);
    }
    hash_file(fh, f, rel);
    hash_file(sh, f, srel);
    if (strcmp(rel, "result.txt") == 0 && !last) { /* an earlier result: not in the bundle */
        field(fh, sizeof fh, text, "\nfile-sha256: ");
        field(sh, sizeof sh, text, "\nsignature-sha256: ");
    }
    sodium_bin2hex(prev, sizeof prev, f->prev, 32);
    while (*p) {
        const char *nl = strchr(p, '\n');
        snprintf(line, sizeof line, "%.*s", (int) (nl - p), p);
        if (strncmp(line, "index: ", 7) == 0) {
            snprintf(line, sizeof line, "index: %llu", (unsigned long long) n);
        } else if (strncmp(line, "file-sha256: ", 13) == 0) {
            snprintf(line, sizeof line, "file-sha256: %s", fh);
        } else if (strncmp(line, "signature-sha256: ", 18) == 0) {
            snprintf(line, sizeof line, "signature-sha256: %s", sh);
        } else if (strncmp(line, "previous: ", 10) == 0) {
            snprintf(line, sizeof line, "previous: %s", prev);
        }
        len += (size_t) snprintf(buf + len, sizeof buf - len, "%s\n", line);
        p = nl + 1;
    }
    if (dauys_sha256(f->prev, buf, len) != 0 || dauys_merkle_leaf_hash(leaf, buf, len) != 0 ||
        dauys_merkle_range_append(&f->range, leaf, NULL, NULL, &err) != 0) {
        die("hashing");
    }
    append(&f->out, &f->out_len, &f->out_cap, buf, len);
    index_line(f, buf, n);
}

/* Signs a checkpoint of the rewritten log under the old checkpoint's origin. */
static void
sign_checkpoint(forge *f)
{
    char note[DAUYS_CHECKPOINT_NOTE_MAX], *old;
    size_t len;
    dauys_checkpoint cp = {0};
    dauys_error err;

    if ((old = slurp(f, "checkpoint", &len)) == NULL) {
        die("checkpoint");
    }
    snprintf(cp.origin, sizeof cp.origin, "%.*s", (int) strcspn(old, "\n"), old);
    cp.size = f->range.size;
    if (dauys_merkle_range_root(cp.root, &f->range) != 0 ||
        dauys_checkpoint_sign(note, sizeof note, &cp, f->sk, &err) != 0) {
        die("signing the checkpoint");
    }
    spit(f, "checkpoint", note, strlen(note));
    dauys_free(old);
}

int
main(int argc, char **argv)
{
    forge f = {0};
    dauys_error err;
    size_t len;
    char *log, *at, *next;

    if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "--sign-result") != 0)) {
        die("usage: reseal BUNDLE CENTRAL.key [--sign-result]");
    }
    f.dir = argv[1];
    f.sign_result = argc == 4;
    if (dauys_core_init() != 0 || dauys_keys_seckey_load(&f.sk, argv[2], NULL, NULL, &err) != 0) {
        die("cannot load the central key");
    }
    dauys_merkle_range_init(&f.range);
    static const char header[] = "log_index\tprecinct\tversion\toutcome\treason_code\n";
    append(&f.index, &f.index_len, &f.index_cap, header, sizeof header - 1);
    if ((log = slurp(&f, "log/entries.txt", &len)) == NULL) {
        die("log/entries.txt");
    }
    for (at = log; at != NULL && *at; at = next) {
        next = strstr(at + 1, "format: dauys-log 1\n");
        if (next != NULL) {
            next[-1] = '\0'; /* ends the entry after its last LF */
        }
        char entry[2048];
        snprintf(entry, sizeof entry, "%s%s", at, next ? "\n" : "");
        reseal_entry(&f, entry, next == NULL);
    }
    spit(&f, "log/entries.txt", f.out, f.out_len);
    spit(&f, "protocols/index.tsv", f.index, f.index_len);
    sign_checkpoint(&f);
    free(f.out);
    free(f.index);
    dauys_free(log);
    dauys_keys_seckey_free(f.sk);
    return 0;
}
