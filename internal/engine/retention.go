package engine

import (
	"context"
	"time"
)

// IncreaseStreamRetentionPeriod raises a stream's retention.
func (e *Engine) IncreaseStreamRetentionPeriod(ctx context.Context, ref StreamRef, hours int) error {
	return e.setRetention(ref, hours, true)
}

// DecreaseStreamRetentionPeriod lowers a stream's retention.
func (e *Engine) DecreaseStreamRetentionPeriod(ctx context.Context, ref StreamRef, hours int) error {
	return e.setRetention(ref, hours, false)
}

func (e *Engine) setRetention(ref StreamRef, hours int, increase bool) error {
	if hours < MinRetentionHours {
		return errorf(KindInvalidArgument, "Minimum allowed retention period is %d hours. Requested retention period (%d hours) is too short.", MinRetentionHours, hours)
	}
	if hours > MaxRetentionHours {
		return errorf(KindInvalidArgument, "Maximum allowed retention period is %d hours. Requested retention period (%d hours) is too long.", MaxRetentionHours, hours)
	}
	return e.mutateStream(ref, func(s *stream, now time.Time) (func(), error) {
		if st := s.status(now); st != StatusActive {
			return nil, e.streamNotActive(s.name, st)
		}
		cur := s.retentionHours
		if increase && hours < cur {
			return nil, errorf(KindInvalidArgument, "Requested retention period (%d hours) for stream %s can not be shorter than existing retention period (%d hours). Use DecreaseRetentionPeriod API.", hours, s.name, cur)
		}
		if !increase && hours > cur {
			return nil, errorf(KindInvalidArgument, "Requested retention period (%d hours) for stream %s can not be longer than existing retention period (%d hours). Use IncreaseRetentionPeriod API.", hours, s.name, cur)
		}
		s.retentionHours = hours
		return func() { s.retentionHours = cur }, nil
	})
}
