package logstore

import (
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/runnel-io/runnel/internal/record"
)

// Read appends to dst the visible records with Index >= from, in order, up
// to maxRecords records and maxBytes of Size() (at least one record if any
// is visible). Record data slices share one buffer per segment window read;
// callers must treat them as read-only. Reading past corruption returns a
// *CorruptionError, but only when no record was collected before it.
func (sh *Shard) Read(from uint64, maxRecords, maxBytes int, dst []record.Record) ([]record.Record, error) {
	maxRecords = max(maxRecords, 1)
	count, total := 0, 0
	for {
		sh.mu.Lock()
		if sh.closed {
			sh.mu.Unlock()
			return dst, ErrClosed
		}
		from = max(from, sh.segs[0].first)
		if from >= sh.vNext {
			sh.mu.Unlock()
			return dst, nil
		}
		seg := sh.segmentLocked(from)
		segEnd := min(seg.next, sh.vNext)
		limit, corrupt := seg.readLimit()
		off, expect := seg.locate(from)
		window := seg.readWindow(maxRecords-count, maxBytes-total, sh.store.opts.IndexInterval)
		h, err := sh.handleLocked(seg)
		sh.mu.Unlock()
		if err != nil {
			return dst, fmt.Errorf("read shard %s/%d: %w", sh.stream, sh.id, err)
		}
		_, next, stopped, err := scanFrames(h.f, seg.path, off, expect, limit, window, func(rec record.Record, _ int64) bool {
			if rec.Index < from {
				return true
			}
			if rec.Index >= segEnd {
				return false
			}
			if size := rec.Size(); count == 0 || total+size <= maxBytes {
				dst = append(dst, rec)
				count++
				total += size
				return count < maxRecords
			}
			return false
		})
		if rerr := h.release(); rerr != nil {
			sh.store.log.Warn("logstore: closing segment", "err", rerr)
		}
		switch {
		case err != nil:
			err = sh.noteCorruption(seg, err)
		case stopped:
			return dst, nil
		case corrupt != nil:
			err = corrupt
		case next < segEnd:
			err = sh.noteCorruption(seg, &CorruptionError{Path: seg.path, Offset: limit,
				Reason: fmt.Sprintf("segment data ends before index %d, expected records up to %d", next, segEnd-1)})
		}
		if err != nil {
			if count > 0 {
				return dst, nil
			}
			return dst, err
		}
		from = segEnd
	}
}

// readWindow sizes a Read's pread of g: the skipped part of an index
// interval plus the records wanted, guessed from the segment's average frame
// size (a short guess costs another pread, a long one wasted copying).
func (g *segment) readWindow(maxRecords, maxBytes, interval int) int {
	const (
		minWindow = 4 << 10
		maxWindow = 16 << 20
	)
	avg := int64(frameHeaderLen + 128)
	if n := int64(g.next - g.first); n > 0 {
		avg = max((g.size-segmentHeaderLen)/n, frameHeaderLen)
	}
	records := min(int64(maxRecords), maxWindow/frameHeaderLen)
	want := min(records*avg*5/4+avg, int64(min(maxBytes, maxWindow))+records*frameHeaderLen+frameHeaderLen+MaxPartitionKeyBytes)
	return int(min(max(int64(interval)+want, minWindow), maxWindow))
}

// segmentLocked returns the segment holding index from (the last one whose
// first index is <= from).
func (sh *Shard) segmentLocked(from uint64) *segment {
	i := sort.Search(len(sh.segs), func(i int) bool { return sh.segs[i].first > from })
	return sh.segs[max(i-1, 0)]
}

// readLimit returns how far reads of g may go and, if that is short of the
// visible data because of corruption, the corruption.
func (g *segment) readLimit() (int64, *CorruptionError) {
	if g.corrupt != nil && g.corrupt.Offset < g.visEnd {
		return g.corrupt.Offset, g.corrupt
	}
	return g.visEnd, nil
}

// noteCorruption records on seg (and logs, once) a corruption a read found.
func (sh *Shard) noteCorruption(seg *segment, err error) error {
	var ce *CorruptionError
	if !errors.As(err, &ce) {
		return fmt.Errorf("read shard %s/%d: %w", sh.stream, sh.id, err)
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if seg.corrupt == nil || ce.Offset < seg.corrupt.Offset {
		seg.corrupt = ce
		sh.store.reportCorruption(ce) // corruption_observer.go
	}
	return ce
}

// SeekTime returns the smallest retained visible index whose timestamp is
// >= ms, or the next index if there is none.
func (sh *Shard) SeekTime(ms int64) (uint64, error) {
	sh.mu.Lock()
	if sh.closed {
		sh.mu.Unlock()
		return 0, ErrClosed
	}
	vNext := sh.vNext
	var seg *segment
	for _, g := range sh.segs {
		if min(g.next, vNext) <= g.first {
			continue
		}
		last := g.lastTS
		if g.next > vNext {
			last = sh.vLastTS
		}
		if last >= ms {
			seg = g
			break
		}
	}
	if seg == nil {
		sh.mu.Unlock()
		return vNext, nil
	}
	if seg.firstTS >= ms {
		// Timestamps never decrease, so the segment's first record is the
		// answer: no read (a reader asking for the retention start of a
		// young shard pays nothing).
		sh.mu.Unlock()
		return seg.first, nil
	}
	segEnd := min(seg.next, vNext)
	limit, corrupt := seg.readLimit()
	off, expect := seg.locateTime(ms, segEnd)
	h, err := sh.handleLocked(seg)
	sh.mu.Unlock()
	if err != nil {
		return 0, fmt.Errorf("seek shard %s/%d: %w", sh.stream, sh.id, err)
	}
	found, ok := uint64(0), false
	_, _, _, err = scanFrames(h.f, seg.path, off, expect, limit, 64<<10, func(rec record.Record, _ int64) bool {
		if rec.Index >= segEnd {
			return false
		}
		if rec.Timestamp >= ms {
			found, ok = rec.Index, true
			return false
		}
		return true
	})
	if rerr := h.release(); rerr != nil {
		sh.store.log.Warn("logstore: closing segment", "err", rerr)
	}
	switch {
	case err != nil:
		return 0, sh.noteCorruption(seg, err)
	case ok:
		return found, nil
	case corrupt != nil:
		return 0, corrupt
	}
	// Every later record is at least this segment's last timestamp (the
	// clamping floor of the next segment), so the answer is the next index.
	return segEnd, nil
}

// scanFrames decodes the frames of f in [off, limit), checking that indexes
// run consecutively from expect, and calls fn for each until fn returns
// false (stopped). It reads window bytes at a time into fresh buffers, which
// the records passed to fn alias. It returns where it ended and the index
// the next frame would have. Anything that does not decode is a
// *CorruptionError at the frame's offset.
func scanFrames(f io.ReaderAt, path string, off int64, expect uint64, limit int64, window int,
	fn func(rec record.Record, off int64) bool) (end int64, next uint64, stopped bool, err error) {
	for off < limit {
		buf := make([]byte, min(int64(window), limit-off))
		if _, err := f.ReadAt(buf, off); err != nil {
			if errors.Is(err, io.EOF) {
				return off, expect, false, &CorruptionError{Path: path, Offset: off, Reason: "segment file is shorter than its recorded size"}
			}
			return off, expect, false, fmt.Errorf("read %s at %d: %w", path, off, err)
		}
		p := 0
		for p < len(buf) {
			rec, n, err := decodeFrame(buf[p:])
			at := off + int64(p)
			if errors.Is(err, errFrameShort) {
				need, _ := frameNeed(buf[p:])
				if at+int64(need) > limit {
					return at, expect, false, &CorruptionError{Path: path, Offset: at,
						Reason: fmt.Sprintf("frame of %d bytes runs past the end of the data at %d", need, limit)}
				}
				window = max(window, need)
				break
			}
			if err != nil {
				return at, expect, false, &CorruptionError{Path: path, Offset: at, Reason: err.Error()}
			}
			if rec.Index != expect {
				return at, expect, false, &CorruptionError{Path: path, Offset: at,
					Reason: fmt.Sprintf("%s: record index %d where %d was expected", errIndexGap, rec.Index, expect)}
			}
			expect++
			if !fn(rec, at) {
				return at, expect - 1, true, nil
			}
			p += n
		}
		off += int64(p)
	}
	return off, expect, false, nil
}

// errIndexGap marks a frame that is intact but out of sequence: never a torn
// write.
var errIndexGap = errors.New("indexes not consecutive")
