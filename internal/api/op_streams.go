package api

import (
	"context"

	"github.com/runnel-io/runnel/internal/engine"
)

func opCreateStream(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		StreamName        string             `json:"StreamName"`
		ShardCount        *int               `json:"ShardCount"`
		StreamModeDetails *streamModeDetails `json:"StreamModeDetails"`
		Tags              map[string]string  `json:"Tags"`
		WarmThroughput    *int               `json:"WarmThroughputMiBps"`
		MaxRecordSizeKiB  int                `json:"MaxRecordSizeInKiB"`
	}
	if err := decode("CreateStream", body, &in); err != nil {
		return nil, err
	}
	req := engine.CreateStreamInput{Name: in.StreamName, ShardCount: in.ShardCount, Tags: in.Tags,
		WarmThroughputMiBps: in.WarmThroughput, MaxRecordSizeKiB: in.MaxRecordSizeKiB}
	if in.StreamModeDetails != nil {
		req.Mode = engine.Mode(in.StreamModeDetails.StreamMode)
	}
	return nil, h.be(ctx).CreateStream(ctx, req)
}

func opDeleteStream(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		streamRef
		EnforceConsumerDeletion bool `json:"EnforceConsumerDeletion"`
	}
	if err := decode("DeleteStream", body, &in); err != nil {
		return nil, err
	}
	return nil, h.be(ctx).DeleteStreamEnforcing(ctx, in.ref(), in.EnforceConsumerDeletion)
}

// summaryFields are the members StreamDescription and
// StreamDescriptionSummary share.
type summaryFields struct {
	StreamName              string            `json:"StreamName"`
	StreamARN               string            `json:"StreamARN"`
	StreamStatus            string            `json:"StreamStatus"`
	StreamModeDetails       streamModeDetails `json:"StreamModeDetails"`
	RetentionPeriodHours    int               `json:"RetentionPeriodHours"`
	StreamCreationTimestamp epochTime         `json:"StreamCreationTimestamp"`
	EnhancedMonitoring      []enhancedMetrics `json:"EnhancedMonitoring"`
	EncryptionType          string            `json:"EncryptionType"`
	KeyID                   string            `json:"KeyId,omitempty"`
}

func toSummaryFields(s engine.StreamSummary) summaryFields {
	return summaryFields{
		StreamName: s.Name, StreamARN: s.ARN, StreamStatus: string(s.Status),
		StreamModeDetails:       streamModeDetails{string(s.Mode)},
		RetentionPeriodHours:    s.RetentionHours,
		StreamCreationTimestamp: epochTime{s.Created},
		EnhancedMonitoring:      []enhancedMetrics{{ShardLevelMetrics: s.ShardLevelMetrics}},
		EncryptionType:          wireEncryptionType(s.EncryptionType),
		KeyID:                   s.KeyID,
	}
}

func opDescribeStream(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		streamRef
		Limit                 int    `json:"Limit"`
		ExclusiveStartShardID string `json:"ExclusiveStartShardId"`
	}
	if err := decode("DescribeStream", body, &in); err != nil {
		return nil, err
	}
	d, err := h.be(ctx).DescribeStream(ctx, in.ref(), in.Limit, in.ExclusiveStartShardID)
	if err != nil {
		return nil, err
	}
	type description struct {
		summaryFields
		Shards        []shardJSON `json:"Shards"`
		HasMoreShards bool        `json:"HasMoreShards"`
	}
	return struct {
		StreamDescription description `json:"StreamDescription"`
	}{description{toSummaryFields(d.StreamSummary), toShardsJSON(d.Shards), d.HasMoreShards}}, nil
}

func opDescribeStreamSummary(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in streamRef
	if err := decode("DescribeStreamSummary", body, &in); err != nil {
		return nil, err
	}
	s, err := h.be(ctx).DescribeStreamSummary(ctx, in.ref())
	if err != nil {
		return nil, err
	}
	type summary struct {
		summaryFields
		OpenShardCount     int                 `json:"OpenShardCount"`
		ConsumerCount      int                 `json:"ConsumerCount"`
		MaxRecordSizeInKiB int                 `json:"MaxRecordSizeInKiB"`
		WarmThroughput     *warmThroughputJSON `json:"WarmThroughput,omitempty"`
	}
	return struct {
		StreamDescriptionSummary summary `json:"StreamDescriptionSummary"`
	}{summary{toSummaryFields(s), s.OpenShardCount, s.ConsumerCount, s.MaxRecordSizeKiB, toWarmThroughputJSON(s.WarmThroughput)}}, nil
}

func opListStreams(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		Limit                    int    `json:"Limit"`
		ExclusiveStartStreamName string `json:"ExclusiveStartStreamName"`
		NextToken                string `json:"NextToken"`
	}
	if err := decode("ListStreams", body, &in); err != nil {
		return nil, err
	}
	out, err := h.be(ctx).ListStreams(ctx, engine.ListStreamsInput{Limit: in.Limit, ExclusiveStartStreamName: in.ExclusiveStartStreamName, NextToken: in.NextToken})
	if err != nil {
		return nil, err
	}
	type summary struct {
		StreamName              string            `json:"StreamName"`
		StreamARN               string            `json:"StreamARN"`
		StreamStatus            string            `json:"StreamStatus"`
		StreamModeDetails       streamModeDetails `json:"StreamModeDetails"`
		StreamCreationTimestamp epochTime         `json:"StreamCreationTimestamp"`
	}
	resp := struct {
		StreamNames     []string  `json:"StreamNames"`
		HasMoreStreams  bool      `json:"HasMoreStreams"`
		NextToken       string    `json:"NextToken,omitempty"`
		StreamSummaries []summary `json:"StreamSummaries"`
	}{StreamNames: make([]string, len(out.Streams)), HasMoreStreams: out.HasMoreStreams, NextToken: out.NextToken, StreamSummaries: make([]summary, len(out.Streams))}
	for i, s := range out.Streams {
		resp.StreamNames[i] = s.Name
		resp.StreamSummaries[i] = summary{s.Name, s.ARN, string(s.Status), streamModeDetails{string(s.Mode)}, epochTime{s.Created}}
	}
	return resp, nil
}

func opDescribeLimits(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct{}
	if err := decode("DescribeLimits", body, &in); err != nil {
		return nil, err
	}
	l := h.be(ctx).DescribeLimits(ctx)
	return struct {
		ShardLimit               int `json:"ShardLimit"`
		OpenShardCount           int `json:"OpenShardCount"`
		OnDemandStreamCount      int `json:"OnDemandStreamCount"`
		OnDemandStreamCountLimit int `json:"OnDemandStreamCountLimit"`
	}{l.ShardLimit, l.OpenShardCount, l.OnDemandStreamCount, l.OnDemandStreamCountLimit}, nil
}

func opListShards(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		streamRef
		NextToken               string     `json:"NextToken"`
		ExclusiveStartShardID   string     `json:"ExclusiveStartShardId"`
		MaxResults              int        `json:"MaxResults"`
		StreamCreationTimestamp *epochTime `json:"StreamCreationTimestamp"`
		ShardFilter             *struct {
			Type      string     `json:"Type"`
			ShardID   string     `json:"ShardId"`
			Timestamp *epochTime `json:"Timestamp"`
		} `json:"ShardFilter"`
	}
	if err := decode("ListShards", body, &in); err != nil {
		return nil, err
	}
	req := engine.ListShardsInput{
		Stream: in.ref(), NextToken: in.NextToken, ExclusiveStartShardID: in.ExclusiveStartShardID,
		MaxResults: in.MaxResults, StreamCreationTimestamp: in.StreamCreationTimestamp.ptr(),
	}
	if f := in.ShardFilter; f != nil {
		req.Filter = &engine.ShardFilter{Type: engine.ShardFilterType(f.Type), ShardID: f.ShardID, Timestamp: f.Timestamp.ptr()}
	}
	out, err := h.be(ctx).ListShards(ctx, req)
	if err != nil {
		return nil, err
	}
	return struct {
		Shards    []shardJSON `json:"Shards"`
		NextToken string      `json:"NextToken,omitempty"`
	}{toShardsJSON(out.Shards), out.NextToken}, nil
}
