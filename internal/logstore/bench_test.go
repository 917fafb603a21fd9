package logstore

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/record"
)

func benchRecords(n, size int) []record.Record {
	recs := make([]record.Record, n)
	data := make([]byte, size)
	for i := range recs {
		recs[i] = record.Record{Timestamp: time.Now().UnixMilli(), PartitionKey: "partition-key", Data: data}
	}
	return recs
}

// benchShard opens a store in a temporary directory, closed when b ends,
// and its shard 0 of stream "bench".
func benchShard(b *testing.B, opts Options) (*Store, *Shard) {
	b.Helper()
	s, err := Open(b.TempDir(), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	sh, err := s.Shard("bench", 0)
	if err != nil {
		b.Fatal(err)
	}
	return s, sh
}

// BenchmarkAppend measures Append alone (the syncer runs in the background):
// batches of 500 records of 100 data bytes.
func BenchmarkAppend(b *testing.B) {
	_, sh := benchShard(b, Options{})
	recs := benchRecords(500, 100)
	b.SetBytes(500 * 100)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := sh.Append(recs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendSync runs parallel appenders over 4 shards, each waiting
// for its Sync: group commit shows as appends per fdatasync round > 1.
func BenchmarkAppendSync(b *testing.B) {
	for _, batch := range []int{1, 100} {
		b.Run("batch="+strconv.Itoa(batch), func(b *testing.B) {
			var rounds atomic.Int64
			s, err := Open(b.TempDir(), Options{hooks: &hooks{beforeRound: func() { rounds.Add(1) }}})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			shards := make([]*Shard, 4)
			for i := range shards {
				if shards[i], err = s.Shard("bench", uint32(i)); err != nil {
					b.Fatal(err)
				}
			}
			var next atomic.Uint32
			b.SetBytes(int64(batch) * 100)
			b.ReportAllocs()
			b.SetParallelism(16)
			b.ResetTimer()
			rounds.Store(0)
			b.RunParallel(func(pb *testing.PB) {
				sh := shards[next.Add(1)%4]
				recs := benchRecords(batch, 100)
				for pb.Next() {
					_, token, err := sh.Append(recs)
					if err == nil {
						err = s.Sync(context.Background(), token)
					}
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			if r := rounds.Load(); r > 0 {
				b.ReportMetric(float64(b.N)/float64(r), "appends/round")
			}
		})
	}
}

// BenchmarkRead reads 500-record pages from a 100,000-record shard spread
// over sealed segments and the active one.
func BenchmarkRead(b *testing.B) {
	s, sh := benchShard(b, Options{SegmentBytes: 4 << 20})
	recs := benchRecords(500, 100)
	var (
		token uint64
		err   error
	)
	for range 200 {
		if _, token, err = sh.Append(recs); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Sync(context.Background(), token); err != nil {
		b.Fatal(err)
	}
	_, next := sh.Bounds()
	b.SetBytes(500 * 100)
	b.ReportAllocs()
	dst := make([]record.Record, 0, 500)
	from := uint64(1)
	for b.Loop() {
		got, err := sh.Read(from, 500, 1<<20, dst[:0])
		if err != nil || len(got) != 500 {
			b.Fatalf("Read(%d) = %d records, %v", from, len(got), err)
		}
		if from += 500; from >= next {
			from = 1
		}
	}
}

// BenchmarkSeekTimeBeforeOldest is what every GetRecords pays to find the
// retention start of a shard whose records are all younger than the
// retention period: the cutoff is before the first record.
func BenchmarkSeekTimeBeforeOldest(b *testing.B) {
	s, sh := benchShard(b, Options{})
	recs := benchRecords(500, 100)
	for range 20 {
		_, token, err := sh.Append(recs)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Sync(context.Background(), token); err != nil {
			b.Fatal(err)
		}
	}
	cutoff := time.Now().Add(-24 * time.Hour).UnixMilli()
	b.ReportAllocs()
	for b.Loop() {
		if idx, err := sh.SeekTime(cutoff); err != nil || idx != 1 {
			b.Fatalf("SeekTime = %d, %v; want 1", idx, err)
		}
	}
}
