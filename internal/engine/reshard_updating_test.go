package engine_test

import (
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/engine"
)

// TestReshardKeepsReadsAndWritesWorkingWhileUpdating: a reshard puts the
// stream in UPDATING for the update delay; records can be put and read
// meanwhile, a second reshard is refused with AWS's wording, and the stream
// is ACTIVE again once the delay has passed.
func TestReshardKeepsReadsAndWritesWorkingWhileUpdating(t *testing.T) {
	r := newRig(t)
	e, err := engine.New(engine.Config{
		Region: "us-east-1", AccountID: "000000000000", UpdateDelay: 500 * time.Millisecond,
		Key: r.key, Now: r.clock.Now,
	}, r.logs, r.catalog)
	if err != nil {
		t.Fatal(err)
	}
	r.e = e
	r.createActive(t, "s", 1)
	ref := engine.StreamRef{Name: "s"}
	if err := e.SplitShard(ctx, ref, "shardId-000000000000", "170141183460469231731687303715884105728"); err != nil {
		t.Fatal(err)
	}
	if sum, _ := e.DescribeStreamSummary(ctx, ref); sum.Status != engine.StatusUpdating {
		t.Fatalf("after SplitShard: %s, want UPDATING", sum.Status)
	}
	res, err := e.PutRecord(ctx, ref, engine.PutEntry{PartitionKey: "k", Data: []byte("during")}, "")
	if err != nil {
		t.Fatalf("PutRecord while UPDATING: %v", err)
	}
	it, err := e.GetShardIterator(ctx, engine.GetShardIteratorInput{Stream: ref, ShardID: res.ShardID, Type: engine.TrimHorizon})
	if err != nil {
		t.Fatalf("GetShardIterator while UPDATING: %v", err)
	}
	out, err := e.GetRecords(ctx, it, 0)
	if err != nil || len(out.Records) != 1 || string(out.Records[0].Data) != "during" {
		t.Fatalf("GetRecords while UPDATING: %d records, %v", len(out.Records), err)
	}
	wantErr(t, e.MergeShards(ctx, ref, "shardId-000000000001", "shardId-000000000002"), engine.KindInUse,
		"Stream s under account 000000000000 not ACTIVE, instead in state UPDATING")
	r.clock.Advance(500 * time.Millisecond)
	if sum, _ := e.DescribeStreamSummary(ctx, ref); sum.Status != engine.StatusActive {
		t.Fatalf("after the update delay: %s, want ACTIVE", sum.Status)
	}
	if err := e.MergeShards(ctx, ref, "shardId-000000000001", "shardId-000000000002"); err != nil {
		t.Fatalf("merge once ACTIVE again: %v", err)
	}
}
