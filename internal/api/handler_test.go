package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/api"
	"github.com/runnel-io/runnel/internal/engine"
	"github.com/runnel-io/runnel/internal/logstore"
	"github.com/runnel-io/runnel/internal/metastore"
)

func newHandler(t testing.TB) *api.Handler {
	t.Helper()
	e, err := engine.New(engine.Config{Region: "us-east-1", AccountID: "000000000000", ShardLimit: 50, Key: bytes.Repeat([]byte{1}, 32)},
		logstore.NewMemory(), metastore.NewMemory())
	if err != nil {
		t.Fatal(err)
	}
	return api.NewHandler(e, slog.New(slog.DiscardHandler))
}

type call struct {
	method, target, contentType, auth, body string
}

func do(h http.Handler, c call) *httptest.ResponseRecorder {
	if c.method == "" {
		c.method = http.MethodPost
	}
	req := httptest.NewRequest(c.method, "/", strings.NewReader(c.body))
	if c.target != "" {
		req.Header.Set("X-Amz-Target", "Kinesis_20131202."+c.target)
	}
	if c.contentType == "" {
		c.contentType = "application/x-amz-json-1.1"
	}
	req.Header.Set("Content-Type", c.contentType)
	if c.auth == "" {
		c.auth = "AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"
	}
	if c.auth != "none" {
		req.Header.Set("Authorization", c.auth)
		req.Header.Set("X-Amz-Date", "20261125T000000Z")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func errorOf(t *testing.T, rec *httptest.ResponseRecorder) (string, string) {
	t.Helper()
	var body struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body %q is not JSON: %v", rec.Body.String(), err)
	}
	return body.Type, body.Message
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestErrorsAreAWSShaped(t *testing.T) {
	h := newHandler(t)
	cases := []struct {
		name     string
		c        call
		status   int
		typ, msg string
	}{
		{"unknown target", call{target: "Nope", body: "{}"}, 400, "UnknownOperationException", ""},
		{"not yet implemented op", call{target: "CreateChannel", body: "{}"}, 400, "UnknownOperationException", ""},
		{"no auth", call{target: "ListStreams", auth: "none", body: "{}"}, 400, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"broken JSON", call{target: "ListStreams", body: "{"}, 400, "SerializationException", ""},
		{"array body", call{target: "ListStreams", body: "[]"}, 400, "SerializationException", ""},
		{"wrong type", call{target: "ListStreams", body: `{"Limit":"ten"}`}, 400, "SerializationException", ""},
		{"bad name", call{target: "DescribeStream", body: `{"StreamName":"Foo!"}`}, 400, "ValidationException",
			"1 validation error detected: Value 'Foo!' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
		{"missing stream", call{target: "DescribeStream", body: `{"StreamName":"Foo"}`}, 400, "ResourceNotFoundException", "Stream Foo under account 000000000000 not found."},
		{"bad iterator", call{target: "GetRecords", body: `{"ShardIterator":"AAAAAAAAAAE="}`}, 400, "InvalidArgumentException", "Invalid ShardIterator."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(h, tc.c)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d (body %s)", rec.Code, tc.status, rec.Body)
			}
			typ, msg := errorOf(t, rec)
			if typ != tc.typ || (tc.msg != "" && msg != tc.msg) {
				t.Fatalf("got %s %q, want %s %q", typ, msg, tc.typ, tc.msg)
			}
			if !uuidPattern.MatchString(rec.Header().Get("x-amzn-RequestId")) || rec.Header().Get("x-amz-id-2") == "" {
				t.Fatalf("request id headers missing: %v", rec.Header())
			}
		})
	}
}

func TestGetIsRefused(t *testing.T) {
	rec := do(newHandler(t), call{method: http.MethodGet})
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "AccessDeniedException") {
		t.Fatalf("GET: %d %s", rec.Code, rec.Body)
	}
}

func TestOversizedBodyIsRefused(t *testing.T) {
	h := newHandler(t)
	req := httptest.NewRequest(http.MethodPost, "/", io.MultiReader(strings.NewReader(`{"StreamName":"`), strings.NewReader(strings.Repeat("a", api.MaxBodyBytes))))
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.PutRecords")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=x, Signature=y")
	req.Header.Set("X-Amz-Date", "20261125T000000Z")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", rec.Code)
	}
}

func TestPutAndGetRecordsOverTheWire(t *testing.T) {
	h := newHandler(t)
	if rec := do(h, call{target: "CreateStream", body: `{"StreamName":"s","ShardCount":1}`}); rec.Code != 200 || rec.Body.Len() != 0 {
		t.Fatalf("CreateStream: %d %s", rec.Code, rec.Body)
	}
	rec := do(h, call{target: "PutRecord", body: `{"StreamName":"s","PartitionKey":"123","Data":"dGVzdGRhdGE="}`})
	if rec.Code != 200 {
		t.Fatalf("PutRecord: %d %s", rec.Code, rec.Body)
	}
	rec = do(h, call{target: "GetShardIterator", body: `{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"}`})
	var it struct{ ShardIterator string }
	if err := json.Unmarshal(rec.Body.Bytes(), &it); err != nil || it.ShardIterator == "" {
		t.Fatalf("GetShardIterator: %d %s", rec.Code, rec.Body)
	}
	rec = do(h, call{target: "GetRecords", body: `{"ShardIterator":"` + it.ShardIterator + `"}`})
	var out struct {
		Records []struct {
			Data                        []byte
			PartitionKey                string
			SequenceNumber              string
			ApproximateArrivalTimestamp float64
		}
		NextShardIterator  *string
		MillisBehindLatest *int64
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("GetRecords body %s: %v", rec.Body, err)
	}
	if len(out.Records) != 1 || string(out.Records[0].Data) != "testdata" || out.Records[0].PartitionKey != "123" ||
		len(out.Records[0].SequenceNumber) != 56 || out.NextShardIterator == nil || out.MillisBehindLatest == nil {
		t.Fatalf("GetRecords: %s", rec.Body)
	}
	if age := time.Since(time.UnixMilli(int64(out.Records[0].ApproximateArrivalTimestamp * 1000))); age < 0 || age > time.Minute {
		t.Fatalf("ApproximateArrivalTimestamp %v is %s from now", out.Records[0].ApproximateArrivalTimestamp, age)
	}
}

// FuzzRequest throws arbitrary bodies at every implemented operation: the
// handler must answer (never panic) with 200 or an AWS-shaped 4xx.
func FuzzRequest(f *testing.F) {
	f.Add("PutRecords", `{"StreamName":"s","Records":[{"Data":"AA==","PartitionKey":"k"}]}`)
	f.Add("CreateStream", `{"StreamName":"s","ShardCount":2,"Tags":{"a":"b"}}`)
	f.Add("ListShards", `{"StreamName":"s","ShardFilter":{"Type":"AT_TIMESTAMP","Timestamp":1.5e9}}`)
	f.Add("GetShardIterator", `{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_SEQUENCE_NUMBER","StartingSequenceNumber":"1"}`)
	f.Add("PutRecord", `{"StreamName":"s","Data":"!!","PartitionKey":"k","ExplicitHashKey":"99999999999999999999999999999999999999999"}`)
	h := newHandler(f)
	do(h, call{target: "CreateStream", body: `{"StreamName":"s","ShardCount":2}`})
	f.Fuzz(func(t *testing.T, target, body string) {
		rec := do(h, call{target: target, body: body})
		if rec.Code == 200 {
			return
		}
		if rec.Code >= 500 {
			t.Fatalf("%s %q: status %d %s", target, body, rec.Code, rec.Body)
		}
		typ, _ := errorOf(t, rec)
		if typ == "" {
			t.Fatalf("%s %q: error without __type: %s", target, body, rec.Body)
		}
	})
}

func TestTrailingContentIsASerializationError(t *testing.T) {
	h := newHandler(t)
	for _, body := range []string{`{"StreamName":"s"}]`, `{"StreamName":"s"} {}`, `{"StreamName":"s"}x`} {
		rec := do(h, call{target: "DescribeStream", body: body})
		typ, msg := errorOf(t, rec)
		if rec.Code != 400 || typ != "SerializationException" || strings.Contains(msg, "invalid character") {
			t.Errorf("%s: %d %s %q", body, rec.Code, typ, msg)
		}
	}
}
