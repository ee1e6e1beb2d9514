/*
 * tiles.h: the log published as C2SP tiles (c2sp.org/tlog-tiles): a
 * directory that a static web server (or dauys serve) serves as it is,
 * holding the latest signed checkpoint, the tiles of Merkle tree hashes and
 * the entry bundles (docs/FORMATS.md, "Tiles"):
 *
 *   DIR/checkpoint                 the signed checkpoint note, as checkpoint.txt
 *   DIR/tile/L/N[.p/W]             tiles of hashes (core/tile.h)
 *   DIR/tile/entries/N[.p/W]       the log's canonical entries, uint16 length-prefixed
 *
 * Files are only added, never rewritten or removed: a full tile or a bundle
 * never changes, and older partial tiles stay for the checkpoints that named
 * them. The checkpoint is replaced last, so a reader never sees a checkpoint
 * whose tiles are missing.
 */
#ifndef DAUYS_PUBLISH_TILES_H
#define DAUYS_PUBLISH_TILES_H

#include <stdint.h>

#include "core/error.h"
#include "store/workspace.h"

/* The checkpoint's name in a tiles directory (the spec's URL, no extension). */
#define DAUYS_TILES_CHECKPOINT "checkpoint"

/*
 * Publishes the tree of SIZE entries of WS's log into DIR (made if missing,
 * mode 0755; directories below it likewise, files 0644): every tile and
 * entry bundle, full or partial, that the tree of SIZE entries has and the
 * tree of OLD_SIZE entries (the size published before in DIR, from
 * dauys_tiles_published_size; 0: none) did not, then DIR/checkpoint = NOTE.
 *
 * NOTE must be a checkpoint signed by WS's central key for WS's origin
 * (other signature lines, cosignatures, are kept as they are) whose size is
 * SIZE and whose root is the log's root at SIZE; the log must hold at least
 * SIZE entries (it may hold more: entries appended since are not read), and
 * OLD_SIZE <= SIZE. With OLD_SIZE > 0, DIR/checkpoint must be of OLD_SIZE
 * entries, with WS's origin and the log's root at OLD_SIZE: the tiles
 * published for it are not looked at again, so they must be this log's.
 * Otherwise nothing is written: DAUYS_E_USAGE (a size out of range), or
 * the note's own failure (dauys_checkpoint_open), or DAUYS_E_PROOF for a
 * root that is not the log's (NOTE's, or DIR/checkpoint's).
 *
 * Tile hashes are the workspace's stored Merkle nodes (tile (L, N) hash I is
 * node level 8*L, index N*256 + I); bundles hold the log_entry rows, whose
 * leaf hashes must be the level-0 tile's (else DAUYS_E_DATABASE, naming the
 * entry). Everything is read in one read transaction, begun and ended here
 * unless WS's connection is already in one; so another connection may
 * append meanwhile.
 *
 * Each file is written to a temporary name in its directory, fsynced and
 * renamed into place; each directory touched is fsynced once, before the
 * checkpoint is written the same way. A file that already exists (left by
 * a run that stopped before its checkpoint, or published for OLD_SIZE = 0)
 * is compared byte for byte and left alone; if it differs: DAUYS_E_PROOF,
 * "the log changed under a published tile: PATH". On any failure the
 * checkpoint is left as it was (tiles already written stay: they are right
 * for the log). Returns 0 or -1 with ERR.
 */
int dauys_tiles_write(dauys_workspace *ws, const char *dir, uint64_t old_size, uint64_t size,
                      const char *note, dauys_error *err) DAUYS_WUR;

/*
 * The size of the checkpoint published in DIR (DIR/checkpoint's size line)
 * into *SIZE: 0 if DIR or its checkpoint does not exist. The note is parsed
 * (DAUYS_E_FORMAT for one that is not a checkpoint, naming the file), not
 * verified: DIR is the publisher's own. Returns 0 or -1 with ERR.
 */
int dauys_tiles_published_size(uint64_t *size, const char *dir, dauys_error *err) DAUYS_WUR;

/*
 * Removes from DIR's tree the temporary files a writer killed mid-round left
 * (".NAME.tmp.PID.N" of a process that no longer runs), so that a static
 * web server never serves them. The number removed in *REMOVED. A missing
 * DIR is no error. Returns 0 or -1 with ERR (DAUYS_E_IO).
 */
int dauys_tiles_remove_stale(size_t *removed, const char *dir, dauys_error *err) DAUYS_WUR;

#endif
