package api

import (
	"context"

	"github.com/runnel-io/runnel/internal/engine"
)

func opUpdateMaxRecordSize(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		StreamARN          string `json:"StreamARN"`
		MaxRecordSizeInKiB int    `json:"MaxRecordSizeInKiB"`
	}
	if err := decode("UpdateMaxRecordSize", body, &in); err != nil {
		return nil, err
	}
	return nil, h.be(ctx).UpdateMaxRecordSize(ctx, engine.StreamRef{ARN: in.StreamARN}, in.MaxRecordSizeInKiB)
}
