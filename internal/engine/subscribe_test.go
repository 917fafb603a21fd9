package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/runnel-io/runnel/internal/engine"
	"github.com/runnel-io/runnel/internal/logstore"
	"github.com/runnel-io/runnel/internal/metastore"
	"github.com/runnel-io/runnel/internal/record"
)

// Subscription tests run inside a synctest bubble: the engine's clock and
// its timers (heartbeat, duration) are the bubble's fake time, and
// synctest.Wait says when every goroutine (subscribers, feeds) is blocked.

// countingLogs wraps a LogStore and counts the reads that returned records.
type countingLogs struct {
	engine.LogStore
	reads atomic.Int64
}

func (c *countingLogs) OpenShard(stream string, shard uint32) (engine.ShardLog, error) {
	l, err := c.LogStore.OpenShard(stream, shard)
	if err != nil {
		return nil, err
	}
	return &countingShard{ShardLog: l, reads: &c.reads}, nil
}

type countingShard struct {
	engine.ShardLog
	reads *atomic.Int64
}

func (c *countingShard) Read(from uint64, maxRecords, maxBytes int, dst []record.Record) ([]record.Record, error) {
	out, err := c.ShardLog.Read(from, maxRecords, maxBytes, dst)
	if len(out) > len(dst) {
		c.reads.Add(1)
	}
	return out, err
}

type subRig struct {
	e    *engine.Engine
	logs *countingLogs
	arn  string // the consumer's ARN
}

// newSubRig makes an engine (inside the bubble) with stream "s" of shards
// shards and an ACTIVE consumer "app".
func newSubRig(t *testing.T, shards int, cfg engine.Config) *subRig {
	t.Helper()
	r := &subRig{logs: &countingLogs{LogStore: logstore.NewMemory()}}
	cfg.Region, cfg.AccountID, cfg.Key, cfg.Now = "us-east-1", "000000000000", bytes.Repeat([]byte{7}, 32), time.Now
	e, err := engine.New(cfg, r.logs, metastore.NewMemory())
	if err != nil {
		t.Fatalf("engine.New: %v", err)
	}
	r.e = e
	if err := e.CreateStream(ctx, engine.CreateStreamInput{Name: "s", ShardCount: &shards}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(cfg.CreateDelay) // until ACTIVE
	c, err := e.RegisterStreamConsumer(ctx, consumerStreamARN, "app", nil)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(cfg.CreateDelay)
	r.arn = c.ARN
	return r
}

// put writes n records "<prefix>-<i>" to shard 0 and returns their sequence numbers.
func (r *subRig) put(t *testing.T, prefix string, n int) []string {
	t.Helper()
	entries := make([]engine.PutEntry, n)
	for i := range entries {
		entries[i] = engine.PutEntry{PartitionKey: "k", ExplicitHashKey: "0", Data: fmt.Appendf(nil, "%s-%d", prefix, i)}
	}
	res, err := r.e.PutRecords(ctx, engine.StreamRef{Name: "s"}, entries)
	if err != nil {
		t.Fatal(err)
	}
	seqs := make([]string, n)
	for i, p := range res {
		seqs[i] = p.SequenceNumber
	}
	return seqs
}

// withConsumer returns a copy of the rig for a new consumer of stream "s".
func (r *subRig) withConsumer(t *testing.T, name string) *subRig {
	t.Helper()
	c, err := r.e.RegisterStreamConsumer(ctx, consumerStreamARN, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	r2 := *r
	r2.arn = c.ARN
	return &r2
}

// nextAsync returns a channel that gets sub's next event with records.
func nextAsync(t *testing.T, sub *engine.Subscription) <-chan engine.SubscribeEvent {
	ch := make(chan engine.SubscribeEvent)
	go func() { ch <- next(t, sub) }()
	return ch
}

func (r *subRig) subscribe(t *testing.T, pos engine.StartingPosition) *engine.Subscription {
	t.Helper()
	sub, err := r.e.SubscribeToShard(ctx, engine.SubscribeInput{ConsumerARN: r.arn, ShardID: "shardId-000000000000", StartingPosition: pos})
	if err != nil {
		t.Fatalf("SubscribeToShard %+v: %v", pos, err)
	}
	return sub
}

// next returns the next event with records, skipping heartbeats.
func next(t *testing.T, sub *engine.Subscription) engine.SubscribeEvent {
	t.Helper()
	for {
		ev, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if len(ev.Records) > 0 || ev.ChildShards != nil {
			return ev
		}
	}
}

func data(ev engine.SubscribeEvent) []string {
	out := make([]string, len(ev.Records))
	for i, r := range ev.Records {
		out[i] = string(r.Data)
	}
	return out
}

func wantData(t *testing.T, ev engine.SubscribeEvent, want ...string) {
	t.Helper()
	if got := data(ev); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("records %v, want %v", got, want)
	}
	if ev.ContinuationSequenceNumber != ev.SequenceNumbers[len(ev.SequenceNumbers)-1] {
		t.Fatalf("ContinuationSequenceNumber %s, want the last record's %s", ev.ContinuationSequenceNumber, ev.SequenceNumbers[len(ev.SequenceNumbers)-1])
	}
}

func TestSubscribeDeliversInOrderAndContinues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newSubRig(t, 1, engine.Config{})
		first := r.put(t, "a", 3)
		sub := r.subscribe(t, engine.StartingPosition{Type: engine.TrimHorizon})
		ev := next(t, sub)
		wantData(t, ev, "a-0", "a-1", "a-2")
		if fmt.Sprint(ev.SequenceNumbers) != fmt.Sprint(first) {
			t.Fatalf("sequence numbers %v, want %v", ev.SequenceNumbers, first)
		}
		// Pushed while the subscriber waits.
		got := nextAsync(t, sub)
		synctest.Wait()
		r.put(t, "b", 2)
		ev = <-got
		wantData(t, ev, "b-0", "b-1")
		cont := ev.ContinuationSequenceNumber
		sub.Close()

		r.put(t, "c", 2)
		after := r.subscribe(t, engine.StartingPosition{Type: engine.AfterSequenceNumber, SequenceNumber: cont})
		wantData(t, next(t, after), "c-0", "c-1")
		after.Close()

		at := r.subscribe(t, engine.StartingPosition{Type: engine.AtSequenceNumber, SequenceNumber: first[2]})
		wantData(t, next(t, at), "a-2", "b-0", "b-1", "c-0", "c-1")
		at.Close()

		time.Sleep(time.Second)
		stamp := time.Now()
		r.put(t, "d", 1)
		ts := r.subscribe(t, engine.StartingPosition{Type: engine.AtTimestamp, Timestamp: &stamp})
		wantData(t, next(t, ts), "d-0")
		ts.Close()

		latest := r.subscribe(t, engine.StartingPosition{Type: engine.Latest})
		got = nextAsync(t, latest)
		synctest.Wait()
		r.put(t, "e", 1)
		wantData(t, <-got, "e-0")
		latest.Close()
	})
}

func TestSubscribeRejects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newSubRig(t, 1, engine.Config{CreateDelay: time.Second})
		c, err := r.e.RegisterStreamConsumer(ctx, consumerStreamARN, "new", nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.e.SubscribeToShard(ctx, engine.SubscribeInput{ConsumerARN: c.ARN, ShardID: "shardId-000000000000", StartingPosition: engine.StartingPosition{Type: engine.Latest}})
		wantErr(t, err, engine.KindInUse, fmt.Sprintf("Consumer new with creation timestamp %d under stream: s , account 000000000000 is not in ACTIVE status.", c.Created.Unix()))
		_, err = r.e.SubscribeToShard(ctx, engine.SubscribeInput{ConsumerARN: r.arn, ShardID: "shardId-000000000007", StartingPosition: engine.StartingPosition{Type: engine.Latest}})
		wantErr(t, err, engine.KindNotFound, "Shard shardId-000000000007 in stream s under account 000000000000 does not exist")
		_, err = r.e.SubscribeToShard(ctx, engine.SubscribeInput{ConsumerARN: r.arn, ShardID: "shardId-000000000000", StartingPosition: engine.StartingPosition{Type: engine.AtSequenceNumber}})
		wantErr(t, err, engine.KindInvalidArgument, "")
	})
}

func TestSubscribeTakeover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newSubRig(t, 1, engine.Config{})
		old := r.subscribe(t, engine.StartingPosition{Type: engine.Latest})
		defer old.Close()
		time.Sleep(4 * time.Second)
		_, err := r.e.SubscribeToShard(ctx, engine.SubscribeInput{ConsumerARN: r.arn, ShardID: "shardId-000000000000", StartingPosition: engine.StartingPosition{Type: engine.Latest}})
		wantErr(t, err, engine.KindInUse, "Another active subscription exists for this consumer: "+r.arn)

		time.Sleep(time.Second) // 5 s after the first: the new one takes over
		ended := make(chan error)
		go func() {
			for { // heartbeats until the end
				if _, err := old.Next(ctx); err != nil {
					ended <- err
					return
				}
			}
		}()
		synctest.Wait()
		taker := r.subscribe(t, engine.StartingPosition{Type: engine.Latest})
		defer taker.Close()
		wantErr(t, <-ended, engine.KindInUse, "Another active subscription exists for this consumer: "+r.arn)
		old.Close()

		// A subscription that ended frees the consumer at once.
		taker.Close()
		r.subscribe(t, engine.StartingPosition{Type: engine.Latest}).Close()
	})
}

func TestSubscribeHeartbeatsThenEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newSubRig(t, 1, engine.Config{SubscriptionHeartbeat: 2 * time.Second, SubscriptionDuration: 7 * time.Second})
		seqs := r.put(t, "a", 2)
		sub := r.subscribe(t, engine.StartingPosition{Type: engine.AfterSequenceNumber, SequenceNumber: seqs[1]})
		defer sub.Close()
		beats := 0
		for {
			ev, err := sub.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(ev.Records) != 0 || ev.ContinuationSequenceNumber != seqs[1] || ev.MillisBehindLatest != 0 {
				t.Fatalf("heartbeat %+v, want no records and continuation %s", ev, seqs[1])
			}
			beats++
		}
		if beats != 3 { // at 2, 4 and 6 s; the subscription ends at 7 s
			t.Fatalf("%d heartbeats, want 3", beats)
		}
		if _, err := sub.Next(ctx); !errors.Is(err, io.EOF) {
			t.Fatalf("Next after the end: %v, want io.EOF", err)
		}
	})
}

func TestSubscribeEndOfClosedShard(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newSubRig(t, 1, engine.Config{})
		r.put(t, "a", 2)
		sub := r.subscribe(t, engine.StartingPosition{Type: engine.TrimHorizon})
		defer sub.Close()
		wantData(t, next(t, sub), "a-0", "a-1")
		got := nextAsync(t, sub)
		synctest.Wait() // the subscriber waits on the feed
		if err := r.e.SplitShard(ctx, engine.StreamRef{Name: "s"}, "shardId-000000000000", "85070591730234615865843651857942052864"); err != nil {
			t.Fatal(err)
		}
		ev := <-got
		if len(ev.Records) != 0 || ev.ContinuationSequenceNumber != "" || len(ev.ChildShards) != 2 ||
			ev.ChildShards[0].ShardID != "shardId-000000000001" || fmt.Sprint(ev.ChildShards[1].ParentShards) != "[shardId-000000000000]" {
			t.Fatalf("last event %+v, want ChildShards 1 and 2 and no continuation", ev)
		}
		if _, err := sub.Next(ctx); !errors.Is(err, io.EOF) {
			t.Fatalf("Next after the last event: %v, want io.EOF", err)
		}
		// Subscribing to the closed shard replays it, then ends the same way.
		sub.Close()
		again := r.subscribe(t, engine.StartingPosition{Type: engine.TrimHorizon})
		defer again.Close()
		wantData(t, next(t, again), "a-0", "a-1")
		if ev := next(t, again); len(ev.ChildShards) != 2 {
			t.Fatalf("replay's last event %+v", ev)
		}
	})
}

// subscriber collects a subscription's records in the background.
type subscriber struct {
	sub    *engine.Subscription
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	got    []string
}

func startSubscriber(t *testing.T, r *subRig, pos engine.StartingPosition) *subscriber {
	t.Helper()
	c, cancel := context.WithCancel(ctx)
	s := &subscriber{sub: r.subscribe(t, pos), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for {
			ev, err := s.sub.Next(c)
			if err != nil {
				return
			}
			s.mu.Lock()
			s.got = append(s.got, data(ev)...)
			s.mu.Unlock()
		}
	}()
	return s
}

func (s *subscriber) records() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

func (s *subscriber) stop() {
	s.cancel()
	<-s.done
	s.sub.Close()
}

func TestSubscribeFanOutReadsEachBatchOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newSubRig(t, 1, engine.Config{})
		// Ten consumers on one shard.
		var subs []*subscriber
		for i := range 10 {
			r2 := r.withConsumer(t, fmt.Sprintf("c%d", i))
			subs = append(subs, startSubscriber(t, r2, engine.StartingPosition{Type: engine.Latest}))
		}
		synctest.Wait() // all attached to the feed, waiting
		before := r.logs.reads.Load()
		var want []string
		for i := range 5 {
			r.put(t, fmt.Sprint(i), 3)
			want = append(want, fmt.Sprintf("%d-0", i), fmt.Sprintf("%d-1", i), fmt.Sprintf("%d-2", i))
			synctest.Wait()
		}
		if reads := r.logs.reads.Load() - before; reads != 5 {
			t.Fatalf("%d log reads returned records for 5 batches and 10 subscribers, want 5", reads)
		}
		for i, s := range subs {
			if got := s.records(); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("subscriber %d got %v, want %v", i, got, want)
			}
			s.stop()
		}
	})
}

// fastAndSlow starts two subscribers at LATEST of stream "s" (no
// heartbeats): one that takes every event, and one whose first event will
// arrive on the returned channel and which takes nothing else until the
// test asks. Both are attached to the feed when it returns.
func fastAndSlow(t *testing.T) (*subRig, *subscriber, *engine.Subscription, <-chan engine.SubscribeEvent) {
	t.Helper()
	r := newSubRig(t, 1, engine.Config{SubscriptionHeartbeat: time.Hour})
	fast := startSubscriber(t, r, engine.StartingPosition{Type: engine.Latest})
	slow := r.withConsumer(t, "slow").subscribe(t, engine.StartingPosition{Type: engine.Latest})
	first := nextAsync(t, slow)
	synctest.Wait()
	return r, fast, slow, first
}

func TestSubscribeSlowSubscriberCatchesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, fast, slow, first := fastAndSlow(t)
		defer fast.stop()
		defer slow.Close()

		// The slow subscriber takes one event, then nothing while the
		// writer puts 200 batches: no put waits for it, the fast
		// subscriber gets every batch, and the slow one, still within
		// its queue, gets them later from the same reads of the feed.
		const batches = 200
		before := r.logs.reads.Load()
		var want []string
		for i := range batches {
			r.put(t, fmt.Sprint(i), 2)
			want = append(want, fmt.Sprintf("%d-0", i), fmt.Sprintf("%d-1", i))
			synctest.Wait()
		}
		if got := fast.records(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("fast subscriber got %d records, want %d", len(got), len(want))
		}
		got := data(<-first)
		for len(got) < len(want) {
			got = append(got, data(next(t, slow))...)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("slow subscriber got %v, want %v", got, want)
		}
		if reads := r.logs.reads.Load() - before; reads != batches {
			t.Fatalf("%d log reads for %d batches: the lagging subscriber read the log itself", reads, batches)
		}
		// Caught up, it rejoins the feed.
		last := nextAsync(t, slow)
		synctest.Wait()
		r.put(t, "z", 1)
		wantData(t, <-last, "z-0")
	})
}

func TestSubscribeEndSubscriptions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newSubRig(t, 1, engine.Config{})
		sub := r.subscribe(t, engine.StartingPosition{Type: engine.Latest})
		defer sub.Close()
		ended := make(chan error)
		go func() {
			_, err := sub.Next(ctx)
			ended <- err
		}()
		synctest.Wait()
		r.e.EndSubscriptions()
		if err := <-ended; !errors.Is(err, io.EOF) {
			t.Fatalf("Next after EndSubscriptions: %v, want io.EOF", err)
		}
	})
}

// Subscribers handed the same whole batch by the feed share one EventMemo,
// so the encoder can encode their identical events once; an event read
// from the log by one subscriber alone carries none.
func TestSubscribeFanOutSharesEventMemo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newSubRig(t, 1, engine.Config{SubscriptionHeartbeat: time.Hour})
		r2 := r.withConsumer(t, "other")
		a := r.subscribe(t, engine.StartingPosition{Type: engine.Latest})
		defer a.Close()
		b := r2.subscribe(t, engine.StartingPosition{Type: engine.Latest})
		defer b.Close()
		evA, evB := nextAsync(t, a), nextAsync(t, b)
		synctest.Wait() // both attached to the feed
		r.put(t, "x", 3)
		ea, eb := <-evA, <-evB
		wantData(t, ea, "x-0", "x-1", "x-2")
		wantData(t, eb, "x-0", "x-1", "x-2")
		if ea.Shared == nil || ea.Shared != eb.Shared {
			t.Fatalf("feed events share memo %p and %p, want one non-nil memo", ea.Shared, eb.Shared)
		}
		ea.Shared.Store(ea.MillisBehindLatest, []byte("encoded"))
		if got, ok := eb.Shared.Load(eb.MillisBehindLatest); !ok || string(got) != "encoded" {
			t.Fatalf("memo Load = %q, %v; want what the other subscriber stored", got, ok)
		}
		if _, ok := eb.Shared.Load(eb.MillisBehindLatest + 1); ok {
			t.Fatal("memo answered for another MillisBehindLatest")
		}

		// A new subscription from TRIM_HORIZON reads the log itself.
		r3 := r.withConsumer(t, "late")
		late := r3.subscribe(t, engine.StartingPosition{Type: engine.TrimHorizon})
		defer late.Close()
		if ev := next(t, late); ev.Shared != nil {
			t.Fatalf("event read from the log by one subscriber has a shared memo")
		}
	})
}

// A subscriber more than the queue bound behind is detached: the writer
// and the other subscribers go on, and it catches up from the log on its
// own, every record in order.
func TestSubscribeDetachedPastQueueBoundCatchesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, fast, slow, first := fastAndSlow(t)
		defer fast.stop()
		defer slow.Close()

		// 40 batches of 2 × 512 KiB: 40 MiB, past the 32 MiB queue bound.
		const batches = 40
		pad := bytes.Repeat([]byte{'.'}, 512<<10)
		before := r.logs.reads.Load()
		var want []string
		for i := range batches {
			entries := make([]engine.PutEntry, 2)
			for j := range entries {
				entries[j] = engine.PutEntry{PartitionKey: "k", ExplicitHashKey: "0", Data: append(fmt.Appendf(nil, "%d-%d|", i, j), pad...)}
				want = append(want, fmt.Sprintf("%d-%d", i, j))
			}
			if _, err := r.e.PutRecords(ctx, engine.StreamRef{Name: "s"}, entries); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
		}
		names := func(ev engine.SubscribeEvent) []string {
			out := make([]string, len(ev.Records))
			for i, rec := range ev.Records {
				out[i], _, _ = strings.Cut(string(rec.Data), "|")
			}
			return out
		}
		if got := len(fast.records()); got != len(want) {
			t.Fatalf("fast subscriber got %d records, want %d", got, len(want))
		}
		got := names(<-first)
		for len(got) < len(want) {
			got = append(got, names(next(t, slow))...)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("slow subscriber got %v, want %v", got, want)
		}
		if reads := r.logs.reads.Load() - before; reads <= batches {
			t.Fatalf("%d log reads for %d batches: the subscriber past the bound was never detached", reads, batches)
		}
	})
}
