package engine_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/engine"
)

// TestReshardUnderLoadKeepsEveryRecordInOrder: producers write continuously
// with per-key counters while the stream is split, merged, scaled up and
// down; a reader that finishes parents before children gets every
// acknowledged record exactly once and each key's records in order.
func TestReshardUnderLoadKeepsEveryRecordInOrder(t *testing.T) {
	r := newRig(t)
	r.createActive(t, "s", 2)
	ref := engine.StreamRef{Name: "s"}
	const producers, keysPerProducer = 4, 8
	var (
		stop  atomic.Bool
		acked sync.Map // "key/counter" → true
		wg    sync.WaitGroup
	)
	for p := range producers {
		wg.Go(func() {
			counters := make([]uint64, keysPerProducer)
			for i := 0; !stop.Load() && i < 100000; i++ {
				k := i % keysPerProducer
				key := fmt.Sprintf("p%d-k%d", p, k)
				var batch []engine.PutEntry
				for range 3 { // several records of one key per call: order within a call counts too
					data := binary.BigEndian.AppendUint64([]byte(key+"/"), counters[k])
					counters[k]++
					batch = append(batch, engine.PutEntry{PartitionKey: key, Data: data})
				}
				res, err := r.e.PutRecords(context.Background(), ref, batch)
				if err != nil {
					t.Errorf("PutRecords: %v", err)
					return
				}
				for j, re := range res {
					if re.ErrorCode == "" {
						acked.Store(string(batch[j].Data), true)
					}
				}
			}
		})
	}
	ops := []func() error{
		func() error {
			return r.e.SplitShard(ctx, ref, "shardId-000000000000", "85070591730234615865843651857942052864")
		},
		func() error { _, err := r.e.UpdateShardCount(ctx, ref, 6); return err },
		func() error { return r.e.MergeShards(ctx, ref, "shardId-000000000012", "shardId-000000000013") },
		func() error { _, err := r.e.UpdateShardCount(ctx, ref, 3); return err },
		func() error { _, err := r.e.UpdateShardCount(ctx, ref, 5); return err },
	}
	for i, op := range ops {
		waitForRecords(t, &acked, (i+1)*300)
		r.clock.Advance(time.Second) // past UPDATING
		if err := op(); err != nil {
			t.Fatalf("reshard %d: %v", i, err)
		}
	}
	waitForRecords(t, &acked, len(ops)*300+300)
	stop.Store(true)
	wg.Wait()

	got := readAllParentsFirst(t, r.e, ref)
	want := 0
	acked.Range(func(k, _ any) bool {
		want++
		if got[k.(string)] != 1 {
			t.Errorf("acknowledged record %q read %d times", k, got[k.(string)])
		}
		return true
	})
	if len(got) != want {
		t.Errorf("read %d distinct records, %d were acknowledged", len(got), want)
	}
	d, _ := r.e.DescribeStream(ctx, ref, 100, "")
	t.Logf("%d records, %d producers × %d keys, %d reshards, %d shards in the end", want, producers, keysPerProducer, len(ops), len(d.Shards))
}

func waitForRecords(t *testing.T, acked *sync.Map, n int) {
	t.Helper()
	for i := 0; i < 1_000_000; i++ {
		count := 0
		acked.Range(func(_, _ any) bool { count++; return count < n })
		if count >= n {
			return
		}
		runtime.Gosched()
	}
	t.Fatalf("producers did not reach %d records", n)
}

// readAllParentsFirst reads every shard, each only after its parents are
// read to their end, and checks per-key order as it goes. It returns how
// often each record was seen.
func readAllParentsFirst(t *testing.T, e *engine.Engine, ref engine.StreamRef) map[string]int {
	t.Helper()
	out, err := e.ListShards(ctx, engine.ListShardsInput{Stream: ref})
	if err != nil {
		t.Fatal(err)
	}
	done := map[string]bool{}
	seen := map[string]int{}
	last := map[string]uint64{} // key → last counter + 1
	for progress := true; progress; {
		progress = false
		for _, sh := range out.Shards {
			if done[sh.ShardID] || (sh.ParentShardID != "" && !done[sh.ParentShardID]) || (sh.AdjacentParentShardID != "" && !done[sh.AdjacentParentShardID]) {
				continue
			}
			it, err := e.GetShardIterator(ctx, engine.GetShardIteratorInput{Stream: ref, ShardID: sh.ShardID, Type: engine.TrimHorizon})
			if err != nil {
				t.Fatal(err)
			}
			for it != "" {
				res, err := e.GetRecords(ctx, it, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, rec := range res.Records {
					seen[string(rec.Data)]++
					key, counter := string(rec.Data[:len(rec.Data)-9]), binary.BigEndian.Uint64(rec.Data[len(rec.Data)-8:])
					if counter < last[key] {
						t.Fatalf("key %s: counter %d read after %d (shard %s)", key, counter, last[key]-1, sh.ShardID)
					}
					last[key] = counter + 1
				}
				it = res.NextShardIterator
				if len(res.Records) == 0 && res.ChildShards == nil {
					break // caught up on an open shard
				}
			}
			done[sh.ShardID] = true
			progress = true
		}
	}
	for _, sh := range out.Shards {
		if !done[sh.ShardID] {
			t.Fatalf("shard %s never became readable (parents %s %s)", sh.ShardID, sh.ParentShardID, sh.AdjacentParentShardID)
		}
	}
	return seen
}
