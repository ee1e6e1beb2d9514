/*
 * verify.c: dauys verify: checks a file's signature.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"
#include "keys/keys.h"

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
