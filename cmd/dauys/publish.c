/*
 * publish.c: dauys publish: signs and logs the result, writes the bundle.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "publish/archive.h"
#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"
#include "store/checkpoint.h"
#include "publish/publish.h"
#include "publish/tiles.h"

static const char publish_usage[] =
    "usage: dauys publish [-w DIR] -k CENTRAL.key [--password-file F] [--archive FILE]\n"
    "                     [--tiles TILEDIR] [--witness URL]... [--witness-timeout SECONDS]\n"
    "                     OUTDIR\n"
    "\n"
    "Tallies the workspace, signs the result statement with the central key\n"
    "(minisign format: minisign -Vm OUTDIR/result.txt -p OUTDIR/central.pub\n"
    "verifies it), appends it to the log, signs a checkpoint covering it, and\n"
    "writes the evidence bundle into OUTDIR (new or empty). Publishing again with\n"
    "nothing new gives byte-identical files. Layout: docs/FORMATS.md, \"Bundle\".\n"
    "--archive FILE: also write the bundle as one archive (ustar, new file) that\n"
    "dauys-audit verify reads directly and tar -xf unpacks (dauys archive).\n"
    "--tiles TILEDIR: also publish the log up to that checkpoint as C2SP\n"
    "tlog-tiles in TILEDIR, as dauys checkpoint --tiles does.\n" CMD_WITNESS_USAGE
    "With witnesses: the checkpoint of the log before the result is cosigned first,\n"
    "and the result statement carries its cosignatures (cosignature: lines); then the\n"
    "final checkpoint is cosigned, and the bundle and DIR/checkpoint.txt get it. A\n"
    "checkpoint without a quorum is published as such, with a warning (exit 0). A\n"
    "checkpoint stored with a quorum already is not asked for again. docs/FORMATS.md\n"
    "16.3.\n";

/* On standard error: what the witnesses did, step by step (FORMATS.md 16.3). */
static void
report_witnesses(const dauys_publication *pub, const cmd_witnesses *w,
                 const dauys_witness_policy *p)
{
    cmd_witness_report(&pub->before, w, p, "the checkpoint before the result");
    if (pub->log_grew) {
        cli_message("warning: the log grew each of the %u times the witnesses were asked "
                    "(another process writes to it): the result covers %llu entries, a log no "
                    "witness was asked to cosign",
                    pub->attempts, (unsigned long long) pub->covered);
    } else if (pub->attempts > 1) {
        fprintf(stderr, "the log grew while the witnesses were asked: asked %u times\n",
                pub->attempts);
    }
    fprintf(stderr, "result.txt carries %zu cosignatures of the checkpoint of %llu entries%s\n",
            pub->statement_cosignatures, (unsigned long long) pub->covered,
            pub->statement_cosignatures == 0 ? " (none)" : "");
    cmd_witness_report(&pub->after, w, p, "the final checkpoint");
}

int
cmd_publish(int argc, char **argv)
{
    static const struct option longopts[] = {{"key", required_argument, NULL, 'k'},
                                             {"password-file", required_argument, NULL, 'W'},
                                             {"archive", required_argument, NULL, 'A'},
                                             {"tiles", required_argument, NULL, 'T'},
                                             {"witness", required_argument, NULL, 'S'},
                                             {"witness-timeout", required_argument, NULL, 'O'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *dir = ".", *key = NULL, *archive = NULL, *tiles = NULL;
    cli_password_source pw = {0};
    cmd_witnesses witnesses = {0};
    dauys_cosigner *cosigner = NULL;
    dauys_workspace *ws = NULL;
    dauys_seckey *sk = NULL;
    dauys_publication *pub = malloc(sizeof *pub);
    dauys_error err;
    char latest[PATH_MAX];
    uint64_t published = 0;
    int c, rc = CLI_EXIT_FAIL;

    while ((c = getopt_long(argc, argv, "w:k:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'w': dir = optarg; break;
        case 'k': key = optarg; break;
        case 'W': pw.file = optarg; break;
        case 'A': archive = optarg; break;
        case 'T': tiles = optarg; break;
        case 'S':
        case 'O':
            if (cmd_witness_option(&witnesses, c == 'O', optarg) != 0) {
                goto done;
            }
            break;
        case 'h':
            fputs(publish_usage, stdout);
            rc = CLI_EXIT_OK;
            goto done;
        default: fputs(publish_usage, stderr); goto done;
        }
    }
    if (key == NULL || argc - optind != 1) {
        fputs(publish_usage, stderr);
        goto done;
    }
    if (pub == NULL) {
        cli_message("out of memory");
        goto done;
    }
    cli_no_core_dumps();
    if (archive != NULL && access(archive, F_OK) == 0) { /* refused before anything is logged */
        cli_message("%s: exists; the archive is written as a new file", archive);
        goto done;
    }
    if (cmd_open_central(&ws, &sk, dir, key, &pw, &err) != 0 ||
        cmd_witness_cosigner(&cosigner, &witnesses, ws, &err) != 0 ||
        dauys_publish_witnessed(pub, ws, sk, argv[optind], cosigner, &err) != 0) {
        cli_report(&err);
        goto done;
    }
    if (cosigner != NULL) {
        report_witnesses(pub, &witnesses, &ws->manifest.witnesses);
    }
    if (dauys_log_checkpoint_save(latest, sizeof latest, dir, pub->checkpoint, &err) != 0 ||
        (archive != NULL && dauys_archive_pack(argv[optind], archive, &err) != 0) ||
        (tiles != NULL &&
         (dauys_tiles_published_size(&published, tiles, &err) != 0 ||
          dauys_tiles_write(ws, tiles, published, pub->log_size, pub->checkpoint, &err) != 0))) {
        cli_report(&err);
        goto done;
    }
    printf("published to %s/: result covering %llu log entries (%s, %s), checkpoint of %llu "
           "entries%s\n",
           argv[optind], (unsigned long long) pub->covered, pub->final ? "final" : "PROVISIONAL",
           pub->adopted_all ? "adopted"
           : pub->valid_all ? "valid, not adopted"
                            : "not valid",
           (unsigned long long) pub->log_size,
           pub->appended ? "" : " (unchanged since the last publication)");
    if (archive != NULL) {
        printf("archived to %s\n", archive);
    }
    if (tiles != NULL) {
        printf("tiles of %llu entries written to %s (%llu published there before)\n",
               (unsigned long long) pub->log_size, tiles, (unsigned long long) published);
    }
    rc = CLI_EXIT_OK;
done:
    if (cosigner != NULL) {
        dauys_cosigner_free(cosigner);
    }
    free(pub);
    dauys_keys_seckey_free(sk);
    dauys_workspace_close(ws);
    return rc;
}
