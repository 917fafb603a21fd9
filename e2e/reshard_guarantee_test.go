package e2e

// Resharding under load: producers keep writing while the stream is split,
// merged and scaled up and down, and a lineage-aware reader must then get
// every acknowledged record exactly once, in order per partition key.

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

const (
	rgStream    = "reshard-guarantee"
	rgProducers = 4
	rgKeys      = 16 // key k is written by producer k % rgProducers only
	rgBatch     = 64 // records per PutRecords request
	// rgMaxRecords stops the producers early, bounding the read-back.
	rgMaxRecords = 400_000
	// rgBetween is how many records must be acknowledged after a reshard
	// became ACTIVE before the next one starts, so every shard generation
	// gets writes.
	rgBetween = 2_000
)

// rgID names one record: its partition key's index and its counter.
type rgID struct{ key, n int }

// rgAck is where PutRecords said a record went.
type rgAck struct{ shard, seq string }

// rgHashKey spreads the keys evenly over the hash space (the middle of
// sixteenths), so every shard of every generation owns some keys.
func rgHashKey(key int) string {
	step := new(big.Int).Lsh(big.NewInt(1), 124)
	h := new(big.Int).Mul(step, big.NewInt(int64(key)))
	return h.Add(h, new(big.Int).Rsh(step, 1)).String()
}

func rgData(id rgID) []byte { return fmt.Appendf(nil, "%d/%d", id.key, id.n) }

func rgParse(data []byte) (rgID, bool) {
	var id rgID
	if _, err := fmt.Sscanf(string(data), "%d/%d", &id.key, &id.n); err != nil || id.key < 0 || id.key >= rgKeys {
		return id, false
	}
	return id, string(rgData(id)) == string(data)
}

// rgProduce writes batches for producer p's keys until stop is closed or
// the record budget is spent. Each counter is used once: a failed entry is
// not retried (a retry after a later counter succeeded would break the
// per-key order that is under test); it is only unacknowledged.
func rgProduce(c *kinesis.Client, p int, stop <-chan struct{}, total *atomic.Int64, failed *atomic.Int64) (map[rgID]rgAck, error) {
	acked := map[rgID]rgAck{}
	next := map[int]int{}
	var keys []int
	for k := p; k < rgKeys; k += rgProducers {
		keys = append(keys, k)
	}
	for {
		select {
		case <-stop:
			return acked, nil
		default:
		}
		if total.Load() >= rgMaxRecords {
			return acked, nil
		}
		ids := make([]rgID, rgBatch)
		entries := make([]types.PutRecordsRequestEntry, rgBatch)
		for i := range entries {
			k := keys[i%len(keys)]
			ids[i] = rgID{k, next[k]}
			next[k]++
			entries[i] = types.PutRecordsRequestEntry{
				PartitionKey: aws.String(fmt.Sprintf("key-%02d", k)), ExplicitHashKey: aws.String(rgHashKey(k)), Data: rgData(ids[i]),
			}
		}
		cctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		out, err := c.PutRecords(cctx, &kinesis.PutRecordsInput{StreamName: aws.String(rgStream), Records: entries})
		cancel()
		if err != nil {
			// Writes must keep working while the stream is UPDATING; an
			// error also leaves the batch's fate unknown, so stop here.
			return acked, fmt.Errorf("producer %d: PutRecords: %w", p, err)
		}
		if len(out.Records) != len(entries) {
			return acked, fmt.Errorf("producer %d: PutRecords answered %d entries for %d", p, len(out.Records), len(entries))
		}
		for i, r := range out.Records {
			if r.ErrorCode != nil {
				failed.Add(1)
				continue
			}
			acked[ids[i]] = rgAck{aws.ToString(r.ShardId), aws.ToString(r.SequenceNumber)}
		}
		total.Add(int64(len(entries)) - int64(aws.ToInt32(out.FailedRecordCount)))
	}
}

// rgOpenShards lists the open shards sorted by starting hash key.
func rgOpenShards(t *testing.T, c *kinesis.Client) []types.Shard {
	t.Helper()
	out, err := c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: aws.String(rgStream), ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}})
	if err != nil {
		t.Fatalf("ListShards AT_LATEST: %v", err)
	}
	shards := out.Shards
	sort.Slice(shards, func(i, j int) bool {
		a, _ := new(big.Int).SetString(aws.ToString(shards[i].HashKeyRange.StartingHashKey), 10)
		b, _ := new(big.Int).SetString(aws.ToString(shards[j].HashKeyRange.StartingHashKey), 10)
		return a.Cmp(b) < 0
	})
	return shards
}

// rgAllShards lists every shard (FROM_TRIM_HORIZON), following NextToken.
func rgAllShards(t *testing.T, c *kinesis.Client) []types.Shard {
	t.Helper()
	var shards []types.Shard
	in := &kinesis.ListShardsInput{StreamName: aws.String(rgStream)}
	for range 100 {
		out, err := c.ListShards(ctx(t), in)
		if err != nil {
			t.Fatalf("ListShards: %v", err)
		}
		shards = append(shards, out.Shards...)
		if out.NextToken == nil {
			return shards
		}
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
	t.Fatal("ListShards paging does not end")
	return nil
}

// rgReadShard reads a shard from TRIM_HORIZON: a closed shard until
// NextShardIterator is null (returning its ChildShards), an open one until
// caught up.
func rgReadShard(t *testing.T, c *kinesis.Client, sh types.Shard) ([]types.Record, []string) {
	t.Helper()
	id := aws.ToString(sh.ShardId)
	closed := sh.SequenceNumberRange.EndingSequenceNumber != nil
	it, err := c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{
		StreamName: aws.String(rgStream), ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		t.Fatalf("GetShardIterator %s: %v", id, err)
	}
	iter := it.ShardIterator
	var recs []types.Record
	for range 10_000 {
		out, err := c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(10_000)})
		if err != nil {
			t.Fatalf("GetRecords %s: %v", id, err)
		}
		recs = append(recs, out.Records...)
		if out.NextShardIterator == nil {
			if !closed {
				t.Fatalf("open shard %s: GetRecords returned a null NextShardIterator", id)
			}
			var children []string
			for _, ch := range out.ChildShards {
				children = append(children, aws.ToString(ch.ShardId))
			}
			sort.Strings(children)
			return recs, children
		}
		if len(out.ChildShards) > 0 {
			t.Fatalf("shard %s: ChildShards %d before the end of the shard", id, len(out.ChildShards))
		}
		if !closed && len(out.Records) == 0 && aws.ToInt64(out.MillisBehindLatest) == 0 {
			return recs, nil
		}
		iter = out.NextShardIterator
	}
	t.Fatalf("shard %s not read to its end after 10000 GetRecords calls (%d records)", id, len(recs))
	return nil, nil
}

func TestReshardUnderLoadExactlyOnceInOrder(t *testing.T) {
	t.Parallel()
	deadline := time.Now().Add(60 * time.Second)
	srv := startFastServer(t) // durable: records go through the data dir
	c := srv.client()
	createStream(t, c, rgStream, 2)

	var total, failed atomic.Int64
	stop := make(chan struct{})
	acks := make([]map[rgID]rgAck, rgProducers)
	errs := make([]error, rgProducers)
	var wg sync.WaitGroup
	for p := range rgProducers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acks[p], errs[p] = rgProduce(c, p, stop, &total, &failed)
		}()
	}
	stopped := false
	stopProducers := func() {
		if !stopped {
			stopped = true
			close(stop)
			wg.Wait()
		}
	}
	defer stopProducers() // on a failed reshard too

	// progress waits until rgBetween more records are acknowledged (or the
	// budget is spent), so each shard generation is written to.
	progress := func(what string) {
		want := min(total.Load()+rgBetween, rgMaxRecords)
		poll(t, 20*time.Second, "writes after "+what, func() (bool, string) {
			for p, err := range errs {
				if err != nil {
					t.Fatalf("producer %d stopped: %v", p, err)
				}
			}
			n := total.Load()
			return n >= want, fmt.Sprintf("%d of %d acknowledged", n, want)
		})
	}
	reshards := 0
	after := func(what string) {
		t.Helper()
		reshards++
		waitActive(t, c, rgStream)
		progress(what)
	}
	split := func() {
		t.Helper()
		sh := rgOpenShards(t, c)[0]
		lo, _ := new(big.Int).SetString(aws.ToString(sh.HashKeyRange.StartingHashKey), 10)
		hi, _ := new(big.Int).SetString(aws.ToString(sh.HashKeyRange.EndingHashKey), 10)
		mid := new(big.Int).Rsh(new(big.Int).Add(lo, hi), 1)
		if _, err := c.SplitShard(ctx(t), &kinesis.SplitShardInput{StreamName: aws.String(rgStream), ShardToSplit: sh.ShardId, NewStartingHashKey: aws.String(mid.Add(mid, big.NewInt(1)).String())}); err != nil {
			t.Fatalf("SplitShard %s: %v", aws.ToString(sh.ShardId), err)
		}
		after("SplitShard")
	}
	merge := func() {
		t.Helper()
		open := rgOpenShards(t, c)
		if _, err := c.MergeShards(ctx(t), &kinesis.MergeShardsInput{StreamName: aws.String(rgStream), ShardToMerge: open[0].ShardId, AdjacentShardToMerge: open[1].ShardId}); err != nil {
			t.Fatalf("MergeShards %s %s: %v", aws.ToString(open[0].ShardId), aws.ToString(open[1].ShardId), err)
		}
		after("MergeShards")
	}
	scale := func(target int32) {
		t.Helper()
		if _, err := c.UpdateShardCount(ctx(t), &kinesis.UpdateShardCountInput{StreamName: aws.String(rgStream), TargetShardCount: aws.Int32(target), ScalingType: types.ScalingTypeUniformScaling}); err != nil {
			t.Fatalf("UpdateShardCount %d: %v", target, err)
		}
		after(fmt.Sprintf("UpdateShardCount %d", target))
		if n := len(rgOpenShards(t, c)); n != int(target) {
			t.Fatalf("%d open shards after UpdateShardCount %d", n, target)
		}
	}

	progress("CreateStream")
	split()  // 3 open
	merge()  // 2 open
	scale(4) // up
	scale(2) // down
	split()  // 3 open
	scale(6) // up, double
	merge()  // 5 open
	scale(3) // down, 5 to 3: not a divisor
	stopProducers()
	for p, err := range errs {
		if err != nil {
			t.Fatalf("producer %d: %v", p, err)
		}
	}
	acked := map[rgID]rgAck{}
	for _, m := range acks {
		for id, a := range m {
			acked[id] = a
		}
	}

	// Read parents before children: a shard is read once all its parents
	// have been read.
	shards := rgAllShards(t, c)
	byID := map[string]types.Shard{}
	for _, sh := range shards {
		byID[aws.ToString(sh.ShardId)] = sh
	}
	children := map[string][]string{} // lineage from ListShards
	for _, sh := range shards {
		for _, parent := range []*string{sh.ParentShardId, sh.AdjacentParentShardId} {
			if parent != nil {
				if _, ok := byID[*parent]; !ok {
					t.Fatalf("shard %s names parent %s, which ListShards does not list", aws.ToString(sh.ShardId), *parent)
				}
				children[*parent] = append(children[*parent], aws.ToString(sh.ShardId))
			}
		}
	}
	read := map[string]bool{}
	seen := map[rgID]bool{}
	last := map[int]int{} // key -> last counter read
	var readCount, open int
	for len(read) < len(shards) {
		progressed := false
		for _, sh := range shards {
			id := aws.ToString(sh.ShardId)
			if read[id] || (sh.ParentShardId != nil && !read[*sh.ParentShardId]) || (sh.AdjacentParentShardId != nil && !read[*sh.AdjacentParentShardId]) {
				continue
			}
			recs, kids := rgReadShard(t, c, sh)
			read[id], progressed = true, true
			if sh.SequenceNumberRange.EndingSequenceNumber == nil {
				open++
			} else if want := sortedCopy(children[id]); fmt.Sprint(kids) != fmt.Sprint(want) {
				t.Fatalf("closed shard %s ends with ChildShards %v; ListShards lineage says %v", id, kids, want)
			}
			for _, r := range recs {
				rid, ok := rgParse(r.Data)
				if !ok {
					t.Fatalf("shard %s: record %q is not one this test wrote", id, r.Data)
				}
				a, wasAcked := acked[rid]
				switch {
				case seen[rid]:
					t.Fatalf("key %d record %d read twice (second time in %s)", rid.key, rid.n, id)
				case !wasAcked:
					t.Fatalf("key %d record %d in %s was never acknowledged", rid.key, rid.n, id)
				case a.shard != id || a.seq != aws.ToString(r.SequenceNumber):
					t.Fatalf("key %d record %d read from %s %s; PutRecords said %s %s", rid.key, rid.n, id, aws.ToString(r.SequenceNumber), a.shard, a.seq)
				}
				if prev, ok := last[rid.key]; ok && rid.n <= prev {
					t.Fatalf("key %d: record %d read after record %d (shard %s)", rid.key, rid.n, prev, id)
				}
				seen[rid], last[rid.key] = true, rid.n
				readCount++
			}
		}
		if !progressed {
			t.Fatalf("shard lineage has a cycle or a missing parent: read %d of %d shards", len(read), len(shards))
		}
	}
	if readCount != len(acked) {
		for id := range acked {
			if !seen[id] {
				t.Fatalf("%d of %d acknowledged records were read; key %d record %d is missing", readCount, len(acked), id.key, id.n)
			}
		}
	}
	if len(last) != rgKeys {
		t.Fatalf("records of %d keys read, want %d", len(last), rgKeys)
	}
	if open != 3 {
		t.Fatalf("%d open shards at the end, want 3", open)
	}
	t.Logf("%d records acknowledged and read exactly once in per-key order (%d entries failed), %d reshards, %d keys, %d shards at the end (%d open)",
		len(acked), failed.Load(), reshards, rgKeys, len(shards), open)
	if time.Now().After(deadline) {
		t.Fatalf("took longer than 60 s")
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
