/*
 * cosigners.c: a checkpoint's cosignatures under the audit's witness policy
 * (cosigners.h). The cosignatures themselves are verified by keys/cosig.c;
 * this adds the clock (a cosignature dated a day ahead does not count) and
 * the words the commands report.
 */
#include "audit/cosigners.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/file.h"
#include "referendum/manifest.h"

/* NOW, or the clock's time if NOW is 0. */
static uint64_t
clock_now(uint64_t now)
{
    time_t t;

    if (now != 0) {
        return now;
    }
    t = time(NULL);
    return t < 0 ? 0 : (uint64_t) t;
}

/* 1 if TIMESTAMP is more than a day after NOW. */
static int
ahead(uint64_t timestamp, uint64_t now)
{
    return timestamp > now && timestamp - now > DAUYS_AUDIT_COSIG_AHEAD;
}

int
dauys_audit_cosigned_check(dauys_audit_cosigned *c, const char *note, size_t len,
                           const dauys_witness_policy *p, uint64_t now, const char *name,
                           dauys_error *err)
{
    memset(c, 0, sizeof *c);
    if (dauys_cosig_policy_check(&c->valid, c->found, note, len, p, name, err) != 0) {
        return -1;
    }
    now = clock_now(now);
    for (size_t i = 0; i < p->count; i++) {
        dauys_cosig_found *f = &c->found[i];
        if (f->valid && ahead(f->timestamp, now)) {
            f->valid = 0;
            c->valid--;
            dauys_error_set(&f->why, DAUYS_E_SIGNATURE,
                            "its time %llu is %llu s ahead of the clock (%llu): more than a day",
                            (unsigned long long) f->timestamp,
                            (unsigned long long) (f->timestamp - now), (unsigned long long) now);
        }
    }
    return 0;
}

void
dauys_audit_cosigned_describe(char *out, size_t size, const dauys_audit_cosigned *c,
                              const dauys_witness_policy *p, size_t i)
{
    const dauys_cosig_found *f = &c->found[i];

    if (f->valid) {
        snprintf(out, size, "%s: cosigned at %llu", p->key[i].name,
                 (unsigned long long) f->timestamp);
    } else if (f->why.status == DAUYS_E_KEY_ID || f->why.status == DAUYS_OK) {
        snprintf(out, size, "%s: no cosignature", p->key[i].name);
    } else {
        snprintf(out, size, "%s: %s", p->key[i].name, f->why.message);
    }
}

void
dauys_audit_cosigned_missing(char *out, size_t size, const dauys_audit_cosigned *c,
                             const dauys_witness_policy *p)
{
    size_t n = 0;

    out[0] = '\0';
    for (size_t i = 0; i < p->count && n + 1 < size; i++) {
        if (!c->found[i].valid) {
            if (n > 0) {
                n += (size_t) snprintf(out + n, size - n, "; ");
            }
            if (n + 1 < size) {
                dauys_audit_cosigned_describe(out + n, size - n, c, p, i);
                n += strlen(out + n);
            }
        }
    }
}

int
dauys_audit_cosignature_verify(size_t *which, uint64_t *timestamp, const char *text,
                               size_t text_len, const char *name, size_t name_len, const char *b64,
                               size_t b64_len, const dauys_witness_policy *p, uint64_t now,
                               const char *label, dauys_error *err)
{
    static const char dash[] = "\xe2\x80\x94 ";
    char note[DAUYS_CHECKPOINT_TEXT_MAX + 1 + DAUYS_COSIG_LINE_MAX + 1];
    size_t len = 0;
    int named = 0;
    dauys_error why = {0};

    if (text_len == 0 || text_len > DAUYS_CHECKPOINT_TEXT_MAX || text[text_len - 1] != '\n' ||
        name_len == 0 || name_len > DAUYS_NOTE_NAME_MAX || b64_len != DAUYS_COSIG_B64_LEN ||
        memchr(name, '\n', name_len) != NULL || memchr(b64, '\n', b64_len) != NULL) {
        return dauys_error_set(err, DAUYS_E_FORMAT,
                               "%s: not a cosignature: a witness name and %d base64 characters",
                               label, DAUYS_COSIG_B64_LEN);
    }
    memcpy(note, text, text_len), len = text_len;
    note[len++] = '\n';
    memcpy(note + len, dash, sizeof dash - 1), len += sizeof dash - 1;
    memcpy(note + len, name, name_len), len += name_len;
    note[len++] = ' ';
    memcpy(note + len, b64, b64_len), len += b64_len;
    note[len++] = '\n';
    for (size_t i = 0; i < p->count; i++) {
        if (strlen(p->key[i].name) != name_len || memcmp(p->key[i].name, name, name_len) != 0) {
            continue;
        }
        named = 1;
        if (dauys_cosig_verify(timestamp, note, len, &p->key[i], label, &why) == 0) {
            uint64_t t = clock_now(now);
            if (ahead(*timestamp, t)) {
                return dauys_error_set(err, DAUYS_E_SIGNATURE,
                                       "%s: witness %s's cosignature is dated %llu, %llu s ahead "
                                       "of the clock (%llu): more than a day",
                                       label, p->key[i].name, (unsigned long long) *timestamp,
                                       (unsigned long long) (*timestamp - t),
                                       (unsigned long long) t);
            }
            *which = i;
            return 0;
        }
        if (why.status == DAUYS_E_SIGNATURE) {
            return dauys_error_set(err, DAUYS_E_SIGNATURE,
                                   "%s: by witness %s, does not verify over the checkpoint of "
                                   "%.*s it is for",
                                   label, p->key[i].name, (int) strcspn(text, "\n"), text);
        }
        if (why.status != DAUYS_E_KEY_ID) {
            *err = why;
            return -1;
        }
    }
    return dauys_error_set(err, DAUYS_E_KEY_ID,
                           named ? "%s: by a key named %.*s that is not that witness's"
                                 : "%s: by %.*s, which is not a witness of the policy",
                           label, (int) name_len, name);
}

int
dauys_audit_manifest_witnesses(dauys_witness_policy *p, char *origin, size_t size, const char *path,
                               const dauys_pubkey *central, dauys_error *err)
{
    char sig_path[PATH_MAX], *text = NULL, *sig_text = NULL;
    size_t len = 0, sig_len = 0;
    dauys_signature sig;
    dauys_manifest m;
    int rc = -1;

    memset(&m, 0, sizeof m);
    if (snprintf(sig_path, sizeof sig_path, "%s.minisig", path) >= (int) sizeof sig_path) {
        return dauys_error_set(err, DAUYS_E_USAGE, "%s: the path is too long", path);
    }
    if (dauys_file_read(&text, &len, path, DAUYS_MANIFEST_FILE_MAX, err) != 0 ||
        dauys_file_read(&sig_text, &sig_len, sig_path, DAUYS_KEYS_FILE_MAX, err) != 0 ||
        dauys_keys_signature_decode(&sig, sig_text, sig_len, sig_path, err) != 0) {
        goto done;
    }
    if (dauys_keys_verify(&sig, text, len, central, err) != 0) {
        dauys_error e = *err;
        dauys_error_set(err, e.status, "%s: not signed by the central key: %s", path, e.message);
        goto done;
    }
    if (dauys_manifest_parse(&m, text, len, path, err) != 0) {
        goto done;
    }
    *p = m.witnesses;
    dauys_manifest_origin(origin, size, &m);
    rc = 0;
done:
    dauys_manifest_free(&m);
    dauys_free(text);
    dauys_free(sig_text);
    return rc;
}
