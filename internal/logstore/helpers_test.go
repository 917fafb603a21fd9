package logstore

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// logBuffer collects log output for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// has reports whether a line at level contains every one of parts.
func (l *logBuffer) has(level string, parts ...string) bool {
	for line := range strings.SplitSeq(l.String(), "\n") {
		if !strings.Contains(line, "level="+level) {
			continue
		}
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			return true
		}
	}
	return false
}

// testLogger logs to buf if given, else to t.Log on failure only.
func testLogger(t *testing.T, buf *logBuffer) *slog.Logger {
	if buf == nil {
		buf = &logBuffer{}
		t.Cleanup(func() {
			if t.Failed() {
				t.Log(buf.String())
			}
		})
	}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
