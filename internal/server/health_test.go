package server

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readyz(r *readiness) (int, string) {
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	return rec.Code, rec.Body.String()
}

func TestReadiness(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	r := newReadiness(dir, false)
	r.now = func() time.Time { return now }

	if code, body := readyz(r); code != http.StatusServiceUnavailable || body != "not ready: recovering shard logs" {
		t.Errorf("before recovery: %d %q", code, body)
	}
	r.recovered.Store(true)
	if code, body := readyz(r); code != http.StatusOK || body != "ok" {
		t.Errorf("recovered: %d %q", code, body)
	}
	if _, err := os.Stat(filepath.Join(dir, probeFileName)); err != nil {
		t.Errorf("no probe file written: %v", err)
	}

	// The storage goes away: the last probe stands for probeEvery, then a
	// new probe fails.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	now = now.Add(probeEvery - time.Millisecond)
	if code, _ := readyz(r); code != http.StatusOK {
		t.Errorf("within probeEvery of a good probe: %d, want 200", code)
	}
	now = now.Add(time.Millisecond)
	code, body := readyz(r)
	if code != http.StatusServiceUnavailable || !strings.HasPrefix(body, "not ready: storage not writable: ") {
		t.Errorf("storage gone: %d %q", code, body)
	}

	r.stopping.Store(true)
	if code, body := readyz(r); code != http.StatusServiceUnavailable || body != "not ready: shutting down" {
		t.Errorf("stopping: %d %q", code, body)
	}
}

func TestReadinessInMemoryNeedsNoProbe(t *testing.T) {
	r := newReadiness("", true)
	r.recovered.Store(true)
	if code, body := readyz(r); code != http.StatusOK || body != "ok" {
		t.Errorf("in memory: %d %q", code, body)
	}
}
