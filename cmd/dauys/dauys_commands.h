/* dauys_commands.h: the subcommands of the dauys program, one file each
 * (each returns an exit code), and the set-up they share (setup.c). */
#ifndef DAUYS_CMD_DAUYS_COMMANDS_H
#define DAUYS_CMD_DAUYS_COMMANDS_H

#include "cmd/cli.h"
#include "keys/keys.h"
#include "publish/publish.h"
#include "publish/witness.h"
#include "store/workspace.h"

int cmd_keygen(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_tally(int argc, char **argv);
int cmd_summarize(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_publish(int argc, char **argv);
int cmd_archive(int argc, char **argv);
int cmd_import_csv(int argc, char **argv);
int cmd_checkpoint(int argc, char **argv);
int cmd_update_manifest(int argc, char **argv);
int cmd_proof(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_submit(int argc, char **argv);

int cmd_serve(int argc, char **argv);

/*
 * The set-up of the commands that sign for the central commission
 * (checkpoint, publish): opens the workspace in DIR to write the log (*WS)
 * and loads the central secret key from the file KEY (*SK), its password
 * from PW. Returns 0, or -1 with ERR. Either way the caller closes *WS and
 * frees *SK (NULL when not opened).
 */
int cmd_open_central(dauys_workspace **ws, dauys_seckey **sk, const char *dir, const char *key,
                     cli_password_source *pw, dauys_error *err);

/* The witnesses `dauys checkpoint` and `dauys publish` ask (issue 18):
 * --witness URL (repeatable) and --witness-timeout SECONDS. */
typedef struct cmd_witnesses {
    const char *url[DAUYS_COSIGNER_URLS_MAX];
    size_t count;
    long timeout_ms; /* 0: the cosigner's default (10 s) */
} cmd_witnesses;

/* The usage lines of the two options, for both commands' --help. */
#define CMD_WITNESS_USAGE                                                                          \
    "--witness URL: ask the witness at URL (C2SP tlog-witness; repeatable, at most 32)\n"          \
    "to cosign the checkpoint; only the manifest's witnesses count. --witness-timeout\n"           \
    "SECONDS: the longest one request may take (default 10).\n"

/* Records --witness URL (TIMEOUT 0) or --witness-timeout ARG (TIMEOUT 1) in W;
 * 0, or -1 with a message printed. */
int cmd_witness_option(cmd_witnesses *w, int timeout, const char *arg);

/* The cosigner of W's URLs for the witnesses of the manifest in force of WS into
 * *C (NULL, and 0, when W has no URL); -1 with ERR if the manifest names none. */
int cmd_witness_cosigner(dauys_cosigner **c, const cmd_witnesses *w, const dauys_workspace *ws,
                         dauys_error *err);

/* Reports on standard error what cosigning R did under policy P with W's
 * URLs (one line a URL when they were asked, then the count, and a warning
 * WITHOUT a quorum); WHAT names the checkpoint ("the final checkpoint"). */
void cmd_witness_report(const dauys_cosigning *r, const cmd_witnesses *w,
                        const dauys_witness_policy *p, const char *what);

#endif
