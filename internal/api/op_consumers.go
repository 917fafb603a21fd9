package api

import (
	"context"

	"github.com/runnel-io/runnel/internal/engine"
)

// consumerJSON is the Consumer shape; consumerDescriptionJSON adds StreamARN.
type consumerJSON struct {
	ConsumerName              string    `json:"ConsumerName"`
	ConsumerARN               string    `json:"ConsumerARN"`
	ConsumerStatus            string    `json:"ConsumerStatus"`
	ConsumerCreationTimestamp epochTime `json:"ConsumerCreationTimestamp"`
}

type consumerDescriptionJSON struct {
	consumerJSON
	StreamARN string `json:"StreamARN"`
}

func toConsumerJSON(c engine.ConsumerDescription) consumerJSON {
	return consumerJSON{c.Name, c.ARN, string(c.Status), epochTime{c.Created}}
}

// consumerRef is the ConsumerARN / StreamARN + ConsumerName triple of
// DescribeStreamConsumer and DeregisterStreamConsumer.
type consumerRef struct {
	StreamARN    string `json:"StreamARN"`
	ConsumerName string `json:"ConsumerName"`
	ConsumerARN  string `json:"ConsumerARN"`
}

func (r consumerRef) ref() engine.ConsumerRef {
	return engine.ConsumerRef{ARN: r.ConsumerARN, StreamARN: r.StreamARN, Name: r.ConsumerName}
}

func opRegisterStreamConsumer(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		StreamARN    string            `json:"StreamARN"`
		ConsumerName string            `json:"ConsumerName"`
		Tags         map[string]string `json:"Tags"`
	}
	if err := decode("RegisterStreamConsumer", body, &in); err != nil {
		return nil, err
	}
	c, err := h.be(ctx).RegisterStreamConsumer(ctx, in.StreamARN, in.ConsumerName, in.Tags)
	if err != nil {
		return nil, err
	}
	return struct {
		Consumer consumerJSON `json:"Consumer"`
	}{toConsumerJSON(c)}, nil
}

func opDeregisterStreamConsumer(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in consumerRef
	if err := decode("DeregisterStreamConsumer", body, &in); err != nil {
		return nil, err
	}
	return nil, h.be(ctx).DeregisterStreamConsumer(ctx, in.ref())
}

func opDescribeStreamConsumer(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in consumerRef
	if err := decode("DescribeStreamConsumer", body, &in); err != nil {
		return nil, err
	}
	c, err := h.be(ctx).DescribeStreamConsumer(ctx, in.ref())
	if err != nil {
		return nil, err
	}
	return struct {
		ConsumerDescription consumerDescriptionJSON `json:"ConsumerDescription"`
	}{consumerDescriptionJSON{toConsumerJSON(c), c.StreamARN}}, nil
}

func opListStreamConsumers(h *Handler, ctx context.Context, body []byte) (any, error) {
	var in struct {
		StreamARN               string     `json:"StreamARN"`
		NextToken               string     `json:"NextToken"`
		MaxResults              int        `json:"MaxResults"`
		StreamCreationTimestamp *epochTime `json:"StreamCreationTimestamp"`
	}
	if err := decode("ListStreamConsumers", body, &in); err != nil {
		return nil, err
	}
	out, err := h.be(ctx).ListStreamConsumers(ctx, engine.ListStreamConsumersInput{
		StreamARN: in.StreamARN, NextToken: in.NextToken, MaxResults: in.MaxResults,
		StreamCreationTimestamp: in.StreamCreationTimestamp.ptr(),
	})
	if err != nil {
		return nil, err
	}
	consumers := make([]consumerJSON, len(out.Consumers))
	for i, c := range out.Consumers {
		consumers[i] = toConsumerJSON(c)
	}
	return struct {
		Consumers []consumerJSON `json:"Consumers"`
		NextToken string         `json:"NextToken,omitempty"`
	}{consumers, out.NextToken}, nil
}
