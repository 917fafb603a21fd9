package api

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/runnel-io/runnel/internal/engine"
)

// putRecordsResponseJSON is the struct json.Marshal encoded before
// appendPutRecordsResponse: the reference for its bytes.
func putRecordsResponseJSON(results []engine.PutResult) any {
	type result struct {
		SequenceNumber string `json:"SequenceNumber,omitempty"`
		ShardID        string `json:"ShardId,omitempty"`
		ErrorCode      string `json:"ErrorCode,omitempty"`
		ErrorMessage   string `json:"ErrorMessage,omitempty"`
	}
	out := struct {
		FailedRecordCount int      `json:"FailedRecordCount"`
		Records           []result `json:"Records"`
		EncryptionType    string   `json:"EncryptionType"`
	}{Records: make([]result, len(results)), EncryptionType: "NONE"}
	for i, r := range results {
		out.Records[i] = result{r.SequenceNumber, r.ShardID, r.ErrorCode, r.ErrorMessage}
		if r.ErrorCode != "" {
			out.FailedRecordCount++
		}
		if r.Encrypted {
			out.EncryptionType = "KMS"
		}
	}
	return out
}

func putRecordResponseJSON(res engine.PutResult) any {
	return struct {
		ShardID        string `json:"ShardId"`
		SequenceNumber string `json:"SequenceNumber"`
		EncryptionType string `json:"EncryptionType"`
	}{res.ShardID, res.SequenceNumber, map[bool]string{false: "NONE", true: "KMS"}[res.Encrypted]}
}

// oddStrings exercise every escaping rule of json.Marshal.
var oddStrings = []string{
	"", "shardId-000000000000", "49654321098765432109876543210987654321098765432109876543",
	"ProvisionedThroughputExceededException", "Rate exceeded for shard shardId-000000000001 in stream s under account 000000000000.",
	"InternalFailure", "Internal service failure.", `a"b\c/d`, "<script>&amp;</script>", "\x00\x01\b\f\n\r\t\x1f\x7f",
	"é\u2028\u2029\U0001F600\uffff", "bad \xff utf8 \xed\xa0\x80 \xc3", "\xe2\x80",
}

func randomResult(r *rand.Rand) engine.PutResult {
	pick := func() string { return oddStrings[r.IntN(len(oddStrings))] }
	switch r.IntN(4) {
	case 0: // failed entry
		return engine.PutResult{ErrorCode: pick(), ErrorMessage: pick()}
	case 1: // anything, including half-filled results
		return engine.PutResult{ShardID: pick(), SequenceNumber: pick(), ErrorCode: pick(), ErrorMessage: pick()}
	}
	return engine.PutResult{ShardID: "shardId-00000000000" + string(rune('0'+r.IntN(4))), SequenceNumber: oddStrings[2], Encrypted: r.IntN(3) == 0}
}

func TestAppendPutRecordsResponseMatchesMarshal(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := range 3000 {
		results := make([]engine.PutResult, r.IntN(12))
		if i == 0 {
			results = nil
		}
		for j := range results {
			results[j] = randomResult(r)
		}
		want, err := json.Marshal(putRecordsResponseJSON(results))
		if err != nil {
			t.Fatal(err)
		}
		got := appendPutRecordsResponse(nil, results)
		if !bytes.Equal(got, want) {
			t.Fatalf("results %+v:\ngot  %s\nwant %s", results, got, want)
		}
		// What the handler writes: json.Marshal of the RawMessage.
		if wire, err := json.Marshal(json.RawMessage(got)); err != nil || !bytes.Equal(wire, want) {
			t.Fatalf("re-marshalled response differs (%v):\n%s", err, wire)
		}
	}
}

func TestAppendPutRecordResponseMatchesMarshal(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for range 2000 {
		res := randomResult(r)
		want, err := json.Marshal(putRecordResponseJSON(res))
		if err != nil {
			t.Fatal(err)
		}
		if got := appendPutRecordResponse(nil, res); !bytes.Equal(got, want) {
			t.Fatalf("result %+v:\ngot  %s\nwant %s", res, got, want)
		}
	}
}

func TestAppendMarshalStringMatchesMarshal(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for i := range 20000 {
		var s string
		if i < 256 {
			s = string([]byte{byte(i)})
		} else {
			b := make([]byte, r.IntN(10))
			for j := range b {
				b[j] = byte(r.Uint32())
			}
			s = string(b) + oddStrings[r.IntN(len(oddStrings))]
		}
		want, _ := json.Marshal(s)
		if got := appendMarshalString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	}
}

func BenchmarkAppendPutRecordsResponse(b *testing.B) {
	results := make([]engine.PutResult, 500)
	for i := range results {
		results[i] = engine.PutResult{ShardID: "shardId-000000000001", SequenceNumber: oddStrings[2]}
	}
	buf := make([]byte, 0, putRecordsResponseSize(results))
	b.ReportAllocs()
	for b.Loop() {
		buf = appendPutRecordsResponse(buf[:0], results)
	}
	b.SetBytes(int64(len(buf)))
}
