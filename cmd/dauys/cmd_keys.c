/*
 * cmd_keys.c: dauys keygen, sign and verify.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/alloc.h"
#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"
#include "core/decimal.h"
#include "core/file.h"
#include "core/idlist.h"
#include "keys/keys.h"

/* --- keygen -------------------------------------------------------------- */

static const char keygen_usage[] =
    "usage: dauys keygen [--unencrypted] [--kdf COST] [--password-file FILE] -o PREFIX\n"
    "       dauys keygen [--unencrypted] [--kdf COST] [--password-file FILE] [--jobs N]\n"
    "                    --precincts LIST -d DIR\n"
    "\n"
    "Makes Ed25519 key pairs in minisign's formats.\n"
    "  -o PREFIX          one key pair: PREFIX.pub and PREFIX.key (the central commission's)\n"
    "  --precincts LIST   one key pair per precinct id in LIST (one id a line; '#' comments),\n"
    "  -d DIR             written as DIR/ID.pub and DIR/ID.key; all or nothing\n"
    "  --unencrypted      store secret keys in the clear (mock referendums, tests only)\n"
    "  --kdf COST         scrypt cost for encrypted keys: sensitive (minisign's default,\n"
    "                     1 GiB, seconds per key; the default for -o) or interactive\n"
    "                     (16 MiB, tens of ms; the default for --precincts)\n"
    "  --password-file F  read the password from the first line of F (mode 0600);\n"
    "                     otherwise $DAUYS_PASSWORD, otherwise asked on the terminal\n"
    "  -j, --jobs N       threads for --precincts (default: one per CPU when\n"
    "                     encrypting, where scrypt dominates; else one)\n"
    "Secret key files are created with mode 0600 and never overwritten.\n";

typedef struct keygen_opts {
    const char *prefix, *list, *dir, *kdf_name;
    cli_password_source pw;
    int unencrypted;
    unsigned jobs;
} keygen_opts;

/* Parses keygen's options into O; returns -1 to exit 2, 1 after --help, else 0. */
static int
keygen_parse(keygen_opts *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"precincts", required_argument, NULL, 'P'},
        {"dir", required_argument, NULL, 'd'},
        {"unencrypted", no_argument, NULL, 'U'},
        {"kdf", required_argument, NULL, 'K'},
        {"password-file", required_argument, NULL, 'W'},
        {"jobs", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t jobs;
    int c;

    while ((c = getopt_long(argc, argv, "o:d:j:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->prefix = optarg; break;
        case 'P': o->list = optarg; break;
        case 'd': o->dir = optarg; break;
        case 'U': o->unencrypted = 1; break;
        case 'K': o->kdf_name = optarg; break;
        case 'W': o->pw.file = optarg; break;
        case 'j':
            if (strlen(optarg) > 3 ||
                dauys_decimal_read(&jobs, optarg, strlen(optarg), 999,
                                   DAUYS_DECIMAL_LEADING_ZEROS) != DAUYS_DECIMAL_OK ||
                (o->jobs = (unsigned) jobs) == 0) {
                cli_message("--jobs: expected a number of threads from 1 to 999, not \"%s\"",
                            optarg);
                return -1;
            }
            break;
        case 'h': fputs(keygen_usage, stdout); return 1;
        default: fputs(keygen_usage, stderr); return -1;
        }
    }
    if (optind != argc || (o->prefix != NULL) == (o->list != NULL) ||
        (o->list != NULL) != (o->dir != NULL)) {
        fputs(keygen_usage, stderr);
        return -1;
    }
    return 0;
}

/* Makes one key pair at O->prefix. */
static int
keygen_single(const keygen_opts *o, const char *password, const dauys_kdf *kdf)
{
    char pub[PATH_MAX], sec[PATH_MAX], id[17], b64[57];
    dauys_pubkey pk;
    dauys_seckey *sk;
    dauys_error err;
    int rc;

    if (snprintf(pub, sizeof pub, "%s.pub", o->prefix) >= (int) sizeof pub ||
        snprintf(sec, sizeof sec, "%s.key", o->prefix) >= (int) sizeof sec) {
        cli_message("%s: path too long", o->prefix);
        return CLI_EXIT_FAIL;
    }
    if (dauys_keys_generate(&pk, &sk, &err) != 0) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    rc = dauys_keys_keypair_save(pub, sec, &pk, sk, NULL, password, kdf, 1, &err);
    dauys_keys_seckey_free(sk);
    if (rc != 0) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    dauys_keys_id_hex(id, pk.id);
    dauys_keys_pubkey_to_base64(b64, &pk);
    printf("key id %s\npublic key: %s\nsecret key: %s (%s)\n"
           "verify with stock minisign: minisign -Vm FILE -P %s\n",
           id, pub, sec, password != NULL ? "encrypted" : "UNENCRYPTED", b64);
    return CLI_EXIT_OK;
}

/* Makes key pairs for every precinct in O->list under O->dir. */
static int
keygen_bulk(const keygen_opts *o, const char *password, const dauys_kdf *kdf)
{
    dauys_idlist list;
    dauys_error err;
    double t0 = cli_now(), dt;
    int rc;

    if (dauys_idlist_load(&list, o->list, &err) != 0) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    if (mkdir(o->dir, 0700) != 0 && errno != EEXIST) {
        cli_message("%s: %s", o->dir, strerror(errno));
        dauys_idlist_free(&list);
        return CLI_EXIT_FAIL;
    }
    rc = dauys_keys_generate_bulk(o->dir, list.ids, list.count, password, kdf, o->jobs, &err);
    dt = cli_now() - t0;
    if (rc == 0) {
        printf("%zu precinct key pairs written to %s/ (%s) in %.2f s, %.1f per second\n",
               list.count, o->dir, password != NULL ? "encrypted" : "UNENCRYPTED", dt,
               (double) list.count / (dt > 0 ? dt : 1e-9));
    } else {
        cli_report(&err);
    }
    dauys_idlist_free(&list);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int
cmd_keygen(int argc, char **argv)
{
    keygen_opts o = {0};
    dauys_kdf kdf;
    char *password = NULL;
    int rc = keygen_parse(&o, argc, argv);

    if (rc != 0) {
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    cli_no_core_dumps();
    kdf = o.list != NULL ? dauys_keys_kdf_interactive : dauys_keys_kdf_sensitive;
    if (o.kdf_name != NULL && cli_parse_kdf(&kdf, o.kdf_name) != 0) {
        return CLI_EXIT_FAIL;
    }
    if (!o.unencrypted && cli_password_new(&password, &o.pw) != 0) {
        return CLI_EXIT_FAIL;
    }
    rc = o.list != NULL ? keygen_bulk(&o, password, &kdf) : keygen_single(&o, password, &kdf);
    dauys_secure_free(password);
    return rc;
}

/* --- sign ---------------------------------------------------------------- */

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

/* --- verify -------------------------------------------------------------- */

static const char verify_usage[] =
    "usage: dauys verify FILE (-p PUBKEY_FILE | -P PUBKEY) [-x SIG] [-q]\n"
    "\n"
    "Verifies FILE against its minisign signature (default FILE.minisig), made by\n"
    "dauys sign or by stock minisign -S, and prints the trusted comment.\n"
    "  -p FILE   public key file     -P KEY  public key as a base64 string\n"
    "  -x SIG    signature file      -q      quiet: print nothing when good\n"
    "exit status: 0 good signature, 1 bad or malformed signature, 2 could not check\n";

int
cmd_verify(int argc, char **argv)
{
    static dauys_signature sig;
    char sig_path[PATH_MAX], id[17];
    const char *pub_file = NULL, *pub_b64 = NULL, *sig_opt = NULL, *file;
    dauys_pubkey pk;
    dauys_error err;
    int c, quiet = 0, rc;

    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};

    while ((c = getopt_long(argc, argv, "p:P:x:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': pub_file = optarg; break;
        case 'P': pub_b64 = optarg; break;
        case 'x': sig_opt = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(verify_usage, stdout); return CLI_EXIT_OK;
        default: fputs(verify_usage, stderr); return CLI_EXIT_FAIL;
        }
    }
    if (argc - optind != 1) {
        fputs(verify_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    file = argv[optind];
    snprintf(sig_path, sizeof sig_path, sig_opt != NULL ? "%s" : "%s.minisig",
             sig_opt != NULL ? sig_opt : file);
    if (cli_load_pubkey(&pk, pub_file, pub_b64) != 0) {
        return CLI_EXIT_FAIL;
    }
    if ((rc = cli_verify_one(&sig, file, sig_path, &pk, &err)) != CLI_EXIT_OK) {
        cli_message("%s: %s%s (signature %s)", file, rc == CLI_EXIT_BAD ? "BAD SIGNATURE: " : "",
                    err.message, sig_path);
        return rc;
    }
    if (!quiet) {
        dauys_keys_id_hex(id, pk.id);
        printf("%s: signature verified (key id %s)\ntrusted comment: ", file, id);
        cli_print_untrusted(stdout, sig.trusted_comment);
        putchar('\n');
    }
    return CLI_EXIT_OK;
}
