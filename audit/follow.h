/*
 * follow.h: an observer following a live log published as C2SP tlog-tiles
 * (c2sp.org/tlog-tiles): `URL/checkpoint`, `URL/tile/<L>/<N>[.p/<W>]`,
 * `URL/tile/entries/<N>[.p/<W>]`, over http(s) or from a directory holding
 * those files. Each round:
 *
 *   1. the checkpoint, verified with the pinned key under the origin pinned,
 *      kept, or (first round, none pinned) its own;
 *   2. a checkpoint that does not extend the kept one (smaller, same size
 *      with another root, or a consistency proof that fails over tiles that
 *      hash to its own signed root) is a fork: both signed notes are kept as
 *      evidence, the state is left as it was;
 *   3. every tile read is authenticated against the new signed root (partial
 *      tiles by recomputing the root, full tiles by hashing them into the
 *      tile above), and the RFC 9162 consistency proof from the kept size is
 *      built from them and verified;
 *   4. the new entries, from the entry bundles: each entry's leaf hash is the
 *      level-0 tile hash at its index, its index and hash chain follow the
 *      kept entries, and the root recomputed from the observer's own leaf
 *      hashes is the checkpoint's;
 *   5. the entries, their leaf hashes and end offsets are appended and synced,
 *      then the checkpoint is written (atomically) last.
 *
 * With a witness policy (C2SP tlog-cosignature), a checkpoint that would
 * extend the kept one but is not cosigned by the quorum is reported and not
 * kept: the kept state stays the last checkpoint trusted.
 *
 * The state directory (docs/FORMATS.md section 13.2): `checkpoint` (the last
 * checkpoint verified, the commit point), `checkpoints/<SIZE>` (every one
 * verified), `entries` (the entries' bytes, one after the other), `leaves`
 * (32-byte leaf hashes), `ends` (each entry's end offset in `entries`, 8
 * bytes big-endian), `forks/` (evidence), `lock`. The three data files may
 * run past the checkpoint after a crash: opening cuts them back to it.
 *
 * Functions return 0, or -1 with ERR: DAUYS_E_PROOF, DAUYS_E_SIGNATURE,
 * DAUYS_E_KEY_ID, DAUYS_E_FORMAT or DAUYS_E_TOO_LARGE when what the log
 * serves does not hold up; DAUYS_E_NETWORK when it could not be fetched
 * (worth retrying); other statuses when the follower could not run.
 */
#ifndef DAUYS_AUDIT_FOLLOW_H
#define DAUYS_AUDIT_FOLLOW_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/merkle.h"
#include "audit/tlog_witness.h"
#include "keys/cosig.h"
#include "keys/keys.h"
#include "keys/note.h"
#include "net/net.h"
#include "referendum/logentry.h"

/* A tile: at most 256 hashes. */
#define DAUYS_FOLLOW_TILE_WIDTH 256
#define DAUYS_FOLLOW_TILE_MAX (DAUYS_FOLLOW_TILE_WIDTH * DAUYS_HASH_BYTES)
/* An entry bundle: at most 256 entries, each a 2-byte length and at most
 * DAUYS_LOG_ENTRY_MAX - 1 bytes. */
#define DAUYS_FOLLOW_BUNDLE_MAX (DAUYS_FOLLOW_TILE_WIDTH * (2 + DAUYS_LOG_ENTRY_MAX - 1))
/* Longest relative path of a tile ("tile/entries/x..../NNN.p/WWW"). */
#define DAUYS_FOLLOW_TILE_PATH_MAX 128

/*
 * Writes the path of a tile under the log's prefix to OUT (SIZE >=
 * DAUYS_FOLLOW_TILE_PATH_MAX): "tile/LEVEL/N" or, LEVEL < 0, the entry
 * bundle "tile/entries/N"; N in 3-digit groups, all but the last prefixed
 * with 'x' (1234067: "x001/x234/067"); ".p/WIDTH" after it when WIDTH is
 * 1..255 (a partial tile), nothing when it is 256.
 */
void dauys_follow_tile_path(char *out, size_t size, int level, uint64_t n, unsigned width);

/* One entry of a bundle: its position K in it, its bytes. Non-zero stops. */
typedef int (*dauys_follow_entry_fn)(void *ctx, unsigned k, const char *entry, size_t len,
                                     dauys_error *err);

/*
 * Splits the entry bundle DATA (LEN bytes; NAME labels errors) into exactly
 * COUNT entries, each a big-endian uint16 length and that many bytes, and
 * calls FN for each in order. An entry of length 0 or over
 * DAUYS_LOG_ENTRY_MAX - 1, a bundle cut short or with bytes after the COUNT
 * entries: DAUYS_E_FORMAT naming the entry and its byte offset. FN's -1
 * is passed on (ERR as FN filled it).
 */
int dauys_follow_bundle_split(const char *data, size_t len, unsigned count, const char *name,
                              dauys_follow_entry_fn fn, void *ctx, dauys_error *err) DAUYS_WUR;

/* A follower: its state directory, open and locked. */
typedef struct dauys_follow {
    char state[PATH_MAX - 64];
    char source[PATH_MAX - 64]; /* URL (no trailing slash) or directory */
    int remote;                 /* SOURCE is http(s) */
    dauys_net_options net;
    dauys_pubkey key;
    char pinned[DAUYS_NOTE_NAME_MAX + 1]; /* "" if no --origin */
    int lock_fd, entries_fd, leaves_fd, ends_fd;
    int have_kept;
    dauys_checkpoint kept;
    char *kept_note; /* its signed note, dauys_malloc */
    size_t kept_len;
    dauys_merkle_range range;               /* the observer's own tree of the kept entries */
    uint8_t last_entry[DAUYS_SHA256_BYTES]; /* SHA-256 of the last kept entry */
    uint64_t entries_bytes;
    uint64_t fetches, fetched_bytes; /* counters, for the caller's measurements */
    /* The witnesses whose quorum makes a checkpoint trusted (count 0: none,
     * every checkpoint signed by the key is): set by the caller after
     * dauys_follow_open, before the first round. */
    dauys_witness_policy witnesses;
    uint64_t now; /* the time cosignatures are judged at (POSIX seconds); 0: the clock's */
} dauys_follow;

/*
 * Opens (creating it if needed, mode 0755) the state directory STATE for
 * following SOURCE (an http(s) URL or a directory) with the central key
 * KEY; ORIGIN, if not NULL, is the pinned origin. Takes the directory's
 * lock (DAUYS_E_IO if another follower holds it), verifies the kept
 * checkpoint (if any) with KEY and ORIGIN, cuts the data files back to it
 * and checks that the kept leaves give its root (DAUYS_E_IO: "the state is
 * damaged"). NET may be NULL. F is closed by dauys_follow_close, whatever
 * this returns.
 */
int dauys_follow_open(dauys_follow *f, const char *state, const char *source,
                      const dauys_pubkey *key, const char *origin, const dauys_net_options *net,
                      dauys_error *err) DAUYS_WUR;

void dauys_follow_close(dauys_follow *f);

typedef enum dauys_follow_outcome {
    DAUYS_FOLLOW_SAME,       /* the log serves the kept checkpoint again */
    DAUYS_FOLLOW_GREW,       /* a new checkpoint, verified and kept */
    DAUYS_FOLLOW_FIRST,      /* the first checkpoint of this state, verified and kept */
    DAUYS_FOLLOW_FORK,       /* a checkpoint that does not extend the kept one */
    DAUYS_FOLLOW_UNWITNESSED /* a new checkpoint without the witnesses' quorum: not kept */
} dauys_follow_outcome;

typedef struct dauys_follow_round_info {
    dauys_follow_outcome outcome;
    int origin_first_use;              /* the origin was taken from this first checkpoint */
    dauys_checkpoint before;           /* the kept checkpoint before the round (size 0: none) */
    dauys_checkpoint seen;             /* the checkpoint the log serves */
    uint64_t entries;                  /* new entries verified */
    char why[DAUYS_ERROR_MESSAGE_MAX]; /* a fork: why */
    char evidence[PATH_MAX];           /* a fork: the directory the notes were kept in */
    size_t cosigned;                   /* with witnesses: how many cosigned SEEN (valid, in time) */
    char missing[1024];                /* with witnesses: those whose cosignature does not count */
} dauys_follow_round_info;

/*
 * One round (the steps above). Returns 0 for SAME, GREW, FIRST, FORK and
 * UNWITNESSED (INFO says which; a fork's evidence is written before
 * returning; an unwitnessed checkpoint is checked for a fork, then left),
 * -1 with ERR for a verification failure (nothing kept) or when it could
 * not run.
 */
int dauys_follow_round(dauys_follow_round_info *info, dauys_follow *f, dauys_error *err) DAUYS_WUR;

/* --- the observer's copies of protocols --------------------------------- */

typedef enum dauys_follow_copy_status {
    DAUYS_FOLLOW_COUNTED,    /* the precinct's counting entry has its hash */
    DAUYS_FOLLOW_SUPERSEDED, /* logged and counted once; a later entry counts now */
    DAUYS_FOLLOW_UNCOUNTED,  /* logged, never counted (rejected, replay, stale ...) */
    DAUYS_FOLLOW_MISSING     /* no entry has its hash */
} dauys_follow_copy_status;

typedef struct dauys_follow_copy {
    const char *name; /* the file, as found in the directory */
    dauys_follow_copy_status status;
    uint64_t entry; /* the entry with its hash (not MISSING) */
    uint64_t now;   /* SUPERSEDED: the entry counting now (UINT64_MAX: none, a conflict) */
    int now_held;   /* SUPERSEDED: the observer holds the file counting now */
    char event[16], reason_code[32];
    char precinct[80]; /* the entry's precinct, or a summary's LEVEL:AREA (ids hold no ':') */
    int summary;       /* the entry is a summary protocol's */
    char reason[DAUYS_LOG_REASON_MAX + 1];
    uint32_t version;
    int signature; /* 1 its .minisig is the one logged, 0 another, -1 none held or none logged */
    int fails;     /* it makes the check fail (see dauys_follow_copies) */
} dauys_follow_copy;

typedef void (*dauys_follow_copy_fn)(const dauys_follow_copy *c, void *ctx);

typedef struct dauys_follow_copies_summary {
    uint64_t copies, counted, superseded, uncounted, missing, failing;
} dauys_follow_copies_summary;

/*
 * Looks up each file of DIR (every regular file not named *.minisig, in
 * name order; FILE.minisig beside it is its signature) among the kept
 * entries by its SHA-256, and calls FN (may be NULL) for each. A copy fails
 * the check when it is MISSING or UNCOUNTED, or SUPERSEDED by a file the
 * observer does not hold among the copies (a correction the observer never
 * saw). Returns 0 when the check ran (S says how it went), -1 with ERR
 * when it could not (DIR unreadable, memory).
 */
int dauys_follow_copies(dauys_follow_copies_summary *s, dauys_follow *f, const char *dir,
                        dauys_follow_copy_fn fn, void *ctx, dauys_error *err) DAUYS_WUR;

/* --- a final bundle against what was followed --------------------------- */

typedef struct dauys_follow_bundle_info {
    uint64_t size;     /* the bundle's log */
    uint64_t checked;  /* kept checkpoints checked against it */
    uint64_t max_kept; /* the largest kept checkpoint */
} dauys_follow_bundle_info;

/*
 * Checks the evidence bundle BUNDLE (directory or archive, read by the
 * audit's own source reader) against the state: its central.pub is the
 * pinned key, its checkpoint is signed by it under the followed origin,
 * cosigned by the witnesses' quorum (if F has witnesses), and is of its log,
 * and for EVERY checkpoint kept in checkpoints/ the tree of
 * that size agrees: the bundle's own log gives the kept root (kept sizes up
 * to the bundle's), or the observer's kept entries give the bundle's root
 * (kept sizes past it: the bundle is a prefix of the followed log).
 * DAUYS_E_PROOF on any disagreement, naming the size.
 */
int dauys_follow_check_bundle(dauys_follow_bundle_info *info, dauys_follow *f, const char *bundle,
                              dauys_error *err) DAUYS_WUR;

/* --- the follower as a witness (dauys-audit follow --cosign) -------------- */

/* The cosigned checkpoint's file in the follower's state directory. */
#define DAUYS_FOLLOW_COSIGNED "cosigned"

/*
 * Offers the checkpoint F keeps to the witness W (audit/tlog_witness.h, in
 * this process) as a log would (C2SP tlog-witness): first from size 0, then,
 * when W names the size it cosigned last (409, text/x.tlog.size), from that
 * size with a consistency proof built from F's own leaf hashes. A is W's
 * last answer (status 0: F keeps nothing yet, nothing asked). On 200, the
 * kept note with W's cosignature line is written to STATE/cosigned
 * (replaced atomically, 0644), for the observer to publish. W's refusals
 * (a fork of what it cosigned: 409, kept as evidence by W) are answers, not
 * errors. *AHEAD: the size W cosigned last when it is beyond the kept
 * checkpoint (its state shared with a witness a log asks; nothing offered
 * then, nothing written), else 0. Returns 0, or -1 with ERR (the leaves
 * unreadable, out of memory, the file not written).
 */
int dauys_follow_cosign(dauys_witness_answer *a, uint64_t *ahead, dauys_follow *f, dauys_witness *w,
                        uint64_t now, dauys_error *err) DAUYS_WUR;

#endif
