package api_test

import (
	"encoding/json"
	"testing"
)

// BenchmarkGetRecords10000 measures the handler serving a full GetRecords
// (10,000 records of 100 B) from the in-memory store: the server's share of
// the bench's getrecords drain.
func BenchmarkGetRecords10000(b *testing.B) {
	h := newHandler(b)
	do(h, call{target: "CreateStream", body: `{"StreamName":"s","ShardCount":1}`})
	for range 20 {
		if rec := do(h, call{target: "PutRecords", body: putRecordsBody(500)}); rec.Code != 200 {
			b.Fatal(rec.Body.String())
		}
	}
	rec := do(h, call{target: "GetShardIterator", body: `{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"}`})
	var it struct{ ShardIterator string }
	if err := json.Unmarshal(rec.Body.Bytes(), &it); err != nil {
		b.Fatal(err)
	}
	body := `{"ShardIterator":"` + it.ShardIterator + `","Limit":10000}`
	b.ReportAllocs()
	b.ReportMetric(10000, "records/op")
	for b.Loop() {
		rec := do(h, call{target: "GetRecords", body: body})
		if rec.Code != 200 {
			b.Fatal(rec.Body.String())
		}
	}
}
