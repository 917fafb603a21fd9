package logstore

import (
	"errors"
	"syscall"
	"testing"

	"github.com/runnel-io/runnel/internal/fsutil"
)

// TestFullDiskAppendsResumeWhenSpaceReturns fills the disk (a Fault with a
// capacity): appends fail with ENOSPC and leave nothing behind, the shard is
// not failed, reads keep working, and once space is back appends succeed
// again by themselves, both within the active segment and across a roll.
// After a power loss every acknowledged record is there.
func TestFullDiskAppendsResumeWhenSpaceReturns(t *testing.T) {
	for _, tc := range []struct {
		name    string
		segment int64
		room    int64 // bytes left on the disk when it fills
	}{
		{"in the active segment", 1 << 20, 100},
		{"at a segment roll, no room for the header", 400, 0},
		{"at a segment roll, room for the header only", 400, 40},
		{"at a segment roll, room for the header and the index", 400, 150},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := fsutil.NewFault()
			s, err := Open(crashRoot, Options{FS: f, SegmentBytes: tc.segment, Logger: testLogger(t, nil)})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			sh, err := s.Shard("c", 0)
			if err != nil {
				t.Fatal(err)
			}
			m := newCrashModel()
			mustAck(t, m, s, sh, makeRecords(6, 1, "before"))
			f.SetCapacity(f.Used() + tc.room)
			for try := range 3 {
				_, _, err := sh.Append(makeRecords(10, 100, "full"))
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatalf("append %d on a full disk: %v, want ENOSPC", try, err)
				}
				var sf *ShardFailedError
				if errors.As(err, &sf) {
					t.Fatalf("a full disk failed the shard: %v", err)
				}
			}
			if got := readAll(t, sh, 1); len(got) != 6 {
				t.Fatalf("reads on a full disk return %d records, want 6", len(got))
			}
			f.SetCapacity(0) // space is back
			mustAck(t, m, s, sh, makeRecords(4, 200, "after"))
			if _, next := sh.Bounds(); next != 11 {
				t.Fatalf("next index %d after the disk came back, want 11 (nothing of the failed appends kept)", next)
			}
			checkRecovered(t, f.PowerLoss(), m, "power loss after the disk came back")
		})
	}
}
