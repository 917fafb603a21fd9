package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// TestSemanticErrorWording checks, through the Go SDK, the exact __type
// and message of the semantic errors the issue lists, in the wording of
// shared/reference/kinesis-api.md (kinesalite's AWS-observed messages):
// stream, shard and account wording, the ExplicitHashKey range, a
// StartingSequenceNumber of another shard, retention bounds, and merging
// shards that are not adjacent.
func TestSemanticErrorWording(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	c := srv.client()
	createStream(t, c, "sem", 3)
	const maxHashKey = "340282366920938463463374607431768211455"

	t.Run("stream not found", func(t *testing.T) {
		_, err := c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("nope")})
		requireError(t, err, "ResourceNotFoundException", "Stream nope under account "+testAccount+" not found.")
	})
	t.Run("stream exists", func(t *testing.T) {
		_, err := c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String("sem"), ShardCount: aws.Int32(1)})
		requireError(t, err, "ResourceInUseException", "Stream sem under account "+testAccount+" already exists.")
	})
	t.Run("shard not found", func(t *testing.T) {
		_, err := c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: aws.String("sem"), ShardId: aws.String("shardId-000000000009"), ShardIteratorType: types.ShardIteratorTypeLatest})
		requireError(t, err, "ResourceNotFoundException", "Shard shardId-000000000009 in stream sem under account "+testAccount+" does not exist")
	})
	t.Run("ExplicitHashKey out of range", func(t *testing.T) {
		_, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("sem"), PartitionKey: aws.String("k"), Data: []byte("x"),
			ExplicitHashKey: aws.String("340282366920938463463374607431768211456")})
		requireError(t, err, "InvalidArgumentException", "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was 340282366920938463463374607431768211456")
	})
	t.Run("StartingSequenceNumber of another shard", func(t *testing.T) {
		put, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("sem"), PartitionKey: aws.String("k"), Data: []byte("x"), ExplicitHashKey: aws.String(maxHashKey)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(put.ShardId) != "shardId-000000000002" {
			t.Fatalf("the top hash key went to %s", aws.ToString(put.ShardId))
		}
		_, err = c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: aws.String("sem"), ShardId: aws.String("shardId-000000000000"),
			ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: put.SequenceNumber})
		requireError(t, err, "InvalidArgumentException", "Invalid StartingSequenceNumber. It encodes shardId-000000000002, while it was used in a call to a shard with shardId-000000000000")
	})
	t.Run("iterator type without a sequence number", func(t *testing.T) {
		_, err := c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: aws.String("sem"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeAfterSequenceNumber})
		requireError(t, err, "InvalidArgumentException", "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified AFTER_SEQUENCE_NUMBER and no StartingSequenceNumber.")
	})
	t.Run("retention bounds", func(t *testing.T) {
		_, err := c.IncreaseStreamRetentionPeriod(ctx(t), &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("sem"), RetentionPeriodHours: aws.Int32(8761)})
		requireError(t, err, "InvalidArgumentException", "Maximum allowed retention period is 8760 hours. Requested retention period (8761 hours) is too long.")
		_, err = c.DecreaseStreamRetentionPeriod(ctx(t), &kinesis.DecreaseStreamRetentionPeriodInput{StreamName: aws.String("sem"), RetentionPeriodHours: aws.Int32(23)})
		requireError(t, err, "InvalidArgumentException", "Minimum allowed retention period is 24 hours. Requested retention period (23 hours) is too short.")
		if _, err := c.IncreaseStreamRetentionPeriod(ctx(t), &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("sem"), RetentionPeriodHours: aws.Int32(48)}); err != nil {
			t.Fatal(err)
		}
		waitActive(t, c, "sem")
		_, err = c.IncreaseStreamRetentionPeriod(ctx(t), &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("sem"), RetentionPeriodHours: aws.Int32(30)})
		requireError(t, err, "InvalidArgumentException", "Requested retention period (30 hours) for stream sem can not be shorter than existing retention period (48 hours). Use DecreaseRetentionPeriod API.")
		_, err = c.DecreaseStreamRetentionPeriod(ctx(t), &kinesis.DecreaseStreamRetentionPeriodInput{StreamName: aws.String("sem"), RetentionPeriodHours: aws.Int32(72)})
		requireError(t, err, "InvalidArgumentException", "Requested retention period (72 hours) for stream sem can not be longer than existing retention period (48 hours). Use IncreaseRetentionPeriod API.")
	})
	t.Run("merge of shards that are not adjacent", func(t *testing.T) {
		_, err := c.MergeShards(ctx(t), &kinesis.MergeShardsInput{StreamName: aws.String("sem"), ShardToMerge: aws.String("shardId-000000000000"), AdjacentShardToMerge: aws.String("shardId-000000000002")})
		requireError(t, err, "InvalidArgumentException", "Shards shardId-000000000000 and shardId-000000000002 in stream sem under account "+testAccount+" are not an adjacent pair of shards eligible for merging")
	})
	t.Run("split outside the parent's range", func(t *testing.T) {
		_, err := c.SplitShard(ctx(t), &kinesis.SplitShardInput{StreamName: aws.String("sem"), ShardToSplit: aws.String("shardId-000000000002"), NewStartingHashKey: aws.String("1")})
		requireError(t, err, "InvalidArgumentException", "NewStartingHashKey 1 used in SplitShard() on shard shardId-000000000002 in stream sem under account "+testAccount+
			" is not both greater than one plus the shard's StartingHashKey 226854911280625642308916404954512140970 and less than the shard's EndingHashKey "+maxHashKey+".")
	})
	t.Run("ListShards without a stream or token", func(t *testing.T) {
		_, err := c.ListShards(ctx(t), &kinesis.ListShardsInput{})
		requireError(t, err, "InvalidArgumentException", "Either NextToken or StreamName should be provided.")
	})
}
