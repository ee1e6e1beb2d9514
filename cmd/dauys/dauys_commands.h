/* dauys_commands.h: the subcommands of the dauys program, one file each
 * (each returns an exit code), and the set-up they share (setup.c). */
#ifndef DAUYS_CMD_DAUYS_COMMANDS_H
#define DAUYS_CMD_DAUYS_COMMANDS_H

#include "cmd/cli.h"
#include "keys/keys.h"
#include "store/workspace.h"

int cmd_keygen(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_tally(int argc, char **argv);
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

#endif
