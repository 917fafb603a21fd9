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
//     waiters get the error. No I/O failure panics. So a failed write
//     (ENOSPC, EIO) is retryable: the next Append may succeed once space
//     is back; a failed fdatasync is not, until the shard is reopened
//     (the kernel may have dropped the pages it could not write).
//   - All file access goes through Options.FS (fsutil.FS; the real file
//     system by default), so tests inject faults and power losses
//     (crash_test.go, fault_walk_test.go, fulldisk_test.go).
//   - Recovery cuts only a torn tail of the last segment (an incomplete or
//     checksum-failing final frame with nothing intact after it). Any other
//     damage is corruption: logged at Error, never truncated or skipped,
//     and reported as a *CorruptionError by reads that need to pass it.
//   - Files are created, renamed and deleted durably (the directory is
//     fsynced); index files are replaced atomically and are always
//     rebuildable from their segment.
//   - Open files are bounded: one store-wide LRU (fileCache, cap
//     Options.MaxOpenFiles) holds every shard's segment files, active and
//     sealed; an idle shard's files are closed and reopened on demand
//     (appends go to the segment's recorded size, never O_APPEND). A file
//     with writes not yet covered by a group-commit round is pinned, so the
//     round fdatasyncs the descriptor the write went through; the cache
//     shrinks back to its cap when pins end.
//   - Encode buffers come from a store-wide pool, not one per shard.
//   - Open lists the shards on disk and recovers them in the background
//     (Options.RecoveryWorkers at once); OpenShard recovers a shard itself
//     if no worker has started on it, or waits for the one that has.
//   - No package-level mutable state; the clock and logger come in Options.
//
// # Concurrency and lock order
//
// One syncer goroutine per Store runs the group-commit rounds. Locks, in
// the order they may be taken:
//
//	Store.openMu → Shard.trimMu → Shard.mu → fileCache.mu
//	Store.mu is a leaf: it is never held while another lock is taken.
//	fileCache.mu is a leaf too; eviction, which may touch another shard's
//	segment, changes only the segment's cache fields it guards.
//
// Recovery never takes Store.openMu, so DeleteStream and Close may wait for
// a shard's recovery while holding it. Files used outside Shard.mu (by
// readers and the syncer) are reference-counted handles, so evictions,
// rolls, trims and closes never close a file under them.
//
// logstore must not import internal/engine or internal/api.
package logstore
