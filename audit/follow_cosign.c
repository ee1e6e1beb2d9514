/*
 * follow_cosign.c: the follower as a witness of the log it follows
 * (`dauys-audit follow --cosign`). The follower has already proved, from the
 * tiles, that each checkpoint it keeps extends the one before; here that
 * checkpoint is offered to a witness (audit/tlog_witness.h) in this very
 * process, through the same request a log would POST (C2SP tlog-witness),
 * with a consistency proof the follower builds from its own leaf hashes. So
 * the witness's rules (its durable state, one root per size, never smaller,
 * evidence of a fork) hold exactly as for `dauys-audit witness`, and the
 * cosigned checkpoint is written to STATE/cosigned for the observer to
 * publish: a pull-mode witness, for logs that do not ask witnesses
 * themselves.
 */
#include "audit/follow.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/decimal.h"
#include "core/file.h"

/* Leaves read per pread when hashing a subtree. */
#define LEAVES_PER_READ 512
/* A hash in canonical base64. */
#define HASH_B64_LEN 44

/* Reads LEN bytes at OFFSET of the follower's leaves file. */
static int
read_leaves(const dauys_follow *f, void *out, size_t len, uint64_t offset, dauys_error *err)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = pread(f->leaves_fd, (char *) out + done, len - done, (off_t) (offset + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return dauys_error_set(err, DAUYS_E_IO, "%s/leaves: cannot read at %" PRIu64 ": %s",
                                   f->state, offset + done, n < 0 ? strerror(errno) : "ends early");
        }
        done += (size_t) n;
    }
    return 0;
}

/* The Merkle tree's node over the follower's kept leaves (dauys_merkle_node_fn). */
static int
kept_node(uint8_t out[DAUYS_HASH_BYTES], unsigned level, uint64_t index, void *ctx,
          dauys_error *err)
{
    const dauys_follow *f = ctx;
    uint8_t buf[LEAVES_PER_READ][DAUYS_HASH_BYTES];
    uint64_t first, count;
    dauys_merkle_range r;

    if (level >= 63 || index > (UINT64_MAX >> level) ||
        (first = index << level) + (count = (uint64_t) 1 << level) > f->kept.size) {
        return dauys_error_set(err, DAUYS_E_PROOF, "node %u/%" PRIu64 " is beyond the kept log",
                               level, index);
    }
    dauys_merkle_range_init(&r);
    for (uint64_t done = 0; done < count;) {
        uint64_t n = count - done < LEAVES_PER_READ ? count - done : LEAVES_PER_READ;
        if (read_leaves(f, buf, (size_t) n * DAUYS_HASH_BYTES, (first + done) * DAUYS_HASH_BYTES,
                        err) != 0) {
            return -1;
        }
        for (uint64_t k = 0; k < n; k++) {
            if (dauys_merkle_range_append(&r, buf[k], NULL, NULL, err) != 0) {
                return -1;
            }
        }
        done += n;
    }
    return dauys_merkle_range_root(out, &r) != 0
               ? dauys_error_set(err, DAUYS_E_CRYPTO, "hashing a subtree failed")
               : 0;
}

/*
 * The add-checkpoint body for the kept checkpoint from OLD_SIZE: "old N",
 * the proof's hashes in base64, a blank line, the kept note. Into *OUT
 * (dauys_malloc'ed; the caller frees it) and *LEN.
 */
static int
build_request(char **out, size_t *len, dauys_follow *f, uint64_t old_size, dauys_error *err)
{
    dauys_merkle_proof proof = {0};
    size_t cap, n;
    char *body;

    if (old_size > 0 && old_size < f->kept.size &&
        dauys_merkle_consistency_proof(&proof, old_size, f->kept.size, kept_node, f, err) != 0) {
        return -1;
    }
    cap = 32 + proof.count * (HASH_B64_LEN + 1) + 1 + f->kept_len + 1;
    if ((body = dauys_malloc(cap)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for a witness request");
    }
    n = (size_t) snprintf(body, cap, "old %" PRIu64 "\n", old_size);
    for (size_t i = 0; i < proof.count; i++) {
        sodium_bin2base64(body + n, HASH_B64_LEN + 1, proof.hash[i], DAUYS_HASH_BYTES,
                          sodium_base64_VARIANT_ORIGINAL);
        n += HASH_B64_LEN;
        body[n++] = '\n';
    }
    body[n++] = '\n';
    memcpy(body + n, f->kept_note, f->kept_len);
    *out = body;
    *len = n + f->kept_len;
    return 0;
}

/* Offers the kept checkpoint from OLD_SIZE; A is the witness's answer. */
static int
offer(dauys_witness_answer *a, dauys_follow *f, dauys_witness *w, uint64_t old_size, uint64_t now,
      dauys_error *err)
{
    char *body = NULL;
    size_t len = 0;

    if (build_request(&body, &len, f, old_size, err) != 0) {
        return -1;
    }
    dauys_witness_add_checkpoint(a, w, body, len, now);
    dauys_free(body);
    return 0;
}

/* The size a 409 of the witness names (text/x.tlog.size), or -1 if it names none. */
static int
conflict_size(uint64_t *size, const dauys_witness_answer *a)
{
    size_t n = a->body_len;

    if (a->status != 409 || strcmp(a->content_type, DAUYS_WITNESS_SIZE_TYPE) != 0 || n < 2 ||
        a->body[n - 1] != '\n') {
        return -1;
    }
    return dauys_decimal_read(size, a->body, n - 1, UINT64_MAX, 0) == DAUYS_DECIMAL_OK ? 0 : -1;
}

/* 1 if the signature line S (N bytes, no newline) is by witness K (its name and key id). */
static int
line_is_by(const char *s, size_t n, const dauys_witness_key *k)
{
    static const char dash[] = "\xe2\x80\x94 ";
    size_t name = strlen(k->name), head = sizeof dash - 1 + name + 1;
    uint8_t id[6];
    size_t got = 0;

    return n >= head + 8 && memcmp(s, dash, sizeof dash - 1) == 0 &&
           memcmp(s + sizeof dash - 1, k->name, name) == 0 && s[head - 1] == ' ' &&
           sodium_base642bin(id, sizeof id, s + head, 8, NULL, &got, NULL,
                             sodium_base64_VARIANT_ORIGINAL) == 0 &&
           got == sizeof id && memcmp(id, k->id, DAUYS_NOTE_KEY_ID_BYTES) == 0;
}

/* Writes the kept note with the cosignature line LINE (LEN bytes) of witness
 * K to STATE/cosigned, in place of any line by K the kept note carries (the
 * log may have asked the same witness: two lines by one key would make the
 * note's cosignature by it count for nothing). */
static int
write_cosigned(const dauys_follow *f, const dauys_witness_key *k, const char *line, size_t len,
               dauys_error *err)
{
    char path[PATH_MAX], *text;
    size_t n = 0, sep = 0;
    int rc;

    if ((size_t) snprintf(path, sizeof path, "%s/%s", f->state, DAUYS_FOLLOW_COSIGNED) >=
        sizeof path) {
        return dauys_error_set(err, DAUYS_E_USAGE, "%s: path too long", f->state);
    }
    if ((text = dauys_malloc(f->kept_len + len + 1)) == NULL) {
        return dauys_error_set(err, DAUYS_E_NOMEM, "out of memory for the cosigned checkpoint");
    }
    for (size_t i = 0; i + 1 < f->kept_len; i++) { /* the blank line: the last "\n\n" */
        if (f->kept_note[i] == '\n' && f->kept_note[i + 1] == '\n') {
            sep = i + 2;
        }
    }
    memcpy(text, f->kept_note, sep);
    n = sep;
    for (size_t i = sep; i < f->kept_len;) {
        const char *lf = memchr(f->kept_note + i, '\n', f->kept_len - i);
        size_t end = lf != NULL ? (size_t) (lf - f->kept_note) + 1 : f->kept_len;
        if (!line_is_by(f->kept_note + i, end - i, k)) {
            memcpy(text + n, f->kept_note + i, end - i);
            n += end - i;
        }
        i = end;
    }
    memcpy(text + n, line, len);
    rc = dauys_file_write_atomic(path, text, n + len, 0644, err);
    dauys_free(text);
    return rc;
}

int
dauys_follow_cosign(dauys_witness_answer *a, uint64_t *ahead, dauys_follow *f, dauys_witness *w,
                    uint64_t now, dauys_error *err)
{
    uint64_t known = 0;

    memset(a, 0, sizeof *a);
    *ahead = 0;
    if (!f->have_kept) {
        return 0;
    }
    /* Ask from 0, as the spec allows: a witness that cosigned before names its size. */
    if (offer(a, f, w, 0, now, err) != 0) {
        return -1;
    }
    if (conflict_size(&known, a) == 0 && known > f->kept.size) {
        *ahead = known; /* it cosigned a larger tree (shared with a witness the log asks) */
        return 0;
    }
    if (conflict_size(&known, a) == 0 && known > 0 && offer(a, f, w, known, now, err) != 0) {
        return -1;
    }
    if (a->status != 200) {
        return 0;
    }
    return write_cosigned(f, dauys_witness_key_of(w), a->body, a->body_len, err);
}
