package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// TestFullDiskRealFilesystem runs the server on a 24 MiB tmpfs (skipped
// where mounting is not allowed). A ballast file takes part of it; writes
// fill the rest until PutRecord fails with an AWS-shaped 5xx. While the
// disk is full reads keep working and a catalog update fails cleanly; once
// the ballast is removed writes succeed again without a restart, and after
// a restart every acknowledged record is there.
func TestFullDiskRealFilesystem(t *testing.T) {
	mnt := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a size-limited tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { // runs after the server's cleanup (LIFO)
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", mnt, err, out)
		}
	})
	ballast := filepath.Join(mnt, "ballast")
	if err := os.WriteFile(ballast, bytes.Repeat([]byte{1}, 8<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(mnt, "data")
	srv := startServer(t, dir, zeroDelays...)
	c := srv.client()
	createStream(t, c, "full", 1)

	payload := bytes.Repeat([]byte("f"), 100<<10)
	var acked []string
	var fullErr error
	for i := range 400 {
		d := fmt.Sprintf("rec-%04d-", i)
		copy(payload, d)
		_, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("full"), PartitionKey: aws.String("pk"), Data: payload})
		if err != nil {
			fullErr = err
			break
		}
		acked = append(acked, d)
	}
	if fullErr == nil {
		t.Fatal("400 records of 100 KiB fitted on a 24 MiB disk")
	}
	code, _ := requireErrorType(t, fullErr, "InternalFailure", "ServiceUnavailable")
	if s := httpStatus(fullErr); s != 500 && s != 503 {
		t.Fatalf("PutRecord on a full disk: %s with HTTP %d, want 500 or 503", code, s)
	}
	t.Logf("disk full after %d acknowledged records: %s (HTTP %d)", len(acked), code, httpStatus(fullErr))
	// Still full: PutRecords fails whole, as AWS does for an internal error.
	_, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("full"), Records: []types.PutRecordsRequestEntry{
		{PartitionKey: aws.String("pk"), Data: payload}, {PartitionKey: aws.String("pk"), Data: payload},
	}})
	if err == nil {
		t.Fatal("PutRecords succeeded on a full disk")
	}
	requireErrorType(t, err, "InternalFailure", "ServiceUnavailable")
	// A catalog update either fails with a 5xx and leaves no trace, or
	// succeeds and stays (a small document may still fit).
	_, tagErr := c.AddTagsToStream(ctx(t), &kinesis.AddTagsToStreamInput{StreamName: aws.String("full"), Tags: map[string]string{"disk": "full"}})
	if tagErr != nil {
		requireErrorType(t, tagErr, "InternalFailure", "ServiceUnavailable")
	}
	tags, err := c.ListTagsForStream(ctx(t), &kinesis.ListTagsForStreamInput{StreamName: aws.String("full")})
	if err != nil {
		t.Fatalf("ListTagsForStream on a full disk: %v", err)
	}
	if (len(tags.Tags) == 1) != (tagErr == nil) {
		t.Fatalf("AddTagsToStream returned %v but the stream has %d tags", tagErr, len(tags.Tags))
	}
	t.Logf("AddTagsToStream on the full disk: %v", tagErr)
	// Reads keep working.
	checkPrefixes(t, readShard(t, c, "full", "shardId-000000000000"), acked, "while the disk is full")

	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	for i := range 5 { // no restart: the same shard takes writes again
		d := fmt.Sprintf("after-%d-", i)
		copy(payload, d)
		if _, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("full"), PartitionKey: aws.String("pk"), Data: payload}); err != nil {
			t.Fatalf("PutRecord once space is back: %v", err)
		}
		acked = append(acked, d)
	}
	srv.Stop()
	srv = startServer(t, dir, zeroDelays...)
	checkPrefixes(t, readShard(t, srv.client(), "full", "shardId-000000000000"), acked, "after a restart")
	srv.Stop()
}

// checkPrefixes requires recs to be exactly the records whose data start
// with want, in order.
func checkPrefixes(t *testing.T, recs []types.Record, want []string, when string) {
	t.Helper()
	if len(recs) != len(want) {
		t.Fatalf("%s: %d records, want the %d acknowledged", when, len(recs), len(want))
	}
	for i, r := range recs {
		if !bytes.HasPrefix(r.Data, []byte(want[i])) {
			t.Fatalf("%s: record %d starts %q, want %q", when, i, r.Data[:min(len(r.Data), 16)], want[i])
		}
	}
}
