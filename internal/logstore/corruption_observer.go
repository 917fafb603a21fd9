package logstore

// CorruptionObserver, if the Options.Observer also implements it, is told
// about every corruption the store finds (at recovery, or when a read
// reaches it), once per damaged spot, so it can be counted and alerted on.
// It is called with a shard's mutex held: it must be cheap and must not
// call back into the Store.
type CorruptionObserver interface {
	Corruption(path string, offset int64)
}

// reportCorruption logs ce at Error and tells the observer.
func (s *Store) reportCorruption(ce *CorruptionError) {
	s.log.Error("logstore: corrupt segment, reads stop here", "file", ce.Path, "offset", ce.Offset, "reason", ce.Reason)
	if o, ok := s.opts.Observer.(CorruptionObserver); ok {
		o.Corruption(ce.Path, ce.Offset)
	}
}
