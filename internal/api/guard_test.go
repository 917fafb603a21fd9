package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/runnel-io/runnel/internal/api"
	"github.com/runnel-io/runnel/internal/engine"
	"github.com/runnel-io/runnel/internal/logstore"
	"github.com/runnel-io/runnel/internal/metastore"
)

// TestHostileJSONBodies: bodies that encoding/json would accept, or accept
// after silently changing them, are SerializationExceptions, on the
// generic path and on the PutRecord(s) fast paths alike.
func TestHostileJSONBodies(t *testing.T) {
	h := newHandler(t)
	do(h, call{target: "CreateStream", body: `{"StreamName":"s","ShardCount":1}`})
	deep := strings.Repeat(`{"a":`, 17) + `1` + strings.Repeat(`}`, 17)
	okDeep := `{"StreamName":"s",` + strings.Repeat(`"x":{`, 15) + `"a":1` + strings.Repeat(`}`, 15) + `}`
	many := `{"StreamName":"s","x":[` + strings.Repeat(`0,`, 1<<16) + `0]}`
	cases := []struct {
		name, target, body string
		msg                string // "" = not refused
	}{
		{"invalid UTF-8 in a stream name", "DescribeStreamSummary", "{\"StreamName\":\"s\xff\"}", "Invalid UTF-8 in the request body."},
		{"invalid UTF-8 in a partition key (fast path)", "PutRecord", "{\"StreamName\":\"s\",\"Data\":\"AAAA\",\"PartitionKey\":\"k\xc3\"}", "Invalid UTF-8 in the request body."},
		{"invalid UTF-8 in PutRecords (fast path)", "PutRecords", "{\"StreamName\":\"s\",\"Records\":[{\"Data\":\"AAAA\",\"PartitionKey\":\"\xed\xa0\x80\"}]}", "Invalid UTF-8 in the request body."},
		{"invalid UTF-8 in an unknown member", "DescribeLimits", "{\"x\":\"\xfe\"}", "Invalid UTF-8 in the request body."},
		{"duplicate member", "DescribeStreamSummary", `{"StreamName":"s","StreamName":"t"}`, "Duplicate member in the request body: StreamName"},
		{"duplicate member spelled with an escape", "DescribeStreamSummary", `{"StreamName":"s","Stream\u004eame":"t"}`, "Duplicate member in the request body: StreamName"},
		{"duplicate member in a record (fast path)", "PutRecords", `{"StreamName":"s","Records":[{"Data":"AAAA","PartitionKey":"k","PartitionKey":"j"}]}`, "Duplicate member in the request body: PartitionKey"},
		{"duplicate tag key", "AddTagsToStream", `{"StreamName":"s","Tags":{"a":"1","a":"2"}}`, "Duplicate member in the request body: a"},
		{"nesting 17 deep", "DescribeStreamSummary", deep, "The request body is nested too deeply."},
		{"nesting 16 deep is fine", "DescribeStreamSummary", okDeep, ""},
		{"65537 values", "DescribeStreamSummary", many, "The request body has too many values."},
		{"a 101-digit number", "DescribeStream", `{"StreamName":"s","Limit":` + strings.Repeat("9", 101) + `}`, "A number in the request body is too long."},
		{"a raw NUL byte", "DescribeStreamSummary", "{\"StreamName\":\"s\x00\"}", "Start of structure or map found where not expected."},
		{"an escaped NUL is a character (the pattern refuses it)", "DescribeStreamSummary", `{"StreamName":"s\u0000"}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(h, call{target: tc.target, body: tc.body})
			if tc.msg == "" {
				if typ, _ := errorOf(t, rec); rec.Code == 400 && typ == "SerializationException" {
					t.Fatalf("refused: %d %s", rec.Code, rec.Body)
				}
				return
			}
			typ, msg := errorOf(t, rec)
			if rec.Code != 400 || typ != "SerializationException" || msg != tc.msg {
				t.Fatalf("got %d %s %q; want 400 SerializationException %q", rec.Code, typ, msg, tc.msg)
			}
		})
	}
}

// TestHugeIntegersNeverOverflowSilently: an integer beyond Java's Integer
// is saturated for the constraint check as AWS does (so a bounded member
// reports 2147483647), and one beyond int64 is a SerializationException,
// never a wrapped-around value.
func TestHugeIntegersNeverOverflowSilently(t *testing.T) {
	h := newHandler(t)
	rec := do(h, call{target: "DescribeStream", body: `{"StreamName":"s","Limit":99999999999999999999}`})
	if typ, msg := errorOf(t, rec); typ != "ValidationException" || msg != "1 validation error detected: Value '2147483647' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000" {
		t.Fatalf("Limit 1e20: %d %s %q", rec.Code, typ, msg)
	}
	rec = do(h, call{target: "CreateStream", body: `{"StreamName":"big","ShardCount":99999999999999999999}`})
	if typ, _ := errorOf(t, rec); rec.Code != 400 || typ != "SerializationException" {
		t.Fatalf("ShardCount 1e20: %d %s", rec.Code, rec.Body)
	}
	rec = do(h, call{target: "DescribeStreamSummary", body: `{"StreamName":"big"}`})
	if typ, _ := errorOf(t, rec); typ != "ResourceNotFoundException" {
		t.Fatalf("a stream was created from an overflowing ShardCount: %s", rec.Body)
	}
}

// blockingBackend is an engine whose ListStreams panics, or blocks until
// released when release is set.
type blockingBackend struct {
	api.Backend
	entered chan struct{}
	release chan struct{}
}

func (b blockingBackend) ListStreams(ctx context.Context, in engine.ListStreamsInput) (engine.ListStreamsOutput, error) {
	if b.release == nil {
		var m map[string]int
		m["boom"]++ // a nil-map write: a real runtime panic, not a test-only one
	}
	b.entered <- struct{}{}
	<-b.release
	return b.Backend.ListStreams(ctx, in)
}

func newEngine(t testing.TB) *engine.Engine {
	t.Helper()
	e, err := engine.New(engine.Config{Region: "us-east-1", AccountID: "000000000000", ShardLimit: 50, Key: bytes.Repeat([]byte{1}, 32)},
		logstore.NewMemory(), metastore.NewMemory())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestPanicIsAnInternalFailureForThatRequestOnly: a handler panic becomes
// a logged 500 InternalFailure; the server, and other requests, go on.
func TestPanicIsAnInternalFailureForThatRequestOnly(t *testing.T) {
	var logs lockedBuffer
	h := api.NewHandler(blockingBackend{Backend: newEngine(t)}, slog.New(slog.NewTextHandler(&logs, nil)))
	srv := httptest.NewServer(h.Guard(api.GuardOptions{MaxInFlight: 4}))
	defer srv.Close()
	for range 3 { // the slot of a panicking request is given back
		status, typ, msg := post(t, srv.URL, "ListStreams", `{}`, "application/x-amz-json-1.1")
		if status != 500 || typ != "InternalFailure" || msg != "Internal service failure." {
			t.Fatalf("panicking ListStreams: %d %s %q", status, typ, msg)
		}
	}
	if !strings.Contains(logs.String(), "handler panic") || !strings.Contains(logs.String(), "assignment to entry in nil map") {
		t.Fatalf("panic not logged with its cause:\n%s", logs.String())
	}
	status, typ, msg := post(t, srv.URL, "ListStreams", `{}`, "application/x-amz-cbor-1.1")
	if status != 500 || typ != "InternalFailure" || msg == "" {
		t.Fatalf("panicking CBOR ListStreams: %d %s %q", status, typ, msg)
	}
	if status, typ, _ := post(t, srv.URL, "CreateStream", `{"StreamName":"after","ShardCount":1}`, "application/x-amz-json-1.1"); status != 200 {
		t.Fatalf("CreateStream after the panics: %d %s", status, typ)
	}
}

// TestInFlightBound: over MaxInFlight, a request is answered 503
// ServiceUnavailable without its body being read; once a slot frees, the
// next request is served.
func TestInFlightBound(t *testing.T) {
	b := blockingBackend{Backend: newEngine(t), entered: make(chan struct{}), release: make(chan struct{})}
	g := api.NewHandler(b, slog.New(slog.DiscardHandler)).Guard(api.GuardOptions{MaxInFlight: 2})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if rec := do(g, call{target: "ListStreams", body: `{}`}); rec.Code != 200 {
				t.Errorf("blocked ListStreams: %d %s", rec.Code, rec.Body)
			}
		}()
		<-b.entered
	}
	body := &watchedBody{r: strings.NewReader(`{}`)}
	req := httptest.NewRequest(http.MethodPost, "/", body)
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.DescribeLimits")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	if typ, msg := errorOf(t, rec); rec.Code != 503 || typ != "ServiceUnavailable" || msg != "The request has failed due to a temporary failure of the server." || rec.Header().Get("X-Amzn-Requestid") == "" {
		t.Fatalf("third request: %d %s %q %v", rec.Code, typ, msg, rec.Header())
	}
	if body.read {
		t.Fatal("the refused request's body was read")
	}
	close(b.release)
	wg.Wait()
	if rec := do(g, call{target: "DescribeLimits", body: `{}`}); rec.Code != 200 {
		t.Fatalf("after the slots freed: %d %s", rec.Code, rec.Body)
	}
}

// TestStartedResponseFreesItsSlot: a response that has started (an event
// stream) no longer counts against MaxInFlight.
func TestStartedResponseFreesItsSlot(t *testing.T) {
	e := newEngine(t)
	h := api.NewHandler(e, slog.New(slog.DiscardHandler))
	g := h.Guard(api.GuardOptions{MaxInFlight: 1})
	srv := httptest.NewServer(g)
	defer srv.Close()
	if status, typ, _ := post(t, srv.URL, "CreateStream", `{"StreamName":"s","ShardCount":1}`, "application/x-amz-json-1.1"); status != 200 {
		t.Fatalf("CreateStream: %d %s", status, typ)
	}
	arn := "arn:aws:kinesis:us-east-1:000000000000:stream/s"
	var consumer struct{ Consumer struct{ ConsumerARN string } }
	postJSON(t, srv.URL, "RegisterStreamConsumer", `{"StreamARN":"`+arn+`","ConsumerName":"c"}`, &consumer)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader(`{"ConsumerARN":"`+consumer.Consumer.ConsumerARN+`","ShardId":"shardId-000000000000","StartingPosition":{"Type":"LATEST"}}`))
	setHeaders(req, "SubscribeToShard", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("SubscribeToShard: %d %s", resp.StatusCode, b)
	}
	if status, typ, _ := post(t, srv.URL, "DescribeLimits", `{}`, "application/x-amz-json-1.1"); status != 200 {
		t.Fatalf("DescribeLimits while a subscription streams with MaxInFlight 1: %d %s", status, typ)
	}
}

type watchedBody struct {
	r    io.Reader
	read bool
}

func (b *watchedBody) Read(p []byte) (int, error) { b.read = true; return b.r.Read(p) }

func setHeaders(req *http.Request, target, contentType string) {
	req.Header.Set("X-Amz-Target", "Kinesis_20131202."+target)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc")
	req.Header.Set("X-Amz-Date", "20261125T000000Z")
}

// post sends one request over HTTP and returns its status and, for an
// error, __type and message. A CBOR request carries the empty CBOR map.
func post(t *testing.T, url, target, body, contentType string) (int, string, string) {
	t.Helper()
	if contentType == "application/x-amz-cbor-1.1" {
		body = "\xa0"
	}
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	setHeaders(req, target, contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 {
		return 200, "", ""
	}
	var e map[string]string
	if resp.Header.Get("Content-Type") == "application/x-amz-cbor-1.1" {
		err = cbor.Unmarshal(data, &e)
	} else {
		err = json.Unmarshal(data, &e)
	}
	if err != nil || e["__type"] == "" {
		t.Fatalf("%s: error body %q (%v)", target, data, err)
	}
	return resp.StatusCode, e["__type"], e["message"]
}

func postJSON(t *testing.T, url, target, body string, out any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	setHeaders(req, target, "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", target, resp.StatusCode, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("%s: %v", target, err)
	}
}
