package logstore

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/runnel-io/runnel/internal/fsutil"
)

// handle is a reference-counted open file. Its owner holds one reference;
// readers and the syncer take one while they use the file outside the shard
// mutex, so a roll, trim or close never closes a file under them.
type handle struct {
	f    fsutil.File
	refs atomic.Int32
}

func newHandle(f fsutil.File) *handle {
	h := &handle{f: f}
	h.refs.Store(1)
	return h
}

func (h *handle) acquire() { h.refs.Add(1) }

func (h *handle) release() error {
	if h.refs.Add(-1) == 0 {
		if err := h.f.Close(); err != nil {
			return fmt.Errorf("close %s: %w", h.f.Name(), err)
		}
	}
	return nil
}

// segment is one segment file of a shard. All fields are guarded by the
// owning Shard's mutex, except file, which the store's fileCache guards.
type segment struct {
	path  string
	first uint64 // index of its first frame (from the file name)
	next  uint64 // index after its last frame
	size  int64  // bytes written: header and frames
	// visEnd is the end of the visible (durable) frames; equal to size
	// once sealed.
	visEnd  int64
	baseTS  int64 // header base timestamp
	firstTS int64 // timestamp of the first frame, valid when next > first
	lastTS  int64 // timestamp of the last frame, baseTS when empty
	entries []indexEntry
	sealed  bool
	// corrupt, when set, stops reads at corrupt.Offset.
	corrupt *CorruptionError
	// pinned mirrors file.pinned for the shard (under Shard.mu): the
	// segment has writes that wait for a group-commit round.
	pinned bool
	file   cachedFile
}

// openFlag is how seg's file is opened: read-write while it is active.
func (g *segment) openFlag() int {
	if g.sealed {
		return os.O_RDONLY
	}
	return os.O_RDWR
}

func (g *segment) empty() bool { return g.next == g.first }

// locate returns the offset and index of the frame to start scanning from to
// reach index from: the last sparse entry at or before it.
func (g *segment) locate(from uint64) (int64, uint64) {
	i := sort.Search(len(g.entries), func(i int) bool { return g.entries[i].index > from })
	if i == 0 {
		return segmentHeaderLen, g.first
	}
	e := g.entries[i-1]
	return e.off, e.index
}

// locateTime returns the offset and index of the last sparse entry whose
// timestamp is below ms, among entries before visNext.
func (g *segment) locateTime(ms int64, visNext uint64) (int64, uint64) {
	i := sort.Search(len(g.entries), func(i int) bool {
		return g.entries[i].ts >= ms || g.entries[i].index >= visNext
	})
	if i == 0 {
		return segmentHeaderLen, g.first
	}
	e := g.entries[i-1]
	return e.off, e.index
}

// addEntry records a sparse index entry for the frame at off if it is the
// first frame or interval bytes past the previous entry.
func (g *segment) addEntry(index uint64, off, ts int64, interval int) {
	if n := len(g.entries); n == 0 || off-g.entries[n-1].off >= int64(interval) {
		g.entries = append(g.entries, indexEntry{index: index, off: off, ts: ts})
	}
}

func (g *segment) summary() *segmentSummary {
	return &segmentSummary{
		first: g.first, next: g.next, size: g.size,
		firstTS: g.firstTS, lastTS: g.lastTS, entries: g.entries,
	}
}

const (
	segmentSuffix = ".seg"
	indexSuffix   = ".idx"
)

func segmentFileName(first uint64) string { return fmt.Sprintf("%020d%s", first, segmentSuffix) }

func indexPath(segPath string) string {
	return strings.TrimSuffix(segPath, segmentSuffix) + indexSuffix
}

// parseSegmentName returns the first index encoded in a segment file name.
func parseSegmentName(name string) (uint64, bool) {
	base, ok := strings.CutSuffix(name, segmentSuffix)
	if !ok || len(base) != 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(base, 10, 64)
	return n, err == nil
}

func shardDirName(shard uint32) string { return fmt.Sprintf("%010d", shard) }

// validStream reports whether stream is a non-empty [a-z0-9] id.
func validStream(stream string) bool {
	if stream == "" || len(stream) > 128 {
		return false
	}
	for i := 0; i < len(stream); i++ {
		c := stream[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func shardDir(root, stream string, shard uint32) string {
	return filepath.Join(root, stream, shardDirName(shard))
}
