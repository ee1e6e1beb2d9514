/*
 * cmd_observe.c: the commands an observer runs with a few files: prove,
 * check, consistency and check-consistency. Exit 1 when the evidence does
 * not hold up, 2 when the check could not be made (minisign's convention).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "cli.h"
#include "commands.h"
#include "file.h"
#include "proofs.h"
#include "protocol.h"

/* CLI_EXIT_BAD for evidence that fails, CLI_EXIT_FAIL for anything else. */
static int
exit_for(const dauys_error *err)
{
    switch (err->status) {
    case DAUYS_E_PROOF:
    case DAUYS_E_SIGNATURE:
    case DAUYS_E_KEY_ID:
    case DAUYS_E_FORMAT:
    case DAUYS_E_TOO_LARGE: return CLI_EXIT_BAD;
    default: return CLI_EXIT_FAIL;
    }
}

/* Parses -p FILE / -P KEY and the positional arguments (exactly WANT). */
static int
parse(int argc, char **argv, const char *usage, dauys_pubkey *pk, int need_key, int want)
{
    const char *file = NULL, *b64 = NULL;
    int c;

    while ((c = getopt(argc, argv, "p:P:h")) != -1) {
        switch (c) {
        case 'p': file = optarg; break;
        case 'P': b64 = optarg; break;
        case 'h': fputs(usage, stdout); return 1;
        default: fputs(usage, stderr); return -1;
        }
    }
    if (argc - optind != want || (need_key && file == NULL && b64 == NULL)) {
        fputs(usage, stderr);
        return -1;
    }
    return need_key && cli_load_pubkey(pk, file, b64) != 0 ? -1 : 0;
}

static const char prove_usage[] =
    "usage: dauys-audit prove BUNDLE PRECINCT\n"
    "\n"
    "Prints PRECINCT's receipt: the RFC 9162 inclusion proof of the log entry that\n"
    "counts its protocol, against the bundle's checkpoint, followed by that entry.\n"
    "Save it; with the protocol and the signed checkpoint anyone can then run\n"
    "dauys-audit check offline. Format: docs/FORMATS.md, section 13.1.\n"
    "exit status: 0 printed, 1 the precinct has no counted protocol, 2 could not run\n";

int
cmd_prove(int argc, char **argv)
{
    char receipt[DAUYS_RECEIPT_MAX];
    uint64_t entry;
    dauys_error err;
    int rc = parse(argc, argv, prove_usage, NULL, 0, 2);

    if (rc != 0) {
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    if (dauys_audit_prove(receipt, sizeof receipt, &entry, argv[optind], argv[optind + 1],
                          &err) != 0) {
        cli_report(&err);
        return exit_for(&err);
    }
    fputs(receipt, stdout);
    return CLI_EXIT_OK;
}

static const char check_usage[] =
    "usage: dauys-audit check (-p CENTRAL.pub | -P KEY) PROTOCOL RECEIPT CHECKPOINT\n"
    "\n"
    "Checks offline that PROTOCOL (your copy of your precinct's protocol) is the\n"
    "file the log counted, unchanged: its hash is the receipt's entry's, the entry\n"
    "counted it, and the receipt's proof leads to the root of CHECKPOINT, which the\n"
    "central key signed. RECEIPT comes from dauys-audit prove.\n"
    "exit status: 0 proved, 1 it does not hold, 2 could not run\n";

/* The three files of check and check-consistency, and the key. */
typedef struct three {
    char **paths;
    char *data[3];
    size_t len[3];
    dauys_pubkey pk;
    dauys_error err;
} three;

/*
 * Reads T's three files (each at most MAX[i] bytes), runs VERIFY on them and
 * frees them. Returns the exit status: VERIFY's failure is reported.
 */
static int
run_three(three *t, const size_t max[3], int (*verify)(three *t))
{
    int rc = CLI_EXIT_FAIL, i;

    t->data[0] = t->data[1] = t->data[2] = NULL;
    for (i = 0; i < 3; i++) {
        if (dauys_file_read(&t->data[i], &t->len[i], t->paths[i], max[i], &t->err) != 0) {
            cli_report(&t->err);
            rc = exit_for(&t->err); /* evidence over its size limit is refused: exit 1 */
            break;
        }
    }
    if (i == 3) {
        rc = verify(t) == 0 ? CLI_EXIT_OK : exit_for(&t->err);
        if (rc != CLI_EXIT_OK) {
            cli_report(&t->err);
        }
    }
    for (i = 0; i < 3; i++) {
        dauys_free(t->data[i]);
    }
    return rc;
}

static int
verify_receipt(three *t)
{
    dauys_receipt_info info;

    if (dauys_audit_check_receipt(&info, t->data[0], t->len[0], t->data[1], t->len[1],
                                  t->data[2], t->len[2], &t->pk, &t->err) != 0) {
        return -1;
    }
    printf("OK: %s is precinct %s's protocol version %u, logged as %s in entry %llu of the log "
           "of %llu entries that the central key signed\n", t->paths[0], info.precinct,
           info.version, info.event, (unsigned long long) info.index,
           (unsigned long long) info.size);
    return 0;
}

int
cmd_check(int argc, char **argv)
{
    static const size_t max[3] = {DAUYS_PROTOCOL_FILE_MAX, DAUYS_RECEIPT_MAX, DAUYS_NOTE_MAX};
    three t;
    int rc = parse(argc, argv, check_usage, &t.pk, 1, 3);

    if (rc != 0) {
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    t.paths = argv + optind;
    return run_three(&t, max, verify_receipt);
}

static const char consistency_usage[] =
    "usage: dauys-audit consistency (-p CENTRAL.pub | -P KEY) OLD_CHECKPOINT BUNDLE\n"
    "\n"
    "Checks that the log in BUNDLE only grew since OLD_CHECKPOINT, a checkpoint you\n"
    "kept from earlier: both signed by the central key, the bundle's checkpoint of\n"
    "its own log, and the RFC 9162 consistency proof between them, which it prints.\n"
    "A bundle whose log is shorter (rolled back) or rewritten fails.\n"
    "exit status: 0 consistent, 1 not, 2 could not run\n";

int
cmd_consistency(int argc, char **argv)
{
    char *note = NULL, text[DAUYS_PROOF_TEXT_MAX];
    size_t len;
    dauys_pubkey pk;
    dauys_proof_text proof;
    dauys_checkpoint old_cp, new_cp;
    dauys_error err;
    int rc = parse(argc, argv, consistency_usage, &pk, 1, 2);

    if (rc != 0) {
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    if (dauys_file_read(&note, &len, argv[optind], DAUYS_NOTE_MAX, &err) != 0) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    rc = dauys_audit_consistency(&proof, &old_cp, &new_cp, note, len, argv[optind + 1], &pk, &err);
    dauys_free(note);
    if (rc != 0) {
        cli_report(&err);
        return exit_for(&err);
    }
    if (old_cp.size > 0 && dauys_proof_format(text, sizeof text, &proof, &err) == 0) {
        fputs(text, stdout);
    }
    fprintf(stderr, "OK: the log of %llu entries extends the one of %llu entries (%s)\n",
            (unsigned long long) new_cp.size, (unsigned long long) old_cp.size, old_cp.origin);
    return CLI_EXIT_OK;
}

static const char check_consistency_usage[] =
    "usage: dauys-audit check-consistency (-p CENTRAL.pub | -P KEY) OLD_CHECKPOINT\n"
    "                                     NEW_CHECKPOINT PROOF\n"
    "\n"
    "Checks offline that the log of NEW_CHECKPOINT extends the log of OLD_CHECKPOINT,\n"
    "given the RFC 9162 consistency PROOF (from dauys-audit consistency or dauys\n"
    "proof --consistency); both checkpoints must be signed by the central key.\n"
    "exit status: 0 consistent, 1 not, 2 could not run\n";

static int
verify_consistency(three *t)
{
    if (dauys_audit_check_consistency(t->data[0], t->len[0], t->data[1], t->len[1], t->data[2],
                                      t->len[2], &t->pk, &t->err) != 0) {
        return -1;
    }
    printf("OK: %s extends %s\n", t->paths[1], t->paths[0]);
    return 0;
}

int
cmd_check_consistency(int argc, char **argv)
{
    static const size_t max[3] = {DAUYS_NOTE_MAX, DAUYS_NOTE_MAX, DAUYS_PROOF_TEXT_MAX};
    three t;
    int rc = parse(argc, argv, check_consistency_usage, &t.pk, 1, 3);

    if (rc != 0) {
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    t.paths = argv + optind;
    return run_three(&t, max, verify_consistency);
}
