package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/runnel-io/runnel/internal/hashkey"
	"github.com/runnel-io/runnel/internal/record"
)

// PutEntry is one record to write.
type PutEntry struct {
	PartitionKey    string
	ExplicitHashKey string // decimal, optional
	Data            []byte
}

// PutResult is the outcome of one entry: ShardID and SequenceNumber, or an
// ErrorCode and ErrorMessage for an entry that failed alone.
type PutResult struct {
	ShardID        string
	SequenceNumber string
	ErrorCode      string
	ErrorMessage   string
	Encrypted      bool // stored encrypted: EncryptionType KMS
}

// groupedPut is the part of a put bound for one shard.
type groupedPut struct {
	shard   *shard
	entries []int // positions in the request
	recs    []record.Record
}

// PutRecords writes entries and returns once they are durable, one result
// per entry in request order.
func (e *Engine) PutRecords(ctx context.Context, ref StreamRef, entries []PutEntry) ([]PutResult, error) {
	name, err := e.resolve(ref)
	if err != nil {
		return nil, err
	}
	// Hash keys first: a bad ExplicitHashKey fails the whole call.
	keys := make([]hashkey.Key, len(entries))
	for i := range entries {
		k, err := entryHashKey(&entries[i])
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	now := e.now()
	nowMs := now.UnixMilli()
	e.mu.RLock()
	s := e.lookup(name, now)
	if s == nil {
		e.mu.RUnlock()
		return nil, e.streamNotFound(name)
	}
	if st := s.status(now); st == StatusCreating {
		e.mu.RUnlock()
		return nil, e.streamNotFound(name)
	}
	if err := s.checkRecordSizes(entries); err != nil { // record_size.go
		e.mu.RUnlock()
		return nil, err
	}
	groups := make([]groupedPut, 0, len(s.routing))
	slot := make(map[*shard]int, len(s.routing))
	results := make([]PutResult, len(entries))
	for i := range entries {
		sh := route(s.routing, keys[i])
		if sh == nil {
			e.mu.RUnlock()
			return nil, fmt.Errorf("no open shard of stream %s holds hash key %s", name, keys[i])
		}
		if !e.admitWrite(s, sh, &entries[i], now) { // over the shard's write limit (limits_hooks.go)
			results[i] = e.throttledWrite(s, sh)
			continue
		}
		g, ok := slot[sh]
		if !ok {
			g = len(groups)
			slot[sh] = g
			groups = append(groups, groupedPut{shard: sh})
		}
		groups[g].entries = append(groups[g].entries, i)
		groups[g].recs = append(groups[g].recs, record.Record{Timestamp: nowMs, PartitionKey: entries[i].PartitionKey, Data: entries[i].Data})
	}
	encrypted := s.sealGroupsLocked(groups) // encryption.go
	// Append while still holding the read lock: a reshard takes the write
	// lock, so it never closes a shard between routing and appending, and
	// no record lands in a closed shard. The wait for durability happens
	// after the lock is released.
	var maxToken uint64
	var appendErr error
	for gi := range groups {
		g := &groups[gi]
		log := g.shard.log
		if log == nil {
			appendErr = errors.Join(appendErr, fmt.Errorf("shard %d of stream %s is closed", g.shard.index, name))
			g.recs = nil
			continue
		}
		_, token, err := log.Append(g.recs)
		if err != nil {
			appendErr = errors.Join(appendErr, fmt.Errorf("append to shard %d of stream %s: %w", g.shard.index, name, err))
			g.recs = nil
			continue
		}
		maxToken = max(maxToken, token)
	}
	e.noteToken(maxToken)
	e.mu.RUnlock()
	if maxToken > 0 || appendErr == nil {
		if err := e.log.Sync(ctx, maxToken); err != nil {
			return nil, fmt.Errorf("sync: %w", err)
		}
	}
	e.notifyAppended(s.id, groups) // durable: wake the shards' subscribers (notify.go)
	e.observeIncoming(s.id, entries, groups)
	failed := 0
	buf := make([]byte, 0, 64)
	for gi := range groups {
		g := &groups[gi]
		id := shardID(g.shard.index)
		for j, pos := range g.entries {
			if g.recs == nil {
				results[pos] = PutResult{ErrorCode: "InternalFailure", ErrorMessage: "Internal service failure."}
				failed++
				continue
			}
			r := &g.recs[j]
			buf = g.shard.sequence(buf[:0], r.Index, r.Timestamp)
			results[pos] = PutResult{ShardID: id, SequenceNumber: string(buf), Encrypted: encrypted}
		}
	}
	if failed == len(entries) && appendErr != nil {
		return nil, appendErr
	}
	return results, nil
}

func entryHashKey(p *PutEntry) (hashkey.Key, error) {
	if p.ExplicitHashKey == "" {
		return hashkey.FromPartitionKey(p.PartitionKey), nil
	}
	k, err := hashkey.Parse(p.ExplicitHashKey)
	if err != nil {
		return hashkey.Key{}, errorf(KindInvalidArgument, "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was %s", p.ExplicitHashKey)
	}
	return k, nil
}

// PutRecord writes one record and returns once it is durable.
func (e *Engine) PutRecord(ctx context.Context, ref StreamRef, entry PutEntry, sequenceNumberForOrdering string) (PutResult, error) {
	if sequenceNumberForOrdering != "" {
		name, err := e.resolve(ref)
		if err != nil {
			return PutResult{}, err
		}
		if err := e.checkOrderingSequence(name, sequenceNumberForOrdering); err != nil {
			return PutResult{}, err
		}
	}
	res, err := e.PutRecords(ctx, ref, []PutEntry{entry})
	if tooLarge := (*recordTooLargeError)(nil); errors.As(err, &tooLarge) {
		return PutResult{}, tooLarge.single()
	}
	if err != nil {
		return PutResult{}, err
	}
	if res[0].ErrorCode == ThroughputExceededCode { // PutRecord fails whole (limits_hooks.go)
		return PutResult{}, errorf(KindThroughputExceeded, "%s", res[0].ErrorMessage)
	}
	if res[0].ErrorCode != "" {
		return PutResult{}, errorf(KindInternal, "%s", res[0].ErrorMessage)
	}
	return res[0], nil
}
