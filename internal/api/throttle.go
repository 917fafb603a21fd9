package api

import (
	"context"
	"encoding/json"
	"strings"
)

// admit applies the account's control-plane rate limits (engine.AdmitControl,
// a no-op unless limits are enforced) to a request before it is served. The
// stream a request names picks a per-stream bucket and appears in AWS's
// "Rate exceeded for stream X under account N." message; it is read from
// StreamName, StreamARN or ConsumerARN without validating anything (the
// operation itself validates).
func (h *Handler) admit(ctx context.Context, op string, body []byte) error {
	return h.be(ctx).AdmitControl(op, requestStream(op, body))
}

// requestStream returns the stream name a control-plane request names, ""
// if none. The data-plane operations are throttled per shard by the engine
// and never decoded here.
func requestStream(op string, body []byte) string {
	switch op {
	case "PutRecord", "PutRecords", "GetRecords", "GetShardIterator":
		return ""
	}
	var in struct {
		StreamName  string
		StreamARN   string
		ConsumerARN string
	}
	if json.Unmarshal(body, &in) != nil {
		return ""
	}
	if in.StreamName != "" {
		return in.StreamName
	}
	for _, arn := range []string{in.StreamARN, in.ConsumerARN} {
		// arn:aws:kinesis:REGION:ACCOUNT:stream/NAME[/consumer/...]
		if _, rest, ok := strings.Cut(arn, ":stream/"); ok {
			name, _, _ := strings.Cut(rest, "/")
			return name
		}
	}
	return ""
}
