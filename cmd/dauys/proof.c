/*
 * proof.c: dauys proof: inclusion and consistency proofs from the log.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "store/checkpoint.h"
#include "cmd/cli.h"
#include "cmd/dauys/dauys_commands.h"
#include "core/decimal.h"

static const char proof_usage[] =
    "usage: dauys proof [-w DIR] (--entry N | --precinct ID) [--size N]\n"
    "       dauys proof [-w DIR] --consistency OLD_SIZE [--size N]\n"
    "\n"
    "Prints an RFC 9162 proof from the log: the inclusion of entry N, or of the\n"
    "entry that accepted precinct ID's current protocol, in the tree of N entries\n"
    "(default: the whole log); or that the tree of OLD_SIZE entries is a prefix\n"
    "of it. Format: docs/FORMATS.md, \"Proof\".\n";

/* Parses a decimal uint64 option value; -1 (message printed) if it is not one. */
static int
parse_u64(uint64_t *out, const char *s, const char *what)
{
    if (dauys_decimal_read(out, s, strlen(s), UINT64_MAX, DAUYS_DECIMAL_LEADING_ZEROS) !=
        DAUYS_DECIMAL_OK) {
        cli_message("%s: \"%s\" is not a number", what, s);
        return -1;
    }
    return 0;
}

int
cmd_proof(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"entry", required_argument, NULL, 'e'},
        {"precinct", required_argument, NULL, 'p'},
        {"consistency", required_argument, NULL, 'c'},
        {"size", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = ".", *precinct = NULL, *entry = NULL, *old = NULL;
    uint64_t index = 0, size = 0;
    char text[DAUYS_PROOF_TEXT_MAX];
    dauys_workspace *ws = NULL;
    dauys_proof_text p;
    dauys_error err;
    int c, rc = CLI_EXIT_FAIL, found;

    while ((c = getopt_long(argc, argv, "w:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'w': dir = optarg; break;
        case 'e': entry = optarg; break;
        case 'p': precinct = optarg; break;
        case 'c': old = optarg; break;
        case 's':
            if (parse_u64(&size, optarg, "--size") != 0)
                return CLI_EXIT_FAIL;
            break;
        case 'h': fputs(proof_usage, stdout); return CLI_EXIT_OK;
        default: fputs(proof_usage, stderr); return CLI_EXIT_FAIL;
        }
    }
    if (optind != argc || (entry != NULL) + (precinct != NULL) + (old != NULL) != 1 ||
        (entry != NULL && parse_u64(&index, entry, "--entry") != 0) ||
        (old != NULL && parse_u64(&index, old, "--consistency") != 0)) {
        fputs(proof_usage, stderr);
        return CLI_EXIT_FAIL;
    }
    if (dauys_workspace_open_reader(&ws, dir, &err) != 0) {
        cli_report(&err);
        return CLI_EXIT_FAIL;
    }
    if (precinct != NULL &&
        (found = dauys_log_index_of_precinct(&index, ws, precinct, &err)) <= 0) {
        if (found == 0) {
            dauys_error_set(&err, DAUYS_E_USAGE, "precinct %s has no accepted protocol", precinct);
        }
        cli_report(&err);
        goto done;
    }
    if ((old != NULL ? dauys_log_prove_consistency(&p, ws, index, size, &err)
                     : dauys_log_prove_inclusion(&p, ws, index, size, &err)) != 0 ||
        dauys_proof_format(text, sizeof text, &p, &err) != 0) {
        cli_report(&err);
        goto done;
    }
    fputs(text, stdout);
    rc = CLI_EXIT_OK;
done:
    dauys_workspace_close(ws);
    return rc;
}
