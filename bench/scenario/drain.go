package scenario

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

const (
	// readLimit is the GetRecords Limit used for every read.
	readLimit = 10000
	// maxReadCalls bounds the GetRecords calls on one shard in one drain.
	maxReadCalls = 100_000
	// maxThrottled bounds consecutive throttled reads before a shard gives up.
	maxThrottled = 100
	// throttleBackoff is the pause after a throttled read.
	throttleBackoff = 200 * time.Millisecond
)

// drainStats is what draining a stream cost.
type drainStats struct {
	records, bytes, calls int64
	elapsed               time.Duration
	latency               Latency
}

// drain reads every shard of stream from TRIM_HORIZON to its tip, one
// goroutine per shard, handing each batch to sink (which must be safe for
// concurrent use). A shard is at its tip when a read returns no records and
// MillisBehindLatest 0, or no next iterator. Throttled reads are counted in
// errs and retried after a pause; any other error ends that shard's drain
// and is returned.
func drain(ctx context.Context, client *kinesis.Client, stream string, errs *errorLog, sink func(shardID string, records []types.Record)) (drainStats, error) {
	shards, err := listShards(ctx, client, stream)
	if err != nil {
		return drainStats{}, err
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		total    drainStats
		failures []error
		recs     = make([]*latencies, len(shards))
	)
	start := time.Now()
	for i, shardID := range shards {
		recs[i] = &latencies{}
		wg.Go(func() {
			s, err := drainShard(ctx, client, stream, shardID, recs[i], errs, sink)
			mu.Lock()
			defer mu.Unlock()
			total.records += s.records
			total.bytes += s.bytes
			total.calls += s.calls
			if err != nil {
				failures = append(failures, fmt.Errorf("shard %s: %w", shardID, err))
			}
		})
	}
	wg.Wait()
	total.elapsed = time.Since(start)
	total.latency = summarize(recs...)
	return total, errors.Join(failures...)
}

func drainShard(ctx context.Context, client *kinesis.Client, stream, shardID string, lat *latencies, errs *errorLog, sink func(string, []types.Record)) (drainStats, error) {
	var s drainStats
	callCtx, cancel := context.WithTimeout(ctx, callTimeout)
	it, err := client.GetShardIterator(callCtx, &kinesis.GetShardIteratorInput{
		StreamName:        aws.String(stream),
		ShardId:           aws.String(shardID),
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	})
	cancel()
	if err != nil {
		errs.addError(err)
		return s, fmt.Errorf("get shard iterator: %w", err)
	}
	iterator := it.ShardIterator
	throttled := 0
	for range maxReadCalls {
		if iterator == nil {
			return s, nil
		}
		if err := ctx.Err(); err != nil {
			return s, err
		}
		callCtx, cancel := context.WithTimeout(ctx, callTimeout)
		began := time.Now()
		out, err := client.GetRecords(callCtx, &kinesis.GetRecordsInput{ShardIterator: iterator, Limit: aws.Int32(readLimit)})
		lat.add(time.Since(began))
		cancel()
		s.calls++
		if err != nil {
			errs.addError(err)
			var throttle *types.ProvisionedThroughputExceededException
			if errors.As(err, &throttle) && throttled < maxThrottled {
				throttled++
				select {
				case <-ctx.Done():
					return s, ctx.Err()
				case <-time.After(throttleBackoff):
				}
				continue
			}
			return s, fmt.Errorf("get records: %w", err)
		}
		throttled = 0
		for _, r := range out.Records {
			s.bytes += int64(len(r.Data))
		}
		s.records += int64(len(out.Records))
		if len(out.Records) > 0 {
			sink(shardID, out.Records)
		} else if aws.ToInt64(out.MillisBehindLatest) == 0 {
			return s, nil
		}
		iterator = out.NextShardIterator
	}
	return s, fmt.Errorf("not drained after %d GetRecords calls", maxReadCalls)
}
