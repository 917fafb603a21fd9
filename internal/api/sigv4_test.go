package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

var sigNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// signedRequest builds a request the way the Go SDK sends it and signs it.
func signedRequest(t *testing.T, akid, secret, region string, at time.Time, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4567/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.0")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, r, hex.EncodeToString(sum[:]), "kinesis", region, at); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAuthenticate(t *testing.T) {
	a := NewAuthenticator([]Credential{{"AKIDALICE", "alice-secret", "111111111111"}, {"AKIDBOB", "bob-secret", "222222222222"}}, "us-east-1", func() time.Time { return sigNow })
	cases := []struct {
		name    string
		req     func() *http.Request
		body    string
		account string
		typ     string
		msg     string
	}{
		{"alice", func() *http.Request { return signedRequest(t, "AKIDALICE", "alice-secret", "us-east-1", sigNow, "{}") }, "{}", "111111111111", "", ""},
		{"bob, 4 minutes old", func() *http.Request {
			return signedRequest(t, "AKIDBOB", "bob-secret", "us-east-1", sigNow.Add(-4*time.Minute), "{}")
		}, "{}", "222222222222", "", ""},
		{"unknown key", func() *http.Request { return signedRequest(t, "AKIDEVE", "x", "us-east-1", sigNow, "{}") }, "{}", "", "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"wrong secret", func() *http.Request { return signedRequest(t, "AKIDALICE", "guess", "us-east-1", sigNow, "{}") }, "{}", "", "InvalidSignatureException", "The request signature we calculated does not match"},
		{"body changed after signing", func() *http.Request {
			return signedRequest(t, "AKIDALICE", "alice-secret", "us-east-1", sigNow, `{"Limit":1}`)
		}, `{"Limit":2}`, "", "InvalidSignatureException", "The request signature we calculated does not match"},
		{"signed header changed", func() *http.Request {
			r := signedRequest(t, "AKIDALICE", "alice-secret", "us-east-1", sigNow, "{}")
			r.Header.Set("X-Amz-Target", "Kinesis_20131202.DeleteStream")
			return r
		}, "{}", "", "InvalidSignatureException", "The request signature we calculated does not match"},
		{"unsigned header changed", func() *http.Request {
			r := signedRequest(t, "AKIDALICE", "alice-secret", "us-east-1", sigNow, "{}")
			r.Header.Set("User-Agent", "something else")
			return r
		}, "{}", "111111111111", "", ""},
		{"expired", func() *http.Request {
			return signedRequest(t, "AKIDALICE", "alice-secret", "us-east-1", sigNow.Add(-6*time.Minute), "{}")
		}, "{}", "", "InvalidSignatureException", "Signature expired: 20261125T115400Z is now earlier than 20261125T115500Z (20261125T120000Z - 5 min.)"},
		{"from the future", func() *http.Request {
			return signedRequest(t, "AKIDALICE", "alice-secret", "us-east-1", sigNow.Add(6*time.Minute), "{}")
		}, "{}", "", "InvalidSignatureException", "Signature not yet current"},
		{"other region", func() *http.Request {
			return signedRequest(t, "AKIDALICE", "alice-secret", "eu-west-1", sigNow, "{}")
		}, "{}", "", "InvalidSignatureException", "Credential should be scoped to a valid region."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cred, aerr := a.Authenticate(tc.req(), []byte(tc.body))
			if tc.typ == "" {
				if aerr != nil {
					t.Fatalf("refused: %v", aerr)
				}
				if cred.AccountID != tc.account {
					t.Fatalf("account %s, want %s", cred.AccountID, tc.account)
				}
				return
			}
			if aerr == nil || aerr.Type != tc.typ || !strings.HasPrefix(aerr.Message, tc.msg) {
				t.Fatalf("got %v, want %s %q", aerr, tc.typ, tc.msg)
			}
		})
	}
}

func TestAuthenticatePresigned(t *testing.T) {
	a := NewAuthenticator([]Credential{{"AKIDALICE", "alice-secret", "111111111111"}}, "us-east-1", func() time.Time { return sigNow.Add(30 * time.Second) })
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4567/?X-Amz-Expires=60", nil)
	r.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
	sum := sha256.Sum256([]byte("{}"))
	signedURL, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIDALICE", SecretAccessKey: "alice-secret"}, r, hex.EncodeToString(sum[:]), "kinesis", "us-east-1", sigNow)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, signedURL, strings.NewReader("{}"))
	for k, v := range hdr {
		req.Header[k] = v
	}
	if _, aerr := a.Authenticate(req, []byte("{}")); aerr != nil {
		t.Fatalf("presigned request refused: %v", aerr)
	}
	late := NewAuthenticator([]Credential{{"AKIDALICE", "alice-secret", "111111111111"}}, "us-east-1", func() time.Time { return sigNow.Add(2 * time.Minute) })
	if _, aerr := late.Authenticate(req, []byte("{}")); aerr == nil || aerr.Message != "Request has expired" {
		t.Fatalf("expired presigned request: %v", aerr)
	}
}
