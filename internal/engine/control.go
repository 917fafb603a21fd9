package engine

import (
	"context"
	"time"

	"github.com/runnel-io/runnel/internal/hashkey"
)

// CreateStreamInput is CreateStream's request.
type CreateStreamInput struct {
	Name       string
	ShardCount *int
	Mode       Mode // "" means PROVISIONED
	Tags       map[string]string
	// MaxRecordSizeKiB is 0 for the default (record_size.go);
	// WarmThroughputMiBps is nil unless given (warm_throughput.go).
	MaxRecordSizeKiB    int
	WarmThroughputMiBps *int
}

// Retention bounds in hours.
const (
	DefaultRetentionHours = 24
	MinRetentionHours     = 24
	MaxRetentionHours     = 8760
	maxTagsPerStream      = 50
	onDemandShards        = 4
)

// CreateStream creates a stream in CREATING state; it becomes ACTIVE after
// the configured delay.
func (e *Engine) CreateStream(ctx context.Context, in CreateStreamInput) error {
	mode := in.Mode
	if mode == "" {
		mode = ModeProvisioned
	}
	var count int
	switch {
	case mode == ModeOnDemand:
		count = onDemandShards
	case in.ShardCount == nil:
		return errorf(KindInvalidArgument, "ShardCount must be provided for streams in %s mode.", ModeProvisioned)
	default:
		count = *in.ShardCount
	}
	if in.MaxRecordSizeKiB != 0 {
		if err := checkMaxRecordSize(in.MaxRecordSizeKiB); err != nil {
			return err
		}
	}
	if len(in.Tags) > maxTagsPerStream {
		return errorf(KindInvalidArgument, "Failed to create stream %s under account %s because a given stream cannot have more than %d tags associated with it.", in.Name, e.cfg.AccountID, maxTagsPerStream)
	}
	e.control.Lock()
	defer e.control.Unlock()
	now := e.now().Truncate(time.Millisecond)

	e.mu.RLock()
	existing := e.streams[in.Name]
	open := e.openShardCountLocked(now)
	var warmErr error
	if in.WarmThroughputMiBps != nil {
		warmErr = e.checkWarmThroughputLocked("CreateStream", in.Name, mode, *in.WarmThroughputMiBps, now)
	}
	e.mu.RUnlock()
	if warmErr != nil {
		return warmErr
	}
	if existing != nil {
		if !existing.gone(now) {
			return e.streamExists(in.Name)
		}
		if err := e.purgeLocked(in.Name); err != nil {
			return err
		}
	}
	if open+count > e.cfg.ShardLimit {
		return e.shardLimitExceeded(open, count) // limits_hooks.go
	}

	s := &stream{
		name: in.Name, id: newStreamID(), created: now, mode: mode,
		readyAt: now.Add(e.cfg.CreateDelay), retentionHours: DefaultRetentionHours,
		tags: copyTags(in.Tags), maxRecordKiB: in.MaxRecordSizeKiB,
	}
	if in.WarmThroughputMiBps != nil {
		s.warm.target = *in.WarmThroughputMiBps
	}
	for i, r := range hashkey.EvenSplit(count) {
		s.shards = append(s.shards, &shard{
			index: uint32(i), parent: -1, adjacent: -1, hashRange: r,
			createdSec: now.Unix(), createdAt: now,
		})
	}
	s.rebuildRouting()
	for _, sh := range s.shards {
		log, err := e.log.OpenShard(s.id, sh.index)
		if err != nil {
			closeLogs(s)
			_ = e.log.DeleteStream(s.id)
			return err
		}
		sh.log = log
	}
	e.mu.Lock()
	e.streams[s.name] = s
	doc := e.catalogDocLocked()
	e.mu.Unlock()
	if err := e.save(doc); err != nil {
		e.mu.Lock()
		delete(e.streams, s.name)
		e.mu.Unlock()
		closeLogs(s)
		_ = e.log.DeleteStream(s.id)
		return err
	}
	return nil
}

func closeLogs(s *stream) {
	for _, sh := range s.shards {
		if sh.log != nil {
			_ = sh.log.Close()
		}
	}
}

func copyTags(tags map[string]string) map[string]string {
	out := make(map[string]string, len(tags))
	for k, v := range tags {
		out[k] = v
	}
	return out
}

// openShardCountLocked counts open shards of live streams. Caller holds e.mu.
func (e *Engine) openShardCountLocked(now time.Time) int {
	n := 0
	for _, s := range e.streams {
		if !s.gone(now) {
			n += len(s.routing)
		}
	}
	return n
}

// DeleteStream moves a stream to DELETING; it disappears after the delay.
// It fails if the stream has registered consumers (EnforceConsumerDeletion
// unset); see DeleteStreamEnforcing.
func (e *Engine) DeleteStream(ctx context.Context, ref StreamRef) error {
	return e.DeleteStreamEnforcing(ctx, ref, false)
}

// DeleteStreamEnforcing is DeleteStream with its EnforceConsumerDeletion
// flag: when set, registered consumers are deleted with the stream.
func (e *Engine) DeleteStreamEnforcing(ctx context.Context, ref StreamRef, enforceConsumerDeletion bool) error {
	name, err := e.resolve(ref)
	if err != nil {
		return err
	}
	e.control.Lock()
	defer e.control.Unlock()
	now := e.now()
	e.mu.Lock()
	s := e.lookup(name, now)
	if s == nil {
		e.mu.Unlock()
		return e.streamNotFound(name)
	}
	if !s.deletingAt.IsZero() {
		e.mu.Unlock()
		return e.streamNotActive(name, StatusDeleting)
	}
	undoConsumers, err := e.consumersOnStreamDelete(s, now, enforceConsumerDeletion)
	if err != nil {
		e.mu.Unlock()
		return err
	}
	s.deletingAt, s.goneAt = now, now.Add(e.cfg.DeleteDelay)
	doc := e.catalogDocLocked()
	e.mu.Unlock()
	if err := e.save(doc); err != nil {
		e.mu.Lock()
		s.deletingAt, s.goneAt = time.Time{}, time.Time{}
		undoConsumers()
		e.mu.Unlock()
		return err
	}
	if e.cfg.DeleteDelay <= 0 {
		return e.purgeLocked(name)
	}
	return nil
}

// Limits is DescribeLimits' answer.
type Limits struct {
	ShardLimit, OpenShardCount, OnDemandStreamCount, OnDemandStreamCountLimit int
}

// onDemandStreamLimit is AWS's default on-demand stream quota.
const onDemandStreamLimit = 50

// DescribeLimits reports the account's shard quota and usage.
func (e *Engine) DescribeLimits(ctx context.Context) Limits {
	now := e.now()
	e.mu.RLock()
	defer e.mu.RUnlock()
	l := Limits{ShardLimit: e.cfg.ShardLimit, OpenShardCount: e.openShardCountLocked(now), OnDemandStreamCountLimit: onDemandStreamLimit}
	for _, s := range e.streams {
		if !s.gone(now) && s.mode == ModeOnDemand {
			l.OnDemandStreamCount++
		}
	}
	return l
}
