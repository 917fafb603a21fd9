package api_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/runnel-io/runnel/internal/api"
	"github.com/runnel-io/runnel/internal/engine"
	"github.com/runnel-io/runnel/internal/logstore"
	"github.com/runnel-io/runnel/internal/metastore"
	"github.com/runnel-io/runnel/internal/metrics"
)

// opRecorder is a RequestObserver that remembers the operations.
type opRecorder struct {
	mu  sync.Mutex
	ops []string
}

func (r *opRecorder) ObserveRequest(op string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d < 0 {
		op += " (negative)"
	}
	r.ops = append(r.ops, op)
}

func TestTimedReportsKnownOperationsOnly(t *testing.T) {
	h := newHandler(t)
	rec := &opRecorder{}
	timed := h.Timed(h, rec)
	do(timed, call{target: "CreateStream", body: `{"StreamName":"s","ShardCount":1}`})
	do(timed, call{target: "DescribeStreamSummary", body: `{"StreamName":"nope"}`}) // an error is timed too
	do(timed, call{target: "NoSuchOperation", body: `{}`})
	do(timed, call{target: "SubscribeToShard", body: `{}`})
	do(timed, call{method: http.MethodGet, target: "ListStreams"})
	if want := []string{"CreateStream", "DescribeStreamSummary"}; !slices.Equal(rec.ops, want) {
		t.Errorf("timed %q, want %q", rec.ops, want)
	}
	names := h.OperationNames()
	if !slices.IsSorted(names) || !slices.Contains(names, "PutRecords") || slices.Contains(names, "SubscribeToShard") {
		t.Errorf("OperationNames() = %q", names)
	}
}

// BenchmarkPutRecords500Observed is BenchmarkPutRecords500 with what the
// server adds for metrics: the engine's Observer and the request timer.
func BenchmarkPutRecords500Observed(b *testing.B) {
	reg := prometheus.NewRegistry()
	streams, err := metrics.NewStreams(reg)
	if err != nil {
		b.Fatal(err)
	}
	acct := streams.Account("000000000000")
	e, err := engine.New(engine.Config{Region: "us-east-1", AccountID: "000000000000", ShardLimit: 50, Key: bytes.Repeat([]byte{1}, 32), Observer: acct},
		logstore.NewMemory(), metastore.NewMemory())
	if err != nil {
		b.Fatal(err)
	}
	acct.Watch(e)
	h := api.NewHandler(e, slog.New(slog.DiscardHandler))
	requests, err := metrics.NewRequests(reg, h.OperationNames())
	if err != nil {
		b.Fatal(err)
	}
	timed := h.Timed(h, requests)
	do(timed, call{target: "CreateStream", body: `{"StreamName":"s","ShardCount":4}`})
	body := putRecordsBody(500)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if rec := do(timed, call{target: "PutRecords", body: body}); rec.Code != 200 {
			b.Fatal(rec.Body.String())
		}
	}
}
