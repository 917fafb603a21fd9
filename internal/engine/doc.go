// Package engine is Runnel's Kinesis semantics: streams and their states,
// shards and hash-key routing, sequence numbers, shard iterators, tags,
// retention. It is pure logic over the interfaces it declares in ports.go
// (LogStore, ShardLog, CatalogStore) and a clock it is given; it does no I/O
// of its own and must not import net/http, internal/api or a concrete store.
//
// Invariants:
//   - A stream's shard table only grows; a shard's hash range never changes.
//   - Every catalog change is saved through CatalogStore before it is
//     acknowledged; if the save fails the in-memory catalog is left unchanged.
//   - Records are acknowledged only after LogStore.Sync covered them.
//   - Shard iterators and pagination tokens are sealed with AES-GCM under the
//     server key, so a client can neither forge nor edit them.
//
// Lock order: Engine.control (serialises catalog changes and their saves)
// before Engine.mu (guards the stream map and every stream's mutable fields).
// The data path takes only mu.RLock, and never while waiting on the log.
package engine
