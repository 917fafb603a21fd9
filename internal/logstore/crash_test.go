package logstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/runnel-io/runnel/internal/fsutil"
	"github.com/runnel-io/runnel/internal/record"
)

// Crash-point walking: each scenario runs a setup whose effects are
// durable, then one walked step (an append, a segment roll, a retention
// deletion). A probe run counts the step's mutating file-system operations;
// then, for every n, a fresh run loses power at the step's n-th operation
// (fsutil.Fault.CrashAt), the disk is reduced to what was synced
// (PowerLoss) and the store is reopened on it. Recovery must yield every
// acknowledged record (and honour an acknowledged trim), nothing that was
// never written, consecutive indexes, and a shard that takes appends again.

const crashRoot = "/data/log"

// crashModel is what the test knows: every record ever handed to Append,
// by index, and which indexes were acknowledged (Append and Sync returned
// nil).
type crashModel struct {
	written map[uint64]record.Record
	acked   map[uint64]bool
	// minOldest is the oldest index recovery may keep once a Trim was
	// acknowledged (1 otherwise).
	minOldest uint64
	// keepFrom is the oldest index a trim may remove up to: every
	// acknowledged record at or after it must survive.
	keepFrom uint64
}

func newCrashModel() *crashModel {
	return &crashModel{written: map[uint64]record.Record{}, acked: map[uint64]bool{}, minOldest: 1, keepFrom: 1}
}

// appendAck appends recs and syncs; it records what was written and, if
// both steps succeeded, acknowledges it.
func (m *crashModel) appendAck(s *Store, sh *Shard, recs []record.Record) bool {
	recs = cloneRecords(recs)
	first, token, err := sh.Append(recs)
	if err != nil {
		return false
	}
	for i, r := range recs {
		m.written[first+uint64(i)] = r
	}
	if err := s.Sync(context.Background(), token); err != nil {
		return false
	}
	for i := range recs {
		m.acked[first+uint64(i)] = true
	}
	return true
}

type crashScenario struct {
	name  string
	opts  Options
	setup func(t *testing.T, s *Store, sh *Shard, m *crashModel, clock *fakeClock)
	step  func(s *Store, sh *Shard, m *crashModel, clock *fakeClock)
}

func crashScenarios() []crashScenario {
	return []crashScenario{
		{
			name: "append",
			opts: Options{},
			setup: func(t *testing.T, s *Store, sh *Shard, m *crashModel, _ *fakeClock) {
				mustAck(t, m, s, sh, makeRecords(5, 1, "setup"))
			},
			step: func(s *Store, sh *Shard, m *crashModel, _ *fakeClock) {
				m.appendAck(s, sh, makeRecords(7, 10, "step"))
			},
		},
		{
			name: "segment roll",
			opts: Options{SegmentBytes: 400},
			setup: func(t *testing.T, s *Store, sh *Shard, m *crashModel, _ *fakeClock) {
				mustAck(t, m, s, sh, makeRecords(6, 1, "setup")) // ~300 bytes: the next batch rolls
			},
			step: func(s *Store, sh *Shard, m *crashModel, _ *fakeClock) {
				m.appendAck(s, sh, makeRecords(4, 10, "step"))
			},
		},
		{
			name: "retention deletion",
			opts: Options{SegmentBytes: 300},
			setup: func(t *testing.T, s *Store, sh *Shard, m *crashModel, clock *fakeClock) {
				for i := range 4 { // four segments: three sealed, one active
					mustAck(t, m, s, sh, makeRecords(5, int64(1+i*100), fmt.Sprint("seg", i)))
				}
				if n := len(sh.segs); n < 3 {
					t.Fatalf("setup made %d segments, want at least 3", n)
				}
				clock.ms.Store(1000)
			},
			step: func(s *Store, sh *Shard, m *crashModel, _ *fakeClock) {
				// Records with timestamps < 150 expire: the first two
				// segments (indexes 1-10, timestamps 1-5 and 101-105).
				m.keepFrom = 11
				if sh.Trim(150) == nil {
					oldest, _ := sh.Bounds()
					m.minOldest = oldest
				}
			},
		},
	}
}

func mustAck(t *testing.T, m *crashModel, s *Store, sh *Shard, recs []record.Record) {
	t.Helper()
	if !m.appendAck(s, sh, recs) {
		t.Fatal("setup append failed")
	}
}

// runCrash runs the scenario on f, losing power at the step's n-th
// operation (never if n == 0). It returns the model and how many
// operations the step attempted.
func runCrash(t *testing.T, sc crashScenario, f *fsutil.Fault, n int) (*crashModel, int) {
	t.Helper()
	clock := &fakeClock{}
	opts := sc.opts
	opts.FS, opts.Now, opts.Logger = f, clock.now, testLogger(t, nil)
	s, err := Open(crashRoot, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	sh, err := s.Shard("c", 0)
	if err != nil {
		t.Fatalf("Shard: %v", err)
	}
	m := newCrashModel()
	sc.setup(t, s, sh, m, clock)
	before := f.Ops()
	if n > 0 {
		f.CrashAt(n)
	}
	sc.step(s, sh, m, clock)
	ops := f.Ops() - before
	if n > 0 {
		_ = s.Close() // the machine is off: Close fails, and must not hang
	} else if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return m, ops
}

// checkRecovered reopens the store on disk and checks it against m.
func checkRecovered(t *testing.T, disk *fsutil.Fault, m *crashModel, where string) {
	t.Helper()
	s, err := Open(crashRoot, Options{FS: disk, Logger: testLogger(t, nil)})
	if err != nil {
		t.Fatalf("%s: reopen: %v", where, err)
	}
	defer s.Close()
	sh, err := s.Shard("c", 0)
	if err != nil {
		t.Fatalf("%s: recover shard: %v", where, err)
	}
	oldest, next := sh.Bounds()
	got, err := sh.Read(oldest, 1<<30, 1<<30, nil)
	if err != nil {
		t.Fatalf("%s: read after recovery: %v", where, err)
	}
	if oldest < m.minOldest || oldest > m.keepFrom {
		t.Fatalf("%s: oldest index %d after recovery, want within [%d, %d]", where, oldest, m.minOldest, m.keepFrom)
	}
	for i, r := range got {
		want, ok := m.written[r.Index]
		switch {
		case r.Index != oldest+uint64(i):
			t.Fatalf("%s: record %d has index %d, want %d", where, i, r.Index, oldest+uint64(i))
		case !ok:
			t.Fatalf("%s: index %d recovered but never written", where, r.Index)
		case r.PartitionKey != want.PartitionKey || string(r.Data) != string(want.Data) || r.Timestamp != want.Timestamp:
			t.Fatalf("%s: index %d recovered as %q/%q@%d, written as %q/%q@%d", where, r.Index,
				r.PartitionKey, r.Data, r.Timestamp, want.PartitionKey, want.Data, want.Timestamp)
		}
	}
	for idx := range m.acked {
		if idx >= m.keepFrom && (idx < oldest || idx >= next) {
			t.Fatalf("%s: acknowledged index %d lost (recovered %d-%d)", where, idx, oldest, next-1)
		}
	}
	// The shard takes appends again, at the next index.
	recs := makeRecords(2, 5000, "after")
	first, token, err := sh.Append(recs)
	if err != nil {
		t.Fatalf("%s: append after recovery: %v", where, err)
	}
	if first != next {
		t.Fatalf("%s: append after recovery got index %d, want %d", where, first, next)
	}
	if err := s.Sync(context.Background(), token); err != nil {
		t.Fatalf("%s: sync after recovery: %v", where, err)
	}
}

// TestCrashPointWalk walks the power-loss point through every write,
// fsync, create, rename and remove of each scenario's step.
func TestCrashPointWalk(t *testing.T) {
	total := 0
	for _, sc := range crashScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			probe := fsutil.NewFault()
			pm, ops := runCrash(t, sc, probe, 0)
			if ops < 2 {
				t.Fatalf("the step made %d file-system operations", ops)
			}
			// A clean close followed by a power loss keeps everything the
			// step did.
			checkRecovered(t, probe.PowerLoss(), pm, "clean close, then power loss")
			trace := probe.Trace()
			stepTrace := trace[len(trace)-ops:]
			// n == ops+1 loses power just after the step returned.
			for n := 1; n <= ops+1; n++ {
				f := fsutil.NewFault()
				m, _ := runCrash(t, sc, f, n)
				what := "just after the step"
				if n <= ops {
					what = stepTrace[n-1]
				}
				checkRecovered(t, f.PowerLoss(), m, fmt.Sprintf("power lost at op %d/%d (%s)", n, ops, what))
			}
			t.Logf("%s: %d crash points walked: %v", sc.name, ops+1, stepTrace)
			total += ops + 1
		})
	}
	t.Logf("%d crash points walked in all", total)
}

// TestCrashPointWalkDuringRecovery loses power inside recovery itself: a
// process died (fsutil.Fault.Kill) leaving a torn frame at the end of the
// active segment and a damaged index of a sealed one, so recovery cuts the
// tail, syncs it and rewrites the index. Power is lost at each of those
// operations in turn; the next recovery must still yield every
// acknowledged record.
func TestCrashPointWalkDuringRecovery(t *testing.T) {
	var m *crashModel
	damaged := func(t *testing.T) *fsutil.Fault {
		f := fsutil.NewFault()
		sc := crashScenario{
			opts: Options{SegmentBytes: 300},
			setup: func(t *testing.T, s *Store, sh *Shard, cm *crashModel, _ *fakeClock) {
				for i := range 3 {
					mustAck(t, cm, s, sh, makeRecords(5, int64(1+i*10), fmt.Sprint("r", i)))
				}
			},
			step: func(*Store, *Shard, *crashModel, *fakeClock) {},
		}
		m, _ = runCrash(t, sc, f, 0)
		g := f.Kill()
		dir := shardDir(crashRoot, "c", 0)
		// A torn frame after the last record of the active segment.
		active := dir + "/" + segmentFileName(11)
		torn := appendFrame(nil, &record.Record{Index: 16, Timestamp: 99, PartitionKey: "torn", Data: make([]byte, 40)})
		seg, err := g.OpenFile(active, 2 /* O_RDWR */, 0)
		if err != nil {
			t.Fatal(err)
		}
		info, _ := seg.Stat()
		if _, err := seg.WriteAt(torn[:len(torn)/2], info.Size()); err != nil {
			t.Fatal(err)
		}
		_ = seg.Close()
		// A sealed segment's index that disagrees with it.
		if err := fsutil.AtomicWriteFileFS(g, indexPath(dir+"/"+segmentFileName(1)), []byte("RNLI garbage"), 0o644); err != nil {
			t.Fatal(err)
		}
		return g
	}
	recoverOn := func(f *fsutil.Fault) {
		s, err := Open(crashRoot, Options{FS: f, Logger: testLogger(t, nil)})
		if err == nil {
			_, _ = s.Shard("c", 0)
			_ = s.Close()
		}
	}
	probe := damaged(t)
	before := probe.Ops()
	recoverOn(probe)
	ops := probe.Ops() - before
	trace := probe.Trace()[before:]
	if ops < 4 {
		t.Fatalf("recovery made only %d operations: %v", ops, trace)
	}
	for n := 1; n <= ops; n++ {
		f := damaged(t)
		f.CrashAt(n)
		recoverOn(f)
		checkRecovered(t, f.PowerLoss(), m, fmt.Sprintf("power lost in recovery at op %d/%d (%s)", n, ops, trace[n-1]))
	}
	t.Logf("%d crash points walked during recovery: %v", ops, trace)
}

// TestCrashPointWalkDeleteStream loses power at each operation of a
// stream deletion: the deleted stream is afterwards intact or gone (gone if
// the deletion was acknowledged), never partly there, and the other stream
// keeps every acknowledged record.
func TestCrashPointWalkDeleteStream(t *testing.T) {
	run := func(f *fsutil.Fault, n int) (keep *crashModel, deleted bool, ops int) {
		s, err := Open(crashRoot, Options{FS: f, Logger: testLogger(t, nil)})
		if err != nil {
			t.Fatal(err)
		}
		keep = newCrashModel()
		c, err := s.Shard("c", 0)
		if err != nil {
			t.Fatal(err)
		}
		mustAck(t, keep, s, c, makeRecords(5, 1, "keep"))
		for shard := range uint32(2) {
			d, err := s.Shard("d", shard)
			if err != nil {
				t.Fatal(err)
			}
			mustAck(t, newCrashModel(), s, d, makeRecords(4, 1, "gone"))
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
		}
		before := f.Ops()
		if n > 0 {
			f.CrashAt(n)
		}
		deleted = s.DeleteStream("d") == nil
		ops = f.Ops() - before
		_ = s.Close()
		return keep, deleted, ops
	}
	_, _, ops := run(fsutil.NewFault(), 0)
	for n := 1; n <= ops+1; n++ {
		f := fsutil.NewFault()
		keep, deleted, _ := run(f, n)
		disk := f.PowerLoss()
		where := fmt.Sprintf("power lost at op %d/%d of DeleteStream", n, ops)
		checkRecovered(t, disk, keep, where)
		s, err := Open(crashRoot, Options{FS: disk, Logger: testLogger(t, nil)})
		if err != nil {
			t.Fatal(err)
		}
		var nexts []uint64
		for shard := range uint32(2) {
			d, err := s.Shard("d", shard)
			if err != nil {
				t.Fatalf("%s: open d/%d: %v", where, shard, err)
			}
			_, next := d.Bounds()
			if nexts = append(nexts, next); nexts[0] != next {
				t.Fatalf("%s: stream d partly deleted: shard 0 ends at %d, shard 1 at %d", where, nexts[0]-1, next-1)
			}
			switch {
			case deleted && next != 1:
				t.Fatalf("%s: the deletion was acknowledged but d/%d still holds records up to %d", where, shard, next-1)
			case next != 1 && next != 5:
				t.Fatalf("%s: d/%d partly deleted: records up to %d", where, shard, next-1)
			}
			if got := readAll(t, d, 1); uint64(len(got)) != next-1 {
				t.Fatalf("%s: d/%d reads %d records, bounds say %d", where, shard, len(got), next-1)
			}
		}
		_ = s.Close()
	}
	t.Logf("%d crash points walked in DeleteStream", ops+1)
}
