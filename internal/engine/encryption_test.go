package engine_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/runnel-io/runnel/internal/engine"
)

// openWithMasterKey opens the rig's stores with a given master key and an
// update delay, so UPDATING can be seen.
func (r *rig) openWithMasterKey(t *testing.T, master []byte) (*engine.Engine, error) {
	t.Helper()
	return engine.New(engine.Config{
		Region: "us-east-1", AccountID: "000000000000",
		CreateDelay: 500 * time.Millisecond, DeleteDelay: 500 * time.Millisecond, UpdateDelay: 500 * time.Millisecond,
		Key: r.key, MasterKey: master, Now: r.clock.Now,
	}, r.logs, r.catalog)
}

func newEncRig(t *testing.T, master []byte) *rig {
	t.Helper()
	r := newRig(t)
	e, err := r.openWithMasterKey(t, master)
	if err != nil {
		t.Fatal(err)
	}
	r.e = e
	return r
}

type readRecord struct {
	pk, data  string
	encrypted bool
}

// readAll reads every shard of a stream from TRIM_HORIZON, in shard order.
func readAll(t *testing.T, e *engine.Engine, stream string) []readRecord {
	t.Helper()
	ref := engine.StreamRef{Name: stream}
	d, err := e.DescribeStream(ctx, ref, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []readRecord
	for _, sh := range d.Shards {
		it, err := e.GetShardIterator(ctx, engine.GetShardIteratorInput{Stream: ref, ShardID: sh.ShardID, Type: engine.TrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.GetRecords(ctx, it, 0)
		if err != nil {
			t.Fatalf("GetRecords %s: %v", sh.ShardID, err)
		}
		for i, rec := range res.Records {
			enc := res.Encrypted != nil && res.Encrypted[i]
			out = append(out, readRecord{rec.PartitionKey, string(rec.Data), enc})
		}
	}
	return out
}

func put(t *testing.T, e *engine.Engine, stream, pk, data string) engine.PutResult {
	t.Helper()
	res, err := e.PutRecord(ctx, engine.StreamRef{Name: stream}, engine.PutEntry{PartitionKey: pk, Data: []byte(data)}, "")
	if err != nil {
		t.Fatalf("PutRecord %s: %v", data, err)
	}
	return res
}

func TestEncryptionStartPutStopPutRead(t *testing.T) {
	master := bytes.Repeat([]byte{9}, 32)
	r := newEncRig(t, master)
	r.createActive(t, "s", 1)
	ref := engine.StreamRef{Name: "s"}

	if res := put(t, r.e, "s", "k-plain", "before"); res.Encrypted {
		t.Fatal("record put before StartStreamEncryption reported encrypted")
	}
	if err := r.e.StartStreamEncryption(ctx, ref, engine.EncryptionKMS, "alias/aws/kinesis"); err != nil {
		t.Fatal(err)
	}
	sum, _ := r.e.DescribeStreamSummary(ctx, ref)
	if sum.Status != engine.StatusUpdating || sum.EncryptionType != "KMS" || sum.KeyID != "alias/aws/kinesis" {
		t.Fatalf("after start: %+v", sum)
	}
	// Writes keep working while UPDATING, already encrypted.
	if res := put(t, r.e, "s", "k-secret", "during"); !res.Encrypted {
		t.Fatal("record put while encryption is on not reported encrypted")
	}
	r.clock.Advance(time.Second)
	put(t, r.e, "s", "k-secret", "after-start")
	if err := r.e.StopStreamEncryption(ctx, ref, engine.EncryptionKMS, "alias/aws/kinesis"); err != nil {
		t.Fatal(err)
	}
	sum, _ = r.e.DescribeStreamSummary(ctx, ref)
	if sum.Status != engine.StatusUpdating || sum.EncryptionType != "NONE" || sum.KeyID != "" {
		t.Fatalf("after stop: %+v", sum)
	}
	if res := put(t, r.e, "s", "k-plain", "after-stop"); res.Encrypted {
		t.Fatal("record put after StopStreamEncryption reported encrypted")
	}
	want := []readRecord{
		{"k-plain", "before", false}, {"k-secret", "during", true},
		{"k-secret", "after-start", true}, {"k-plain", "after-stop", false},
	}
	if got := readAll(t, r.e, "s"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("read back %v, want %v", got, want)
	}

	// A restart with the same master key reads everything back.
	r.clock.Advance(time.Second)
	if err := r.e.StartStreamEncryption(ctx, ref, engine.EncryptionKMS, "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012"); err != nil {
		t.Fatal(err)
	}
	put(t, r.e, "s", "k-secret", "second-key")
	want = append(want, readRecord{"k-secret", "second-key", true})
	if err := r.e.Close(); err != nil {
		t.Fatal(err)
	}
	e2, err := r.openWithMasterKey(t, master)
	if err != nil {
		t.Fatalf("reopen with the same master key: %v", err)
	}
	if got := readAll(t, e2, "s"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after restart read back %v, want %v", got, want)
	}
	sum, _ = e2.DescribeStreamSummary(ctx, ref)
	if sum.EncryptionType != "KMS" || !strings.HasSuffix(sum.KeyID, ":key/12345678-1234-1234-1234-123456789012") {
		t.Fatalf("after restart: %+v", sum)
	}
	if res := put(t, e2, "s", "k", "post-restart"); !res.Encrypted {
		t.Fatal("encryption not on after restart")
	}
	if err := e2.Close(); err != nil {
		t.Fatal(err)
	}

	// A wrong master key: the engine refuses to open, naming the cause,
	// rather than serve records it cannot decrypt.
	_, err = r.openWithMasterKey(t, bytes.Repeat([]byte{8}, 32))
	if err == nil || !strings.Contains(err.Error(), "master key") {
		t.Fatalf("open with a wrong master key: %v, want a refusal naming the master key", err)
	}
}

func TestEncryptionInheritedByReshardChildren(t *testing.T) {
	r := newEncRig(t, nil)
	r.createActive(t, "s", 1)
	ref := engine.StreamRef{Name: "s"}
	put(t, r.e, "s", "a", "parent-plain")
	if err := r.e.StartStreamEncryption(ctx, ref, engine.EncryptionKMS, "12345678-1234-1234-1234-123456789012"); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Second)
	put(t, r.e, "s", "a", "parent-secret")
	if err := r.e.SplitShard(ctx, ref, "shardId-000000000000", "170141183460469231731687303715884105728"); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Second)
	for i := range 4 {
		if res := put(t, r.e, "s", fmt.Sprint("key", i), fmt.Sprint("child", i)); !res.Encrypted || res.ShardID == "shardId-000000000000" {
			t.Fatalf("put after split: %+v", res)
		}
	}
	got := readAll(t, r.e, "s")
	if len(got) != 6 || got[0] != (readRecord{"a", "parent-plain", false}) || got[1] != (readRecord{"a", "parent-secret", true}) {
		t.Fatalf("read back %v", got)
	}
	for _, rec := range got[2:] {
		if !rec.encrypted || !strings.HasPrefix(rec.data, "child") || !strings.HasPrefix(rec.pk, "key") {
			t.Fatalf("child record %+v", rec)
		}
	}
}

func TestEncryptionRequestChecks(t *testing.T) {
	r := newEncRig(t, nil)
	r.createActive(t, "s", 1)
	ref := engine.StreamRef{Name: "s"}
	good := []string{
		"alias/aws/kinesis", "alias/MyAliasName", "12345678-1234-1234-1234-123456789012",
		"mrk-1234abcd12ab34cd56ef1234567890ab",
		"arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012",
		"arn:aws:kms:us-east-1:123456789012:alias/MyAliasName",
	}
	for _, id := range good {
		if err := r.e.StartStreamEncryption(ctx, ref, engine.EncryptionKMS, id); err != nil {
			t.Fatalf("KeyId %s refused: %v", id, err)
		}
		r.clock.Advance(time.Second)
	}
	bad := []struct{ id, msg string }{
		{"foo", "Invalid keyId foo"},
		{"alias/", "Invalid keyId alias/"},
		{"12345678-1234-1234-1234-12345678901", "Invalid keyId 12345678-1234-1234-1234-12345678901"},
		{"arn:aws:kms:us-east-1:123456789012:key/nope", "Invalid keyId arn:aws:kms:us-east-1:123456789012:key/nope"},
		{"arn:aws:s3:::bucket", "Invalid keyId arn:aws:s3:::bucket"},
		{"alias/aws/s3", "Alias arn:aws:kms:us-east-1:000000000000:alias/aws/s3 is not found."},
	}
	for _, b := range bad {
		wantErr(t, r.e.StartStreamEncryption(ctx, ref, engine.EncryptionKMS, b.id), engine.KindKMSNotFound, b.msg)
	}
	wantErr(t, r.e.StartStreamEncryption(ctx, ref, engine.EncryptionNone, "alias/aws/kinesis"), engine.KindInvalidArgument,
		"Invalid EncryptionType NONE used in StartStreamEncryption. The only valid value is KMS.")
	wantErr(t, r.e.StopStreamEncryption(ctx, ref, engine.EncryptionNone, "alias/aws/kinesis"), engine.KindInvalidArgument,
		"Invalid EncryptionType NONE used in StopStreamEncryption. The only valid value is KMS.")
	wantErr(t, r.e.StartStreamEncryption(ctx, engine.StreamRef{Name: "nope"}, engine.EncryptionKMS, "alias/aws/kinesis"), engine.KindNotFound,
		"Stream nope under account 000000000000 not found.")
	if err := r.e.StopStreamEncryption(ctx, ref, engine.EncryptionKMS, "alias/aws/kinesis"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, r.e.StartStreamEncryption(ctx, ref, engine.EncryptionKMS, "alias/aws/kinesis"), engine.KindInUse,
		"Stream s under account 000000000000 not ACTIVE, instead in state UPDATING")
}

func TestEncryptionFailedSaveChangesNothing(t *testing.T) {
	r := newRig(t)
	fc := &failingCatalog{CatalogStore: r.catalog, n: 1}
	r.catalog = fc
	e, err := r.openWithMasterKey(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.e = e
	r.createActive(t, "s", 1)
	ref := engine.StreamRef{Name: "s"}
	if err := r.e.StartStreamEncryption(ctx, ref, engine.EncryptionKMS, "alias/aws/kinesis"); err == nil {
		t.Fatal("StartStreamEncryption succeeded although the catalog could not be saved")
	}
	sum, _ := r.e.DescribeStreamSummary(ctx, ref)
	if sum.EncryptionType != "NONE" || sum.Status != engine.StatusActive {
		t.Fatalf("after failed save: %+v", sum)
	}
	if res := put(t, r.e, "s", "k", "v"); res.Encrypted {
		t.Fatal("record encrypted after a failed StartStreamEncryption")
	}
}
