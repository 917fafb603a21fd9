// Package fsutil holds the small file-system primitives that durable storage
// needs and the standard library does not spell out: fdatasync, fsync of a
// directory (to make a create, rename or delete durable), directory creation
// that is durable all the way up, and an atomic whole-file replace.
//
// The FS interface (fs.go) is the file system as the log store and the
// catalog use it. OS is the real one. Fault (fault.go, fault_file.go) is an
// in-memory one for tests: it fails the n-th operation of a kind with a
// chosen error (EIO, ENOSPC), writes only part of a buffer, fills up
// (SetCapacity), and loses power at the n-th mutating operation; PowerLoss
// then returns what the next boot finds: each file's data as of its last
// successful Sync, each directory's entries as of its last SyncDir.
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
// holds no package-level mutable state; Fault holds one mutex.
package fsutil
