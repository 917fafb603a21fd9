package engine

import (
	"context"
	"sort"
	"time"
)

// StreamSummary is what DescribeStreamSummary and ListStreams report.
type StreamSummary struct {
	Name           string
	ARN            string
	Status         Status
	Mode           Mode
	Created        time.Time
	RetentionHours int
	OpenShardCount int
	ConsumerCount  int
	EncryptionType string // NONE or KMS (encryption.go)
	KeyID          string // the KMS KeyId while EncryptionType is KMS

	// ShardLevelMetrics (monitoring.go), MaxRecordSizeKiB (record_size.go)
	// and WarmThroughput (warm_throughput.go; nil when absent).
	ShardLevelMetrics []string
	MaxRecordSizeKiB  int
	WarmThroughput    *WarmThroughput
}

// ShardInfo is one shard as DescribeStream and ListShards report it.
type ShardInfo struct {
	ShardID                string
	ParentShardID          string
	AdjacentParentShardID  string
	StartingHashKey        string
	EndingHashKey          string
	StartingSequenceNumber string
	EndingSequenceNumber   string // empty while open
}

// StreamDescription is DescribeStream's answer.
type StreamDescription struct {
	StreamSummary
	Shards        []ShardInfo
	HasMoreShards bool
}

// Describe-paging bounds.
const (
	defaultDescribeLimit = 100
	maxDescribeLimit     = 100
)

func (e *Engine) summaryLocked(s *stream, now time.Time) StreamSummary {
	sum := StreamSummary{
		Name: s.name, ARN: e.arn(s.name), Status: s.status(now), Mode: s.mode, Created: s.created,
		RetentionHours: s.retentionHours, OpenShardCount: len(s.routing), ConsumerCount: s.consumerCount(now),
		ShardLevelMetrics: orderedMetrics(s.metrics), MaxRecordSizeKiB: s.maxRecordSizeKiB(),
		WarmThroughput: e.warmLocked(s, now),
	}
	sum.EncryptionType, sum.KeyID = s.encryptionLocked()
	return sum
}

func (sh *shard) info() ShardInfo {
	in := ShardInfo{
		ShardID:                shardID(sh.index),
		StartingHashKey:        sh.hashRange.Start.String(),
		EndingHashKey:          sh.hashRange.End.String(),
		StartingSequenceNumber: sh.startingSequence(),
	}
	if sh.parent >= 0 {
		in.ParentShardID = shardID(uint32(sh.parent))
	}
	if sh.adjacent >= 0 {
		in.AdjacentParentShardID = shardID(uint32(sh.adjacent))
	}
	return in
}

// DescribeStreamSummary describes a stream without its shards.
func (e *Engine) DescribeStreamSummary(ctx context.Context, ref StreamRef) (StreamSummary, error) {
	name, err := e.resolve(ref)
	if err != nil {
		return StreamSummary{}, err
	}
	now := e.now()
	e.mu.RLock()
	defer e.mu.RUnlock()
	s := e.lookup(name, now)
	if s == nil {
		return StreamSummary{}, e.streamNotFound(name)
	}
	return e.summaryLocked(s, now), nil
}

// DescribeStream describes a stream and a page of its shards.
func (e *Engine) DescribeStream(ctx context.Context, ref StreamRef, limit int, exclusiveStartShardID string) (StreamDescription, error) {
	name, err := e.resolve(ref)
	if err != nil {
		return StreamDescription{}, err
	}
	if limit <= 0 {
		limit = defaultDescribeLimit
	}
	limit = min(limit, maxDescribeLimit)
	now := e.now()
	e.mu.RLock()
	defer e.mu.RUnlock()
	s := e.lookup(name, now)
	if s == nil {
		return StreamDescription{}, e.streamNotFound(name)
	}
	d := StreamDescription{StreamSummary: e.summaryLocked(s, now), Shards: []ShardInfo{}}
	if d.Status == StatusCreating {
		return d, nil
	}
	start := 0
	if exclusiveStartShardID != "" {
		// Like AWS: list the shards whose id sorts after the given one.
		for start < len(s.shards) && shardID(s.shards[start].index) <= exclusiveStartShardID {
			start++
		}
	}
	horizon := now.Add(-time.Duration(s.retentionHours) * time.Hour)
	for _, sh := range s.shards[start:] {
		if sh.expired(horizon) {
			continue
		}
		if len(d.Shards) == limit {
			d.HasMoreShards = true
			break
		}
		d.Shards = append(d.Shards, e.shardInfoLocked(sh))
	}
	return d, nil
}

// shardInfoLocked adds what needs the log (the ending sequence number of a
// closed shard) to sh.info(). Caller holds e.mu.
func (e *Engine) shardInfoLocked(sh *shard) ShardInfo {
	in := sh.info()
	if !sh.open() {
		in.EndingSequenceNumber = e.endingSequence(sh)
	}
	return in
}

// endingSequence is a closed shard's EndingSequenceNumber: its last
// record's index at the time it closed (the start if it had none).
func (e *Engine) endingSequence(sh *shard) string {
	return string(sh.sequence(nil, sh.endIndex, sh.closedAt.UnixMilli()))
}

// ListStreamsInput is ListStreams' request.
type ListStreamsInput struct {
	Limit                    int
	ExclusiveStartStreamName string
	NextToken                string
}

// ListStreamsOutput is ListStreams' answer.
type ListStreamsOutput struct {
	Streams        []StreamSummary
	HasMoreStreams bool
	NextToken      string
}

// Stream-listing bounds.
const (
	defaultListStreamsLimit = 100
	maxListStreamsLimit     = 100
)

// ListStreams lists stream names in order, a page at a time.
func (e *Engine) ListStreams(ctx context.Context, in ListStreamsInput) (ListStreamsOutput, error) {
	now := e.now()
	after := in.ExclusiveStartStreamName
	if in.NextToken != "" {
		if in.ExclusiveStartStreamName != "" {
			return ListStreamsOutput{}, errorf(KindInvalidArgument, "NextToken and ExclusiveStartStreamName cannot be provided together.")
		}
		tok, err := e.openToken(in.NextToken, tokenListStreams, now)
		if err != nil {
			return ListStreamsOutput{}, err
		}
		after = tok.Name
	}
	limit := in.Limit
	if limit <= 0 {
		limit = defaultListStreamsLimit
	}
	limit = min(limit, maxListStreamsLimit)
	e.mu.RLock()
	names := make([]string, 0, len(e.streams))
	for name, s := range e.streams {
		if !s.gone(now) && name > after {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := ListStreamsOutput{Streams: []StreamSummary{}}
	for _, name := range names {
		if len(out.Streams) == limit {
			out.HasMoreStreams = true
			break
		}
		out.Streams = append(out.Streams, e.summaryLocked(e.streams[name], now))
	}
	e.mu.RUnlock()
	if out.HasMoreStreams {
		out.NextToken = e.sealToken(token{Kind: tokenListStreams, Name: out.Streams[len(out.Streams)-1].Name}, now)
	}
	return out, nil
}
