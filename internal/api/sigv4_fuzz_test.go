package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// fuzzSigRequest builds the request FuzzParseSignature checks: fixed
// method, path, content type and target; the rest from the fuzzer.
func fuzzSigRequest(auth, amzDate, rawQuery, host string) *http.Request {
	r := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/", RawQuery: rawQuery}, Header: http.Header{}, Host: host}
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	if amzDate != "" {
		r.Header.Set("X-Amz-Date", amzDate)
	}
	return r
}

// FuzzParseSignature throws arbitrary Authorization headers, X-Amz-Date
// values, query strings (presigned form), hosts and bodies at checkAuth,
// parseSignature and Authenticate: none may panic, every refusal is a 4xx
// with a __type, and a request is accepted only with a signature the SDK's
// signer made over that very body.
func FuzzParseSignature(f *testing.F) {
	const body = `{}`
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: "AKIDFUZZ", SecretAccessKey: "secret"}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	r := fuzzSigRequest("", "", "", "127.0.0.1:4567")
	if err := signer.SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "kinesis", "us-east-1", sigNow); err != nil {
		f.Fatal(err)
	}
	validSigs := map[string]bool{}
	_, sig, _ := strings.Cut(r.Header.Get("Authorization"), "Signature=")
	validSigs[sig] = true
	f.Add(r.Header.Get("Authorization"), r.Header.Get("X-Amz-Date"), "", "127.0.0.1:4567", []byte(body))

	p := fuzzSigRequest("", "", "X-Amz-Expires=300", "127.0.0.1:4567")
	presigned, _, err := signer.PresignHTTP(context.Background(), creds, p, hex.EncodeToString(sum[:]), "kinesis", "us-east-1", sigNow)
	if err != nil {
		f.Fatal(err)
	}
	pu, _ := url.Parse(presigned)
	validSigs[pu.Query().Get("X-Amz-Signature")] = true
	f.Add("", "", pu.RawQuery, "127.0.0.1:4567", []byte(body))

	f.Add("AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20261125/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "20261125T120000Z", "", "h", []byte(`{"a":1}`))
	f.Add("AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=;;;, Signature=", "2026", "", "", []byte(nil))
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20261125/us-east-1/kinesis/aws4_request", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=0", "", []byte(body))
	f.Add("HMAC Credential=a", "x", "%zz&X-Amz-Credential=%", "::", []byte{0xff})

	a := NewAuthenticator([]Credential{{AccessKeyID: "AKIDFUZZ", SecretAccessKey: "secret", AccountID: "000000000000"}}, "us-east-1", func() time.Time { return sigNow })
	if _, e := a.Authenticate(fuzzSigRequest(r.Header.Get("Authorization"), r.Header.Get("X-Amz-Date"), "", "127.0.0.1:4567"), []byte(body)); e != nil {
		f.Fatalf("the signed seed is refused: %v", e)
	}
	if _, e := a.Authenticate(fuzzSigRequest("", "", pu.RawQuery, "127.0.0.1:4567"), []byte(body)); e != nil {
		f.Fatalf("the presigned seed is refused: %v", e)
	}
	f.Fuzz(func(t *testing.T, auth, amzDate, rawQuery, host string, reqBody []byte) {
		r := fuzzSigRequest(auth, amzDate, rawQuery, host)
		shaped := func(what string, e *apiError) {
			if e != nil && (e.Type == "" || e.Status < 400 || e.Status > 499) {
				t.Fatalf("%s: %+v is not an AWS-shaped 4xx", what, e)
			}
		}
		if e := checkAuth(r); e != nil {
			shaped("checkAuth", e)
			return // the handler stops here
		}
		_, e := parseSignature(r)
		shaped("parseSignature", e)
		_, e = a.Authenticate(r, reqBody)
		shaped("Authenticate", e)
		if e != nil {
			return
		}
		got := r.URL.Query().Get("X-Amz-Signature")
		if auth != "" {
			_, got, _ = strings.Cut(auth, "Signature=")
		}
		if !validSigs[got] || string(reqBody) != body {
			t.Fatalf("accepted a request the signer never signed: auth %q date %q query %q host %q body %q", auth, amzDate, rawQuery, host, reqBody)
		}
	})
}
