/*
 * sign.c: dauys sign: minisign signatures of files.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"
#include "core/decimal.h"
#include "core/file.h"
#include "keys/keys.h"

static const char sign_usage[] =
    "usage: dauys sign FILE... -k KEY [-t COMMENT] [-c COMMENT] [-x SIG]\n"
    "                  [--password-file FILE]\n"
    "\n"
    "Signs each FILE with the secret key KEY, writing FILE.minisig (minisign's\n"
    "format, prehashed \"ED\"; verifiable with stock minisign -V). Every signature\n"
    "is re-verified before it is written.\n"
    "  -k KEY             secret key file (must not be readable by group or others)\n"
    "  -t COMMENT         trusted (signed) comment; default\n"
    "                     \"timestamp:T<TAB>file:NAME<TAB>hashed\", T from\n"
    "                     $SOURCE_DATE_EPOCH when set, else the clock\n"
    "  -c COMMENT         untrusted comment (first line of the signature file)\n"
    "  -x SIG             signature file name (only with a single FILE)\n"
    "  --password-file F  password from the first line of F; else $DAUYS_PASSWORD,\n"
    "                     else asked on the terminal\n";

typedef struct sign_opts {
    const char *key, *trusted, *untrusted, *sig_path;
    cli_password_source pw;
    long long timestamp;
} sign_opts;

/*
 * The timestamp for default trusted comments: $SOURCE_DATE_EPOCH when set
 * (reproducible signatures), else the clock. Returns -1 (message printed) if
 * the variable is not a plain decimal number of seconds.
 */
static int
signing_time(long long *ts)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    uint64_t v;
    size_t n;

    *ts = (long long) time(NULL);
    if (sde == NULL) {
        return 0;
    }
    n = strlen(sde);
    if (n > 15 || dauys_decimal_read(&v, sde, n, UINT64_MAX, DAUYS_DECIMAL_LEADING_ZEROS) !=
                      DAUYS_DECIMAL_OK) {
        cli_message("SOURCE_DATE_EPOCH must be whole seconds since 1970, not \"%s\"", sde);
        return -1;
    }
    *ts = (long long) v; /* 15 digits at most: it fits */
    return 0;
}

/* The default trusted comment for FILE, as minisign writes it. */
static void
default_trusted_comment(char *out, size_t size, const char *file, long long ts)
{
    const char *base = strrchr(file, '/');

    snprintf(out, size, "timestamp:%lld\tfile:%s\thashed", ts, base != NULL ? base + 1 : file);
}

/*
 * Signs FILE with SK and writes the signature, after checking the exact text
 * to be written verifies against SK's public half.
 */
static int
sign_one(const char *file, const sign_opts *o, const dauys_seckey *sk)
{
    static char text[DAUYS_KEYS_SIGNATURE_TEXT_MAX];
    static dauys_signature sig, check;
    char tc[DAUYS_KEYS_TRUSTED_COMMENT_MAX + 1], out[PATH_MAX];
    uint8_t h[DAUYS_KEYS_PREHASH_BYTES];
    dauys_pubkey pk;
    dauys_error err;

    if (o->sig_path != NULL) {
        snprintf(out, sizeof out, "%s", o->sig_path);
    } else if (snprintf(out, sizeof out, "%s.minisig", file) >= (int) sizeof out) {
        cli_message("%s: path too long", file);
        return -1;
    }
    if (o->trusted == NULL) {
        default_trusted_comment(tc, sizeof tc, file, o->timestamp);
    }
    dauys_keys_seckey_public(&pk, sk);
    if (dauys_keys_prehash_file(h, file, &err) != 0 ||
        dauys_keys_sign_prehashed(&sig, h, o->trusted != NULL ? o->trusted : tc, sk, &err) != 0 ||
        dauys_keys_signature_encode(text, sizeof text, &sig, o->untrusted, &err) != 0 ||
        dauys_keys_signature_decode(&check, text, strlen(text), out, &err) != 0 ||
        dauys_keys_verify_prehashed(&check, h, &pk, &err) != 0 ||
        dauys_file_write_atomic(out, text, strlen(text), 0644, &err) != 0) {
        cli_report(&err);
        return -1;
    }
    printf("%s: signed, signature written to %s\n", file, out);
    return 0;
}

int
cmd_sign(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"key", required_argument, NULL, 'k'},
        {"password-file", required_argument, NULL, 'W'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    sign_opts o = {0};
    dauys_seckey *sk;
    dauys_error err;
    int c, failed = 0;

    while ((c = getopt_long(argc, argv, "k:t:c:x:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'k': o.key = optarg; break;
        case 't': o.trusted = optarg; break;
        case 'c': o.untrusted = optarg; break;
        case 'x': o.sig_path = optarg; break;
        case 'W': o.pw.file = optarg; break;
        case 'h': fputs(sign_usage, stdout); return CLI_EXIT_OK;
        default: fputs(sign_usage, stderr); return CLI_EXIT_FAIL;
        }
    }
    if (o.key == NULL || optind >= argc || (o.sig_path != NULL && argc - optind != 1)) {
        fputs(sign_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    if (signing_time(&o.timestamp) != 0) {
        return CLI_EXIT_FAIL;
    }
    cli_no_core_dumps();
    if (dauys_keys_seckey_load(&sk, o.key, cli_password_get, &o.pw, &err) != 0) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    for (int i = optind; i < argc; i++) {
        failed |= sign_one(argv[i], &o, sk) != 0;
    }
    dauys_keys_seckey_free(sk);
    return failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
