package baseline_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/runnel-io/runnel/bench/baseline"
)

// TestHandlerWithSDK drives every operation the benchmark uses through the
// real SDK client and checks the canned answers decode as expected.
func TestHandlerWithSDK(t *testing.T) {
	srv := httptest.NewServer(baseline.NewHandler()) // 127.0.0.1
	defer srv.Close()
	client := kinesis.New(kinesis.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
		BaseEndpoint:     aws.String(srv.URL),
		RetryMaxAttempts: 1,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := aws.String("s")

	if _, err := client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: name, ShardCount: aws.Int32(4)}); err != nil {
		t.Fatalf("CreateStream: %v", err)
	}
	summary, err := client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: name})
	if err != nil {
		t.Fatalf("DescribeStreamSummary: %v", err)
	}
	if got := summary.StreamDescriptionSummary; got.StreamStatus != types.StreamStatusActive || aws.ToInt32(got.OpenShardCount) != baseline.ShardCount {
		t.Errorf("DescribeStreamSummary = %s with %d shards; want ACTIVE with %d", got.StreamStatus, aws.ToInt32(got.OpenShardCount), baseline.ShardCount)
	}
	shards, err := client.ListShards(ctx, &kinesis.ListShardsInput{StreamName: name})
	if err != nil || len(shards.Shards) != baseline.ShardCount {
		t.Fatalf("ListShards = %v, %v; want %d shards", shards, err, baseline.ShardCount)
	}
	if end := aws.ToString(shards.Shards[baseline.ShardCount-1].HashKeyRange.EndingHashKey); end != "340282366920938463463374607431768211455" {
		t.Errorf("last shard ends at %s; want 2^128-1", end)
	}
	entries := make([]types.PutRecordsRequestEntry, 7)
	for i := range entries {
		entries[i] = types.PutRecordsRequestEntry{Data: []byte("x"), PartitionKey: aws.String("k")}
	}
	put, err := client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: name, Records: entries})
	if err != nil || len(put.Records) != len(entries) || aws.ToInt32(put.FailedRecordCount) != 0 {
		t.Fatalf("PutRecords = %+v, %v; want %d successes", put, err, len(entries))
	}
	if _, err := client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, Data: []byte("x"), PartitionKey: aws.String("k")}); err != nil {
		t.Fatalf("PutRecord: %v", err)
	}
	it, err := client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: name, ShardId: shards.Shards[0].ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil || aws.ToString(it.ShardIterator) == "" {
		t.Fatalf("GetShardIterator = %v, %v", it, err)
	}
	got, err := client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil || len(got.Records) != 0 || got.NextShardIterator == nil {
		t.Fatalf("GetRecords = %+v, %v; want no records and a next iterator", got, err)
	}
	if _, err := client.ListStreams(ctx, &kinesis.ListStreamsInput{}); err == nil {
		t.Error("ListStreams succeeded; want UnknownOperationException")
	}
}

func TestHandlerRejectsBadJSON(t *testing.T) {
	srv := httptest.NewServer(baseline.NewHandler())
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL, http.NoBody)
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.PutRecords")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("empty body: status %d; want 400", resp.StatusCode)
	}
}
