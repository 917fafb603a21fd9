package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// TestAccountsAreIsolated: with two accounts in the credentials file, a
// stream belongs to its account; the other account neither sees it by name
// nor touches it by ARN, until the stream's resource policy allows that
// account a given action — and an explicit Deny still wins.
func TestAccountsAreIsolated(t *testing.T) {
	t.Parallel()
	const alice, bob = "111111111111", "222222222222"
	credsFile := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(credsFile, []byte("AKIDALICE alice-secret "+alice+"\nAKIDBOB bob-secret "+bob+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startFastServer(t, "--credentials", credsFile)
	a := clientWithKeys(srv.Endpoint, "AKIDALICE", "alice-secret")
	b := clientWithKeys(srv.Endpoint, "AKIDBOB", "bob-secret")
	createStream(t, a, "shared", 1)
	arn := "arn:aws:kinesis:us-east-1:" + alice + ":stream/shared"

	if out, err := b.ListStreams(ctx(t), &kinesis.ListStreamsInput{}); err != nil || len(out.StreamNames) != 0 {
		t.Fatalf("bob lists %v (%v); want none of alice's streams", out.StreamNames, err)
	}
	_, err := b.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("shared")})
	if _, msg := requireErrorType(t, err, "ResourceNotFoundException"); msg != "Stream shared under account "+bob+" not found." {
		t.Fatalf("bob by name: %q", msg)
	}
	put := func(c *kinesis.Client) error {
		_, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamARN: aws.String(arn), PartitionKey: aws.String("k"), Data: []byte("from bob")})
		return err
	}
	_, msg := requireErrorType(t, put(b), "AccessDeniedException")
	if want := "User: arn:aws:iam::" + bob + ":root is not authorized to perform: kinesis:PutRecord on resource: " + arn + " because no resource-based policy allows the kinesis:PutRecord action"; msg != want {
		t.Fatalf("bob by ARN without a policy:\n got %q\nwant %q", msg, want)
	}

	policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":["kinesis:PutRecord","kinesis:Describe*","kinesis:DeleteStream"],"Resource":"%s"},
		{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"kinesis:DeleteStream","Resource":"%s"}]}`, bob, arn, bob, arn)
	if _, err := a.PutResourcePolicy(ctx(t), &kinesis.PutResourcePolicyInput{ResourceARN: aws.String(arn), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	if err := put(b); err != nil {
		t.Fatalf("bob's PutRecord allowed by the policy: %v", err)
	}
	sum, err := b.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamARN: aws.String(arn)})
	if err != nil || aws.ToString(sum.StreamDescriptionSummary.StreamARN) != arn {
		t.Fatalf("bob describes alice's stream by ARN: %v %v", sum, err)
	}
	_, err = b.DeleteStream(ctx(t), &kinesis.DeleteStreamInput{StreamARN: aws.String(arn)})
	if _, msg := requireErrorType(t, err, "AccessDeniedException"); msg != "User: arn:aws:iam::"+bob+":root is not authorized to perform: kinesis:DeleteStream on resource: "+arn+" with an explicit deny in a resource-based policy" {
		t.Fatalf("explicit deny: %q", msg)
	}
	if _, err := b.IncreaseStreamRetentionPeriod(ctx(t), &kinesis.IncreaseStreamRetentionPeriodInput{StreamARN: aws.String(arn), RetentionPeriodHours: aws.Int32(48)}); err == nil {
		t.Fatal("bob changed retention, which the policy does not allow")
	}
	// Alice reads bob's record: it landed in her stream.
	recs := readShard(t, a, "shared", shardID(0))
	if len(recs) != 1 || string(recs[0].Data) != "from bob" {
		t.Fatalf("alice reads %d records", len(recs))
	}
	// A stream of the same name in bob's account is a different stream.
	createStream(t, b, "shared", 2)
	if got := describeShards(t, a, "shared"); len(got) != 1 {
		t.Fatalf("alice's stream has %d shards after bob created his own", len(got))
	}
}
