package engine

import (
	"time"

	"github.com/runnel-io/runnel/internal/seqnum"
)

// startPosition resolves a starting position (GetShardIterator's iterator
// type and SubscribeToShard's StartingPosition) to the index of the first
// record to read in sh. op names the operation in messages. The caller
// holds e.mu.
func (e *Engine) startPosition(s *stream, sh *shard, op string, typ IteratorType, seq string, ts *time.Time, now time.Time) (uint64, error) {
	var err error
	hasSeq := seq != ""
	var pos uint64
	switch typ {
	case AtSequenceNumber, AfterSequenceNumber:
		if !hasSeq {
			return 0, errorf(KindInvalidArgument, "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and no StartingSequenceNumber.", typ)
		}
		p, err := seqnum.Parse(seq)
		if err != nil {
			return 0, errorf(KindInvalidArgument, "StartingSequenceNumber %s used in %s on shard %s in stream %s under account %s is invalid.", seq, op, shardID(sh.index), s.name, e.cfg.AccountID)
		}
		if p.ShardIndex != sh.index {
			return 0, errorf(KindInvalidArgument, "Invalid StartingSequenceNumber. It encodes %s, while it was used in a call to a shard with %s", shardID(p.ShardIndex), shardID(sh.index))
		}
		if p.ShardCreateTime != sh.createdSec {
			return 0, errorf(KindInvalidArgument, "StartingSequenceNumber %s used in %s on shard %s in stream %s under account %s is invalid because it did not come from this stream.", seq, op, shardID(sh.index), s.name, e.cfg.AccountID)
		}
		pos = p.SeqIndex
		if typ == AfterSequenceNumber {
			pos++
		}
	case TrimHorizon, Latest:
		if hasSeq {
			return 0, errorf(KindInvalidArgument, "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and also a StartingSequenceNumber.", typ)
		}
		if typ == Latest {
			_, pos = sh.log.Bounds()
			if !sh.open() {
				pos = sh.endIndex + 1
			}
		} else if pos, err = retentionStart(s, sh, now); err != nil {
			return 0, err
		}
	case AtTimestamp:
		if ts == nil {
			return 0, errorf(KindInvalidArgument, "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.")
		}
		ms := ts.UnixMilli()
		if ms > now.UnixMilli() {
			return 0, errorf(KindInvalidArgument, "The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: %d, currentTimestampInMillis: %d", ms, now.UnixMilli())
		}
		if pos, err = sh.log.SeekTime(ms); err != nil {
			return 0, err
		}
		start, err := retentionStart(s, sh, now)
		if err != nil {
			return 0, err
		}
		pos = max(pos, start)
	default:
		return 0, errorf(KindInvalidArgument, "Invalid ShardIteratorType %s.", typ)
	}
	return pos, nil
}
