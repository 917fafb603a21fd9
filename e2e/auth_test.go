package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// clientWithKeys is newClient with other credentials.
func clientWithKeys(endpoint, akid, secret string) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region:           testRegion,
		Credentials:      credentials.NewStaticCredentialsProvider(akid, secret, ""),
		BaseEndpoint:     aws.String(endpoint),
		Retryer:          aws.NopRetryer{},
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Timeout: callTimeout, Transport: hideBodyWriterTo{&http.Transport{}}},
	})
}

// TestCredentialsFileRequiresValidSignatures: with --credentials, only
// requests signed with a listed key and its secret are served, by the Go
// SDK and by the aws CLI (botocore's signer) alike.
func TestCredentialsFileRequiresValidSignatures(t *testing.T) {
	t.Parallel()
	credsFile := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(credsFile, []byte("# test accounts\n"+testAccessKey+" "+testSecretKey+" 000000000000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startFastServer(t, "--credentials", credsFile)
	c := srv.client()
	createStream(t, c, "signed", 1)
	if _, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("signed"), PartitionKey: aws.String("k"), Data: []byte("x")}); err != nil {
		t.Fatalf("correctly signed PutRecord: %v", err)
	}

	_, err := clientWithKeys(srv.Endpoint, testAccessKey, "not-the-secret").ListStreams(ctx(t), &kinesis.ListStreamsInput{})
	code, msg := requireErrorType(t, err, "InvalidSignatureException")
	if !strings.HasPrefix(msg, "The request signature we calculated does not match the signature you provided.") {
		t.Fatalf("%s: %q", code, msg)
	}
	_, err = clientWithKeys(srv.Endpoint, "AKIDUNKNOWN", "whatever").ListStreams(ctx(t), &kinesis.ListStreamsInput{})
	if _, msg := requireErrorType(t, err, "UnrecognizedClientException"); msg != "The security token included in the request is invalid." {
		t.Fatalf("unknown key: %q", msg)
	}

	cli := newAWSCLI(t, srv.Endpoint)
	if out, stderr, code := cli.run("put-record", "--stream-name", "signed", "--partition-key", "p", "--data", "from-cli"); code != 0 || !strings.Contains(out, "SequenceNumber") {
		t.Fatalf("aws CLI put-record with valid credentials: exit %d\n%s\n%s", code, out, stderr)
	}
	bad := newAWSCLI(t, srv.Endpoint)
	bad.env = append(bad.env, "AWS_SECRET_ACCESS_KEY=wrong")
	if _, stderr, code := bad.run("list-streams"); code == 0 || !strings.Contains(stderr, "InvalidSignatureException") {
		t.Fatalf("aws CLI with a wrong secret: exit %d, %s", code, stderr)
	}
}
