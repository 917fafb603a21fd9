// Package engine is Runnel's Kinesis semantics: streams and their states,
// shards and hash-key routing, sequence numbers, shard iterators, tags,
// retention, enhanced fan-out consumers (a registry per stream incarnation,
// consumers.go). It is pure logic over the interfaces it declares in ports.go
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
//   - While a stream's encryption is on, records are sealed (AES-256-GCM
//     under a per-stream data key, wrapped by the master key) before they
//     reach the log; each shard's encryption boundaries, changed only under
//     the write lock, say which record indexes are sealed and with which key
//     (encryption.go, docs/format/encryption.md). Every reader of records
//     opens them through recordOpener.
//
// Metrics: the data path reports records in and out, throttling and
// SubscribeToShard events to Config.Observer (observe.go), an interface
// the engine declares; MetricStreams lists the streams for a scrape. The
// engine itself knows nothing of Prometheus.
//
// Lock order: Engine.control (serialises catalog changes and their saves)
// before Engine.mu (guards the stream map and every stream's mutable fields).
// The data path takes only mu.RLock, and never while waiting on the log.
//
// SubscribeToShard (subscribe.go, fanout.go, notify.go): PutRecords wakes
// a shard's watchers once its records are durable; one feed goroutine per
// subscribed shard reads each new batch once and hands it to every
// subscriber waiting at that position, never blocking (a subscriber whose
// bounded buffer is full catches up from the log itself). Their locks
// (fanout.mu before feed.mu; notifier.mu) are leaves: never held while
// taking Engine.mu or reading a log.
//
// Limits (limits.go, with Config.EnforceLimits): token buckets per shard
// and per control-plane operation, driven by the engine's clock. The
// limiter's mutex is a leaf, taken under mu.RLock on the data path; nothing
// waits while holding it. ON_DEMAND self-scaling (autoscale.go) runs from
// Maintain before it takes control, and changes shards only through reshard.
package engine
