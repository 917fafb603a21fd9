package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests attack the server over raw TCP: oversized and slow bodies,
// slow headers, idle connections, connection floods and request floods.
// Each bounds its own waits (ioTimeout) so that a server that fails to
// defend itself fails the test instead of hanging it.

// ioTimeout bounds every raw read in these tests; the server's own limits
// in them are 1 s, so an answer that takes longer means no limit acted.
const ioTimeout = 15 * time.Second

// rawHeaders is the head of a signed-looking POST (the server without
// --credentials accepts any well-formed signature).
func rawHeaders(target string, extra ...string) string {
	h := "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
		"X-Amz-Target: Kinesis_20131202." + target + "\r\n" +
		"Content-Type: application/x-amz-json-1.1\r\n" +
		"X-Amz-Date: 20261125T000000Z\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc\r\n"
	for _, e := range extra {
		h += e + "\r\n"
	}
	return h + "\r\n"
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readResponse reads one HTTP response from c within ioTimeout.
func readResponse(t *testing.T, c net.Conn) (*http.Response, []byte, error) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(ioTimeout))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// peakRSS is the server's peak resident set size (VmHWM), in bytes.
func peakRSS(t *testing.T, srv *server) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", srv.cmd.Process.Pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// TestOversizedBodiesAreRefusedEarly: a body over the limit is answered 413
// before the client has finished sending it (chunked, no length given) or
// before it sends any of it (Content-Length over the limit), and the
// server's memory stays bounded while a client streams 1 GiB at it.
func TestOversizedBodiesAreRefusedEarly(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	const total = 1 << 30

	t.Run("declared length", func(t *testing.T) {
		c := dial(t, srv.Addr)
		if _, err := io.WriteString(c, rawHeaders("PutRecords", "Content-Length: "+strconv.Itoa(total))); err != nil {
			t.Fatal(err)
		}
		resp, body, err := readResponse(t, c) // nothing of the body was sent
		if err != nil {
			t.Fatalf("no answer to a 1 GiB Content-Length: %v", err)
		}
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !bytes.Contains(body, []byte(`"__type":"SerializationException"`)) {
			t.Fatalf("1 GiB Content-Length: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("chunked stream", func(t *testing.T) {
		c := dial(t, srv.Addr)
		if _, err := io.WriteString(c, rawHeaders("PutRecords", "Transfer-Encoding: chunked")); err != nil {
			t.Fatal(err)
		}
		sent := make(chan int64, 1)
		go func() { // streams until the server stops reading
			chunk := []byte(strconv.FormatInt(64<<10, 16) + "\r\n" + strings.Repeat("A", 64<<10) + "\r\n")
			var n int64
			for n < total {
				_ = c.SetWriteDeadline(time.Now().Add(ioTimeout))
				if _, err := c.Write(chunk); err != nil {
					break
				}
				n += 64 << 10
			}
			sent <- n
		}()
		resp, body, err := readResponse(t, c)
		if err != nil {
			t.Fatalf("no answer while streaming 1 GiB: %v", err)
		}
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("streamed 1 GiB: %d %s", resp.StatusCode, body)
		}
		c.Close()
		if n := <-sent; n >= total {
			t.Fatalf("the client could send all %d bytes: the server read the body whole", n)
		} else {
			t.Logf("413 after the client had sent %d MiB of 1024", n>>20)
		}
	})

	peak := peakRSS(t, srv)
	if os.Getenv("E2E_RACE") != "" {
		// The race detector's shadow memory inflates RSS several times;
		// scripts/test.sh runs this test again against a normal build.
		t.Logf("server peak RSS %d MiB (race build: not asserted)", peak>>20)
		return
	}
	if peak > 256<<20 {
		t.Fatalf("server peak RSS %d MiB after 1 GiB was thrown at it; want < 256 MiB", peak>>20)
	} else {
		t.Logf("server peak RSS %d MiB", peak>>20)
	}
}

// TestSlowClientsTimeOut: a body that stops arriving, headers that never
// end, and an idle keep-alive connection are each ended by the server
// (body read, header and idle timeouts of 1 s here).
func TestSlowClientsTimeOut(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t, "--body-read-timeout", "1s", "--read-header-timeout", "1s", "--idle-timeout", "1s")

	t.Run("body", func(t *testing.T) {
		c := dial(t, srv.Addr)
		if _, err := io.WriteString(c, rawHeaders("ListStreams", "Content-Length: 100")+`{"Limit":`); err != nil {
			t.Fatal(err)
		}
		resp, body, err := readResponse(t, c)
		if err != nil {
			t.Fatalf("a stalled body got no answer: %v", err)
		}
		if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(body, []byte(`"__type":"SerializationException"`)) {
			t.Fatalf("stalled body: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("headers", func(t *testing.T) {
		c := dial(t, srv.Addr)
		if _, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Tar"); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(ioTimeout))
		_, err := io.ReadAll(c) // the server closes (net/http may first send a 408)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("the server kept a connection with unfinished headers open")
		}
	})
	t.Run("idle", func(t *testing.T) {
		c := dial(t, srv.Addr)
		if _, err := io.WriteString(c, rawHeaders("ListStreams", "Content-Length: 2")+`{}`); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(c)
		_ = c.SetReadDeadline(time.Now().Add(ioTimeout))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("ListStreams: %d", resp.StatusCode)
		}
		n, err := br.Read(make([]byte, 1)) // nothing more is sent: the server must close
		var ne net.Error
		if n > 0 || (errors.As(err, &ne) && ne.Timeout()) {
			t.Fatalf("idle keep-alive connection not closed: %d bytes, %v", n, err)
		}
	})
}

// TestConnectionAndRequestBounds: with --max-connections 3 a fourth
// connection is served only once one of the three closes; with
// --max-in-flight 1 a second request is answered 503 ServiceUnavailable,
// without its body being read, while the first is still being received.
func TestConnectionAndRequestBounds(t *testing.T) {
	t.Parallel()
	t.Run("connections", func(t *testing.T) {
		t.Parallel()
		srv := startFastServer(t, "--max-connections", "3")
		var held []net.Conn
		for range 3 {
			c := dial(t, srv.Addr)
			if _, err := io.WriteString(c, rawHeaders("ListStreams", "Content-Length: 2")+`{}`); err != nil {
				t.Fatal(err)
			}
			if resp, _, err := readResponse(t, c); err != nil || resp.StatusCode != 200 {
				t.Fatalf("connection %d: %v %v", len(held), resp, err)
			}
			held = append(held, c)
		}
		fourth := dial(t, srv.Addr)
		if _, err := io.WriteString(fourth, rawHeaders("ListStreams", "Content-Length: 2")+`{}`); err != nil {
			t.Fatal(err)
		}
		_ = fourth.SetReadDeadline(time.Now().Add(time.Second))
		if n, err := fourth.Read(make([]byte, 1)); n > 0 || err == nil {
			t.Fatal("a fourth connection was served while three were open")
		}
		held[0].Close()
		if resp, _, err := readResponse(t, fourth); err != nil || resp.StatusCode != 200 {
			t.Fatalf("the fourth connection after one closed: %v %v", resp, err)
		}
	})
	t.Run("requests in flight", func(t *testing.T) {
		t.Parallel()
		srv := startFastServer(t, "--max-in-flight", "1")
		var slow net.Conn
		openSlow := func() {
			slow = dial(t, srv.Addr)
			if _, err := io.WriteString(slow, rawHeaders("ListStreams", "Content-Length: 11")+`{"Limit"`); err != nil {
				t.Fatal(err)
			}
		}
		openSlow()
		// The slow request holds the only slot once the server has read its
		// headers. Until then a probe may take the slot first, and the slow
		// request is then the one refused: start it again.
		rc := newRawClient(srv.Endpoint)
		var resp rawResponse
		poll(t, 10*time.Second, "a 503 while one request is in flight", func() (bool, string) {
			resp = rc.post(t, "DescribeLimits", "application/x-amz-json-1.1", []byte(`{}`))
			if resp.Status == http.StatusServiceUnavailable {
				return true, ""
			}
			_ = slow.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			if n, _ := slow.Read(make([]byte, 1)); n > 0 {
				slow.Close()
				openSlow()
			}
			return false, strconv.Itoa(resp.Status)
		})
		if typ, msg, _ := resp.awsError(); typ != "ServiceUnavailable" || msg != "The request has failed due to a temporary failure of the server." {
			t.Fatalf("503 body: %s", resp.Body)
		}
		if _, err := io.WriteString(slow, `:5}`); err != nil {
			t.Fatal(err)
		}
		if r, body, err := readResponse(t, slow); err != nil || r.StatusCode != 200 {
			t.Fatalf("the slow request: %v %s %v", r, body, err)
		}
		if resp := rc.post(t, "DescribeLimits", "application/x-amz-json-1.1", []byte(`{}`)); resp.Status != 200 {
			t.Fatalf("after the slot freed: %d %s", resp.Status, resp.Body)
		}
	})
}

// TestHostileBodiesOverTheWire: what encoding/json would accept or
// silently change is a SerializationException from the running server.
func TestHostileBodiesOverTheWire(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	rc := newRawClient(srv.Endpoint)
	createStream(t, srv.client(), "h", 1)
	for _, tc := range []struct {
		name, target, body, msg string
	}{
		{"invalid UTF-8", "PutRecord", "{\"StreamName\":\"h\",\"Data\":\"AAAA\",\"PartitionKey\":\"\xc0\xaf\"}", "Invalid UTF-8 in the request body."},
		{"duplicate member", "PutRecord", `{"StreamName":"h","Data":"AAAA","PartitionKey":"a","PartitionKey":"b"}`, "Duplicate member in the request body: PartitionKey"},
		{"nesting", "ListStreams", strings.Repeat("[", 10000) + strings.Repeat("]", 10000), "The request body is nested too deeply."},
		{"long number", "ListStreams", `{"Limit":1` + strings.Repeat("0", 5000) + `}`, "A number in the request body is too long."},
		{"raw NUL", "ListStreams", "{\"ExclusiveStartStreamName\":\"a\x00\"}", "Start of structure or map found where not expected."},
	} {
		resp := rc.post(t, tc.target, "application/x-amz-json-1.1", []byte(tc.body))
		if typ, msg, _ := resp.awsError(); resp.Status != 400 || typ != "SerializationException" || msg != tc.msg {
			t.Errorf("%s: %d %s", tc.name, resp.Status, resp.Body)
		}
	}
	if recs := readShard(t, srv.client(), "h", "shardId-000000000000"); len(recs) != 0 {
		t.Fatalf("a refused PutRecord stored %d records", len(recs))
	}
}
