package logstore

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Shard is the disk log of one shard. All methods are safe for concurrent
// use.
type Shard struct {
	store  *Store
	stream string
	id     uint32
	dir    string

	refs  int  // openers; guarded by store.openMu
	dirty bool // queued for the next round; guarded by store.mu

	// Recovery runs once, in a recovery worker or in the first OpenShard
	// (whichever claims it); ready is closed when it has finished, and
	// recErr is its outcome. The fields below are valid only after ready.
	claimed atomic.Bool
	ready   chan struct{}
	recErr  error

	// trimMu serialises Trim calls; taken before mu.
	trimMu sync.Mutex

	mu      sync.Mutex
	segs    []*segment // oldest first; the last one is active
	wNext   uint64     // index the next appended record gets
	wLastTS int64      // newest written timestamp
	vNext   uint64     // index after the newest visible record
	vLastTS int64      // newest visible timestamp
	failed  error      // set when the shard's disk state is unknown
	closed  bool
}

// maxKeptBuffer is the largest encode buffer the store's pool keeps.
const maxKeptBuffer = 1 << 20

func (sh *Shard) active() *segment { return sh.segs[len(sh.segs)-1] }

// Bounds reports the oldest retained index and the index after the newest
// visible record.
func (sh *Shard) Bounds() (oldest, next uint64) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.segs[0].first, sh.vNext
}

// LastTimestamp is the timestamp of the newest visible record, 0 if none was
// ever appended.
func (sh *Shard) LastTimestamp() int64 {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.vLastTS
}

// Close releases the shard's files once every opener has closed it.
func (sh *Shard) Close() error { return sh.store.closeShard(sh) }

// usableLocked reports why the shard cannot take appends, if it cannot.
func (sh *Shard) usableLocked() error {
	if sh.closed || sh.store.closing.Load() {
		return ErrClosed
	}
	return sh.failed
}

// failLocked marks the shard failed: its on-disk state is unknown.
func (sh *Shard) failLocked(err error) {
	if sh.failed == nil {
		sh.failed = &ShardFailedError{Stream: sh.stream, Shard: sh.id, Err: err}
		sh.store.log.Error("logstore: shard failed, refusing appends", "stream", sh.stream, "shard", sh.id, "err", err)
	}
}

// publishLocked makes what had been written up to (seg, size, next, ts)
// visible; it is called only once that is durable.
func (sh *Shard) publishLocked(seg *segment, size int64, next uint64, ts int64) {
	if next > sh.vNext {
		sh.vNext, sh.vLastTS = next, ts
	}
	if size > seg.visEnd {
		seg.visEnd = size
	}
}

// syncRound is one shard's part of a group-commit round.
func (sh *Shard) syncRound() error {
	sh.mu.Lock()
	if sh.failed != nil || sh.closed {
		err := sh.failed
		sh.mu.Unlock()
		return err // a closed shard was synced by closeFiles
	}
	seg := sh.active()
	size, next, ts := seg.size, seg.next, sh.wLastTS
	h, err := sh.store.files.get(seg, seg.openFlag())
	sh.mu.Unlock()

	if err == nil {
		err = sh.store.syncFile(h.f)
		if rerr := h.release(); rerr != nil {
			sh.store.log.Warn("logstore: closing segment", "err", rerr)
		}
	}

	sh.mu.Lock()
	defer sh.mu.Unlock()
	if err != nil {
		sh.failLocked(fmt.Errorf("sync %s: %w", seg.path, err))
		return sh.failed
	}
	if sh.failed != nil {
		return sh.failed
	}
	sh.publishLocked(seg, size, next, ts)
	sh.unpinIfSyncedLocked(seg)
	return nil
}

// unpinIfSyncedLocked lets seg's file be evicted once everything written to
// it is durable.
func (sh *Shard) unpinIfSyncedLocked(seg *segment) {
	if seg.pinned && seg.visEnd >= seg.size {
		seg.pinned = false
		sh.store.files.unpin(seg)
	}
}

// closeFiles syncs what is unsynced and closes the shard's files.
func (sh *Shard) closeFiles() error {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.closed {
		return nil
	}
	sh.closed = true
	var err error
	seg := sh.active()
	if sh.failed == nil && seg.visEnd < seg.size {
		h, gerr := sh.store.files.get(seg, seg.openFlag())
		serr := gerr
		if gerr == nil {
			serr = sh.store.syncFile(h.f)
			if rerr := h.release(); rerr != nil && serr == nil {
				serr = rerr
			}
		}
		if serr != nil {
			sh.failLocked(fmt.Errorf("sync %s: %w", seg.path, serr))
			err = sh.failed
		} else {
			sh.publishLocked(seg, seg.size, seg.next, sh.wLastTS)
		}
	} else if sh.failed != nil {
		err = sh.failed
	}
	for _, g := range sh.segs {
		g.pinned = false
		if cerr := sh.store.files.drop(g); cerr != nil && err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("close shard %s/%d: %w", sh.stream, sh.id, err)
	}
	return nil
}

// handleLocked returns a referenced handle to read seg, from the store's
// file cache; the caller releases it.
func (sh *Shard) handleLocked(seg *segment) (*handle, error) {
	return sh.store.files.get(seg, seg.openFlag())
}
