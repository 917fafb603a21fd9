package logstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// maxParallelSyncs bounds the fdatasync calls one round runs at once.
const maxParallelSyncs = 8

// markDirty adds sh to the next round and returns the token of the appends
// that just finished writing to it.
func (s *Store) markDirty(sh *Shard) uint64 {
	s.mu.Lock()
	if !sh.dirty {
		sh.dirty = true
		s.dirty = append(s.dirty, sh)
		if len(s.dirty) == 1 {
			s.wake.Signal()
		}
	}
	token := s.gen
	s.mu.Unlock()
	return token
}

// Sync blocks until the round covering token has finished. It returns that
// round's error (an fdatasync failure on any shard it synced), ctx.Err() if
// ctx ends first, or ErrClosed for a token the closed store never covered.
func (s *Store) Sync(ctx context.Context, token uint64) error {
	s.mu.Lock()
	for {
		if token <= s.done {
			err := s.failed[token]
			s.mu.Unlock()
			return err
		}
		if s.closed {
			s.mu.Unlock()
			return ErrClosed
		}
		if token > s.gen {
			s.mu.Unlock()
			return fmt.Errorf("logstore: sync token %d was never issued", token)
		}
		if token == s.gen && !s.wantRound {
			s.wantRound = true
			s.wake.Signal()
		}
		ch := s.roundDone
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		s.mu.Lock()
	}
}

// runSyncer is the store's single group-commit goroutine. Each round closes
// the current generation, fdatasyncs every shard dirtied during it, makes
// what those shards had written visible and wakes the Sync waiters.
func (s *Store) runSyncer() {
	defer close(s.syncerDone)
	for {
		s.mu.Lock()
		for len(s.dirty) == 0 && !s.wantRound && !s.closing.Load() {
			s.wake.Wait()
		}
		if len(s.dirty) == 0 && !s.wantRound {
			s.mu.Unlock()
			return // closing, nothing left
		}
		s.mu.Unlock()

		if h := s.opts.hooks; h != nil && h.beforeRound != nil {
			h.beforeRound()
		}

		s.mu.Lock()
		round := s.gen
		s.gen++
		batch := s.dirty
		s.dirty, s.spare = s.spare[:0], nil
		for _, sh := range batch {
			sh.dirty = false
		}
		s.wantRound = false
		s.mu.Unlock()

		var start time.Time
		if s.opts.Observer != nil {
			start = s.opts.Now()
		}
		err := syncShards(batch)
		if o := s.opts.Observer; o != nil && len(batch) > 0 {
			o.GroupCommit(len(batch), s.opts.Now().Sub(start)) // observer.go
		}

		s.mu.Lock()
		clear(batch)
		s.spare = batch[:0]
		if err != nil {
			s.failed[round] = err
		}
		s.done = round
		close(s.roundDone)
		s.roundDone = make(chan struct{})
		s.mu.Unlock()
	}
}

// syncShards runs one round's fdatasyncs, in parallel when there are several.
func syncShards(batch []*Shard) error {
	switch len(batch) {
	case 0:
		return nil
	case 1:
		return batch[0].syncRound()
	}
	errs := make([]error, len(batch))
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxParallelSyncs)
	for i, sh := range batch {
		sem <- struct{}{}
		wg.Go(func() {
			errs[i] = sh.syncRound()
			<-sem
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
