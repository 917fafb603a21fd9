package scenario

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

const (
	// latencyProducers write the latency scenario's paced load; there are
	// enough of them that a target answering PutRecords in up to
	// latencyTick still gets the full rate.
	latencyProducers = 16
	// latencyTick is each producer's call interval.
	latencyTick = 40 * time.Millisecond
	// lateBy is how far behind its schedule a paced call must start to be
	// counted late (the load generator did not keep up).
	lateBy = time.Millisecond
	// catchUpTimeout bounds how long consumers may take to read the last
	// records after the producers stopped.
	catchUpTimeout = 30 * time.Second
)

// runLatency measures put-to-get latency: producers write at a fixed rate,
// timestamps in the payloads; one consumer per shard polls GetRecords and
// notes, for every record, when it was read minus when it was sent.
func runLatency(ctx context.Context, env Env) Result {
	r := Result{Scenario: "latency", Target: env.Target}
	stream := streamName("latency")
	if err := createStream(ctx, env.Client, stream, putShards); err != nil {
		r.Failed = err.Error()
		return r
	}
	shards, err := listShards(ctx, env.Client, stream)
	if err != nil {
		r.Failed = err.Error()
		return r
	}
	rate := max(env.Sizes.LatencyRate, 1)
	perCall := max(1, rate*int(latencyTick/time.Millisecond)/1000/latencyProducers)
	pause := env.Sizes.PollPause

	// Consumers first, from TRIM_HORIZON of the empty stream: none missed.
	var (
		stop     atomic.Bool
		wg       sync.WaitGroup
		readMu   sync.Mutex
		read     []types.Record
		readN    atomic.Int64
		polls    atomic.Int64
		empty    atomic.Int64
		errs     errorLog
		failures = make([]error, len(shards))
		lats     = make([]*latencies, len(shards))
	)
	consumerCtx, cancelConsumers := context.WithCancel(ctx)
	defer cancelConsumers()
	for i, shardID := range shards {
		lats[i] = &latencies{}
		it, err := shardIterator(ctx, env.Client, stream, shardID)
		if err != nil {
			r.Failed = err.Error()
			return r
		}
		wg.Go(func() {
			failures[i] = pollShard(consumerCtx, env.Client, it, pause, &stop, func(now time.Time, recs []types.Record) {
				for _, rec := range recs {
					if sent, ok := PayloadSentAt(rec.Data); ok {
						lats[i].add(now.Sub(sent))
					}
				}
				readN.Add(int64(len(recs)))
				readMu.Lock()
				read = append(read, recs...)
				readMu.Unlock()
			}, &polls, &empty, &errs)
		})
	}

	// Paced producers: each sends perCall records every latencyTick, on an
	// absolute schedule (a late call is followed at once by the next).
	out := &putOutcome{ledgers: newLedgers(latencyProducers)}
	putLats := make([]*latencies, latencyProducers)
	var pwg sync.WaitGroup
	start := time.Now()
	before := markCPU(env.PID())
	deadline := start.Add(env.Duration)
	for w := range latencyProducers {
		putLats[w] = &latencies{}
		pwg.Go(func() {
			p := producer{client: env.Client, stream: stream, plan: putPlan{batch: perCall}, ledger: out.ledgers[w], lat: putLats[w], out: out}
			p.paced(ctx, start.Add(time.Duration(w)*latencyTick/latencyProducers), latencyTick, deadline)
		})
	}
	pwg.Wait()
	out.elapsed = time.Since(start)
	cpu := cpuNote("the paced writes (producers and polling consumers)", before, markCPU(env.PID()), out.calls+polls.Load(), "call")

	// Let the consumers read what was acknowledged, then stop them.
	var acked int64
	for _, l := range out.ledgers {
		acked += l.acked()
	}
	catchUp := time.Now().Add(catchUpTimeout)
	for readN.Load() < acked && time.Now().Before(catchUp) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()

	r.Records = readN.Load()
	r.Bytes = r.Records * PayloadSize
	r.Calls = polls.Load()
	r.Elapsed = out.elapsed
	r.Latency = summarize(lats...)
	r.CallErrors = out.callErrors + errs.total()
	r.RecordErrors = out.recordErrors
	r.ErrorSamples = append(out.errs.samples(), errs.samples()...)
	putLat := summarize(putLats...)
	r.Figures = append(r.Figures,
		Figure{"put-to-get p50 / p99 / max", fmt.Sprintf("%v / %v / %v", r.Latency.P50, r.Latency.P99, r.Latency.Max)},
		Figure{"write rate", fmt.Sprintf("%.0f records/s (%d producers × %d records every %v)", float64(out.acked)/out.elapsed.Seconds(), latencyProducers, perCall, latencyTick)})
	r.Notes = append(r.Notes,
		fmt.Sprintf("latency columns are put-to-get (read time − send time in the payload), over %d records; the PutRecords calls themselves: p50 %v, p99 %v, max %v", r.Latency.Samples, putLat.P50, putLat.P99, putLat.Max),
		fmt.Sprintf("consumers: %d GetRecords calls, %d of them empty; after an empty one a consumer pauses %v, after records it polls again at once", polls.Load(), empty.Load(), pause),
		cpu)
	if err := errors.Join(failures...); err != nil {
		r.Integrity = "FAIL: a consumer stopped: " + truncate(err.Error(), 200)
		return r
	}
	v := NewTimedVerifier(out.ledgers)
	v.Observe("all shards", read)
	r.Integrity = v.Verdict()
	return r
}

// shardIterator returns a TRIM_HORIZON iterator for shardID.
func shardIterator(ctx context.Context, client *kinesis.Client, stream, shardID string) (*string, error) {
	callCtx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	it, err := client.GetShardIterator(callCtx, &kinesis.GetShardIteratorInput{
		StreamName:        aws.String(stream),
		ShardId:           aws.String(shardID),
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		return nil, fmt.Errorf("get shard iterator of %s: %w", shardID, err)
	}
	return it.ShardIterator, nil
}

// pollShard calls GetRecords until stop is set: again at once after a call
// that returned records, after pause otherwise. sink gets the time each
// answer arrived. Errors are counted; a shard with maxConsecutiveErrors in a
// row gives up.
func pollShard(ctx context.Context, client *kinesis.Client, it *string, pause time.Duration, stop *atomic.Bool,
	sink func(now time.Time, recs []types.Record), polls, empty *atomic.Int64, errs *errorLog) error {
	failures := 0
	for !stop.Load() && it != nil {
		callCtx, cancel := context.WithTimeout(ctx, callTimeout)
		out, err := client.GetRecords(callCtx, &kinesis.GetRecordsInput{ShardIterator: it, Limit: aws.Int32(readLimit)})
		now := time.Now()
		cancel()
		polls.Add(1)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			errs.addError(err)
			if failures++; failures >= maxConsecutiveErrors {
				return fmt.Errorf("get records: %w", err)
			}
			time.Sleep(pause)
			continue
		}
		failures = 0
		it = out.NextShardIterator
		if len(out.Records) > 0 {
			sink(now, out.Records)
			continue
		}
		empty.Add(1)
		time.Sleep(pause)
	}
	return nil
}

// paced sends p.plan.batch records every tick from first until deadline,
// each stamped with the time its call starts; it returns how many calls
// started more than lateBy behind schedule.
func (p *producer) paced(ctx context.Context, first time.Time, tick time.Duration, deadline time.Time) int64 {
	var late int64
	buffers := make([][]byte, p.plan.batch)
	entries := make([]types.PutRecordsRequestEntry, p.plan.batch)
	for next := first; next.Before(deadline) && time.Now().Before(deadline) && ctx.Err() == nil; next = next.Add(tick) {
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		counter := p.ledger.next(p.plan.batch)
		now := time.Now()
		if now.Sub(next) > lateBy {
			late++
		}
		for i := range entries {
			buffers[i] = AppendPayload(buffers[i][:0], p.ledger.producer, counter+i)
			StampPayload(buffers[i], now)
			entries[i] = types.PutRecordsRequestEntry{Data: buffers[i], PartitionKey: aws.String(PartitionKey(p.ledger.producer, counter+i))}
		}
		p.putRecords(ctx, counter, entries)
	}
	return late
}

func latencyScenario() Scenario {
	return Scenario{
		Name: "latency",
		Description: fmt.Sprintf("put-to-get latency: %d producers PutRecords at a fixed total rate (-latency-rate, default 2000 records/s) into %d shards, one polling GetRecords consumer per shard (again at once after records, else after -poll-pause); latency = time read − send time carried in the payload",
			latencyProducers, putShards),
		Concurrency: latencyProducers + putShards,
		Targets:     []string{"kinesalite", "runnel"},
		Run:         runLatency,
	}
}
