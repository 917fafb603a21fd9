package scenario

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

const (
	// callTimeout bounds every single API call.
	callTimeout = 60 * time.Second
	// activeTimeout bounds the wait for a new stream to become ACTIVE.
	activeTimeout = 60 * time.Second
	// maxListPages bounds ListShards pagination.
	maxListPages = 1000
)

// streamName is unique per scenario run.
func streamName(scenario string) string {
	return fmt.Sprintf("bench-%s-%d", scenario, time.Now().UnixNano())
}

// createStream creates a provisioned stream with shards shards and waits
// until DescribeStreamSummary reports it ACTIVE.
func createStream(ctx context.Context, client *kinesis.Client, name string, shards int32) error {
	callCtx, cancel := context.WithTimeout(ctx, callTimeout)
	_, err := client.CreateStream(callCtx, &kinesis.CreateStreamInput{
		StreamName: aws.String(name),
		ShardCount: aws.Int32(shards),
	})
	cancel()
	if err != nil {
		return fmt.Errorf("create stream %s: %w", name, err)
	}
	deadline := time.Now().Add(activeTimeout)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		callCtx, cancel := context.WithTimeout(ctx, callTimeout)
		out, err := client.DescribeStreamSummary(callCtx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		cancel()
		if err != nil {
			return fmt.Errorf("describe stream %s: %w", name, err)
		}
		if out.StreamDescriptionSummary != nil && out.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("stream %s not ACTIVE after %v", name, activeTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// listShards returns the ids of the stream's shards.
func listShards(ctx context.Context, client *kinesis.Client, name string) ([]string, error) {
	var ids []string
	input := &kinesis.ListShardsInput{StreamName: aws.String(name)}
	for range maxListPages {
		callCtx, cancel := context.WithTimeout(ctx, callTimeout)
		out, err := client.ListShards(callCtx, input)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("list shards of %s: %w", name, err)
		}
		for _, s := range out.Shards {
			ids = append(ids, aws.ToString(s.ShardId))
		}
		if out.NextToken == nil {
			if len(ids) == 0 {
				return nil, fmt.Errorf("stream %s has no shards", name)
			}
			return ids, nil
		}
		input = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
	return nil, errors.New("list shards: too many pages")
}
