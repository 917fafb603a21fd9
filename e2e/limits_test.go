package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// The limits tests assert counts, not durations: every token bucket starts
// full with one second's worth (1,000 records, 5 GetRecords calls, 5
// CreateStream calls), so a burst right after start is refused past that
// size. A slow machine can earn a few tokens back between calls, so where
// the exact boundary depends on speed the test checks it only when the
// burst took less than the time one token takes to come back.

const shard0 = "shardId-000000000000"

// putBurst sends calls PutRecords of 500 small records to one shard and
// returns, per call, how many entries were throttled, checking each
// response's shape.
func putBurst(t *testing.T, c *kinesis.Client, stream string, calls int) []int {
	t.Helper()
	entries := make([]types.PutRecordsRequestEntry, 500)
	for i := range entries {
		entries[i] = types.PutRecordsRequestEntry{Data: []byte("0123456789"), PartitionKey: aws.String("k"), ExplicitHashKey: aws.String("0")}
	}
	want := "Rate exceeded for shard " + shard0 + " in stream " + stream + " under account " + testAccount + "."
	var throttled []int
	for call := range calls {
		out, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
		if err != nil {
			t.Fatalf("PutRecords call %d: %v", call+1, err)
		}
		n := 0
		for i, r := range out.Records {
			switch {
			case r.ErrorCode == nil:
				if aws.ToString(r.SequenceNumber) == "" || aws.ToString(r.ShardId) != shard0 {
					t.Fatalf("call %d entry %d: success without SequenceNumber/ShardId: %+v", call+1, i, r)
				}
			case aws.ToString(r.ErrorCode) == "ProvisionedThroughputExceededException" && aws.ToString(r.ErrorMessage) == want && r.SequenceNumber == nil:
				n++
			default:
				t.Fatalf("call %d entry %d: %s %q, want ProvisionedThroughputExceededException %q", call+1, i, aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage), want)
			}
		}
		if got := aws.ToInt32(out.FailedRecordCount); int(got) != n {
			t.Fatalf("call %d: FailedRecordCount %d, but %d entries failed", call+1, got, n)
		}
		throttled = append(throttled, n)
	}
	return throttled
}

// burstUntilRefused calls f up to max times and returns how many calls
// succeeded before the first refusal, the refusal, and how long it took.
func burstUntilRefused(max int, f func(i int) error) (ok int, refusal error, took time.Duration) {
	start := time.Now()
	for i := range max {
		if err := f(i); err != nil {
			return i, err, time.Since(start)
		}
	}
	return max, nil, time.Since(start)
}

func TestLimitsEnforcedPutRecords(t *testing.T) {
	s := startFastServer(t, "--enforce-limits")
	c := s.client()
	createStream(t, c, "lim-put", 1)
	start := time.Now()
	throttled := putBurst(t, c, "lim-put", 4)
	took := time.Since(start)
	t.Logf("2,000 records to one shard in %v: throttled per call %v", took, throttled)
	if throttled[0] != 0 || throttled[1] != 0 {
		t.Fatalf("throttled %v: the first 1,000 records (the burst) must all succeed", throttled)
	}
	if excess := throttled[2] + throttled[3]; excess == 0 {
		t.Fatalf("throttled %v: records over 1,000/s must fail and the rest succeed", throttled)
	} else if took < 100*time.Millisecond && excess < 900 {
		t.Fatalf("throttled %v in %v: at most %d records can have been earned back", throttled, took, 100)
	}
	// 1 MiB/s: in one call, three 400 KiB records to a fresh shard; the
	// third does not fit the 1 MiB burst. Then PutRecord of 900 KiB right
	// away fails whole (it needs about 0.66 s of refill).
	createStream(t, c, "lim-bytes", 1)
	big := make([]byte, 400<<10)
	out, err := c.PutRecords(ctx(t), &kinesis.PutRecordsInput{StreamName: aws.String("lim-bytes"), Records: []types.PutRecordsRequestEntry{
		{Data: big, PartitionKey: aws.String("a")}, {Data: big, PartitionKey: aws.String("b")}, {Data: big, PartitionKey: aws.String("c")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := "Rate exceeded for shard " + shard0 + " in stream lim-bytes under account " + testAccount + "."
	if r := out.Records; aws.ToInt32(out.FailedRecordCount) != 1 || r[0].ErrorCode != nil || r[1].ErrorCode != nil ||
		aws.ToString(r[2].ErrorCode) != "ProvisionedThroughputExceededException" || aws.ToString(r[2].ErrorMessage) != want {
		t.Fatalf("three 400 KiB records: FailedRecordCount %d, records %+v; want the third throttled", aws.ToInt32(out.FailedRecordCount), out.Records)
	}
	_, err = c.PutRecord(ctx(t), &kinesis.PutRecordInput{StreamName: aws.String("lim-bytes"), Data: make([]byte, 900<<10), PartitionKey: aws.String("k")})
	requireError(t, err, "ProvisionedThroughputExceededException", want)
}

func TestLimitsEnforcedGetRecords(t *testing.T) {
	s := startFastServer(t, "--enforce-limits")
	c := s.client()
	createStream(t, c, "lim-get", 1)
	it, err := c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: aws.String("lim-get"), ShardId: aws.String(shard0), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	ok, err, took := burstUntilRefused(20, func(int) error {
		_, err := c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
		return err
	})
	requireError(t, err, "ProvisionedThroughputExceededException", "Rate exceeded for shard "+shard0+" in stream lim-get under account "+testAccount+".")
	if ok < 5 || (took < 200*time.Millisecond && ok != 5) {
		t.Fatalf("%d GetRecords calls succeeded in %v before the throttle, want 5 (5 calls/s per shard)", ok, took)
	}
	// GetShardIterator: 5 per second per shard.
	ok, err, took = burstUntilRefused(20, func(int) error {
		_, err := c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: aws.String("lim-get"), ShardId: aws.String(shard0), ShardIteratorType: types.ShardIteratorTypeLatest})
		return err
	})
	requireErrorType(t, err, "ProvisionedThroughputExceededException")
	if ok < 4 || (took < 200*time.Millisecond && ok != 4) { // one was taken above
		t.Fatalf("%d more GetShardIterator calls succeeded in %v, want 4", ok, took)
	}
}

func TestLimitsEnforcedCreateStream(t *testing.T) {
	s := startFastServer(t, "--enforce-limits")
	c := s.client()
	ok, err, took := burstUntilRefused(20, func(i int) error {
		_, err := c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String(fmt.Sprint("lim-", i)), ShardCount: aws.Int32(1)})
		return err
	})
	requireError(t, err, "LimitExceededException", fmt.Sprintf("Rate exceeded for stream lim-%d under account %s.", ok, testAccount))
	if ok < 5 || (took < 200*time.Millisecond && ok != 5) {
		t.Fatalf("%d CreateStream calls succeeded in %v before the throttle, want 5 (5/s per account)", ok, took)
	}
	// DescribeLimits: 1 per second per account, without a stream.
	_, err, _ = burstUntilRefused(20, func(int) error {
		_, err := c.DescribeLimits(ctx(t), &kinesis.DescribeLimitsInput{})
		return err
	})
	requireError(t, err, "LimitExceededException", "Rate exceeded for account "+testAccount+".")
}

func TestLimitsOffByDefault(t *testing.T) {
	s := startFastServer(t)
	c := s.client()
	createStream(t, c, "free", 1)
	if throttled := putBurst(t, c, "free", 4); throttled[0]+throttled[1]+throttled[2]+throttled[3] != 0 {
		t.Fatalf("throttled %v without --enforce-limits", throttled)
	}
	it, err := c.GetShardIterator(ctx(t), &kinesis.GetShardIteratorInput{StreamName: aws.String("free"), ShardId: aws.String(shard0), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err, _ := burstUntilRefused(10, func(int) error {
		_, err := c.GetRecords(ctx(t), &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(1)})
		return err
	}); err != nil {
		t.Fatalf("GetRecords call %d without --enforce-limits: %v", ok+1, err)
	}
	if ok, err, _ := burstUntilRefused(10, func(i int) error {
		_, err := c.CreateStream(ctx(t), &kinesis.CreateStreamInput{StreamName: aws.String(fmt.Sprint("free-", i)), ShardCount: aws.Int32(1)})
		return err
	}); err != nil {
		t.Fatalf("CreateStream call %d without --enforce-limits: %v", ok+1, err)
	}
}
