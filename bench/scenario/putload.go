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
	"github.com/aws/smithy-go"
)

const (
	// maxCallsPerWorker bounds one worker's calls whatever the deadline.
	maxCallsPerWorker = 1 << 22
	// maxConsecutiveErrors ends a worker that only gets errors (say the
	// target died) instead of spinning until the deadline.
	maxConsecutiveErrors = 1000
)

// putPlan is a write load.
type putPlan struct {
	workers  int
	batch    int       // records per call; 1 with single
	size     int       // payload bytes per record; 0 means PayloadSize
	single   bool      // PutRecord instead of PutRecords
	deadline time.Time // stop starting calls after this
	batches  int64     // if > 0, stop after this many calls in all
	// streams, if set, are written round-robin (each call to one stream,
	// the producers interleaved) instead of the putLoad's stream.
	streams []string
}

// putOutcome is what a write load did.
type putOutcome struct {
	ledgers                  []*ledger
	acked, calls             int64
	callErrors, recordErrors int64
	elapsed                  time.Duration
	latency                  Latency
	errs                     errorLog
}

// putLoad runs plan against stream: workers write concurrently, each as its
// own producer, until the deadline, the batch budget, or ctx ends.
func putLoad(ctx context.Context, client *kinesis.Client, stream string, plan putPlan) *putOutcome {
	out := &putOutcome{ledgers: newLedgers(plan.workers)}
	if plan.size > 0 {
		for _, l := range out.ledgers {
			l.size = plan.size
		}
	}
	lats := make([]*latencies, plan.workers)
	var budget atomic.Int64
	budget.Store(plan.batches)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range plan.workers {
		lats[w] = &latencies{}
		wg.Go(func() {
			p := producer{client: client, stream: stream, plan: plan, ledger: out.ledgers[w], lat: lats[w], out: out}
			p.run(ctx, &budget)
		})
	}
	wg.Wait()
	out.elapsed = time.Since(start)
	out.latency = summarize(lats...)
	return out
}

// producer is one worker of a putLoad.
type producer struct {
	client *kinesis.Client
	stream string
	plan   putPlan
	ledger *ledger
	lat    *latencies
	out    *putOutcome
}

func (p *producer) run(ctx context.Context, budget *atomic.Int64) {
	buffers := make([][]byte, p.plan.batch)
	for i := range buffers {
		buffers[i] = make([]byte, 0, p.ledger.size)
	}
	entries := make([]types.PutRecordsRequestEntry, p.plan.batch)
	consecutiveErrors := 0
	for call := range maxCallsPerWorker {
		if n := len(p.plan.streams); n > 0 {
			p.stream = p.plan.streams[(p.ledger.producer+call*p.plan.workers)%n]
		}
		if ctx.Err() != nil || time.Now().After(p.plan.deadline) || consecutiveErrors >= maxConsecutiveErrors {
			return
		}
		if p.plan.batches > 0 && budget.Add(-1) < 0 {
			return
		}
		first := p.ledger.next(p.plan.batch)
		if first+p.plan.batch > maxCounter {
			return
		}
		for i := range entries {
			buffers[i] = AppendSizedPayload(buffers[i][:0], p.ledger.producer, first+i, p.ledger.size)
			entries[i] = types.PutRecordsRequestEntry{
				Data:         buffers[i],
				PartitionKey: aws.String(PartitionKey(p.ledger.producer, first+i)),
			}
		}
		var ok bool
		if p.plan.single {
			ok = p.putRecord(ctx, first, entries[0])
		} else {
			ok = p.putRecords(ctx, first, entries)
		}
		if ok {
			consecutiveErrors = 0
		} else {
			consecutiveErrors++
		}
	}
}

// putRecords sends one PutRecords call and notes each entry's fate; it
// reports whether the call itself succeeded.
func (p *producer) putRecords(ctx context.Context, first int, entries []types.PutRecordsRequestEntry) bool {
	callCtx, cancel := context.WithTimeout(ctx, callTimeout)
	began := time.Now()
	resp, err := p.client.PutRecords(callCtx, &kinesis.PutRecordsInput{StreamName: aws.String(p.stream), Records: entries})
	p.lat.add(time.Since(began))
	cancel()
	atomic.AddInt64(&p.out.calls, 1)
	if err != nil {
		p.callFailed(first, len(entries), err)
		return false
	}
	if len(resp.Records) != len(entries) {
		p.callFailed(first, len(entries), fmt.Errorf("PutRecords answered %d entries for %d records", len(resp.Records), len(entries)))
		return false
	}
	var acked, refused int64
	for i, e := range resp.Records {
		if e.ErrorCode != nil {
			p.ledger.set(first+i, stateRefused)
			refused++
			p.out.errs.add(aws.ToString(e.ErrorCode) + ": " + truncate(aws.ToString(e.ErrorMessage), 120) + " (entry)")
			continue
		}
		p.ledger.set(first+i, stateAcked)
		acked++
	}
	atomic.AddInt64(&p.out.acked, acked)
	atomic.AddInt64(&p.out.recordErrors, refused)
	return true
}

// putRecord sends one PutRecord call.
func (p *producer) putRecord(ctx context.Context, counter int, entry types.PutRecordsRequestEntry) bool {
	callCtx, cancel := context.WithTimeout(ctx, callTimeout)
	began := time.Now()
	_, err := p.client.PutRecord(callCtx, &kinesis.PutRecordInput{StreamName: aws.String(p.stream), Data: entry.Data, PartitionKey: entry.PartitionKey})
	p.lat.add(time.Since(began))
	cancel()
	atomic.AddInt64(&p.out.calls, 1)
	if err != nil {
		p.callFailed(counter, 1, err)
		return false
	}
	p.ledger.set(counter, stateAcked)
	atomic.AddInt64(&p.out.acked, 1)
	return true
}

// callFailed notes a failed call: a client fault (4xx: the request was
// refused) means none of its records may be stored; anything else leaves
// them unknown.
func (p *producer) callFailed(first, n int, err error) {
	atomic.AddInt64(&p.out.callErrors, 1)
	p.out.errs.addError(err)
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorFault() == smithy.FaultClient {
		for i := range n {
			p.ledger.set(first+i, stateRefused)
		}
	}
}

// fill puts the outcome's numbers into r.
func (o *putOutcome) fill(r *Result) {
	r.Records = o.acked
	r.Bytes = 0
	for _, l := range o.ledgers {
		r.Bytes += l.acked() * int64(l.size)
	}
	r.Calls = o.calls
	r.Elapsed = o.elapsed
	r.Latency = o.latency
	r.CallErrors = o.callErrors
	r.RecordErrors = o.recordErrors
	r.ErrorSamples = o.errs.samples()
}
