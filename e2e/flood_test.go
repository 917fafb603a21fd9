package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// floodRSS is the server's resident set size in KiB.
func floodRSS(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

// probeLatencies times n sequential PutRecord calls.
func probeLatencies(t *testing.T, c *kinesis.Client, n int) []time.Duration {
	t.Helper()
	out := make([]time.Duration, 0, n)
	for i := range n {
		start := time.Now()
		if _, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("flood"), PartitionKey: aws.String("probe"), Data: []byte(fmt.Sprint("probe-", i))}); err != nil {
			t.Fatalf("probe PutRecord %d: %v", i, err)
		}
		out = append(out, time.Since(start))
	}
	slices.Sort(out)
	return out
}

func pct(d []time.Duration, p int) time.Duration { return d[(len(d)-1)*p/100] }

// floodConn keeps one hostile connection alive until ctx ends, reconnecting
// whenever the server closes it: idle (connects and sends nothing),
// slow headers (a header line a second) or slow body (full headers, then
// the body 10 bytes at a time).
func floodConn(ctx context.Context, addr, kind string, open *atomic.Int64, closedByServer *atomic.Int64) {
	for ctx.Err() == nil {
		conn, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp", addr)
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond): // pacing a reconnect, not synchronisation
			}
			continue
		}
		open.Add(1)
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		switch kind {
		case "idle":
			_, _ = conn.Read(make([]byte, 1)) // until the server or the test closes it
		case "headers":
			_, err = conn.Write([]byte("POST / HTTP/1.1\r\nHost: flood\r\n"))
			for i := 0; err == nil; i++ {
				time.Sleep(time.Second) // the attack's pace
				_, err = fmt.Fprintf(conn, "X-Slow-%d: x\r\n", i)
			}
		case "body":
			_, err = fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: flood\r\nX-Amz-Target: Kinesis_20131202.PutRecord\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 100000\r\n\r\n")
			done := make(chan struct{})
			go func() { // the server's answer (400 after --body-read-timeout)
				_, _ = bufio.NewReader(conn).ReadString('\n')
				close(done)
			}()
			for err == nil {
				select {
				case <-done:
					err = errors.New("answered")
				case <-time.After(500 * time.Millisecond): // the attack's pace
					_, err = conn.Write([]byte("{\"aaaaaaa"))
				}
			}
		}
		stop()
		conn.Close()
		open.Add(-1)
		if ctx.Err() == nil {
			closedByServer.Add(1)
		}
	}
}

// TestFlood opens 2,000 concurrent connections (idle, slow-header and
// slow-body clients; E2E_FLOOD_BUSY of them may instead be clients writing
// as fast as they can) and times a probe client that kept its connection
// from before the flood. It reports the probe's p50/p99 unloaded and loaded
// and the server's RSS. It asserts that the server keeps answering the
// probe, sheds only with AWS's 503 ServiceUnavailable, cuts slow clients
// off by its timeouts, keeps its memory bounded and, with no busy clients,
// keeps the probe's p99 within 5x of its unloaded figure. (Busy clients
// are load, not a flood: on a small machine they compete with the probe for
// the same CPUs, so the ratio is then only reported.)
func TestFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("flood test skipped in -short mode")
	}
	srv := startServer(t, t.TempDir(), append(zeroDelays, "--read-header-timeout", "3s", "--body-read-timeout", "3s")...)
	probe := srv.client()
	createStream(t, probe, "flood", 2)
	pid := srv.cmd.Process.Pid
	_ = probeLatencies(t, probe, 50) // warm up
	unloaded := probeLatencies(t, probe, 300)
	rssBefore := floodRSS(t, pid)

	fctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var open, closed, busyOK, shed, busyOther atomic.Int64
	var wg sync.WaitGroup
	busy := 0 // E2E_FLOOD_BUSY adds clients that write as fast as they can
	if v := os.Getenv("E2E_FLOOD_BUSY"); v != "" {
		busy, _ = strconv.Atoi(v)
	}
	for i := range 2000 - busy {
		kind := "idle"
		switch {
		case i%13 == 0:
			kind = "body" // 150
		case i%3 == 0:
			kind = "headers" // ~600
		}
		wg.Go(func() { floodConn(fctx, srv.Addr, kind, &open, &closed) })
	}
	for i := range busy {
		c := newClient(srv.Endpoint)
		wg.Go(func() {
			open.Add(1)
			defer open.Add(-1)
			for n := 0; fctx.Err() == nil; n++ {
				_, err := c.PutRecord(fctx, &kinesis.PutRecordInput{StreamName: aws.String("flood"), PartitionKey: aws.String(fmt.Sprint("busy", i)), Data: []byte("busy")})
				code, _ := apiError(err)
				switch {
				case err == nil:
					busyOK.Add(1)
				case code == "ServiceUnavailable" && httpStatus(err) == 503:
					shed.Add(1)
				case fctx.Err() == nil:
					busyOther.Add(1)
					t.Errorf("busy client: %v", err)
				}
			}
		})
	}
	poll(t, 30*time.Second, "2,000 concurrent connections", func() (bool, string) {
		n := open.Load()
		return n >= 1990, fmt.Sprintf("%d open", n)
	})
	peak := 0
	var peakMu sync.Mutex
	sampler := make(chan struct{})
	go func() {
		defer close(sampler)
		for fctx.Err() == nil {
			r := floodRSS(t, pid)
			peakMu.Lock()
			peak = max(peak, r)
			peakMu.Unlock()
			time.Sleep(100 * time.Millisecond) // sampling period
		}
	}()
	loaded := probeLatencies(t, probe, 300)
	// Keep the flood up long enough for the slow clients to hit the
	// server's 3 s timeouts.
	poll(t, 20*time.Second, "slow clients cut off by the server", func() (bool, string) {
		n := closed.Load()
		return n >= 300, fmt.Sprintf("%d closed by the server", n)
	})
	openDuring := open.Load()
	cancel()
	wg.Wait()
	<-sampler
	rssAfter := floodRSS(t, pid)

	ratio := float64(pct(loaded, 99)) / float64(pct(unloaded, 99))
	t.Logf("probe PutRecord unloaded: p50 %v p99 %v; under 2,000 connections (%d open at the end): p50 %v p99 %v (p99 ratio %.1fx, target 5x)",
		pct(unloaded, 50), pct(unloaded, 99), openDuring, pct(loaded, 50), pct(loaded, 99), ratio)
	t.Logf("%d busy clients: %d ok, %d shed with 503; slow connections cut off by the server: %d", busy, busyOK.Load(), shed.Load(), closed.Load())
	t.Logf("server RSS: %d MiB before, %d MiB peak, %d MiB after", rssBefore>>10, peak>>10, rssAfter>>10)
	if busyOther.Load() > 0 {
		t.Fatalf("%d busy requests failed with something other than 503 ServiceUnavailable", busyOther.Load())
	}
	if busy == 0 && ratio > 5 {
		t.Fatalf("probe p99 %v under the flood is %.1fx its unloaded %v (target 5x)", pct(loaded, 99), ratio, pct(unloaded, 99))
	}
	if peak > 1<<20 {
		t.Fatalf("server RSS peaked at %d MiB under the flood", peak>>10)
	}
	if _, err := probe.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("flood")}); err != nil {
		t.Fatalf("server unusable after the flood: %v", err)
	}
	srv.Stop()
}
