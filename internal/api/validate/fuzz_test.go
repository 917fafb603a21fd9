package validate

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzCheck decodes arbitrary bytes as a request body and checks it against
// every operation: Check must never panic, and its two answers must agree.
func FuzzCheck(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"StreamName":"s","Records":[{"Data":"AAAA","PartitionKey":"a","ExplicitHashKey":"1"}]}`))
	f.Add([]byte(`{"Tags":{"":"x","k":null},"TagKeys":["a",null],"ShardFilter":{"Type":"AT_LATEST"},"Limit":1e999}`))
	ops := make([]string, 0, len(modelOperations()))
	for op := range modelOperations() {
		ops = append(ops, op)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var body map[string]any
		if err := dec.Decode(&body); err != nil {
			return
		}
		for _, op := range ops {
			serr, violations := Check(op, body)
			if serr != nil && violations != nil {
				t.Fatalf("%s: both a SerializationError and violations", op)
			}
			if serr != nil && serr.Message == "" {
				t.Fatalf("%s: empty SerializationError", op)
			}
			if len(violations) > maxViolations {
				t.Fatalf("%s: %d violations listed", op, len(violations))
			}
			if (Message(violations) == "") != (len(violations) == 0) {
				t.Fatalf("%s: Message disagrees with violations", op)
			}
		}
	})
}
