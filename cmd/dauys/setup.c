/*
 * setup.c: set-up the dauys subcommands share.
 */
#include "cmd/dauys/dauys_commands.h"

#include <string.h>

#include "core/decimal.h"

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

int
cmd_witness_option(cmd_witnesses *w, int timeout, const char *arg)
{
    uint64_t seconds;

    if (timeout) {
        if (dauys_decimal_parse(&seconds, arg, strlen(arg), 3600) != 0 || seconds == 0) {
            cli_message("--witness-timeout: expected a number of seconds from 1 to 3600, not "
                        "\"%s\"",
                        arg);
            return -1;
        }
        w->timeout_ms = (long) seconds * 1000;
        return 0;
    }
    if (w->count == DAUYS_COSIGNER_URLS_MAX) {
        cli_message("--witness: at most %d witnesses", DAUYS_COSIGNER_URLS_MAX);
        return -1;
    }
    w->url[w->count++] = arg;
    return 0;
}

int
cmd_witness_cosigner(dauys_cosigner **c, const cmd_witnesses *w, const dauys_workspace *ws,
                     dauys_error *err)
{
    dauys_cosigner_options o = {.timeout_ms = w->timeout_ms, .retries = 2};

    *c = NULL;
    if (w->count == 0) {
        return 0;
    }
    if (ws->manifest.witnesses.count == 0) {
        return dauys_error_set(err, DAUYS_E_USAGE,
                               "--witness: the manifest in force names no witnesses "
                               "(FORMATS.md 8.1): no cosignature would count");
    }
    return dauys_cosigner_new(c, w->url, w->count, &ws->manifest.witnesses, &o, err);
}

void
cmd_witness_report(const dauys_cosigning *r, const cmd_witnesses *w, const dauys_witness_policy *p,
                   const char *what)
{
    char line[DAUYS_ERROR_MESSAGE_MAX + 200];

    for (size_t i = 0; r->asked && i < w->count; i++) {
        const dauys_cosigner_outcome *o = &r->outcome[i];
        if (o->added > 0) {
            snprintf(line, sizeof line, "witness %s: cosigned %s (%llu entries)", w->url[i], what,
                     (unsigned long long) r->size);
        } else if (o->status != 0) {
            snprintf(line, sizeof line, "witness %s: no cosignature (HTTP %ld): %s", w->url[i],
                     o->status, o->why.message);
        } else {
            snprintf(line, sizeof line, "witness %s: no cosignature: %s", w->url[i],
                     o->why.message);
        }
        cli_print_untrusted(stderr, line);
        fputc('\n', stderr);
    }
    if (dauys_publish_quorum_met(r->valid, p)) {
        fprintf(stderr, "%s (%llu entries) cosigned by %zu of %zu witnesses (quorum %zu)%s\n", what,
                (unsigned long long) r->size, r->valid, p->count, p->quorum,
                r->asked ? "" : ", as stored before: the witnesses were not asked again");
    } else {
        cli_message("warning: %s (%llu entries) is cosigned by %zu of %zu witnesses, WITHOUT a "
                    "quorum (%zu needed); it is written as such",
                    what, (unsigned long long) r->size, r->valid, p->count, p->quorum);
    }
}
