/*
 * follow.c: dauys-audit follow, an observer's client of a live log published
 * as C2SP tlog-tiles (audit/follow.h does the work): one round with --once,
 * else a round every --interval seconds until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/follow.h"
#include "cmd/audit/audit_commands.h"
#include "cmd/cli.h"
#include "core/merkle.h"
#include "net/net.h"

static const char follow_usage[] =
    "usage: dauys-audit follow URL (-p CENTRAL.pub | -P KEY) --state DIR\n"
    "                          [--origin dauys/REF/MODE] [--copies DIR] [--bundle BUNDLE]\n"
    "                          [--witness VKEY]... [--witness-quorum K] [--manifest FILE]\n"
    "                          [--cosign KEY --cosign-name NAME [--cosign-state DIR]\n"
    "                           [--password-file F]] [--once | --interval SECONDS]\n"
    "\n"
    "Follows a log published as C2SP tlog-tiles at URL (http:// or https://, or a\n"
    "directory holding checkpoint and tile/). Each round: verifies the checkpoint\n"
    "with the pinned key and origin; checks that it extends the one kept in DIR\n"
    "(RFC 9162 consistency proof from tiles authenticated against its signed\n"
    "root); fetches the new entry bundles and checks each entry against its tile,\n"
    "its index and its hash chain, and the root from its own leaf hashes; then\n"
    "keeps the entries and the checkpoint in DIR. A checkpoint that does not\n"
    "extend the kept one is a FORK: both signed checkpoints are kept in\n"
    "DIR/forks/ as evidence, and it exits 1. With --witness (or the witnesses\n"
    "of --manifest), a checkpoint not cosigned by their quorum is reported and\n"
    "not kept.\n" AUDIT_TRUST_OPTIONS_USAGE AUDIT_WITNESS_OPTIONS_USAGE AUDIT_MANIFEST_OPTIONS_USAGE
    "  --state DIR             the follower's own state (created if needed); without\n"
    "                          --origin the first checkpoint's origin is trusted on\n"
    "                          first use and kept\n"
    "  --copies DIR            your own copies of protocols (FILE and FILE.minisig):\n"
    "                          each counted unchanged, superseded, logged but not\n"
    "                          counted, or missing from the log\n"
    "  --bundle BUNDLE         the final evidence bundle: same key and origin, and its\n"
    "                          log agrees with every checkpoint kept in DIR\n"
    "  --cacert FILE           trust the certificate authorities in FILE (PEM) for\n"
    "                          https, instead of the system's\n"
    "  --cosign KEY            act as a witness too (C2SP tlog-witness rules): offer\n"
    "  --cosign-name NAME      each checkpoint kept to the witness NAME with its key\n"
    "                          KEY, and write the checkpoint with its cosignature to\n"
    "                          DIR/cosigned, for you to publish\n"
    "  --cosign-state DIR      the witness's own state (default: DIR/witness); keep it\n"
    "  --password-file F       KEY's password from the first line of F\n"
    "  --once                  one round, then exit\n"
    "  --interval SECONDS      seconds between rounds (default 10); network errors are\n"
    "                          retried with backoff; SIGINT or SIGTERM stops\n"
    "exit status: 0 all checks pass, 1 a fork or a check failed (a copy missing or\n"
    "not counted as you hold it, a bundle that disagrees, --cosign's witness\n"
    "refusing a checkpoint kept; with --once, a checkpoint without the witnesses'\n"
    "quorum), 2 could not run\n";

enum {
    OPT_STATE = 0x200,
    OPT_COPIES,
    OPT_BUNDLE,
    OPT_ONCE,
    OPT_INTERVAL,
    OPT_CACERT,
    OPT_COSIGN,
    OPT_COSIGN_NAME,
    OPT_COSIGN_STATE,
    OPT_PASSWORD_FILE
};

typedef struct follow_args {
    audit_trust trust;
    const char *url, *state, *copies, *bundle, *cacert;
    const char *cosign_key, *cosign_name, *cosign_state;
    cli_password_source pw;
    int once;
    long interval;
} follow_args;

static volatile sig_atomic_t stop_signal;

static void
on_stop(int sig)
{
    stop_signal = sig;
}

/* Parses the options; 1 after --help, 0, or -1 after a usage error. */
static int
parse(follow_args *a, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"state", required_argument, NULL, OPT_STATE},
        {"copies", required_argument, NULL, OPT_COPIES},
        {"bundle", required_argument, NULL, OPT_BUNDLE},
        {"once", no_argument, NULL, OPT_ONCE},
        {"interval", required_argument, NULL, OPT_INTERVAL},
        {"cacert", required_argument, NULL, OPT_CACERT},
        {"cosign", required_argument, NULL, OPT_COSIGN},
        {"cosign-name", required_argument, NULL, OPT_COSIGN_NAME},
        {"cosign-state", required_argument, NULL, OPT_COSIGN_STATE},
        {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
        AUDIT_TRUST_LONGOPTS,
        AUDIT_WITNESS_LONGOPTS,
        AUDIT_MANIFEST_LONGOPT,
        {NULL, 0, NULL, 0}};
    char *end;
    int c, interval_given = 0;

    memset(a, 0, sizeof *a);
    a->interval = 10;
    while ((c = getopt_long(argc, argv, "p:P:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(follow_usage, stdout); return 1;
        case OPT_STATE: a->state = optarg; break;
        case OPT_COPIES: a->copies = optarg; break;
        case OPT_BUNDLE: a->bundle = optarg; break;
        case OPT_ONCE: a->once = 1; break;
        case OPT_CACERT: a->cacert = optarg; break;
        case OPT_COSIGN: a->cosign_key = optarg; break;
        case OPT_COSIGN_NAME: a->cosign_name = optarg; break;
        case OPT_COSIGN_STATE: a->cosign_state = optarg; break;
        case OPT_PASSWORD_FILE: a->pw.file = optarg; break;
        case OPT_INTERVAL:
            errno = 0;
            a->interval = strtol(optarg, &end, 10);
            if (errno != 0 || end == optarg || *end != '\0' || a->interval < 1 ||
                a->interval > 86400) {
                cli_message("follow: --interval: a number of seconds from 1 to 86400, not \"%s\"",
                            optarg);
                return -1;
            }
            interval_given = 1;
            break;
        default:
            if (!audit_trust_option(&a->trust, c, optarg)) {
                fputs(follow_usage, stderr);
                return -1;
            }
        }
    }
    if ((a->cosign_key == NULL) != (a->cosign_name == NULL) ||
        (a->cosign_key == NULL && (a->cosign_state != NULL || a->pw.file != NULL))) {
        cli_message("follow: --cosign KEY and --cosign-name NAME go together (--cosign-state and "
                    "--password-file only with them)");
        fputs(follow_usage, stderr);
        return -1;
    }
    if (argc - optind != 1 || a->state == NULL || (a->once && interval_given)) {
        if (a->once && interval_given) {
            cli_message("follow: give --once or --interval, not both");
        }
        fputs(follow_usage, stderr);
        return -1;
    }
    a->url = argv[optind];
    return audit_trust_load(&a->trust, "follow", 0);
}

static void
print_root(FILE *out, const uint8_t root[DAUYS_HASH_BYTES])
{
    for (int i = 0; i < 8; i++) {
        fprintf(out, "%02x", root[i]);
    }
}

/* With witnesses: how many cosigned the checkpoint seen, after a round's line. */
static void
print_cosigned(const dauys_follow_round_info *r, const dauys_follow *f)
{
    if (f->witnesses.count > 0) {
        printf(", cosigned by %zu of %zu witnesses (quorum %zu)", r->cosigned, f->witnesses.count,
               f->witnesses.quorum);
    }
}

/* What a round did, on stdout (a fork on stderr too). */
static void
print_round(const dauys_follow_round_info *r, const dauys_follow *f, double seconds)
{
    switch (r->outcome) {
    case DAUYS_FOLLOW_UNWITNESSED:
        printf("follow: checkpoint %llu: cosigned by %zu of %zu witnesses, quorum %zu not met: "
               "not trusted; still %llu entries kept (",
               (unsigned long long) r->seen.size, r->cosigned, f->witnesses.count,
               f->witnesses.quorum, (unsigned long long) r->before.size);
        cli_print_untrusted(stdout, r->missing);
        printf(")\n");
        cli_message("checkpoint %llu served by %s: cosigned by %zu of %zu witnesses, quorum %zu "
                    "not met: not trusted",
                    (unsigned long long) r->seen.size, f->source, r->cosigned, f->witnesses.count,
                    f->witnesses.quorum);
        break;
    case DAUYS_FOLLOW_SAME:
        printf("follow: unchanged, %llu entries", (unsigned long long) r->seen.size);
        print_cosigned(r, f);
        printf("\n");
        break;
    case DAUYS_FOLLOW_FIRST:
    case DAUYS_FOLLOW_GREW:
        printf("follow: %llu entries (+%llu, %.2f s, %llu fetches), root ",
               (unsigned long long) r->seen.size, (unsigned long long) r->entries, seconds,
               (unsigned long long) f->fetches);
        print_root(stdout, r->seen.root);
        printf("..., origin ");
        cli_print_untrusted(stdout, r->seen.origin);
        print_cosigned(r, f);
        if (r->outcome == DAUYS_FOLLOW_GREW) {
            printf(": extends the %llu kept\n", (unsigned long long) r->before.size);
        } else if (r->origin_first_use) {
            printf(": first checkpoint; origin trusted on first use (pin it with --origin)\n");
        } else {
            printf(": first checkpoint\n");
        }
        break;
    case DAUYS_FOLLOW_FORK:
        cli_message("FORK: the checkpoint of %llu entries served by %s does not extend the one "
                    "of %llu entries kept: %s",
                    (unsigned long long) r->seen.size, f->source,
                    (unsigned long long) r->before.size, r->why);
        fprintf(stderr, "  kept: %llu entries, root ", (unsigned long long) r->before.size);
        print_root(stderr, r->before.root);
        fprintf(stderr, "...\n  new:  %llu entries, root ", (unsigned long long) r->seen.size);
        print_root(stderr, r->seen.root);
        fprintf(stderr, "...\n  both signed checkpoints kept as evidence in %s/\n", r->evidence);
        printf("follow: FORK, evidence in %s/\n", r->evidence);
        break;
    }
    fflush(stdout);
}

static const char *const copy_status[] = {"counted unchanged", "superseded",
                                          "logged but not counted", "missing from the log"};

static void
print_copy(const dauys_follow_copy *c, void *ctx)
{
    (void) ctx;
    printf("%s ", c->fails ? "FAIL" : "ok  ");
    cli_print_untrusted(stdout, c->name);
    printf(": %s", copy_status[c->status]);
    if (c->status != DAUYS_FOLLOW_MISSING) {
        printf(" (entry %llu, %s, %s ", (unsigned long long) c->entry, c->event,
               c->summary ? "summary" : "precinct");
        cli_print_untrusted(stdout, c->precinct);
        printf(" version %u)", c->version);
    }
    if (c->status == DAUYS_FOLLOW_SUPERSEDED) {
        if (c->now == UINT64_MAX) {
            printf(": the %s is in conflict now, nothing of it counts",
                   c->summary ? "area" : "precinct");
        } else {
            printf(": entry %llu counts now%s", (unsigned long long) c->now,
                   c->now_held ? ", a file you hold" : ", a file you do not hold");
        }
    }
    if (c->status == DAUYS_FOLLOW_UNCOUNTED && c->reason_code[0] != '\0') {
        printf(": ");
        cli_print_untrusted(stdout, c->reason_code);
        if (c->reason[0] != '\0') {
            printf(" ");
            cli_print_untrusted(stdout, c->reason);
        }
    }
    if (c->signature == 0) {
        printf("; its .minisig is not the signature logged");
    }
    printf("\n");
}

/* --copies: 0 all held copies count as held, 1 not, -1 could not check. */
static int
check_copies(dauys_follow *f, const char *dir)
{
    dauys_follow_copies_summary s;
    dauys_error err;

    if (dauys_follow_copies(&s, f, dir, print_copy, NULL, &err) != 0) {
        cli_report(&err);
        return -1;
    }
    printf("copies: %llu: %llu counted unchanged, %llu superseded, %llu logged but not counted, "
           "%llu missing; %llu fail\n",
           (unsigned long long) s.copies, (unsigned long long) s.counted,
           (unsigned long long) s.superseded, (unsigned long long) s.uncounted,
           (unsigned long long) s.missing, (unsigned long long) s.failing);
    fflush(stdout);
    return s.failing > 0;
}

/* --bundle: 0 it agrees, 1 not, -1 could not check. */
static int
check_bundle(dauys_follow *f, const char *bundle)
{
    dauys_follow_bundle_info info;
    dauys_error err;

    if (dauys_follow_check_bundle(&info, f, bundle, &err) != 0) {
        cli_report(&err);
        return audit_exit_for(&err) == CLI_EXIT_BAD ? 1 : -1;
    }
    printf("bundle: ");
    cli_print_untrusted(stdout, bundle);
    printf(": %llu entries, same key and origin, consistent with all %llu checkpoints kept (up "
           "to %llu entries)\n",
           (unsigned long long) info.size, (unsigned long long) info.checked,
           (unsigned long long) info.max_kept);
    fflush(stdout);
    return 0;
}

/* --cosign: the follower's own witness, opened once a kept checkpoint names the origin. */
typedef struct follow_witness {
    dauys_seckey *sk;
    dauys_witness *w;
    dauys_witness_config cfg; /* kept as long as W */
    char dir[PATH_MAX];
} follow_witness;

static follow_witness cosigner;

/* Opens the witness of --cosign for the log F keeps. */
static int
open_cosigner(follow_witness *fw, const dauys_follow *f, const follow_args *a, dauys_error *err)
{
    int n = a->cosign_state != NULL ? snprintf(fw->dir, sizeof fw->dir, "%s", a->cosign_state)
                                    : snprintf(fw->dir, sizeof fw->dir, "%s/witness", f->state);

    if (n < 0 || (size_t) n >= sizeof fw->dir) {
        return dauys_error_set(err, DAUYS_E_USAGE, "--cosign-state: path too long");
    }
    memset(&fw->cfg, 0, sizeof fw->cfg);
    fw->cfg.state_dir = fw->dir;
    fw->cfg.name = a->cosign_name;
    fw->cfg.sk = fw->sk;
    fw->cfg.count = 1;
    fw->cfg.log[0].origin = f->kept.origin;
    fw->cfg.log[0].key = f->key;
    return dauys_witness_open(&fw->w, &fw->cfg, err);
}

/* With --cosign: offers the kept checkpoint to the follower's witness; the exit status. */
static int
cosign_kept(follow_witness *fw, dauys_follow *f, const follow_args *a)
{
    dauys_witness_answer ans;
    dauys_error err;
    uint64_t ahead = 0;

    if (a->cosign_key == NULL || !f->have_kept) {
        return CLI_EXIT_OK;
    }
    if ((fw->w == NULL && open_cosigner(fw, f, a, &err) != 0) ||
        dauys_follow_cosign(&ans, &ahead, f, fw->w, (uint64_t) time(NULL), &err) != 0) {
        cli_report(&err);
        return audit_exit_for(&err);
    }
    if (ahead > 0) {
        printf("follow: witness %s has cosigned %llu entries already, more than the %llu kept: "
               "nothing to cosign\n",
               a->cosign_name, (unsigned long long) ahead, (unsigned long long) f->kept.size);
        return CLI_EXIT_OK;
    }
    if (ans.status == 200) {
        printf("follow: cosigned checkpoint %llu as %s: %s/%s\n", (unsigned long long) f->kept.size,
               a->cosign_name, f->state, DAUYS_FOLLOW_COSIGNED);
        return CLI_EXIT_OK;
    }
    fprintf(stderr, "dauys-audit: follow: as witness %s, refused checkpoint %llu: ", a->cosign_name,
            (unsigned long long) f->kept.size);
    cli_print_untrusted(stderr, ans.summary);
    fputc('\n', stderr);
    return CLI_EXIT_BAD;
}

/* The checks after a round; the exit status they call for. */
static int
after_round(dauys_follow *f, const follow_args *a)
{
    int rc = cosign_kept(&cosigner, f, a), r;

    if (rc == CLI_EXIT_FAIL) {
        return rc;
    }

    if (a->copies != NULL && (r = check_copies(f, a->copies)) != 0) {
        rc = r > 0 ? CLI_EXIT_BAD : CLI_EXIT_FAIL;
    }
    if (a->bundle != NULL && (r = check_bundle(f, a->bundle)) != 0 && rc != CLI_EXIT_FAIL) {
        rc = r > 0 ? CLI_EXIT_BAD : CLI_EXIT_FAIL;
    }
    return rc;
}

/* Sleeps SECONDS, or less if a stop signal comes. */
static void
pause_for(double seconds)
{
    struct timespec step = {0, 100 * 1000 * 1000};

    for (double slept = 0; slept < seconds && !stop_signal; slept += 0.1) {
        nanosleep(&step, NULL);
    }
}

/*
 * One round and what follows it. Returns the exit status it calls for, or
 * -1 for a network error worth retrying (reported).
 */
static int
one_round(dauys_follow *f, int *changed, int *forked, int *unwitnessed)
{
    dauys_follow_round_info info;
    dauys_error err;
    double t0 = cli_now();

    f->fetches = 0;
    *forked = 0;
    *unwitnessed = 0;
    if (dauys_follow_round(&info, f, &err) != 0) {
        cli_report(&err);
        return err.status == DAUYS_E_NETWORK ? -1 : audit_exit_for(&err);
    }
    print_round(&info, f, cli_now() - t0);
    if (info.outcome == DAUYS_FOLLOW_FORK) {
        *forked = 1;
        return CLI_EXIT_BAD;
    }
    *unwitnessed = info.outcome == DAUYS_FOLLOW_UNWITNESSED;
    *changed = info.outcome != DAUYS_FOLLOW_SAME && !*unwitnessed;
    return CLI_EXIT_OK;
}

/* Rounds until a stop signal, a fork or a failure of the state; network
 * errors retried with backoff. A published file that fails a check (damaged,
 * missing: not a fork between two signed checkpoints) keeps nothing and is
 * tried again with backoff, as a CDN may serve a stale or broken copy for a
 * while; the exit status then says a check failed (1). */
static int
poll_rounds(dauys_follow *f, const follow_args *a)
{
    double backoff = 1;
    int rc, checks = CLI_EXIT_OK, failed = 0, first = 1;

    while (!stop_signal) {
        int changed = 0, forked = 0, unwitnessed;
        rc = one_round(f, &changed, &forked, &unwitnessed);
        if (rc == -1 || (rc == CLI_EXIT_BAD && !forked)) {
            failed |= rc == CLI_EXIT_BAD;
            cli_message("follow: %s; nothing was kept; retrying in %.0f s",
                        rc == -1 ? "no answer" : "a check failed (above)", backoff);
            pause_for(backoff);
            backoff = backoff * 2 > 300 ? 300 : backoff * 2;
            continue;
        }
        if (rc != CLI_EXIT_OK) {
            return rc;
        }
        backoff = 1;
        if (changed || first) {
            checks = after_round(f, a);
            if (checks == CLI_EXIT_FAIL) {
                return checks;
            }
        }
        first = 0;
        pause_for((double) a->interval);
    }
    printf("follow: stopped by signal %d, %llu entries kept in %s%s\n", (int) stop_signal,
           (unsigned long long) (f->have_kept ? f->kept.size : 0), f->state,
           failed ? "; a check failed during the run (exit 1)" : "");
    return failed ? CLI_EXIT_BAD : checks;
}

int
cmd_follow(int argc, char **argv)
{
    follow_args a;
    dauys_follow f;
    dauys_error err;
    struct sigaction sa;
    int rc = parse(&a, argc, argv), changed = 0, net = 0;

    if (rc != 0) {
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    if (strncmp(a.url, "http://", 7) == 0 || strncmp(a.url, "https://", 8) == 0) {
        if (dauys_net_init(&err) != 0) {
            cli_report(&err);
            return CLI_EXIT_FAIL;
        }
        net = 1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    dauys_net_options net_options = {.ca_file = a.cacert};
    const char *origin = a.trust.origin != NULL     ? a.trust.origin
                         : a.trust.manifest != NULL ? a.trust.manifest_origin
                                                    : NULL;
    if (a.cosign_key != NULL) {
        cli_no_core_dumps();
        if (dauys_keys_seckey_load(&cosigner.sk, a.cosign_key, cli_password_get, &a.pw, &err) !=
            0) {
            cli_report(&err);
            if (net) {
                dauys_net_cleanup();
            }
            return audit_exit_for(&err);
        }
    }
    if (dauys_follow_open(&f, a.state, a.url, &a.trust.key, origin, &net_options, &err) != 0) {
        cli_report(&err);
        rc = audit_exit_for(&err);
    } else if (a.once) {
        int forked, unwitnessed;
        f.witnesses = a.trust.witnesses;
        rc = one_round(&f, &changed, &forked, &unwitnessed);
        rc = rc == -1 ? CLI_EXIT_FAIL : rc == CLI_EXIT_OK && unwitnessed ? CLI_EXIT_BAD : rc;
        if (rc == CLI_EXIT_OK) {
            rc = after_round(&f, &a);
        }
    } else {
        f.witnesses = a.trust.witnesses;
        rc = poll_rounds(&f, &a);
    }
    dauys_follow_close(&f);
    dauys_witness_close(cosigner.w);
    dauys_keys_seckey_free(cosigner.sk);
    if (net) {
        dauys_net_cleanup();
    }
    return rc;
}
