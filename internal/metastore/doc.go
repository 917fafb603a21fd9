// Package metastore persists the engine's catalog document (streams, shards,
// lineage, tags, consumers) for engine.CatalogStore. The engine serializes
// the catalog itself; this package stores the opaque bytes.
//
// Two implementations: File, one file on disk replaced atomically on every
// Save, and Memory, the in-memory reference implementation. Both pass the
// same conformance test.
//
// The file is a 20-byte header (magic "RNLCAT", format version, payload
// length, CRC32C of the payload) followed by the payload; the byte layout is
// drawn in docs/format/catalog.md.
//
// Invariants:
//   - Save returns only after the new document is on stable storage (the
//     temporary file is synced, renamed over the catalog, and the directory
//     synced). A crash leaves the old document or the new one, never a mix.
//   - Load returns (nil, nil) only when no catalog file exists. A file that
//     exists but fails any header, length or CRC check is a *CorruptError:
//     the server refuses to start rather than start empty over existing
//     data. Leftover temporary files from an interrupted Save are removed.
//   - Returned and saved slices are never aliased by the store.
//   - File and Memory are safe for concurrent use; each holds one mutex.
//
// File works on an fsutil.FS: OpenFile uses the real file system,
// OpenFileFS takes another (tests pass an fsutil.Fault to inject faults
// and power losses).
//
// metastore imports internal/fsutil and must not import engine or api.
package metastore
