package main

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

const (
	streamName   = "soak"
	consumerName = "soak-efo"
	payloadSize  = 100
	batchSize    = 100
	callTimeout  = 30 * time.Second
)

// Record states, per producer and counter.
const (
	stateUnsent  = iota
	stateAcked   // acknowledged: must read back exactly once
	stateFailed  // the call failed: may read back at most once
	stateRefused // refused per entry: must not read back
)

// counters are the workload's running totals.
type counters struct {
	acked, refused, failedRecords, putErrors atomic.Int64
	polled, pollErrors                       atomic.Int64
	efoRecords, subscriptions, subErrors     atomic.Int64
	reshards, reshardErrors, restarts        atomic.Int64
}

// producer writes records whose payload names it and a counter.
type producer struct {
	id     int
	batch  bool
	states []byte // by counter; owned by the producer's goroutine until it ends
}

func header(id, counter int) string { return fmt.Sprintf("p%02d c%010d ", id, counter) } // 16 bytes

func partitionKey(id, counter int) string { return strconv.Itoa(id) + "-" + strconv.Itoa(counter) }

func payload(id, counter int) []byte {
	b := make([]byte, payloadSize)
	copy(b, header(id, counter))
	for i := 16; i < payloadSize; i++ {
		b[i] = 'a' + byte((counter+i)%26)
	}
	return b
}

// parsePayload returns the producer id and counter of an intact payload.
func parsePayload(data []byte, key string) (id, counter int, ok bool) {
	if len(data) != payloadSize || data[0] != 'p' || data[4] != 'c' {
		return 0, 0, false
	}
	id, err1 := strconv.Atoi(string(data[1:3]))
	counter, err2 := strconv.Atoi(string(data[5:15]))
	if err1 != nil || err2 != nil || key != partitionKey(id, counter) {
		return 0, 0, false
	}
	return id, counter, string(data) == string(payload(id, counter))
}

// run writes at rate records/s until ctx ends.
func (p *producer) run(ctx context.Context, c *kinesis.Client, rate int, n *counters) {
	per := 1
	if p.batch {
		per = batchSize
	}
	interval := time.Duration(float64(time.Second) * float64(per) / float64(rate))
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		first := len(p.states)
		for range per {
			p.states = append(p.states, stateFailed)
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
		if p.batch {
			entries := make([]types.PutRecordsRequestEntry, per)
			for i := range entries {
				entries[i] = types.PutRecordsRequestEntry{Data: payload(p.id, first+i), PartitionKey: aws.String(partitionKey(p.id, first+i))}
			}
			out, err := c.PutRecords(cctx, &kinesis.PutRecordsInput{StreamName: aws.String(streamName), Records: entries})
			if err != nil || len(out.Records) != per {
				n.putErrors.Add(1)
				n.failedRecords.Add(int64(per))
			} else {
				for i, r := range out.Records {
					if r.ErrorCode != nil {
						p.states[first+i] = stateRefused
						n.refused.Add(1)
					} else {
						p.states[first+i] = stateAcked
						n.acked.Add(1)
					}
				}
			}
		} else {
			_, err := c.PutRecord(cctx, &kinesis.PutRecordInput{StreamName: aws.String(streamName), Data: payload(p.id, first), PartitionKey: aws.String(partitionKey(p.id, first))})
			if err != nil {
				n.putErrors.Add(1)
				n.failedRecords.Add(1)
			} else {
				p.states[first] = stateAcked
				n.acked.Add(1)
			}
		}
		cancel()
	}
}

// listShards returns every shard of the stream, closed ones included.
func listShards(ctx context.Context, c *kinesis.Client) ([]types.Shard, error) {
	var shards []types.Shard
	in := &kinesis.ListShardsInput{StreamName: aws.String(streamName)}
	for range 1000 {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		out, err := c.ListShards(cctx, in)
		cancel()
		if err != nil {
			return nil, err
		}
		shards = append(shards, out.Shards...)
		if out.NextToken == nil {
			return shards, nil
		}
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
	return nil, fmt.Errorf("ListShards: more than 1000 pages")
}

func openShards(shards []types.Shard) []types.Shard {
	var open []types.Shard
	for _, s := range shards {
		if s.SequenceNumberRange == nil || s.SequenceNumberRange.EndingSequenceNumber == nil {
			open = append(open, s)
		}
	}
	sort.Slice(open, func(i, j int) bool {
		return hashKey(open[i].HashKeyRange.StartingHashKey).Cmp(hashKey(open[j].HashKeyRange.StartingHashKey)) < 0
	})
	return open
}

func hashKey(s *string) *big.Int {
	v, _ := new(big.Int).SetString(aws.ToString(s), 10)
	if v == nil {
		return new(big.Int)
	}
	return v
}

// pause waits d or until ctx ends; false if ctx ended.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// poller reads every shard with GetRecords, following resharding and
// restarts (a failed call re-gets the iterator after the last record).
func poller(ctx context.Context, c *kinesis.Client, n *counters) {
	type pos struct {
		iter, last string
		done       bool
	}
	shards := map[string]*pos{}
	for ctx.Err() == nil {
		all, err := listShards(ctx, c)
		if err != nil {
			n.pollErrors.Add(1)
			pause(ctx, 500*time.Millisecond)
			continue
		}
		got := 0
		for _, s := range all {
			id := aws.ToString(s.ShardId)
			p := shards[id]
			if p == nil {
				p = &pos{}
				shards[id] = p
			}
			if p.done || ctx.Err() != nil {
				continue
			}
			cctx, cancel := context.WithTimeout(ctx, callTimeout)
			if p.iter == "" {
				in := &kinesis.GetShardIteratorInput{StreamName: aws.String(streamName), ShardId: aws.String(id), ShardIteratorType: types.ShardIteratorTypeTrimHorizon}
				if p.last != "" {
					in.ShardIteratorType, in.StartingSequenceNumber = types.ShardIteratorTypeAfterSequenceNumber, aws.String(p.last)
				}
				out, err := c.GetShardIterator(cctx, in)
				if err != nil {
					cancel()
					n.pollErrors.Add(1)
					continue
				}
				p.iter = aws.ToString(out.ShardIterator)
			}
			out, err := c.GetRecords(cctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(p.iter), Limit: aws.Int32(10000)})
			cancel()
			if err != nil {
				p.iter = ""
				n.pollErrors.Add(1)
				continue
			}
			got += len(out.Records)
			n.polled.Add(int64(len(out.Records)))
			if k := len(out.Records); k > 0 {
				p.last = aws.ToString(out.Records[k-1].SequenceNumber)
			}
			if out.NextShardIterator == nil {
				p.done = true
			} else {
				p.iter = aws.ToString(out.NextShardIterator)
			}
		}
		if got == 0 {
			pause(ctx, 200*time.Millisecond)
		}
	}
}

// fanOut keeps one SubscribeToShard subscription per unfinished shard,
// resubscribing after the last continuation whenever one ends.
func fanOut(ctx context.Context, c *kinesis.Client, api *kinesis.Client, consumerARN string, n *counters) {
	type sub struct {
		cont          string
		done, running bool
	}
	var mu sync.Mutex
	subs := map[string]*sub{}
	var wg sync.WaitGroup
	defer wg.Wait()
	run := func(id string, s *sub) {
		defer wg.Done()
		defer func() { mu.Lock(); s.running = false; mu.Unlock() }()
		mu.Lock()
		start := types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon}
		if s.cont != "" {
			start = types.StartingPosition{Type: types.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: aws.String(s.cont)}
		}
		mu.Unlock()
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		out, err := c.SubscribeToShard(cctx, &kinesis.SubscribeToShardInput{ConsumerARN: aws.String(consumerARN), ShardId: aws.String(id), StartingPosition: &start})
		if err != nil {
			n.subErrors.Add(1)
			return
		}
		n.subscriptions.Add(1)
		stream := out.GetStream()
		defer stream.Close()
		for e := range stream.Events() {
			ev, ok := e.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
			if !ok {
				continue
			}
			n.efoRecords.Add(int64(len(ev.Value.Records)))
			mu.Lock()
			if cont := aws.ToString(ev.Value.ContinuationSequenceNumber); cont != "" {
				s.cont = cont
			}
			if ev.Value.ContinuationSequenceNumber == nil && len(ev.Value.ChildShards) > 0 {
				s.done = true
			}
			mu.Unlock()
		}
		if err := stream.Err(); err != nil && ctx.Err() == nil {
			n.subErrors.Add(1)
		}
	}
	for ctx.Err() == nil {
		all, err := listShards(ctx, api)
		if err == nil {
			mu.Lock()
			for _, sh := range all {
				id := aws.ToString(sh.ShardId)
				s := subs[id]
				if s == nil {
					s = &sub{}
					subs[id] = s
				}
				if !s.done && !s.running {
					s.running = true
					wg.Add(1)
					go run(id, s)
				}
			}
			mu.Unlock()
		}
		pause(ctx, time.Second)
	}
}

// resharder runs one reshard every interval, in turn split, merge,
// UpdateShardCount up and down, each waited for until ACTIVE.
func resharder(ctx context.Context, c *kinesis.Client, every time.Duration, n *counters, logf func(string, ...any)) {
	for step := 0; pause(ctx, every); step++ {
		what, err := reshardOnce(ctx, c, step%4)
		if err == nil {
			err = waitActive(ctx, c)
		}
		if err != nil {
			n.reshardErrors.Add(1)
			logf("reshard %s: %v", what, err)
			continue
		}
		n.reshards.Add(1)
		logf("reshard %s: ACTIVE", what)
	}
}

func reshardOnce(ctx context.Context, c *kinesis.Client, kind int) (string, error) {
	all, err := listShards(ctx, c)
	if err != nil {
		return "list", err
	}
	open := openShards(all)
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	switch kind {
	case 0: // split the widest open shard in the middle
		widest, width := open[0], new(big.Int)
		for _, s := range open {
			w := new(big.Int).Sub(hashKey(s.HashKeyRange.EndingHashKey), hashKey(s.HashKeyRange.StartingHashKey))
			if w.Cmp(width) > 0 {
				widest, width = s, w
			}
		}
		mid := new(big.Int).Add(hashKey(widest.HashKeyRange.StartingHashKey), new(big.Int).Rsh(width, 1))
		mid.Add(mid, big.NewInt(1))
		what := fmt.Sprintf("SplitShard %s (%d open)", aws.ToString(widest.ShardId), len(open))
		_, err := c.SplitShard(cctx, &kinesis.SplitShardInput{StreamName: aws.String(streamName), ShardToSplit: widest.ShardId, NewStartingHashKey: aws.String(mid.String())})
		return what, err
	case 1: // merge the first adjacent pair
		for i := 0; i+1 < len(open); i++ {
			end := hashKey(open[i].HashKeyRange.EndingHashKey)
			if new(big.Int).Add(end, big.NewInt(1)).Cmp(hashKey(open[i+1].HashKeyRange.StartingHashKey)) == 0 {
				what := fmt.Sprintf("MergeShards %s+%s (%d open)", aws.ToString(open[i].ShardId), aws.ToString(open[i+1].ShardId), len(open))
				_, err := c.MergeShards(cctx, &kinesis.MergeShardsInput{StreamName: aws.String(streamName), ShardToMerge: open[i].ShardId, AdjacentShardToMerge: open[i+1].ShardId})
				return what, err
			}
		}
		return "MergeShards", fmt.Errorf("no adjacent open shards among %d", len(open))
	case 2:
		target := min(2*len(open), 16)
		what := fmt.Sprintf("UpdateShardCount %d→%d", len(open), target)
		_, err := c.UpdateShardCount(cctx, &kinesis.UpdateShardCountInput{StreamName: aws.String(streamName), TargetShardCount: aws.Int32(int32(target)), ScalingType: types.ScalingTypeUniformScaling})
		return what, err
	default:
		target := max((len(open)+1)/2, 1)
		what := fmt.Sprintf("UpdateShardCount %d→%d", len(open), target)
		_, err := c.UpdateShardCount(cctx, &kinesis.UpdateShardCountInput{StreamName: aws.String(streamName), TargetShardCount: aws.Int32(int32(target)), ScalingType: types.ScalingTypeUniformScaling})
		return what, err
	}
}

// waitActive polls DescribeStreamSummary until the stream is ACTIVE (30 s).
func waitActive(ctx context.Context, c *kinesis.Client) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		out, err := c.DescribeStreamSummary(cctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(streamName)})
		cancel()
		if err == nil && out.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive {
			return nil
		}
		if !pause(ctx, 100*time.Millisecond) {
			return ctx.Err()
		}
	}
	return fmt.Errorf("stream %s not ACTIVE within 30s", streamName)
}

// waitConsumerActive polls DescribeStreamConsumer until ACTIVE (30 s).
func waitConsumerActive(ctx context.Context, c *kinesis.Client, arn string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		out, err := c.DescribeStreamConsumer(cctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(arn)})
		cancel()
		if err == nil && out.ConsumerDescription.ConsumerStatus == types.ConsumerStatusActive {
			return nil
		}
		if !pause(ctx, 100*time.Millisecond) {
			return ctx.Err()
		}
	}
	return fmt.Errorf("consumer %s not ACTIVE within 30s", arn)
}
