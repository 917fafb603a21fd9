package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/engine"
)

// TestListShardsFiltersAfterReshards checks every ShardFilter type on a
// stream resharded several times, at known instants of the fake clock.
//
// Timeline (T0 = creation): shards 0,1 at T0; at T0+1h shard 0 splits into
// 2,3; at T0+2h shards 3 and 1 merge into 4; at T0+3h shard 4 splits into
// 5,6. Retention is 24 h; at T0+26h shard 0 (closed at T0+1h) has expired.
func TestListShardsFiltersAfterReshards(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "s", 2)
	t0 := r.clock.Now()
	ref := engine.StreamRef{Name: "s"}
	step := func(at time.Duration, op func() error) {
		t.Helper()
		r.clock.Advance(t0.Add(at).Sub(r.clock.Now()))
		if err := op(); err != nil {
			t.Fatal(err)
		}
	}
	step(time.Hour, func() error {
		return r.e.SplitShard(ctx, ref, "shardId-000000000000", "85070591730234615865843651857942052864")
	})
	step(2*time.Hour, func() error { return r.e.MergeShards(ctx, ref, "shardId-000000000003", "shardId-000000000001") })
	step(3*time.Hour, func() error {
		return r.e.SplitShard(ctx, ref, "shardId-000000000004", "200000000000000000000000000000000000000")
	})
	at := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }
	list := func(f *engine.ShardFilter) string {
		t.Helper()
		out, err := r.e.ListShards(ctx, engine.ListShardsInput{Stream: ref, Filter: f})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, sh := range out.Shards {
			ids = append(ids, strings.TrimPrefix(sh.ShardID, "shardId-00000000000"))
		}
		return strings.Join(ids, ",")
	}
	cases := []struct {
		name string
		f    *engine.ShardFilter
		want string
	}{
		{"default (FROM_TRIM_HORIZON)", nil, "0,1,2,3,4,5,6"},
		{"AT_LATEST", &engine.ShardFilter{Type: engine.AtLatest}, "2,5,6"},
		{"AT_TRIM_HORIZON", &engine.ShardFilter{Type: engine.AtTrimHorizon}, "0,1"},
		{"FROM_TRIM_HORIZON", &engine.ShardFilter{Type: engine.FromTrimHorizon}, "0,1,2,3,4,5,6"},
		{"AFTER_SHARD_ID 3", &engine.ShardFilter{Type: engine.AfterShardID, ShardID: "shardId-000000000003"}, "4,5,6"},
		{"AT_TIMESTAMP creation", &engine.ShardFilter{Type: engine.AtTimestampF, Timestamp: at(0)}, "0,1"},
		{"AT_TIMESTAMP 1.5h", &engine.ShardFilter{Type: engine.AtTimestampF, Timestamp: at(90 * time.Minute)}, "1,2,3"},
		{"AT_TIMESTAMP 2.5h", &engine.ShardFilter{Type: engine.AtTimestampF, Timestamp: at(150 * time.Minute)}, "2,4"},
		{"FROM_TIMESTAMP 1.5h", &engine.ShardFilter{Type: engine.FromTimestamp, Timestamp: at(90 * time.Minute)}, "1,2,3,4,5,6"},
		{"FROM_TIMESTAMP 2.5h", &engine.ShardFilter{Type: engine.FromTimestamp, Timestamp: at(150 * time.Minute)}, "2,4,5,6"},
	}
	for _, c := range cases {
		if got := list(c.f); got != c.want {
			t.Errorf("%s: shards %s, want %s", c.name, got, c.want)
		}
	}
	// Past the retention of shard 0 (closed at 1 h): it is no longer listed
	// or described, and the trim horizon moved past the first reshard.
	r.clock.Advance(t0.Add(25*time.Hour + 30*time.Minute).Sub(r.clock.Now()))
	if got := list(nil); got != "1,2,3,4,5,6" {
		t.Errorf("after shard 0 expired: %s", got)
	}
	if got := list(&engine.ShardFilter{Type: engine.AtTrimHorizon}); got != "1,2,3" {
		t.Errorf("AT_TRIM_HORIZON at 25.5 h: %s", got)
	}
	d, _ := r.e.DescribeStream(ctx, ref, 0, "")
	if len(d.Shards) != 6 || d.Shards[0].ShardID != "shardId-000000000001" {
		t.Errorf("DescribeStream after expiry: %v", fmt.Sprint(d.Shards))
	}
}
