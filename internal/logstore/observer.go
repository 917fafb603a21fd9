package logstore

import "time"

// Observer receives the group commit's figures (for metrics). It is called
// from the syncer goroutine after every round, so it must be cheap and must
// not block or call back into the Store.
type Observer interface {
	// GroupCommit reports one round: how many shard logs it fdatasynced
	// (the batch the round covered) and how long those fdatasyncs took
	// together (they run in parallel, up to maxParallelSyncs at once).
	GroupCommit(shards int, fsync time.Duration)
}

// WaitRecovered blocks until the background recovery Open started has
// finished (each shard on disk recovered, or its failure logged).
func (s *Store) WaitRecovered() { s.recovering.Wait() }
