package api

import (
	"context"

	"github.com/runnel-io/runnel/internal/engine"
)

// enhancedMonitoringOutput is Enable/DisableEnhancedMonitoring's answer.
type enhancedMonitoringOutput struct {
	StreamName               string   `json:"StreamName"`
	CurrentShardLevelMetrics []string `json:"CurrentShardLevelMetrics"`
	DesiredShardLevelMetrics []string `json:"DesiredShardLevelMetrics"`
	StreamARN                string   `json:"StreamARN"`
}

func toEnhancedMonitoringOutput(out engine.EnhancedMonitoringOutput) enhancedMonitoringOutput {
	return enhancedMonitoringOutput{out.StreamName, out.Current, out.Desired, out.StreamARN}
}

type shardLevelMetricsInput struct {
	streamRef
	ShardLevelMetrics []string `json:"ShardLevelMetrics"`
}

func opEnableEnhancedMonitoring(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in shardLevelMetricsInput
	if err := decode("EnableEnhancedMonitoring", body, &in); err != nil {
		return nil, err
	}
	out, err := h.be(ctx).EnableEnhancedMonitoring(ctx, in.ref(), in.ShardLevelMetrics)
	if err != nil {
		return nil, err
	}
	return toEnhancedMonitoringOutput(out), nil
}

func opDisableEnhancedMonitoring(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in shardLevelMetricsInput
	if err := decode("DisableEnhancedMonitoring", body, &in); err != nil {
		return nil, err
	}
	out, err := h.be(ctx).DisableEnhancedMonitoring(ctx, in.ref(), in.ShardLevelMetrics)
	if err != nil {
		return nil, err
	}
	return toEnhancedMonitoringOutput(out), nil
}
