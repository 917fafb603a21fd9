package engine_test

import (
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/engine"
)

// Hash keys of a 4-shard stream: shard 0 is [0, 2^126-1], split at 2^125.
const (
	keyShard0Low  = "1"
	keyShard0High = "42535295865117307932921825928971026432"  // 2^125
	keyShard1     = "85070591730234615865843651857942052864"  // 2^126
	keyShard2     = "170141183460469231731687303715884105728" // 2^127
	keyShard3     = "255211775190703847597530955573826158592" // 3×2^126
)

// overload is one second of traffic: 1,500 records for shard 0 (half in
// each half of its range) and 600 for each other shard (busy, under the
// limit).
func overload() []engine.PutEntry {
	es := hashedEntries(1500, keyShard0Low, keyShard0High)
	for _, k := range []string{keyShard1, keyShard2, keyShard3} {
		es = append(es, hashedEntries(600, k)...)
	}
	return es
}

func openShards(t *testing.T, r *rig, stream string) []engine.ShardInfo {
	t.Helper()
	d, err := r.e.DescribeStream(ctx, engine.StreamRef{Name: stream}, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	var open []engine.ShardInfo
	for _, sh := range d.Shards {
		if sh.EndingSequenceNumber == "" {
			open = append(open, sh)
		}
	}
	return open
}

func maintain(t *testing.T, r *rig) {
	t.Helper()
	if err := r.e.Maintain(ctx); err != nil {
		t.Fatalf("Maintain: %v", err)
	}
}

func scalingRig(t *testing.T, adjust func(*engine.Config)) *rig {
	return newLimitsRig(t, func(c *engine.Config) {
		c.Scaling = engine.ScalingConfig{SplitAfter: 3 * time.Second, MergeAfter: time.Minute}
		if adjust != nil {
			adjust(c)
		}
	})
}

func TestOnDemandSplitsHotShardAndMergesIdleOnes(t *testing.T) {
	r := scalingRig(t, nil)
	if err := r.e.CreateStream(ctx, engine.CreateStreamInput{Name: "od", Mode: engine.ModeOnDemand}); err != nil {
		t.Fatal(err)
	}
	var before, after []int
	for sec := 1; sec <= 3; sec++ {
		r.clock.Advance(time.Second)
		before = append(before, putCounting(t, r, "od", overload()))
		if sec < 3 {
			maintain(t, r)
			if n := len(openShards(t, r, "od")); n != 4 {
				t.Fatalf("after %d s of overload: %d open shards, want 4 (no split before 3 s)", sec, n)
			}
		}
	}
	maintain(t, r) // the third consecutive throttled second: split
	open := openShards(t, r, "od")
	if len(open) != 5 {
		t.Fatalf("after 3 s of overload: %d open shards, want 5", len(open))
	}
	children := map[string]engine.ShardInfo{}
	for _, sh := range open {
		if sh.ParentShardID == "shardId-000000000000" {
			children[sh.ShardID] = sh
		}
	}
	low, high := children["shardId-000000000004"], children["shardId-000000000005"]
	if low.StartingHashKey != "0" || low.EndingHashKey != "42535295865117307932921825928971026431" ||
		high.StartingHashKey != keyShard0High || high.EndingHashKey != "85070591730234615865843651857942052863" {
		t.Fatalf("children of shard 0: %+v, want it split at the middle (2^125)", children)
	}
	for range 3 {
		r.clock.Advance(time.Second)
		after = append(after, putCounting(t, r, "od", overload()))
		maintain(t, r)
	}
	t.Logf("throttled entries per second: before the split %v, after %v", before, after)
	for i := range 3 {
		if before[i] != 500 || after[i] != 0 {
			t.Fatalf("throttled per second: before %v (want 500 each), after %v (want 0 each)", before, after)
		}
	}
	if n := len(openShards(t, r, "od")); n != 5 {
		t.Fatalf("under steady load after the split: %d open shards, want 5", n)
	}

	// Idle: nothing is written. After the cool-down (counted from the last
	// busy second) the two children merge back; never below 4 shards.
	lastBusy := r.clock.Now().Truncate(time.Second)
	r.clock.Advance(lastBusy.Add(time.Minute - time.Millisecond).Sub(r.clock.Now()))
	maintain(t, r)
	if n := len(openShards(t, r, "od")); n != 5 {
		t.Fatalf("before the cool-down: %d open shards, want 5", n)
	}
	r.clock.Advance(time.Millisecond)
	maintain(t, r)
	open = openShards(t, r, "od")
	if len(open) != 4 {
		t.Fatalf("after the cool-down: %d open shards, want 4", len(open))
	}
	merged := open[len(open)-1]
	if merged.ShardID != "shardId-000000000006" || merged.ParentShardID != "shardId-000000000004" || merged.AdjacentParentShardID != "shardId-000000000005" ||
		merged.StartingHashKey != "0" || merged.EndingHashKey != "85070591730234615865843651857942052863" {
		t.Fatalf("merged shard %+v, want shard 6 = shards 4+5 over [0, 2^126-1]", merged)
	}
	r.clock.Advance(time.Hour)
	maintain(t, r)
	if n := len(openShards(t, r, "od")); n != 4 {
		t.Fatalf("an hour later: %d open shards, want the 4 initial ones", n)
	}
}

func TestProvisionedStreamsNeverAutoScale(t *testing.T) {
	r := scalingRig(t, nil)
	r.createActive(t, "p", 4)
	for sec := 1; sec <= 6; sec++ {
		if n := putCounting(t, r, "p", overload()); n != 500 {
			t.Fatalf("second %d: %d throttled, want 500", sec, n)
		}
		maintain(t, r)
		r.clock.Advance(time.Second)
	}
	r.clock.Advance(time.Hour)
	maintain(t, r)
	if n := len(openShards(t, r, "p")); n != 4 {
		t.Fatalf("provisioned stream has %d open shards, want 4", n)
	}
}

func TestOnDemandScalingRespectsShardQuota(t *testing.T) {
	r := scalingRig(t, func(c *engine.Config) { c.ShardLimit = 4 })
	if err := r.e.CreateStream(ctx, engine.CreateStreamInput{Name: "od", Mode: engine.ModeOnDemand}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		r.clock.Advance(time.Second)
		putCounting(t, r, "od", overload())
		maintain(t, r) // the split would need a fifth shard: skipped, not an error
	}
	if n := len(openShards(t, r, "od")); n != 4 {
		t.Fatalf("%d open shards, want 4 (quota 4)", n)
	}
}

func TestOnDemandSwitchedStreamScales(t *testing.T) {
	// A provisioned stream switched to ON_DEMAND scales like one created so.
	r := scalingRig(t, nil)
	r.createActive(t, "sw", 4)
	if err := r.e.UpdateStreamMode(ctx, engine.StreamRef{Name: "sw"}, engine.ModeOnDemand); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		r.clock.Advance(time.Second)
		putCounting(t, r, "sw", overload())
	}
	maintain(t, r)
	if n := len(openShards(t, r, "sw")); n != 5 {
		t.Fatalf("%d open shards, want 5", n)
	}
	// Back to PROVISIONED: SplitShard works again, and no more self-scaling.
	if err := r.e.UpdateStreamMode(ctx, engine.StreamRef{Name: "sw"}, engine.ModeProvisioned); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Hour)
	maintain(t, r)
	if n := len(openShards(t, r, "sw")); n != 5 {
		t.Fatalf("provisioned again: %d open shards, want 5 (no merge)", n)
	}
}
