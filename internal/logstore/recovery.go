package logstore

import (
	"fmt"
	"path/filepath"
	"strconv"
	"sync/atomic"
)

// newShard returns a shard of s that is not recovered yet.
func (s *Store) newShard(stream string, id uint32) *Shard {
	return &Shard{store: s, stream: stream, id: id, dir: shardDir(s.dir, stream, id), ready: make(chan struct{})}
}

// recoverOnce recovers sh if nobody has claimed that yet, else waits for
// whoever did, and returns the outcome.
func (sh *Shard) recoverOnce() error {
	if sh.claimed.CompareAndSwap(false, true) {
		sh.recErr = sh.recover()
		close(sh.ready)
	} else {
		<-sh.ready
	}
	return sh.recErr
}

// abandon is how the store lets go of a shard (DeleteStream, Close): one
// not recovered yet is never recovered, one being recovered is waited for,
// and a recovered one has its files synced and closed.
func (sh *Shard) abandon() error {
	if sh.claimed.CompareAndSwap(false, true) {
		sh.recErr = ErrClosed
		close(sh.ready)
		return nil
	}
	<-sh.ready
	if sh.recErr != nil {
		return nil // nothing open
	}
	return sh.closeFiles()
}

// listShards finds the shard directories under the store's root:
// <stream>/<10-digit shard>.
func (s *Store) listShards() ([]shardKey, error) {
	streams, err := s.fs.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("open log store: %w", err)
	}
	var keys []shardKey
	for _, st := range streams {
		if !st.IsDir() || !validStream(st.Name()) {
			continue
		}
		shards, err := s.fs.ReadDir(filepath.Join(s.dir, st.Name()))
		if err != nil {
			return nil, fmt.Errorf("open log store: %w", err)
		}
		for _, d := range shards {
			if !d.IsDir() || len(d.Name()) != 10 {
				continue
			}
			id, err := strconv.ParseUint(d.Name(), 10, 32)
			if err != nil {
				continue
			}
			keys = append(keys, shardKey{st.Name(), uint32(id)})
		}
	}
	return keys, nil
}

// startRecovery registers the shards found on disk and recovers them in the
// background, RecoveryWorkers at a time. A shard whose recovery fails stays
// registered with its error until an OpenShard reports it (and forgets it,
// so the next OpenShard tries again) or the store closes.
func (s *Store) startRecovery(keys []shardKey) {
	if len(keys) == 0 {
		return
	}
	todo := make([]*Shard, 0, len(keys))
	s.openMu.Lock()
	for _, k := range keys {
		if s.shards[k] == nil {
			sh := s.newShard(k.stream, k.shard)
			s.shards[k] = sh
			todo = append(todo, sh)
		}
	}
	s.openMu.Unlock()
	var next atomic.Int64
	workers := min(s.opts.RecoveryWorkers, len(todo))
	for range workers {
		s.recovering.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(todo)) || s.closing.Load() {
					return
				}
				if err := todo[i].recoverOnce(); err != nil {
					s.log.Error("logstore: recovering shard", "stream", todo[i].stream, "shard", todo[i].id, "err", err)
				}
			}
		})
	}
}
