// Package fsutil holds the small file-system primitives that durable storage
// needs and the standard library does not spell out: fdatasync, fsync of a
// directory (to make a create, rename or delete durable), directory creation
// that is durable all the way up, and an atomic whole-file replace.
//
// Invariants:
//   - Every helper returns an error, wrapped with the path it concerns; none
//     panics on I/O.
//   - A helper that creates, renames or removes a directory entry also fsyncs
//     the parent directory before it reports success, so the change survives
//     a crash.
//   - AtomicWriteFile never leaves a partially written file at its target: a
//     reader sees the old content or the new content, never a mix.
//
// fsutil may import only the standard library and golang.org/x/sys/unix. It
// holds no package-level mutable state and no locks.
package fsutil
