/*
 * setup.c: set-up the dauys subcommands share.
 */
#include "cmd/dauys/dauys_commands.h"

int
cmd_open_central(dauys_workspace **ws, dauys_seckey **sk, const char *dir, const char *key,
                 cli_password_source *pw, dauys_error *err)
{
    *ws = NULL;
    *sk = NULL;
    return dauys_workspace_open_frame(ws, dir, err) != 0 ||
                   dauys_keys_seckey_load(sk, key, cli_password_get, pw, err) != 0
               ? -1
               : 0;
}
