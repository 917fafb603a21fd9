package api

import "testing"

func TestRequestStream(t *testing.T) {
	for _, tc := range []struct {
		op, body, want string
	}{
		{"DescribeStream", `{"StreamName":"orders"}`, "orders"},
		{"ListShards", `{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/orders"}`, "orders"},
		{"DescribeStreamConsumer", `{"ConsumerARN":"arn:aws:kinesis:us-east-1:000000000000:stream/orders/consumer/c:1700000000"}`, "orders"},
		{"ListStreamConsumers", `{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/orders","NextToken":"x"}`, "orders"},
		{"ListShards", `{"NextToken":"opaque"}`, ""},
		{"ListStreams", `{}`, ""},
		{"DescribeStream", `not json`, ""},
		{"PutRecords", `{"StreamName":"orders","Records":[]}`, ""}, // throttled per shard, not here
	} {
		if got := requestStream(tc.op, []byte(tc.body)); got != tc.want {
			t.Errorf("requestStream(%s, %s) = %q, want %q", tc.op, tc.body, got, tc.want)
		}
	}
}
