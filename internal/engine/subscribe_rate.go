package engine

import (
	"context"
	"time"
)

// consumerShardBytesPerSecond is enhanced fan-out's throughput per consumer
// per shard: 2 MiB/s (also the burst, and the largest event).
const consumerShardBytesPerSecond = 2 << 20

// rate paces one subscription (one consumer on one shard) to 2 MiB/s when
// limits are enforced. AWS slows an enhanced fan-out consumer down rather
// than failing it, so an event waits until the bucket holds its size (or is
// full, for an event larger than the burst) and is then sent.
type rate struct {
	bytes bucket
}

// wait is how long an event of n bytes must wait at now.
func (r *rate) wait(n int64, now time.Time) time.Duration {
	r.bytes.refill(consumerShardBytesPerSecond, now)
	need := min(n, consumerShardBytesPerSecond) * nano
	if r.bytes.level >= need {
		return 0
	}
	return time.Duration((need-r.bytes.level)/consumerShardBytesPerSecond) + 1
}

// pace blocks until an event of n bytes may be sent, then charges it. A
// takeover, the end of the subscription, server shutdown or ctx cut the
// wait short; Next notices them on its next call.
func (s *Subscription) pace(ctx context.Context, n int64) {
	if s.e.limits == nil || n == 0 {
		return
	}
	if d := s.rate.wait(n, s.e.now()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-s.takenOver:
		case <-s.e.fan.stop:
		case <-ctx.Done():
		}
		t.Stop()
		s.rate.bytes.refill(consumerShardBytesPerSecond, s.e.now())
	}
	s.rate.bytes.take(n)
}
