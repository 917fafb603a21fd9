package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/runnel-io/runnel/internal/hashkey"
)

// maxShardsPerStream is AWS's UpdateShardCount ceiling.
const maxShardsPerStream = 10000

// SplitShard closes a shard and opens two children split at newStartingHashKey.
func (e *Engine) SplitShard(ctx context.Context, ref StreamRef, shardToSplit, newStartingHashKey string) error {
	key, err := hashkey.Parse(newStartingHashKey)
	if err != nil {
		return errorf(KindInvalidArgument, "NewStartingHashKey %s used in SplitShard() on shard %s is not a valid hash key.", newStartingHashKey, shardToSplit)
	}
	return e.reshard(ctx, ref, "SplitShard", func(t *table, open int) error {
		return t.split(shardToSplit, key, newStartingHashKey)
	})
}

// MergeShards closes two adjacent shards and opens their union.
func (e *Engine) MergeShards(ctx context.Context, ref StreamRef, shardToMerge, adjacentShardToMerge string) error {
	return e.reshard(ctx, ref, "MergeShards", func(t *table, open int) error {
		return t.merge(shardToMerge, adjacentShardToMerge)
	})
}

// UpdateShardCountOutput is UpdateShardCount's answer.
type UpdateShardCountOutput struct {
	StreamName        string
	StreamARN         string
	CurrentShardCount int
	TargetShardCount  int
}

// UpdateShardCount reshapes the stream into target evenly split shards.
func (e *Engine) UpdateShardCount(ctx context.Context, ref StreamRef, target int) (UpdateShardCountOutput, error) {
	var out UpdateShardCountOutput
	err := e.reshard(ctx, ref, "UpdateShardCount", func(t *table, open int) error {
		switch {
		case target > maxShardsPerStream:
			return errorf(KindLimitExceeded, "Target shard count or number of open shards cannot be greater than %d. Current open shard count: %d, Target shard count: %d", maxShardsPerStream, open, target)
		case target > 2*open:
			return errorf(KindLimitExceeded, "UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: %d, Target shard count: %d", open, target)
		case 2*target < open:
			return errorf(KindLimitExceeded, "UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: %d, Target shard count: %d", open, target)
		}
		out = UpdateShardCountOutput{StreamName: t.stream, StreamARN: e.arn(t.stream), CurrentShardCount: open, TargetShardCount: target}
		if target != open {
			t.scale(target)
		}
		return nil
	})
	return out, err
}

// reshard applies a shard-table change to an ACTIVE provisioned stream.
// It holds the write lock throughout, so no append is in flight on a shard
// it closes; it first makes everything appended so far durable, records
// each closed shard's last index, opens the new shards' logs and saves the
// catalog, and only then publishes the new table. On any failure nothing
// changes.
func (e *Engine) reshard(ctx context.Context, ref StreamRef, op string, change func(t *table, open int) error) error {
	name, err := e.resolve(ref)
	if err != nil {
		return err
	}
	e.control.Lock()
	defer e.control.Unlock()
	now := e.now().Truncate(time.Millisecond)
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.lookup(name, now)
	if s == nil {
		return e.streamNotFound(name)
	}
	if st := s.status(now); st != StatusActive {
		return e.streamNotActive(name, st)
	}
	if s.mode == ModeOnDemand && op != opAutoScale { // on-demand streams scale themselves (autoscale.go)
		return errorf(KindValidation, "%s is not supported for stream %s under account %s because it is in ON_DEMAND capacity mode.", op, name, e.cfg.AccountID)
	}
	t := newTable(name, e.cfg.AccountID, now, s.shards)
	if err := change(t, len(s.routing)); err != nil {
		return err
	}
	if len(t.created) == 0 {
		return nil
	}
	openAfter := e.openShardCountLocked(now) - len(s.routing) + len(t.openShards())
	if added := openAfter - e.openShardCountLocked(now); added > 0 && openAfter > e.cfg.ShardLimit {
		return e.shardLimitExceeded(e.openShardCountLocked(now), added) // limits_hooks.go
	}
	// Nothing is appending (we hold the write lock); make what was appended
	// durable so each closing shard's last index is final.
	if err := e.log.Sync(ctx, e.lastToken.Load()); err != nil {
		return fmt.Errorf("%s: sync before closing shards: %w", op, err)
	}
	for _, sh := range t.closed {
		_, next := sh.log.Bounds()
		sh.endIndex = next - 1
	}
	opened := make([]*shard, 0, len(t.created))
	undo := func() {
		for _, sh := range opened {
			_ = sh.log.Close()
		}
	}
	for _, sh := range t.created {
		log, err := e.log.OpenShard(s.id, sh.index)
		if err != nil {
			undo()
			return fmt.Errorf("%s: open shard %d: %w", op, sh.index, err)
		}
		sh.log = log
		opened = append(opened, sh)
	}
	s.inheritEncryption(t.created)
	oldShards, oldRouting, oldUpdating := s.shards, s.routing, s.updatingUntil
	s.shards = t.shards
	s.rebuildRouting()
	s.updatingUntil = now.Add(e.cfg.UpdateDelay)
	if err := e.save(e.catalogDocLocked()); err != nil {
		s.shards, s.routing, s.updatingUntil = oldShards, oldRouting, oldUpdating
		undo()
		return err
	}
	e.notifyClosed(s, t.closed) // their subscribers reach the end (notify.go)
	return nil
}

// UpdateStreamMode switches a stream between PROVISIONED and ON_DEMAND.
func (e *Engine) UpdateStreamMode(ctx context.Context, ref StreamRef, mode Mode) error {
	return e.UpdateStreamModeWithWarmThroughput(ctx, ref, mode, nil) // warm_throughput.go
}
