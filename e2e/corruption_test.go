package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// The corruption table: for each kind of file in the data directory
// (segment, index, catalog, keys) the server is stopped, the file damaged
// the way a disk or a crash damages it, and the server restarted. The byte
// layouts are in docs/format/log.md and docs/format/catalog.md; what each
// case must do is in docs/durability.md.

// runUntilExit starts the server on dataDir expecting it to refuse to start:
// it returns the exit code and the output. It fails the test if the server
// gets ready.
func runUntilExit(t *testing.T, dataDir string, extraArgs ...string) (int, string) {
	t.Helper()
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir,
		"--region", testRegion, "--account-id", testAccount}, extraArgs...)
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(c, runnelBin, args...)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if readyLine.Match(out) {
		t.Fatalf("server started over damaged data:\n%s", out)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("server did not exit with an error (%v):\n%s", err, out)
	}
	return ee.ExitCode(), string(out)
}

// httpStatus is the HTTP status of a failed call, 0 if none.
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// shardSegments returns the segment files of shard (0-based) of the only
// stream in the log whose shard count is shards, oldest first.
func shardSegments(t *testing.T, dataDir string, shards, shard int) []string {
	t.Helper()
	streams, err := filepath.Glob(filepath.Join(dataDir, "log", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, s := range streams {
		dirs, _ := filepath.Glob(filepath.Join(s, "??????????"))
		if len(dirs) != shards {
			continue
		}
		segs, _ := filepath.Glob(filepath.Join(s, fmt.Sprintf("%010d", shard), "*.seg"))
		sort.Strings(segs)
		if found != nil {
			t.Fatalf("two streams with %d shards in %s", shards, dataDir)
		}
		found = segs
	}
	if len(found) == 0 {
		t.Fatalf("no segment of shard %d of a %d-shard stream under %s", shard, shards, dataDir)
	}
	return found
}

// frameOffsets returns the offset of every frame of a segment file (32-byte
// header, then frames starting with their u32 length).
func frameOffsets(t *testing.T, b []byte) []int {
	t.Helper()
	var offs []int
	for p := 32; p+4 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[p:]))
		if n < 26 || p+n > len(b) {
			t.Fatalf("fixture segment: frame at %d of length %d", p, n)
		}
		offs = append(offs, p)
		p += n
	}
	return offs
}

func putTo(t *testing.T, c *kinesis.Client, stream, hashKey, data string) string {
	t.Helper()
	out, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String(stream), PartitionKey: aws.String("pk"),
		ExplicitHashKey: aws.String(hashKey), Data: []byte(data)})
	if err != nil {
		t.Fatalf("PutRecord %s: %v", stream, err)
	}
	return aws.ToString(out.SequenceNumber)
}

func recordData(recs []types.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = string(r.Data)
	}
	return out
}

// upperHashKey is a hash key in the upper half of the range (shard 1 of 2).
var upperHashKey = new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 127), big.NewInt(12345)).String()

func TestCorruptionSegmentTornTail(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startServer(t, dir, zeroDelays...)
	createStream(t, srv.client(), "torn", 1)
	for i := range 10 {
		putTo(t, srv.client(), "torn", "0", fmt.Sprint("rec-", i))
	}
	srv.Stop()
	seg := shardSegments(t, dir, 1, 0)[0]
	before, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	// Half a frame: a length promising 200 bytes, then 30 of them.
	torn := binary.LittleEndian.AppendUint32(nil, 200)
	torn = append(torn, bytes.Repeat([]byte{0xAB}, 30)...)
	if err := os.WriteFile(seg, append(bytes.Clone(before), torn...), 0o644); err != nil {
		t.Fatal(err)
	}
	srv = startServer(t, dir, zeroDelays...)
	c := srv.client()
	waitActive(t, c, "torn")
	if !strings.Contains(srv.Output(), "cutting torn tail") || !strings.Contains(srv.Output(), seg) {
		t.Fatalf("no log line about the torn tail of %s:\n%s", seg, srv.Output())
	}
	if after, _ := os.ReadFile(seg); !bytes.Equal(after, before) {
		t.Fatalf("segment is %d bytes after recovery, want the %d intact ones", len(after), len(before))
	}
	putTo(t, c, "torn", "0", "after")
	got := recordData(readShard(t, c, "torn", "shardId-000000000000"))
	if len(got) != 11 || got[0] != "rec-0" || got[9] != "rec-9" || got[10] != "after" {
		t.Fatalf("records after a torn tail was cut: %v", got)
	}
	srv.Stop()
}

// TestCorruptionSegmentMiddle damages a frame in the middle of a segment
// (bad CRC, bad length): reads that need it fail with InternalFailure, the
// records before it stay readable, nothing is truncated, and the stream's
// other shard, another stream and new writes keep working.
func TestCorruptionSegmentMiddle(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		damage func(b []byte, off int)
	}{
		{"bad CRC", func(b []byte, off int) { b[off+30] ^= 0xFF }},
		{"bad length", func(b []byte, off int) { binary.LittleEndian.PutUint32(b[off:], 0x7FFFFFF0) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			srv := startServer(t, dir, zeroDelays...)
			c := srv.client()
			createStream(t, c, "hurt", 2)
			createStream(t, c, "fine", 1)
			var seqs []string
			for i := range 10 {
				seqs = append(seqs, putTo(t, c, "hurt", "0", fmt.Sprint("low-", i)))
				putTo(t, c, "hurt", upperHashKey, fmt.Sprint("high-", i))
				putTo(t, c, "fine", "0", fmt.Sprint("fine-", i))
			}
			srv.Stop()
			seg := shardSegments(t, dir, 2, 0)[0]
			b, err := os.ReadFile(seg)
			if err != nil {
				t.Fatal(err)
			}
			offs := frameOffsets(t, b)
			tc.damage(b, offs[3]) // the 4th record
			if err := os.WriteFile(seg, b, 0o644); err != nil {
				t.Fatal(err)
			}

			srv = startServer(t, dir, zeroDelays...)
			c = srv.client()
			waitActive(t, c, "hurt")
			if !strings.Contains(srv.Output(), "corrupt segment") || !strings.Contains(srv.Output(), seg) {
				t.Fatalf("no log line naming the corrupt segment %s:\n%s", seg, srv.Output())
			}
			if m := scrapeMetrics(t, srv.Endpoint); m["runnel_log_corruptions_total"] < 1 {
				t.Fatalf("runnel_log_corruptions_total = %v after a corrupt segment was found", m["runnel_log_corruptions_total"])
			}
			// From TRIM_HORIZON: the 3 records before the damage, then an
			// error, never a skip.
			it, err := c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: aws.String("hurt"),
				ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
			if err != nil {
				t.Fatal(err)
			}
			out, err := c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
			if err != nil {
				t.Fatalf("GetRecords before the damage: %v", err)
			}
			if got := recordData(out.Records); fmt.Sprint(got) != "[low-0 low-1 low-2]" {
				t.Fatalf("records before the damage: %v", got)
			}
			_, err = c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: out.NextShardIterator})
			requireErrorType(t, err, "InternalFailure")
			if s := httpStatus(err); s != 500 {
				t.Fatalf("reading into the damage: HTTP %d, want 500", s)
			}
			// Starting past the damage needs to pass it too.
			it, err = c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: aws.String("hurt"),
				ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber,
				StartingSequenceNumber: aws.String(seqs[6])})
			if err == nil {
				_, err = c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
			}
			requireErrorType(t, err, "InternalFailure")
			// Everything else keeps working.
			if got := recordData(readShard(t, c, "hurt", "shardId-000000000001")); len(got) != 10 {
				t.Fatalf("the other shard returns %v", got)
			}
			if got := recordData(readShard(t, c, "fine", "shardId-000000000000")); len(got) != 10 {
				t.Fatalf("the other stream returns %v", got)
			}
			putTo(t, c, "hurt", "0", "after-damage")
			putTo(t, c, "fine", "0", "after-damage")
			if after, _ := os.ReadFile(seg); !bytes.Equal(after, b) {
				t.Fatalf("the damaged segment was changed (%d bytes, was %d): corruption must never be truncated", len(after), len(b))
			}
			srv.Stop()
		})
	}
}

// TestCorruptionIndex makes a sealed segment's .idx disagree with its
// segment (garbage, a wrong record count under a valid checksum, missing):
// it is rebuilt from the segment and every record reads back.
func TestCorruptionIndex(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startServer(t, dir, zeroDelays...)
	c := srv.client()
	createStream(t, c, "idx", 1)
	// 66 records of 1000 KiB fill the first 64 MiB segment; it rolls.
	big := bytes.Repeat([]byte("i"), 1000<<10)
	for i := range 66 {
		copy(big, fmt.Sprintf("big-%02d-", i))
		if _, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("idx"), PartitionKey: aws.String("pk"), Data: big}); err != nil {
			t.Fatal(err)
		}
	}
	putTo(t, c, "idx", "0", "small")
	srv.Stop()
	segs := shardSegments(t, dir, 1, 0)
	if len(segs) < 2 {
		t.Fatalf("%d segments; want a sealed one", len(segs))
	}
	idx := strings.TrimSuffix(segs[0], ".seg") + ".idx"
	orig, err := os.ReadFile(idx)
	if err != nil {
		t.Fatal(err)
	}
	wrongCount := bytes.Clone(orig) // "next index" + 5, checksum recomputed
	binary.LittleEndian.PutUint64(wrongCount[16:], binary.LittleEndian.Uint64(wrongCount[16:])+5)
	end := len(wrongCount) - 4
	binary.LittleEndian.PutUint32(wrongCount[end:], crc32.Checksum(wrongCount[:end], crc32.MakeTable(crc32.Castagnoli)))
	for _, tc := range []struct {
		name   string
		damage func() error
		log    string
	}{
		{"garbage", func() error { return os.WriteFile(idx, []byte("not an index"), 0o644) }, "segment index inconsistent, rebuilding"},
		{"wrong record count", func() error { return os.WriteFile(idx, wrongCount, 0o644) }, "segment index inconsistent, rebuilding"},
		{"missing", func() error { return os.Remove(idx) }, "segment index unreadable, rebuilding"},
	} {
		if err := tc.damage(); err != nil {
			t.Fatal(err)
		}
		srv = startServer(t, dir, zeroDelays...)
		c = srv.client()
		waitActive(t, c, "idx")
		recs := readShard(t, c, "idx", "shardId-000000000000")
		if len(recs) != 67 || !strings.HasPrefix(string(recs[65].Data), "big-65-") || string(recs[66].Data) != "small" {
			t.Fatalf("%s: %d records after rebuilding the index", tc.name, len(recs))
		}
		if !strings.Contains(srv.Output(), tc.log) {
			t.Fatalf("%s: no %q log line:\n%s", tc.name, tc.log, srv.Output())
		}
		srv.Stop()
		if now, _ := os.ReadFile(idx); !bytes.Equal(now, orig) {
			t.Fatalf("%s: the rebuilt index differs from the original", tc.name)
		}
	}
}

// TestCorruptionCatalogAndKeys damages the catalog and the key files: the
// server refuses to start with a message naming the file, never starts
// empty over existing data, and starts again, data intact, once the file
// is restored.
func TestCorruptionCatalogAndKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startServer(t, dir, zeroDelays...)
	c := srv.client()
	createStream(t, c, "keep", 1)
	putTo(t, c, "keep", "0", "precious")
	if _, err := c.StartStreamEncryption(ctx(t), &kinesis.StartStreamEncryptionInput{StreamName: aws.String("keep"),
		EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "keep")
	putTo(t, c, "keep", "0", "sealed")
	srv.Stop()
	catalog := filepath.Join(dir, "catalog")
	for _, tc := range []struct {
		file   string
		damage func(b []byte) []byte // nil: remove the file
		want   []string              // in the refusal message
	}{
		{"catalog", func(b []byte) []byte { b[len(b)-3] ^= 0x01; return b }, []string{catalog, "corrupt", "CRC32C"}},
		{"catalog", func(b []byte) []byte { return b[:len(b)/2] }, []string{catalog, "corrupt"}},
		{"catalog", func(b []byte) []byte { return nil }, []string{catalog, "corrupt"}},
		{"catalog", nil, []string{catalog, "missing"}},
		{"server.key", func(b []byte) []byte { return b[:7] }, []string{filepath.Join(dir, "server.key")}},
		{"master.key", func(b []byte) []byte { return b[:7] }, []string{filepath.Join(dir, "master.key")}},
		{"master.key", func(b []byte) []byte { b[3] ^= 0x01; return b }, []string{"does not unwrap with this master key"}},
	} {
		path := filepath.Join(dir, tc.file)
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if tc.damage == nil {
			err = os.Remove(path)
		} else {
			err = os.WriteFile(path, tc.damage(bytes.Clone(orig)), 0o600)
		}
		if err != nil {
			t.Fatal(err)
		}
		code, out := runUntilExit(t, dir, zeroDelays...)
		if code == 0 {
			t.Fatalf("%s damaged: exit code 0", tc.file)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Fatalf("%s damaged: the refusal does not mention %q:\n%s", tc.file, w, out)
			}
		}
		if err := os.WriteFile(path, orig, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	srv = startServer(t, dir, zeroDelays...)
	if got := recordData(readShard(t, srv.client(), "keep", "shardId-000000000000")); fmt.Sprint(got) != "[precious sealed]" {
		t.Fatalf("after restoring the files: %v", got)
	}
	srv.Stop()
}
