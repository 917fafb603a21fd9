package engine

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/runnel-io/runnel/internal/hashkey"
)

// ScalingConfig tunes how ON_DEMAND streams scale themselves when limits
// are enforced (Config.EnforceLimits). Zero values mean the defaults.
type ScalingConfig struct {
	// SplitAfter: a shard whose writes were throttled in this many
	// consecutive seconds (rounded up to whole seconds) is split at the
	// middle of its hash range.
	SplitAfter time.Duration
	// MergeAfter: two adjacent open shards whose writes stayed under half
	// the shard limit for this long (and that are at least this old) are
	// merged, as long as the stream keeps its 4 initial shards.
	MergeAfter time.Duration
}

// Scaling defaults.
const (
	DefaultSplitAfter = 3 * time.Second
	DefaultMergeAfter = 10 * time.Minute
)

// opAutoScale names on-demand scaling in reshard: the one caller allowed
// to reshard an ON_DEMAND stream.
const opAutoScale = "OnDemandScaling"

func (c ScalingConfig) splitRuns() int {
	d := c.SplitAfter
	if d <= 0 {
		d = DefaultSplitAfter
	}
	return int((d + time.Second - 1) / time.Second)
}

func (c ScalingConfig) mergeAfter() time.Duration {
	if c.MergeAfter <= 0 {
		return DefaultMergeAfter
	}
	return c.MergeAfter
}

// autoScale splits the hot shards and merges idle neighbours of every
// ACTIVE ON_DEMAND stream, one reshard per stream through reshard (so the
// shard quota, lineage, durability and the catalog save work as for
// SplitShard and MergeShards). Provisioned streams never change here. The
// caller (Maintain) does not hold e.control.
func (e *Engine) autoScale(ctx context.Context) error {
	if e.limits == nil {
		return nil
	}
	now := e.now()
	live := map[string]bool{}
	var names []string
	e.mu.RLock()
	for name, s := range e.streams {
		if s.gone(now) {
			continue
		}
		live[s.id] = true
		if s.mode != ModeOnDemand || s.status(now) != StatusActive {
			continue
		}
		scratch := newTable(name, e.cfg.AccountID, now, s.shards)
		if e.planScalingLocked(s, scratch, now) == nil && len(scratch.created) > 0 {
			names = append(names, name)
		}
	}
	e.mu.RUnlock()
	e.limits.forget(live, now)
	sort.Strings(names)
	var errs []error
	for _, name := range names {
		if ctx.Err() != nil {
			break
		}
		err := e.reshard(ctx, StreamRef{Name: name}, opAutoScale, func(t *table, open int) error {
			s := e.streams[name] // reshard holds e.mu
			if s == nil || s.mode != ModeOnDemand {
				return nil // switched meanwhile: nothing to do
			}
			return e.planScalingLocked(s, t, now)
		})
		var ee *Error
		switch {
		case err == nil:
			e.cfg.Logger.Info("on-demand stream rescaled", "stream", name)
		case errors.As(err, &ee):
			// The shard quota, or a state change meanwhile: try again later.
			e.cfg.Logger.Warn("on-demand scaling skipped", "stream", name, "reason", ee.Message)
		default:
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// planScalingLocked applies one scaling step of s to t: every hot open
// shard is split at the middle of its range; if none is hot, disjoint
// pairs of adjacent idle shards are merged, left to right, while more than
// the 4 initial shards stay open. The caller holds e.mu.
func (e *Engine) planScalingLocked(s *stream, t *table, now time.Time) error {
	open := t.openShards()
	runs := e.cfg.Scaling.splitRuns()
	split := false
	for _, sh := range open {
		if e.limits.pressure(shardKey{s.id, sh.index}, now).hotRun < runs {
			continue
		}
		key, ok := splitPoint(sh.hashRange)
		if !ok {
			continue // too narrow to split
		}
		if err := t.split(shardID(sh.index), key, key.String()); err != nil {
			return err
		}
		split = true
	}
	if split {
		return nil
	}
	count := len(open)
	for i := 0; i+1 < len(open) && count > onDemandShards; i++ {
		a, b := open[i], open[i+1]
		if !e.idleLocked(s, a, now) || !e.idleLocked(s, b, now) || !adjacent(a, b) {
			continue
		}
		if err := t.merge(shardID(a.index), shardID(b.index)); err != nil {
			return err
		}
		count--
		i++
	}
	return nil
}

// idleLocked reports whether a shard's writes stayed under half the shard
// limit, unthrottled, for the merge cool-down, counted from the latest of
// its last busy second, its creation and the limiter's start.
func (e *Engine) idleLocked(s *stream, sh *shard, now time.Time) bool {
	p := e.limits.pressure(shardKey{s.id, sh.index}, now)
	if p.hotRun > 0 {
		return false
	}
	since := e.limits.started
	for _, t := range []time.Time{p.busyAt, sh.createdAt} {
		if t.After(since) {
			since = t
		}
	}
	return now.Sub(since) >= e.cfg.Scaling.mergeAfter()
}

// splitPoint is the middle of a range: the second child starts at
// floor((start+end)/2)+1. ok is false if the range is too narrow for
// SplitShard's rule (start+1 < key < end).
func splitPoint(r hashkey.Range) (hashkey.Key, bool) {
	key, _ := hashkey.Mid(r.Start, r.End).Add(hashkey.Key{Lo: 1})
	low, _ := r.Start.Add(hashkey.Key{Lo: 1})
	return key, key.Cmp(low) > 0 && key.Cmp(r.End) < 0
}
