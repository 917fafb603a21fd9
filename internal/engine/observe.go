package engine

import (
	"sort"
	"time"

	"github.com/runnel-io/runnel/internal/record"
)

// Observer receives the data-path figures that CloudWatch's Kinesis metrics
// are made of. The engine calls it on the hot path, so an implementation
// must be cheap, must not block and should not allocate (atomic counters,
// aggregated when scraped). stream is the stream's log id, which is unique
// per incarnation (StreamMetrics maps it back to a name); shard is the shard
// index. Byte counts are data plus partition key, the size AWS charges
// against a shard's throughput.
type Observer interface {
	// Incoming reports records made durable in one shard by one PutRecord
	// or PutRecords call (IncomingRecords, IncomingBytes).
	Incoming(stream string, shard uint32, records, bytes int)
	// Outgoing reports one successful GetRecords call on a shard
	// (OutgoingRecords, OutgoingBytes) and its iterator age: now minus the
	// arrival time of the last record returned, 0 if none was
	// (GetRecords.IteratorAgeMilliseconds).
	Outgoing(stream string, shard uint32, records, bytes int, iteratorAgeMs int64)
	// Throttled reports a refusal for the shard's throughput limits: write
	// counts records rejected (WriteProvisionedThroughputExceeded), a read
	// counts GetRecords calls (ReadProvisionedThroughputExceeded).
	Throttled(stream string, shard uint32, write bool, n int)
	// SubscribeEvent reports one SubscribeToShardEvent sent on a shard
	// (heartbeats included, with no records).
	SubscribeEvent(stream string, shard uint32, records, bytes int)
}

// nopObserver is the Observer when Config.Observer is nil.
type nopObserver struct{}

func (nopObserver) Incoming(string, uint32, int, int)        {}
func (nopObserver) Outgoing(string, uint32, int, int, int64) {}
func (nopObserver) Throttled(string, uint32, bool, int)      {}
func (nopObserver) SubscribeEvent(string, uint32, int, int)  {}

// observer is Config.Observer, or one that ignores everything.
func (e *Engine) observer() Observer {
	if e.cfg.Observer == nil {
		return nopObserver{}
	}
	return e.cfg.Observer
}

// noteThrottled reports a throughput refusal on a shard of s (the limits
// code calls it where it refuses a write or a read). Caller holds e.mu.
func (e *Engine) noteThrottled(s *stream, sh *shard, write bool, n int) {
	e.observer().Throttled(s.id, sh.index, write, n)
}

// observeIncoming reports each group of a durable put.
func (e *Engine) observeIncoming(streamID string, entries []PutEntry, groups []groupedPut) {
	obs := e.observer()
	for gi := range groups {
		g := &groups[gi]
		if g.recs == nil { // the append failed
			continue
		}
		bytes := 0
		for _, pos := range g.entries {
			bytes += len(entries[pos].Data) + len(entries[pos].PartitionKey)
		}
		obs.Incoming(streamID, g.shard.index, len(g.entries), bytes)
	}
}

// recordBytes is the metric size of records: data plus partition key.
func recordBytes(recs []record.Record) int {
	n := 0
	for i := range recs {
		n += len(recs[i].Data) + len(recs[i].PartitionKey)
	}
	return n
}

// iteratorAge is GetRecords.IteratorAgeMilliseconds of a response.
func iteratorAge(recs []record.Record, now time.Time) int64 {
	if len(recs) == 0 {
		return 0
	}
	return max(0, now.UnixMilli()-recs[len(recs)-1].Timestamp)
}

// StreamMetrics describes one stream for a metrics scrape.
type StreamMetrics struct {
	Name   string
	ID     string // the stream's log id, as the Observer is told
	Shards int    // shard indexes 0..Shards-1 exist (open or closed)
	// ShardLevel lists the enabled shard-level metrics (enhanced
	// monitoring), in AWS's order; empty when none is.
	ShardLevel []string
}

// MetricStreams lists the streams that exist (DELETING ones included, until
// they are gone), by name.
func (e *Engine) MetricStreams() []StreamMetrics {
	now := e.now()
	e.mu.RLock()
	out := make([]StreamMetrics, 0, len(e.streams))
	for name, s := range e.streams {
		if s.gone(now) {
			continue
		}
		out = append(out, StreamMetrics{Name: name, ID: s.id, Shards: len(s.shards), ShardLevel: orderedMetrics(s.metrics)})
	}
	e.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
