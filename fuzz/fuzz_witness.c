/* fuzz_witness: a tlog-witness request body (audit/tlog_witness.h) parsed and
 * decided against a witness's state; then its note's text re-signed with the
 * log's key, so the checks past the signature (sizes, proofs, forks) see
 * arbitrary input too. */
#include "fuzz/fuzz.h"

#include <stdio.h>

#include "audit/tlog_witness.h"
#include "keys/note.h"

#define ORIGIN "dauys/kz-2026-demo/test"

static dauys_seckey *log_sk;
static dauys_witness_log log_state;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    dauys_error err;
    uint8_t seed[32] = {1};

    (void) argc, (void) argv;
    fuzz_init();
    if ((log_sk = dauys_keys_seckey_new()) == NULL ||
        dauys_keys_from_seed(&log_state.key, log_sk, seed, &err) != 0) {
        abort();
    }
    snprintf(log_state.origin, sizeof log_state.origin, "%s", ORIGIN);
    log_state.cosigned = 1;
    log_state.last.size = 10;
    memset(log_state.last.root, 0x5a, sizeof log_state.last.root);
    return 0;
}

/* What a verdict promises, whatever the body. */
static void
check_verdict(const dauys_witness_verdict *v, size_t len)
{
    switch (v->status) {
    case 200:
        if (v->req.old_size > v->cp.size || v->text_len == 0 || v->text_len > v->req.note_len ||
            v->incident != DAUYS_WITNESS_NO_INCIDENT) {
            abort();
        }
        break;
    case 400:
    case 403:
    case 404:
    case 413:
        if (v->incident != DAUYS_WITNESS_NO_INCIDENT || v->why.message[0] == '\0') {
            abort();
        }
        break;
    case 409:
    case 422:
        if (v->req.proof.count > 63 || (v->size_conflict && v->known_size != 10) ||
            (v->status == 422 && v->incident != DAUYS_WITNESS_INCONSISTENT)) {
            abort();
        }
        break;
    default: abort();
    }
    if (v->status != 413 && v->status != 400 && v->req.note_len > len) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = fuzz_copy(data, size);
    dauys_witness_verdict v;
    dauys_witness_request r;
    dauys_error err;
    int rc;

    rc = dauys_witness_parse(&r, body, size, &err);
    fuzz_check_error(rc, &err);
    if (rc == 0 && (r.note < body || r.note + r.note_len != body + size || r.proof.count > 63)) {
        abort();
    }
    dauys_witness_decide(&v, body, size, &log_state, 1);
    check_verdict(&v, size);
    if (rc == 0) { /* the same request, its note's text signed by the log */
        const char *sep = NULL;
        for (size_t i = 1; i < r.note_len; i++) {
            if (r.note[i] == '\n' && r.note[i - 1] == '\n') {
                sep = r.note + i;
            }
        }
        if (sep != NULL) {
            size_t head = (size_t) (r.note - body), text_len = (size_t) (sep - r.note);
            size_t cap = head + text_len + DAUYS_NOTE_SIG_LINE_MAX + 2;
            char *text = malloc(text_len + 1), *again = malloc(cap);
            if (text == NULL || again == NULL) {
                abort();
            }
            memcpy(text, r.note, text_len);
            text[text_len] = '\0';
            memcpy(again, body, head);
            if (dauys_note_sign(again + head, cap - head, text, ORIGIN, log_sk, &err) == 0) {
                size_t n = head + strlen(again + head);
                dauys_witness_decide(&v, again, n, &log_state, 1);
                check_verdict(&v, n);
            }
            free(text);
            free(again);
        }
    }
    free(body);
    return 0;
}
