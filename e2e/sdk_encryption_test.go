package e2e

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// grepDir lists the files under dir that contain needle.
func grepDir(t *testing.T, dir string, needle []byte) []string {
	t.Helper()
	var hits []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err == nil && bytes.Contains(data, needle) {
			hits = append(hits, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

// TestSDKStreamEncryption starts and stops encryption with the Go SDK,
// checks every answer's EncryptionType, proves the encrypted records'
// plaintext is nowhere in the data directory, reads everything back after a
// restart, and shows a wrong master key stops the server from starting.
func TestSDKStreamEncryption(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir, zeroDelays...)
	c := srv.client()
	const stream = "enc"
	createStream(t, c, stream, 1)
	name := aws.String(stream)

	put := func(pk, data string, want types.EncryptionType) {
		t.Helper()
		out, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String(pk), Data: []byte(data)})
		if err != nil {
			t.Fatalf("PutRecord %s: %v", data, err)
		}
		if out.EncryptionType != want {
			t.Fatalf("PutRecord %s: EncryptionType %q, want %q", data, out.EncryptionType, want)
		}
	}
	put("plain-pk-1", "plain-data-1", types.EncryptionTypeNone)

	_, err := c.StartStreamEncryption(ctx(t), &kinesis.StartStreamEncryptionInput{StreamName: name, EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("not a key")})
	requireError(t, err, "KMSNotFoundException", "Invalid keyId not a key")
	_, err = c.StartStreamEncryption(ctx(t), &kinesis.StartStreamEncryptionInput{StreamName: name, EncryptionType: types.EncryptionTypeNone, KeyId: aws.String("alias/aws/kinesis")})
	requireErrorType(t, err, "InvalidArgumentException")

	if _, err := c.StartStreamEncryption(ctx(t), &kinesis.StartStreamEncryptionInput{StreamARN: aws.String(streamARN(stream)), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")}); err != nil {
		t.Fatal(err)
	}
	sum := waitActive(t, c, stream)
	if sum.EncryptionType != types.EncryptionTypeKms || aws.ToString(sum.KeyId) != "alias/aws/kinesis" {
		t.Fatalf("DescribeStreamSummary after start: %s %q", sum.EncryptionType, aws.ToString(sum.KeyId))
	}
	d, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: name})
	if err != nil || d.StreamDescription.EncryptionType != types.EncryptionTypeKms || aws.ToString(d.StreamDescription.KeyId) != "alias/aws/kinesis" {
		t.Fatalf("DescribeStream after start: %+v %v", d, err)
	}
	put("SECRET-PK-CANARY-1", "SECRET-DATA-CANARY-1", types.EncryptionTypeKms)
	batch, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: name, Records: []types.PutRecordsRequestEntry{
		{PartitionKey: aws.String("SECRET-PK-CANARY-2"), Data: []byte("SECRET-DATA-CANARY-2")},
	}})
	if err != nil || batch.EncryptionType != types.EncryptionTypeKms {
		t.Fatalf("PutRecords while encrypted: %+v %v", batch, err)
	}

	if _, err := c.StopStreamEncryption(ctx(t), &kinesis.StopStreamEncryptionInput{StreamName: name, EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")}); err != nil {
		t.Fatal(err)
	}
	if sum := waitActive(t, c, stream); sum.EncryptionType != types.EncryptionTypeNone || sum.KeyId != nil {
		t.Fatalf("DescribeStreamSummary after stop: %s %v", sum.EncryptionType, sum.KeyId)
	}
	put("plain-pk-2", "plain-data-2", types.EncryptionTypeNone)

	type rec struct {
		pk, data string
		enc      types.EncryptionType
	}
	want := []rec{
		{"plain-pk-1", "plain-data-1", ""},
		{"SECRET-PK-CANARY-1", "SECRET-DATA-CANARY-1", types.EncryptionTypeKms},
		{"SECRET-PK-CANARY-2", "SECRET-DATA-CANARY-2", types.EncryptionTypeKms},
		{"plain-pk-2", "plain-data-2", ""},
	}
	check := func(what string, c *kinesis.Client) {
		t.Helper()
		got := readShard(t, c, stream, "shardId-000000000000")
		if len(got) != len(want) {
			t.Fatalf("%s: %d records, want %d", what, len(got), len(want))
		}
		for i, w := range want {
			g := rec{aws.ToString(got[i].PartitionKey), string(got[i].Data), got[i].EncryptionType}
			if g != w {
				t.Fatalf("%s: record %d = %+v, want %+v", what, i, g, w)
			}
		}
	}
	check("before restart", c)
	srv.Stop()

	info, err := os.Stat(filepath.Join(dir, "master.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("master.key: %v %v, want mode 0600", info, err)
	}
	for _, needle := range []string{"SECRET-DATA-CANARY-", "SECRET-PK-CANARY-"} {
		if hits := grepDir(t, dir, []byte(needle)); len(hits) > 0 {
			t.Errorf("plaintext %q of encrypted records found in %v", needle, hits)
		}
	}
	if hits := grepDir(t, dir, []byte("plain-data-1")); len(hits) == 0 {
		t.Error("plaintext of an unencrypted record found nowhere: the grep does not see the log")
	}

	srv = startServer(t, dir, zeroDelays...)
	check("after restart", srv.client())
	srv.Stop()

	// The data dir's key replaced by another one given with --master-key-file:
	// the server refuses to start and says why.
	wrong := filepath.Join(t.TempDir(), "wrong.key")
	if err := os.WriteFile(wrong, bytes.Repeat([]byte{1}, 32), 0o600); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	cmd := exec.CommandContext(runCtx, runnelBin, "serve", "--listen", "127.0.0.1:0", "--data-dir", dir, "--master-key-file", wrong)
	cmd.Dir = t.TempDir()
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RUNNEL_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out), "master key") {
		t.Fatalf("start with a wrong master key: %v, output:\n%s\nwant exit code 1 naming the master key", err, out)
	}
}
