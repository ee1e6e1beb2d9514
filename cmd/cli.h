/*
 * cli.h: plumbing shared by the two command-line programs, dauys and
 * dauys-audit. This is the only code besides the mains that prints; library
 * code reports through dauys_error instead.
 */
#ifndef DAUYS_CMD_CLI_H
#define DAUYS_CMD_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "core/error.h"
#include "keys/keys.h"

/* Exit codes, as minisign: 0 good, 1 a bad signature or a discrepancy, 2 any other failure. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_BAD = 1, CLI_EXIT_FAIL = 2 };

/* The program name used to prefix messages ("dauys", "dauys-audit"). */
extern const char *cli_program;

/* Prints "PROGRAM: message" to stderr. */
void cli_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints ERR's message, prefixed with the program name, to stderr, as
 * untrusted text (cli_print_untrusted): it may quote a file's bytes. */
void cli_report(const dauys_error *err);

/* Writes S to FP with control characters (C0 but TAB, DEL, C1) and bytes that
 * are not valid UTF-8 shown as '?': the text is untrusted. */
void cli_print_untrusted(FILE *fp, const char *s);

/* Writes S as a JSON string (see dauys_out_json_string). */
void cli_json_string(FILE *fp, const char *s);

/* Seconds on a monotonic clock. */
double cli_now(void);

/* Ignores SIGXFSZ: past a file-size limit (ulimit -f) a write then fails
 * with EFBIG, which SQLite and the file helpers report as an error naming the
 * cause and roll back, instead of the process being killed mid-write. */
void cli_ignore_file_size_signal(void);

/* Forbids core dumps and debugger attachment, so a crash never writes a
 * secret key to disk and no other process reads it from memory. */
void cli_no_core_dumps(void);

/* Where a password comes from: --password-file, else $DAUYS_PASSWORD, else the terminal. */
typedef struct cli_password_source {
    const char *file;
} cli_password_source;

/*
 * dauys_password_fn for loading a key: fills BUF from the source in CTX
 * (a cli_password_source), prompting on the terminal as a last resort.
 */
int cli_password_get(char *buf, size_t size, const char *name, void *ctx);

/*
 * Obtains a new password for encrypting a key into *OUT (secure memory; free
 * with dauys_secure_free): from the file or environment, else prompted twice
 * on the terminal. Refuses an empty password. Returns 0 or -1 (message printed).
 */
int cli_password_new(char **out, const cli_password_source *src);

/*
 * Loads a public key from the file FILE or the base64 string B64 (exactly one
 * of them non-NULL). Returns 0, or -1 with a message printed.
 */
int cli_load_pubkey(dauys_pubkey *pk, const char *file, const char *b64);

/*
 * Verifies FILE against the signature file SIG_PATH with PK, leaving the
 * parsed signature in SIG. Returns CLI_EXIT_OK, CLI_EXIT_BAD (the signature
 * is malformed or wrong) or CLI_EXIT_FAIL (a file could not be read),
 * with ERR filled unless OK.
 */
int cli_verify_one(dauys_signature *sig, const char *file, const char *sig_path,
                   const dauys_pubkey *pk, dauys_error *err);

/* A subcommand: its name, its function (returning an exit code), and a line
 * on it for the program's usage (NULL where the usage is written out whole). */
typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} cli_command;

/*
 * The main of the program PROGRAM (also the prefix of its messages), of
 * VERSION, with the COUNT subcommands COMMANDS: without an argument prints
 * USAGE to stderr and returns CLI_EXIT_FAIL; --help, -h or help print it to
 * stdout; --version prints "PROGRAM VERSION". Otherwise initialises the core
 * (libsodium), ignores SIGXFSZ and runs the subcommand named by argv[1] on
 * the arguments from it on. Returns the exit code.
 */
int cli_main(int argc, char **argv, const char *program, const char *version,
             const cli_command *commands, size_t count, void (*usage)(FILE *fp));

/* Parses a --kdf value ("sensitive" or "interactive") into *KDF; 0 or -1. */
int cli_parse_kdf(dauys_kdf *kdf, const char *name);

#endif
