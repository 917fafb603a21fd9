package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/runnel-io/runnel/internal/engine"
)

// putRecords500Body is BenchmarkPutRecords500's body: 500 records of 100 B.
func putRecords500Body() []byte {
	var sb strings.Builder
	sb.WriteString(`{"StreamName":"s","Records":[`)
	data := base64.StdEncoding.EncodeToString(make([]byte, 100))
	for i := range 500 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"Data":"` + data + `","PartitionKey":"pk-` + strconv.Itoa(i) + `"}`)
	}
	sb.WriteString(`]}`)
	return []byte(sb.String())
}

func BenchmarkDecodePutRecords500(b *testing.B) {
	body := putRecords500Body()
	for _, path := range []struct {
		name   string
		decode func([]byte) error
	}{
		{"fast", func(body []byte) error {
			if _, _, ok := fastDecodePutRecords(body); !ok {
				b.Fatal("refused")
			}
			return nil
		}},
		{"slow", func(body []byte) error { _, _, err := slowDecodePutRecords(body); return err }},
	} {
		b.Run(path.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if err := path.decode(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPutRecordsResponse500 compares the appender with the reflection
// encoder it replaces, and shows what json.Marshal of the json.RawMessage
// (ServeHTTP re-marshals every op result) costs on top.
func BenchmarkPutRecordsResponse500(b *testing.B) {
	results := make([]engine.PutResult, 500)
	for i := range results {
		results[i] = engine.PutResult{ShardID: "shardId-000000000001", SequenceNumber: "49654321098765432109876543210987654321098765432109876543"}
	}
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = appendPutRecordsResponse(make([]byte, 0, putRecordsResponseSize(results)), results)
		}
	})
	b.Run("reflect", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(putRecordsResponseJSON(results)); err != nil {
				b.Fatal(err)
			}
		}
	})
	raw := json.RawMessage(appendPutRecordsResponse(nil, results))
	b.Run("remarshal-raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// stubBackend answers PutRecords with fixed results: what remains is the
// handler's own cost (HTTP plumbing, decode, encode), without the engine.
type stubBackend struct {
	Backend
	results []engine.PutResult
}

func (b stubBackend) PutRecords(_ context.Context, _ engine.StreamRef, entries []engine.PutEntry) ([]engine.PutResult, error) {
	return b.results[:len(entries)], nil
}

func BenchmarkPutRecords500HandlerOnly(b *testing.B) {
	results := make([]engine.PutResult, 500)
	for i := range results {
		results[i] = engine.PutResult{ShardID: "shardId-000000000001", SequenceNumber: "49654321098765432109876543210987654321098765432109876543"}
	}
	h := NewHandler(stubBackend{results: results}, slog.New(slog.DiscardHandler))
	body := putRecords500Body()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", "Kinesis_20131202.PutRecords")
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=x, Signature=y")
		req.Header.Set("X-Amz-Date", "20261125T000000Z")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Body.String())
		}
	}
}
