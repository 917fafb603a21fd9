package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// integrity is the outcome of reading everything back after the run.
type integrity struct {
	shards                int
	read                  int64 // records read back
	acked, ackedOnce      int64
	missing, duplicated   int64
	refusedPresent        int64
	failed, failedPresent int64 // records of failed calls, and how many of them were stored
	failedDuplicated      int64
	corrupt, outOfOrder   int64
	refused               int64
}

func (r integrity) ok() bool {
	return r.missing == 0 && r.duplicated == 0 && r.refusedPresent == 0 && r.failedDuplicated == 0 && r.corrupt == 0 && r.outOfOrder == 0 && r.ackedOnce == r.acked
}

func (r integrity) String() string {
	verdict := "PASS"
	if !r.ok() {
		verdict = "FAIL"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "integrity %s: %d shards drained from TRIM_HORIZON, %d records read back\n", verdict, r.shards, r.read)
	fmt.Fprintf(&b, "  acknowledged %d: read back exactly once %d, missing %d, duplicated %d\n", r.acked, r.ackedOnce, r.missing, r.duplicated)
	fmt.Fprintf(&b, "  refused per entry %d: present %d (must be 0)\n", r.refused, r.refusedPresent)
	fmt.Fprintf(&b, "  in failed calls %d: stored %d, duplicated %d (must be 0)\n", r.failed, r.failedPresent, r.failedDuplicated)
	fmt.Fprintf(&b, "  corrupt or foreign payloads %d, out of order per producer within a shard %d", r.corrupt, r.outOfOrder)
	return b.String()
}

// drainAndCheck reads every shard from TRIM_HORIZON and checks it against
// the producers' records.
func drainAndCheck(ctx context.Context, c *kinesis.Client, producers []*producer) (integrity, error) {
	var r integrity
	seen := make([][]uint8, len(producers))
	for i, p := range producers {
		seen[i] = make([]uint8, len(p.states))
	}
	shards, err := listShards(ctx, c)
	if err != nil {
		return r, err
	}
	r.shards = len(shards)
	for _, sh := range shards {
		last := make([]int, len(producers)) // per producer: last counter + 1 in this shard
		err := drainShard(ctx, c, aws.ToString(sh.ShardId), func(rec types.Record) {
			r.read++
			id, counter, ok := parsePayload(rec.Data, aws.ToString(rec.PartitionKey))
			if !ok || id >= len(producers) || counter >= len(seen[id]) {
				r.corrupt++
				return
			}
			if seen[id][counter] < 255 {
				seen[id][counter]++
			}
			if counter < last[id] {
				r.outOfOrder++
			}
			last[id] = counter + 1
		})
		if err != nil {
			return r, fmt.Errorf("shard %s: %w", aws.ToString(sh.ShardId), err)
		}
	}
	for i, p := range producers {
		for counter, st := range p.states {
			k := seen[i][counter]
			switch st {
			case stateAcked:
				r.acked++
				switch {
				case k == 1:
					r.ackedOnce++
				case k == 0:
					r.missing++
				default:
					r.duplicated++
				}
			case stateRefused:
				r.refused++
				if k > 0 {
					r.refusedPresent++
				}
			case stateFailed:
				r.failed++
				if k > 0 {
					r.failedPresent++
				}
				if k > 1 {
					r.failedDuplicated++
				}
			}
		}
	}
	return r, nil
}

// drainShard reads one shard from TRIM_HORIZON until it is closed and read
// to the end, or open and caught up.
func drainShard(ctx context.Context, c *kinesis.Client, shardID string, each func(types.Record)) error {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	it, err := c.GetShardIterator(cctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(streamName), ShardId: aws.String(shardID), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	cancel()
	if err != nil {
		return err
	}
	iter := it.ShardIterator
	for range 1_000_000 {
		var out *kinesis.GetRecordsOutput
		var err error
		for try := 0; try < 5; try++ {
			cctx, cancel := context.WithTimeout(ctx, callTimeout)
			out, err = c.GetRecords(cctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(10000)})
			cancel()
			if err == nil {
				break
			}
		}
		if err != nil {
			return err
		}
		for _, rec := range out.Records {
			each(rec)
		}
		if out.NextShardIterator == nil || (len(out.Records) == 0 && aws.ToInt64(out.MillisBehindLatest) == 0) {
			return nil
		}
		iter = out.NextShardIterator
	}
	return fmt.Errorf("not drained after 1,000,000 GetRecords calls")
}
