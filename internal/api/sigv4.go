package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Credential is one access key the server accepts and the account it
// belongs to.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	AccountID       string
}

// Authenticator verifies SigV4 signatures (Authorization header or
// presigned query) for service kinesis. It recomputes the signature with
// the AWS SDK for Go v2's signer over the headers the client says it signed.
type Authenticator struct {
	creds  map[string]Credential
	region string
	now    func() time.Time
	signer *v4.Signer
}

// Clock skew AWS tolerates between the signature time and its own.
const maxClockSkew = 5 * time.Minute

const (
	sigAlgorithm = "AWS4-HMAC-SHA256"
	amzDateFmt   = "20060102T150405Z"
	serviceName  = "kinesis"
)

// NewAuthenticator accepts exactly the given credentials, for region.
func NewAuthenticator(creds []Credential, region string, now func() time.Time) *Authenticator {
	a := &Authenticator{creds: make(map[string]Credential, len(creds)), region: region, now: now,
		signer: v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })}
	if a.now == nil {
		a.now = time.Now
	}
	for _, c := range creds {
		a.creds[c.AccessKeyID] = c
	}
	return a
}

// sigParts is a parsed SigV4 signature, from the header or the query.
type sigParts struct {
	accessKey, date, region, service string
	signedHeaders                    []string
	signature                        string
	amzDate                          string
	presigned                        bool
	expires                          time.Duration
}

// Authenticate checks r's signature over body and returns the credential
// that made it. checkAuth has already refused unsigned and half-signed
// requests, so the parts are present.
func (a *Authenticator) Authenticate(r *http.Request, body []byte) (Credential, *apiError) {
	p, aerr := parseSignature(r)
	if aerr != nil {
		return Credential{}, aerr
	}
	cred, ok := a.creds[p.accessKey]
	if !ok {
		return Credential{}, newError("UnrecognizedClientException", http.StatusBadRequest, "The security token included in the request is invalid.")
	}
	if p.service != serviceName {
		return Credential{}, invalidSignature(fmt.Sprintf("Credential should be scoped to correct service: '%s'. ", serviceName))
	}
	if p.region != a.region {
		return Credential{}, invalidSignature("Credential should be scoped to a valid region. ")
	}
	signed, err := time.Parse(amzDateFmt, p.amzDate)
	if err != nil {
		return Credential{}, newError("IncompleteSignatureException", http.StatusBadRequest, fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", p.amzDate))
	}
	if p.date != p.amzDate[:8] {
		return Credential{}, invalidSignature(fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", p.date, p.amzDate[:8], p.amzDate))
	}
	now := a.now().UTC()
	switch {
	case p.presigned && now.After(signed.Add(p.expires)):
		return Credential{}, newError("AccessDeniedException", http.StatusForbidden, "Request has expired")
	case !p.presigned && signed.Before(now.Add(-maxClockSkew)):
		return Credential{}, invalidSignature(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 5 min.)", p.amzDate, now.Add(-maxClockSkew).Format(amzDateFmt), now.Format(amzDateFmt)))
	case signed.After(now.Add(maxClockSkew)):
		return Credential{}, invalidSignature(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 5 min.)", p.amzDate, now.Add(maxClockSkew).Format(amzDateFmt), now.Format(amzDateFmt)))
	}
	want, err := a.expectedSignature(r, body, p, cred, signed)
	if err != nil {
		return Credential{}, invalidSignature("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	if !hmac.Equal([]byte(want), []byte(p.signature)) {
		return Credential{}, invalidSignature("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	return cred, nil
}

func invalidSignature(msg string) *apiError {
	return newError("InvalidSignatureException", http.StatusBadRequest, msg)
}

// expectedSignature signs a copy of r that carries only the headers the
// client signed, at the client's time, and returns the signature.
func (a *Authenticator) expectedSignature(r *http.Request, body []byte, p sigParts, cred Credential, signed time.Time) (string, error) {
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	u := *r.URL
	u.Scheme, u.Host = "http", r.Host
	q := u.Query()
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"} {
		q.Del(k)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequest(r.Method, u.String(), nil)
	if err != nil {
		return "", err
	}
	for _, h := range p.signedHeaders {
		switch h {
		case "host":
			req.Host = r.Host
		case "content-length":
			// The signer adds it from ContentLength, and only then.
			req.ContentLength = int64(len(body))
		default:
			req.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	creds := aws.Credentials{AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.SecretAccessKey}
	if tok := r.Header.Get("X-Amz-Security-Token"); tok != "" {
		creds.SessionToken = tok
	} else if tok := r.URL.Query().Get("X-Amz-Security-Token"); tok != "" {
		creds.SessionToken = tok
	}
	if p.presigned {
		q := req.URL.Query()
		q.Set("X-Amz-Expires", r.URL.Query().Get("X-Amz-Expires"))
		req.URL.RawQuery = q.Encode()
		signedURL, _, err := a.signer.PresignHTTP(context.Background(), creds, req, payloadHash, p.service, p.region, signed)
		if err != nil {
			return "", err
		}
		parsed, err := url.Parse(signedURL)
		if err != nil {
			return "", err
		}
		return parsed.Query().Get("X-Amz-Signature"), nil
	}
	if err := a.signer.SignHTTP(context.Background(), creds, req, payloadHash, p.service, p.region, signed); err != nil {
		return "", err
	}
	_, sig, _ := strings.Cut(req.Header.Get("Authorization"), "Signature=")
	return sig, nil
}

// parseSignature reads the SigV4 parts from the Authorization header or,
// for a presigned request, the query string.
func parseSignature(r *http.Request) (sigParts, *apiError) {
	var p sigParts
	var credential, signedHeaders string
	if auth := r.Header.Get("Authorization"); auth != "" {
		alg, rest, _ := strings.Cut(auth, " ")
		if alg != sigAlgorithm {
			return p, newError("IncompleteSignatureException", http.StatusBadRequest, fmt.Sprintf("Unsupported AWS 'algorithm': '%s'.", alg))
		}
		for _, kv := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
			switch k {
			case "Credential":
				credential = v
			case "SignedHeaders":
				signedHeaders = v
			case "Signature":
				p.signature = v
			}
		}
		p.amzDate = r.Header.Get("X-Amz-Date")
	} else {
		q := r.URL.Query()
		if alg := q.Get("X-Amz-Algorithm"); alg != sigAlgorithm {
			return p, newError("IncompleteSignatureException", http.StatusBadRequest, fmt.Sprintf("Unsupported AWS 'algorithm': '%s'.", alg))
		}
		credential, signedHeaders, p.signature, p.amzDate = q.Get("X-Amz-Credential"), q.Get("X-Amz-SignedHeaders"), q.Get("X-Amz-Signature"), q.Get("X-Amz-Date")
		p.presigned = true
		secs, err := time.ParseDuration(q.Get("X-Amz-Expires") + "s")
		if err != nil || secs <= 0 || secs > 7*24*time.Hour {
			return p, newError("AuthorizationQueryParametersError", http.StatusBadRequest, "X-Amz-Expires must be a number of seconds between 1 and 604800.")
		}
		p.expires = secs
	}
	scope := strings.Split(credential, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" || scope[0] == "" {
		return p, newError("IncompleteSignatureException", http.StatusBadRequest, fmt.Sprintf("Credential should be scoped to a valid region. Credential: %s", credential))
	}
	p.accessKey, p.date, p.region, p.service = scope[0], scope[1], scope[2], scope[3]
	p.signedHeaders = strings.Split(strings.ToLower(signedHeaders), ";")
	return p, nil
}
