package harness

import (
	"io"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

const (
	region    = "us-east-1"
	accessKey = "AKIDRUNNELBENCH"
	secretKey = "runnelbench-secret"
	// httpTimeout bounds one HTTP exchange, whatever the caller's context.
	httpTimeout = 2 * time.Minute
)

// Client is a Kinesis client for one endpoint with its own connection pool.
type Client struct {
	*kinesis.Client
	transport *http.Transport
}

// NewClient returns a client for endpoint tuned for conns concurrent
// callers: a pool keeping at least conns idle connections, no proxy, no
// compression, no retries, static credentials, region us-east-1.
func NewClient(endpoint string, conns int) *Client {
	transport := &http.Transport{
		Proxy:                 nil, // loopback only, whatever HTTP_PROXY says
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          2 * conns,
		MaxIdleConnsPerHost:   2 * conns,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: httpTimeout,
		DisableCompression:    true,
	}
	client := kinesis.New(kinesis.Options{
		Region:           region,
		Credentials:      aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")),
		BaseEndpoint:     aws.String(endpoint),
		HTTPClient:       &http.Client{Transport: hideBodyWriterTo{transport}, Timeout: httpTimeout},
		RetryMaxAttempts: 1,
	})
	return &Client{Client: client, transport: transport}
}

// Close drops the idle connections.
func (c *Client) Close() { c.transport.CloseIdleConnections() }

// hideBodyWriterTo works around a smithy-go race on fast loopback servers:
// the SDK closes the request body when the response headers arrive and its
// WriteTo then reports io.EOF as an error, which makes net/http's write
// loop close the connection under a large response still being read. With
// WriteTo hidden, net/http reads the body and sees a clean EOF. (The e2e
// harness carries the same fix and a longer explanation.)
type hideBodyWriterTo struct{ inner http.RoundTripper }

func (h hideBodyWriterTo) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body = struct{ io.ReadCloser }{req.Body}
	}
	return h.inner.RoundTrip(req)
}
