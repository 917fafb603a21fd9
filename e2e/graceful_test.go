package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
)

// gsShardKey is an explicit hash key inside shard s of 4 even shards.
func gsShardKey(s int) string {
	k := new(big.Int).Lsh(big.NewInt(int64(s)), 126)
	return k.Add(k, big.NewInt(777)).String()
}

type gsEntry struct{ req, i, shard int }

type gsLedger struct {
	mu      sync.Mutex
	entries map[string]gsEntry // data -> where it was sent
	perReq  map[int]int        // request -> entries
	acked   map[string]k9Ack   // data -> shard, sequence number
	acks    atomic.Int64
	nextReq atomic.Int64
}

// gsProduce sends PutRecords batches (1-20 entries spread over the 4
// shards) until the server stops answering.
func gsProduce(ctx context.Context, c *kinesis.Client, p int, l *gsLedger) {
	for n := 0; ctx.Err() == nil; n++ {
		req := int(l.nextReq.Add(1))
		size := 1 + (p*7+n)%20
		batch := make([]types.PutRecordsRequestEntry, size)
		l.mu.Lock()
		for i := range batch {
			shard := (p + i + n) % 4
			data := fmt.Sprintf("gs r=%06d i=%02d s=%d", req, i, shard)
			l.entries[data] = gsEntry{req, i, shard}
			batch[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String("pk"), ExplicitHashKey: aws.String(gsShardKey(shard)), Data: []byte(data)}
		}
		l.perReq[req] = size
		l.mu.Unlock()
		out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("graceful"), Records: batch})
		if err != nil {
			var ae smithy.APIError
			if errors.As(err, &ae) {
				continue // refused while alive: not acknowledged
			}
			return
		}
		l.mu.Lock()
		for i, r := range out.Records {
			if r.ErrorCode == nil {
				l.acked[string(batch[i].Data)] = k9Ack{aws.ToString(r.ShardId), aws.ToString(r.SequenceNumber)}
				l.acks.Add(1)
			}
		}
		l.mu.Unlock()
	}
}

// TestGracefulStopUnderLoad sends SIGTERM while 8 writers are in flight:
// the server exits 0; after a restart (which finds nothing to repair) every
// acknowledged record is there exactly once where it was acknowledged, and
// no request is half applied: in each shard a request's records are all
// there or none is.
func TestGracefulStopUnderLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startServer(t, dir, zeroDelays...)
	createStream(t, srv.client(), "graceful", 4)
	l := &gsLedger{entries: map[string]gsEntry{}, perReq: map[int]int{}, acked: map[string]k9Ack{}}
	c := srv.client()
	pctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for p := range 8 {
		wg.Go(func() { gsProduce(pctx, c, p, l) })
	}
	poll(t, 15*time.Second, "acknowledged writes", func() (bool, string) {
		n := l.acks.Load()
		return n >= 500, fmt.Sprintf("%d acks", n)
	})
	srv.Stop() // SIGTERM with writers in flight; requires exit code 0
	cancel()
	wg.Wait()
	if !strings.Contains(srv.Output(), "all data durable") {
		t.Fatalf("no final durability line:\n%s", srv.Output())
	}

	srv = startServer(t, dir, zeroDelays...)
	c = srv.client()
	waitActive(t, c, "graceful")
	for _, bad := range []string{"torn tail", "corrupt", "level=ERROR"} {
		if strings.Contains(srv.Output(), bad) {
			t.Fatalf("restart after a graceful stop logged %q:\n%s", bad, srv.Output())
		}
	}
	stored := map[string]k9Ack{}
	byReqShard := map[[2]int]int{}
	for _, sh := range describeShards(t, c, "graceful") {
		id := aws.ToString(sh.ShardId)
		for _, r := range readShard(t, c, "graceful", id) {
			d := string(r.Data)
			e, sent := l.entries[d]
			if !sent {
				t.Fatalf("%s holds %q, never sent", id, d)
			}
			if _, dup := stored[d]; dup {
				t.Fatalf("%q stored twice", d)
			}
			stored[d] = k9Ack{id, aws.ToString(r.SequenceNumber)}
			byReqShard[[2]int{e.req, e.shard}]++
		}
	}
	for d, a := range l.acked {
		if got, ok := stored[d]; !ok || got != a {
			t.Fatalf("acknowledged %q (%s %s) is stored as %+v", d, a.shard, a.seq, got)
		}
	}
	// All or none of a request's records in each shard.
	sentTo := map[[2]int]int{}
	for _, e := range l.entries {
		sentTo[[2]int{e.req, e.shard}]++
	}
	for k, n := range byReqShard {
		if n != sentTo[k] {
			t.Fatalf("request %d is half applied in shard %d: %d of its %d records there", k[0], k[1], n, sentTo[k])
		}
	}
	t.Logf("%d requests, %d records sent, %d acknowledged, %d stored", len(l.perReq), len(l.entries), len(l.acked), len(stored))
	srv.Stop()
}
