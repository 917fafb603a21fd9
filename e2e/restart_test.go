package e2e

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// shardSnapshot is what a stream's shards held when last read.
type shardSnapshot map[string][]types.Record // shard id -> records

func snapshot(t *testing.T, c *kinesis.Client, stream string) shardSnapshot {
	t.Helper()
	snap := shardSnapshot{}
	for _, sh := range describeShards(t, c, stream) {
		snap[aws.ToString(sh.ShardId)] = readShard(t, c, stream, aws.ToString(sh.ShardId))
	}
	return snap
}

func sameRecords(t *testing.T, what string, got, want shardSnapshot) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d shards; want %d", what, len(got), len(want))
	}
	for id, w := range want {
		g := got[id]
		if len(g) != len(w) {
			t.Fatalf("%s %s: %d records; want %d", what, id, len(g), len(w))
		}
		for i := range w {
			if aws.ToString(g[i].SequenceNumber) != aws.ToString(w[i].SequenceNumber) ||
				aws.ToString(g[i].PartitionKey) != aws.ToString(w[i].PartitionKey) ||
				!bytes.Equal(g[i].Data, w[i].Data) ||
				!aws.ToTime(g[i].ApproximateArrivalTimestamp).Equal(aws.ToTime(w[i].ApproximateArrivalTimestamp)) {
				t.Fatalf("%s %s record %d differs: got seq %s pk %q %d bytes at %v; want seq %s pk %q %d bytes at %v", what, id, i,
					aws.ToString(g[i].SequenceNumber), aws.ToString(g[i].PartitionKey), len(g[i].Data), aws.ToTime(g[i].ApproximateArrivalTimestamp),
					aws.ToString(w[i].SequenceNumber), aws.ToString(w[i].PartitionKey), len(w[i].Data), aws.ToTime(w[i].ApproximateArrivalTimestamp))
			}
		}
	}
}

// fill writes n records of random sizes and bytes through both put APIs.
func fill(t *testing.T, c *kinesis.Client, stream string, n int, rng *rand.Rand) {
	t.Helper()
	payload := func(i int) []byte {
		sizes := []int{0, 1, 100, 4096, 70_000}
		b := make([]byte, 1+sizes[rng.IntN(len(sizes))])
		for j := range b {
			b[j] = byte(rng.UintN(256))
		}
		b[0] = byte(i)
		return b
	}
	for i := 0; i < n; {
		if rng.IntN(2) == 0 {
			putOne(t, c, stream, fmt.Sprintf("pk-%d", rng.IntN(1000)), payload(i))
			i++
			continue
		}
		batch := make([]types.PutRecordsRequestEntry, min(1+rng.IntN(20), n-i))
		for j := range batch {
			batch[j] = types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprintf("pk-%d", rng.IntN(1000))), Data: payload(i + j)}
		}
		out, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: batch})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToInt32(out.FailedRecordCount) != 0 {
			t.Fatalf("PutRecords: %d failed", aws.ToInt32(out.FailedRecordCount))
		}
		i += len(batch)
	}
}

func TestRestartKeepsEverything(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startServer(t, dir, zeroDelays...)
	c := srv.client()
	rng := rand.New(rand.NewPCG(1, 2))

	createStream(t, c, "one", 1)
	createStream(t, c, "three", 3)
	_, err := c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String("tagged"), ShardCount: aws.Int32(4), Tags: map[string]string{"team": "data"}})
	if err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "tagged")
	if _, err := c.AddTagsToStream(ctx(t), &kinesis.AddTagsToStreamInput{StreamName: aws.String("tagged"), Tags: map[string]string{"env": "e2e"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.IncreaseStreamRetentionPeriod(ctx(t), &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("tagged"), RetentionPeriodHours: aws.Int32(72)}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "tagged")
	createStream(t, c, "deleted", 1)
	putOne(t, c, "deleted", "k", []byte("gone"))
	if _, err := c.DeleteStream(ctx(t), &kinesis.DeleteStreamInput{StreamName: aws.String("deleted")}); err != nil {
		t.Fatal(err)
	}
	waitGone(t, c, "deleted")

	streams := []string{"one", "tagged", "three"}
	for _, s := range streams {
		fill(t, c, s, 150, rng)
	}
	want := map[string]shardSnapshot{}
	for _, s := range streams {
		want[s] = snapshot(t, c, s)
	}
	created := map[string]*types.StreamDescriptionSummary{}
	for _, s := range streams {
		created[s] = waitActive(t, c, s)
	}

	check := func(t *testing.T, c *kinesis.Client, round string) {
		t.Helper()
		ls, err := c.ListStreams(ctx(t), &kinesis.ListStreamsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"one", "tagged", "three"}; !slices.Equal(ls.StreamNames, want) {
			t.Fatalf("%s: streams %v; want %v", round, ls.StreamNames, want)
		}
		for _, s := range streams {
			sum := waitActive(t, c, s)
			w := created[s]
			if aws.ToInt32(sum.RetentionPeriodHours) != aws.ToInt32(w.RetentionPeriodHours) ||
				aws.ToInt32(sum.OpenShardCount) != aws.ToInt32(w.OpenShardCount) ||
				!aws.ToTime(sum.StreamCreationTimestamp).Equal(aws.ToTime(w.StreamCreationTimestamp)) ||
				aws.ToString(sum.StreamARN) != aws.ToString(w.StreamARN) {
				t.Fatalf("%s: %s summary changed: retention %d shards %d created %v; want %d %d %v", round, s,
					aws.ToInt32(sum.RetentionPeriodHours), aws.ToInt32(sum.OpenShardCount), aws.ToTime(sum.StreamCreationTimestamp),
					aws.ToInt32(w.RetentionPeriodHours), aws.ToInt32(w.OpenShardCount), aws.ToTime(w.StreamCreationTimestamp))
			}
			sameRecords(t, round+" "+s, snapshot(t, c, s), want[s])
		}
		if r := aws.ToInt32(created["tagged"].RetentionPeriodHours); r != 72 {
			t.Fatalf("retention before restart %d; want 72", r)
		}
		tags, err := c.ListTagsForStream(ctx(t), &kinesis.ListTagsForStreamInput{StreamName: aws.String("tagged")})
		if err != nil {
			t.Fatal(err)
		}
		if got := tagMap(tags.Tags); !mapsEqual(got, map[string]string{"team": "data", "env": "e2e"}) {
			t.Fatalf("%s: tags %v", round, got)
		}
		_, err = c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("deleted")})
		requireError(t, err, "ResourceNotFoundException", notFoundMessage("deleted"))
	}

	srv.Stop()
	srv = startServer(t, dir, zeroDelays...)
	c = srv.client()
	check(t, c, "after restart 1")

	// New records continue each shard's sequence above every old one.
	for _, s := range streams {
		for id, recs := range want[s] {
			if len(recs) == 0 {
				continue
			}
			last := aws.ToString(recs[len(recs)-1].SequenceNumber)
			shards := describeShards(t, c, s)
			var hashKey *string
			for _, sh := range shards {
				if aws.ToString(sh.ShardId) == id {
					hashKey = sh.HashKeyRange.StartingHashKey
				}
			}
			out, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String(s), PartitionKey: aws.String("after"), ExplicitHashKey: hashKey, Data: []byte("after-restart")})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(out.ShardId) != id || !seqLess(t, last, aws.ToString(out.SequenceNumber)) {
				t.Fatalf("%s %s: new record got %s %s; want a sequence above %s", s, id, aws.ToString(out.ShardId), aws.ToString(out.SequenceNumber), last)
			}
		}
		want[s] = snapshot(t, c, s)
	}

	srv.Stop()
	srv = startServer(t, dir, zeroDelays...)
	check(t, srv.client(), "after restart 2")
	srv.Stop()
}

func TestInMemoryMode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	args := append([]string{"--in-memory"}, zeroDelays...)
	srv := startServer(t, dir, args...)
	c := srv.client()
	createStream(t, c, "mem", 2)
	fill(t, c, "mem", 100, rand.New(rand.NewPCG(3, 4)))
	snap := snapshot(t, c, "mem")
	total := 0
	for _, recs := range snap {
		total += len(recs)
	}
	if total != 100 {
		t.Fatalf("in-memory stream holds %d records; want 100", total)
	}
	srv.Stop()

	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != dir {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 0 {
		t.Fatalf("--in-memory wrote to the data dir: %v", files)
	}
	// Nor anywhere else: the working directory the server ran in is empty.
	if entries, err := os.ReadDir(srv.WorkDir); err != nil || len(entries) != 0 {
		t.Fatalf("--in-memory server left %d entries in its working directory (%v)", len(entries), err)
	}

	// Nothing survives an in-memory server.
	srv = startServer(t, dir, args...)
	ls, err := srv.client().ListStreams(ctx(t), &kinesis.ListStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ls.StreamNames) != 0 {
		t.Fatalf("a new in-memory server lists %v", ls.StreamNames)
	}
	srv.Stop()
}
