package engine

import (
	"time"

	"github.com/runnel-io/runnel/internal/record"
)

// The engine's side of the limiter (limits.go): each hook is a no-op
// unless Config.EnforceLimits is set. Hooks on the data path run under
// e.mu.RLock and only take the limiter's leaf mutex.

// ThroughputExceededCode is PutRecordsResultEntry.ErrorCode for an entry
// refused by its shard's write limit.
const ThroughputExceededCode = "ProvisionedThroughputExceededException"

// shardRateExceeded is AWS's ProvisionedThroughputExceededException message,
// for PutRecord(s) entries and GetRecords alike ("Rate exceeded for shard
// shardId-000000000000 in stream X under account N.").
func (e *Engine) shardRateExceeded(stream string, sh *shard) string {
	return "Rate exceeded for shard " + shardID(sh.index) + " in stream " + stream + " under account " + e.cfg.AccountID + "."
}

// admitWrite charges one PutRecords entry to its shard; false means the
// entry fails with ProvisionedThroughputExceededException.
func (e *Engine) admitWrite(s *stream, sh *shard, p *PutEntry, now time.Time) bool {
	if e.limits == nil {
		return true
	}
	return e.limits.admitWrite(shardKey{s.id, sh.index}, int64(len(p.Data)+len(p.PartitionKey)), now)
}

// throttledWrite is the result of an entry admitWrite refused.
func (e *Engine) throttledWrite(s *stream, sh *shard) PutResult {
	e.noteThrottled(s, sh, true, 1) // WriteProvisionedThroughputExceeded (observe.go)
	return PutResult{ErrorCode: ThroughputExceededCode, ErrorMessage: e.shardRateExceeded(s.name, sh)}
}

// admitRead takes a GetRecords call of the shard, or refuses it while the
// shard is over its read limits.
func (e *Engine) admitRead(s *stream, sh *shard, now time.Time) error {
	if e.limits == nil || e.limits.admitRead(shardKey{s.id, sh.index}, now) {
		return nil
	}
	e.noteThrottled(s, sh, false, 1) // ReadProvisionedThroughputExceeded (observe.go)
	return errorf(KindThroughputExceeded, "%s", e.shardRateExceeded(s.name, sh))
}

// chargeRead charges the bytes a GetRecords call returned to the shard.
func (e *Engine) chargeRead(streamID string, index uint32, recs []record.Record, now time.Time) {
	if e.limits == nil {
		return
	}
	var size int64
	for i := range recs {
		size += int64(len(recs[i].Data) + len(recs[i].PartitionKey))
	}
	e.limits.chargeRead(shardKey{streamID, index}, size, now)
}

// admitIterator takes a GetShardIterator call of the shard.
func (e *Engine) admitIterator(s *stream, sh *shard, now time.Time) error {
	if e.limits == nil || e.limits.admitIterator(shardKey{s.id, sh.index}, now) {
		return nil
	}
	return errorf(KindThroughputExceeded, "%s", e.shardRateExceeded(s.name, sh))
}

// AdmitControl applies AWS's TPS limit of a control-plane operation (see
// controlLimitOf). stream is the stream the request names, "" if none; it
// selects a per-stream bucket and appears in the message. Over the limit
// it returns LimitExceededException with AWS's wording: "Rate exceeded for
// stream X under account N." or, without a stream, "Rate exceeded for
// account N.".
func (e *Engine) AdmitControl(op, stream string) error {
	if e.limits == nil || e.limits.admitControl(op, stream, e.now()) {
		return nil
	}
	if stream == "" {
		return errorf(KindLimitExceeded, "Rate exceeded for account %s.", e.cfg.AccountID)
	}
	return errorf(KindLimitExceeded, "Rate exceeded for stream %s under account %s.", stream, e.cfg.AccountID)
}

// shardLimitExceeded is AWS's LimitExceededException for a request that
// would take the account's open shards over its quota (kinesalite's
// AWS-observed wording), for CreateStream, SplitShard, UpdateShardCount
// and on-demand scaling alike.
func (e *Engine) shardLimitExceeded(open, added int) *Error {
	return errorf(KindLimitExceeded, "This request would exceed the shard limit for the account %s in %s. Current shard count for the account: %d. Limit: %d. Number of additional shards that would have resulted from this request: %d. Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.",
		e.cfg.AccountID, e.cfg.Region, open, e.cfg.ShardLimit, added)
}
