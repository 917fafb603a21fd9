package api

import (
	"context"
)

func opAddTagsToStream(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		streamRef
		Tags map[string]string `json:"Tags"`
	}
	if err := decode("AddTagsToStream", body, &in); err != nil {
		return nil, err
	}
	return nil, h.be(ctx).AddTagsToStream(ctx, in.ref(), in.Tags)
}

func opRemoveTagsFromStream(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		streamRef
		TagKeys []string `json:"TagKeys"`
	}
	if err := decode("RemoveTagsFromStream", body, &in); err != nil {
		return nil, err
	}
	return nil, h.be(ctx).RemoveTagsFromStream(ctx, in.ref(), in.TagKeys)
}

// defaultListTagsLimit is ListTagsForStream's page size when Limit is unset.
const defaultListTagsLimit = 50

func opListTagsForStream(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		streamRef
		ExclusiveStartTagKey string `json:"ExclusiveStartTagKey"`
		Limit                int    `json:"Limit"`
	}
	if err := decode("ListTagsForStream", body, &in); err != nil {
		return nil, err
	}
	if in.Limit == 0 {
		in.Limit = defaultListTagsLimit
	}
	tags, more, err := h.be(ctx).ListTags(ctx, in.ref(), in.ExclusiveStartTagKey, in.Limit)
	if err != nil {
		return nil, err
	}
	return struct {
		Tags        []tagJSON `json:"Tags"`
		HasMoreTags bool      `json:"HasMoreTags"`
	}{toTagsJSON(tags), more}, nil
}

func opTagResource(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		ResourceARN string            `json:"ResourceARN"`
		Tags        map[string]string `json:"Tags"`
	}
	if err := decode("TagResource", body, &in); err != nil {
		return nil, err
	}
	return nil, h.be(ctx).TagResource(ctx, in.ResourceARN, in.Tags)
}

func opUntagResource(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		ResourceARN string   `json:"ResourceARN"`
		TagKeys     []string `json:"TagKeys"`
	}
	if err := decode("UntagResource", body, &in); err != nil {
		return nil, err
	}
	return nil, h.be(ctx).UntagResource(ctx, in.ResourceARN, in.TagKeys)
}

func opListTagsForResource(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		ResourceARN string `json:"ResourceARN"`
	}
	if err := decode("ListTagsForResource", body, &in); err != nil {
		return nil, err
	}
	tags, err := h.be(ctx).ListTagsForResource(ctx, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	return struct {
		Tags []tagJSON `json:"Tags"`
	}{toTagsJSON(tags)}, nil
}

func opIncreaseStreamRetentionPeriod(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		streamRef
		RetentionPeriodHours int `json:"RetentionPeriodHours"`
	}
	if err := decode("IncreaseStreamRetentionPeriod", body, &in); err != nil {
		return nil, err
	}
	return nil, h.be(ctx).IncreaseStreamRetentionPeriod(ctx, in.ref(), in.RetentionPeriodHours)
}

func opDecreaseStreamRetentionPeriod(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		streamRef
		RetentionPeriodHours int `json:"RetentionPeriodHours"`
	}
	if err := decode("DecreaseStreamRetentionPeriod", body, &in); err != nil {
		return nil, err
	}
	return nil, h.be(ctx).DecreaseStreamRetentionPeriod(ctx, in.ref(), in.RetentionPeriodHours)
}
