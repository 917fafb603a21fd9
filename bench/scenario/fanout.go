package scenario

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

const (
	// fanoutBatch is the records per PutRecords call of the fan-out writer.
	fanoutBatch = 100
	// fanoutMaxSubscribers is the largest sweep point: AWS allows 20
	// registered consumers per stream, and a consumer holds one
	// subscription per shard, so 20 is the most one shard can have.
	fanoutMaxSubscribers = 20
	// fanoutDrainTimeout bounds the wait for subscribers to receive the
	// last records after the writer stopped.
	fanoutDrainTimeout = 60 * time.Second
	// fanoutPacedRate is the paced writer's records/s: AWS's per-shard
	// write limit.
	fanoutPacedRate = 1000
	// fanoutMinPhase is the shortest phase per sweep point (half paced, half
	// unpaced): shorter ones swing with whatever else the machine does.
	fanoutMinPhase = 10 * time.Second
)

// fanoutSweep is the subscriber counts measured, in order; 0 is the
// write-throughput reference. The reference and the 20-subscriber point are
// measured again, alternately, fanoutRounds times in all: on a shared
// machine one phase's write rate swings by a third, so the verdict compares
// medians.
func fanoutSweep() []int {
	sweep := []int{0, 1, 10, fanoutMaxSubscribers}
	for range fanoutRounds - 1 {
		sweep = append(sweep, 0, fanoutMaxSubscribers)
	}
	return sweep
}

// fanoutRounds is how many times the reference and the 20-subscriber point
// are measured.
const fanoutRounds = 3

func fanoutScenario() Scenario {
	return Scenario{
		Name: "fanout",
		Description: fmt.Sprintf("1 writer (PutRecords of %d × %d B, one call at a time; paced at %d records/s, then unpaced; %v per phase, half each) and 0, 1, 10 and %d SubscribeToShard subscribers on one shard, then 0 and %d again, alternately, for %d measurements of each; the subscribers run in a separate runnelbench process at nice 19 (on AWS they run on other machines); latency is put start to arrival at a subscriber",
			fanoutBatch, PayloadSize, fanoutPacedRate, fanoutMinPhase, fanoutMaxSubscribers, fanoutMaxSubscribers, fanoutRounds),
		Concurrency: fanoutMaxSubscribers + 1,
		Targets:     []string{"runnel"}, // the others have no SubscribeToShard
		Run:         runFanout,
	}
}

// fanoutPhase is one sweep point's outcome.
type fanoutPhase struct {
	subscribers int
	written     int64 // records acknowledged
	unpaced     int64 // of which written as fast as the writer could
	calls       int64
	callErrors  int64
	elapsed     time.Duration
	putLatency  Latency // PutRecords call latency
	delivery    Latency // put start to arrival at a subscriber, every (record, subscriber)
	deliveries  int64
	// deliveredByEnd is the share of all deliveries made by the time the
	// writer finished: the fan-out work the server did alongside the
	// writes rather than after them.
	deliveredByEnd float64
	// pacedServerCPU is the target's CPU per record written in the paced
	// half, where every subscriber keeps up.
	pacedServerCPU time.Duration
	problems       []string // integrity failures
	cpu            string   // CPU split of the unpaced part
}

func (p fanoutPhase) writeRate() float64 {
	if p.elapsed <= 0 {
		return 0
	}
	return float64(p.unpaced) / p.elapsed.Seconds()
}

// runFanout measures one writer and 0, 1, 10 and 20 enhanced fan-out
// subscribers on one shard: the write throughput, and the latency from the
// start of the put to the record's arrival at each subscriber.
func runFanout(ctx context.Context, env Env) Result {
	r := Result{Scenario: "fanout", Target: env.Target}
	if !env.ReadBack {
		r.Integrity = "n/a (stores nothing)"
		r.Failed = "the target has no SubscribeToShard"
		return r
	}
	phase := max(env.Duration/time.Duration(len(fanoutSweep())), fanoutMinPhase)
	var problems []string
	rates := map[int][]float64{}
	pacedCPU := map[int][]float64{} // µs of server CPU per record written, paced half
	var top []fanoutPhase           // the 20-subscriber phases
	for _, n := range fanoutSweep() {
		p, err := runFanoutPhase(ctx, env, n, phase)
		if err != nil {
			r.Failed = fmt.Sprintf("%d subscribers: %v", n, err)
			return r
		}
		env.Log("fanout %s: %d subscribers, %.0f records/s written, delivery p50 %v p99 %v", env.Target, n, p.writeRate(), p.delivery.P50, p.delivery.P99)
		note := fmt.Sprintf("%d subscribers: unpaced write %.0f records/s (PutRecords p50 %v p99 %v)", n, p.writeRate(), p.putLatency.P50, p.putLatency.P99)
		if n > 0 {
			note += fmt.Sprintf("; at %d records/s, put-to-subscriber p50 %v p99 %v max %v over %d samples; %d deliveries in all, %.0f%% of them made by the time the writer finished",
				fanoutPacedRate, p.delivery.P50, p.delivery.P99, p.delivery.Max, p.delivery.Samples, p.deliveries, 100*p.deliveredByEnd)
		}
		r.Notes = append(r.Notes, note+"; "+p.cpu)
		problems = append(problems, p.problems...)
		rates[n] = append(rates[n], p.writeRate())
		pacedCPU[n] = append(pacedCPU[n], float64(p.pacedServerCPU.Nanoseconds())/1000)
		if n == fanoutMaxSubscribers {
			top = append(top, p)
		}
	}
	// The table row is the median 20-subscriber phase.
	slices.SortFunc(top, func(a, b fanoutPhase) int { return cmp.Compare(a.writeRate(), b.writeRate()) })
	mid := top[len(top)/2]
	r.Records, r.Bytes, r.Calls, r.CallErrors = mid.unpaced, mid.unpaced*PayloadSize, mid.calls, mid.callErrors
	r.Elapsed, r.Latency = mid.elapsed, mid.delivery
	base, with := median(rates[0]), median(rates[fanoutMaxSubscribers])
	if c0, c20 := median(pacedCPU[0]), median(pacedCPU[fanoutMaxSubscribers]); c0 > 0 && c20 > 0 {
		r.Figures = append(r.Figures, Figure{"server CPU per delivery, subscribers keeping up",
			fmt.Sprintf("%.2f µs (paced half at %d records/s: %.1f µs of server CPU per record written with %d subscribers, %.1f µs with none; medians)",
				(c20-c0)/fanoutMaxSubscribers, fanoutPacedRate, c20, fanoutMaxSubscribers, c0)})
	}
	if base > 0 {
		r.Figures = append(r.Figures, Figure{fmt.Sprintf("write throughput with %d subscribers", fanoutMaxSubscribers),
			fmt.Sprintf("%.0f%% of the no-subscriber figure (medians of %d alternating phases each: %.0f vs %.0f records/s)",
				100*with/base, fanoutRounds, with, base)})
	}
	r.Notes = append(r.Notes, fmt.Sprintf("the table: records/s is the unpaced writer with %d subscribers; the latency columns are put-to-subscriber latency at %d records/s", fanoutMaxSubscribers, fanoutPacedRate))
	if len(problems) > 0 {
		r.Integrity = "FAIL: " + truncate(strings.Join(problems, "; "), 400)
	} else {
		r.Integrity = "ok: every subscriber got every record, in order, once"
	}
	return r
}

// runFanoutPhase runs one sweep point on a fresh one-shard stream.
func runFanoutPhase(ctx context.Context, env Env, n int, phase time.Duration) (fanoutPhase, error) {
	p := fanoutPhase{subscribers: n}
	c := env.Client
	stream := streamName(fmt.Sprintf("fanout%d", n))
	if err := createStream(ctx, c, stream, 1); err != nil {
		return p, err
	}
	shards, err := listShards(ctx, c, stream)
	if err != nil {
		return p, err
	}
	arns, err := registerConsumers(ctx, c, stream, n)
	if err != nil {
		return p, err
	}
	var child *fanoutChild
	if n > 0 {
		exe, err := selfExecutable()
		if err != nil {
			return p, err
		}
		if child, err = startFanoutChild(ctx, exe, fanoutChildSpec{Endpoint: env.Endpoint, Shard: shards[0], Consumers: arns}); err != nil {
			return p, err
		}
		defer child.kill()
	}

	// One writer, one call at a time: first paced at the AWS per-shard
	// write limit (latency), then as fast as it can (throughput).
	var lat latencies
	payload := make([]byte, PayloadSize)
	entries := make([]types.PutRecordsRequestEntry, fanoutBatch)
	var counter int64
	put := func(paced bool) error {
		sent := time.Now()
		for i := range entries {
			binary.BigEndian.PutUint64(payload[0:8], uint64(sent.UnixNano()))
			binary.BigEndian.PutUint64(payload[8:16], uint64(counter+int64(i)))
			payload[16] = 0
			if paced {
				payload[16] = 1
			}
			entries[i] = types.PutRecordsRequestEntry{Data: append([]byte(nil), payload...), PartitionKey: aws.String("k")}
		}
		callCtx, cancel := context.WithTimeout(ctx, callTimeout)
		out, err := c.PutRecords(callCtx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
		cancel()
		if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
			// A failed call may have stored some records: the
			// subscribers would see a gap in the counters.
			p.callErrors++
			return fmt.Errorf("put: %v", err)
		}
		counter += fanoutBatch
		return nil
	}
	pacedFrom := markCPU(env.PID())
	tick := time.NewTicker(time.Second * fanoutBatch / fanoutPacedRate)
	for end := time.Now().Add(phase / 2); time.Now().Before(end) && ctx.Err() == nil; {
		if err := put(true); err != nil {
			tick.Stop()
			return p, err
		}
		<-tick.C
	}
	tick.Stop()
	pacedRecords := counter
	if pacedTo := markCPU(env.PID()); pacedFrom.ok && pacedTo.ok && pacedRecords > 0 {
		p.pacedServerCPU = (pacedTo.target - pacedFrom.target) / time.Duration(pacedRecords)
	}
	start := time.Now()
	before := markCPU(env.PID())
	var childBefore time.Duration
	if child != nil {
		childBefore, _ = procCPU(child.pid())
	}
	for time.Since(start) < phase/2 && ctx.Err() == nil {
		sent := time.Now()
		if err := put(false); err != nil {
			return p, err
		}
		lat.add(time.Since(sent))
		p.calls++
	}
	p.elapsed = time.Since(start)
	p.written = counter
	p.unpaced = counter - pacedRecords
	p.cpu = cpuNote("the unpaced writes", before, markCPU(env.PID()), p.unpaced, "record written")
	if child != nil {
		if after, ok := procCPU(child.pid()); ok {
			p.cpu += fmt.Sprintf("; subscriber process %.2f cores", (after-childBefore).Seconds()/p.elapsed.Seconds())
		}
	}
	p.putLatency = summarize(&lat)

	// Every subscriber must get every record.
	if child == nil {
		return p, nil
	}
	rep, err := child.finish(p.written)
	if err != nil {
		return p, err
	}
	if len(rep.Received) != n || len(rep.AtWritten) != n || len(rep.Failures) != n || len(rep.Samples) != n || len(rep.Max) != n {
		return p, fmt.Errorf("subscriber process reported on %d subscribers, want %d", len(rep.Received), n)
	}
	lats := make([]*latencies, n)
	for i, got := range rep.Received {
		l := &latencies{max: time.Duration(rep.Max[i])}
		for _, ns := range rep.Samples[i] {
			l.samples = append(l.samples, time.Duration(ns))
		}
		lats[i] = l
		p.deliveries += got
		if got != p.written {
			p.problems = append(p.problems, fmt.Sprintf("%d subscribers: subscriber %d got %d of %d records", n, i, got, p.written))
		}
		if f := rep.Failures[i]; f != "" {
			p.problems = append(p.problems, fmt.Sprintf("%d subscribers: subscriber %d: %s", n, i, f))
		}
	}
	var atEnd int64
	for _, got := range rep.AtWritten {
		atEnd += got
	}
	if p.deliveries > 0 {
		p.deliveredByEnd = float64(atEnd) / float64(p.deliveries)
	}
	p.delivery = summarize(lats...)
	return p, nil
}

// fanoutSubscriber is one subscription and what it received.
type fanoutSubscriber struct {
	events   *kinesis.SubscribeToShardEventStream
	cancel   context.CancelFunc // of the subscribe call, which the stream outlives
	received atomic.Int64
	failed   atomic.Pointer[string]
	lat      latencies // written by consume only; read after it returned
}

// consume takes the subscription's events until the stream ends, checking
// that the counters arrive in order with no gap or duplicate.
func (s *fanoutSubscriber) consume() {
	next := int64(0)
	for ev := range s.events.Events() {
		e, ok := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
		if !ok {
			continue
		}
		now := time.Now()
		for _, rec := range e.Value.Records {
			if len(rec.Data) < 16 {
				s.fail(fmt.Sprintf("record of %d bytes", len(rec.Data)))
				return
			}
			sent := int64(binary.BigEndian.Uint64(rec.Data[0:8]))
			counter := int64(binary.BigEndian.Uint64(rec.Data[8:16]))
			if counter != next {
				s.fail(fmt.Sprintf("record %d where %d was due", counter, next))
				return
			}
			next++
			if rec.Data[16] == 1 { // paced: latency without queueing behind the writer
				s.lat.add(now.Sub(time.Unix(0, sent)))
			}
			s.received.Add(1)
		}
	}
}

func (s *fanoutSubscriber) fail(msg string) {
	s.failed.CompareAndSwap(nil, &msg)
	s.close()
}

func (s *fanoutSubscriber) close() {
	_ = s.events.Close()
	s.cancel()
}

// registerConsumers registers n consumers on stream, one at a time, each
// waited for until ACTIVE, and returns their ARNs.
func registerConsumers(ctx context.Context, c *kinesis.Client, stream string, n int) ([]string, error) {
	callCtx, cancel := context.WithTimeout(ctx, callTimeout)
	sum, err := c.DescribeStreamSummary(callCtx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(stream)})
	cancel()
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", stream, err)
	}
	streamARN := sum.StreamDescriptionSummary.StreamARN
	var arns []string
	for i := range n {
		callCtx, cancel := context.WithTimeout(ctx, callTimeout)
		out, err := c.RegisterStreamConsumer(callCtx, &kinesis.RegisterStreamConsumerInput{StreamARN: streamARN, ConsumerName: aws.String(fmt.Sprintf("bench-%d", i))})
		cancel()
		if err != nil {
			return nil, fmt.Errorf("register consumer %d: %w", i, err)
		}
		arns = append(arns, aws.ToString(out.Consumer.ConsumerARN))
		if err := waitConsumerActive(ctx, c, arns[i]); err != nil {
			return nil, err
		}
	}
	return arns, nil
}

// subscribeConsumers subscribes each consumer to shard at LATEST.
func subscribeConsumers(ctx context.Context, c *kinesis.Client, shard string, arns []string) ([]*fanoutSubscriber, error) {
	var subs []*fanoutSubscriber
	for _, arn := range arns {
		callCtx, cancel := context.WithTimeout(ctx, callTimeout)
		out, err := c.SubscribeToShard(callCtx, &kinesis.SubscribeToShardInput{
			ConsumerARN: aws.String(arn), ShardId: aws.String(shard),
			StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeLatest},
		})
		if err != nil {
			cancel()
			return subs, fmt.Errorf("subscribe %s: %w", arn, err)
		}
		// The event stream lives on past this call: cancel on close.
		subs = append(subs, &fanoutSubscriber{events: out.GetStream(), cancel: cancel})
	}
	return subs, nil
}

func waitConsumerActive(ctx context.Context, c *kinesis.Client, arn string) error {
	deadline := time.Now().Add(activeTimeout)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		callCtx, cancel := context.WithTimeout(ctx, callTimeout)
		out, err := c.DescribeStreamConsumer(callCtx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(arn)})
		cancel()
		if err != nil {
			return fmt.Errorf("describe consumer %s: %w", arn, err)
		}
		if out.ConsumerDescription.ConsumerStatus == types.ConsumerStatusActive {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("consumer " + arn + " not ACTIVE in time")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// median of xs (the mean of the middle two for an even count); 0 if empty.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
