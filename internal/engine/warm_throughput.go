package engine

import (
	"context"
	"time"
)

// MaxWarmThroughputMiBps is AWS's default ceiling for an on-demand stream's
// warm throughput: 10 GiB/s.
const MaxWarmThroughputMiBps = 10240

// warmThroughput is a stream's warm-throughput setting: the target, and the
// value it had before the last change (reported as current while the
// stream is CREATING or UPDATING towards the target).
type warmThroughput struct {
	target   int
	previous int
}

// WarmThroughput is what DescribeStreamSummary and
// UpdateStreamWarmThroughput report.
type WarmThroughput struct {
	TargetMiBps  int
	CurrentMiBps int
}

// current is the throughput the stream is scaled to now.
func (s *stream) warmCurrent(now time.Time) int {
	if st := s.status(now); st == StatusCreating || st == StatusUpdating {
		return s.warm.previous
	}
	return s.warm.target
}

// warmLocked is the stream's WarmThroughput, present (like AWS's) only for
// ON_DEMAND streams of an account whose billing commitment is in force.
// The caller holds e.mu.
func (e *Engine) warmLocked(s *stream, now time.Time) *WarmThroughput {
	if s.mode != ModeOnDemand || !e.commitmentActiveLocked(now) {
		return nil
	}
	return &WarmThroughput{TargetMiBps: s.warm.target, CurrentMiBps: s.warmCurrent(now)}
}

// checkWarmThroughputLocked applies AWS's rules to a requested warm
// throughput for a stream of the given mode. The caller holds e.mu.
func (e *Engine) checkWarmThroughputLocked(op, name string, mode Mode, mibps int, now time.Time) error {
	switch {
	case mode != ModeOnDemand:
		return errorf(KindValidation, "%s with WarmThroughputMiBps is not supported for stream %s under account %s because it is in %s capacity mode.", op, name, e.cfg.AccountID, mode)
	case !e.commitmentActiveLocked(now):
		return errorf(KindValidation, "WarmThroughputMiBps requires the MinimumThroughputBillingCommitment of account %s to be ENABLED.", e.cfg.AccountID)
	case mibps < 0:
		return errorf(KindInvalidArgument, "WarmThroughputMiBps %d must not be negative.", mibps)
	case mibps > MaxWarmThroughputMiBps:
		return errorf(KindLimitExceeded, "Requested warm throughput of %d MiBps for stream %s under account %s exceeds the limit of %d MiBps.", mibps, name, e.cfg.AccountID, MaxWarmThroughputMiBps)
	}
	return nil
}

// UpdateStreamWarmThroughputOutput is UpdateStreamWarmThroughput's answer.
type UpdateStreamWarmThroughputOutput struct {
	StreamName     string
	StreamARN      string
	WarmThroughput WarmThroughput
}

// UpdateStreamWarmThroughput sets an ACTIVE on-demand stream's warm
// throughput; the stream is UPDATING while it scales.
func (e *Engine) UpdateStreamWarmThroughput(ctx context.Context, ref StreamRef, mibps int) (UpdateStreamWarmThroughputOutput, error) {
	var out UpdateStreamWarmThroughputOutput
	err := e.mutateStream(ref, func(s *stream, now time.Time) (func(), error) {
		if st := s.status(now); st != StatusActive {
			return nil, e.streamNotActive(s.name, st)
		}
		if err := e.checkWarmThroughputLocked("UpdateStreamWarmThroughput", s.name, s.mode, mibps, now); err != nil {
			return nil, err
		}
		oldWarm, oldUpdating := s.warm, s.updatingUntil
		s.warm = warmThroughput{target: mibps, previous: s.warmCurrent(now)}
		s.updatingUntil = now.Add(e.cfg.UpdateDelay)
		out = UpdateStreamWarmThroughputOutput{
			StreamName: s.name, StreamARN: e.arn(s.name),
			WarmThroughput: WarmThroughput{TargetMiBps: mibps, CurrentMiBps: s.warm.previous},
		}
		return func() { s.warm, s.updatingUntil = oldWarm, oldUpdating }, nil
	})
	return out, err
}

// UpdateStreamModeWithWarmThroughput switches a stream between PROVISIONED
// and ON_DEMAND; warm (optional) sets the warm throughput of a stream
// switched to ON_DEMAND. A stream switched to PROVISIONED loses its warm
// throughput.
func (e *Engine) UpdateStreamModeWithWarmThroughput(ctx context.Context, ref StreamRef, mode Mode, warm *int) error {
	if mode != ModeProvisioned && mode != ModeOnDemand {
		return errorf(KindInvalidArgument, "Invalid StreamMode %s.", mode)
	}
	return e.mutateStream(ref, func(s *stream, now time.Time) (func(), error) {
		if st := s.status(now); st != StatusActive {
			return nil, e.streamNotActive(s.name, st)
		}
		if s.mode == mode {
			return nil, errorf(KindInvalidArgument, "Stream %s under account %s is already in %s mode.", s.name, e.cfg.AccountID, mode)
		}
		next := warmThroughput{}
		if warm != nil {
			if err := e.checkWarmThroughputLocked("UpdateStreamMode", s.name, mode, *warm, now); err != nil {
				return nil, err
			}
			next.target = *warm
		}
		oldMode, oldUpdating, oldWarm := s.mode, s.updatingUntil, s.warm
		s.mode, s.warm = mode, next
		s.updatingUntil = now.Add(e.cfg.UpdateDelay)
		return func() { s.mode, s.updatingUntil, s.warm = oldMode, oldUpdating, oldWarm }, nil
	})
}
