package engine

import (
	"sync"
	"sync/atomic"

	"github.com/runnel-io/runnel/internal/record"
)

// A feed holds, for each subscriber, the batches it has not taken yet, up
// to subscriberQueue batches and maxQueuedBytes of record data; past either
// the subscriber is detached and catches up from the log on its own. The
// batches are shared by every subscriber, so the feed's memory is bounded
// by the longest queue, however many subscribers lag. Lagging subscribers
// that stay attached keep sharing one read and one encoding of each batch.
const (
	subscriberQueue = 4096
	maxQueuedBytes  = 32 << 20
)

// fanout is the engine's enhanced fan-out state: the shard notifier, one
// feed per shard that has subscribers, and the subscription leases.
//
// Lock order: fanout.mu before feed.mu; notifier.mu is a leaf. None of them
// is held while taking Engine.mu or reading a log.
type fanout struct {
	notifier *notifier

	mu     sync.Mutex
	feeds  map[shardKey]*feed
	leases map[leaseKey]*Subscription
	ended  bool          // EndSubscriptions was called
	stop   chan struct{} // closed by EndSubscriptions
}

// leaseKey is what one subscription holds: a consumer on a shard.
type leaseKey struct {
	consumerARN string
	shard       shardKey
}

func newFanout() *fanout {
	return &fanout{
		notifier: newNotifier(),
		feeds:    map[shardKey]*feed{},
		leases:   map[leaseKey]*Subscription{},
		stop:     make(chan struct{}),
	}
}

// EndSubscriptions ends every subscription cleanly, now and from now on:
// the server calls it when it shuts down, so that long-lived event streams
// do not hold the shutdown up.
func (e *Engine) EndSubscriptions() {
	f := e.fan
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.ended {
		f.ended = true
		close(f.stop)
	}
}

// feed is the one reader of a shard's new records for all its
// subscribers: it reads each batch once, after the notifier says the shard
// has grown, and hands it to every attached subscriber waiting at that
// position. Handing over never blocks: a subscriber whose buffer is full is
// detached and reads the log itself until it has caught up again.
type feed struct {
	key    shardKey
	stream string // the stream's name, for reads
	stop   chan struct{}
	done   chan struct{}
	refs   int // subscriptions using the feed; guarded by fanout.mu

	mu     sync.Mutex
	next   uint64 // index of the next record to read; records before it were handed over
	placed bool   // next was set from the shard's tip
	ended  bool   // the shard is closed and was read to its end
	subs   map[*feedSub]struct{}
}

// feedSub is one subscription's membership in its shard's feed.
type feedSub struct {
	ch     chan feedItem // batches handed over, in order
	kick   chan struct{} // signalled when the feed detached the subscriber
	want   uint64        // the next index the subscriber needs; guarded by feed.mu
	queued atomic.Int64  // record bytes handed over and not yet taken
}

// feedBatch is one read of the feed, shared read-only by every subscriber
// it is handed to.
type feedBatch struct {
	read  shardRead
	first uint64    // index of read.recs[0]
	bytes int64     // record data of the batch, for the queue bound
	memo  EventMemo // the encoding of the whole batch's event, for its subscribers
}

// EventMemo holds encodings of an event that several subscriptions send
// alike: the whole event under the only field that may differ between them
// (MillisBehindLatest), and the part that never differs. The engine only
// carries it; what the bytes are is the encoder's business. Safe for
// concurrent use.
type EventMemo struct {
	mu     sync.Mutex
	key    int64
	stored bool
	val    []byte
	part   []byte
}

// LoadPart returns the stored common part, if any (shared: read only).
func (m *EventMemo) LoadPart() ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.part, m.part != nil
}

// StorePart keeps val as the common part; val must not be modified
// afterwards.
func (m *EventMemo) StorePart(val []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.part = val
}

// Load returns the encoding stored under key, if any. The bytes are shared:
// callers must not modify them.
func (m *EventMemo) Load(key int64) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.stored || m.key != key {
		return nil, false
	}
	return m.val, true
}

// Store keeps val as the encoding under key if none is stored yet, and
// reports whether it did; val must not be modified afterwards.
func (m *EventMemo) Store(key int64, val []byte) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stored {
		return false
	}
	m.key, m.val, m.stored = key, val, true
	return true
}

// Stored reports whether an encoding is stored (under any key).
func (m *EventMemo) Stored() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stored
}

// feedItem is the part of a batch one subscriber needs, from offset on.
type feedItem struct {
	batch  *feedBatch
	offset int
}

func newFeedSub() *feedSub {
	return &feedSub{ch: make(chan feedItem, subscriberQueue), kick: make(chan struct{}, 1)}
}

// acquireFeed returns the shard's feed, starting it if it is new.
func (e *Engine) acquireFeed(key shardKey, streamName string) *feed {
	f := e.fan
	f.mu.Lock()
	defer f.mu.Unlock()
	fd := f.feeds[key]
	if fd == nil {
		fd = &feed{key: key, stream: streamName, stop: make(chan struct{}), done: make(chan struct{}), subs: map[*feedSub]struct{}{}}
		f.feeds[key] = fd
		w := f.notifier.watch(key) // before the first read: no notify is missed
		go e.runFeed(fd, w)
	}
	fd.refs++
	return fd
}

// releaseFeed drops a subscription's use of a feed; the last one stops it.
func (e *Engine) releaseFeed(fd *feed, sub *feedSub) {
	fd.detach(sub)
	f := e.fan
	f.mu.Lock()
	fd.refs--
	last := fd.refs == 0
	if last {
		delete(f.feeds, fd.key)
	}
	f.mu.Unlock()
	if last {
		close(fd.stop)
		<-fd.done
	}
}

// runFeed reads the shard each time it grows and hands the batches over.
func (e *Engine) runFeed(fd *feed, w *shardWatch) {
	defer close(fd.done)
	defer w.close()
	for {
		changed := w.changed()
		for e.feedStep(fd) {
		}
		select {
		case <-changed:
		case <-fd.stop:
			return
		}
	}
}

// feedStep reads one batch from the feed's position and hands it over. It
// reports whether there may be more to read at once.
func (e *Engine) feedStep(fd *feed) bool {
	fd.mu.Lock()
	from, placed, ended := fd.next, fd.placed, fd.ended
	fd.mu.Unlock()
	if ended {
		return false
	}
	if !placed {
		tip, err := e.subscribedTip(fd.stream, fd.key)
		if err != nil {
			fd.detachAll(false)
			return false
		}
		fd.mu.Lock()
		fd.next, fd.placed = tip, true
		for sub := range fd.subs {
			if sub.want < tip { // records before the tip will never be handed to it
				fd.detachLocked(sub)
			}
		}
		fd.mu.Unlock()
		return true
	}
	rd, err := e.readSubscribed(fd.stream, fd.key, from, maxEventRecords, maxEventBytes)
	if err != nil {
		// Every subscriber meets the error on its own reads and reports it.
		fd.detachAll(false)
		return false
	}
	if len(rd.recs) == 0 {
		if rd.closed && from > rd.endIndex {
			fd.detachAll(true) // they read the end themselves
		}
		return false
	}
	fd.deliver(&feedBatch{read: rd, first: rd.recs[0].Index, bytes: int64(recordBytes(rd.recs))})
	return true
}

// deliver hands b to every attached subscriber that needs it.
func (fd *feed) deliver(b *feedBatch) {
	end := b.read.next
	fd.mu.Lock()
	defer fd.mu.Unlock()
	for sub := range fd.subs {
		switch {
		case sub.want >= end:
			// Ahead of the feed (it read these records itself).
		case sub.want < b.first:
			// Records between want and the batch were never handed to it.
			fd.detachLocked(sub)
		case sub.queued.Load()+b.bytes > maxQueuedBytes:
			fd.detachLocked(sub) // too far behind: it catches up from the log
		default:
			select {
			case sub.ch <- feedItem{batch: b, offset: int(sub.want - b.first)}:
				sub.want = end
				sub.queued.Add(b.bytes)
			default:
				fd.detachLocked(sub) // too far behind: it catches up from the log
			}
		}
	}
	fd.next = end
}

// attach makes sub a receiver of the feed's batches from index want on. It
// fails if the feed has already passed want (the subscriber then reads the
// log itself) or the shard has ended.
func (fd *feed) attach(sub *feedSub, want uint64) bool {
	fd.mu.Lock()
	defer fd.mu.Unlock()
	if fd.ended || (fd.placed && want < fd.next) {
		return false
	}
	sub.want = want
	fd.subs[sub] = struct{}{}
	return true
}

// attached reports whether sub still receives the feed's batches.
func (fd *feed) attached(sub *feedSub) bool {
	fd.mu.Lock()
	defer fd.mu.Unlock()
	_, ok := fd.subs[sub]
	return ok
}

func (fd *feed) detach(sub *feedSub) {
	fd.mu.Lock()
	defer fd.mu.Unlock()
	delete(fd.subs, sub)
}

// detachLocked removes sub and wakes it. The caller holds fd.mu.
func (fd *feed) detachLocked(sub *feedSub) {
	delete(fd.subs, sub)
	select {
	case sub.kick <- struct{}{}:
	default:
	}
}

// detachAll sends every subscriber back to reading on its own; with ended
// the feed also stops taking new ones (the shard was read to its end).
func (fd *feed) detachAll(ended bool) {
	fd.mu.Lock()
	defer fd.mu.Unlock()
	if ended {
		fd.ended = true
	}
	for sub := range fd.subs {
		fd.detachLocked(sub)
	}
}

// records returns the records of a feed item, with their sequence numbers
// and encryption flags.
func (it feedItem) records() ([]record.Record, []string, []bool) {
	rd := &it.batch.read
	var enc []bool
	if rd.encrypted != nil {
		enc = rd.encrypted[it.offset:]
	}
	return rd.recs[it.offset:], rd.seqs[it.offset:], enc
}
