package e2e

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
)

const (
	k9Stream    = "crash"
	k9Producers = 8
)

// k9Payload is the unique, self-checking payload of producer p's c-th record:
// a header naming (p, c) and a filler derived from it, so any corruption,
// truncation or mix-up is detectable from the record alone.
func k9Payload(p, c int) []byte {
	head := fmt.Sprintf("k9 p=%02d c=%08d|", p, c)
	sum := sha256.Sum256([]byte(head))
	n := 16 + int(sum[0])%300
	b := []byte(head)
	for len(b) < len(head)+n {
		b = append(b, sum[:]...)
	}
	return b[:len(head)+n]
}

func k9PartitionKey(p, c int) string { return fmt.Sprintf("p%d-%d", p, c%16) }

// parseK9 recovers (p, c) from a payload and verifies every byte.
func parseK9(data []byte) (p, c int, ok bool) {
	if _, err := fmt.Sscanf(string(data), "k9 p=%02d c=%08d|", &p, &c); err != nil {
		return 0, 0, false
	}
	return p, c, string(k9Payload(p, c)) == string(data)
}

type k9Ack struct{ shard, seq string }

// k9Ledger is what producers know: every record attempted and every record
// acknowledged, with the shard and sequence number the server gave it.
type k9Ledger struct {
	mu        sync.Mutex
	attempted map[[2]int]bool
	acked     map[[2]int]k9Ack
	cycleAcks atomic.Int64
}

func (l *k9Ledger) attempt(p, c int) {
	l.mu.Lock()
	l.attempted[[2]int{p, c}] = true
	l.mu.Unlock()
}

func (l *k9Ledger) ack(p, c int, shard, seq string) {
	l.mu.Lock()
	l.acked[[2]int{p, c}] = k9Ack{shard, seq}
	l.mu.Unlock()
	l.cycleAcks.Add(1)
}

// k9Produce writes until ctx ends or the server stops answering. next is the
// producer's counter, kept across cycles so payloads stay unique. Requests are
// sequential per producer, and never retried.
func k9Produce(ctx context.Context, c *kinesis.Client, p int, next *int, l *k9Ledger, rng *rand.Rand) {
	for ctx.Err() == nil {
		if rng.IntN(2) == 0 {
			n := *next
			*next++
			l.attempt(p, n)
			out, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(k9Stream), PartitionKey: aws.String(k9PartitionKey(p, n)), Data: k9Payload(p, n)})
			if err != nil {
				var ae smithy.APIError
				if errors.As(err, &ae) {
					continue // refused while alive (e.g. throttled): not acknowledged
				}
				return // the server is gone
			}
			l.ack(p, n, aws.ToString(out.ShardId), aws.ToString(out.SequenceNumber))
			continue
		}
		first := *next
		batch := make([]types.PutRecordsRequestEntry, 1+rng.IntN(25))
		for i := range batch {
			n := first + i
			l.attempt(p, n)
			batch[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(k9PartitionKey(p, n)), Data: k9Payload(p, n)}
		}
		*next += len(batch)
		out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(k9Stream), Records: batch})
		if err != nil {
			var ae smithy.APIError
			if errors.As(err, &ae) {
				continue
			}
			return
		}
		if len(out.Records) != len(batch) {
			return // reported by the final check: nothing of this batch is acknowledged
		}
		for i, r := range out.Records {
			if r.ErrorCode == nil {
				l.ack(p, first+i, aws.ToString(r.ShardId), aws.ToString(r.SequenceNumber))
			}
		}
	}
}

// TestKill9 crashes the server under concurrent writes and checks that every
// acknowledged record survives exactly once, intact and in order.
func TestKill9(t *testing.T) {
	t.Parallel()
	cycles := 3
	if v := os.Getenv("E2E_KILL_CYCLES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("E2E_KILL_CYCLES=%q: want a positive integer", v)
		}
		cycles = n
	}
	budget := 50*time.Second + time.Duration(cycles-3)*10*time.Second
	began := time.Now()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %d kill cycles", seed, cycles)
	rng := rand.New(rand.NewPCG(seed, 9))

	dir := t.TempDir()
	srv := startServer(t, dir, zeroDelays...)
	createStream(t, srv.client(), k9Stream, 4)

	ledger := &k9Ledger{attempted: map[[2]int]bool{}, acked: map[[2]int]k9Ack{}}
	next := make([]int, k9Producers)
	for cycle := range cycles {
		if cycle > 0 {
			srv = startServer(t, dir, zeroDelays...)
			waitActive(t, srv.client(), k9Stream)
		}
		c := srv.client()
		ledger.cycleAcks.Store(0)
		cctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for p := range k9Producers {
			prng := rand.New(rand.NewPCG(seed, uint64(cycle*100+p)))
			wg.Go(func() { k9Produce(cctx, c, p, &next[p], ledger, prng) })
		}
		// Let writes flow (some acknowledged), then crash at a random moment.
		poll(t, 15*time.Second, "acknowledged writes in this cycle", func() (bool, string) {
			n := ledger.cycleAcks.Load()
			return n >= 20, fmt.Sprintf("%d acks", n)
		})
		time.Sleep(time.Duration(rng.IntN(700)) * time.Millisecond) // workload length, not synchronisation
		srv.Kill()
		cancel()
		waited := make(chan struct{})
		go func() { wg.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(15 * time.Second):
			t.Fatal("producers did not stop within 15 s of the kill")
		}
		t.Logf("cycle %d: %d acknowledged before SIGKILL", cycle, ledger.cycleAcks.Load())
		if time.Since(began) > budget {
			t.Fatalf("kill cycles exceeded their %v budget", budget)
		}
	}

	srv = startServer(t, dir, zeroDelays...)
	c := srv.client()
	waitActive(t, c, k9Stream)
	shards := describeShards(t, c, k9Stream)
	if len(shards) != 4 {
		t.Fatalf("%d shards after recovery; want 4", len(shards))
	}

	seen := map[[2]int]k9Ack{}
	for _, sh := range shards {
		id := aws.ToString(sh.ShardId)
		recs := readShard(t, c, k9Stream, id)
		lastAcked := map[int]int{} // producer -> last acknowledged counter seen in this shard
		lastAny := map[int]int{}   // producer -> last counter seen in this shard
		prevSeq := ""
		for i, r := range recs {
			seq := aws.ToString(r.SequenceNumber)
			if prevSeq != "" && !seqLess(t, prevSeq, seq) {
				t.Fatalf("%s record %d: sequence %s not above %s (reused after a crash?)", id, i, seq, prevSeq)
			}
			prevSeq = seq
			p, n, ok := parseK9(r.Data)
			if !ok {
				t.Fatalf("%s record %d (seq %s): corrupted payload %q", id, i, seq, r.Data)
			}
			key := [2]int{p, n}
			if aws.ToString(r.PartitionKey) != k9PartitionKey(p, n) {
				t.Fatalf("%s record p=%d c=%d: partition key %q; want %q", id, p, n, aws.ToString(r.PartitionKey), k9PartitionKey(p, n))
			}
			if !ledger.attempted[key] {
				t.Fatalf("%s record p=%d c=%d was never sent", id, p, n)
			}
			if prev, dup := seen[key]; dup {
				t.Fatalf("record p=%d c=%d appears twice: %s %s and %s %s", p, n, prev.shard, prev.seq, id, seq)
			}
			seen[key] = k9Ack{id, seq}
			if a, isAcked := ledger.acked[key]; isAcked {
				if a.shard != id || a.seq != seq {
					t.Fatalf("record p=%d c=%d was acknowledged as %s %s but is stored as %s %s", p, n, a.shard, a.seq, id, seq)
				}
				if last, ok := lastAcked[p]; ok && n <= last {
					t.Fatalf("%s: acknowledged records of producer %d out of order: c=%d after c=%d", id, p, n, last)
				}
				lastAcked[p] = n
			}
			if last, ok := lastAny[p]; ok && n <= last {
				t.Fatalf("%s: records of producer %d out of order (sequential sends): c=%d after c=%d", id, p, n, last)
			}
			lastAny[p] = n
		}
	}
	lost := 0
	for key, a := range ledger.acked {
		if _, ok := seen[key]; !ok {
			if lost < 10 {
				t.Errorf("acknowledged record p=%d c=%d (%s %s) is missing after recovery", key[0], key[1], a.shard, a.seq)
			}
			lost++
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d acknowledged records lost", lost, len(ledger.acked))
	}
	t.Logf("%d attempted, %d acknowledged, %d stored (%d unacknowledged survivors)",
		len(ledger.attempted), len(ledger.acked), len(seen), len(seen)-len(ledger.acked))
	srv.Stop()
}
