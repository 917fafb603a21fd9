package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// TestIteratorSurvivesRestart: shard iterators are sealed with the server
// key kept in the data dir, so one issued before a restart still reads
// after it (within its 5 minutes), and continues where it was.
func TestIteratorSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startServer(t, dir, zeroDelays...)
	c := srv.client()
	createStream(t, c, "s", 1)
	putOne(t, c, "s", "k", []byte("one"))
	it, err := c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String(shardID(0)), ShardIteratorType: "TRIM_HORIZON"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil || len(first.Records) != 1 {
		t.Fatalf("before restart: %v, %v", first, err)
	}
	putOne(t, c, "s", "k", []byte("two"))
	srv.Stop()

	srv = startServer(t, dir, zeroDelays...)
	c = srv.client()
	again, err := c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatalf("iterator issued before the restart: %v", err)
	}
	if len(again.Records) != 2 || string(again.Records[0].Data) != "one" {
		t.Fatalf("iterator from before the restart read %d records", len(again.Records))
	}
	next, err := c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: first.NextShardIterator})
	if err != nil || len(next.Records) != 1 || string(next.Records[0].Data) != "two" {
		t.Fatalf("NextShardIterator from before the restart: %v, %v", next, err)
	}
}
