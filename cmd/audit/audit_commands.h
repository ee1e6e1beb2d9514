/* commands.h: the observer commands of dauys-audit (cmd_observe.c) and the
 * forensics (cmd_forensics.c), and the trust options every command that
 * checks the central key's signatures shares (cmd_observe.c). */
#ifndef DAUYS_AUDIT_COMMANDS_H
#define DAUYS_AUDIT_COMMANDS_H

#include <stdio.h>

#include "keys/keys.h"
#include "audit/verify.h"

int cmd_prove(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_consistency(int argc, char **argv);
int cmd_check_consistency(int argc, char **argv);
int cmd_forensics(int argc, char **argv);

/*
 * What a command trusts: the central key pinned with -p FILE / -P KEY, or,
 * only when asked for with --trust-bundle-key, the bundle's own central.pub;
 * and the origin pinned with --origin ("dauys/REF/MODE"), if any.
 */
typedef struct audit_trust {
    const char *pub_file, *pub_b64, *origin;
    int bundle_key;   /* --trust-bundle-key */
    dauys_pubkey key; /* the pinned key, once audit_trust_load has run */
} audit_trust;

/* getopt_long codes of the long-only options. */
enum { AUDIT_OPT_TRUST_BUNDLE_KEY = 0x100, AUDIT_OPT_ORIGIN };

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

/* The key to hand the library: the pinned one, or NULL for the bundle's own. */
const dauys_pubkey *audit_trust_key(const audit_trust *t);

/* Prints what was checked, ID, as one line to OUT ("checked: referendum
 * ..."), and the --trust-bundle-key warning line if the key was the bundle's. */
void audit_identity_print(FILE *out, const dauys_audit_identity *id);

/* The same as JSON members (each `"name": value,` on its own line, indented
 * by two spaces), for an object still open after them. */
void audit_identity_json(FILE *out, const dauys_audit_identity *id);

#endif
