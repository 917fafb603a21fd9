package engine

import (
	"sync"
	"sync/atomic"
)

// shardKey names one shard of one stream incarnation: the stream's log id
// (not its name, which a new incarnation may reuse) and the shard index.
type shardKey struct {
	stream string
	shard  uint32
}

// notifier tells whoever watches a shard that it has new durable records,
// or was closed. PutRecords signals each shard it appended to once its
// Sync succeeded; a reshard signals the shards it closed. A shard nobody
// watches costs one atomic load.
type notifier struct {
	watched atomic.Int64 // live watches, all shards
	mu      sync.Mutex
	shards  map[shardKey]*shardSignal
}

// shardSignal is one watched shard: ch is closed by the next notify and
// then replaced, so every waiter that took ch before it is woken.
type shardSignal struct {
	ch   chan struct{}
	refs int
}

func newNotifier() *notifier { return &notifier{shards: map[shardKey]*shardSignal{}} }

// shardWatch is one registration of interest in a shard.
type shardWatch struct {
	n   *notifier
	key shardKey
	sig *shardSignal
}

// watch registers interest in a shard until the watch is closed.
func (n *notifier) watch(key shardKey) *shardWatch {
	n.mu.Lock()
	defer n.mu.Unlock()
	sig := n.shards[key]
	if sig == nil {
		sig = &shardSignal{ch: make(chan struct{})}
		n.shards[key] = sig
	}
	sig.refs++
	n.watched.Add(1)
	return &shardWatch{n: n, key: key, sig: sig}
}

// changed returns a channel that the shard's next notify closes. Take it
// before reading the log: a notify that lands between the read and the
// wait then still wakes the waiter.
func (w *shardWatch) changed() <-chan struct{} {
	w.n.mu.Lock()
	defer w.n.mu.Unlock()
	return w.sig.ch
}

// close ends the watch; the shard's entry goes with its last watch.
func (w *shardWatch) close() {
	w.n.mu.Lock()
	defer w.n.mu.Unlock()
	w.sig.refs--
	if w.sig.refs == 0 {
		delete(w.n.shards, w.key)
	}
	w.n.watched.Add(-1)
}

// notify wakes every waiter of the shard.
func (n *notifier) notify(key shardKey) {
	if n.watched.Load() == 0 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if sig := n.shards[key]; sig != nil {
		close(sig.ch)
		sig.ch = make(chan struct{})
	}
}

// notifyAppended is PutRecords' hook, called once its Sync succeeded: the
// records of every group that was appended are durable and visible.
func (e *Engine) notifyAppended(streamID string, groups []groupedPut) {
	for i := range groups {
		if groups[i].recs != nil {
			e.fan.notifier.notify(shardKey{streamID, groups[i].shard.index})
		}
	}
}

// notifyClosed is reshard's hook: subscribers of the shards it closed
// learn that the shard ends. The caller holds e.mu.
func (e *Engine) notifyClosed(s *stream, closed []*shard) {
	for _, sh := range closed {
		e.fan.notifier.notify(shardKey{s.id, sh.index})
	}
}
