/* audit_commands.h: the subcommands of dauys-audit, one file each, and what
 * they share (trust.c): the trust options every command that checks the
 * central key's signatures takes, the exit status for failing evidence and
 * the three-file checks. */
#ifndef DAUYS_AUDIT_COMMANDS_H
#define DAUYS_AUDIT_COMMANDS_H

#include <stdio.h>

#include "keys/cosig.h"
#include "keys/keys.h"
#include "audit/verify.h"

/* Each returns an exit code (CLI_EXIT_*). */
int cmd_verify(int argc, char **argv);
int cmd_verify_signatures(int argc, char **argv);
int cmd_retally(int argc, char **argv);
int cmd_prove(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_consistency(int argc, char **argv);
int cmd_check_consistency(int argc, char **argv);
int cmd_forensics(int argc, char **argv);
int cmd_follow(int argc, char **argv);
int cmd_witness(int argc, char **argv);
int cmd_compare_copies(int argc, char **argv);

/*
 * What a command trusts: the central key pinned with -p FILE / -P KEY, or,
 * only when asked for with --trust-bundle-key, the bundle's own central.pub;
 * and the origin pinned with --origin ("dauys/REF/MODE"), if any.
 */
typedef struct audit_trust {
    const char *pub_file, *pub_b64, *origin;
    int bundle_key;   /* --trust-bundle-key */
    dauys_pubkey key; /* the pinned key, once audit_trust_load has run */
    /* --witness VKEY (repeatable), in the order given, and --witness-quorum K
     * (0: not given); audit_trust_load sets the quorum (K, else every one) */
    dauys_witness_policy witnesses;
    size_t witness_quorum;
    int witness_bad; /* a --witness or --witness-quorum was refused (said on stderr) */
    /* --manifest FILE (check, follow): the signed manifest whose witnesses
     * apply when no --witness is given, and its origin */
    const char *manifest;
    int witnesses_from_manifest;
    char manifest_origin[DAUYS_NOTE_NAME_MAX + 1];
} audit_trust;

/* getopt_long codes of the long-only options. */
enum {
    AUDIT_OPT_TRUST_BUNDLE_KEY = 0x100,
    AUDIT_OPT_ORIGIN,
    AUDIT_OPT_WITNESS,
    AUDIT_OPT_WITNESS_QUORUM,
    AUDIT_OPT_MANIFEST
};

/* The long options of the witness policy (an initialiser list for struct
 * option), for the commands that check cosignatures: verify, check, follow. */
#define AUDIT_WITNESS_LONGOPTS                                                                     \
    {"witness", required_argument, NULL, AUDIT_OPT_WITNESS},                                       \
    {                                                                                              \
        "witness-quorum", required_argument, NULL, AUDIT_OPT_WITNESS_QUORUM                        \
    }

/* --manifest FILE, for the commands that hold no bundle (check, follow). */
#define AUDIT_MANIFEST_LONGOPT                                                                     \
    {                                                                                              \
        "manifest", required_argument, NULL, AUDIT_OPT_MANIFEST                                    \
    }

/* The lines of the usage texts on the witness options. */
#define AUDIT_WITNESS_OPTIONS_USAGE                                                                \
    "  --witness VKEY          a witness whose cosignature the checkpoint must carry\n"            \
    "                          (NAME+KEYID+BASE64; repeatable): these witnesses, not\n"            \
    "                          the manifest's\n"                                                   \
    "  --witness-quorum K      how many of the --witness ones must cosign (default all)\n"

/* The lines of the usage texts on --manifest. */
#define AUDIT_MANIFEST_OPTIONS_USAGE                                                               \
    "  --manifest FILE         the referendum's manifest, signed by the central key\n"             \
    "                          (FILE.minisig beside it): its witnesses and quorum\n"               \
    "                          apply when no --witness is given, and the checkpoint\n"             \
    "                          must be of its origin\n"

/* The long options of audit_trust (an initialiser list for struct option). */
#define AUDIT_TRUST_LONGOPTS                                                                       \
    {"central-key", required_argument, NULL, 'p'},                                                 \
        {"trust-bundle-key", no_argument, NULL, AUDIT_OPT_TRUST_BUNDLE_KEY},                       \
        {"origin", required_argument, NULL, AUDIT_OPT_ORIGIN},                                     \
    {                                                                                              \
        "help", no_argument, NULL, 'h'                                                             \
    }

/* Takes getopt's option C with argument ARG if it is one of audit_trust's:
 * returns 1 if taken, 0 if C is another option. */
int audit_trust_option(audit_trust *t, int c, const char *arg);

/*
 * After the options of COMMAND: loads the pinned key, or accepts
 * --trust-bundle-key if BUNDLE_KEY_ALLOWED (then prints the warning to
 * stderr at once), and checks --origin's form. Neither key nor
 * --trust-bundle-key: a usage error. Returns 0, or -1 with the reason on
 * stderr (the caller exits 2).
 */
int audit_trust_load(audit_trust *t, const char *command, int bundle_key_allowed);

/* The witnesses the user required with --witness, or else those of the
 * --manifest; NULL if neither names any. */
const dauys_witness_policy *audit_trust_witnesses(const audit_trust *t);

/* The key to hand the library: the pinned one, or NULL for the bundle's own. */
const dauys_pubkey *audit_trust_key(const audit_trust *t);

/* Prints what was checked, ID, as one line to OUT ("checked: referendum
 * ..."), and the --trust-bundle-key warning line if the key was the bundle's. */
void audit_identity_print(FILE *out, const dauys_audit_identity *id);

/* The same as JSON members (each `"name": value,` on its own line, indented
 * by two spaces), for an object still open after them. */
void audit_identity_json(FILE *out, const dauys_audit_identity *id);

/* CLI_EXIT_BAD for evidence that fails (ERR's status says so), CLI_EXIT_FAIL
 * for anything else. */
int audit_exit_for(const dauys_error *err);

/* A checkpoint of origin GOT where the user pinned PINNED (NULL: any).
 * Returns 0, or -1 with ERR (DAUYS_E_PROOF: it does not hold). */
int audit_pin_origin(const char *got, const char *pinned, dauys_error *err);

/*
 * Parses COMMAND's trust options (and, if WITNESSES, the witness options
 * and --manifest)
 * into T and checks that exactly WANT positional arguments follow (at argv +
 * optind). Returns 1 after printing --help, 0, or -1 after printing the
 * usage or the reason to stderr.
 */
int audit_parse(int argc, char **argv, const char *command, const char *usage, audit_trust *t,
                int bundle_key_allowed, int witnesses, int want);

/* The lines of the usage texts on the trust options. */
#define AUDIT_TRUST_OPTIONS_USAGE                                                                  \
    "  -p, --central-key FILE  the central commission's public key, from a source you\n"           \
    "  -P KEY                  trust (pinned; required)\n"                                         \
    "  --origin dauys/REF/MODE the log you expect (MODE official or test): another\n"              \
    "                          referendum's or mode's log fails (exit 1)\n"

/* The three files of check and check-consistency, and the key. */
typedef struct audit_three {
    char **paths;
    char *data[3];
    size_t len[3];
    audit_trust trust;
    dauys_error err;
} audit_three;

/*
 * check and check-consistency: parses COMMAND's options (trust options, the
 * witness options if WITNESSES, and three files; USAGE for --help and errors), reads the three
 * files (each at most MAX[i] bytes), runs VERIFY on them and frees them. Returns the exit status:
 * VERIFY's failure is reported.
 */
int audit_check_three(int argc, char **argv, const char *command, const char *usage, int witnesses,
                      const size_t max[3], int (*verify)(audit_three *t));

#endif
