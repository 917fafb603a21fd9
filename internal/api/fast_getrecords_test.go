package api

import (
	"testing"
)

// checkGetRecords holds the fast path to the model-driven decode: when it
// accepts a body, the slow path must accept it too and read the same input.
func checkGetRecords(t *testing.T, body []byte) {
	t.Helper()
	fast, ok := fastDecodeGetRecords(body)
	if !ok {
		return
	}
	var slow getRecordsInput
	if err := decode("GetRecords", body, &slow); err != nil {
		t.Fatalf("fast path accepted %q, the model-driven decode refused it: %v", body, err)
	}
	if fast != slow {
		t.Fatalf("body %q: fast %+v, slow %+v", body, fast, slow)
	}
}

var getRecordsSeeds = []string{
	`{"ShardIterator":"AAAAAAAAAAE=","Limit":10000}`,
	` { "Limit" : 1 , "ShardIterator" : "it" } `,
	`{"ShardIterator":"it"}`,
	`{"ShardIterator":"it","Limit":10001}`,
	`{"ShardIterator":"it","Limit":0}`,
	`{"ShardIterator":"it","Limit":010}`,
	`{"ShardIterator":"it","Limit":1.0}`,
	`{"ShardIterator":"it","Limit":1e3}`,
	`{"ShardIterator":"it","Limit":-1}`,
	`{"ShardIterator":"","Limit":5}`,
	`{"ShardIterator":"it","ShardIterator":"it"}`,
	`{"ShardIterator":"it","Limit":5,"Limit":6}`,
	`{"ShardIterator":"i\u0074"}`,
	`{"ShardIterator":"it","StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s"}`,
	`{"ShardIterator":"it"} x`,
	`{"Limit":5}`,
	`{}`,
}

func TestFastGetRecordsAgreesWithModelDecode(t *testing.T) {
	accepted := 0
	for _, body := range getRecordsSeeds {
		checkGetRecords(t, []byte(body))
		if _, ok := fastDecodeGetRecords([]byte(body)); ok {
			accepted++
		}
	}
	// The common shapes must take the fast path, or it saves nothing.
	for _, body := range []string{getRecordsSeeds[0], getRecordsSeeds[1], getRecordsSeeds[2]} {
		if _, ok := fastDecodeGetRecords([]byte(body)); !ok {
			t.Errorf("fast path refused the common body %s", body)
		}
	}
	if accepted != 3 {
		t.Errorf("fast path accepted %d of the seeds, want exactly the 3 valid common ones", accepted)
	}
	long := make([]byte, maxShardIteratorUnits+1)
	for i := range long {
		long[i] = 'A'
	}
	if _, ok := fastDecodeGetRecords([]byte(`{"ShardIterator":"` + string(long) + `"}`)); ok {
		t.Error("fast path accepted a 513-character iterator")
	}
}

func FuzzFastGetRecords(f *testing.F) {
	for _, s := range getRecordsSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkGetRecords(t, body)
	})
}
