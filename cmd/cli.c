#include "cmd/cli.h"

#include "core/alloc.h"
#include "core/kvtext.h"
#include "core/textout.h"

#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

const char *cli_program = "dauys";

void
cli_message(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", cli_program);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void
cli_report(const dauys_error *err)
{
    /* The message may quote a file's name or bytes: shown as untrusted text. */
    fprintf(stderr, "%s: ", cli_program);
    cli_print_untrusted(stderr,
                        err->message[0] != '\0' ? err->message : dauys_status_name(err->status));
    fputc('\n', stderr);
}

void
cli_print_untrusted(FILE *fp, const char *s)
{
    size_t left = strlen(s), k;

    /* A byte of no valid UTF-8 character and every control a terminal obeys
     * (C0 but TAB, DEL, C1, bidi overrides and isolates) show as one '?'. */
    for (; left > 0; s += k, left -= k) {
        dauys_char_kind kind = dauys_utf8_next(s, left, &k);
        if (kind == DAUYS_CHAR_TEXT || *s == '\t') {
            fwrite(s, 1, k, fp);
        } else {
            fputc('?', fp);
        }
    }
}

void
cli_json_string(FILE *fp, const char *s)
{
    dauys_out_json_string(fp, s, strlen(s));
}

double
cli_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

void
cli_ignore_file_size_signal(void)
{
    (void) signal(SIGXFSZ, SIG_IGN);
}

void
cli_no_core_dumps(void)
{
    struct rlimit none = {0, 0};

    (void) setrlimit(RLIMIT_CORE, &none);
    /* Also not ptrace-attachable or readable via /proc/PID/mem by other
     * processes of the same user. */
    (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int
cli_parse_kdf(dauys_kdf *kdf, const char *name)
{
    if (strcmp(name, "sensitive") == 0) {
        *kdf = dauys_keys_kdf_sensitive;
    } else if (strcmp(name, "interactive") == 0) {
        *kdf = dauys_keys_kdf_interactive;
    } else {
        cli_message("--kdf: expected \"sensitive\" or \"interactive\", not \"%s\"", name);
        return -1;
    }
    return 0;
}

int
cli_load_pubkey(dauys_pubkey *pk, const char *file, const char *b64)
{
    dauys_error err;

    if ((file == NULL) == (b64 == NULL)) {
        cli_message("give exactly one of -p PUBKEY_FILE and -P PUBKEY");
        return -1;
    }
    if ((file != NULL ? dauys_keys_pubkey_load(pk, file, &err)
                      : dauys_keys_pubkey_from_base64(pk, b64, strlen(b64), &err)) != 0) {
        cli_report(&err);
        return -1;
    }
    return 0;
}

int
cli_verify_one(dauys_signature *sig, const char *file, const char *sig_path, const dauys_pubkey *pk,
               dauys_error *err)
{
    if (dauys_keys_signature_load(sig, sig_path, err) != 0 ||
        dauys_keys_verify_file(sig, file, pk, err) != 0) {
        return dauys_keys_status_is_bad_signature(err->status) ? CLI_EXIT_BAD : CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

int
cli_main(int argc, char **argv, const char *program, const char *version,
         const cli_command *commands, size_t count, void (*usage)(FILE *fp))
{
    cli_program = program;
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_FAIL;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("%s %s\n", program, version);
        return CLI_EXIT_OK;
    }
    if (dauys_core_init() != 0) {
        cli_message("libsodium could not be initialised");
        return CLI_EXIT_FAIL;
    }
    cli_ignore_file_size_signal();
    for (size_t i = 0; i < count; i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    cli_message("unknown command \"%s\" (try %s --help)", argv[1], program);
    return CLI_EXIT_FAIL;
}
