package api

import (
	"context"

	"github.com/runnel-io/runnel/internal/engine"
)

func opSplitShard(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		streamRef
		ShardToSplit       string `json:"ShardToSplit"`
		NewStartingHashKey string `json:"NewStartingHashKey"`
	}
	if err := decode("SplitShard", body, &in); err != nil {
		return nil, err
	}
	return nil, h.be(ctx).SplitShard(ctx, in.ref(), in.ShardToSplit, in.NewStartingHashKey)
}

func opMergeShards(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		streamRef
		ShardToMerge         string `json:"ShardToMerge"`
		AdjacentShardToMerge string `json:"AdjacentShardToMerge"`
	}
	if err := decode("MergeShards", body, &in); err != nil {
		return nil, err
	}
	return nil, h.be(ctx).MergeShards(ctx, in.ref(), in.ShardToMerge, in.AdjacentShardToMerge)
}

func opUpdateShardCount(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		streamRef
		TargetShardCount int    `json:"TargetShardCount"`
		ScalingType      string `json:"ScalingType"`
	}
	if err := decode("UpdateShardCount", body, &in); err != nil {
		return nil, err
	}
	out, err := h.be(ctx).UpdateShardCount(ctx, in.ref(), in.TargetShardCount)
	if err != nil {
		return nil, err
	}
	return struct {
		StreamName        string `json:"StreamName"`
		CurrentShardCount int    `json:"CurrentShardCount"`
		TargetShardCount  int    `json:"TargetShardCount"`
		StreamARN         string `json:"StreamARN"`
	}{out.StreamName, out.CurrentShardCount, out.TargetShardCount, out.StreamARN}, nil
}

func opUpdateStreamMode(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		StreamARN         string            `json:"StreamARN"`
		StreamModeDetails streamModeDetails `json:"StreamModeDetails"`
		WarmThroughput    *int              `json:"WarmThroughputMiBps"`
	}
	if err := decode("UpdateStreamMode", body, &in); err != nil {
		return nil, err
	}
	return nil, h.be(ctx).UpdateStreamModeWithWarmThroughput(ctx, engine.StreamRef{ARN: in.StreamARN}, engine.Mode(in.StreamModeDetails.StreamMode), in.WarmThroughput)
}
