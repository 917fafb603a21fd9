// Package metrics turns Runnel's figures into Prometheus metrics. It owns
// no global state: every constructor takes the prometheus.Registerer the
// server created, and the server serves that registry on /metrics.
//
// What it exports:
//
//   - Streams (streams.go, streams_collect.go): per stream (labels account,
//     stream) the CloudWatch metrics users know, sanitised to Prometheus
//     names: IncomingBytes → kinesis_incoming_bytes_total, …,
//     GetRecords.IteratorAgeMilliseconds →
//     kinesis_getrecords_iterator_age_milliseconds (the last value, a
//     gauge), SubscribeToShardEvent.Success/Records/Bytes. Per shard (label
//     shard too, families kinesis_shard_*) only the shard-level metrics
//     enhanced monitoring has enabled for the stream, as CloudWatch does.
//     The engine reports through engine.Observer, which Account implements
//     with atomic counters per shard; a scrape sums them per stream and
//     asks the engine which streams exist and which shard-level metrics are
//     enabled (engine.Engine.MetricStreams).
//   - Requests (requests.go): runnel_request_duration_seconds, a histogram
//     per API operation (api.RequestObserver).
//   - Storage (storage.go): group-commit fsync time and batch size
//     (logstore.Observer), open segment files, segment files and bytes on
//     disk (walked at scrape time).
//
// Hot-path cost: an Account call is one read-locked map lookup (no
// allocation once a shard has counters) and a few atomic adds; a Requests
// call is one map lookup and a histogram observation.
//
// Counters of a stream incarnation are dropped once it has been missing
// from two scrapes in a row (a put may create counters between a scrape's
// listing and its sweep, so one absence proves nothing).
//
// metrics imports internal/engine for its types only; it must not import
// internal/api, internal/logstore or internal/server.
package metrics
