/*
 * checkpoint.c: dauys checkpoint: a signed C2SP checkpoint of the log.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/checkpoint.h"
#include "cmd/cli.h"
#include "publish/publish.h"
#include "publish/tiles.h"
#include "cmd/dauys/dauys_commands.h"

static const char checkpoint_usage[] =
    "usage: dauys checkpoint [-w DIR] -k CENTRAL.key [--password-file F] [--tiles TILEDIR]\n"
    "                        [--witness URL]... [--witness-timeout SECONDS]\n"
    "\n"
    "Signs the log's current size and root with the central key: a C2SP\n"
    "tlog-checkpoint as a signed note, origin \"dauys/REFERENDUM/MODE\". Refuses\n"
    "if the log does not extend the last checkpoint signed. Prints the note,\n"
    "writes it to DIR/checkpoint.txt, and prints the verifier key for C2SP tools.\n"
    "--tiles TILEDIR: also publish the log as C2SP tlog-tiles in TILEDIR (made if\n"
    "missing): the tiles and entry bundles new since the checkpoint TILEDIR holds,\n"
    "then TILEDIR/checkpoint. Layout: docs/FORMATS.md, \"Tiles\".\n" CMD_WITNESS_USAGE
    "The cosigned checkpoint is stored, printed and written; one without a quorum\n"
    "of the manifest's witnesses too, with a warning. A checkpoint stored with a\n"
    "quorum already is not asked for again. docs/FORMATS.md 12.4.\n";

int
cmd_checkpoint(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"key", required_argument, NULL, 'k'},
        {"password-file", required_argument, NULL, 'W'},
        {"tiles", required_argument, NULL, 'T'},
        {"witness", required_argument, NULL, 'S'},
        {"witness-timeout", required_argument, NULL, 'O'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char note[DAUYS_COSIGNED_NOTE_MAX], path[PATH_MAX], vkey[DAUYS_NOTE_VKEY_MAX];
    const char *dir = ".", *key = NULL, *tiles = NULL;
    cli_password_source pw = {0};
    cmd_witnesses witnesses = {0};
    dauys_cosigner *cosigner = NULL;
    dauys_cosigning *cosigned = NULL;
    dauys_workspace *ws = NULL;
    dauys_seckey *sk = NULL;
    dauys_checkpoint cp;
    dauys_error err;
    uint64_t published = 0;
    int c, found = 0, rc = CLI_EXIT_FAIL;

    while ((c = getopt_long(argc, argv, "w:k:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'w': dir = optarg; break;
        case 'k': key = optarg; break;
        case 'W': pw.file = optarg; break;
        case 'T': tiles = optarg; break;
        case 'S':
        case 'O':
            if (cmd_witness_option(&witnesses, c == 'O', optarg) != 0) {
                return CLI_EXIT_FAIL;
            }
            break;
        case 'h': fputs(checkpoint_usage, stdout); return CLI_EXIT_OK;
        default: fputs(checkpoint_usage, stderr); return CLI_EXIT_FAIL;
        }
    }
    if (key == NULL || optind != argc) {
        fputs(checkpoint_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    cli_no_core_dumps();
    if (witnesses.count > 0 && (cosigned = malloc(sizeof *cosigned)) == NULL) {
        cli_message("out of memory");
        return CLI_EXIT_FAIL;
    }
    /* The stored note is the one written: the checkpoint as signed, with the
     * cosignatures stored for it (issue 18) */
    if (cmd_open_central(&ws, &sk, dir, key, &pw, &err) != 0 ||
        cmd_witness_cosigner(&cosigner, &witnesses, ws, &err) != 0 ||
        dauys_log_checkpoint(note, sizeof note, &cp, ws, sk, &err) != 0 ||
        (found = dauys_log_checkpoint_note(note, sizeof note, ws, cp.size, &err)) < 0 ||
        (found == 0 && dauys_error_set(&err, DAUYS_E_DATABASE,
                                       "the checkpoint of %llu entries just signed is not stored",
                                       (unsigned long long) cp.size) != 0) ||
        (cosigner != NULL &&
         (dauys_publish_cosign(cosigned, note, sizeof note, ws, cosigner, &err) != 0 ||
          (cosigned->added > 0 && dauys_log_checkpoint_cosigned(ws, note, &err) != 0))) ||
        dauys_log_checkpoint_save(path, sizeof path, dir, note, &err) != 0 ||
        dauys_note_vkey(vkey, sizeof vkey, cp.origin, &ws->central, &err) != 0 ||
        (tiles != NULL && (dauys_tiles_published_size(&published, tiles, &err) != 0 ||
                           dauys_tiles_write(ws, tiles, published, cp.size, note, &err) != 0))) {
        cli_report(&err);
        goto done;
    }
    fputs(note, stdout);
    if (cosigner != NULL) {
        cmd_witness_report(cosigned, &witnesses, &ws->manifest.witnesses, "checkpoint");
    }
    fprintf(stderr, "checkpoint of %llu entries written to %s\nverifier key: %s\n",
            (unsigned long long) cp.size, path, vkey);
    if (tiles != NULL) {
        fprintf(stderr, "tiles of %llu entries written to %s (%llu published there before)\n",
                (unsigned long long) cp.size, tiles, (unsigned long long) published);
    }
    rc = CLI_EXIT_OK;
done:
    if (cosigner != NULL) {
        dauys_cosigner_free(cosigner);
    }
    free(cosigned);
    dauys_keys_seckey_free(sk);
    dauys_workspace_close(ws);
    return rc;
}
