package scenario

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

const (
	// efoTick is each efolatency producer's call interval, as in latency:
	// at 2,000 records/s and 5 records per call that is 16 producers.
	efoTick = latencyTick
	// efoMaxProducers bounds the producers whatever the rate and call size.
	efoMaxProducers = 256
	// efoMaxResubscribeFailures ends a shard's subscriber after this many
	// failed SubscribeToShard calls in a row.
	efoMaxResubscribeFailures = 50
)

func efoLatencyScenario() Scenario {
	return Scenario{
		Name: "efolatency",
		Description: fmt.Sprintf("put-to-subscriber latency through SubscribeToShard: %d shards, 1 registered consumer subscribed to every shard at LATEST (resubscribing after the last ContinuationSequenceNumber whenever a subscription ends); producers send PutRecords of -efo-records-per-call records (default 5, as in latency) every %v at a fixed total rate (-latency-rate, default 2000 records/s), random partition keys, their start times spread evenly over the interval; latency = arrival of the subscriber event − send time carried in the payload. Runnel only: kinesalite and the baseline have no SubscribeToShard",
			putShards, efoTick),
		Concurrency: efoMaxProducers + putShards + 1,
		Targets:     []string{"runnel"},
		Run:         runEFOLatency,
	}
}

// efoShard is one shard's subscriber: the current subscription, and what it
// received. Only its own goroutine writes it until that goroutine returns.
type efoShard struct {
	id        string
	cont      string         // last ContinuationSequenceNumber
	lastSeq   string         // last record's sequence number, for the order check
	records   []types.Record // every record received, duplicates included
	delivered atomic.Int64   // len(records), readable while running
	lat       latencies      // arrival − send time, per record

	subscriptions int // successful SubscribeToShard calls
	events        int
	outOfOrder    int
	err           error // why it stopped early, if it did
}

// runEFOLatency measures put-to-subscriber latency over enhanced fan-out:
// subscribers on every shard first (LATEST of the empty stream), then a
// paced write load; every acknowledged record must arrive exactly once.
func runEFOLatency(ctx context.Context, env Env) Result {
	r := Result{Scenario: "efolatency", Target: env.Target}
	c := env.Client
	stream := streamName("efolatency")
	if err := createStream(ctx, c, stream, putShards); err != nil {
		r.Failed = err.Error()
		return r
	}
	shardIDs, err := listShards(ctx, c, stream)
	if err != nil {
		r.Failed = err.Error()
		return r
	}
	consumerARN, err := registerActiveConsumer(ctx, c, stream, "efolatency")
	if err != nil {
		r.Failed = err.Error()
		return r
	}

	// Subscribe every shard before the first put: LATEST is fixed when the
	// SubscribeToShard answer starts, so nothing written later is missed.
	subCtx, stopSubscribers := context.WithCancel(ctx)
	defer stopSubscribers()
	var subErrs errorLog
	shards := make([]*efoShard, len(shardIDs))
	firsts := make([]*kinesis.SubscribeToShardEventStream, len(shardIDs))
	for i, id := range shardIDs {
		shards[i] = &efoShard{id: id}
		firsts[i], err = subscribeShard(subCtx, c, consumerARN, id, types.StartingPosition{Type: types.ShardIteratorTypeLatest})
		if err != nil {
			r.Failed = err.Error()
			for _, s := range firsts[:i] {
				_ = s.Close()
			}
			return r
		}
		shards[i].subscriptions++
	}
	var swg sync.WaitGroup
	for i, s := range shards {
		swg.Go(func() { s.run(subCtx, c, consumerARN, firsts[i], &subErrs) })
	}

	// Paced producers: perCall records every efoTick each, on an absolute
	// schedule, the producers offset evenly over the interval so that
	// calls leave at an even rate.
	rate := max(env.Sizes.LatencyRate, 1)
	perCall := max(env.Sizes.EFORecordsPerCall, 1)
	producers := min(max(rate*int(efoTick/time.Millisecond)/1000/perCall, 1), efoMaxProducers)
	out := &putOutcome{ledgers: newLedgers(producers)}
	putLats := make([]*latencies, producers)
	var late atomic.Int64
	var pwg sync.WaitGroup
	start := time.Now()
	before := markCPU(env.PID())
	deadline := start.Add(env.Duration)
	for w := range producers {
		putLats[w] = &latencies{}
		pwg.Go(func() {
			p := producer{client: c, stream: stream, plan: putPlan{batch: perCall}, ledger: out.ledgers[w], lat: putLats[w], out: out}
			late.Add(p.paced(ctx, start.Add(time.Duration(w)*efoTick/time.Duration(producers)), efoTick, deadline))
		})
	}
	pwg.Wait()
	out.elapsed = time.Since(start)
	cpu := cpuNote("the paced writes (producers and subscribers)", before, markCPU(env.PID()), out.calls, "PutRecords call")

	// Let the subscribers receive what was acknowledged, then stop them.
	var sent, acked int64
	for _, l := range out.ledgers {
		sent += int64(len(l.states))
		acked += l.acked()
	}
	delivered := func() int64 {
		var n int64
		for _, s := range shards {
			n += s.delivered.Load()
		}
		return n
	}
	catchUp := time.Now().Add(catchUpTimeout)
	for delivered() < acked && time.Now().Before(catchUp) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	stopSubscribers()
	swg.Wait()

	// The figures.
	lats := make([]*latencies, len(shards))
	var all []types.Record
	var subscriptions, events, outOfOrder int
	var perShard []string
	var failures []error
	for i, s := range shards {
		lats[i] = &s.lat
		all = append(all, s.records...)
		subscriptions += s.subscriptions
		events += s.events
		outOfOrder += s.outOfOrder
		perShard = append(perShard, fmt.Sprintf("%s %d", s.id, len(s.records)))
		if s.err != nil {
			failures = append(failures, fmt.Errorf("%s: %w", s.id, s.err))
		}
	}
	r.Records = int64(len(all))
	r.Bytes = r.Records * PayloadSize
	r.Calls = out.calls
	r.Elapsed = out.elapsed
	r.Latency = summarize(lats...)
	r.CallErrors = out.callErrors + subErrs.total()
	r.RecordErrors = out.recordErrors
	r.ErrorSamples = append(out.errs.samples(), subErrs.samples()...)
	putLat := summarize(putLats...)
	r.Figures = append(r.Figures,
		Figure{"put-to-subscriber p50 / p99 / max", fmt.Sprintf("%v / %v / %v over %d records", r.Latency.P50, r.Latency.P99, r.Latency.Max, r.Latency.Samples)},
		Figure{"records sent / acknowledged / delivered", fmt.Sprintf("%d / %d / %d", sent, acked, r.Records)},
		Figure{"write rate", fmt.Sprintf("%.0f records/s acknowledged (%d producers × %d records every %v)", float64(acked)/out.elapsed.Seconds(), producers, perCall, efoTick)})
	r.Notes = append(r.Notes,
		"kinesalite and the baseline are not run: neither has SubscribeToShard",
		"latency columns are put-to-subscriber: the time the SubscribeToShardEvent carrying the record arrived minus the send time in its payload (taken just before its PutRecords call), so they include the durable put",
		fmt.Sprintf("the PutRecords calls themselves: p50 %v, p99 %v, max %v; %d of %d started more than %v behind schedule",
			putLat.P50, putLat.P99, putLat.Max, late.Load(), out.calls, lateBy),
		fmt.Sprintf("subscribers: %d SubscribeToShard calls for %d shards (%d resubscriptions), %d events; delivered per shard: %s",
			subscriptions, len(shards), subscriptions-len(shards), events, strings.Join(perShard, ", ")),
		cpu)
	v := NewTimedVerifier(out.ledgers)
	v.Observe("subscribers", all)
	verdict := v.Verdict()
	switch {
	case len(failures) > 0:
		r.Integrity = "FAIL: a subscriber stopped: " + truncate(errors.Join(failures...).Error(), 200) + "; " + verdict
	case outOfOrder > 0:
		r.Integrity = fmt.Sprintf("FAIL: %d records arrived out of sequence-number order; %s", outOfOrder, verdict)
	case strings.HasPrefix(verdict, "ok"):
		r.Integrity = verdict + ", delivered through SubscribeToShard in order"
	default:
		r.Integrity = verdict
	}
	return r
}

// run consumes the shard's subscription and, whenever it ends before ctx
// does (the 5-minute limit, the harness client's 2-minute HTTP timeout, an
// exception event), subscribes again after the last continuation.
func (s *efoShard) run(ctx context.Context, c *kinesis.Client, consumerARN string, first *kinesis.SubscribeToShardEventStream, errs *errorLog) {
	events := first
	for {
		s.consume(ctx, events)
		if ctx.Err() != nil {
			return
		}
		if err := events.Err(); err != nil {
			errs.add("subscription ended: " + describeError(err))
		}
		next, err := s.resubscribe(ctx, c, consumerARN, errs)
		if err != nil {
			if ctx.Err() == nil {
				s.err = err
			}
			return
		}
		events = next
	}
}

// consume takes one subscription's events until it ends, stamping each
// event's records with the event's arrival time.
func (s *efoShard) consume(ctx context.Context, events *kinesis.SubscribeToShardEventStream) {
	stop := context.AfterFunc(ctx, func() { _ = events.Close() })
	defer func() {
		stop()
		_ = events.Close()
	}()
	for ev := range events.Events() {
		now := time.Now()
		e, ok := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
		if !ok {
			continue
		}
		s.events++
		for _, rec := range e.Value.Records {
			if sentAt, ok := PayloadSentAt(rec.Data); ok {
				s.lat.add(now.Sub(sentAt))
			}
			seq := aws.ToString(rec.SequenceNumber)
			if s.lastSeq != "" && !sequenceAfter(seq, s.lastSeq) {
				s.outOfOrder++
			}
			s.lastSeq = seq
		}
		s.records = append(s.records, e.Value.Records...)
		s.delivered.Add(int64(len(e.Value.Records)))
		if cont := aws.ToString(e.Value.ContinuationSequenceNumber); cont != "" {
			s.cont = cont
		}
	}
}

// resubscribe subscribes again after the last continuation (or at LATEST
// if none came), retrying refusals such as ResourceInUseException.
func (s *efoShard) resubscribe(ctx context.Context, c *kinesis.Client, consumerARN string, errs *errorLog) (*kinesis.SubscribeToShardEventStream, error) {
	pos := types.StartingPosition{Type: types.ShardIteratorTypeLatest}
	if s.cont != "" {
		pos = types.StartingPosition{Type: types.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: aws.String(s.cont)}
	}
	wait := 50 * time.Millisecond
	for failures := 1; ; failures++ {
		events, err := subscribeShard(ctx, c, consumerARN, s.id, pos)
		if err == nil {
			s.subscriptions++
			return events, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		errs.addError(err)
		if failures >= efoMaxResubscribeFailures {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// subscribeShard calls SubscribeToShard; the event stream outlives the
// call and ends with ctx.
func subscribeShard(ctx context.Context, c *kinesis.Client, consumerARN, shardID string, pos types.StartingPosition) (*kinesis.SubscribeToShardEventStream, error) {
	out, err := c.SubscribeToShard(ctx, &kinesis.SubscribeToShardInput{
		ConsumerARN: aws.String(consumerARN), ShardId: aws.String(shardID), StartingPosition: &pos,
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe to %s: %w", shardID, err)
	}
	return out.GetStream(), nil
}

// registerActiveConsumer registers one consumer on stream and waits until
// it is ACTIVE.
func registerActiveConsumer(ctx context.Context, c *kinesis.Client, stream, name string) (string, error) {
	callCtx, cancel := context.WithTimeout(ctx, callTimeout)
	sum, err := c.DescribeStreamSummary(callCtx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(stream)})
	cancel()
	if err != nil {
		return "", fmt.Errorf("describe %s: %w", stream, err)
	}
	callCtx, cancel = context.WithTimeout(ctx, callTimeout)
	out, err := c.RegisterStreamConsumer(callCtx, &kinesis.RegisterStreamConsumerInput{
		StreamARN: sum.StreamDescriptionSummary.StreamARN, ConsumerName: aws.String(name),
	})
	cancel()
	if err != nil {
		return "", fmt.Errorf("register consumer %s: %w", name, err)
	}
	arn := aws.ToString(out.Consumer.ConsumerARN)
	return arn, waitConsumerActive(ctx, c, arn) // fanout.go
}

// sequenceAfter reports whether sequence number a is greater than b
// (decimal strings without leading zeros).
func sequenceAfter(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}
