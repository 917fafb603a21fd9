package logstore

import (
	"errors"
	"fmt"
	"io/fs"
)

// Trim deletes, oldest first, the sealed segments whose newest record is
// older than beforeMs, with their index files. An active segment whose first
// record is older than SegmentMaxAge and whose records are all older than
// beforeMs is sealed first, so an idle shard can be reclaimed too.
func (sh *Shard) Trim(beforeMs int64) error {
	sh.trimMu.Lock()
	defer sh.trimMu.Unlock()
	sh.mu.Lock()
	if sh.closed {
		sh.mu.Unlock()
		return ErrClosed
	}
	if act := sh.active(); sh.failed == nil && act.lastTS < beforeMs && sh.agedLocked(act) {
		if err := sh.rollLocked(); err != nil {
			sh.mu.Unlock()
			return fmt.Errorf("trim shard %s/%d: %w", sh.stream, sh.id, err)
		}
	}
	var victims []*segment
	for len(sh.segs) > 1 && sh.segs[0].sealed && sh.segs[0].lastTS < beforeMs {
		victim := sh.segs[0]
		victim.pinned = false
		if err := sh.store.files.drop(victim); err != nil {
			sh.store.log.Warn("logstore: closing trimmed segment", "err", err)
		}
		victims = append(victims, victim)
		sh.segs = sh.segs[1:]
	}
	sh.mu.Unlock()
	if len(victims) == 0 {
		return nil
	}
	// Readers that still hold a handle keep reading the unlinked file.
	for _, v := range victims {
		for _, p := range []string{v.path, indexPath(v.path)} {
			if err := sh.store.fs.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("trim shard %s/%d: %w", sh.stream, sh.id, err)
			}
		}
	}
	if err := sh.store.fs.SyncDir(sh.dir); err != nil {
		return fmt.Errorf("trim shard %s/%d: %w", sh.stream, sh.id, err)
	}
	return nil
}
