/* commands.h: the observer commands of dauys-audit (cmd_observe.c) and the
 * forensics (cmd_forensics.c). */
#ifndef DAUYS_AUDIT_COMMANDS_H
#define DAUYS_AUDIT_COMMANDS_H

int cmd_prove(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_consistency(int argc, char **argv);
int cmd_check_consistency(int argc, char **argv);
int cmd_forensics(int argc, char **argv);

#endif
