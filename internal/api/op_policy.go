package api

import "context"

type resourcePolicyInput struct {
	ResourceARN string `json:"ResourceARN"`
	Policy      string `json:"Policy"`
}

func opPutResourcePolicy(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in resourcePolicyInput
	if err := decode("PutResourcePolicy", body, &in); err != nil {
		return nil, err
	}
	return nil, h.be(ctx).PutResourcePolicy(ctx, in.ResourceARN, in.Policy)
}

func opGetResourcePolicy(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in resourcePolicyInput
	if err := decode("GetResourcePolicy", body, &in); err != nil {
		return nil, err
	}
	policy, err := h.be(ctx).GetResourcePolicy(ctx, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	return struct {
		Policy string `json:"Policy"`
	}{policy}, nil
}

func opDeleteResourcePolicy(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in resourcePolicyInput
	if err := decode("DeleteResourcePolicy", body, &in); err != nil {
		return nil, err
	}
	return nil, h.be(ctx).DeleteResourcePolicy(ctx, in.ResourceARN)
}
