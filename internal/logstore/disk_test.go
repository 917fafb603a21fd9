package logstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/fsutil"
	"github.com/runnel-io/runnel/internal/record"
)

// fakeClock is a settable clock for segment ages.
type fakeClock struct{ ms atomic.Int64 }

func (c *fakeClock) now() time.Time { return time.UnixMilli(c.ms.Load()) }

func openStore(t *testing.T, dir string, opts Options) *Store {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(t, nil)
	}
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func openDiskShard(t *testing.T, s *Store, stream string, shard uint32) *Shard {
	t.Helper()
	sh, err := s.Shard(stream, shard)
	if err != nil {
		t.Fatalf("OpenShard: %v", err)
	}
	return sh
}

func segmentFiles(t *testing.T, dir string, ext string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"+ext))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDiskRestartRecoversEverything(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SegmentBytes: 4096, IndexInterval: 512}
	s := openStore(t, dir, opts)
	st := s
	var want []record.Record
	for shard := range uint32(3) {
		sh := openDiskShard(t, s, "restart", shard)
		for b := range 20 {
			recs := makeRecords(1+b%5, int64(100*b), "r")
			appendSync(t, st, sh, recs)
			if shard == 1 {
				want = append(want, cloneRecords(recs)...)
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	s2 := openStore(t, dir, opts)
	sh := openDiskShard(t, s2, "restart", 1)
	if o, n := sh.Bounds(); o != 1 || n != uint64(len(want)+1) {
		t.Fatalf("Bounds after restart = (%d, %d), want (1, %d)", o, n, len(want)+1)
	}
	sameRecords(t, readAll(t, sh, 1), want)
	if ts, wantTS := sh.LastTimestamp(), want[len(want)-1].Timestamp; ts != wantTS {
		t.Fatalf("LastTimestamp after restart = %d, want %d", ts, wantTS)
	}
	if idx, err := sh.SeekTime(want[30].Timestamp); err != nil || want[idx-1].Timestamp != want[30].Timestamp || (idx > 1 && want[idx-2].Timestamp >= want[30].Timestamp) {
		t.Fatalf("SeekTime after restart = %d, %v", idx, err)
	}
	if first := appendSync(t, s2, sh, makeRecords(2, 0, "x")); first != uint64(len(want)+1) {
		t.Fatalf("first index after restart = %d, want %d", first, len(want)+1)
	}
	if got := readAll(t, sh, uint64(len(want)+1)); len(got) != 2 || got[0].Timestamp != want[len(want)-1].Timestamp {
		t.Fatalf("appends after restart: %+v (timestamps must stay clamped)", got)
	}
}

// gatedStore opens a store whose syncer waits at each round until release
// is closed.
func gatedStore(t *testing.T, opts Options) (*Store, chan struct{}, *atomic.Int64) {
	release := make(chan struct{})
	rounds := &atomic.Int64{}
	opts.hooks = &hooks{beforeRound: func() {
		<-release
		rounds.Add(1)
	}}
	s := openStore(t, t.TempDir(), opts)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	return s, release, rounds
}

func TestDiskVisibleOnlyAfterSync(t *testing.T) {
	s, release, _ := gatedStore(t, Options{})
	sh := openDiskShard(t, s, "vis", 0)
	recs := makeRecords(3, 5, "v")
	_, token, err := sh.Append(recs)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, sh, 1); len(got) != 0 {
		t.Fatalf("%d records visible before their sync", len(got))
	}
	if o, n := sh.Bounds(); o != 1 || n != 1 {
		t.Fatalf("Bounds before sync = (%d, %d), want (1, 1)", o, n)
	}
	if ts := sh.LastTimestamp(); ts != 0 {
		t.Fatalf("LastTimestamp before sync = %d", ts)
	}
	if idx, _ := sh.SeekTime(0); idx != 1 {
		t.Fatalf("SeekTime before sync = %d", idx)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Sync(ctx, token); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync with a cancelled context = %v", err)
	}
	close(release)
	if err := s.Sync(context.Background(), token); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	sameRecords(t, readAll(t, sh, 1), recs)
}

func TestDiskGroupCommitOneRoundForAllShards(t *testing.T) {
	var syncs atomic.Int64
	release := make(chan struct{})
	var rounds atomic.Int64
	opts := Options{hooks: &hooks{
		beforeRound: func() { <-release; rounds.Add(1) },
		syncFile: func(f fsutil.File) error {
			syncs.Add(1)
			return f.Sync()
		},
	}}
	s := openStore(t, t.TempDir(), opts)
	var tokens []uint64
	for shard := range uint32(5) {
		sh := openDiskShard(t, s, "group", shard)
		for range 3 {
			_, token, err := sh.Append(makeRecords(2, 1, "g"))
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, token)
		}
	}
	createSyncs := syncs.Load() // segment creation syncs each new file
	for _, tok := range tokens[1:] {
		if tok != tokens[0] {
			t.Fatalf("appends during one generation got tokens %v", tokens)
		}
	}
	close(release)
	var wg sync.WaitGroup
	for _, tok := range tokens {
		wg.Go(func() {
			if err := s.Sync(context.Background(), tok); err != nil {
				t.Errorf("Sync: %v", err)
			}
		})
	}
	wg.Wait()
	if r := rounds.Load(); r != 1 {
		t.Fatalf("%d rounds for one generation, want 1", r)
	}
	if n := syncs.Load() - createSyncs; n != 5 {
		t.Fatalf("%d fdatasyncs for 5 dirty shards, want 5", n)
	}
}

func TestDiskSyncFailureFailsShardNotProcess(t *testing.T) {
	var failing atomic.Bool
	clock := &fakeClock{} // records at t=0 never age out
	opts := Options{Now: clock.now, hooks: &hooks{syncFile: func(f fsutil.File) error {
		if failing.Load() && filepath.Base(filepath.Dir(f.Name())) == shardDirName(1) {
			return errors.New("injected EIO")
		}
		return f.Sync()
	}}}
	s := openStore(t, t.TempDir(), opts)
	good, bad := openDiskShard(t, s, "fail", 0), openDiskShard(t, s, "fail", 1)
	appendSync(t, s, bad, makeRecords(2, 1, "ok"))
	failing.Store(true)
	_, token, err := bad.Append(makeRecords(2, 1, "lost"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(context.Background(), token); err == nil {
		t.Fatal("Sync of a round whose fdatasync failed returned nil")
	}
	var sf *ShardFailedError
	if _, _, err := bad.Append(makeRecords(1, 1, "after")); !errors.As(err, &sf) {
		t.Fatalf("Append on a failed shard = %v, want *ShardFailedError", err)
	}
	if got := readAll(t, bad, 1); len(got) != 2 {
		t.Fatalf("failed shard shows %d records, want the 2 durable ones", len(got))
	}
	// Other shards keep working in later rounds.
	appendSync(t, s, good, makeRecords(3, 1, "good"))
	if got := readAll(t, good, 1); len(got) != 3 {
		t.Fatalf("healthy shard shows %d records", len(got))
	}
	if err := s.Close(); err == nil {
		t.Log("Close after a shard failure reported no error") // allowed: nothing unsynced remained
	}
}

func TestDiskWriteFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	var failing atomic.Bool
	clock := &fakeClock{}
	opts := Options{Now: clock.now, hooks: &hooks{writeAt: func(f fsutil.File, b []byte, off int64) (int, error) {
		if failing.Load() {
			n, _ := f.WriteAt(b[:len(b)/2], off) // a partial write, then an error
			return n, errors.New("injected ENOSPC")
		}
		return f.WriteAt(b, off)
	}}}
	s := openStore(t, dir, opts)
	sh := openDiskShard(t, s, "wf", 0)
	appendSync(t, s, sh, makeRecords(3, 1, "a"))
	segPath := sh.active().path
	before, _ := os.Stat(segPath)
	failing.Store(true)
	if _, _, err := sh.Append(makeRecords(50, 1, "b")); err == nil {
		t.Fatal("Append with a failing write succeeded")
	}
	after, _ := os.Stat(segPath)
	if after.Size() != before.Size() {
		t.Fatalf("segment grew from %d to %d bytes after a failed write", before.Size(), after.Size())
	}
	failing.Store(false)
	if first := appendSync(t, s, sh, makeRecords(2, 1, "c")); first != 4 {
		t.Fatalf("first index after a failed write = %d, want 4", first)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openStore(t, dir, Options{})
	got := readAll(t, openDiskShard(t, s2, "wf", 0), 1)
	if len(got) != 5 {
		t.Fatalf("after restart %d records, want 5", len(got))
	}
}

func TestDiskRollBySize(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{SegmentBytes: 1000})
	sh := openDiskShard(t, s, "roll", 0)
	for range 20 {
		appendSync(t, s, sh, makeRecords(3, 1, "size"))
	}
	segs, idxs := segmentFiles(t, sh.dir, segmentSuffix), segmentFiles(t, sh.dir, indexSuffix)
	if len(segs) < 3 {
		t.Fatalf("%d segments after ~3 KB with 1000-byte segments", len(segs))
	}
	if len(idxs) != len(segs)-1 {
		t.Fatalf("%d index files for %d sealed segments", len(idxs), len(segs)-1)
	}
	for _, p := range segs[:len(segs)-1] {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if info.Size() > 1000 {
			t.Fatalf("sealed segment %s is %d bytes, over the 1000-byte limit", p, info.Size())
		}
	}
	if got := readAll(t, sh, 1); len(got) != 60 {
		t.Fatalf("%d records, want 60", len(got))
	}
}

func TestDiskRollByAge(t *testing.T) {
	clock := &fakeClock{}
	clock.ms.Store(1_000_000)
	s := openStore(t, t.TempDir(), Options{SegmentMaxAge: time.Minute, Now: clock.now})
	sh := openDiskShard(t, s, "age", 0)
	appendSync(t, s, sh, []record.Record{{Timestamp: 1_000_000}})
	clock.ms.Add(60_000) // exactly SegmentMaxAge old: not older yet
	appendSync(t, s, sh, []record.Record{{Timestamp: 1_060_000}})
	if n := len(segmentFiles(t, sh.dir, segmentSuffix)); n != 1 {
		t.Fatalf("%d segments before the age limit, want 1", n)
	}
	clock.ms.Add(1)
	appendSync(t, s, sh, []record.Record{{Timestamp: 1_060_001}})
	segs := segmentFiles(t, sh.dir, segmentSuffix)
	if len(segs) != 2 || filepath.Base(segs[1]) != segmentFileName(3) {
		t.Fatalf("segments after the age limit: %v, want a second one starting at index 3", segs)
	}
}

func TestDiskTrimDeletesOldSegmentsAndSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{}
	opts := Options{SegmentMaxAge: time.Second, Now: clock.now}
	s := openStore(t, dir, opts)
	sh := openDiskShard(t, s, "trim", 0)
	// Four segments: records at 0-1s, 10-11s, 20-21s, 30-31s (rolled by age).
	for seg := range int64(4) {
		for i := range int64(2) {
			ms := seg*10_000 + i*1000
			clock.ms.Store(ms)
			appendSync(t, s, sh, []record.Record{{Timestamp: ms, Data: []byte{byte(seg)}}})
		}
	}
	if n := len(segmentFiles(t, sh.dir, segmentSuffix)); n != 4 {
		t.Fatalf("%d segments, want 4", n)
	}
	if err := sh.Trim(15_000); err != nil {
		t.Fatalf("Trim: %v", err)
	}
	segs := segmentFiles(t, sh.dir, segmentSuffix)
	if len(segs) != 2 || filepath.Base(segs[0]) != segmentFileName(5) {
		t.Fatalf("segments after Trim(15s): %v, want the two from index 5", segs)
	}
	if n := len(segmentFiles(t, sh.dir, indexSuffix)); n != 1 {
		t.Fatalf("%d index files after Trim, want 1", n)
	}
	if o, n := sh.Bounds(); o != 5 || n != 9 {
		t.Fatalf("Bounds after Trim = (%d, %d), want (5, 9)", o, n)
	}
	got := readAll(t, sh, 1)
	if len(got) != 4 || got[0].Index != 5 {
		t.Fatalf("Read(1) after Trim returned %d records from %d, want 4 from 5", len(got), got[0].Index)
	}
	if idx, _ := sh.SeekTime(0); idx != 5 {
		t.Fatalf("SeekTime(0) after Trim = %d, want 5", idx)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openStore(t, dir, opts)
	sh = openDiskShard(t, s2, "trim", 0)
	if o, n := sh.Bounds(); o != 5 || n != 9 {
		t.Fatalf("Bounds after restart = (%d, %d), want (5, 9)", o, n)
	}
	// The idle active segment is old too: Trim seals and deletes it.
	clock.ms.Store(100_000)
	if err := sh.Trim(50_000); err != nil {
		t.Fatalf("Trim: %v", err)
	}
	if o, n := sh.Bounds(); o != 9 || n != 9 {
		t.Fatalf("Bounds after trimming everything = (%d, %d), want (9, 9)", o, n)
	}
	if ts := sh.LastTimestamp(); ts != 31_000 {
		t.Fatalf("LastTimestamp after trimming everything = %d, want 31000", ts)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	s3 := openStore(t, dir, opts)
	sh = openDiskShard(t, s3, "trim", 0)
	if o, n := sh.Bounds(); o != 9 || n != 9 || sh.LastTimestamp() != 31_000 {
		t.Fatalf("after restart Bounds = (%d, %d), LastTimestamp %d; want (9, 9), 31000", o, n, sh.LastTimestamp())
	}
}

func TestDiskClose(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	sh := openDiskShard(t, s, "close", 0)
	_, token, err := sh.Append(makeRecords(2, 1, "c"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := s.Sync(context.Background(), token); err != nil {
		t.Fatalf("Sync of a token Close covered: %v", err)
	}
	if _, _, err := sh.Append(makeRecords(1, 1, "late")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Shard("close", 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("OpenShard after Close = %v, want ErrClosed", err)
	}
	if _, err := sh.Read(1, 10, 100, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close = %v, want ErrClosed", err)
	}
	if err := sh.Close(); err != nil {
		t.Fatalf("shard Close after store Close: %v", err)
	}
}

func TestDiskOpenShardTwiceSharesLog(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	a, b := openDiskShard(t, s, "twice", 0), openDiskShard(t, s, "twice", 0)
	if a != b {
		t.Fatal("a second OpenShard of an open shard returned another log")
	}
	appendSync(t, s, a, makeRecords(1, 1, "t"))
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, b, 1); len(got) != 1 {
		t.Fatalf("log closed under its second opener: %d records", len(got))
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Read(1, 1, 1, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after the last Close = %v", err)
	}
}

func TestDiskDeleteStreamIsDurableAndCleansLeftovers(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	sh := openDiskShard(t, s, "gone", 0)
	appendSync(t, s, sh, makeRecords(1, 1, "g"))
	// DeleteStream closes shards the engine forgot to close.
	if err := s.DeleteStream("gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "gone")); !os.IsNotExist(err) {
		t.Fatalf("stream directory still there: %v", err)
	}
	if _, _, err := sh.Append(makeRecords(1, 1, "g")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append on a deleted stream's shard = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// A deletion interrupted after its rename is finished by Open.
	leftover := filepath.Join(dir, "old"+deletedSuffix, shardDirName(0))
	if err := os.MkdirAll(leftover, 0o755); err != nil {
		t.Fatal(err)
	}
	openStore(t, dir, Options{})
	if _, err := os.Stat(filepath.Dir(leftover)); !os.IsNotExist(err) {
		t.Fatalf("leftover of an interrupted deletion survived Open: %v", err)
	}
}
