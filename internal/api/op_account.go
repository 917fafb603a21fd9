package api

import (
	"context"
	"time"

	"github.com/runnel-io/runnel/internal/engine"
)

// commitmentJSON is MinimumThroughputBillingCommitmentOutput.
type commitmentJSON struct {
	Status               string     `json:"Status"`
	StartedAt            *epochTime `json:"StartedAt,omitempty"`
	EndedAt              *epochTime `json:"EndedAt,omitempty"`
	EarliestAllowedEndAt *epochTime `json:"EarliestAllowedEndAt,omitempty"`
}

// optionalTime is t on the wire, or absent if t is zero.
func optionalTime(t time.Time) *epochTime {
	if t.IsZero() {
		return nil
	}
	return &epochTime{t}
}

func toCommitmentJSON(c engine.Commitment) commitmentJSON {
	return commitmentJSON{
		Status:               string(c.Status),
		StartedAt:            optionalTime(c.StartedAt),
		EndedAt:              optionalTime(c.EndedAt),
		EarliestAllowedEndAt: optionalTime(c.EarliestAllowedEndAt),
	}
}

type accountSettingsOutput struct {
	MinimumThroughputBillingCommitment commitmentJSON `json:"MinimumThroughputBillingCommitment"`
}

func opDescribeAccountSettings(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct{}
	if err := decode("DescribeAccountSettings", body, &in); err != nil {
		return nil, err
	}
	return accountSettingsOutput{toCommitmentJSON(h.be(ctx).DescribeAccountSettings(ctx))}, nil
}

func opUpdateAccountSettings(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		MinimumThroughputBillingCommitment struct {
			Status string `json:"Status"`
		} `json:"MinimumThroughputBillingCommitment"`
	}
	if err := decode("UpdateAccountSettings", body, &in); err != nil {
		return nil, err
	}
	c, err := h.be(ctx).UpdateAccountSettings(ctx, engine.CommitmentStatus(in.MinimumThroughputBillingCommitment.Status))
	if err != nil {
		return nil, err
	}
	return accountSettingsOutput{toCommitmentJSON(c)}, nil
}

// warmThroughputJSON is WarmThroughputObject.
type warmThroughputJSON struct {
	TargetMiBps  int `json:"TargetMiBps"`
	CurrentMiBps int `json:"CurrentMiBps"`
}

func toWarmThroughputJSON(w *engine.WarmThroughput) *warmThroughputJSON {
	if w == nil {
		return nil
	}
	return &warmThroughputJSON{w.TargetMiBps, w.CurrentMiBps}
}

func opUpdateStreamWarmThroughput(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		streamRef
		WarmThroughputMiBps int `json:"WarmThroughputMiBps"`
	}
	if err := decode("UpdateStreamWarmThroughput", body, &in); err != nil {
		return nil, err
	}
	out, err := h.be(ctx).UpdateStreamWarmThroughput(ctx, in.ref(), in.WarmThroughputMiBps)
	if err != nil {
		return nil, err
	}
	return struct {
		StreamARN      string             `json:"StreamARN"`
		StreamName     string             `json:"StreamName"`
		WarmThroughput warmThroughputJSON `json:"WarmThroughput"`
	}{out.StreamARN, out.StreamName, warmThroughputJSON{out.WarmThroughput.TargetMiBps, out.WarmThroughput.CurrentMiBps}}, nil
}
