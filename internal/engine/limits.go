package engine

import (
	"sync"
	"time"
)

// AWS's per-shard limits (docs "Quotas and limits"; [M] PutRecords,
// GetRecords, GetShardIterator), enforced only with Config.EnforceLimits.
const (
	writeBytesPerSecond   = 1 << 20 // 1 MiB/s
	writeRecordsPerSecond = 1000
	readBytesPerSecond    = 2 << 20 // 2 MiB/s
	readCallsPerSecond    = 5       // GetRecords
	iteratorsPerSecond    = 5       // GetShardIterator
)

// Every bucket here refills at its limit per second and holds one second's
// worth: its burst.

// nano scales a token count so that refilling is exact integer arithmetic:
// a bucket's level is tokens×1e9, and d of elapsed time adds d.Nanoseconds()
// × perSecond to it.
const nano = int64(time.Second)

// bucket is a token bucket driven by the times it is given (the engine's
// clock), never by the wall clock. Its zero value is full the first time it
// is used. The level may go negative (a debt) where a caller allows it.
type bucket struct {
	level int64 // tokens × nano
	at    time.Time
}

// refill adds what perSecond earned since the last call, up to the burst. A clock
// that goes backwards earns nothing.
func (b *bucket) refill(perSecond int64, now time.Time) {
	full := perSecond * nano
	if b.at.IsZero() {
		b.level, b.at = full, now
		return
	}
	d := int64(now.Sub(b.at))
	if d <= 0 {
		return
	}
	b.at = now
	room := full - b.level
	switch {
	case room <= 0:
	case d > room/perSecond: // enough to fill it (and d×perSecond might overflow)
		b.level = full
	default:
		b.level = min(full, b.level+d*perSecond)
	}
}

// has reports whether n tokens are available.
func (b *bucket) has(n int64) bool { return b.level >= n*nano }

// take removes n tokens, possibly going into debt.
func (b *bucket) take(n int64) { b.level -= n * nano }

// shardLimits is one shard (by shardKey, notify.go)'s buckets and the write pressure the on-demand
// scaler looks at (autoscale.go).
type shardLimits struct {
	writeBytes, writeRecords bucket
	readBytes, readCalls     bucket
	iterators                bucket

	// Write pressure, by whole seconds of the engine's clock.
	throttledSec int64 // the last second in which a write was throttled
	throttledRun int   // consecutive seconds with throttled writes, ending at throttledSec
	usageSec     int64 // the second usageRecords/usageBytes count
	usageRecords int64
	usageBytes   int64
	busyAt       time.Time // start of the last second whose writes reached half the limit
}

// controlBucket is a control-plane operation's bucket and its rate.
type controlBucket struct {
	bucket
	perSecond int64
}

// limiter holds every bucket of one account. Its mutex is a leaf: it is
// never held while taking another lock, and nothing waits while holding it,
// so the data path may call it under Engine.mu.RLock.
type limiter struct {
	mu      sync.Mutex
	shards  map[shardKey]*shardLimits
	control map[string]*controlBucket // control-plane operations, by op or op+"/"+stream
	started time.Time                 // first use: the scaler knows nothing before it
}

func newLimiter(now time.Time) *limiter {
	return &limiter{shards: map[shardKey]*shardLimits{}, control: map[string]*controlBucket{}, started: now}
}

// shardLocked returns a shard's state, creating it (buckets full).
func (l *limiter) shardLocked(k shardKey) *shardLimits {
	sl := l.shards[k]
	if sl == nil {
		sl = &shardLimits{}
		l.shards[k] = sl
	}
	return sl
}

// admitWrite charges one record of size bytes (data plus partition key) to
// the shard, or reports that the shard is over its write limit. A record
// larger than the whole byte burst (records may be up to 10 MiB) is let
// through when the byte bucket is full, leaving a debt.
func (l *limiter) admitWrite(k shardKey, size int64, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	sl := l.shardLocked(k)
	sl.writeBytes.refill(writeBytesPerSecond, now)
	sl.writeRecords.refill(writeRecordsPerSecond, now)
	sec := now.Unix()
	if !sl.writeRecords.has(1) || !sl.writeBytes.has(min(size, writeBytesPerSecond)) {
		switch sl.throttledSec {
		case sec:
		case sec - 1:
			sl.throttledSec, sl.throttledRun = sec, sl.throttledRun+1
		default:
			sl.throttledSec, sl.throttledRun = sec, 1
		}
		return false
	}
	sl.writeRecords.take(1)
	sl.writeBytes.take(size)
	if sl.usageSec != sec {
		sl.usageSec, sl.usageRecords, sl.usageBytes = sec, 0, 0
	}
	sl.usageRecords++
	sl.usageBytes += size
	if 2*sl.usageRecords >= writeRecordsPerSecond || 2*sl.usageBytes >= writeBytesPerSecond {
		sl.busyAt = time.Unix(sec, 0)
	}
	return true
}

// admitRead reports whether a GetRecords call may read the shard now: it
// needs a call token and no read debt. It takes the call token.
func (l *limiter) admitRead(k shardKey, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	sl := l.shardLocked(k)
	sl.readCalls.refill(readCallsPerSecond, now)
	sl.readBytes.refill(readBytesPerSecond, now)
	if !sl.readCalls.has(1) || sl.readBytes.level < 0 {
		return false
	}
	sl.readCalls.take(1)
	return true
}

// chargeRead charges a GetRecords response of size bytes. A response that
// fits the shard's remaining read budget uses it up; one that does not is
// charged in full from zero, so the shard refuses reads until the debt is
// repaid at 2 MiB/s: after a 10 MiB response, calls in the next 5 s are
// throttled, as AWS documents.
func (l *limiter) chargeRead(k shardKey, size int64, now time.Time) {
	if size <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	sl := l.shardLocked(k)
	sl.readBytes.refill(readBytesPerSecond, now)
	if sl.readBytes.has(size) {
		sl.readBytes.take(size)
		return
	}
	sl.readBytes.level = min(sl.readBytes.level, 0)
	sl.readBytes.take(size)
}

// admitIterator takes a GetShardIterator token of the shard.
func (l *limiter) admitIterator(k shardKey, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	sl := l.shardLocked(k)
	sl.iterators.refill(iteratorsPerSecond, now)
	if !sl.iterators.has(1) {
		return false
	}
	sl.iterators.take(1)
	return true
}

// controlScope says whether an operation's TPS limit is per account or per
// stream.
type controlScope int

const (
	perAccount controlScope = iota + 1
	perStream
)

// controlLimit is one control-plane operation's TPS limit.
type controlLimit struct {
	perSecond int64
	scope     controlScope
}

// controlLimitOf returns AWS's TPS limit of a control-plane operation ([M]
// operation docs; shared/reference/kinesis-api.md §3 "LimitExceededException
// cases"). Operations without one report false.
func controlLimitOf(op string) (controlLimit, bool) {
	switch op {
	case "CreateStream", "DeleteStream", "MergeShards", "SplitShard", "ListStreams",
		"AddTagsToStream", "RemoveTagsFromStream", "ListTagsForStream", "RegisterStreamConsumer",
		"DescribeAccountSettings", "UpdateAccountSettings", "UpdateStreamWarmThroughput":
		return controlLimit{5, perAccount}, true
	case "DescribeStream", "UpdateShardCount":
		return controlLimit{10, perAccount}, true
	case "DescribeStreamSummary":
		return controlLimit{20, perAccount}, true
	case "DescribeStreamConsumer":
		return controlLimit{20, perStream}, true
	case "ListStreamConsumers", "DeregisterStreamConsumer":
		return controlLimit{5, perStream}, true
	case "DescribeLimits":
		return controlLimit{1, perAccount}, true
	case "ListShards":
		return controlLimit{1000, perStream}, true
	}
	return controlLimit{}, false
}

// admitControl takes a token of op's bucket (the stream's own bucket for a
// per-stream limit). Operations without a limit are always admitted.
func (l *limiter) admitControl(op, stream string, now time.Time) bool {
	lim, ok := controlLimitOf(op)
	if !ok {
		return true
	}
	key := op
	if lim.scope == perStream {
		key = op + "/" + stream
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	cb := l.control[key]
	if cb == nil {
		cb = &controlBucket{perSecond: lim.perSecond}
		l.control[key] = cb
	}
	cb.refill(cb.perSecond, now)
	if !cb.has(1) {
		return false
	}
	cb.take(1)
	return true
}

// writePressure is what the scaler needs to know about one shard.
type writePressure struct {
	hotRun int       // consecutive throttled seconds up to now (0 if the last one was earlier)
	busyAt time.Time // start of the last busy second; zero if never
}

// pressure reports a shard's write pressure as of now. A run of throttled
// seconds counts only while it is current (it ended this second or the
// one before).
func (l *limiter) pressure(k shardKey, now time.Time) writePressure {
	l.mu.Lock()
	defer l.mu.Unlock()
	sl := l.shards[k]
	if sl == nil {
		return writePressure{}
	}
	p := writePressure{busyAt: sl.busyAt}
	if sec := now.Unix(); sl.throttledSec >= sec-1 {
		p.hotRun = sl.throttledRun
	}
	return p
}

// forget drops the state of every stream not in live (by log id), and every
// control bucket that is full again (a full bucket is as good as none).
func (l *limiter) forget(live map[string]bool, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k := range l.shards {
		if !live[k.stream] {
			delete(l.shards, k)
		}
	}
	for k, cb := range l.control {
		if cb.refill(cb.perSecond, now); cb.level >= cb.perSecond*nano {
			delete(l.control, k)
		}
	}
}
