package metrics

import (
	"sync"
	"sync/atomic"

	"github.com/runnel-io/runnel/internal/engine"
)

// StreamLister is what a scrape asks an account's engine: the streams that
// exist and their enabled shard-level metrics. *engine.Engine is one.
type StreamLister interface {
	MetricStreams() []engine.StreamMetrics
}

var _ StreamLister = (*engine.Engine)(nil)

// shardCounters are one shard's figures since the process started.
type shardCounters struct {
	incomingRecords, incomingBytes atomic.Int64
	outgoingRecords, outgoingBytes atomic.Int64
	iteratorAgeMs                  atomic.Int64 // the last GetRecords' value
	writeExceeded, readExceeded    atomic.Int64
	events, eventRecords           atomic.Int64 // SubscribeToShardEvent.Success, .Records
	eventBytes                     atomic.Int64
	stream                         *streamCounters
}

// streamCounters are the figures that are per stream, not sums of shards.
type streamCounters struct {
	iteratorAgeMs atomic.Int64 // the last GetRecords' value, any shard
}

type counterKey struct {
	stream string // log id
	shard  uint32
}

// Account is one account's engine.Observer: counters per shard of every
// stream incarnation that has seen traffic.
type Account struct {
	id     string
	lister atomic.Pointer[StreamLister]

	mu      sync.RWMutex
	shards  map[counterKey]*shardCounters
	streams map[string]*streamCounters // by log id
	absent  map[string]bool            // log ids missing from the last scrape
}

var _ engine.Observer = (*Account)(nil)

// Watch names the engine a scrape lists the account's streams from. Until
// it is called the account exports nothing.
func (a *Account) Watch(l StreamLister) { a.lister.Store(&l) }

// counters returns a shard's counters, creating them on first use.
func (a *Account) counters(stream string, shard uint32) *shardCounters {
	k := counterKey{stream, shard}
	a.mu.RLock()
	c := a.shards[k]
	a.mu.RUnlock()
	if c != nil {
		return c
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if c = a.shards[k]; c == nil {
		st := a.streams[stream]
		if st == nil {
			st = &streamCounters{}
			a.streams[stream] = st
		}
		c = &shardCounters{stream: st}
		a.shards[k] = c
	}
	return c
}

// lookup returns a shard's counters, nil if it has none.
func (a *Account) lookup(stream string, shard uint32) *shardCounters {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.shards[counterKey{stream, shard}]
}

// Incoming implements engine.Observer.
func (a *Account) Incoming(stream string, shard uint32, records, bytes int) {
	c := a.counters(stream, shard)
	c.incomingRecords.Add(int64(records))
	c.incomingBytes.Add(int64(bytes))
}

// Outgoing implements engine.Observer.
func (a *Account) Outgoing(stream string, shard uint32, records, bytes int, iteratorAgeMs int64) {
	c := a.counters(stream, shard)
	c.outgoingRecords.Add(int64(records))
	c.outgoingBytes.Add(int64(bytes))
	c.iteratorAgeMs.Store(iteratorAgeMs)
	c.stream.iteratorAgeMs.Store(iteratorAgeMs)
}

// Throttled implements engine.Observer.
func (a *Account) Throttled(stream string, shard uint32, write bool, n int) {
	c := a.counters(stream, shard)
	if write {
		c.writeExceeded.Add(int64(n))
	} else {
		c.readExceeded.Add(int64(n))
	}
}

// SubscribeEvent implements engine.Observer.
func (a *Account) SubscribeEvent(stream string, shard uint32, records, bytes int) {
	c := a.counters(stream, shard)
	c.events.Add(1)
	c.eventRecords.Add(int64(records))
	c.eventBytes.Add(int64(bytes))
}

// sweep drops the counters of stream incarnations missing from this scrape
// and the one before it.
func (a *Account) sweep(live map[string]bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	gone := map[string]bool{}
	for id := range a.streams {
		switch {
		case live[id]:
			delete(a.absent, id)
		case a.absent[id]:
			gone[id] = true
			delete(a.absent, id)
			delete(a.streams, id)
		default:
			a.absent[id] = true
		}
	}
	if len(gone) == 0 {
		return
	}
	for k := range a.shards {
		if gone[k.stream] {
			delete(a.shards, k)
		}
	}
}
