package e2e

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// protoRecorder is a RoundTripper that remembers the protocol and ALPN of
// every response, so a test can prove which HTTP version carried its calls.
type protoRecorder struct {
	inner http.RoundTripper
	mu    sync.Mutex
	seen  map[string]int // "HTTP/2.0 alpn=h2" → count
}

func (p *protoRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := p.inner.RoundTrip(req)
	if err == nil {
		key := resp.Proto
		if resp.TLS != nil {
			key += " alpn=" + resp.TLS.NegotiatedProtocol
		}
		p.mu.Lock()
		p.seen[key]++
		p.mu.Unlock()
	}
	return resp, err
}

// only fails the test unless every response so far used want.
func (p *protoRecorder) only(t *testing.T, want string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.seen) != 1 || p.seen[want] == 0 {
		t.Fatalf("responses by protocol: %v; want all %q", p.seen, want)
	}
}

// clientWith is newClient over a custom transport.
func clientWith(endpoint string, rt http.RoundTripper) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region:           testRegion,
		Credentials:      credentials.NewStaticCredentialsProvider(testAccessKey, testSecretKey, ""),
		BaseEndpoint:     aws.String(endpoint),
		Retryer:          aws.NopRetryer{},
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Timeout: callTimeout, Transport: hideBodyWriterTo{rt}},
	})
}

// exerciseStream runs create, put (every byte value), get and delete.
func exerciseStream(t *testing.T, c *kinesis.Client, stream string) {
	t.Helper()
	createStream(t, c, stream, 1)
	data := make([]byte, 256)
	for i := range data {
		data[i] = byte(i)
	}
	put, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String(stream), PartitionKey: aws.String("pk"), Data: data})
	if err != nil {
		t.Fatalf("PutRecord: %v", err)
	}
	if _, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: []types.PutRecordsRequestEntry{
		{PartitionKey: aws.String("a"), Data: []byte("second")},
	}}); err != nil {
		t.Fatalf("PutRecords: %v", err)
	}
	recs := readShard(t, c, stream, aws.ToString(put.ShardId))
	if len(recs) != 2 || !bytes.Equal(recs[0].Data, data) || string(recs[1].Data) != "second" {
		t.Fatalf("read %d records back: %+v", len(recs), recs)
	}
	if _, err := c.DeleteStream(ctx(t), &kinesis.DeleteStreamInput{StreamName: aws.String(stream)}); err != nil {
		t.Fatalf("DeleteStream: %v", err)
	}
	waitGone(t, c, stream)
}

// TestH2CPriorKnowledge: the Go SDK over a transport that speaks only
// unencrypted HTTP/2 (no upgrade, no HTTP/1.1 fallback), and HTTP/1.1 on the
// same listener at the same time.
func TestH2CPriorKnowledge(t *testing.T) {
	s := startFastServer(t)
	if !regexp.MustCompile(`msg="runnel ready".*\bscheme=http\b`).MatchString(s.Output()) {
		t.Fatalf("ready line lacks scheme=http:\n%s", s.Output())
	}
	var h2only http.Protocols
	h2only.SetUnencryptedHTTP2(true)
	rec := &protoRecorder{inner: &http.Transport{Protocols: &h2only, DisableCompression: true}, seen: map[string]int{}}
	exerciseStream(t, clientWith(s.Endpoint, rec), "h2c")
	rec.only(t, "HTTP/2.0")

	h1 := &protoRecorder{inner: &http.Transport{DisableCompression: true}, seen: map[string]int{}}
	exerciseStream(t, clientWith(s.Endpoint, h1), "h1")
	h1.only(t, "HTTP/1.1")
}

// TestTLSSelfSignedALPN: --tls-self-signed writes a certificate into the data
// dir, a client that trusts that file negotiates h2 by ALPN, HTTP/1.1 over
// TLS still works, and a restart reuses the certificate.
func TestTLSSelfSignedALPN(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, append(append([]string{}, zeroDelays...), "--tls-self-signed")...)
	certFile := filepath.Join(dir, "tls-cert.pem")
	if !regexp.MustCompile(`msg="runnel ready".*\bscheme=https\b`).MatchString(s.Output()) {
		t.Fatalf("ready line lacks scheme=https:\n%s", s.Output())
	}
	if !bytes.Contains([]byte(s.Output()), []byte("cert="+certFile)) {
		t.Fatalf("the log does not say where the certificate is (%s):\n%s", certFile, s.Output())
	}
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "tls-key.pem")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("tls-key.pem: %v, mode %v; want 0600", err, fi)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(certPEM) {
		t.Fatalf("%s holds no certificate", certFile)
	}
	endpoint := "https://" + s.Addr

	h2 := &protoRecorder{inner: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true, DisableCompression: true}, seen: map[string]int{}}
	exerciseStream(t, clientWith(endpoint, h2), "tls-h2")
	h2.only(t, "HTTP/2.0 alpn=h2")

	var h1only http.Protocols
	h1only.SetHTTP1(true)
	h1 := &protoRecorder{inner: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, Protocols: &h1only, DisableCompression: true}, seen: map[string]int{}}
	exerciseStream(t, clientWith(endpoint, h1), "tls-h1")
	h1.only(t, "HTTP/1.1 alpn=") // an HTTP/1.1-only Go client offers no ALPN

	// "localhost" is in the certificate too.
	_, port, _ := net.SplitHostPort(s.Addr)
	byName := &protoRecorder{inner: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true}, seen: map[string]int{}}
	if _, err := clientWith("https://localhost:"+port, byName).ListStreams(ctx(t), &kinesis.ListStreamsInput{}); err != nil {
		t.Fatalf("ListStreams via https://localhost: %v", err)
	}

	s.Stop()
	s2 := startServer(t, dir, "--tls-self-signed")
	again, err := os.ReadFile(certFile)
	if err != nil || !bytes.Equal(again, certPEM) {
		t.Fatalf("restart replaced the self-signed certificate (err %v)", err)
	}
	if _, err := clientWith("https://"+s2.Addr, h2).ListStreams(ctx(t), &kinesis.ListStreamsInput{}); err != nil {
		t.Fatalf("ListStreams after restart: %v", err)
	}
}

// TestTLSSelfSignedInMemory: with --in-memory the certificate goes to a temp
// dir named in the log, removed when the server stops.
func TestTLSSelfSignedInMemory(t *testing.T) {
	s := startServer(t, t.TempDir(), "--in-memory", "--tls-self-signed")
	m := regexp.MustCompile(`\bcert=("[^"]+"|\S+)`).FindStringSubmatch(s.Output())
	if m == nil {
		t.Fatalf("the log does not say where the certificate is:\n%s", s.Output())
	}
	certFile := m[1]
	if certFile[0] == '"' {
		certFile = certFile[1 : len(certFile)-1]
	}
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatalf("certificate named in the log: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certPEM)
	rec := &protoRecorder{inner: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true}, seen: map[string]int{}}
	if _, err := clientWith("https://"+s.Addr, rec).ListStreams(ctx(t), &kinesis.ListStreamsInput{}); err != nil {
		t.Fatalf("ListStreams: %v", err)
	}
	rec.only(t, "HTTP/2.0 alpn=h2")
	s.Stop()
	if _, err := os.Stat(filepath.Dir(certFile)); !os.IsNotExist(err) {
		t.Fatalf("temp certificate dir %s still there after stop (%v)", filepath.Dir(certFile), err)
	}
}
