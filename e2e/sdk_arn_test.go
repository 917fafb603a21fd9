package e2e

// Every stream-scoped operation addressed by StreamARN alone, and with a
// StreamName that contradicts the ARN.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

func TestStreamARNOnly(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	c := srv.client()
	createStream(t, c, "byarn", 2)
	createStream(t, c, "other", 1)
	arn := aws.String(streamARN("byarn"))

	// Order matters: later steps use what earlier ones produced.
	var seq, iterator *string
	steps := []struct {
		name string
		call func(t *testing.T) error
	}{
		{"DescribeStream", func(t *testing.T) error {
			out, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamARN: arn})
			if err == nil && (aws.ToString(out.StreamDescription.StreamName) != "byarn" || len(out.StreamDescription.Shards) != 2) {
				t.Fatalf("DescribeStream by ARN described %s with %d shards", aws.ToString(out.StreamDescription.StreamName), len(out.StreamDescription.Shards))
			}
			return err
		}},
		{"DescribeStreamSummary", func(t *testing.T) error {
			out, err := c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamARN: arn})
			if err == nil && aws.ToString(out.StreamDescriptionSummary.StreamName) != "byarn" {
				t.Fatalf("described %s", aws.ToString(out.StreamDescriptionSummary.StreamName))
			}
			return err
		}},
		{"ListShards", func(t *testing.T) error {
			out, err := c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamARN: arn})
			if err == nil && len(out.Shards) != 2 {
				t.Fatalf("%d shards", len(out.Shards))
			}
			return err
		}},
		{"PutRecord", func(t *testing.T) error {
			out, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamARN: arn, PartitionKey: aws.String("k"), Data: []byte("by-arn"),
				ExplicitHashKey: aws.String("0")})
			if err == nil {
				seq = out.SequenceNumber
			}
			return err
		}},
		{"PutRecords", func(t *testing.T) error {
			out, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamARN: arn, Records: []types.PutRecordsRequestEntry{
				{PartitionKey: aws.String("k"), Data: []byte("by-arn-2"), ExplicitHashKey: aws.String("0")}}})
			if err == nil && aws.ToInt32(out.FailedRecordCount) != 0 {
				t.Fatalf("FailedRecordCount %d", aws.ToInt32(out.FailedRecordCount))
			}
			return err
		}},
		{"GetShardIterator", func(t *testing.T) error {
			out, err := c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamARN: arn, ShardId: aws.String(shardID(0)),
				ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: seq})
			if err == nil {
				iterator = out.ShardIterator
			}
			return err
		}},
		{"GetRecords", func(t *testing.T) error {
			out, err := c.GetRecords(ctx(t), &kinesis.GetRecordsInput{StreamARN: arn, ShardIterator: iterator})
			if err == nil && (len(out.Records) != 2 || string(out.Records[0].Data) != "by-arn" || string(out.Records[1].Data) != "by-arn-2") {
				t.Fatalf("read %d records", len(out.Records))
			}
			return err
		}},
		{"AddTagsToStream", func(t *testing.T) error {
			_, err := c.AddTagsToStream(ctx(t), &kinesis.AddTagsToStreamInput{StreamARN: arn, Tags: map[string]string{"x": "1", "y": "2"}})
			return err
		}},
		{"RemoveTagsFromStream", func(t *testing.T) error {
			_, err := c.RemoveTagsFromStream(ctx(t), &kinesis.RemoveTagsFromStreamInput{StreamARN: arn, TagKeys: []string{"x"}})
			return err
		}},
		{"ListTagsForStream", func(t *testing.T) error {
			out, err := c.ListTagsForStream(ctx(t), &kinesis.ListTagsForStreamInput{StreamARN: arn})
			if err == nil && !mapsEqual(tagMap(out.Tags), map[string]string{"y": "2"}) {
				t.Fatalf("tags %v", tagMap(out.Tags))
			}
			return err
		}},
		{"IncreaseStreamRetentionPeriod", func(t *testing.T) error {
			_, err := c.IncreaseStreamRetentionPeriod(ctx(t), &kinesis.IncreaseStreamRetentionPeriodInput{StreamARN: arn, RetentionPeriodHours: aws.Int32(48)})
			if err == nil {
				waitActive(t, c, "byarn")
			}
			return err
		}},
		{"DecreaseStreamRetentionPeriod", func(t *testing.T) error {
			_, err := c.DecreaseStreamRetentionPeriod(ctx(t), &kinesis.DecreaseStreamRetentionPeriodInput{StreamARN: arn, RetentionPeriodHours: aws.Int32(24)})
			if err == nil {
				waitActive(t, c, "byarn")
			}
			return err
		}},
		{"DeleteStream", func(t *testing.T) error {
			_, err := c.DeleteStream(ctx(t), &kinesis.DeleteStreamInput{StreamARN: arn})
			if err == nil {
				waitGone(t, c, "byarn")
			}
			return err
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, func(t *testing.T) {
			if err := s.call(t); err != nil {
				t.Fatalf("%s with StreamARN only: %v", s.name, err)
			}
		}) {
			break // later steps depend on this one
		}
	}
}

// TestStreamNameARNMismatch: a StreamName that names another stream than the
// StreamARN is rejected; only the error family is asserted.
func TestStreamNameARNMismatch(t *testing.T) {
	t.Parallel()
	srv := startFastServer(t)
	c := srv.client()
	createStream(t, c, "a", 1)
	createStream(t, c, "b", 1)
	name, arn := aws.String("a"), aws.String(streamARN("b"))
	calls := map[string]func() error{
		"DescribeStream": func() error {
			_, err := c.DescribeStream(ctx(t), &kinesis.DescribeStreamInput{StreamName: name, StreamARN: arn})
			return err
		},
		"DescribeStreamSummary": func() error {
			_, err := c.DescribeStreamSummary(ctx(t), &kinesis.DescribeStreamSummaryInput{StreamName: name, StreamARN: arn})
			return err
		},
		"ListShards": func() error {
			_, err := c.ListShards(ctx(t), &kinesis.ListShardsInput{StreamName: name, StreamARN: arn})
			return err
		},
		"PutRecord": func() error {
			_, err := c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: name, StreamARN: arn, PartitionKey: name, Data: []byte("x")})
			return err
		},
		"PutRecords": func() error {
			_, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: name, StreamARN: arn, Records: []types.PutRecordsRequestEntry{{PartitionKey: name, Data: []byte("x")}}})
			return err
		},
		"GetShardIterator": func() error {
			_, err := c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: name, StreamARN: arn, ShardId: aws.String(shardID(0)), ShardIteratorType: types.ShardIteratorTypeLatest})
			return err
		},
		"AddTagsToStream": func() error {
			_, err := c.AddTagsToStream(ctx(t), &kinesis.AddTagsToStreamInput{StreamName: name, StreamARN: arn, Tags: map[string]string{"k": "v"}})
			return err
		},
		"ListTagsForStream": func() error {
			_, err := c.ListTagsForStream(ctx(t), &kinesis.ListTagsForStreamInput{StreamName: name, StreamARN: arn})
			return err
		},
		"IncreaseStreamRetentionPeriod": func() error {
			_, err := c.IncreaseStreamRetentionPeriod(ctx(t), &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: name, StreamARN: arn, RetentionPeriodHours: aws.Int32(48)})
			return err
		},
		"DeleteStream": func() error {
			_, err := c.DeleteStream(ctx(t), &kinesis.DeleteStreamInput{StreamName: name, StreamARN: arn})
			return err
		},
	}
	for op, call := range calls {
		t.Run(op, func(t *testing.T) {
			requireErrorType(t, call(), "InvalidArgumentException", "ValidationException")
		})
	}
	// Nothing was done to either stream.
	for _, s := range []string{"a", "b"} {
		sum := waitActive(t, c, s)
		if aws.ToInt32(sum.RetentionPeriodHours) != 24 {
			t.Fatalf("stream %s retention %d after rejected calls", s, aws.ToInt32(sum.RetentionPeriodHours))
		}
		if recs := readShard(t, c, s, shardID(0)); len(recs) != 0 {
			t.Fatalf("stream %s got %d records from rejected calls", s, len(recs))
		}
		tags, err := c.ListTagsForStream(ctx(t), &kinesis.ListTagsForStreamInput{StreamName: aws.String(s)})
		if err != nil || len(tags.Tags) != 0 {
			t.Fatalf("stream %s tags %v (%v) after rejected calls", s, tags, err)
		}
	}
}
