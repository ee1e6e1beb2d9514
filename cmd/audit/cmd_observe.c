/*
 * cmd_observe.c: the commands an observer runs with a few files: prove,
 * check, consistency and check-consistency. Exit 1 when the evidence does
 * not hold up, 2 when the check could not be made (minisign's convention).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "cmd/cli.h"
#include "cmd/audit/audit_commands.h"
#include "core/file.h"
#include "keys/note.h"
#include "audit/proofs.h"
#include "referendum/protocol.h"

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

int
audit_trust_option(audit_trust *t, int c, const char *arg)
{
    switch (c) {
    case 'p': t->pub_file = arg; return 1;
    case 'P': t->pub_b64 = arg; return 1;
    case AUDIT_OPT_TRUST_BUNDLE_KEY: t->bundle_key = 1; return 1;
    case AUDIT_OPT_ORIGIN: t->origin = arg; return 1;
    default: return 0;
    }
}

int
audit_trust_load(audit_trust *t, const char *command, int bundle_key_allowed)
{
    int pinned = t->pub_file != NULL || t->pub_b64 != NULL;

    if (t->origin != NULL && !dauys_audit_origin_valid(t->origin)) {
        cli_message("%s: --origin: expected dauys/REFERENDUM/official or dauys/REFERENDUM/test, "
                    "not \"%s\"",
                    command, t->origin);
        return -1;
    }
    if (t->bundle_key && !bundle_key_allowed) {
        cli_message("%s: --trust-bundle-key is not offered here: the evidence is only worth the "
                    "key it is checked with; give it with -p CENTRAL.pub or -P KEY",
                    command);
        return -1;
    }
    if (t->bundle_key && pinned) {
        cli_message("%s: give either a trusted key (-p or -P) or --trust-bundle-key, not both",
                    command);
        return -1;
    }
    if (pinned) {
        return cli_load_pubkey(&t->key, t->pub_file, t->pub_b64);
    }
    if (!t->bundle_key) {
        cli_message("%s: no trusted central key: give the central commission's public key, from "
                    "a source you trust, with -p CENTRAL.pub or -P KEY%s (see dauys-audit %s "
                    "--help)",
                    command,
                    bundle_key_allowed ? "; --trust-bundle-key checks with the bundle's own "
                                         "central.pub, which proves nothing about who made it"
                                       : "",
                    command);
        return -1;
    }
    cli_message("WARNING: --trust-bundle-key: signatures are checked with the bundle's own "
                "central.pub. A pass then shows only that the bundle is consistent, not who "
                "signed it: anyone can make a bundle with a key of their own. Compare the key ID "
                "it names with the central commission's published key, or give that key with -p.");
    return 0;
}

const dauys_pubkey *
audit_trust_key(const audit_trust *t)
{
    return t->bundle_key ? NULL : &t->key;
}

/* The warning that goes with a result checked under the bundle's own key. */
static const char bundle_key_note[] =
    "the central key is the bundle's own central.pub (--trust-bundle-key), not a key you "
    "pinned: this shows internal consistency only, not who signed it";

void
audit_identity_print(FILE *out, const dauys_audit_identity *id)
{
    fputs("checked: referendum ", out);
    cli_print_untrusted(out, id->referendum); /* from the bundle */
    fputs(", mode ", out);
    cli_print_untrusted(out, id->mode);
    fputs(", origin ", out);
    cli_print_untrusted(out, id->origin);
    fprintf(out, ", central key ID %s (%s)\n", id->key_id,
            id->key_from_bundle ? "the bundle's own, NOT pinned" : "pinned with -p/-P");
    if (id->key_from_bundle) {
        fprintf(out, "WARNING: %s\n", bundle_key_note);
    }
}

void
audit_identity_json(FILE *out, const dauys_audit_identity *id)
{
    fputs("  \"referendum\": ", out);
    cli_json_string(out, id->referendum);
    fputs(",\n  \"mode\": ", out);
    cli_json_string(out, id->mode);
    fputs(",\n  \"origin\": ", out);
    cli_json_string(out, id->origin);
    fprintf(out, ",\n  \"key_id\": \"%s\",\n  \"key\": \"%s\",\n", id->key_id,
            id->key_from_bundle ? "bundle" : "pinned");
    if (id->key_from_bundle) {
        fprintf(out, "  \"warning\": \"%s\",\n", bundle_key_note);
    }
}

/* A checkpoint of origin GOT where the user pinned PINNED (NULL: any).
 * Returns 0, or -1 with ERR (DAUYS_E_PROOF: it does not hold). */
static int
pin_origin(const char *got, const char *pinned, dauys_error *err)
{
    if (pinned != NULL && strcmp(got, pinned) != 0) {
        return dauys_error_set(err, DAUYS_E_PROOF, "the checkpoint is for %s, not the pinned %s",
                               got, pinned);
    }
    return 0;
}

/*
 * Parses COMMAND's options into T and checks that exactly WANT positional
 * arguments follow. Returns 1 after printing --help, 0, or -1 after printing
 * the usage or the reason to stderr.
 */
static int
parse(int argc, char **argv, const char *command, const char *usage, audit_trust *t,
      int bundle_key_allowed, int want)
{
    static const struct option longopts[] = {AUDIT_TRUST_LONGOPTS, {NULL, 0, NULL, 0}};
    int c;

    memset(t, 0, sizeof *t);
    while ((c = getopt_long(argc, argv, "p:P:h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return 1;
        }
        if (!audit_trust_option(t, c, optarg)) {
            fputs(usage, stderr);
            return -1;
        }
    }
    if (argc - optind != want) {
        fputs(usage, stderr);
        return -1;
    }
    return audit_trust_load(t, command, bundle_key_allowed);
}

/* The lines of the usage texts on the trust options. */
#define TRUST_OPTIONS_USAGE                                                                        \
    "  -p, --central-key FILE  the central commission's public key, from a source you\n"           \
    "  -P KEY                  trust (pinned; required)\n"                                         \
    "  --origin dauys/REF/MODE the log you expect (MODE official or test): another\n"              \
    "                          referendum's or mode's log fails (exit 1)\n"

static const char prove_usage[] =
    "usage: dauys-audit prove (-p CENTRAL.pub | -P KEY | --trust-bundle-key)\n"
    "                         [--origin dauys/REF/MODE] BUNDLE PRECINCT\n"
    "\n"
    "Prints PRECINCT's receipt: the RFC 9162 inclusion proof of the log entry that\n"
    "counts its protocol, against the bundle's checkpoint, followed by that entry.\n"
    "The checkpoint must be signed by the central key. Save the receipt; with the\n"
    "protocol and the signed checkpoint anyone can then run dauys-audit check\n"
    "offline. Format: docs/FORMATS.md, section 13.1. On stderr: the referendum,\n"
    "mode, origin and key ID checked.\n" TRUST_OPTIONS_USAGE
    "  --trust-bundle-key      check with the bundle's own central.pub instead (a loud\n"
    "                          warning: anyone can make a bundle with their own key)\n"
    "exit status: 0 printed, 1 the precinct has no counted protocol or the checkpoint\n"
    "does not hold, 2 could not run\n";

int
cmd_prove(int argc, char **argv)
{
    char receipt[DAUYS_RECEIPT_MAX];
    uint64_t entry;
    audit_trust t;
    dauys_audit_identity checked;
    dauys_error err;
    int rc = parse(argc, argv, "prove", prove_usage, &t, 1, 2);

    if (rc != 0) {
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    if (dauys_audit_prove(receipt, sizeof receipt, &entry, &checked, argv[optind], argv[optind + 1],
                          audit_trust_key(&t), t.origin, &err) != 0) {
        cli_report(&err);
        return exit_for(&err);
    }
    fputs(receipt, stdout);
    fprintf(stderr, "receipt: entry %llu of the log, against the bundle's checkpoint\n",
            (unsigned long long) entry);
    audit_identity_print(stderr, &checked);
    return CLI_EXIT_OK;
}

static const char check_usage[] =
    "usage: dauys-audit check (-p CENTRAL.pub | -P KEY) [--origin dauys/REF/MODE]\n"
    "                         PROTOCOL RECEIPT CHECKPOINT\n"
    "\n"
    "Checks offline that PROTOCOL (your copy of your precinct's protocol) is the\n"
    "file the log counted, unchanged: its hash is the receipt's entry's, the entry\n"
    "counted it, and the receipt's proof leads to the root of CHECKPOINT, which the\n"
    "central key signed. RECEIPT comes from dauys-audit prove. Says which\n"
    "referendum, mode, origin and key ID it checked.\n" TRUST_OPTIONS_USAGE
    "exit status: 0 proved, 1 it does not hold, 2 could not run\n";

/* The three files of check and check-consistency, and the key. */
typedef struct three {
    char **paths;
    char *data[3];
    size_t len[3];
    audit_trust trust;
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
    dauys_audit_identity checked;

    if (dauys_audit_check_receipt(&info, t->data[0], t->len[0], t->data[1], t->len[1], t->data[2],
                                  t->len[2], &t->trust.key, &t->err) != 0 ||
        pin_origin(info.origin, t->trust.origin, &t->err) != 0) {
        return -1;
    }
    printf("OK: %s is precinct %s's protocol version %u, logged as %s in entry %llu of the log "
           "of %llu entries that the central key signed\n",
           t->paths[0], info.precinct, info.version, info.event, (unsigned long long) info.index,
           (unsigned long long) info.size);
    dauys_audit_identity_set(&checked, info.origin, &t->trust.key, 0);
    audit_identity_print(stdout, &checked);
    return 0;
}

int
cmd_check(int argc, char **argv)
{
    static const size_t max[3] = {DAUYS_PROTOCOL_FILE_MAX, DAUYS_RECEIPT_MAX, DAUYS_NOTE_MAX};
    three t;
    int rc = parse(argc, argv, "check", check_usage, &t.trust, 0, 3);

    if (rc != 0) {
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    t.paths = argv + optind;
    return run_three(&t, max, verify_receipt);
}

static const char consistency_usage[] =
    "usage: dauys-audit consistency (-p CENTRAL.pub | -P KEY) [--origin dauys/REF/MODE]\n"
    "                               OLD_CHECKPOINT BUNDLE\n"
    "\n"
    "Checks that the log in BUNDLE only grew since OLD_CHECKPOINT, a checkpoint you\n"
    "kept from earlier: both signed by the central key, the bundle's checkpoint of\n"
    "its own log, and the RFC 9162 consistency proof between them, which it prints.\n"
    "A bundle whose log is shorter (rolled back) or rewritten fails. On stderr: the\n"
    "referendum, mode, origin and key ID checked.\n" TRUST_OPTIONS_USAGE
    "exit status: 0 consistent, 1 not, 2 could not run\n";

int
cmd_consistency(int argc, char **argv)
{
    char *note = NULL, text[DAUYS_PROOF_TEXT_MAX];
    size_t len;
    audit_trust t;
    dauys_audit_identity checked;
    dauys_proof_text proof;
    dauys_checkpoint old_cp, new_cp;
    dauys_error err;
    int rc = parse(argc, argv, "consistency", consistency_usage, &t, 0, 2);

    if (rc != 0) {
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    if (dauys_file_read(&note, &len, argv[optind], DAUYS_NOTE_MAX, &err) != 0) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    rc = dauys_audit_consistency(&proof, &old_cp, &new_cp, note, len, argv[optind + 1], &t.key,
                                 &err);
    dauys_free(note);
    if (rc == 0) {
        rc = pin_origin(old_cp.origin, t.origin, &err);
    }
    if (rc != 0) {
        cli_report(&err);
        return exit_for(&err);
    }
    if (old_cp.size > 0 && dauys_proof_format(text, sizeof text, &proof, &err) == 0) {
        fputs(text, stdout);
    }
    fprintf(stderr, "OK: the log of %llu entries extends the one of %llu entries (%s)\n",
            (unsigned long long) new_cp.size, (unsigned long long) old_cp.size, old_cp.origin);
    dauys_audit_identity_set(&checked, old_cp.origin, &t.key, 0);
    audit_identity_print(stderr, &checked);
    return CLI_EXIT_OK;
}

static const char check_consistency_usage[] =
    "usage: dauys-audit check-consistency (-p CENTRAL.pub | -P KEY)\n"
    "                                     [--origin dauys/REF/MODE]\n"
    "                                     OLD_CHECKPOINT NEW_CHECKPOINT PROOF\n"
    "\n"
    "Checks offline that the log of NEW_CHECKPOINT extends the log of OLD_CHECKPOINT,\n"
    "given the RFC 9162 consistency PROOF (from dauys-audit consistency or dauys\n"
    "proof --consistency); both checkpoints must be signed by the central key. Says\n"
    "which referendum, mode, origin and key ID it checked.\n" TRUST_OPTIONS_USAGE
    "exit status: 0 consistent, 1 not, 2 could not run\n";

static int
verify_consistency(three *t)
{
    dauys_checkpoint old_cp;
    dauys_audit_identity checked;

    if (dauys_audit_check_consistency(t->data[0], t->len[0], t->data[1], t->len[1], t->data[2],
                                      t->len[2], &t->trust.key, &t->err) != 0 ||
        dauys_checkpoint_open(&old_cp, t->data[0], t->len[0], &t->trust.key, NULL, "old checkpoint",
                              &t->err) != 0 || /* held: for its origin */
        pin_origin(old_cp.origin, t->trust.origin, &t->err) != 0) {
        return -1;
    }
    printf("OK: %s extends %s\n", t->paths[1], t->paths[0]);
    dauys_audit_identity_set(&checked, old_cp.origin, &t->trust.key, 0);
    audit_identity_print(stdout, &checked);
    return 0;
}

int
cmd_check_consistency(int argc, char **argv)
{
    static const size_t max[3] = {DAUYS_NOTE_MAX, DAUYS_NOTE_MAX, DAUYS_PROOF_TEXT_MAX};
    three t;
    int rc = parse(argc, argv, "check-consistency", check_consistency_usage, &t.trust, 0, 3);

    if (rc != 0) {
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    t.paths = argv + optind;
    return run_three(&t, max, verify_consistency);
}
