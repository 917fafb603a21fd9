package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/engine"
	"github.com/runnel-io/runnel/internal/logstore"
	"github.com/runnel-io/runnel/internal/metastore"
	"github.com/runnel-io/runnel/internal/seqnum"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type rig struct {
	e       *engine.Engine
	clock   *fakeClock
	logs    *logstore.Memory
	catalog engine.CatalogStore
	key     []byte
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{
		clock:   &fakeClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)},
		logs:    logstore.NewMemory(),
		catalog: metastore.NewMemory(),
		key:     bytes.Repeat([]byte{7}, 32),
	}
	r.e = r.open(t)
	return r
}

func (r *rig) open(t *testing.T) *engine.Engine {
	t.Helper()
	e, err := engine.New(engine.Config{
		Region: "us-east-1", AccountID: "000000000000",
		CreateDelay: 500 * time.Millisecond, DeleteDelay: 500 * time.Millisecond,
		Key: r.key, Now: r.clock.Now,
	}, r.logs, r.catalog)
	if err != nil {
		t.Fatalf("engine.New: %v", err)
	}
	return e
}

var ctx = context.Background()

func wantErr(t *testing.T, err error, kind engine.Kind, msg string) {
	t.Helper()
	var ee *engine.Error
	if !errors.As(err, &ee) {
		t.Fatalf("error = %v, want engine error kind %d", err, kind)
	}
	if ee.Kind != kind || (msg != "" && ee.Message != msg) {
		t.Fatalf("error = (%d) %q, want (%d) %q", ee.Kind, ee.Message, kind, msg)
	}
}

func (r *rig) createActive(t *testing.T, name string, shards int) {
	t.Helper()
	if err := r.e.CreateStream(ctx, engine.CreateStreamInput{Name: name, ShardCount: &shards}); err != nil {
		t.Fatalf("CreateStream: %v", err)
	}
	r.clock.Advance(time.Second)
}

func TestStreamLifecycle(t *testing.T) {
	r := newRig(t)
	one := 1
	if err := r.e.CreateStream(ctx, engine.CreateStreamInput{Name: "Foo", ShardCount: &one}); err != nil {
		t.Fatal(err)
	}
	d, err := r.e.DescribeStream(ctx, engine.StreamRef{Name: "Foo"}, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != engine.StatusCreating || len(d.Shards) != 0 {
		t.Fatalf("new stream: status %s with %d shards, want CREATING with none", d.Status, len(d.Shards))
	}
	wantErr(t, r.e.CreateStream(ctx, engine.CreateStreamInput{Name: "Foo", ShardCount: &one}), engine.KindInUse, "Stream Foo under account 000000000000 already exists.")
	r.clock.Advance(500 * time.Millisecond)
	d, _ = r.e.DescribeStream(ctx, engine.StreamRef{Name: "Foo"}, 0, "")
	if d.Status != engine.StatusActive || len(d.Shards) != 1 {
		t.Fatalf("after delay: %s with %d shards", d.Status, len(d.Shards))
	}
	sh := d.Shards[0]
	if sh.ShardID != "shardId-000000000000" || sh.StartingHashKey != "0" || sh.EndingHashKey != "340282366920938463463374607431768211455" {
		t.Fatalf("shard = %+v", sh)
	}
	if d.ARN != "arn:aws:kinesis:us-east-1:000000000000:stream/Foo" {
		t.Fatalf("ARN = %s", d.ARN)
	}
	if err := r.e.DeleteStream(ctx, engine.StreamRef{ARN: d.ARN}); err != nil {
		t.Fatal(err)
	}
	d, _ = r.e.DescribeStream(ctx, engine.StreamRef{Name: "Foo"}, 0, "")
	if d.Status != engine.StatusDeleting {
		t.Fatalf("after delete: %s", d.Status)
	}
	r.clock.Advance(500 * time.Millisecond)
	_, err = r.e.DescribeStream(ctx, engine.StreamRef{Name: "Foo"}, 0, "")
	wantErr(t, err, engine.KindNotFound, "Stream Foo under account 000000000000 not found.")
	if err := r.e.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	out, _ := r.e.ListStreams(ctx, engine.ListStreamsInput{})
	if len(out.Streams) != 0 {
		t.Fatalf("streams after purge: %v", out.Streams)
	}
}

func TestPutGetAndIterators(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "s", 1)
	ref := engine.StreamRef{Name: "s"}
	var seqs []string
	for i := range 5 {
		res, err := r.e.PutRecord(ctx, ref, engine.PutEntry{PartitionKey: "k", Data: []byte{byte(i)}}, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.SequenceNumber) != 56 || res.ShardID != "shardId-000000000000" {
			t.Fatalf("put result %+v", res)
		}
		if len(seqs) > 0 && seqnum.Compare(seqs[len(seqs)-1], res.SequenceNumber) >= 0 {
			t.Fatalf("sequence numbers not increasing: %s then %s", seqs[len(seqs)-1], res.SequenceNumber)
		}
		seqs = append(seqs, res.SequenceNumber)
		r.clock.Advance(10 * time.Millisecond)
	}
	read := func(in engine.GetShardIteratorInput) []byte {
		t.Helper()
		in.Stream, in.ShardID = ref, "shardId-000000000000"
		it, err := r.e.GetShardIterator(ctx, in)
		if err != nil {
			t.Fatalf("GetShardIterator(%s): %v", in.Type, err)
		}
		out, err := r.e.GetRecords(ctx, it, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		for i, rec := range out.Records {
			got = append(got, rec.Data...)
			if out.SequenceNumbers[i] != seqs[rec.Data[0]] {
				t.Fatalf("record %d has sequence %s, put returned %s", rec.Data[0], out.SequenceNumbers[i], seqs[rec.Data[0]])
			}
		}
		return got
	}
	ts := r.clock.Now().Add(-30 * time.Millisecond)
	cases := []struct {
		in   engine.GetShardIteratorInput
		want []byte
	}{
		{engine.GetShardIteratorInput{Type: engine.TrimHorizon}, []byte{0, 1, 2, 3, 4}},
		{engine.GetShardIteratorInput{Type: engine.Latest}, nil},
		{engine.GetShardIteratorInput{Type: engine.AtSequenceNumber, StartingSequenceNumber: seqs[2]}, []byte{2, 3, 4}},
		{engine.GetShardIteratorInput{Type: engine.AfterSequenceNumber, StartingSequenceNumber: seqs[2]}, []byte{3, 4}},
		{engine.GetShardIteratorInput{Type: engine.AtTimestamp, Timestamp: &ts}, []byte{2, 3, 4}},
	}
	for _, c := range cases {
		if got := read(c.in); !bytes.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.in.Type, got, c.want)
		}
	}
}

func TestIteratorAuthenticationAndExpiry(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "s", 2)
	it, err := r.e.GetShardIterator(ctx, engine.GetShardIteratorInput{Stream: engine.StreamRef{Name: "s"}, ShardID: "shardId-000000000001", Type: engine.TrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	if len(it) > 512 {
		t.Fatalf("iterator has %d characters, AWS allows 512", len(it))
	}
	// Flip each character in turn: no edited iterator may be followed.
	for i := 0; i < len(it); i += 7 {
		c := byte('A')
		if it[i] == 'A' {
			c = 'B'
		}
		bad := it[:i] + string(c) + it[i+1:]
		_, err := r.e.GetRecords(ctx, bad, 0)
		if err == nil {
			t.Fatalf("iterator with character %d changed (%q → %q) was accepted", i, it[i], c)
		}
		wantErr(t, err, engine.KindInvalidArgument, "Invalid ShardIterator.")
	}
	// An iterator made under another key is refused.
	other := newRig(t)
	other.key = bytes.Repeat([]byte{8}, 32)
	other.e = other.open(t)
	other.createActive(t, "s", 2)
	_, err = other.e.GetRecords(ctx, it, 0)
	wantErr(t, err, engine.KindInvalidArgument, "Invalid ShardIterator.")

	r.clock.Advance(300 * time.Second)
	if _, err := r.e.GetRecords(ctx, it, 0); err != nil {
		t.Fatalf("iterator at exactly 300 s: %v", err)
	}
	r.clock.Advance(time.Millisecond)
	_, err = r.e.GetRecords(ctx, it, 0)
	wantErr(t, err, engine.KindExpiredIterator, "")
	if !strings.Contains(err.Error(), "tolerated delay of 300000 milliseconds") {
		t.Fatalf("expired message: %s", err)
	}
}

func TestSequenceNumberOfAnotherShardOrStream(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "a", 2)
	r.clock.Advance(2 * time.Second)
	r.createActive(t, "b", 2)
	res, err := r.e.PutRecord(ctx, engine.StreamRef{Name: "a"}, engine.PutEntry{PartitionKey: "x", ExplicitHashKey: "0", Data: []byte("d")}, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.e.GetShardIterator(ctx, engine.GetShardIteratorInput{Stream: engine.StreamRef{Name: "a"}, ShardID: "shardId-000000000001", Type: engine.AtSequenceNumber, StartingSequenceNumber: res.SequenceNumber})
	wantErr(t, err, engine.KindInvalidArgument, "Invalid StartingSequenceNumber. It encodes shardId-000000000000, while it was used in a call to a shard with shardId-000000000001")
	_, err = r.e.GetShardIterator(ctx, engine.GetShardIteratorInput{Stream: engine.StreamRef{Name: "b"}, ShardID: "shardId-000000000000", Type: engine.AtSequenceNumber, StartingSequenceNumber: res.SequenceNumber})
	wantErr(t, err, engine.KindInvalidArgument, fmt.Sprintf("StartingSequenceNumber %s used in GetShardIterator on shard shardId-000000000000 in stream b under account 000000000000 is invalid because it did not come from this stream.", res.SequenceNumber))
}

func TestRetentionHidesExpiredRecords(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "s", 1)
	ref := engine.StreamRef{Name: "s"}
	if _, err := r.e.PutRecord(ctx, ref, engine.PutEntry{PartitionKey: "k", Data: []byte("old")}, ""); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(23 * time.Hour)
	if _, err := r.e.PutRecord(ctx, ref, engine.PutEntry{PartitionKey: "k", Data: []byte("new")}, ""); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(2 * time.Hour)
	it, err := r.e.GetShardIterator(ctx, engine.GetShardIteratorInput{Stream: ref, ShardID: "shardId-000000000000", Type: engine.TrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.e.GetRecords(ctx, it, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != 1 || string(out.Records[0].Data) != "new" {
		t.Fatalf("after 25 h with 24 h retention got %d records: %+v", len(out.Records), out.Records)
	}
	wantErr(t, r.e.IncreaseStreamRetentionPeriod(ctx, ref, 8761), engine.KindInvalidArgument, "Maximum allowed retention period is 8760 hours. Requested retention period (8761 hours) is too long.")
	wantErr(t, r.e.DecreaseStreamRetentionPeriod(ctx, ref, 23), engine.KindInvalidArgument, "Minimum allowed retention period is 24 hours. Requested retention period (23 hours) is too short.")
	if err := r.e.IncreaseStreamRetentionPeriod(ctx, ref, 48); err != nil {
		t.Fatal(err)
	}
	wantErr(t, r.e.IncreaseStreamRetentionPeriod(ctx, ref, 30), engine.KindInvalidArgument, "Requested retention period (30 hours) for stream s can not be shorter than existing retention period (48 hours). Use DecreaseRetentionPeriod API.")
}

func TestCatalogSurvivesReopen(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "keep", 3)
	if err := r.e.AddTagsToStream(ctx, engine.StreamRef{Name: "keep"}, map[string]string{"team": "data"}); err != nil {
		t.Fatal(err)
	}
	if err := r.e.IncreaseStreamRetentionPeriod(ctx, engine.StreamRef{Name: "keep"}, 72); err != nil {
		t.Fatal(err)
	}
	before, _ := r.e.DescribeStream(ctx, engine.StreamRef{Name: "keep"}, 0, "")
	e2 := r.open(t)
	after, err := e2.DescribeStream(ctx, engine.StreamRef{Name: "keep"}, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("reopened catalog differs:\n%+v\n%+v", before, after)
	}
	tags, _, _ := e2.ListTags(ctx, engine.StreamRef{Name: "keep"}, "", 0)
	if len(tags) != 1 || tags[0] != (engine.Tag{Key: "team", Value: "data"}) {
		t.Fatalf("tags after reopen: %v", tags)
	}
}

// failingCatalog fails every Save after the first n.
type failingCatalog struct {
	engine.CatalogStore
	n int
}

func (f *failingCatalog) Save(doc []byte) error {
	if f.n == 0 {
		return errors.New("disk full")
	}
	f.n--
	return f.CatalogStore.Save(doc)
}

func TestFailedCatalogSaveChangesNothing(t *testing.T) {
	r := newRig(t)
	fc := &failingCatalog{CatalogStore: r.catalog, n: 1}
	r.catalog = fc
	r.e = r.open(t)
	r.createActive(t, "a", 1)
	two := 2
	if err := r.e.CreateStream(ctx, engine.CreateStreamInput{Name: "b", ShardCount: &two}); err == nil {
		t.Fatal("CreateStream succeeded although the catalog could not be saved")
	}
	if _, err := r.e.DescribeStreamSummary(ctx, engine.StreamRef{Name: "b"}); err == nil {
		t.Fatal("stream b exists after a failed save")
	}
	if err := r.e.AddTagsToStream(ctx, engine.StreamRef{Name: "a"}, map[string]string{"x": "y"}); err == nil {
		t.Fatal("AddTagsToStream succeeded although the catalog could not be saved")
	}
	if tags, _, _ := r.e.ListTags(ctx, engine.StreamRef{Name: "a"}, "", 0); len(tags) != 0 {
		t.Fatalf("tags after failed save: %v", tags)
	}
}

func TestPutRecordsRoutesByHashKey(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "s", 4)
	d, _ := r.e.DescribeStream(ctx, engine.StreamRef{Name: "s"}, 0, "")
	var entries []engine.PutEntry
	for _, sh := range d.Shards {
		entries = append(entries, engine.PutEntry{PartitionKey: "p", ExplicitHashKey: sh.StartingHashKey, Data: []byte("a")},
			engine.PutEntry{PartitionKey: "p", ExplicitHashKey: sh.EndingHashKey, Data: []byte("b")})
	}
	res, err := r.e.PutRecords(ctx, engine.StreamRef{Name: "s"}, entries)
	if err != nil {
		t.Fatal(err)
	}
	for i, re := range res {
		if want := d.Shards[i/2].ShardID; re.ShardID != want {
			t.Fatalf("entry %d (hash %s) went to %s, want %s", i, entries[i].ExplicitHashKey, re.ShardID, want)
		}
	}
	_, err = r.e.PutRecords(ctx, engine.StreamRef{Name: "s"}, []engine.PutEntry{{PartitionKey: "p", ExplicitHashKey: "340282366920938463463374607431768211456"}})
	wantErr(t, err, engine.KindInvalidArgument, "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was 340282366920938463463374607431768211456")
}

func TestGetRecordsLimitAndTenMiBCap(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "s", 1)
	ref := engine.StreamRef{Name: "s"}
	big := bytes.Repeat([]byte{'x'}, 1<<20-1) // 1 MiB with the one-byte key
	for i := range 12 {
		if _, err := r.e.PutRecord(ctx, ref, engine.PutEntry{PartitionKey: fmt.Sprint(i % 10), Data: big}, ""); err != nil {
			t.Fatal(err)
		}
	}
	it, err := r.e.GetShardIterator(ctx, engine.GetShardIteratorInput{Stream: ref, ShardID: "shardId-000000000000", Type: engine.TrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.e.GetRecords(ctx, it, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != 10 {
		t.Fatalf("first GetRecords returned %d records of 1 MiB, want 10 (the 10 MiB cap)", len(out.Records))
	}
	if out.MillisBehindLatest < 0 || out.NextShardIterator == "" {
		t.Fatalf("MillisBehindLatest %d, NextShardIterator %q", out.MillisBehindLatest, out.NextShardIterator)
	}
	out, err = r.e.GetRecords(ctx, out.NextShardIterator, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != 1 || out.Records[0].Index != 11 {
		t.Fatalf("Limit 1 after the cap returned %d records", len(out.Records))
	}
	out, err = r.e.GetRecords(ctx, out.NextShardIterator, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != 1 || out.MillisBehindLatest != 0 {
		t.Fatalf("last read: %d records, MillisBehindLatest %d", len(out.Records), out.MillisBehindLatest)
	}
}

func TestListShardsPagingAndFilters(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "s", 5)
	ref := engine.StreamRef{Name: "s"}
	var ids []string
	out, err := r.e.ListShards(ctx, engine.ListShardsInput{Stream: ref, MaxResults: 2})
	for {
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range out.Shards {
			ids = append(ids, sh.ShardID)
		}
		if out.NextToken == "" {
			break
		}
		out, err = r.e.ListShards(ctx, engine.ListShardsInput{NextToken: out.NextToken, MaxResults: 2})
	}
	if fmt.Sprint(ids) != "[shardId-000000000000 shardId-000000000001 shardId-000000000002 shardId-000000000003 shardId-000000000004]" {
		t.Fatalf("paged shards: %v", ids)
	}
	out, err = r.e.ListShards(ctx, engine.ListShardsInput{Stream: ref, Filter: &engine.ShardFilter{Type: engine.AfterShardID, ShardID: "shardId-000000000002"}})
	if err != nil || len(out.Shards) != 2 || out.Shards[0].ShardID != "shardId-000000000003" {
		t.Fatalf("AFTER_SHARD_ID: %v %v", out.Shards, err)
	}
	_, err = r.e.ListShards(ctx, engine.ListShardsInput{Stream: ref, NextToken: "x"})
	wantErr(t, err, engine.KindInvalidArgument, "NextToken and StreamName cannot be provided together.")
	_, err = r.e.ListShards(ctx, engine.ListShardsInput{NextToken: "AAAA"})
	wantErr(t, err, engine.KindInvalidArgument, "Invalid NextToken.")
	first, _ := r.e.ListShards(ctx, engine.ListShardsInput{Stream: ref, MaxResults: 1})
	r.clock.Advance(301 * time.Second)
	_, err = r.e.ListShards(ctx, engine.ListShardsInput{NextToken: first.NextToken})
	wantErr(t, err, engine.KindExpiredNextToken, "")
}
