/* dauys_commands.h: the subcommands of the dauys program. Each returns an exit code. */
#ifndef DAUYS_CMD_DAUYS_COMMANDS_H
#define DAUYS_CMD_DAUYS_COMMANDS_H

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

#endif
