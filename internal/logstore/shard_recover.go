package logstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/runnel-io/runnel/internal/fsutil"
	"github.com/runnel-io/runnel/internal/record"
)

// recover opens the shard directory, creating it with an empty first
// segment if needed, and recovers its state (see docs/format/log.md,
// "Recovery"): sealed segments from their index files, the active one by
// scanning it.
func (sh *Shard) recover() error {
	s, dir := sh.store, sh.dir
	if err := fsutil.MkdirAllDurableFS(s.fs, dir, 0o755); err != nil {
		return err
	}
	firsts, err := sh.listSegments()
	if err != nil {
		return err
	}
	if len(firsts) == 0 {
		seg, h, err := createSegment(s, dir, 1, 0)
		if err != nil {
			return err
		}
		sh.segs = []*segment{seg}
		s.files.insert(seg, h)
		sh.wNext, sh.vNext = 1, 1
		return nil
	}
	segs := make([]*segment, len(firsts))
	for i, first := range firsts {
		segs[i] = &segment{path: filepath.Join(dir, segmentFileName(first)), first: first, next: first}
	}
	// Sealed segments, newest first, so each knows its successor's header.
	succBase := make([]int64, len(segs))
	for i := len(segs) - 1; i >= 0; i-- {
		if i < len(segs)-1 {
			if err := sh.loadSealed(segs[i], segs[i+1].first, succBase[i+1]); err != nil {
				return err
			}
			succBase[i] = segs[i].baseTS
			continue
		}
		// The active segment's header is read by recoverActive; peek at its
		// base timestamp here for the predecessor.
		succBase[i] = peekBaseTS(s.fs, segs[i].path)
	}
	prevLast := int64(0)
	if len(segs) > 1 {
		prevLast = segs[len(segs)-2].lastTS
	}
	active, h, err := sh.recoverActive(segs[len(segs)-1], prevLast)
	if err != nil {
		return err
	}
	if active != segs[len(segs)-1] {
		segs = append(segs, active)
	}
	sh.segs = segs
	s.files.insert(active, h)
	sh.wNext, sh.vNext = active.next, active.next
	sh.wLastTS, sh.vLastTS = active.lastTS, active.lastTS
	return nil
}

// listSegments returns the first indexes of the shard's segments in order,
// removing leftover temporary files and orphaned index files.
func (sh *Shard) listSegments() ([]uint64, error) {
	entries, err := sh.store.fs.ReadDir(sh.dir)
	if err != nil {
		return nil, fmt.Errorf("list segments: %w", err)
	}
	var firsts []uint64
	segNames := make(map[string]bool)
	var stray []string
	for _, e := range entries {
		name := e.Name()
		if first, ok := parseSegmentName(name); ok {
			firsts = append(firsts, first)
			segNames[strings.TrimSuffix(name, segmentSuffix)] = true
		}
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.Contains(name, ".tmp-"):
			stray = append(stray, name)
		case strings.HasSuffix(name, indexSuffix) && !segNames[strings.TrimSuffix(name, indexSuffix)]:
			stray = append(stray, name)
		}
	}
	for _, name := range stray {
		sh.store.log.Warn("logstore: removing stray file", "file", filepath.Join(sh.dir, name))
		if err := sh.store.fs.Remove(filepath.Join(sh.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("remove stray file: %w", err)
		}
	}
	if len(stray) > 0 {
		if err := sh.store.fs.SyncDir(sh.dir); err != nil {
			return nil, err
		}
	}
	slices.Sort(firsts)
	return firsts, nil
}

// corruption builds a CorruptionError and logs it loudly.
func (sh *Shard) corruption(path string, off int64, reason string) *CorruptionError {
	ce := &CorruptionError{Path: path, Offset: off, Reason: reason}
	sh.store.reportCorruption(ce) // corruption_observer.go
	return ce
}

// readHeader opens path and reads its size and header.
func readHeader(fsys fsutil.FS, path string, flag int) (fsutil.File, int64, segmentHeader, error, error) {
	f, err := fsys.OpenFile(path, flag, 0)
	if err != nil {
		return nil, 0, segmentHeader{}, nil, fmt.Errorf("open segment: %w", err)
	}
	info, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, 0, segmentHeader{}, nil, fmt.Errorf("stat segment: %w", err)
	}
	var b [segmentHeaderLen]byte
	if info.Size() < segmentHeaderLen {
		return f, info.Size(), segmentHeader{}, errors.New("segment header incomplete"), nil
	}
	if _, err := f.ReadAt(b[:], 0); err != nil {
		_ = f.Close()
		return nil, 0, segmentHeader{}, nil, fmt.Errorf("read segment header %s: %w", path, err)
	}
	hdr, herr := decodeSegmentHeader(b[:])
	return f, info.Size(), hdr, herr, nil
}

func peekBaseTS(fsys fsutil.FS, path string) int64 {
	f, _, hdr, herr, err := readHeader(fsys, path, os.O_RDONLY)
	if err != nil {
		return 0
	}
	_ = f.Close()
	if herr != nil {
		return 0
	}
	return hdr.baseTS
}

// loadSealed loads a sealed segment from its index file, or by scanning it
// (and rewriting the index) when the index is missing or inconsistent.
// Corruption is recorded on the segment, not returned.
func (sh *Shard) loadSealed(seg *segment, succFirst uint64, succBaseTS int64) error {
	f, size, hdr, herr, err := readHeader(sh.store.fs, seg.path, os.O_RDONLY)
	if err != nil {
		return err
	}
	defer f.Close()
	seg.sealed, seg.size, seg.visEnd, seg.next = true, size, size, succFirst
	// The successor's base timestamp is this segment's newest timestamp.
	seg.lastTS = succBaseTS
	if herr != nil {
		seg.corrupt = sh.corruption(seg.path, 0, herr.Error())
		return nil
	}
	if hdr.first != seg.first {
		seg.corrupt = sh.corruption(seg.path, 8, fmt.Sprintf("header says first index %d, file name %d", hdr.first, seg.first))
		return nil
	}
	seg.baseTS = hdr.baseTS
	ipath := indexPath(seg.path)
	b, rerr := sh.store.fs.ReadFile(ipath)
	if rerr == nil {
		sum, derr := decodeIndexFile(b, seg.first, size)
		if derr == nil && sum.next == succFirst {
			seg.firstTS, seg.lastTS, seg.entries = sum.firstTS, sum.lastTS, sum.entries
			return nil
		}
		if derr == nil {
			derr = fmt.Errorf("index ends at %d, next segment starts at %d", sum.next, succFirst)
		}
		sh.store.log.Warn("logstore: segment index inconsistent, rebuilding", "file", ipath, "reason", derr)
	} else {
		sh.store.log.Warn("logstore: segment index unreadable, rebuilding", "file", ipath, "err", rerr)
	}
	res, err := scanSegment(f, seg.path, size, seg.first, hdr.baseTS, sh.store.opts.IndexInterval)
	if err != nil {
		return err
	}
	seg.entries, seg.firstTS = res.entries, res.firstTS
	if res.bad != nil {
		seg.corrupt = sh.corruption(seg.path, res.bad.Offset, res.bad.Reason)
		return nil
	}
	if res.next != succFirst {
		seg.corrupt = sh.corruption(seg.path, size, fmt.Sprintf("segment ends before index %d but the next segment starts at %d", res.next, succFirst))
		return nil
	}
	seg.lastTS = res.lastTS
	idx := appendIndexFile(nil, seg.summary(), sh.store.opts.IndexInterval)
	if err := fsutil.AtomicWriteFileFS(sh.store.fs, ipath, idx, 0o644); err != nil {
		sh.store.log.Warn("logstore: writing rebuilt segment index", "file", ipath, "err", err)
	}
	return nil
}

// recoverActive opens the last segment for appending: a torn header is
// rewritten, a torn tail cut off; if it is corrupt with valid frames after
// the damage it is sealed as is and a new active segment is created. It
// returns the active segment and its handle.
func (sh *Shard) recoverActive(seg *segment, prevLastTS int64) (*segment, *handle, error) {
	s := sh.store
	f, size, hdr, herr, err := readHeader(s.fs, seg.path, os.O_RDWR)
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*segment, *handle, error) {
		_ = f.Close()
		return nil, nil, err
	}
	switch {
	case size < segmentHeaderLen:
		s.log.Warn("logstore: segment header torn, rewriting it", "file", seg.path, "size", size)
		hdr = segmentHeader{first: seg.first, baseTS: prevLastTS}
		b := appendSegmentHeader(nil, hdr)
		if err := f.Truncate(0); err != nil {
			return fail(fmt.Errorf("rewrite segment header %s: %w", seg.path, err))
		}
		if _, err := s.writeAt(f, b, 0); err != nil {
			return fail(fmt.Errorf("rewrite segment header %s: %w", seg.path, err))
		}
		size = segmentHeaderLen
	case herr != nil:
		return fail(sh.corruption(seg.path, 0, herr.Error()))
	case hdr.first != seg.first:
		return fail(sh.corruption(seg.path, 8, fmt.Sprintf("header says first index %d, file name %d", hdr.first, seg.first)))
	}
	seg.baseTS = hdr.baseTS
	res, err := scanSegment(f, seg.path, size, seg.first, hdr.baseTS, s.opts.IndexInterval)
	if err != nil {
		return fail(err)
	}
	seg.entries, seg.firstTS = res.entries, res.firstTS
	if res.bad != nil && res.resumed {
		// Valid frames follow the damage: corruption, not a torn write.
		seg.corrupt = sh.corruption(seg.path, res.bad.Offset, res.bad.Reason)
		seg.sealed, seg.size, seg.visEnd = true, size, size
		seg.next, seg.lastTS = res.resumeNext, max(res.resumeLastTS, hdr.baseTS)
		if err := f.Close(); err != nil {
			return nil, nil, fmt.Errorf("close %s: %w", seg.path, err)
		}
		next, h, err := createSegment(s, sh.dir, seg.next, seg.lastTS)
		if err != nil {
			return nil, nil, err
		}
		return next, h, nil
	}
	if res.bad != nil {
		s.log.Warn("logstore: cutting torn tail", "file", seg.path, "offset", res.end, "reason", res.bad.Reason)
		if err := f.Truncate(res.end); err != nil {
			return fail(fmt.Errorf("cut torn tail of %s at %d: %w", seg.path, res.end, err))
		}
		size = res.end
	}
	// Whatever survived the crash is made durable before it is visible.
	if err := s.syncFile(f); err != nil {
		return fail(fmt.Errorf("sync %s: %w", seg.path, err))
	}
	seg.size, seg.visEnd, seg.next = size, size, res.next
	seg.lastTS = max(res.lastTS, hdr.baseTS)
	return seg, newHandle(f), nil
}

// scanResult is what scanning a segment found.
type scanResult struct {
	next            uint64 // index after the last good frame
	end             int64  // offset after the last good frame
	firstTS, lastTS int64
	entries         []indexEntry
	bad             *CorruptionError // the first frame that failed, if any
	// resumed reports valid frames after bad (so bad is not a torn tail);
	// resumeNext and resumeLastTS describe the last of them.
	resumed      bool
	resumeNext   uint64
	resumeLastTS int64
}

const scanWindow = 1 << 20

func scanSegment(f io.ReaderAt, path string, size int64, first uint64, baseTS int64, interval int) (scanResult, error) {
	res := scanResult{next: first, end: segmentHeaderLen, lastTS: baseTS}
	var seg segment
	end, next, _, err := scanFrames(f, path, segmentHeaderLen, first, size, scanWindow, func(rec record.Record, off int64) bool {
		if rec.Index == first {
			res.firstTS = rec.Timestamp
		}
		res.lastTS = rec.Timestamp
		seg.addEntry(rec.Index, off, rec.Timestamp, interval)
		return true
	})
	res.next, res.end, res.entries = next, end, seg.entries
	if err == nil {
		return res, nil
	}
	var ce *CorruptionError
	if !errors.As(err, &ce) {
		return res, fmt.Errorf("scan segment: %w", err)
	}
	res.bad = ce
	res.resumed, res.resumeNext, res.resumeLastTS = resync(f, path, size, ce, next)
	return res, nil
}

// resync looks for intact frames after the damaged one at bad.Offset. An
// intact frame out of sequence is itself proof of corruption. Otherwise it
// walks the rest of the file byte by byte for frames whose length fits,
// whose index is plausible (>= expect, and no more records than bytes
// allow) and whose checksum holds. It reports whether the damage is
// followed by (or is) intact data, the index after the newest record the
// damaged segment can be assumed to hold, and that record's timestamp.
func resync(f io.ReaderAt, path string, size int64, bad *CorruptionError, expect uint64) (bool, uint64, int64) {
	if bad.Offset >= size {
		return false, 0, 0
	}
	rest := make([]byte, size-bad.Offset)
	if _, err := f.ReadAt(rest, bad.Offset); err != nil {
		return false, 0, 0
	}
	found := strings.Contains(bad.Reason, errIndexGap.Error())
	// The damaged spot holds at least the record expected there.
	next, lastTS := expect+1, int64(0)
	if found {
		_, lastTS = frameIndexAt(rest)
	}
	maxIndex := expect + uint64(len(rest))/frameHeaderLen
	for q := 1; q+frameHeaderLen <= len(rest); {
		n := binary.LittleEndian.Uint32(rest[q:])
		idx := binary.LittleEndian.Uint64(rest[q+8:])
		if n < frameHeaderLen || n > maxFrameLen || q+int(n) > len(rest) || idx < expect || idx > maxIndex {
			q++
			continue
		}
		rec, fl, err := decodeFrame(rest[q:])
		if err != nil {
			q++
			continue
		}
		found = true
		if rec.Index+1 > next {
			next, lastTS = rec.Index+1, rec.Timestamp
		}
		q += fl
	}
	return found, next, lastTS
}
