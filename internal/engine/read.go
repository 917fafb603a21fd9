package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/runnel-io/runnel/internal/record"
	"github.com/runnel-io/runnel/internal/seqnum"
)

// IteratorType is a ShardIteratorType.
type IteratorType string

// The iterator types.
const (
	AtSequenceNumber    IteratorType = "AT_SEQUENCE_NUMBER"
	AfterSequenceNumber IteratorType = "AFTER_SEQUENCE_NUMBER"
	TrimHorizon         IteratorType = "TRIM_HORIZON"
	Latest              IteratorType = "LATEST"
	AtTimestamp         IteratorType = "AT_TIMESTAMP"
)

// GetShardIteratorInput is GetShardIterator's request.
type GetShardIteratorInput struct {
	Stream                 StreamRef
	ShardID                string
	Type                   IteratorType
	StartingSequenceNumber string
	Timestamp              *time.Time
}

// GetRecords bounds.
const (
	DefaultGetRecordsLimit = 10000
	maxGetRecordsBytes     = 10 << 20
)

// checkOrderingSequence validates PutRecord's SequenceNumberForOrdering.
func (e *Engine) checkOrderingSequence(stream, seq string) error {
	if _, err := seqnum.Parse(seq); err != nil {
		return errorf(KindInvalidArgument, "ExclusiveMinimumSequenceNumber %s used in PutRecord on stream %s under account %s is invalid.", seq, stream, e.cfg.AccountID)
	}
	return nil
}

// retentionStart is the first index a reader may see: records older than
// the stream's retention are never returned.
func retentionStart(s *stream, sh *shard, now time.Time) (uint64, error) {
	oldest, _ := sh.log.Bounds()
	cutoff := now.Add(-time.Duration(s.retentionHours) * time.Hour).UnixMilli()
	first, err := sh.log.SeekTime(cutoff)
	if err != nil {
		return 0, err
	}
	return max(oldest, first), nil
}

// GetShardIterator returns a sealed iterator for a position in a shard.
func (e *Engine) GetShardIterator(ctx context.Context, in GetShardIteratorInput) (string, error) {
	name, err := e.resolve(in.Stream)
	if err != nil {
		return "", err
	}
	now := e.now()
	e.mu.RLock()
	defer e.mu.RUnlock()
	s := e.lookup(name, now)
	if s == nil {
		return "", e.shardNotFound(in.ShardID, name)
	}
	idx, ok := parseShardID(in.ShardID)
	if !ok || int(idx) >= len(s.shards) || s.status(now) == StatusCreating {
		if !ok {
			return "", errorf(KindNotFound, "Could not find shard %s in stream %s under account %s.", in.ShardID, name, e.cfg.AccountID)
		}
		return "", e.shardNotFound(shardID(idx), name)
	}
	sh := s.shards[idx]
	if err := e.admitIterator(s, sh, now); err != nil { // limits_hooks.go
		return "", err
	}
	pos, err := e.startPosition(s, sh, "GetShardIterator", in.Type, in.StartingSequenceNumber, in.Timestamp, now) // position.go
	if err != nil {
		return "", err
	}
	return e.sealToken(token{Kind: tokenIterator, CreatedMs: s.created.UnixMilli(), Shard: sh.index, Position: pos, Name: name}, now), nil
}

// GetRecordsOutput is GetRecords' answer. NextShardIterator is empty (null
// on the wire) once a closed shard has been read to its end.
type GetRecordsOutput struct {
	Records            []record.Record
	SequenceNumbers    []string
	NextShardIterator  string
	MillisBehindLatest int64
	ChildShards        []ChildShard // set once a closed shard is read to its end
	Encrypted          []bool       // per record: stored encrypted (KMS); nil if none was
}

// ChildShard is a shard that a closed shard's records continue in.
type ChildShard struct {
	ShardID         string
	ParentShards    []string
	StartingHashKey string
	EndingHashKey   string
}

// GetRecords reads from the position an iterator holds.
func (e *Engine) GetRecords(ctx context.Context, iterator string, limit int) (GetRecordsOutput, error) {
	now := e.now()
	t, ok := e.unsealToken(iterator)
	if !ok || t.Kind != tokenIterator {
		return GetRecordsOutput{}, errorf(KindInvalidArgument, "Invalid ShardIterator.")
	}
	if age := now.Sub(time.UnixMilli(t.IssuedMs)); age > tokenLifetime {
		return GetRecordsOutput{}, errorf(KindExpiredIterator, "Iterator expired. The iterator was created at time %s while right now it is %s which is further in the future than the tolerated delay of %d milliseconds.", javaTime(t.IssuedMs), javaTime(now.UnixMilli()), tokenLifetime.Milliseconds())
	}
	if limit <= 0 {
		limit = DefaultGetRecordsLimit
	}
	e.mu.RLock()
	s := e.lookup(t.Name, now)
	if s == nil || s.created.UnixMilli() != t.CreatedMs || int(t.Shard) >= len(s.shards) {
		e.mu.RUnlock()
		return GetRecordsOutput{}, e.shardNotFound(shardID(t.Shard), t.Name)
	}
	sh := s.shards[t.Shard]
	if err := e.admitRead(s, sh, now); err != nil { // limits_hooks.go
		e.mu.RUnlock()
		return GetRecordsOutput{}, err
	}
	streamID := s.id
	log := sh.log
	opener := s.recordOpenerLocked(sh) // encryption.go
	start, err := retentionStart(s, sh, now)
	var children []ChildShard
	if !sh.open() {
		children = childShards(s, sh)
	}
	e.mu.RUnlock()
	if err != nil {
		return GetRecordsOutput{}, err
	}
	if log == nil {
		return GetRecordsOutput{}, e.shardNotFound(shardID(t.Shard), t.Name)
	}
	from := max(t.Position, start)
	recs, err := log.Read(from, limit, maxGetRecordsBytes, nil)
	if err != nil {
		var ee *Error
		if errors.As(err, &ee) {
			return GetRecordsOutput{}, err
		}
		return GetRecordsOutput{}, fmt.Errorf("read shard %d of stream %s: %w", t.Shard, t.Name, err)
	}
	encrypted, err := opener.open(recs)
	if err != nil {
		return GetRecordsOutput{}, fmt.Errorf("decrypt shard %d of stream %s: %w", t.Shard, t.Name, err)
	}
	e.chargeRead(streamID, t.Shard, recs, now)
	e.observer().Outgoing(streamID, t.Shard, len(recs), recordBytes(recs), iteratorAge(recs, now))
	out := GetRecordsOutput{Records: recs, SequenceNumbers: sh.sequences(recs)}
	out.Encrypted = encrypted
	next := from
	if len(recs) > 0 {
		next = recs[len(recs)-1].Index + 1
	}
	_, tip := log.Bounds()
	if len(recs) > 0 && next < tip {
		out.MillisBehindLatest = max(0, now.UnixMilli()-recs[len(recs)-1].Timestamp)
	}
	if children != nil && next > sh.endIndex {
		// The end of a closed shard: no next iterator; read the children.
		out.ChildShards = children
		return out, nil
	}
	out.NextShardIterator = e.sealToken(token{Kind: tokenIterator, CreatedMs: t.CreatedMs, Shard: t.Shard, Position: next, Name: t.Name}, now)
	return out, nil
}

// childShards lists the shards whose parent or adjacent parent is sh.
// Caller holds e.mu.
func childShards(s *stream, sh *shard) []ChildShard {
	out := []ChildShard{}
	for _, c := range s.shards[sh.index+1:] {
		if c.parent != int64(sh.index) && c.adjacent != int64(sh.index) {
			continue
		}
		cs := ChildShard{ShardID: shardID(c.index), StartingHashKey: c.hashRange.Start.String(), EndingHashKey: c.hashRange.End.String()}
		cs.ParentShards = append(cs.ParentShards, shardID(uint32(c.parent)))
		if c.adjacent >= 0 {
			cs.ParentShards = append(cs.ParentShards, shardID(uint32(c.adjacent)))
		}
		out = append(out, cs)
	}
	return out
}
