package engine

import (
	"time"

	"github.com/runnel-io/runnel/internal/hashkey"
)

// table is a stream's shard list while a reshard computes its new shape.
// Its operations are pure: they append new shards (without logs) and close
// old ones on a private copy, and never do I/O, so scripted scenario tests
// (testdata/reshard/*.txt) drive them directly.
type table struct {
	stream  string
	account string
	now     time.Time
	shards  []*shard // copies; the engine swaps them in only on success
	created []*shard // shards this change added, in index order
	closed  []*shard // shards this change closed (pre-existing ones only)
}

func newTable(stream, account string, now time.Time, shards []*shard) *table {
	t := &table{stream: stream, account: account, now: now, shards: make([]*shard, len(shards))}
	for i, sh := range shards {
		c := *sh
		t.shards[i] = &c
	}
	return t
}

// find returns the shard with the given id, open or not.
func (t *table) find(id string) (*shard, error) {
	idx, ok := parseShardID(id)
	if !ok || int(idx) >= len(t.shards) {
		return nil, errorf(KindNotFound, "Could not find shard %s in stream %s under account %s.", id, t.stream, t.account)
	}
	return t.shards[idx], nil
}

func (t *table) add(r hashkey.Range, parent, adjacent int64) *shard {
	sh := &shard{
		index: uint32(len(t.shards)), parent: parent, adjacent: adjacent, hashRange: r,
		createdSec: t.now.Unix(), createdAt: t.now,
	}
	t.shards = append(t.shards, sh)
	t.created = append(t.created, sh)
	return sh
}

func (t *table) close(sh *shard) {
	sh.closedAt = t.now
	for _, c := range t.created {
		if c == sh {
			return
		}
	}
	t.closed = append(t.closed, sh)
}

// openShards lists the open shards ordered by starting hash key.
func (t *table) openShards() []*shard {
	var out []*shard
	for _, sh := range t.shards {
		if sh.open() {
			out = append(out, sh)
		}
	}
	sortByHash(out)
	return out
}

// split closes a shard and opens two children that divide its range at key
// (the second child starts at key), as SplitShard does.
func (t *table) split(id string, key hashkey.Key, keyText string) error {
	sh, err := t.find(id)
	if err != nil {
		return err
	}
	if !sh.open() {
		return errorf(KindInvalidArgument, "Shard %s in stream %s under account %s has already been merged or split, and thus is not eligible for splitting.", id, t.stream, t.account)
	}
	low, _ := sh.hashRange.Start.Add(hashkey.Key{Lo: 1})
	if key.Cmp(low) <= 0 || key.Cmp(sh.hashRange.End) >= 0 {
		return errorf(KindInvalidArgument, "NewStartingHashKey %s used in SplitShard() on shard %s in stream %s under account %s is not both greater than one plus the shard's StartingHashKey %s and less than the shard's EndingHashKey %s.",
			keyText, id, t.stream, t.account, sh.hashRange.Start, sh.hashRange.End)
	}
	t.splitAt(sh, key)
	return nil
}

// splitAt closes sh and opens [start, key-1] and [key, end]; key must lie
// in (start, end].
func (t *table) splitAt(sh *shard, key hashkey.Key) (left, right *shard) {
	before, _ := key.Sub(hashkey.Key{Lo: 1})
	t.close(sh)
	left = t.add(hashkey.Range{Start: sh.hashRange.Start, End: before}, int64(sh.index), -1)
	right = t.add(hashkey.Range{Start: key, End: sh.hashRange.End}, int64(sh.index), -1)
	return left, right
}

// merge closes two open shards whose ranges touch and opens their union,
// as MergeShards does: the child's parent is the first shard named.
func (t *table) merge(id, adjacentID string) error {
	a, err := t.find(id)
	if err != nil {
		return err
	}
	b, err := t.find(adjacentID)
	if err != nil {
		return err
	}
	for _, sh := range []*shard{a, b} {
		if !sh.open() {
			return errorf(KindInvalidArgument, "Shard %s in stream %s under account %s has already been merged or split, and thus is not eligible for merging.", shardID(sh.index), t.stream, t.account)
		}
	}
	if a == b || !adjacent(a, b) {
		return errorf(KindInvalidArgument, "Shards %s and %s in stream %s under account %s are not an adjacent pair of shards eligible for merging", id, adjacentID, t.stream, t.account)
	}
	t.mergePair(a, b)
	return nil
}

func adjacent(a, b *shard) bool {
	if b.hashRange.Start.Cmp(a.hashRange.Start) < 0 {
		a, b = b, a
	}
	next, overflow := a.hashRange.End.Add(hashkey.Key{Lo: 1})
	return !overflow && next == b.hashRange.Start
}

func (t *table) mergePair(parent, adj *shard) *shard {
	lo, hi := parent, adj
	if hi.hashRange.Start.Cmp(lo.hashRange.Start) < 0 {
		lo, hi = hi, lo
	}
	t.close(parent)
	t.close(adj)
	return t.add(hashkey.Range{Start: lo.hashRange.Start, End: hi.hashRange.End}, int64(parent.index), int64(adj.index))
}

// scale reshapes the open shards into target shards that split the hash
// space evenly (UpdateShardCount with UNIFORM_SCALING). Like AWS it gets
// there by splits and merges, so every new shard has at most two parents;
// intermediate shards are created and closed at the same instant.
func (t *table) scale(target int) {
	ranges := hashkey.EvenSplit(target)
	// Split every open shard at each new boundary strictly inside it.
	for _, r := range ranges[1:] {
		for _, sh := range t.openShards() {
			if sh.hashRange.Start.Cmp(r.Start) < 0 && r.Start.Cmp(sh.hashRange.End) <= 0 {
				t.splitAt(sh, r.Start)
				break
			}
		}
	}
	// Merge the pieces inside each new range, left to right.
	for _, r := range ranges {
		var pieces []*shard
		for _, sh := range t.openShards() {
			if r.Start.Cmp(sh.hashRange.Start) <= 0 && sh.hashRange.End.Cmp(r.End) <= 0 {
				pieces = append(pieces, sh)
			}
		}
		for len(pieces) > 1 {
			merged := t.mergePair(pieces[0], pieces[1])
			pieces = append([]*shard{merged}, pieces[2:]...)
		}
	}
}
