// Package e2e starts the built runnel binary and drives it with real clients
// (the aws CLI v1 and the Go SDK v2) over 127.0.0.1. It must not import any
// internal package: everything goes over the wire.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
)

const (
	testRegion    = "us-east-1"
	testAccount   = "000000000000"
	testAccessKey = "AKIDTEST"
	testSecretKey = "secret"

	// readyTimeout bounds how long a server may take to log its ready line.
	readyTimeout = 20 * time.Second
	// stopTimeout bounds a graceful stop after SIGTERM.
	stopTimeout = 10 * time.Second
	// callTimeout bounds every single API call made by a test.
	callTimeout = 30 * time.Second
)

// runnelBin is the path of the binary built once by TestMain.
var runnelBin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "runnel-e2e-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: e2e: temp dir: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)

	// go test runs with the package directory as working directory; the
	// module root is its parent.
	root, err := filepath.Abs("..")
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: e2e: module root: %v\n", err)
		return 1
	}
	bin := filepath.Join(dir, "runnel")
	args := []string{"build", "-o", bin}
	if os.Getenv("E2E_RACE") != "" {
		args = append(args, "-race")
	}
	args = append(args, "./cmd/runnel")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		// No skip: a binary that does not build is a failure of the suite.
		fmt.Fprintf(os.Stderr, "FAIL: e2e: go %s (in %s): %v\n%s\n",
			strings.Join(args, " "), root, err, out)
		return 1
	}
	runnelBin = bin
	return m.Run()
}

// syncBuffer collects a process's stderr and notices the ready line.
type syncBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan string // receives the listen address once
	sent  bool
}

// readyLine matches the one line the server logs when it serves, e.g.
// time=... level=INFO msg="runnel ready" addr=127.0.0.1:40123
var readyLine = regexp.MustCompile(`msg="runnel ready".*\baddr="?([^"\s]+)"?`)

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if !b.sent {
		for _, line := range strings.Split(b.buf.String(), "\n") {
			if m := readyLine.FindStringSubmatch(line); m != nil {
				b.sent = true
				b.ready <- m[1] // buffered, never blocks
				break
			}
		}
	}
	return n, err
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is one running runnel process.
type server struct {
	t        testing.TB
	Addr     string // 127.0.0.1:PORT
	Endpoint string // http://127.0.0.1:PORT
	DataDir  string
	WorkDir  string // the process's working directory, empty at start

	cmd     *exec.Cmd
	stderr  *syncBuffer
	done    chan struct{} // closed once the process has been reaped
	waitErr error         // valid after done is closed
	ended   bool          // Stop or Kill was called
}

// startServer starts `runnel serve` on 127.0.0.1:0 with dataDir and waits for
// its ready line. The process is killed at the end of the test if it is still
// running, and its stderr is shown if the test failed.
func startServer(t testing.TB, dataDir string, extraArgs ...string) *server {
	t.Helper()
	if runnelBin == "" {
		t.Fatal("runnel binary was not built (TestMain did not run)")
	}
	args := []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir,
		"--region", testRegion, "--account-id", testAccount}
	args = append(args, extraArgs...)
	s := &server{
		t:       t,
		DataDir: dataDir,
		WorkDir: t.TempDir(),
		stderr:  &syncBuffer{ready: make(chan string, 1)},
		done:    make(chan struct{}),
	}
	s.cmd = exec.Command(runnelBin, args...)
	s.cmd.Dir = s.WorkDir // never write into the source tree
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RUNNEL_") { // the flags alone configure the server
			s.cmd.Env = append(s.cmd.Env, kv)
		}
	}
	s.cmd.Stdout = s.stderr
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start runnel %v: %v", args, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		if !s.ended {
			_ = s.cmd.Process.Signal(syscall.SIGKILL)
			select {
			case <-s.done:
			case <-time.After(stopTimeout):
			}
		}
		if strings.Contains(s.stderr.String(), "WARNING: DATA RACE") {
			t.Errorf("the race detector found a data race in the server (E2E_RACE build)")
		}
		if t.Failed() {
			t.Logf("runnel (pid %d, args %v) output:\n%s", s.cmd.Process.Pid, args, s.stderr.String())
		}
	})

	timer := time.NewTimer(readyTimeout)
	defer timer.Stop()
	select {
	case addr := <-s.stderr.ready:
		host, _, err := net.SplitHostPort(addr)
		if err != nil || host != "127.0.0.1" {
			t.Fatalf("ready line has addr %q; want 127.0.0.1:PORT", addr)
		}
		s.Addr = addr
		s.Endpoint = "http://" + addr
	case <-s.done:
		t.Fatalf("runnel exited before it was ready: %v\n%s", s.waitErr, s.stderr.String())
	case <-timer.C:
		t.Fatalf("runnel logged no ready line within %v", readyTimeout)
	}
	return s
}

// Stop sends SIGTERM, waits up to 10 s and requires exit code 0.
func (s *server) Stop() {
	s.t.Helper()
	s.ended = true
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatalf("SIGTERM runnel: %v", err)
	}
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.done
		s.t.Fatalf("runnel did not exit within %v of SIGTERM", stopTimeout)
	}
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		s.t.Fatalf("runnel exited with code %d after SIGTERM (%v); want 0", code, s.waitErr)
	}
}

// Kill sends SIGKILL and waits until the process is reaped.
func (s *server) Kill() {
	s.t.Helper()
	s.ended = true
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatalf("SIGKILL runnel: %v", err)
	}
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		s.t.Fatalf("runnel not reaped within %v of SIGKILL", stopTimeout)
	}
}

// Output returns what the server wrote to stdout and stderr so far.
func (s *server) Output() string { return s.stderr.String() }

// zeroDelays makes stream state transitions immediate.
var zeroDelays = []string{"--create-stream-delay", "0", "--delete-stream-delay", "0", "--update-stream-delay", "0"}

// startFastServer starts a server on a fresh data dir with zero state delays.
func startFastServer(t testing.TB, extraArgs ...string) *server {
	t.Helper()
	return startServer(t, t.TempDir(), append(append([]string{}, zeroDelays...), extraArgs...)...)
}

// newClient returns a Go SDK v2 Kinesis client for the endpoint: static
// credentials, us-east-1, no retries, nothing read from the environment.
func newClient(endpoint string) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region:           testRegion,
		Credentials:      credentials.NewStaticCredentialsProvider(testAccessKey, testSecretKey, ""),
		BaseEndpoint:     aws.String(endpoint),
		Retryer:          aws.NopRetryer{},
		RetryMaxAttempts: 1,
		HTTPClient: &http.Client{
			Timeout:   callTimeout,
			Transport: hideBodyWriterTo{&http.Transport{MaxIdleConnsPerHost: 32, DisableCompression: true}},
		},
	})
}

// client is newClient(s.Endpoint).
func (s *server) client() *kinesis.Client { return newClient(s.Endpoint) }

// ctx returns a context bounded by callTimeout and the test's lifetime.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	return c
}

// poll calls cond until it reports done or timeout passes (then it fails the
// test with the last status). The pause between calls grows from 5 ms to
// 100 ms; nothing relies on the pause for correctness.
func poll(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	pause := 5 * time.Millisecond
	for {
		ok, status := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s; last: %s", timeout, what, status)
		}
		time.Sleep(pause)
		if pause < 100*time.Millisecond {
			pause *= 2
		}
	}
}

// waitActive polls DescribeStreamSummary until the stream is ACTIVE (≤ 10 s).
func waitActive(t testing.TB, c *kinesis.Client, stream string) *types.StreamDescriptionSummary {
	t.Helper()
	var sum *types.StreamDescriptionSummary
	poll(t, 10*time.Second, "stream "+stream+" ACTIVE", func() (bool, string) {
		out, err := c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(stream)})
		if err != nil {
			return false, err.Error()
		}
		sum = out.StreamDescriptionSummary
		return sum.StreamStatus == types.StreamStatusActive, string(sum.StreamStatus)
	})
	return sum
}

// waitGone polls DescribeStreamSummary until it answers ResourceNotFound (≤ 10 s).
func waitGone(t testing.TB, c *kinesis.Client, stream string) {
	t.Helper()
	poll(t, 10*time.Second, "stream "+stream+" deleted", func() (bool, string) {
		out, err := c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(stream)})
		if err == nil {
			return false, string(out.StreamDescriptionSummary.StreamStatus)
		}
		code, _ := apiError(err)
		return code == "ResourceNotFoundException", err.Error()
	})
}

// createStream creates a provisioned stream and waits until it is ACTIVE.
func createStream(t testing.TB, c *kinesis.Client, stream string, shards int32) {
	t.Helper()
	_, err := c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String(stream), ShardCount: aws.Int32(shards)})
	if err != nil {
		t.Fatalf("CreateStream %s: %v", stream, err)
	}
	waitActive(t, c, stream)
}

// apiError returns the error code and message of a modelled AWS error, or
// two empty strings if err is not one.
func apiError(err error) (code, message string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	return "", ""
}

// requireError asserts err carries exactly code and message.
func requireError(t testing.TB, err error, code, message string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error; want %s %q", code, message)
	}
	gotCode, gotMsg := apiError(err)
	if gotCode != code || gotMsg != message {
		t.Fatalf("got error %q %q (%v); want %q %q", gotCode, gotMsg, err, code, message)
	}
}

// requireErrorType asserts err carries one of codes and a non-empty message.
func requireErrorType(t testing.TB, err error, codes ...string) (code, message string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error; want one of %v", codes)
	}
	code, message = apiError(err)
	for _, want := range codes {
		if code == want {
			if message == "" {
				t.Fatalf("error %s has an empty message (%v)", code, err)
			}
			return code, message
		}
	}
	t.Fatalf("got error code %q (%v); want one of %v", code, err, codes)
	return "", ""
}

// notFoundMessage is AWS's wording for a missing stream.
func notFoundMessage(stream string) string {
	return "Stream " + stream + " under account " + testAccount + " not found."
}

// streamARN is the ARN AWS gives a stream of this account and region.
func streamARN(stream string) string {
	return "arn:aws:kinesis:" + testRegion + ":" + testAccount + ":stream/" + stream
}

// readShard reads a shard from TRIM_HORIZON until it is caught up
// (an empty batch with MillisBehindLatest 0). Bounded to 2000 calls.
func readShard(t testing.TB, c *kinesis.Client, stream, shardID string) []types.Record {
	t.Helper()
	it, err := c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{
		StreamName: aws.String(stream), ShardId: aws.String(shardID),
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		t.Fatalf("GetShardIterator %s/%s TRIM_HORIZON: %v", stream, shardID, err)
	}
	return readFrom(t, c, aws.ToString(it.ShardIterator))
}

// readFrom follows NextShardIterator from iterator until caught up.
func readFrom(t testing.TB, c *kinesis.Client, iterator string) []types.Record {
	t.Helper()
	var recs []types.Record
	for range 2000 {
		out, err := c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: aws.String(iterator), Limit: aws.Int32(10000)})
		if err != nil {
			t.Fatalf("GetRecords: %v", err)
		}
		recs = append(recs, out.Records...)
		if len(out.Records) == 0 && aws.ToInt64(out.MillisBehindLatest) == 0 {
			return recs
		}
		if out.NextShardIterator == nil {
			return recs // closed shard fully read
		}
		iterator = *out.NextShardIterator
	}
	t.Fatalf("shard not caught up after 2000 GetRecords calls (%d records read)", len(recs))
	return nil
}

// describeShards lists the stream's shards via one DescribeStream call.
func describeShards(t testing.TB, c *kinesis.Client, stream string) []types.Shard {
	t.Helper()
	out, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: aws.String(stream)})
	if err != nil {
		t.Fatalf("DescribeStream %s: %v", stream, err)
	}
	if aws.ToBool(out.StreamDescription.HasMoreShards) {
		t.Fatalf("DescribeStream %s: HasMoreShards with %d shards; tests use ≤ 100", stream, len(out.StreamDescription.Shards))
	}
	return out.StreamDescription.Shards
}

// hideBodyWriterTo works around a client-side race in smithy-go (the Go
// SDK's transport layer), seen against any server fast enough on loopback:
// the SDK closes the request body as soon as the response headers arrive,
// and its body wrapper's WriteTo then returns io.EOF as an error. If
// net/http's write loop is still doing its final copy of the body at that
// moment, it treats the EOF as a write failure and closes the connection,
// cutting off a large response mid-body ("use of closed network
// connection"). Hiding WriteTo makes net/http use Read, which reports a
// closed body as a clean EOF. Found with 850 KB GetRecords responses; plain
// net/http clients and curl never see it.
type hideBodyWriterTo struct{ inner http.RoundTripper }

func (h hideBodyWriterTo) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body = struct{ io.ReadCloser }{req.Body}
	}
	return h.inner.RoundTrip(req)
}
