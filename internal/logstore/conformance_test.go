package logstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/record"
)

// The conformance suite runs every behaviour of the engine's LogStore
// contract against each implementation. testStore/testShard mirror
// engine.LogStore/ShardLog (this internal test may not import engine; the
// external engine_check_test.go asserts the real interfaces).
type testStore interface {
	OpenShard(stream string, shard uint32) (record.ShardLog, error)
	DeleteStream(stream string) error
	Sync(ctx context.Context, token uint64) error
	Close() error
}

type testShard = record.ShardLog

type implementation struct {
	name    string
	durable bool
	open    func(t *testing.T) testStore
}

func implementations() []implementation {
	disk := func(opts Options) func(t *testing.T) testStore {
		return func(t *testing.T) testStore {
			o := opts
			o.Logger = testLogger(t, nil)
			s, err := Open(t.TempDir(), o)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		}
	}
	return []implementation{
		{name: "memory", open: func(*testing.T) testStore { return NewMemory() }},
		// A clock at the epoch: records never age, one segment holds all.
		{name: "disk", durable: true, open: disk(Options{Now: func() time.Time { return time.UnixMilli(0) }})},
		// Tiny segments and index intervals, and a real clock so every
		// append also rolls by age: most reads cross sealed segments and
		// start from sparse index entries.
		{name: "disk-small-segments", durable: true, open: disk(Options{SegmentBytes: 2048, IndexInterval: 100})},
		// One open file for the whole store: every shard and segment
		// switch evicts, so reads and appends reopen files all the time.
		{name: "disk-one-open-file", durable: true, open: disk(Options{SegmentBytes: 2048, IndexInterval: 100, MaxOpenFiles: 1})},
	}
}

func TestConformance(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, st testStore)
	}{
		{"IndexesFromOneInOrder", testIndexesFromOne},
		{"TimestampClamping", testTimestampClamping},
		{"ReadLimits", testReadLimits},
		{"Bounds", testBounds},
		{"LastTimestamp", testLastTimestamp},
		{"SeekTime", testSeekTime},
		{"ManyRecordsAcrossSegments", testManyRecords},
		{"ConcurrentAppenders", testConcurrentAppenders},
		{"DeleteStream", testDeleteStream},
		{"ReopenShardKeepsRecords", testReopenShard},
		{"RejectsBadInput", testRejectsBadInput},
		{"EmptyAppend", testEmptyAppend},
	}
	for _, impl := range implementations() {
		t.Run(impl.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.run(t, impl.open(t))
				})
			}
		})
	}
}

func openShard(t *testing.T, st testStore, stream string, shard uint32) testShard {
	t.Helper()
	sh, err := st.OpenShard(stream, shard)
	if err != nil {
		t.Fatalf("OpenShard(%s, %d): %v", stream, shard, err)
	}
	return sh
}

// appendSync appends recs and waits for them to be durable and visible.
func appendSync(t *testing.T, st testStore, sh testShard, recs []record.Record) uint64 {
	t.Helper()
	first, token, err := sh.Append(recs)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if err := st.Sync(context.Background(), token); err != nil {
		t.Fatalf("Sync(%d): %v", token, err)
	}
	return first
}

// makeRecords returns n records whose data names their position, with
// timestamps ts0, ts0+1, ...
func makeRecords(n int, ts0 int64, tag string) []record.Record {
	recs := make([]record.Record, n)
	for i := range recs {
		recs[i] = record.Record{
			Timestamp:    ts0 + int64(i),
			PartitionKey: fmt.Sprintf("pk-%s-%d", tag, i%7),
			Data:         []byte(fmt.Sprintf("%s-record-%d", tag, i)),
		}
	}
	return recs
}

func readAll(t *testing.T, sh testShard, from uint64) []record.Record {
	t.Helper()
	recs, err := sh.Read(from, 1<<30, 1<<30, nil)
	if err != nil {
		t.Fatalf("Read(%d): %v", from, err)
	}
	return recs
}

func sameRecords(t *testing.T, got, want []record.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Index != w.Index || g.Timestamp != w.Timestamp || g.PartitionKey != w.PartitionKey || !bytes.Equal(g.Data, w.Data) {
			t.Fatalf("record %d = {%d %d %q %q}, want {%d %d %q %q}", i,
				g.Index, g.Timestamp, g.PartitionKey, g.Data, w.Index, w.Timestamp, w.PartitionKey, w.Data)
		}
	}
}

func cloneRecords(recs []record.Record) []record.Record {
	out := make([]record.Record, len(recs))
	for i, r := range recs {
		out[i] = r
		out[i].Data = bytes.Clone(r.Data)
	}
	return out
}

func testIndexesFromOne(t *testing.T, st testStore) {
	sh := openShard(t, st, "s1", 0)
	var want []record.Record
	for batch, n := range []int{1, 3, 5} {
		recs := makeRecords(n, 1000, fmt.Sprint(batch))
		first := appendSync(t, st, sh, recs)
		if wantFirst := uint64(len(want) + 1); first != wantFirst {
			t.Fatalf("batch %d first = %d, want %d", batch, first, wantFirst)
		}
		for i := range recs {
			if recs[i].Index != first+uint64(i) {
				t.Fatalf("recs[%d].Index = %d, want %d", i, recs[i].Index, first+uint64(i))
			}
		}
		want = append(want, cloneRecords(recs)...)
	}
	sameRecords(t, readAll(t, sh, 1), want)
	sameRecords(t, readAll(t, sh, 4), want[3:])
}

func testTimestampClamping(t *testing.T, st testStore) {
	sh := openShard(t, st, "s1", 1)
	recs := []record.Record{{Timestamp: 100}, {Timestamp: 50}, {Timestamp: 200}, {Timestamp: 150}}
	appendSync(t, st, sh, recs)
	later := []record.Record{{Timestamp: 10}, {Timestamp: 300}}
	appendSync(t, st, sh, later)
	want := []int64{100, 100, 200, 200, 200, 300}
	got := readAll(t, sh, 1)
	for i, r := range got {
		if r.Timestamp != want[i] {
			t.Fatalf("record %d timestamp = %d, want %d", i+1, r.Timestamp, want[i])
		}
	}
	if recs[1].Timestamp != 100 || later[0].Timestamp != 200 {
		t.Fatalf("clamped timestamps not written back: %d, %d", recs[1].Timestamp, later[0].Timestamp)
	}
}

func testReadLimits(t *testing.T, st testStore) {
	sh := openShard(t, st, "s1", 2)
	recs := make([]record.Record, 10)
	for i := range recs {
		recs[i] = record.Record{Timestamp: 1, PartitionKey: "k", Data: bytes.Repeat([]byte{byte('a' + i)}, 9)} // Size 10
	}
	appendSync(t, st, sh, recs)
	prefix := []record.Record{{PartitionKey: "keep"}}
	tests := []struct {
		name                 string
		from                 uint64
		maxRecords, maxBytes int
		wantFirst, wantCount int
	}{
		{"all", 1, 100, 1000, 1, 10},
		{"maxRecords", 1, 3, 1000, 1, 3},
		{"maxBytes exact", 1, 100, 30, 1, 3},
		{"maxBytes partial", 1, 100, 25, 1, 2},
		{"at least one", 4, 100, 5, 4, 1},
		{"zero records means one", 4, 0, 1000, 4, 1},
		{"from middle", 6, 100, 1000, 6, 5},
		{"from zero is oldest", 0, 2, 1000, 1, 2},
		{"from last", 10, 100, 1000, 10, 1},
		{"from next", 11, 100, 1000, 0, 0},
		{"from far future", 1 << 40, 100, 1000, 0, 0},
	}
	for _, tc := range tests {
		got, err := sh.Read(tc.from, tc.maxRecords, tc.maxBytes, append([]record.Record(nil), prefix...))
		if err != nil {
			t.Fatalf("%s: Read: %v", tc.name, err)
		}
		if got[0].PartitionKey != "keep" {
			t.Fatalf("%s: Read did not append to dst", tc.name)
		}
		got = got[1:]
		if len(got) != tc.wantCount {
			t.Fatalf("%s: got %d records, want %d", tc.name, len(got), tc.wantCount)
		}
		for i, r := range got {
			if want := uint64(tc.wantFirst + i); r.Index != want {
				t.Fatalf("%s: record %d has index %d, want %d", tc.name, i, r.Index, want)
			}
			if r.Data[0] != byte('a'+int(r.Index)-1) {
				t.Fatalf("%s: record %d has data %q", tc.name, r.Index, r.Data)
			}
		}
	}
}

func testBounds(t *testing.T, st testStore) {
	sh := openShard(t, st, "s1", 3)
	if o, n := sh.Bounds(); o != 1 || n != 1 {
		t.Fatalf("empty Bounds = (%d, %d), want (1, 1)", o, n)
	}
	appendSync(t, st, sh, makeRecords(5, 1, "b"))
	if o, n := sh.Bounds(); o != 1 || n != 6 {
		t.Fatalf("Bounds = (%d, %d), want (1, 6)", o, n)
	}
}

func testLastTimestamp(t *testing.T, st testStore) {
	sh := openShard(t, st, "s1", 4)
	if ts := sh.LastTimestamp(); ts != 0 {
		t.Fatalf("empty LastTimestamp = %d", ts)
	}
	appendSync(t, st, sh, []record.Record{{Timestamp: 70}, {Timestamp: 90}, {Timestamp: 80}})
	if ts := sh.LastTimestamp(); ts != 90 {
		t.Fatalf("LastTimestamp = %d, want 90", ts)
	}
}

func testSeekTime(t *testing.T, st testStore) {
	sh := openShard(t, st, "s1", 5)
	if idx, err := sh.SeekTime(5); err != nil || idx != 1 {
		t.Fatalf("SeekTime on empty = %d, %v; want 1", idx, err)
	}
	appendSync(t, st, sh, []record.Record{{Timestamp: 10}, {Timestamp: 20}, {Timestamp: 20}, {Timestamp: 30}})
	for _, tc := range []struct {
		ms   int64
		want uint64
	}{{5, 1}, {10, 1}, {11, 2}, {20, 2}, {25, 4}, {30, 4}, {31, 5}} {
		got, err := sh.SeekTime(tc.ms)
		if err != nil || got != tc.want {
			t.Fatalf("SeekTime(%d) = %d, %v; want %d", tc.ms, got, err, tc.want)
		}
	}
}

// testManyRecords appends varied sizes and reads them back with varied
// limits: on the small-segment disk store this crosses many sealed
// segments and index entries.
func testManyRecords(t *testing.T, st testStore) {
	sh := openShard(t, st, "s1", 6)
	var want []record.Record
	for b := range 40 {
		recs := make([]record.Record, 1+b%9)
		for i := range recs {
			recs[i] = record.Record{
				Timestamp:    int64(len(want) + i),
				PartitionKey: strings.Repeat("k", 1+(b*i)%40),
				Data:         bytes.Repeat([]byte{byte(b)}, (b*31+i*17)%300),
			}
		}
		appendSync(t, st, sh, recs)
		want = append(want, cloneRecords(recs)...)
	}
	for from := uint64(1); from <= uint64(len(want)); from += 7 {
		for _, maxRecords := range []int{1, 5, 1000} {
			got, err := sh.Read(from, maxRecords, 1<<20, nil)
			if err != nil {
				t.Fatalf("Read(%d, %d): %v", from, maxRecords, err)
			}
			n := min(maxRecords, len(want)-int(from)+1)
			sameRecords(t, got, want[from-1:int(from)-1+n])
		}
		ts := want[from-1].Timestamp
		if idx, err := sh.SeekTime(ts); err != nil || idx != from {
			t.Fatalf("SeekTime(%d) = %d, %v; want %d", ts, idx, err, from)
		}
	}
	// Reading everything in pages yields every record once.
	var got []record.Record
	for next := uint64(1); ; {
		page, err := sh.Read(next, 13, 700, nil)
		if err != nil {
			t.Fatalf("Read(%d): %v", next, err)
		}
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		next = page[len(page)-1].Index + 1
	}
	sameRecords(t, got, want)
}

func testConcurrentAppenders(t *testing.T, st testStore) {
	const shards, writersPerShard, batches, perBatch = 4, 3, 30, 7
	logs := make([]testShard, shards)
	for i := range logs {
		logs[i] = openShard(t, st, "conc", uint32(i))
	}
	var wg sync.WaitGroup
	errs := make(chan error, shards*writersPerShard)
	for s := range shards {
		for w := range writersPerShard {
			wg.Go(func() {
				for b := range batches {
					recs := make([]record.Record, perBatch)
					for i := range recs {
						data := binary.BigEndian.AppendUint32(nil, uint32(w))
						data = binary.BigEndian.AppendUint32(data, uint32(b*perBatch+i))
						recs[i] = record.Record{Timestamp: int64(b), PartitionKey: "p", Data: data}
					}
					_, token, err := logs[s].Append(recs)
					if err == nil {
						err = st.Sync(context.Background(), token)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
	}
	// Readers race with the appenders; they only ever see a consecutive
	// prefix.
	for s := range shards {
		wg.Go(func() {
			for range 50 {
				recs, err := logs[s].Read(1, 1<<20, 1<<30, nil)
				if err != nil {
					errs <- err
					return
				}
				for i, r := range recs {
					if r.Index != uint64(i+1) {
						errs <- fmt.Errorf("shard %d: record %d has index %d", s, i, r.Index)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for s, sh := range logs {
		recs := readAll(t, sh, 1)
		if len(recs) != writersPerShard*batches*perBatch {
			t.Fatalf("shard %d holds %d records, want %d", s, len(recs), writersPerShard*batches*perBatch)
		}
		nextSeq := make([]uint32, writersPerShard)
		for i, r := range recs {
			if r.Index != uint64(i+1) {
				t.Fatalf("shard %d: record %d has index %d", s, i, r.Index)
			}
			w, seq := binary.BigEndian.Uint32(r.Data), binary.BigEndian.Uint32(r.Data[4:])
			if seq != nextSeq[w] {
				t.Fatalf("shard %d: writer %d record %d out of order (want %d)", s, w, seq, nextSeq[w])
			}
			nextSeq[w]++
		}
	}
}

func testDeleteStream(t *testing.T, st testStore) {
	a0, a1, b0 := openShard(t, st, "aaa", 0), openShard(t, st, "aaa", 1), openShard(t, st, "bbb", 0)
	for _, sh := range []testShard{a0, a1, b0} {
		appendSync(t, st, sh, makeRecords(3, 1, "d"))
	}
	for _, sh := range []testShard{a0, a1} {
		if err := sh.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	if err := st.DeleteStream("aaa"); err != nil {
		t.Fatalf("DeleteStream: %v", err)
	}
	if err := st.DeleteStream("neverexisted"); err != nil {
		t.Fatalf("DeleteStream of an unknown stream: %v", err)
	}
	again := openShard(t, st, "aaa", 0)
	if o, n := again.Bounds(); o != 1 || n != 1 {
		t.Fatalf("recreated shard Bounds = (%d, %d), want (1, 1)", o, n)
	}
	if got := readAll(t, again, 1); len(got) != 0 {
		t.Fatalf("recreated shard holds %d records", len(got))
	}
	if got := readAll(t, b0, 1); len(got) != 3 {
		t.Fatalf("other stream holds %d records, want 3", len(got))
	}
}

func testReopenShard(t *testing.T, st testStore) {
	sh := openShard(t, st, "re", 0)
	recs := makeRecords(4, 1, "r")
	appendSync(t, st, sh, recs)
	if err := sh.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	sh = openShard(t, st, "re", 0)
	sameRecords(t, readAll(t, sh, 1), recs)
	if first := appendSync(t, st, sh, makeRecords(1, 1, "x")); first != 5 {
		t.Fatalf("first index after reopen = %d, want 5", first)
	}
}

func testRejectsBadInput(t *testing.T, st testStore) {
	for _, stream := range []string{"", "Upper", "with-dash", "../etc", "a/b", "sp ace"} {
		if _, err := st.OpenShard(stream, 0); !errors.Is(err, ErrInvalidStream) {
			t.Fatalf("OpenShard(%q) error = %v, want ErrInvalidStream", stream, err)
		}
		if err := st.DeleteStream(stream); !errors.Is(err, ErrInvalidStream) {
			t.Fatalf("DeleteStream(%q) error = %v, want ErrInvalidStream", stream, err)
		}
	}
	sh := openShard(t, st, "bad", 0)
	for _, r := range []record.Record{
		{PartitionKey: strings.Repeat("k", MaxPartitionKeyBytes+1)},
		{PartitionKey: "k", Data: make([]byte, MaxDataBytes+1)},
	} {
		if _, _, err := sh.Append([]record.Record{{PartitionKey: "ok"}, r}); !errors.Is(err, ErrRecordTooLarge) {
			t.Fatalf("Append of an oversized record: %v, want ErrRecordTooLarge", err)
		}
	}
	if _, n := sh.Bounds(); n != 1 {
		t.Fatalf("a rejected batch moved next to %d", n)
	}
	big := record.Record{PartitionKey: strings.Repeat("k", MaxPartitionKeyBytes), Data: make([]byte, 1<<20)}
	appendSync(t, st, sh, []record.Record{big})
	got := readAll(t, sh, 1)
	if len(got) != 1 || len(got[0].Data) != 1<<20 || len(got[0].PartitionKey) != MaxPartitionKeyBytes {
		t.Fatalf("large record did not round-trip")
	}
}

func testEmptyAppend(t *testing.T, st testStore) {
	sh := openShard(t, st, "empty", 0)
	first, token, err := sh.Append(nil)
	if err != nil || first != 1 {
		t.Fatalf("Append(nil) = %d, %v; want 1, nil", first, err)
	}
	if err := st.Sync(context.Background(), token); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}
