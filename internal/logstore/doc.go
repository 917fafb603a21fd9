// Package logstore is the durable home of every shard's records: a
// per-shard segmented append-only log with store-wide group commit, a sparse
// index, retention by whole-segment deletion and crash recovery. It
// implements engine.LogStore / engine.ShardLog twice: Store (disk, via Open)
// and Memory (in memory, via NewMemory, the reference implementation). The
// byte layout is specified in docs/format/log.md.
//
// # Invariants
//
//   - Indexes in a shard start at 1 and are consecutive across frames and
//     segments; timestamps never decrease (Append clamps them).
//   - A reader sees only visible records, and a record is visible only once
//     it is on stable storage: after the fdatasync of a group-commit round
//     (or of a segment roll, or at Close) covering it.
//   - A batch is written with one write at the end of the active segment
//     and never spans segments. If that write fails, the file is cut back to
//     its previous size; if that cut or an fdatasync fails, the shard is
//     failed (Append returns a *ShardFailedError) and the round's Sync
//     waiters get the error. No I/O failure panics.
//   - Recovery cuts only a torn tail of the last segment (an incomplete or
//     checksum-failing final frame with nothing intact after it). Any other
//     damage is corruption: logged at Error, never truncated or skipped,
//     and reported as a *CorruptionError by reads that need to pass it.
//   - Files are created, renamed and deleted durably (the directory is
//     fsynced); index files are replaced atomically and are always
//     rebuildable from their segment.
//   - No package-level mutable state; the clock and logger come in Options.
//
// # Concurrency and lock order
//
// One syncer goroutine per Store runs the group-commit rounds. Locks, in
// the order they may be taken:
//
//	Store.openMu → Shard.trimMu → Shard.mu
//	Store.mu is a leaf: it is never held while another lock is taken.
//
// Files used outside Shard.mu (by readers and the syncer) are
// reference-counted handles, so rolls, trims and closes never close a file
// under them.
//
// logstore must not import internal/engine or internal/api.
package logstore
