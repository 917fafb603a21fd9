package logstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/runnel-io/runnel/internal/fsutil"
	"github.com/runnel-io/runnel/internal/record"
)

// openFDs counts this process's open file descriptors.
func openFDs(t testing.TB) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count descriptors: %v", err)
	}
	return len(entries)
}

// segmentFDs counts this process's descriptors open on .seg files under dir.
func segmentFDs(t testing.TB, dir string) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count descriptors: %v", err)
	}
	n := 0
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err == nil && filepath.Ext(target) == segmentSuffix && len(target) > len(dir) && target[:len(dir)] == dir {
			n++
		}
	}
	return n
}

func TestDiskFileCacheBoundsOpenFilesAcrossShards(t *testing.T) {
	const shards, maxOpen = 60, 8
	dir := t.TempDir()
	opts := Options{MaxOpenFiles: maxOpen, SegmentBytes: 1024, IndexInterval: 128}
	s := openStore(t, dir, opts)
	logs := make([]*Shard, shards)
	want := make([][]record.Record, shards)
	for i := range logs {
		logs[i] = openDiskShard(t, s, "many", uint32(i))
	}
	// Three passes over every shard: each append (and each roll) reopens
	// a file the previous passes evicted, and must land at the right offset.
	for pass := range 3 {
		var token uint64
		for i, sh := range logs {
			recs := makeRecords(5, int64(pass*10), fmt.Sprintf("p%d-s%d", pass, i))
			_, tok, err := sh.Append(recs)
			if err != nil {
				t.Fatalf("pass %d shard %d: Append: %v", pass, i, err)
			}
			want[i] = append(want[i], recs...)
			token = tok
		}
		if err := s.Sync(context.Background(), token); err != nil {
			t.Fatalf("pass %d: Sync: %v", pass, err)
		}
		if n := s.OpenFiles(); n > maxOpen {
			t.Fatalf("pass %d: cache holds %d files after the round, cap %d", pass, n, maxOpen)
		}
		if n := segmentFDs(t, dir); n > maxOpen {
			t.Fatalf("pass %d: %d segment descriptors open after the round, cap %d", pass, n, maxOpen)
		}
	}
	// Reads across sealed and active segments of every shard, twice (the
	// second pass reopens what the first evicted).
	for range 2 {
		for i, sh := range logs {
			sameRecords(t, readAll(t, sh, 1), want[i])
		}
	}
	if n := segmentFDs(t, dir); n > maxOpen {
		t.Fatalf("%d segment descriptors open after reads, cap %d", n, maxOpen)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := segmentFDs(t, dir); n != 0 {
		t.Fatalf("%d segment descriptors open after Close", n)
	}

	// Restart: everything written across the evictions is there.
	s2 := openStore(t, dir, opts)
	for i := range logs {
		sh := openDiskShard(t, s2, "many", uint32(i))
		sameRecords(t, readAll(t, sh, 1), want[i])
		appendSync(t, s2, sh, makeRecords(1, 100, "after"))
		if got := readAll(t, sh, 16); len(got) != 1 || got[0].Index != 16 {
			t.Fatalf("shard %d: append after restart read back as %v", i, got)
		}
	}
}

// TestDiskGroupCommitSyncsTheWrittenDescriptor holds the syncer while more
// shards are written than the cache may keep open: the written files stay
// open (pinned) past the cap, and the round fdatasyncs each through the
// very descriptor the write used. Afterwards the cache is back within its
// cap.
func TestDiskGroupCommitSyncsTheWrittenDescriptor(t *testing.T) {
	const shards, maxOpen = 20, 3
	var mu sync.Mutex
	wrote := make(map[string]fsutil.File)  // path -> descriptor last written
	synced := make(map[string]fsutil.File) // path -> descriptor synced by a round
	inRound := false
	release := make(chan struct{})
	opts := Options{MaxOpenFiles: maxOpen, hooks: &hooks{
		beforeRound: func() {
			<-release
			mu.Lock()
			inRound = true
			mu.Unlock()
		},
		writeAt: func(f fsutil.File, b []byte, off int64) (int, error) {
			mu.Lock()
			wrote[f.Name()] = f
			mu.Unlock()
			return f.WriteAt(b, off)
		},
		syncFile: func(f fsutil.File) error {
			mu.Lock()
			if inRound {
				synced[f.Name()] = f
			}
			mu.Unlock()
			return f.Sync()
		},
	}}
	s := openStore(t, t.TempDir(), opts)
	released := false
	t.Cleanup(func() { // before openStore's Close, which needs the syncer
		if !released {
			close(release)
		}
	})
	logs := make([]*Shard, shards)
	var token uint64
	for i := range logs {
		logs[i] = openDiskShard(t, s, "pin", uint32(i))
		_, tok, err := logs[i].Append(makeRecords(3, 1, fmt.Sprint(i)))
		if err != nil {
			t.Fatal(err)
		}
		token = tok
		// Touch every earlier shard's log too: reads reopen and evict.
		if _, err := logs[0].Read(1, 10, 1<<20, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.OpenFiles(); n < shards {
		t.Fatalf("cache holds %d files with %d shards awaiting their round: written files were evicted", n, shards)
	}
	for _, sh := range logs {
		if got := readAll(t, sh, 1); len(got) != 0 {
			t.Fatalf("records visible before their round: %v", got)
		}
	}
	close(release)
	released = true
	if err := s.Sync(context.Background(), token); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	for path, f := range wrote {
		if synced[path] != f {
			t.Errorf("%s: written through %p, synced through %p", path, f, synced[path])
		}
	}
	mu.Unlock()
	for i, sh := range logs {
		if got := readAll(t, sh, 1); len(got) != 3 {
			t.Fatalf("shard %d: %d records visible after the round, want 3", i, len(got))
		}
	}
	if n := s.OpenFiles(); n > maxOpen {
		t.Fatalf("cache holds %d files after the round, cap %d", n, maxOpen)
	}
}

// TestDiskEvictionDuringRoundStillSyncs evicts a shard's file between its
// append and its round (by reading many other shards while the syncer is
// held) and checks the round still syncs and publishes them.
func TestDiskEvictionDuringRoundStillSyncs(t *testing.T) {
	const shards = 10
	s, release, _ := gatedStore(t, Options{MaxOpenFiles: 2})
	logs := make([]*Shard, shards)
	for i := range logs {
		logs[i] = openDiskShard(t, s, "evict", uint32(i))
	}
	_, token, err := logs[0].Append(makeRecords(4, 1, "held"))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		for _, sh := range logs[1:] {
			if _, err := sh.Read(1, 1, 1, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(release)
	if err := s.Sync(context.Background(), token); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, logs[0], 1); len(got) != 4 {
		t.Fatalf("%d records visible, want 4", len(got))
	}
}

func TestDiskOpenRecoversShardsInBackground(t *testing.T) {
	dir := t.TempDir()
	opts := Options{MaxOpenFiles: 4, SegmentBytes: 512, IndexInterval: 64}
	s := openStore(t, dir, opts)
	want := make(map[string][]record.Record)
	for _, stream := range []string{"a", "b", "c"} {
		for shard := range uint32(6) {
			sh := openDiskShard(t, s, stream, shard)
			recs := makeRecords(20, 1, stream+fmt.Sprint(shard))
			appendSync(t, s, sh, recs)
			want[fmt.Sprintf("%s/%d", stream, shard)] = recs
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopen and open every shard concurrently while the workers recover
	// them; delete one stream before anyone opened it.
	s2 := openStore(t, dir, opts)
	if err := s2.DeleteStream("c"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, stream := range []string{"a", "b"} {
		for shard := range uint32(6) {
			wg.Go(func() {
				sh, err := s2.Shard(stream, shard)
				if err != nil {
					t.Errorf("Shard(%s, %d): %v", stream, shard, err)
					return
				}
				got, err := sh.Read(1, 1<<20, 1<<30, nil)
				if err != nil {
					t.Errorf("Read: %v", err)
					return
				}
				w := want[fmt.Sprintf("%s/%d", stream, shard)]
				if len(got) != len(w) || string(got[len(got)-1].Data) != string(w[len(w)-1].Data) {
					t.Errorf("%s/%d: read %d records, want %d", stream, shard, len(got), len(w))
				}
			})
		}
	}
	wg.Wait()
	sh := openDiskShard(t, s2, "c", 0)
	if got := readAll(t, sh, 1); len(got) != 0 {
		t.Fatalf("deleted stream's shard has %d records", len(got))
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}

	// Close right after Open, with recovery still running or not started.
	s3, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s3.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s3.Shard("a", 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Shard after Close = %v, want ErrClosed", err)
	}
}

// TestDiskManyShardsFootprint opens 4,000 shards (1,000 streams × 4, the
// manyshards benchmark's shape), appends a record to each and reports the
// open descriptors and heap; the descriptor count must stay within the
// cache's cap. The heap figure is reported, not asserted.
func TestDiskManyShardsFootprint(t *testing.T) {
	if testing.Short() {
		t.Skip("4,000 shards")
	}
	const streams, perStream = 1000, 4
	dir := t.TempDir()
	before := openFDs(t)
	s := openStore(t, dir, Options{})
	var token uint64
	for st := range streams {
		for shard := range uint32(perStream) {
			sh, err := s.Shard(fmt.Sprintf("s%d", st), shard)
			if err != nil {
				t.Fatal(err)
			}
			_, tok, err := sh.Append(makeRecords(1, 1, "x"))
			if err != nil {
				t.Fatal(err)
			}
			token = tok
		}
	}
	if err := s.Sync(context.Background(), token); err != nil {
		t.Fatal(err)
	}
	fds := openFDs(t) - before
	heap := heapInUse()
	t.Logf("4000 shards: %d descriptors opened (cap %d), heap in use %.1f MiB", fds, defaultMaxOpenFiles, float64(heap)/(1<<20))
	if segs := segmentFDs(t, dir); segs > defaultMaxOpenFiles {
		t.Fatalf("%d segment descriptors open for 4000 idle shards, cap %d", segs, defaultMaxOpenFiles)
	}
}
