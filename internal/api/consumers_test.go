package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
)

// TestConsumerWireShapes checks the JSON the consumer operations send:
// member names, a whole-second epoch-number ConsumerCreationTimestamp, an
// empty body for DeregisterStreamConsumer, and model validation of
// ConsumerName before the engine is reached.
func TestConsumerWireShapes(t *testing.T) {
	h := newHandler(t)
	const streamARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s"
	if rec := do(h, call{target: "CreateStream", body: `{"StreamName":"s","ShardCount":1}`}); rec.Code != http.StatusOK {
		t.Fatalf("CreateStream: %d %s", rec.Code, rec.Body)
	}
	rec := do(h, call{target: "RegisterStreamConsumer", body: `{"StreamARN":"` + streamARN + `","ConsumerName":"app"}`})
	if rec.Code != http.StatusOK {
		t.Fatalf("RegisterStreamConsumer: %d %s", rec.Code, rec.Body)
	}
	if !regexp.MustCompile(`^\{"Consumer":\{"ConsumerName":"app","ConsumerARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/app:\d+","ConsumerStatus":"CREATING","ConsumerCreationTimestamp":\d+(\.0+)?\}\}$`).Match(rec.Body.Bytes()) {
		t.Fatalf("RegisterStreamConsumer body %s", rec.Body)
	}
	var reg struct{ Consumer struct{ ConsumerARN string } }
	_ = json.Unmarshal(rec.Body.Bytes(), &reg)

	rec = do(h, call{target: "DescribeStreamConsumer", body: `{"ConsumerARN":"` + reg.Consumer.ConsumerARN + `"}`})
	var desc struct {
		ConsumerDescription map[string]any
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &desc); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("DescribeStreamConsumer: %d %s", rec.Code, rec.Body)
	}
	for _, k := range []string{"ConsumerName", "ConsumerARN", "ConsumerStatus", "ConsumerCreationTimestamp", "StreamARN"} {
		if _, ok := desc.ConsumerDescription[k]; !ok {
			t.Fatalf("ConsumerDescription lacks %s: %s", k, rec.Body)
		}
	}
	rec = do(h, call{target: "ListStreamConsumers", body: `{"StreamARN":"` + streamARN + `"}`})
	if rec.Code != http.StatusOK || !regexp.MustCompile(`^\{"Consumers":\[\{"ConsumerName":"app",[^]]*\}\]\}$`).Match(rec.Body.Bytes()) {
		t.Fatalf("ListStreamConsumers: %d %s", rec.Code, rec.Body)
	}
	rec = do(h, call{target: "DeregisterStreamConsumer", body: `{"ConsumerARN":"` + reg.Consumer.ConsumerARN + `"}`})
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Fatalf("DeregisterStreamConsumer: %d %q", rec.Code, rec.Body)
	}
	rec = do(h, call{target: "RegisterStreamConsumer", body: `{"StreamARN":"` + streamARN + `","ConsumerName":"bad name"}`})
	if typ, _ := errorOf(t, rec); typ != "ValidationException" {
		t.Fatalf("bad ConsumerName: %d %s", rec.Code, rec.Body)
	}
	rec = do(h, call{target: "ListStreamConsumers", body: `{}`})
	if typ, _ := errorOf(t, rec); typ != "ValidationException" {
		t.Fatalf("ListStreamConsumers without StreamARN: %d %s", rec.Code, rec.Body)
	}
}
