package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/runnel-io/runnel/bench/harness"
)

// zeroDelays are the flags beyond harness.StartRunnel's: no UPDATING or
// DELETING delay either.
var zeroDelays = []string{"--update-stream-delay", "0", "--delete-stream-delay", "0"}

// server is the runnel process under soak, restarted on the same data dir.
type server struct {
	bin, dataDir string

	mu   sync.Mutex
	proc *harness.Process // nil while restarting
	addr atomic.Pointer[string]
}

func (s *server) start(ctx context.Context) error {
	p, err := harness.StartRunnelArgs(ctx, s.bin, s.dataDir, zeroDelays...)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	addr := p.Addr
	s.addr.Store(&addr)
	return nil
}

// stop ends the process with SIGTERM; an error means it did not exit 0.
func (s *server) stop() error {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	if err := p.Stop(); err != nil {
		return fmt.Errorf("%w\n%s", err, lastLines(p.Output(), 20))
	}
	if !strings.Contains(p.Output(), "all data durable") {
		return fmt.Errorf("runnel (pid %d) exited without its `all data durable` line\n%s", p.PID(), lastLines(p.Output(), 20))
	}
	return nil
}

// restart stops the server gracefully and starts it on the same data.
func (s *server) restart(ctx context.Context) (time.Duration, error) {
	began := time.Now()
	if err := s.stop(); err != nil {
		return 0, err
	}
	if err := s.start(ctx); err != nil {
		return 0, err
	}
	return time.Since(began), nil
}

// pid is the running process's PID, 0 while restarting.
func (s *server) pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return 0
	}
	return s.proc.PID()
}

// sample is one reading of the server's resources.
type sample struct {
	at         time.Duration // since the workload started
	pid        int
	rssKiB     int64
	fds        int
	goroutines int
	openShards int
	allShards  int // open and closed
	acked      int64
	restarts   int64
	reshards   int64
	idle       bool // taken after the workload stopped
}

// readProc fills pid, rssKiB and fds; ok is false while restarting.
func (s *server) readProc(sm *sample) bool {
	pid := s.pid()
	if pid == 0 {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest) // "123456 kB"
			if len(f) == 2 {
				sm.rssKiB, _ = strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	entries, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "fd"))
	if err != nil {
		return false
	}
	sm.pid, sm.fds = pid, len(entries)
	return true
}

// goroutines reads go_goroutines from GET /metrics.
func (s *server) goroutines(ctx context.Context, hc *http.Client) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+*s.addr.Load()+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	scanner := bufio.NewScanner(io.LimitReader(resp.Body, 64<<20))
	scanner.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for scanner.Scan() {
		if rest, ok := strings.CutPrefix(scanner.Text(), "go_goroutines "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return int(v), err
		}
	}
	return 0, fmt.Errorf("GET /metrics: no go_goroutines line (%v)", scanner.Err())
}

// clients are the Kinesis clients of the soak: one connection pool whose
// dialer always dials the server's current address, so a restart on a new
// port is followed without rebuilding clients.
type clients struct {
	api       *kinesis.Client // every call but SubscribeToShard: 2 min per exchange
	subscribe *kinesis.Client // SubscribeToShard: no overall timeout (5-minute streams)
	metrics   *http.Client
	transport *http.Transport
}

func newClients(s *server, conns int) *clients {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy: nil, // loopback only, whatever HTTP_PROXY says
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, *s.addr.Load())
		},
		MaxIdleConns:          2 * conns,
		MaxIdleConnsPerHost:   2 * conns,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute,
		DisableCompression:    true,
	}
	endpoint := "http://" + *s.addr.Load() // only the Host header; the dialer picks the address
	opts := func(hc *http.Client) kinesis.Options {
		return kinesis.Options{
			Region:           "us-east-1",
			Credentials:      aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("AKIDRUNNELSOAK", "runnelsoak-secret", "")),
			BaseEndpoint:     aws.String(endpoint),
			HTTPClient:       hc,
			RetryMaxAttempts: 1,
		}
	}
	return &clients{
		api:       kinesis.New(opts(&http.Client{Transport: hideBodyWriterTo{transport}, Timeout: 2 * time.Minute})),
		subscribe: kinesis.New(opts(&http.Client{Transport: hideBodyWriterTo{transport}})),
		metrics:   &http.Client{Transport: transport, Timeout: 10 * time.Second},
		transport: transport,
	}
}

// hideBodyWriterTo works around a smithy-go race on fast loopback servers
// (see bench/harness/client.go and the e2e harness): with the request
// body's WriteTo hidden, net/http reads the body and sees a clean EOF.
type hideBodyWriterTo struct{ inner http.RoundTripper }

func (h hideBodyWriterTo) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body = struct{ io.ReadCloser }{req.Body}
	}
	return h.inner.RoundTrip(req)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
