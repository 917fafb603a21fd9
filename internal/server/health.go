package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/runnel-io/runnel/internal/fsutil"
)

// probeEvery is how long a storage probe's result stands: /readyz writes
// and fdatasyncs the probe file at most this often.
const probeEvery = 2 * time.Second

// probeFileName is the file in the data dir /readyz writes to prove the
// storage takes durable writes.
const probeFileName = "readyz.probe"

// readiness answers /readyz: ready once the log store's recovery is done,
// while the data dir takes a durable write, and until shutdown begins.
type readiness struct {
	recovered atomic.Bool
	stopping  atomic.Bool
	probePath string // "" when in memory: nothing to probe
	now       func() time.Time

	mu       sync.Mutex // serialises probes
	probedAt time.Time
	probeErr error
}

// check returns nil when the server is ready, or why it is not.
func (r *readiness) check() error {
	switch {
	case r.stopping.Load():
		return errors.New("shutting down")
	case !r.recovered.Load():
		return errors.New("recovering shard logs")
	case r.probePath == "":
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := r.now(); r.probedAt.IsZero() || now.Sub(r.probedAt) >= probeEvery {
		r.probeErr = probeWrite(r.probePath, now)
		r.probedAt = r.now()
	}
	if r.probeErr != nil {
		return fmt.Errorf("storage not writable: %w", r.probeErr)
	}
	return nil
}

// probeWrite writes the time to path and fdatasyncs it.
func probeWrite(path string, now time.Time) (err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close %s: %w", path, cerr)
		}
	}()
	if _, err := f.WriteString(strconv.FormatInt(now.UnixNano(), 10) + "\n"); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := fsutil.Fdatasync(f); err != nil {
		return fmt.Errorf("fdatasync %s: %w", path, err)
	}
	return nil
}

func newReadiness(dataDir string, inMemory bool) *readiness {
	r := &readiness{now: time.Now}
	if !inMemory {
		r.probePath = filepath.Join(dataDir, probeFileName)
	}
	return r
}

// ServeHTTP answers /readyz: 200 "ok", or 503 with the reason.
func (r *readiness) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := r.check(); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "not ready: "+err.Error())
		return
	}
	_, _ = io.WriteString(w, "ok")
}

// serveHealthz answers /healthz: the process is alive and serving HTTP.
func serveHealthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, "ok")
}
