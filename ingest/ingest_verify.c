/*
 * ingest_verify.c: the verification stage of an ingest, for one file. Pure
 * with respect to the workspace (it only reads the manifest), so it runs on
 * many threads at once. The order of checks decides the reason recorded:
 * size, signature file present, header, referendum and precinct (replay),
 * signature by the roster's key, full parse, control relations.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/file.h"
#include "ingest/ingest_internal.h"
#include "keys/keys.h"
#include "core/sha256.h"

static void
verdict(ingest_item *item, item_verdict v, const char *code, const char *reason)
{
    item->verdict = v;
    snprintf(item->reason_code, sizeof item->reason_code, "%.*s",
             (int) sizeof item->reason_code - 1, code);
    snprintf(item->reason, sizeof item->reason, "%.*s", (int) sizeof item->reason - 1, reason);
}

/*
 * Hashes the first bytes of the file PATH, at most DAUYS_PROTOCOL_FILE_MAX + 1
 * of them (enough to show it is over the limit), into OUT, and their count
 * into *READ_COUNT: a file over the limit costs the same whatever its size, not a
 * hash of gigabytes. Like the read before it, it does not follow a symbolic
 * link. Returns 0, or -1 with ERR filled (DAUYS_E_NOMEM, DAUYS_E_IO).
 */
static int
hash_head(uint8_t out[32], size_t *read_count, const char *path, dauys_error *err)
{
    const size_t cap = DAUYS_PROTOCOL_FILE_MAX + 1;
    char *buf = dauys_malloc(cap);
    struct stat st;
    size_t got = 0;
    int fd = -1, rc = -1;

    if (buf == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory", path);
    }
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)) < 0 ||
        fstat(fd, &st) != 0) {
        dauys_error_set(err, DAUYS_E_IO, "%s: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) { /* swapped since it was read: O_NONBLOCK kept a FIFO from hanging */
        dauys_error_set(err, DAUYS_E_IO, "%s: not a regular file", path);
        goto done;
    }
    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            dauys_error_set(err, DAUYS_E_IO, "%s: %s", path, strerror(errno));
            goto done;
        }
        if (n == 0) {
            break;
        }
        got += (size_t) n;
    }
    if (dauys_sha256(out, buf, got) != 0) {
        dauys_error_set(err, DAUYS_E_NOMEM, "%s: out of memory hashing it", path);
        goto done;
    }
    *read_count = got;
    rc = 0;
done:
    if (fd >= 0) {
        close(fd);
    }
    dauys_free(buf);
    return rc;
}

/*
 * 1 if the LEN bytes at *DATA are a secret key (keys.h): then they are wiped
 * and freed, *DATA is NULL, and nothing of them (not even a hash) is kept,
 * since whatever ingest keeps goes into the log and every bundle. 0 if not;
 * -1 (the item's verdict: failed) if it could not be told for want of memory.
 */
static int
refuse_secret(char **data, size_t len, ingest_item *item)
{
    int secret = dauys_keys_text_holds_seckey(*data, len);

    if (secret < 0) {
        verdict(item, ITEM_FAILED, "nomem", "out of secure memory looking for a secret key in it");
        return -1;
    }
    if (secret) {
        sodium_memzero(*data, len);
        dauys_free(*data);
        *data = NULL;
    }
    return secret;
}

/* Reads the protocol file; too large or unreadable are verdicts, not errors.
 * A symbolic link is not followed, even one named on the command line: the
 * bytes read are kept and published, and a directory's entry checked as a
 * regular file may have been swapped for a link to a secret key since. */
static int
read_protocol(ingest_item *item)
{
    char why[200];
    size_t head = 0;
    dauys_error err;

    if (dauys_file_read_no_link(&item->text, &item->text_len, item->path, DAUYS_PROTOCOL_FILE_MAX,
                                &err) == 0) {
        if (refuse_secret(&item->text, item->text_len, item) != 0) {
            if (item->verdict != ITEM_FAILED) {
                verdict(item, ITEM_SECRET, "secret-key",
                        "the file is a minisign secret key: refused, and nothing of it (its bytes "
                        "or their hash) is recorded; keep secret keys away from the protocols");
            }
            return -1;
        }
        if (dauys_sha256(item->text_sha256, item->text, item->text_len) != 0) {
            verdict(item, ITEM_FAILED, "nomem", "hashing the protocol failed");
            return -1;
        }
        return 0;
    }
    if (err.status == DAUYS_E_TOO_LARGE &&
        hash_head(item->text_sha256, &head, item->path, &err) == 0) {
        snprintf(why, sizeof why,
                 "the file is over the 64 KiB limit for a protocol (only its "
                 "first %zu bytes were read; file-sha256 is theirs)",
                 head);
        verdict(item, ITEM_REJECTED, "too-large", why);
        item->text = dauys_strdup("");
        item->text_len = 0;
        return item->text == NULL ? (verdict(item, ITEM_FAILED, "nomem", "out of memory"), -1) : -1;
    }
    /* Out of memory says nothing about the file: it must not be judged. */
    if (err.status == DAUYS_E_NOMEM) {
        verdict(item, ITEM_FAILED, "nomem", "out of memory reading it");
    } else {
        verdict(item, ITEM_UNREADABLE, "io", err.message);
    }
    return -1;
}

/* Takes the signature bytes in ITEM->sig: refused (wiped, none kept) if
 * they are a secret key, else hashed. 0, or -1 with the verdict failed. */
static int
accept_signature(ingest_item *item)
{
    if ((item->sig_secret = refuse_secret(&item->sig, item->sig_len, item)) != 0) {
        if (item->sig_secret < 0) {
            return -1;
        }
        item->sig_len = 0;
        snprintf(item->sig_problem, sizeof item->sig_problem, "%s",
                 "the signature file is a minisign secret key (refused: nothing of it is kept)");
        return 0;
    }
    item->has_sig = 1;
    if (dauys_sha256(item->sig_sha256, item->sig, item->sig_len) != 0) {
        verdict(item, ITEM_FAILED, "nomem", "hashing the signature failed");
        return -1;
    }
    return 0;
}

/* Reads PATH.minisig if there is one (its absence is judged later, once the
 * header says which precinct the file claims to be). A symbolic link is not
 * followed: the bytes read are kept and published, and a link planted
 * beside a protocol could point at any file dauys may read, a secret key. */
static int
read_signature(ingest_item *item)
{
    char sig_path[4200];
    dauys_error err;

    snprintf(sig_path, sizeof sig_path, "%s.minisig", item->path);
    if (dauys_file_read_no_link(&item->sig, &item->sig_len, sig_path, DAUYS_KEYS_FILE_MAX, &err) !=
        0) {
        if (err.status == DAUYS_E_NOMEM) { /* not "no signature": nothing is known */
            verdict(item, ITEM_FAILED, "nomem", "out of memory reading its signature");
            return -1;
        }
        snprintf(item->sig_problem, sizeof item->sig_problem, "%s",
                 err.status == DAUYS_E_TOO_LARGE    ? "the signature file is too large"
                 : err.status == DAUYS_E_PERMISSION ? "the signature file is a symbolic link "
                                                      "(not followed)"
                                                    : "no readable signature file beside it");
        return 0;
    }
    return accept_signature(item);
}

/* The header names this referendum and a precinct of the roster; its index in *PRECINCT. */
static int
check_addressee(ingest_item *item, const dauys_manifest *m, uint32_t *precinct)
{
    dauys_protocol *p = &item->protocol;
    dauys_error err;
    char why[300];

    /* "protocol", not the local path: the reason goes into the log, which an
     * auditor re-derives from the files alone. */
    if (dauys_protocol_parse_header(p, item->text, item->text_len, "protocol", &err) != 0) {
        verdict(item, ITEM_REJECTED, "parse", err.message);
        return -1;
    }
    item->header_ok = 1;
    if (strcmp(p->referendum, m->referendum) != 0) {
        snprintf(why, sizeof why, "is %s, not %s", p->referendum, m->referendum);
        verdict(item, ITEM_REPLAY, "referendum", why);
        return -1;
    }
    if (!dauys_manifest_find_precinct(m, p->precinct, strlen(p->precinct), precinct)) {
        snprintf(why, sizeof why, "%s is not in the manifest", p->precinct);
        verdict(item, ITEM_REPLAY, "precinct", why);
        return -1;
    }
    return 0;
}

/* The signature verifies with the key the roster gives for the precinct. */
static int
check_signature(ingest_item *item, const dauys_precinct *precinct)
{
    dauys_signature sig;
    dauys_error err;
    char why[600];

    if (!item->has_sig) {
        verdict(item, ITEM_REJECTED, "signature", item->sig_problem);
        return -1;
    }
    if (dauys_keys_signature_decode(&sig, item->sig, item->sig_len, "signature", &err) != 0 ||
        dauys_keys_verify(&sig, item->text, item->text_len, &precinct->key, &err) != 0) {
        if (err.status == DAUYS_E_NOMEM) { /* not a bad signature: not checked */
            verdict(item, ITEM_FAILED, "nomem", "out of memory checking its signature");
            return -1;
        }
        snprintf(why, sizeof why, "not signed by precinct %s's key: %.400s",
                 item->protocol.precinct, err.message);
        verdict(item, ITEM_REJECTED, "signature", why);
        return -1;
    }
    return 0;
}

/* Joins the findings' error messages into the item's reason. */
static void
relations_verdict(ingest_item *item)
{
    size_t n = 0;

    verdict(item, ITEM_REJECTED, "", "");
    for (size_t i = 0; i < item->findings.count; i++) {
        const dauys_finding *f = &item->findings.item[i];
        if (!f->is_error) {
            continue;
        }
        /* The first error's code is the reason code; later ones name theirs. */
        int first = item->reason_code[0] == '\0';
        if (first) {
            snprintf(item->reason_code, sizeof item->reason_code, "%s", f->code);
        }
        n += (size_t) snprintf(
            item->reason + n, n < sizeof item->reason ? sizeof item->reason - n : 0, "%s%s%s%s",
            first ? "" : "; ", first ? "" : f->code, first ? "" : " ", f->message);
        if (n >= sizeof item->reason) {
            break;
        }
    }
}

/* A summary's header names this referendum and an area of the roster at
 * its level that has a commission; that commission's key in *KEY. */
static int
check_summary_addressee(ingest_item *item, const dauys_manifest *m, const dauys_pubkey **key)
{
    dauys_summary *s = item->summary;
    const char *level;
    dauys_error err;
    char why[300];

    if (dauys_summary_parse_header(s, item->text, item->text_len, "summary", &err) != 0) {
        verdict(item, ITEM_REJECTED, "parse", err.message);
        return -1;
    }
    level = dauys_summary_level_name(s->level);
    item->header_ok = 1;
    if (strcmp(s->referendum, m->referendum) != 0) {
        snprintf(why, sizeof why, "is %s, not %s", s->referendum, m->referendum);
        verdict(item, ITEM_REPLAY, "referendum", why);
        return -1;
    }
    if ((*key = dauys_summary_key(m, s->level, s->area)) == NULL) {
        uint32_t at;
        int known =
            dauys_idmap_get(s->level == DAUYS_LEVEL_DISTRICT ? &m->district_map : &m->region_map,
                            s->area, strlen(s->area), &at);
        snprintf(why, sizeof why,
                 known ? "the %s %s has no commission in the manifest: no key may sign its "
                         "summary"
                       : "no %s %s in the manifest",
                 level, s->area);
        verdict(item, ITEM_REPLAY, "area", why);
        return -1;
    }
    return 0;
}

/* Judges a summary protocol, in the order a protocol is judged: addressee
 * (an area with a commission), signature by that commission's key, parse,
 * the control relations its sums must keep. */
static void
judge_summary(ingest_item *item, const dauys_manifest *m)
{
    const dauys_pubkey *key;
    dauys_signature sig;
    dauys_error err;
    char why[600];

    if ((item->summary = dauys_malloc(sizeof *item->summary)) == NULL) {
        verdict(item, ITEM_FAILED, "nomem", "out of memory for a summary");
        return;
    }
    memset(item->summary, 0, sizeof *item->summary);
    if (check_summary_addressee(item, m, &key) != 0) {
        return;
    }
    if (!item->has_sig) {
        verdict(item, ITEM_REJECTED, "signature", item->sig_problem);
        return;
    }
    if (dauys_keys_signature_decode(&sig, item->sig, item->sig_len, "signature", &err) != 0 ||
        dauys_keys_verify(&sig, item->text, item->text_len, key, &err) != 0) {
        if (err.status == DAUYS_E_NOMEM) {
            verdict(item, ITEM_FAILED, "nomem", "out of memory checking its signature");
            return;
        }
        snprintf(why, sizeof why, "not signed by the key of the %s commission of %s: %.400s",
                 dauys_summary_level_name(item->summary->level), item->summary->area, err.message);
        verdict(item, ITEM_REJECTED, "signature", why);
        return;
    }
    item->signed_ok = 1;
    if (dauys_summary_parse(item->summary, item->text, item->text_len, "summary", m, &err) != 0) {
        verdict(item, err.status == DAUYS_E_NOMEM ? ITEM_FAILED : ITEM_REJECTED,
                err.status == DAUYS_E_NOMEM ? "nomem" : "parse", err.message);
        return;
    }
    dauys_summary_check(&item->findings, item->summary, m);
    if (item->findings.errors > 0) {
        relations_verdict(item);
        return;
    }
    item->verdict = ITEM_VALID;
}

/* Judges an item whose bytes are read and hashed (and its signature's, if
 * it has one): addressee, signature by the roster's key, parse, relations. */
static void
judge(ingest_item *item, const dauys_manifest *m)
{
    uint32_t index;
    dauys_error err;

    if (dauys_summary_is(item->text, item->text_len)) {
        judge_summary(item, m);
        return;
    }
    if (check_addressee(item, m, &index) != 0 || check_signature(item, &m->precinct[index]) != 0) {
        return;
    }
    item->signed_ok = 1;
    if (dauys_protocol_parse(&item->protocol, item->text, item->text_len, "protocol", m, &err) !=
        0) {
        verdict(item, ITEM_REJECTED, "parse", err.message);
        return;
    }
    dauys_protocol_check(&item->findings, &item->protocol, m, &m->precinct[index]);
    if (item->findings.errors > 0) {
        relations_verdict(item);
        return;
    }
    item->verdict = ITEM_VALID;
}

void
dauys_ingest_item_verify(ingest_item *item, const dauys_manifest *m)
{
    if (read_protocol(item) != 0) {
        if (item->verdict == ITEM_REJECTED) {
            (void) read_signature(item); /* the log names it even for a file too large */
        }
        return;
    }
    if (read_signature(item) != 0) {
        return;
    }
    judge(item, m);
}

/* Takes a copy of the LEN bytes at DATA into *OUT (NUL-terminated): 0, or -1
 * with the item's verdict failed. */
static int
copy_bytes(char **out, const void *data, size_t len, ingest_item *item)
{
    if ((*out = dauys_malloc(len + 1)) == NULL) {
        verdict(item, ITEM_FAILED, "nomem", "out of memory taking the submission");
        return -1;
    }
    if (len > 0) {
        memcpy(*out, data, len);
    }
    (*out)[len] = '\0';
    return 0;
}

/* Takes a copy of the signature sent with an item (SIG NULL: none), as
 * read_signature takes a signature file: 0, or -1 with the item's verdict
 * failed. */
static int
take_signature(ingest_item *item, const void *sig, size_t sig_len)
{
    /* The offline wording: the same submission gets the same log entry. */
    snprintf(item->sig_problem, sizeof item->sig_problem, "%s",
             "no readable signature file beside it");
    if (sig == NULL) {
        return 0;
    }
    if (copy_bytes(&item->sig, sig, sig_len, item) != 0) {
        return -1;
    }
    item->sig_len = sig_len;
    return accept_signature(item);
}

void
dauys_ingest_item_verify_bytes(ingest_item *item, const dauys_manifest *m, const void *text,
                               size_t text_len, const void *sig, size_t sig_len)
{
    if (text_len > DAUYS_PROTOCOL_FILE_MAX) { /* as read_protocol judges a file too large */
        size_t head = DAUYS_PROTOCOL_FILE_MAX + 1;
        char why[200];
        snprintf(why, sizeof why,
                 "the file is over the 64 KiB limit for a protocol (only its "
                 "first %zu bytes were read; file-sha256 is theirs)",
                 head);
        if (dauys_sha256(item->text_sha256, text, head) != 0 ||
            copy_bytes(&item->text, "", 0, item) != 0) {
            verdict(item, ITEM_FAILED, "nomem", "out of memory");
            return;
        }
        verdict(item, ITEM_REJECTED, "too-large", why);
        (void) take_signature(item, sig, sig_len); /* the log names it even so */
        return;
    }
    if (copy_bytes(&item->text, text, text_len, item) != 0) {
        return;
    }
    item->text_len = text_len;
    if (refuse_secret(&item->text, item->text_len, item) != 0) {
        if (item->verdict != ITEM_FAILED) {
            verdict(item, ITEM_SECRET, "secret-key",
                    "the protocol is a minisign secret key: refused, and nothing of it is kept");
        }
        return;
    }
    if (dauys_sha256(item->text_sha256, item->text, item->text_len) != 0) {
        verdict(item, ITEM_FAILED, "nomem", "hashing the protocol failed");
        return;
    }
    if (take_signature(item, sig, sig_len) != 0) {
        return;
    }
    judge(item, m);
}

void
dauys_ingest_item_clear(ingest_item *item)
{
    dauys_free(item->text);
    dauys_free(item->sig);
    item->text = item->sig = NULL;
    if (item->summary != NULL) {
        dauys_summary_free(item->summary);
        dauys_free(item->summary);
        item->summary = NULL;
    }
}
