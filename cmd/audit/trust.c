/*
 * trust.c: what the dauys-audit commands share: the trust options (the pinned
 * central key, --trust-bundle-key, --origin), the identity line, the exit
 * status for failing evidence, and the three-file checks (check,
 * check-consistency). Exit 1 when the evidence does not hold up, 2 when the
 * check could not be made (minisign's convention).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "cmd/cli.h"
#include "cmd/audit/audit_commands.h"
#include "core/decimal.h"
#include "core/file.h"
#include "audit/cosigners.h"

/* CLI_EXIT_BAD for evidence that fails, CLI_EXIT_FAIL for anything else. */
int
audit_exit_for(const dauys_error *err)
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

/* --witness VKEY: one more witness; refused (said) if malformed or given twice. */
static void
witness_option(audit_trust *t, const char *arg)
{
    dauys_witness_policy *p = &t->witnesses;
    dauys_error err;

    if (p->count == DAUYS_WITNESSES_MAX) {
        cli_message("--witness: at most %d witnesses", DAUYS_WITNESSES_MAX);
        t->witness_bad = 1;
    } else if (dauys_cosig_vkey_parse(&p->key[p->count], arg, strlen(arg), "--witness", &err) !=
               0) {
        cli_report(&err);
        t->witness_bad = 1;
    } else {
        for (size_t i = 0; i < p->count; i++) {
            if (memcmp(p->key[i].pk, p->key[p->count].pk, sizeof p->key[i].pk) == 0) {
                cli_message("--witness: witness %s is given twice", p->key[i].name);
                t->witness_bad = 1;
                return;
            }
        }
        p->count++;
    }
}

int
audit_trust_option(audit_trust *t, int c, const char *arg)
{
    uint64_t k = 0;

    switch (c) {
    case AUDIT_OPT_WITNESS: witness_option(t, arg); return 1;
    case AUDIT_OPT_MANIFEST: t->manifest = arg; return 1;
    case AUDIT_OPT_WITNESS_QUORUM:
        if (dauys_decimal_parse(&k, arg, strlen(arg), DAUYS_WITNESSES_MAX) != 0 || k == 0) {
            cli_message("--witness-quorum: expected a number of witnesses from 1 to %d, not "
                        "\"%s\"",
                        DAUYS_WITNESSES_MAX, arg);
            t->witness_bad = 1;
        }
        t->witness_quorum = (size_t) k;
        return 1;
    case 'p': t->pub_file = arg; return 1;
    case 'P': t->pub_b64 = arg; return 1;
    case AUDIT_OPT_TRUST_BUNDLE_KEY: t->bundle_key = 1; return 1;
    case AUDIT_OPT_ORIGIN: t->origin = arg; return 1;
    default: return 0;
    }
}

/* --manifest FILE: its witnesses (unless --witness gave some) and origin. */
static int
manifest_witnesses(audit_trust *t, const char *command)
{
    dauys_witness_policy p;
    dauys_error err;

    if (t->manifest == NULL) {
        return 0;
    }
    if (dauys_audit_manifest_witnesses(&p, t->manifest_origin, sizeof t->manifest_origin,
                                       t->manifest, &t->key, &err) != 0) {
        cli_report(&err);
        return -1;
    }
    if (t->origin != NULL && strcmp(t->origin, t->manifest_origin) != 0) {
        cli_message("%s: --origin %s, but --manifest %s is the referendum of %s", command,
                    t->origin, t->manifest, t->manifest_origin);
        return -1;
    }
    if (t->witnesses.count == 0) {
        t->witnesses = p;
        t->witnesses_from_manifest = 1;
    }
    return 0;
}

int
audit_trust_load(audit_trust *t, const char *command, int bundle_key_allowed)
{
    int pinned = t->pub_file != NULL || t->pub_b64 != NULL;

    if (t->witness_bad) {
        return -1;
    }
    if (t->witness_quorum > 0 && t->witnesses.count == 0) {
        cli_message("%s: --witness-quorum %zu without --witness (the quorum is of those)", command,
                    t->witness_quorum);
        return -1;
    }
    if (t->witness_quorum > 0 && t->witness_quorum > t->witnesses.count) {
        cli_message("%s: --witness-quorum %zu: only %zu witnesses given with --witness (the "
                    "quorum is of those)",
                    command, t->witness_quorum, t->witnesses.count);
        return -1;
    }
    t->witnesses.quorum = t->witness_quorum > 0 ? t->witness_quorum : t->witnesses.count;
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
        return cli_load_pubkey(&t->key, t->pub_file, t->pub_b64) != 0
                   ? -1
                   : manifest_witnesses(t, command);
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

const dauys_witness_policy *
audit_trust_witnesses(const audit_trust *t)
{
    return t->witnesses.count > 0 ? &t->witnesses : NULL;
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
int
audit_pin_origin(const char *got, const char *pinned, dauys_error *err)
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
int
audit_parse(int argc, char **argv, const char *command, const char *usage, audit_trust *t,
            int bundle_key_allowed, int witnesses, int want)
{
    static const struct option longopts[] = {AUDIT_TRUST_LONGOPTS, {NULL, 0, NULL, 0}};
    static const struct option witness_longopts[] = {
        AUDIT_TRUST_LONGOPTS, AUDIT_WITNESS_LONGOPTS, AUDIT_MANIFEST_LONGOPT, {NULL, 0, NULL, 0}};
    int c;

    memset(t, 0, sizeof *t);
    while ((c = getopt_long(argc, argv, "p:P:h", witnesses ? witness_longopts : longopts, NULL)) !=
           -1) {
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

/*
 * Reads T's three files (each at most MAX[i] bytes), runs VERIFY on them and
 * frees them. Returns the exit status: VERIFY's failure is reported.
 */
static int
run_three(audit_three *t, const size_t max[3], int (*verify)(audit_three *t))
{
    int rc = CLI_EXIT_FAIL, i;

    t->data[0] = t->data[1] = t->data[2] = NULL;
    for (i = 0; i < 3; i++) {
        if (dauys_file_read(&t->data[i], &t->len[i], t->paths[i], max[i], &t->err) != 0) {
            cli_report(&t->err);
            rc = audit_exit_for(&t->err); /* evidence over its size limit is refused: exit 1 */
            break;
        }
    }
    if (i == 3) {
        rc = verify(t) == 0 ? CLI_EXIT_OK : audit_exit_for(&t->err);
        if (rc != CLI_EXIT_OK) {
            cli_report(&t->err);
        }
    }
    for (i = 0; i < 3; i++) {
        dauys_free(t->data[i]);
    }
    return rc;
}

int
audit_check_three(int argc, char **argv, const char *command, const char *usage, int witnesses,
                  const size_t max[3], int (*verify)(audit_three *t))
{
    audit_three t;
    int rc = audit_parse(argc, argv, command, usage, &t.trust, 0, witnesses, 3);

    if (rc != 0) {
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    t.paths = argv + optind;
    return run_three(&t, max, verify);
}
