package scenario

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

const (
	// manyCreators create the manyshards streams concurrently.
	manyCreators = 16
	// manyShardsPerStream is the shard count of each manyshards stream.
	manyShardsPerStream = 4
	// idleSettle is how long the server is left alone before its idle
	// figures are read.
	idleSettle = 3 * time.Second
	// manyReaders drain streams concurrently for the read-back.
	manyReaders = 8
)

// runManyShards creates many 4-shard streams, reads the server's idle
// footprint, then spreads PutRecords over all of them and reads every shard
// back.
func runManyShards(ctx context.Context, env Env) Result {
	r := Result{Scenario: "manyshards", Target: env.Target}
	n := max(env.Sizes.ManyStreams, 1)
	prefix := streamName("many")
	streams := make([]string, n)
	for i := range streams {
		streams[i] = fmt.Sprintf("%s-%d", prefix, i)
	}

	var next atomic.Int64
	var createErr error
	var once sync.Once
	var wg sync.WaitGroup
	began := time.Now()
	for range manyCreators {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) || ctx.Err() != nil {
					return
				}
				if err := createStream(ctx, env.Client, streams[i], manyShardsPerStream); err != nil {
					once.Do(func() { createErr = err })
					return
				}
			}
		})
	}
	wg.Wait()
	created := time.Since(began)
	if createErr != nil {
		r.Failed = createErr.Error()
		return r
	}
	env.Log("manyshards %s: %d streams × %d shards created in %v", env.Target, n, manyShardsPerStream, created.Round(time.Millisecond))
	r.Figures = append(r.Figures, Figure{"create", fmt.Sprintf("%d streams × %d shards in %v (%.0f streams/s)", n, manyShardsPerStream, created.Round(time.Millisecond), float64(n)/created.Seconds())})

	select {
	case <-ctx.Done():
		r.Failed = ctx.Err().Error()
		return r
	case <-time.After(idleSettle):
	}
	if idle, err := readProc(env.PID()); err == nil {
		r.Figures = append(r.Figures, Figure{fmt.Sprintf("idle, %d shards", n*manyShardsPerStream), idle.String()})
	} else {
		r.Notes = append(r.Notes, fmt.Sprintf("idle figures: %v", err))
	}

	plan := putPlan{workers: putWorkers, batch: putBatch, deadline: time.Now().Add(env.Duration), streams: streams}
	out := putLoad(ctx, env.Client, streams[0], plan)
	out.fill(&r)
	if loaded, err := readProc(env.PID()); err == nil {
		r.Figures = append(r.Figures, Figure{"after the put load", loaded.String()})
	}
	env.Log("manyshards %s: %d records acked in %v over %d streams", env.Target, out.acked, out.elapsed.Round(time.Millisecond), n)

	if !env.ReadBack {
		r.Integrity = "n/a (stores nothing)"
		return r
	}
	v := NewVerifier(out.ledgers)
	var errs errorLog
	var readErr error
	var mu sync.Mutex
	var total drainStats
	next.Store(0)
	began = time.Now()
	for range manyReaders {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) || ctx.Err() != nil {
					return
				}
				s, err := drain(ctx, env.Client, streams[i], &errs, func(shardID string, recs []types.Record) { v.Observe(shardID, recs) })
				mu.Lock()
				total.records += s.records
				total.calls += s.calls
				if err != nil {
					readErr = errors.Join(readErr, fmt.Errorf("%s: %w", streams[i], err))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r.Notes = append(r.Notes, fmt.Sprintf("read back %d records from %d shards in %v (%d GetRecords calls)", total.records, n*manyShardsPerStream, time.Since(began).Round(time.Millisecond), total.calls))
	if readErr != nil {
		r.Integrity = "FAIL: read back incomplete: " + truncate(readErr.Error(), 200) + "; " + v.Verdict()
		return r
	}
	r.Integrity = v.Verdict()
	return r
}

func manyShardsScenario() Scenario {
	return Scenario{
		Name:        "manyshards",
		Description: "-many-streams (default 1000) streams × 4 shards created by 16 callers (timed), idle RSS and open descriptors of the server, then 8 producers PutRecords of 500 × 100 B round-robin over all streams for the duration, and every shard read back",
		Concurrency: manyCreators,
		Targets:     []string{"kinesalite", "runnel"},
		Run:         runManyShards,
	}
}
