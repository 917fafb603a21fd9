package logstore

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/record"
)

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// BenchmarkManyShards opens 4,000 shards (1,000 streams × 4), appends one
// record to each and syncs; it reports the descriptors and heap the store
// holds afterwards (per run, not per op).
func BenchmarkManyShards(b *testing.B) {
	const streams, perStream = 1000, 4
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		before, heapBefore := openFDs(b), heapInUse()
		b.StartTimer()
		s, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		var token uint64
		for st := range streams {
			for shard := range uint32(perStream) {
				sh, err := s.Shard(fmt.Sprintf("s%d", st), shard)
				if err != nil {
					b.Fatal(err)
				}
				if _, token, err = sh.Append(benchRecords(1, 100)); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := s.Sync(context.Background(), token); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		b.ReportMetric(float64(openFDs(b)-before), "fds")
		b.ReportMetric(float64(heapInUse()-heapBefore)/(1<<20), "heap-MiB")
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkOpen times a restart over a store of 1M records of 100 bytes in
// 4 shards: Open, then OpenShard of every shard and one Read from each, as
// the server does before it serves. With 16 MiB segments most data is in
// sealed segments (read from their .idx); with the default 64 MiB all of it
// is in the active segments, which are scanned: the worst case.
func BenchmarkOpen(b *testing.B) {
	for _, segMiB := range []int64{16, 64} {
		b.Run(fmt.Sprintf("segment=%dMiB", segMiB), func(b *testing.B) {
			benchmarkOpen(b, Options{SegmentBytes: segMiB << 20})
		})
	}
}

func benchmarkOpen(b *testing.B, opts Options) {
	const shards, records, batch = 4, 1_000_000, 500
	dir := b.TempDir()
	s, err := Open(dir, opts)
	if err != nil {
		b.Fatal(err)
	}
	recs := benchRecords(batch, 100)
	var token uint64
	for i := range records / batch {
		sh, err := s.Shard("open", uint32(i%shards))
		if err != nil {
			b.Fatal(err)
		}
		if _, token, err = sh.Append(recs); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Sync(context.Background(), token); err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		s, err := Open(dir, opts)
		if err != nil {
			b.Fatal(err)
		}
		var dst []record.Record
		for i := range uint32(shards) {
			sh, err := s.Shard("open", i)
			if err != nil {
				b.Fatal(err)
			}
			if dst, err = sh.Read(1, 1, 1<<20, dst[:0]); err != nil || len(dst) != 1 {
				b.Fatalf("Read after Open: %d records, %v", len(dst), err)
			}
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/open")
		b.StopTimer()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
