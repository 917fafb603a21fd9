package logstore

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/runnel-io/runnel/internal/fsutil"
	"github.com/runnel-io/runnel/internal/record"
)

// Append writes recs to the active segment with one write, assigning
// consecutive indexes and non-decreasing timestamps in place, and returns
// the first index and the token to pass to Store.Sync. Nothing is durable or
// visible until that round finishes. If the write fails the file is cut back
// to where it was and nothing of the batch remains.
func (sh *Shard) Append(recs []record.Record) (first, token uint64, err error) {
	total := int64(0)
	for i := range recs {
		if err := checkRecordSize(&recs[i]); err != nil {
			return 0, 0, fmt.Errorf("append to shard %s/%d: record %d: %w", sh.stream, sh.id, i, err)
		}
		total += int64(frameLen(&recs[i]))
	}
	sh.mu.Lock()
	if err := sh.usableLocked(); err != nil {
		sh.mu.Unlock()
		return 0, 0, err
	}
	first = sh.wNext
	if len(recs) == 0 {
		sh.mu.Unlock()
		return first, 0, nil
	}
	if sh.needRollLocked(total) {
		if err := sh.rollLocked(); err != nil {
			sh.mu.Unlock()
			return 0, 0, fmt.Errorf("append to shard %s/%d: %w", sh.stream, sh.id, err)
		}
	}
	seg := sh.active()
	h, err := sh.store.files.get(seg, seg.openFlag())
	if err != nil {
		sh.mu.Unlock()
		return 0, 0, fmt.Errorf("append to shard %s/%d: %w", sh.stream, sh.id, err)
	}
	interval := sh.store.opts.IndexInterval
	keptEntries := len(seg.entries)
	off := seg.size
	ts := sh.wLastTS
	bufp := sh.store.getBuffer()
	buf := (*bufp)[:0]
	for i := range recs {
		r := &recs[i]
		if r.Timestamp < ts {
			r.Timestamp = ts
		}
		ts = r.Timestamp
		r.Index = first + uint64(i)
		seg.addEntry(r.Index, off+int64(len(buf)), ts, interval)
		buf = appendFrame(buf, r)
	}
	_, werr := sh.store.writeAt(h.f, buf, off)
	*bufp = buf
	sh.store.putBuffer(bufp)
	if werr != nil {
		seg.entries = seg.entries[:keptEntries]
		if terr := h.f.Truncate(off); terr != nil {
			sh.failLocked(fmt.Errorf("cut %s back to %d after a failed write: %w", seg.path, off, terr))
		}
		sh.releaseLocked(h)
		sh.mu.Unlock()
		return 0, 0, fmt.Errorf("append to %s at %d: %w", seg.path, off, werr)
	}
	if !seg.pinned {
		// Keep this descriptor open until the round has synced it.
		seg.pinned = true
		sh.store.files.pin(seg, h)
	}
	sh.releaseLocked(h)
	if seg.empty() {
		seg.firstTS = recs[0].Timestamp
	}
	seg.size += int64(len(buf))
	seg.next = first + uint64(len(recs))
	seg.lastTS = ts
	sh.wNext, sh.wLastTS = seg.next, ts
	sh.mu.Unlock()
	return first, sh.store.markDirty(sh), nil
}

// needRollLocked reports whether the active segment must be sealed before a
// batch of total bytes: it holds records and is full or too old.
func (sh *Shard) needRollLocked(total int64) bool {
	seg := sh.active()
	if seg.empty() {
		return false
	}
	if seg.size+total > sh.store.opts.SegmentBytes {
		return true
	}
	return sh.agedLocked(seg)
}

func (sh *Shard) agedLocked(seg *segment) bool {
	age := sh.store.opts.Now().UnixMilli() - seg.firstTS
	return !seg.empty() && age > sh.store.opts.SegmentMaxAge.Milliseconds()
}

// rollLocked seals the active segment (fdatasync, then its index file) and
// starts a new one at the next index. Sealed records are durable, so they
// become visible.
func (sh *Shard) rollLocked() error {
	old := sh.active()
	h, err := sh.store.files.get(old, old.openFlag())
	if err != nil {
		return err
	}
	err = sh.store.syncFile(h.f)
	sh.releaseLocked(h)
	if err != nil {
		sh.failLocked(fmt.Errorf("sync %s: %w", old.path, err))
		return sh.failed
	}
	sh.publishLocked(old, old.size, old.next, sh.wLastTS)
	seg, nh, err := createSegment(sh.store, sh.dir, old.next, sh.wLastTS)
	if err != nil {
		return err
	}
	old.sealed = true
	idx := appendIndexFile(nil, old.summary(), sh.store.opts.IndexInterval)
	if err := fsutil.AtomicWriteFileFS(sh.store.fs, indexPath(old.path), idx, 0o644); err != nil {
		// The index is rebuilt from the segment at the next open.
		sh.store.log.Warn("logstore: writing segment index", "segment", old.path, "err", err)
	}
	sh.unpinIfSyncedLocked(old)
	sh.segs = append(sh.segs, seg)
	sh.store.files.insert(seg, nh)
	return nil
}

// createSegment creates, durably, an empty segment whose first record will
// be first, with the given base timestamp.
func createSegment(s *Store, dir string, first uint64, baseTS int64) (*segment, *handle, error) {
	path := filepath.Join(dir, segmentFileName(first))
	f, err := s.fs.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("create segment: %w", err)
	}
	fail := func(err error) (*segment, *handle, error) {
		_ = f.Close()
		_ = s.fs.Remove(path)
		return nil, nil, fmt.Errorf("create segment %s: %w", path, err)
	}
	hdr := appendSegmentHeader(make([]byte, 0, segmentHeaderLen), segmentHeader{first: first, baseTS: baseTS})
	if _, err := s.writeAt(f, hdr, 0); err != nil {
		return fail(err)
	}
	if err := s.syncFile(f); err != nil {
		return fail(err)
	}
	if err := s.fs.SyncDir(dir); err != nil {
		return fail(err)
	}
	seg := &segment{
		path: path, first: first, next: first,
		size: segmentHeaderLen, visEnd: segmentHeaderLen,
		baseTS: baseTS, lastTS: baseTS,
	}
	return seg, newHandle(f), nil
}

// releaseLocked drops a handle reference taken under sh.mu.
func (sh *Shard) releaseLocked(h *handle) {
	if err := h.release(); err != nil {
		sh.store.log.Warn("logstore: closing segment", "err", err)
	}
}
