package engine_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/engine"
	"github.com/runnel-io/runnel/internal/logstore"
	"github.com/runnel-io/runnel/internal/metastore"
)

// newLimitsRig is newRig with --enforce-limits; adjust changes the config.
func newLimitsRig(t *testing.T, adjust func(*engine.Config)) *rig {
	t.Helper()
	r := &rig{
		clock:   &fakeClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)},
		logs:    logstore.NewMemory(),
		catalog: metastore.NewMemory(),
		key:     bytes.Repeat([]byte{7}, 32),
	}
	cfg := engine.Config{
		Region: "us-east-1", AccountID: "000000000000",
		CreateDelay: 500 * time.Millisecond, DeleteDelay: 500 * time.Millisecond,
		Key: r.key, Now: r.clock.Now, EnforceLimits: true,
	}
	if adjust != nil {
		adjust(&cfg)
	}
	e, err := engine.New(cfg, r.logs, r.catalog)
	if err != nil {
		t.Fatalf("engine.New: %v", err)
	}
	r.e = e
	return r
}

// hashedEntries makes n small entries, all with the given explicit hash keys in
// turn.
func hashedEntries(n int, hashKeys ...string) []engine.PutEntry {
	out := make([]engine.PutEntry, n)
	for i := range out {
		out[i] = engine.PutEntry{PartitionKey: "k", ExplicitHashKey: hashKeys[i%len(hashKeys)], Data: []byte("0123456789")}
	}
	return out
}

// putCounting writes entries in calls of at most 500 and counts the
// entries refused with ProvisionedThroughputExceededException.
func putCounting(t *testing.T, r *rig, stream string, es []engine.PutEntry) (throttled int) {
	t.Helper()
	for len(es) > 0 {
		n := min(len(es), 500)
		res, err := r.e.PutRecords(ctx, engine.StreamRef{Name: stream}, es[:n])
		if err != nil {
			t.Fatalf("PutRecords: %v", err)
		}
		for _, x := range res {
			switch x.ErrorCode {
			case "":
			case engine.ThroughputExceededCode:
				throttled++
			default:
				t.Fatalf("entry failed with %s: %s", x.ErrorCode, x.ErrorMessage)
			}
		}
		es = es[n:]
	}
	return throttled
}

func TestWriteLimitsPerEntry(t *testing.T) {
	r := newLimitsRig(t, nil)
	r.createActive(t, "w", 1)
	ref := engine.StreamRef{Name: "w"}
	for call := range 2 {
		res, err := r.e.PutRecords(ctx, ref, hashedEntries(400, "0"))
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range res {
			if x.ErrorCode != "" {
				t.Fatalf("call %d entry %d: %s, want success within the 1,000-record burst", call, i, x.ErrorCode)
			}
		}
	}
	res, err := r.e.PutRecords(ctx, ref, hashedEntries(400, "0"))
	if err != nil {
		t.Fatal(err)
	}
	const msg = "Rate exceeded for shard shardId-000000000000 in stream w under account 000000000000."
	for i, x := range res {
		if i < 200 && (x.ErrorCode != "" || x.SequenceNumber == "") {
			t.Fatalf("entry %d: %+v, want success (records 801..1000)", i, x)
		}
		if i >= 200 && (x.ErrorCode != engine.ThroughputExceededCode || x.ErrorMessage != msg || x.SequenceNumber != "" || x.ShardID != "") {
			t.Fatalf("entry %d: %+v, want ProvisionedThroughputExceededException %q", i, x, msg)
		}
	}
	// PutRecord over the limit fails whole, with the same message.
	_, err = r.e.PutRecord(ctx, ref, engine.PutEntry{PartitionKey: "k", Data: []byte("x")}, "")
	wantErr(t, err, engine.KindThroughputExceeded, msg)
	// A millisecond later one record's worth has been earned.
	r.clock.Advance(time.Millisecond)
	if _, err := r.e.PutRecord(ctx, ref, engine.PutEntry{PartitionKey: "k", Data: []byte("x")}, ""); err != nil {
		t.Fatalf("PutRecord after 1 ms: %v", err)
	}
	// Throttled entries were not written.
	if got := len(limitsReadShard(t, r, "w", "shardId-000000000000")); got != 1001 {
		t.Fatalf("shard holds %d records, want 1001", got)
	}
}

func limitsReadShard(t *testing.T, r *rig, stream, shard string) []string {
	t.Helper()
	it, err := r.e.GetShardIterator(ctx, engine.GetShardIteratorInput{Stream: engine.StreamRef{Name: stream}, ShardID: shard, Type: engine.TrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.e.GetRecords(ctx, it, 0)
	if err != nil {
		t.Fatal(err)
	}
	return out.SequenceNumbers
}

func TestReadLimits(t *testing.T) {
	r := newLimitsRig(t, nil)
	r.createActive(t, "r", 1)
	const msg = "Rate exceeded for shard shardId-000000000000 in stream r under account 000000000000."
	in := engine.GetShardIteratorInput{Stream: engine.StreamRef{Name: "r"}, ShardID: "shardId-000000000000", Type: engine.TrimHorizon}
	var it string
	for i := range 5 {
		var err error
		if it, err = r.e.GetShardIterator(ctx, in); err != nil {
			t.Fatalf("GetShardIterator %d: %v", i+1, err)
		}
	}
	_, err := r.e.GetShardIterator(ctx, in)
	wantErr(t, err, engine.KindThroughputExceeded, msg)

	for i := range 5 {
		if _, err := r.e.GetRecords(ctx, it, 0); err != nil {
			t.Fatalf("GetRecords %d: %v", i+1, err)
		}
	}
	_, err = r.e.GetRecords(ctx, it, 0)
	wantErr(t, err, engine.KindThroughputExceeded, msg)

	// 3 MiB written over three seconds (the write limit is 1 MiB/s), read
	// in one response: more than the 2 MiB read budget, so the shard owes
	// the whole 3 MiB and refuses reads for 1.5 s.
	chunk := bytes.Repeat([]byte{'x'}, 512<<10-1)
	for range 3 {
		r.clock.Advance(time.Second)
		for range 2 {
			if _, err := r.e.PutRecord(ctx, engine.StreamRef{Name: "r"}, engine.PutEntry{PartitionKey: "k", Data: chunk}, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	out, err := r.e.GetRecords(ctx, it, 0)
	if err != nil || len(out.Records) != 6 {
		t.Fatalf("GetRecords of 3 MiB: %d records, %v", len(out.Records), err)
	}
	r.clock.Advance(1500*time.Millisecond - time.Nanosecond)
	_, err = r.e.GetRecords(ctx, out.NextShardIterator, 0)
	wantErr(t, err, engine.KindThroughputExceeded, msg)
	r.clock.Advance(time.Nanosecond)
	if _, err := r.e.GetRecords(ctx, out.NextShardIterator, 0); err != nil {
		t.Fatalf("GetRecords 1.5 s after 3 MiB: %v", err)
	}
}

func TestControlRateLimits(t *testing.T) {
	r := newLimitsRig(t, nil)
	for i := range 5 {
		if err := r.e.AdmitControl("CreateStream", fmt.Sprint("s", i)); err != nil {
			t.Fatalf("CreateStream %d: %v", i+1, err)
		}
	}
	wantErr(t, r.e.AdmitControl("CreateStream", "s5"), engine.KindLimitExceeded, "Rate exceeded for stream s5 under account 000000000000.")
	for range 5 {
		if err := r.e.AdmitControl("ListStreams", ""); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, r.e.AdmitControl("ListStreams", ""), engine.KindLimitExceeded, "Rate exceeded for account 000000000000.")
	r.clock.Advance(200 * time.Millisecond)
	if err := r.e.AdmitControl("CreateStream", "s6"); err != nil {
		t.Fatalf("CreateStream 200 ms later: %v", err)
	}
}

func TestNoLimitsWithoutEnforcement(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "n", 1)
	if n := putCounting(t, r, "n", hashedEntries(5000, "0")); n != 0 {
		t.Fatalf("%d entries throttled without --enforce-limits", n)
	}
	in := engine.GetShardIteratorInput{Stream: engine.StreamRef{Name: "n"}, ShardID: "shardId-000000000000", Type: engine.Latest}
	for range 20 {
		it, err := r.e.GetShardIterator(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.e.GetRecords(ctx, it, 0); err != nil {
			t.Fatal(err)
		}
		if err := r.e.AdmitControl("CreateStream", "n"); err != nil {
			t.Fatal(err)
		}
	}
}

func TestShardQuota(t *testing.T) {
	r := newLimitsRig(t, func(c *engine.Config) { c.ShardLimit = 3 })
	quota := func(open, added int) string {
		return fmt.Sprintf("This request would exceed the shard limit for the account 000000000000 in us-east-1. Current shard count for the account: %d. Limit: 3. Number of additional shards that would have resulted from this request: %d. Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.", open, added)
	}
	four := 4
	wantErr(t, r.e.CreateStream(ctx, engine.CreateStreamInput{Name: "big", ShardCount: &four}), engine.KindLimitExceeded, quota(0, 4))
	wantErr(t, r.e.CreateStream(ctx, engine.CreateStreamInput{Name: "od", Mode: engine.ModeOnDemand}), engine.KindLimitExceeded, quota(0, 4))
	r.createActive(t, "q", 3)
	ref := engine.StreamRef{Name: "q"}
	wantErr(t, r.e.SplitShard(ctx, ref, "shardId-000000000000", "1000"), engine.KindLimitExceeded, quota(3, 1))
	_, err := r.e.UpdateShardCount(ctx, ref, 4)
	wantErr(t, err, engine.KindLimitExceeded, quota(3, 1))
}
