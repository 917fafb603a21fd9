package engine

import (
	"context"
	"time"
)

// CommitmentStatus is the state of the account's minimum throughput
// billing commitment.
type CommitmentStatus string

// The commitment states. ENABLED_UNTIL_EARLIEST_ALLOWED_END is a commitment
// whose disabling was asked for before its minimum duration had passed: it
// stays in force until EarliestAllowedEndAt, then ends by itself.
const (
	CommitmentEnabled                 CommitmentStatus = "ENABLED"
	CommitmentDisabled                CommitmentStatus = "DISABLED"
	CommitmentEnabledUntilEarliestEnd CommitmentStatus = "ENABLED_UNTIL_EARLIEST_ALLOWED_END"
)

// MinimumCommitmentDuration is how long a commitment lasts at least
// (botocore's MinimumThroughputBillingCommitmentInput documentation).
const MinimumCommitmentDuration = 24 * time.Hour

// accountSettings is the account-level state, guarded by Engine.mu.
type accountSettings struct {
	status        CommitmentStatus // "" means never enabled (DISABLED)
	startedAt     time.Time
	endedAt       time.Time
	earliestEndAt time.Time
}

// Commitment is the MinimumThroughputBillingCommitment as the account
// settings operations report it; zero times are absent.
type Commitment struct {
	Status               CommitmentStatus
	StartedAt            time.Time
	EndedAt              time.Time
	EarliestAllowedEndAt time.Time
}

// effective applies the passage of time: a pending end that has come is
// an ended commitment.
func (a accountSettings) effective(now time.Time) accountSettings {
	if a.status == "" {
		a.status = CommitmentDisabled
	}
	if a.status == CommitmentEnabledUntilEarliestEnd && !now.Before(a.earliestEndAt) {
		a.status, a.endedAt = CommitmentDisabled, a.earliestEndAt
	}
	return a
}

// commitmentActiveLocked reports whether the commitment is in force (warm
// throughput needs it). The caller holds e.mu.
func (e *Engine) commitmentActiveLocked(now time.Time) bool {
	return e.account.effective(now).status != CommitmentDisabled
}

func (a accountSettings) commitment() Commitment {
	return Commitment{Status: a.status, StartedAt: a.startedAt, EndedAt: a.endedAt, EarliestAllowedEndAt: a.earliestEndAt}
}

// DescribeAccountSettings reports the account's billing commitment.
func (e *Engine) DescribeAccountSettings(ctx context.Context) Commitment {
	now := e.now()
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.account.effective(now).commitment()
}

// UpdateAccountSettings enables or disables the minimum throughput billing
// commitment. Enabling starts a commitment of at least
// MinimumCommitmentDuration (or cancels a pending end); disabling ends it
// now if that duration has passed, else schedules the end for
// EarliestAllowedEndAt. Asking for the state already in force changes
// nothing.
func (e *Engine) UpdateAccountSettings(ctx context.Context, status CommitmentStatus) (Commitment, error) {
	if status != CommitmentEnabled && status != CommitmentDisabled {
		return Commitment{}, errorf(KindInvalidArgument, "Invalid MinimumThroughputBillingCommitment status %s.", status)
	}
	e.control.Lock()
	defer e.control.Unlock()
	now := e.now().Truncate(time.Millisecond)
	e.mu.Lock()
	old := e.account
	cur := old.effective(now)
	next := cur
	switch {
	case status == CommitmentEnabled && cur.status == CommitmentDisabled:
		next = accountSettings{status: CommitmentEnabled, startedAt: now, earliestEndAt: now.Add(MinimumCommitmentDuration)}
	case status == CommitmentEnabled && cur.status == CommitmentEnabledUntilEarliestEnd:
		next.status = CommitmentEnabled
	case status == CommitmentDisabled && cur.status == CommitmentEnabled && !now.Before(cur.earliestEndAt):
		next.status, next.endedAt = CommitmentDisabled, now
	case status == CommitmentDisabled && cur.status == CommitmentEnabled:
		next.status = CommitmentEnabledUntilEarliestEnd
	}
	if next == cur {
		e.mu.Unlock()
		return next.commitment(), nil
	}
	e.account = next
	doc := e.catalogDocLocked()
	e.mu.Unlock()
	if err := e.save(doc); err != nil {
		e.mu.Lock()
		e.account = old
		e.mu.Unlock()
		return Commitment{}, err
	}
	return next.commitment(), nil
}

// accountDoc is the persisted account state (docs/format/catalog.md).
type accountDoc struct {
	CommitmentStatus CommitmentStatus `json:"commitmentStatus,omitempty"`
	StartedMs        int64            `json:"commitmentStartedMs,omitempty"`
	EndedMs          int64            `json:"commitmentEndedMs,omitempty"`
	EarliestEndMs    int64            `json:"commitmentEarliestEndMs,omitempty"`
}

func (a accountSettings) doc() *accountDoc {
	if a == (accountSettings{}) {
		return nil
	}
	return &accountDoc{
		CommitmentStatus: a.status, StartedMs: msOrZero(a.startedAt),
		EndedMs: msOrZero(a.endedAt), EarliestEndMs: msOrZero(a.earliestEndAt),
	}
}

func accountFromDoc(d *accountDoc) accountSettings {
	if d == nil {
		return accountSettings{}
	}
	return accountSettings{
		status: d.CommitmentStatus, startedAt: timeOrZero(d.StartedMs),
		endedAt: timeOrZero(d.EndedMs), earliestEndAt: timeOrZero(d.EarliestEndMs),
	}
}
