/*
 * tlogforge.c: a tiles writer of its own for the follower's tests
 * (tests/cli/follow_cli.sh), never installed. It plays an insider holding
 * the central key who publishes a log of their choosing as C2SP tlog-tiles:
 * it reads log entries one after the other (as in a bundle's
 * log/entries.txt), writes the tiles, partial tiles and entry bundles of the
 * tree of their first SIZE entries into OUTDIR, and the checkpoint signed
 * with the key under ORIGIN. Written apart from dauys's own tiles writer and
 * from the follower, so that neither checks itself.
 *
 *   usage: tlogforge ENTRIES CENTRAL.key ORIGIN OUTDIR [SIZE]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/file.h"
#include "core/merkle.h"
#include "keys/keys.h"
#include "keys/note.h"

static void __attribute__((noreturn)) die(const char *what)
{
    fprintf(stderr, "tlogforge: %s\n", what);
    exit(2);
}

/* mkdir -p of the directory part of PATH. */
static void
make_parents(char *path)
{
    for (char *p = strchr(path + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            die(path);
        }
        *p = '/';
    }
}

static void
spit(const char *dir, const char *rel, const void *data, size_t len)
{
    char path[4096];
    FILE *fp;

    snprintf(path, sizeof path, "%s/%s", dir, rel);
    make_parents(path);
    if ((fp = fopen(path, "wb")) == NULL || fwrite(data, 1, len, fp) != len || fclose(fp) != 0) {
        die(path);
    }
}

/* "tile/L/" or "tile/entries/", then N in x-prefixed 3-digit groups, then ".p/W". */
static void
tile_name(char *out, size_t size, int level, unsigned long long n, unsigned width)
{
    char digits[32], *at;
    size_t len;

    len = level < 0 ? (size_t) snprintf(out, size, "tile/entries/")
                    : (size_t) snprintf(out, size, "tile/%d/", level);
    snprintf(digits, sizeof digits, "%llu", n);
    /* pad to a multiple of 3 digits */
    size_t d = strlen(digits), pad = (3 - d % 3) % 3;
    char padded[40] = "00";
    snprintf(padded + pad, sizeof padded - pad, "%s", digits);
    memset(padded, '0', pad);
    for (at = padded; *at != '\0'; at += 3) {
        len += (size_t) snprintf(out + len, size - len, "%s%.3s", at[3] != '\0' ? "x" : "", at);
        if (at[3] != '\0') {
            len += (size_t) snprintf(out + len, size - len, "/");
        }
    }
    if (width < 256) {
        snprintf(out + len, size - len, ".p/%u", width);
    }
}

int
main(int argc, char **argv)
{
    char *log = NULL, *at, *next, name[256];
    size_t len = 0, count = 0, cap = 0;
    const char **entry = NULL;
    size_t *entry_len = NULL;
    uint8_t(*level)[32];
    dauys_seckey *sk;
    dauys_error err;
    dauys_checkpoint cp = {0};
    dauys_merkle_range range;
    char note[DAUYS_CHECKPOINT_NOTE_MAX];

    if (argc != 5 && argc != 6) {
        die("usage: tlogforge ENTRIES CENTRAL.key ORIGIN OUTDIR [SIZE]");
    }
    if (dauys_core_init() != 0 ||
        dauys_file_read(&log, &len, argv[1], (size_t) 1 << 30, &err) != 0 ||
        dauys_keys_seckey_load(&sk, argv[2], NULL, NULL, &err) != 0) {
        die(err.message);
    }
    for (at = log; at < log + len; at = next) {
        next = strstr(at + 1, "format: dauys-log 1\n");
        next = next != NULL ? next : log + len;
        if (count == cap) {
            cap = 2 * cap + 1024;
            entry = realloc(entry, cap * sizeof *entry);
            entry_len = realloc(entry_len, cap * sizeof *entry_len);
            if (entry == NULL || entry_len == NULL) {
                die("out of memory");
            }
        }
        entry[count] = at;
        entry_len[count++] = (size_t) (next - at);
    }
    if (argc == 6) {
        count = strtoull(argv[5], NULL, 10) < count ? strtoull(argv[5], NULL, 10) : count;
    }
    /* level 0: the leaf hashes; the entry bundles beside them */
    if ((level = calloc(count + 1, 32)) == NULL) {
        die("out of memory");
    }
    dauys_merkle_range_init(&range);
    for (size_t i = 0; i < count; i++) {
        if (dauys_merkle_leaf_hash(level[i], entry[i], entry_len[i]) != 0 ||
            dauys_merkle_range_append(&range, level[i], NULL, NULL, &err) != 0) {
            die("hashing");
        }
    }
    for (size_t n = 0; n * 256 < count; n++) {
        unsigned w = count - n * 256 >= 256 ? 256 : (unsigned) (count - n * 256);
        char *b = malloc(256 * 1026), *p = b;
        for (unsigned k = 0; k < w; k++) {
            size_t l = entry_len[n * 256 + k];
            *p++ = (char) (l >> 8);
            *p++ = (char) l;
            memcpy(p, entry[n * 256 + k], l);
            p += l;
        }
        tile_name(name, sizeof name, -1, n, w);
        spit(argv[4], name, b, (size_t) (p - b));
        free(b);
    }
    /* each level: its tiles, then the hashes of its full tiles are the next level */
    for (int l = 0, hashes = (int) count; hashes > 0; l++) {
        int above = hashes / 256;
        for (int n = 0; n * 256 < hashes; n++) {
            unsigned w = hashes - n * 256 >= 256 ? 256 : (unsigned) (hashes - n * 256);
            tile_name(name, sizeof name, l, (unsigned long long) n, w);
            spit(argv[4], name, level[n * 256], (size_t) w * 32);
        }
        for (int n = 0; n < above; n++) {
            uint8_t work[256][32];
            memcpy(work, level[n * 256], sizeof work);
            for (int c = 256; c > 1; c /= 2) {
                for (int i = 0; i < c / 2; i++) {
                    if (dauys_merkle_node_hash(work[i], work[2 * i], work[2 * i + 1]) != 0) {
                        die("hashing");
                    }
                }
            }
            memcpy(level[n], work[0], 32);
        }
        hashes = above;
    }
    snprintf(cp.origin, sizeof cp.origin, "%s", argv[3]);
    cp.size = count;
    if (dauys_merkle_range_root(cp.root, &range) != 0 ||
        dauys_checkpoint_sign(note, sizeof note, &cp, sk, &err) != 0) {
        die("signing the checkpoint");
    }
    spit(argv[4], "checkpoint", note, strlen(note));
    dauys_keys_seckey_free(sk);
    free(level);
    free(entry);
    free(entry_len);
    dauys_free(log);
    return 0;
}
