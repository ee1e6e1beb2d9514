/*
 * keygen.c: dauys keygen: Ed25519 key pairs, one (the central commission's,
 * or a witness's with its verifier key) or one per precinct.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"
#include "core/decimal.h"
#include "core/idlist.h"
#include "core/file.h"
#include "keys/cosig.h"
#include "keys/keys.h"

static const char keygen_usage[] =
    "usage: dauys keygen [--unencrypted] [--kdf COST] [--password-file FILE]\n"
    "                    [--witness NAME] -o PREFIX\n"
    "       dauys keygen [--unencrypted] [--kdf COST] [--password-file FILE] [--jobs N]\n"
    "                    --precincts LIST -d DIR\n"
    "\n"
    "Makes Ed25519 key pairs in minisign's formats.\n"
    "  -o PREFIX          one key pair: PREFIX.pub and PREFIX.key (the central commission's)\n"
    "  --witness NAME     with -o: a witness's key pair, and PREFIX.vkey, its verifier key\n"
    "                     under the key name NAME (the manifest's witness line)\n"
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
    const char *prefix, *list, *dir, *kdf_name, *witness;
    cli_password_source pw;
    int unencrypted;
    unsigned jobs;
} keygen_opts;

/* Parses keygen's options into O; returns -1 to exit 2, 1 after --help, else 0. */
static int
keygen_parse(keygen_opts *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'}, {"precincts", required_argument, NULL, 'P'},
        {"dir", required_argument, NULL, 'd'},    {"unencrypted", no_argument, NULL, 'U'},
        {"kdf", required_argument, NULL, 'K'},    {"password-file", required_argument, NULL, 'W'},
        {"jobs", required_argument, NULL, 'j'},   {"witness", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
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
        case 'N': o->witness = optarg; break;
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
        (o->list != NULL) != (o->dir != NULL) || (o->witness != NULL && o->prefix == NULL)) {
        fputs(keygen_usage, stderr);
        return -1;
    }
    return 0;
}

/* Writes the verifier key of witness W, and a newline, to PATH (a new file,
 * mode 0644); VKEY (DAUYS_COSIG_VKEY_MAX bytes) gets the key. */
static int
keygen_vkey(char *vkey, const char *path, const dauys_witness_key *w, dauys_error *err)
{
    char line[DAUYS_COSIG_VKEY_MAX + 1];
    size_t n;

    if (dauys_cosig_vkey_format(vkey, DAUYS_COSIG_VKEY_MAX, w, err) != 0) {
        return -1;
    }
    n = strlen(vkey);
    memcpy(line, vkey, n);
    line[n] = '\n';
    return dauys_file_write_new(path, line, n + 1, 0644, 1, err);
}

/* Makes one key pair at O->prefix; with O->witness, also PREFIX.vkey. */
static int
keygen_single(const keygen_opts *o, const char *password, const dauys_kdf *kdf)
{
    char pub[PATH_MAX], sec[PATH_MAX], vkey[PATH_MAX], id[17], b64[57];
    char label[DAUYS_NOTE_NAME_MAX + 16], line[DAUYS_COSIG_VKEY_MAX];
    dauys_witness_key w;
    struct stat st;
    dauys_pubkey pk;
    dauys_seckey *sk;
    dauys_error err;
    int rc;

    if (snprintf(pub, sizeof pub, "%s.pub", o->prefix) >= (int) sizeof pub ||
        snprintf(sec, sizeof sec, "%s.key", o->prefix) >= (int) sizeof sec ||
        snprintf(vkey, sizeof vkey, "%s.vkey", o->prefix) >= (int) sizeof vkey) {
        cli_message("%s: path too long", o->prefix);
        return CLI_EXIT_FAIL;
    }
    if (o->witness != NULL && lstat(vkey, &st) == 0) { /* before any file is written */
        cli_message("%s: already exists; refusing to overwrite it", vkey);
        return CLI_EXIT_FAIL;
    }
    if (dauys_keys_generate(&pk, &sk, &err) != 0) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    if (o->witness != NULL) {
        snprintf(label, sizeof label, "witness %s", o->witness);
        if (dauys_cosig_key_init(&w, o->witness, pk.pk, &err) != 0) {
            dauys_keys_seckey_free(sk);
            cli_report(&err);
            return CLI_EXIT_FAIL;
        }
    }
    rc = dauys_keys_keypair_save(pub, sec, &pk, sk, o->witness != NULL ? label : NULL, password,
                                 kdf, 1, &err);
    dauys_keys_seckey_free(sk);
    if (rc != 0) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    dauys_keys_id_hex(id, pk.id);
    dauys_keys_pubkey_to_base64(b64, &pk);
    if (o->witness != NULL && keygen_vkey(line, vkey, &w, &err) != 0) {
        cli_report(&err);
        unlink(sec);
        unlink(pub);
        return CLI_EXIT_FAIL;
    }
    printf("key id %s\npublic key: %s\nsecret key: %s (%s)\n"
           "verify with stock minisign: minisign -Vm FILE -P %s\n",
           id, pub, sec, password != NULL ? "encrypted" : "UNENCRYPTED", b64);
    if (o->witness != NULL) { /* the manifest's line for this witness */
        printf("verifier key: %s\nwitness: %s\n", vkey, line);
    }
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

/* 0 if NAME may name a witness key (a note key name), checked with a
 * throwaway key before any password is asked for; else reports why. */
static int
keygen_witness_name_ok(const char *name)
{
    dauys_witness_key w;
    dauys_pubkey pk;
    dauys_seckey *sk;
    dauys_error err;

    if (dauys_keys_generate(&pk, &sk, &err) != 0) {
        cli_report(&err);
        return 0;
    }
    dauys_keys_seckey_free(sk);
    if (dauys_cosig_key_init(&w, name, pk.pk, &err) != 0) {
        cli_report(&err);
        return 0;
    }
    return 1;
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
    if (o.witness != NULL && !keygen_witness_name_ok(o.witness)) {
        return CLI_EXIT_FAIL;
    }
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
